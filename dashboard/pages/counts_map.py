"""The map page of a workspace with boundaries and DTM figures but no score yet (the
usual first day of an office, DESIGN 5): IDPs or returnees present per area, as a
choropleth or as proportional symbols, their change since the previous or the first
round, the headline figures above the map, and what to import next.

The router (``dashboard.router.render_page``) serves it at ``/`` when the workspace has no
score. ``update_counts`` answers the controls with a ``dash.Patch`` of values (never the
geometry); the admin level is a link (new geometry: the router builds the page again).

Its controls live in the URL like the score map's (DESIGN 5), so a link reproduces a
counts view: ``group``, ``show`` (``since_previous`` / ``since_first``; none for persons
present), ``style=symbols`` (none for shaded areas), ``round`` and ``level``.
``counts_controls`` reads them, ``counts_query`` writes them, ``sync_counts_url`` keeps
URL and controls in step (back/forward included).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace
from urllib.parse import urlencode

import pandas as pd
from dash import Input, Output, Patch, State, ctx, dcc, get_relative_path, html, no_update

from dashboard import ids
from dashboard.briefing.counts import (
    COUNT_LABELS,
    COUNT_OF_GROUP,
    MEASURE_LABELS,
    MEASURES,
    CountView,
    area_points,
    count_headline,
    count_values,
    counts_at_level,
    holdings,
    next_step,
)
from dashboard.briefing.labels import GROUP_LABELS
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.numbers import MINUS
from dashboard.briefing.view import ViewState, query_pairs, query_values, round_value
from dashboard.context import AppContext
from dashboard.figures.counts import (
    CHOROPLETH_TRACE,
    STYLES,
    SYMBOL_TRACE,
    count_arrays,
    count_hovertemplate,
    counts_figure,
)
from dashboard.i18n import N_, month_year, number, translator
from dashboard.pages.map import round_marks

STYLE_LABELS = {"choropleth": N_("Shaded areas"), "symbols": N_("Proportional symbols")}


def _variables(context: AppContext) -> list[tuple[str, str]]:
    """(group, count variable) pairs the workspace has figures for."""
    held = holdings(context).counts
    return [(g, v) for g, v in COUNT_OF_GROUP.items() if v in held]


def count_view(
    context: AppContext,
    state: ViewState,
    group: str | None = None,
    measure: str | None = None,
    round_index: int | None = None,
) -> CountView | None:
    """The counts view for the page's view and controls (None: no counts at all)."""
    pairs = dict(_variables(context))
    if not pairs or state.level not in context.geometry:
        return None
    group = (
        group if group in pairs else (state.group if state.group in pairs else next(iter(pairs)))
    )
    variable = pairs[group]
    rounds = counts_at_level(context, variable, state.level).columns.tolist()
    if isinstance(round_index, int | float) and 0 <= int(round_index) < len(rounds):
        round_ = rounds[int(round_index)]
    else:
        round_ = round_value(state.round, rounds) if state.round else None
        round_ = round_ or rounds[-1]
    return CountView(variable, state.level, round_, measure if measure in MEASURES else "present")


def counts_controls(context: AppContext, state: ViewState, search: str | None) -> dict:
    """The counts controls a URL asks for: ``group``, ``measure``, ``style`` and
    ``round`` (YYYY-MM-DD, of the group's count rounds); defaults where the URL has none
    or a value the workspace lacks (None without counts)."""
    query = query_values(search)
    view = count_view(context, state)
    if view is None:
        return {}
    group = next(g for g, v in _variables(context) if v == view.variable)
    rounds = counts_at_level(context, view.variable, view.level).columns.tolist()
    asked = round_value(query.get("round", ""), rounds)
    show = query.get("show", "").strip()
    style = query.get("style", "").strip()
    return {
        "group": group,
        "measure": show if show in MEASURES and show != "present" else "present",
        "style": style if style in STYLES else STYLES[0],
        "round": asked or rounds[-1],
        "rounds": rounds,
    }


