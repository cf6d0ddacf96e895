"""Geometry budgets (DESIGN 7, map geometry rows): the display GeoJSON the browser receives.

1. The Nigeria COD-AB layers in ``../shared/data/nigeria`` (37 states, 774 LGAs), read
   and simplified exactly as ``solutions import-areas`` does (``read_area_layer``,
   ``display_geojson_bytes``). Budget: the 774 LGAs under 300 KB raw.
2. The real multi-country layer ``../shared/data/multicountry`` (1,505 admin-1 areas of
   89 countries, 4.9 M vertices), simplified per country (in parallel processes): bytes
   raw and gzipped (budget for 13,000 such polygons with 9.8 M vertices: 8 MB raw, 2 MB
   gzipped; measured here and scaled by source vertices, x1.99), the largest change of a
   country's outline area (budget 2 %), and no gaps or overlaps made by simplification:
   within each country, a coverage that was valid stays valid, no overlap area and no
   hole (a gap) appears; between countries (simplified as one coverage where they
   touch, ``geodata.borders``), the overlap area and the area of holes touching two
   countries (gaps; lakes on a border count in both figures) do not grow.
   Also its wall and CPU time (this process and its worker processes) and peak RSS.
   Then the same rows for the same layer with every segment split at its midpoint
   (9.86 M vertices, the budget row's size on real outlines, measured rather than
   scaled): the time and memory of the size the budget names.
3. A synthetic coverage of 13,000 areas (Voronoi cells in a 10 x 10 degree box, one
   country): bytes, coverage validity, one polygon without holes, no overlap.

    python3 -m benchmarks geometry [--quick]      # --quick: 2,000 synthetic areas

Bytes are exact; times are for information.
"""

from __future__ import annotations

import gzip
import json
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from benchmarks.synthetic import BOX, voronoi_coverage
from geodata import read_area_layer
from geodata.display import MAX_AREA_CHANGE, country_keys, display_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NIGERIA = DATA / "nigeria"
MULTICOUNTRY = DATA / "multicountry" / "geoboundaries_adm1_89countries.gpkg"
LGA_BUDGET = 300 * 1024
RAW_BUDGET = 8 * 1024 * 1024
GZIP_BUDGET = 2 * 1024 * 1024
BUDGET_VERTICES = 9_800_000
BOX_AREA = (BOX[2] - BOX[0]) * (BOX[3] - BOX[1])


def _bytes(collection: dict) -> tuple[bytes, bytes]:
    raw = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return raw, gzip.compress(raw, 6, mtime=0)


def _shapes(collection: dict) -> np.ndarray:
    return np.array(
        [shapely.from_geojson(json.dumps(f["geometry"])) for f in collection["features"]]
    )


def _row(what, figure, unit, budget, ok, baseline=None):
    return {
        "what": what,
        "figure": figure,
        "baseline": baseline,
        "unit": unit,
        "budget": budget,
        "ok": ok,
    }


def nigeria() -> list[dict]:
    rows = []
    for level in (1, 2):
        [path] = sorted(NIGERIA.glob(f"nga_admbnda_adm{level}_*.shp"))
        layer = read_area_layer(path)
        collection, _report = display_report(layer)
        raw, zipped = _bytes(collection)
        budget = "< 300 KB raw" if level == 2 else "(no budget)"
        ok = len(raw) < LGA_BUDGET if level == 2 else None
        what = f"Nigeria admin {level} ({len(layer)} areas) raw; gzip {len(zipped) / 1024:.0f} KB"
        rows.append(_row(what, len(raw) / 1024, "KB", budget, ok))
    return rows


def _gaps(union, parts: np.ndarray) -> int:
    """Holes of the union that touch two or more areas: gaps between neighbours (a hole
    touching one area is a lake, or a bay closed off by simplifying the coast)."""
    count = 0
    for polygon in getattr(union, "geoms", [union]):
        for ring in polygon.interiors:
            hole = shapely.Polygon(ring).buffer(1e-9)
            count += int(shapely.intersects(parts, hole).sum() >= 2)
    return count


