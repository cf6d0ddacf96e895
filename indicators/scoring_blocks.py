"""The fused numpy kernel behind `indicators.scoring.score`: DESIGN 4 steps 1-6 for one
block of areas at a time.

Why blocks: at 10,000 areas x 40 rounds the cube is ~500 MB, and a chain of whole-array
numpy operations streams every temporary through main memory. A block of a few hundred
areas keeps the temporaries in cache, so each step costs arithmetic, not memory traffic,
and the peak memory is the result plus one block. The same kernel scores one dask chunk
(or one Zarr chunk) of areas: the only facts that cross areas, the parent areas' host
values and the round means of all host values (step 2's fallbacks), are computed first
(`comparator_pieces`) and handed to every block.

Inside a block the scores are float32 with the indicator axis first: a sub-criterion's
indicators are then contiguous rows, and its sum is `np.add.reduceat` over rows, with no
membership matrix. float32 keeps ~7 significant digits, far inside the 0.01 agreement
the method asks for; the overall score (logs and exponentials) is computed in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indicators.framework import IRIS_CORE_MIN_CRITERIA, Framework

#: Cells (areas x rounds x groups x indicators) per block: ~2 MB of float32 per buffer,
#: small enough for the last-level cache, large enough that Python overhead is noise.
BLOCK_CELLS = 1 << 18
# Scores are means of clipped values, so "exactly 100" only needs to absorb rounding
# (in float32 too: 100 is exact, and so is a mean of 100s).
PARITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Plan:
    """Everything the kernel needs from the framework, as arrays."""

    worst: np.ndarray  # (indicator,)
    best: np.ndarray
    sub_starts: np.ndarray  # where each sub-criterion's indicators begin
    sub_sizes: np.ndarray
    crit_starts: np.ndarray  # where each criterion's sub-criteria begin
    crit_sizes: np.ndarray
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
        sub_starts=sub_starts,
        sub_sizes=sub_sizes,
        crit_starts=crit_starts,
        crit_sizes=crit_sizes,
        counted=np.array([position[c] for c in counted], dtype=np.intp),
        weights=np.array([c.weight for c in framework.criteria if c.code in counted], dtype=float),
        geometric=framework.aggregation == "geometric",
        min_criteria=IRIS_CORE_MIN_CRITERIA if core else framework.min_criteria,
        n_min=float(framework.n_min),
    )


def parent_rows(parent_position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct parents' area positions, each area's row among them).

    Areas without a parent on the axis point one past the end: the kernel appends a
    row of NaN there, so "no parent" needs no special case.
    """
    distinct = np.unique(parent_position[parent_position >= 0])
    rows = np.searchsorted(distinct, parent_position)
    rows[parent_position < 0] = len(distinct)
    return distinct, rows.astype(np.intp)


def comparator_pieces(parent_host: np.ndarray, host_sum: np.ndarray, host_count: np.ndarray):
    """The small global inputs of step 2: the parents' host values with a NaN row for
    "no parent" (parents + 1, round, indicator), and the round mean of all host values
    (round, indicator), NaN where a round has none."""
    table = np.concatenate([parent_host, np.full((1, *parent_host.shape[1:]), np.nan)])
    with np.errstate(divide="ignore", invalid="ignore"):
        round_mean = host_sum / host_count
    return table, np.where(host_count > 0, round_mean, np.nan)


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


def _segment_means(scores, starts, sizes, min_share, out=None):
    """Means over runs of rows (axis 1) of the NaN-bearing float32 ``scores``, missing
    where fewer than ``min_share`` of the run (and always where none) are present.

    Returns (means, counts of children present); writes the means into ``out`` if given.
    Row by row with contiguous slices: ``np.add.reduceat`` along a middle axis measured
    ten times slower here, and a membership-matrix product does ~the number of rows more
    arithmetic."""
    ends = [*starts[1:], scores.shape[1]]
    shape = (scores.shape[0], len(starts), *scores.shape[2:])
    total = out if out is not None else np.empty(shape, dtype=np.float32)
    total[...] = 0
    count = np.zeros(shape, dtype=np.float32)
    for j, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for k in range(start, end):
            row = scores[:, k]
            present = np.isfinite(row)  # scores are finite or NaN
            np.add(total[:, j], row, out=total[:, j], where=present)
            np.add(count[:, j], present, out=count[:, j])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(total, count, out=total)  # 0 / 0 is NaN: no child present
    if min_share:
        need = (min_share * sizes).reshape((1, -1) + (1,) * (scores.ndim - 2))
        total[count < need] = np.nan
    return total, count


