"""Boundaries as publishers store them (issue 9 item 4): an area in several features,
areas that overlap, a layer without its parent column."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.areas import AreaError, _listing, _polygonal_part


def dissolve_parts(source, code_col, pcodes, names, parents, geometry, notes):
    """Publishers store a municipality of islands (or of two pieces) as several features
    with one code and one name: that is one area, dissolved into a MultiPolygon. One code
    with different names is two areas under one code, which no import can guess."""
    table = pd.DataFrame({"pcode": pcodes, "name": names, "parent": parents})
    repeated = table["pcode"].duplicated(keep=False)
    if not repeated.any():
        return pcodes, names, parents, geometry
    clashes = []
    for code, rows in table[repeated].groupby("pcode", sort=True):
        spelled = sorted({str(n).strip() for n in rows["name"]})
        if len({str(n).strip().casefold() for n in rows["name"]}) > 1:
            clashes.append(f"{code} ({' / '.join(map(repr, spelled))})")
        elif rows["parent"].nunique(dropna=False) > 1:
            clashes.append(f"{code} (parents {' / '.join(map(str, rows['parent'].unique()))})")
    if clashes:
        codes = [c.split(" (")[0] for c in clashes]
        raise AreaError(
            f"{source}: column {code_col!r} has duplicate P-codes: {_listing(codes)}. They "
            f"name different areas: {_listing(clashes)}. Each area needs its own code; "
            "correct the codes or the names (parts of one area share code and name). If the "
            "codes are unique only within each country or parent, join that column to them, "
            "e.g. --code-column iso3+shapeID."
        )
    parts = table[repeated].groupby("pcode", sort=True).size()
    keep = ~table["pcode"].duplicated(keep="first")
    merged = np.asarray(geometry, dtype=object).copy()
    for code in parts.index:
        members = np.flatnonzero((table["pcode"] == code).to_numpy())
        merged[members[0]] = _polygonal_part(shapely.union_all(merged[members]))
    notes.append(
        f"{source}: {len(parts)} area(s) stored as several features with the same code "
        "and name, dissolved into one each: "
        + _listing(
            [
                f"{code} {table.loc[table['pcode'] == code, 'name'].iloc[0]!r} ({count} parts)"
                for code, count in parts.items()
            ]
        )
    )
    chosen = keep.to_numpy()
    return (
        [p for p, k in zip(pcodes, chosen, strict=True) if k],
        [n for n, k in zip(names, chosen, strict=True) if k],
        [q for q, k in zip(parents, chosen, strict=True) if k],
        merged[chosen],
    )


#: Overlaps under this share of the smaller area are slivers of digitising, not news.
OVERLAP_SHARE = 0.01


def note_overlaps(source, pcodes, geometry, notes) -> None:
    """Areas of one level should not overlap; pairs that do by more than a sliver are
    warned (sums over them would count people twice), not refused: some published
    layers overlap and are still the official ones."""
    geoms = np.asarray(geometry, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    found = []
    for i, j in pairs:
        shared = shapely.intersection(geoms[i], geoms[j]).area
        smaller = min(geoms[i].area, geoms[j].area)
        if smaller > 0 and shared / smaller > OVERLAP_SHARE:
            found.append(f"{pcodes[i]} and {pcodes[j]} ({shared / smaller:.0%} of the smaller)")
    if found:
        notes.append(
            f"{source}: warning: {len(found)} pair(s) of areas overlap by more than "
            f"{OVERLAP_SHARE:.0%}: {_listing(found)}. Figures summed over them count twice."
        )


def parents_from_geometry(
    layer: gpd.GeoDataFrame, parents: gpd.GeoDataFrame
) -> tuple[list[str | None], list[str]]:
    """For a layer without a parent column: each area's parent is the area one level up
    that holds most of it. Returns the parent codes and notes (areas that fit no parent,
    or straddle two)."""
    tree = shapely.STRtree(parents.geometry.values)
    codes: list[str | None] = []
    straddling, outside = [], []
    for pcode, geom in zip(layer["pcode"], layer.geometry.values, strict=True):
        candidates = tree.query(geom, predicate="intersects")
        if len(candidates) == 0:
            codes.append(None)
            outside.append(pcode)
            continue
        shares = [shapely.intersection(geom, parents.geometry.values[c]).area for c in candidates]
        best = int(np.argmax(shares))
        total = geom.area or 1.0
        if shares[best] / total < 0.9:
            straddling.append(f"{pcode} ({shares[best] / total:.0%} in the best parent)")
        codes.append(str(parents["pcode"].iloc[candidates[best]]))
    notes = ["parents derived from geometry: each area's parent holds most of it"]
    if straddling:
        notes.append(f"areas that straddle parents: {_listing(straddling)}")
    if outside:
        notes.append(f"areas outside every parent (no parent): {_listing(outside)}")
    return codes, notes
