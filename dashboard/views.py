"""What the callbacks do, as plain functions testable without a browser (DESIGN 2, 5).

The view a reader sees is a ``ViewState`` (round, criterion, group, benchmark, level) and
lives in the URL query, so a link reproduces it. ``dashboard.app`` wires these functions
to Dash with one-line callbacks:

- ``sync_url``: URL query <-> controls, in one callback (Dash allows a callback to be
  circular with itself, not across callbacks). A changed URL (first load, back/forward)
  sets the controls; a changed control rewrites the query.
- ``update_map``: controls -> a ``dash.Patch`` of the map that replaces only the score
  trace's values (``z``, ``customdata``; plus the hover template when the criterion may
  have changed). The geometry and layout never travel again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from dash import Patch, dcc, html, no_update

from dashboard import ids
from dashboard.figures import (
    SCORE_TRACE,
    geojson_bounds,
    hovertemplate,
    map_figure,
    map_values,
    score_arrays,
)
from dashboard.i18n import DEFAULT_LANGUAGE, _, language, month_year
from indicators.framework import Framework

__all__ = [
    "BENCHMARKS",
    "GROUPS",
    "OVERALL",
    "MapContext",
    "ViewOptions",
    "ViewState",
    "caption",
    "criterion_label",
    "map_context",
    "map_controls",
    "map_page",
    "map_patch",
    "parse_query",
    "round_marks",
    "scored_levels",
    "state_from_controls",
    "sync_url",
    "to_query",
    "update_map",
    "view_options",
]

OVERALL = "overall"
GROUPS = ("idp", "returnee")
BENCHMARKS = ("parity", "absolute")
# Order of the parameters in a written query: the most telling first.
_QUERY_KEYS = ("round", "level", "criterion", "group", "benchmark")


@dataclass(frozen=True)
class ViewOptions:
    """The values each query parameter may take in this app, defaults first or last."""

    rounds: tuple[str, ...]  # YYYY-MM-DD, oldest first; the latest is the default
    criteria: tuple[str, ...]  # "overall", then the framework's criteria
    levels: tuple[int, ...]  # admin levels the map can show; the first is the default
    groups: tuple[str, ...] = GROUPS
    benchmarks: tuple[str, ...] = BENCHMARKS

    @property
    def default(self) -> ViewState:
        return ViewState(
            round=self.rounds[-1] if self.rounds else "",
            criterion=OVERALL,
            group=self.groups[0],
            benchmark=self.benchmarks[0],
            level=self.levels[0] if self.levels else 0,
        )


@dataclass(frozen=True)
class ViewState:
    """One view of the map; every field is valid for the ``ViewOptions`` it came from."""

    round: str
    criterion: str
    group: str
    benchmark: str
    level: int
    #: IRIS-core mode (``core=iris`` in the URL): five criteria, three needed.
    core: bool = False
    #: Interface language (``lang``), one of ``dashboard.i18n.LANGUAGES``.
    lang: str = DEFAULT_LANGUAGE


def scored_levels(result: xr.Dataset) -> list[int]:
    """Admin levels with at least one area that has data, deepest first."""
    has_data = result["has_data"].any(["round", "group"]).to_numpy()
    return sorted({int(v) for v in result["level"].to_numpy()[has_data] if v >= 0}, reverse=True)


def view_options(
    result: xr.Dataset, framework: Framework, levels: Iterable[int] = ()
) -> ViewOptions:
    """What the URL may ask for. ``levels`` are the levels with display geometry; the map
    shows the deepest of them that has scores (level switch and roll-up come later)."""
    rounds = tuple(pd.to_datetime(result["round"].to_numpy()).strftime("%Y-%m-%d"))
    with_geometry = set(levels)
    shown = [lv for lv in scored_levels(result) if not with_geometry or lv in with_geometry]
    return ViewOptions(
        rounds=rounds,
        criteria=(OVERALL, *framework.criterion_codes),
        levels=tuple(shown[:1]),
    )


# -- the URL ---------------------------------------------------------------------------


def _round_value(text: str, rounds: Sequence[str]) -> str | None:
    """A round from the query: YYYY-MM-DD, or YYYY-MM (day 01, as in imports)."""
    text = text.strip()
    if len(text) == 7:
        text += "-01"
    return text if text in rounds else None


def parse_query(search: str | None, options: ViewOptions) -> ViewState:
    """The view a query string asks for; a missing or invalid parameter takes its default.

    Accepts ``?round=2024-03-01&criterion=safety&group=idp&benchmark=parity&level=2`` with
    or without the leading ``?``; unknown parameters are ignored here (``to_query`` keeps
    them). Never raises: a hand-edited link still opens a map.
    """
    query = dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))
    state = options.default
    changes: dict = {}
    if "round" in query and (value := _round_value(query["round"], options.rounds)):
        changes["round"] = value
    for key, allowed in (
        ("criterion", options.criteria),
        ("group", options.groups),
        ("benchmark", options.benchmarks),
    ):
        if query.get(key, "").strip() in allowed:
            changes[key] = query[key].strip()
    level = query.get("level", "").strip()
    if level.lstrip("-").isdigit() and int(level) in options.levels:
        changes["level"] = int(level)
    changes["core"] = query.get("core", "").strip().lower() == "iris"
    changes["lang"] = language(query.get("lang", "").strip().lower())
    return replace(state, **changes)


def to_query(state: ViewState, keep: str | None = "") -> str:
    """``state`` as a query string (with ``?``). Parameters of ``keep`` that the map does
    not own (``lang``, ``core``, ...) are carried over, so other pages' settings survive."""
    own = {
        "round": state.round,
        "level": str(state.level),
        "criterion": state.criterion,
        "group": state.group,
        "benchmark": state.benchmark,
    }
    written = [(k, own[k]) for k in _QUERY_KEYS]
    # Defaults of core and lang stay out of the URL, so ordinary links stay short.
    if state.core:
        written.append(("core", "iris"))
    if state.lang != DEFAULT_LANGUAGE:
        written.append(("lang", state.lang))
    # A state at the defaults does not override core/lang that ``keep`` carries: callers
    # that only know the map's own parameters must not reset the reader's language.
    mine = set(own) | {key for key, _value in written[len(own) :]}
    others = [(k, v) for k, v in parse_qsl((keep or "").lstrip("?")) if k not in mine]
    return "?" + urlencode(written + others)


