"""The locality page without a browser: its numbers, figures, summary and escaping."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import pytest
from dash import dcc, html

from dashboard import ids
from dashboard.briefing.locality import locality_data
from dashboard.briefing.summary import summary_sentences
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.figures.locality import criterion_bars_figure, profile_figure, timeseries_figure
from dashboard.i18n import month_year, number
from dashboard.pages import locality as locality_module
from indicators.comparator import comparator_criterion_scores
from indicators.cube import build_cube
from indicators.framework import parse_framework

DISTRICT = "XM01001"
REGION = "XM01"
COUNTRY = "XM"


@pytest.fixture(scope="module")
def context(demo_workspace):
    return AppContext.load(demo_workspace)


@pytest.fixture(scope="module")
def state(context):
    return ViewState(
        round=context.rounds[-1], criterion="overall", group="idp", benchmark="parity", level=2
    )


def _valid(figure: dict) -> dict:
    """A builder's plain dict, validated by Plotly here (the app skips validation)."""
    assert isinstance(figure, dict)
    return go.Figure(figure).to_plotly_json()


# -- walking a Dash component tree -------------------------------------------------------


def walk(component):
    """Every component and plain child in the tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from walk(child)


def by_id(tree, component_id):
    found = [c for c in walk(tree) if getattr(c, "id", None) == component_id]
    assert len(found) == 1, component_id
    return found[0]


def text_of(component) -> str:
    return " ".join(str(c) for c in walk(component) if isinstance(c, str | int | float))


def graphs(tree) -> list[dcc.Graph]:
    return [c for c in walk(tree) if isinstance(c, dcc.Graph)]


def figure_of(tree, graph_id: str) -> dict:
    figure = by_id(tree, graph_id).figure
    return figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure


def _at(context, variable, area, state, **more):
    scores = context.scores(state.core)
    return scores[variable].sel(
        area=area, round=np.datetime64(state.round), group=state.group, **more
    )


# -- the page ----------------------------------------------------------------------------


def test_district_page_renders_name_header_figures_and_summary(context, state):
    tree = locality_module.layout(context, state, pcode=DISTRICT)
    assert by_id(tree, ids.LOCALITY_PAGE)
    assert by_id(tree, ids.LOCALITY_NAME).children == context.names[DISTRICT]
    assert [g.id for g in graphs(tree)] == [
        ids.LOCALITY_BARS,
        ids.LOCALITY_PROFILE,
        ids.LOCALITY_TIMESERIES,
    ]
    page = text_of(tree)
    assert f"P-code {DISTRICT}" in page and "Admin level 2" in page
    assert "0 = all values present, own comparator, adequate samples" in page
    assert "Dec 2025" in page
    summary = by_id(tree, ids.LOCALITY_SUMMARY)
    assert len([c for c in walk(summary) if isinstance(c, html.Li)]) >= 2
    # The parent is linked to its own locality page, keeping the view's query.
    links = {c.children: c.href for c in walk(tree) if isinstance(c, dcc.Link)}
    parent_name = context.names[REGION]
    assert links[parent_name].startswith(f"/locality/{REGION}?round={state.round}")
    assert links["← Back to the map"].startswith("/?round=")
    assert links["Priorities"].startswith("/priorities?round=")
    # Every figure has a text alternative: a figure with a label and a description (not
    # an image role: the mode bar's buttons are inside).
    wrappers = [c for c in walk(tree) if isinstance(c, html.Figure)]
    assert [graphs(w)[0].id for w in wrappers] == [g.id for g in graphs(tree)]
    for wrapper in wrappers:
        assert getattr(wrapper, "aria-label")
        description = by_id(tree, getattr(wrapper, "aria-describedby"))
        assert "visually-hidden" in description.className and len(description.children) > 20


def test_header_numbers_come_from_the_scores(context, state):
    data = locality_data(context, state, DISTRICT)
    overall = float(_at(context, "overall_score", DISTRICT, state, benchmark="parity"))
    assert data.overall == pytest.approx(overall)
    assert data.score_class == int(_at(context, "score_class", DISTRICT, state, benchmark="parity"))
    assert data.reliability == pytest.approx(float(_at(context, "reliability", DISTRICT, state)))
    idps = context.cube["context"].sel(
        area=DISTRICT, round=np.datetime64(state.round), variable="idps_present"
    )
    assert data.idps_present == pytest.approx(float(idps))
    change = context.change(2).sel(
        area=DISTRICT, round=np.datetime64(state.round), group="idp", benchmark="parity"
    )
    assert data.since_previous == pytest.approx(float(change["since_previous"]))
    assert data.since_first == pytest.approx(float(change["since_first"]))
    assert not data.rolled_up and data.members == (DISTRICT,)


# Not "benchmark": pytest-benchmark owns that fixture name.
@pytest.mark.parametrize("kind", ["parity", "absolute"])
def test_bars_show_the_groups_absolute_criterion_scores(context, state, kind, monkeypatch):
    monkeypatch.setattr(locality_module, "is_public_view", lambda: False)  # the analyst's page
    view = replace(state, benchmark=kind, group="returnee", round=context.rounds[4])
    tree = locality_module.layout(context, view, pcode=DISTRICT)
    figure = figure_of(tree, ids.LOCALITY_BARS)
    expected = _at(context, "criterion_score", DISTRICT, view, benchmark="absolute")
    shown = figure["data"][0]["x"]
    assert len(shown) == len(context.framework.criteria)
    for value, want in zip(shown, expected.values, strict=True):
        assert (value is None and math.isnan(want)) or value == pytest.approx(want, abs=0.05)
    if kind == "parity":
        assert len(figure["data"]) == 2  # the host community beside the group
        host = comparator_criterion_scores(context.cube, context.framework).sel(
            area=DISTRICT, round=np.datetime64(view.round), group="returnee"
        )
        assert figure["data"][1]["x"] == pytest.approx(list(host.values), abs=0.051)
    else:
        assert len(figure["data"]) == 1
        assert [s["x0"] for s in figure["layout"]["shapes"]] == [100]


def test_iris_core_shows_the_five_core_criteria(context, state):
    data = locality_data(context, replace(state, core=True), DISTRICT)
    assert [c.code for c in data.criteria] == context.framework.core_criterion_codes
    overall = context.scores(True)["overall_score"].sel(
        area=DISTRICT, round=np.datetime64(state.round), group="idp", benchmark="parity"
    )
    assert data.overall == pytest.approx(float(overall))


def test_region_without_data_of_its_own_is_rolled_up(context, state):
    tree = locality_module.layout(context, state, pcode=REGION)
    assert by_id(tree, ids.LOCALITY_NAME).children == context.names[REGION]
    assert len(graphs(tree)) == 3
    assert "weighted by the IDPs present" in text_of(tree)
    data = locality_data(context, state, REGION)
    rolled = context.level_scores(1).sel(
        area=REGION, round=np.datetime64(state.round), group="idp", benchmark="parity"
    )
    assert data.rolled_up
    assert data.overall == pytest.approx(float(rolled["overall_score"]))
    assert [c.score for c in data.criteria] == pytest.approx(list(rolled["criterion_score"].values))
    assert data.idps_present == pytest.approx(float(rolled["idps_present"]))
    children = [a for a, p in context.parents.items() if p == REGION]
    assert sorted(data.members) == sorted(children)
    # Coverage counts every child's values.
    assert data.values_expected == len(children) * len(context.framework.indicators)


def test_country_page_renders(context, state):
    tree = locality_module.layout(context, state, pcode=COUNTRY)
    assert by_id(tree, ids.LOCALITY_NAME).children == context.names[COUNTRY]
    assert len(graphs(tree)) == 3
    assert "Part of" not in text_of(tree)


def test_a_group_without_data_says_so_without_figures(context, state):
    has_data = context.scores()["has_data"]
    without = next(
        a
        for a in context.scores()["area"].values
        if has_data.sel(area=a, group="idp").any()
        and not has_data.sel(area=a, group="returnee").any()
    )
    tree = locality_module.layout(context, replace(state, group="returnee"), pcode=without)
    assert by_id(tree, ids.LOCALITY_NAME).children == context.names[without]
    assert by_id(tree, ids.LOCALITY_EMPTY).children == (
        "There are no scores for Returnees in this area."
    )
    assert graphs(tree) == []


def test_unknown_code_says_not_found_with_a_link_to_the_map(context, state):
    tree = locality_module.layout(context, state, pcode="XX99")
    assert tree.id == ids.LOCALITY_NOT_FOUND
    assert "Area not found" in text_of(tree) and "XX99" in text_of(tree)
    link = next(c for c in walk(tree) if isinstance(c, dcc.Link))
    assert link.href.startswith("/?round=")
    assert graphs(tree) == []


def test_coverage_counts_values_small_samples_and_fallbacks(context, state):
    data = locality_data(context, state, DISTRICT)
    at = {"area": DISTRICT, "round": np.datetime64(state.round), "group": "idp"}
    value = context.cube["value"].sel(**at)
    n = context.cube["n"].sel(**at)
    assert data.values_present == int(value.notnull().sum())
    assert data.values_expected == len(context.framework.indicators)
    assert data.small_samples == int((value.notnull() & (n < context.framework.n_min)).sum())
    assert data.fallbacks == int(context.scores()["fallback"].sel(**at).sum())
    assert data.sources == (("Demo household survey (fictional)", tuple(context.rounds)),)


def test_page_json_is_small(context, state):
    tree = locality_module.layout(context, state, pcode=DISTRICT)
    body = json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder)
    assert len(body) < 80_000


# -- the comparator on a hand-made cube --------------------------------------------------

TINY = """
name: tiny
version: "1"
n_min: 30
min_criteria: 1
criteria:
  - code: c1
    label: {en: One}
    subcriteria:
      - code: c1.s1
        label: {en: S1}
        indicators:
          - {code: a, label: {en: A}, unit: percent, goalposts: [0, 100]}
          - {code: b, label: {en: B}, unit: percent, goalposts: [100, 0]}
      - code: c1.s2
        label: {en: S2}
        indicators:
          - {code: c, label: {en: C}, unit: score, goalposts: [0, 10]}
  - code: c2
    label: {en: Two}
    subcriteria:
      - code: c2.s1
        label: {en: S3}
        indicators:
          - {code: d, label: {en: D}, unit: percent, goalposts: [0, 100]}
