"""Admin-area layers: read COD-AB style files into the canonical frame, check, store.

The canonical area frame (DESIGN sections 2 and 3.2) is a GeoDataFrame with
the columns ``pcode`` (str), ``name`` (str), ``level`` (int), ``parent_pcode`` (str or
None) and ``geometry`` (Polygon or MultiPolygon), in EPSG:4326, sorted by level, then
pcode, with a fresh RangeIndex. Where a layer also names its areas in Arabic, Spanish or
French (COD-AB ``ADMn_AR``, ``ADMn_ES``, ``ADMn_FR``) the frame has ``name_ar``,
``name_es``, ``name_fr`` (str, or None where the layer gives none): ``NAME_COLUMNS``.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geodata.errors import AreaError

__all__ = [
    "CANONICAL_COLUMNS",
    "NAME_COLUMNS",
    "AreaError",
    "check_hierarchy",
    "load_areas",
    "read_area_layer",
    "write_areas",
]

CANONICAL_COLUMNS = ("pcode", "name", "level", "parent_pcode", "geometry")
#: Optional names in other languages, from COD-AB ``ADMn_<LANG>`` columns (DESIGN 5.2).
NAME_LANGUAGES = ("ar", "es", "fr")
NAME_COLUMNS = tuple(f"name_{lang}" for lang in NAME_LANGUAGES)

_CRS = "EPSG:4326"
_LAYER_PREFIX = "level_"
_MAX_LEVEL = 6
_MAX_LISTED = 10
_USAGE_HINT = (
    "Say which columns hold what with --level N --code-column C --name-column C "
    "[--parent-column C]."
)
_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
#: Zipped shapefiles are read in place (GDAL's /vsizip/), never extracted; still, a zip
#: whose members would inflate beyond these limits is refused before GDAL sees it.
_ZIP_MAX_TOTAL = 2 * 2**30
_ZIP_MAX_RATIO = 200
_ZIP_RATIO_FLOOR = 2**20  # members smaller than this cannot make a bomb
_ZIP_LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".topojson")
_TOPOJSON = re.compile(rb'"type"\s*:\s*"Topology"')


# -- column recognition -------------------------------------------------------------------


def _pcode_candidates(n: int) -> list[str]:
    # current COD-AB, older COD-AB (same spelling in capitals), shapefile-truncated ones
    return [f"adm{n}_pcode", f"admin{n}pcode", f"admin{n}pcod", f"adm{n}pcode"]


def _name_candidates(n: int) -> list[str]:
    return [
        f"adm{n}_name",
        f"adm{n}_en",
        f"adm{n}_fr",
        f"adm{n}_es",
        f"adm{n}_pt",
        f"adm{n}_ref",
        f"admin{n}name",
        f"admin{n}name_en",
        f"adm{n}_name1",
    ]


def _find_column(columns: Iterable[str], candidates: list[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    return None


def _deepest_level(columns: Iterable[str]) -> int | None:
    columns = list(columns)
    found = [n for n in range(_MAX_LEVEL + 1) if _find_column(columns, _pcode_candidates(n))]
    return max(found) if found else None


def _level_from_column_name(column: str) -> int | None:
    match = re.fullmatch(r"adm(?:in)?(\d)_?p?cod[e]?", column.lower())
    return int(match.group(1)) if match else None


# -- small helpers -------------------------------------------------------------------------


def _listing(items: list, limit: int = _MAX_LISTED) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def _first_sentence(exc: Exception) -> str:
    # GDAL appends generic advice after a semicolon; the first part is the useful one
    return str(exc).split(";")[0].strip().rstrip(".")


def _codes(values: pd.Series) -> list[str | None]:
    """Codes as stripped strings; None where empty. Integral floats lose their '.0'."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and np.all(np.mod(finite, 1) == 0):
            values = values.astype("Int64")
    out: list[str | None] = []
    for v in values.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
            continue
        text = str(v).strip()
        out.append(text or None)
    return out


def _polygonal_part(geom):
    """The polygonal part of a (repaired) geometry: Polygon, MultiPolygon or empty."""
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _optional_text(values) -> list[str | None]:
    return [None if v is None or v is pd.NA or v != v or v == "" else str(v) for v in values]


