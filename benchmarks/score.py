"""Scoring budget (DESIGN 7, row 1): CPU time and peak memory of `score()` on a synthetic
cube of 10,000 areas x 40 rounds x 3 groups (idp, returnee, host) x 25 indicators, beside
a plain numpy pass (`np.nanmean` over indicators) on the same array, paired in the same
run.

    python3 -m benchmarks score [--quick]
    python3 -m benchmarks.score [--areas 10000] [--rounds 40] [--repeat 5]

Budget: CPU within 5x the numpy pass; peak memory (tracemalloc) under 2.5x the cube.
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
    value = random_values(rng, shape)
    return cube_dataset(framework, value, random_sizes(rng, shape))


def random_values(rng, shape) -> np.ndarray:
    """Indicator values 0-100, a tenth of them missing."""
    value = rng.uniform(0, 100, size=shape)
    value[rng.random(shape) < 0.1] = np.nan
    return value


def random_sizes(rng, shape) -> np.ndarray:
    """Sample sizes around 80 (most above the framework's n_min)."""
    return rng.poisson(80, size=shape).astype(float)


def cube_dataset(framework: Framework, value, n) -> xr.Dataset:
    """The cube of ``value`` and ``n`` (numpy or dask, area x round x group x indicator)
    with its coordinates: P-codes ``XB00000``..., monthly rounds from 2015, and a
    two-level hierarchy where every 100 areas share a parent that is itself on the axis."""
    areas, rounds = value.shape[:2]
    pcodes = np.array([f"XB{a:05d}" for a in range(areas)], dtype=object)
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
            "indicator": framework.indicator_codes,
            "parent": ("area", parents.astype(object)),
            "level": ("area", np.where(parents == "", 1, 2)),
        },
    )


def cpu_paired(baseline, candidate, repeat: int) -> tuple[float, float]:
    """Median CPU seconds (all threads: ``time.process_time``) of ``baseline`` and
    ``candidate``, run alternately so that a busy spell on the machine hits both."""
    base, cand = [], []
    for _ in range(repeat):
        for function, times in ((baseline, base), (candidate, cand)):
            gc.collect()
            start = time.process_time()
            result = function()
            times.append(time.process_time() - start)
            del result
    return statistics.median(base), statistics.median(cand)


def traced_peak(function) -> int:
    """Peak bytes allocated while ``function`` runs (numpy reports to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def run(quick: bool = False, areas: int | None = None, rounds: int = 40, repeat: int = 5):
    """DESIGN 7 row 1: CPU of ``score`` beside one ``np.nanmean`` pass over the same
    array (paired, median), and its peak memory beside the cube's size."""
    areas = areas or (1_000 if quick else 10_000)
    repeat = 3 if quick else repeat
    framework = synthetic_framework(25)
    cube = synthetic_cube(framework, areas, rounds)
    cube_bytes = cube["value"].nbytes + cube["n"].nbytes
    values = cube["value"].values
    base, cpu = cpu_paired(
        lambda: np.nanmean(values, axis=-1), lambda: score(cube, framework), repeat
    )
    peak = traced_peak(lambda: score(cube, framework))
    size = f"{areas:,} areas x {rounds} rounds x 3 groups x 25 indicators"
    return [
        {
            "what": f"scoring CPU, {size}",
            "figure": cpu,
            "baseline": base,
            "unit": "s",
            "budget": "<= 5x np.nanmean over indicators",
            "ok": cpu <= 5 * base,
        },
        {
            "what": f"scoring peak memory, {size}",
            "figure": peak / 2**20,
            "baseline": cube_bytes / 2**20,
            "unit": "MiB",
            "budget": "< 2.5x the cube (value + n)",
            "ok": peak < 2.5 * cube_bytes,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from benchmarks.__main__ import print_rows

    print_rows(run(False, args.areas, args.rounds, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
