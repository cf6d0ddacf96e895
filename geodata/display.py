"""Display geometry for the browser: one admin level as a small GeoJSON FeatureCollection.

Payload size grows with coordinates, not features (DESIGN section 9), so the layer is
simplified as a coverage (shared borders stay shared: no slivers or gaps between
neighbours) and coordinates are rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

__all__ = ["DECIMALS", "default_tolerance", "display_geojson", "display_geojson_bytes"]

DECIMALS = 5
# Fraction of the layer's bounding-box diagonal. 2e-3 keeps 774 Nigeria LGAs near 330 KB
# (budget 400 KB, DESIGN section 7) while staying below a pixel's worth of change on a
# country-wide map about 1,000 px across.
_TOLERANCE_FRACTION = 2e-3


def default_tolerance(areas: gpd.GeoDataFrame) -> float:
    """The simplification tolerance used when none is given: relative to the extent."""
    if len(areas) == 0:
        return 0.0
    minx, miny, maxx, maxy = areas.total_bounds
    return float(np.hypot(maxx - minx, maxy - miny) * _TOLERANCE_FRACTION)


def _round(geoms: np.ndarray) -> np.ndarray:
    # Rounding each coordinate (not snapping geometries one by one) keeps the vertices that
    # neighbours share identical, so the coverage stays edge-matched.
    return shapely.transform(geoms, lambda coords: np.round(coords, DECIMALS))


def _degenerate(geoms: np.ndarray) -> np.ndarray:
    return shapely.is_empty(geoms) | ~(shapely.area(geoms) > 0)


def display_geojson(areas_one_level: gpd.GeoDataFrame, tolerance: float | None = None) -> dict:
    """A GeoJSON FeatureCollection (plain dicts) of one admin level, ready for the map.

    Features keep the frame's order; each has ``id`` = pcode and properties
    ``{"pcode", "name"}``. ``tolerance`` is in degrees (see coverage_simplify); None picks
    one from the layer's extent, 0 turns simplification off.
    """
    gdf = areas_one_level
    if "level" in gdf.columns and gdf["level"].nunique() > 1:
        raise ValueError(
            f"display_geojson takes one admin level, got levels {sorted(gdf['level'].unique())}"
        )
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    original = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
    if tolerance is None:
        tolerance = default_tolerance(gdf)
    simplified = (
        shapely.coverage_simplify(original, tolerance)
        if tolerance > 0 and len(original)
        else original
    )
    shown = _round(simplified)
    # Coverage simplification keeps at least a triangle per ring, but rounding or a
    # non-coverage input could still collapse a small area: never drop a feature for it.
    collapsed = _degenerate(shown) & ~_degenerate(original)
    if collapsed.any():
        shown[collapsed] = _round(original[collapsed])
    shown = shapely.orient_polygons(shown)  # RFC 7946: exterior rings counter-clockwise
    features = [
        {
            "type": "Feature",
            "id": str(pcode),
            "properties": {"pcode": str(pcode), "name": str(name)},
            "geometry": mapping(geom),
        }
        for pcode, name, geom in zip(gdf["pcode"], gdf["name"], shown, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def display_geojson_bytes(
    areas_one_level: gpd.GeoDataFrame, tolerance: float | None = None
) -> bytes:
    """display_geojson serialised as compact UTF-8 JSON, for a cached HTTP route."""
    collection = display_geojson(areas_one_level, tolerance)
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
