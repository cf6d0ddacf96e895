"""One indicator as the indicator-level map shows it: its 0-100 score per benchmark
(DESIGN 4 steps 1-2, as ``indicators.scoring.score`` computed it), its value in its own
unit and the comparator's (host) value of the same area. Pure: xarray in, xarray out.
"""

from __future__ import annotations

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
