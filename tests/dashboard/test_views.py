"""The URL <-> view state round trip, control sync, the map data, Patch and page, without a
browser."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly
import pytest
from dash import Patch, no_update

from dashboard import ids
from dashboard.briefing.map_data import MapLayer, MapSource, caption, map_summary
from dashboard.briefing.view import (
    ViewOptions,
    ViewState,
    parse_query,
    state_from_controls,
    to_query,
    view_options,
)
from dashboard.figures.map import NO_SCORE_TRACE, RELIABILITY_TRACES, SCORE_TRACE
from dashboard.pages.map import (
    area_options,
    locality_path,
    locality_target,
    map_page,
    map_patch,
    round_marks,
    sync_url,
    update_map,
)

OPTIONS = ViewOptions(
    rounds=("2023-03-01", "2023-06-01", "2024-03-01"),
    criteria=("overall", "safety", "livelihoods", "family"),
    levels=(2, 1),
    core_criteria=("safety", "livelihoods"),
)
DEFAULT = ViewState(
    round="2024-03-01", criterion="overall", group="idp", benchmark="parity", level=2
)


def test_defaults_are_latest_round_overall_idp_parity_deepest_level():
    assert OPTIONS.default == DEFAULT
    assert parse_query("", OPTIONS) == DEFAULT
    assert parse_query(None, OPTIONS) == DEFAULT
    assert parse_query("?", OPTIONS) == DEFAULT


def test_query_round_trip():
    state = ViewState(
        round="2023-06-01",
        criterion="safety",
        group="returnee",
        benchmark="absolute",
        level=1,
        core=True,
        lang="fr",
    )
    query = to_query(state)
    assert query == (
        "?round=2023-06-01&level=1&criterion=safety&group=returnee&benchmark=absolute"
        "&core=iris&lang=fr"
    )
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
        "?level=0",
        "?level=two",
        "?level=",
        "?criterion=",
        "?core=yes",
        "?lang=xx",
        "round=%ZZ&&&=x",
    ],
)
def test_invalid_values_fall_back_to_defaults(query):
    assert parse_query(query, OPTIONS) == DEFAULT


def test_invalid_value_does_not_discard_the_valid_ones():
    state = parse_query("?round=nope&criterion=livelihoods&group=returnee", OPTIONS)
    assert state == replace(DEFAULT, criterion="livelihoods", group="returnee")


def test_core_mode_offers_only_the_core_criteria():
    assert parse_query("?core=iris&criterion=family", OPTIONS).criterion == "overall"
    assert parse_query("?core=IRIS&criterion=safety", OPTIONS) == replace(
        DEFAULT, criterion="safety", core=True
    )
    assert OPTIONS.criteria_for(True) == ("overall", "safety", "livelihoods")


def test_month_round_is_day_one():
    assert parse_query("?round=2023-06", OPTIONS).round == "2023-06-01"


def test_other_pages_parameters_survive():
    query = to_query(DEFAULT, keep="?lang=fr&round=2023-03-01&core=iris&sort=score")
    assert query.count("round=") == 1
    assert "round=2024-03-01" in query
    assert query.endswith("&lang=fr&core=iris&sort=score")
    # The criteria-set switch owns core: turning it off removes it.
    assert "core" not in to_query(DEFAULT, keep="?core=iris&lang=fr", owned=("core",))


def test_state_from_controls_falls_back_for_out_of_range_values():
    assert state_from_controls(None, None, None, None, OPTIONS) == DEFAULT
    assert state_from_controls("safety", "returnee", "absolute", 0, OPTIONS) == ViewState(
        "2023-03-01", "safety", "returnee", "absolute", 2
    )
    assert state_from_controls("overall", "idp", "parity", 99, OPTIONS).round == DEFAULT.round
    assert state_from_controls("family", "idp", "parity", 0, OPTIONS, core=True).criterion == (
        "overall"
    )


def test_sync_url_from_url_sets_only_the_controls_that_differ():
    search = "?round=2023-03-01&criterion=safety&level=1&core=iris"
    result = sync_url(None, search, "overall", "idp", "parity", 2, OPTIONS, 2, "all")
    assert result == (no_update, "safety", no_update, no_update, 0, 1, "iris", no_update)
    # Back/forward: the URL triggers, the URL wins; the URL itself is never rewritten.
    result = sync_url(ids.MAP_URL, "", "safety", "idp", "parity", 0, OPTIONS, 2, "all")
    assert result == (
        no_update,
        "overall",
        no_update,
        no_update,
        2,
        no_update,
        no_update,
        no_update,
    )


def test_sync_url_from_a_control_writes_the_query():
    search, *controls = sync_url(
        ids.ROUND, "?lang=fr", "overall", "idp", "parity", 1, OPTIONS, 2, "all"
    )
    assert controls == [no_update] * 7
    assert (
        search == "?round=2023-06-01&level=2&criterion=overall&group=idp&benchmark=parity&lang=fr"
    )
    unchanged = sync_url(ids.GROUP, search, "overall", "idp", "parity", 1, OPTIONS, 2, "all")
    assert unchanged[0] is no_update
    # The level and criteria-set switches write the URL too (the router then rebuilds).
    search, *_ = sync_url(ids.CORE, search, "overall", "idp", "parity", 1, OPTIONS, 1, "iris")
    assert "level=1" in search and "core=iris" in search and "lang=fr" in search
    search, *_ = sync_url(ids.CORE, search, "overall", "idp", "parity", 1, OPTIONS, 1, "all")
    assert "core" not in search


def test_round_marks_read_like_dates_in_the_language():
    assert round_marks(OPTIONS.rounds) == {0: "Mar 2023", 1: "Jun 2023", 2: "Mar 2024"}
    assert round_marks(OPTIONS.rounds, lang="fr")[1] == "juin 2023"
    many = [f"{2000 + i // 12}-{i % 12 + 1:02d}-01" for i in range(40)]
    marks = round_marks(many)
    # At most six, evenly spaced back from the latest, which is always labelled.
    assert list(marks) == [4, 11, 18, 25, 32, 39]
    assert marks[39] == "Apr 2003"
    assert list(round_marks(many[:13])) == [0, 3, 6, 9, 12]
    assert round_marks([]) == {}


def test_locality_path_from_a_click():
    click = {"points": [{"curveNumber": 1, "location": "XM01 001", "z": 50}]}
    assert locality_path(click) == "/locality/XM01%20001"
    assert locality_path(click, lambda path: "/app" + path) == "/app/locality/XM01%20001"
    assert locality_path(None) is no_update
    assert locality_path({"points": []}) is no_update


LAYER = MapLayer(
    level=2,
    locations=("IQ001", "IQ002", "IQ003", "IQ004"),
    names=("Erbil", "Sinjār", "Tal Afar", "<img src=x onerror=alert(1)>"),
    bounds=(0, 0, 1, 1),
    geojson="/geo/level/2.json",
)


def test_find_an_area_by_name_or_pcode_ignoring_case_and_accents():
    assert area_options(LAYER, "sinjar") == [{"label": "Sinjār (IQ002)", "value": "IQ002"}]
    assert [o["value"] for o in area_options(LAYER, "AR")] == ["IQ002", "IQ003"]
    # Names starting with the text come first.
    assert [o["value"] for o in area_options(LAYER, "er")] == ["IQ001", "IQ004"]
    assert [o["value"] for o in area_options(LAYER, "iq00", limit=2)] == ["IQ004", "IQ001"]
    assert area_options(LAYER, "") == [] and area_options(LAYER, None) == []
    # The chosen area stays among the options, and labels are plain text.
    assert area_options(LAYER, "tal", keep="IQ004") == [
        {"label": "<img src=x onerror=alert(1)> (IQ004)", "value": "IQ004"},
        {"label": "Tal Afar (IQ003)", "value": "IQ003"},
    ]


def test_locality_target_from_a_click_or_a_choice():
    click = {"points": [{"location": "IQ003"}]}
    assert locality_target(ids.MAP, click, None) == "/locality/IQ003"
    assert locality_target(ids.AREA_SEARCH, click, "IQ001") == "/locality/IQ001"
    assert locality_target(ids.AREA_SEARCH, click, None) is no_update


# -- the map data on the demo ------------------------------------------------------------


def test_options_come_from_the_context(demo_context, demo_app_context):
    options = view_options(demo_app_context)
    assert options == demo_context.options
    assert options.levels == (2, 1, 0)
    assert options.rounds[0] == "2023-03-01" and len(options.rounds) == 12
    assert set(options.core_criteria) == set(demo_app_context.framework.core_criterion_codes)
    assert len(demo_context.layers[2].locations) == 150
    assert len(demo_context.layers[1].locations) == 12


def test_rolled_up_level_says_from_how_many_areas(demo_context, demo_app_context):
    state = replace(demo_context.options.default, level=1)
    values = demo_context.values(state).set_index("pcode")
    assert values["rolled_up"].all()
    # Each region's note counts its districts with data in that round.
    districts = demo_app_context.level_scores(2)["has_data"].sel(
        round=np.datetime64(state.round, "ns"), group="idp"
    )
    for region in ("XM01", "XM05"):
        children = [a for a, p in demo_app_context.parents.items() if p == region]
        expected = int(districts.sel(area=children).sum())
        assert f"Rolled up from {expected} areas one level down" in values.loc[region, "note"]
    # The deepest level is never rolled up.
    deepest = demo_context.values(demo_context.options.default)
    assert not deepest["rolled_up"].any()
    assert not deepest["note"].str.contains("Rolled up").any()


def _operations(patch: Patch | dict) -> list[dict]:
    return (patch if isinstance(patch, dict) else patch.to_plotly_json())["operations"]


def test_slider_step_patch_replaces_values_only(demo_context):
    state = replace(demo_context.options.default, round=demo_context.options.rounds[3])
    patch = map_patch(state, demo_context, values_only=True)
    operations = _operations(patch)
    assert [op["location"] for op in operations] == [
        ["data", SCORE_TRACE, "z"],
        ["data", SCORE_TRACE, "customdata"],
        ["data", SCORE_TRACE, "hovertext"],
        *(["data", trace, key] for trace in RELIABILITY_TRACES for key in ("locations", "z")),
        *(["data", NO_SCORE_TRACE, key] for key in ("locations", "z", "text")),
    ]
    assert {op["operation"] for op in operations} == {"Assign"}
    n_areas = len(demo_context.layers[2].locations)
    assert all(len(op["params"]["value"]) == n_areas for op in operations[:3])
    # The grey trace gets exactly the areas that the score trace leaves undrawn.
    z = operations[0]["params"]["value"]
    unscored = [a for a, v in zip(demo_context.layers[2].locations, z, strict=True) if v is None]
    assert operations[-3]["params"]["value"] == unscored
    payload = json.dumps(patch.to_plotly_json())
    assert "coordinates" not in payload and "geojson" not in payload
    # 150 areas: z plus [class, reliability, IDPs] per area, about 35 bytes each (the
    # survey-built demo has five-digit IDP counts: about 47 bytes in all per area).
    assert len(payload) < 50 * n_areas


def test_criterion_patch_also_replaces_the_hover_template(demo_context):
    state = replace(demo_context.options.default, criterion="safety")
    operations = _operations(map_patch(state, demo_context, values_only=False))
    assert operations[-1]["location"][-1] == "hovertemplate"
    assert "Class" not in operations[-1]["params"]["value"]
    assert "safety" in operations[-1]["params"]["value"].lower()


def test_update_map_sends_nothing_when_the_page_was_just_built(demo_context):
    last = len(demo_context.options.rounds) - 1
    settings = {"level": 2, "core": False, "lang": "en"}
    assert update_map((), "overall", "idp", "parity", last, settings, demo_context) == (
        no_update,
        no_update,
        no_update,
    )
    figure, text, summary = update_map(
        (ids.ROUND,), "overall", "idp", "parity", 0, settings, demo_context
    )
    # The Patch's own wire form: a plain dict the JSON encoder writes in one pass.
    assert figure["__dash_patch_update"] == "__dash_patch_update"
    assert [op["location"][-1] for op in _operations(figure)][:2] == ["z", "customdata"]
    assert "hovertemplate" not in json.dumps(figure)
    assert text.endswith("Mar 2023") and "Map of 150 areas" in summary
    figure, _, _ = update_map(
        (ids.GROUP,), "overall", "returnee", "parity", last, settings, demo_context
    )
    assert [op["location"][-1] for op in _operations(figure)][-1] == "hovertemplate"
    # The page's level and language come from its settings, not from the controls.
    figure, text, summary = update_map(
        (ids.ROUND,),
        "overall",
        "idp",
        "parity",
        0,
        {**settings, "level": 1, "lang": "fr"},
        demo_context,
    )
    assert len(_operations(figure)[0]["params"]["value"]) == 12
    assert text.endswith("mars 2023") and "12 zones" in summary


def test_caption_names_the_view(demo_context):
    framework = demo_context.framework
    state = replace(demo_context.options.default, criterion="safety", group="returnee")
    text = caption(state, framework)
    assert text.startswith(framework.label("safety"))
    assert "Returnees" in text and "Dec 2025" in text
    french = caption(replace(state, lang="fr", core=True), framework)
    assert french.startswith(framework.label("safety", "fr"))
    assert "déc. 2025" in french and "IRIS" in french


def test_summary_counts_each_class_and_the_unscored():
    values = pd.DataFrame(
        {
            "pcode": list("ABCDE"),
            "score": [10.0, 45.0, 45.0, np.nan, 100.0],
            "class": [1.0, 2.0, 2.0, np.nan, 5.0],
            "class_label": ["severe gaps", "major gaps", "major gaps", None, "parity"],
            "reliability": [1.0, 6.0, 2.0, 7.0, 0.0],
        }
    )
    state = ViewState("2024-03-01", "overall", "idp", "parity", 2)

    class Framework:
        def label(self, code, lang="en"):
            return code

    text = map_summary(state, values, Framework())
    assert text.startswith("Map of 5 areas at admin level 2.")
    assert "Severe gaps: 1, major gaps: 2, partial: 0, near parity: 0, parity: 1" in text
    assert "and no score: 1." in text and "2 areas of low reliability." in text
    french = map_summary(replace(state, lang="fr"), values, Framework())
    assert "Carte de 5 zones" in french and "écarts importants\u00a0: 2" in french


def _strings(component) -> list[str]:
    """Every string child and text prop of a component tree."""
    found = []
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
            continue
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if node is None or isinstance(node, int | float | dict):
            continue
        for prop in ("title", "aria-label", "placeholder"):
            value = getattr(node, prop, None)
            if isinstance(value, str):
                found.append(value)
        options = getattr(node, "options", None)
        if isinstance(options, list):
            found += [o["label"] for o in options if isinstance(o, dict)]
        stack.append(getattr(node, "children", None))
    return found


def test_map_page_has_labelled_controls_and_a_text_alternative(demo_context):
    state = demo_context.options.default
    page = map_page(demo_context, state)
    text = " ".join(_strings(page))
    for label in (
        "Criterion",
        "Displaced group",
        "Benchmark",
        "Admin level",
        "Criteria",
        "Find an area",
    ):
        assert label in text
    assert "Survey round" in text
    assert "Map of 150 areas at admin level 2" in text
    assert "Outlined areas: low reliability" in text
    layout = json.dumps(page, cls=plotly.utils.PlotlyJSONEncoder)
    assert '"aria-describedby": "map-summary"' in layout
    assert "coordinates" not in layout


def test_map_page_in_french(demo_context):
    state = replace(demo_context.options.default, lang="fr", level=1)
    text = " ".join(_strings(map_page(demo_context, state)))
    assert "Cycle d’enquête" in text and "Niveau administratif" in text
    assert "Survey round" not in text and "Criterion" not in text
    assert "Niveau 1 · 12 zones" in text


def test_inline_geometry_for_static_images(demo_app_context):
    source = MapSource(demo_app_context)  # no URL: the report's figures carry the GeoJSON
    figure = source.figure(source.options.default)
    assert isinstance(figure["data"][SCORE_TRACE]["geojson"], dict)
    assert len(figure["data"][SCORE_TRACE]["geojson"]["features"]) == 150


def test_first_map_figure_is_built_once_and_warmed(demo_app_context):
    source = MapSource(demo_app_context, url_for=lambda level: f"/geo/level/{level}.json")
    default = source.options.default
    assert ("first_figure", default.lang) not in source._memo
    source.warm()
    first = source.figure(default)
    assert isinstance(first, dict) and source.figure(default) is first
    french = replace(default, lang="fr")
    assert source.figure(french) is source.figure(french) is not first
    other = replace(default, benchmark="absolute")
    assert source.figure(other) is not source.figure(other)
