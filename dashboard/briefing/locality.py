"""One locality's numbers (``locality_data``): its scores and the comparator's per
criterion, change since the previous and the first round with a score, coverage and
sources. Areas without data of their own read scores rolled up from their children
(DESIGN 4.8). Language-neutral; the page and the PDF put words on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from dashboard.briefing.numbers import _float, _missing, interval
from dashboard.briefing.summary import _first_index
from indicators.cube import DISPLACED_GROUPS


@dataclass(frozen=True)
class CriterionRow:
    """One criterion of the area in the view's round."""

    code: str
    label: str
    score: float | None  # the view's benchmark
    absolute: float | None  # the group's absolute score
    comparator: float | None  # the comparator's absolute score (parity benchmark)
    parity: float | None
    series: tuple[float | None, ...]  # the view's benchmark, per round of LocalityData.rounds
    since_previous: float | None
    previous_round: str | None
    since_first: float | None
    first_round: str | None
    values_present: int
    values_expected: int
    small_samples: int
    fallbacks: int


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator value of the area's displaced group in the view's round: the
    estimate, its sample and, for survey estimates (DESIGN 3.6), its standard error and
    95 % interval. Values without ``se`` (not from a survey) have no interval."""

    code: str
    label: str
    criterion: str
    unit: str
    value: float | None
    n: float | None
    se: float | None
    interval: tuple[float, float] | None  # value ± 1.96·se clipped to the unit's range
    small: bool  # n below the framework's n_min


@dataclass(frozen=True)
class LocalityData:
    """Everything the locality page (and its PDF) shows, as plain values."""

    pcode: str
    name: str
    level: int
    parent: str | None
    parent_name: str | None
    group: str
    benchmark: str
    core: bool
    round: str
    rounds: tuple[str, ...]  # rounds with a score anywhere, oldest first
    scored: bool  # whether the area has scores at all (own or rolled up)
    rolled_up: bool  # scores are the children's, weighted by IDPs present
    members: tuple[str, ...]  # areas whose own data the scores rest on
    overall: float | None
    overall_series: tuple[float | None, ...]
    score_class: int | None
    reliability: float | None
    idps_present: float | None
    since_previous: float | None
    previous_round: str | None
    since_first: float | None
    first_round: str | None
    baseline_round: str | None  # first round with a score (profile's contrast)
    criteria: tuple[CriterionRow, ...]
    n_min: int
    sources: tuple[tuple[str, tuple[str, ...]], ...]  # (source, its rounds)
    #: Returnees present in the round (own figure, else the sum of the children's): the
    #: card the page shows when the view's group is returnees.
    returnees_present: float | None = None
    #: The area's own indicator values this round (empty for rolled-up scores).
    indicators: tuple[IndicatorRow, ...] = ()

    @property
    def small_samples(self) -> int:
        return sum(c.small_samples for c in self.criteria)

    @property
    def values_expected(self) -> int:
        return sum(c.values_expected for c in self.criteria)

    @property
    def values_present(self) -> int:
        return sum(c.values_present for c in self.criteria)

    @property
    def fallbacks(self) -> int:
        return sum(c.fallbacks for c in self.criteria)


def _change(values: Sequence[float | None], index: int, rounds: Sequence[str]):
    """(since previous, previous round, since first, first round) at ``index`` (4.7)."""
    if _missing(values[index]):
        return None, None, None, None
    previous = next((j for j in range(index - 1, -1, -1) if not _missing(values[j])), None)
    first = _first_index(values, index + 1)
    return (
        None if previous is None else values[index] - values[previous],
        None if previous is None else rounds[previous],
        values[index] - values[first],
        rounds[first],
    )


def _series(array: xr.DataArray) -> tuple[float | None, ...]:
    return tuple(_float(v) for v in np.asarray(array.values, dtype=float))


def _by_criterion(array: xr.DataArray, codes: Sequence[str], *first: str) -> np.ndarray:
    """``array`` as floats with ``criterion`` last, in the order of ``codes`` (a code the
    array lacks: NaN), after the dims ``first``."""
    values = np.asarray(array.transpose(*first, "criterion").values, dtype=float)
    position = {str(code): i for i, code in enumerate(array["criterion"].values)}
    # by position, not xarray's reindex (a millisecond each on a page that needs four)
    padded = np.concatenate([values, np.full((*values.shape[:-1], 1), np.nan)], axis=-1)
    return padded[..., [position.get(code, -1) for code in codes]]


#: Locality pages kept per generation (the most recently asked for).
RECENT_LOCALITIES = 1024


def locality_data(context, state, pcode: str) -> LocalityData | None:
    """The numbers of area ``pcode`` for the view ``state``; None for an unknown code.

    The last ``RECENT_LOCALITIES`` answers are kept with the context (one generation):
    each is tens of milliseconds of xarray selections, and on a served dashboard those
    held a worker's interpreter while other readers' slider steps waited. The answer is
    frozen, so one copy serves every request."""
    pcode = str(pcode).strip()
    recent = context.kept(("locality_recent",), OrderedDict)
    lock = context.kept(("locality_lock",), threading.Lock)
    key = (pcode, state)
    with lock:
        if key in recent:
            recent.move_to_end(key)
            return recent[key]
    found = _locality_data(context, state, pcode)
    with lock:
        recent[key] = found
        while len(recent) > RECENT_LOCALITIES:
            recent.popitem(last=False)
    return found


def _locality_data(context, state, pcode: str) -> LocalityData | None:
    if pcode not in context.names:
        return None
    framework = context.framework
    level = int(context.levels[pcode])
    parent = context.parents.get(pcode)
    parent = parent if isinstance(parent, str) and parent in context.names else None
    group = state.group if state.group in DISPLACED_GROUPS else DISPLACED_GROUPS[0]
    benchmark = state.benchmark if state.benchmark in ("parity", "absolute") else "parity"
    core = bool(state.core)
    rounds = tuple(context.rounds)
    round_ = state.round if state.round in rounds else (rounds[-1] if rounds else "")
    codes = framework.core_criterion_codes if core else framework.criterion_codes

    result = context.scores(core)
    own = pcode in result["area"].values and bool(result["has_data"].sel(area=pcode).any().item())
    scored = own or level in context.scored_levels
    common = {
        "returnees_present": _returnees(context, pcode, level, round_),
        "pcode": pcode,
        "name": str(context.names_in(state.lang)[pcode]),
        "level": level,
        "parent": parent,
        "parent_name": str(context.names_in(state.lang)[parent]) if parent else None,
        "group": group,
        "benchmark": benchmark,
        "core": core,
        "round": round_,
        "rounds": rounds,
        "n_min": int(framework.n_min),
    }
    if not scored or not rounds:
        return LocalityData(
            **common,
            scored=False,
            rolled_up=False,
            members=(),
            overall=None,
            overall_series=(),
            score_class=None,
            reliability=None,
            idps_present=_idps(context, pcode, round_) if rounds else None,
            since_previous=None,
            previous_round=None,
            since_first=None,
            first_round=None,
            baseline_round=None,
            criteria=(),
            sources=_sources(context, [pcode]),
        )

    at_rounds = {"round": pd.to_datetime(list(rounds)).to_numpy()}
    if own:
        members = [pcode]
        picked = result.sel(area=pcode, group=group).sel(**at_rounds)
        criterion = picked["criterion_score"]
        overall = picked["overall_score"]
        klass = picked["score_class"]
        reliability = picked["reliability"]
        comparator = (
            context.comparator()["criterion_score"].sel(area=pcode, group=group).sel(**at_rounds)
        )
        idps = _idps(context, pcode, round_)
        rolled_up = False
    else:
        members = _members(context, pcode, group)
        level_scores = context.level_scores(level, core)
        picked = level_scores.sel(area=pcode, group=group).sel(**at_rounds)
        criterion = picked["criterion_score"]
        overall = picked["overall_score"]
        klass = picked["score_class"]
        reliability = picked["reliability"].isel(benchmark=0, drop=True)
        comparator = (
            context.comparator_level(level)["criterion_score"]
            .sel(area=pcode, group=group)
            .sel(**at_rounds)
        )
        idps_now = picked["idps_present"].sel(round=np.datetime64(round_))
        idps = _float(idps_now)
        rolled_up = bool(picked["rolled_up"].any().item())

    now = rounds.index(round_)
    # Each criterion's numbers as plain arrays, taken out of xarray once: a selection per
    # criterion and number was most of a locality page's time.
    view_criterion = _by_criterion(criterion.sel(benchmark=benchmark), codes, "round")
    absolute_now = _by_criterion(criterion.sel(benchmark="absolute").isel(round=now), codes)
    parity_now = _by_criterion(criterion.sel(benchmark="parity").isel(round=now), codes)
    comparator_now = _by_criterion(comparator.isel(round=now), codes)
    overall_series = _series(overall.sel(benchmark=benchmark))
    coverage = _coverage(context, members, group, round_, codes)

    rows = []
    for column, code in enumerate(codes):
        series = tuple(_float(v) for v in view_criterion[:, column])
        since_previous, previous_round, since_first, first_round = _change(series, now, rounds)
        present, expected, small, fallbacks = coverage[code]
        rows.append(
            CriterionRow(
                code=code,
                label=framework.label(code, state.lang),
                score=series[now],
                absolute=_float(absolute_now[column]),
                comparator=_float(comparator_now[column]),
                parity=_float(parity_now[column]),
                series=series,
                since_previous=since_previous,
                previous_round=previous_round,
                since_first=since_first,
                first_round=first_round,
                values_present=present,
                values_expected=expected,
                small_samples=small,
                fallbacks=fallbacks,
            )
        )
    since_previous, previous_round, since_first, first_round = _change(overall_series, now, rounds)
    baseline = _first_index(overall_series, len(rounds))
    if baseline is None:
        baseline = min(
            (i for i in (_first_index(r.series, len(rounds)) for r in rows) if i is not None),
            default=None,
        )
    klass_now = _float(klass.sel(benchmark=benchmark).isel(round=now))
    return LocalityData(
        **common,
        scored=True,
        rolled_up=rolled_up,
        members=tuple(members),
        overall=overall_series[now],
        overall_series=overall_series,
        score_class=None if klass_now is None else int(klass_now),
        reliability=_float(reliability.isel(round=now)),
        idps_present=idps,
        since_previous=since_previous,
        previous_round=previous_round,
        since_first=since_first,
        first_round=first_round,
        baseline_round=None if baseline is None else rounds[baseline],
        criteria=tuple(rows),
        sources=_sources(context, sorted({pcode, *members})),
        indicators=_indicators(context, pcode, group, round_, codes, state.lang) if own else (),
    )


def _returnees(context, pcode: str, level: int, round_: str) -> float | None:
    from dashboard.briefing.counts import counts_at_level, holdings

    if "returnees_present" not in holdings(context).counts or not round_:
        return None
    table = counts_at_level(context, "returnees_present", level)
    if pcode not in table.index or round_ not in table.columns:
        return None
    return _float(table.at[pcode, round_])


def _indicators(context, pcode, group, round_, codes, lang) -> tuple[IndicatorRow, ...]:
    """The area's own values of the counted criteria's indicators in the round, in
    framework order (missing values left out)."""
    framework = context.framework
    counted = set(codes)
    subcriterion_of, criterion_of = framework.indicator_parent(), framework.subcriterion_parent()
    cube = context.cube
    try:
        cells = cube[["value", "n", "se"]].sel(area=pcode, group=group, round=np.datetime64(round_))
    except KeyError:
        return ()
    # one array per number, indexed by position: a selection per indicator cost more
    # than the rest of the table
    position = {str(code): i for i, code in enumerate(cells["indicator"].values)}
    values, ns, ses = (
        np.asarray(cells[name].transpose("indicator").values, dtype=float)
        for name in ("value", "n", "se")
    )
    rows = []
    for indicator in framework.indicators:
        criterion = criterion_of[subcriterion_of[indicator.code]]
        if criterion not in counted or indicator.code not in position:
            continue
        at = position[indicator.code]
        value = _float(values[at])
        if value is None:
            continue
        n, se = _float(ns[at]), _float(ses[at])
        rows.append(
            IndicatorRow(
                code=indicator.code,
                label=framework.label(indicator.code, lang),
                criterion=criterion,
                unit=indicator.unit,
                value=value,
                n=n,
                se=se,
                interval=interval(value, se, indicator.unit),
                small=n is not None and n < framework.n_min,
            )
        )
    return tuple(rows)


def _idps(context, pcode: str, round_: str) -> float | None:
    cube = context.cube
    if pcode not in cube["area"].values:
        return None
    value = cube["context"].sel(area=pcode, variable="idps_present")
    try:
        return _float(value.sel(round=np.datetime64(round_)))
    except KeyError:
        return None


def _members(context, pcode: str, group: str) -> list[str]:
    """Descendants of ``pcode`` with data of their own for ``group``: what a rolled-up
    score rests on."""
    result = context.scores()
    has_data = result["has_data"].sel(group=group).any("round").to_series()
    children = context.children
    found, stack = [], list(children.get(pcode, []))
    while stack:
        area = stack.pop()
        if bool(has_data.get(area, False)):
            found.append(area)
        else:
            stack.extend(children.get(area, []))
    return sorted(found)


def _coverage(context, members, group, round_, codes) -> dict[str, tuple[int, int, int, int]]:
    """Per criterion: (values present, values expected, small samples, fallbacks) over the
    member areas in the round."""
    framework = context.framework
    criterion_of = {
        i.code: framework.subcriterion_parent()[s]
        for i, s in ((i, framework.indicator_parent()[i.code]) for i in framework.indicators)
    }
    out = {}
    indicators = np.array(framework.indicator_codes)
    owner = np.array([criterion_of[c] for c in indicators])
    cube = context.cube
    areas = [a for a in members if a in cube["area"].values]
    at = {"round": np.datetime64(round_), "group": group}
    if areas:
        # only the two variables read, not the whole cube
        cells = cube[["value", "n"]].sel(area=areas, **at).reindex(indicator=indicators)
        value = cells["value"].transpose("area", "indicator").to_numpy()
        n = cells["n"].transpose("area", "indicator").to_numpy()
        fallback = (
            context.scores()["fallback"]
            .sel(area=areas, **at)
            .reindex(indicator=indicators, fill_value=False)
            .transpose("area", "indicator")
            .to_numpy()
            .astype(bool)
        )
    else:
        value = n = np.full((0, len(indicators)), np.nan)
        fallback = np.zeros((0, len(indicators)), dtype=bool)
    present = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        small = present & (n < framework.n_min)
    for code in codes:
        mask = owner == code
        out[code] = (
            int(present[:, mask].sum()),
            int(mask.sum()) * max(len(members), 1),
            int(small[:, mask].sum()),
            int((fallback[:, mask] & present[:, mask]).sum()),
        )
    return out


def _sources(context, areas: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = context.sources_by_area
    rows = table[table["area_pcode"].isin(list(areas))]
    return tuple(
        (str(source), tuple(sorted(frame["round"].unique())))
        for source, frame in rows.groupby("source", sort=True)
    )