def _other_names(frame: pd.DataFrame) -> dict[str, list[str | None]]:
    """The ``name_<lang>`` columns of a frame that hold at least one name."""
    found = {c: _optional_text(frame[c]) for c in NAME_COLUMNS if c in frame.columns}
    return {c: values for c, values in found.items() if any(values)}


def _names_in_languages(raw: pd.DataFrame, level: int) -> dict[str, list[str | None]]:
    """``name_ar``/``name_es``/``name_fr`` from a layer's ``ADMn_AR``/``ES``/``FR``."""
    found = {}
    for lang in NAME_LANGUAGES:
        column = _find_column(raw.columns, [f"adm{level}_{lang}"])
        if column is not None:
            values = _codes(raw[column])
            if any(values):
                found[f"name_{lang}"] = values
    return found


def _by_code(
    columns: dict[str, list[str | None]], codes: list[str], wanted: list[str]
) -> dict[str, list[str | None]]:
    """Per-feature values as per-area values: the first value given for each P-code."""
    out = {}
    for column, values in columns.items():
        first: dict[str, str] = {}
        for code, value in zip(codes, values, strict=True):
            if value is not None:
                first.setdefault(code, value)
        out[column] = [first.get(code) for code in wanted]
    return out


def _canonical_frame(pcode, name, level, parent, geometry, other_names=None) -> gpd.GeoDataFrame:
    """Build the canonical frame with exact dtypes, so every path gives equal frames."""
    parent_values = [None if p is None or p is pd.NA or p != p else str(p) for p in parent]
    others = {c: pd.Series(v, dtype="object") for c, v in (other_names or {}).items()}
    frame = gpd.GeoDataFrame(
        {
            "pcode": pd.Series(list(pcode), dtype="str"),
            "name": pd.Series(list(name), dtype="str"),
            "level": pd.Series(list(level), dtype="int64"),
            "parent_pcode": pd.Series(parent_values, dtype="object"),
            **others,
        },
        geometry=gpd.GeoSeries(list(geometry)).values,
        crs=_CRS,
    )
    frame = frame.sort_values(["level", "pcode"], kind="stable").reset_index(drop=True)
    return frame


# -- reading -------------------------------------------------------------------------------


