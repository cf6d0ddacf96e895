"""The map page, ``/``, as plain functions testable without a browser (DESIGN 2, 5).

The view is a ``ViewState`` read from the URL by ``dashboard.briefing.view.parse_query``.

The map page is built by ``map_page(source, state)`` (the page contract's ``layout``)
from a ``MapSource`` (``dashboard.briefing.map_data``): the app's read-only map data
(each level's areas in geometry order, where the browser fetches the geometry).
``register`` wires these plain functions to Dash with one-line
callbacks:

- ``sync_url``: URL query <-> controls, in one callback (Dash allows a callback to be
  circular with itself, not across callbacks). A changed URL (back/forward) sets the
  controls; a changed control rewrites the query. A new level, criteria set or language
  makes the router (``dashboard.router``) build the page again; the other controls do not.
- ``update_map``: controls -> a ``dash.Patch`` of the map that replaces only the values
  (``z``, ``customdata``, the low-reliability outline's areas; plus the hover template
  when the criterion may have changed), the caption and the text summary. The geometry
  and layout never travel again.
- ``locality_target``: a click on an area, or a choice in "Find an area" (the keyboard's
  way to an area; ``area_options`` answers what is typed) -> its locality page, query
  kept.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

import pandas as pd
from dash import Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.briefing.map_data import (
    MapLayer,
    MapSource,
    _hover_label,
    caption,
    change_label,
    comparison,
    map_summary,
)
from dashboard.briefing.view import (
    SHOWS,
    ViewOptions,
    ViewState,
    parse_query,
    state_from_controls,
    to_query,
)
from dashboard.context import AppContext
from dashboard.figures.map import (
    NO_SCORE_TRACE,
    OUTLINE_COLOUR,
    RELIABILITY_TRACES,
    SCORE_TRACE,
    class_legend,
    hovertemplate,
    low_reliability_locations,
    no_score_arrays,
    score_arrays,
)
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    language,
    month_year,
    translator,
)
from dashboard.pages.map_controls import map_controls
from dashboard.pages.map_facts import (
    headline_strip,
    legend_text,
    show_hrefs,
    show_links,
    update_headline,
    update_legend,
)


def sync_url(
    trigger: str | None,
    search: str | None,
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    options: ViewOptions,
    level: int | None = None,
    core: str | None = None,
    indicator: str | None = None,
) -> tuple:
    """Keep URL and controls in step. Returns (search, criterion, group, benchmark,
    round index, level, core, indicator), with ``no_update`` for whatever need not
    change (the indicator control says "" for none).

    ``trigger`` is the id of the component that fired (None on first load). The URL
    wins on first load and on back/forward; otherwise the controls write the URL.
    """
    url_state = parse_query(search, options)
    if trigger in (None, ids.URL, ids.MAP_URL):
        wanted = (
            url_state.criterion,
            url_state.group,
            url_state.benchmark,
            options.rounds.index(url_state.round) if options.rounds else 0,
            url_state.level,
            "iris" if url_state.core else "all",
            url_state.indicator,
        )
        current = (criterion, group, benchmark, round_index, level, core, indicator or "")
        return (
            no_update,
            *(new if new != old else no_update for new, old in zip(wanted, current, strict=True)),
        )
    state = state_from_controls(
        criterion,
        group,
        benchmark,
        round_index,
        options,
        level=url_state.level if level is None else level,
        core=url_state.core if core is None else core == "iris",
        lang=url_state.lang,
        indicator=indicator,
    )
    query = to_query(state, keep=search, owned=("core", "indicator"))
    return (query if query != (search or "") else no_update, *(no_update,) * 7)


def locality_path(click_data: Mapping | None, relative: Callable[[str], str] = str) -> str:
    """The path of the locality page of the clicked area (``no_update`` without one).
    ``relative`` prefixes the app's path (``Dash.get_relative_path``)."""
    points = (click_data or {}).get("points") or []
    for point in points:
        pcode = point.get("location")
        if isinstance(pcode, str) and pcode:
            return relative("/locality/" + quote(pcode, safe=""))
    return no_update


