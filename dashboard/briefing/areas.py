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
from indicators.disclosure import criterion_of
from indicators.rounds import first_scored, previous_scored, stuck_runs, weakest_criterion


def counted_criteria(context: AppContext, core: bool) -> list[str]:
    """The criteria the overall score counts: all, or the IRIS core five."""
    framework = context.framework
    return framework.core_criterion_codes if core else framework.criterion_codes


def _round_axis(context: AppContext) -> np.ndarray:
    return pd.to_datetime(list(context.rounds)).to_numpy()


def _level(context: AppContext, state: ViewState) -> int:
    levels = context.scored_levels
    return state.level if state.level in levels else (levels[0] if levels else state.level)


def criterion_hidden(context: AppContext, level: int, group: str, core: bool) -> xr.Dataset:
    """Withheld flags over (area, round) of admin ``level``, rounds as in
    ``context.rounds``: ``overall`` and one variable per criterion code."""
    return context.withheld(level, group, core)


def _at_benchmark(variable: xr.DataArray, benchmark: str) -> xr.DataArray:
    """``variable`` for ``benchmark`` where it has that dimension (rolled-up levels
    carry it on every variable, own scores only on the scores)."""
    return variable.sel(benchmark=benchmark) if "benchmark" in variable.dims else variable


#: The columns of ``area_table``, in order.
COLUMNS = (
    "pcode",
    "name",
    "parent_pcode",
    "parent_name",
    "score",
    "class",
    "previous",
    "previous_round",
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
    "has_data",
    "suppressed",
    "suppressed_previous",
    "suppressed_first",
    "suppressed_weakest",
    "stuck_rounds",
    "stuck_since",
)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMNS))


def area_table(context: AppContext, state: ViewState) -> pd.DataFrame:
    """One row per area of the view's admin level, in the level's area order: THE area
    table, read by the Priorities page, its CSV and the PDF pack. Names in the view's
    language.

    Columns (``COLUMNS``): pcode, name, parent_pcode, parent_name; score and class (the
    class from the unrounded score); previous (score of the previous round with a
    score, ``indicators.rounds.previous_scored``) and previous_round; since_previous,
    since_first; idps_present; weakest (criterion code: the lowest criterion score,
    ties in framework order, ``indicators.rounds.weakest_criterion``) and
    weakest_score; reliability; median_rank, rank_low, rank_high, ranked_areas;
    indicators (values present) and small_indicators (of them on small samples);
    rolled_up; has_data; the withheld flags suppressed (the score, so its class and
    ranks), suppressed_previous, suppressed_first (a change with a withheld end),
    suppressed_weakest; stuck_rounds (rounds in a row in the lowest class, shown,
    ending at the view's round) and stuck_since.

    Values are as computed: ``blank_withheld`` empties what the flags withhold, and
    every output shows the table through it.

    Made once per generation and view (the context is the generation's), and handed
    out as a copy: the Priorities page, its downloads
    and the API ask for the same few views again and again, and on a served dashboard
    each build held a worker's interpreter for tens of milliseconds that the map's
    slider steps waited behind.
    """
    level = _level(context, state)
    key = ("area_table", level, state.core, state.benchmark, state.group, state.round, state.lang)
    return context.kept(key, lambda: _area_table(context, state, level)).copy()


