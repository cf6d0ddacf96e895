"""The comparator (host community, or the fallback of DESIGN 4 step 2) scored like the
displaced groups, for "each criterion against the comparator". Pure: no file, no Dash."""

from __future__ import annotations

import numpy as np
import xarray as xr

from indicators.cube import DISPLACED_GROUPS
from indicators.framework import Framework
from indicators.scoring import (
    absolute_score,
    aggregate_to_criteria,
    comparator_values,
    goalposts,
    overall_score,
)


def comparator_criterion_scores(cube: xr.Dataset, framework: Framework) -> xr.DataArray:
    """The comparator's absolute criterion score over (area, round, group, criterion).

    Per indicator, the comparator value that the parity score uses (the area's own
    ``host`` value, else the fallback of DESIGN 4 step 2), normalised with the same
    goalposts as the displaced group's (step 1), and only where the displaced ``group``
    has a value, so that both bars rest on the same indicators. Sub-criterion = mean of
    its indicators present, criterion = mean of its sub-criteria, missing where fewer
    than half have a score (step 3).
    """
    if list(cube["indicator"].values) != framework.indicator_codes:
        cube = cube.reindex(indicator=framework.indicator_codes)
    worst, best = goalposts(framework)
    comparator, _own = comparator_values(cube, framework.n_min)
    displaced = cube["value"].sel(group=list(DISPLACED_GROUPS)).reset_coords(drop=True)
    paired = comparator.where(displaced.notnull())
    indicator = absolute_score(paired, worst, best).transpose(..., "indicator")
    _subcriterion, criterion = aggregate_to_criteria(indicator, framework)
    return criterion.transpose("area", "round", "group", "criterion")


def comparator_result(cube: xr.Dataset, framework: Framework, has_data: xr.DataArray) -> xr.Dataset:
    """The comparator's scores shaped like ``score()``'s result, for ``rollup``;
    ``has_data`` is the displaced groups' (``score(...)["has_data"]``)."""
    criterion = comparator_criterion_scores(cube, framework)
    weights = xr.DataArray(
        [c.weight for c in framework.criteria], coords={"criterion": framework.criterion_codes}
    )
    overall = overall_score(criterion, weights, framework.aggregation, framework.min_criteria)
    displaced = has_data.reset_coords(drop=True)
    return xr.Dataset(
        {
            "criterion_score": criterion,
            "overall_score": overall,
            "reliability": xr.full_like(overall, np.nan),
            # Own where the displaced group has data of its own, else rolled up from
            # the children: the same structure as the group's scores it is set against.
            "has_data": displaced.reindex_like(overall).fillna(False).astype(bool),
        }
    )
