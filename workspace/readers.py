"""Observation files as data officers have them -> one table of text cells.

Recognised shapes (first match wins; see `workspace.shapes`):

* **canonical** long table (DESIGN 3.3): ``area_pcode, round, group, indicator, value
  [, n, source, se]``; ``area_name`` may stand in for ``area_pcode`` (``--match-names``).
* **DTM**: HDX "Global IOM DTM from API" CSVs and DTM API JSON (v2 and v3 envelopes
  ``{"isSuccess": .., "result": [..]}`` or a bare list) -> ``idps_present``.
* **COD-PS** population tables: ``ADM{N}_PCODE`` and ``T_TL`` -> ``host_population``.
* **HXL**: a tag row anywhere in the first 25 rows (see `workspace.hxl`), in CSV, TSV,
  SSV, XLSX or HXL JSON (an array of rows, or of objects keyed by tags).

Text files may be UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text"), or another
encoding detected by charset-normalizer (Windows-1252, Windows-1256 Arabic, ...) and
reported, or stated with ``encoding``; separators ``,`` ``;`` tab or ``|``; CRLF line
ends; blank lines. Every row keeps its number in the file, as a spreadsheet shows it.
Cells are handled column by column (no Python call per cell) so that a million rows
read in about the time pandas needs (DESIGN 7).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from workspace.hxl import Tag, find_tag_row
from workspace.numbers import by_unique
from workspace.observations import ObservationError
from workspace.personal import refuse_personal_data
from workspace.shapes import SourceTable, cell_text, dispatch

__all__ = ["MAX_TEXT_BYTES", "SourceTable", "decode_text", "read_source"]

MAX_TEXT_BYTES = 200 * 2**20
_SEPARATOR_OF_SUFFIX = {".tsv": "\t", ".tab": "\t", ".ssv": ";", ".psv": "|"}


def read_source(
    path: str | Path,
    *,
    encoding: str | None = None,
    round_date: str | None = None,
    value_column: str | None = None,
    level: int | None = None,
) -> SourceTable:
    """Read any recognised observation file; ObservationError names file, row, column.

    ``value_column`` names the column of figures when a file's HXL tags give only parts
    or households; ``level`` picks one admin level of a file that mixes levels."""
    path = Path(path)
    if not path.is_file():
        raise ObservationError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ObservationError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm"):
        raw, tags = _read_xlsx(path), None
    elif suffix == ".json":
        raw, tags = _read_json(path, notes)
    elif suffix in (".csv", ".txt", *_SEPARATOR_OF_SUFFIX):
        raw, tags = _read_csv(path, encoding, notes, _SEPARATOR_OF_SUFFIX.get(suffix)), None
    else:
        raise ObservationError(
            f"{path}: unsupported file type {suffix!r}; give a CSV, TSV, XLSX or JSON file"
        )
    if isinstance(raw, SourceTable):  # DTM API records
        return raw
    frame, tags, rows = _header_and_tags(raw, tags, notes)
    figures = {c for c in frame.columns if c.lower() in ("value", "n", "se", "numpresentidpind")}
    refuse_personal_data(path, frame, tags, figures)
    if frame.empty:
        raise ObservationError(f"{path}: no data rows under the header")
    return dispatch(
        path,
        frame,
        tags,
        rows,
        notes,
        round_date=round_date,
        value_column=value_column,
        level=level,
    )


# -- from raw rows to header, tags and data -----------------------------------------------
def _header_and_tags(raw: pd.DataFrame, tags: list[str] | None, notes: list[str]):
    """Raw rows (no header; index = the row's number in the file) -> data frame with
    column names, the parsed tags (or None) and the file's row numbers of the data."""
    for column in raw.columns:
        # Categorical columns: stripping, comparisons and lookups work on the distinct
        # cells (a few thousand codes, rounds, indicators over a million rows), not once
        # per cell as pandas' string methods do without pyarrow (DESIGN 7 budget).
        values = raw[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
            if (codes < 0).any():  # cells past the end of a short (ragged) row
                codes = np.where(codes < 0, len(uniques), codes)
                uniques = uniques.append(pd.Index([""]))
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
        stripped = pd.Series(uniques, dtype=object).fillna("").astype(str).str.strip()
        if stripped.is_unique:
            raw[column] = pd.Categorical.from_codes(codes, categories=stripped)
        else:  # " a" and "a": the same cell once stripped
            raw[column] = pd.Categorical(stripped.to_numpy()[codes])
    filled = (raw != "").any(axis=1)
    # the product's own exports end with a blank row and a "metadata,value" block
    first = by_unique(raw.iloc[:, 0], lambda u: u.astype(str).str.strip().str.lower())
    block = np.flatnonzero((first == "metadata").to_numpy() & ~np.roll(filled.to_numpy(), 1))
    if len(block) and block[0] > 0:
        notes.append(f"the metadata block from row {block[0] + 1} on is not data; left out")
        filled &= np.arange(len(raw)) < block[0]
    raw = raw[filled]
    if raw.empty:
        raise ObservationError("the file is empty")
    if tags is not None:  # HXL JSON objects: the keys are the tags
        header, tag_row, body = list(raw.columns), tags, raw
    else:
        position = find_tag_row(raw)
        if position is None:
            header, tag_row, body = list(raw.iloc[0]), None, raw.iloc[1:]
        else:
            tag_row = list(raw.iloc[position])
            above = raw.iloc[position - 1] if position >= 1 else None
            # a text header sits right above the tag row; rows above it are titles
            if above is not None and sum(v != "" for v in above) * 2 >= sum(
                v != "" for v in tag_row
            ):
                header = list(above)
                if position >= 2:
                    notes.append(f"{position - 1} title row(s) above the header ignored")
            else:
                header = [t or f"column {i + 1}" for i, t in enumerate(tag_row)]
                if position >= 1:
                    notes.append(f"{position} title row(s) above the HXL tags ignored")
            body = raw.iloc[position + 1 :]
    header = _unique_names(header)
    body = body.copy()
    body.columns = header
    rows = body.index.to_numpy() + 1
    body = body.reset_index(drop=True)
    parsed = None
    if tag_row is not None:
        parsed = [Tag.parse(t) for t in tag_row] + [None] * (len(header) - len(tag_row))
        # ragged rows (legal HXL): cells past the last tag carry nothing we can name
        untagged = [
            c for c, t in zip(header, parsed, strict=True) if t is None and (body[c] == "").all()
        ]
        if untagged:
            body = body.drop(columns=untagged)
            parsed = [t for c, t in zip(header, parsed, strict=True) if c not in untagged]
    return body, parsed, rows


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for position, name in enumerate(header):
        name = str(name).strip() or f"Unnamed: {position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


# -- decoding ---------------------------------------------------------------------------
def decode_text(path: Path, encoding: str | None, notes: list[str]) -> str:
    return _decode(path, encoding, notes)[0]


def _decode(path: Path, encoding: str | None, notes: list[str]) -> tuple[str, bytes | None]:
    """(the text, its UTF-8 bytes where the file held exactly those, else None): the CSV
    parser reads bytes, and encoding 30 MB of text again costs a tenth of a second."""
    data = path.read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise ObservationError(f"{path}: larger than {MAX_TEXT_BYTES // 2**20} MB; split it")
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise ObservationError(f"{path}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise ObservationError(
                f"{path}: not valid {encoding} at row {_line_of(data, exc.start)} (byte "
                f"{exc.start}); check --encoding"
            ) from None
        return text, data if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append("read as UTF-16 (Excel 'Unicode text')")
        return data.decode("utf-16"), None
    try:
        text = data.decode("utf-8-sig")
        return text, data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    except UnicodeDecodeError as exc:
        position = exc.start
    nul = data.find(b"\x00", 0, 4096)
    if nul >= 0:
        raise ObservationError(
            f"{path}: binary data, not text (NUL byte at byte {nul}); give a CSV or XLSX file"
        )
    detected = _single_byte_encoding(path, data, position)
    try:
        text = data.decode(detected)
    except UnicodeDecodeError as exc:
        raise ObservationError(
            f"{path}: undecodable bytes: not UTF-8 (row {_line_of(data, position)}, byte "
            f"{position}) nor {detected} (row {_line_of(data, exc.start)}, byte {exc.start}); "
            "save the file as UTF-8 CSV or state --encoding"
        ) from None
    controls = sum(1 for ch in text[:1_000_000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(5, min(len(text), 1_000_000) // 1000):
        raise ObservationError(
            f"{path}: undecodable bytes: not UTF-8 (row {_line_of(data, position)}, byte "
            f"{position}) and not text in any usual encoding; save the file as UTF-8 CSV "
            "or state --encoding"
        )
    label = {
        "cp1252": "Windows-1252/Latin-1",
        "cp1256": "Windows-1256 (Arabic)",
        "cp1251": "Windows-1251 (Cyrillic)",
        "koi8_r": "KOI8-R (Cyrillic)",
        "koi8_u": "KOI8-U (Cyrillic)",
        "cp866": "DOS 866 (Cyrillic)",
    }.get(detected, detected)
    notes.append(
        f"not UTF-8 (byte {position}): read as {label}; if names look wrong, "
        "state the encoding with --encoding"
    )
    return text, None


#: Code pages of scripts whose words are made of high bytes only (Windows, and the KOI8
#: and DOS pages older Cyrillic exports still use).
_NON_LATIN = ("cp1256", "cp1251", "koi8_r", "koi8_u", "cp866", "cp1255", "cp1253", "cp874")


def _single_byte_encoding(path: Path, data: bytes, position: int) -> str:
    """Windows-1252 for Latin text with accents; for other scripts, charset-normalizer's
    choice when it is clear, else a refusal: Arabic (1256) or Cyrillic (1251) bytes read
    as 1252 give plausible-looking garbage, so they are never guessed."""
    words = re.findall(rb"[^\x00-\x40\x5b-\x60\x7b-\x7f]+", data[: 2**20])
    high = [w for w in words if any(b >= 0x80 for b in w)]
    # in French or Spanish an accent is one letter of a word; in Arabic or Russian every
    # letter of the word is a high byte
    whole = sum(1 for w in high if sum(b >= 0x80 for b in w) * 4 >= len(w) * 3)
    if not high or whole * 2 < len(high):
        return "cp1252"
    from charset_normalizer import from_bytes

    # A reading in which no language is recognised (coherence 0) never beats one in which
    # a language is: on a few short names KOI8-R bytes read as Hebrew have a hair less
    # "chaos" than the right reading. Chaos is compared to the hundredth, then coherence.
    def rank(match):
        return (match.coherence == 0, round(match.chaos, 2), -match.coherence)

    found = sorted(from_bytes(data[: 4 * 2**20], cp_isolation=list(_NON_LATIN)), key=rank)
    ranked = [rank(m) for m in found]
    # a word or two of high bytes is too little to tell a script from noise
    if whole >= 3 and found and (len(found) == 1 or ranked[0] < ranked[1]):
        return found[0].encoding
    candidates = ", ".join(f"{m.encoding} ({m.language})" for m in found[:3])
    raise ObservationError(
        f"{path}: undecodable bytes: not UTF-8 (row {_line_of(data, position)}, byte "
        f"{position}); they may be a non-Latin script whose code page cannot be told for sure"
        + (f" (could be {candidates})" if candidates else "")
        + "; state it with --encoding, e.g. --encoding cp1256 for Arabic "
        "Windows files, cp1251 for Cyrillic, or save the file as UTF-8"
    )


def _line_of(data: bytes, position: int) -> int:
    """The line (a CSV's row, as a spreadsheet numbers it) holding byte ``position``."""
    return data.count(b"\n", 0, position) + 1


def _read_csv(path: Path, encoding: str | None, notes: list[str], separator: str | None):
    text, utf8 = _decode(path, encoding, notes)
    if not text or text.isspace():  # (strip() would copy the whole text)
        raise ObservationError(f"{path}: the file is empty")
    if separator is None:
        sample = "\n".join(text[:65536].splitlines()[:30])  # not a split of the whole file
        try:
            separator = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ","
    if separator != ",":
        notes.append(f"columns separated by {'tab' if separator == chr(9) else separator!r}")
    options = {
        "sep": separator,
        "header": None,
        # categorical straight from the C parser: faster than strings, and each distinct
        # cell is a Python object once
        "dtype": "category",
        "keep_default_na": False,
        "skip_blank_lines": False,  # keep the file's row numbers
    }
    # bytes parse faster than a str in pandas' C reader
    try:
        payload = utf8 if utf8 is not None else text.encode("utf-8")
        raw = pd.read_csv(io.BytesIO(payload), encoding="utf-8", **options)
    except pd.errors.EmptyDataError:
        raise ObservationError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        widths = _ragged_widths(text, separator)
        if widths is None or "EOF inside string" in str(exc):
            raise ObservationError(f"{path}: {_parser_message(str(exc))}") from None
        # HXL allows rows of any length; read every row to the widest
        raw = pd.read_csv(
            io.BytesIO(text.encode("utf-8")), encoding="utf-8", names=range(max(widths)), **options
        )
        notes.append(f"rows of unequal length (from {min(widths)} to {max(widths)} cells)")
    raw.index = np.arange(len(raw))
    return raw


def _ragged_widths(text: str, separator: str) -> list[int] | None:
    """Row widths of an HXL file (where ragged rows are legal), else None."""
    head = list(
        csv.reader(io.StringIO("\n".join(text[:65536].splitlines()[:25])), delimiter=separator)
    )
    width = max((len(row) for row in head), default=0)
    if find_tag_row(pd.DataFrame([row + [""] * (width - len(row)) for row in head])) is None:
        return None
    return [len(row) for row in csv.reader(io.StringIO(text), delimiter=separator) if row]


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
        raw = pd.read_excel(
            path, dtype=object, engine="openpyxl", keep_default_na=False, header=None
        )
    except Exception as exc:  # openpyxl raises many types on broken workbooks
        raise ObservationError(f"{path}: not a readable XLSX workbook ({exc})") from None
    raw.index = np.arange(len(raw))
    # workbooks are small and typed (dates, floats): one conversion per cell is fine here
    return raw.map(cell_text)


def _read_json(path: Path, notes: list[str]):
    text = decode_text(path, None, notes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ObservationError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
            "the file may be truncated"
        ) from None
    # HXL JSON: a list of rows (header and tag rows among them), or objects keyed by tags
    if isinstance(data, list) and data and all(isinstance(r, list) for r in data):
        raw = pd.DataFrame(data).map(cell_text)
        if find_tag_row(raw) is None:
            raise ObservationError(f"{path}: a JSON array of rows without an HXL tag row")
        notes.append("HXL JSON (array of rows)")
        return raw, None
    if (
        isinstance(data, list)
        and data
        and all(isinstance(r, dict) for r in data)
        and all(str(k).startswith("#") for k in data[0])
    ):
        raw = pd.DataFrame.from_records(data).map(cell_text)
        raw.index = np.arange(len(raw)) + 1  # row 1 would be the keys in a table
        notes.append("HXL JSON (objects keyed by tags)")
        return raw, list(raw.columns)
    from workspace.shapes import dtm_records

    return dtm_records(path, data, notes), None
