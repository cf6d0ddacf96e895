"""The broken-file corpus (tests/data/broken/): every file is refused cleanly.

Each file goes through the command line in-process (`main([...])`) into a small workspace
built from the geodata fixtures (two regions ZZ01, ZZ02; five districts ZZ01001..ZZ02003)
that already holds one observation file. For each one: exit status 1, a message on stderr
that names the file and says what is wrong (and the row and column where they apply), no
traceback, and every byte of the workspace as it was. `solutions validate` on the same
files also exits 1 and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.cli import main
from tests.helpers import snapshot

TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS / "data" / "broken"
FIXTURES = TESTS / "geodata" / "fixtures"

#: file -> the fragment its error message must hold. Observation files go through
#: `solutions import`, area layers (.geojson, .zip, .txt) through `solutions import-areas`.
BROKEN: dict[str, str] = {
    # -- observations: decoding and table shape
    "empty.csv": "the file is empty",
    "blank_lines_only.csv": "the file is empty",
    "header_only.csv": "no data rows under the header",
    "hxl_row_only.csv": "no data rows under the header",
    "undecodable_bytes.csv": "undecodable bytes: not UTF-8 (row 3, byte 136)",
    "binary_not_text.csv": "binary data, not text",
    "unterminated_quote.csv": "row 3: a quoted cell is never closed (unterminated quote)",
    "wrong_column_count.csv": "row 4: 7 cells where the header has 6",
    "no_area_column.csv": "not a recognised observation file",
    "unsupported_type.ods": "unsupported file type '.ods'",
    # -- observations: rows
    "unknown_indicator.csv": "row 3, column indicator: unknown indicator 'violence_12months'",
    "non_numeric_value.csv": "row 3, column value: 'twenty' is not a number",
    "negative_value.csv": "row 2, column value: -120 is negative: a count cannot be",
    "negative_minutes.csv": "row 3, column value: -15 is negative, below the scale",
    "percent_above_100.csv": "row 3, column value: 140 is outside 0-100 for a percentage",
    "unknown_group.csv": "row 2, column group: unknown group 'refugee'",
    "impossible_date.csv": "row 2, column round: '2024-02-30' is not a date",
    "round_not_a_date.csv": "row 3, column round: 'spring 2024' is not a date",
    "conflicting_duplicates.csv": (
        "row 2, column value: conflicting values for ZZ01001 / 2024-03-01 / idp / "
        "violence_12m in rows 2, 4"
    ),
    "empty_pcode.csv": "row 3, column area_pcode: empty P-code",
    "empty_value.csv": "row 2, column value: empty value",
    "infinite_value.csv": "row 2, column value: not a finite number",
    "non_numeric_n.csv": "row 2, column n: 'eighty' is not a number",
    "negative_n.csv": "row 2, column n: -80 is negative",
    "unknown_area.csv": "'ZZ09009' (column area_pcode, rows 3)",
    "names_without_codes.csv": "names areas but gives no P-codes",
    # -- observations: personal data (DESIGN 8)
    "personal_names.csv": "column 'respondent_name' looks like person names",
    "phone_numbers.csv": "column 'contact' looks like phone numbers",
    "household_gps.csv": "column 'latitude' looks like household GPS points",
    "national_ids.csv": "column 'National ID' looks like ID numbers",
    "email_addresses.csv": "column 'focal_point' looks like e-mail addresses",
    "hxl_gps_tags.csv": "column 'lat_dd' looks like household GPS points",
    # -- observations: HXL, DTM, COD-PS shapes
    "hxl_no_area_tag.csv": "HXL tag row without an area column",
    "hxl_no_date_tag.csv": "HXL tag row without a date column",
    "hxl_no_value_tags.csv": "HXL tags give no values",
    "dtm_other_country.csv": "no rows for this workspace's country (ZZ); the file covers SDN",
    "dtm_no_admin_columns.csv": "DTM data without admin1Pcode/admin2Pcode",
    "dtm_unknown_area.csv": "'ZZ01099' (column admin2Pcode, rows 4)",
    "dtm_bad_figure.csv": "row 4, column numPresentIdpInd: 'about 300' is not a number",
    "hxl_bad_value.csv": "row 4, column value: '20%%' is not a number",
    "population_without_date.csv": "a COD-PS population table has no date; give it with --round",
    "truncated.json": "not valid JSON at line 4, column 92",
    "failed_api_response.json": (
        "a failed DTM API response (Unauthorized: invalid or expired subscription key)"
    ),
    "empty_api_result.json": "the DTM response holds no records",
    "json_not_dtm.json": "JSON is not a DTM API response",
    "dtm_missing_figures.json": "DTM records need numPresentIdpInd and reportingDate",
    # -- observations: workbooks
    "corrupt.xlsx": "not a valid XLSX workbook",
    "zip_not_workbook.xlsx": "not a readable XLSX workbook",
    "not_a_table.xlsx": "not a recognised observation file",
    "xlsx_bad_value.xlsx": "row 3, column value: 'n/a' is not a number",
    # -- area layers
    "points_not_polygons.geojson": "2 feature(s) that are not polygons: ZZ01001 (Point)",
    "line_among_polygons.geojson": "1 feature(s) that are not polygons: ZZ01002 (LineString)",
    "duplicate_pcodes.geojson": "column 'adm2_pcode' has duplicate P-codes: ZZ01001",
    "empty_pcode.geojson": "column 'adm2_pcode' is empty in 2 row(s): rows 2, 3",
    "orphan_parent.geojson": "level 2 area ZZ02002: parent ZZ09 is not among the level 1 areas",
    "projected_no_crs.geojson": "(x 833978 to 1.05681e+06, y 0 to 110597) are not longitude",
    "empty_geometry.geojson": "column 'geometry' is empty for 1 area(s): ZZ01002",
    "collapsed_geometry.geojson": "column 'geometry' of ZZ01002 has no polygon left after repair",
    "no_code_column.geojson": "no P-code column recognised",
    "no_features.geojson": "the layer holds no features",
    "truncated.geojson": "cannot be read as a GeoJSON",
    "not_geometry.txt": "cannot be read as a GeoJSON",
    "code_at_two_levels.geojson": "P-codes used at two admin levels: ZZ01",
    "drops_observed_areas.geojson": "drops 1 area(s) that have observations: ZZ01001",
    "zip_slip.zip": "unsafe path in zip: ../evil.cpg",
    "zip_absolute_path.zip": "unsafe path in zip: /tmp/evil.cpg",
    "zip_bomb.zip": "refused as a zip bomb: zz_adm2.shp inflate more than 200:1",
    "zip_bomb_claimed_size.zip": "refused as a zip bomb: members inflate to 3.8 GB",
    "zip_without_layer.zip": "the zip holds no shapefile, GeoPackage or GeoJSON",
    "corrupt_zip.zip": "not a readable zip file",
}
AREA_SUFFIXES = (".geojson", ".zip", ".txt")
#: Faults that only show against a workspace (its areas, hierarchy or observations);
#: `validate` has no workspace and rightly passes them.
NEEDS_WORKSPACE = {
    "unknown_area.csv",
    "dtm_other_country.csv",
    "dtm_unknown_area.csv",
    "orphan_parent.geojson",
    "code_at_two_levels.geojson",
    "drops_observed_areas.geojson",
}
#: `validate` reads .txt as an observation table (area layers are .geojson, .gpkg, ...).
VALIDATE_FRAGMENT = {"not_geometry.txt": "not a recognised observation file"}

BASELINE = """\
area_pcode,round,group,indicator,value,n
ZZ01001,2024-01,idp,violence_12m,20,80
ZZ01001,2024-01,host,violence_12m,10,90
ZZ01001,2024-01,,idps_present,1200,
ZZ02001,2024-01,,idps_present,300,
"""


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def built_workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("broken")
    workspace = root / "ws"
    adm1, adm2 = FIXTURES / "zz_adm1_current.geojson", FIXTURES / "zz_adm2_current.geojson"
    assert run("import-areas", workspace, adm1, adm2) == 0
    baseline = root / "baseline.csv"
    baseline.write_text(BASELINE, encoding="utf-8")
    assert run("import", workspace, baseline) == 0
    return workspace


@pytest.fixture
def workspace(built_workspace, tmp_path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(built_workspace, copy)
    return copy


def _command(name: str) -> str:
    return "import-areas" if name.endswith(AREA_SUFFIXES) else "import"


def test_the_corpus_is_complete():
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".py"}
    assert on_disk == set(BROKEN), "every corpus file needs an expected fragment, and back"
    assert len(BROKEN) >= 30


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_refused_and_the_workspace_unchanged(name, workspace, capsys):
    path = CORPUS / name
    before = snapshot(workspace)
    capsys.readouterr()

    status = run(_command(name), workspace, path)

    captured = capsys.readouterr()
    assert status == 1, captured.out
    assert str(path) in captured.err, captured.err
    assert BROKEN[name] in captured.err, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert snapshot(workspace) == before
    leftovers = [p.name for p in workspace.iterdir() if p.name == ".staging"]
    assert leftovers == [], "a failed import leaves no staging folder behind"


@pytest.mark.parametrize("name", sorted(set(BROKEN) - NEEDS_WORKSPACE))
def test_validate_refuses_and_writes_nothing(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = CORPUS / name
    corpus_before = snapshot(CORPUS)
    capsys.readouterr()

    status = run("validate", path)

    captured = capsys.readouterr()
    assert status == 1, captured.out
    assert str(path) in captured.err
    assert VALIDATE_FRAGMENT.get(name, BROKEN[name]) in captured.err, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert snapshot(CORPUS) == corpus_before
    assert list(tmp_path.iterdir()) == []


def test_names_without_codes_import_with_match_names(workspace, capsys):
    """The one corpus file that is only broken without its option."""
    assert run("import", workspace, CORPUS / "names_without_codes.csv", "--match-names") == 0
    out = capsys.readouterr().out
    assert "2 area name(s) matched exactly" in out
    assert "'Alpha' -> ZZ01001" in out and "'Bravo' -> ZZ01002" in out


def test_skip_unknown_keeps_the_rejected_row(workspace, capsys):
    assert run("import", workspace, CORPUS / "unknown_area.csv", "--skip-unknown") == 0
    assert "1 rows imported" in capsys.readouterr().out
    (rejects,) = (workspace / "rejects").glob("*.csv")
    assert "ZZ09009" in rejects.read_text()


@pytest.mark.parametrize(
    "name", sorted(n for n in set(BROKEN) - NEEDS_WORKSPACE if n.endswith(AREA_SUFFIXES))
)
def test_broken_layer_creates_no_new_workspace(name, tmp_path, capsys):
    workspace = tmp_path / "new"
    assert run("import-areas", workspace, CORPUS / name) == 1
    assert str(CORPUS / name) in capsys.readouterr().err
    assert not workspace.exists()
    assert list(tmp_path.iterdir()) == []  # the lock lived inside it and went with it
