"""The small-sample rule (DESIGN 8): which values rest on small samples, pooled up the
admin hierarchy as the scores roll up, and when a score is withheld because of them.

Pure: xarray in, xarray out; no file, no Dash. Every output (map, Priorities table, CSV,
PDF) reads its withheld flags from here, so screen and paper withhold the same scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import xarray as xr

from indicators.cube import DISPLACED_GROUPS
from indicators.framework import Framework


def sample_flags(
    cube: xr.Dataset,
    levels: Mapping[str, int],
    parents: Mapping[str, str | None],
    n_min: int,
    level: int,
) -> xr.Dataset:
    """Per area of admin ``level``, round, displaced group and indicator: ``present``
    (a value enters the score) and ``small`` (it rests on fewer than ``n_min``
    households). Areas with data of their own use it; others pool their children's
    samples (``n`` summed per indicator), as the scores roll up (DESIGN 4.8)."""
    cube = cube.sel(group=list(DISPLACED_GROUPS))
    present = cube["value"].notnull()
    # Effective sample per value: n where known, NaN (never small) where not given.
    n_eff = cube["n"].where(present)
    own = xr.Dataset({"present": present, "n": n_eff}).reset_coords(drop=True)
    levels = pd.Series(levels)
    parents = pd.Series(parents)
    deepest = int(levels.max())
    if level > deepest or level not in set(levels):
        raise ValueError(f"no admin level {level} in the workspace")

    def own_for(targets: list[str]) -> xr.Dataset:
        found = own.reindex(area=targets)
        return found.assign(present=found["present"].fillna(False).astype(bool))

    current = own_for(levels.index[levels == deepest].tolist())
    for parent_level in range(deepest - 1, level - 1, -1):
        targets = levels.index[levels == parent_level].tolist()
        parent_of = parents.reindex(current["area"].values).fillna("").to_numpy()
        keyed = current.assign_coords(parent=("area", parent_of))
        # NaN n of a present child makes the pooled sample unknown: never small.
        unknown = (keyed["present"] & keyed["n"].isnull()).groupby("parent").any()
        pooled = xr.Dataset(
            {
                "present": keyed["present"].groupby("parent").any(),
                "n": keyed["n"].fillna(0.0).groupby("parent").sum().where(~unknown),
            }
        ).rename({"parent": "area"})
        pooled = pooled.reindex(area=targets)
        pooled["present"] = pooled["present"].fillna(False).astype(bool)
        direct = own_for(targets)
        has_own = direct["present"].any("indicator")
        current = xr.Dataset(
            {
                "present": xr.where(has_own, direct["present"], pooled["present"]),
                "n": xr.where(has_own, direct["n"], pooled["n"]),
            }
        )
    small = current["present"] & (current["n"] < n_min)
    return xr.Dataset({"present": current["present"], "small": small}).transpose(
        "area", "round", "group", "indicator"
    )


def withheld(present: xr.DataArray, small: xr.DataArray, dim: str = "indicator") -> xr.DataArray:
    """The suppression rule: True where half or more of the values present along ``dim``
    rest on small samples (and at least one is present)."""
    count = present.sum(dim)
    return (count > 0) & (2 * small.sum(dim) >= count)


def criterion_of(framework: Framework) -> dict[str, str]:
    """Indicator code -> the code of the criterion it belongs to."""
    sub_of = framework.indicator_parent()
    crit_of = framework.subcriterion_parent()
    return {code: crit_of[sub_of[code]] for code in framework.indicator_codes}


def withheld_by_criterion(
    flags: xr.Dataset, framework: Framework, counted: Sequence[str]
) -> xr.Dataset:
    """Withheld flags over (area, round) from one group's ``sample_flags``: ``overall``
    (over the indicators of the ``counted`` criteria) and one variable per criterion."""
    present = flags["present"].fillna(False).astype(bool)
    small = flags["small"].fillna(False).astype(bool)
    crit_of = criterion_of(framework)
    counted = set(counted)
    codes = list(present["indicator"].values)
    overall_codes = [c for c in codes if crit_of.get(c) in counted]
    out = {
        "overall": withheld(
            present.sel(indicator=overall_codes), small.sel(indicator=overall_codes)
        )
    }
    for criterion in framework.criterion_codes:
        mine = [c for c in codes if crit_of.get(c) == criterion]
        out[criterion] = withheld(present.sel(indicator=mine), small.sel(indicator=mine))
    return xr.Dataset(out).transpose("area", "round")
