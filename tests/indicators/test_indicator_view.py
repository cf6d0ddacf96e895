"""The indicator-level map's table (``indicators.indicator_view``) on a hand-made cube."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.cube import build_cube
from indicators.indicator_view import indicator_table
from indicators.scoring import score
from tests.indicators.test_analysis import FRAMEWORK


def _cube():
    rows = [
        # area P has its own host value; A's host rests on 5 households, so its parity
        # score borrows the parent's (P); B has none, so it borrows P's too.
        ("P", "idp", "x", 50.0, 100),
        ("P", "host", "x", 80.0, 100),
        ("A", "idp", "x", 20.0, 100),
        ("A", "host", "x", 60.0, 5),
        ("B", "idp", "x", 40.0, 100),
        ("A", "idp", "y", 10.0, 100),
    ]
    frame = pd.DataFrame(rows, columns=["area_pcode", "group", "indicator", "value", "n"])
    frame["round"] = "2024-01"
    return build_cube(frame, FRAMEWORK, {"P": None, "A": "P", "B": "P"}, {"P": 0, "A": 1, "B": 1})


def test_indicator_table_holds_score_value_and_the_comparator_used():
    cube = _cube()
    result = score(cube, FRAMEWORK).compute()
    table = indicator_table(result, cube, "x", FRAMEWORK.n_min)
    at = {"round": table["round"].values[0], "group": "idp"}
    assert table["value"].sel(area="A", **at).item() == 20.0
    # The comparator is the one the parity score used: A's own (5 households) is too small.
    assert table["host"].sel(area="P", round=at["round"]).item() == 80.0
    assert table["host"].sel(area="A", round=at["round"]).item() == 80.0
    assert table["host"].sel(area="B", round=at["round"]).item() == 80.0
    own = table["own_host"].sel(round=at["round"]).to_series()
    assert own.to_dict() == {"A": False, "B": False, "P": True}
    # Parity 100 * (20 - 0) / (80 - 0) = 25; absolute 20.
    assert table["score"].sel(benchmark="parity", area="A", **at).item() == pytest.approx(25.0)
    assert table["score"].sel(benchmark="absolute", area="A", **at).item() == pytest.approx(20.0)
    np.testing.assert_array_equal(
        table["score"].values, result["indicator_score"].sel(indicator="x").values
    )
    with pytest.raises(KeyError, match="no indicator 'z'"):
        indicator_table(result, cube, "z", FRAMEWORK.n_min)


def test_rollup_indicator_weights_children_by_idps_present():
    from indicators.indicator_view import rollup_indicator

    rows = [
        ("P", "host", "x", 80.0, 100),
        ("A", "idp", "x", 20.0, 100),
        ("A", "host", "x", 60.0, 100),
        ("B", "idp", "x", 40.0, 100),
        ("B", "host", "x", 70.0, 100),
    ]
    frame = pd.DataFrame(rows, columns=["area_pcode", "group", "indicator", "value", "n"])
    people = pd.DataFrame(
        [("A", "", "idps_present", 300.0, None), ("B", "", "idps_present", 100.0, None)],
        columns=frame.columns,
    )
    frame = pd.concat([frame, people], ignore_index=True)
    frame["round"] = "2024-01"
    parents, levels = {"P": None, "A": "P", "B": "P"}, {"P": 0, "A": 1, "B": 1}
    cube = build_cube(frame, FRAMEWORK, parents, levels)
    result = score(cube, FRAMEWORK).compute()
    table = indicator_table(result, cube, "x", FRAMEWORK.n_min)
    idps = cube["context"].sel(variable="idps_present", drop=True).reset_coords(drop=True)
    top = rollup_indicator(table, idps, levels, parents, 0)
    at = {"area": "P", "round": top["round"].values[0]}
    # (300 * 20 + 100 * 40) / 400 = 25, and the scores the same way; P's own host stays.
    assert top["value"].sel(group="idp", **at).item() == pytest.approx(25.0)
    a = table["score"].sel(benchmark="parity", group="idp", area="A", round=at["round"]).item()
    b = table["score"].sel(benchmark="parity", group="idp", area="B", round=at["round"]).item()
    expected = (300 * a + 100 * b) / 400
    assert top["score"].sel(benchmark="parity", group="idp", **at).item() == pytest.approx(expected)
    assert top["host"].sel(**at).item() == 80.0 and bool(top["rolled_up"].sel(group="idp", **at))
    # The deepest level is the table itself.
    deep = rollup_indicator(table, idps, levels, parents, 1)
    assert deep["value"].sel(area="A", group="idp", round=at["round"]).item() == 20.0
