"""Observations (the canonical long table of DESIGN 3.3) -> a labelled xarray cube.

The cube has one cell per (area, round, group, indicator); scoring works on it with
labelled dimensions, never on the long table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from indicators.framework import CONTEXT_VARIABLES, Framework

GROUPS = ("idp", "returnee", "host")
DISPLACED_GROUPS = ("idp", "returnee")
COMPARATOR_GROUP = "host"


def parse_rounds(rounds: pd.Series, errors: str = "raise") -> pd.Series:
    """`YYYY-MM-DD` or `YYYY-MM` (day 01) text, or dates, -> datetime64 at midnight.

    Raises ValueError naming the first value that is not such a date, or with
    ``errors="coerce"`` leaves NaT there.
    """
    if pd.api.types.is_datetime64_any_dtype(rounds):
        return rounds.dt.normalize().astype("datetime64[ns]")
    text = rounds.astype("string").str.strip()
    text = text.where(text.str.len() != 7, text + "-01")
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna()
    if bad.any() and errors != "coerce":
        first = rounds[bad].iloc[0]
        raise ValueError(f"round {first!r} is not a date of the form YYYY-MM-DD or YYYY-MM")
    return parsed.astype("datetime64[ns]")


def build_cube(
    observations: pd.DataFrame,
    framework: Framework,
    parents: Mapping[str, str | None] | None = None,
    levels: Mapping[str, int] | None = None,
) -> xr.Dataset:
    """Lay the long observations out as ``value``, ``n`` and ``se`` (standard error, NaN
    where the source gives none) over (area, round, group, indicator).

    Context variables go to ``context`` over (area, round, variable). Every area with any
    observation is on the area axis; its ``parent`` and ``level`` coordinates come from the
    workspace hierarchy (the parent itself is on the axis only if it has observations).
    Rows must be unique per (area, round, group, indicator): the import guarantees it.
    """
    obs = observations.copy()
    obs["area_pcode"] = obs["area_pcode"].astype(str).str.strip()
    obs["round"] = parse_rounds(obs["round"])
    obs["group"] = obs["group"].fillna("").astype(str).str.strip()
    if "n" not in obs:
        obs["n"] = np.nan
    if "se" not in obs:  # standard errors come with survey estimates (DESIGN 3.6) only
        obs["se"] = np.nan
    obs["value"] = pd.to_numeric(obs["value"], errors="raise").astype(float)
    obs["n"] = pd.to_numeric(obs["n"], errors="raise").astype(float)
    obs["se"] = pd.to_numeric(obs["se"], errors="raise").astype(float)

    areas = np.array(sorted(obs["area_pcode"].unique()), dtype=object)
    rounds = np.sort(obs["round"].unique()).astype("datetime64[ns]")
    indicator_codes = framework.indicator_codes

    scored = obs[obs["indicator"].isin(indicator_codes) & obs["group"].isin(GROUPS)]
    keys = ["area_pcode", "round", "group", "indicator"]
    duplicated = scored.duplicated(keys, keep=False)
    if duplicated.any():
        first = scored[duplicated].iloc[0]
        raise ValueError(
            "more than one value for "
            + ", ".join(f"{k}={first[k]}" for k in keys)
            + "; remove the duplicate rows"
        )

    shape = (len(areas), len(rounds), len(GROUPS), len(indicator_codes))
    value = np.full(shape, np.nan)
    n = np.full(shape, np.nan)
    se = np.full(shape, np.nan)
    index = (
        pd.Index(areas).get_indexer(scored["area_pcode"]),
        pd.Index(rounds).get_indexer(scored["round"]),
        pd.Index(GROUPS).get_indexer(scored["group"]),
        pd.Index(indicator_codes).get_indexer(scored["indicator"]),
    )
    value[index] = scored["value"].to_numpy()
    n[index] = scored["n"].to_numpy()
    se[index] = scored["se"].to_numpy()

    context = np.full((len(areas), len(rounds), len(CONTEXT_VARIABLES)), np.nan)
    ctx = obs[obs["indicator"].isin(CONTEXT_VARIABLES)]
    # Context figures are per area and round; if several groups or sources report the
    # same variable, the last row imported wins (the import keeps them in file order).
    ctx = ctx.drop_duplicates(["area_pcode", "round", "indicator"], keep="last")
    context[
        pd.Index(areas).get_indexer(ctx["area_pcode"]),
        pd.Index(rounds).get_indexer(ctx["round"]),
        pd.Index(CONTEXT_VARIABLES).get_indexer(ctx["indicator"]),
    ] = ctx["value"].to_numpy()

    parents = parents or {}
    levels = levels or {}
    dims = ("area", "round", "group", "indicator")
    return xr.Dataset(
        {
            "value": (dims, value),
            "n": (dims, n),
            "se": (dims, se),
            "context": (("area", "round", "variable"), context),
        },
        coords={
            "area": areas,
            "round": rounds,
            "group": list(GROUPS),
            "indicator": indicator_codes,
            "variable": list(CONTEXT_VARIABLES),
            "parent": ("area", np.array([parents.get(a) or "" for a in areas], dtype=object)),
            "level": ("area", np.array([levels.get(a, -1) for a in areas], dtype=int)),
        },
        attrs={"framework_version": framework.version},
    )
