"""The fictional demo workspace: boundaries from `geodata.demo`, survey rounds made here.

Everything is generated from one seed, so the demo is the same on every machine. The
stories are ones a data officer would recognise: most districts improve slowly, some are
stuck, one deteriorates after a new wave of violence. Each quarter a household survey is
drawn from them (`workspace.demo_survey`, a stratified cluster design with weights and a
members roster) and its indicator values are estimated by the same survey path as
`solutions survey`, with the shipped recipe: so values carry `n` and standard errors,
about a tenth are missing (modules not asked) and some rest on small samples.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import DEMO_COUNTRY, demo_area_layers, demo_areas
from indicators.framework import Framework
from workspace.demo_survey import RECIPE, REGION_RECIPE, draw_round
from workspace.frameworks import load_framework
from workspace.store import Workspace
from workspace.survey import load_recipe, run_survey, survey_from_frames

SEED = 20261122
ROUNDS = pd.date_range("2023-03-01", periods=12, freq="3MS")
SOURCE = "Demo household survey (fictional)"
STORIES = ("improving", "stuck", "deteriorating")


@dataclass
class DemoTargets:
    """What the stories make of each district: the expected value of every indicator per
    group and round (in its unit), the households surveyed, and the modules asked."""

    districts: pd.DataFrame
    values: dict[str, np.ndarray]  # group -> (district, round, indicator)
    households: dict[str, np.ndarray]  # group -> (district, round)
    asked: dict[str, np.ndarray]  # group -> (district, round, indicator)
    context: pd.DataFrame


def demo_targets(areas: pd.DataFrame, framework: Framework, seed: int = SEED) -> DemoTargets:
    """The demo's stories as expected values per district, group, round and indicator."""
    rng = np.random.default_rng(seed)
    deepest = int(areas["level"].max())
    districts = areas[areas["level"] == deepest].sort_values("pcode").reset_index(drop=True)
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
    has_returnees = rng.random(n_d) > 0.2
    values, households, asked = {}, {}, {}
    for group, position in positions.items():
        values[group] = _to_units(worst + np.clip(position, 0, 1.05) * (best - worst), framework)
        # Households per district and round; some samples fall below n_min.
        sizes = rng.poisson(50, size=(n_d, n_r))
        small = rng.random(sizes.shape) < 0.05
        sizes[small] = rng.integers(8, 30, size=int(small.sum()))
        if group == "returnee":
            sizes[~has_returnees] = 0
        households[group] = sizes
        asked[group] = rng.random((n_d, n_r, n_i)) > 0.10  # about a tenth of values missing
    context = _context(districts, progress, story, rng)
    return DemoTargets(districts, values, households, asked, context)


def demo_observations(areas: pd.DataFrame, framework: Framework, seed: int = SEED) -> pd.DataFrame:
    """Canonical long observations for the demo districts (deepest level) and a regional
    ``host`` baseline (parent level), over twelve quarterly rounds, each estimated by the
    survey path (`workspace.survey`, what `solutions survey` runs) from that round's
    fictional microdata with the shipped recipes."""
    targets = demo_targets(areas, framework, seed)
    rng = np.random.default_rng(seed + 1)
    recipes = [load_recipe(path, framework) for path in (RECIPE, REGION_RECIPE)]
    frames = []
    for r, round_start in enumerate(ROUNDS):  # one survey per quarter, as in the field
        households, members = draw_round(
            {g: v[:, r] for g, v in targets.values.items()},
            {g: h[:, r] for g, h in targets.households.items()},
            {g: a[:, r] for g, a in targets.asked.items()},
            targets.districts,
            framework.indicator_codes,
            rng,
        )
        # Read once for both recipes (district and regional), as a file would be.
        survey = survey_from_frames(households, members, recipes[0])
        for parsed in recipes:
            result = run_survey(
                Path(f"meridia-survey-{round_start:%Y-%m}.xlsx"),
                parsed,
                framework,
                areas=areas,
                round_date=f"{round_start:%Y-%m-%d}",
                survey=survey,
            )
            frames.append(result.table)
    table = pd.concat(frames, ignore_index=True)
    table["round"] = pd.to_datetime(table["round"]).dt.strftime("%Y-%m-%d")
    table["source"] = SOURCE
    context = targets.context.assign(source=SOURCE, se=np.nan)
    return pd.concat([table, context], ignore_index=True)


def example_round(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped example survey (round 2026-03, two regions, a few thousand
    households, with the personal columns a real export has): Kobo's shape."""
    areas = demo_areas()
    framework = load_framework()
    targets = demo_targets(areas, framework, seed)
    rng = np.random.default_rng(seed + 2)
    regions = sorted(targets.districts["parent_pcode"].unique())[:2]
    chosen = targets.districts["parent_pcode"].isin(regions).to_numpy()
    last = len(ROUNDS) - 1
    counts = {  # a few small cells among mostly adequate ones, as in a real survey
        g: np.where(chosen & (h[:, last] > 0), rng.poisson(42, len(chosen)), 0)
        for g, h in targets.households.items()
    }
    return draw_round(
        {g: v[:, last] for g, v in targets.values.items()},
        counts,
        {g: np.ones_like(a[:, last]) for g, a in targets.asked.items()},
        targets.districts,
        framework.indicator_codes,
        rng,
        personal=True,
    )


def _to_units(values: np.ndarray, framework: Framework) -> np.ndarray:
    units = np.array([i.unit for i in framework.indicators])
    values = np.where(units == "percent", np.clip(values, 0, 100), values)
    return np.round(np.maximum(values, 0), 1)


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
