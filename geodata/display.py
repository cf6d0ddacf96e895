"""Display geometry for the browser: one admin level as a small GeoJSON FeatureCollection.

Payload size grows with coordinates, not features (DESIGN section 9), so the layer is
simplified as a coverage (shared borders stay shared: no slivers or gaps between
neighbours) and coordinates are rounded to a grid.

One tolerance for a multi-country layer (a fraction of the whole extent) erases small
countries (DESIGN 9), so the tolerance is chosen per country: a fraction of that
country's extent, halved until the country's outline keeps its area within 2 %
(DESIGN 7). Countries are first simplified independently, in parallel processes when
there are several, each as its own coverage, to find their tolerances. A border between
two countries would then be simplified twice, two ways, making overlaps and gaps the
source did not have; so every group of countries that touch is simplified again as one
coverage, each edge at the finer neighbour's tolerance (``geodata.borders``). The
coordinate grid follows the country's tolerance (a tenth of it, at most ``DECIMALS``
decimals); a border vertex takes the finer neighbour's grid.
"""

from __future__ import annotations

import json
import math
import os
import re
from concurrent.futures import ProcessPoolExecutor

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from geodata.borders import (
    clean_group,
    ladder,
    neighbour_groups,
    round_shared,
    staged_simplify,
)

__all__ = [
    "DECIMALS",
    "MAX_AREA_CHANGE",
    "country_keys",
    "default_tolerance",
    "display_geojson",
    "display_geojson_bytes",
    "simplify_country",
    "simplify_group",
]

#: The finest grid: 5 decimals of a degree, about 1 m.
DECIMALS = 5
#: No country's outline may change its area by more than this (DESIGN 7).
MAX_AREA_CHANGE = 0.02
# Aim below the limit: rounding to the grid moves the area a little after the check.
_AREA_TARGET = 0.015
# Fraction of the extent's diagonal. 2e-3 stays below a pixel's worth of change on a
# country-wide map about 1,000 px across.
_TOLERANCE_FRACTION = 2e-3
_HALVINGS = 8
#: Worker processes for multi-country layers (this is a 2-core host; more do not help).
WORKERS = min(2, os.cpu_count() or 1)


def default_tolerance(areas: gpd.GeoDataFrame) -> float:
    """The simplification tolerance to start from: relative to the extent."""
    if len(areas) == 0:
        return 0.0
    return _start_tolerance(np.asarray(areas.geometry.values, dtype=object))


def _start_tolerance(geoms: np.ndarray) -> float:
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return float(np.hypot(maxx - minx, maxy - miny) * _TOLERANCE_FRACTION)


def country_keys(areas: gpd.GeoDataFrame) -> np.ndarray:
    """Which country each area is in: an ``iso3`` or ``country`` column if the layer has
    one, else the leading letters of the P-code (COD P-codes start with the country's
    ISO code: NG001001; geoBoundaries ids with its ISO3: KAZ-ADM1-...)."""
    for column in ("iso3", "country", "adm0_pcode", "ADM0_PCODE"):
        if column in areas.columns:
            return areas[column].astype(str).to_numpy()
    return np.array([re.match(r"[A-Za-z]*", str(code)).group(0) for code in areas["pcode"]])


def _decimals(tolerance: float) -> int:
    """Decimals of a grid about a tenth of the tolerance (never finer than DECIMALS)."""
    if tolerance <= 0:
        return DECIMALS
    return int(min(DECIMALS, max(1, math.ceil(-math.log10(tolerance / 10)))))


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    # Rounding each coordinate (not snapping geometries one by one) keeps the vertices that
    # neighbours share identical, so the coverage stays edge-matched.
    return shapely.transform(geoms, lambda coords: np.round(coords, decimals))


def _degenerate(geoms: np.ndarray) -> np.ndarray:
    return shapely.is_empty(geoms) | ~(shapely.area(geoms) > 0)