def counts_query(
    search: str | None, group: str, measure: str, style: str, round_: str, level: int
) -> str:
    """``search`` with the counts controls written in (the defaults left out, other
    parameters kept): what the URL says after a control changed."""
    own = [("round", round_), ("level", str(level)), ("group", group)]
    if measure != "present":
        own.append(("show", measure))
    if style != STYLES[0]:
        own.append(("style", style))
    mine = {"round", "level", "group", "show", "style"}
    others = [(k, v) for k, v in query_pairs(search) if k not in mine]
    return "?" + urlencode(own + others)


def sync_counts_url(
    trigger: str | None,
    search: str | None,
    group: str | None,
    measure: str | None,
    style: str | None,
    round_index: int | None,
    settings: Mapping | None,
    source: MapSource,
) -> tuple:
    """(search, group, measure, style, round index), ``no_update`` where nothing need
    change. A changed URL (back/forward) sets the controls; a control writes the URL."""
    settings = settings or {}
    context = source.context
    level, lang = int(settings.get("level", 0)), settings.get("lang", "en")
    state = ViewState(
        round="", criterion="overall", group="idp", benchmark="parity", level=level, lang=lang
    )
    if trigger in (None, ids.COUNTS_URL):
        url_state = replace(state, group=query_values(search).get("group", "idp"))
        wanted = counts_controls(context, url_state, search)
        if not wanted:
            return (no_update,) * 5
        values = (
            wanted["group"],
            wanted["measure"],
            wanted["style"],
            wanted["rounds"].index(wanted["round"]),
        )
        current = (group, measure, style, round_index)
        return (
            no_update,
            *(new if new != old else no_update for new, old in zip(values, current, strict=True)),
        )
    view = count_view(context, state, group, measure, round_index)
    if view is None:
        return (no_update,) * 5
    chosen = next(g for g, v in _variables(context) if v == view.variable)
    query = counts_query(
        search, chosen, view.measure, style if style in STYLES else STYLES[0], view.round, level
    )
    return (query if query != (search or "") else no_update, *(no_update,) * 4)


