"""CSV exports: formula neutralisation, the HXL row and metadata block, small-sample
suppression (dashboard.briefing.downloads, dashboard.briefing.areas)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.briefing.areas import priority_table
from dashboard.briefing.downloads import (
    Column,
    csv_bytes,
    framework_yaml,
    neutralise,
    priorities_csv,
    scores_csv,
    scores_table,
)
from dashboard.briefing.exports import priorities_export, scores_metadata
from tests.dashboard.conftest import ONE_SMALL_AREA, SMALL_AREA
from tests.helpers import LATEST, view
from tests.helpers import read_export as read

MADE = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
# -- cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),
        ("Balin", "Balin"),
        ("-3.2", "-3.2"),  # a plain number as text stays a number
        (-3.2, -3.2),
        (7, 7),
        (True, "yes"),
        (float("nan"), None),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_layout_header_tags_rows_and_nothing_else():
    columns = [Column("name", "#adm2+name"), Column("change", "#indicator+num")]
    data = csv_bytes(columns, [["=1+1", -3.2], ["Ok", None]])
    rows = read(data)
    assert rows[0] == ["name", "change"]
    assert rows[1] == ["#adm2+name", "#indicator+num"]
    assert rows[2:] == [["'=1+1", "-3.2"], ["Ok", ""]]


def test_dataframe_and_row_paths_agree():
    columns = [Column("a", "#a"), Column("b", "#b+num"), Column("c", "#c")]
    frame = pd.DataFrame(
        {"a": ["-x", "y", None], "b": [1.5, -2.0, np.nan], "c": [True, False, True]}
    )
    from_frame = csv_bytes(columns, frame)
    from_rows = csv_bytes(columns, frame.astype(object).values.tolist())
    assert read(from_frame)[2:] == [["'-x", "1.5", "yes"], ["y", "-2.0", "no"], ["", "", "yes"]]
    assert read(from_rows)[2:4] == [["'-x", "1.5", "yes"], ["y", "-2", "no"]]


# -- the priorities CSV -------------------------------------------------------------------


def test_priorities_csv_has_hxl_row_data_and_metadata(demo_app_context):
    rows = read(priorities_csv(demo_app_context, view()))
    export = priorities_export(demo_app_context, view(), made=MADE)
    assert export.csv() == priorities_csv(demo_app_context, view())
    metadata = {k: v if isinstance(v, list) else [v] for k, v in export.document.items()}
    metadata["source"] = metadata.pop("sources")
    metadata["admin_level"] = [str(v) for v in metadata["admin_level"]]
    metadata["rounds"] = [", ".join(metadata["rounds"])]
    header, tags, data = rows[0], rows[1], rows[2:]
    assert all(tag.startswith("#") for tag in tags)
    assert tags[:4] == ["#adm2+code", "#adm2+name", "#adm1+code", "#adm1+name"]
    assert "#indicator+score+num" in tags and "#affected+idps+num" in tags
    assert "#meta+rank+median+num" in tags and "#indicator+reliability+num" in tags
    assert len(data) == 150 and all(len(r) == len(header) for r in data)
    ranks = [float(r[header.index("median_rank")]) for r in data if r[header.index("median_rank")]]
    assert ranks == sorted(ranks)

    assert metadata["framework_version"] == ["2026.1"]
    assert metadata["framework"] == ["IASC durable solutions"]
    assert metadata["date_made"] == ["2026-01-15T09:30:00Z"]
    assert metadata["round"] == [LATEST] and metadata["admin_level"] == ["2"]
    assert metadata["rounds"][0].startswith("2023-03-01, ") and LATEST in metadata["rounds"][0]
    [source] = metadata["source"]
    assert "Demo household survey (fictional)" in source and "2023-03-01" in source
    assert "30 households" in metadata["suppression_rule"][0]
    assert "invented" in metadata["notice"][0]
    assert metadata["attribution"]


def test_priorities_csv_neutralises_hostile_names_and_keeps_negative_numbers(hostile_context):
    rows = read(priorities_csv(hostile_context, view()))
    header, data = rows[0], rows[2:]
    by_code = {r[0]: r for r in data}
    name = header.index("name")
    assert by_code["XM01001"][name] == '\'=HYPERLINK("http://x")'
    assert by_code["XM01002"][name] == "'+cmd"
    assert by_code["XM01003"][name] == "'-2+3"
    assert by_code["XM01004"][name] == "'@SUM(A1)"
    assert by_code["XM01005"][name] == "'\tTab"
    assert by_code["XM01006"][name] == "<img src=x onerror=alert(1)>"
    # No cell of the file starts a formula; negative changes are plain numbers.
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)
    change = [r[header.index("change_since_previous")] for r in data]
    assert any(c.startswith("-") for c in change)


def test_small_samples_are_suppressed_and_flagged(hostile_context, demo_app_context):
    rows = read(priorities_csv(hostile_context, view()))
    metadata = priorities_export(hostile_context, view()).document
    header, data = rows[0], rows[2:]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in data}
    small = by_code[SMALL_AREA]
    assert small["suppressed"] == "yes"
    for column in ("score", "class", "class_name", "median_rank", "rank_5", "rank_95"):
        assert small[column] == "", column
    assert small["change_since_previous"] == "" and small["change_since_first"] == ""
    assert small["weakest_criterion_score"] == ""
    assert int(small["small_sample_indicators"]) == int(small["indicators_with_data"]) > 0
    # Name, code, IDPs present and reliability are not sample values: they stay.
    assert small["name"] and small["idps_present"] and small["reliability"]

    one = by_code[ONE_SMALL_AREA]
    assert one["small_sample_indicators"] == "1"
    assert one["score"] and one["median_rank"] and one["suppressed"] == "no"

    # The area's score itself is still computed and shown on screen (only exports hide it).
    table = priority_table(hostile_context, view()).set_index("pcode")
    assert table.loc[SMALL_AREA, "suppressed"] and not np.isnan(table.loc[SMALL_AREA, "score"])
    assert "withheld" in metadata["suppression_rule"]
    # The next round's change looks back at the withheld round: withheld too.
    earlier = priority_table(hostile_context, view(round="2025-09-01")).set_index("pcode")
    assert not earlier.loc[SMALL_AREA, "suppressed"]


def test_change_is_withheld_when_its_other_end_is(hostile_context):
    cube = hostile_context.cube.copy(deep=True)
    before = np.datetime64("2025-09-01", "ns")
    cube["n"].loc[{"area": "XM03001", "group": "idp", "round": before}] = 5.0
    context = dataclasses.replace(hostile_context, cube=cube)
    row = priority_table(context, view()).set_index("pcode").loc["XM03001"]
    assert not row["suppressed"]
    assert row["suppressed_previous"] and not row["suppressed_first"]


def test_rolled_up_areas_pool_their_children_samples(hostile_context):
    flags = hostile_context.sample_flags(1)
    region = flags.sel(area="XM02", round=np.datetime64(LATEST, "ns"), group="idp")
    # One child has every value on 10 households, but pooled with its siblings none is small.
    assert region["present"].any() and not region["small"].any()
    level2 = hostile_context.sample_flags(2).sel(area=SMALL_AREA, group="idp")
    assert level2["small"].sel(round=np.datetime64(LATEST, "ns")).any()


def test_priority_table_at_a_rolled_up_level(demo_app_context):
    table = priority_table(demo_app_context, view(level=1, core=True))
    assert len(table) == 12 and table["rolled_up"].all()
    assert table["median_rank"].is_monotonic_increasing
    assert set(table["weakest"]) <= set(demo_app_context.framework.core_criterion_codes)


def test_priority_table_is_empty_for_an_unknown_round(demo_app_context):
    assert priority_table(demo_app_context, view(round="1999-01-01")).empty
    rows = read(priorities_csv(demo_app_context, view(round="1999-01-01")))
    assert len(rows) == 2


# -- the scores CSV -------------------------------------------------------------------------


def test_scores_table_suppresses_small_sample_indicators(hostile_context):
    table = scores_table(hostile_context)
    latest = table[(table["round"] == LATEST) & (table["group"] == "idp")]
    one = latest[latest["area_pcode"] == ONE_SMALL_AREA].set_index(["benchmark", "code"])
    code = hostile_context.cube.attrs["one_small_indicator"]
    assert one.loc[("parity", code), "suppressed"]
    assert np.isnan(one.loc[("parity", code), "score"])
    # The indicator, and every parent where small samples are half or more of the values.
    framework = hostile_context.framework
    sub = framework.indicator_parent()[code]
    assert one.loc[("parity", sub), "suppressed"]
    hidden = set(one.index[one["suppressed"]].get_level_values("code"))
    assert hidden <= {code, sub, framework.subcriterion_parent()[sub]}
    assert not one.loc[("parity", "overall"), "suppressed"]
    small = latest[latest["area_pcode"] == SMALL_AREA]
    # Every score is empty; those that had a value are flagged (missing ones have none).
    assert small["score"].isna().all()
    assert small.loc[small["code"] == "overall", "suppressed"].all()
    assert set(table["area_name"].dropna()) >= {'=HYPERLINK("http://x")'}


def test_scores_csv_layout(hostile_context):
    rows = read(scores_csv(hostile_context, view()))
    metadata = scores_metadata(hostile_context, view(), made=MADE)
    header, tags = rows[0], rows[1]
    assert [c["name"] for c in metadata["columns"]] == header
    assert [c["hxl"] for c in metadata["columns"]] == tags
    assert header[:3] == ["area_pcode", "area_name", "admin_level"]
    assert all(tag.startswith("#") for tag in tags)
    assert {"yes", "no"} == {r[header.index("suppressed")] for r in rows[2:]}
    assert all(not r[1].startswith(("=", "+", "@")) for r in rows[2:])
    assert metadata["framework_version"] == "2026.1" and metadata["date_made"]
    assert metadata["rounds_in_file"].count(",") == 11


def test_framework_yaml_is_the_framework_in_force(demo_app_context):
    from indicators.framework import parse_framework

    name, data = framework_yaml(demo_app_context)
    assert name == "IASC-durable-solutions-2026.1.yaml"
    assert parse_framework(data.decode("utf-8")) == demo_app_context.framework
