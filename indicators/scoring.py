"""The scoring method of DESIGN section 4, as small pure functions over xarray.

Each step (normalise, compare, aggregate, classify, rate reliability) is its own function
so that it can be tested alone and a result regenerated from the framework it records.
No file IO and no Python loops over areas or rounds: the same code runs on a
dask-chunked cube.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import xarray as xr

from indicators import scoring_blocks as blocks
from indicators.cube import COMPARATOR_GROUP, DISPLACED_GROUPS
from indicators.framework import Framework
from indicators.scoring_blocks import _weighted_overall

__all__ = ["_weighted_overall"]  # analysis.py's rank draws reuse step 4

BENCHMARKS = ("parity", "absolute")
LEVELS = ("indicator", "subcriterion", "criterion", "overall")
CLASS_LABELS = {5: "parity", 4: "near parity", 3: "partial", 2: "major gaps", 1: "severe gaps"}
_PARITY_TOLERANCE = blocks.PARITY_TOLERANCE


def goalposts(framework: Framework) -> tuple[xr.DataArray, xr.DataArray]:
    codes = framework.indicator_codes
    worst = xr.DataArray([i.worst for i in framework.indicators], coords={"indicator": codes})
    best = xr.DataArray([i.best for i in framework.indicators], coords={"indicator": codes})
    return worst, best


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


def indicator_scores(cube: xr.Dataset, framework: Framework) -> xr.Dataset:
    """Steps 1-2 for the displaced groups: ``score`` (benchmark, area, round, group,
    indicator) and ``fallback`` (area, round, group, indicator)."""
    worst, best = goalposts(framework)
    displaced = _displaced(cube["value"])
    comparator, own_usable = comparator_values(cube, framework.n_min)
    scores = xr.concat(
        [parity_score(displaced, comparator, worst, best), absolute_score(displaced, worst, best)],
        dim=xr.DataArray(list(BENCHMARKS), dims="benchmark"),
    )
    scores = scores.transpose("benchmark", *displaced.dims)
    fallback = displaced.notnull() & comparator.notnull() & ~own_usable
    return xr.Dataset({"score": scores, "fallback": fallback})


def _segment_mean(scores, starts, sizes, min_share):
    # Children of one parent are contiguous along the last axis: reduceat sums the runs,
    # no membership matrix.
    present = ~np.isnan(scores)
    total = np.add.reduceat(np.where(present, scores, 0.0), starts, axis=-1)
    count = np.add.reduceat(present.astype(np.int32), starts, axis=-1)
    enough = (count > 0) & (count >= min_share * sizes)
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
    starts, sizes = blocks._runs([parent_of[c] for c in scores[child_dim].values], parents)
    result = _apply(
        _segment_mean,
        scores,
        core=child_dim,
        new=parent_dim,
        size=len(parents),
        starts=starts,
        sizes=sizes,
        min_share=min_share,
    )
    return result.assign_coords({parent_dim: parents})


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
    return xr.apply_ufunc(
        blocks.classes,
        overall,
        criterion,
        input_core_dims=[[], ["criterion"]],
        dask="parallelized",
        output_dtypes=[float],
    )


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

    A dask-backed cube (chunked along ``area``, e.g. opened from Zarr) gives a lazy
    result with the same chunks: step 2's cross-area facts (parents' host values,
    round means) are computed first, then every chunk is scored on its own, on
    whatever scheduler is active (a ``dask.distributed`` client included).
    """
    if list(cube["indicator"].values) != framework.indicator_codes:
        cube = cube.reindex(indicator=framework.indicator_codes)
    plan = blocks.plan_for(framework, core)
    dims = ("area", "round", "group", "indicator")
    value = cube["value"].transpose(*dims).variable
    n = cube["n"].transpose(*dims).variable
    groups = list(cube["group"].values)
    displaced, host = _group_positions(groups)
    areas = cube["area"].values
    parent_position = pd.Index(areas).get_indexer(cube["parent"].values)
    distinct, parent_row = blocks.parent_rows(parent_position)

    if value.chunks is None and n.chunks is None:
        value, n = np.asarray(value.data), np.asarray(n.data)
        host_value = value[:, :, host, :]
        table = blocks.comparator_pieces(host_value[distinct], *blocks.host_sums(host_value))
        out = blocks.allocate(len(areas), value.shape[1], _size(displaced), plan)
        blocks.score_areas(value, n, parent_row, table, plan, displaced, host, out)
    else:
        out = _score_lazily(value, n, parent_row, distinct, plan, displaced, host)
    return _as_dataset(out, cube, framework, plan, groups, displaced, core)


def _group_positions(groups: list[str]):
    """The displaced groups' positions on the group axis (a slice where adjacent, so the
    kernel reads a view) and the comparator group's."""
    position = [groups.index(g) for g in DISPLACED_GROUPS]
    if np.all(np.diff(position) == 1):
        displaced = slice(position[0], position[-1] + 1)
    else:
        displaced = np.array(position)
    return displaced, groups.index(COMPARATOR_GROUP)


def _size(displaced) -> int:
    return displaced.stop - displaced.start if isinstance(displaced, slice) else len(displaced)