def _overall_rows(criterion, plan, overall, klass):
    """Steps 4 and 5 with the criteria on axis 1: the same arithmetic as
    `_weighted_overall` and `classes`, a row at a time (each row contiguous)."""
    shape = (criterion.shape[0], *criterion.shape[2:])
    total = np.zeros(shape)
    weight = np.zeros(shape)
    present_count = np.zeros(shape, dtype=np.int16)
    at_parity = np.ones(shape, dtype=bool)
    for k, w in enumerate(plan.weights):
        row = criterion[:, k].astype(float)
        present = np.isfinite(row)
        at_parity &= ~present | (row >= 100 - PARITY_TOLERANCE)
        if plan.geometric:
            np.log(np.maximum(row, 1.0, out=row), out=row)
        row *= w
        np.add(total, row, out=total, where=present)
        np.add(weight, w, out=weight, where=present)
        present_count += present
    with np.errstate(divide="ignore", invalid="ignore"):
        total /= weight
    if plan.geometric:
        # exp(log(100)) is 100.00000000000004 in floating point; keep scores within 0-100.
        np.minimum(np.exp(total, out=total), 100.0, out=total)
    total[present_count < plan.min_criteria] = np.nan
    overall[...] = total
    banded = np.select([total >= 80, total >= 60, total >= 40], [4.0, 3.0, 2.0], 1.0)
    klass[...] = np.where(np.isnan(total), np.nan, np.where(at_parity, 5.0, banded))


