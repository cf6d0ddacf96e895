"""What an observation or area import does between reading a file and storing it:
placing codes and names on the workspace's areas, rolling figures up, the coverage and
unknown-area reports, parents from geometry, and the rejects file people open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indicators.framework import CONTEXT_VARIABLES
from workspace.numbers import read_numbers
from workspace.observations import MAX_LISTED, ObservationError
from workspace.pcodes import Placement, name_keys, place_codes, place_names
from workspace.transaction import WorkspaceError

if TYPE_CHECKING:  # read only for the type: an import of areas brings it in
    import geopandas as gpd


def _place_areas(
    path: Path, frame: pd.DataFrame, areas: pd.DataFrame, match_names: bool, notes: list[str]
) -> tuple[pd.DataFrame, Placement]:
    """Put the workspace's P-codes in ``area_pcode``: respell codes, or match names."""
    frame = frame.copy()
    if "country" in frame:
        frame = _this_country(path, frame, areas, notes)
    codes = frame["area_pcode"]
    if (codes == "").all() and "area_name" in frame:
        if not match_names:
            raise ObservationError(
                f"{path}: the file names areas but gives no P-codes; run again with "
                "--match-names to match the names to the workspace's areas (every match, "
                "near-match and miss is reported)"
            )
        parents = frame.get("parent_name")
        placement = place_names(frame["area_name"], areas, parents)
        keys = name_keys(frame["area_name"], parents)
        frame["area_pcode"] = keys.map(placement.code_for).fillna(frame["area_name"])
        return frame, placement
    levels = dict(zip(areas["pcode"], areas["level"].astype(int), strict=True))
    declared = {}
    if "level" in frame:
        stated = frame.loc[(codes != "") & (frame["level"].astype(int) > 0)]
        declared = dict(zip(stated["area_pcode"], stated["level"].astype(int), strict=True))
    placement = place_codes(codes[codes != ""], areas["pcode"], levels, declared)
    frame["area_pcode"] = _respelled(codes, placement.code_for)
    return frame, placement


def _this_country(path: Path, frame: pd.DataFrame, areas: pd.DataFrame, notes: list[str]):
    """Multi-country exports (DTM on HDX): keep the rows of the workspace's country."""
    prefixes = {str(code)[:2].upper() for code in areas["pcode"]}
    countries = frame["country"].str.upper()
    iso2 = countries.map(lambda c: _iso2(c) or c[:2])
    mine = iso2.isin(prefixes)
    if not mine.any():
        raise ObservationError(
            f"{path}: no rows for this workspace's country ({', '.join(sorted(prefixes))}); "
            f"the file covers {', '.join(sorted(set(countries)))}"
        )
    if not mine.all():
        others = countries[~mine].value_counts()
        notes.append(
            f"{int((~mine).sum())} row(s) of other countries set aside: "
            + ", ".join(f"{c} {n}" for c, n in others.items())
        )
    return frame[mine].reset_index(drop=True)


def _iso2(code: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return country.alpha_2 if country else None


def _coverage_lines(table: pd.DataFrame, areas: pd.DataFrame) -> list[str]:
    """For each variable and admin level: how many of that level's areas got a value,
    and which did not (a COD-PS table that misses one LGA should say which)."""
    level_of = dict(zip(areas["pcode"], areas["level"], strict=True))
    name_of = dict(zip(areas["pcode"], areas["name"], strict=True))
    lines = []
    table = table[table["indicator"].isin(CONTEXT_VARIABLES)]  # the only ones listed
    levels = table["area_pcode"].map(level_of)
    for (indicator, level), rows in table.groupby([table["indicator"], levels]):
        if indicator not in CONTEXT_VARIABLES:
            continue
        everyone = set(areas.loc[areas["level"] == level, "pcode"])
        missing = sorted(everyone - set(rows["area_pcode"]))
        line = (
            f"{indicator}: {len(everyone) - len(missing)} of {len(everyone)} areas at level {level}"
        )
        if missing:
            shown = ", ".join(f"{code} ({name_of[code]})" for code in missing[:20])
            more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
            line += f"; no value for {shown}{more}"
        lines.append(line)
    return lines


def _unknown_listing(
    rows: pd.DataFrame, column: str = "area_pcode", reasons: dict[str, str] | None = None
) -> str:
    by_code = rows.groupby("area_pcode")["row"].apply(list)
    reasons = reasons or {}
    lines = []
    for code, numbers in list(by_code.items())[:MAX_LISTED]:
        shown = ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")
        why = f": {reasons[code]}" if code in reasons else ""
        lines.append(f"  {code!r} (column {column}, rows {shown}){why}")
    if len(by_code) > MAX_LISTED:
        lines.append(f"  ... and {len(by_code) - MAX_LISTED} more codes ({len(rows)} rows)")
    return "\n".join(lines)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _people_csv(table: pd.DataFrame) -> bytes:
    """CSV for people to open (rejects): a cell that a spreadsheet would run as a
    formula (``=HYPERLINK(...)``, ``+cmd``, ``@SUM``) gets a leading apostrophe
    (OWASP's advice against CSV injection); numbers such as ``-5`` stay numbers."""
    safe = table.copy()
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.CategoricalDtype):  # text kept as codes
            safe[column] = safe[column].astype(object)
        if safe[column].dtype != object:
            continue
        text = safe[column].astype(str)
        risky = text.str.startswith(_FORMULA_START) & ~text.str.fullmatch(r"[+-]?[\d.,]+")
        safe[column] = safe[column].where(~risky, "'" + text)
    return safe.to_csv(index=False).encode("utf-8")


