"""Display geometry for the browser (geodata.display)."""

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from geodata import display_geojson, display_geojson_bytes, read_area_layer
from geodata.borders import clean_group, neighbour_groups
from geodata.demo import demo_areas
from geodata.display import (
    MAX_AREA_CHANGE,
    country_keys,
    default_tolerance,
    display_report,
    simplify_by_country,
    simplify_country,
)

FIXTURES = Path(__file__).parent / "fixtures"
DATA = Path(__file__).parents[2].parent / "shared" / "data"
IRAQ_ADM2 = DATA / "iraq" / "irq_admbnda_adm2_cso_20190603.geojson"
NIGERIA_ADM2 = DATA / "nigeria" / "nga_admbnda_adm2_osgof_20190417.shp"
needs_real_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found at {DATA}")

BUDGET_774 = 300 * 1024  # DESIGN 7: the 774 Nigeria LGAs under 300 KB raw


def _compact_size(collection: dict) -> int:
    return len(json.dumps(collection, separators=(",", ":")))


def _numbers(coords):
    if isinstance(coords, (int, float)):
        yield coords
    else:
        for item in coords:
            yield from _numbers(item)


def _assert_display_ok(areas: gpd.GeoDataFrame, collection: dict) -> None:
    """Same features, ids and properties; <= 5 decimals; no gaps or overlaps introduced."""
    features = collection["features"]
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in features] == areas["pcode"].tolist()
    assert [f["properties"] for f in features] == [
        {"pcode": p, "name": n} for p, n in zip(areas["pcode"], areas["name"], strict=True)
    ]
    for feature in features:
        for x in _numbers(feature["geometry"]["coordinates"]):
            text = repr(float(x))
            assert "e" not in text and len(text.split(".")[1]) <= 5, (feature["id"], text)
    shown = np.array([shape(f["geometry"]) for f in features])
    assert not shapely.is_empty(shown).any()
    assert (shapely.area(shown) > 0).all()
    union = shapely.union_all(shown).area
    original_union = shapely.union_all(areas.geometry.values).area
    # the outline moves a little (the boundary is simplified too) but nothing goes missing
    assert union == pytest.approx(original_union, rel=1e-3)
    # the parts add up to the whole: no overlaps; and the coverage is still edge-matched
    assert shapely.area(shown).sum() == pytest.approx(union, rel=1e-9)
    assert shapely.coverage_is_valid(shown)


def test_fixture_without_simplification_is_exact():
    areas = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    collection = display_geojson(areas, tolerance=0)
    _assert_display_ok(areas, collection)
    first = collection["features"][0]
    assert first == {
        "type": "Feature",
        "id": "ZZ01001",
        "properties": {"pcode": "ZZ01001", "name": "Alpha"},
        "geometry": {
            "type": "Polygon",
            "coordinates": (((10.0, 0.0), (11.0, 0.0), (11.0, 1.0), (10.0, 1.0), (10.0, 0.0)),),
        },
    }
    assert collection["features"][4]["geometry"]["type"] == "MultiPolygon"


def test_default_simplification_of_fixture_keeps_everything():
    areas = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    _assert_display_ok(areas, display_geojson(areas))


def test_bytes_are_compact_utf8_json():
    areas = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    areas.loc[0, "name"] = "Ḥalab ʿAlī"
    data = display_geojson_bytes(areas)
    assert json.loads(data.decode("utf-8")) == json.loads(json.dumps(display_geojson(areas)))
    assert b", " not in data and b": " not in data
    assert "Ḥalab ʿAlī".encode() in data


def test_a_collapsing_sliver_is_kept():
    # 2e-6 degrees wide: rounding to 5 decimals flattens it, but the feature must remain
    boxes = [
        shapely.box(0, 0, 1, 1),
        shapely.box(1, 0, 1.000002, 1),
        shapely.box(1.000002, 0, 2, 1),
    ]
    areas = gpd.GeoDataFrame(
        {"pcode": ["A", "B", "C"], "name": ["a", "b", "c"], "level": [1, 1, 1]},
        geometry=boxes,
        crs="EPSG:4326",
    )
    features = display_geojson(areas)["features"]
    assert [f["id"] for f in features] == ["A", "B", "C"]
    assert not shape(features[1]["geometry"]).is_empty


def test_one_level_only():
    areas = demo_areas()
    with pytest.raises(ValueError, match="one admin level"):
        display_geojson(areas)


def test_demo_levels_are_small_and_clean():
    areas = demo_areas()
    for level in (0, 1, 2):
        layer = areas[areas["level"] == level].reset_index(drop=True)
        collection = display_geojson(layer)
        _assert_display_ok(layer, collection)
        size = _compact_size(collection)
        print(f"demo level {level}: {len(layer)} areas, {size:,} bytes")
        assert size < 100_000


