"""The scoring method of DESIGN section 4, as small pure functions over xarray.

Each step (normalise, compare, aggregate, classify, rate reliability) is its own function
so that it can be tested alone and a result regenerated from the framework it records.
No file IO and no Python loops over areas or rounds: the same code runs on a
dask-chunked cube.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from indicators.cube import COMPARATOR_GROUP, DISPLACED_GROUPS
from indicators.framework import IRIS_CORE_MIN_CRITERIA, Framework

BENCHMARKS = ("parity", "absolute")
LEVELS = ("indicator", "subcriterion", "criterion", "overall")
CLASS_LABELS = {5: "parity", 4: "near parity", 3: "partial", 2: "major gaps", 1: "severe gaps"}
# Scores are means of clipped values, so "exactly 100" only needs to absorb rounding.
_PARITY_TOLERANCE = 1e-9


def goalposts(framework: Framework) -> tuple[xr.DataArray, xr.DataArray]:
    codes = framework.indicator_codes
    worst = xr.DataArray([i.worst for i in framework.indicators], coords={"indicator": codes})
    best = xr.DataArray([i.best for i in framework.indicators], coords={"indicator": codes})
    return worst, best


def _segment_starts(children: list[str], parent_of: dict[str, str], parents: list[str]):
    """Where each parent's children begin along the child axis.

    The framework lists children under their parent, so each parent's children are one
    contiguous run; summing runs with ``np.add.reduceat`` needs no membership matrix.
    """
    owners = [parent_of[child] for child in children]
    runs = [owner for i, owner in enumerate(owners) if i == 0 or owners[i - 1] != owner]
    if runs != parents:
        raise ValueError("children must be listed contiguously and in their parents' order")
    return np.array([i for i in range(len(owners)) if i == 0 or owners[i - 1] != owners[i]])


def _absolute(value, worst, best):
    # `+ 0.0` turns the -0.0 of (worst - worst) / negative span into 0.0.
    return 100 * np.clip((value - worst) / (best - worst), 0, 1) + 0.0


def _parity(value, comparator, worst, best):
    position = (comparator - worst) / (best - worst)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100 * np.clip((value - worst) / (comparator - worst), 0, 1) + 0.0
    # A comparator no better than `worst` leaves no gap to close. Where the value or the
    # comparator is missing, `share` is already NaN and `position <= 0` is False.
    return np.where((position <= 0) & ~np.isnan(value), 100.0, share)


def _apply(kernel, *arrays, core: str, new: str | None = None, size: int = 0, **kwargs):
    """Run a numpy kernel along one core dimension, labelled, and lazily on dask arrays."""
    out_dims = [new] if new else [core]
    return xr.apply_ufunc(
        kernel,
        *arrays,
        input_core_dims=[[core] if core in a.dims else [] for a in arrays],
        output_core_dims=[out_dims],
        kwargs=kwargs,
        dask="parallelized",
        output_dtypes=[float],
        dask_gufunc_kwargs={"output_sizes": {new: size}} if new else {},
    )


def absolute_score(value: xr.DataArray, worst: xr.DataArray, best: xr.DataArray) -> xr.DataArray:
    """Step 1: goalpost normalisation, 0 at ``worst``, 100 at ``best``, clipped."""
    return xr.apply_ufunc(_absolute, value, worst, best, dask="parallelized")


def parity_score(
    value: xr.DataArray, comparator: xr.DataArray, worst: xr.DataArray, best: xr.DataArray
) -> xr.DataArray:
    """Step 2: the displaced value as a share of the comparator's distance from ``worst``.

    Where the comparator is no better than ``worst`` there is no gap to close: 100.
    Missing where the value or the comparator is missing.
    """
    return xr.apply_ufunc(_parity, value, comparator, worst, best, dask="parallelized")


def comparator_values(cube: xr.Dataset, n_min: float) -> tuple[xr.DataArray, xr.DataArray]:
    """Step 2's comparator c over (area, round, indicator), and whether it is the area's own.

    Own ``host`` value unless missing or its ``n`` is below ``n_min``; then the parent
    area's ``host`` value (any ``n``); then the mean of all ``host`` values of the round.
    """
    host = cube["value"].sel(group=COMPARATOR_GROUP, drop=True).reset_coords(drop=True)
    host_n = cube["n"].sel(group=COMPARATOR_GROUP, drop=True).reset_coords(drop=True)
    # A missing n means the sample size was not reported, which is not a small sample.
    own_usable = host.notnull() & ~(host_n < n_min)

    area_position = pd.Index(cube["area"].values)
    parent_position = area_position.get_indexer(cube["parent"].values)
    has_parent = xr.DataArray(parent_position >= 0, coords={"area": cube["area"].values})
    indexer = xr.DataArray(np.maximum(parent_position, 0), dims="area")
    parent_host = host.isel(area=indexer).assign_coords(area=cube["area"].values).where(has_parent)
    round_mean = host.mean("area", skipna=True)

    fallback_value = xr.where(parent_host.notnull(), parent_host, round_mean)
    comparator = xr.where(own_usable, host, fallback_value)
    return comparator, own_usable


def _displaced(array: xr.DataArray) -> xr.DataArray:
    """The displaced groups' slice; a view, not a copy, when they are adjacent."""
    position = pd.Index(array["group"].values).get_indexer(list(DISPLACED_GROUPS))
    if (position >= 0).all() and (np.diff(position) == 1).all():
        chosen = array.isel(group=slice(position[0], position[-1] + 1))
    else:
        chosen = array.sel(group=list(DISPLACED_GROUPS))
    return chosen.reset_coords(drop=True)


