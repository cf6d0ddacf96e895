"""The read-only JSON API ``/api/v1/scores`` (dashboard.api): the Priorities CSV's
numbers with its metadata, the same disclosure rule, and 400 JSON errors."""

from __future__ import annotations

import flask
import pytest

from dashboard import api
from dashboard.briefing.downloads import _cell, priorities_csv
from tests.dashboard.conftest import SMALL_AREA
from tests.helpers import LATEST, read_export, view


def _get(client, query: str = ""):
    response = client.get(api.API_ROUTE + query)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    ("query", "state"),
    [
        ("", view()),
        (
            "?level=1&round=2025-06&benchmark=absolute",
            view(level=1, round="2025-06-01", benchmark="absolute"),
        ),
        ("?group=returnee&core=iris&lang=fr", view(group="returnee", core=True, lang="fr")),
        ("?level=0", view(level=0)),
    ],
)  # fmt: skip
def test_api_gives_the_csv_numbers_with_its_metadata(demo_app, demo_app_context, query, state):
    status, body = _get(demo_app.server.test_client(), query)
    assert status == 200
    rows = read_export(priorities_csv(demo_app_context, state))
    header, tags, lines = rows[0], rows[1], rows[2:]
    assert [list(record) for record in body["data"]] == [header] * len(lines)
    assert [[_cell(v) for v in record.values()] for record in body["data"]] == lines
    numbers = [v for r in body["data"] for v in r.values() if isinstance(v, int | float)]
    assert len(numbers) > 10 * len(lines)
    metadata = body["metadata"]
    assert [c["name"] for c in metadata["columns"]] == header
    assert [c["hxl"] for c in metadata["columns"]] == tags
    assert metadata["round"] == state.round and metadata["admin_level"] == state.level
    assert metadata["framework_version"] == "2026.1" and metadata["date_made"]
    assert metadata["suppression_rule"] and metadata["small_samples_withheld"] is True
    assert metadata["rounds"][-1] == LATEST and metadata["sources"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?levle=2", "unknown parameter 'levle'"),
        ("?level=2&level=1", "'level' is given more than once"),
        ("?level=two", "admin level 'two' has no scores"),
        ("?level=9", "levels with scores: 2, 1, 0"),
        ("?round=2025-13-45", "round '2025-13-45' has no scores"),
        ("?round=1999-01-01", "rounds with scores: 2023-03-01"),
        ("?group=refugee", "group 'refugee' is not one of idp, returnee"),
        ("?benchmark=", "benchmark '' is not one of parity, absolute"),
        ("?core=yes", "it may only be 'iris'"),
        ("?lang=xx", "language 'xx' is not available"),
        ("?round=%00%27%3Cscript%3E", "has no scores"),
    ],
)
def test_api_answers_bad_queries_with_400_json(demo_app, query, words):
    status, body = _get(demo_app.server.test_client(), query)
    assert status == 400
    assert list(body) == ["error"] and words in body["error"]
    assert "Traceback" not in body["error"]


def test_api_is_read_only(demo_app):
    client = demo_app.server.test_client()
    assert client.post(api.API_ROUTE).status_code == 405
    assert client.delete(api.API_ROUTE).status_code == 405


def test_the_caller_decides_disclosure_on_each_request(hostile_context):
    public = {"value": True}
    server = flask.Flask("test")
    api.register(server, hostile_context, withhold_small_samples=lambda: public["value"])
    client = server.test_client()

    def small_row():
        status, body = _get(client)
        assert status == 200
        return body, next(r for r in body["data"] if r["pcode"] == SMALL_AREA)

    body, row = small_row()
    assert row["suppressed"] is True and row["score"] is None and row["median_rank"] is None
    assert body["metadata"]["small_samples_withheld"] is True
    public["value"] = False
    body, row = small_row()
    assert row["suppressed"] is False and row["score"] > 0 and row["median_rank"] >= 1
    assert body["metadata"]["small_samples_withheld"] is False


def test_api_text_is_neutralised_like_the_csv(hostile_context):
    body = api.scores_payload(hostile_context, {})
    names = {r["pcode"]: r["name"] for r in body["data"]}
    assert names["XM01001"] == '\'=HYPERLINK("http://x")' and names["XM01002"] == "'+cmd"
