"""The priorities page (``/priorities``, DESIGN 5): which localities are furthest from
durable solutions, how sure that ranking is, and a CSV of the table.

The view (round, group, benchmark, admin level, criteria set, language) comes from the
URL as a ``ViewState``; the page states it in one line and links back to the map to
change it. The table is a dash-ag-grid (its scripts and styles are bundled: nothing is
fetched from outside the app). Area names and every other text from data reach the
browser as row data and are drawn by the renderers in
``assets/dashAgGridComponentFunctions.js``, which build elements with React (text
children, never HTML); numbers are formatted here in the reader's language.

``rows`` and ``column_defs`` are pure and tested without a browser; ``download`` is what
the download button's callback returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from urllib.parse import quote

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import ids
from dashboard.briefing.areas import blank_withheld, priority_table
from dashboard.briefing.exports import priorities_export
from dashboard.briefing.labels import BENCHMARK_LABELS, GROUP_LABELS, LOW_RELIABILITY, class_label
from dashboard.briefing.numbers import score_text, signed_text
from dashboard.briefing.view import ViewState, to_query
from dashboard.components.download import download_button
from dashboard.context import AppContext
from dashboard.figures.map import CLASS_COLOURS, NO_SCORE_COLOUR
from dashboard.i18n import direction, month_year, number, translator
from dashboard.pages import unscored
from dashboard.pages.priorities_grid import column_defs, grid_locale_text
from dashboard.serving import current_context, is_public_view

_AUTO_HEIGHT_ROWS = 15


#: Query keys that change this page (the router re-renders it when they change).
RENDER_KEYS = ("round", "level", "group", "benchmark", "core", "lang")


def _relative(path: str) -> str:
    """``path`` under the app's URL prefix (``requests_pathname_prefix``)."""
    try:
        return dash.get_relative_path(path)
    except Exception:  # no app configured (tests of the pure builders)
        return path


def _float(value: object, digits: int = 2) -> float | None:
    """A JSON-safe number, rounded (the browser sorts and filters on it): None if missing."""
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def _band_text(low: float | None, high: float | None, count: float | None, lang: str) -> str:
    _ = translator(lang)
    if low is None or high is None or count is None:
        return "–"
    if number(low, lang) == number(high, lang):
        return _("{rank} of {count}").format(rank=number(low, lang), count=number(count, lang))
    return _("{low} to {high} of {count}").format(
        low=number(low, lang), high=number(high, lang), count=number(count, lang)
    )


def rows(
    context: AppContext, state: ViewState, query: str = "", withhold: bool | None = None
) -> list[dict]:
    """The grid's row data for ``state``, in priority order. Numbers stay numbers (for
    sorting and filtering); each has a ``*_text`` twin formatted for ``state.lang``.
    ``href`` opens the locality page with ``query`` (the view's query string).
    ``withhold`` (default: the reader's role, ``is_public_view``) empties what small
    samples withhold.

    Made once per generation (the context's), view, query and rule: the texts are
    formatted number by number (Babel), tens of milliseconds of a served worker's
    interpreter for each page load otherwise. Each call gets its own dicts."""
    withhold = is_public_view() if withhold is None else withhold
    made = context.kept(
        ("priority_rows", state, query, withhold), lambda: _rows(context, state, query, withhold)
    )
    return [dict(row) for row in made]


