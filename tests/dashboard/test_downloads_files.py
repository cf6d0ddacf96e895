"""Exports people can use (issue 12, DESIGN 3.1 and 8): `solutions export` to GeoPackage,
GeoJSON and CSV with a metadata sidecar, the Excel workbook and the zip of the Priorities
page, HXL tags of the standard, formulas neutralised everywhere, the workspace untouched
(dashboard.export, dashboard.briefing.exports)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely

from dashboard.briefing.downloads import priorities_csv
from dashboard.briefing.exports import priorities_export
from dashboard.cli import main
from dashboard.export import GEO_COLUMNS, write_export
from tests.dashboard.conftest import HOSTILE, SMALL_AREA
from tests.helpers import LATEST, read_export, snapshot, view

#: The hashtags of the HXL 1.1 core dictionary (hxlstandard.org/standard/1-1final/
#: dictionary). Attributes are free, within the syntax (tagging conventions, 4.2).
HXL_HASHTAGS = {
    "#access", "#activity", "#adm1", "#adm2", "#adm3", "#adm4", "#adm5", "#affected",
    "#beneficiary", "#capacity", "#cause", "#channel", "#contact", "#country", "#crisis",
    "#currency", "#date", "#delivery", "#description", "#event", "#frequency", "#geo",
    "#group", "#impact", "#indicator", "#inneed", "#item", "#loc", "#meta", "#modality",
    "#need", "#operations", "#org", "#output", "#population", "#reached", "#region",
    "#respondee", "#sector", "#service", "#severity", "#status", "#subsector", "#targeted",
    "#value",
}  # fmt: skip
_TAG = re.compile(r"^(#[a-z][a-z0-9_]*)((\+[a-z][a-z0-9_]*)*)$")
_FORMULA = ("=", "+", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff20")


def _hashtag(tag: str) -> str:
    match = _TAG.match(tag)
    assert match, f"{tag!r} is not HXL tag syntax"
    return match.group(1)


def _safe(text: object) -> None:
    """A text cell a spreadsheet will not run."""
    if isinstance(text, str) and text:
        assert not text.startswith(_FORMULA), text
        if text.startswith(("-", "\uff0d")):
            float(text)


@pytest.mark.parametrize(("level", "parent"), [(2, "#adm1"), (1, "#country")])
def test_csv_tags_are_hxl_standard_hashtags(demo_app_context, level, parent):
    rows = read_export(priorities_csv(demo_app_context, view(level=level)))
    tags = rows[1]
    assert {_hashtag(t) for t in tags} <= HXL_HASHTAGS
    assert tags[:4] == [
        f"#adm{level}+code",
        f"#adm{level}+name",
        f"{parent}+code",
        f"{parent}+name",
    ]
    # A re-import must not take a score or a criterion for an indicator observation.
    assert not [t for t in tags if t.startswith("#indicator") and "+code" in t]


def test_the_csv_reimports_as_idps_present_only(demo_app_context, tmp_path, monkeypatch):
    """The product re-imports what it exports: the HXL reader takes the IDP counts of the
    Priorities CSV and XLSX, and nothing of the scores."""
    from workspace import readers

    # DESIGN 8: "#adm2+name is an area name": the tag says what the `name` column is.
    export = priorities_export(demo_app_context, view())
    (tmp_path / "p.csv").write_bytes(export.csv())
    (tmp_path / "p.xlsx").write_bytes(export.xlsx())
    expected = {
        r["pcode"]: r["idps_present"] for r in export.rows.to_dict("records") if r["idps_present"]
    }
    for name in ("p.csv", "p.xlsx"):
        table = readers.read_source(tmp_path / name).frame
        assert set(table["indicator"]) == {"idps_present"}, name
        assert set(table["round"]) == {LATEST}
        got = dict(zip(table["area_pcode"], table["value"].astype(float), strict=True))
        assert got == expected, name


def test_workbook_has_data_then_metadata_naming_the_same_columns(hostile_context):
    export = priorities_export(hostile_context, view(), data_file="p.csv")
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx()))
    assert book.sheetnames == ["Data", "Metadata"]
    data = [list(r) for r in book["Data"].iter_rows(values_only=True)]
    csv_rows = read_export(export.csv())
    assert data[0] == csv_rows[0] and data[1] == csv_rows[1]
    assert len(data) == len(csv_rows)
    score = csv_rows[0].index("score")
    for line, cells in zip(csv_rows[2:], data[2:], strict=True):
        assert cells[0] == line[0]
        assert (cells[score] or "") == (float(line[score]) if line[score] else "")
    meta = [[v for v in r if v is not None] for r in book["Metadata"].iter_rows(values_only=True)]
    assert meta[0] == ["key", "value"]
    keys = {row[0] for row in meta[1:] if row and row[0]}
    assert {"framework_version", "date_made", "sources", "rounds", "suppression_rule"} <= keys
    at = meta.index(["column", "hxl", "description"])
    assert [row[0] for row in meta[at + 1 :]] == csv_rows[0]
    assert [row[1] for row in meta[at + 1 :]] == csv_rows[1]
    # No cell of either sheet is a formula.
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                _safe(cell.value)


def test_every_export_neutralises_formulas(hostile_context, tmp_path):
    state = view()
    written = {}
    for name in ("p.gpkg", "p.geojson", "p.csv"):
        write_export(hostile_context, state, tmp_path / name)
        written[name] = tmp_path / name
    texts: list = []
    for name in ("p.gpkg", "p.geojson"):
        frame = pyogrio.read_dataframe(written[name])
        for column in frame.columns.drop("geometry"):
            if frame[column].dtype.kind not in "fiub":
                texts += [v for v in frame[column].tolist() if isinstance(v, str)]
        assert '\'=HYPERLINK("http://x")' in set(frame["name"])
    for row in read_export(written["p.csv"].read_bytes()):
        texts += row
    archive = zipfile.ZipFile(
        io.BytesIO(priorities_export(hostile_context, state, data_file="p.csv").zip())
    )
    for row in read_export(archive.read("p.csv")):
        texts += row
    assert len(texts) > 1000
    for text in texts:
        _safe(text)
    assert all(h not in texts for h in HOSTILE.values() if h[0] in "=+@\t")


def test_geopackage_and_geojson_agree_with_the_csv_row_for_row(demo_app_context, tmp_path):
    state = view()
    write_export(demo_app_context, state, tmp_path / "p.csv")
    rows = read_export((tmp_path / "p.csv").read_bytes())
    header, lines = rows[0], rows[2:]
    assert rows == read_export(priorities_csv(demo_app_context, state))
    areas = demo_app_context.workspace.areas().set_index("pcode")
    criteria = demo_app_context.framework.criterion_codes
    for name in ("p.gpkg", "p.geojson"):
        count, sidecar = write_export(demo_app_context, state, tmp_path / name)
        assert count == len(lines) == 150
        frame = pyogrio.read_dataframe(tmp_path / name)
        assert len(frame) == len(lines)
        expected_columns = [*GEO_COLUMNS[:10], *(f"{c}_score" for c in criteria), *GEO_COLUMNS[10:]]
        assert list(frame.columns.drop("geometry")) == expected_columns
        for line, feature in zip(lines, frame.to_dict("records"), strict=True):
            cells = dict(zip(header, line, strict=True))
            for column in GEO_COLUMNS:
                value, cell = feature[column], cells[column]
                if column == "round":
                    assert str(value)[:10] == cell
                elif column in ("low_reliability", "suppressed"):
                    assert ("yes" if value else "no") == cell or (cell == "" and not value)
                elif isinstance(value, str):
                    assert value == cell, (column, value, cell)
                elif value is None or (isinstance(value, float) and np.isnan(value)):
                    assert cell == "", (column, cell)
                else:
                    assert float(value) == float(cell), (column, value, cell)
            # The weakest criterion's score is that criterion's column.
            weakest = cells["weakest_criterion"]
            if cells["weakest_criterion_score"]:
                assert feature[f"{weakest}_score"] == float(cells["weakest_criterion_score"])
        # The full-resolution boundary of the workspace, not the simplified display one.
        for feature in frame.head(5).itertuples():
            original = areas.loc[feature.pcode, "geometry"]
            assert feature.geometry.equals_exact(original, 1e-9)
        display = shapely.from_geojson(demo_app_context.geometry[2].decode())
        simplified = shapely.get_num_coordinates(display).sum()
        assert shapely.get_num_coordinates(frame.geometry.values).sum() > simplified
        metadata = json.loads(sidecar.read_text())
        assert sidecar.name == name.replace(".", "-metadata.", 1).rsplit(".", 1)[0] + ".json"
        assert [c["name"] for c in metadata["columns"]] == expected_columns
        assert metadata["data_file"] == name and metadata["framework_version"] == "2026.1"
        assert metadata["crs"] == "EPSG:4326"


def test_small_samples_are_withheld_unless_asked(hostile_context, tmp_path):
    write_export(hostile_context, view(), tmp_path / "w.gpkg")
    write_export(hostile_context, view(), tmp_path / "a.gpkg", withhold_small_samples=False)
    withheld = pyogrio.read_dataframe(tmp_path / "w.gpkg").set_index("pcode").loc[SMALL_AREA]
    given = pyogrio.read_dataframe(tmp_path / "a.gpkg").set_index("pcode").loc[SMALL_AREA]
    assert withheld["suppressed"] and np.isnan(withheld["score"])
    criteria = [f"{c}_score" for c in hostile_context.framework.criterion_codes]
    assert np.isnan(withheld[criteria].astype(float)).all()
    assert not given["suppressed"] and given["score"] > 0
    assert not np.isnan(given[criteria].astype(float)).all()
    sidecar = json.loads((tmp_path / "a-metadata.json").read_text())
    assert sidecar["small_samples_withheld"] is False
    assert json.loads((tmp_path / "w-metadata.json").read_text())["small_samples_withheld"]


# -- the command ----------------------------------------------------------------------------


def test_export_command_writes_each_format_and_leaves_the_workspace(
    demo_workspace, tmp_path, capsys
):
    before = snapshot(demo_workspace.path)
    out = tmp_path / "out"
    code = main(
        [
            "export",
            str(demo_workspace.path),
            "--out",
            str(out / "meridia.gpkg"),
            "--round",
            "2025-06",
            "--level",
            "1",
            "--benchmark",
            "absolute",
        ]
    )
    assert code == 0
    said = capsys.readouterr().out
    assert "12 areas at admin level 1, round 2025-06-01" in said and "meridia-metadata.json" in said
    frame = pyogrio.read_dataframe(out / "meridia.gpkg")
    assert len(frame) == 12 and set(frame["round"]) == {"2025-06-01"}
    assert set(frame["parent_pcode"]) == {"XM"}
    metadata = json.loads((out / "meridia-metadata.json").read_text())
    assert metadata["round"] == "2025-06-01" and metadata["admin_level"] == 1
    assert main(["export", str(demo_workspace.path), "--out", str(out / "m.csv")]) == 0
    rows = list(csv.reader(io.StringIO((out / "m.csv").read_text("utf-8-sig"))))
    assert rows[1][0] == "#adm2+code" and len(rows) == 152
    assert sorted(p.name for p in out.iterdir()) == [
        "m-metadata.json",
        "m.csv",
        "meridia-metadata.json",
        "meridia.gpkg",
    ]
    assert snapshot(demo_workspace.path) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--out", "x.shp"], "unknown export format '.shp'"),
        (["--out", "x"], "unknown export format '(no extension)'"),
        (["--out", "x.csv", "--round", "1999-01-01"], "round '1999-01-01' has no scores"),
        (["--out", "x.csv", "--round", "soon"], "rounds with scores: 2023-03-01"),
        (["--out", "x.gpkg", "--level", "7"], "admin level '7' has no scores; levels with"),
        (["--out", "x.gpkg", "--level", "two"], "admin level 'two' has no scores"),
        (["--out", "x.geojson", "--group", "refugee"], "group 'refugee' is not one of"),
        (["--out", "x.csv", "--lang", "xx"], "language 'xx' is not available"),
    ],
)
def test_export_command_refuses_bad_input_with_exit_1(
    demo_workspace, tmp_path, capsys, arguments, message
):
    before = snapshot(demo_workspace.path)
    arguments = [a if a != arguments[1] else str(tmp_path / a) for a in arguments]
    code = main(["export", str(demo_workspace.path), *arguments])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    assert snapshot(demo_workspace.path) == before


def test_export_is_never_written_into_the_workspace(demo_workspace, capsys):
    before = snapshot(demo_workspace.path)
    code = main(["export", str(demo_workspace.path), "--out", str(demo_workspace.path / "x.csv")])
    assert code == 1 and "never written inside the workspace" in capsys.readouterr().err
    assert snapshot(demo_workspace.path) == before


def test_export_keeps_each_data_file_its_own_metadata(demo_workspace, tmp_path, capsys):
    assert main(["export", str(demo_workspace.path), "--out", str(tmp_path / "m.csv")]) == 0
    code = main(["export", str(demo_workspace.path), "--out", str(tmp_path / "m.gpkg")])
    assert code == 1 and "holds the metadata of m.csv" in capsys.readouterr().err
    assert not (tmp_path / "m.gpkg").exists()
    assert json.loads((tmp_path / "m-metadata.json").read_text())["data_file"] == "m.csv"
    # The same file again replaces both, whole.
    assert main(["export", str(demo_workspace.path), "--out", str(tmp_path / "m.csv")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-metadata.json", "m.csv"]


def test_a_view_without_rows_exports_empty_files(demo_app_context, tmp_path):
    for name in ("e.gpkg", "e.geojson", "e.csv"):
        count, sidecar = write_export(demo_app_context, view(round="1999-01-01"), tmp_path / name)
        assert count == 0 and json.loads(sidecar.read_text())["data_file"] == name
    assert pyogrio.read_info(tmp_path / "e.gpkg")["features"] == 0
    assert len(read_export((tmp_path / "e.csv").read_bytes())) == 2
