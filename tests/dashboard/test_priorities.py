"""The priorities page without a browser: rows against the context's numbers, order,
links, escaping, and the download (dashboard.pages.priorities)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from dash import html

from dashboard import ids
from dashboard.pages import priorities, priorities_grid
from tests.helpers import LATEST, find, text_of, view

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def rows(demo_app_context):
    # the analyst's screen: every value, withheld ones flagged
    return priorities.rows(demo_app_context, view(), "?round=2025-12-01&level=2", withhold=False)


@pytest.mark.parametrize("position", [0, 1, 17, 74, 149])
def test_rows_match_the_context_numbers(demo_app_context, rows, position):
    row = rows[position]
    at = {"area": row["pcode"], "round": np.datetime64(LATEST, "ns"), "group": "idp"}
    scores = demo_app_context.level_scores(2).sel(at)
    rank = demo_app_context.uncertainty(2, "parity").sel(at)
    moved = demo_app_context.change(2).sel(benchmark="parity", **at)
    assert row["score"] == pytest.approx(
        float(scores["overall_score"].sel(benchmark="parity")), abs=0.01
    )
    assert row["class"] == int(scores["score_class"].sel(benchmark="parity"))
    assert row["reliability"] == pytest.approx(float(scores["reliability"]), abs=0.01)
    assert row["idps"] == pytest.approx(float(scores["idps_present"]))
    assert row["median_rank"] == pytest.approx(float(rank["median_rank"]))
    assert row["rank_low"] == pytest.approx(float(rank["rank_low"]))
    assert row["rank_high"] == pytest.approx(float(rank["rank_high"]))
    assert row["ranked_areas"] == int(rank["ranked_areas"])
    assert row["since_previous"] == pytest.approx(float(moved["since_previous"]), abs=0.01)
    assert row["since_first"] == pytest.approx(float(moved["since_first"]), abs=0.01)
    criteria = scores["criterion_score"].sel(benchmark="parity").to_series()
    assert row["weakest_score"] == pytest.approx(criteria.min(), abs=0.01)
    framework = demo_app_context.framework
    assert row["weakest_label"] == framework.label(criteria.idxmin(), "en")
    assert row["name"] == demo_app_context.names[row["pcode"]]
    assert row["parent"] == demo_app_context.names[demo_app_context.parents[row["pcode"]]]
    assert row["low_reliability"] == (row["reliability"] >= 5)


def test_default_order_is_median_rank(rows):
    assert len(rows) == 150
    ranks = [r["median_rank"] for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    # The first row is among the furthest from durable solutions: one of the lowest
    # scores (the median rank over weights and aggregations need not put the very lowest
    # score first when two are close).
    lowest = sorted(r["score"] for r in rows if r["score"] is not None)
    assert rows[0]["score"] <= lowest[4]
    [rank] = [c for c in priorities_grid.column_defs(view(), 30) if c.get("sort")]
    assert rank["field"] == "median_rank" and rank["sort"] == "asc"


def test_rows_carry_formatted_text_and_links(rows, demo_app_context):
    row = rows[0]
    assert row["href"] == f"/locality/{row['pcode']}?round=2025-12-01&level=2"
    # The display rule (dashboard.briefing.numbers): cut down to the tenth, as the map
    # and the PDF print it, so the demo's 14.98 reads 14.9, not 15.0 (issue 8).
    assert row["score_text"] == f"{math.floor(row['score'] * 10 + 1e-6) / 10:.1f}"
    assert row["band_text"].endswith("of 150")
    assert row["class_colour"].startswith("#")
    french = priorities.rows(demo_app_context, view(lang="fr"), withhold=False)
    assert french[0]["score_text"] == row["score_text"].replace(".", ",")
    assert french[0]["since_first_text"][0] in "+−0"


def test_columns_use_safe_renderers_only(demo_app_context):
    columns = priorities_grid.column_defs(view(), 30)
    fields = [c["field"] for c in columns]
    for wanted in (
        "name",
        "pcode",
        "parent",
        "score",
        "class",
        "since_previous",
        "since_first",
        "idps",
        "weakest_score",
        "reliability",
        "median_rank",
        "rank_low",
        "small",
    ):
        assert wanted in fields
    renderers = {c.get("cellRenderer") for c in columns} - {None}
    assert renderers <= {
        "PrioritiesAreaLink",
        "PrioritiesClass",
        "PrioritiesWeakest",
        "PrioritiesReliability",
        "PrioritiesRankBand",
        "PrioritiesSmallSample",
    }
    assert "markdown" not in json.dumps(columns)
    script = (ASSETS / "dashAgGridComponentFunctions.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "dangerouslySetInnerHTML" not in script
    for renderer in renderers:
        assert f"components.{renderer} = " in script


def test_hostile_names_stay_data(demo_app_context):
    areas = demo_app_context.areas.copy()
    hostile = "<img src=x onerror=alert(1)>"
    areas.loc[areas["pcode"] == "XM01001", "name"] = hostile
    context = dataclasses.replace(demo_app_context, areas=areas)
    layout = priorities.layout(context, view())
    grid = find(layout, ids.PRIORITIES_GRID)
    [row] = [r for r in grid.rowData if r["pcode"] == "XM01001"]
    assert row["name"] == hostile  # a value in the row data, drawn as a text node
    assert "dangerously" not in json.dumps(layout.to_plotly_json(), default=str)


def test_layout_states_the_view_and_explains_ranks(demo_app_context):
    layout = priorities.layout(demo_app_context, view(core=True, group="returnee"))
    summary = text_of(find(layout, ids.PRIORITIES_SUMMARY))
    for part in (
        "Dec 2025",
        "Admin level",
        "Returnees",
        "Parity with the host community",
        "IRIS core criteria",
        "localities with data",
    ):
        assert part in summary
    help_text = text_of(find(layout, ids.PRIORITIES_HELP))
    assert "Rank 1 is the locality furthest from durable solutions" in help_text
    assert "5 or more are marked as low reliability" in help_text
    assert "fewer than 30 households" in help_text
    assert find(layout, ids.PRIORITIES_DOWNLOAD_BUTTON) is not None
    assert find(layout, ids.PRIORITIES_QUICK_FILTER) is not None
    store = find(layout, ids.PRIORITIES_STATE)
    assert store.data["core"] is True and store.data["group"] == "returnee"
    grid = find(layout, ids.PRIORITIES_GRID)
    assert grid.dashGridOptions["quickFilterText"] == ""
    assert grid.dashGridOptions["loadThemeGoogleFonts"] is False


def test_layout_without_data_says_so(demo_app_context):
    layout = priorities.layout(demo_app_context, view(round="1999-01-01"))
    assert find(layout, ids.PRIORITIES_GRID) is None
    assert "no scores" in text_of(layout).lower()
    assert isinstance(layout, html.Div)


def _sent(sent) -> bytes:
    return base64.b64decode(sent["content"]) if sent.get("base64") else sent["content"].encode()


def test_download_gives_the_workbook_and_the_csv_zip_of_the_stored_view(demo_app_context):
    stored = dataclasses.asdict(view(level=1, benchmark="absolute"))
    sent = priorities.download(demo_app_context, stored)
    assert sent["filename"] == "priorities-adm1-2025-12-01-idp-absolute.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(_sent(sent)), read_only=True)
    assert book.sheetnames == ["Data", "Metadata"]
    data = [list(r) for r in book["Data"].iter_rows(values_only=True)]
    assert data[1][0] == "#adm1+code" and data[1][2] == "#country+code" and len(data) == 14

    sent = priorities.download(demo_app_context, stored, "zip")
    assert sent["filename"] == "priorities-adm1-2025-12-01-idp-absolute.zip"
    with zipfile.ZipFile(io.BytesIO(_sent(sent))) as archive:
        assert archive.namelist() == [
            "priorities-adm1-2025-12-01-idp-absolute.csv",
            "priorities-adm1-2025-12-01-idp-absolute-metadata.json",
        ]
        table = list(
            csv.reader(io.StringIO(archive.read(archive.namelist()[0]).decode("utf-8-sig")))
        )
        metadata = json.loads(archive.read(archive.namelist()[1]))
    assert table[1][0] == "#adm1+code" and len(table[2:]) == 12
    assert [c["name"] for c in metadata["columns"]] == table[0]
    assert [c["hxl"] for c in metadata["columns"]] == table[1]
    assert priorities.download(demo_app_context, None) is None
