"""Files as the field writes them, through `solutions import` (issue 9): the silent
misreads of the issue now either import right or exit 1 with file, row and column, and
leave the workspace byte for byte as it was."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from dashboard.cli import main
from tests.helpers import snapshot
from workspace.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "geodata" / "fixtures"
ADM1, ADM2 = FIXTURES / "zz_adm1_current.geojson", FIXTURES / "zz_adm2_current.geojson"


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("field")
    both, regions = root / "both", root / "regions"
    assert run("import-areas", both, ADM1, ADM2)[0] == 0
    assert run("import-areas", regions, ADM1)[0] == 0
    return {"both": both, "regions": regions}


@pytest.fixture
def workspace(built, tmp_path):
    def copy(name: str = "both") -> Path:
        target = tmp_path / name
        shutil.copytree(built[name], target)
        return target

    return copy


def refused(workspace: Path, path: Path, *words: str, options=()) -> str:
    before = snapshot(workspace)
    status, _, err = run("import", workspace, path, *options)
    assert status == 1, err
    assert str(path) in err and "Traceback" not in err
    for word in words:
        assert word in err, err
    assert snapshot(workspace) == before
    return err


DTM = "admin0Pcode,admin1Pcode,admin2Pcode,reportingDate,numPresentIdpInd\n"


def test_a_zero_padding_repair_never_lands_on_another_level(workspace, tmp_path):
    path = tmp_path / "dtm.csv"
    # ZZ0001 unpadded is ZZ1, which is also the admin-1 ZZ01 unpadded
    path.write_text(DTM + "ZZ,ZZ01,ZZ01001,2024-03-01,10\nZZ,ZZ01,ZZ0001,2024-03-01,20\n")
    refused(workspace(), path, "'ZZ0001'", "would match ZZ01, an admin-1 area")


def test_look_alike_letters_are_named(workspace, tmp_path):
    path = tmp_path / "dtm.csv"
    path.write_text(DTM + "ZZ,ZZ01,\u0417Z01001,2024-03-01,10\n", encoding="utf-8")
    refused(workspace(), path, "CYRILLIC CAPITAL LETTER ZE")


def test_roll_up_adds_districts_into_their_regions(workspace, tmp_path):
    path = tmp_path / "dtm.csv"
    path.write_text(
        DTM
        + "ZZ,ZZ01,ZZ01001,2024-03-01,6000000\n"
        + "ZZ,ZZ01,ZZ01002,2024-03-01,6000001\n"
        + "ZZ,ZZ02,ZZ02001,2024-03-01,7\n"
    )
    regions = workspace("regions")
    refused(regions, path, "not in the workspace")
    status, out, err = run("import", regions, path, "--roll-up")
    assert status == 0, err
    stored = Workspace(regions).observations().set_index("area_pcode")["value"]
    assert int(stored["ZZ01"]) == 12_000_001 and int(stored["ZZ02"]) == 7
    assert "3 admin-2 figure(s) added into 2 admin-1 figure(s)" in out


def test_household_coordinates_are_refused(workspace, tmp_path):
    path = tmp_path / "hh.csv"
    path.write_text(
        "area_pcode,round,group,indicator,value,hh_latitude,hh_longitude\n"
        "ZZ01001,2024-03,,idps_present,5,36.1912,44.0091\n"
    )
    refused(workspace(), path, "'hh_latitude' looks like household GPS points")


def test_an_ambiguous_number_is_refused_until_the_decimal_mark_is_stated(workspace, tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text(
        "area_pcode;round;group;indicator;value\n"
        "ZZ01001;2024-03;;idps_present;1,000\n"
        "ZZ01002;2024-03;;idps_present;2\n"
    )
    target = workspace()
    refused(target, path, "row 2, column value: '1,000' could be 1000 or 1.000", "--decimal")
    status, out, err = run("import", target, path, "--decimal", ".")
    assert status == 0, err
    stored = Workspace(target).observations().set_index("area_pcode")["value"]
    assert stored["ZZ01001"] == 1000 and "as stated" in out


def test_parts_only_hxl_is_refused_then_imported_with_a_named_column(workspace, tmp_path):
    path = tmp_path / "women.csv"
    path.write_text(
        "code,date,women\n#adm2+code,#date+reported,#affected+idps+f\nZZ01001,2024-03-01,60\n"
    )
    target = workspace()
    refused(target, path, "'women' (#affected+f+idps): only part of the people (+f)")
    status, _, err = run("import", target, path, "--value-column", "women")
    assert status == 0, err


def test_a_mixed_level_file_is_read_level_by_level(workspace, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "admin0Pcode,admin1Pcode,admin2Pcode,adminLevel,reportingDate,numPresentIdpInd\n"
        "ZZ,ZZ01,,1,2024-03-01,500\n"
        "ZZ,ZZ01,ZZ01001,2,2024-03-01,300\n"
        "ZZ,ZZ01,ZZ01002,2,2024-03-01,200\n"
    )
    target = workspace()
    status, _, err = run("import", target, path, "--level", "2")
    assert status == 0, err
    stored = Workspace(target).observations()
    assert sorted(stored["area_pcode"]) == ["ZZ01001", "ZZ01002"]
    assert stored["value"].sum() == 500  # the admin-1 row is not added on top
