"""The locality page, ``/locality/<pcode>``: one area's scores in depth (DESIGN 5).

For the view's displaced group, benchmark, criteria set (all or IRIS core) and round:

- a header (name, P-code, admin level, parent, overall score, class, reliability, IDPs
  present, change since the previous and the first round);
- a short summary in plain words, made from the numbers by ``summary_sentences``;
- each criterion against the comparator (``criterion_bars_figure``), the profile this
  round against the first round with a score (``profile_figure``), and each criterion
  over time (``timeseries_figure``);
- change per criterion, data coverage (values present, small samples, fallback
  comparators) and the data sources with their rounds.

Areas with displaced-group data of their own are read from ``context.scores``; parent
areas without any (regions, the country) from ``context.level_scores``, whose scores
are rolled up from their children weighted by IDPs present (DESIGN 4.8). The page says
which.

The figure builders and ``summary_sentences`` are pure (numbers in, figure or text out,
no Dash) so that the PDF report draws the same figures and writes the same sentences.
Text from data files (area names, labels, sources) is passed to Dash as component
children or props, which React escapes, and to Plotly escaped (Plotly reads a subset of
HTML in its text). Nothing is kept in module globals: derived tables are memoised on the
``AppContext`` of the process, like its own roll-ups.
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import quote

from dash import dcc, get_relative_path, html

from dashboard import ids
from dashboard.briefing.labels import (
    GROUP_LABELS,
    HOST_NAME,
    SCORE_KINDS,
    VIEW_PHRASES,
    class_label,
    is_low_reliability,
)
from dashboard.briefing.locality import LocalityData, locality_data
from dashboard.briefing.numbers import _missing, score_text, signed_text
from dashboard.briefing.summary import summary_sentences
from dashboard.briefing.view import to_query
from dashboard.briefing.withholding import withhold_locality
from dashboard.components.cards import card, graph, kpi
from dashboard.figures.locality import criterion_bars_figure, profile_figure, timeseries_figure
from dashboard.figures.map import CLASS_COLOURS, NO_SCORE_COLOUR
from dashboard.i18n import direction, month_year, number, translator
from dashboard.pages import unscored
from dashboard.pages.locality_tables import change_table, coverage_table, estimates_table
from dashboard.serving import is_public_view


def _query(state) -> str:
    return to_query(state)  # the map owns the URL format


def _href(path: str, state) -> str:
    """``path`` under the app's prefix (``requests_pathname_prefix``), with the view's
    query, so every link keeps round, level, group, benchmark, core and lang."""
    with suppress(AttributeError):  # no Dash app in this process (tests, the PDF report)
        path = get_relative_path(path)
    return path + _query(state)


def _locality_href(pcode: str, state) -> str:
    return _href(f"/locality/{quote(pcode, safe='')}", state)


def _not_found(pcode: str, state, _):
    return html.Div(
        id=ids.LOCALITY_NOT_FOUND,
        className="locality-page locality-missing",
        children=[
            html.H2(_("Area not found")),
            html.P(
                _("There is no area with the P-code {pcode} in this workspace.").format(pcode=pcode)
            ),
            dcc.Link(_("Back to the map"), href=_href("/", state), className="locality-back"),
        ],
    )


def _class_badge(data: LocalityData, lang: str, _):
    if data.score_class is None:
        return html.Span(_("no class"), className="locality-class locality-class-none")
    colour = CLASS_COLOURS.get(data.score_class, NO_SCORE_COLOUR)
    return html.Span(
        className="locality-class",
        style={"borderColor": colour},
        children=[
            html.Span(className="locality-swatch", style={"background": colour}),
            class_label(data.score_class, lang),
        ],
    )


def _change_text(value, since, lang, _) -> str | None:
    if _missing(value) or since is None:
        return None
    return _("{change} since {date}").format(
        change=signed_text(value, lang), date=month_year(since, lang)
    )


def _header(data: LocalityData, state, _):
    lang = state.lang
    present = data.returnees_present if data.group == "returnee" else data.idps_present
    view = _(VIEW_PHRASES[data.group, data.benchmark]) + ", " + month_year(data.round, lang)
    if data.core:
        view += " · " + _("IRIS core criteria")
    facts = [
        html.Span(_("P-code {pcode}").format(pcode=data.pcode)),
        html.Span(_("Admin level {level}").format(level=data.level)),
    ]
    if data.parent:
        facts.append(
            html.Span(
                [
                    _("Part of") + " ",
                    dcc.Link(data.parent_name, href=_locality_href(data.parent, state)),
                ]
            )
        )
    source_note = None
    if data.scored and data.rolled_up:
        source_note = html.P(
            _(
                "This area has no survey data of its own for this group: its scores are the "
                "mean of {count} areas within it, weighted by the IDPs present in each."
            ).format(count=number(len(data.members), lang)),
            className="locality-note",
        )
    low = is_low_reliability(data.reliability)
    reliability_value = (
        "–"
        if _missing(data.reliability)
        else [
            _("{value} / 10").format(value=number(data.reliability, lang, 1)),
            html.Span(
                [html.Span("⚠", **{"aria-hidden": "true"}), " " + _("low reliability")],
                className="locality-low",
            )
            if low
            else None,
        ]
    )
    kpis = html.Dl(
        className="locality-kpis",
        children=[
            kpi(
                _("Overall score"),
                [html.Span(score_text(data.overall, lang), className="locality-big"), " / 100"],
                _class_badge(data, lang, _),
            ),
            kpi(
                _("Change"),
                signed_text(data.since_previous, lang) if data.previous_round else "–",
                [
                    _("since {date}").format(date=month_year(data.previous_round, lang))
                    if data.previous_round
                    else _("no earlier round with a score"),
                    html.Br(),
                    _change_text(data.since_first, data.first_round, lang, _) or "",
                ],
            ),
            kpi(
                _("Reliability"),
                reliability_value,
                _("0 = all values present, own comparator, adequate samples; 10 = least reliable."),
                "locality-kpi-low" if low else "",
            ),
            # The card follows the view's group: returnees present for returnees.
            kpi(
                _("Returnees present") if data.group == "returnee" else _("IDPs present"),
                number(present, lang) if not _missing(present) else "–",
                _("in {date}").format(date=month_year(data.round, lang))
                if not _missing(present)
                else _("not reported"),
            ),
        ],
    )
    return html.Header(
        className="locality-header",
        children=[
            html.P(facts, className="locality-facts"),
            html.H2(data.name, id=ids.LOCALITY_NAME, className="locality-name"),
            html.P(view, className="locality-view"),
            source_note,
            kpis,
        ],
    )


def _bars(data: LocalityData, state, _):
    lang = state.lang
    labels = [c.label for c in data.criteria]
    group = _(GROUP_LABELS[data.group])
    host = _(HOST_NAME)
    parity = data.benchmark == "parity"
    figure = criterion_bars_figure(
        labels,
        [c.absolute for c in data.criteria],
        [c.comparator for c in data.criteria] if parity else None,
        parity=[c.parity for c in data.criteria] if parity else None,
        group_name=group,
        comparator_name=host,
        lang=lang,
    )
    if parity:
        intro = _(
            "Absolute scores of {group} and of the host community they are compared with, "
            "on the same indicators: 0 is the worst goalpost, 100 the best. The gap between "
            "the bars is what the parity score measures."
        ).format(group=group)
        parts = [
            _("{criterion}: {group} {score}, host community {host}").format(
                criterion=c.label,
                group=group,
                score=score_text(c.absolute, lang),
                host=score_text(c.comparator, lang),
            )
            for c in data.criteria
        ]
    else:
        intro = _(
            "Absolute scores of {group} per criterion: 0 is the worst goalpost, 100 the best."
        ).format(group=group)
        parts = [
            _("{criterion}: {score}").format(criterion=c.label, score=score_text(c.absolute, lang))
            for c in data.criteria
        ]
    return card(
        _("Each criterion against the comparator"),
        ids.LOCALITY_BARS + "-section",
        [
            html.P(intro, className="locality-caption"),
            graph(
                ids.LOCALITY_BARS,
                figure,
                _("Bar chart of the criterion scores"),
                "; ".join(parts) + ". " + _("A dash means no data."),
                f"{data.pcode}-criteria",
            ),
        ],
    )


def _profile(data: LocalityData, state, _):
    lang = state.lang
    labels = [c.label for c in data.criteria]
    now = data.rounds.index(data.round)
    current = [c.series[now] for c in data.criteria]
    baseline_round = data.baseline_round
    baseline = None
    if baseline_round and baseline_round != data.round:
        at = data.rounds.index(baseline_round)
        baseline = [c.series[at] for c in data.criteria]
    figure = profile_figure(
        labels,
        current,
        baseline,
        current_name=month_year(data.round, lang),
        baseline_name=month_year(baseline_round, lang) if baseline_round else "",
        lang=lang,
    )
    if baseline is not None:
        description = "; ".join(
            _("{criterion}: {new} in {date}, {old} in {first}").format(
                criterion=c.label,
                new=score_text(c.series[now], lang),
                date=month_year(data.round, lang),
                old=score_text(b, lang),
                first=month_year(baseline_round, lang),
            )
            for c, b in zip(data.criteria, baseline, strict=True)
        )
        intro = _(
            "The {kind} of each criterion in {date}, against the first round with a "
            "score, {first}. Further out is better."
        ).format(
            kind=_(SCORE_KINDS[data.benchmark]),
            date=month_year(data.round, lang),
            first=month_year(baseline_round, lang),
        )
    else:
        description = "; ".join(
            _("{criterion}: {score}").format(criterion=c.label, score=score_text(v, lang))
            for c, v in zip(data.criteria, current, strict=True)
        )
        intro = _("The {kind} of each criterion in {date}. Further out is better.").format(
            kind=_(SCORE_KINDS[data.benchmark]),
            date=month_year(data.round, lang),
        )
    return card(
        _("Profile"),
        ids.LOCALITY_PROFILE + "-section",
        [
            html.P(intro, className="locality-caption"),
            graph(
                ids.LOCALITY_PROFILE,
                figure,
                _("Radar chart of the criterion scores"),
                description + ".",
                f"{data.pcode}-profile",
            ),
        ],
    )


def _timeseries(data: LocalityData, state, _):
    lang = state.lang
    series = {c.label: c.series for c in data.criteria}
    figure = timeseries_figure(
        data.rounds,
        series,
        data.overall_series,
        marked=data.round,
        overall_name=_("Overall score"),
        lang=lang,
        # The height is the style sheet's (locality.css): more on a phone, for the legend.
        height=None,
    )
    dates = [month_year(r, lang) for r in data.rounds]

    def line(label, values):
        shown = [
            f"{d} {score_text(v, lang)}"
            for d, v in zip(dates, values, strict=True)
            if not _missing(v)
        ]
        return _("{criterion}: {values}").format(
            criterion=label, values=", ".join(shown) or _("no data")
        )

    description = "; ".join(
        [line(_("Overall score"), data.overall_series)]
        + [line(c.label, c.series) for c in data.criteria]
    )
    return card(
        _("Criteria over time"),
        ids.LOCALITY_TIMESERIES + "-section",
        [
            html.P(
                _(
                    "The {kind} per survey round; the overall score is the thick dark line. "
                    "Gaps are rounds without enough data for a score."
                ).format(kind=_(SCORE_KINDS[data.benchmark])),
                className="locality-caption",
            ),
            graph(
                ids.LOCALITY_TIMESERIES,
                figure,
                _("Line chart of the criterion scores over the survey rounds"),
                description + ".",
                f"{data.pcode}-timeseries",
                graph_class="locality-timeseries-graph",
            ),
        ],
        "locality-wide",
    )


def _summary(data: LocalityData, state, _):
    sentences = summary_sentences(
        {c.label: c.series for c in data.criteria},
        data.rounds,
        data.round,
        overall=data.overall_series,
        small_samples=data.small_samples,
        values_total=data.values_expected,
        n_min=data.n_min,
        areas=max(len(data.members), 1),
        lang=state.lang,
    )
    return card(
        _("In short"),
        ids.LOCALITY_SUMMARY,
        [html.Ul([html.Li(s) for s in sentences], className="locality-summary")],
        "locality-summary-card",
    )


def _nav(state, _):
    return html.Nav(
        className="locality-nav",
        **{"aria-label": _("Related pages")},
        children=[
            dcc.Link(
                ("→ " if direction(state.lang) == "rtl" else "← ") + _("Back to the map"),
                href=_href("/", state),
                className="locality-back",
            ),
            dcc.Link(_("Priorities"), href=_href("/priorities", state), className="locality-link"),
        ],
    )


def layout(context, state, pcode: str = "", **_params):
    """The locality page of area ``pcode`` for the view ``state`` (built per request)."""
    _ = translator(state.lang)
    pcode = str(pcode or "").strip()
    if not context.rounds:  # no score anywhere yet: what the workspace holds instead
        page = unscored.locality_page(context, state, pcode)
        return _not_found(pcode, state, _) if page is None else page
    data = locality_data(context, state, pcode)
    if data is None:
        return _not_found(pcode, state, _)
    if is_public_view():  # viewer or anonymous reader: small samples withheld (DESIGN 5.1)
        data = withhold_locality(context, data)
    children = [_nav(state, _), _header(data, state, _)]
    nothing = all(_missing(v) for v in data.overall_series) and all(
        _missing(v) for c in data.criteria for v in c.series
    )
    if not data.scored or nothing:
        message = (
            _("There are no scores for {group} in this area.").format(
                group=_(GROUP_LABELS[data.group])
            )
            if data.scored
            else _("There are no scores for this area: none of it has survey data.")
        )
        children.append(
            html.P(message, id=ids.LOCALITY_EMPTY, className="locality-card locality-empty")
        )
        return html.Div(children, id=ids.LOCALITY_PAGE, className="locality-page")
    children += [
        _summary(data, state, _),
        html.Div(
            className="locality-grid",
            children=[_bars(data, state, _), _profile(data, state, _)],
        ),
        _timeseries(data, state, _),
        change_table(data, state, _),
        coverage_table(data, state, _),
    ]
    if data.indicators:
        children.append(estimates_table(data, state, _))
    return html.Div(children, id=ids.LOCALITY_PAGE, className="locality-page")


def register(app, context) -> None:
    """The locality page is static per URL: the router renders it, nothing updates it,
    so it registers no callback (the page contract asks every page for ``register``)."""
    return None