def score_block(value, n, parent_row, parent_table, round_mean, plan, displaced, host, out):
    """Score one block of areas into the ``out`` arrays (views of the result).

    ``value``, ``n``: (area, round, group, indicator) float arrays of the block;
    ``displaced``: the displaced groups' positions on the group axis (a slice where
    adjacent), ``host`` the comparator group's. ``out`` holds ``indicator``,
    ``subcriterion``, ``criterion`` (benchmark, code, area, round, group), ``overall``,
    ``klass`` (benchmark, area, round, group), ``reliability``, ``has_data`` (area,
    round, group) and ``fallback`` (area, round, group, indicator).
    """
    areas, rounds, _groups, indicators = value.shape
    worst, best = plan.worst, plan.best

    # Step 2's comparator per (area, round, indicator), in float64: it carries the
    # fallback rules and is a third of the size of the displaced values.
    host_value = value[:, :, host, :]
    own = ~np.isnan(host_value)
    own &= ~(n[:, :, host, :] < plan.n_min)  # a missing n is not a small sample
    parent = parent_table[parent_row]
    comparator = np.where(own, host_value, np.where(np.isnan(parent), round_mean, parent))
    gap = comparator - worst
    # (c - worst) / (best - worst) <= 0: no gap to close, P = 100 for a present value.
    # Dividing by +inf there gives 0 for any present value, and the offset adds 100.
    no_gap = gap * np.sign(best - worst) <= 0
    gap[no_gap] = np.inf
    # Dividing by gap / 100 folds the "100 *" into the division. Where x is at c the
    # float64 quotient is 100 within 1e-16, which rounds to exactly 100 in float32.
    gap /= 100
    # Contiguous in the indicator-first layout: broadcasting a strided view is slow.
    offset = np.where(no_gap, np.float32(100), np.float32(0)).transpose(2, 0, 1).copy()[..., None]
    gap = gap.transpose(2, 0, 1).copy()[..., None]

    # Steps 1-2, indicator axis first: (indicator, area, round, group). The ratios are
    # taken in float64 as the method writes them (x at c, or at best, is exactly 1) and
    # rounded once to float32; everything after is float32.
    x = value[:, :, displaced, :]
    shape = (indicators, areas, rounds, x.shape[2])
    distance = np.empty(shape)
    np.copyto(distance, x.transpose(3, 0, 1, 2))
    np.subtract(distance, worst[:, None, None, None], out=distance)
    # Written straight into the result when it is float32 (it is, unless asked otherwise).
    direct = all(out[k].dtype == np.float32 for k in ("indicator", "subcriterion", "criterion"))
    scores = out["indicator"] if direct else np.empty((2, *shape), dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(distance, gap, out=scores[0], casting="same_kind")
        span = (best - worst)[:, None, None, None] / 100
        np.divide(distance, span, out=scores[1], casting="same_kind")
    np.add(scores[0], offset, out=scores[0])
    # maximum(t, 0) and not maximum(0, t): the first returns +0.0 for -0.0.
    np.maximum(scores, np.float32(0), out=scores)
    np.minimum(scores, np.float32(100), out=scores)
    if not direct:
        np.copyto(out["indicator"], scores)

    # Step 3: contiguous runs of rows.
    sub, present_count = _segment_means(
        scores, plan.sub_starts, plan.sub_sizes, 0.0, out["subcriterion"] if direct else None
    )
    crit, _ = _segment_means(
        sub, plan.crit_starts, plan.crit_sizes, 0.5, out["criterion"] if direct else None
    )
    if not direct:
        np.copyto(out["subcriterion"], sub)
        np.copyto(out["criterion"], crit)

    # Steps 4-5 in float64 on the criteria that count, one contiguous row per criterion.
    _overall_rows(crit[:, plan.counted], plan, out["overall"], out["klass"])

    # Step 6 and the row set, in the cube's own layout.
    present = ~np.isnan(x)
    # Absolute scores are present exactly where the value is: their counts per
    # sub-criterion add up to the indicators with a value.
    missing = indicators - present_count[1].sum(axis=0)
    small = np.count_nonzero(present & (n[:, :, displaced, :] < plan.n_min), axis=-1)
    fallback = out["fallback"]
    np.logical_and(present, (~own & ~np.isnan(comparator))[:, :, None, :], out=fallback)
    borrowed = np.count_nonzero(fallback, axis=-1)
    share = (missing + 0.5 * small + 0.5 * borrowed) / indicators
    out["reliability"][...] = 10 * np.minimum(1.0, share)
    out["has_data"][...] = missing < indicators


def score_areas(value, n, parent_row, parent_table, round_mean, plan, displaced, host, out):
    """`score_block` over consecutive blocks of ``BLOCK_CELLS`` cells: a loop over blocks
    of areas (tens of them), each vectorised, so the temporaries stay in cache."""
    areas = value.shape[0]
    step = max(1, BLOCK_CELLS // max(1, int(np.prod(value.shape[1:]))))
    for start in range(0, areas, step):
        part = slice(start, min(start + step, areas))
        views = {
            name: array[(slice(None),) * AREA_AXIS[name] + (part,)] for name, array in out.items()
        }
        score_block(
            value[part],
            n[part],
            parent_row[part],
            parent_table,
            round_mean,
            plan,
            displaced,
            host,
            views,
        )


#: Where the area axis is in each of the kernel's arrays.
AREA_AXIS = {
    "indicator": 2,
    "subcriterion": 2,
    "criterion": 2,
    "overall": 1,
    "klass": 1,
    "reliability": 0,
    "fallback": 0,
    "has_data": 0,
}


def allocate(areas, rounds, groups, plan, empty=np.empty, dtype=np.float32):
    """The kernel's result arrays for ``areas`` areas (``empty`` may be a lazy allocator).

    Scores are float32: within 1e-5 of float64 at 100, inside the 0.01 the method
    promises, and half the memory and memory traffic (the result is larger than the
    cube: two benchmarks of every indicator)."""
    indicators, subcriteria = len(plan.worst), len(plan.sub_starts)
    criteria = len(plan.crit_starts)
    head = (2, areas, rounds, groups)
    # Codes before areas: the kernel's natural layout, so a block is written as long
    # contiguous runs; the Dataset shows them in the usual order as transposed views.
    return {
        "indicator": empty((2, indicators, *head[1:]), dtype=dtype),
        "subcriterion": empty((2, subcriteria, *head[1:]), dtype=dtype),
        "criterion": empty((2, criteria, *head[1:]), dtype=dtype),
        "overall": empty(head, dtype=np.float64),
        "klass": empty(head, dtype=np.float64),
        "reliability": empty(head[1:], dtype=np.float64),
        "fallback": empty((*head[1:], indicators), dtype=bool),
        "has_data": empty(head[1:], dtype=bool),
    }
