"""One indicator as the indicator-level map shows it: its 0-100 score per benchmark
(DESIGN 4 steps 1-2, as ``indicators.scoring.score`` computed it), its value in its own
unit and the comparator's (host) value of the same area, and at a parent admin level
the same rolled up from the areas within it (DESIGN 4.8). Pure: xarray in, xarray out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from indicators.scoring import comparator_values


def indicator_table(
    result: xr.Dataset, cube: xr.Dataset, indicator: str, n_min: float
) -> xr.Dataset:
    """For ``indicator`` of the framework ``result`` was scored with: ``score`` over
    (benchmark, area, round, group), ``value`` and ``n`` over (area, round, group) for
    the displaced groups of ``result``, and over (area, round) ``host``, the comparator
    value the parity score used (DESIGN 4 step 2: the area's own host value, else its
    parent's, else the round's mean) and ``own_host`` (True where it is the area's own),
    all on ``result``'s areas and rounds. Raises KeyError for a code the framework does
    not have."""
    if indicator not in result["indicator"].values:
        raise KeyError(f"no indicator {indicator!r} in the framework")
    areas, rounds = result["area"].values, result["round"].values
    groups = list(result["group"].values)
    observed = cube[["value", "n"]].sel(indicator=indicator, drop=True).reset_coords(drop=True)
    observed = observed.reindex(area=areas, round=rounds)
    comparator, own = comparator_values(cube.sel(indicator=[indicator]), n_min)
    comparator = comparator.sel(indicator=indicator, drop=True).reindex(area=areas, round=rounds)
    own = own.sel(indicator=indicator, drop=True).reindex(area=areas, round=rounds)
    return xr.Dataset(
        {
            "score": result["indicator_score"].sel(indicator=indicator, drop=True),
            "value": observed["value"].sel(group=groups),
            "n": observed["n"].sel(group=groups),
            "host": comparator,
            "own_host": own.fillna(False).astype(bool),
        }
    ).reset_coords(drop=True)


def _children_mean(values: xr.DataArray, weight: xr.DataArray, matrix: xr.DataArray):
    """Per parent (``matrix``: children x parents), the mean of the children's values
    weighted by ``weight``; the plain mean where a child with a value has no weight."""
    has = values.notnull()
    unweighted = xr.dot((has & weight.isnull()).astype(float), matrix, dim="area") > 0
    w = weight.fillna(0.0).broadcast_like(values)
    total = xr.dot(has * w, matrix, dim="area")
    plain = xr.dot(has.astype(float), matrix, dim="area")
    weighted = xr.dot(values.fillna(0.0) * w, matrix, dim="area") / total.where(total > 0)
    simple = xr.dot(values.fillna(0.0), matrix, dim="area") / plain.where(plain > 0)
    return xr.where(unweighted | (total <= 0), simple, weighted).where(plain > 0)


def rollup_indicator(
    table: xr.Dataset,
    idps_present: xr.DataArray,
    levels: Mapping[str, int],
    parents: Mapping[str, str | None],
    level: int,
) -> xr.Dataset:
    """``indicator_table`` at admin ``level``, as DESIGN 4.8 rolls scores up: an area's
    own values where it has a displaced value, else the mean of its children's (rolled
    up in turn) weighted by their ``idps_present`` (area, round), unweighted where a
    child with a value lacks that figure. The comparator (``host``) of an area is its
    own where it has one, else its children's mean. Adds ``rolled_up``."""
    levels = pd.Series(levels, dtype=int)
    parents = pd.Series(parents, dtype=object)
    deepest = int(levels.max())
    if level not in set(levels):
        raise ValueError(f"no admin level {level} in the workspace")

    def at(codes: list[str]) -> xr.Dataset:
        return table.reindex(area=codes)

    current = at(levels.index[levels == deepest].tolist())
    current = current.assign(rolled_up=xr.zeros_like(current["value"], dtype=bool))
    for parent_level in range(deepest - 1, level - 1, -1):
        targets = levels.index[levels == parent_level].tolist()
        position = pd.Index(targets).get_indexer(parents.reindex(current["area"].values))
        membership = np.zeros((current.sizes["area"], len(targets)))
        rows = np.flatnonzero(position >= 0)
        membership[rows, position[rows]] = 1.0
        matrix = xr.DataArray(membership, dims=("area", "parent"))
        weight = idps_present.reindex(area=current["area"].values)

        rolled = {
            name: _children_mean(current[name], weight, matrix)
            .rename(parent="area")
            .assign_coords(area=targets)
            for name in ("score", "value", "host")
        }
        own = at(targets)
        has_own = own["value"].notnull()
        current = xr.Dataset(
            {
                "score": xr.where(has_own, own["score"], rolled["score"]),
                "value": xr.where(has_own, own["value"], rolled["value"]),
                "n": own["n"].where(has_own),
                "host": own["host"].fillna(rolled["host"]),
                "own_host": own["own_host"].fillna(False).astype(bool),
                "rolled_up": ~has_own & rolled["value"].notnull(),
            }
        )
    return current
