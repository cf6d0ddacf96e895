"""Geometry budgets (DESIGN 7, rows 2 and 3): the display GeoJSON the browser receives.

1. The Nigeria COD-AB layers in ``../shared/data/nigeria`` (36 states + FCT, 774 LGAs),
   read and simplified exactly as ``solutions import-areas`` does (``read_area_layer``,
   ``display_geojson_bytes``): bytes per level, raw and gzipped (as the app serves them:
   compressed once at start, ``dashboard/app.py``). Budget: the 774 LGAs under 400 KB.
2. A synthetic coverage of 13,000 areas (Voronoi cells of seeded random points in a
   10 x 10 degree box) simplified the same way: bytes under 6 MB, and no gaps or overlaps
   between neighbours after simplification: ``shapely.coverage_is_valid`` holds, the
   union is one polygon without holes (a gap between neighbours would be a hole), and
   the areas add up to the union (no overlap). How much the outline lost to
   simplification is shown too.

    python benchmarks/geometry.py [--nigeria DIR] [--areas 13000]

Bytes are exact; the times are for information.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import BOX, voronoi_coverage

from geodata import read_area_layer
from geodata.display import display_geojson_bytes

NIGERIA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nigeria"
LGA_BUDGET = 400 * 1024
LARGE_BUDGET = 6 * 1024 * 1024
BOX_AREA = (BOX[2] - BOX[0]) * (BOX[3] - BOX[1])


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def _coordinates(collection: dict) -> int:
    return sum(
        len(shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))))
        for f in collection["features"]
    )


def nigeria(folder: Path) -> list[tuple]:
    rows = []
    for level in (1, 2):
        [path] = sorted(folder.glob(f"nga_admbnda_adm{level}_*.shp"))
        layer = read_area_layer(path)
        start = time.perf_counter()
        raw = display_geojson_bytes(layer)
        seconds = time.perf_counter() - start
        zipped = gzip.compress(raw, 6, mtime=0)
        source = sum(len(shapely.get_coordinates(g)) for g in layer.geometry.values)
        shown = len(shapely.get_coordinates(shapely.from_geojson(raw.decode())))
        budget = "< 400 KB" if level == 2 else ""
        ok = None if level != 2 else max(len(raw), len(zipped)) < LGA_BUDGET
        rows.append(
            (
                f"Nigeria admin {level} ({len(layer)} areas)",
                f"{source:,} -> {shown:,}",
                _kb(len(raw)),
                _kb(len(zipped)),
                f"{seconds:.2f} s",
                budget,
                ok,
            )
        )
    return rows


def large(n: int) -> tuple[list[tuple], list[str]]:
    districts, _regions = voronoi_coverage(n, seed=13)
    start = time.perf_counter()
    raw = display_geojson_bytes(districts)
    seconds = time.perf_counter() - start
    zipped = gzip.compress(raw, 6, mtime=0)
    collection = json.loads(raw)
    shown = np.array(
        [shapely.from_geojson(json.dumps(f["geometry"])) for f in collection["features"]]
    )
    source = int(shapely.get_coordinates(districts.geometry.values).shape[0])
    coords = int(shapely.get_coordinates(shown).shape[0])
    valid = bool(shapely.coverage_is_valid(shown))
    union = shapely.union_all(shown)
    parts = list(getattr(union, "geoms", [union]))
    holes = sum(len(part.interiors) for part in parts)
    total = float(shapely.area(shown).sum())
    overlap = float(total - union.area)
    outline = float(shapely.union_all(districts.geometry.values).area - union.area)
    checks = [
        f"coverage_is_valid after simplification: {valid}",
        f"union: {len(parts)} polygon(s), {holes} hole(s) (a gap between neighbours "
        "would be a hole)",
        f"sum of areas - union = {overlap:.1e} sq deg (an overlap would be > 0)",
        f"outline simplified: union {union.area:.6f} of {BOX_AREA:.0f} sq deg "
        f"({outline / BOX_AREA:.4%} lost at the box's edge, not between neighbours)",
        f"features kept: {len(shown):,} of {n:,}; empty: {int(shapely.is_empty(shown).sum())}",
    ]
    ok = (
        len(raw) < LARGE_BUDGET
        and valid
        and len(parts) == 1
        and holes == 0
        and abs(overlap) < 1e-6 * BOX_AREA
        and len(shown) == n
    )
    rows = [
        (
            f"synthetic coverage ({n:,} areas)",
            f"{source:,} -> {coords:,}",
            _kb(len(raw)),
            _kb(len(zipped)),
            f"{seconds:.2f} s",
            "< 6 MB, no gaps/overlaps",
            ok,
        )
    ]
    return rows, checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nigeria", type=Path, default=NIGERIA)
    parser.add_argument("--areas", type=int, default=13_000)
    args = parser.parse_args(argv)

    rows = nigeria(args.nigeria) if args.nigeria.exists() else []
    if not rows:
        print(f"note: no Nigeria layers in {args.nigeria}; skipped", file=sys.stderr)
    large_rows, checks = large(args.areas)
    rows += large_rows
    header = ("display geometry", "coordinates", "raw", "gzip", "build", "budget", "")
    table = [header, *((*r[:6], "" if r[6] is None else ("ok" if r[6] else "OVER")) for r in rows)]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    for line in checks:
        print("  " + line)
    ok = all(r[6] for r in rows if r[6] is not None)
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
