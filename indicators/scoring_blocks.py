"""The fused numpy kernel behind `indicators.scoring.score`: DESIGN 4 steps 1-6 for one
block of areas at a time.

Why blocks: at 10,000 areas x 40 rounds the cube is ~500 MB, and a chain of whole-array
numpy operations streams every temporary through main memory. A block of a few hundred
areas keeps the temporaries in cache, so each step costs arithmetic, not memory traffic,
and the peak memory is the result plus one block. The same kernel scores one dask chunk
(or one Zarr chunk) of areas: the only facts that cross areas, the parent areas' host
values and the round means of all host values (step 2's fallbacks), are computed first
(`comparator_pieces`) and handed to every block.

Inside a block everything is laid out indicator first, then group, area, round (the
result too, shown in the usual order as transposed views): a sub-criterion's indicators
are contiguous rows, so its mean is a sum of slices with no membership matrix, and what
varies per indicator or per (area, round, indicator) broadcasts along long rows. The
cube (indicator last) is read once per block in its own order and transposed in cache.

Steps 1-3 run in float32: the distances x - worst and c - worst are taken in float64
and rounded once, so x at c (or at best) still gives a ratio of exactly 1 and a score of
exactly 100; otherwise scores are within ~2e-5 of float64, far inside the 0.01
agreement the method asks for. The overall score (logs, exponentials) is float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indicators.framework import IRIS_CORE_MIN_CRITERIA, Framework

#: Cells (areas x rounds x groups x indicators) per block: 2 MB of the float64 cube and
#: ~1 MB per float32 buffer, small enough for the cache, large enough that Python's
#: per-call overhead is small (1 << 17 measured ~15 % slower, 1 << 19 the same).
BLOCK_CELLS = 1 << 18
# Scores are means of clipped values, so "exactly 100" only needs to absorb rounding
# (in float32 too: 100 is exact, and so is a mean of 100s).
PARITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Plan:
    """Everything the kernel needs from the framework, as arrays."""

    worst: np.ndarray  # (indicator,)
    best: np.ndarray
    subcriteria: int
    criteria: int
    sub_stretches: tuple  # the sub-criteria's runs of indicators (`_stretches`)
    crit_stretches: tuple  # the criteria's runs of sub-criteria
    counted: np.ndarray  # positions of the criteria that enter the overall score
    weights: np.ndarray  # their weights
    geometric: bool
    min_criteria: int
    n_min: float


def _runs(owners: list[str], parents: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each parent's run of children along the child axis."""
    starts = [i for i in range(len(owners)) if i == 0 or owners[i - 1] != owners[i]]
    if [owners[i] for i in starts] != parents:
        raise ValueError("children must be listed contiguously and in their parents' order")
    sizes = np.diff([*starts, len(owners)])
    return np.array(starts, dtype=np.intp), np.asarray(sizes, dtype=np.float32)


def _stretches(starts, sizes) -> tuple[tuple[int, int, int, int], ...]:
    """Consecutive parents with as many children each, as (first child, first parent,
    parents, children each): one slice of rows in `_segment_means`."""
    stretches, j = [], 0
    while j < len(starts):
        runs = 1
        while j + runs < len(starts) and sizes[j + runs] == sizes[j]:
            runs += 1
        stretches.append((int(starts[j]), j, runs, int(sizes[j])))
        j += runs
    return tuple(stretches)


