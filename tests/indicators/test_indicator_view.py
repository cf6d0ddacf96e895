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