def _search_key(text: str) -> str:
    """Case- and accent-blind form of a name or P-code, for "Find an area"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def area_options(
    layer: MapLayer, text: str | None, limit: int = 20, keep: str | None = None
) -> list[dict]:
    """Dropdown options of the layer's areas whose name or P-code contains ``text``
    (names that start with it first), at most ``limit``; ``keep`` (the chosen P-code)
    stays among them. Labels are plain text: "Name (P-code)"."""
    wanted = _search_key(text or "")
    found = []
    if wanted:
        for pcode, name in zip(layer.locations, layer.names, strict=True):
            key_name, key_code = _search_key(name), _search_key(pcode)
            if wanted in key_name or wanted in key_code:
                starts = key_name.startswith(wanted) or key_code.startswith(wanted)
                found.append((not starts, key_name, pcode, name))
    found.sort()
    chosen = [
        (False, "", pcode, name)
        for pcode, name in zip(layer.locations, layer.names, strict=True)
        if pcode == keep
    ]
    rows = chosen + [row for row in found if row[2] != keep][: max(limit - len(chosen), 0)]
    return [{"label": f"{name} ({pcode})", "value": pcode} for _s, _k, pcode, name in rows]


def locality_target(
    trigger: str | None,
    click_data: Mapping | None,
    chosen: str | None,
    relative: Callable[[str], str] = str,
) -> str:
    """Where a click on the map or a choice in "Find an area" leads: the area's page."""
    if trigger == ids.AREA_SEARCH:
        if isinstance(chosen, str) and chosen:
            return relative("/locality/" + quote(chosen, safe=""))
        return no_update
    return locality_path(click_data, relative)


def map_patch(
    state: ViewState,
    source: MapSource,
    *,
    values_only: bool,
    values: pd.DataFrame | None = None,
) -> Patch:
    """A Patch of the map figure for ``state``: the score trace's ``z``, ``customdata``
    and ``hovertext``, the outlined low-reliability areas, the grey areas without a score,
    and unless ``values_only`` the
    hover template (which names the criterion). Never geometry, never layout.
    ``values`` are ``source.values(state)`` if the caller has them already."""
    layer = source.layer(state)
    values = source.values(state) if values is None else values
    arrays = score_arrays(values, layer.locations)
    low = low_reliability_locations(values, layer.locations)
    patch = Patch()
    for key in ("z", "customdata", "hovertext"):
        patch["data"][SCORE_TRACE][key] = arrays[key]
    for trace in RELIABILITY_TRACES:
        patch["data"][trace]["locations"] = low
        patch["data"][trace]["z"] = [0] * len(low)
    # The grey trace draws only the areas without a score (figures.map, trace 0).
    for key, value in no_score_arrays(values, layer.locations, layer.names).items():
        patch["data"][NO_SCORE_TRACE][key] = value
    if not values_only:
        patch["data"][SCORE_TRACE]["hovertemplate"] = hovertemplate(
            _hover_label(state, source.framework),
            state.lang,
            change_label(state, source.framework),
            state.group,
            comparison(state),
        )
    return patch


def update_map(
    triggers: Iterable[str],
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    settings: Mapping | None,
    source: MapSource,
    indicator: str | None = None,
) -> tuple:
    """(figure Patch, caption, summary) for the controls' values (``indicator``: the
    indicator chosen, "" or None for the criterion map). ``triggers`` are the
    ids that fired: the slider alone sends values only. ``settings`` are the level, core
    and language the page was built for (``MAP_SETTINGS``). With no trigger (the page
    just built, at the view its layout already shows) nothing is sent."""
    triggers = set(triggers)
    if not triggers:
        return no_update, no_update, no_update
    settings = settings or {}
    state = state_from_controls(
        criterion,
        group,
        benchmark,
        round_index,
        source.options,
        level=settings.get("level"),
        core=bool(settings.get("core")),
        lang=settings.get("lang", DEFAULT_LANGUAGE),
        indicator=indicator,
    )
    if settings.get("show") in SHOWS:  # a change map: set by the page, not a control
        state = dataclasses.replace(state, show=settings["show"])
    values = source.values(state)
    values_only = {t.split(".")[0] for t in triggers} == {ids.ROUND}
    patch = map_patch(state, source, values_only=values_only, values=values)
    # Sent as the Patch's own wire form (what Dash would send for it): a plain dict that
    # the JSON encoder writes in one pass, where a Patch object makes it walk every value.
    return (
        patch.to_plotly_json(),
        caption(state, source.framework),
        map_summary(state, values, source.framework),
    )