@needs_real_data
def test_iraq_districts():
    areas = read_area_layer(IRAQ_ADM2)
    collection = display_geojson(areas)
    _assert_display_ok(areas, collection)
    print(f"Iraq adm2: {len(areas)} areas, {_compact_size(collection):,} bytes")


@needs_real_data
def test_nigeria_lgas_fit_the_budget():
    areas = read_area_layer(NIGERIA_ADM2)
    collection = display_geojson(areas)
    _assert_display_ok(areas, collection)
    size = _compact_size(collection)
    raw = _compact_size(display_geojson(areas, tolerance=0))
    print(f"Nigeria adm2: {len(areas)} areas, {size:,} bytes (unsimplified {raw:,})")
    assert len(collection["features"]) == 774
    assert size < BUDGET_774
    assert len(display_geojson_bytes(areas)) < BUDGET_774


def test_reprojects_other_crs():
    areas = read_area_layer(FIXTURES / "zz_adm2_current.geojson")
    projected = areas.to_crs("EPSG:32633")
    shown = [shape(f["geometry"]) for f in display_geojson(projected, tolerance=0)["features"]]
    assert pd.Series(shapely.bounds(shown)[:, 0]).round(5).tolist() == [10, 11, 10, 11, 12]


# --- per-country simplification (DESIGN 7: no country's outline changes by more than 2 %) --


def _two_countries():
    """A large country of Voronoi districts (AA) and a small island state of two
    jagged islets (BB) far from it: one tolerance for both would flatten BB."""
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 20, size=(300, 2))
    frame = shapely.box(0, 0, 20, 20)
    cells = shapely.intersection(
        np.asarray(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points)))),
        frame,
    )
    angles = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    islets = []
    for k, centre in enumerate((30.0, 30.06)):
        radius = 0.02 * (1 + 0.3 * np.sin(9 * angles + k))
        ring = np.column_stack([centre + radius * np.cos(angles), 30 + radius * np.sin(angles)])
        islets.append(shapely.Polygon(ring))
    codes = [f"AA{i:03d}" for i in range(len(cells))] + ["BB001", "BB002"]
    return gpd.GeoDataFrame(
        {"pcode": codes, "name": codes, "level": 1},
        geometry=[*cells, *islets],
        crs="EPSG:4326",
    )


def _area_change(areas, collection, prefix):
    rows = areas["pcode"].str.startswith(prefix).to_numpy()
    before = shapely.area(areas.geometry.values[rows]).sum()
    shown = [shape(f["geometry"]) for f in collection["features"] if f["id"].startswith(prefix)]
    return abs(shapely.area(shown).sum() - before) / before


def test_each_country_keeps_its_area_within_two_percent():
    areas = _two_countries()
    assert list(country_keys(areas)[[0, -1]]) == ["AA", "BB"]
    collection, report = display_report(areas)
    _assert_display_ok(areas, collection)
    for country in ("AA", "BB"):
        assert _area_change(areas, collection, country) <= MAX_AREA_CHANGE
        assert report[country][1] <= MAX_AREA_CHANGE
    # the small country got a finer tolerance and a finer grid than the large one
    assert report["BB"][0] < report["AA"][0] / 50
    assert report["BB"][2] > report["AA"][2]
    # what one tolerance for the whole layer would have done: BB loses its shape
    single = display_geojson(areas, tolerance=default_tolerance(areas))
    assert _area_change(areas, single, "BB") > MAX_AREA_CHANGE


def test_coordinates_sit_on_the_country_grid():
    areas = _two_countries()
    collection, report = display_report(areas)
    for country, (_tolerance, _change, decimals) in report.items():
        shown = [shape(f["geometry"]) for f in collection["features"] if f["id"][:2] == country]
        coords = shapely.get_coordinates(shown)
        np.testing.assert_allclose(coords, np.round(coords, decimals), rtol=0, atol=1e-12)
    # within a country the simplified districts still tile without gaps or overlaps
    large = [shape(f["geometry"]) for f in collection["features"] if f["id"][:2] == "AA"]
    assert shapely.coverage_is_valid(large)
    union = shapely.union_all(large)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert shapely.area(large).sum() == pytest.approx(union.area, rel=1e-9)


def test_parallel_processes_give_the_same_geometry():
    areas = _two_countries()
    geoms = np.asarray(areas.geometry.values, dtype=object)
    countries = country_keys(areas)
    alone, report_alone = simplify_by_country(geoms, countries, workers=1)
    pooled, report_pooled = simplify_by_country(geoms, countries, workers=2)
    assert report_alone == report_pooled
    assert all(shapely.equals_exact(alone, pooled, tolerance=0))


