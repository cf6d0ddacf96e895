"""Numbers as spreadsheets write them, read only where the file's convention is clear.

``1,5`` is one and a half in Paris and ``1,000`` is a thousand in Nairobi; ``1,000`` in a
file from Paris is one. No cell is read by guessing alone: the whole column is looked at
first. Cells that can only be read one way (``1,5``, ``12.75``, ``1,234,567``,
``1.234,5``) fix the convention; cells that could be read either way (``1,000``,
``1.000``) are then read by it. A column with evidence for both conventions, or with only
ambiguous cells, is an error naming the cells (or the user states ``--decimal``). The
report says how the numbers were read.

Everything is vectorised (``str.match`` over the column): a million cells cost no
Python call each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Space-like thousands separators: space, no-break space, narrow no-break space.
_SPACES = "[ \u00a0\u202f]"
# "inf" passes as a number so that the row checks can call it "not a finite number"
_PLAIN = r"^[+-]?((\d+|\d*\.\d+)([eE][+-]?\d+)?|inf|infinity)$"
# Only a dot reading is possible
_DOT_EVIDENCE = (
    r"^[+-]?\d{1,3}(,\d{3})+\.\d+$"  # 1,234.5
    r"|^[+-]?\d{1,3}(,\d{3}){2,}$"  # 1,234,567
    r"|^[+-]?\d*\.(\d{1,2}|\d{4,})$"  # 12.5, 0.25, 3.14159
    r"|^[+-]?\d{4,}\.\d+$"  # 1234.500
)
# Only a comma reading is possible
_COMMA_EVIDENCE = (
    r"^[+-]?\d{1,3}(\.\d{3})+,\d+$"  # 1.234,5
    r"|^[+-]?\d{1,3}(\.\d{3}){2,}$"  # 1.234.567
    r"|^[+-]?\d*,(\d{1,2}|\d{4,})$"  # 12,5 0,25
    r"|^[+-]?\d{4,},\d+$"  # 1234,500
)
_AMBIGUOUS = r"^[+-]?\d{1,3}[.,]\d{3}$"  # 1,000 or 1.000
_SPACED = rf"^[+-]?\d{{1,3}}({_SPACES}\d{{3}})+([.,]\d+)?$"  # 1 234 567 (French, SI)

DECIMAL_MARKS = (".", ",")


def codes_and_uniques(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of ``series``: a categorical's own codes and categories
    (a missing cell: NaN, listed last), else ``pd.factorize`` (NaN kept as a value)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.intp)
        uniques = series.cat.categories.to_numpy(dtype=object)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques = np.append(uniques, np.nan)
        # as factorize gives them: only the values present, in order of first appearance
        # (notes name the first example of a kind by its row)
        first = np.full(len(uniques), len(codes), dtype=np.intp)
        np.minimum.at(first, codes, np.arange(len(codes), dtype=np.intp))
        present = np.flatnonzero(first < len(codes))
        order = present[np.argsort(first[present], kind="stable")]
        renumber = np.empty(len(uniques), dtype=np.intp)
        renumber[order] = np.arange(len(order))
        return renumber[codes], uniques[order]
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def by_unique(series: pd.Series, function) -> pd.Series:
    """``function`` applied to the distinct values only, then spread back: without
    pyarrow, pandas string methods make a Python call per cell, and real columns (codes,
    rounds, indicators) repeat a few thousand values over a million rows."""
    codes, uniques = codes_and_uniques(series)
    result = function(pd.Series(uniques, dtype=object))
    spread = np.asarray(result)[codes]
    # object, not pandas' inferred "str" dtype, whose every comparison checks for NA
    dtype = object if spread.dtype == object else None
    return pd.Series(spread, index=series.index, dtype=dtype)


@dataclass
class NumberReading:
    """Values of one column, and how its text was read."""

    values: pd.Series
    #: "." or "," where the column showed (or was told) its decimal mark, else None
    decimal: str | None = None
    #: index -> why the cell cannot be read safely (ambiguous or contradicting)
    problems: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_numbers(
    text: pd.Series, *, decimal: str | None = None, rows: pd.Series | None = None
) -> NumberReading:
    """Parse a column of number text; cells that are not numbers become NaN.

    ``rows`` (the file's row numbers, same index) are only used to name examples in notes.
    """
    rows = rows if rows is not None else pd.Series(np.arange(len(text)) + 2, index=text.index)
    # every step works on the distinct cells (a categorical column's categories as they
    # are): regular expressions are a Python call per cell, and text of a million cells
    # would be a million Python strings
    codes, uniques = codes_and_uniques(text)
    uniques = pd.Series(uniques, dtype=object).astype(str).to_numpy(dtype=object)
    if decimal != ",":
        # the machine format first, in C: most files need nothing else
        fast = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").astype(float)
        fast = fast.to_numpy()
        if not (np.isnan(fast) & (uniques != ""))[codes].any():
            notes = [f"numbers read with {decimal!r} as decimal mark, as stated"] if decimal else []
            return NumberReading(pd.Series(fast[codes], index=text.index), decimal, notes=notes)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()
    distinct = _read_distinct(
        pd.Series(uniques, dtype=object), decimal, pd.Series(rows.to_numpy()[first.to_numpy()])
    )
    values = pd.Series(distinct.values.to_numpy()[codes], index=text.index)
    problems = {}
    if distinct.problems:
        bad = np.isin(codes, list(distinct.problems))
        problems = {
            index: distinct.problems[code]
            for index, code in zip(text.index[bad], codes[bad], strict=True)
        }
    return NumberReading(values, distinct.decimal, problems, distinct.notes)


def _read_distinct(text: pd.Series, decimal: str | None, rows: pd.Series) -> NumberReading:
    text = text.astype(str).str.strip().str.replace(r"\s*%$", "", regex=True)
    spaced = text.str.match(_SPACED)
    reading = NumberReading(values=pd.Series(np.nan, index=text.index))
    if spaced.any():
        text = text.where(~spaced, text.str.replace(_SPACES, "", regex=True))
        example = spaced[spaced].index[0]
        reading.notes.append(f"spaces read as thousands separators (e.g. row {rows[example]})")
    plain = text.str.match(_PLAIN)
    if plain.all():  # the common case, and the machine format: nothing to decide
        reading.values = pd.to_numeric(text, errors="coerce")
        return reading

    odd = text[~plain]
    dot = odd.str.match(_DOT_EVIDENCE)
    comma = odd.str.match(_COMMA_EVIDENCE)
    ambiguous = odd.str.match(_AMBIGUOUS)
    # A plain "12.5" is evidence for the dot as well, once commas are in play
    dotted = text[plain].str.contains(".", regex=False)
    dotted = dotted & ~text[plain].str.match(r"^[+-]?\d{1,3}\.\d{3}$")

    if decimal is None:
        has_dot = bool(dot.any() or dotted.any())
        has_comma = bool(comma.any())
        if has_dot and has_comma:
            first_dot = (odd[dot] if dot.any() else text[plain][dotted]).index[0]
            first_comma = odd[comma].index[0]
            why = (
                f"the file writes numbers both ways ({text[first_dot]!r} in row "
                f"{rows[first_dot]} reads only with '.' as decimal mark, {text[first_comma]!r}"
                f" in row {rows[first_comma]} only with ','); state --decimal . or --decimal ,"
            )
            for index in (*odd[dot].index, *odd[comma].index, *odd[ambiguous].index):
                reading.problems[index] = why
            decimal = None
        elif has_comma:
            decimal = ","
            example = odd[comma].index[0]
            reading.notes.append(
                f"numbers read with ',' as decimal mark (the file writes {text[example]!r} in "
                f"row {rows[example]})"
                + (
                    "; '.' as thousands separator"
                    if odd.str.contains(".", regex=False).any()
                    else ""
                )
            )
        elif has_dot:
            decimal = "."
            shown = odd[dot] if dot.any() else odd[ambiguous]
            if odd.str.contains(",", regex=False).any():
                example = shown.index[0]
                reading.notes.append(
                    f"numbers read with ',' as thousands separator and '.' as decimal mark "
                    f"(e.g. {text[example]!r} in row {rows[example]})"
                )
        else:
            for index in odd[ambiguous].index:
                reading.problems[index] = (
                    f"{text[index]!r} could be {text[index].replace(',', '').replace('.', '')} "
                    f"or {text[index].replace(',', '.')}: nothing else in the column shows "
                    "the decimal mark; state --decimal . or --decimal ,"
                )
    else:
        reading.notes.append(f"numbers read with {decimal!r} as decimal mark, as stated")

    if decimal == ",":
        normal = odd.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        readable = comma | ambiguous | odd.str.match(r"^[+-]?\d+$")
        readable |= odd.str.match(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
        # under a comma convention a plain "1.000" is a thousand, a plain "12.5" a mistake
        plain_text = text[plain]
        plain_normal = plain_text.where(
            ~plain_text.str.contains(".", regex=False),
            plain_text.str.replace(".", "", regex=False),
        )
        bad_plain = plain_text.str.contains(".", regex=False) & ~plain_text.str.match(
            r"^[+-]?\d{1,3}(\.\d{3})+$"
        )
        for index in plain_text[bad_plain].index:
            reading.problems.setdefault(
                index, f"{text[index]!r} uses '.' as decimal mark where the column uses ','"
            )
        values = pd.concat([plain_normal, normal.where(readable, "x")])
    elif decimal == ".":
        normal = odd.str.replace(",", "", regex=False)
        readable = dot | ambiguous | odd.str.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
        for index in odd[comma & ~ambiguous].index:
            reading.problems.setdefault(
                index, f"{text[index]!r} uses ',' as decimal mark where the column uses '.'"
            )
        values = pd.concat([text[plain], normal.where(readable, "x")])
    else:
        values = pd.concat([text[plain], pd.Series("x", index=odd.index)])
    reading.values = pd.to_numeric(values.reindex(text.index), errors="coerce")
    reading.decimal = decimal
    return reading
