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
    sides onto each other."""
    if shapely.coverage_is_valid(geoms):
        return geoms, np.zeros(len(geoms), dtype=bool)
    if not shapely.is_valid(geoms).all():
        return None
    cleaned = shapely.coverage_clean(geoms, gap_width=gap_width, merge_strategy="min_area")
    lost = shapely.is_empty(cleaned) | ~(shapely.area(cleaned) > 0)
    if not shapely.coverage_is_valid(cleaned[~lost]):
        return None
    return cleaned, lost


def _sea(coverage: np.ndarray):
    """Everything around and between the group, in a box: edge-matched to the coverage
    (a difference with a box that does not touch it adds no vertex)."""
    minx, miny, maxx, maxy = shapely.total_bounds(coverage)
    margin = max(maxx - minx, maxy - miny, 1.0)
    box = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    return shapely.difference(box, shapely.coverage_union_all(coverage))


def staged_simplify(coverage: np.ndarray, tolerance: np.ndarray, first: dict | None = None):
    """Simplify a valid coverage with a tolerance per polygon; the edge between two
    polygons gets the smaller of their tolerances, a coast the polygon's own (see the
    module docstring). ``first`` keeps the costly first pass (the whole coverage at the
    smallest tolerance) between calls, keyed by that tolerance."""
    levels = np.unique(tolerance)
    first = {} if first is None else first
    if float(levels[0]) not in first:
        first[float(levels[0])] = shapely.coverage_simplify(coverage, float(levels[0]))
    out = first[float(levels[0])].copy()
    if len(levels) == 1:
        return out
    sea = _sea(out)
    for level in levels[1:]:
        rows = tolerance >= level
        part = np.concatenate([out[rows], np.array([sea], dtype=object)])
        part = shapely.coverage_simplify(part, float(level), simplify_boundary=False)
        out[rows], sea = part[:-1], part[-1]
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
