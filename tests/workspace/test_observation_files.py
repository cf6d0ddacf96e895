"""Observation files (workspace.observation_files): what an import writes reads back
identical, whether its text came as categories (the reader's) or as Python strings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workspace.frameworks import load_framework
from workspace.observation_files import read_netcdf, write_netcdf
from workspace.observations import check_rows
from workspace.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "geodata" / "fixtures"


def _table(categorical: bool) -> pd.DataFrame:
    text = {
        "area_pcode": ["ZZ01", "ZZ02", "ZZ01", "ÇÖ03", "ZZ02"],
        "group": ["idp", "host", "idp", "", "returnee"],
        "indicator": ["violence_12m", "violence_12m", "idps_present", "idps_present", "x"],
        "source": ["DTM", "", "MSNA 2025 – ß", "DTM", ""],
    }
    table = pd.DataFrame(
        {
            "area_pcode": text["area_pcode"],
            "round": pd.to_datetime(
                ["2024-06-01", "2024-06-01", "2023-01-01", "1999-12-01", "2024-06-01"]
            ).astype("datetime64[ns]"),  # as the store keeps rounds
            "group": text["group"],
            "indicator": text["indicator"],
            "value": [18.5, np.nan, 700.0, 1e12 + 1, -0.0],
            "n": [80.0, np.nan, np.nan, 3.0, 1.0],
            "source": text["source"],
            "se": [np.nan, 0.25, np.nan, np.nan, 1e-9],
        }
    )
    for column in text:
        if categorical:
            # unused categories and an order unlike the rows': the writer lists only
            # what is there
            values = table[column]
            categories = sorted(set(values) | {"unused"}, reverse=True)
            table[column] = pd.Categorical(values, categories=categories)
        else:
            table[column] = table[column].astype(object)
    return table


@pytest.mark.parametrize("categorical", [False, True])
def test_written_observations_read_back_identical(tmp_path, categorical):
    table = _table(categorical)
    target = tmp_path / "0001-x.nc"
    write_netcdf(table, target)
    back = read_netcdf(target)
    expected = table.astype({c: object for c in ("area_pcode", "group", "indicator", "source")})
    assert list(back.columns) == list(expected.columns)
    # text comes back as pandas' strings, numbers and dates in their own dtypes
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    for column in ("area_pcode", "group", "indicator", "source"):
        assert back[column].tolist() == expected[column].tolist()
    for column in ("round", "value", "n", "se"):
        assert back[column].dtype == expected[column].dtype
    # the sign of -0.0 and the last digit of a large count are kept (bytes, not text)
    assert np.signbit(back["value"].iloc[4])
    assert back["value"].iloc[3] == 1e12 + 1
    with xr.open_dataset(target, engine="netcdf4") as stored:  # a plain xarray reader too
        assert stored["round"].dtype == np.dtype("datetime64[ns]")
        assert len(stored["area_pcode__values"]) == 3  # "unused" is not listed


def test_an_imported_file_reads_back_as_checked(tmp_path):
    """``Workspace.observations()`` after an import equals the checked table it stored."""
    workspace = Workspace(tmp_path / "ws")
    workspace.import_areas(
        [FIXTURES / "zz_adm1_current.geojson", FIXTURES / "zz_adm2_current.geojson"]
    )
    csv = tmp_path / "obs.csv"
    csv.write_text(
        "area_pcode,round,group,indicator,value,n,source\n"
        "ZZ01001,2024-06,idp,violence_12m,18,80,DTM\n"
        "ZZ01002,2024-06,IDP,violence_12m,25.5,,Équipe ß\n"
        "ZZ02001,2024-06,,idps_present,700,,\n",
        encoding="utf-8",
    )
    workspace.import_observations([csv])
    stored = workspace.observations().reset_index(drop=True)
    from workspace.readers import read_source

    source = read_source(csv)
    checked = check_rows(csv, source.frame, load_framework(None), []).table
    expected = (
        checked[list(stored.columns)].astype({"round": "datetime64[ns]"}).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert stored["group"].tolist() == ["idp", "idp", ""]
    assert stored["source"].tolist() == ["DTM", "Équipe ß", ""]
