"""Read and check observation files in the canonical long format (DESIGN 3.3).

Checking is separate from storing: `read_observations` returns a clean table and a list
of notes, or raises `ObservationError` listing every problem with file, row and column.
Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.cube import GROUPS, parse_rounds
from indicators.framework import CONTEXT_VARIABLES, Framework
from workspace.numbers import by_unique, codes_and_uniques, read_numbers

REQUIRED_COLUMNS = ("area_pcode", "round", "group", "indicator", "value")
OPTIONAL_COLUMNS = ("n", "source", "se")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
#: How many problems to list before summarising; a file with thousands of bad rows
#: usually has one cause, and a wall of text hides it.
MAX_LISTED = 20
#: Codes, names and sources are short; a cell longer than this is a pasted paragraph or
#: a shifted column, and would bloat every page that shows it.
MAX_TEXT_CELL = 300
TEXT_COLUMNS = ("area_pcode", "group", "indicator", "source", "area_name", "parent_name")
#: Displacement statistics start after the Second World War; an earlier round is a typo.
EARLIEST_ROUND = pd.Timestamp("1950-01-01")


class ObservationError(ValueError):
    """Bad observation input; the message names the file, rows and columns."""


@dataclass
class ReadResult:
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def read_observations(
    path: str | Path,
    framework: Framework,
    *,
    decimal: str | None = None,
    allow_any_date: bool = False,
    **reading,
) -> ReadResult:
    """Read any recognised observation file and check every row against ``framework``.

    ``reading`` goes to `workspace.readers.read_source` (encoding, round_date,
    value_column, level). Area codes are checked for presence only; placing them on the
    workspace's areas is the store's job (it knows the areas).
    """
    from workspace.readers import read_source

    source = read_source(path, **reading)
    if (source.frame["area_pcode"] == "").all() and "area_name" in source.frame:
        raise ObservationError(
            f"{path}: the file names areas but gives no P-codes; import it into a "
            "workspace with --match-names to match the names to its areas"
        )
    return check_rows(
        Path(path),
        source.frame,
        framework,
        list(source.notes),
        source.columns,
        decimal=decimal,
        allow_any_date=allow_any_date,
    )


def check_rows(
    path: Path,
    table: pd.DataFrame,
    framework: Framework,
    notes: list[str],
    columns: dict[str, str] | None = None,
    *,
    decimal: str | None = None,
    allow_any_date: bool = False,
    keep_categories: bool = False,
) -> ReadResult:
    """Check text rows in canonical columns (plus ``row``, the file's row number).

    ``columns`` maps canonical columns to the file's own names, which messages use;
    ``decimal`` states the decimal mark ("." or ","), else the column must show it;
    rounds in the future or before 1950 are refused unless ``allow_any_date``;
    ``keep_categories`` hands categorical text columns back as they came (the store
    writes their codes), else they are plain strings."""
    named = columns or {}
    table = table.copy()
    # categorical text (from the reader) is compared and looked up per distinct value;
    # the text columns are plain strings again once checked (below)
    categorical = [c for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)]
    for column in ("n", "source", "se"):
        if column not in table:  # one empty category: a million "" need no hashing
            table[column] = pd.Categorical.from_codes(np.zeros(len(table), int), [""])
    row_number = table["row"] if "row" in table else pd.Series(range(2, len(table) + 2))
    row_number.index = table.index
    problems: list[tuple[int, str, str]] = []
    counted = [0]

    def flag(mask: pd.Series, column: str, message) -> None:
        flagged = mask[mask.fillna(False).astype(bool)].index
        counted[0] += len(flagged)
        for index in flagged[:MAX_LISTED]:  # the rest are counted, not spelled out
            text_message = message(table.loc[index]) if callable(message) else message
            problems.append((int(row_number[index]), named.get(column, column), text_message))

    table["group"] = _lowered(table["group"])
    flag(table["area_pcode"] == "", "area_pcode", "empty P-code")

    for column in TEXT_COLUMNS:
        if column in table:
            flag(
                by_unique(table[column], lambda u: u.str.len() > MAX_TEXT_CELL).astype(bool),
                column,
                lambda r, c=column: (
                    f"a text of {len(r[c])} characters (more than {MAX_TEXT_CELL}): "
                    "not a code or a name; check the file"
                ),
            )

    # nanosecond timestamps hold 1678-2262: a year such as 2999 (a typo) would not parse
    unstorable = by_unique(table["round"], _impossible_year).astype(bool)
    flag(
        unstorable,
        "round",
        lambda r: f"{r['round']!r} is far in the future or the past; a typo of the year?",
    )
    rounds = by_unique(
        table["round"],
        lambda u: parse_rounds(u.where(~_impossible_year(u), "2000-01-01"), errors="coerce"),
    ).astype("datetime64[ns]")
    # a month name and a year: "March" alone would be read as year 1
    undated = table.loc[rounds.isna(), "round"]
    written = pd.Series(False, index=table.index)
    written[undated.index] = undated.str.contains(
        r"[A-Za-z]{3}", regex=True
    ) & undated.str.contains(r"(?<!\d)(?:19|20)\d\d(?!\d)", regex=True)
    if written.any():
        # "1 March 2015", "March 2015", "01-Mar-2015": month names leave no doubt
        rounds[written] = pd.to_datetime(
            table.loc[written, "round"], format="mixed", dayfirst=True, errors="coerce"
        ).dt.normalize()
        if rounds[written].notna().any():
            notes.append(
                f"{int(rounds[written].notna().sum())} written date(s) read, e.g. "
                f"{table.loc[written, 'round'].iloc[0]!r} as "
                f"{rounds[written].dropna().iloc[0]:%Y-%m-%d}"
            )
    flag(rounds.isna(), "round", lambda r: f"{r['round']!r} is not a date YYYY-MM-DD or YYYY-MM")
    if not allow_any_date:
        today = pd.Timestamp.now().normalize()
        flag(
            rounds > today,
            "round",
            lambda r: (
                f"{r['round']!r} is in the future; a typo? If it is meant, run again with "
                "--allow-any-date"
            ),
        )
        flag(
            rounds < EARLIEST_ROUND,
            "round",
            lambda r: (
                f"{r['round']!r} is before {EARLIEST_ROUND:%Y}; a typo? If it is meant, run "
                "again with --allow-any-date"
            ),
        )

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

    reading = read_numbers(table["value"], decimal=decimal, rows=row_number)
    values = reading.values
    notes.extend(reading.notes)
    unreadable = pd.Series(False, index=table.index)
    unreadable[list(reading.problems)] = True
    flag(unreadable, "value", lambda r: reading.problems[r.name])
    flag(
        values.isna() & (table["value"] != "") & ~unreadable,
        "value",
        lambda r: f"{r['value']!r} is not a number",
    )
    flag(table["value"] == "", "value", "empty value; leave the row out instead")
    flag(
        pd.Series(np.isinf(values.to_numpy(dtype=float)), index=values.index),
        "value",
        "not a finite number",
    )
    units = {i.code: i.unit for i in framework.indicators}
    is_percent = table["indicator"].map(units).eq("percent")
    flag(
        is_percent & ((values < 0) | (values > 100)),
        "value",
        lambda r: f"{r['value']} is outside 0-100 for a percentage",
    )
    flag(context & (values < 0), "value", lambda r: f"{r['value']} is negative: a count cannot be")
    # A negative value is impossible on a scale whose goalposts are both non-negative
    # (percentages, minutes, ratios); frameworks with signed scales say so by their goalposts.
    non_negative = {i.code for i in framework.indicators if min(i.goalposts) >= 0}
    flag(
        table["indicator"].isin(non_negative) & ~is_percent & (values < 0),
        "value",
        lambda r: f"{r['value']} is negative, below the scale of {r['indicator']}",
    )

    sizes = read_numbers(table["n"], decimal=decimal, rows=row_number).values
    flag(sizes.isna() & (table["n"] != ""), "n", lambda r: f"{r['n']!r} is not a number")
    flag(sizes < 0, "n", lambda r: f"{r['n']} is negative: n is a sample size")

    # DESIGN 3.3: optional, >= 0; read per distinct cell (mostly one: empty)
    errors = by_unique(table["se"], lambda u: pd.to_numeric(u, errors="coerce")).astype(float)
    flag(errors.isna() & (table["se"] != ""), "se", lambda r: f"{r['se']!r} is not a number")
    flag(errors < 0, "se", lambda r: f"{r['se']} is negative: a standard error cannot be")

    if problems:
        raise ObservationError(_problem_report(path, problems, counted[0]))

    for column in [] if keep_categories else categorical:
        if column in table and isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(object)
    table["round"] = rounds
    table["se"] = errors.astype(float)
    table["value"] = values.astype(float)
    table["n"] = sizes.astype(float)
    table["row"] = row_number

    keys = ["area_pcode", "round", "group", "indicator"]
    repeated = pd.Series(_duplicated_keys(table, keys), index=table.index)
    if repeated.any():
        # vectorised: a million repeated rows must not mean a million Python groups
        repeated_rows = table[repeated]
        distinct = repeated_rows.drop_duplicates([*keys, "value", "n"])
        clashing = distinct[distinct.duplicated(keys, keep=False)][keys].drop_duplicates()
        if not clashing.empty:
            involved = repeated_rows.merge(clashing, on=keys)
            problems = []
            for key, rows in involved.groupby(keys, sort=False):
                if len(problems) == MAX_LISTED:
                    break
                numbers = rows["row"].tolist()
                problems.append(
                    (
                        numbers[0],
                        named.get("value", "value"),
                        f"conflicting values for {_key_text(key)} in {_rows_text(numbers)}; "
                        "keep one of them",
                    )
                )
            raise ObservationError(_problem_report(path, problems, len(clashing)))
        later = _duplicated_keys(table, keys, keep="first")
        dropped = int(later.sum())
        table = table[~later]
        notes.append(f"dropped {dropped} row(s) repeating an identical earlier row")
    return ReadResult(table.reset_index(drop=True), notes)


def _lowered(groups: pd.Series) -> pd.Series:
    """Groups in lower case; categorical text stays categorical (its later comparisons,
    checks and keys then work on a few codes, not a million strings)."""
    codes, uniques = codes_and_uniques(groups)
    lowered = pd.Series(uniques, dtype=object).str.lower()
    if not isinstance(groups.dtype, pd.CategoricalDtype) or lowered.isna().any():
        return by_unique(groups, lambda u: u.str.lower())
    merged, categories = pd.factorize(lowered)  # "IDP" and "idp" become one
    return pd.Series(
        pd.Categorical.from_codes(merged[codes], categories=categories), index=groups.index
    )


def _duplicated_keys(table: pd.DataFrame, keys: list[str], keep: str | bool = False):
    """``table.duplicated(keys, keep=keep)`` as an array, on one integer per row (the
    columns' codes combined): hashing a million rows of text and dates per column costs
    far more."""
    combined, size = np.zeros(len(table), dtype=np.int64), 1
    for column in keys:
        codes, uniques = codes_and_uniques(table[column])
        if size * len(uniques) >= 2**62:  # renumber what there is before it could overflow
            combined, seen = pd.factorize(combined)
            size = len(seen)
        combined, size = combined * len(uniques) + codes, size * len(uniques)
    return pd.Series(combined).duplicated(keep=keep).to_numpy()


def _impossible_year(rounds: pd.Series) -> pd.Series:
    year = pd.to_numeric(
        rounds.astype(str).str.extract(r"^(\d{4})-", expand=False), errors="coerce"
    )
    return (year > 2200) | (year < 1700)


def _rows_text(numbers: list[int], limit: int = 20) -> str:
    """``rows 2, 5, 9`` or, for many, the first ``limit`` and a count."""
    shown = ", ".join(map(str, numbers[:limit]))
    more = f" and {len(numbers) - limit} more ({len(numbers)} rows)" if len(numbers) > limit else ""
    return f"rows {shown}{more}"


def _key_text(key: tuple) -> str:
    area, round_, group, indicator = key
    return f"{area} / {pd.Timestamp(round_):%Y-%m-%d} / {group or '-'} / {indicator}"


def _problem_report(path: Path, problems: list[tuple[int, str, str]], total: int = 0) -> str:
    problems = sorted(problems)
    total = max(total, len(problems))
    lines = [f"{path}: {total} problem(s); nothing was imported"]
    lines += [
        f"  row {row}, column {column}: {message}" for row, column, message in problems[:MAX_LISTED]
    ]
    if total > MAX_LISTED:
        lines.append(f"  ... and {total - min(len(problems), MAX_LISTED)} more")
    return "\n".join(lines)


def suspicious_jumps(table: pd.DataFrame, factor: float = 1.8) -> list[str]:
    """Rounds whose ``idps_present`` total is about twice both neighbours' (such as
    DTM Iraq round 48, which holds two reporting dates): usually duplicated records."""
    figures = table[table["indicator"] == "idps_present"]
    if figures.empty:
        return []
    if "dtm_round" in figures and (figures["dtm_round"] != "").all():
        key = pd.to_numeric(figures["dtm_round"], errors="coerce")
        label = "DTM round"
    else:
        key, label = figures["round"], "round"
    totals = figures.groupby(key)["value"].sum().sort_index()
    dates = figures.groupby(key)["round"].agg(lambda r: sorted({f"{d:%Y-%m-%d}" for d in r}))
    warnings = []
    for position in range(1, len(totals) - 1):
        before, here, after = totals.iloc[position - 1 : position + 2]
        if before > 0 and after > 0 and here >= factor * before and here >= factor * after:
            name = totals.index[position]
            shown = name if label == "DTM round" else f"{pd.Timestamp(name):%Y-%m-%d}"
            warnings.append(
                f"{label} {shown} ({', '.join(dates.iloc[position])}): {here:,.0f} IDPs in "
                f"total, about {here / ((before + after) / 2):.1f} times its neighbours "
                f"({before:,.0f} and {after:,.0f}); check for duplicated records"
            )
    return warnings