def _rows(context: AppContext, state: ViewState, query: str, withhold: bool) -> list[dict]:
    _ = translator(state.lang)
    lang, framework = state.lang, context.framework
    # An analyst's screen keeps the values, flagged "withheld"; the public view (viewer,
    # anonymous readers: DESIGN 5.1) leaves them empty, as the CSV does (``blank_withheld``).
    table = priority_table(context, state)
    if withhold:
        table = blank_withheld(table)
    out = []
    for r in table.to_dict("records"):
        klass = None if pd.isna(r["class"]) else int(r["class"])
        reliability = _float(r["reliability"])
        median, low, high = (_float(r[k]) for k in ("median_rank", "rank_low", "rank_high"))
        ranked = _float(r["ranked_areas"])
        small, present = int(r["small_indicators"]), int(r["indicators"])
        weakest = r["weakest"]
        out.append(
            {
                "pcode": r["pcode"],
                "name": r["name"],
                "href": _relative("/locality/" + quote(str(r["pcode"]), safe="")) + query,
                "parent": r["parent_name"] or "",
                "score": _float(r["score"]),
                "score_text": score_text(r["score"], lang),
                "class": klass,
                "class_label": class_label(klass, lang) or _("no score"),
                "class_colour": CLASS_COLOURS.get(klass, NO_SCORE_COLOUR),
                "since_previous": _float(r["since_previous"]),
                "since_previous_text": signed_text(r["since_previous"], lang),
                "since_first": _float(r["since_first"]),
                "since_first_text": signed_text(r["since_first"], lang),
                "idps": _float(r["idps_present"]),
                "idps_text": number(r["idps_present"], lang, 0),
                "weakest_label": framework.label(weakest, lang) if weakest else "",
                "weakest_score": _float(r["weakest_score"]),
                "weakest_text": score_text(r["weakest_score"], lang),
                "reliability": reliability,
                "reliability_text": number(reliability, lang, 1),
                "low_reliability": reliability is not None and reliability >= LOW_RELIABILITY,
                "median_rank": median,
                "median_text": number(median, lang, 1 if median and median % 1 else 0),
                "rank_low": low,
                "rank_high": high,
                "ranked_areas": ranked,
                "band_text": _band_text(low, high, ranked, lang),
                "small": small,
                "indicators": present,
                "small_text": (
                    _("{small} of {count}").format(small=small, count=present) if small else ""
                ),
                "withheld": bool(r["suppressed"]),
                "rolled_up": bool(r["rolled_up"]),
            }
        )
    return out


def filters_summary(context: AppContext, state: ViewState, count: int) -> list:
    """The filters in force, as children of one paragraph."""
    _ = translator(state.lang)
    mode = _("IRIS core criteria") if state.core else _("All criteria")
    items = [
        (_("Round"), month_year(state.round, state.lang) if state.round else "–"),
        (_("Admin level"), str(state.level)),
        (_("Group"), _(GROUP_LABELS.get(state.group, state.group))),
        (_("Benchmark"), _(BENCHMARK_LABELS.get(state.benchmark, state.benchmark))),
        (_("Criteria"), mode),
    ]
    children: list = []
    for label, value in items:
        children.append(
            html.Span(
                className="filter-item",
                children=[html.Span(label + ": ", className="filter-key"), html.Strong(value)],
            )
        )
    children.append(
        html.Span(
            _("{count} localities with data.").format(count=number(count, state.lang)),
            id=ids.PRIORITIES_COUNT,
            className="filter-item filter-count",
        )
    )
    children.append(
        dcc.Link(
            _("Change the view on the map"),
            href=_relative("/") + to_query(state),
            className="filter-link",
        )
    )
    return children


def _help(context: AppContext, state: ViewState) -> html.Details:
    _ = translator(state.lang)
    n_min = context.framework.n_min
    return html.Details(
        id=ids.PRIORITIES_HELP,
        className="priorities-help",
        open=True,
        children=[
            html.Summary(_("How to read this table")),
            html.Ul(
                [
                    html.Li(
                        _(
                            "Rank 1 is the locality furthest from durable solutions: the "
                            "lowest overall score in this round. Each rank was computed again "
                            "200 times with every criterion weight varied by up to a quarter "
                            "and with geometric or arithmetic aggregation. The rank shown is "
                            "the median of these results."
                        )
                    ),
                    html.Li(
                        _(
                            "The rank range holds 90 percent of the results (5th to 95th "
                            "percentile). A narrow range means the position does not depend on "
                            "choices of method; where ranges overlap, the order of those "
                            "localities is uncertain."
                        )
                    ),
                    html.Li(
                        _(
                            "Reliability runs from 0 (most reliable) to 10 (least reliable). It "
                            "grows with indicators without data, values from small samples and "
                            "comparisons with a borrowed comparator. Values of {threshold} or "
                            "more are marked as low reliability."
                        ).format(threshold=number(LOW_RELIABILITY, state.lang, 0))
                    ),
                    html.Li(
                        _(
                            "Small samples counts the indicator values behind the score that "
                            "come from fewer than {n_min} households. Where they make up half "
                            "or more of the values, the score is withheld in the CSV download."
                        ).format(n_min=n_min)
                    ),
                ]
            ),
        ],
    )


