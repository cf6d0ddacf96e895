"""Observation files as data officers have them -> one table of text cells.

Recognised shapes (first match wins):

* **canonical** long table (DESIGN 3.3): ``area_pcode, round, group, indicator, value
  [, n, source]``; ``area_name`` may stand in for ``area_pcode`` (with ``--match-names``).
* **DTM**: HDX "Global IOM DTM from API" CSVs and DTM API JSON (v2 and v3 envelopes
  ``{"isSuccess": .., "result": [..]}`` or a bare list): ``admin{N}Pcode``,
  ``numPresentIdpInd``, ``reportingDate``, ``roundNumber`` -> ``idps_present``. v3
  splits figures by displacement reason and origin; those parts are summed.
* **COD-PS** population tables: ``ADM{N}_PCODE`` and ``T_TL`` -> ``host_population``
  (the round is ``--round`` or the year in the file name, as 1 January).
* **HXL**: a tag row under the header (see `HXL_COLUMNS` for the mapping).

Text files may be UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text"), or
Windows-1252/Latin-1 (detected and reported, or stated with ``encoding``); separators
``,`` ``;`` tab or ``|``; CRLF line ends. Every output row keeps its row number in the
file, as a spreadsheet shows it, for messages.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workspace.observations import ObservationError

CANONICAL = ("area_pcode", "round", "group", "indicator", "value", "n", "source", "se")

#: HXL hashtag (+ attributes that must all be present) -> canonical column, or a context
#: variable whose values the column holds. Matching ignores case and attribute order;
#: the most specific pattern wins.
HXL_COLUMNS: dict[str, str] = {
    "#indicator+code": "indicator",
    "#indicator+value": "value",
    "#indicator+num": "value",
    "#indicator+value+num": "value",
    "#date": "round",
    "#date+reported": "round",
    "#date+round": "round",
    "#group": "group",
    "#meta+group": "group",
    "#population+group": "group",
    "#meta+n": "n",
    "#meta+sample": "n",
    "#meta+source": "source",
    "#org": "source",
    "#round+code": "dtm_round",
    "#affected+idps": "=idps_present",
    "#affected+returnees": "=returnees_present",
    "#population": "=host_population",
    "#population+total": "=host_population",
}
_ADMIN_TAG = re.compile(r"^#adm(\d)$")

#: Column names (normalised: lower case, letters and digits only) that hold personal
#: data. A workspace holds aggregate figures only (DESIGN 8).
_PERSONAL_COLUMNS = {
    "name": "person names",
    "fullname": "person names",
    "firstname": "person names",
    "lastname": "person names",
    "surname": "person names",
    "givenname": "person names",
    "respondentname": "person names",
    "respondent": "person names",
    "headofhousehold": "person names",
    "hohname": "person names",
    "beneficiaryname": "person names",
    "phone": "phone numbers",
    "phonenumber": "phone numbers",
    "telephone": "phone numbers",
    "tel": "phone numbers",
    "mobile": "phone numbers",
    "mobilenumber": "phone numbers",
    "email": "e-mail addresses",
    "nationalid": "ID numbers",
    "idnumber": "ID numbers",
    "idcard": "ID numbers",
    "nin": "ID numbers",
    "passport": "ID numbers",
    "passportnumber": "ID numbers",
    "dateofbirth": "dates of birth",
    "dob": "dates of birth",
    "birthdate": "dates of birth",
    "latitude": "household GPS points",
    "longitude": "household GPS points",
    "lat": "household GPS points",
    "lon": "household GPS points",
    "lng": "household GPS points",
    "gps": "household GPS points",
    "gpslatitude": "household GPS points",
    "gpslongitude": "household GPS points",
    "coordinates": "household GPS points",
    "householdgps": "household GPS points",
}
_PERSONAL_TAGS = {
    "#contact": "contact details",
    "#geo+lat": "household GPS points",
    "#geo+lon": "household GPS points",
    "#geo+coord": "household GPS points",
    "#beneficiary": "person records",
}
_PHONE = re.compile(r"^\+?\d[\d\s\-()]{8,}\d$")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}(-\d{2})?([T ][\d:.]+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
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

MAX_TEXT_BYTES = 200 * 2**20


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


def read_source(
    path: str | Path, *, encoding: str | None = None, round_date: str | None = None
) -> SourceTable:
    """Read any recognised observation file; ObservationError names file, row, column."""
    path = Path(path)
    if not path.is_file():
        raise ObservationError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ObservationError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm"):
        frame, first_row = _read_xlsx(path), 2
    elif suffix == ".json":
        return _from_dtm(path, _read_json(path), notes, first_row=1, json_records=True)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame, first_row = _read_csv(path, encoding, notes), 2
    else:
        raise ObservationError(
            f"{path}: unsupported file type {suffix!r}; give a CSV, XLSX or DTM JSON file"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.map(_cell_text)

    tags = _hxl_tag_row(frame)
    if tags is not None:
        frame = frame.iloc[1:].reset_index(drop=True)
        first_row += 1
    _refuse_personal_data(path, frame, tags)
    if frame.empty:
        raise ObservationError(f"{path}: no data rows under the header")

    lowered = {c.lower(): c for c in frame.columns}
    if {"round", "group", "indicator", "value"} <= set(lowered) and (
        "area_pcode" in lowered or "area_name" in lowered
    ):
        return _from_canonical(path, frame, lowered, notes, first_row)
    if "numPresentIdpInd" in frame.columns and "reportingDate" in frame.columns:
        return _from_dtm(path, frame, notes, first_row)
    if tags is not None:
        return _from_hxl(path, frame, tags, notes, first_row)
    if "T_TL" in frame.columns and _admin_pcode_columns(frame.columns):
        return _from_cod_ps(path, frame, notes, first_row, round_date)
    raise ObservationError(
        f"{path}: not a recognised observation file. Expected the canonical columns "
        "area_pcode, round, group, indicator, value (optional n, source); or an HXL tag "
        "row; or a DTM export (admin2Pcode, numPresentIdpInd, reportingDate); or a COD-PS "
        f"table (ADM2_PCODE, T_TL). Columns found: {', '.join(frame.columns[:15])}"
    )


# -- decoding ---------------------------------------------------------------------------
def decode_text(path: Path, encoding: str | None, notes: list[str]) -> str:
    data = path.read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise ObservationError(f"{path}: larger than {MAX_TEXT_BYTES // 2**20} MB; split it")
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise ObservationError(f"{path}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise ObservationError(
                f"{path}: not valid {encoding} at row {_line_of(data, exc.start)} (byte "
                f"{exc.start}); check --encoding"
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append("read as UTF-16 (Excel 'Unicode text')")
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        position = exc.start
    nul = data.find(b"\x00", 0, 4096)
    if nul >= 0:
        raise ObservationError(
            f"{path}: binary data, not text (NUL byte at byte {nul}); give a CSV or XLSX file"
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ObservationError(
            f"{path}: undecodable bytes: not UTF-8 (row {_line_of(data, position)}, byte "
            f"{position}) nor Windows-1252 (row {_line_of(data, exc.start)}, byte "
            f"{exc.start}); save the file as UTF-8 CSV or state --encoding"
        ) from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(5, len(text) // 1000):
        raise ObservationError(
            f"{path}: undecodable bytes: not UTF-8 (row {_line_of(data, position)}, byte "
            f"{position}) and not text in any usual encoding; save the file as UTF-8 CSV "
            "or state --encoding"
        )
    notes.append(
        f"not UTF-8 (byte {position}): read as Windows-1252/Latin-1; if names look wrong, "
        "state the encoding with --encoding"
    )
    return text


def _line_of(data: bytes, position: int) -> int:
    """The line (a CSV's row, as a spreadsheet numbers it) holding byte ``position``."""
    return data.count(b"\n", 0, position) + 1


def _read_csv(path: Path, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    text = decode_text(path, encoding, notes)
    if not text.strip():
        raise ObservationError(f"{path}: the file is empty")
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    if delimiter != ",":
        notes.append(f"columns separated by {'tab' if delimiter == chr(9) else delimiter!r}")
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except pd.errors.EmptyDataError:
        raise ObservationError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise ObservationError(f"{path}: {_parser_message(str(exc))}") from None


def _parser_message(message: str) -> str:
    line = re.search(r"line (\d+)", message) or re.search(r"row (\d+)", message)
    where = f"row {line.group(1)}: " if line else ""
    if "EOF inside string" in message:
        # pandas counts this "row" from 0 at the header; a spreadsheet counts from 1
        start = re.search(r"starting at row (\d+)", message)
        where = f"row {int(start.group(1)) + 1}: " if start else where
        return f"{where}a quoted cell is never closed (unterminated quote); fix the quotes"
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, row, seen = fields.groups()
        return (
            f"row {row}: {seen} cells where the header has {expected}; "
            "check separators and quotes on that row"
        )
    return f"{where}cannot be read as a table ({message.strip()})"


def _read_xlsx(path: Path) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        raise ObservationError(f"{path}: not a valid XLSX workbook (corrupt or not Excel 2007+)")
    try:
        # no NA guessing: "NA" is Namibia's P-code prefix, and "n/a" is a bad value to
        # report, not an empty cell
        return pd.read_excel(path, dtype=object, engine="openpyxl", keep_default_na=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ObservationError(f"{path}: not a readable XLSX workbook ({exc})") from None
    except Exception as exc:  # openpyxl raises many types on broken workbooks
        raise ObservationError(f"{path}: not a readable XLSX workbook ({exc})") from None


def _read_json(path: Path) -> pd.DataFrame:
    notes: list[str] = []
    text = decode_text(path, None, notes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ObservationError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
            "the file may be truncated"
        ) from None
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
            f"{path}: JSON is not a DTM API response (expected a list of records under 'result')"
        )
    if not records:
        raise ObservationError(f"{path}: the DTM response holds no records")
    frame = pd.DataFrame.from_records(records).map(_cell_text)
    if "numPresentIdpInd" not in frame or "reportingDate" not in frame:
        raise ObservationError(
            f"{path}: DTM records need numPresentIdpInd and reportingDate; found "
            f"{', '.join(frame.columns[:15])}"
        )
    return frame


# -- shapes -----------------------------------------------------------------------------
def _from_canonical(path, frame, lowered, notes, first_row) -> SourceTable:
    table = pd.DataFrame({c: frame[lowered[c]] for c in CANONICAL if c in lowered})
    if "area_name" in lowered:
        table["area_name"] = frame[lowered["area_name"]]
    if "parent_name" in lowered:
        table["parent_name"] = frame[lowered["parent_name"]]
    ignored = [
        c for c in frame.columns if c.lower() not in (*CANONICAL, "area_name", "parent_name")
    ]
    if ignored:
        notes.append(f"ignored column(s) not part of the format: {', '.join(ignored)}")
    source = _finish(table, "canonical", notes, first_row, "area_pcode")
    source.columns = {c: lowered[c] for c in (*CANONICAL, "area_name") if c in lowered}
    return source


def _admin_pcode_columns(columns) -> list[tuple[int, str]]:
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


def _from_dtm(path, frame, notes, first_row, json_records=False) -> SourceTable:
    levels = _admin_pcode_columns(frame.columns)
    levels = [(level, column) for level, column in levels if level > 0]
    if not levels:
        name_levels = [lvl for lvl in (3, 2, 1) if _admin_name_column(frame.columns, lvl)]
        if not name_levels:
            raise ObservationError(
                f"{path}: DTM data without admin1Pcode/admin2Pcode or admin names"
            )
        level, code_column = name_levels[0], None
    else:
        level, code_column = levels[-1]
    name_column = _admin_name_column(frame.columns, level)
    table = pd.DataFrame(
        {
            "area_pcode": frame[code_column] if code_column else "",
            "round": frame["reportingDate"].str.slice(0, 10),
            "group": "",
            "indicator": "idps_present",
            "value": frame["numPresentIdpInd"],
            "n": "",
            "source": "IOM DTM" + (" " + frame["operation"] if "operation" in frame else ""),
        }
    )
    if name_column:
        table["area_name"] = frame[name_column]
    if level > 1 and _admin_name_column(frame.columns, level - 1):
        table["parent_name"] = frame[_admin_name_column(frame.columns, level - 1)]
    if "roundNumber" in frame:
        table["dtm_round"] = frame["roundNumber"]
    if "admin0Pcode" in frame:
        table["country"] = frame["admin0Pcode"]
    table["row"] = range(first_row, first_row + len(table))

    splits = [c for c in _DTM_SPLITS if c in frame.columns]
    if splits:
        # v3 reports one record per displacement reason / origin: the area's figure for
        # the date is their sum.
        keys = ["area_pcode", "round", *(["area_name"] if name_column else [])]
        values = pd.to_numeric(table["value"], errors="coerce")
        if values.notna().all():
            grouped = table.assign(value=values).groupby(keys, sort=False, dropna=False)
            summed = grouped.agg({**{c: "first" for c in table.columns if c not in keys}})
            summed["value"] = grouped["value"].sum().map(lambda v: f"{v:g}")
            notes.append(
                f"DTM figures split by {', '.join(splits)}: {len(table)} records summed "
                f"into {len(summed)} area-date figures"
            )
            table = summed.reset_index()
    kind = "DTM API JSON" if json_records else "DTM export"
    notes.append(f"{kind}: idps_present at admin level {level}")
    columns = {
        "area_pcode": code_column,
        "area_name": name_column,
        "round": "reportingDate",
        "value": "numPresentIdpInd",
    }
    return SourceTable(
        table.reset_index(drop=True), kind, notes, code_column or "", _named(columns)
    )


def _from_cod_ps(path, frame, notes, first_row, round_date) -> SourceTable:
    level, code_column = _admin_pcode_columns(frame.columns)[-1]
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
        }
    )
    name_column = _admin_name_column(frame.columns, level)
    if name_column:
        table["area_name"] = frame[name_column]
    notes.append(f"COD-PS table: host_population (T_TL) at admin level {level}")
    source = _finish(table, "COD-PS", notes, first_row, code_column)
    source.columns = _named({"area_pcode": code_column, "area_name": name_column, "value": "T_TL"})
    return source