def _zip_source(path: Path) -> str:
    """The /vsizip/ path GDAL reads a zipped layer through, after checking the zip's
    central directory: no member may point outside the archive or inflate like a bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise AreaError(f"{path}: not a readable zip file ({exc}).") from exc
    unsafe = [
        m.filename
        for m in members
        if m.filename.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", m.filename)
        or ".." in re.split(r"[/\\]", m.filename)
    ]
    if unsafe:
        raise AreaError(
            f"{path}: unsafe path in zip: {_listing(unsafe)} (absolute or '..' paths "
            "point outside the archive). Zip the layer's files again from their folder."
        )
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    ratio_limit = [max(_ZIP_RATIO_FLOOR, _ZIP_MAX_RATIO * m.compress_size) for m in members]
    bombs = [
        m.filename for m, limit in zip(members, ratio_limit, strict=True) if m.file_size > limit
    ]
    detail = None
    if total > _ZIP_MAX_TOTAL:
        detail = (
            f"members inflate to {total / 2**30:.1f} GB, more than {_ZIP_MAX_TOTAL // 2**30} GB"
        )
    elif bombs or total > max(_ZIP_RATIO_FLOOR, _ZIP_MAX_RATIO * packed):
        detail = f"{_listing(bombs) or 'its members'} inflate more than {_ZIP_MAX_RATIO}:1"
    if detail:
        raise AreaError(
            f"{path}: refused as a zip bomb: {detail}. Boundary files are never this "
            "large or this compressible; check where the file came from."
        )
    layers = [
        m.filename
        for m in members
        if not m.is_dir() and m.filename.lower().endswith(_ZIP_LAYER_SUFFIXES)
    ]
    shapefiles = [name for name in layers if name.lower().endswith(".shp")]
    chosen = shapefiles or layers
    if not chosen:
        raise AreaError(
            f"{path}: the zip holds no shapefile, GeoPackage or GeoJSON "
            f"(members: {_listing([m.filename for m in members])})."
        )
    folders = {name.rpartition("/")[0] for name in chosen}
    inside = chosen[0] if len(chosen) == 1 else folders.pop() if len(folders) == 1 else None
    if inside is None:
        raise AreaError(
            f"{path}: the zip holds layers in several folders ({_listing(chosen)}); "
            "zip one layer's files."
        )
    return f"/vsizip/{path.absolute()}" + (f"/{inside}" if inside else "")


def _is_topojson(path: Path) -> bool:
    """TopoJSON as GDAL recognises it: a JSON object saying ``"type": "Topology"`` early."""
    if path.suffix.lower() not in (".json", ".topojson", ".geojson"):
        return False
    with path.open("rb") as handle:
        return bool(_TOPOJSON.search(handle.read(65536)))


def _read_raw(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    if not path.exists():
        raise AreaError(f"{path}: file not found. Check the path and the file name.")
    source = _zip_source(path) if path.suffix.lower() == ".zip" and path.is_file() else path
    try:
        layers = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise AreaError(
            f"{path}: cannot be read as a GeoJSON, TopoJSON, GeoPackage or shapefile "
            f"({_first_sentence(exc)}). "
            "Check that the file is complete and in one of these formats."
        ) from exc
    if layer is None and len(layers) > 1:
        polygon_layers = [str(name) for name, gtype in layers if "polygon" in str(gtype).lower()]
        if len(polygon_layers) != 1:
            raise AreaError(
                f"{path}: holds {len(layers)} layers "
                f"({_listing([str(n) for n, _ in layers])}); "
                f"{len(polygon_layers)} of them are polygon layers. "
                "Name the layer to read, or export that layer to its own file."
            )
        layer = polygon_layers[0]
    try:
        return gpd.read_file(source, engine="pyogrio", layer=layer)
    except Exception as exc:
        raise AreaError(
            f"{path}: cannot be read{f' (layer {layer!r})' if layer else ''} "
            f"({_first_sentence(exc)}). "
            "Check that the file is complete and in a supported format."
        ) from exc


def _to_lonlat(
    raw: gpd.GeoDataFrame, source: str, notes: list[str], topojson: bool = False
) -> gpd.GeoDataFrame:
    if topojson:  # the format has no way to state a CRS: whatever GDAL assumed, say so
        raw = raw.set_crs(None, allow_override=True)
    minx, miny, maxx, maxy = raw.total_bounds
    lonlat = np.all(np.isfinite([minx, miny, maxx, maxy])) and (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    )
    degrees = np.all(np.isfinite([minx, miny, maxx, maxy])) and (
        -360 <= minx <= maxx <= 360 and -91 <= miny <= maxy <= 91
    )
    if raw.crs is not None and raw.crs.is_geographic and not degrees:
        # GeoJSON without a "crs" member is read as EPSG:4326 whatever its numbers are
        raise AreaError(
            f"{source}: the coordinates (x {minx:g} to {maxx:g}, y {miny:g} to {maxy:g}) are "
            f"not longitude/latitude, though the file is read as {raw.crs.to_string()} (a "
            "GeoJSON without a 'crs' member is taken as EPSG:4326). Reproject the file to "
            "EPSG:4326, or save it as GeoPackage or shapefile with its CRS."
        )
    if raw.crs is None:
        if lonlat:
            if topojson:
                notes.append(
                    f"{source}: TopoJSON states no coordinate reference system; "
                    "taken as EPSG:4326 (lon/lat)."
                )
            else:
                notes.append(
                    f"{source}: no coordinate reference system; assumed EPSG:4326 (lon/lat)."
                )
            return raw.set_crs(_CRS)
        raise AreaError(
            f"{source}: no coordinate reference system, and the coordinates "
            f"(x {minx:g} to {maxx:g}, y {miny:g} to {maxy:g}) are not longitude/latitude. "
            "Save the file again with its CRS (e.g. a .prj next to a shapefile, or as "
            "GeoPackage), or reproject it to EPSG:4326."
        )
    if raw.crs.to_epsg() == 4326 or raw.crs.equals("OGC:CRS84"):
        return raw.set_crs(_CRS, allow_override=True)
    notes.append(f"{source}: reprojected from {raw.crs.to_string()} to EPSG:4326.")
    return raw.to_crs(_CRS)


def _resolve_columns(
    raw: gpd.GeoDataFrame,
    source: str,
    level: int | None,
    code_column: str | None,
    name_column: str | None,
    parent_column: str | None,
) -> tuple[int, str, str | None, str | None]:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    found = f"Columns found: {_listing(columns, 40)}."
    for given, what in ((code_column, "code"), (name_column, "name"), (parent_column, "parent")):
        if given is not None and given not in columns:
            raise AreaError(f"{source}: the {what} column {given!r} is not in the file. {found}")
    if level is None:
        if code_column is not None:
            level = _level_from_column_name(code_column)
        if level is None:
            level = _deepest_level(columns)
        if level is None:
            raise AreaError(
                f"{source}: no P-code column recognised (COD-AB names such as adm2_pcode, "
                f"ADM2_PCODE or admin2Pcod). {found} {_USAGE_HINT}"
            )
    if not isinstance(level, (int, np.integer)) or isinstance(level, bool) or level < 0:
        raise AreaError(f"{source}: the level must be a whole number 0 or more, not {level!r}.")
    level = int(level)
    if code_column is None:
        code_column = _find_column(columns, _pcode_candidates(level))
        if code_column is None:
            raise AreaError(
                f"{source}: no P-code column for admin level {level} (such as "
                f"adm{level}_pcode). {found} {_USAGE_HINT}"
            )
    if name_column is None:
        for cand in _name_candidates(level):
            col = _find_column(columns, [cand])
            if col is not None and any(_codes(raw[col])):
                name_column = col
                break
    if parent_column is None and level > 0:
        parent_column = _find_column(columns, _pcode_candidates(level - 1))
    return level, code_column, name_column, parent_column


#: Joins the columns of ``--code-column A+B`` into one code.
CODE_JOINER = "-"


def _joined_code_column(
    raw: gpd.GeoDataFrame, source: str, code_column: str | None, notes: list[str]
) -> gpd.GeoDataFrame:
    """``--code-column iso3+shapeID``: a code made by joining columns, for files whose
    codes are unique only within a country or parent (geoBoundaries reuses ``0``..``3``
    in Kenya and Uganda). A stated rule, named in the notes, never a guess: it applies
    only when the user writes ``+`` and no column has that very name."""
    if not code_column or "+" not in code_column or code_column in raw.columns:
        return raw
    parts = [part.strip() for part in code_column.split("+")]
    columns = [c for c in raw.columns if c != raw.geometry.name]
    absent = [part for part in parts if part not in columns]
    if absent or len(parts) < 2 or not all(parts):
        raise AreaError(
            f"{source}: --code-column {code_column!r} joins columns with '+', but "
            f"{_listing(absent or [code_column])} is not a column of the file. "
            f"Columns found: {_listing(columns, 40)}."
        )
    values = [_codes(raw[part]) for part in parts]
    joined = [
        None if any(v is None for v in row) else CODE_JOINER.join(row)
        for row in zip(*values, strict=True)
    ]
    raw = raw.copy()
    raw[code_column] = joined
    example = next((code for code in joined if code is not None), "")
    notes.append(
        f"{source}: codes made by joining columns {' and '.join(map(repr, parts))} with "
        f"{CODE_JOINER!r} (for example {example!r}), as --code-column asked."
    )
    return raw


def read_area_layer(
    path: str | os.PathLike,
    *,
    level: int | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one admin-area layer into the canonical frame: GeoJSON, GeoPackage, TopoJSON
    (taken as EPSG:4326, which it cannot state), a shapefile, or a zipped one (checked for
    unsafe paths and zip bombs, then read in place).

    COD-AB columns are recognised (adm2_pcode / ADM2_PCODE / admin2Pcod ...); the other
    arguments say which columns hold what in other files. Notes on what was repaired or
    assumed are in ``frame.attrs["notes"]`` (a list of strings). Raises AreaError.
    """
    path = Path(path)
    return _canonicalise(
        _read_raw(path, layer),
        str(path),
        level=level,
        code_column=code_column,
        name_column=name_column,
        parent_column=parent_column,
        topojson=path.is_file() and _is_topojson(path),
    )


