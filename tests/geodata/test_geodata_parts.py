"""Boundaries as published (issue 9 item 4): an area stored in parts is one area; one
code with two names is refused naming both; overlaps are warned with the pairs; a parent
can be derived from geometry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from geodata import AreaError, read_area_layer
from geodata.parts import parents_from_geometry


def _square(x: float, y: float, size: float = 1.0) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _layer(path: Path, features: list[tuple[dict, dict | None]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": p, "geometry": g} for p, g in features
                ],
            }
        )
    )
    return path


def test_features_sharing_code_and_name_are_dissolved_into_one_area(tmp_path):
    path = _layer(
        tmp_path / "islands.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "Isles"}, _square(0, 0)),
            ({"adm1_pcode": "AB02", "adm1_name": "Main"}, _square(3, 0)),
            ({"adm1_pcode": "AB01", "adm1_name": "Isles"}, _square(1.5, 0)),
        ],
    )
    areas = read_area_layer(path)
    assert areas["pcode"].tolist() == ["AB01", "AB02"]
    isles = areas.geometry.iloc[0]
    assert isles.geom_type == "MultiPolygon" and len(isles.geoms) == 2
    assert isles.area == pytest.approx(2.0)
    assert any("AB01 'Isles' (2 parts)" in n for n in areas.attrs["notes"])


def test_one_code_with_two_names_is_refused_with_both(tmp_path):
    path = _layer(
        tmp_path / "clash.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "East"}, _square(0, 0)),
            ({"adm1_pcode": "AB01", "adm1_name": "West"}, _square(2, 0)),
        ],
    )
    with pytest.raises(AreaError) as caught:
        read_area_layer(path)
    assert "AB01 ('East' / 'West')" in str(caught.value) and str(path) in str(caught.value)


def test_overlaps_above_a_sliver_are_warned_with_the_pairs(tmp_path):
    path = _layer(
        tmp_path / "overlap.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "A"}, _square(0, 0)),
            ({"adm1_pcode": "AB02", "adm1_name": "B"}, _square(0.5, 0)),  # half of A
            ({"adm1_pcode": "AB03", "adm1_name": "C"}, _square(1.999, 5)),  # apart
            ({"adm1_pcode": "AB04", "adm1_name": "D"}, _square(2.995, 5)),  # 0.5 % sliver
        ],
    )
    notes = " ".join(read_area_layer(path).attrs["notes"])
    assert "1 pair(s) of areas overlap" in notes
    assert "AB01 and AB02 (50% of the smaller)" in notes and "AB03" not in notes


def test_an_empty_geometry_has_its_own_message(tmp_path):
    path = _layer(
        tmp_path / "empty.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "A"}, _square(0, 0)),
            ({"adm1_pcode": "AB01", "adm1_name": "A"}, None),
        ],
    )
    with pytest.raises(AreaError, match="column 'geometry' is empty for 1 area"):
        read_area_layer(path)


def test_parents_from_geometry(tmp_path):
    regions = read_area_layer(
        _layer(
            tmp_path / "r.geojson",
            [
                ({"adm1_pcode": "AB01", "adm1_name": "West"}, _square(0, 0, 2)),
                ({"adm1_pcode": "AB02", "adm1_name": "East"}, _square(2, 0, 2)),
            ],
        )
    )
    districts = read_area_layer(
        _layer(
            tmp_path / "d.geojson",
            [
                ({"code": "D1", "label": "a"}, _square(0.2, 0.2)),
                ({"code": "D2", "label": "b"}, _square(2.5, 0.5)),
                ({"code": "D3", "label": "c"}, _square(1.5, 0.5)),  # half in each, say so
                ({"code": "D4", "label": "d"}, _square(9, 9)),
            ],
        ),
        level=2,
        code_column="code",
        name_column="label",
    )
    codes, notes = parents_from_geometry(districts, regions)
    assert codes[:2] == ["AB01", "AB02"] and codes[2] in ("AB01", "AB02") and codes[3] is None
    assert any("D3" in n and "straddle" in n for n in notes)
    assert any("D4" in n and "outside" in n for n in notes)
    assert shapely.is_valid(districts.geometry.values).all()


def test_import_areas_with_parent_from_geometry(tmp_path, capsys):
    from dashboard.cli import main
    from workspace.store import Workspace

    regions = _layer(
        tmp_path / "r.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "West"}, _square(0, 0, 2)),
            ({"adm1_pcode": "AB02", "adm1_name": "East"}, _square(2, 0, 2)),
        ],
    )
    districts = _layer(
        tmp_path / "d.geojson",
        [
            ({"code": "AB01001", "label": "a"}, _square(0.2, 0.2)),
            ({"code": "AB02001", "label": "b"}, _square(2.5, 0.5)),
        ],
    )
    workspace = tmp_path / "ws"
    assert main(["import-areas", str(workspace), str(regions)]) == 0
    args = ["--level", "2", "--code-column", "code", "--name-column", "label"]
    assert (
        main(["import-areas", str(workspace), str(districts), *args, "--parent-from-geometry"]) == 0
    )
    areas = Workspace(workspace).areas()
    parent = dict(zip(areas["pcode"], areas["parent_pcode"], strict=True))
    assert parent["AB01001"] == "AB01" and parent["AB02001"] == "AB02"
    assert "parents derived from geometry" in capsys.readouterr().out