def _area_table(context: AppContext, state: ViewState, level: int) -> pd.DataFrame:
    core, benchmark, group = state.core, state.benchmark, state.group
    rounds = list(context.rounds)
    if state.round not in rounds:
        return _empty()
    scores = context.level_scores(level, core)
    if group not in scores["group"].values:
        return _empty()
    axis = _round_axis(context)
    now = rounds.index(state.round)
    when = axis[now]
    areas = scores["area"].values
    at = {"round": when, "group": group}
    mine = {"benchmark": benchmark, **at}

    def pick(data: xr.DataArray, **where) -> np.ndarray:
        """``data`` at ``where`` (dims it lacks ignored), areas first, in ``areas`` order."""
        data = data.sel({k: v for k, v in where.items() if k in data.dims})
        data = data.reindex(area=areas)
        return data.transpose("area", ...).values

    def over_rounds(data: xr.DataArray) -> np.ndarray:
        """(area, round) on ``context.rounds``, rounds the level lacks as NaN."""
        data = _at_benchmark(data, benchmark).sel(group=group).reindex(round=axis)
        return data.reindex(area=areas).transpose("area", "round").values.astype(float)

    has_data = np.asarray(
        _at_benchmark(scores["has_data"], benchmark)
        .sel(group=group)
        .reindex(round=axis, fill_value=False)
        .sel(round=when)
        .reindex(area=areas, fill_value=False)
        .values,
        dtype=bool,
    )
    values = over_rounds(scores["overall_score"])
    classes = over_rounds(scores["score_class"])
    rows = np.arange(len(areas))

    # The previous and the first round with a score, per area (DESIGN 4.7).
    previous_at = previous_scored(values)[:, now]
    first_at = first_scored(values[:, : now + 1])
    score_now = values[:, now]
    previous = np.where(previous_at >= 0, values[rows, np.maximum(previous_at, 0)], np.nan)
    first = np.where(first_at >= 0, values[rows, np.maximum(first_at, 0)], np.nan)

    # Withheld flags (DESIGN 8): the score in every round (a change has two ends), and
    # each criterion this round (for the weakest one).
    hidden = context.withheld(level, group, core).reindex(area=areas, fill_value=False)
    hidden_all = hidden["overall"].transpose("area", "round").values.astype(bool)
    hidden_now = hidden_all[:, now] & ~np.isnan(score_now)
    hidden_previous = np.where(
        previous_at >= 0, hidden_all[rows, np.maximum(previous_at, 0)], False
    )
    hidden_first = np.where(first_at >= 0, hidden_all[rows, np.maximum(first_at, 0)], False)

    counted = counted_criteria(context, core)
    criteria = pick(scores["criterion_score"].sel(criterion=counted), **mine).astype(float)
    weakest_at, weakest = weakest_criterion(criteria, counted)
    weakest_score = np.where(weakest_at >= 0, criteria[rows, np.maximum(weakest_at, 0)], np.nan)
    hidden_by = np.stack(
        [hidden[c].transpose("area", "round").values[:, now] for c in counted], axis=1
    ).astype(bool)
    hidden_weakest = np.where(weakest_at >= 0, hidden_by[rows, np.maximum(weakest_at, 0)], False)

    # Stuck: rounds in a row in the lowest class, shown, up to the view's round.
    lowest = (classes[:, : now + 1] == 1) & ~hidden_all[:, : now + 1]
    run = stuck_runs(lowest)

    flags = context.sample_flags(level).sel(group=group).reindex(area=areas)
    crit_of = criterion_of(context.framework)
    indicators = [c for c in flags["indicator"].values if crit_of.get(c) in set(counted)]
    present = flags["present"].fillna(False).astype(bool).sel(indicator=indicators, round=when)
    small = flags["small"].fillna(False).astype(bool).sel(indicator=indicators, round=when)
    rank = context.uncertainty(level, benchmark, core)
    names, parents = context.names_in(state.lang), context.parents
    parent_codes = [parents.get(a) or None for a in areas]
    table = pd.DataFrame(
        {
            "pcode": areas.astype(str),
            "name": [names.get(a, a) for a in areas],
            "parent_pcode": parent_codes,
            "parent_name": [names.get(p) if p else None for p in parent_codes],
            "score": score_now,
            "class": classes[:, now],
            "previous": previous,
            "previous_round": [rounds[i] if i >= 0 else None for i in previous_at],
            "since_previous": score_now - previous,
            "since_first": score_now - first,
            "idps_present": pick(scores["idps_present"], round=when).astype(float),
            "weakest": weakest,
            "weakest_score": weakest_score,
            "reliability": np.where(
                has_data, pick(scores["reliability"], **mine).astype(float), np.nan
            ),
            "median_rank": pick(rank["median_rank"], **at),
            "rank_low": pick(rank["rank_low"], **at),
            "rank_high": pick(rank["rank_high"], **at),
            "ranked_areas": pick(rank["ranked_areas"], **at).astype(float),
            "indicators": present.sum("indicator").transpose("area").values.astype(int),
            "small_indicators": small.sum("indicator").transpose("area").values.astype(int),
            "rolled_up": np.asarray(pick(scores["rolled_up"], **mine), dtype=bool),
            "has_data": has_data,
            "suppressed": hidden_now,
            "suppressed_previous": hidden_now | (hidden_previous & (previous_at >= 0)),
            "suppressed_first": hidden_now | (hidden_first & (first_at >= 0)),
            "suppressed_weakest": hidden_weakest,
            "stuck_rounds": run.astype(int),
            "stuck_since": [rounds[now - int(r) + 1] if r > 0 else None for r in run],
        },
        columns=list(COLUMNS),
    )
    table["ranked_areas"] = table["ranked_areas"].where(table["median_rank"].notna())
    return table


def priority_table(context: AppContext, state: ViewState) -> pd.DataFrame:
    """The rows of ``area_table`` with data in the view's round and group, in priority
    order: median rank ascending (rank 1 is furthest from durable solutions), areas
    without a rank last, then score and name."""
    table = area_table(context, state)
    table = table[table["has_data"].astype(bool)]
    if table.empty:
        return _empty()
    return table.sort_values(
        ["median_rank", "score", "name"], na_position="last", kind="stable"
    ).reset_index(drop=True)


#: What each withheld flag empties (DESIGN 8: the one withheld rule of every output).
WITHHELD = {
    "suppressed": ("score", "class", "median_rank", "rank_low", "rank_high", "ranked_areas"),
    "suppressed_previous": ("previous", "since_previous"),
    "suppressed_first": ("since_first",),
    "suppressed_weakest": ("weakest_score",),
}


def blank_withheld(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every value its withheld flags withhold set to NaN: what the
    Priorities page, the CSV and the PDF show."""
    table = table.copy()
    for flag, columns in WITHHELD.items():
        hide = table[flag].astype(bool).to_numpy()
        for column in columns:
            table[column] = table[column].astype(float).where(~hide)
    return table


def shown_table(context: AppContext, state: ViewState) -> pd.DataFrame:
    """``area_table`` as every output shows it: through ``blank_withheld``."""
    return blank_withheld(area_table(context, state))
