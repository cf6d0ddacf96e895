"""The locality page's tables: change per criterion, data coverage and sources, and the
area's own indicator estimates with their intervals (DESIGN 3.6, 5).

Kept apart from ``dashboard.pages.locality`` (the page's layout and callbacks) so that each
module reads in one sitting; the builders take the page's ``LocalityData`` and the
translator ``_`` and return Dash components, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from dashboard import ids
from dashboard.briefing.labels import GROUP_LABELS, SCORE_KINDS
from dashboard.briefing.locality import LocalityData
from dashboard.briefing.numbers import _missing, score_text, signed_text, value_text
from dashboard.components.cards import card
from dashboard.i18n import month_year, number

__all__ = ["change_table", "coverage_table", "estimates_table"]


def _table(first: str, numeric: list[str], rows: list) -> html.Table:
    """A locality table: the first column names the row, the others hold numbers."""
    head = [html.Th(first, scope="col")]
    head += [html.Th(text, scope="col", className="num") for text in numeric]
    return html.Table(
        className="locality-table", children=[html.Thead(html.Tr(head)), html.Tbody(rows)]
    )


def change_cell(value, since, lang):
    if _missing(value):
        return html.Td("–", className="num")
    direction = "up" if value >= 0.05 else "down" if value <= -0.05 else "flat"
    arrow = {"up": "▲", "down": "▼", "flat": "•"}[direction]
    return html.Td(
        className=f"num change-{direction}",
        children=[
            html.Span(arrow + " ", **{"aria-hidden": "true"}),
            signed_text(value, lang),
            html.Span(month_year(since, lang), className="locality-since") if since else None,
        ],
    )


def change_table(data: LocalityData, state, _):
    lang = state.lang
    rows = [
        html.Tr(
            className="locality-row-overall",
            children=[
                html.Th(_("Overall score"), scope="row"),
                html.Td(score_text(data.overall, lang), className="num"),
                change_cell(data.since_previous, data.previous_round, lang),
                change_cell(data.since_first, data.first_round, lang),
            ],
        )
    ]
    rows += [
        html.Tr(
            [
                html.Th(c.label, scope="row"),
                html.Td(score_text(c.score, lang), className="num"),
                change_cell(c.since_previous, c.previous_round, lang),
                change_cell(c.since_first, c.first_round, lang),
            ]
        )
        for c in data.criteria
    ]
    return card(
        _("Change since the previous and the first round"),
        ids.LOCALITY_CHANGE,
        [
            html.P(
                _(
                    "Points of the {kind} gained or lost since the previous round with a "
                    "score and since the first one; the date is that round."
                ).format(kind=_(SCORE_KINDS[data.benchmark])),
                className="locality-caption",
            ),
            _table(
                _("Criterion"),
                [
                    _("Score in {date}").format(date=month_year(data.round, lang)),
                    _("Since the previous round"),
                    _("Since the first round"),
                ],
                rows,
            ),
        ],
    )


def coverage_table(data: LocalityData, state, _):
    lang = state.lang
    many = len(data.members) > 1

    def count(value: int, of: int) -> str:
        return _("{count} of {total}").format(count=number(value, lang), total=number(of, lang))

    def flagged(value: int) -> html.Td:
        return html.Td(number(value, lang), className="num" + (" locality-flag" if value else ""))

    rows = [
        html.Tr(
            [
                html.Th(c.label, scope="row"),
                html.Td(count(c.values_present, c.values_expected), className="num"),
                flagged(c.small_samples),
                flagged(c.fallbacks),
            ]
        )
        for c in data.criteria
    ]
    rows.append(
        html.Tr(
            className="locality-row-overall",
            children=[
                html.Th(_("All criteria"), scope="row"),
                html.Td(count(data.values_present, data.values_expected), className="num"),
                flagged(data.small_samples),
                flagged(data.fallbacks),
            ],
        )
    )
    intro = (
        _(
            "Indicator values of {group} in {date}, over the {count} areas this score rests on. "
            "Small samples have fewer than {n_min} respondents; a fallback comparator is the "
            "parent area's host value or the mean of the round, used where the area's own "
            "host value is missing or rests on a small sample."
        )
        if many
        else _(
            "Indicator values of {group} in {date}. Small samples have fewer than {n_min} "
            "respondents; a fallback comparator is the parent area's host value or the mean "
            "of the round, used where the area's own host value is missing or rests on a "
            "small sample."
        )
    ).format(
        group=_(GROUP_LABELS[data.group]),
        date=month_year(data.round, lang),
        count=number(len(data.members), lang),
        n_min=number(data.n_min, lang),
    )
    sources = [
        html.Li(
            [
                html.Span(source or _("source not recorded"), className="locality-source"),
                " — ",
                rounds_text(rounds, lang, _),
            ]
        )
        for source, rounds in data.sources
    ]
    return card(
        _("Data coverage and sources"),
        ids.LOCALITY_COVERAGE,
        [
            html.P(intro, className="locality-caption"),
            _table(
                _("Criterion"),
                [_("Indicators with a value"), _("Small samples"), _("Fallback comparators")],
                rows,
            ),
            html.H4(_("Sources")),
            html.Ul(sources, id=ids.LOCALITY_SOURCES, className="locality-sources")
            if sources
            else html.P(_("No source is recorded for this area."), id=ids.LOCALITY_SOURCES),
        ],
    )


def estimate_cells(row, n_min: int, lang: str, _) -> list:
    """Estimate, 95 % interval and n of one indicator value. A value on a small sample is
    withheld (DESIGN 8: the page follows the public rule); one without a standard error
    (not a survey estimate) has no interval."""
    n = "–" if _missing(row.n) else number(row.n, lang)
    if row.small:
        withheld = _("withheld: fewer than {n_min} households").format(n_min=number(n_min, lang))
        return [
            html.Td(withheld, colSpan=2, className="locality-flag"),
            html.Td(n, className="num"),
        ]
    if row.interval is None:
        text = _("no standard error") if row.se is None else _("not estimable")
        span = html.Td(text, className="locality-none")
    else:
        low, high = row.interval
        span = html.Td(
            _("{low} to {high}").format(low=value_text(low, lang), high=value_text(high, lang)),
            className="num",
        )
    return [
        html.Td(value_text(row.value, lang), className="num"),
        span,
        html.Td(n, className="num"),
    ]


def estimates_table(data: LocalityData, state, _):
    """The area's own indicator values with their 95 % intervals (DESIGN 3.6)."""
    lang = state.lang
    labels = {c.code: c.label for c in data.criteria}
    rows, criterion = [], None
    for row in data.indicators:
        if row.criterion != criterion:
            criterion = row.criterion
            rows.append(
                html.Tr(
                    html.Th(labels.get(criterion, criterion), colSpan=4, scope="colgroup"),
                    className="locality-row-group",
                )
            )
        rows.append(
            html.Tr([html.Th(row.label, scope="row"), *estimate_cells(row, data.n_min, lang, _)])
        )
    return card(
        _("Indicator estimates"),
        ids.LOCALITY_ESTIMATES,
        [
            html.P(
                _(
                    "Values of {group} in {date}. Survey estimates come with a 95 % interval, "
                    "the estimate plus or minus 1.96 standard errors: the range the value "
                    "would most likely fall in had other households been sampled. n is the "
                    "number of households (or people) the value rests on."
                ).format(group=_(GROUP_LABELS[data.group]), date=month_year(data.round, lang)),
                className="locality-caption",
            ),
            _table(_("Indicator"), [_("Estimate"), _("95 % interval"), "n"], rows),
        ],
        "locality-wide",
    )


def rounds_text(rounds: Sequence[str], lang: str, _) -> str:
    if not rounds:
        return ""
    if len(rounds) == 1:
        return month_year(rounds[0], lang)
    return _("{count} rounds, {first} to {last}").format(
        count=number(len(rounds), lang),
        first=month_year(rounds[0], lang),
        last=month_year(rounds[-1], lang),
    )
