"""The map page and the URL state, as plain functions testable without a browser (DESIGN 2, 5).

The view a reader sees is a ``ViewState`` (round, criterion, group, benchmark, level, core,
lang) and lives in the URL query, so a link reproduces it. Every page reads it with
``parse_query``; links between pages keep the query.

The map page is built by ``map_page(source, state)`` from a ``MapSource``: the app's
read-only map data (each level's areas in geometry order, where the browser fetches the
geometry). ``register_callbacks`` wires these plain functions to Dash with one-line
callbacks:

- ``sync_url``: URL query <-> controls, in one callback (Dash allows a callback to be
  circular with itself, not across callbacks). A changed URL (back/forward) sets the
  controls; a changed control rewrites the query. A new level, criteria set or language
  makes the router (``dashboard.app``) build the page again; the other controls do not.
- ``update_map``: controls -> a ``dash.Patch`` of the map that replaces only the values
  (``z``, ``customdata``, the low-reliability outline's areas; plus the hover template
  when the criterion may have changed), the caption and the text summary. The geometry
  and layout never travel again.
- ``locality_target``: a click on an area, or a choice in "Find an area" (the keyboard's
  way to an area; ``area_options`` answers what is typed) -> its locality page, query
  kept.
"""

from __future__ import annotations

import html as html_text
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from babel.lists import format_list
from dash import Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.context import AppContext
from dashboard.figures import (
    CLASS_NAMES,
    CLASS_RANGES,
    LOW_RELIABILITY,
    RELIABILITY_TRACES,
    SCORE_TRACE,
    class_label,
    geojson_bounds,
    hovertemplate,
    low_reliability_locations,
    map_figure,
    score_arrays,
)
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    language,
    locale_of,
    month_year,
    ntranslator,
    number,
    translator,
)
from indicators.framework import Framework

