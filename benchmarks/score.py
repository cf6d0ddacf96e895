"""Scoring budget (DESIGN 7, row 1): time and peak memory of `score()` on a synthetic cube
of 10,000 areas x 40 rounds x 3 groups x 25 indicators, beside a plain numpy pass
(`np.nanmean` over indicators) on the same array, measured in the same run.

    python benchmarks/score.py [--areas 10000] [--rounds 40] [--repeat 3] [--dask]

Budget: time within 10x the numpy pass; peak memory under 3x the cube.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import xarray as xr

from indicators.cube import GROUPS
from indicators.framework import Framework
from indicators.scoring import score

CRITERIA = (
    "safety",
    "living_standard",
    "livelihoods",
    "hlp",
    "documentation",
    "family",
    "participation",
    "remedies",
)


def synthetic_framework(indicators: int = 25) -> Framework:
    """Eight criteria, uneven sub-criteria, some reversed goalposts."""
    criteria = []
    for c, code in enumerate(CRITERIA):
        mine = [i for i in range(indicators) if i % len(CRITERIA) == c]
        subcriteria = [
            {
                "code": f"{code}.{s}",
                "label": {"en": f"{code} {s}"},
                "indicators": [
                    {
                        "code": f"i{i:02d}",
                        "label": {"en": f"indicator {i}"},
                        "unit": "percent",
                        "goalposts": [100, 0] if i % 3 == 0 else [0, 100],
                    }
                    for i in mine[s::2]
                ],
            }
            for s in range(2 if len(mine) > 1 else 1)
        ]
        criteria.append(
            {
                "code": code,
                "label": {"en": code},
                "weight": 1 + (c % 3) * 0.5,
                "iris_core": c < 5,
                "subcriteria": subcriteria,
            }
        )
    return Framework.model_validate(
        {"name": "benchmark", "version": "1", "min_criteria": 5, "criteria": criteria}
    )


def synthetic_cube(framework: Framework, areas: int, rounds: int, seed: int = 1) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    codes = framework.indicator_codes
    shape = (areas, rounds, len(GROUPS), len(codes))
    value = rng.uniform(0, 100, size=shape)
    value[rng.random(shape) < 0.1] = np.nan
    n = rng.poisson(80, size=shape).astype(float)
    pcodes = np.array([f"XB{a:05d}" for a in range(areas)], dtype=object)
    # A two-level hierarchy: every 100 areas share a parent that is itself on the axis.
    parents = np.array([pcodes[(a // 100) * 100] if a % 100 else "" for a in range(areas)])
    return xr.Dataset(
        {
            "value": (("area", "round", "group", "indicator"), value),
            "n": (("area", "round", "group", "indicator"), n),
        },
        coords={
            "area": pcodes,
            "round": pd.date_range("2015-01-01", periods=rounds, freq="MS"),
            "group": list(GROUPS),
            "indicator": codes,
            "parent": ("area", parents.astype(object)),
            "level": ("area", np.where(parents == "", 1, 2)),
        },
    )


def measure(function, repeat: int) -> tuple[float, float]:
    """Median seconds over ``repeat`` runs, and the peak traced bytes of one run."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        del result
    gc.collect()
    tracemalloc.start()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return statistics.median(times), peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--indicators", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dask", action="store_true", help="also score a dask-chunked cube")
    args = parser.parse_args(argv)

    framework = synthetic_framework(args.indicators)
    cube = synthetic_cube(framework, args.areas, args.rounds)
    cube_bytes = cube["value"].nbytes + cube["n"].nbytes
    values = cube["value"].values

    def numpy_pass():
        return np.nanmean(values, axis=-1)

    def xarray_score():
        return score(cube, framework).compute()

    rows = [("numpy nanmean over indicators", *measure(numpy_pass, args.repeat))]
    rows.append(("score(cube) in memory", *measure(xarray_score, args.repeat)))
    if args.dask:
        chunked = cube.chunk({"area": 1000})
        rows.append(
            (
                "score(cube) dask, 1000-area chunks",
                *measure(lambda: score(chunked, framework).compute(), 1),
            )
        )

    base = rows[0][1]
    print(
        f"cube: {args.areas} areas x {args.rounds} rounds x {len(GROUPS)} groups x "
        f"{args.indicators} indicators; value+n {cube_bytes / 2**20:.0f} MiB"
    )
    print(f"{'what':40} {'seconds':>9} {'x numpy':>8} {'peak MiB':>9} {'x cube':>7}")
    for name, seconds, peak in rows:
        print(
            f"{name:40} {seconds:9.2f} {seconds / base:8.1f} "
            f"{peak / 2**20:9.0f} {peak / cube_bytes:7.2f}"
        )
    seconds, peak = rows[1][1], rows[1][2]
    verdict = "within" if seconds <= 10 * base and peak <= 3 * cube_bytes else "OVER"
    print(f"budget (time <= 10x numpy, peak <= 3x cube): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