"""


def test_comparator_scores_on_a_hand_made_cube():
    framework = parse_framework(TINY)
    rows = [
        # area, group, indicator, value, n
        ("P", "host", "c", 5.0, 500),  # the parent's host value: a fallback for A's c
        ("A", "host", "a", 80.0, 100),  # absolute 80
        ("A", "host", "b", 20.0, 100),  # worst 100, best 0: absolute 80
        ("A", "host", "c", 9.0, 10),  # small sample: the parent's 5 is used, absolute 50
        ("B", "host", "d", 60.0, 100),  # A and P have no host d: the round mean, 60
        ("A", "idp", "a", 40.0, 100),
        ("A", "idp", "b", 50.0, 100),
        ("A", "idp", "c", 2.0, 100),
        ("A", "idp", "d", 30.0, 100),
        ("A", "returnee", "a", 60.0, 100),  # returnees: only a has a value
    ]
    observations = pd.DataFrame(
        [
            {"area_pcode": a, "round": "2024-03", "group": g, "indicator": i, "value": v, "n": n}
            for a, g, i, v, n in rows
        ]
    )
    cube = build_cube(
        observations, framework, parents={"A": "P", "B": "P"}, levels={"P": 1, "A": 2, "B": 2}
    )
    host = comparator_criterion_scores(cube, framework).sel(area="A").isel(round=0)
    # IDPs: c1 = mean(s1 = mean(80, 80), s2 = 50) = 65; c2 = 60.
    assert host.sel(group="idp").values.tolist() == pytest.approx([65.0, 60.0])
    # Returnees: only a is paired, so s1 = 80 and s2 has no score; one of two
    # sub-criteria is enough (half), c1 = 80; c2 has no returnee value: missing.
    returnee = host.sel(group="returnee").values
    assert returnee[0] == pytest.approx(80.0) and math.isnan(returnee[1])
    # B has no displaced values at all: nothing to compare.
    assert np.isnan(comparator_criterion_scores(cube, framework).sel(area="B").values).all()


# -- the figures -------------------------------------------------------------------------


def test_bars_label_missing_scores_no_data_not_zero():
    figure = _valid(
        criterion_bars_figure(
            ["Safety", "Housing", "Family"],
            [40.04, None, float("nan")],
            [70.0, 60.0, None],
            parity=[57.1, None, None],
        )
    )
    assert figure["data"][0]["x"] == (40.0, None, None) or list(figure["data"][0]["x"]) == [
        40.0,
        None,
        None,
    ]
    assert list(figure["data"][1]["x"]) == [70.0, 60.0, None]
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    assert notes == ["<i>IDPs: no data</i>", "<i>no data</i>"]
    assert "Parity score" in figure["data"][0]["hovertemplate"]


def test_absolute_bars_have_the_100_line_and_translate():
    figure = _valid(criterion_bars_figure(["Safety"], [None], lang="fr"))
    assert len(figure["data"]) == 1
    assert figure["layout"]["shapes"][0]["x0"] == 100
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    assert len(notes) == 2  # "no data" on the bar's row, and the line's label


def test_figures_escape_labels_from_data_files():
    hostile = "<b onmouseover=alert(1)>Safety</b>"
    bars = _valid(criterion_bars_figure([hostile], [50.0], [60.0]))
    profile = _valid(profile_figure([hostile, "Two"], [50.0, 60.0]))
    series = _valid(timeseries_figure(["2024-03-01"], {hostile: [50.0]}))
    body = json.dumps([bars, profile, series], cls=plotly.utils.PlotlyJSONEncoder)
    assert "<b onmouseover" not in body
    assert "&lt;b onmouseover=alert(1)&gt;Safety&lt;/b&gt;" in body


def test_profile_is_closed_and_keeps_gaps():
    figure = _valid(
        profile_figure(
            ["A", "B", "C"], [50.0, None, 70.0], [40.0, 45.0, 50.0], current_name="Dec 2025"
        )
    )
    baseline, current = figure["data"]
    assert list(current["r"]) == [50.0, None, 70.0, 50.0]
    theta = list(current["theta"])
    assert theta[0] == theta[-1] and len(theta) == 4
    assert current["name"] == "Dec 2025" and current["fill"] == "toself"
    assert baseline["line"]["dash"] == "dash"
    assert figure["layout"]["polar"]["radialaxis"]["range"] == (0, 100) or list(
        figure["layout"]["polar"]["radialaxis"]["range"]
    ) == [0, 100]


def test_timeseries_marks_the_round_and_draws_overall_thicker():
    rounds = ["2024-03-01", "2024-06-01", "2024-09-01"]
    figure = _valid(
        timeseries_figure(
            rounds,
            {"Safety": [40.0, None, 50.0], "Housing": [30.0, 31.0, 32.0]},
            [35.0, 36.0, 41.0],
            marked="2024-06-01",
        )
    )
    *criteria, overall = figure["data"]
    assert len(criteria) == 2 and overall["name"] == "Overall score"
    assert overall["line"]["width"] > max(c["line"]["width"] for c in criteria)
    assert list(criteria[0]["y"]) == [40.0, None, 50.0]
    assert figure["layout"]["shapes"][0]["x0"] == "2024-06-01"
    assert "Jun 2024" in figure["layout"]["annotations"][0]["text"]
    assert list(figure["layout"]["xaxis"]["ticktext"]) == ["Mar 2024", "Jun 2024", "Sep 2024"]


# -- the summary in plain words ----------------------------------------------------------

ROUNDS = ["2024-03-01", "2024-06-01", "2024-09-01"]


def test_summary_improved():
    sentences = summary_sentences(
        {"Safety": [42.0, 50.0, 58.0], "Housing, land and property": [30.0, 31.0, 33.0]},
        ROUNDS,
        "2024-09-01",
        overall=[40.0, 45.0, 50.0],
    )
    assert sentences[0] == "The overall score improved from 40 to 50 since Mar 2024."
    assert "Safety improved from 42 to 58 since Mar 2024." in sentences
    assert "Housing, land and property remains the weakest criterion, at 33." in sentences
    assert not any("declined" in s for s in sentences)


def test_summary_declined():
    sentences = summary_sentences(
        {"Safety": [60.0, 55.0, 50.0], "Documentation": [70.0, 72.0, 71.0]},
        ROUNDS,
        "2024-09-01",
        overall=[65.0, 63.0, 59.0],
    )
    assert "The overall score declined from 65 to 59 since Mar 2024." in sentences
    assert "Safety declined from 60 to 50 since Mar 2024." in sentences
    assert not any("improved" in s for s in sentences)


def test_summary_stable_and_a_new_weakest_criterion():
    sentences = summary_sentences(
        {"Safety": [50.0, 51.0, 52.0], "Family reunification": [55.0, 52.0, 51.0]},
        ROUNDS,
        "2024-09-01",
        overall=[52.0, 51.0, 51.5],
    )
    assert sentences[0] == (
        "The overall score stayed about the same since Mar 2024: 52 then, 52 now."
    )
    assert "No criterion changed by 5 points or more since Mar 2024." in sentences
    # Safety was the weakest at the start; now Family reunification is.
    assert "Family reunification is the weakest criterion, at 51." in sentences


def test_summary_changes_are_against_each_criterions_first_score():
    sentences = summary_sentences(
        {"Safety": [None, 40.0, 60.0], "Housing": [30.0, None, 31.0]},
        ROUNDS,
        "2024-09-01",
        overall=[None, 38.0, 44.0],
    )
    assert "The overall score improved from 38 to 44 since Jun 2024." in sentences
    assert "Safety improved from 40 to 60 since Jun 2024." in sentences


def test_summary_small_samples_and_missing_criteria():
    sentences = summary_sentences(
        {"Safety": [40.0], "Housing": [30.0], "Remedies": [None]},
        ROUNDS[:1],
        "2024-03-01",
        overall=[35.0],
        small_samples=3,
        values_total=29,
    )
    assert sentences[0] == "The overall score is 35 in Mar 2024, the first round with a score."
    assert "No score this round for: Remedies." in sentences
    assert sentences[-1] == (
        "Values for 3 of 29 indicators rest on small samples (fewer than 30 respondents)."
    )
    rolled = summary_sentences(
        {"Safety": [40.0]}, ROUNDS[:1], "2024-03-01", small_samples=12, values_total=290, areas=10
    )
    assert rolled[-1] == (
        "12 of 290 indicator values from 10 areas rest on small samples "
        "(fewer than 30 respondents)."
    )


def test_summary_without_a_score():
    sentences = summary_sentences(
        {"Safety": [40.0, None], "Housing": [30.0, None]},
        ROUNDS[:2],
        "2024-06-01",
        overall=[35.0, None],
    )
    assert sentences == ["There is no score for Jun 2024: too few indicators have data."]
    sentences = summary_sentences(
        {"Safety": [None, 41.0], "Housing": [30.0, None]},
        ROUNDS[:2],
        "2024-06-01",
        overall=[35.0, None],
    )
    assert sentences[0] == "There is no overall score for Jun 2024: too few criteria have a score."


def test_summary_in_french_fills_every_placeholder():
    sentences = summary_sentences(
        {"Sécurité": [42.0, 50.0, 58.0], "Logement": [30.0, 31.0, 33.0], "Justice": [50, 52, None]},
        ROUNDS,
        "2024-09-01",
        overall=[40.0, 45.0, 50.0],
        small_samples=3,
        values_total=1234,
        lang="fr",
    )
    assert len(sentences) == 5
    text = " ".join(sentences)
    assert "{" not in text and "}" not in text
    assert month_year("2024-03-01", "fr") in text
    assert number(1234, "fr") in text
    assert "Sécurité" in text and "Logement" in text and "Justice" in text
    assert all(s.endswith(".") for s in sentences)


# -- escaping ----------------------------------------------------------------------------


def test_hostile_area_names_stay_plain_text(context, state):
    hostile = "<script>alert(1)</script>"
    parent = "<img src=x onerror=alert(1)>"
    areas = context.areas.copy()
    areas.loc[areas["pcode"] == DISTRICT, "name"] = hostile
    areas.loc[areas["pcode"] == REGION, "name"] = parent
    spoofed = replace(context, areas=areas)
    tree = locality_module.layout(spoofed, state, pcode=DISTRICT)
    assert by_id(tree, ids.LOCALITY_NAME).children == hostile
    link = next(c for c in walk(tree) if isinstance(c, dcc.Link) and c.children == parent)
    assert link.href.startswith(f"/locality/{REGION}?")
    # Names only ever travel as component children or props (which React escapes): no
    # Markdown, no raw HTML anywhere in the tree, and never inside a figure.
    assert not [c for c in walk(tree) if isinstance(c, dcc.Markdown)]
    body = json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder)
    assert "dangerously" not in body.lower()
    for graph in graphs(tree):
        assert "<script" not in json.dumps(graph.figure, cls=plotly.utils.PlotlyJSONEncoder)
    # A hostile P-code in the URL is shown as text on the not-found page.
    missing = locality_module.layout(context, state, pcode=hostile)
    assert hostile in text_of(missing)


def test_register_is_a_no_op(context):
    assert locality_module.register(object(), context) is None


# -- indicator estimates with their standard errors (DESIGN 3.6) --------------------------


#: A district whose survey values all carry a standard error above zero.
SURVEYED = "XM01002"


def test_indicator_estimates_carry_the_survey_interval(context, state):
    from dashboard.briefing.numbers import Z95

    data = locality_data(context, state, SURVEYED)
    cube = context.cube.sel(area=SURVEYED, group="idp", round=np.datetime64(state.round))
    assert data.indicators, "the demo's values come from the survey path"
    for row in data.indicators:
        cell = cube.sel(indicator=row.code)
        assert row.value == pytest.approx(float(cell["value"]))
        assert row.n == pytest.approx(float(cell["n"]))
        assert row.se == pytest.approx(float(cell["se"]))
        low, high = row.interval
        assert low == pytest.approx(max(0.0, row.value - Z95 * row.se))
        if row.unit == "percent":
            assert high == pytest.approx(min(100.0, row.value + Z95 * row.se))
        assert low <= row.value <= high


def test_interval_is_clipped_to_the_unit_and_absent_without_se():
    from dashboard.briefing.numbers import interval

    assert interval(2.0, 5.0, "percent") == (0.0, pytest.approx(11.8))
    assert interval(99.0, 5.0, "percent") == (pytest.approx(89.2), 100.0)
    assert interval(-3.0, 1.0, "index") == (pytest.approx(-4.96), pytest.approx(-1.04))
    assert interval(40.0, None, "percent") is None
    assert interval(40.0, float("nan"), "percent") is None
    assert interval(None, 1.0, "percent") is None
    # A zero se inside the range was not estimable (one cluster): no fake interval.
    assert interval(18.4, 0.0, "percent") is None
    assert interval(100.0, 0.0, "percent") == (100.0, 100.0)


def test_page_shows_estimate_interval_and_n(context, state):
    page = locality_module.layout(context, state, pcode=SURVEYED)
    table = by_id(page, ids.LOCALITY_ESTIMATES)
    data = locality_data(context, state, SURVEYED)
    text = text_of(table)
    row = next(r for r in data.indicators if not r.small)
    low, high = row.interval
    from dashboard.briefing.numbers import value_text

    assert value_text(row.value, "en") in text
    assert f"{value_text(low, 'en')} to {value_text(high, 'en')}" in text
    assert number(row.n, "en") in text
    assert "95 % interval" in text


def test_values_without_se_show_no_interval(context, state):
    cube = context.cube.copy(deep=True)
    cube["se"][:] = np.nan
    plain = replace(context, cube=cube)
    data = locality_data(plain, state, SURVEYED)
    assert data.indicators and all(r.interval is None for r in data.indicators)
    page = locality_module.layout(plain, state, pcode=SURVEYED)
    text = text_of(by_id(page, ids.LOCALITY_ESTIMATES))
    assert text.count("no standard error") == sum(not r.small for r in data.indicators)


def test_rolled_up_areas_list_no_indicator_values(context, state):
    data = locality_data(context, state, REGION)
    assert data.rolled_up and data.indicators == ()
    page = locality_module.layout(context, state, pcode=REGION)
    assert not [c for c in walk(page) if getattr(c, "id", None) == ids.LOCALITY_ESTIMATES]


def test_zero_standard_errors_inside_the_range_are_not_estimable(context, state):
    cube = context.cube.copy(deep=True)
    at = {"area": SURVEYED, "group": "idp", "round": np.datetime64(state.round, "ns")}
    cube["se"].loc[at] = 0.0
    zero = replace(context, cube=cube)
    data = locality_data(zero, state, SURVEYED)
    inside = [r for r in data.indicators if 0 < r.value < 100 and not r.small]
    assert inside and all(r.interval is None and r.se == 0 for r in inside)
    text = text_of(
        by_id(locality_module.layout(zero, state, pcode=SURVEYED), ids.LOCALITY_ESTIMATES)
    )
    assert text.count("not estimable") >= len(inside)
