"""The fictional demo country: admin boundaries generated from a fixed seed.

Nothing here describes a real place. The layers form a proper coverage (no gaps, no
overlaps; regions are exact unions of their districts), in COD-AB column names, so the
demo goes through the same code paths as real boundaries.
"""

from __future__ import annotations

from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.areas import _canonical_frame, _canonicalise

__all__ = ["DEMO_COUNTRY", "demo_area_layers", "demo_areas"]

DEMO_COUNTRY = MappingProxyType(
    {"name": "Republic of Meridia (fictional)", "iso3": "XMD", "pcode_prefix": "XM"}
)

_SEED = 20_240_611
_CENTRE = (23.0, 8.0)  # lon, lat: the map has no basemap, the place is only a canvas
_RADIUS = 2.6  # degrees
_N_DISTRICTS = 150
_N_REGIONS = 12
_LLOYD_ROUNDS = 3
_SOURCE = "demo country"

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"]
_ONSETS += ["br", "dr", "kh", "th", "sh", "tr", "gr", "vel", "mor", "ash"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei"]
_CODAS = ["", "", "", "n", "r", "l", "s", "m", "nd", "th"]


def _outline(rng: np.random.Generator) -> shapely.Polygon:
    """An irregular but simple (star-shaped) country outline."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    radius = np.ones_like(theta)
    for k, amplitude in zip(range(2, 9), [0.12, 0.09, 0.06, 0.05, 0.035, 0.025, 0.02], strict=True):
        radius += amplitude * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius *= _RADIUS
    x = _CENTRE[0] + radius * np.cos(theta)
    y = _CENTRE[1] + 0.85 * radius * np.sin(theta)
    return shapely.Polygon(np.round(np.column_stack([x, y]), 5))


def _seed_points(rng: np.random.Generator, outline: shapely.Polygon) -> np.ndarray:
    minx, miny, maxx, maxy = outline.bounds
    points = np.empty((0, 2))
    while len(points) < _N_DISTRICTS:
        cand = rng.uniform([minx, miny], [maxx, maxy], size=(4 * _N_DISTRICTS, 2))
        inside = shapely.contains_xy(outline, cand[:, 0], cand[:, 1])
        points = np.vstack([points, cand[inside]])
    return points[:_N_DISTRICTS]


def _voronoi_cells(points: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    extent = shapely.box(*outline.buffer(1.0).bounds)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent, ordered=True)
    return shapely.get_parts(cells)


def _relax(points: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    # Lloyd relaxation: move each point to its clipped cell's centroid, for even districts
    for _ in range(_LLOYD_ROUNDS):
        cells = shapely.intersection(_voronoi_cells(points, outline), outline)
        points = shapely.get_coordinates(shapely.centroid(cells))
    return points


def _district_shapes(points: np.ndarray, outline: shapely.Polygon) -> list:
    """Clip the Voronoi cells to the outline through one noded linework, so that
    neighbours share exactly the same vertices (a valid coverage)."""
    cells = _voronoi_cells(points, outline)
    lines = shapely.union_all(np.append(shapely.boundary(cells), shapely.boundary(outline)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    marks = shapely.point_on_surface(faces)
    keep = shapely.contains(outline, marks)
    faces, marks = faces[keep], marks[keep]
    tree = shapely.STRtree(cells)
    face_idx, cell_idx = tree.query(marks, predicate="within")
    owner = np.full(len(faces), -1)
    owner[face_idx] = cell_idx
    shapes = []
    for i in range(len(cells)):
        own = faces[owner == i]
        shapes.append(own[0] if len(own) == 1 else shapely.coverage_union_all(own))
    return shapes


def _neighbours(shapes: list) -> list[set[int]]:
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    adjacent: list[set[int]] = [set() for _ in shapes]
    for a, b in zip(left, right, strict=True):
        if a < b and shapely.intersection(shapes[a].boundary, shapes[b].boundary).length > 0:
            adjacent[a].add(int(b))
            adjacent[b].add(int(a))
    return adjacent


def _regions(rng: np.random.Generator, centres: np.ndarray, adjacent: list[set[int]]):
    """Group districts into contiguous regions of similar size by round-robin growth."""
    seeds = [int(rng.integers(len(centres)))]
    for _ in range(_N_REGIONS - 1):  # farthest-point sampling spreads the regions out
        dist = np.min(np.linalg.norm(centres[:, None] - centres[seeds][None], axis=2), axis=1)
        seeds.append(int(np.argmax(dist)))
    region = np.full(len(centres), -1)
    region[seeds] = np.arange(_N_REGIONS)
    while (region < 0).any():
        grew = False
        for r in np.argsort(np.bincount(region[region >= 0], minlength=_N_REGIONS), kind="stable"):
            members = np.flatnonzero(region == r)
            frontier = sorted({n for m in members for n in adjacent[m] if region[n] < 0})
            if not frontier:
                continue
            d = np.linalg.norm(centres[frontier] - centres[seeds[r]], axis=1)
            region[frontier[int(np.argmin(d))]] = r
            grew = True
        if not grew:  # cannot happen for a connected outline; guard against a silent loop
            raise RuntimeError("demo regions could not cover every district")
    return region


def _names(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        syllables = int(rng.integers(2, 4))
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
            for _ in range(syllables)
        )
        word = (word + _CODAS[rng.integers(len(_CODAS))]).capitalize()
        if 4 <= len(word) <= 11 and word not in seen:
            seen.add(word)
            names.append(word)
    return names


def _reading_order(centres: np.ndarray) -> np.ndarray:
    # north to south in bands of about half a degree, west to east within a band
    return np.lexsort((centres[:, 0], -np.floor(centres[:, 1] / 0.5)))


def demo_area_layers() -> dict[int, gpd.GeoDataFrame]:
    """Levels 0 (country), 1 (regions) and 2 (districts) of the fictional country.

    COD-AB column names (adm2_pcode, adm2_name, adm1_pcode, ...), EPSG:4326. The same
    output on every call: everything derives from one fixed seed.
    """
    rng = np.random.default_rng(_SEED)
    outline = _outline(rng)
    points = _relax(_seed_points(rng, outline), outline)
    shapes = _district_shapes(points, outline)
    centres = shapely.get_coordinates(shapely.point_on_surface(shapes))
    region = _regions(rng, centres, _neighbours(shapes))
    names = _names(rng, 1 + _N_REGIONS + len(shapes))

    prefix, country = DEMO_COUNTRY["pcode_prefix"], DEMO_COUNTRY["name"]
    region_shapes = [
        shapely.coverage_union_all([shapes[i] for i in np.flatnonzero(region == r)])
        for r in range(_N_REGIONS)
    ]
    region_centres = shapely.get_coordinates(shapely.point_on_surface(region_shapes))
    region_rank = np.empty(_N_REGIONS, dtype=int)
    region_rank[_reading_order(region_centres)] = np.arange(_N_REGIONS)
    adm1_pcode = [f"{prefix}{region_rank[r] + 1:02d}" for r in range(_N_REGIONS)]
    adm1_name = names[1 : 1 + _N_REGIONS]

    rows = []
    district_names = iter(names[1 + _N_REGIONS :])
    for r in np.argsort(region_rank):
        members = np.flatnonzero(region == r)
        for k, i in enumerate(members[_reading_order(centres[members])], start=1):
            rows.append((f"{adm1_pcode[r]}{k:03d}", next(district_names), r, shapes[i]))

    def frame(columns: dict, geometry: list) -> gpd.GeoDataFrame:
        data = {c: pd.Series(v, dtype="str") for c, v in columns.items()}
        return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")

    level2 = frame(
        {
            "adm2_pcode": [row[0] for row in rows],
            "adm2_name": [row[1] for row in rows],
            "adm1_pcode": [adm1_pcode[row[2]] for row in rows],
            "adm1_name": [adm1_name[row[2]] for row in rows],
            "adm0_pcode": [prefix] * len(rows),
            "adm0_name": [country] * len(rows),
        },
        [row[3] for row in rows],
    )
    order = np.argsort(region_rank)
    level1 = frame(
        {
            "adm1_pcode": [adm1_pcode[r] for r in order],
            "adm1_name": [adm1_name[r] for r in order],
            "adm0_pcode": [prefix] * _N_REGIONS,
            "adm0_name": [country] * _N_REGIONS,
        },
        [region_shapes[r] for r in order],
    )
    level0 = frame(
        {"adm0_pcode": [prefix], "adm0_name": [country]},
        [shapely.coverage_union_all(region_shapes)],
    )
    return {0: level0, 1: level1, 2: level2}


def demo_areas() -> gpd.GeoDataFrame:
    """All levels of the demo country as one canonical area frame."""
    parts = [_canonicalise(layer, _SOURCE) for layer in demo_area_layers().values()]
    merged = pd.concat(parts, ignore_index=True)
    return _canonical_frame(
        merged["pcode"],
        merged["name"],
        merged["level"],
        merged["parent_pcode"],
        merged.geometry.values,
    )