def _canonicalise(
    raw: gpd.GeoDataFrame,
    source: str,
    *,
    level: int | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    topojson: bool = False,
) -> gpd.GeoDataFrame:
    """The checks and renames of read_area_layer on a frame already in memory."""
    notes: list[str] = []
    if len(raw) == 0:
        raise AreaError(f"{source}: the layer holds no features. Check that it is the right file.")
    raw = _joined_code_column(raw, source, code_column, notes)
    level, code_col, name_col, parent_col = _resolve_columns(
        raw, source, level, code_column, name_column, parent_column
    )
    raw = _to_lonlat(raw, source, notes, topojson)

    pcodes = _codes(raw[code_col])
    missing = [i + 1 for i, c in enumerate(pcodes) if c is None]
    if missing:
        raise AreaError(
            f"{source}: column {code_col!r} is empty in {len(missing)} row(s): "
            f"rows {_listing(missing)} (counting features from 1). Every area needs a P-code."
        )

    if name_col is None:
        names = list(pcodes)
        notes.append(f"{source}: no name column recognised; the P-codes are used as names.")
    else:
        raw_names = _codes(raw[name_col])
        unnamed = [p for p, n in zip(pcodes, raw_names, strict=True) if n is None]
        if unnamed:
            notes.append(
                f"{source}: column {name_col!r} is empty for {len(unnamed)} area(s) "
                f"({_listing(unnamed)}); their P-codes are used as names."
            )
        names = [n if n is not None else p for p, n in zip(pcodes, raw_names, strict=True)]

    parents: list[str | None] = [None] * len(pcodes)
    if parent_col is not None:
        parents = _codes(raw[parent_col])
        orphans = [p for p, q in zip(pcodes, parents, strict=True) if q is None]
        if orphans:
            notes.append(
                f"{source}: column {parent_col!r} is empty for {len(orphans)} area(s) "
                f"({_listing(orphans)})."
            )

    geometry = _check_geometry(raw.geometry.values, pcodes, source, notes)
    # Names in other languages, per feature, follow their P-code through the dissolve.
    other_names = _names_in_languages(raw, level)
    feature_codes = list(pcodes)
    from geodata.parts import dissolve_parts, note_overlaps  # it uses this module's helpers

    pcodes, names, parents, geometry = dissolve_parts(
        source, code_col, pcodes, names, parents, geometry, notes
    )
    note_overlaps(source, pcodes, geometry, notes)
    frame = _canonical_frame(
        pcodes,
        names,
        [level] * len(pcodes),
        parents,
        geometry,
        _by_code(other_names, feature_codes, pcodes),
    )
    frame.attrs["notes"] = notes
    # COD-AB layers carry the country's name on every feature; a workspace uses it as
    # its title until someone names it otherwise.
    for column in ("adm0_name", "ADM0_EN", "adm0_en", "ADM0_NAME", "admin0Name", "ADM0_FR"):
        if column in raw.columns and raw[column].notna().any():
            frame.attrs["country"] = str(raw[column].dropna().iloc[0]).strip().title()
            break
    return frame


