"""The row checks (`workspace.observations.check_rows`) and number reading
(`workspace.numbers.read_numbers`) on tiny in-memory tables (issue 9 item 2, issue 8
item 5): numbers are read only where the file's convention is clear, counts stay exact,
odd dates and pasted paragraphs are refused with row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workspace.frameworks import load_framework
from workspace.numbers import read_numbers
from workspace.observations import ObservationError, check_rows

FRAMEWORK = load_framework(None)


def table(values: list[str], *, rounds: str | list[str] = "2024-03", **columns) -> pd.DataFrame:
    count = len(values)
    return pd.DataFrame(
        {
            "area_pcode": [f"ZZ0100{i + 1}" for i in range(count)],
            "round": rounds if isinstance(rounds, list) else [rounds] * count,
            "group": "",
            "indicator": "idps_present",
            "value": values,
            "n": "",
            "source": "",
            "row": range(2, count + 2),
            **columns,
        }
    )


def checked(frame: pd.DataFrame, **options):
    notes: list[str] = []
    result = check_rows(Path("f.csv"), frame, FRAMEWORK, notes, **options)
    return list(result.table["value"]), result.notes


@pytest.mark.parametrize(
    ("cells", "expected", "note"),
    [
        (["1,5", "2"], [1.5, 2.0], "',' as decimal mark"),
        (["1,000", "2.5"], [1000.0, 2.5], "',' as thousands separator"),
        (["1,000", "2,5"], [1.0, 2.5], "',' as decimal mark"),
        (["1.234,5", "7"], [1234.5, 7.0], "',' as decimal mark"),
        (["1,234,567", "3"], [1234567.0, 3.0], "thousands separator"),
        (["1 234 567", "3"], [1234567.0, 3.0], "spaces read as thousands"),
    ],
)
def test_numbers_are_read_by_the_columns_convention_and_reported(cells, expected, note):
    values, notes = checked(table(cells))
    assert values == expected
    assert any(note in n for n in notes), notes


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        (["1,000", "2"], "row 2, column value: '1,000' could be 1000 or 1.000"),
        (["1,5", "2.5"], "the file writes numbers both ways"),
    ],
)
def test_an_ambiguous_cell_is_an_error_naming_row_and_column(cells, words):
    with pytest.raises(ObservationError) as caught:
        checked(table(cells))
    assert words in str(caught.value) and "--decimal" in str(caught.value)


def test_a_stated_decimal_mark_settles_it():
    assert checked(table(["1,000", "2"]), decimal=",")[0] == [1.0, 2.0]
    assert checked(table(["1,000", "2"]), decimal=".")[0] == [1000.0, 2.0]


def test_counts_above_ten_million_stay_exact():
    cells = ["12345678901", "98765432109", "10000001"]
    values, _ = checked(table(cells))
    assert [int(v) for v in values] == [12345678901, 98765432109, 10000001]
    assert sum(int(v) for v in values) == 12345678901 + 98765432109 + 10000001


def test_read_numbers_is_plain_for_machine_numbers():
    reading = read_numbers(pd.Series(["1", "2.5", "-3", "1e3"]))
    assert list(reading.values) == [1.0, 2.5, -3.0, 1000.0]
    assert reading.notes == [] and reading.problems == {}


def test_a_year_no_store_can_hold_is_refused():
    with pytest.raises(ObservationError, match=r"row 2, column round: '2999-01-01' is far in"):
        checked(table(["5"], rounds="2999-01-01"), allow_any_date=True)


@pytest.mark.parametrize("when", ["2099-01-01", "1949-12-01"])
def test_rounds_in_the_future_or_before_1950_need_confirming(when):
    frame = table(["5"], rounds=when)
    with pytest.raises(ObservationError, match=r"row 2, column round: .*--allow-any-date"):
        checked(frame)
    assert checked(frame, allow_any_date=True)[0] == [5.0]


def test_written_dates_are_read():
    frame = table(["5", "6"], rounds=["1 March 2015", "March 2016"])
    result = check_rows(Path("f.csv"), frame, FRAMEWORK, [])
    assert [f"{r:%Y-%m-%d}" for r in result.table["round"]] == ["2015-03-01", "2016-03-01"]


def test_a_pasted_paragraph_is_refused_with_row_and_column():
    frame = table(["5", "6"], source=["DTM", "x" * 400])
    with pytest.raises(ObservationError, match=r"row 3, column source: a text of 400 characters"):
        checked(frame)
