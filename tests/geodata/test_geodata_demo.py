"""The fictional demo country (geodata.demo)."""

import re

import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geodata import check_hierarchy, load_areas, write_areas
from geodata.demo import DEMO_COUNTRY, demo_area_layers, demo_areas


@pytest.fixture(scope="module")
def layers():
    return demo_area_layers()


def test_country_is_marked_fictional():
    assert "fictional" in DEMO_COUNTRY["name"].lower()
    assert DEMO_COUNTRY["pcode_prefix"] == "XM"
    with pytest.raises(TypeError):
        DEMO_COUNTRY["name"] = "Somewhere real"  # read-only: no mutable module globals


def test_same_output_on_every_call(layers):
    again = demo_area_layers()
    assert sorted(again) == [0, 1, 2]
    for level, layer in layers.items():
        assert_geodataframe_equal(again[level], layer, check_crs=True)
    assert_geodataframe_equal(demo_areas(), demo_areas())


def test_cod_ab_columns_and_codes(layers):
    geom = ["geometry"]
    assert list(layers[0].columns) == ["adm0_pcode", "adm0_name", *geom]
    assert list(layers[1].columns) == ["adm1_pcode", "adm1_name", "adm0_pcode", "adm0_name", *geom]
    assert list(layers[2].columns) == [
        "adm2_pcode",
        "adm2_name",
        "adm1_pcode",
        "adm1_name",
        "adm0_pcode",
        "adm0_name",
        *geom,
    ]
    assert layers[0]["adm0_pcode"].tolist() == ["XM"]
    assert layers[1]["adm1_pcode"].tolist() == [f"XM{i:02d}" for i in range(1, 13)]
    assert layers[2]["adm2_pcode"].str.fullmatch(r"XM(0[1-9]|1[0-2])\d{3}").all()
    assert (layers[2]["adm2_pcode"].str[:4] == layers[2]["adm1_pcode"]).all()
    for layer in layers.values():
        assert layer.crs.to_epsg() == 4326


def test_sizes_and_names(layers):
    assert len(layers[1]) == 12
    assert 140 <= len(layers[2]) <= 160
    names = [*layers[0]["adm0_name"], *layers[1]["adm1_name"], *layers[2]["adm2_name"]]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Z][a-z]{3,10}", n) for n in names[1:])
    # every region has a fair share of districts
    per_region = layers[2].groupby("adm1_pcode").size()
    assert per_region.min() >= 4


def test_plausible_place(layers):
    minx, miny, maxx, maxy = layers[0].total_bounds
    assert 20 <= minx < maxx <= 26 and 5 <= miny < maxy <= 11


def test_coverage_without_gaps_or_overlaps(layers):
    country = layers[0].geometry.iloc[0]
    assert country.is_valid and country.geom_type == "Polygon"
    for level in (1, 2):
        geoms = layers[level].geometry.values
        assert shapely.is_valid(geoms).all()
        assert shapely.coverage_is_valid(geoms)
        assert shapely.area(geoms).sum() == pytest.approx(country.area, rel=1e-9)
        assert shapely.union_all(geoms).area == pytest.approx(country.area, rel=1e-9)


def test_each_district_lies_in_exactly_its_region(layers):
    regions = layers[1].set_index("adm1_pcode").geometry
    districts = layers[2]
    for pcode, group in districts.groupby("adm1_pcode"):
        region = regions[pcode]
        union = shapely.coverage_union_all(group.geometry.values)
        assert shapely.symmetric_difference(union, region).area < 1e-9 * region.area
    # and overlaps no other region
    district_geoms = np.asarray(districts.geometry.values, dtype=object)
    region_geoms = np.asarray(regions.values, dtype=object)
    inter = shapely.area(shapely.intersection(district_geoms[:, None], region_geoms[None, :]))
    share = inter / shapely.area(district_geoms)[:, None]
    owner = np.asarray(regions.index)[share.argmax(axis=1)]
    assert (owner == districts["adm1_pcode"].to_numpy()).all()
    assert np.allclose(np.sort(share, axis=1)[:, -1], 1.0)
    assert np.allclose(np.sort(share, axis=1)[:, -2], 0.0, atol=1e-9)


def test_canonical_frame_and_hierarchy(tmp_path):
    areas = demo_areas()
    assert list(areas.columns) == ["pcode", "name", "level", "parent_pcode", "geometry"]
    assert areas.groupby("level").size().to_dict() == {0: 1, 1: 12, 2: len(demo_area_layers()[2])}
    assert areas.loc[areas["level"] == 0, "parent_pcode"].tolist() == [None]
    assert check_hierarchy(areas) == []
    parents = set(areas["pcode"])
    assert areas.loc[areas["level"] > 0, "parent_pcode"].isin(parents).all()
    write_areas(areas, tmp_path / "areas.gpkg")
    assert_geodataframe_equal(load_areas(tmp_path / "areas.gpkg"), areas, check_crs=True)
    assert isinstance(areas["level"].dtype, np.dtype) and areas["level"].dtype == np.int64
    assert pd.api.types.is_string_dtype(areas["pcode"])