# --- borders between countries are simplified once (DESIGN 7: no gaps or overlaps made) --


def _neighbours():
    """A large country of Voronoi districts (AA, 20 x 20 degrees) and a small one (CC,
    half a degree) east of it, sharing a jagged border: their own tolerances differ by
    about 40x, so simplifying each alone moves the border two different ways."""
    ys = np.linspace(0.5, 0.0, 251)
    border = np.column_stack([20 + 0.01 * np.sin(ys * 180) + 0.004 * np.cos(ys * 977), ys])
    aa = shapely.Polygon([(0, 0), (border[-1][0], 0), *border[::-1], (20, 20), (0, 20)])
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 20, size=(200, 2))
    cells = shapely.intersection(
        np.asarray(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points)))),
        aa,
    )
    cells = cells[shapely.area(cells) > 0]
    cc = shapely.Polygon([*border, (20.5, 0.0), (20.5, 0.5)])
    codes = [f"AA{i:03d}" for i in range(len(cells))] + ["CC001"]
    return gpd.GeoDataFrame(
        {"pcode": codes, "name": codes, "level": 1},
        geometry=[*cells, cc],
        crs="EPSG:4326",
    )


def _overlap_and_gap(aa, cc, source_union):
    """Overlap area of the two countries, and the area of holes between them."""
    a, c = shapely.union_all(aa), shapely.union_all(cc)
    overlap = shapely.intersection(a, c).area
    gap = shapely.difference(source_union, shapely.union(a, c)).area
    return overlap, gap


def test_a_border_between_countries_is_simplified_once():
    areas = _neighbours()
    geoms = np.asarray(areas.geometry.values, dtype=object)
    countries = country_keys(areas)
    collection, report = display_report(areas)
    _assert_display_ok(areas, collection)
    assert report["CC"][0] < report["AA"][0] / 10  # their own tolerances differ
    for country in ("AA", "CC"):
        assert _area_change(areas, collection, country) <= MAX_AREA_CHANGE
    shown = np.array([shape(f["geometry"]) for f in collection["features"]])
    is_cc = countries == "CC"
    # only the border's own middle: the outer coast may move inwards, that is not a gap
    inside = shapely.box(19.9, 0.05, 20.1, 0.45)
    overlap, gap = _overlap_and_gap(shown[~is_cc], shown[is_cc], inside)
    assert overlap < 1e-12 and gap < 1e-12, (overlap, gap)
    assert shapely.coverage_is_valid(shown)  # edge-matched across the border too
    # what simplifying each country alone does to the same border (the test can fail)
    alone = np.empty(len(geoms), dtype=object)
    for country in ("AA", "CC"):
        rows = countries == country
        alone[rows] = simplify_country(geoms[rows])[0]
    overlap, gap = _overlap_and_gap(alone[~is_cc], alone[is_cc], inside)
    assert overlap > 1e-6 and gap > 1e-6


def test_countries_far_apart_are_not_grouped():
    areas = _two_countries()
    geoms = np.asarray(areas.geometry.values, dtype=object)
    _names, index = np.unique(country_keys(areas), return_inverse=True)
    assert sorted(map(sorted, neighbour_groups(geoms, index, np.array([0.05, 0.05])))) == [
        [0],
        [1],
    ]
    areas = _neighbours()
    geoms = np.asarray(areas.geometry.values, dtype=object)
    _names, index = np.unique(country_keys(areas), return_inverse=True)
    assert neighbour_groups(geoms, index, np.array([0.05, 0.001])) == [[0, 1]]


def test_only_the_border_zone_is_cleaned():
    # a row of ten unit squares; the last two overlap by a strip 0.01 wide
    squares = [shapely.box(k, 0, k + 1, 1) for k in range(9)] + [shapely.box(8.99, 0, 10, 1)]
    geoms = np.array(squares, dtype=object)
    cleaned, lost = clean_group(geoms, gap_width=0.001)
    assert not lost.any()
    assert shapely.coverage_is_valid(cleaned)
    assert shapely.area(cleaned).sum() == pytest.approx(10.0)
    # the squares away from the overlap are the very same objects: never cleaned
    assert all(cleaned[k] is geoms[k] for k in range(7))
    assert not shapely.equals(cleaned[8], geoms[8]) or not shapely.equals(cleaned[9], geoms[9])
    # a clean coverage comes back as it is
    assert clean_group(cleaned, gap_width=0.001)[0] is cleaned