def _check_geometry(geoms, pcodes: list[str], source: str, notes: list[str]) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    empty = [pcodes[i] for i, g in enumerate(geoms) if g is None or g.is_empty]
    if empty:
        raise AreaError(
            f"{source}: column 'geometry' is empty for {len(empty)} area(s): "
            f"{_listing(empty)}. Every area needs a polygon; fix or remove these features."
        )
    geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [3, 6])  # Polygon, MultiPolygon
    collections = types == 7
    bad = [f"{pcodes[i]} ({geoms[i].geom_type})" for i in np.flatnonzero(~polygonal & ~collections)]
    if bad:
        raise AreaError(
            f"{source}: column 'geometry' holds {len(bad)} feature(s) that are not polygons: "
            f"{_listing(bad)}. Area layers need polygons or multipolygons; use the "
            "boundary polygons file, not the points or lines file."
        )
    invalid = np.flatnonzero(collections | ~shapely.is_valid(geoms))
    if len(invalid):
        fixed = geoms.copy()
        for i in invalid:
            fixed[i] = _polygonal_part(shapely.make_valid(geoms[i]))
        collapsed = [pcodes[i] for i in invalid if fixed[i] is None or fixed[i].is_empty]
        if collapsed:
            raise AreaError(
                f"{source}: column 'geometry' of {_listing(collapsed)} has no polygon left "
                "after repair. Fix these features in a GIS and read the file again."
            )
        notes.append(
            f"{source}: repaired {len(invalid)} invalid geometr"
            f"{'y' if len(invalid) == 1 else 'ies'} with make_valid "
            f"({_listing([pcodes[i] for i in invalid])})."
        )
        geoms = fixed
    return geoms


# -- checks --------------------------------------------------------------------------------