def _roll_up(path: Path, frame: pd.DataFrame, areas: pd.DataFrame, notes: list[str]):
    """``--roll-up``: counts given for areas one level below the workspace's deepest
    level are added into their parents (the file's own parent code column). Only counts
    of people add up; other indicators are refused at that level as before."""
    deepest = int(areas["level"].max())
    if "level" not in frame or "parent_pcode" not in frame:
        raise ObservationError(
            f"{path}: --roll-up needs a file that gives each area's parent code "
            "(admin1Pcode beside admin2Pcode, or #adm1+code beside #adm2+code)"
        )
    below = frame["level"].astype(int) == deepest + 1
    counts = frame["indicator"].isin(CONTEXT_VARIABLES)
    if not (below & counts).any():
        notes.append(f"--roll-up: no counts below admin level {deepest}; nothing rolled up")
        return frame
    moved = frame[below & counts].copy()
    missing = moved["parent_pcode"] == ""
    if missing.any():
        row = int(moved.loc[missing, "row"].iloc[0])
        raise ObservationError(f"{path}: row {row}: --roll-up needs the parent's code; it is empty")
    reading = read_numbers(moved["value"], rows=moved["row"])
    if reading.values.isna().any() or reading.problems:
        return frame  # the row checks name the cells that are not numbers
    moved["value"] = reading.values
    keys = ["parent_pcode", "round", "group", "indicator"]
    summed = (
        moved.groupby(keys, sort=False, dropna=False)
        .agg(
            value=("value", "sum"),
            row=("row", "first"),
            children=("area_pcode", "nunique"),
            # what the children share (source, country, DTM round) goes up with them
            **{
                c: (c, "first")
                for c in ("source", "country", "dtm_round", "parent_name")
                if c in moved
            },
        )
        .reset_index()
    )
    whole = (summed["value"] == summed["value"].round()).all()
    summed["value"] = summed["value"].astype("int64" if whole else float).astype(str)
    summed = summed.rename(columns={"parent_pcode": "area_pcode"}).assign(
        level=deepest, parent_pcode="", n=""
    )
    given = frame[~(below & counts)]
    clash = summed.merge(given, on=["area_pcode", "round", "group", "indicator"])
    if not clash.empty:
        notes.append(
            f"--roll-up: {len(clash)} parent figure(s) given in the file as well; the "
            "file's own figure is kept (check them: {})".format(
                ", ".join(sorted(set(clash["area_pcode"]))[:10])
            )
        )
        keep = ~summed.set_index(["area_pcode", "round", "group", "indicator"]).index.isin(
            clash.set_index(["area_pcode", "round", "group", "indicator"]).index
        )
        summed = summed[keep]
    notes.append(
        f"--roll-up: {len(moved)} admin-{deepest + 1} figure(s) added into "
        f"{len(summed)} admin-{deepest} figure(s)"
    )
    return pd.concat([given, summed.drop(columns="children")], ignore_index=True)


def _derive_parents(layers: list, existing: gpd.GeoDataFrame) -> None:
    from geodata.parts import parents_from_geometry

    by_level = {int(layer["level"].iloc[0]): layer for _, _, layer in layers}
    for path, _, layer in layers:
        level = int(layer["level"].iloc[0])
        named = layer["parent_pcode"].notna() & (layer["parent_pcode"] != "")
        if level == 0 or named.any():
            continue  # the file names its parents: they are kept
        above = by_level.get(level - 1)
        if above is None:
            above = existing[existing["level"] == level - 1]
        if above is None or len(above) == 0:
            raise WorkspaceError(
                f"{path}: --parent-from-geometry needs the admin level {level - 1} areas, in "
                "the workspace or in the same command"
            )
        codes, notes = parents_from_geometry(layer, above)
        layer["parent_pcode"] = codes
        layer.attrs.setdefault("notes", []).extend(f"{path}: {note}" for note in notes)


def _respelled(codes: pd.Series, code_for: dict[str, str]) -> pd.Series:
    """Codes mapped to the workspace's spelling; categorical columns (from the reader) are
    mapped through their distinct values and stay categorical."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        renamed = [code_for.get(c, c) for c in codes.cat.categories]
        if len(set(renamed)) == len(renamed):
            return codes.cat.rename_categories(renamed)
        return pd.Series(
            pd.Categorical(np.asarray(renamed, dtype=object)[codes.cat.codes.to_numpy()]),
            index=codes.index,
        )
    mapped = codes.map(code_for).astype(object)
    return mapped.where(mapped.notna(), codes)
