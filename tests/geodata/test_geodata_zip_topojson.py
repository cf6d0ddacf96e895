"""Zipped shapefiles (checked before reading, read in place) and TopoJSON layers."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from dashboard.cli import main
from geodata import AreaError, read_area_layer

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "broken"
TOPOJSON = FIXTURES / "zz_adm1.topojson"


def _shapefile_members(folder: Path) -> dict[str, bytes]:
    layer = gpd.read_file(FIXTURES / "zz_adm2_current.geojson", engine="pyogrio")
    layer.to_file(folder / "zz_adm2.shp", engine="pyogrio")
    return {p.name: p.read_bytes() for p in sorted(folder.glob("zz_adm2.*"))}


@pytest.fixture
def members(tmp_path) -> dict[str, bytes]:
    folder = tmp_path / "shp"
    folder.mkdir()
    return _shapefile_members(folder)


def _zip(path: Path, members: dict[str, bytes], level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- zipped shapefiles ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "zz_adm2/", "cod-ab/zz/"])
def test_zipped_shapefile_reads_like_the_geojson(tmp_path, members, prefix):
    archive = _zip(tmp_path / "zz_adm2.zip", {prefix + n: d for n, d in members.items()})
    before = _listing(tmp_path)
    areas = read_area_layer(archive)
    expected = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    assert areas["pcode"].tolist() == expected["pcode"].tolist()
    assert areas["parent_pcode"].tolist() == expected["parent_pcode"].tolist()
    assert shapely.equals(areas.geometry.values, expected.geometry.values).all()
    assert _listing(tmp_path) == before, "read in place: nothing is extracted"


@pytest.mark.parametrize(
    "name", ["../evil", "../../etc/evil", "zz/../../evil", "/tmp/evil", "C:/evil", "..\\evil"]
)
def test_unsafe_member_paths_are_refused(tmp_path, members, name):
    archive = _zip(tmp_path / "slip.zip", {name + Path(n).suffix: d for n, d in members.items()})
    with pytest.raises(AreaError, match=r"slip\.zip: unsafe path in zip"):
        read_area_layer(archive)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb_by_ratio_is_refused(tmp_path, members):
    bomb = dict(members)
    bomb["zz_adm2.shp"] = bytes(20 * 2**20)  # 20 MiB of zeros, about 20 KB packed
    archive = _zip(tmp_path / "bomb.zip", bomb, level=9)
    assert archive.stat().st_size < 100_000
    with pytest.raises(AreaError, match=r"bomb\.zip: refused as a zip bomb: zz_adm2\.shp"):
        read_area_layer(archive)


def test_many_small_members_that_inflate_together_are_refused(tmp_path, members):
    padding = {f"padding/{i:03d}.txt": bytes(2**20 - 1) for i in range(40)}
    archive = _zip(tmp_path / "spread.zip", {**members, **padding}, level=9)
    with pytest.raises(AreaError, match=r"refused as a zip bomb: its members inflate"):
        read_area_layer(archive)


def test_zip_bomb_claimed_size_is_refused():
    with pytest.raises(AreaError, match=r"members inflate to 3\.8 GB, more than 2 GB"):
        read_area_layer(CORPUS / "zip_bomb_claimed_size.zip")


def test_an_ordinary_compressible_dbf_is_not_a_bomb(tmp_path, members):
    """Small members compress well (a .dbf of blank padding) and are still read."""
    padded = dict(members)
    padded["readme.txt"] = b" " * 500_000
    areas = read_area_layer(_zip(tmp_path / "padded.zip", padded, level=9))
    assert len(areas) == 5


def test_zip_without_a_layer_or_with_scattered_layers(tmp_path, members):
    with pytest.raises(AreaError, match=r"holds no shapefile"):
        read_area_layer(_zip(tmp_path / "none.zip", {"readme.txt": b"later"}))
    scattered = {f"a/{n}": d for n, d in members.items()} | {
        f"b/{n}": d for n, d in members.items()
    }
    with pytest.raises(AreaError, match=r"layers in several folders"):
        read_area_layer(_zip(tmp_path / "scattered.zip", scattered))


def test_zip_with_two_shapefiles_asks_for_one(tmp_path, members):
    two = members | {n.replace("adm2", "adm2_copy"): d for n, d in members.items()}
    with pytest.raises(AreaError, match=r"holds 2 layers"):
        read_area_layer(_zip(tmp_path / "two.zip", two))


def test_not_a_zip(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    with pytest.raises(AreaError, match=r"fake\.zip: not a readable zip file"):
        read_area_layer(fake)


# -- TopoJSON ------------------------------------------------------------------------------


def test_topojson_is_read_as_lonlat_and_says_so():
    areas = read_area_layer(TOPOJSON)
    expected = read_area_layer(FIXTURES / "zz_adm1_current.geojson")
    assert areas.crs.to_epsg() == 4326
    assert areas["pcode"].tolist() == ["ZZ01", "ZZ02"]
    assert areas["name"].tolist() == ["North Zed", "South Zed"]
    assert areas["level"].tolist() == [1, 1]
    # quantised arcs decode to the same polygons as the GeoJSON fixture
    assert shapely.equals(areas.geometry.values, expected.geometry.values).all()
    assert areas.attrs["notes"] == [
        f"{TOPOJSON}: TopoJSON states no coordinate reference system; taken as EPSG:4326 (lon/lat)."
    ]


def test_topojson_with_a_json_suffix(tmp_path):
    copy = tmp_path / "zz_adm1.json"
    copy.write_bytes(TOPOJSON.read_bytes())
    assert any("TopoJSON states no" in n for n in read_area_layer(copy).attrs["notes"])


def test_projected_topojson_is_refused(tmp_path):
    topology = json.loads(TOPOJSON.read_text())
    topology["transform"] = {"scale": [100, 100], "translate": [833_978, 0]}
    path = tmp_path / "projected.topojson"
    path.write_text(json.dumps(topology))
    with pytest.raises(AreaError, match=r"projected\.topojson: .*not longitude/latitude"):
        read_area_layer(path)


def test_topojson_through_the_command_line(tmp_path, capsys):
    workspace = tmp_path / "ws"
    assert main(["import-areas", str(workspace), str(TOPOJSON)]) == 0
    out = capsys.readouterr().out
    assert "2 areas at admin level 1" in out and "TopoJSON states no" in out
    assert main(["validate", str(TOPOJSON)]) == 0
    assert "2 areas at level 1, valid" in capsys.readouterr().out


# -- GeoJSON that says nothing of its CRS --------------------------------------------------


def test_geojson_in_metres_without_crs_is_refused(tmp_path):
    layer = gpd.read_file(FIXTURES / "zz_adm2_current.geojson").to_crs("EPSG:32633")
    path = tmp_path / "metres.geojson"
    collection = json.loads(layer.to_json(drop_id=True))
    collection.pop("crs", None)
    path.write_text(json.dumps(collection))
    with pytest.raises(AreaError, match=r"metres\.geojson: the coordinates .* not longitude"):
        read_area_layer(path)
