"""Read and check observation files in the canonical long format (DESIGN 3.3).

Checking is separate from storing: `read_observations` returns a clean table and a list
of notes, or raises `ObservationError` listing every problem with file, row and column.
Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.cube import GROUPS, parse_rounds
from indicators.framework import CONTEXT_VARIABLES, Framework

REQUIRED_COLUMNS = ("area_pcode", "round", "group", "indicator", "value")
OPTIONAL_COLUMNS = ("n", "source")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
#: How many problems to list before summarising; a file with thousands of bad rows
#: usually has one cause, and a wall of text hides it.
MAX_LISTED = 25


class ObservationError(ValueError):
    """Bad observation input; the message names the file, rows and columns."""


@dataclass
class ReadResult:
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise ObservationError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                sep=None,
                engine="python",
            )
        else:
            raise ObservationError(
                f"{path}: unsupported file type {suffix!r}; give a CSV or XLSX file"
            )
    except UnicodeDecodeError as exc:
        raise ObservationError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV"
        ) from None
    except pd.errors.EmptyDataError:
        raise ObservationError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise ObservationError(f"{path}: cannot be read as a table: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_observations(path: str | Path, framework: Framework) -> ReadResult:
    """Read a canonical CSV or XLSX file and check every row against ``framework``."""
    path = Path(path)
    frame = _read_table(path)
    notes: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ObservationError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must have "
            f"{', '.join(REQUIRED_COLUMNS)} (and optionally n, source). "
            f"Columns found: {', '.join(frame.columns) or 'none'}"
        )
    ignored = [c for c in frame.columns if c not in COLUMNS]
    if ignored:
        notes.append(f"ignored column(s) not part of the format: {', '.join(ignored)}")
    if frame.empty:
        raise ObservationError(f"{path}: no data rows under the header")

    text = {c: frame[c].map(_clean) for c in COLUMNS if c in frame.columns}
    table = pd.DataFrame(text)
    if "n" not in table:
        table["n"] = ""
    if "source" not in table:
        table["source"] = ""
    row_number = pd.Series(range(2, len(table) + 2), index=table.index)
    problems: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, column: str, message) -> None:
        for index in mask[mask].index:
            text_message = message(table.loc[index]) if callable(message) else message
            problems.append((int(row_number[index]), column, text_message))

    flag(table["area_pcode"] == "", "area_pcode", "empty P-code")

    rounds = parse_rounds(table["round"], errors="coerce")
    flag(rounds.isna(), "round", lambda r: f"{r['round']!r} is not a date YYYY-MM-DD or YYYY-MM")

    known = set(framework.indicator_codes) | set(CONTEXT_VARIABLES)
    flag(
        ~table["indicator"].isin(known),
        "indicator",
        lambda r: (
            f"unknown indicator {r['indicator']!r}: not in framework "
            f"{framework.name!r} {framework.version} nor a context variable"
        ),
    )
    context = table["indicator"].isin(CONTEXT_VARIABLES)
    group_ok = table["group"].isin(GROUPS) | (context & (table["group"] == ""))
    flag(
        ~group_ok,
        "group",
        lambda r: f"unknown group {r['group']!r}; use idp, returnee or host",
    )

    values = pd.to_numeric(table["value"].str.replace(",", ".", regex=False), errors="coerce")
    flag(
        values.isna() & (table["value"] != ""), "value", lambda r: f"{r['value']!r} is not a number"
    )
    flag(table["value"] == "", "value", "empty value; leave the row out instead")
    flag(
        values.map(lambda v: isinstance(v, float) and math.isinf(v)), "value", "not a finite number"
    )
    units = {i.code: i.unit for i in framework.indicators}
    is_percent = table["indicator"].map(units).eq("percent")
    flag(
        is_percent & ((values < 0) | (values > 100)),
        "value",
        lambda r: f"{r['value']} is outside 0-100 for a percentage",
    )
    flag(context & (values < 0), "value", lambda r: f"{r['value']} is negative: a count cannot be")

    sizes = pd.to_numeric(table["n"], errors="coerce")
    flag(sizes.isna() & (table["n"] != ""), "n", lambda r: f"{r['n']!r} is not a number")
    flag(sizes < 0, "n", lambda r: f"{r['n']} is negative: n is a sample size")

    if problems:
        raise ObservationError(_problem_report(path, problems))

    table["round"] = rounds
    table["value"] = values.astype(float)
    table["n"] = sizes.astype(float)
    table.loc[context & (table["group"] == ""), "group"] = ""
    table["row"] = row_number

    keys = ["area_pcode", "round", "group", "indicator"]
    repeated = table.duplicated(keys, keep=False)
    if repeated.any():
        groups = table[repeated].groupby(keys, sort=False)
        conflicts = []
        for key, rows in groups:
            if rows[["value", "n"]].drop_duplicates().shape[0] > 1:
                conflicts.append((key, rows["row"].tolist()))
        if conflicts:
            problems = [
                (
                    rows[0],
                    "value",
                    f"conflicting values for {_key_text(key)} in rows "
                    f"{', '.join(map(str, rows))}; keep one of them",
                )
                for key, rows in conflicts
            ]
            raise ObservationError(_problem_report(path, problems))
        dropped = int(table.duplicated(keys).sum())
        table = table.drop_duplicates(keys)
        notes.append(f"dropped {dropped} row(s) repeating an identical earlier row")
    return ReadResult(table.reset_index(drop=True), notes)


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _key_text(key: tuple) -> str:
    area, round_, group, indicator = key
    return f"{area} / {pd.Timestamp(round_):%Y-%m-%d} / {group or '-'} / {indicator}"


def _problem_report(path: Path, problems: list[tuple[int, str, str]]) -> str:
    problems = sorted(problems)
    lines = [f"{path}: {len(problems)} problem(s); nothing was imported"]
    lines += [
        f"  row {row}, column {column}: {message}" for row, column, message in problems[:MAX_LISTED]
    ]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)