def filename(context: AppContext, state: ViewState, extension: str = "csv") -> str:
    """``priorities-adm2-2025-12-01-idp-parity[-iris].csv`` (or ``.xlsx``, ``.zip``)."""
    core = "-iris" if state.core else ""
    level = state.level if state.level in context.scored_levels else "x"
    stem = f"priorities-adm{level}-{state.round}-{state.group}-{state.benchmark}{core}"
    return f"{stem}.{extension}"


def layout(context: AppContext, state: ViewState, **params) -> html.Div:
    """The priorities page for ``state`` (the router's page contract)."""
    _ = translator(state.lang)
    if not context.rounds:  # no score anywhere yet: what the workspace holds instead
        return unscored.priorities_page(context, state)
    query = to_query(state, params.get("search") or "")
    data = rows(context, state, query)
    if not context.scored_levels or not data:
        body: list = [
            html.P(
                _("There are no scores for this round, group and admin level."),
                className="empty",
            )
        ]
    else:
        body = [
            html.Div(
                className="priorities-toolbar",
                children=[
                    html.Label(
                        _("Search the table"),
                        htmlFor=ids.PRIORITIES_QUICK_FILTER,
                        className="control-label",
                    ),
                    dcc.Input(
                        id=ids.PRIORITIES_QUICK_FILTER,
                        type="search",
                        debounce=False,
                        placeholder=_("Name, P-code, class or criterion"),
                        className="priorities-search",
                        autoComplete="off",
                    ),
                    *download_button(
                        _("Download Excel"),
                        button_id=ids.PRIORITIES_DOWNLOAD_BUTTON,
                        download_id=ids.PRIORITIES_DOWNLOAD,
                        title=_(
                            "This table as an Excel workbook: the data with an HXL tag row on "
                            "the first sheet, its metadata (sources, rounds, framework, each "
                            "column) on the second; scores resting on small samples are left "
                            "empty."
                        ),
                    ),
                    *download_button(
                        _("Download CSV and metadata (zip)"),
                        button_id=ids.PRIORITIES_CSV_BUTTON,
                        download_id=ids.PRIORITIES_CSV_DOWNLOAD,
                        title=_(
                            "This table as CSV with an HXL tag row, and its metadata in a JSON "
                            "file beside it; scores resting on small samples are left empty."
                        ),
                    ),
                ],
            ),
            dag.AgGrid(
                id=ids.PRIORITIES_GRID,
                rowData=data,
                columnDefs=column_defs(state, context.framework.n_min),
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "filter": True,
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                },
                getRowId="params.data.pcode",
                dashGridOptions={
                    "animateRows": False,
                    "enableCellTextSelection": True,
                    "ensureDomOrder": True,
                    "quickFilterText": "",
                    "localeText": grid_locale_text(state.lang),
                    "enableRtl": direction(state.lang) == "rtl",
                    "tooltipShowDelay": 300,
                    "loadThemeGoogleFonts": False,
                    # A short table takes its own height; a long one scrolls inside 640 px.
                    **({"domLayout": "autoHeight"} if len(data) <= _AUTO_HEIGHT_ROWS else {}),
                },
                className="priorities-grid",
                style={"width": "100%"}
                | ({} if len(data) <= _AUTO_HEIGHT_ROWS else {"height": "640px"}),
            ),
        ]
    return html.Div(
        className="priorities-page",
        lang=state.lang,
        children=[
            dcc.Store(id=ids.PRIORITIES_STATE, data=dataclasses.asdict(state)),
            html.H2(_("Priorities"), className="page-title"),
            html.P(
                _(
                    "Localities of one admin level ranked from furthest to closest to durable "
                    "solutions, with the criterion that holds each back and how far to trust "
                    "the numbers."
                ),
                className="page-lead",
            ),
            html.P(
                filters_summary(context, state, len(data)),
                id=ids.PRIORITIES_SUMMARY,
                className="filters-summary",
            ),
            _help(context, state),
            *body,
        ],
    )