def plan_for(framework: Framework, core: bool = False) -> Plan:
    indicator_parent = framework.indicator_parent()
    subcriterion_parent = framework.subcriterion_parent()
    sub_starts, sub_sizes = _runs(
        [indicator_parent[c] for c in framework.indicator_codes], framework.subcriterion_codes
    )
    crit_starts, crit_sizes = _runs(
        [subcriterion_parent[c] for c in framework.subcriterion_codes], framework.criterion_codes
    )
    counted = framework.core_criterion_codes if core else framework.criterion_codes
    position = {code: k for k, code in enumerate(framework.criterion_codes)}
    return Plan(
        worst=np.array([i.worst for i in framework.indicators], dtype=float),
        best=np.array([i.best for i in framework.indicators], dtype=float),
        subcriteria=len(sub_starts),
        criteria=len(crit_starts),
        sub_stretches=_stretches(sub_starts, sub_sizes),
        crit_stretches=_stretches(crit_starts, crit_sizes),
        counted=np.array([position[c] for c in counted], dtype=np.intp),
        weights=np.array([c.weight for c in framework.criteria if c.code in counted], dtype=float),
        geometric=framework.aggregation == "geometric",
        min_criteria=IRIS_CORE_MIN_CRITERIA if core else framework.min_criteria,
        n_min=float(framework.n_min),
    )