def _both_benchmarks(value, comparator, worst, best):
    """Parity and absolute scores written straight into one array, benchmark before
    indicator so each sub-criterion's indicators stay contiguous for the means that
    follow. Same arithmetic as `_parity` and `_absolute`, without their temporaries:
    at 10,000 areas x 40 rounds the copies cost more than the sums."""
    shape = np.broadcast_shapes(value.shape, comparator.shape)
    out = np.empty((*shape[:-1], 2, shape[-1]))
    parity, absolute = out[..., 0, :], out[..., 1, :]
    span = best - worst
    np.subtract(value, worst, out=absolute)  # x - worst, shared by both benchmarks
    # Division by a zero or tiny gap only happens where the no-gap rule below overrides.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(absolute, comparator - worst, out=parity)
        np.divide(absolute, span, out=absolute)
    for target in (parity, absolute):
        np.clip(target, 0, 1, out=target)
        np.multiply(target, 100, out=target)
        np.add(target, 0.0, out=target)  # -0.0 -> 0.0
    no_gap = ((comparator - worst) / span <= 0) & ~np.isnan(value)
    parity[no_gap] = 100.0
    return out


def indicator_scores(cube: xr.Dataset, framework: Framework) -> xr.Dataset:
    """Steps 1-2 for the displaced groups: ``score`` (benchmark, area, round, group,
    indicator) and ``fallback`` (area, round, group, indicator)."""
    worst, best = goalposts(framework)
    displaced = _displaced(cube["value"])
    comparator, own_usable = comparator_values(cube, framework.n_min)
    scores = xr.apply_ufunc(
        _both_benchmarks,
        displaced,
        comparator,
        worst,
        best,
        input_core_dims=[["indicator"]] * 4,
        output_core_dims=[["benchmark", "indicator"]],
        dask="parallelized",
        output_dtypes=[float],
        dask_gufunc_kwargs={"output_sizes": {"benchmark": len(BENCHMARKS)}},
    ).assign_coords(benchmark=list(BENCHMARKS))
    scores = scores.transpose("benchmark", *displaced.dims)
    fallback = displaced.notnull() & comparator.notnull() & ~own_usable
    return xr.Dataset({"score": scores, "fallback": fallback})


