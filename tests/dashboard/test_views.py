"""The URL <-> view state round trip, control sync and the map Patch, without a browser."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from dash import Patch, no_update

from dashboard import ids
from dashboard.figures import SCORE_TRACE
from dashboard.views import (
    ViewOptions,
    ViewState,
    caption,
    map_patch,
    parse_query,
    round_marks,
    state_from_controls,
    sync_url,
    to_query,
    update_map,
)

OPTIONS = ViewOptions(
    rounds=("2023-03-01", "2023-06-01", "2024-03-01"),
    criteria=("overall", "safety", "livelihoods"),
    levels=(2,),
)
DEFAULT = ViewState(
    round="2024-03-01", criterion="overall", group="idp", benchmark="parity", level=2
)


def test_defaults_are_latest_round_overall_idp_parity():
    assert OPTIONS.default == DEFAULT
    assert parse_query("", OPTIONS) == DEFAULT
    assert parse_query(None, OPTIONS) == DEFAULT
    assert parse_query("?", OPTIONS) == DEFAULT


def test_query_round_trip():
    state = ViewState(
        round="2023-06-01", criterion="safety", group="returnee", benchmark="absolute", level=2
    )
    query = to_query(state)
    assert query == ("?round=2023-06-01&level=2&criterion=safety&group=returnee&benchmark=absolute")
    assert parse_query(query, OPTIONS) == state
    assert parse_query(query.lstrip("?"), OPTIONS) == state
    assert to_query(parse_query(query, OPTIONS)) == query


@pytest.mark.parametrize(
    "query",
    [
        "?round=1999-01-01",
        "?round=2024-03-02",
        "?round=garbage",
        "?criterion=not_a_criterion",
        "?group=host",
        "?benchmark=relative",
        "?level=1",
        "?level=two",
        "?level=",
        "?criterion=",
        "round=%ZZ&&&=x",
    ],
)
def test_invalid_values_fall_back_to_defaults(query):
    assert parse_query(query, OPTIONS) == DEFAULT


def test_invalid_value_does_not_discard_the_valid_ones():
    state = parse_query("?round=nope&criterion=livelihoods&group=returnee", OPTIONS)
    assert state == replace(DEFAULT, criterion="livelihoods", group="returnee")


def test_month_round_is_day_one():
    assert parse_query("?round=2023-06", OPTIONS).round == "2023-06-01"


def test_other_pages_parameters_survive():
    query = to_query(DEFAULT, keep="?lang=fr&round=2023-03-01&core=iris")
    assert query.count("round=") == 1
    assert "round=2024-03-01" in query
    assert query.endswith("&lang=fr&core=iris")


def test_state_from_controls_falls_back_for_out_of_range_values():
    assert state_from_controls(None, None, None, None, OPTIONS) == DEFAULT
    assert state_from_controls("safety", "returnee", "absolute", 0, OPTIONS) == ViewState(
        "2023-03-01", "safety", "returnee", "absolute", 2
    )
    assert state_from_controls("overall", "idp", "parity", 99, OPTIONS).round == DEFAULT.round


def test_sync_url_from_url_sets_only_the_controls_that_differ():
    search = "?round=2023-03-01&criterion=safety"
    result = sync_url(None, search, "overall", "idp", "parity", 2, OPTIONS)
    assert result == (no_update, "safety", no_update, no_update, 0)
    # Back/forward: the URL triggers, the URL wins; the URL itself is never rewritten.
    result = sync_url(ids.URL, "", "safety", "idp", "parity", 0, OPTIONS)
    assert result == (no_update, "overall", no_update, no_update, 2)


def test_sync_url_from_a_control_writes_the_query():
    search, *controls = sync_url(ids.ROUND, "?lang=fr", "overall", "idp", "parity", 1, OPTIONS)
    assert controls == [no_update] * 4
    assert (
        search == "?round=2023-06-01&level=2&criterion=overall&group=idp&benchmark=parity&lang=fr"
    )
    unchanged = sync_url(ids.GROUP, search, "overall", "idp", "parity", 1, OPTIONS)
    assert unchanged[0] is no_update


def test_round_marks_read_like_dates():
    assert round_marks(OPTIONS.rounds) == {0: "Mar 2023", 1: "Jun 2023", 2: "Mar 2024"}
    many = [f"{2000 + i // 12}-{i % 12 + 1:02d}-01" for i in range(40)]
    marks = round_marks(many)
    assert len(marks) <= 13
    assert marks[39] == "Apr 2003"


def _operations(patch: Patch) -> list[dict]:
    return patch.to_plotly_json()["operations"]


def test_slider_step_patch_replaces_values_only(demo_context):
    state = replace(demo_context.options.default, round=demo_context.options.rounds[3])
    patch = map_patch(state, demo_context, values_only=True)
    operations = _operations(patch)
    assert [op["location"] for op in operations] == [
        ["data", SCORE_TRACE, "z"],
        ["data", SCORE_TRACE, "customdata"],
    ]
    assert {op["operation"] for op in operations} == {"Assign"}
    n_areas = len(demo_context.locations)
    assert all(len(op["params"]["value"]) == n_areas for op in operations)
    payload = json.dumps(patch.to_plotly_json())
    assert "coordinates" not in payload and "geojson" not in payload
    # 150 areas: z plus [class, reliability] per area, about 25 bytes each.
    assert len(payload) < 40 * n_areas


def test_criterion_patch_also_replaces_the_hover_template(demo_context):
    state = replace(demo_context.options.default, criterion="safety")
    operations = _operations(map_patch(state, demo_context, values_only=False))
    assert [op["location"][-1] for op in operations] == ["z", "customdata", "hovertemplate"]
    assert "Class" not in operations[-1]["params"]["value"]
    assert "safety" in operations[-1]["params"]["value"].lower()


def test_update_map_sends_nothing_on_first_load_at_the_default_view(demo_context):
    default = demo_context.options.default
    last = len(demo_context.options.rounds) - 1
    figure, text = update_map((), "overall", "idp", "parity", last, demo_context)
    assert figure is no_update
    assert text == caption(default, demo_context.framework)
    figure, _ = update_map((ids.ROUND,), "overall", "idp", "parity", 0, demo_context)
    assert [op["location"][-1] for op in _operations(figure)] == ["z", "customdata"]
    figure, _ = update_map((ids.GROUP,), "overall", "returnee", "parity", last, demo_context)
    assert [op["location"][-1] for op in _operations(figure)][-1] == "hovertemplate"


def test_caption_names_the_view(demo_context):
    state = replace(demo_context.options.default, criterion="safety", group="returnee")
    text = caption(state, demo_context.framework)
    assert text.startswith(demo_context.framework.label("safety"))
    assert "Returnees" in text and "Dec 2025" in text
