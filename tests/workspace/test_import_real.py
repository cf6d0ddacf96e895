"""Real files and quirky-but-valid files import cleanly, with the right counts.

The real files are in ../shared/data (DESIGN: used from tests, never copied): the Iraq
COD-AB with the HDX "Global IOM DTM from API" CSV, and the Nigeria COD-AB shapefiles with
the COD-PS population table. The quirky files are written here into tmp_path and go into a
small workspace built from the geodata fixtures (districts ZZ01001..ZZ02003).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from tests.helpers import snapshot
from workspace.store import Workspace

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "geodata" / "fixtures"


def _shared_data() -> Path:
    """The shared real data: ``shared/data`` beside the project or in any folder above it
    (worktrees live at /work/wtN, the data at /work/shared/data)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


SHARED = _shared_data()
IRAQ = SHARED / "iraq"
IRAQ_ADM1 = IRAQ / "irq_admbnda_adm1_cso_20190603.geojson"
IRAQ_ADM2 = IRAQ / "irq_admbnda_adm2_cso_20190603.geojson"
IRAQ_DTM = IRAQ / "hdx_global-iom-dtm-from-api-admin2_SDN-IRQ-HTI_2024-09.csv"
NIGERIA = SHARED / "nigeria"
NIGERIA_ADM1 = NIGERIA / "nga_admbnda_adm1_osgof_20190417.shp"
NIGERIA_ADM2 = NIGERIA / "nga_admbnda_adm2_osgof_20190417.shp"
NIGERIA_POP = NIGERIA / "nga_admpop_adm2_2020.csv"
#: On CI a missing data folder is a failure, not a skip: a green run must have read them.
MISSING = not IRAQ_DTM.exists()
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"CI is set but the shared real data is missing at {SHARED}")
needs_real_data = pytest.mark.skipif(MISSING, reason=f"no real data at {SHARED}")

HEADER = "area_pcode,round,group,indicator,value,n"


def run(*args: object) -> int:
    return main([str(a) for a in args])


