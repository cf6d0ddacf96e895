"""Reading, checking and storing admin-area layers (geodata.areas)."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geodata import AreaError, check_hierarchy, load_areas, read_area_layer, write_areas

FIXTURES = Path(__file__).parent / "fixtures"
# the repository is checked out next to shared/ (CI and the shared machines)
DATA = Path(__file__).parents[2].parent / "shared" / "data"
IRAQ_ADM1 = DATA / "iraq" / "irq_admbnda_adm1_cso_20190603.geojson"
IRAQ_ADM2 = DATA / "iraq" / "irq_admbnda_adm2_cso_20190603.geojson"
NIGERIA_ADM2 = DATA / "nigeria" / "nga_admbnda_adm2_osgof_20190417.shp"
needs_real_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found at {DATA}")


def _expected_zz() -> gpd.GeoDataFrame:
    """The fixture districts in canonical form (same rings as the committed files)."""
    square = {
        "ZZ01001": (10, 0),
        "ZZ01002": (11, 0),
        "ZZ02001": (10, 1),
        "ZZ02002": (11, 1),
    }
    geoms = [
        shapely.Polygon([(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)])
        for x, y in square.values()
    ]
    geoms.append(
        shapely.MultiPolygon(
            [
                shapely.Polygon([(12, 0), (13, 0), (13, 2), (12, 2), (12, 1), (12, 0)]),
                shapely.Polygon([(13.25, 0.5), (13.75, 0.5), (13.75, 1.25), (13.25, 0.5)]),
            ]
        )
    )
    return gpd.GeoDataFrame(
        {
            "pcode": pd.Series([*square, "ZZ02003"], dtype="str"),
            "name": pd.Series(["Alpha", "Bravo", "Charlie", "Delta", "Echo Islands"], dtype="str"),
            "level": pd.Series([2] * 5, dtype="int64"),
            "parent_pcode": pd.Series(["ZZ01", "ZZ01", "ZZ02", "ZZ02", "ZZ02"], dtype="object"),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def _write_geojson(path: Path, features: list[tuple[dict, dict | None]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
        ],
    }
    path.write_text(json.dumps(collection))
    return path


def _square(x: float, y: float, size: float = 1.0) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


# -- the three COD-AB column generations -------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "older", "truncated"])
def test_reads_each_cod_ab_column_generation(generation):
    areas = read_area_layer(FIXTURES / f"zz_adm2_{generation}.geojson")
    assert list(areas.columns) == ["pcode", "name", "level", "parent_pcode", "geometry"]
    # codes with spaces around them (" ZZ01002 ", "ZZ02 ") come out stripped
    assert_geodataframe_equal(areas, _expected_zz(), check_crs=True)
    assert areas.attrs["notes"] == []


def test_parent_level_and_hierarchy_of_fixtures():
    adm1 = read_area_layer(FIXTURES / "zz_adm1_current.geojson")
    adm2 = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    assert adm1["level"].tolist() == [1, 1]
    assert adm1["parent_pcode"].tolist() == ["ZZ", "ZZ"]  # level 0 is not loaded: not checked
    assert check_hierarchy(pd.concat([adm1, adm2], ignore_index=True)) == []


def test_hierarchy_reports_unknown_and_missing_parents():
    adm1 = read_area_layer(FIXTURES / "zz_adm1_current.geojson")
    adm2 = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    adm2.loc[0, "parent_pcode"] = "ZZ09"
    adm2.loc[1, "parent_pcode"] = None
    problems = check_hierarchy(pd.concat([adm1, adm2], ignore_index=True))
    assert len(problems) == 2
    assert "ZZ01001" in problems[0] and "ZZ09" in problems[0]
    assert "ZZ01002" in problems[1] and "no parent" in problems[1]
    # without the parent level nothing can be checked
    assert check_hierarchy(adm2) == []


def test_explicit_columns_for_a_non_cod_file(tmp_path):
    path = _write_geojson(
        tmp_path / "custom.geojson",
        [
            ({"code": "C-1", "label": "One", "up": "P-1"}, _square(0, 0)),
            ({"code": "C-2", "label": "Two", "up": "P-1"}, _square(1, 0)),
        ],
    )
    with pytest.raises(AreaError, match=r"--level.*--code-column"):
        read_area_layer(path)
    areas = read_area_layer(
        path, level=3, code_column="code", name_column="label", parent_column="up"
    )
    assert areas["pcode"].tolist() == ["C-1", "C-2"]
    assert areas["name"].tolist() == ["One", "Two"]
    assert areas["level"].tolist() == [3, 3]
    assert areas["parent_pcode"].tolist() == ["P-1", "P-1"]


def test_level_given_picks_that_levels_columns():
    # level 1 of a district file: each region's districts share its code and name, so
    # they are its parts, dissolved into one area each, and said so (issue 9 item 4)
    dissolved = read_area_layer(FIXTURES / "zz_adm2_current.geojson", level=1)
    assert dissolved["pcode"].tolist() == ["ZZ01", "ZZ02"]
    assert any(
        "dissolved into one each" in n and "ZZ02 'South Zed' (3 parts)" in n
        for n in dissolved.attrs["notes"]
    )
    regions = read_area_layer(FIXTURES / "zz_adm1_current.geojson", level=1)
    assert regions["pcode"].tolist() == ["ZZ01", "ZZ02"]


def test_missing_name_column_falls_back_to_pcode(tmp_path):
    path = _write_geojson(tmp_path / "nonames.geojson", [({"adm1_pcode": "AB01"}, _square(0, 0))])
    areas = read_area_layer(path)
    assert areas["name"].tolist() == ["AB01"]
    assert any("no name column" in note for note in areas.attrs["notes"])


def test_name_preference_skips_empty_columns(tmp_path):
    path = _write_geojson(
        tmp_path / "names.geojson",
        [({"ADM1_PCODE": "AB01", "ADM1_EN": None, "ADM1_FR": "Nord"}, _square(0, 0))],
    )
    assert read_area_layer(path)["name"].tolist() == ["Nord"]


# -- CRS ----------------------------------------------------------------------------------


def test_projected_geopackage_is_reprojected(tmp_path):
    expected = _expected_zz()
    path = tmp_path / "projected.gpkg"
    raw = gpd.read_file(FIXTURES / "zz_adm2_current.geojson").to_crs("EPSG:32633")
    raw.to_file(path, engine="pyogrio")
    areas = read_area_layer(path)
    assert areas.crs.to_epsg() == 4326
    assert any("reprojected from EPSG:32633" in note for note in areas.attrs["notes"])
    assert areas["pcode"].tolist() == expected["pcode"].tolist()
    # a round trip through UTM moves coordinates by far less than a millimetre
    diff = shapely.symmetric_difference(areas.geometry.values, expected.geometry.values)
    assert (shapely.area(diff) < 1e-12).all()


def test_no_crs_with_lonlat_coordinates_is_assumed_wgs84(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    raw = gpd.read_file(FIXTURES / "zz_adm2_current.geojson")
    with pytest.warns(UserWarning, match="crs"):
        raw.set_crs(None, allow_override=True).to_file(path, engine="pyogrio")
    areas = read_area_layer(path)
    assert areas.crs.to_epsg() == 4326
    assert any("assumed EPSG:4326" in note for note in areas.attrs["notes"])


def test_no_crs_with_projected_coordinates_is_an_error(tmp_path):
    path = tmp_path / "nocrs_projected.gpkg"
    raw = gpd.read_file(FIXTURES / "zz_adm2_current.geojson").to_crs("EPSG:32633")
    with pytest.warns(UserWarning, match="crs"):
        raw.set_crs(None, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message
    assert "not longitude/latitude" in message and "EPSG:4326" in message


# -- geometry repair ----------------------------------------------------------------------


def test_invalid_geometry_is_repaired_and_reported(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    path = _write_geojson(
        tmp_path / "bowtie.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "Tie"}, bowtie),
            ({"adm1_pcode": "AB02", "adm1_name": "Box"}, _square(5, 5)),
        ],
    )
    areas = read_area_layer(path)
    geom = areas.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(2.0)
    assert areas.attrs["notes"] == [f"{path}: repaired 1 invalid geometry with make_valid (AB01)."]


# -- errors name the file, the column or row, and what to do ------------------------------


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(AreaError, match=r"nothere\.geojson: file not found"):
        read_area_layer(tmp_path / "nothere.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCol')
    with pytest.raises(AreaError, match=r"broken\.geojson: cannot be read"):
        read_area_layer(broken)


def test_duplicate_pcodes(tmp_path):
    path = _write_geojson(
        tmp_path / "dup.geojson",
        [
            ({"adm1_pcode": "AB01", "adm1_name": "A"}, _square(0, 0)),
            ({"adm1_pcode": "AB02", "adm1_name": "B"}, _square(1, 0)),
            ({"adm1_pcode": "AB01 ", "adm1_name": "C"}, _square(2, 0)),
        ],
    )
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message and "'adm1_pcode'" in message
    assert "duplicate P-codes: AB01." in message


def test_codes_unique_only_within_a_country_are_joined_on_request(tmp_path):
    # geoBoundaries reuses shapeID 0..3 in Kenya and in Uganda: refused as it stands
    # (two names under one code), read when the user joins the country column to it.
    features = [
        ({"iso3": "KEN", "shapeID": "0", "shapeName": "Bomet"}, _square(0, 0)),
        ({"iso3": "UGA", "shapeID": "0", "shapeName": "Northern Region"}, _square(1, 0)),
        ({"iso3": "UGA", "shapeID": "1", "shapeName": "Eastern Region"}, _square(2, 0)),
    ]
    path = _write_geojson(tmp_path / "gb.geojson", features)
    with pytest.raises(AreaError, match=r"--code-column iso3\+shapeID"):
        read_area_layer(path, level=1, code_column="shapeID", name_column="shapeName")
    frame = read_area_layer(path, level=1, code_column="iso3+shapeID", name_column="shapeName")
    assert sorted(frame["pcode"]) == ["KEN-0", "UGA-0", "UGA-1"]
    assert dict(zip(frame["pcode"], frame["name"], strict=True))["UGA-0"] == "Northern Region"
    assert any("joining columns 'iso3' and 'shapeID'" in n for n in frame.attrs["notes"])
    with pytest.raises(AreaError, match=r"shapeXX is not a column"):
        read_area_layer(path, level=1, code_column="iso3+shapeXX")


def test_empty_pcodes_name_the_rows(tmp_path):
    path = _write_geojson(
        tmp_path / "empty_code.geojson",
        [
            ({"adm1_pcode": "AB01"}, _square(0, 0)),
            ({"adm1_pcode": "  "}, _square(1, 0)),
            ({"adm1_pcode": None}, _square(2, 0)),
        ],
    )
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message and "'adm1_pcode'" in message
    assert "rows 2, 3" in message


def test_point_layer_is_refused(tmp_path):
    path = _write_geojson(
        tmp_path / "points.geojson",
        [
            ({"adm2_pcode": f"AB01{i:03d}"}, {"type": "Point", "coordinates": [i, 0]})
            for i in (1, 2)
        ],
    )
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message and "'geometry'" in message
    assert "AB01001 (Point)" in message and "not polygons" in message


def test_line_mixed_in_is_refused(tmp_path):
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    path = _write_geojson(
        tmp_path / "mixed.geojson",
        [({"adm1_pcode": "AB01"}, _square(0, 0)), ({"adm1_pcode": "AB02"}, line)],
    )
    with pytest.raises(AreaError, match=r"AB02 \(LineString\)"):
        read_area_layer(path)


def test_empty_geometry_is_refused(tmp_path):
    path = _write_geojson(
        tmp_path / "nogeom.geojson",
        [({"adm1_pcode": "AB01"}, _square(0, 0)), ({"adm1_pcode": "AB02"}, None)],
    )
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message and "'geometry' is empty" in message and "AB02" in message


def test_no_code_column_lists_columns_and_options(tmp_path):
    path = _write_geojson(
        tmp_path / "nocode.geojson", [({"district": "X", "population": 3}, _square(0, 0))]
    )
    with pytest.raises(AreaError) as err:
        read_area_layer(path)
    message = str(err.value)
    assert str(path) in message
    assert "district, population" in message
    assert "--level" in message and "--code-column" in message and "--name-column" in message


def test_named_column_not_in_file(tmp_path):
    with pytest.raises(AreaError, match=r"name column 'label' is not in the file.*adm2_pcode"):
        read_area_layer(FIXTURES / "zz_adm2_current.geojson", name_column="label")


def test_geopackage_with_several_layers_needs_a_layer_name(tmp_path):
    path = tmp_path / "two.gpkg"
    raw = gpd.read_file(FIXTURES / "zz_adm2_current.geojson")
    raw.to_file(path, layer="first", engine="pyogrio")
    raw.to_file(path, layer="second", engine="pyogrio")
    with pytest.raises(AreaError, match=r"two\.gpkg: holds 2 layers \(first, second\)"):
        read_area_layer(path)
    assert len(read_area_layer(path, layer="second")) == 5


# -- storage ------------------------------------------------------------------------------


def _all_fixture_levels() -> gpd.GeoDataFrame:
    adm1 = read_area_layer(FIXTURES / "zz_adm1_current.geojson")
    adm2 = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    return pd.concat([adm2, adm1], ignore_index=True)  # deliberately not in canonical order


def test_write_and_load_round_trip_is_exact(tmp_path):
    areas = _all_fixture_levels()
    path = tmp_path / "ws" / "areas.gpkg"
    write_areas(areas, path)
    loaded = load_areas(path)
    expected = areas.sort_values(["level", "pcode"]).reset_index(drop=True)
    assert_geodataframe_equal(loaded, expected, check_crs=True)
    assert loaded.crs.to_epsg() == 4326
    # a Polygon stays a Polygon next to a MultiPolygon (no promotion to multi)
    assert set(loaded.geom_type) == {"Polygon", "MultiPolygon"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["areas.gpkg"]  # no temp files


def test_write_replaces_the_file_and_failure_leaves_it(tmp_path, monkeypatch):
    areas = _all_fixture_levels()
    path = tmp_path / "areas.gpkg"
    write_areas(areas, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", fail)
    with pytest.raises(OSError, match="disk full"):
        write_areas(areas[areas["level"] == 2], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.gpkg"]
    monkeypatch.undo()

    write_areas(areas[areas["level"] == 2], path)
    assert load_areas(path)["level"].unique().tolist() == [2]


def test_write_refuses_a_non_canonical_frame(tmp_path):
    areas = _all_fixture_levels()
    with pytest.raises(ValueError, match="parent_pcode"):
        write_areas(areas.drop(columns="parent_pcode"), tmp_path / "a.gpkg")
    with pytest.raises(ValueError, match="duplicate"):
        write_areas(pd.concat([areas, areas.iloc[:1]]), tmp_path / "a.gpkg")
    assert not (tmp_path / "a.gpkg").exists()


def test_load_missing_file(tmp_path):
    with pytest.raises(AreaError, match="file not found"):
        load_areas(tmp_path / "none.gpkg")


# -- real files ---------------------------------------------------------------------------


@needs_real_data
def test_iraq_cod_ab():
    adm1 = read_area_layer(IRAQ_ADM1)
    adm2 = read_area_layer(IRAQ_ADM2)
    assert len(adm1) == 18 and len(adm2) == 101
    assert (adm1["level"] == 1).all() and (adm2["level"] == 2).all()
    assert adm1["parent_pcode"].eq("IQ").all()
    row = adm2.set_index("pcode").loc["IQG02Q01"]
    assert row["name"] == "Abu Al-Khaseeb" and row["parent_pcode"] == "IQG02"
    assert adm2["parent_pcode"].str.fullmatch(r"IQG\d\d").all()
    both = pd.concat([adm1, adm2], ignore_index=True)
    assert check_hierarchy(both) == []
    assert adm2.crs.to_epsg() == 4326 and adm2.is_valid.all()


@needs_real_data
def test_iraq_round_trip(tmp_path):
    both = pd.concat([read_area_layer(IRAQ_ADM2), read_area_layer(IRAQ_ADM1)], ignore_index=True)
    write_areas(both, tmp_path / "areas.gpkg")
    expected = both.sort_values(["level", "pcode"]).reset_index(drop=True)
    assert_geodataframe_equal(load_areas(tmp_path / "areas.gpkg"), expected, check_crs=True)


@needs_real_data
def test_nigeria_shapefile():
    adm2 = read_area_layer(NIGERIA_ADM2)
    assert len(adm2) == 774
    assert (adm2["level"] == 2).all()
    assert adm2.set_index("pcode").loc["NG009005", "name"] == "Bakassi"
    assert adm2["parent_pcode"].str.fullmatch(r"NG\d{3}").all()
    assert set(adm2.geom_type) == {"Polygon", "MultiPolygon"}


def test_geodata_imports_neither_dash_nor_indicators():
    code = (
        "import sys, geodata, geodata.demo, geodata.display; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'indicators')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