__all__ = [
    "BENCHMARKS",
    "BENCHMARK_LABELS",
    "GROUPS",
    "GROUP_LABELS",
    "OVERALL",
    "MapLayer",
    "MapSource",
    "ViewOptions",
    "ViewState",
    "area_options",
    "caption",
    "criterion_label",
    "dropdown_labels",
    "locality_path",
    "locality_target",
    "map_controls",
    "map_page",
    "map_patch",
    "map_summary",
    "parse_query",
    "register_callbacks",
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
GROUP_LABELS = {"idp": N_("IDPs"), "returnee": N_("Returnees")}
BENCHMARK_LABELS = {
    "parity": N_("Parity with the host community"),
    "absolute": N_("Absolute (goalposts)"),
}
# What the map shows, as one phrase per group and benchmark (agreement differs by language).
_COMPARED = {
    ("idp", "parity"): N_("IDPs compared with the host community"),
    ("idp", "absolute"): N_("IDPs against absolute goalposts"),
    ("returnee", "parity"): N_("Returnees compared with the host community"),
    ("returnee", "absolute"): N_("Returnees against absolute goalposts"),
}
CORE_VALUES = ("all", "iris")
# Order of the parameters in a written query: the most telling first.
_QUERY_KEYS = ("round", "level", "criterion", "group", "benchmark")


@dataclass(frozen=True)
class ViewOptions:
    """The values each query parameter may take in this app, defaults first or last."""

    rounds: tuple[str, ...]  # YYYY-MM-DD, oldest first; the latest is the default
    criteria: tuple[str, ...]  # "overall", then the framework's criteria
    levels: tuple[int, ...]  # admin levels the map can show, deepest (the default) first
    groups: tuple[str, ...] = GROUPS
    benchmarks: tuple[str, ...] = BENCHMARKS
    #: The IRIS-core criteria: the only ones offered with ``core=iris``.
    core_criteria: tuple[str, ...] = ()

    @property
    def default(self) -> ViewState:
        return ViewState(
            round=self.rounds[-1] if self.rounds else "",
            criterion=OVERALL,
            group=self.groups[0],
            benchmark=self.benchmarks[0],
            level=self.levels[0] if self.levels else 0,
        )

    def criteria_for(self, core: bool) -> tuple[str, ...]:
        if core and self.core_criteria:
            return (OVERALL, *(c for c in self.criteria if c in self.core_criteria))
        return self.criteria


@dataclass(frozen=True)
class ViewState:
    """One view of the data; every field is valid for the ``ViewOptions`` it came from."""

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
    source: AppContext | xr.Dataset,
    framework: Framework | None = None,
    levels: Iterable[int] = (),
) -> ViewOptions:
    """What the URL may ask for, from an ``AppContext`` (rounds with a score, levels with
    scores, own or rolled up, and display geometry) or from a scored dataset and its
    framework (levels with data of their own, limited to ``levels`` if given)."""
    if isinstance(source, AppContext):
        framework = source.framework
        rounds = tuple(source.rounds)
        shown = [lv for lv in source.scored_levels if lv in source.geometry]
    else:
        if framework is None:
            raise TypeError("view_options needs the framework with a scored dataset")
        rounds = tuple(pd.to_datetime(source["round"].to_numpy()).strftime("%Y-%m-%d"))
        with_geometry = set(levels)
        shown = [lv for lv in scored_levels(source) if not with_geometry or lv in with_geometry]
    return ViewOptions(
        rounds=rounds,
        criteria=(OVERALL, *framework.criterion_codes),
        levels=tuple(shown),
        core_criteria=tuple(framework.core_criterion_codes),
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

    Accepts ``?round=2024-03-01&criterion=safety&group=idp&benchmark=parity&level=2``
    (and ``core=iris``, ``lang=fr``) with or without the leading ``?``; unknown
    parameters are ignored here (``to_query`` keeps them). Never raises: a hand-edited
    link still opens a page.
    """
    query = dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))
    state = options.default
    changes: dict = {}
    if "round" in query and (value := _round_value(query["round"], options.rounds)):
        changes["round"] = value
    core = query.get("core", "").strip().lower() == "iris"
    for key, allowed in (
        ("criterion", options.criteria_for(core)),
        ("group", options.groups),
        ("benchmark", options.benchmarks),
    ):
        if query.get(key, "").strip() in allowed:
            changes[key] = query[key].strip()
    level = query.get("level", "").strip()
    if level.lstrip("-").isdigit() and int(level) in options.levels:
        changes["level"] = int(level)
    changes["core"] = core
    changes["lang"] = language(query.get("lang", "").strip().lower())
    return replace(state, **changes)


def to_query(state: ViewState, keep: str | None = "", *, owned: Iterable[str] = ()) -> str:
    """``state`` as a query string (with ``?``). Parameters of ``keep`` that the state
    does not set are carried over, so other pages' settings survive.

    ``core`` and ``lang`` are written only when not at their defaults, and a default
    does not override the value ``keep`` carries (a caller that only knows the map's own
    parameters must not reset the reader's language) unless the key is in ``owned``
    (the caller controls it: the map's criteria-set switch owns ``core``).
    """
    own = {
        "round": state.round,
        "level": str(state.level),
        "criterion": state.criterion,
        "group": state.group,
        "benchmark": state.benchmark,
    }
    written = [(k, own[k]) for k in _QUERY_KEYS]
    if state.core:
        written.append(("core", "iris"))
    if state.lang != DEFAULT_LANGUAGE:
        written.append(("lang", state.lang))
    mine = set(own) | {key for key, _value in written[len(own) :]} | set(owned)
    others = [(k, v) for k, v in parse_qsl((keep or "").lstrip("?")) if k not in mine]
    return "?" + urlencode(written + others)


def state_from_controls(
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    options: ViewOptions,
    level: int | None = None,
    core: bool = False,
    lang: str = DEFAULT_LANGUAGE,
) -> ViewState:
    """The view the controls show; anything out of range (a cleared dropdown, a slider
    index past the end) falls back to the default."""
    default = options.default
    if isinstance(round_index, int | float) and 0 <= int(round_index) < len(options.rounds):
        round_ = options.rounds[int(round_index)]
    else:
        round_ = default.round
    criteria = options.criteria_for(core)
    return ViewState(
        round=round_,
        criterion=criterion if criterion in criteria else default.criterion,
        group=group if group in options.groups else default.group,
        benchmark=benchmark if benchmark in options.benchmarks else default.benchmark,
        level=level if level in options.levels else default.level,
        core=bool(core),
        lang=language(lang),
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
) -> tuple:
    """Keep URL and controls in step. Returns (search, criterion, group, benchmark,
    round index, level, core), with ``no_update`` for whatever need not change.

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
        )
        current = (criterion, group, benchmark, round_index, level, core)
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
    )
    query = to_query(state, keep=search, owned=("core",))
    return (query if query != (search or "") else no_update, *(no_update,) * 6)


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


# -- the map data ----------------------------------------------------------------------


@dataclass(frozen=True)
class MapLayer:
    """One admin level as the map draws it: every area in the geometry's order."""

    level: int
    locations: tuple[str, ...]
    names: tuple[str, ...]
    bounds: tuple[float, float, float, float]
    #: Where the browser fetches the display GeoJSON, or the FeatureCollection itself.
    geojson: str | dict


@dataclass
class MapSource:
    """The map's read-only data for one app, made once at start.

    ``url_for(level)`` is the URL of a level's display GeoJSON in the app; without it
    (static images, the PDF) the figure carries the GeoJSON inline. Derived tables
    (children per rolled-up area) are memoised on the instance, never in globals.
    """

    context: AppContext
    url_for: Callable[[int], str] | None = None
    options: ViewOptions = field(init=False)
    layers: dict[int, MapLayer] = field(init=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.options = view_options(self.context)
        self.layers = {
            level: self._layer(level, self.context.geometry[level]) for level in self.options.levels
        }

    def _layer(self, level: int, raw: bytes) -> MapLayer:
        collection = json.loads(raw)
        features = collection["features"]
        return MapLayer(
            level=level,
            locations=tuple(str(f["properties"]["pcode"]) for f in features),
            names=tuple(str(f["properties"].get("name", "")) for f in features),
            bounds=geojson_bounds(collection),
            geojson=self.url_for(level) if self.url_for else collection,
        )

    @property
    def framework(self) -> Framework:
        return self.context.framework

    def layer(self, state: ViewState) -> MapLayer:
        return self.layers[state.level]

    def children_with_data(self, level: int, core: bool) -> xr.DataArray | None:
        """Per area of ``level``, round and group: how many areas one level down have
        data (what a rolled-up score is made of). None at the deepest level."""
        key = ("children", level, core)
        if key not in self._memo:
            deeper = level + 1
            if deeper not in set(self.context.levels.values()):
                self._memo[key] = None
            else:
                has = self.context.level_scores(deeper, core)["has_data"]
                if "benchmark" in has.dims:
                    has = has.any("benchmark")
                parents = [self.context.parents.get(a) or "" for a in has["area"].values]
                grouped = has.astype(int).groupby(
                    xr.DataArray(np.asarray(parents, dtype=object), dims="area", name="parent")
                )
                self._memo[key] = grouped.sum().rename(parent="area")
        return self._memo[key]

    def _arrays(self, level: int, core: bool) -> _LevelArrays:
        key = ("arrays", level, core)
        if key not in self._memo:
            self._memo[key] = _LevelArrays.of(
                self.context.level_scores(level, core),
                self.layers[level].locations,
                self.children_with_data(level, core),
            )
        return self._memo[key]

    def values(self, state: ViewState) -> pd.DataFrame:
        """The view's values at its level (rolled up where it must be), one row per area
        of the layer in geometry order, as ``map_values`` gives them, with a ``note`` per
        area for the hover: rolled up from how many areas, low reliability.

        A slider step runs this: it indexes arrays laid out once per level and criteria
        set (``_LevelArrays``) instead of selecting from the xarray Dataset each time."""
        arrays = self._arrays(state.level, state.core)
        values = arrays.values(state)
        values["note"] = _notes(values, state, arrays.children_at(state))
        return values

    def figure(self, state: ViewState, height: int = 600) -> go.Figure:
        layer = self.layer(state)
        return map_figure(
            self.values(state),
            state.level,
            layer.geojson,
            locations=layer.locations,
            names=layer.names,
            bounds=layer.bounds,
            criterion_label=_hover_label(state, self.framework),
            height=height,
            lang=state.lang,
        )


@dataclass(frozen=True)
class _LevelArrays:
    """One level's scores as numpy arrays with the area last, and where each area of the
    map's layer sits on that axis: a view's values are a few index operations."""

    variables: dict[str, tuple[np.ndarray, tuple[str, ...]]]
    coords: dict[str, pd.Index]
    positions: np.ndarray  # layer location -> area index (-1: no scores for it)
    locations: np.ndarray
    children: np.ndarray | None  # (round, group, location) or None

    @classmethod
    def of(
        cls, scores: xr.Dataset, locations: Sequence[str], children: xr.DataArray | None
    ) -> _LevelArrays:
        variables = {}
        for name in (
            "overall_score",
            "score_class",
            "criterion_score",
            "reliability",
            "idps_present",
            "rolled_up",
            "has_data",
        ):
            if name in scores:
                data = scores[name].transpose(..., "area")
                # A transpose of numpy-backed data is a view: nothing is copied.
                variables[name] = (np.asarray(data.values), tuple(data.dims[:-1]))
        coords = {
            dim: pd.Index(scores[dim].values)
            for dim in ("round", "group", "benchmark", "criterion")
            if dim in scores.coords
        }
        area_index = pd.Index(np.asarray(scores["area"].values, dtype=str))
        positions = area_index.get_indexer(list(locations))
        counts = None
        if children is not None:
            laid = children.transpose("round", "group", "area")
            at = pd.Index(np.asarray(laid["area"].values, dtype=str)).get_indexer(list(locations))
            counts = np.where(at >= 0, np.asarray(laid.values)[..., np.maximum(at, 0)], 0)
            # The rounds and groups of ``children`` are those of the deeper level's scores.
            coords["children_round"] = pd.Index(laid["round"].values)
            coords["children_group"] = pd.Index(laid["group"].values)
        return cls(variables, coords, positions, np.asarray(locations, dtype=object), counts)

    def _pick(self, name: str, fill, **at) -> np.ndarray:
        values, dims = self.variables[name]
        index = tuple(self.coords[dim].get_loc(at[dim]) for dim in dims)
        row = values[index]
        out = row[np.maximum(self.positions, 0)]
        if (self.positions < 0).any():
            out = np.where(self.positions < 0, fill, out)
        return out

    def values(self, state: ViewState) -> pd.DataFrame:
        at = {
            "round": pd.Timestamp(state.round).to_datetime64(),
            "group": state.group,
            "benchmark": state.benchmark,
            "criterion": state.criterion,
        }
        if state.criterion == OVERALL:
            score = self._pick("overall_score", np.nan, **at).astype(float)
            klass = self._pick("score_class", np.nan, **at).astype(float)
        else:
            score = self._pick("criterion_score", np.nan, **at).astype(float)
            klass = np.full(len(score), np.nan)
        has_data = self._pick("has_data", False, **at).astype(bool)
        reliability = np.where(has_data, self._pick("reliability", np.nan, **at), np.nan)
        if "idps_present" in self.variables:
            idps = self._pick("idps_present", np.nan, **at).astype(float)
        else:
            idps = np.full(len(score), np.nan)
        rolled = (
            self._pick("rolled_up", False, **at).astype(bool) & has_data
            if "rolled_up" in self.variables
            else np.zeros(len(score), dtype=bool)
        )
        labels = _class_labels(state.lang)[np.nan_to_num(klass, nan=0).astype(int)]
        return pd.DataFrame(
            {
                "pcode": self.locations,
                "score": score,
                "class": klass,
                "class_label": labels,
                "reliability": reliability.astype(float),
                "idps_present": idps,
                "rolled_up": rolled,
            }
        )

    def children_at(self, state: ViewState) -> np.ndarray | None:
        if self.children is None:
            return None
        at = pd.Timestamp(state.round).to_datetime64()
        rounds, groups = self.coords["children_round"], self.coords["children_group"]
        if at not in rounds or state.group not in groups:
            return np.zeros(len(self.locations), dtype=int)
        return self.children[rounds.get_loc(at), groups.get_loc(state.group)]


def _class_labels(lang: str) -> np.ndarray:
    """[None, class 1 label, ..., class 5 label] in ``lang``: a lookup by class number."""
    return np.array([None, *(class_label(step, lang) for step in range(1, 6))], dtype=object)


def _notes(values: pd.DataFrame, state: ViewState, counts: np.ndarray | None) -> list[str]:
    """Extra hover lines per area (HTML, escaped): rolled up from N areas, low reliability."""
    notes = [""] * len(values)
    rolled = values["rolled_up"].to_numpy(dtype=bool)
    low = np.nan_to_num(values["reliability"].to_numpy(dtype=float), nan=-1) >= LOW_RELIABILITY
    if not (rolled.any() or low.any()):
        return notes
    _ = translator(state.lang)
    ngettext = ntranslator(state.lang)
    low_text = "<br>" + html_text.escape(_("Low reliability"))
    for i in np.flatnonzero(rolled | low):
        note = ""
        if rolled[i]:
            count = int(counts[i]) if counts is not None else 0
            text = ngettext(
                "Rolled up from %(count)s area one level down",
                "Rolled up from %(count)s areas one level down",
                count,
            ) % {"count": number(count, state.lang)}
            note += "<br>" + html_text.escape(text)
        if low[i]:
            note += low_text
        notes[i] = note
    return notes


def criterion_label(criterion: str, framework: Framework, lang: str = DEFAULT_LANGUAGE) -> str:
    if criterion == OVERALL:
        return translator(lang)("Overall score")
    return framework.label(criterion, lang)


def _hover_label(state: ViewState, framework: Framework) -> str | None:
    return (
        None
        if state.criterion == OVERALL
        else criterion_label(state.criterion, framework, state.lang)
    )


def map_patch(
    state: ViewState,
    source: MapSource,
    *,
    values_only: bool,
    values: pd.DataFrame | None = None,
) -> Patch:
    """A Patch of the map figure for ``state``: the score trace's ``z``, ``customdata``
    and ``hovertext``, the outlined low-reliability areas, and unless ``values_only`` the
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
    if not values_only:
        patch["data"][SCORE_TRACE]["hovertemplate"] = hovertemplate(
            _hover_label(state, source.framework), state.lang
        )
    return patch


def caption(state: ViewState, framework: Framework) -> str:
    """One line naming what the map shows, e.g. for a screenshot in a briefing."""
    _ = translator(state.lang)
    text = (
        f"{criterion_label(state.criterion, framework, state.lang)} — "
        f"{_(_COMPARED[state.group, state.benchmark])}, {month_year(state.round, state.lang)}"
    )
    if state.core:
        text += " · " + _("IRIS core (five criteria)")
    return text


def _steps(values: pd.DataFrame, criterion: str) -> np.ndarray:
    """The colour step (1-5) of each area, NaN without a score: the class for the overall
    score, the same score bands for a criterion."""
    if criterion == OVERALL:
        return values["class"].to_numpy(dtype=float)
    score = np.floor(values["score"].to_numpy(dtype=float) * 10 + 1e-6) / 10
    steps = np.digitize(score, [40, 60, 80, 100]).astype(float) + 1
    steps[np.isnan(score)] = np.nan
    return steps


def map_summary(state: ViewState, values: pd.DataFrame, framework: Framework) -> str:
    """The map in words (its text alternative): how many areas, what is shown, how many
    in each class, without a score, and of low reliability."""
    _ = translator(state.lang)
    ngettext = ntranslator(state.lang)
    steps = _steps(values, state.criterion)
    n = len(values)
    head = ngettext(
        "Map of %(count)s area at admin level %(level)s",
        "Map of %(count)s areas at admin level %(level)s",
        n,
    ) % {"count": number(n, state.lang), "level": state.level}
    parts = []
    for step, span in reversed(CLASS_RANGES):  # worst first: what a briefing asks first
        count = int(np.sum(steps == step))
        if state.criterion == OVERALL:
            name = _(CLASS_NAMES[step])
        else:
            name = _("score %(range)s") % {"range": span}
        parts.append((name, count))
    parts.append((_("no score"), int(np.isnan(steps).sum())))
    counts = format_list(
        [
            _("%(name)s: %(count)s") % {"name": name, "count": number(count, state.lang)}
            for name, count in parts
        ],
        locale=locale_of(state.lang),
    )
    low = int((values["reliability"] >= LOW_RELIABILITY).sum())
    low_text = ngettext(
        "%(count)s area of low reliability.", "%(count)s areas of low reliability.", low
    ) % {"count": number(low, state.lang)}
    return f"{head}. {caption(state, framework)}. {counts[:1].upper()}{counts[1:]}. {low_text}"


def update_map(
    triggers: Iterable[str],
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    settings: Mapping | None,
    source: MapSource,
) -> tuple:
    """(figure Patch, caption, summary) for the controls' values. ``triggers`` are the
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
    )
    values = source.values(state)
    patch = map_patch(state, source, values_only=triggers == {ids.ROUND}, values=values)
    # Sent as the Patch's own wire form (what Dash would send for it): a plain dict that
    # the JSON encoder writes in one pass, where a Patch object makes it walk every value.
    return (
        patch.to_plotly_json(),
        caption(state, source.framework),
        map_summary(state, values, source.framework),
    )


# -- layout ----------------------------------------------------------------------------


def round_marks(
    rounds: Sequence[str], most: int = 12, lang: str = DEFAULT_LANGUAGE
) -> dict[int, str]:
    """Slider marks ``{index: "Mar 2024"}``; past ``most`` rounds only every k-th one
    and the latest are labelled, so the labels do not overlap."""
    step = max(1, -(-len(rounds) // most))
    marks = {i: month_year(r, lang) for i, r in enumerate(rounds) if i % step == 0}
    if rounds:
        marks[len(rounds) - 1] = month_year(rounds[-1], lang)
    return marks


def _level_options(source: MapSource, lang: str) -> list[dict]:
    ngettext = ntranslator(lang)
    options = []
    for level in sorted(source.options.levels):
        count = len(source.layers[level].locations)
        label = ngettext(
            "Level %(level)s · %(count)s area",
            "Level %(level)s · %(count)s areas",
            count,
        ) % {"level": level, "count": number(count, lang)}
        options.append({"label": label, "value": level})
    return options


def dropdown_labels(lang: str) -> dict[str, str]:
    """The words ``dcc.Dropdown`` shows itself (search box, clear buttons), translated."""
    _ = translator(lang)
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def map_controls(source: MapSource, state: ViewState) -> html.Div:
    _ = translator(state.lang)
    options, framework = source.options, source.framework
    criteria = [
        {"label": criterion_label(c, framework, state.lang), "value": c}
        for c in options.criteria_for(state.core)
    ]
    groups = [{"label": _(GROUP_LABELS[g]), "value": g} for g in options.groups]
    benchmarks = [{"label": _(BENCHMARK_LABELS[b]), "value": b} for b in options.benchmarks]
    cores = [
        {"label": _("All eight criteria"), "value": "all"},
        {"label": _("IRIS core (five criteria)"), "value": "iris"},
    ]
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
                        value=state.criterion,
                        clearable=False,
                        searchable=False,
                        labels=dropdown_labels(state.lang),
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Displaced group"), className="control-label"),
                    dcc.RadioItems(id=ids.GROUP, options=groups, value=state.group, inline=True),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Benchmark"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.BENCHMARK, options=benchmarks, value=state.benchmark, inline=True
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Admin level"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.LEVEL,
                        options=_level_options(source, state.lang),
                        value=state.level,
                        inline=True,
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Criteria"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.CORE,
                        options=cores,
                        value="iris" if state.core else "all",
                        inline=True,
                    ),
                ],
            ),
            html.Div(
                className="control control-search",
                children=[
                    html.Label(
                        _("Find an area"), htmlFor=ids.AREA_SEARCH, className="control-label"
                    ),
                    dcc.Dropdown(
                        id=ids.AREA_SEARCH,
                        options=[],
                        placeholder=_("Type a name or P-code"),
                        searchable=True,
                        clearable=True,
                        debounce=False,
                        labels=dropdown_labels(state.lang),
                    ),
                ],
            ),
        ],
    )


