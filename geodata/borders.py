"""Countries that touch are simplified together, so that a border is simplified once.

Simplifying each country as its own coverage simplifies a border between two countries
twice, with two tolerances, and the two versions cross: overlaps and gaps that the
source did not have (DESIGN 7). Here the countries of a layer are grouped by the
land-border graph (connected components of "within a tolerance of each other"), and
each group is cleaned into one coverage and simplified with every edge at the tolerance
of the finer of the two countries on its sides:

1. the whole group at the smallest tolerance (every edge needs at least that);
2. then, for each larger tolerance ``t`` in turn, only the areas of countries whose own
   tolerance is at least ``t``, together with one "sea" polygon (the complement of the
   group in a box), with ``simplify_boundary=False``: their shared edges and coasts (edges
   with the sea) are inner edges and are simplified further, while their borders with
   finer countries and those countries' coasts are the boundary of this sub-coverage and
   stay as they were.

Visvalingam-Whyatt removes the smallest triangles first, so simplifying on from a
smaller tolerance is the same as starting from the full edge, and the topology checks
of the coverage simplifier see every edge that could be crossed (the frozen borders are
the sub-coverage's boundary). Tolerances are rounded down to a ladder of powers of
sqrt(2) so a group of 60 countries takes about ten passes, not sixty.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["clean_group", "ladder", "neighbour_groups", "round_shared", "staged_simplify"]


def ladder(tolerance: np.ndarray) -> np.ndarray:
    """Round down to a power of sqrt(2) (at most 29 % finer than asked)."""
    tolerance = np.asarray(tolerance, dtype=float)
    out = np.zeros_like(tolerance)
    positive = tolerance > 0
    out[positive] = 2.0 ** (np.floor(2 * np.log2(tolerance[positive]) + 1e-9) / 2)
    return out


def neighbour_groups(geoms: np.ndarray, country: np.ndarray, distance: np.ndarray) -> list:
    """Groups of countries (lists of country indices) whose areas come within
    ``distance[country]`` of each other: connected components of the border graph.
    Within a tolerance, not only touching: two sources whose common border does not
    match leave a thin gap, and simplifying each side on its own would cross it."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=distance[country])
    parent = np.arange(int(country.max()) + 1 if len(country) else 0)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in set(zip(country[left].tolist(), country[right].tolist(), strict=True)):
        if a != b:
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for k in range(len(parent)):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def clean_group(geoms: np.ndarray, gap_width: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The group as one valid coverage, and which areas cleaning emptied; None if the
    sources are not valid polygons.

    Overlaps between the countries' sources go to the smaller area ('min_area'): a
    small area inside a large neighbour keeps its shape (the large one gets the hole),
    and a small country does not lose the strip it shares with a large one. An area
    that the source covers twice over (a publisher's duplicate) can still come out
    empty: the caller draws it inside the areas that took it. Gaps narrower than
    ``gap_width`` (slivers where two publishers' borders do not meet) are closed: the
    simplification cannot show them, and rounding to the grid would fold their two
    sides onto each other.

    Only the border zone is cleaned: the areas with an invalid edge (an overlap, a
    border whose vertices do not match, a narrow gap) and the areas beside them. Most
    areas of a group are interior, and cleaning the whole group costs ~20 s on 60
    countries; the result is checked as one coverage, and the whole group is cleaned if
    the zone alone did not give one."""
    dirty = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms, gap_width=gap_width))
    if not dirty.any():
        return geoms, np.zeros(len(geoms), dtype=bool)
    if not shapely.is_valid(geoms).all():
        return None
    tree = shapely.STRtree(geoms)
    zone = np.union1d(np.flatnonzero(dirty), tree.query(geoms[dirty], predicate="intersects")[1])
    for rows in (zone, np.arange(len(geoms))):
        cleaned = geoms.copy()
        cleaned[rows] = shapely.coverage_clean(
            geoms[rows], gap_width=gap_width, merge_strategy="min_area"
        )
        lost = shapely.is_empty(cleaned) | ~(shapely.area(cleaned) > 0)
        if shapely.coverage_is_valid(cleaned[~lost]):
            return cleaned, lost
    return None


def _sea(coverage: np.ndarray):
    """Everything around and between the group, in a box: edge-matched to the coverage
    (a difference with a box that does not touch it adds no vertex)."""
    minx, miny, maxx, maxy = shapely.total_bounds(coverage)
    margin = max(maxx - minx, maxy - miny, 1.0)
    box = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    return shapely.difference(box, shapely.coverage_union_all(coverage))


def staged_simplify(coverage: np.ndarray, tolerance: np.ndarray, cache: dict | None = None):
    """Simplify a valid coverage with a tolerance per polygon; the edge between two
    polygons gets the smaller of their tolerances, a coast the polygon's own (see the
    module docstring). ``cache`` keeps each stage's result between calls on the same
    coverage: a stage depends only on the stages before it (their levels and which
    polygons took part), so when the caller halves one country's tolerance, the stages
    below the new tolerance are reused and only the later ones run again."""
    levels = np.unique(tolerance)
    cache = {} if cache is None else cache
    key: tuple = (float(levels[0]),)
    if key not in cache:
        first = shapely.coverage_simplify(coverage, float(levels[0]))
        cache[key] = (first, _sea(first) if len(levels) > 1 else None)
    out, sea = cache[key]
    out = out.copy()
    if sea is None and len(levels) > 1:
        sea = _sea(out)
        cache[key] = (cache[key][0], sea)
    for level in levels[1:]:
        rows = tolerance >= level
        key = (*key, float(level), rows.tobytes())
        if key not in cache:
            part = np.concatenate([out[rows], np.array([sea], dtype=object)])
            part = shapely.coverage_simplify(part, float(level), simplify_boundary=False)
            cache[key] = (part[:-1], part[-1])
        part_rows, sea = cache[key]
        out[rows] = part_rows
    return out


def round_shared(geoms: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Round every vertex to the grid of its polygon (``decimals``, one per polygon), or
    to the finest grid among the polygons that share it: a border vertex of a large
    country and a small one lands on the small one's grid on both sides, so the border
    stays shared, while the large country's other vertices keep its coarser grid."""
    coords = shapely.get_coordinates(geoms)
    if not len(coords):
        return geoms
    owner = np.repeat(np.asarray(decimals, dtype=int), shapely.get_num_coordinates(geoms))
    _unique, inverse = np.unique(coords, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    finest = np.zeros(int(inverse.max()) + 1, dtype=int)
    np.maximum.at(finest, inverse, owner)
    scale = (10.0 ** finest[inverse])[:, None]
    # The same arithmetic as np.round(coords, places): one grid gives identical numbers.
    return shapely.set_coordinates(np.array(geoms, dtype=object), np.round(coords * scale) / scale)