def _from_hxl(path, frame, tags, notes, first_row) -> SourceTable:
    columns: dict[str, str] = {}
    context: dict[str, str] = {}
    admin: list[tuple[int, str, str]] = []
    for column, tag in zip(frame.columns, tags, strict=True):
        hashtag, attributes = _split_tag(tag)
        if not hashtag:
            continue
        level = _ADMIN_TAG.match(hashtag)
        if level:
            kind = "code" if "code" in attributes else "name" if "name" in attributes else None
            if kind:
                admin.append((int(level.group(1)), kind, column))
            continue
        target = _match_tag(hashtag, attributes)
        if target is None:
            continue
        if target.startswith("="):
            context[column] = target[1:]
        elif target not in columns:
            columns[target] = column
    codes = sorted((lvl, c) for lvl, kind, c in admin if kind == "code")
    names = sorted((lvl, c) for lvl, kind, c in admin if kind == "name")
    if not codes and not names:
        raise ObservationError(
            f"{path}: HXL tag row without an area column (#adm1+code, #adm2+code, ...)"
        )
    level = (codes or names)[-1][0]
    code_column = dict(codes).get(level)
    name_column = dict(names).get(level)
    if "round" not in columns:
        raise ObservationError(f"{path}: HXL tag row without a date column (#date)")

    def base(values: dict) -> pd.DataFrame:
        part = pd.DataFrame(
            {
                "area_pcode": frame[code_column] if code_column else "",
                "round": frame[columns["round"]].str.slice(0, 10),
                "n": frame[columns["n"]] if "n" in columns else "",
                "source": frame[columns["source"]] if "source" in columns else "",
                **values,
            }
        )
        if name_column:
            part["area_name"] = frame[name_column]
        if "dtm_round" in columns:
            part["dtm_round"] = frame[columns["dtm_round"]]
        part["row"] = range(first_row, first_row + len(frame))
        return part

    parts = []
    if "indicator" in columns and "value" in columns:
        parts.append(
            base(
                {
                    "group": frame[columns["group"]] if "group" in columns else "",
                    "indicator": frame[columns["indicator"]],
                    "value": frame[columns["value"]],
                }
            )
        )
    for column, variable in context.items():
        parts.append(
            base({"group": "", "indicator": variable, "value": frame[column]}).assign(n="")
        )
    if not parts:
        raise ObservationError(
            f"{path}: HXL tags give no values: expected #indicator+code with "
            "#indicator+value, or #affected+idps, #affected+returnees, #population"
        )
    table = pd.concat(parts, ignore_index=True)
    table = table[table["value"] != ""] if context else table
    notes.append(
        "HXL tags mapped: "
        + ", ".join(f"{tags[list(frame.columns).index(c)]} -> {t}" for t, c in columns.items())
        + "".join(f", {tags[list(frame.columns).index(c)]} -> {v}" for c, v in context.items())
    )
    named = {"area_pcode": code_column, "area_name": name_column, **columns}
    if len(context) == 1 and "value" not in columns:
        named["value"] = next(iter(context))
    return SourceTable(table.reset_index(drop=True), "HXL", notes, code_column or "", _named(named))