def _on_grid(simplified, geoms, decimals: int, coverage: bool):
    """Round to the coarsest grid from ``decimals`` down to ``DECIMALS`` decimals that keeps
    every area non-degenerate and, if the input was a coverage, a valid coverage (a coarse
    grid can fold a short border onto its neighbour)."""
    for places in range(decimals, DECIMALS + 1):
        shown = _round(simplified, places)
        collapsed = _degenerate(shown) & ~_degenerate(geoms)
        if not collapsed.any() and (not coverage or shapely.coverage_is_valid(shown)):
            return shown, places
    # Coverage simplification keeps at least a triangle per ring, but rounding could
    # still collapse a tiny area: never drop a feature for it.
    shown[collapsed] = simplified[collapsed]
    return shown, DECIMALS


def simplify_country(geoms: np.ndarray, tolerance: float | None = None) -> tuple:
    """One country's polygons simplified as a coverage and rounded to the grid.

    With ``tolerance`` None, start from a fraction of the country's extent and halve it
    until the outline's area changes by at most ~1.5 % (the budget is 2 %). A source
    that is not a clean coverage (polygons that overlap or do not share their border
    vertices, as some publishers' files) is cleaned first (`shapely.coverage_clean`), so
    that the simplification cannot open gaps or overlaps between its areas. Returns
    (geometries, tolerance used, relative area change, decimals).
    """
    return _simplify_country(geoms, tolerance)[:4]


def _simplify_country(geoms: np.ndarray, tolerance: float | None) -> tuple:
    """`simplify_country`, and the area of the source's outline (None where it was not
    measured: a source that cannot be cleaned), which the group stage reuses: the union
    of a country's sources costs ~12 s over the 89-country layer."""
    geoms = shapely.force_2d(np.asarray(geoms, dtype=object))
    polygonal = shapely.get_type_id(geoms) > 2
    coverage = bool(polygonal.all() and shapely.coverage_is_valid(geoms))
    if polygonal.all() and not coverage and shapely.is_valid(geoms).all():
        cleaned = shapely.coverage_clean(geoms)
        # Cleaning must not lose an area (a sliver entirely inside a neighbour).
        if not _degenerate(cleaned).any() and shapely.coverage_is_valid(cleaned):
            before = float(shapely.union_all(geoms).area)
            geoms, coverage, outline = cleaned, True, before
        else:
            before, outline = float(shapely.area(geoms).sum()), None
    else:
        before = float(shapely.area(geoms).sum())
        outline = before if coverage else None  # a coverage's outline: the sum of its areas
    search = tolerance is None
    tolerance = _start_tolerance(geoms) if search else float(tolerance)
    for _ in range(_HALVINGS if search else 1):
        simplified = shapely.coverage_simplify(geoms, tolerance) if tolerance > 0 else geoms
        shown, decimals = _on_grid(simplified, geoms, _decimals(tolerance), coverage)
        change = abs(float(shapely.area(shown).sum()) - before) / before if before else 0.0
        if change <= _AREA_TARGET or tolerance <= 0:
            break
        tolerance /= 2
    # A source that is not a coverage at all can still come out self-intersecting.
    broken = ~shapely.is_valid(shown) & shapely.is_valid(geoms)
    if broken.any():
        shown[broken] = shapely.make_valid(shown[broken], method="structure", keep_collapsed=False)
        change = abs(float(shapely.area(shown).sum()) - before) / before if before else 0.0
    return shown, tolerance, change, decimals, outline


def _simplify_wkb(wkb: list[bytes], tolerance: float | None):
    """`simplify_country` for a worker process: WKB in and out (cheap to pickle)."""
    shown, *figures = _simplify_country(shapely.from_wkb(wkb), tolerance)
    return shapely.to_wkb(shown), *figures


