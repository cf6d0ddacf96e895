"""The shapes observation files come in, each mapped to the canonical text table.

`workspace.readers` turns a file into a header, data cells and (maybe) HXL tags; this
module recognises what the columns mean. Every output has the canonical columns, ``row``
(the file's row number), and where known ``area_name``, ``parent_name``, ``parent_pcode``
(the code of the area one level up, for ``--roll-up``), ``level`` (the admin level the
file declares for the row's code), ``country`` and ``dtm_round``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workspace.hxl import Tag, admin_tag, target_of
from workspace.numbers import read_numbers
from workspace.observations import COLUMNS, ObservationError

_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_DTM_SPLITS = (
    "displacementReason",
    "idpOriginAdmin1Pcode",
    "idpOriginAdmin1Name",
    "idpOriginAdmin2Pcode",
    "idpOriginAdmin2Name",
    "gender",
    "sex",
)


@dataclass
class SourceTable:
    """Observation rows as text, in canonical column names, plus where they came from."""

    frame: pd.DataFrame
    kind: str
    notes: list[str] = field(default_factory=list)
    #: The column (or tag) of the file that gave the area codes, for messages.
    code_column: str = "area_pcode"
    #: Canonical column -> the file's own column it came from, for messages.
    columns: dict[str, str] = field(default_factory=dict)


def dispatch(path, frame, tags, rows, notes, *, round_date, value_column, level) -> SourceTable:
    lowered = {c.lower(): c for c in frame.columns}
    if {"round", "group", "indicator", "value"} <= set(lowered) and (
        "area_pcode" in lowered or "area_name" in lowered
    ):
        # the big files: their categorical columns go to the row checks as they are
        return _from_canonical(frame, lowered, notes, rows)
    # the other shapes build new text (joins, dates, sums): plain strings are simpler
    frame = frame.astype(object)
    if "numPresentIdpInd" in frame.columns and "reportingDate" in frame.columns:
        return _from_dtm(path, frame, notes, rows, level=level)
    if tags is not None:
        return _from_hxl(path, frame, tags, notes, rows, value_column)
    if "T_TL" in frame.columns and admin_pcode_columns(frame.columns):
        return _from_cod_ps(path, frame, notes, rows, round_date)
    raise ObservationError(
        f"{path}: not a recognised observation file. Expected the canonical columns "
        "area_pcode, round, group, indicator, value (optional n, source); or an HXL tag "
        "row; or a DTM export (admin2Pcode, numPresentIdpInd, reportingDate); or a COD-PS "
        f"table (ADM2_PCODE, T_TL). Columns found: {', '.join(frame.columns[:15])}"
    )


def dtm_records(path: Path, data, notes: list[str]) -> SourceTable:
    """DTM API JSON (v2, v3 envelopes or a bare list of records)."""
    from workspace.personal import refuse_personal_data

    if isinstance(data, dict):
        if data.get("isSuccess") is False:
            messages = "; ".join(map(str, data.get("errorMessages") or [])) or "no message"
            raise ObservationError(f"{path}: a failed DTM API response ({messages})")
        records = data.get("result")
        if isinstance(records, dict):  # some v3 endpoints nest the list once more
            records = records.get("data") or records.get("result")
    else:
        records = data
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ObservationError(
            f"{path}: JSON is not a DTM API response (expected a list of records under "
            "'result') nor HXL JSON"
        )
    if not records:
        raise ObservationError(f"{path}: the DTM response holds no records")
    frame = pd.DataFrame.from_records(records).map(cell_text)
    if "numPresentIdpInd" not in frame or "reportingDate" not in frame:
        raise ObservationError(
            f"{path}: DTM records need numPresentIdpInd and reportingDate; found "
            f"{', '.join(frame.columns[:15])}"
        )
    refuse_personal_data(path, frame, None, {"numPresentIdpInd"})
    rows = np.arange(1, len(frame) + 1)  # the record's position in the list
    return _from_dtm(path, frame, notes, rows, json_records=True)


def _from_canonical(frame, lowered, notes, rows) -> SourceTable:
    table = pd.DataFrame({c: frame[lowered[c]] for c in COLUMNS if c in lowered})
    extra = ("area_name", "parent_name")
    for column in extra:
        if column in lowered:
            table[column] = frame[lowered[column]]
    ignored = [c for c in frame.columns if c.lower() not in (*COLUMNS, *extra)]
    if ignored:
        notes.append(f"ignored column(s) not part of the format: {', '.join(ignored)}")
    source = _finish(table, "canonical", notes, rows, "area_pcode")
    source.columns = {c: lowered[c] for c in (*COLUMNS, "area_name") if c in lowered}
    return source


def admin_pcode_columns(columns) -> list[tuple[int, str]]:
    found = []
    for column in columns:
        match = re.fullmatch(r"(?i)adm(?:in)?(\d)_?pcode?", column)
        if match:
            found.append((int(match.group(1)), column))
    return sorted(found)


def _admin_name_column(columns, level: int) -> str | None:
    for candidate in (
        f"admin{level}Name",
        f"ADM{level}_EN",
        f"ADM{level}_NAME",
        f"adm{level}_name",
    ):
        if candidate in columns:
            return candidate
    return None


def _from_dtm(path, frame, notes, rows, json_records=False, level=None) -> SourceTable:
    levels = [(lvl, column) for lvl, column in admin_pcode_columns(frame.columns) if lvl > 0]
    table = pd.DataFrame(
        {
            "area_pcode": "",
            "round": frame["reportingDate"].str.slice(0, 10),
            "group": "",
            "indicator": "idps_present",
            "value": frame["numPresentIdpInd"],
            "n": "",
            "source": "IOM DTM" + (" " + frame["operation"] if "operation" in frame else ""),
            "level": 0,
            "parent_pcode": "",
            "area_name": "",
            "parent_name": "",
        }
    )
    if not levels:
        name_levels = [lvl for lvl in (3, 2, 1) if _admin_name_column(frame.columns, lvl)]
        if not name_levels:
            raise ObservationError(
                f"{path}: DTM data without admin1Pcode/admin2Pcode or admin names"
            )
        levels_used = [(name_levels[0], None)]
    else:
        levels_used = levels
    # Each row's area is its deepest filled code: HDX files mix admin levels in one
    # table (adminLevel 1 rows leave admin2Pcode empty). Rows keep their own level.
    for lvl, column in levels_used:
        here = (frame[column] != "") if column else pd.Series(True, index=frame.index)
        table.loc[here, "level"] = lvl
        if column:
            table.loc[here, "area_pcode"] = frame.loc[here, column]
        name = _admin_name_column(frame.columns, lvl)
        table.loc[here, "area_name"] = frame.loc[here, name] if name else ""
        parent = dict(levels).get(lvl - 1)
        table.loc[here, "parent_pcode"] = frame.loc[here, parent] if parent else ""
        parent_name = _admin_name_column(frame.columns, lvl - 1)
        table.loc[here, "parent_name"] = frame.loc[here, parent_name] if parent_name else ""
    if "adminLevel" in frame:
        stated = pd.to_numeric(frame["adminLevel"], errors="coerce")
        table["level"] = stated.fillna(table["level"]).astype(int)
    present = sorted(set(table["level"]) - {0})
    if len(present) > 1:
        counts = table["level"].value_counts()
        if level is None:
            notes.append(
                "the file mixes admin levels ("
                + ", ".join(f"{counts[lvl]} rows at level {lvl}" for lvl in present)
                + "): each figure is kept at its own level, never added to another; "
                "choose one with --level N"
            )
        else:
            if level not in present:
                raise ObservationError(
                    f"{path}: no rows at admin level {level}; the file has levels "
                    + ", ".join(map(str, present))
                )
            notes.append(
                f"the file mixes admin levels: only the {counts[level]} rows at level {level} read"
            )
    table["row"] = rows
    if level is not None:
        table = table[table["level"] == level]
    if "roundNumber" in frame:
        table["dtm_round"] = frame.loc[table.index, "roundNumber"]
    if "admin0Pcode" in frame:
        table["country"] = frame.loc[table.index, "admin0Pcode"]

    splits = [c for c in _DTM_SPLITS if c in frame.columns]
    if splits:
        table = _sum_parts(table, splits, notes)
    kind = "DTM API JSON" if json_records else "DTM export"
    notes.append(f"{kind}: idps_present at admin level {', '.join(map(str, present))}")
    code_column = levels_used[-1][1]
    columns = {
        "area_pcode": code_column,
        "area_name": _admin_name_column(frame.columns, levels_used[-1][0]),
        "round": "reportingDate",
        "value": "numPresentIdpInd",
    }
    return SourceTable(
        table.reset_index(drop=True), kind, notes, code_column or "", _named(columns)
    )


def _sum_parts(table: pd.DataFrame, splits: list[str], notes: list[str]) -> pd.DataFrame:
    """DTM v3 reports one record per displacement reason / origin: the area's figure for
    the date is their sum, as an exact integer (never through float formatting)."""
    keys = ["area_pcode", "round", "area_name", "level"]
    reading = read_numbers(table["value"], rows=table["row"])
    values = reading.values
    if not (values.notna().all() and (values == values.round()).all() and not reading.problems):
        return table  # the row checks report what is wrong with the figures
    # int64 sums are exact to 9.2e18; a float sum printed with %g kept 6 digits
    whole = values.astype("int64")
    grouped = table.assign(value=whole).groupby(keys, sort=False, dropna=False)
    summed = grouped.agg({c: "first" for c in table.columns if c not in keys})
    summed["value"] = grouped["value"].sum().astype(str)
    notes.extend(reading.notes)
    notes.append(
        f"DTM figures split by {', '.join(splits)}: {len(table)} records summed "
        f"into {len(summed)} area-date figures"
    )
    return summed.reset_index()


def _from_cod_ps(path, frame, notes, rows, round_date) -> SourceTable:
    level, code_column = admin_pcode_columns(frame.columns)[-1]
    if round_date is None:
        year = _YEAR_IN_NAME.search(path.stem)
        if not year:
            raise ObservationError(
                f"{path}: a COD-PS population table has no date; give it with --round "
                "YYYY-MM-DD (or keep the year in the file name)"
            )
        round_date = f"{year.group(1)}-01-01"
        notes.append(f"COD-PS population dated {round_date} from the year in the file name")
    table = pd.DataFrame(
        {
            "area_pcode": frame[code_column],
            "round": round_date,
            "group": "",
            "indicator": "host_population",
            "value": frame["T_TL"],
            "n": "",
            "source": "OCHA COD-PS",
            "level": level,
        }
    )
    name_column = _admin_name_column(frame.columns, level)
    if name_column:
        table["area_name"] = frame[name_column]
    notes.append(f"COD-PS table: host_population (T_TL) at admin level {level}")
    source = _finish(table, "COD-PS", notes, rows, code_column)
    source.columns = _named({"area_pcode": code_column, "area_name": name_column, "value": "T_TL"})
    return source


def _from_hxl(path, frame, tags, notes, rows, value_column=None) -> SourceTable:
    from workspace.hxl_shape import from_hxl

    return from_hxl(path, frame, tags, notes, rows, value_column)


def _finish(table, kind, notes, rows, code_column) -> SourceTable:
    table = table.copy()
    for column in COLUMNS:
        if column not in table:
            table[column] = ""
    table["row"] = rows
    return SourceTable(table.reset_index(drop=True), kind, notes, code_column)


def _named(columns: dict[str, str | None]) -> dict[str, str]:
    return {canonical: column for canonical, column in columns.items() if column}


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))  # exact: 1234567.0 -> "1234567", never "1.23457e+06"
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    return str(value).strip()


__all__ = ["SourceTable", "Tag", "admin_tag", "cell_text", "dispatch", "dtm_records", "target_of"]
