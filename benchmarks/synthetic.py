"""Synthetic areas and an in-memory dashboard context for the benchmarks.

- ``voronoi_coverage(n)``: n admin areas that tile a box without gaps or overlaps (the
  Voronoi cells of seeded random points, clipped to the box), grouped into regions, as
  the canonical area frame (pcode, name, level, parent_pcode, geometry).
- ``synthetic_context(n)``: an ``AppContext`` on such areas with the demo's survey
  generator (every indicator of the default framework, IDPs, returnees, host values),
  built in memory through ``build_cube``: no workspace on disk.

Not a benchmark itself; imported by ``slider.py`` and ``geometry.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.context import AppContext
from geodata.display import display_geojson_bytes
from indicators.cube import build_cube
from workspace.demo import demo_observations
from workspace.frameworks import load_framework

#: A box the size of a large country, in degrees (lon 4-14, lat 4-14).
BOX = (4.0, 4.0, 14.0, 14.0)


def voronoi_coverage(n: int, seed: int = 7, box=BOX, regions: int | None = None):
    """(districts, regions): n Voronoi cells of random points in ``box`` at level 2, and
    about sqrt(n) regions at level 1 (the cells' union per grid square), one country."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = box
    points = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    frame = shapely.box(*box)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame)
    cells = shapely.intersection(np.asarray(shapely.get_parts(cells)), frame)
    # voronoi_polygons does not keep the input order: match each cell to its point.
    tree = shapely.STRtree(cells)
    order = tree.query(shapely.points(points), predicate="intersects")
    cell_of = np.full(n, -1)
    cell_of[order[0]] = order[1]
    cells = cells[cell_of]
    side = regions or max(1, round(np.sqrt(n) / 3))
    gx = np.minimum(((points[:, 0] - minx) / (maxx - minx) * side).astype(int), side - 1)
    gy = np.minimum(((points[:, 1] - miny) / (maxy - miny) * side).astype(int), side - 1)
    region = gx * side + gy
    region_codes = np.array([f"SY{r:03d}" for r in region])
    districts = gpd.GeoDataFrame(
        {
            "pcode": [f"{region_codes[i]}{i:05d}" for i in range(n)],
            "name": [f"District {i}" for i in range(n)],
            "level": 2,
            "parent_pcode": region_codes,
        },
        geometry=cells,
        crs="EPSG:4326",
    )
    dissolved = districts.dissolve(by="parent_pcode").reset_index()
    regions_frame = gpd.GeoDataFrame(
        {
            "pcode": dissolved["parent_pcode"],
            "name": [f"Region {code[2:]}" for code in dissolved["parent_pcode"]],
            "level": 1,
            "parent_pcode": "SY",
        },
        geometry=dissolved.geometry.values,
        crs="EPSG:4326",
    )
    return districts, regions_frame


def synthetic_context(n: int, seed: int = 7) -> AppContext:
    """An ``AppContext`` on ``n`` synthetic districts, scored like a workspace would be."""
    districts, regions = voronoi_coverage(n, seed)
    country = pd.DataFrame(
        {"pcode": ["SY"], "name": ["Synthetic country"], "level": [0], "parent_pcode": [None]}
    )
    areas = pd.concat(
        [
            country,
            pd.DataFrame(regions.drop(columns="geometry")),
            pd.DataFrame(districts.drop(columns="geometry")),
        ],
        ignore_index=True,
    )
    framework = load_framework()
    observations = demo_observations(areas, framework, seed=seed)
    cube = build_cube(
        observations,
        framework,
        parents=dict(zip(areas["pcode"], areas["parent_pcode"], strict=True)),
        levels=dict(zip(areas["pcode"], areas["level"], strict=True)),
    )
    geometry = {2: display_geojson_bytes(districts), 1: display_geojson_bytes(regions)}
    workspace = SimpleNamespace(
        country_name="Synthetic country (fictional)",
        is_fictional=True,
        manifest={"imports": []},
        # the app keeps its job store (PDF exports) in the workspace folder: a scratch one
        path=Path(tempfile.mkdtemp(prefix="synthetic-workspace-")),
        generation=0,
    )
    return AppContext(workspace, framework, cube, areas, geometry)