def state_from_controls(
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    options: ViewOptions,
    level: int | None = None,
) -> ViewState:
    """The view the controls show; anything out of range (a cleared dropdown, a slider
    index past the end) falls back to the default."""
    default = options.default
    if isinstance(round_index, int | float) and 0 <= int(round_index) < len(options.rounds):
        round_ = options.rounds[int(round_index)]
    else:
        round_ = default.round
    return ViewState(
        round=round_,
        criterion=criterion if criterion in options.criteria else default.criterion,
        group=group if group in options.groups else default.group,
        benchmark=benchmark if benchmark in options.benchmarks else default.benchmark,
        level=level if level in options.levels else default.level,
    )


def sync_url(
    trigger: str | None,
    search: str | None,
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    options: ViewOptions,
) -> tuple:
    """Keep URL and controls in step. Returns (search, criterion, group, benchmark,
    round index), with ``no_update`` for whatever need not change.

    ``trigger`` is the id of the component that fired (None on first load). The URL
    wins on first load and on back/forward; otherwise the controls write the URL.
    """
    if trigger in (None, ids.URL):
        state = parse_query(search, options)
        wanted = (state.criterion, state.group, state.benchmark, options.rounds.index(state.round))
        current = (criterion, group, benchmark, round_index)
        return (
            no_update,
            *(new if new != old else no_update for new, old in zip(wanted, current, strict=True)),
        )
    current_state = parse_query(search, options)
    state = state_from_controls(
        criterion, group, benchmark, round_index, options, level=current_state.level
    )
    query = to_query(state, keep=search)
    return (query if query != (search or "") else no_update, *(no_update,) * 4)


# -- the map ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapContext:
    """Everything the map page needs, loaded once at start and never changed."""

    result: xr.Dataset
    framework: Framework
    options: ViewOptions
    level: int
    locations: tuple[str, ...]  # every area of the level, in the geometry's order
    names: tuple[str, ...]
    bounds: tuple[float, float, float, float]
    geojson_url: str
    figure: go.Figure  # the map at the default view, with the layout


def map_context(
    result: xr.Dataset,
    framework: Framework,
    geometry: Mapping[int, bytes],
    url_for: Callable[[int], str],
) -> MapContext | None:
    """The map page's read-only data: scores, options, the level shown and its areas in
    the geometry's order, and the figure at the default view. ``geometry`` holds each
    level's display GeoJSON bytes; ``url_for(level)`` is where the browser fetches them.
    None when nothing can be mapped (no scores, or none at a level with geometry)."""
    options = view_options(result, framework, levels=geometry)
    if not options.levels or not options.rounds:
        return None
    level = options.levels[0]
    collection = json.loads(geometry[level])
    features = collection["features"]
    locations = tuple(str(f["properties"]["pcode"]) for f in features)
    names = tuple(str(f["properties"].get("name", "")) for f in features)
    bounds = geojson_bounds(collection)
    url = url_for(level)
    figure = map_figure(
        _values(options.default, result),
        level,
        url,
        locations=locations,
        names=names,
        bounds=bounds,
    )
    return MapContext(
        result=result,
        framework=framework,
        options=options,
        level=level,
        locations=locations,
        names=names,
        bounds=bounds,
        geojson_url=url,
        figure=figure,
    )


def criterion_label(criterion: str, framework: Framework, lang: str = "en") -> str:
    return _("Overall score") if criterion == OVERALL else framework.label(criterion, lang)


def _values(state: ViewState, result: xr.Dataset) -> pd.DataFrame:
    return map_values(
        result,
        round=state.round,
        group=state.group,
        benchmark=state.benchmark,
        criterion=state.criterion,
        level=state.level,
    )


