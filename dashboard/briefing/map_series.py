"""What a map of any code shows over the rounds: the overall score, a criterion or one
indicator (the indicator-level map), per area of a layer, with the public view's
withheld flags, and its change since the previous or the first round with a score
(DESIGN 4.7). ``MapSource`` (``map_data``) memoises these per level and data
generation, so a slider step indexes arrays laid out once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from dashboard.briefing.view import OVERALL, ViewState
from dashboard.context import AppContext
from indicators.analysis import change
from indicators.disclosure import withheld
from indicators.indicator_view import indicator_table, rollup_indicator
from indicators.rounds import first_scored, previous_scored


@dataclass(frozen=True)
class IndicatorArrays:
    """One indicator at one admin level, areas in the layer's order (last axis):
    ``score`` (benchmark, round, group, area), ``value`` (round, group, area), ``host``
    and ``own_host`` (round, area: the comparator used, and whether it is the area's
    own) and ``hidden`` (round, group, area: the public view withholds the
    value, the small-sample rule of DESIGN 8 applied to this one indicator)."""

    benchmarks: pd.Index
    rounds: pd.Index
    groups: pd.Index
    score: np.ndarray
    value: np.ndarray
    host: np.ndarray
    own_host: np.ndarray
    hidden: np.ndarray
    hidden_rounds: pd.Index
    hidden_groups: pd.Index

    @classmethod
    def of(
        cls, context: AppContext, level: int, indicator: str, locations: Sequence[str]
    ) -> IndicatorArrays:
        table = indicator_table(context.scores(), context.cube, indicator, context.framework.n_min)
        if level != max(context.levels.values()):
            idps = context.cube["context"].sel(variable="idps_present", drop=True)
            table = rollup_indicator(
                table, idps.reset_coords(drop=True), context.levels, context.parents, level
            )
        table = table.reindex(area=list(locations))
        flags = context.sample_flags(level).sel(indicator=[indicator])
        flags = flags.reindex(area=list(locations))
        hidden = withheld(
            flags["present"].fillna(False).astype(bool), flags["small"].fillna(False).astype(bool)
        ).transpose("round", "group", "area")
        return cls(
            benchmarks=pd.Index(table["benchmark"].values),
            rounds=pd.Index(table["round"].values),
            groups=pd.Index(table["group"].values),
            score=table["score"].transpose("benchmark", "round", "group", "area").values,
            value=table["value"].transpose("round", "group", "area").values,
            host=table["host"].transpose("round", "area").values,
            own_host=table["own_host"].transpose("round", "area").values.astype(bool),
            hidden=np.asarray(hidden.values, dtype=bool),
            hidden_rounds=pd.Index(hidden["round"].values),
            hidden_groups=pd.Index(hidden["group"].values),
        )

    def at(self, state: ViewState) -> dict[str, np.ndarray]:
        """``score``, ``value``, ``host`` and ``hidden`` per area for the view."""
        size = self.score.shape[-1]
        when = pd.Timestamp(state.round).to_datetime64()
        empty = np.full(size, np.nan)
        if when not in self.rounds or state.group not in self.groups:
            no = empty > 0
            return {"score": empty, "value": empty, "host": empty, "own_host": no, "hidden": no}
        r, g = self.rounds.get_loc(when), self.groups.get_loc(state.group)
        b = self.benchmarks.get_loc(state.benchmark)
        hidden = np.zeros(size, dtype=bool)
        if when in self.hidden_rounds and state.group in self.hidden_groups:
            hidden = self.hidden[
                self.hidden_rounds.get_loc(when), self.hidden_groups.get_loc(state.group)
            ]
        return {
            "score": self.score[b, r, g].astype(float),
            "value": self.value[r, g].astype(float),
            "host": self.host[r].astype(float),
            "own_host": self.own_host[r],
            "hidden": hidden,
        }


def series(
    context: AppContext,
    state: ViewState,
    locations: Sequence[str],
    indicator: IndicatorArrays | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(values, hidden) over (area, round) on ``context.rounds``, areas in the order of
    ``locations``: the view's overall score, criterion score or (with ``indicator``,
    the arrays of ``state.indicator``) indicator score, and the withheld flags."""
    axis = pd.to_datetime(list(context.rounds)).to_numpy()
    areas = list(locations)
    if state.indicator and indicator is not None:
        rounds = [indicator.rounds.get_loc(r) if r in indicator.rounds else -1 for r in axis]
        b = indicator.benchmarks.get_loc(state.benchmark)
        if state.group not in indicator.groups:
            nan = np.full((len(areas), len(axis)), np.nan)
            return nan, nan > 0
        g = indicator.groups.get_loc(state.group)
        picked = indicator.score[b][:, g].T  # (area, own rounds)
        values = (
            np.stack(
                [picked[:, i] if i >= 0 else np.full(len(areas), np.nan) for i in rounds], axis=1
            )
            if len(axis)
            else np.empty((len(areas), 0))
        )
        hidden = np.zeros_like(values, dtype=bool)
        if state.group in indicator.hidden_groups:
            hg = indicator.hidden_groups.get_loc(state.group)
            for column, when in enumerate(axis):
                if when in indicator.hidden_rounds:
                    hidden[:, column] = indicator.hidden[indicator.hidden_rounds.get_loc(when), hg]
        return values, hidden
    scores = context.level_scores(state.level, state.core)
    if state.criterion == OVERALL:
        data = scores["overall_score"]
    else:
        data = scores["criterion_score"].sel(criterion=state.criterion)
    if "benchmark" in data.dims:
        data = data.sel(benchmark=state.benchmark)
    data = (
        data.sel(group=state.group)
        if state.group in data["group"].values
        else data.isel(group=0) * np.nan
    )
    data = data.reindex(round=axis).reindex(area=areas)
    values = data.transpose("area", "round").values.astype(float)
    flags = context.withheld(state.level, state.group, state.core)
    name = OVERALL if state.criterion == OVERALL else state.criterion
    hidden = flags[name].reindex(area=areas, fill_value=False).transpose("area", "round")
    return values, np.asarray(hidden.values, dtype=bool)


def change_at(values: np.ndarray, hidden: np.ndarray, now: int, show: str) -> np.ndarray:
    """Per area, the change of ``values`` (area, round) at round index ``now`` since the
    previous (``since_previous``) or the first (``since_first``) round with a score,
    NaN where either end is withheld (as the area table blanks it)."""
    computed = change(xr.DataArray(values, dims=("area", "round")))[show].values[:, now]
    rows = np.arange(values.shape[0])
    if show == "since_previous":
        other = previous_scored(values)[:, now]
    else:
        other = first_scored(values[:, : now + 1])
    hidden_now = hidden[:, now] & ~np.isnan(values[:, now])
    hidden_end = np.where(other >= 0, hidden[rows, np.maximum(other, 0)], False)
    return np.where(hidden_now | hidden_end, np.nan, computed)


def change_span(values: np.ndarray, show: str) -> float:
    """The largest change (either sign) in any round, rounded up to 5 (at least 5): a
    change map keeps one colour scale while the slider moves."""
    if values.size == 0:
        return 5.0
    moved = change(xr.DataArray(values, dims=("area", "round")))[show].values
    largest = float(np.nanmax(np.abs(moved))) if np.isfinite(moved).any() else 0.0
    return max(5.0, float(np.ceil(largest / 5) * 5))