def download(
    context: AppContext,
    stored: dict | None,
    kind: str = "xlsx",
    *,
    withhold_small_samples: bool = True,
) -> dict | None:
    """What ``dcc.Download`` receives for the view stored with the page (None: nothing):
    ``kind`` ``xlsx`` (sheets Data and Metadata) or ``zip`` (the CSV and its
    ``-metadata.json`` sidecar). ``withhold_small_samples`` as the reader's role allows
    (the public view withholds them; the default is the public rule)."""
    if not stored:
        return None
    fields = {f.name for f in dataclasses.fields(ViewState)}
    state = ViewState(**{k: v for k, v in stored.items() if k in fields})
    kind = "zip" if kind == "zip" else "xlsx"

    def build() -> bytes:
        export = priorities_export(
            context,
            state,
            withhold_small_samples=withhold_small_samples,
            data_file=filename(context, state, "csv"),
        )
        return export.zip() if kind == "zip" else export.xlsx()

    # One file per generation (the context's), view, rule and day: a team downloads the
    # same few views, and writing a workbook costs a worker ~0.1 s of its interpreter,
    # which the map's slider steps of other readers wait behind. The day keeps the
    # metadata's date made (and the day in it) true.
    day = dt.datetime.now(dt.UTC).date().isoformat()
    data = context.kept(("priorities_file", kind, state, withhold_small_samples, day), build)
    return dcc.send_bytes(data, filename(context, state, kind))


# Quick filter in the browser: no round trip for each key press on a slow link.
_QUICK_FILTER = """function (text, options) {
    return Object.assign({}, options || {}, {quickFilterText: text || ''});
}"""


def register(app: dash.Dash, context: AppContext) -> None:
    """The page's callbacks: the downloads (server) and the quick filter (browser)."""
    _register_download(app, context, download)
    app.clientside_callback(
        _QUICK_FILTER,
        Output(ids.PRIORITIES_GRID, "dashGridOptions"),
        Input(ids.PRIORITIES_QUICK_FILTER, "value"),
        State(ids.PRIORITIES_GRID, "dashGridOptions"),
        prevent_initial_call=True,
    )


def _register_download(app: dash.Dash, context: AppContext, build: Callable) -> None:
    @app.callback(
        Output(ids.PRIORITIES_DOWNLOAD, "data"),
        Input(ids.PRIORITIES_DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.PRIORITIES_STATE, "data"),
        prevent_initial_call=True,
    )
    def download_priorities(n_clicks, stored):
        if not n_clicks:
            return dash.no_update
        return build(
            current_context(context), stored, "xlsx", withhold_small_samples=is_public_view()
        )

    @app.callback(
        Output(ids.PRIORITIES_CSV_DOWNLOAD, "data"),
        Input(ids.PRIORITIES_CSV_BUTTON, "n_clicks"),
        State(ids.PRIORITIES_STATE, "data"),
        prevent_initial_call=True,
    )
    def download_priorities_csv(n_clicks, stored):
        if not n_clicks:
            return dash.no_update
        return build(
            current_context(context), stored, "zip", withhold_small_samples=is_public_view()
        )