def run_quietly(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = run(*args)
    return status, out.getvalue(), err.getvalue()


def info(workspace: Path) -> dict:
    status, out, _ = run_quietly("info", workspace, "--json")
    assert status == 0
    return json.loads(out)


# -- Iraq: COD-AB + HDX DTM ----------------------------------------------------------------


@pytest.fixture(scope="module")
def iraq(tmp_path_factory) -> tuple[Path, str]:
    """The Iraq workspace after importing the HDX DTM CSV, and that import's report."""
    if not IRAQ_DTM.exists():
        pytest.skip(f"no real data at {SHARED}")
    workspace = tmp_path_factory.mktemp("iraq") / "ws"
    status, _, err = run_quietly("import-areas", workspace, IRAQ_ADM1, IRAQ_ADM2)
    assert status == 0, err
    status, out, err = run_quietly("import", workspace, IRAQ_DTM)
    assert status == 0, err
    return workspace, out


@needs_real_data
def test_iraq_dtm_places_every_district_code(iraq):
    _, report = iraq
    dtm = pd.read_csv(IRAQ_DTM, dtype=str, skiprows=[1])
    iraq_codes = set(dtm.loc[dtm["admin0Pcode"] == "IRQ", "admin2Pcode"])
    assert len(iraq_codes) == 100
    respelled = dict(re.findall(r"^ {6}(IRQ-\S+) -> (IQ\S+)$", report, flags=re.M))
    assert "100 code(s) respelled to the workspace's P-codes:" in report
    assert set(respelled) == iraq_codes, "every Iraq code is listed with its new spelling"
    assert respelled["IRQ-G01Q01"] == "IQG01Q01"
    assert all(new == old.replace("IRQ-", "IQ") for old, new in respelled.items())
    assert "not in the workspace" not in report
    areas = Workspace(iraq[0]).areas()
    assert set(respelled.values()) <= set(areas.loc[areas["level"] == 2, "pcode"])


@needs_real_data
def test_iraq_dtm_counts_and_notes(iraq):
    workspace, report = iraq
    dtm = pd.read_csv(IRAQ_DTM, dtype=str, skiprows=[1])
    others = dtm.loc[dtm["admin0Pcode"] != "IRQ", "admin0Pcode"].value_counts()
    assert set(others.index) == {"SDN", "HTI"}
    assert (
        f"{others.sum()} row(s) of other countries set aside: "
        f"SDN {others['SDN']}, HTI {others['HTI']}" in report
    )
    assert "7691 rows imported, 100 areas, 80 round(s) (80 new)" in report
    round_48 = r"warning: DTM round 48 \(2016-04-01, 2016-06-01\): .* about 2\.0 times"
    assert re.search(round_48, report)
    assert "idps_present: 100 of 101 areas at level 2; no value for IQG03Q03" in report

    held = info(workspace)
    assert held["areas"] == {"1": 18, "2": 101}
    assert held["observations"] == 7691
    assert len(held["rounds"]) == 80
    assert held["rounds"][0].startswith("2014-") and held["rounds"][-1].startswith("2024-04")
    assert held["indicators"] == ["idps_present"]
    assert held["imports"] == 3
    manifest = Workspace(workspace).manifest
    entry = manifest["imports"][-1]
    assert entry["rows"] == 7691 and len(entry["rounds_added"]) == 80
    assert any("DTM round 48" in w for w in entry["warnings"])


@needs_real_data
def test_iraq_dtm_twice_is_a_no_op(iraq, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(iraq[0], workspace)
    before = snapshot(workspace)
    status, out, _ = run_quietly("import", workspace, IRAQ_DTM)
    assert status == 0
    assert f"{IRAQ_DTM}: already imported on" in out and "nothing to do" in out
    assert snapshot(workspace) == before
    assert not (workspace / ".staging").exists(), "no staging folder left"


@needs_real_data
def test_iraq_rows_of_the_dtm_file_validate(tmp_path, monkeypatch):
    """validate has no workspace to pick the country by: given the Iraq rows alone (header
    and HXL row kept) it passes. The full file does not: its Sudan and Haiti rows hold
    conflicting duplicates, which an import into an Iraq workspace sets aside unread."""
    lines = IRAQ_DTM.read_text(encoding="utf-8").splitlines(keepends=True)
    iraq_only = tmp_path / "dtm_irq.csv"
    iraq_only.write_text("".join(lines[:2] + [x for x in lines[2:] if ",IRQ," in x]))
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run_quietly("validate", iraq_only)
    assert status == 0, err
    assert f"{iraq_only}: 7691 rows, 100 areas, 80 round(s), valid" in out
    assert snapshot(tmp_path) == before

    status, _, err = run_quietly("validate", IRAQ_DTM)
    assert status == 1 and "conflicting values" in err and "Traceback" not in err
    assert "values for IRQ-" not in err, "the conflicts are all outside Iraq"


# -- Nigeria: shapefiles + COD-PS ----------------------------------------------------------


@needs_real_data
def test_nigeria_population_names_the_missing_lga(tmp_path):
    workspace = tmp_path / "ng"
    status, out, err = run_quietly("import-areas", workspace, NIGERIA_ADM1, NIGERIA_ADM2)
    assert status == 0, err
    assert "37 areas at admin level 1" in out and "774 areas at admin level 2" in out
    status, out, err = run_quietly("import", workspace, NIGERIA_POP)
    assert status == 0, err
    assert "773 rows imported, 773 areas, 1 round(s)" in out
    assert "host_population: 773 of 774 areas at level 2; no value for NG009005 (Bakassi)" in out
    held = info(workspace)
    assert held["observations"] == 773
    assert held["rounds"] == ["2020-01-01"]
    assert held["indicators"] == ["host_population"]
    stored = Workspace(workspace).observations()
    assert stored["value"].sum() == pytest.approx(
        pd.read_csv(NIGERIA_POP, usecols=["T_TL"])["T_TL"].sum()
    )


@needs_real_data
def test_nigeria_zipped_shapefile_and_round_option(tmp_path):
    """A zipped shapefile (in a sub-folder, as HDX ships them) reads like the folder."""
    archive = tmp_path / "nga_adm2.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for part in NIGERIA.glob("nga_admbnda_adm2_osgof_20190417.*"):
            handle.write(part, f"nga_adm2/{part.name}")
    workspace = tmp_path / "ng"
    status, out, err = run_quietly("import-areas", workspace, archive)
    assert status == 0, err
    assert "774 areas at admin level 2" in out
    population = tmp_path / "nga_population.csv"  # no year in the name: --round says when
    shutil.copyfile(NIGERIA_POP, population)
    assert run_quietly("import", workspace, population)[0] == 1
    status, out, err = run_quietly("import", workspace, population, "--round", "2020-07-01")
    assert status == 0, err
    assert info(workspace)["rounds"] == ["2020-07-01"]


# -- quirky but valid files ----------------------------------------------------------------


@pytest.fixture(scope="module")
def built_zz(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("zz")
    districts = json.loads((FIXTURES / "zz_adm2_current.geojson").read_text(encoding="utf-8"))
    for feature in districts["features"]:
        if feature["properties"]["adm2_pcode"] == "ZZ02002":
            feature["properties"]["adm2_name"] = "Sainte-Thérèse"
    adm2 = root / "zz_adm2.geojson"
    adm2.write_text(json.dumps(districts, ensure_ascii=False), encoding="utf-8")
    workspace = root / "ws"
    status, _, err = run_quietly(
        "import-areas", workspace, FIXTURES / "zz_adm1_current.geojson", adm2
    )
    assert status == 0, err
    return workspace


@pytest.fixture
def zz(built_zz, tmp_path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(built_zz, copy)
    return copy


def imported(workspace: Path, *args: object) -> tuple[pd.DataFrame, str]:
    status, out, err = run_quietly("import", workspace, *args)
    assert status == 0, err
    assert "Traceback" not in err
    stored = Workspace(workspace).observations()
    stored = stored.sort_values(["area_pcode", "round", "indicator", "group"])
    return stored.reset_index(drop=True), out


def _rows(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def test_utf8_with_bom(zz, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + _rows("ZZ01001,2024-03,idp,violence_12m,20,80").encode("utf-8")
    )
    stored, _ = imported(zz, path)
    assert stored["area_pcode"].tolist() == ["ZZ01001"]
    assert stored["value"].tolist() == [20.0]


def test_crlf_line_endings(zz, tmp_path):
    path = tmp_path / "crlf.csv"
    text = _rows("ZZ01001,2024-03,idp,violence_12m,20,80", "ZZ01002,2024-03,idp,violence_12m,25,")
    path.write_bytes(text.replace("\n", "\r\n").encode())
    stored, _ = imported(zz, path)
    assert stored["value"].tolist() == [20.0, 25.0]
    assert stored["n"].iloc[0] == 80 and pd.isna(stored["n"].iloc[1])


def test_semicolons_and_decimal_commas(zz, tmp_path):
    path = tmp_path / "excel_fr.csv"
    path.write_text(
        "area_pcode;round;group;indicator;value;n\n"
        "ZZ01001;2024-03;idp;violence_12m;12,5;80\n"
        "ZZ01002;2024-03;;idps_present;1200;\n",
        encoding="utf-8",
    )
    stored, out = imported(zz, path)
    assert stored["value"].tolist() == [12.5, 1200.0]
    assert "columns separated by ';'" in out


LATIN1_NAMES = "area_name,round,group,indicator,value,n,source\n"
LATIN1_NAMES += "Sainte-Thérèse,2024-03,idp,violence_12m,20,80,Enquête ménages\n"
LATIN1_NAMES += "Alpha,2024-03,idp,violence_12m,25,80,Enquête ménages\n"


@pytest.mark.parametrize("stated", [False, True])
def test_latin1_with_an_accented_area_name(zz, tmp_path, stated):
    path = tmp_path / "latin1.csv"
    path.write_bytes(LATIN1_NAMES.encode("latin-1"))
    options = ["--encoding", "latin-1"] if stated else []
    stored, out = imported(zz, path, "--match-names", *options)
    assert "2 area name(s) matched exactly" in out
    assert "'Sainte-Thérèse' -> ZZ02002" in out
    assert stored["area_pcode"].tolist() == ["ZZ01001", "ZZ02002"]
    assert set(stored["source"]) == {"Enquête ménages"}
    detected = "read as Windows-1252/Latin-1" in out
    assert detected is not stated


def test_stray_spaces_around_codes_and_cells(zz, tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(
        " area_pcode , round ,group,indicator , value,n\n"
        " ZZ01001 ,  2024-03 , idp ,violence_12m , 20 , 80\n"
        "ZZ02003  ,2024-03,,idps_present,\t300,\n",
        encoding="utf-8",
    )
    stored, out = imported(zz, path)
    assert stored["area_pcode"].tolist() == ["ZZ01001", "ZZ02003"]
    assert stored["group"].tolist() == ["idp", ""]
    assert stored["value"].tolist() == [20.0, 300.0]
    assert "respelled" not in out


def test_year_month_rounds(zz, tmp_path):
    path = tmp_path / "months.csv"
    path.write_text(
        _rows("ZZ01001,2024-03,idp,violence_12m,20,80", "ZZ01001,2024-09,idp,violence_12m,15,80")
    )
    imported(zz, path)
    assert info(zz)["rounds"] == ["2024-03-01", "2024-09-01"]


def test_xlsx_with_real_date_cells(zz, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["area_pcode", "round", "group", "indicator", "value", "n", "source"])
    sheet.append(["ZZ01001", dt.datetime(2024, 3, 1), "idp", "violence_12m", 20, 80, "MSNA"])
    sheet.append(["ZZ01002", dt.date(2024, 9, 1), "host", "violence_12m", 12.5, None, None])
    sheet.append(["ZZ02001", dt.datetime(2024, 9, 1), None, "idps_present", 4100, None, "DTM"])
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "dd/mm/yyyy"
    path = tmp_path / "rounds.xlsx"
    book.save(path)
    stored, _ = imported(zz, path)
    assert info(zz)["rounds"] == ["2024-03-01", "2024-09-01"]
    assert stored["value"].tolist() == [20.0, 12.5, 4100.0]
    assert stored["group"].tolist() == ["idp", "host", ""]
    assert stored["n"].iloc[0] == 80 and stored["n"].iloc[1:].isna().all()


def test_case_and_lost_leading_zeros_are_respelled_and_reported(zz, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text(
        _rows(
            "zz01001,2024-03,idp,violence_12m,20,80",
            "ZZ1002,2024-03,idp,violence_12m,21,80",
            "Zz02-001,2024-03,idp,violence_12m,22,80",
            "ZZ02002,2024-03,idp,violence_12m,23,80",
        )
    )
    stored, out = imported(zz, path)
    assert stored["area_pcode"].tolist() == ["ZZ01001", "ZZ01002", "ZZ02001", "ZZ02002"]
    assert "3 code(s) respelled to the workspace's P-codes:" in out
    for line in ("zz01001 -> ZZ01001", "ZZ1002 -> ZZ01002", "Zz02-001 -> ZZ02001"):
        assert line in out
    assert "ZZ02002 ->" not in out


def test_hxl_tagged_canonical_file(zz, tmp_path):
    path = tmp_path / "hxl.csv"
    path.write_text(
        _rows(
            "#adm2+code,#date+round,#group,#indicator+code,#indicator+value+num,#meta+n",
            "ZZ01001,2024-03,idp,violence_12m,20,80",
            "ZZ01002,2024-03,idp,violence_12m,25,80",
        )
    )
    stored, _ = imported(zz, path)
    assert stored["value"].tolist() == [20.0, 25.0]


def test_hxl_tags_with_other_headers(zz, tmp_path):
    path = tmp_path / "hxl_own_headers.csv"
    path.write_text(
        "District,District code,Date,IDPs,Returnees\n"
        "#adm2+name,#adm2+code,#date+reported,#affected+idps,#affected+returnees\n"
        "Alpha,ZZ01001,2024-03-15,1200,300\n"
        "Bravo,ZZ01002,2024-03-15,800,\n"
    )
    stored, out = imported(zz, path)
    assert "#affected+idps -> idps_present" in out
    figures = stored.set_index(["area_pcode", "indicator"])["value"]
    assert figures[("ZZ01001", "idps_present")] == 1200
    assert figures[("ZZ01001", "returnees_present")] == 300
    assert figures[("ZZ01002", "idps_present")] == 800
    assert len(stored) == 3  # the empty returnee cell is no observation


def _dtm_record(code: str, name: str, figure: int, **extra) -> dict:
    return {
        "id": 1,
        "operation": "Zed crisis",
        "admin0Name": "Zed",
        "admin0Pcode": "ZZ",
        "admin1Name": "North Zed",
        "admin1Pcode": code[:4],
        "admin2Name": name,
        "admin2Pcode": code,
        "numPresentIdpInd": figure,
        "reportingDate": "2024-03-15T00:00:00",
        "yearReportingDate": 2024,
        "monthReportingDate": 3,
        "roundNumber": 7,
        "assessmentType": "BA",
        **extra,
    }


def test_dtm_api_v2_json(zz, tmp_path):
    path = tmp_path / "dtm_v2.json"
    records = [_dtm_record("ZZ01001", "Alpha", 1200), _dtm_record("ZZ01002", "Bravo", 800)]
    path.write_text(json.dumps({"isSuccess": True, "errorMessages": [], "result": records}))
    stored, out = imported(zz, path)
    assert "DTM API JSON: idps_present at admin level 2" in out
    assert stored["area_pcode"].tolist() == ["ZZ01001", "ZZ01002"]
    assert stored["value"].tolist() == [1200.0, 800.0]
    assert info(zz)["rounds"] == ["2024-03-15"]


def test_dtm_api_v3_json_sums_displacement_reasons(zz, tmp_path):
    path = tmp_path / "dtm_v3.json"
    records = [
        _dtm_record("ZZ01001", "Alpha", 1000, displacementReason="Conflict"),
        _dtm_record("ZZ01001", "Alpha", 150, displacementReason="Natural disaster"),
        _dtm_record("ZZ01001", "Alpha", 50, displacementReason="Other"),
        _dtm_record("ZZ01002", "Bravo", 800, displacementReason="Conflict"),
    ]
    for record in records:
        record.update(operationStatus="Active", numberMales=None, numberFemales=None)
    path.write_text(json.dumps({"isSuccess": True, "errorMessages": [], "result": records}))
    stored, out = imported(zz, path)
    assert "split by displacementReason: 4 records summed into 2" in out
    assert stored["value"].tolist() == [1200.0, 800.0]


def test_names_only_file_reports_matches_near_matches_and_misses(zz, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text(
        "area_name,round,group,indicator,value,n\n"
        "Alpha,2024-03,idp,violence_12m,20,80\n"
        "Charlee,2024-03,idp,violence_12m,25,80\n"
        "Nowhere,2024-03,idp,violence_12m,30,80\n"
    )
    before = snapshot(zz)
    status, _, err = run_quietly("import", zz, path, "--match-names")
    assert status == 1
    assert "'Nowhere' (column area_name, rows 4)" in err
    assert snapshot(zz) == before

    stored, out = imported(zz, path, "--match-names", "--skip-unknown")
    assert "1 area name(s) matched exactly:" in out and "'Alpha' -> ZZ01001" in out
    assert "1 area name(s) matched approximately; check them:" in out
    assert re.search(r"'Charlee' -> ZZ02001 \(similarity 0\.\d\d\)", out)
    assert "1 area name(s) not matched:" in out and "'Nowhere'" in out
    assert stored["area_pcode"].tolist() == ["ZZ01001", "ZZ02001"]


def test_same_file_twice_is_a_no_op(zz, tmp_path):
    path = tmp_path / "once.csv"
    path.write_text(_rows("ZZ01001,2024-03,idp,violence_12m,20,80"))
    imported(zz, path)
    before = snapshot(zz)
    status, out, _ = run_quietly("import", zz, path)
    assert status == 0 and "already imported on" in out
    assert snapshot(zz) == before
    assert not (zz / ".staging").exists(), "no staging folder left"
    renamed = tmp_path / "same_bytes_other_name.csv"
    shutil.copyfile(path, renamed)
    status, out, _ = run_quietly("import", zz, renamed)
    assert status == 0 and "already imported on" in out
    assert snapshot(zz) == before
    overlapping = tmp_path / "overlap.csv"
    overlapping.write_text(_rows("ZZ01001,2024-03-01,idp,violence_12m,20,80"))
    status, out, _ = run_quietly("import", zz, overlapping)
    assert status == 0 and "every row is already in the workspace; nothing added" in out
    assert snapshot(zz) == before