def _country_checks(before: np.ndarray, after: np.ndarray, countries: np.ndarray) -> dict:
    """Gaps and overlaps made by simplification, within and between countries."""
    made_overlap = made_holes = broken = 0.0
    outlines_before, outlines_after = [], []
    for country in np.unique(countries):
        rows = countries == country
        b, a = before[rows], after[rows]
        if not shapely.is_valid(b).all():  # a few published shapes are invalid already
            b = shapely.make_valid(b, method="structure", keep_collapsed=False)
        union_b, union_a = shapely.union_all(b), shapely.union_all(a)
        overlap_b = float(shapely.area(b).sum() - union_b.area)
        overlap_a = float(shapely.area(a).sum() - union_a.area)
        made_overlap += max(0.0, overlap_a - overlap_b)
        holes = [_gaps(u, parts) for u, parts in ((union_b, b), (union_a, a))]
        made_holes += max(0, holes[1] - holes[0])
        if shapely.coverage_is_valid(b) and not shapely.coverage_is_valid(a):
            broken += 1
        if overlap_a - overlap_b > 1e-9 or holes[1] > holes[0]:
            print(
                f"  {country}: overlap {overlap_b:.2e} -> {overlap_a:.2e}, holes {holes}",
                file=sys.stderr,
            )
        outlines_before.append(union_b)
        outlines_after.append(union_a)

    def between(outlines):
        outlines = np.array(outlines)
        tree = shapely.STRtree(outlines)
        left, right = tree.query(outlines, predicate="intersects")
        pairs = left < right
        overlap = shapely.intersection(outlines[left[pairs]], outlines[right[pairs]])
        return float(shapely.area(overlap).sum()), _gap_area(shapely.union_all(outlines), tree)

    overlap_before, gap_before = between(outlines_before)
    overlap_after, gap_after = between(outlines_after)
    return {
        "overlap made within countries": made_overlap,
        "holes made within countries": made_holes,
        "coverages broken": broken,
        "overlap between countries before": overlap_before,
        "overlap between countries after": overlap_after,
        "gap between countries before": gap_before,
        "gap between countries after": gap_after,
    }


