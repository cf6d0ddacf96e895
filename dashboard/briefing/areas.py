"""The area tables: one row per area of the view's admin level, with score, class,
change, reliability, rank band, weakest criterion and withheld flags. The map's hover,
the Priorities page, its CSV and the PDF pack read them (DESIGN 2: one fact, one place).

Language-neutral: codes and numbers only; the pages and the pack put words on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from indicators.analysis import change
from indicators.disclosure import withheld


def _criterion_of(context: AppContext) -> xr.DataArray:
    framework = context.framework
    of_sub = framework.subcriterion_parent()
    of_ind = framework.indicator_parent()
    codes = framework.indicator_codes
    return xr.DataArray(
        [of_sub[of_ind[c]] for c in codes], dims="indicator", coords={"indicator": codes}
    )


def _counted(context: AppContext, core: bool) -> list[str]:
    framework = context.framework
    return framework.core_criterion_codes if core else framework.criterion_codes


def _counted_indicators(context: AppContext, core: bool) -> list[str]:
    counted = set(_counted(context, core))
    criterion_of = _criterion_of(context)
    return [
        c
        for c, crit in zip(criterion_of["indicator"].values, criterion_of.values, strict=True)
        if crit in counted
    ]


def _round_time(state: ViewState) -> np.datetime64:
    return np.datetime64(pd.Timestamp(state.round), "ns")


def _level(context: AppContext, state: ViewState) -> int:
    levels = context.scored_levels
    return state.level if state.level in levels else (levels[0] if levels else state.level)


def priority_table(context: AppContext, state: ViewState) -> pd.DataFrame:
    """One row per area of the view's admin level with data in the view's round and
    group, in priority order (median rank ascending: rank 1 is furthest from durable
    solutions; areas without a rank last). Language-neutral: codes and numbers only.

    Columns: pcode, name, parent_pcode, parent_name, score, class, since_previous,
    since_first, idps_present, weakest (criterion code), weakest_score, reliability,
    median_rank, rank_low, rank_high, ranked_areas, indicators (values present),
    small_indicators (of them on small samples), rolled_up, and the suppression flags
    suppressed (score, class, ranks), suppressed_previous, suppressed_first,
    suppressed_weakest.
    """
    level = _level(context, state)
    core, benchmark, group = state.core, state.benchmark, state.group
    when = _round_time(state)
    scores = context.level_scores(level, core)
    if when not in scores["round"].values or group not in scores["group"].values:
        return _empty_priority_table()
    areas = scores["area"].values
    at = {"round": when, "group": group}
    mine = {"benchmark": benchmark, **at}

    def pick(data: xr.DataArray, **where) -> np.ndarray:
        """``data`` at ``where`` (dims it lacks ignored), areas first, in ``areas`` order."""
        data = data.sel({k: v for k, v in where.items() if k in data.dims})
        data = data.reindex(area=areas)
        return data.transpose("area", ...).values

    has_data = pick(scores["has_data"], **mine).astype(bool)
    if not has_data.any():
        return _empty_priority_table()

    moved = context.change(level, core)
    rank = context.uncertainty(level, benchmark, core)
    counted = _counted(context, core)
    criteria = pick(scores["criterion_score"].sel(criterion=counted), **mine)
    present_criteria = ~np.isnan(criteria)
    weakest_at = np.where(
        present_criteria.any(axis=1),
        np.argmin(np.where(present_criteria, criteria, np.inf), axis=1),
        -1,
    )
    weakest = np.array([counted[i] if i >= 0 else None for i in weakest_at], dtype=object)
    weakest_score = np.array(
        [criteria[row, i] if i >= 0 else np.nan for row, i in enumerate(weakest_at)]
    )

    # Suppression of the overall score in every round (a change has two ends), and of
    # each criterion in this round (for the weakest one).
    flags = context.sample_flags(level).sel(group=group).reindex(area=areas)
    indicators = _counted_indicators(context, core)
    present = flags["present"].fillna(False).astype(bool).sel(indicator=indicators)
    small = flags["small"].fillna(False).astype(bool).sel(indicator=indicators)
    overall = scores["overall_score"].sel(benchmark=benchmark, group=group)
    hidden = withheld(present, small).transpose("area", "round")
    # 1 withheld, 0 shown, NaN no score: the change's ends are the rounds with a score.
    ends = change(xr.where(hidden, 1.0, 0.0).where(overall.transpose("area", "round").notnull()))
    hidden_now = pick(hidden, round=when)
    by_criterion = _criterion_of(context).sel(indicator=indicators).rename("criterion")
    now_present = present.sel(round=when).astype(int)
    now_small = small.sel(round=when).astype(int)
    count_by = now_present.groupby(by_criterion).sum().transpose("area", "criterion")
    small_by = now_small.groupby(by_criterion).sum().transpose("area", "criterion")
    hidden_by = ((count_by > 0) & (2 * small_by >= count_by)).sel(criterion=counted).values
    hidden_weakest = np.array(
        [bool(hidden_by[row, i]) if i >= 0 else False for row, i in enumerate(weakest_at)]
    )

    table = pd.DataFrame(
        {
            "pcode": areas,
            "score": pick(overall, round=when),
            "class": pick(scores["score_class"], **mine),
            "since_previous": pick(moved["since_previous"], **mine),
            "since_first": pick(moved["since_first"], **mine),
            "idps_present": pick(scores["idps_present"], round=when),
            "weakest": weakest,
            "weakest_score": weakest_score,
            "reliability": pick(scores["reliability"], **mine),
            "median_rank": pick(rank["median_rank"], **at),
            "rank_low": pick(rank["rank_low"], **at),
            "rank_high": pick(rank["rank_high"], **at),
            "ranked_areas": pick(rank["ranked_areas"], **at).astype(float),
            "indicators": now_present.sum("indicator").transpose("area").values,
            "small_indicators": now_small.sum("indicator").transpose("area").values,
            "rolled_up": pick(scores["rolled_up"], **mine).astype(bool),
            "suppressed": hidden_now,
            "suppressed_previous": (pick(ends["previous"], round=when) == 1) | hidden_now,
            "suppressed_first": (pick(ends["first"], round=when) == 1) | hidden_now,
            "suppressed_weakest": hidden_weakest,
        }
    )
    table = table[has_data].reset_index(drop=True)
    names, parents = context.names, context.parents
    table.insert(1, "name", [names.get(p, p) for p in table["pcode"]])
    table.insert(2, "parent_pcode", [parents.get(p) or None for p in table["pcode"]])
    table.insert(3, "parent_name", [names.get(p) if p else None for p in table["parent_pcode"]])
    table["ranked_areas"] = table["ranked_areas"].where(table["median_rank"].notna())
    return table.sort_values(
        ["median_rank", "score", "name"], na_position="last", kind="stable"
    ).reset_index(drop=True)


_TABLE_COLUMNS = [
    "pcode",
    "name",
    "parent_pcode",
    "parent_name",
    "score",
    "class",
    "since_previous",
    "since_first",
    "idps_present",
    "weakest",
    "weakest_score",
    "reliability",
    "median_rank",
    "rank_low",
    "rank_high",
    "ranked_areas",
    "indicators",
    "small_indicators",
    "rolled_up",
    "suppressed",
    "suppressed_previous",
    "suppressed_first",
    "suppressed_weakest",
]


def _empty_priority_table() -> pd.DataFrame:
    return pd.DataFrame(columns=_TABLE_COLUMNS)


def counted_criteria(context: AppContext, core: bool) -> list[str]:
    framework = context.framework
    return framework.core_criterion_codes if core else framework.criterion_codes


def _criterion_of_indicator(context: AppContext) -> dict[str, str]:
    framework = context.framework
    sub_of = framework.indicator_parent()
    crit_of = framework.subcriterion_parent()
    return {code: crit_of[sub_of[code]] for code in framework.indicator_codes}


def _round_axis(context: AppContext) -> np.ndarray:
    return pd.to_datetime(list(context.rounds)).to_numpy()


def criterion_hidden(context: AppContext, level: int, group: str, core: bool) -> xr.Dataset:
    """Withheld flags over (area, round) of admin ``level``, rounds as in
    ``context.rounds``: ``overall`` and one variable per criterion code."""
    return context.withheld(level, group, core)


def _at_benchmark(variable: xr.DataArray, benchmark: str) -> xr.DataArray:
    """``variable`` for ``benchmark`` where it has that dimension (rolled-up levels
    carry it on every variable, own scores only on the scores)."""
    return variable.sel(benchmark=benchmark) if "benchmark" in variable.dims else variable


def _trailing_run(flags: np.ndarray) -> np.ndarray:
    """Per row, how many of the last columns in a row are True."""
    reversed_ = flags[:, ::-1]
    return np.where(reversed_.all(axis=1), flags.shape[1], np.argmin(reversed_, axis=1))


def area_table(context: AppContext, state: ViewState) -> pd.DataFrame:
    """One row per area of the view's level: pcode, name, parent_name, score, class,
    previous (score of the previous round with a score), previous_round, since_previous,
    idps_present, reliability, has_data, suppressed, suppressed_previous, stuck_rounds
    (rounds in a row in class 1, ending at the view's round) and stuck_since.

    Withheld scores (and changes with a withheld end) are NaN and flagged; the class of a
    withheld score is NaN too."""
    level, group, benchmark, core = state.level, state.group, state.benchmark, state.core
    scores = context.level_scores(level, core)
    rounds = list(context.rounds)
    axis = _round_axis(context)
    now = rounds.index(state.round)
    at = {"benchmark": benchmark, "group": group}
    overall = scores["overall_score"].sel(**at).reindex(round=axis).transpose("area", "round")
    klass = scores["score_class"].sel(**at).reindex(round=axis).transpose("area", "round")
    has_data = _at_benchmark(scores["has_data"], benchmark).sel(group=group)
    has_data = has_data.reindex(round=axis, fill_value=False)
    hidden = criterion_hidden(context, level, group, core)["overall"]
    areas = overall["area"].values
    hidden = hidden.reindex(area=areas, fill_value=False).transpose("area", "round").values
    values = overall.values.astype(float)
    classes = klass.values.astype(float)

    # The previous round with a score, per area (DESIGN 4.7).
    scored = ~np.isnan(values[:, :now])
    has_previous = scored.any(axis=1)
    last = np.where(has_previous, now - 1 - np.argmax(scored[:, ::-1], axis=1), 0)
    rows = np.arange(len(areas))
    previous = np.where(has_previous, values[rows, last], np.nan)
    previous_hidden = np.where(has_previous, hidden[rows, last], False)
    score_now = values[:, now]
    hidden_now = hidden[:, now] & ~np.isnan(score_now)

    lowest = (classes[:, : now + 1] == 1) & ~hidden[:, : now + 1]
    run = _trailing_run(lowest) if now >= 0 else np.zeros(len(areas), dtype=int)
    since = [rounds[now - int(r) + 1] if r > 0 else None for r in run]

    idps = scores["idps_present"].reindex(round=axis).sel(round=axis[now]).reindex(area=areas)
    reliability = _at_benchmark(scores["reliability"], benchmark).sel(group=group)
    reliability = reliability.reindex(round=axis).sel(round=axis[now])
    names, parents = context.names, context.parents
    table = pd.DataFrame(
        {
            "pcode": areas.astype(str),
            "name": [names.get(a, a) for a in areas],
            "parent_name": [names.get(parents.get(a) or "", "") for a in areas],
            "score": np.where(hidden_now, np.nan, score_now),
            "class": np.where(hidden_now, np.nan, classes[:, now]),
            "previous": np.where(previous_hidden, np.nan, previous),
            "previous_round": [
                rounds[i] if ok else None for i, ok in zip(last, has_previous, strict=True)
            ],
            "idps_present": idps.values.astype(float),
            "reliability": np.where(
                has_data.sel(round=axis[now]).reindex(area=areas, fill_value=False).values,
                reliability.reindex(area=areas).values.astype(float),
                np.nan,
            ),
            "has_data": has_data.sel(round=axis[now]).reindex(area=areas, fill_value=False).values,
            "suppressed": hidden_now,
            "suppressed_previous": hidden_now | (previous_hidden & has_previous),
            "stuck_rounds": run.astype(int),
            "stuck_since": since,
        }
    )
    table["since_previous"] = table["score"] - table["previous"]
    table.loc[table["suppressed_previous"], "since_previous"] = np.nan
    return table