def map_patch(state: ViewState, context: MapContext, *, values_only: bool) -> Patch:
    """A Patch of the map figure for ``state``: the score trace's ``z`` and
    ``customdata``, and unless ``values_only`` its hover template (which names the
    criterion). Never geometry, never layout."""
    arrays = score_arrays(_values(state, context.result), context.locations)
    patch = Patch()
    patch["data"][SCORE_TRACE]["z"] = arrays["z"]
    patch["data"][SCORE_TRACE]["customdata"] = arrays["customdata"]
    if not values_only:
        label = (
            None
            if state.criterion == OVERALL
            else criterion_label(state.criterion, context.framework)
        )
        patch["data"][SCORE_TRACE]["hovertemplate"] = hovertemplate(label)
    return patch


_GROUP_LABELS = {"idp": "IDPs", "returnee": "Returnees"}
_BENCHMARK_LABELS = {"parity": "Parity with the host community", "absolute": "Absolute (goalposts)"}


def caption(state: ViewState, framework: Framework) -> str:
    """One line naming what the map shows, e.g. for a screenshot in a briefing."""
    compared = (
        _("compared with the host community")
        if state.benchmark == "parity"
        else _("against absolute goalposts")
    )
    return (
        f"{criterion_label(state.criterion, framework)} — {_(_GROUP_LABELS[state.group])} "
        f"{compared}, {month_year(state.round)}"
    )


def update_map(
    triggers: Iterable[str],
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    context: MapContext,
) -> tuple:
    """(figure Patch, caption) for the controls' values. ``triggers`` are the ids that
    fired: the slider alone sends values only. On first load at the default view the
    figure in the layout is already right, so nothing is sent."""
    triggers = set(triggers)
    state = state_from_controls(criterion, group, benchmark, round_index, context.options)
    text = caption(state, context.framework)
    if not triggers and state == context.options.default:
        return no_update, text
    return map_patch(state, context, values_only=triggers == {ids.ROUND}), text


# -- layout ----------------------------------------------------------------------------


def round_marks(rounds: Sequence[str], most: int = 12) -> dict[int, str]:
    """Slider marks ``{index: "Mar 2024"}``; past ``most`` rounds only every k-th one
    and the latest are labelled, so the labels do not overlap."""
    step = max(1, -(-len(rounds) // most))
    marks = {i: month_year(r) for i, r in enumerate(rounds) if i % step == 0}
    if rounds:
        marks[len(rounds) - 1] = month_year(rounds[-1])
    return marks


def map_controls(context: MapContext) -> html.Div:
    options, framework = context.options, context.framework
    default = options.default
    criteria = [{"label": criterion_label(c, framework), "value": c} for c in options.criteria]
    groups = [{"label": _(_GROUP_LABELS[g]), "value": g} for g in options.groups]
    benchmarks = [{"label": _(_BENCHMARK_LABELS[b]), "value": b} for b in options.benchmarks]
    return html.Div(
        className="controls",
        children=[
            html.Div(
                className="control control-criterion",
                children=[
                    html.Label(_("Criterion"), htmlFor=ids.CRITERION, className="control-label"),
                    dcc.Dropdown(
                        id=ids.CRITERION,
                        options=criteria,
                        value=default.criterion,
                        clearable=False,
                        searchable=False,
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Displaced group"), className="control-label"),
                    dcc.RadioItems(id=ids.GROUP, options=groups, value=default.group, inline=True),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Benchmark"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.BENCHMARK, options=benchmarks, value=default.benchmark, inline=True
                    ),
                ],
            ),
        ],
    )


def map_page(context: MapContext) -> html.Div:
    """The map page: controls, round slider, caption, map and legend line."""
    rounds = context.options.rounds
    default = context.options.default
    return html.Div(
        className="map-page",
        children=[
            map_controls(context),
            html.Div(
                className="control control-round",
                children=[
                    html.Label(_("Survey round"), htmlFor=ids.ROUND, className="control-label"),
                    dcc.Slider(
                        id=ids.ROUND,
                        min=0,
                        max=max(len(rounds) - 1, 0),
                        step=1,
                        value=rounds.index(default.round) if rounds else 0,
                        marks=round_marks(rounds),
                        included=False,
                        updatemode="mouseup",
                        allow_direct_input=False,
                    ),
                ],
            ),
            html.P(caption(default, context.framework), id=ids.MAP_CAPTION, className="caption"),
            dcc.Graph(
                id=ids.MAP,
                figure=context.figure,
                className="map",
                config={
                    "displaylogo": False,
                    "showLink": False,
                    "showSendToCloud": False,
                    "showEditInChartStudio": False,
                    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                    "toImageButtonOptions": {"filename": "durable-solutions-map", "scale": 2},
                    "responsive": True,
                },
            ),
            html.P(
                id=ids.MAP_LEGEND,
                className="legend",
                children=_(
                    "Scores run from 0 to 100, where 100 means no gap: parity with the host "
                    "community, or the best goalpost. Grey areas have too few indicators with "
                    "data for a score. Hover over an area for its score, class and reliability "
                    "(0 = most reliable, 10 = least)."
                ),
            ),
        ],
    )