def _signed(value: float | None, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    text = number(abs(value), lang)
    return ("+" if value > 0 else MINUS if value < 0 else "") + text


def headline_children(context: AppContext, view: CountView, lang: str) -> list:
    """The headline figures above the map: persons present, areas reporting, change."""
    _ = translator(lang)
    head = count_headline(context, view)
    change_note = (
        _("since {round}").format(round=month_year(head.previous_round, lang))
        if head.previous_round
        else _("first round")
    )
    figures = [
        (
            _(COUNT_LABELS[view.variable]),
            "–" if head.total is None else number(head.total, lang),
            month_year(view.round, lang),
        ),
        (
            _("Areas reporting"),
            f"{number(head.areas_reporting, lang)} / {number(head.areas_total, lang)}",
            _("admin level {level}").format(level=view.level),
        ),
        (_("Change"), _signed(head.change, lang), change_note),
    ]
    return [
        html.Div(
            className="locality-kpi headline-figure",
            children=[
                html.Dt(label),
                html.Dd(value, className="locality-kpi-value"),
                html.Dd(note, className="locality-kpi-note"),
            ],
        )
        for label, value, note in figures
    ]


def counts_caption(view: CountView, lang: str) -> str:
    _ = translator(lang)
    text = f"{_(COUNT_LABELS[view.variable])} — {month_year(view.round, lang)}"
    if view.measure != "present":
        text += " · " + _(MEASURE_LABELS[view.measure])
    return text


def counts_summary(values: pd.DataFrame, view: CountView, lang: str) -> str:
    """The map in words: areas with a figure, the total, the largest."""
    _ = translator(lang)
    shown = values.dropna(subset=["value"])
    text = _("{count} of {total} areas at admin level {level} have a figure.").format(
        count=number(len(shown), lang), total=number(len(values), lang), level=view.level
    )
    if len(shown):
        top = shown.loc[shown["value"].abs().idxmax()]
        text += " " + _("Largest: {name}, {value}.").format(
            name=top["name"],
            value=_signed(top["value"], lang)
            if view.measure != "present"
            else number(top["value"], lang),
        )
    return text


def _label(view: CountView, lang: str) -> str:
    """What the hover card and colour bar call the values: the group's count, and on a
    change map which change of it (the card follows the group either way)."""
    _ = translator(lang)
    if view.measure == "present":
        return _(COUNT_LABELS[view.variable])
    return f"{_(COUNT_LABELS[view.variable])} · {_(MEASURE_LABELS[view.measure])}"


def _level_links(context: AppContext, state: ViewState) -> html.Nav:
    _ = translator(state.lang)
    links = []
    for level in sorted(context.geometry):
        query = f"?level={level}" + (f"&lang={state.lang}" if state.lang != "en" else "")
        href = "/" + query
        with suppress(AttributeError):  # no Dash app in this process (tests)
            href = get_relative_path("/") + query
        links.append(
            dcc.Link(
                _("Level {level}").format(level=level),
                href=href,
                className="nav-link active" if level == state.level else "nav-link",
            )
        )
    return html.Nav(links, className="control level-links", **{"aria-label": _("Admin level")})


def counts_page(source: MapSource, state: ViewState, search: str | None = None) -> html.Div:
    """The counts map page for ``state`` and the counts controls of ``search`` (the
    workspace has counts and no score)."""
    context = source.context
    _ = translator(state.lang)
    chosen = counts_controls(context, state, search)
    view = count_view(context, state)
    if view is not None:
        rounds = counts_at_level(context, view.variable, view.level).columns.tolist()
        view = replace(view, round=chosen["round"], measure=chosen["measure"])
    advice = html.P(
        next_step(holdings(context), state.lang), id=ids.NEXT_STEP, className="next-step"
    )
    if view is None:
        return html.Div([advice], id=ids.COUNTS_PAGE, className="map-page empty")
    layer = source.layer_at(view.level)
    values = count_values(context, view)
    style = chosen["style"]
    groups = [{"label": _(GROUP_LABELS[g]), "value": g} for g, _v in _variables(context)]
    group = next(g for g, v in _variables(context) if v == view.variable)
    measures = [{"label": _(MEASURE_LABELS[m]), "value": m} for m in MEASURES]
    styles = [{"label": _(STYLE_LABELS[s]), "value": s} for s in STYLES]

    def fieldset(legend, component):
        return html.Fieldset(
            className="control",
            children=[html.Legend(legend, className="control-label"), component],
        )

    return html.Div(
        id=ids.COUNTS_PAGE,
        className="map-page counts-page",
        children=[
            # The page's own Location, as on the score map: its controls write the query.
            dcc.Location(id=ids.COUNTS_URL, refresh="callback-nav"),
            dcc.Store(id=ids.COUNTS_SETTINGS, data={"level": view.level, "lang": state.lang}),
            html.Dl(
                headline_children(context, view, state.lang),
                id=ids.COUNTS_HEADLINE,
                className="locality-kpis headline-figures",
            ),
            html.Div(
                className="controls",
                children=[
                    fieldset(
                        _("Displaced group"),
                        dcc.RadioItems(
                            id=ids.COUNTS_GROUP, options=groups, value=group, inline=True
                        ),
                    ),
                    fieldset(
                        _("Show"),
                        dcc.RadioItems(
                            id=ids.COUNTS_MEASURE, options=measures, value=view.measure, inline=True
                        ),
                    ),
                    fieldset(
                        _("Drawn as"),
                        dcc.RadioItems(
                            id=ids.COUNTS_STYLE, options=styles, value=style, inline=True
                        ),
                    ),
                    _level_links(context, state),
                ],
            ),
            html.Div(
                className="control control-round",
                children=[
                    html.Label(_("Round"), htmlFor=ids.COUNTS_ROUND, className="control-label"),
                    dcc.Slider(
                        id=ids.COUNTS_ROUND,
                        min=0,
                        max=max(len(rounds) - 1, 0),
                        step=1,
                        value=rounds.index(view.round),
                        marks=round_marks(rounds, lang=state.lang),
                        included=False,
                        updatemode="mouseup",
                    ),
                ],
            ),
            html.Figure(
                className="map-figure",
                role="group",
                **{"aria-labelledby": ids.COUNTS_CAPTION, "aria-describedby": ids.COUNTS_SUMMARY},
                children=[
                    html.Figcaption(
                        counts_caption(view, state.lang), id=ids.COUNTS_CAPTION, className="caption"
                    ),
                    dcc.Graph(
                        id=ids.COUNTS_MAP,
                        className="map",
                        figure=counts_figure(
                            values,
                            view.level,
                            layer.geojson,
                            locations=layer.locations,
                            names=layer.names,
                            points=area_points(context, view.level),
                            bounds=layer.bounds,
                            label=_label(view, state.lang),
                            change=view.measure != "present",
                            style=style,
                            lang=state.lang,
                        ),
                        config={"displaylogo": False, "responsive": True, "locale": state.lang},
                    ),
                    html.P(
                        counts_summary(values, view, state.lang),
                        id=ids.COUNTS_SUMMARY,
                        className="map-summary",
                    ),
                ],
            ),
            advice,
        ],
    )


def update_counts(
    group: str | None,
    measure: str | None,
    style: str | None,
    round_index: int | None,
    settings: Mapping | None,
    source: MapSource,
) -> tuple:
    """(figure Patch, caption, headline, summary) for the controls: values only."""
    settings = settings or {}
    context = source.context
    lang = settings.get("lang", "en")
    state = ViewState(
        round="",
        criterion="overall",
        group=group or "idp",
        benchmark="parity",
        level=int(settings.get("level", 0)),
        lang=lang,
    )
    view = count_view(context, state, group, measure, round_index)
    if view is None:
        return no_update, no_update, no_update, no_update
    values = count_values(context, view)
    layer = source.layer_at(view.level)
    arrays = count_arrays(
        values, layer.locations, view.measure != "present", style if style in STYLES else STYLES[0]
    )
    label = _label(view, lang)
    patch = Patch()
    for trace, key in ((CHOROPLETH_TRACE, "choropleth"), (SYMBOL_TRACE, "symbols")):
        for name, value in arrays[key].items():
            patch["data"][trace][name] = value
        patch["data"][trace]["hovertemplate"] = count_hovertemplate(label, lang)
    patch["data"][CHOROPLETH_TRACE]["colorbar"]["title"]["text"] = label
    return (
        patch.to_plotly_json(),
        counts_caption(view, lang),
        headline_children(context, view, lang),
        counts_summary(values, view, lang),
    )


def register(app, context: AppContext, *, source: MapSource, current=None) -> None:
    """The counts page's callbacks: one-line shims over ``sync_counts_url`` and
    ``update_counts``. ``current()`` is the map's data of the request's generation
    (default: ``source``)."""
    current = current or (lambda: source)
    controls = [
        (ids.COUNTS_GROUP, "value"),
        (ids.COUNTS_MEASURE, "value"),
        (ids.COUNTS_STYLE, "value"),
        (ids.COUNTS_ROUND, "value"),
    ]

    @app.callback(
        Output(ids.COUNTS_URL, "search"),
        *(Output(i, p) for i, p in controls),
        Input(ids.COUNTS_URL, "search"),
        *(Input(i, p) for i, p in controls),
        State(ids.COUNTS_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def sync_counts(search, group, measure, style, round_index, settings):
        return sync_counts_url(
            ctx.triggered_id, search, group, measure, style, round_index, settings, current()
        )

    @app.callback(
        Output(ids.COUNTS_MAP, "figure"),
        Output(ids.COUNTS_CAPTION, "children"),
        Output(ids.COUNTS_HEADLINE, "children"),
        Output(ids.COUNTS_SUMMARY, "children"),
        *(Input(i, p) for i, p in controls),
        State(ids.COUNTS_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def update_counts_map(group, measure, style, round_index, settings):
        return update_counts(group, measure, style, round_index, settings, current())