def _segment_mean(scores, starts, min_share):
    # A 0/1 membership matrix turns the per-parent sums into one BLAS matrix product,
    # several times faster than ``np.add.reduceat`` on these shapes.
    width = scores.shape[-1]
    ends = np.append(starts[1:], width)
    membership = (np.arange(width)[:, None] >= starts) & (np.arange(width)[:, None] < ends)
    present = ~np.isnan(scores)
    total = np.where(present, scores, 0.0) @ membership.astype(float)
    count = present.astype(np.float32) @ membership.astype(np.float32)
    enough = (count > 0) & (count >= min_share * (ends - starts))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(enough, total / count, np.nan)


def mean_of_children(
    scores: xr.DataArray,
    child_dim: str,
    parent_dim: str,
    parent_of: dict[str, str],
    parents: list[str],
    min_share: float = 0.0,
) -> xr.DataArray:
    """Step 3: mean of the children present; missing where fewer than ``min_share`` of
    the parent's children have a score (and always where none do)."""
    starts = _segment_starts(list(scores[child_dim].values), parent_of, parents)
    result = _apply(
        _segment_mean,
        scores,
        core=child_dim,
        new=parent_dim,
        size=len(parents),
        starts=starts,
        min_share=min_share,
    )
    return result.assign_coords({parent_dim: parents})


def _weighted_overall(criterion, weights, geometric, min_criteria):
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


def aggregate_to_criteria(
    indicator: xr.DataArray, framework: Framework
) -> tuple[xr.DataArray, xr.DataArray]:
    """Step 3 for any indicator scores: sub-criterion means, then criterion means
    (missing where fewer than half of the sub-criteria have a score)."""
    subcriterion = mean_of_children(
        indicator,
        "indicator",
        "subcriterion",
        framework.indicator_parent(),
        framework.subcriterion_codes,
    )
    criterion = mean_of_children(
        subcriterion,
        "subcriterion",
        "criterion",
        framework.subcriterion_parent(),
        framework.criterion_codes,
        min_share=0.5,
    )
    return subcriterion, criterion


def overall_score(
    criterion: xr.DataArray, weights: xr.DataArray, aggregation: str, min_criteria: int
) -> xr.DataArray:
    """Step 4: weighted geometric (scores floored at 1) or arithmetic mean of the
    criteria present; missing where fewer than ``min_criteria`` have a score."""
    return xr.apply_ufunc(
        _weighted_overall,
        criterion,
        input_core_dims=[["criterion"]],
        kwargs={
            "weights": weights.sel(criterion=criterion["criterion"]).values,
            "geometric": aggregation == "geometric",
            "min_criteria": min_criteria,
        },
        dask="parallelized",
        output_dtypes=[float],
    )


def classify(overall: xr.DataArray, criterion: xr.DataArray) -> xr.DataArray:
    """Step 5: 5 where every criterion with a score is 100, else bands of 20 points."""
    at_parity = ((criterion >= 100 - _PARITY_TOLERANCE) | criterion.isnull()).all("criterion")
    banded = xr.where(
        overall >= 80, 4.0, xr.where(overall >= 60, 3.0, xr.where(overall >= 40, 2.0, 1.0))
    )
    return xr.where(at_parity, 5.0, banded).where(overall.notnull())


def reliability_index(cube: xr.Dataset, fallback: xr.DataArray, n_min: float) -> xr.DataArray:
    """Step 6: 0 (most reliable) to 10, ``10 * min(1, missing + 0.5 * small + 0.5 *
    fallback)``, from the shares of the framework's indicators that are missing, rest on
    a small sample, or were compared with a fallback comparator."""
    displaced = _displaced(cube["value"])
    sample = _displaced(cube["n"])
    count = displaced.sizes["indicator"]
    missing = displaced.isnull().sum("indicator") / count
    small = (displaced.notnull() & (sample < n_min)).sum("indicator") / count
    fallback_share = fallback.sum("indicator") / count
    return 10 * np.minimum(1.0, missing + 0.5 * small + 0.5 * fallback_share)