def round_marks(
    rounds: Sequence[str], most: int = 6, lang: str = DEFAULT_LANGUAGE
) -> dict[int, str]:
    """Slider marks ``{index: "Mar 2024"}``: at most ``most`` of them, every k-th round
    counted back from the latest (always labelled), so the labels are evenly spaced and
    never overlap. On a phone the style sheet shows every other one of these."""
    step = max(1, -(-len(rounds) // most))
    last = len(rounds) - 1
    return {i: month_year(rounds[i], lang) for i in sorted(range(last, -1, -step))}


def round_labels(rounds: Sequence[str], lang: str = DEFAULT_LANGUAGE) -> str:
    """Every round's name, in order, as JSON: the slider's ``aria-valuetext`` for each
    value (assets/a11y.js reads it), whether or not its mark is labelled."""
    return json.dumps([month_year(r, lang) for r in rounds], ensure_ascii=False)


def class_key(lang: str) -> html.Div:
    """The map's class legend as HTML, shown under the map on a phone, where the legend
    drawn on the map (the figure's annotation, hidden there by the style sheet) would
    cover a quarter of it."""
    _ = translator(lang)
    items = [
        html.Li(
            [
                html.Span(className="map-key-swatch", style={"backgroundColor": colour}),
                label + (f" ({span})" if span else ""),
            ]
        )
        for colour, label, span in class_legend(lang)
    ]
    items.append(
        html.Li(
            [
                html.Span(
                    className="map-key-swatch map-key-outline",
                    style={"borderColor": OUTLINE_COLOUR},
                ),
                _("low reliability (outlined)"),
            ]
        )
    )
    return html.Div(
        className="map-key",
        children=[html.Span(_("Score"), className="map-key-title"), html.Ul(items)],
    )


def map_page(source: MapSource, state: ViewState, search: str | None = None) -> html.Div:
    """The map page for ``state``: controls, round slider, caption, map, its summary in
    words, the legend and the reliability note.

    ``search`` is the query the browser shows ("" for none), where the caller knows it
    (the first layout, the router): the page's Location then starts with it, so it has
    no new query to report when it is drawn, and no callback runs while the first map
    loads (the controls, the show links and the figure already are what the URL asks
    for). Its path it still reports: no callback reads that."""
    _ = translator(state.lang)
    rounds = source.options.rounds
    values = source.values(state)
    where = {} if search is None else {"search": search}
    return html.Div(
        className="map-page",
        children=[
            # The page's own Location: its controls' callbacks then never name a component
            # of the shell, and "callback-nav" tells the shell's Location of each change.
            dcc.Location(id=ids.MAP_URL, refresh="callback-nav", **where),
            dcc.Store(
                id=ids.MAP_SETTINGS,
                data={
                    "level": state.level,
                    "core": state.core,
                    "lang": state.lang,
                    "show": state.show,
                },
            ),
            map_controls(source, state),
            show_links(state, keep=search or ""),
            html.Div(
                className="control control-round",
                **{"data-value-labels": round_labels(rounds, state.lang)},
                children=[
                    html.Label(_("Survey round"), htmlFor=ids.ROUND, className="control-label"),
                    dcc.Slider(
                        id=ids.ROUND,
                        min=0,
                        max=max(len(rounds) - 1, 0),
                        step=1,
                        value=rounds.index(state.round) if state.round in rounds else 0,
                        marks=round_marks(rounds, lang=state.lang),
                        included=False,
                        updatemode="mouseup",
                        allow_direct_input=False,
                    ),
                ],
            ),
            html.Dl(
                headline_strip(source, state),
                id=ids.MAP_HEADLINE,
                className="locality-kpis headline-figures",
            ),
            html.Figure(
                id=ids.MAP_FIGURE,
                className="map-figure",
                role="group",
                **{
                    "aria-labelledby": ids.MAP_CAPTION,
                    "aria-describedby": ids.MAP_SUMMARY,
                },
                children=[
                    html.Figcaption(
                        caption(state, source.framework), id=ids.MAP_CAPTION, className="caption"
                    ),
                    dcc.Graph(
                        id=ids.MAP,
                        figure=source.figure(state),
                        className="map",
                        config={
                            "displaylogo": False,
                            "showLink": False,
                            "showSendToCloud": False,
                            "showEditInChartStudio": False,
                            "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                            "toImageButtonOptions": {
                                "filename": "durable-solutions-map",
                                "scale": 2,
                            },
                            "responsive": True,
                            "locale": state.lang,
                        },
                    ),
                    class_key(state.lang),
                    html.P(
                        map_summary(state, values, source.framework),
                        id=ids.MAP_SUMMARY,
                        className="map-summary",
                    ),
                ],
            ),
            html.P(
                id=ids.MAP_LEGEND, className="legend", children=legend_text(state, source.framework)
            ),
            html.P(
                id=ids.MAP_RELIABILITY_NOTE,
                className="legend reliability-note",
                children=_(
                    "Outlined areas: low reliability (many values missing, small samples or "
                    "a borrowed comparator)."
                ),
            ),
        ],
    )


def layout(context: AppContext, view: ViewState, *, source: MapSource) -> html.Div:
    """The page contract: the map page of ``view`` (``map_page``)."""
    return map_page(source, view)


def register(app, context: AppContext, *, source: MapSource, current=None) -> None:
    """The map page's callbacks: one-line shims over the functions above. ``current()``
    is the map's data of the request's generation (default: ``source`` always)."""
    current = current or (lambda: source)
    controls = [
        (ids.CRITERION, "value"),
        (ids.GROUP, "value"),
        (ids.BENCHMARK, "value"),
        (ids.ROUND, "value"),
    ]
    switches = [(ids.LEVEL, "value"), (ids.CORE, "value"), (ids.INDICATOR, "value")]

    @app.callback(
        Output(ids.MAP_URL, "search"),
        *(Output(i, p) for i, p in controls + switches),
        Input(ids.MAP_URL, "search"),
        *(Input(i, p) for i, p in controls + switches),
        prevent_initial_call=True,
    )
    def sync_map_url(search, criterion, group, benchmark, round_index, level, core, indicator):
        options = current().options
        return sync_url(
            ctx.triggered_id,
            search,
            criterion,
            group,
            benchmark,
            round_index,
            options,
            level,
            core,
            indicator,
        )

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_CAPTION, "children"),
        Output(ids.MAP_SUMMARY, "children"),
        *(Input(i, p) for i, p in controls),
        Input(ids.INDICATOR, "value"),
        State(ids.MAP_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def update_map_values(criterion, group, benchmark, round_index, indicator, settings):
        return update_map(
            ctx.triggered_prop_ids.values(),
            criterion,
            group,
            benchmark,
            round_index,
            settings,
            current(),
            indicator,
        )

    @app.callback(
        Output(ids.MAP_HEADLINE, "children"),
        Input(ids.GROUP, "value"),
        Input(ids.BENCHMARK, "value"),
        Input(ids.ROUND, "value"),
        State(ids.MAP_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def headline_for_view(group, benchmark, round_index, settings):
        return update_headline(group, benchmark, round_index, settings, current())

    @app.callback(
        Output(ids.MAP_LEGEND, "children"),
        Input(ids.BENCHMARK, "value"),
        Input(ids.CRITERION, "value"),
        Input(ids.INDICATOR, "value"),
        State(ids.MAP_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def legend_for_view(benchmark, criterion, indicator, settings):
        return update_legend(benchmark, settings, current(), criterion, indicator)

    @app.callback(
        *(Output(ids.show_link(show), "href") for show in SHOWS),
        Input(ids.MAP_URL, "search"),
        prevent_initial_call=True,
    )
    def show_links_for_url(search):
        return show_hrefs(search, current().options, app.get_relative_path)

    @app.callback(
        Output(ids.MAP_URL, "pathname"),
        Input(ids.MAP, "clickData"),
        Input(ids.AREA_SEARCH, "value"),
        prevent_initial_call=True,
    )
    def open_locality(click_data, chosen):
        return locality_target(ctx.triggered_id, click_data, chosen, app.get_relative_path)

    @app.callback(
        Output(ids.AREA_SEARCH, "options"),
        Input(ids.AREA_SEARCH, "search_value"),
        State(ids.MAP_SETTINGS, "data"),
        State(ids.AREA_SEARCH, "value"),
        prevent_initial_call=True,
    )
    def find_area(text, settings, chosen):
        source = current()
        options = source.options
        level = (settings or {}).get("level", options.default.level)
        level = level if level in source.layers else options.levels[0]
        lang = language((settings or {}).get("lang"))
        return area_options(source.layer_in(level, lang), text, keep=chosen)
