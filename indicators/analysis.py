"""What the dashboard and the briefing pack read off the scores: change over time
(DESIGN 4.7), roll-up to parent admin levels (4.8) and rank uncertainty (4.9).

Pure functions over the Dataset that `indicators.scoring.score` returns; vectorised over
areas and rounds like the scoring itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from indicators.framework import Framework
from indicators.scoring import _weighted_overall, classify

DEFAULT_DRAWS = 200
DEFAULT_SEED = 2020


# -- 4.7 change -------------------------------------------------------------------------
def _last_valid_before(values: np.ndarray, axis: int) -> np.ndarray:
    """For each position along ``axis``, the last non-NaN value strictly before it."""
    values = np.moveaxis(values, axis, -1)
    valid = ~np.isnan(values)
    positions = np.where(valid, np.arange(values.shape[-1]), -1)
    last = np.maximum.accumulate(positions, axis=-1)
    previous = np.concatenate([np.full((*last.shape[:-1], 1), -1), last[..., :-1]], axis=-1)
    taken = np.take_along_axis(values, np.maximum(previous, 0), axis=-1)
    return np.moveaxis(np.where(previous >= 0, taken, np.nan), -1, axis)


def _first_valid(values: np.ndarray, axis: int) -> np.ndarray:
    values = np.moveaxis(values, axis, -1)
    valid = ~np.isnan(values)
    first = np.argmax(valid, axis=-1)[..., None]
    taken = np.take_along_axis(values, first, axis=-1)
    taken = np.where(valid.any(axis=-1, keepdims=True), taken, np.nan)
    return np.moveaxis(np.broadcast_to(taken, values.shape), -1, axis)


def change(scores: xr.DataArray) -> xr.Dataset:
    """``since_previous``: difference to the previous round with a score; ``since_first``:
    difference to the first round with a score (missing where this round has none)."""
    axis = scores.get_axis_num("round")
    values = scores.values.astype(float)
    previous = scores.copy(data=_last_valid_before(values, axis))
    first = scores.copy(data=_first_valid(values, axis))
    return xr.Dataset(
        {
            "since_previous": scores - previous,
            "since_first": scores - first,
            "previous": previous.where(scores.notnull()),
            "first": first.where(scores.notnull()),
        }
    )


# -- 4.8 roll-up ------------------------------------------------------------------------
def rollup(result: xr.Dataset, cube: xr.Dataset, areas: pd.DataFrame, level: int) -> xr.Dataset:
    """Scores of the areas of admin ``level``: their own where they have data, otherwise
    the mean of their children's (recursively rolled-up) scores weighted by the children's
    ``idps_present``; unweighted where any scored child lacks that figure.

    Returns ``overall_score``, ``criterion_score``, ``reliability``, ``score_class``,
    ``idps_present`` and ``rolled_up`` (True where the value comes from children) over
    the areas of ``level``.
    """
    levels = areas.set_index("pcode")["level"].astype(int)
    parents = areas.set_index("pcode")["parent_pcode"]
    deepest = int(levels.max())
    idps = _idps_present(cube)

    own = _area_values(result, idps)
    current = own.sel(area=[a for a in own["area"].values if levels.get(a) == deepest])
    current = current.assign(rolled_up=xr.zeros_like(current["has_data"], dtype=bool))
    for parent_level in range(deepest - 1, level - 1, -1):
        targets = levels.index[levels == parent_level].tolist()
        children_parent = parents.reindex(current["area"].values).fillna("").to_numpy()
        rolled = _weighted_by_parent(current, children_parent, targets)
        direct = own.reindex(area=targets)
        use_own = direct["has_data"].fillna(False).astype(bool)
        merged = xr.Dataset(
            {
                name: xr.where(use_own, direct[name], rolled[name])
                for name in ("overall_score", "criterion_score", "reliability")
            }
        )
        # An area's own IDP figure wins over the sum of its children's.
        merged["idps_present"] = direct["idps_present"].fillna(rolled["idps_present"])
        merged["has_data"] = use_own | rolled["has_data"]
        merged["rolled_up"] = ~use_own & rolled["has_data"]
        current = merged
    if int(levels.reindex(current["area"].values).dropna().iloc[0]) != level:
        raise ValueError(f"no admin level {level} in the workspace")
    current["score_class"] = classify(current["overall_score"], current["criterion_score"])
    return current


def _idps_present(cube: xr.Dataset) -> xr.DataArray:
    return cube["context"].sel(variable="idps_present", drop=True).reset_coords(drop=True)


def _area_values(result: xr.Dataset, idps: xr.DataArray) -> xr.Dataset:
    values = result[["overall_score", "criterion_score", "reliability", "has_data"]]
    values = values.reset_coords(drop=True)
    return values.assign(idps_present=idps.reindex(area=values["area"].values))


def _weighted_by_parent(children: xr.Dataset, parent_of: np.ndarray, targets: list[str]):
    """Weighted means over children grouped by parent, as one matrix product."""
    position = pd.Index(targets).get_indexer(parent_of)
    membership = np.zeros((len(parent_of), len(targets)))
    rows = np.flatnonzero(position >= 0)
    membership[rows, position[rows]] = 1.0
    matrix = xr.DataArray(membership, dims=("area", "parent"))

    weight = children["idps_present"]
    scored = children["overall_score"].notnull()
    # Weighted only where every scored child of the parent reports IDPs present.
    missing_weight = (scored & weight.isnull()).astype(float)
    any_missing = xr.dot(missing_weight, matrix, dim="area") > 0
    out = {}
    for name in ("overall_score", "criterion_score", "reliability"):
        values = children[name]
        present = values.notnull()
        w = weight.fillna(0.0).broadcast_like(values)
        weighted_sum = xr.dot(values.fillna(0.0) * w, matrix, dim="area")
        weighted_total = xr.dot(present * w, matrix, dim="area")
        plain_sum = xr.dot(values.fillna(0.0), matrix, dim="area")
        plain_count = xr.dot(present.astype(float), matrix, dim="area")
        use_plain = any_missing | (weighted_total <= 0)
        mean = xr.where(
            use_plain,
            plain_sum / plain_count.where(plain_count > 0),
            weighted_sum / weighted_total.where(weighted_total > 0),
        )
        out[name] = mean.where(plain_count > 0)
    idps = xr.dot(weight.fillna(0.0), matrix, dim="area")
    reported = xr.dot(weight.notnull().astype(float), matrix, dim="area") > 0
    out["idps_present"] = idps.where(reported)
    children_with_data = xr.dot(children["has_data"].astype(float), matrix, dim="area")
    out["has_data"] = out["overall_score"].notnull() | (children_with_data > 0)
    rolled = xr.Dataset(out).rename({"parent": "area"}).assign_coords(area=targets)
    return rolled.transpose("area", ...)


# -- 4.9 uncertainty ---------------------------------------------------------------------
def rank_uncertainty(
    criterion: xr.DataArray,
    framework: Framework,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    core: bool = False,
) -> xr.Dataset:
    """Median rank and 5-95 % rank band of each area per round (1 = lowest score, the
    highest priority), under random criterion weights (each x U(0.75, 1.25)) and a random
    choice of geometric or arithmetic aggregation. Seeded: the same inputs give the same
    bands.

    ``criterion`` is ``criterion_score`` for one benchmark: (area, round, group, criterion).
    """
    counted = framework.core_criterion_codes if core else framework.criterion_codes
    min_criteria = 3 if core else framework.min_criteria
    scores = criterion.sel(criterion=counted).transpose("area", "round", "group", "criterion")
    base = np.array([c.weight for c in framework.criteria if c.code in counted])
    rng = np.random.default_rng(seed)
    factors = rng.uniform(0.75, 1.25, size=(draws, len(counted)))
    geometric = rng.random(draws) < 0.5

    values = scores.values
    ranks = np.empty((draws, *values.shape[:-1]))
    for draw in range(draws):  # a loop over draws, not areas: each draw is vectorised
        overall = _weighted_overall(values, base * factors[draw], geometric[draw], min_criteria)
        ranks[draw] = _rank_lowest_first(overall, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # areas never ranked stay NaN
        quantiles = np.nanpercentile(ranks, [50, 5, 95], axis=0)
    coords = {name: scores[name] for name in ("area", "round", "group")}
    dims = ("area", "round", "group")
    return xr.Dataset(
        {
            "median_rank": (dims, quantiles[0]),
            "rank_low": (dims, quantiles[1]),
            "rank_high": (dims, quantiles[2]),
            # How many areas were ranked in that round and group: "12th of 150".
            "ranked_areas": (
                dims,
                np.broadcast_to((~np.isnan(ranks)).any(axis=0).sum(axis=0), ranks.shape[1:]),
            ),
        },
        coords=coords,
        attrs={"draws": draws, "seed": seed},
    )


def _rank_lowest_first(values: np.ndarray, axis: int) -> np.ndarray:
    """Ranks 1..n along ``axis`` (ties share the average rank); NaN stays NaN."""
    frame = np.moveaxis(values, axis, -1)
    flat = frame.reshape(-1, frame.shape[-1])
    ranked = pd.DataFrame(flat.T).rank(method="average", na_option="keep").to_numpy().T
    return np.moveaxis(ranked.reshape(frame.shape), -1, axis)
