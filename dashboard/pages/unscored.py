"""The locality and priorities pages of a workspace with no score yet (boundaries only,
or boundaries and DTM counts: DESIGN 5's first day). They say plainly what the workspace
can show (persons present per area and round) and what to import next, instead of the
score tables they cannot fill."""

from __future__ import annotations

from dash import html

from dashboard import ids
from dashboard.briefing.counts import (
    COUNT_LABELS,
    CountView,
    count_values,
    counts_at_level,
    holdings,
    next_step,
)
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.i18n import month_year, number, translator

#: Rows of the "areas with the most persons present" table.
TOP_ROWS = 20


def _advice(context: AppContext, lang: str) -> html.P:
    return html.P(next_step(holdings(context), lang), id=ids.NEXT_STEP, className="next-step")


def locality_page(context: AppContext, state: ViewState, pcode: str) -> html.Div | None:
    """The area's persons present per round, and what to import next; None if the
    area is not in the workspace."""
    _ = translator(state.lang)
    if pcode not in context.names:
        return None
    level = int(context.levels[pcode])
    rows = []
    for variable in holdings(context).counts:
        series = counts_at_level(context, variable, level)
        if pcode in series.index:
            for round_, value in series.loc[pcode].dropna().items():
                rows.append(
                    (
                        month_year(round_, state.lang),
                        _(COUNT_LABELS[variable]),
                        number(value, state.lang),
                    )
                )
    children = [
        html.H2(context.names[pcode], id=ids.LOCALITY_NAME),
        html.P(f"{pcode} · " + _("admin level {level}").format(level=level)),
        html.P(
            _("There are no scores for this area yet."),
            id=ids.LOCALITY_EMPTY,
            className="locality-card locality-empty",
        ),
    ]
    if rows:
        children.append(
            html.Table(
                className="data-table",
                children=[
                    html.Caption(_("Persons present per round")),
                    html.Thead(
                        html.Tr([html.Th(_("Round")), html.Th(_("Figure")), html.Th(_("Persons"))])
                    ),
                    html.Tbody([html.Tr([html.Td(c) for c in row]) for row in reversed(rows)]),
                ],
            )
        )
    children.append(_advice(context, state.lang))
    return html.Div(children, id=ids.LOCALITY_PAGE, className="locality-page")


def priorities_page(context: AppContext, state: ViewState) -> html.Div:
    """Areas with the most persons present in the latest round and their change, or
    only what to import next."""
    _ = translator(state.lang)
    children = [
        html.H2(_("Priorities"), className="page-title"),
        html.P(
            _("There are no scores yet, so localities cannot be ranked by their gaps."),
            className="empty",
        ),
        _advice(context, state.lang),
    ]
    held = holdings(context)
    if held.counts and state.level in context.geometry:
        variable = next(iter(held.counts))
        view = CountView(variable, state.level, held.counts[variable][-1])
        values = count_values(context, view).dropna(subset=["present"])
        values = values.sort_values(["present", "name"], ascending=[False, True]).head(TOP_ROWS)
        children.append(
            html.Table(
                className="data-table",
                children=[
                    html.Caption(
                        _("Areas with the most {what}, {round}").format(
                            what=_(COUNT_LABELS[variable]).lower(),
                            round=month_year(view.round, state.lang),
                        )
                    ),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Area")),
                                html.Th(_("P-code")),
                                html.Th(_("Persons")),
                                html.Th(_("Change since the previous round")),
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Td(row.name),
                                    html.Td(row.pcode),
                                    html.Td(number(row.present, state.lang)),
                                    html.Td(
                                        "–"
                                        if row.since_previous != row.since_previous
                                        else number(row.since_previous, state.lang)
                                    ),
                                ]
                            )
                            for row in values.itertuples()
                        ]
                    ),
                ],
            )
        )
    return html.Div(children, className="priorities-page", lang=state.lang)
