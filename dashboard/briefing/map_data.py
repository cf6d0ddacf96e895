"""The map's read-only data for one app (``MapSource``: each level's areas in geometry
order, values per view), its caption and its plain-text summary. Made once at start;
the map page and the PDF draw from it.
"""

from __future__ import annotations

import dataclasses
import html as html_text
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xarray as xr
from babel.lists import format_list

from dashboard.briefing.labels import (
    CLASS_NAMES,
    CLASS_RANGES,
    GROUP_LABELS,
    HOST_NAME,
    LOW_RELIABILITY,
    VIEW_PHRASES,
    class_label,
)
from dashboard.briefing.map_series import IndicatorArrays, change_at, change_span, series
from dashboard.briefing.numbers import shown_array
from dashboard.briefing.view import OVERALL, ViewOptions, ViewState, view_options
from dashboard.context import AppContext
from dashboard.figures.map import map_figure
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    comma,
    locale_of,
    month_year,
    ntranslator,
    number,
    translator,
)
from dashboard.serving import is_public_view
from indicators.framework import Framework


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
        self.layers = {level: self._layer(level) for level in self.options.levels}

    def _layer(self, level: int) -> MapLayer:
        features = self.context.features(level)
        return MapLayer(
            level=level,
            locations=tuple(features["pcode"].values.tolist()),
            names=tuple(features["name"].values.tolist()),
            bounds=tuple(float(b) for b in features.attrs["bounds"]),
            # Parsed only where the figure carries the geometry inline (PDF, images).
            geojson=self.url_for(level) if self.url_for else self.context.collection(level),
        )

    @property
    def framework(self) -> Framework:
        return self.context.framework

    def layer(self, state: ViewState) -> MapLayer:
        """The view's level, its areas named in the view's language (DESIGN 5.2)."""
        return self.layer_in(state.level, state.lang)

    def layer_in(self, level: int, lang: str | None) -> MapLayer:
        """Admin ``level`` with its areas named in ``lang`` where the boundaries carry
        such names, else as the geometry names them."""
        layer = self.layers[level]
        names = self.context.names_in(lang)
        if names is self.context.names:
            return layer
        key = ("layer", level, lang)
        if key not in self._memo:
            named = tuple(
                names.get(p, n) for p, n in zip(layer.locations, layer.names, strict=True)
            )
            self._memo[key] = replace(layer, names=named)
        return self._memo[key]

    def layer_at(self, level: int) -> MapLayer:
        """Any level with display geometry, scored or not (the counts map draws levels
        that have no score)."""
        if level in self.layers:
            return self.layers[level]
        key = ("layer", level)
        if key not in self._memo:
            self._memo[key] = self._layer(level)
        return self._memo[key]

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

    def values(self, state: ViewState, withhold: bool | None = None) -> pd.DataFrame:
        """The view's values at its level (rolled up where it must be), one row per area
        of the layer in geometry order, as ``map_values`` gives them, with a ``note`` per
        area for the hover: rolled up from how many areas, low reliability.

        A slider step runs this: it indexes arrays laid out once per level and criteria
        set (``_LevelArrays``) instead of selecting from the xarray Dataset each time.

        ``withhold`` (default: the reader's role, ``is_public_view``) empties the scores
        the public view withholds (small samples, DESIGN 8)."""
        arrays = self._arrays(state.level, state.core)
        values = arrays.values(state)
        if state.indicator:
            # The indicator's own score; its value and the comparator's go on the card.
            picked = self.indicator_arrays(state.level, state.indicator).at(state)
            own, host = indicator_texts(
                state, self.framework, picked["value"], picked["host"], picked["own_host"]
            )
            values = values.assign(
                score=picked["score"],
                value_text=own,
                host_text=host,
                **{"class": np.nan, "class_label": None},
            )
        if withhold is None:
            withhold = is_public_view()
        if withhold:
            hide = self.withheld(state)
            if hide.any():  # columns replaced whole: cheaper than a masked .loc
                for column in ("score", "class"):
                    values[column] = np.where(hide, np.nan, values[column].to_numpy(float))
                values["class_label"] = values["class_label"].where(~hide, None)
        values["note"] = _notes(values, state, arrays.children_at(state))
        # The persons present of the view's group (the hover card's last line).
        values["present"] = (
            self.returnees_present(state)
            if state.group == "returnee"
            else values["idps_present"].to_numpy(dtype=float)
        )
        if state.show != "score":
            values = self._change(values, state)
        return values

    def returnees_present(self, state: ViewState) -> np.ndarray:
        """Per area of the layer (geometry order): returnees present in the view's round,
        from the counts (own figure, else the children's sum); NaN without a figure. The
        hover card of the returnee view shows these, not the IDP figure."""
        from dashboard.briefing.counts import counts_at_level, holdings

        locations = list(self.layers[state.level].locations)
        if "returnees_present" not in holdings(self.context).counts:
            return np.full(len(locations), np.nan)
        table = counts_at_level(self.context, "returnees_present", state.level)
        if state.round not in table.columns:
            return np.full(len(locations), np.nan)
        return table[state.round].reindex(locations).to_numpy(dtype=float)

    def withheld(self, state: ViewState) -> np.ndarray:
        """Per area of the layer (geometry order): whether the public view withholds the
        view's score (``AppContext.withheld``, the one rule of every output, DESIGN 8)."""
        if state.indicator:
            return self.indicator_arrays(state.level, state.indicator).at(state)["hidden"]
        name = "overall" if state.criterion == OVERALL else state.criterion
        key = ("withheld", state.level, state.group, state.core, name)
        if key not in self._memo:
            # Laid out once as (round, location) so that a slider step only indexes.
            flags = self.context.withheld(state.level, state.group, state.core)
            locations = list(self.layers[state.level].locations)
            if name in flags:
                laid = flags[name].reindex(area=locations, fill_value=False)
                rounds = pd.Index(laid["round"].values)
                self._memo[key] = (rounds, laid.transpose("round", "area").values.astype(bool))
            else:
                self._memo[key] = (pd.Index([]), None)
        rounds, laid = self._memo[key]
        position = rounds.get_indexer([pd.Timestamp(state.round).to_datetime64()])[0]
        if laid is None or position < 0:
            return np.zeros(len(self.layers[state.level].locations), dtype=bool)
        return laid[position]

    def indicator_arrays(self, level: int, indicator: str) -> IndicatorArrays:
        """One indicator's scores, values and withheld flags at ``level`` (memoised)."""
        key = ("indicator", level, indicator)
        if key not in self._memo:
            locations = self.layers[level].locations
            self._memo[key] = IndicatorArrays.of(self.context, level, indicator, locations)
        return self._memo[key]

    def _series(self, state: ViewState) -> tuple[np.ndarray, np.ndarray]:
        """The view's code over every round (area, round) and its withheld flags."""
        key = ("series", state.level, state.core, state.group, state.benchmark, state.shown)
        if key not in self._memo:
            arrays = (
                self.indicator_arrays(state.level, state.indicator) if state.indicator else None
            )
            locations = self.layers[state.level].locations
            self._memo[key] = series(self.context, state, locations, arrays)
        return self._memo[key]

    def _change(self, values: pd.DataFrame, state: ViewState) -> pd.DataFrame:
        """The change of the code the view shows (overall score, criterion or indicator)
        since the previous or the first round with a score, in place of the score;
        empty where either end is withheld, as the area table (``shown_table``) has it."""
        scores, hidden = self._series(state)
        rounds = list(self.context.rounds)
        if state.round not in rounds:
            moved = np.full(len(values), np.nan)
        else:
            moved = change_at(scores, hidden, rounds.index(state.round), state.show)
        return values.assign(score=moved, **{"class": np.nan, "class_label": None})

    def change_span(self, state: ViewState) -> float:
        """The largest change of the view's code in any round (either sign): a change
        map keeps one colour scale while the slider moves."""
        key = (
            "span",
            state.level,
            state.core,
            state.group,
            state.benchmark,
            state.show,
            state.shown,
        )
        if key not in self._memo:
            self._memo[key] = change_span(self._series(state)[0], state.show)
        return self._memo[key]

    def figure(self, state: ViewState, height: int = 600) -> dict:
        """The map figure of ``state`` (a plain dict). The first map a reader sees (the
        default view, in any language) is built once per source and shared read-only:
        ``warm`` builds it at start, so the first page does not wait for it."""
        if height == 600 and state == dataclasses.replace(self.options.default, lang=state.lang):
            # One per language and per disclosure: a viewer's map never shows what only
            # an analyst may see (the values follow the reader's role).
            key = ("first_figure", state.lang, is_public_view())
            if key not in self._memo:
                self._memo[key] = self._figure(state, height)
            return self._memo[key]
        return self._figure(state, height)

    def warm(self) -> None:
        """Build what the first page needs (the default view's figure) now, at start."""
        if self.layers and self.options.rounds:
            self.figure(self.options.default)

    def _figure(self, state: ViewState, height: int) -> dict:
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
            change=change_label(state, self.framework),
            span=self.change_span(state) if state.show != "score" else 20.0,
            group=state.group,
            comparison=comparison(state),
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
    """The words for "overall", a criterion or an indicator code."""
    if criterion == OVERALL:
        return translator(lang)("Overall score")
    return framework.label(criterion, lang)