def parent_rows(parent_position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct parents' area positions, each area's row among them).

    Areas without a parent on the axis point one past the end: `comparator_pieces`
    appends a row there (the round means), so "no parent" needs no special case.
    """
    distinct = np.unique(parent_position[parent_position >= 0])
    rows = np.searchsorted(distinct, parent_position)
    rows[parent_position < 0] = len(distinct)
    return distinct, rows.astype(np.intp)


def host_sums(host_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sum and the count of the values present over the area axis of ``host_value``
    (area, round, indicator), a block of areas at a time: a whole-array ``np.nansum``
    would stream a NaN-free copy of it through main memory."""
    total = np.zeros(host_value.shape[1:])
    count = np.zeros(host_value.shape[1:], dtype=np.int64)
    # (a workspace without areas scored has no row to measure: boundaries only)
    step = max(1, BLOCK_CELLS // max(1, int(np.prod(host_value.shape[1:]))))
    for start in range(0, len(host_value), step):
        part = host_value[start : start + step]
        present = np.equal(part, part)  # False only for NaN
        total += np.where(present, part, 0.0).sum(axis=0)
        count += np.add.reduce(present, axis=0, dtype=np.int64)
    return total, count


def comparator_pieces(parent_host: np.ndarray, host_sum: np.ndarray, host_count: np.ndarray):
    """Step 2's fallback comparator, the one small global input of every block:
    (indicator, parents + 1, round), the parent's host value where it has one, else the
    round mean of all host values (NaN where a round has none). The extra last row, for
    areas without a parent on the axis, is the round mean.

    ``parent_host`` is (parents, round, indicator); ``host_sum`` and ``host_count`` are
    (round, indicator)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        round_mean = np.where(host_count > 0, host_sum / host_count, np.nan)
    table = np.concatenate([parent_host, round_mean[None]])
    table = np.where(np.isnan(table), round_mean, table)
    # Indicator first, like the kernel: a block's comparators are then one `take`.
    return np.ascontiguousarray(table.transpose(2, 0, 1))


def _weighted_overall(criterion, weights, geometric, min_criteria):
    """Step 4 over the last axis (criteria): weighted geometric (scores floored at 1) or
    arithmetic mean of the criteria present; NaN where fewer than ``min_criteria``."""
    present = ~np.isnan(criterion)
    weight_present = (present * weights).sum(axis=-1)
    if geometric:
        terms = np.log(np.maximum(np.where(present, criterion, 1.0), 1.0))
    else:
        terms = np.where(present, criterion, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (terms * weights).sum(axis=-1) / weight_present
    if geometric:
        # exp(log(100)) is 100.00000000000004 in floating point; keep scores within 0-100.
        mean = np.minimum(np.exp(mean), 100.0)
    return np.where(present.sum(axis=-1) >= min_criteria, mean, np.nan)


def classes(overall, criterion, tolerance=PARITY_TOLERANCE):
    """Step 5 over the last axis of ``criterion``: 5 where every criterion with a score is
    100, else bands of 20 points; NaN where the overall score is missing."""
    at_parity = ((criterion >= 100 - tolerance) | np.isnan(criterion)).all(axis=-1)
    banded = np.select([overall >= 80, overall >= 60, overall >= 40], [4.0, 3.0, 2.0], 1.0)
    return np.where(np.isnan(overall), np.nan, np.where(at_parity, 5.0, banded))


def _segment_means(scores, stretches, min_share, out):
    """Means over runs of rows (axis 1) of the NaN-bearing float32 ``scores`` into
    ``out``, missing where fewer than ``min_share`` of the run (and always where none)
    are present. Scores are 0-100 or NaN.

    By contiguous slices: ``np.add.reduceat`` along a middle axis measured ten times
    slower here, and a membership-matrix product does ~the number of rows more
    arithmetic. Consecutive runs of the same length (``stretches``, `_stretches`) are one
    slice, seen as (runs, length) rows, so that each numpy call covers all of them."""
    for first, parent, runs, size in stretches:
        rows = scores[:, first : first + runs * size]
        rows = rows.reshape(rows.shape[0], runs, size, *rows.shape[2:])  # a view
        _equal_runs(rows, min_share * size, out[:, parent : parent + runs])


def _equal_runs(rows, need, target):
    """`_segment_means` for runs of one length: ``rows`` (benchmark, run, child, ...),
    ``target`` (benchmark, run, ...); missing where fewer than ``need`` are present."""
    size = rows.shape[2]
    if size == 1:  # the child's score is the mean (min_share is at most 1)
        np.copyto(target, rows[:, :, 0])
    elif size == 2 and need <= 1:
        # The mean of those present without counting them: (a + b) / 2 where both are,
        # else the one present, as fmax((a + b) / 2, fmin(a, b)) (fmin and fmax skip a
        # NaN and give NaN where both are).
        a, b = rows[:, :, 0], rows[:, :, 1]
        np.add(a, b, out=target)
        np.multiply(target, np.float32(0.5), out=target)
        np.fmax(target, np.fmin(a, b), out=target)
    else:
        # fmax(row, 0) is the score, or 0 where missing (scores are never negative)
        np.add.reduce(np.fmax(rows, np.float32(0)), axis=2, out=target)
        count = np.add.reduce(np.equal(rows, rows), axis=2, dtype=np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(target, count, out=target)  # 0 / 0 is NaN: none present
        if need > 1:
            np.copyto(target, np.float32(np.nan), where=count < need)


def _overall_rows(criterion, plan, overall, klass):
    """Steps 4 and 5 with the criteria on axis 1: the same arithmetic as
    `_weighted_overall` and `classes`, for all criteria at once in float64, the sums
    over the criteria (axis 1) taken row after row.

    A missing criterion adds nothing: ``fmax`` turns its NaN into the floor (1 for the
    geometric mean, whose log is 0; 0 for the arithmetic one)."""
    weights = plan.weights.reshape((-1,) + (1,) * (criterion.ndim - 2))
    present = np.equal(criterion, criterion)
    count = np.add.reduce(present, axis=1, dtype=np.int32)
    weight = np.add.reduce(np.multiply(present, weights), axis=1)
    # Criterion scores are float32: the largest float32 under 100 is 99.999992, so
    # ">= 100 - PARITY_TOLERANCE" is ">= 100" here, and the comparison stays in float32.
    below = np.logical_or.reduce(criterion < np.float32(100 - PARITY_TOLERANCE), axis=1)
    terms = np.fmax(criterion, 1.0 if plan.geometric else 0.0, out=np.empty(criterion.shape))
    if plan.geometric:
        np.log(terms, out=terms)
    np.multiply(terms, weights, out=terms)
    total = np.add.reduce(terms, axis=1, out=overall)
    with np.errstate(divide="ignore", invalid="ignore"):
        total /= weight
    if plan.geometric:
        # exp(log(100)) is 100.00000000000004 in floating point; keep scores within 0-100.
        np.minimum(np.exp(total, out=total), 100.0, out=total)
    np.copyto(total, np.nan, where=count < plan.min_criteria)
    # Bands of 20 points: 1 + the number of the edges 40, 60, 80 at or below the score.
    klass[...] = 1.0
    for edge in (40.0, 60.0, 80.0):
        np.add(klass, total >= edge, out=klass)
    np.copyto(klass, 5.0, where=~below)
    np.copyto(klass, np.nan, where=np.isnan(total))


def score_block(value, n, parent_row, gap_table, plan, displaced, host, out):
    """Score one block of areas into the ``out`` arrays (views of the result).

    ``value``, ``n``: (area, round, group, indicator) float arrays of the block;
    ``gap_table``: `comparator_pieces`'s fallback comparators minus worst, float32;
    ``displaced``: the displaced groups' positions on the group axis (a slice where
    adjacent), ``host`` the comparator group's. ``out`` holds, in the layouts of
    `allocate`, ``indicator``, ``subcriterion``, ``criterion``, ``overall``, ``klass``,
    ``reliability``, ``has_data`` and ``fallback``.

    Everything runs indicator first, then group, area, round: an indicator's values of
    one group are one contiguous run of areas x rounds, so what varies per indicator
    (goalposts) or per area, round and indicator (the comparator) broadcasts along long
    rows. The cube (indicator last) is read once, in its own order, and transposed in
    the cache.
    """
    areas, rounds, groups, indicators = value.shape
    worst, best = plan.worst, plan.best
    # Distances from worst, x - worst, in float64 and rounded once to float32, and the
    # small samples; x at c (or at best) has exactly the distance of c (or best).
    with np.errstate(over="ignore", invalid="ignore"):
        in_cube_order = np.subtract(
            value, worst, out=np.empty(value.shape, np.float32), casting="same_kind"
        )
    distance = np.empty((indicators, groups, areas, rounds), dtype=np.float32)
    np.copyto(distance, in_cube_order.transpose(3, 2, 0, 1))
    del in_cube_order
    small = np.empty(distance.shape, dtype=bool)
    np.copyto(small, np.less(n, plan.n_min).transpose(3, 2, 0, 1))  # a missing n is not small

    # Step 2's comparator c, as the gap c - worst per (indicator, area, round): the
    # area's own host value where it has one with n >= n_min, else the fallback.
    own = distance[:, host]
    borrowed = small[:, host] | np.isnan(own)
    fallback = np.take(gap_table, parent_row, axis=1)
    gap = np.where(borrowed, fallback, own)  # measured faster than a masked copyto
    # A fallback only counts where there was one to take.
    np.logical_and(borrowed, np.equal(fallback, fallback), out=borrowed)
    del fallback
    # (c - worst) / (best - worst) <= 0: no gap to close, P = 100 for a present value.
    # Dividing by +inf there gives 0 for any present value, and the floor of the clip
    # (`offset`) is 1 there instead of 0.
    no_gap = np.multiply(gap, np.sign(best - worst).astype(np.float32)[:, None, None]) <= 0
    offset = no_gap.astype(np.float32)[:, None]
    gap = np.where(no_gap, np.float32(np.inf), gap)

    # Steps 1-2 in float32: (x - worst) / (c - worst) and (x - worst) / (best - worst),
    # clipped to 0-1, times 100. At x == c (or best) the ratio is exactly 1.
    x = distance[:, displaced]
    span = (best - worst).astype(np.float32)[:, None, None, None]
    scores = out["indicator"]
    # a tiny gap overflows to +-inf: a ratio far beyond 0-1 all the same, clipped below
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(x, gap[:, None], out=scores[0])
        np.divide(x, span, out=scores[1])
    # maximum(t, 0) and not clip: maximum gives +0.0 for -0.0.
    np.maximum(scores[0], offset, out=scores[0])
    np.maximum(scores[1], np.float32(0), out=scores[1])
    np.minimum(scores, np.float32(1), out=scores)
    np.multiply(scores, np.float32(100), out=scores)

    # Step 3: contiguous runs of rows.
    _segment_means(scores, plan.sub_stretches, 0.0, out["subcriterion"])
    criterion = out["criterion"]
    _segment_means(out["subcriterion"], plan.crit_stretches, 0.5, criterion)
    # Steps 4-5 in float64 on the criteria that count.
    counted = criterion if len(plan.counted) == criterion.shape[1] else criterion[:, plan.counted]
    _overall_rows(counted, plan, out["overall"], out["klass"])

    # Step 6 and the row set: counts over the indicator axis are sums of rows.
    missing = np.isnan(x)
    small = np.greater(small[:, displaced], missing)  # small and present
    np.greater(borrowed[:, None], missing, out=out["fallback"])  # borrowed and present
    missing_count = _count_rows(missing)
    share = missing_count + 0.5 * _count_rows(small) + 0.5 * _count_rows(out["fallback"])
    share /= indicators
    np.multiply(10.0, np.minimum(1.0, share, out=share), out=out["reliability"])
    np.less(missing_count, indicators, out=out["has_data"])


def _count_rows(flags):
    """How many of the rows (axis 0) of a boolean array are True, per cell."""
    dtype = np.uint8 if flags.shape[0] < 256 else np.int32
    return np.add.reduce(flags.view(np.uint8), axis=0, dtype=dtype)


def score_areas(value, n, parent_row, fallback_table, plan, displaced, host, out):
    """`score_block` over consecutive blocks of ``BLOCK_CELLS`` cells: a loop over blocks
    of areas (tens of them), each vectorised, so the temporaries stay in cache."""
    areas = value.shape[0]
    step = max(1, BLOCK_CELLS // max(1, int(np.prod(value.shape[1:]))))
    with np.errstate(over="ignore", invalid="ignore"):
        gap_table = np.subtract(
            fallback_table,
            plan.worst[:, None, None],
            out=np.empty(fallback_table.shape, np.float32),
            casting="same_kind",
        )
    for start in range(0, areas, step):
        part = slice(start, min(start + step, areas))
        views = {
            name: array[(slice(None),) * AREA_AXIS[name] + (part,)] for name, array in out.items()
        }
        score_block(value[part], n[part], parent_row[part], gap_table, plan, displaced, host, views)


#: Each array's axes in `allocate`'s layout, by the names of the result's dimensions.
LAYOUT = {
    "indicator": ("benchmark", "indicator", "group", "area", "round"),
    "subcriterion": ("benchmark", "subcriterion", "group", "area", "round"),
    "criterion": ("benchmark", "criterion", "group", "area", "round"),
    "overall": ("benchmark", "group", "area", "round"),
    "klass": ("benchmark", "group", "area", "round"),
    "reliability": ("group", "area", "round"),
    "fallback": ("indicator", "group", "area", "round"),
    "has_data": ("group", "area", "round"),
}


#: Where the area axis is in each of the kernel's arrays.
AREA_AXIS = {name: dims.index("area") for name, dims in LAYOUT.items()}


def allocate(areas, rounds, groups, plan, empty=np.empty):
    """The kernel's result arrays for ``areas`` areas (``empty`` may be a lazy allocator).

    Scores are float32: within 1e-5 of float64 at 100, inside the 0.01 the method
    promises, and half the memory and memory traffic (the result is larger than the
    cube: two benchmarks of every indicator). Codes, then groups, before areas and
    rounds: the kernel's natural layout (`score_block`), so a block is written as long
    contiguous runs; the Dataset shows them in the usual order as transposed views."""
    sizes = {
        "benchmark": 2,
        "group": groups,
        "area": areas,
        "round": rounds,
        "indicator": len(plan.worst),
        "subcriterion": plan.subcriteria,
        "criterion": plan.criteria,
    }
    dtypes = {"overall": np.float64, "klass": np.float64, "reliability": np.float64}
    dtypes |= {"fallback": bool, "has_data": bool}
    return {
        name: empty(
            tuple(sizes[dim] for dim in dims),
            dtype=dtypes.get(name, np.float32),
        )
        for name, dims in LAYOUT.items()
    }
