"""The fictional demo workspace: boundaries from `geodata.demo`, survey rounds made here.

Everything is generated from one seed, so the demo is the same on every machine. The
observations follow stories a data officer would recognise: most districts improve
slowly, some are stuck, one deteriorates after a new wave of violence; about a tenth of
values are missing and some rest on small samples.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import DEMO_COUNTRY, demo_area_layers
from indicators.framework import Framework
from workspace.frameworks import load_framework
from workspace.store import Workspace

SEED = 20261122
ROUNDS = pd.date_range("2023-03-01", periods=12, freq="3MS")
SOURCE = "Demo household survey (fictional)"
STORIES = ("improving", "stuck", "deteriorating")


def demo_observations(areas: pd.DataFrame, framework: Framework, seed: int = SEED) -> pd.DataFrame:
    """Canonical long observations for the demo districts (deepest level) and a
    regional ``host`` baseline (parent level), over twelve quarterly rounds."""
    rng = np.random.default_rng(seed)
    deepest = int(areas["level"].max())
    districts = areas[areas["level"] == deepest].sort_values("pcode")
    regions = areas[areas["level"] == deepest - 1].sort_values("pcode")
    n_d, n_r, n_i = len(districts), len(ROUNDS), len(framework.indicators)
    worst = np.array([i.worst for i in framework.indicators])
    best = np.array([i.best for i in framework.indicators])

    # Story per district; exactly one deteriorates so the map has one to find.
    story = rng.choice(["improving", "stuck"], size=n_d, p=[0.7, 0.3]).astype(object)
    story[rng.integers(n_d)] = "deteriorating"
    t = np.linspace(0, 1, n_r)[None, :]
    start = rng.uniform(0.25, 0.6, size=(n_d, 1))
    gain = rng.uniform(0.25, 0.45, size=(n_d, 1))
    progress = np.where(
        story[:, None] == "improving",
        start + gain * t,
        np.where(story[:, None] == "stuck", start + 0.03 * np.sin(6 * t), start + 0.15 - 0.4 * t),
    )
    progress = np.clip(progress, 0.05, 1.0)

    # Position between worst (0) and best (1) goalposts: host communities sit well above
    # the displaced, and some indicators (documentation) are easier than others.
    host_position = np.clip(rng.beta(6, 3, size=(n_d, 1, n_i)) + 0.01 * t[..., None], 0, 1)
    indicator_ease = rng.uniform(-0.1, 0.15, size=(1, 1, n_i))
    idp_position = host_position * progress[..., None] + indicator_ease
    idp_position += rng.normal(0, 0.04, size=idp_position.shape)
    returnee_position = idp_position + rng.uniform(0.0, 0.12, size=(n_d, 1, 1))
    positions = {
        "idp": idp_position,
        "returnee": returnee_position,
        "host": host_position + rng.normal(0, 0.02, size=(n_d, n_r, n_i)),
    }

    frames = []
    has_returnees = rng.random(n_d) > 0.2
    for group, position in positions.items():
        values = worst + np.clip(position, 0, 1.05) * (best - worst)
        values = _to_units(values, framework)
        sizes = rng.poisson(140, size=values.shape).astype(float)
        small = rng.random(values.shape) < 0.07
        sizes[small] = rng.integers(8, 30, size=int(small.sum()))
        keep = rng.random(values.shape) > 0.10
        if group == "returnee":
            keep &= has_returnees[:, None, None]
        frames.append(_long(districts["pcode"].to_numpy(), group, values, sizes, keep, framework))

    # A regional host baseline: what districts fall back to when their own host sample
    # is missing or too small (DESIGN 4, step 2).
    region_of = districts["parent_pcode"].to_numpy()
    region_host = (
        np.stack([positions["host"][region_of == r].mean(axis=0) for r in regions["pcode"]])
        if len(regions)
        else np.empty((0, n_r, n_i))
    )
    if len(regions):
        values = _to_units(worst + np.clip(region_host, 0, 1) * (best - worst), framework)
        sizes = rng.poisson(900, size=values.shape).astype(float)
        keep = np.ones(values.shape, dtype=bool)
        frames.append(_long(regions["pcode"].to_numpy(), "host", values, sizes, keep, framework))

    frames.append(_context(districts, progress, story, rng))
    table = pd.concat(frames, ignore_index=True)
    table["source"] = SOURCE
    return table


def _to_units(values: np.ndarray, framework: Framework) -> np.ndarray:
    units = np.array([i.unit for i in framework.indicators])
    values = np.where(units == "percent", np.clip(values, 0, 100), values)
    return np.round(np.maximum(values, 0), 1)


def _long(codes, group, values, sizes, keep, framework) -> pd.DataFrame:
    area, round_, indicator = np.nonzero(keep)
    return pd.DataFrame(
        {
            "area_pcode": codes[area],
            "round": ROUNDS[round_].strftime("%Y-%m-%d"),
            "group": group,
            "indicator": np.array(framework.indicator_codes)[indicator],
            "value": values[area, round_, indicator],
            "n": sizes[area, round_, indicator].astype(int),
        }
    )


def _context(districts: pd.DataFrame, progress, story, rng) -> pd.DataFrame:
    n_d, n_r = progress.shape
    population = rng.lognormal(11.5, 0.6, size=n_d).round(-2)
    displaced_share = rng.uniform(0.02, 0.25, size=n_d)
    trend = np.where(story == "deteriorating", 1.6, 1.0)[:, None] * (1.2 - 0.5 * progress)
    idps = (population[:, None] * displaced_share[:, None] * trend).round(-1)
    returnees = (population[:, None] * displaced_share[:, None] * 0.8 * progress).round(-1)
    codes = districts["pcode"].to_numpy()
    parts = []
    for variable, values in (
        ("idps_present", idps),
        ("returnees_present", returnees),
        ("host_population", np.repeat(population[:, None], n_r, axis=1)),
    ):
        area, round_ = np.indices(values.shape).reshape(2, -1)
        parts.append(
            pd.DataFrame(
                {
                    "area_pcode": codes[area],
                    "round": ROUNDS[round_].strftime("%Y-%m-%d"),
                    "group": "",
                    "indicator": variable,
                    "value": values[area, round_],
                    "n": np.nan,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def build_demo_workspace(path: str | Path) -> Workspace:
    """Write the demo into ``path`` through the same imports a user runs."""
    workspace = Workspace(path)
    if workspace.exists():
        raise ValueError(f"{path}: already a workspace; give an empty or new folder")
    framework = load_framework()
    layers = demo_area_layers()
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for level, layer in sorted(layers.items()):
            file = Path(scratch) / f"{DEMO_COUNTRY['iso3'].lower()}_admbnda_adm{level}_demo.geojson"
            layer.to_file(file, driver="GeoJSON", engine="pyogrio")
            files.append(file)
        workspace.import_areas(files)
        areas = workspace.areas()
        observations = demo_observations(areas, framework)
        csv = Path(scratch) / f"{DEMO_COUNTRY['iso3'].lower()}_demo_observations.csv"
        observations.to_csv(csv, index=False)
        workspace.import_observations([csv])
    workspace.set_metadata(country=DEMO_COUNTRY["name"], fictional=True)
    return workspace
