"""The method page without a browser: framework, every indicator with its goalposts,
scoring in words, sources, imports, and the downloads (dashboard.pages.method)."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile

import pytest

from dashboard import ids
from dashboard.pages import method
from indicators.framework import parse_framework
from tests.helpers import find, text_of, view


def indicator_rows(table) -> dict[str, list[str]]:
    """indicator code -> the texts of its row's cells."""
    out = {}
    for body in table.children:
        if type(body).__name__ != "Tbody":
            continue
        for row in body.children:
            if "indicator-row" in (row.className or ""):
                cells = [text_of(cell) for cell in row.children]
                out[cells[1]] = cells
    return out


@pytest.fixture(scope="module")
def page(demo_app_context):
    return method.layout(demo_app_context, view())


def test_every_indicator_is_listed_with_its_goalposts(page, demo_app_context):
    rows = indicator_rows(find(page, ids.METHOD_INDICATORS))
    framework = demo_app_context.framework
    assert list(rows) == framework.indicator_codes
    for indicator in framework.indicators:
        label, _code, unit, goalposts, direction, rationale = rows[indicator.code]
        worst, best = indicator.goalposts
        assert label == framework.label(indicator.code, "en")
        assert unit == indicator.unit
        assert goalposts == f"{worst:g} → {best:g}"
        assert direction == ("lower is better" if best < worst else "higher is better")
        assert rationale == (indicator.why("en") or "–")


def test_criteria_show_weight_and_core_flag(page, demo_app_context):
    text = text_of(find(page, ids.METHOD_INDICATORS))
    framework = demo_app_context.framework
    for criterion in framework.criteria:
        assert framework.label(criterion.code, "en") in text
    assert text.count("IRIS core") == len(framework.core_criterion_codes)
    assert "weight 1" in text
    core = text_of(find(method.layout(demo_app_context, view(core=True)), ids.METHOD_INDICATORS))
    assert core.count("not counted in IRIS-core mode") == 3


def test_framework_facts_and_scoring_in_words(page, demo_app_context):
    facts = text_of(find(page, ids.METHOD_FRAMEWORK))
    for part in (
        "IASC durable solutions",
        "2026.1",
        "30 households",
        "geometric mean",
        "5 of them are needed",
        "29 indicators",
    ):
        assert part in facts
    scoring = text_of(find(page, ids.METHOD_SCORING))
    for part in (
        "Parity",
        "Absolute",
        "Fallbacks",
        "geometric mean",
        "parity",
        "severe gaps",
        "Reliability runs from 0",
        "Values of 5 or more are marked as low reliability",
        "200 times",
        "withheld",
    ):
        assert part in scoring


def test_sources_and_import_history(page):
    sources = text_of(find(page, ids.METHOD_SOURCES))
    assert "Demo household survey (fictional)" in sources
    assert "Mar 2023 to Dec 2025" in sources and "xmd_demo_observations.csv" in sources
    imports = text_of(find(page, ids.METHOD_IMPORTS))
    assert "xmd_demo_observations.csv" in imports
    assert "xmd_admbnda_adm2_demo.geojson" in imports
    assert "12 rounds, Mar 2023 to Dec 2025" in imports
    assert "Boundaries, admin level 2" in imports


def test_text_from_data_is_plain_children(page):
    dumped = json.dumps(page.to_plotly_json(), default=lambda o: o.to_plotly_json())
    assert "dangerously" not in dumped and "Markdown" not in dumped


def test_framework_download(demo_app_context):
    sent = method.download_framework(demo_app_context)
    assert sent["filename"].endswith(".yaml")
    data = base64.b64decode(sent["content"]) if sent.get("base64") else sent["content"].encode()
    assert parse_framework(data.decode("utf-8")) == demo_app_context.framework


def test_scores_link_carries_core_and_language(demo_app_context):
    page = method.layout(demo_app_context, view(core=True, lang="fr"))
    link = find(page, ids.METHOD_SCORES_LINK)
    assert link.href == "/download/scores.zip?core=iris&lang=fr"


def test_scores_route_serves_the_csv_and_its_sidecar(demo_app):
    client = demo_app.server.test_client()
    response = client.get("/download/scores.zip?core=iris")
    if response.status_code == 404:
        pytest.skip("the app does not register the method page's routes yet")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        [data_name] = [n for n in names if n.endswith(".csv")]
        assert names == [data_name, data_name[: -len(".csv")] + "-metadata.json"]
        text = archive.read(data_name).decode("utf-8-sig")
        metadata = json.loads(archive.read(names[1]))
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:2] == ["area_pcode", "area_name"]
    assert all(tag.startswith("#") for tag in table[1])
    assert [] not in table  # data only: the metadata is the sidecar
    assert [c["name"] for c in metadata["columns"]] == table[0]
    assert metadata["data_file"] == data_name
    assert metadata["framework_version"] == "2026.1"
    assert "IRIS core" in metadata["mode"]


def test_survey_estimates_and_their_standard_errors_in_plain_words(page):
    text = text_of(find(page, ids.METHOD_SURVEY))
    for words in ("weighted mean", "standard error", "Taylor linearisation", "domain", "1.96"):
        assert words in text, words
    assert "95 % interval" in text