def _gap_area(union, tree) -> float:
    """Area of the holes of the union that touch two or more countries' outlines: gaps
    between neighbours (and lakes on a border, in both figures alike)."""
    area = 0.0
    for polygon in getattr(union, "geoms", [union]):
        for ring in polygon.interiors:
            hole = shapely.Polygon(ring)
            if len(tree.query(hole.buffer(1e-9), predicate="intersects")) >= 2:
                area += hole.area
    return area


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss() -> tuple[float, float]:
    """Peak resident memory in MiB: this process, and the largest worker process."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_maxrss / 1024, children.ru_maxrss / 1024  # Linux: KiB


def _midpoints(geometry):
    """``geometry`` with every segment split at its midpoint: twice the vertices, the
    same outlines (a shared border gets the same new points on both sides: the midpoint
    of two identical end points is computed identically)."""

    def ring(coords) -> np.ndarray:
        points = np.asarray(coords)
        between = (points[:-1] + points[1:]) / 2
        out = np.empty((len(points) + len(between), points.shape[1]))
        out[0::2], out[1::2] = points, between
        return out

    if geometry.geom_type == "Polygon":
        return shapely.Polygon(
            ring(geometry.exterior.coords), [ring(r.coords) for r in geometry.interiors]
        )
    return shapely.MultiPolygon([_midpoints(part) for part in geometry.geoms])


def multicountry(densify: bool = False) -> list[dict]:
    """The rows for the multi-country layer; with ``densify``, for the same layer with
    every segment split at its midpoint (9.86 M vertices: the budget row's 9.8 M, on real
    outlines), so time and memory are measured at the budget's size, not scaled."""
    frame = gpd.read_file(MULTICOUNTRY, layer="admin_units")
    label = "multi-country"
    if densify:
        frame["geometry"] = [_midpoints(g) for g in frame.geometry.values]
        label = "multi-country x2 vertices"
    # The publisher repeats a few shapeIDs; the display needs unique ids.
    duplicated = frame["shapeID"].duplicated()
    frame["pcode"] = frame["shapeID"].where(
        ~duplicated, frame["shapeID"] + "~" + frame.index.astype(str)
    )
    frame["name"] = frame["shapeName"]
    frame = frame[["pcode", "name", "iso3", "geometry"]]
    start, cpu = time.perf_counter(), _cpu()
    collection, report = display_report(frame)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    raw, zipped = _bytes(collection)
    before = shapely.force_2d(np.asarray(frame.geometry.values, dtype=object))
    after = _shapes(collection)
    invalid = int((~shapely.is_valid(after) & shapely.is_valid(before)).sum())
    checks = _country_checks(before, after, country_keys(frame))
    checks["coverages broken"] += invalid  # a polygon made invalid counts as broken
    worst_country, (tolerance, change, _decimals) = max(report.items(), key=lambda kv: kv[1][1])
    vertices = int(shapely.get_num_coordinates(before).sum())
    shown = int(shapely.get_num_coordinates(after).sum())
    size = f"{len(frame):,} polygons / {len(report)} countries"
    # The budget row is 13,000 polygons with 9.8 M source vertices; this layer has 1,505
    # with 4.9 M. Display bytes follow the coordinates kept, which follow the source's
    # detail and the countries' tolerances, so the bytes are scaled by source vertices.
    scale = max(1.0, BUDGET_VERTICES / vertices)
    grew = checks["overlap between countries after"] - checks["overlap between countries before"]
    no_gaps = (
        # rounding to the grid may leave overlaps of float noise (~1e-12 sq deg)
        checks["overlap made within countries"] < 1e-6
        and checks["holes made within countries"] == 0
        and checks["coverages broken"] == 0
    )
    rss, worker_rss = _peak_rss()
    return [
        _row(
            f"{label} display geometry, wall {seconds:.1f} s; CPU s",
            cpu,
            "s",
            "(no budget)",
            None,
        ),
        _row(
            f"{label} peak RSS MiB, largest worker {worker_rss:.0f}",
            rss,
            "",
            "(no budget)",
            None,
        ),
        _row(
            f"{label} raw, {size}, {seconds:.0f} s: {len(raw) / 2**20:.2f} MiB, "
            f"x{scale:.2f} for 9.8 M vertices",
            scale * len(raw) / 2**20,
            "MiB",
            "< 8 MB raw (for 13,000 polygons)",
            scale * len(raw) < RAW_BUDGET,
        ),
        _row(
            f"{label} gzip, {vertices:,} -> {shown:,} vertices: "
            f"{len(zipped) / 2**20:.2f} MiB, x{scale:.2f}",
            scale * len(zipped) / 2**20,
            "MiB",
            "< 2 MB gzip (for 13,000 polygons)",
            scale * len(zipped) < GZIP_BUDGET,
        ),
        _row(
            f"largest country area change ({worst_country}, tol {tolerance:.2g} deg)",
            100 * change,
            "%",
            "<= 2 % per country",
            change <= MAX_AREA_CHANGE,
        ),
        _row(
            f"made within countries: gaps {checks['holes made within countries']:.0f}, "
            f"coverages broken {checks['coverages broken']:.0f}; overlap sq deg",
            checks["overlap made within countries"],
            "",
            "no gaps or overlaps made",
            no_gaps,
        ),
        _row(
            "overlap between countries, sq deg (baseline: before)",
            checks["overlap between countries after"],
            "",
            "not grown beyond rounding",
            grew < 1e-3,
            baseline=checks["overlap between countries before"] or None,
        ),
        _row(
            "gap between countries, sq deg (baseline: before)",
            checks["gap between countries after"],
            "",
            "not grown beyond rounding",
            checks["gap between countries after"] - checks["gap between countries before"] < 1e-3,
            baseline=checks["gap between countries before"] or None,
        ),
    ]


def synthetic(n: int) -> list[dict]:
    districts, _regions = voronoi_coverage(n, seed=13)
    collection, _report = display_report(districts)
    raw, zipped = _bytes(collection)
    shown = _shapes(collection)
    valid = bool(shapely.coverage_is_valid(shown))
    union = shapely.union_all(shown)
    parts = list(getattr(union, "geoms", [union]))
    holes = sum(len(part.interiors) for part in parts)
    overlap = float(shapely.area(shown).sum() - union.area)
    ok = (
        len(raw) < RAW_BUDGET
        and len(zipped) < GZIP_BUDGET
        and valid
        and len(parts) == 1
        and holes == 0
        and abs(overlap) < 1e-6 * BOX_AREA
        and len(shown) == n
    )
    what = (
        f"synthetic coverage {n:,} areas raw; gzip {len(zipped) / 2**20:.2f} MiB, "
        f"valid {valid}, holes {holes}"
    )
    return [_row(what, len(raw) / 2**20, "MiB", "< 8 MB raw, 2 MB gzip, no gaps", ok)]


def run(quick: bool = False) -> list[dict]:
    rows = []
    if NIGERIA.exists():
        rows += nigeria()
    if MULTICOUNTRY.exists() and not quick:
        rows += multicountry()
        rows += multicountry(densify=True)
    rows += synthetic(2_000 if quick else 13_000)
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import print_rows

    print_rows(run("--quick" in sys.argv))