def simplify_group(
    geoms: np.ndarray, labels: np.ndarray, tolerances: dict, outlines: dict | None = None
) -> tuple | None:
    """Countries that touch, simplified as one coverage so that their borders are
    simplified once (geodata.borders): every edge at the tolerance of the finer country
    beside it, starting from each country's own tolerance (``tolerances``, from
    `simplify_country`) and halving a country's until its outline keeps its area within
    ~1.5 %. One grid for the group (the finest member's), so shared vertices stay shared.
    An area that the source covers twice over (emptied by cleaning) is drawn inside the
    areas that took it (`_inside`). Returns (geometries, {country: (tolerance, area
    change, decimals)}), or None when the sources are not valid polygons or cannot be
    cleaned into one coverage (the countries then stay simplified one by one).
    ``outlines`` gives the area of a country's source outline where already measured."""
    geoms = shapely.force_2d(np.asarray(geoms, dtype=object))
    names, member = np.unique(labels, return_inverse=True)
    tolerance = ladder([tolerances[str(name)] for name in names])
    polygonal = (shapely.get_type_id(geoms) > 2).all()
    cleaned = clean_group(geoms, tolerance.min() / 2) if polygonal else None
    if cleaned is None:
        return None
    cleaned, lost = cleaned
    outlines = outlines or {}
    before = np.array(
        [
            outlines.get(str(name)) or float(shapely.union_all(geoms[member == k]).area)
            for k, name in enumerate(names)
        ]
    )
    kept = ~lost
    shown = np.empty(len(geoms), dtype=object)
    stages: dict = {}  # stage results reused across halvings (staged_simplify)
    for _ in range(_HALVINGS):
        simplified = staged_simplify(cleaned[kept], tolerance[member[kept]], stages)
        own = np.array([_decimals(t) for t in tolerance])
        shown[kept], finer = _on_shared_grid(simplified, cleaned[kept], own[member[kept]])
        decimals = np.minimum(own + finer, DECIMALS)
        if lost.any():
            shown[lost] = _inside(geoms[lost], shown[kept], tolerance[member[lost]], decimals.max())
        after = np.bincount(member, weights=shapely.area(shown) * kept, minlength=len(names))
        change = np.abs(after - before) / np.where(before > 0, before, 1.0)
        failing = change > _AREA_TARGET
        if not failing.any():
            break
        tolerance[failing] /= 2
    broken = ~shapely.is_valid(shown)  # rounding can fold a narrow spike of one polygon
    if broken.any():
        shown[broken] = shapely.make_valid(shown[broken], method="structure", keep_collapsed=False)
    report = {
        str(name): (float(tolerance[k]), float(change[k]), int(decimals[k]))
        for k, name in enumerate(names)
    }
    return shown, report


def _on_shared_grid(simplified, geoms, decimals: np.ndarray) -> tuple[np.ndarray, int]:
    """`_on_grid` for a group: each polygon on its country's grid, border vertices on the
    finer neighbour's (`round_shared`); all grids one decimal finer at a time until no
    area collapses and the coverage stays valid. Returns (geometries, decimals added)."""
    for finer in range(DECIMALS + 1):
        places = np.minimum(decimals + finer, DECIMALS)
        shown = round_shared(simplified, places)
        collapsed = _degenerate(shown) & ~_degenerate(geoms)
        if not collapsed.any() and shapely.coverage_is_valid(shown):
            return shown, finer
        if (places == DECIMALS).all():
            break
    shown[collapsed] = simplified[collapsed]  # never drop a feature for the grid
    return shown, finer


def _inside(sources, shown, tolerance, decimals) -> np.ndarray:
    """Areas that the source covers twice over (emptied by cleaning), drawn inside the
    shown areas that took them: their overlap stays the overlap they had in the source."""
    tree = shapely.STRtree(shown)
    out = np.empty(len(sources), dtype=object)
    for i, (source, tol) in enumerate(zip(sources, tolerance, strict=True)):
        under = shapely.union_all(shown[tree.query(source, predicate="intersects")])
        piece = shapely.intersection(shapely.simplify(source, tol), under)
        out[i] = _round(np.array([piece], dtype=object), decimals)[0]
    return out


def _group_wkb(wkb: list[bytes], labels: np.ndarray, tolerances: dict, outlines: dict):
    """`simplify_group` for a worker process."""
    result = simplify_group(shapely.from_wkb(wkb), labels, tolerances, outlines)
    return None if result is None else (shapely.to_wkb(result[0]), result[1])


