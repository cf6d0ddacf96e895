"""Screen and paper agree (issue 8): the Priorities CSV and the PDF pack's tables of the
same view print the same names, scores, classes, changes, withheld flags and weakest
criteria, row for row, in English and French."""

from __future__ import annotations

import math

import pytest

from dashboard.briefing.areas import shown_table
from dashboard.briefing.downloads import neutralise, priorities_csv
from dashboard.briefing.headline import headline
from dashboard.report import pack_data
from tests.dashboard.conftest import ONE_SMALL_AREA, SMALL_AREA
from tests.helpers import LATEST, read_export, view

MINUS = "\u2212"


def _printed(cell: str, lang: str, signed: bool = False) -> str:
    """A CSV number as the PDF prints it, written here independently of the code under
    test: one decimal (the CSV holds the displayed value), the language's decimal sign,
    a true minus and a plus for changes; "–" for an empty cell."""
    if cell == "":
        return "–"
    value = float(cell)
    text = f"{abs(value):.1f}" if signed else f"{value:.1f}"
    if lang in ("fr", "es"):
        text = text.replace(".", ",")
    mark = "\u200e" if lang == "ar" else ""  # keeps the sign on the left in Arabic
    if signed and value > 0:
        return mark + "+" + text
    if signed and value < 0:
        return mark + MINUS + text
    return text


def _csv(context, lang):
    rows = read_export(priorities_csv(context, view(lang=lang)))
    header, data = rows[0], rows[2:]
    return {r[0]: dict(zip(header, r, strict=True)) for r in data}


@pytest.fixture(scope="module", params=["demo", "small samples"])
def context(request, demo_app_context, hostile_context):
    return demo_app_context if request.param == "demo" else hostile_context


@pytest.mark.parametrize("lang", ["en", "fr", "ar", "es"])
def test_priorities_csv_and_pdf_tables_agree_row_for_row(context, lang):
    csv_rows = _csv(context, lang)
    first = list(csv_rows)[:3]
    chosen = [*first, SMALL_AREA, ONE_SMALL_AREA]
    data = pack_data(context, round=LATEST, level=2, lang=lang, areas=chosen)
    table_rows = data["movers"]["up"] + data["movers"]["down"] + data["stuck"]["rows"]
    assert table_rows, "the pack has movers or stuck areas to compare"
    compared = 0
    for row in table_rows:
        line = csv_rows[row["pcode"]]
        assert neutralise(row["name"]) == line["name"]  # the CSV defuses formulas
        assert row["now"] == _printed(line["score"], lang)
        assert row["klass"] == (int(line["class"]) if line["class"] else None)
        assert row["change"] == _printed(line["change_since_previous"], lang, signed=True)
        assert row["withheld"] == (line["suppressed"] == "yes")
        assert row["weakest"] == line["weakest_criterion_name"]
        compared += 1
    selected = data["glance"]["selected"]
    assert [r["pcode"] for r in selected] == chosen
    for row in selected:
        line = csv_rows[row["pcode"]]
        withheld = line["suppressed"] == "yes"
        assert row["withheld"] == withheld
        assert neutralise(row["name"]) == line["name"]  # the CSV defuses formulas
        if withheld:
            # A withheld row has its scores blanked on paper as in the CSV.
            assert line["score"] == "" and line["class"] == ""
            assert row["klass"] is None
        else:
            assert row["score"] == _printed(line["score"], lang)
            assert row["klass"] == int(line["class"])
        assert row["change"] == _printed(line["change_since_previous"], lang, signed=True) or (
            withheld and line["change_since_previous"] == ""
        )
        assert row["weakest"] == line["weakest_criterion_name"]
        compared += 1
    assert compared >= 8
    # Each locality page's summary names the area table's weakest criterion, or none.
    weakest_words = {
        "en": "weakest criterion",
        "fr": "critère le plus faible",
        "ar": "أضعف المعايير",
        "es": "criterio más débil",
    }[lang]
    for page in data["localities"]["pages"]:
        line = csv_rows[page["pcode"]]
        named = [s for s in page["sentences"] if weakest_words in s]
        for sentence in named:
            assert sentence.startswith(line["weakest_criterion_name"]), sentence
    # The PDF's count of withheld areas is the CSV's.
    state = view(lang=lang)
    head = headline(context, state, shown_table(context, state))
    assert head.withheld == sum(line["suppressed"] == "yes" for line in csv_rows.values())


def test_the_small_sample_area_is_withheld_in_both(hostile_context):
    lines = _csv(hostile_context, "en")
    assert lines[SMALL_AREA]["suppressed"] == "yes"
    # A row is flagged withheld only when its score is: a withheld change or weakest
    # criterion score is left empty without flagging the row (issue 8: the CSV flagged
    # rows whose scores were filled).
    for line in lines.values():
        if line["suppressed"] == "yes":
            assert line["score"] == ""
        else:
            assert line["score"] != ""


def test_the_demo_score_of_14_98_prints_14_9_everywhere(demo_app_context):
    lines = _csv(demo_app_context, "en")
    table = shown_table(demo_app_context, view()).set_index("pcode")
    near = [p for p in lines if not math.isnan(table.loc[p, "score"])]
    for pcode in near:
        raw = float(table.loc[pcode, "score"])
        assert float(lines[pcode]["score"]) == math.floor(raw * 10 + 1e-6) / 10