def map_page(source: MapSource, state: ViewState) -> html.Div:
    """The map page for ``state``: controls, round slider, caption, map, its summary in
    words, the legend and the reliability note."""
    _ = translator(state.lang)
    rounds = source.options.rounds
    values = source.values(state)
    layer = source.layer(state)
    return html.Div(
        className="map-page",
        children=[
            # The page's own Location: its controls' callbacks then never name a component
            # of the shell, and "callback-nav" tells the shell's Location of each change.
            dcc.Location(id=ids.MAP_URL, refresh="callback-nav"),
            dcc.Store(
                id=ids.MAP_SETTINGS,
                data={"level": state.level, "core": state.core, "lang": state.lang},
            ),
            map_controls(source, state),
            html.Div(
                className="control control-round",
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
                        figure=map_figure(
                            values,
                            state.level,
                            layer.geojson,
                            locations=layer.locations,
                            names=layer.names,
                            bounds=layer.bounds,
                            criterion_label=_hover_label(state, source.framework),
                            lang=state.lang,
                        ),
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
                    html.P(
                        map_summary(state, values, source.framework),
                        id=ids.MAP_SUMMARY,
                        className="map-summary",
                    ),
                ],
            ),
            html.P(
                id=ids.MAP_LEGEND,
                className="legend",
                children=_(
                    "Scores run from 0 to 100, where 100 means no gap: parity with the host "
                    "community, or the best goalpost. Grey areas have too few indicators with "
                    "data for a score. Hover over an area for its score, class and reliability "
                    "(0 = most reliable, 10 = least); click it to open its page."
                ),
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


# -- callbacks -------------------------------------------------------------------------


def register_callbacks(app, source: MapSource) -> None:
    """The map page's callbacks: one-line shims over the functions above."""
    options = source.options
    controls = [
        (ids.CRITERION, "value"),
        (ids.GROUP, "value"),
        (ids.BENCHMARK, "value"),
        (ids.ROUND, "value"),
    ]
    switches = [(ids.LEVEL, "value"), (ids.CORE, "value")]

    @app.callback(
        Output(ids.MAP_URL, "search"),
        *(Output(i, p) for i, p in controls + switches),
        Input(ids.MAP_URL, "search"),
        *(Input(i, p) for i, p in controls + switches),
        prevent_initial_call=True,
    )
    def sync_map_url(search, criterion, group, benchmark, round_index, level, core):
        return sync_url(
            ctx.triggered_id, search, criterion, group, benchmark, round_index, options, level, core
        )

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_CAPTION, "children"),
        Output(ids.MAP_SUMMARY, "children"),
        *(Input(i, p) for i, p in controls),
        State(ids.MAP_SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def update_map_values(criterion, group, benchmark, round_index, settings):
        return update_map(
            ctx.triggered_prop_ids.values(),
            criterion,
            group,
            benchmark,
            round_index,
            settings,
            source,
        )

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
        level = (settings or {}).get("level", options.default.level)
        return area_options(
            source.layers.get(level, source.layers[options.levels[0]]), text, keep=chosen
        )
