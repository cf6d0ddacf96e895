"""Change (DESIGN 4.7), roll-up (4.8) and rank uncertainty (4.9) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from indicators.analysis import change, rank_uncertainty, rollup
from indicators.cube import build_cube
from indicators.framework import parse_framework
from indicators.scoring import score

FRAMEWORK = parse_framework(
    """
name: t
version: "1"
n_min: 30
min_criteria: 1
aggregation: arithmetic
criteria:
  - code: a
    label: {en: A}
    subcriteria:
      - code: a.1
        label: {en: A1}
        indicators:
          - {code: x, label: {en: X}, unit: percent, goalposts: [0, 100]}
  - code: b
    label: {en: B}
    weight: 3
    subcriteria:
      - code: b.1
        label: {en: B1}
        indicators:
          - {code: y, label: {en: Y}, unit: percent, goalposts: [0, 100]}
""",
    "test",
)


def test_change_skips_rounds_without_a_score():
    scores = xr.DataArray(
        [[10.0, np.nan, 30.0, 45.0], [np.nan, np.nan, 50.0, np.nan]],
        dims=("area", "round"),
        coords={"area": ["A", "B"], "round": pd.date_range("2024-01-01", periods=4, freq="MS")},
    )
    result = change(scores)
    # A: 30 - 10 (the missing round is skipped), 45 - 30; first round is 10
    np.testing.assert_allclose(result["since_previous"].sel(area="A"), [np.nan, np.nan, 20, 15])
    np.testing.assert_allclose(result["since_first"].sel(area="A"), [0, np.nan, 20, 35])
    # B has one score only: no previous round, zero change since its first
    np.testing.assert_allclose(result["since_previous"].sel(area="B"), [np.nan] * 4)
    np.testing.assert_allclose(result["since_first"].sel(area="B"), [np.nan, np.nan, 0, np.nan])


def _workspace_like(idps: dict[str, float | None], own_parent_data: bool = False):
    rows = [
        ("R1C1", "idp", "x", 20), ("R1C1", "idp", "y", 40),
        ("R1C2", "idp", "x", 60), ("R1C2", "idp", "y", 80),
        ("R2C1", "idp", "x", 50), ("R2C1", "idp", "y", 50),
    ]  # fmt: skip
    if own_parent_data:
        rows += [("R2", "idp", "x", 10), ("R2", "idp", "y", 10)]
    frame = pd.DataFrame(rows, columns=["area_pcode", "group", "indicator", "value"])
    frame["round"] = "2024-01"
    context = [
        {"area_pcode": a, "group": "", "indicator": "idps_present", "value": v, "round": "2024-01"}
        for a, v in idps.items()
        if v is not None
    ]
    frame = pd.concat([frame, pd.DataFrame(context)], ignore_index=True)
    areas = pd.DataFrame(
        {
            "pcode": ["C", "R1", "R2", "R1C1", "R1C2", "R2C1"],
            "name": ["C", "R1", "R2", "R1C1", "R1C2", "R2C1"],
            "level": [0, 1, 1, 2, 2, 2],
            "parent_pcode": [None, "C", "C", "R1", "R1", "R2"],
        }
    )
    parents = dict(zip(areas["pcode"], areas["parent_pcode"], strict=True))
    cube = build_cube(
        frame, FRAMEWORK, parents, dict(zip(areas["pcode"], areas["level"], strict=True))
    )
    return score(cube, FRAMEWORK), cube, areas


def _overall(data, area):
    return float(data["overall_score"].sel(benchmark="absolute", group="idp", area=area)[0])


def test_rollup_weights_by_idps_present():
    result, cube, areas = _workspace_like({"R1C1": 300, "R1C2": 100, "R2C1": 50})
    # absolute overall (arithmetic, weights 1 and 3): R1C1 (20 + 3*40)/4 = 35,
    # R1C2 (60 + 3*80)/4 = 75, R2C1 50
    regions = rollup(result, cube, areas, 1)
    assert _overall(regions, "R1") == pytest.approx((35 * 300 + 75 * 100) / 400)
    assert _overall(regions, "R2") == pytest.approx(50)
    assert bool(regions["rolled_up"].sel(benchmark="absolute", group="idp", area="R1")[0])
    assert float(regions["idps_present"].sel(area="R1")[0]) == 400
    country = rollup(result, cube, areas, 0)
    r1 = (35 * 300 + 75 * 100) / 400
    assert _overall(country, "C") == pytest.approx((r1 * 400 + 50 * 50) / 450)


def test_rollup_is_unweighted_where_a_child_lacks_idps_present():
    result, cube, areas = _workspace_like({"R1C1": 300, "R1C2": None, "R2C1": 50})
    regions = rollup(result, cube, areas, 1)
    assert _overall(regions, "R1") == pytest.approx((35 + 75) / 2)


def test_rollup_prefers_an_areas_own_scores():
    result, cube, areas = _workspace_like({"R1C1": 300, "R1C2": 100, "R2C1": 50}, True)
    regions = rollup(result, cube, areas, 1)
    assert _overall(regions, "R2") == pytest.approx(10)
    assert not bool(regions["rolled_up"].sel(benchmark="absolute", group="idp", area="R2")[0])
    # class follows the rolled-up score: 10 is "severe gaps"
    assert float(regions["score_class"].sel(benchmark="absolute", group="idp", area="R2")[0]) == 1


def test_rank_uncertainty_is_seeded_and_brackets_the_plain_rank():
    rng = np.random.default_rng(3)
    criterion = xr.DataArray(
        rng.uniform(10, 90, size=(30, 2, 1, 2)),
        dims=("area", "round", "group", "criterion"),
        coords={
            "area": [f"A{i:02d}" for i in range(30)],
            "round": pd.date_range("2024-01-01", periods=2, freq="MS"),
            "group": ["idp"],
            "criterion": ["a", "b"],
        },
    )
    criterion[0, :, 0, :] = [1.0, 1.0]  # clearly the worst: rank 1 in every draw
    first = rank_uncertainty(criterion, FRAMEWORK, draws=100, seed=7)
    again = rank_uncertainty(criterion, FRAMEWORK, draws=100, seed=7)
    xr.testing.assert_identical(first, again)
    assert float(first["median_rank"].sel(area="A00", group="idp")[0]) == 1
    assert float(first["rank_high"].sel(area="A00", group="idp")[0]) == 1
    assert (first["rank_low"] <= first["median_rank"]).all()
    assert (first["median_rank"] <= first["rank_high"]).all()
    assert int(first["ranked_areas"].sel(area="A05", group="idp")[0]) == 30
    # the band of an area between two weightings is wider than a point
    widths = (first["rank_high"] - first["rank_low"]).values
    assert (widths > 0).any()