def check_hierarchy(areas: gpd.GeoDataFrame) -> list[str]:
    """Problems in the admin hierarchy: a child whose parent is not among the parent level.

    Only levels whose parent level is loaded are checked. An empty list means no problem.
    """
    problems: list[str] = []
    levels = set(int(lv) for lv in areas["level"].unique())
    for lv in sorted(levels):
        if lv - 1 not in levels:
            continue
        known = set(areas.loc[areas["level"] == lv - 1, "pcode"])
        children = areas[areas["level"] == lv]
        for pcode, parent in zip(children["pcode"], children["parent_pcode"], strict=True):
            if parent is None or parent != parent:
                problems.append(f"level {lv} area {pcode} has no parent P-code")
            elif parent not in known:
                problems.append(
                    f"level {lv} area {pcode}: parent {parent} is not among the "
                    f"level {lv - 1} areas"
                )
    return problems


# -- storage -------------------------------------------------------------------------------


def _check_canonical(gdf: gpd.GeoDataFrame) -> None:
    missing = [c for c in CANONICAL_COLUMNS if c not in gdf.columns]
    if missing:
        raise ValueError(f"not a canonical area frame: missing columns {missing}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"area frame must be in EPSG:4326, not {gdf.crs}")
    if gdf.duplicated(["pcode"]).any():
        dups = sorted(set(gdf.loc[gdf.duplicated(["pcode"]), "pcode"]))
        raise ValueError(f"duplicate P-codes across levels: {_listing(dups)}")


def write_areas(gdf: gpd.GeoDataFrame, gpkg_path: str | os.PathLike) -> None:
    """Write all levels of a canonical frame to one GeoPackage, one layer ``level_N`` each.

    The file is replaced atomically: written next to the target, then renamed over it, so
    a failure leaves any earlier file as it was.
    """
    _check_canonical(gdf)
    target = Path(gpkg_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}-", suffix=".tmp.gpkg", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # GDAL refuses to create a GeoPackage over an existing empty file
    frame = _canonical_frame(
        gdf["pcode"],
        gdf["name"],
        gdf["level"],
        gdf["parent_pcode"],
        gdf.geometry.values,
        _other_names(gdf),
    )
    try:
        for lv, part in frame.groupby("level", sort=True):
            unnamed = [c for c in NAME_COLUMNS if c in part.columns and part[c].isna().all()]
            part = part.drop(columns=unnamed)
            types = set(part.geom_type)
            gtype = types.pop() if len(types) == 1 else "Unknown"
            part.to_file(
                tmp,
                layer=f"{_LAYER_PREFIX}{int(lv)}",
                driver="GPKG",
                engine="pyogrio",
                promote_to_multi=False,
                geometry_type=gtype,
            )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_areas(gpkg_path: str | os.PathLike, *, geometry: bool = True) -> gpd.GeoDataFrame:
    """Read back all ``level_N`` layers written by write_areas, as one canonical frame.

    ``geometry=False`` reads the attributes only (a plain DataFrame): placing a million
    observations on their areas needs codes, names and levels, not polygons."""
    path = Path(gpkg_path)
    if not path.exists():
        raise AreaError(f"{path}: file not found. Import area layers first.")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise AreaError(f"{path}: cannot be read as a GeoPackage ({exc}).") from exc
    layers = [n for n in names if re.fullmatch(rf"{_LAYER_PREFIX}\d+", n)]
    if not layers:
        raise AreaError(f"{path}: holds no area layers (level_0, level_1, ...).")
    if not geometry:
        parts = [pyogrio.read_dataframe(path, layer=n, read_geometry=False) for n in layers]
        raw = pd.concat(parts, ignore_index=True)
        table = pd.DataFrame(
            {
                "pcode": raw["pcode"].astype(object),
                "name": raw["name"].astype(object),
                "level": raw["level"].astype(int),
                "parent_pcode": raw["parent_pcode"].astype(object),
                # names in other languages (COD-AB ADMn_AR/_ES/_FR) travel with the codes
                **_other_names(raw),
            }
        )
        return table
    parts = [gpd.read_file(path, layer=n, engine="pyogrio") for n in layers]
    raw = pd.concat(parts, ignore_index=True)
    return _canonical_frame(
        raw["pcode"],
        raw["name"],
        raw["level"],
        raw["parent_pcode"],
        raw.geometry.values,
        _other_names(raw),
    )