def _each_country(geoms, names, groups, tolerance, workers) -> tuple[np.ndarray, dict, dict]:
    shown = np.empty(len(geoms), dtype=object)
    report, outlines = {}, {}
    if len(groups) == 1 or workers <= 1:
        for name, rows in zip(names, groups, strict=True):
            out, used, change, decimals, outline = _simplify_country(geoms[rows], tolerance)
            shown[rows] = out
            report[str(name)], outlines[str(name)] = (used, change, decimals), outline
        return shown, report, outlines
    # Largest countries first, so the two workers finish at about the same time.
    order = sorted(
        range(len(groups)), key=lambda k: -shapely.get_num_coordinates(geoms[groups[k]]).sum()
    )
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            k: pool.submit(_simplify_wkb, list(shapely.to_wkb(geoms[groups[k]])), tolerance)
            for k in order
        }
        for k, future in futures.items():
            wkb, used, change, decimals, outline = future.result()
            shown[groups[k]] = shapely.from_wkb(wkb)
            report[str(names[k])], outlines[str(names[k])] = (used, change, decimals), outline
    return shown, report, outlines


def simplify_by_country(
    geoms: np.ndarray, countries: np.ndarray, tolerance: float | None = None, workers=WORKERS
) -> tuple[np.ndarray, dict]:
    """`simplify_country` for every country of the layer, in parallel processes when there
    are several; then every group of countries that touch is simplified again as one
    coverage from those tolerances (`simplify_group`), so that no border is simplified
    twice. Returns the geometries in the input order and, per country, (tolerance, area
    change, decimals)."""
    geoms = np.asarray(geoms, dtype=object)
    names, index = np.unique(countries, return_inverse=True)
    groups = [np.flatnonzero(index == k) for k in range(len(names))]
    shown, report, outlines = _each_country(geoms, names, groups, tolerance, workers)
    if len(names) == 1 or tolerance == 0:
        return shown, report
    reach = np.array([report[str(name)][0] for name in names])
    together = [m for m in neighbour_groups(geoms, index, reach) if len(m) > 1]
    jobs = []
    for members in together:
        rows = np.flatnonzero(np.isin(index, members))
        tolerances = {str(names[k]): report[str(names[k])][0] for k in members}
        jobs.append((rows, tolerances))
    # Largest groups first; a group of one country keeps its own result.
    jobs.sort(key=lambda job: -len(job[0]))
    if workers <= 1 or len(jobs) <= 1:
        for rows, tol in jobs:
            result = simplify_group(geoms[rows], countries[rows], tol, outlines)
            if result is not None:
                shown[rows] = result[0]
                report.update(result[1])
        return shown, report
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        futures = [
            (
                rows,
                pool.submit(
                    _group_wkb, list(shapely.to_wkb(geoms[rows])), countries[rows], tol, outlines
                ),
            )
            for rows, tol in jobs
        ]
        for rows, future in futures:
            result = future.result()
            if result is None:  # not one coverage: the countries stay simplified alone
                continue
            shown[rows] = shapely.from_wkb(result[0])
            report.update(result[1])
    return shown, report


def display_geojson(areas_one_level: gpd.GeoDataFrame, tolerance: float | None = None) -> dict:
    """A GeoJSON FeatureCollection (plain dicts) of one admin level, ready for the map.

    Features keep the frame's order; each has ``id`` = pcode and properties
    ``{"pcode", "name"}``. ``tolerance`` is in degrees (see coverage_simplify) for every
    country; None picks one per country (see the module docstring), 0 turns
    simplification off. `display_report` also returns the per-country figures.
    """
    collection, _report = _collection(areas_one_level, tolerance)
    return collection


def display_report(areas_one_level: gpd.GeoDataFrame, tolerance: float | None = None):
    """(FeatureCollection, {country: (tolerance, area change, decimals)}), for benchmarks
    and for checking the 2 % rule."""
    return _collection(areas_one_level, tolerance)


def _collection(areas_one_level: gpd.GeoDataFrame, tolerance: float | None):
    gdf = areas_one_level
    if "level" in gdf.columns and gdf["level"].nunique() > 1:
        raise ValueError(
            f"display_geojson takes one admin level, got levels {sorted(gdf['level'].unique())}"
        )
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    original = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
    if len(original):
        shown, report = simplify_by_country(original, country_keys(gdf), tolerance)
    else:
        shown, report = original, {}
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
    return {"type": "FeatureCollection", "features": features}, report


def display_geojson_bytes(
    areas_one_level: gpd.GeoDataFrame, tolerance: float | None = None
) -> bytes:
    """display_geojson serialised as compact UTF-8 JSON, for a cached HTTP route."""
    collection = display_geojson(areas_one_level, tolerance)
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