def score(cube: xr.Dataset, framework: Framework, *, core: bool = False) -> xr.Dataset:
    """Score every area, round and displaced group of ``cube`` with ``framework``.

    ``core=True`` is the IRIS mode: only the criteria flagged ``iris_core`` enter the
    overall score and class, and three of them are enough.
    """
    if list(cube["indicator"].values) != framework.indicator_codes:
        cube = cube.reindex(indicator=framework.indicator_codes)
    indicator_level = indicator_scores(cube, framework)
    subcriterion, criterion = aggregate_to_criteria(indicator_level["score"], framework)
    counted = framework.core_criterion_codes if core else framework.criterion_codes
    min_criteria = IRIS_CORE_MIN_CRITERIA if core else framework.min_criteria
    weights = xr.DataArray(
        [c.weight for c in framework.criteria if c.code in counted], coords={"criterion": counted}
    )
    counted_scores = criterion.sel(criterion=counted)
    overall = overall_score(counted_scores, weights, framework.aggregation, min_criteria)
    displaced = _displaced(cube["value"])
    result = xr.Dataset(
        {
            "indicator_score": indicator_level["score"],
            "subcriterion_score": subcriterion,
            "criterion_score": criterion,
            "overall_score": overall,
            "score_class": classify(overall, counted_scores),
            "reliability": reliability_index(cube, indicator_level["fallback"], framework.n_min),
            "fallback": indicator_level["fallback"],
            "has_data": displaced.notnull().any("indicator"),
        },
        attrs={
            "framework_name": framework.name,
            "framework_version": framework.version,
            "aggregation": framework.aggregation,
            "n_min": framework.n_min,
            "min_criteria": min_criteria,
            "core": int(core),
        },
    )
    return result.assign_coords(
        parent=("area", cube["parent"].values), level=("area", cube["level"].values)
    )


SCORE_COLUMNS = [
    "area_pcode",
    "round",
    "group",
    "benchmark",
    "level",
    "code",
    "score",
    "class",
    "reliability",
]


def scores_long(result: xr.Dataset, framework: Framework) -> pd.DataFrame:
    """The long score table of DESIGN 3.4, for every area/round/group with data."""
    result = result.compute()
    parts = []
    for level, variable, dim in (
        ("indicator", "indicator_score", "indicator"),
        ("subcriterion", "subcriterion_score", "subcriterion"),
        ("criterion", "criterion_score", "criterion"),
    ):
        frame = result[variable].reset_coords(drop=True).rename({dim: "code"}).to_dataframe("score")
        parts.append(frame.reset_index().assign(level=level))
    overall = xr.Dataset(
        {"score": result["overall_score"], "class": result["score_class"]}
    ).reset_coords(drop=True)
    parts.append(overall.to_dataframe().reset_index().assign(level="overall", code="overall"))
    table = pd.concat(parts, ignore_index=True)

    reliability = result["reliability"].reset_coords(drop=True).to_dataframe().reset_index()
    has_data = result["has_data"].reset_coords(drop=True).to_dataframe().reset_index()
    keys = ["area", "round", "group"]
    table = table.merge(has_data, on=keys).query("has_data").drop(columns="has_data")
    table = table.merge(reliability, on=keys, how="left")
    table.loc[table["level"] != "overall", "reliability"] = np.nan
    table["class"] = table["class"].astype("Int64")

    order = {
        "level": {name: i for i, name in enumerate(LEVELS)},
        "code": {
            code: i
            for i, code in enumerate(
                [
                    *framework.indicator_codes,
                    *framework.subcriterion_codes,
                    *framework.criterion_codes,
                    "overall",
                ]
            )
        },
        "benchmark": {name: i for i, name in enumerate(BENCHMARKS)},
    }
    table = table.sort_values(
        ["area", "round", "group", "benchmark", "level", "code"],
        key=lambda col: col.map(order[col.name]) if col.name in order else col,
        kind="stable",
    )
    table = table.rename(columns={"area": "area_pcode"})
    table["round"] = pd.to_datetime(table["round"]).dt.strftime("%Y-%m-%d")
    return table[SCORE_COLUMNS].reset_index(drop=True)