def shown_label(state: ViewState, framework: Framework) -> str:
    """What the map shows, in words: the indicator, the criterion or the overall score."""
    return criterion_label(state.shown, framework, state.lang)


def _hover_label(state: ViewState, framework: Framework) -> str | None:
    return None if state.shown == OVERALL else shown_label(state, framework)


#: What a change map is called, by ``show``: of the overall score, or of a named code.
CHANGE_LABELS = {
    "since_previous": N_("Change in the overall score since the previous round"),
    "since_first": N_("Change in the overall score since the first round"),
}
NAMED_CHANGE_LABELS = {
    "since_previous": N_("Change in {name} since the previous round"),
    "since_first": N_("Change in {name} since the first round"),
}


def change_label(state: ViewState, framework: Framework | None = None) -> str | None:
    """The change a change map shows, in words (naming the criterion or indicator with
    ``framework``); None on a score map."""
    if state.show not in CHANGE_LABELS:
        return None
    _ = translator(state.lang)
    if state.shown == OVERALL or framework is None:
        return _(CHANGE_LABELS[state.show])
    return _(NAMED_CHANGE_LABELS[state.show]).format(name=shown_label(state, framework))


def _unit_text(value: float, unit: str, lang: str) -> str:
    text = number(value, lang, 1)
    if unit == "percent":
        return text + " %"
    return text if unit in ("ratio", "score", "") else f"{text} {unit}"


