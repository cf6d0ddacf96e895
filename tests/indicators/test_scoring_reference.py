"""The product's scores against the plain reference implementation, on random data.

The data are random but built to hit every rule of DESIGN 4: a two-level hierarchy with
an orphan and an area whose parent has no data, three rounds in mixed date spellings,
missing rows and NaN values, small samples, host values missing, small or outside the
goalposts, uneven sub-criteria, reversed goalposts, goalposts outside 0-100 and weights
other than 1. Every score must agree within 0.01, every class exactly, every reliability
within 0.01, on exactly the same rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

try:  # tests/indicators may or may not become a package
    from .reference import make_framework, product_scores, reference_scores
except ImportError:
    from reference import make_framework, product_scores, reference_scores

KEY = ["area_pcode", "round", "group", "benchmark", "level", "code"]
TOLERANCE = 0.01

TREE = {
    # one sub-criterion, two indicators, both reversed
    "safety": {"safety.violence": {"violence": (40, 0), "fear": (60, 5)}},
    # three sub-criteria: 1 of 3 is not enough
    "living": {
        "living.food": {"food_score": (0, 100)},
        "living.shelter": {"crowding": (4, 1)},  # persons per room, reversed
        "living.water": {"water_minutes": (120, 15)},  # outside 0-100, reversed
    },
    # four sub-criteria: 2 of 4 is enough
    "livelihoods": {
        "livelihoods.income": {"income_ratio": (0.2, 1.2)},
        "livelihoods.work": {"unemployment": (50, 5)},
        "livelihoods.debt": {"debt": (-500, 250)},  # negative worst
        "livelihoods.skills": {"training": (0, 100), "apprentices": (0, 20)},
    },
    "hlp": {"hlp.tenure": {"tenure_doc": (0, 100), "evicted": (30, 0), "secure": (10, 90)}},
    "documentation": {"doc.id": {"id_doc": (0, 100)}, "doc.birth": {"birth_cert": (20, 100)}},
    "family": {"family.separated": {"separated": (25, 0)}},
    "participation": {
        "participation.vote": {"voted": (0, 100)},
        "participation.discrimination": {"discrimination": (-10, -60)},  # both negative
    },
    "remedies": {"remedies.justice": {"justice": (0, 100)}, "remedies.comp": {"comp": (0, 1)}},
}
WEIGHTS = {"safety": 1.5, "livelihoods": 2, "hlp": 0.5, "participation": 0.75, "remedies": 1.25}
CORE = {"safety", "living", "livelihoods", "hlp", "documentation"}

PARENTS = {
    "R1": None,
    "R1a": "R1",
    "R1b": "R1",
    "R1c": "R1",
    "R2": None,
    "R2a": "R2",
    "R2b": "R2",
    "R3a": "R3",  # R3 has no observations at all
    # "X" (orphan) is not in the hierarchy at all
}
AREAS = [*PARENTS, "X"]
ROUNDS = ["2023-11", "2024-05-15", "2025-02-01"]


def random_observations(seed: int, framework) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # in each round one indicator has no host value anywhere: no comparator, P missing
    codes = framework.indicator_codes
    no_host = {(rnd, codes[int(rng.integers(len(codes)))]) for rnd in ROUNDS}
    rows = []
    for area in AREAS:
        for rnd in ROUNDS:
            for group in ("idp", "returnee", "host"):
                # whole (area, round, group) without data, now and then
                if group != "host" and rng.random() < 0.12:
                    continue
                # sparse and dense cells, so that criteria and overall scores go missing
                p_absent = rng.choice([0.05, 0.25, 0.5, 0.85])
                # now and then a displaced group at or beyond best everywhere: class 5
                at_parity = group != "host" and rng.random() < 0.08
                for indicator in framework.indicators:
                    if rng.random() < p_absent:
                        continue
                    if group == "host" and (rnd, indicator.code) in no_host:
                        continue
                    worst, best = indicator.goalposts
                    lo, hi = min(worst, best), max(worst, best)
                    span = hi - lo
                    draw = rng.random()
                    if at_parity:
                        value = best + (best - worst) * rng.choice([0.0, 0.1])
                    elif draw < 0.05:
                        value = np.nan
                    elif draw < 0.12:
                        value = worst
                    elif draw < 0.19:
                        value = best
                    else:
                        value = rng.uniform(lo - 0.25 * span, hi + 0.25 * span)
                    n = np.nan if rng.random() < 0.3 else float(rng.integers(5, 121))
                    rows.append((area, rnd, group, indicator.code, value, n, "random"))
            if rng.random() < 0.5:  # a context variable, never scored
                rows.append(
                    (area, rnd, "", "idps_present", float(rng.integers(0, 5000)), np.nan, "")
                )
    frame = pd.DataFrame(
        rows, columns=["area_pcode", "round", "group", "indicator", "value", "n", "source"]
    )
    # row order must not matter
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def random_framework(seed: int, aggregation: str):
    return make_framework(
        TREE,
        weights=WEIGHTS,
        core=CORE,
        n_min=[0, 30, 50][seed % 3],
        min_criteria=[2, 4, 6, 8, 3, 5][seed % 6],
        aggregation=aggregation,
    )


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["round"] = frame["round"].astype(str)
    for column in ("score", "class", "reliability"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame.set_index(KEY).sort_index()


CLASS_EDGES = (40.0, 60.0, 80.0)


def assert_same_scores(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got, expected = _normalised(got), _normalised(expected)
    assert not got.index.duplicated().any(), "product has duplicate rows"
    only_got = got.index.difference(expected.index)
    only_expected = expected.index.difference(got.index)
    assert only_got.empty and only_expected.empty, (
        f"row sets differ: {len(only_got)} rows only in the product (e.g. "
        f"{list(only_got[:3])}), {len(only_expected)} only in the reference (e.g. "
        f"{list(only_expected[:3])})"
    )
    got = got.loc[expected.index]
    problems = []
    for column, tolerance in (("score", TOLERANCE), ("reliability", TOLERANCE)):
        a, b = got[column].to_numpy(), expected[column].to_numpy()
        bad = (np.isnan(a) != np.isnan(b)) | (np.abs(a - b) > tolerance)
        for key in expected.index[bad][:5]:
            problems.append(
                f"{column} {key}: got {got.at[key, column]}, expected {expected.at[key, column]}"
            )
    a, b = got["class"].to_numpy(), expected["class"].to_numpy()
    overall = expected["score"].to_numpy()
    # A class may differ only where the overall score sits on a class edge within float
    # rounding (e.g. 79.99999999999999 vs 80): two correct programs can disagree there.
    on_edge = np.any(np.abs(overall[:, None] - np.array(CLASS_EDGES)) < 1e-6, axis=1)
    bad = ((np.isnan(a) != np.isnan(b)) | ((a != b) & ~np.isnan(b))) & ~on_edge
    for key in expected.index[bad][:5]:
        problems.append(
            f"class {key}: got {got.at[key, 'class']}, expected {expected.at[key, 'class']} "
            f"(overall {expected.at[key, 'score']})"
        )
    assert not problems, "\n".join(problems)


SEEDS = range(6)


@pytest.mark.parametrize("core", [False, True], ids=["all", "core"])
@pytest.mark.parametrize("aggregation", ["geometric", "arithmetic"])
@pytest.mark.parametrize("seed", SEEDS)
def test_product_matches_reference(seed, aggregation, core):
    framework = random_framework(seed, aggregation)
    obs = random_observations(seed, framework)
    expected = reference_scores(obs, framework, PARENTS, core=core)
    got = product_scores(obs, framework, PARENTS, core=core)
    assert_same_scores(got, expected)


def test_random_data_exercise_the_rules():
    """Guard against the generator drifting into data that no longer tests much."""
    framework = random_framework(0, "geometric")
    frames = []
    for seed in SEEDS:
        obs = random_observations(seed, framework)
        frames.append(reference_scores(obs, framework, PARENTS))
    table = pd.concat(frames)
    overall = table[table["level"] == "overall"]
    criterion = table[table["level"] == "criterion"]
    assert overall["score"].isna().any() and overall["score"].notna().any()
    assert criterion["score"].isna().any()
    assert set(overall["class"].dropna()) >= {1.0, 2.0, 3.0, 5.0}
    assert (overall["reliability"] > 0).any()
    # class 5 on both benchmarks, and fallbacks (reliability not a multiple of 0.5/n)
    assert (overall[overall["benchmark"] == "parity"]["class"] == 5).any()
    indicator = table[table["level"] == "indicator"]
    assert (indicator["score"] == 0).any() and (indicator["score"] == 100).any()


@pytest.mark.parametrize("aggregation", ["geometric", "arithmetic"])
@pytest.mark.parametrize("core", [False, True], ids=["all", "core"])
def test_dask_chunked_cube_gives_the_same_scores(aggregation, core):
    from indicators.cube import build_cube
    from indicators.scoring import score, scores_long

    framework = random_framework(3, aggregation)
    obs = random_observations(3, framework)
    cube = build_cube(obs, framework, parents=PARENTS)
    in_memory = score(cube, framework, core=core)
    chunked = score(cube.chunk({"area": 2}), framework, core=core)
    assert any(v.chunks for v in chunked.data_vars.values()), "the chunked result is not lazy"
    computed = chunked.compute()
    assert set(computed.data_vars) == set(in_memory.data_vars)
    for name, expected in in_memory.data_vars.items():
        got = computed[name]
        assert got.dims == expected.dims, name
        a = np.asarray(got.transpose(*expected.dims).values, dtype=float)
        b = np.asarray(expected.values, dtype=float)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, equal_nan=True, err_msg=name)
    pd.testing.assert_frame_equal(
        scores_long(chunked, framework), scores_long(in_memory, framework)
    )