def _score_lazily(value, n, parent_row, distinct, plan, displaced, host):
    """The dask path: global pieces first (one pass over the host values), then one task
    per area chunk, each writing the kernel's arrays for its areas."""
    import dask
    import dask.array as da

    value = da.asarray(value.data)
    chunks = value.chunks[0]
    value = value.rechunk((chunks, -1, -1, -1))
    n = da.asarray(n.data).rechunk((chunks, -1, -1, -1))
    host_value = value[:, :, host, :]
    pieces = dask.compute(
        host_value[distinct],
        da.nansum(host_value, axis=0),
        da.count_nonzero(~da.isnan(host_value), axis=0),
    )
    # One key, shared by every chunk's task (not copied into each).
    table = dask.delayed(blocks.comparator_pieces(*pieces), pure=True)
    rounds, groups = value.shape[1], _size(displaced)
    layout = blocks.allocate(0, rounds, groups, plan, empty=np.empty)
    parts = {name: [] for name in layout}
    offsets = np.cumsum((0, *chunks))
    for k, (v, m) in enumerate(
        zip(value.to_delayed().ravel(), n.to_delayed().ravel(), strict=True)
    ):
        rows = parent_row[offsets[k] : offsets[k + 1]]
        task = dask.delayed(_score_chunk, pure=True, nout=None)(
            v, m, rows, table, plan, displaced, host
        )
        size = chunks[k]
        for name, empty in layout.items():
            shape = list(empty.shape)
            shape[blocks.AREA_AXIS[name]] = size
            parts[name].append(da.from_delayed(task[name], tuple(shape), dtype=empty.dtype))
    return {
        name: da.concatenate(arrays, axis=blocks.AREA_AXIS[name]) for name, arrays in parts.items()
    }


def _score_chunk(value, n, parent_row, table, plan, displaced, host):
    out = blocks.allocate(value.shape[0], value.shape[1], _size(displaced), plan)
    blocks.score_areas(value, n, parent_row, table, plan, displaced, host, out)
    return out


def _shown(out, name, dims):
    """The kernel's array ``name`` with its axes in the order ``dims``: a view."""
    layout = blocks.LAYOUT[name]
    return out[name].transpose(*(layout.index(dim) for dim in dims))


def _as_dataset(out, cube, framework, plan, groups, displaced, core) -> xr.Dataset:
    head = ("benchmark", "area", "round", "group")
    coords = {
        "area": cube["area"].values,
        "round": cube["round"].values,
        "group": np.array(groups)[displaced],
        "indicator": framework.indicator_codes,
        "benchmark": list(BENCHMARKS),
        "subcriterion": framework.subcriterion_codes,
        "criterion": framework.criterion_codes,
    }
    result = xr.Dataset(
        {
            variable: (dims, _shown(out, name, dims))
            for variable, name, dims in (
                ("indicator_score", "indicator", (*head, "indicator")),
                ("subcriterion_score", "subcriterion", (*head, "subcriterion")),
                ("criterion_score", "criterion", (*head, "criterion")),
                ("overall_score", "overall", head),
                ("score_class", "klass", head),
                ("reliability", "reliability", head[1:]),
                ("fallback", "fallback", (*head[1:], "indicator")),
                ("has_data", "has_data", head[1:]),
            )
        },
        coords=coords,
        attrs={
            "framework_name": framework.name,
            "framework_version": framework.version,
            "aggregation": framework.aggregation,
            "n_min": framework.n_min,
            "min_criteria": plan.min_criteria,
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


#: Rows of the long table built at a time by ``scores_long_blocks`` (tens of MB): the
#: table of a large workspace is hundreds of millions of rows, never held whole.
LONG_ROWS_PER_BLOCK = 250_000


def scores_long_blocks(
    result: xr.Dataset, framework: Framework, rows_per_block: int = LONG_ROWS_PER_BLOCK
):
    """``scores_long(result)`` block by block of areas, in its order: the blocks one after
    the other are the same table, so that writing them one by one keeps memory flat
    whatever the number of areas. A dask-backed result (the out-of-core scorer's) is
    computed one of its area chunks at a time; at least one (maybe empty) block."""
    codes = np.array([str(code) for code in result["area"].values])  # Zarr: StringDType
    order = np.argsort(codes, kind="stable")  # scores_long sorts by P-code first
    in_order = bool((order == np.arange(len(order))).all())
    levels = sum(result.sizes[dim] for dim in ("indicator", "subcriterion", "criterion"))
    per_area = result.sizes["round"] * result.sizes["group"] * len(BENCHMARKS) * (levels + 1)
    step = max(1, rows_per_block // max(1, per_area))
    chunks = dict(result.chunks).get("area") if result.chunks else None
    if chunks and in_order:
        edges = np.cumsum((0, *chunks))
        outer = list(itertools.pairwise(edges.tolist()))
    else:
        # in memory, or chunks whose areas are not in P-code order (each block then
        # computes the chunks it touches: right, if slower)
        outer = [(0, len(order))]
    made = False
    for start, stop in outer:
        if in_order:
            part = result.isel(area=slice(start, stop))
            part = part.compute() if chunks else part
            picks = [slice(i, min(i + step, stop - start)) for i in range(0, stop - start, step)]
        else:
            part = result
            picks = [order[i : i + step] for i in range(0, len(order), step)]
        for pick in picks:
            made = True
            yield scores_long(part.isel(area=pick), framework)
    if not made:
        yield scores_long(result, framework)