def indicator_texts(
    state: ViewState,
    framework: Framework,
    values: np.ndarray,
    host: np.ndarray,
    own_host: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Per area, for an indicator map's hover card (HTML-escaped text): the displaced
    group's value in the indicator's unit, and the comparator's (the host community's,
    marked as borrowed where it is not the area's own)."""
    _ = translator(state.lang)
    unit = next((i.unit for i in framework.indicators if i.code == state.indicator), "")
    borrowed = _("{value} (borrowed)")
    own, other = [], []
    for value, comparator, mine in zip(
        values.tolist(), host.tolist(), own_host.tolist(), strict=True
    ):
        own.append("–" if value != value else _unit_text(value, unit, state.lang))
        text = "–" if comparator != comparator else _unit_text(comparator, unit, state.lang)
        if comparator == comparator and not mine:
            text = borrowed.format(value=text)
        other.append(html_text.escape(text))
    return own, other


def comparison(state: ViewState) -> tuple[str, str] | None:
    """An indicator map's card names: the displaced group and the comparator."""
    if not state.indicator:
        return None
    _ = translator(state.lang)
    return _(GROUP_LABELS[state.group]), _(HOST_NAME)


def caption(state: ViewState, framework: Framework) -> str:
    """One line naming what the map shows, e.g. for a screenshot in a briefing."""
    _ = translator(state.lang)
    shown = change_label(state, framework) or shown_label(state, framework)
    text = (
        f"{shown} — "
        f"{_(VIEW_PHRASES[state.group, state.benchmark])}{comma(state.lang)}"
        f"{month_year(state.round, state.lang)}"
    )
    if state.core:
        text += " · " + _("IRIS core (five criteria)")
    return text


def _steps(values: pd.DataFrame, criterion: str) -> np.ndarray:
    """The colour step (1-5) of each area, NaN without a score: the class for the overall
    score, the same score bands for a criterion."""
    if criterion == OVERALL:
        return values["class"].to_numpy(dtype=float)
    score = shown_array(values["score"].to_numpy(dtype=float))
    steps = np.digitize(score, [40, 60, 80, 100]).astype(float) + 1
    steps[np.isnan(score)] = np.nan
    return steps


def map_summary(state: ViewState, values: pd.DataFrame, framework: Framework) -> str:
    """The map in words (its text alternative): how many areas, what is shown, how many
    in each class, without a score, and of low reliability."""
    _ = translator(state.lang)
    ngettext = ntranslator(state.lang)
    if state.show != "score":
        return _change_summary(state, values, framework)
    steps = _steps(values, state.shown)
    n = len(values)
    head = ngettext(
        "Map of %(count)s area at admin level %(level)s",
        "Map of %(count)s areas at admin level %(level)s",
        n,
    ) % {"count": number(n, state.lang), "level": state.level}
    parts = []
    for step, span in reversed(CLASS_RANGES):  # worst first: what a briefing asks first
        count = int(np.sum(steps == step))
        if state.shown == OVERALL:
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


def _change_summary(state: ViewState, values: pd.DataFrame, framework: Framework) -> str:
    """A change map in words: how many areas rose, fell, and have no change figure."""
    _ = translator(state.lang)
    change = shown_array(values["score"].to_numpy(dtype=float))
    return _(
        "Map of {count} areas at admin level {level}. {caption}. Rose: {up}; fell: {down}; "
        "unchanged: {same}; no change figure: {none}."
    ).format(
        count=number(len(values), state.lang),
        level=state.level,
        caption=caption(state, framework),
        up=number(int(np.sum(change > 0)), state.lang),
        down=number(int(np.sum(change < 0)), state.lang),
        same=number(int(np.sum(change == 0)), state.lang),
        none=number(int(np.isnan(change).sum()), state.lang),
    )