def _finish(table, kind, notes, first_row, code_column) -> SourceTable:
    table = table.copy()
    for column in CANONICAL:
        if column not in table:
            table[column] = ""
    table["row"] = range(first_row, first_row + len(table))
    return SourceTable(table.reset_index(drop=True), kind, notes, code_column)


# -- helpers ----------------------------------------------------------------------------
def _named(columns: dict[str, str | None]) -> dict[str, str]:
    return {canonical: column for canonical, column in columns.items() if column}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.15g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    return str(value).strip()


def _hxl_tag_row(frame: pd.DataFrame) -> list[str] | None:
    if frame.empty:
        return None
    first = [str(v).strip() for v in frame.iloc[0]]
    filled = [v for v in first if v]
    if filled and sum(v.startswith("#") for v in filled) >= max(1, len(filled) // 2):
        return first
    return None


def _split_tag(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().lower() for p in tag.replace(" ", "").split("+")]
    if not parts or not parts[0].startswith("#"):
        return "", frozenset()
    return parts[0], frozenset(p for p in parts[1:] if p)


def _match_tag(hashtag: str, attributes: frozenset[str]) -> str | None:
    best, best_size = None, -1
    for pattern, target in HXL_COLUMNS.items():
        want_tag, want = _split_tag(pattern)
        if want_tag == hashtag and want <= attributes and len(want) > best_size:
            best, best_size = target, len(want)
    return best


def _refuse_personal_data(path: Path, frame: pd.DataFrame, tags: list[str] | None) -> None:
    problems = []
    for position, column in enumerate(frame.columns):
        key = re.sub(r"[^a-z0-9]", "", column.lower())
        why = _PERSONAL_COLUMNS.get(key)
        if why is None and tags is not None:
            hashtag, attributes = _split_tag(tags[position])
            for pattern, reason in _PERSONAL_TAGS.items():
                want_tag, want = _split_tag(pattern)
                if hashtag == want_tag and want <= attributes:
                    why = reason
        if why is None:
            values = frame[column].iloc[:200]
            values = values[values != ""]
            looks_like_phone = values.str.match(_PHONE) & ~values.str.match(_DATE_LIKE)
            looks_like_phone &= values.str.count(r"\d") >= 9
            if len(values) and looks_like_phone.mean() > 0.5:
                why = "phone numbers"
            elif len(values) and values.str.match(_EMAIL).mean() > 0.5:
                why = "e-mail addresses"
        if why:
            problems.append(f"column {column!r} looks like {why}")
    if problems:
        raise ObservationError(
            f"{path}: refused, the file seems to hold personal data: "
            + "; ".join(problems)
            + ". A workspace takes aggregate figures only: remove these columns and "
            "import again."
        )
