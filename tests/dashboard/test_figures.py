"""Figure builders on the scored demo: the right numbers, the right trace, a small figure."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.briefing.labels import LOW_RELIABILITY, class_label, is_low_reliability
from dashboard.figures.map import (
    CLASS_COLOURS,
    NO_SCORE_TRACE,
    RELIABILITY_TRACES,
    SCORE_TRACE,
    class_legend,
    fit_map_view,
    geojson_bounds,
    hovertemplate,
    low_reliability_locations,
    map_values,
    score_arrays,
)
from dashboard.figures.map import map_figure as plain_map_figure
from indicators.scoring import CLASS_LABELS

ROUND = "2024-06-01"


def map_figure(*args, **kwargs) -> go.Figure:
    """The builder's plain dict, validated by Plotly here (the app skips validation)."""
    figure = plain_map_figure(*args, **kwargs)
    assert isinstance(figure, dict)
    return go.Figure(figure)


def _select(result, variable, **at):
    return float(result[variable].sel(**at).item())


def test_overall_values_are_the_scores(demo_result):
    values = map_values(
        demo_result, round=ROUND, group="idp", benchmark="parity", criterion="overall", level=2
    )
    assert len(values) == 150
    assert set(values["pcode"]) == set(
        demo_result["area"].to_numpy()[demo_result["level"].to_numpy() == 2]
    )
    at = {"round": np.datetime64(ROUND, "ns"), "group": "idp"}
    checked = 0
    for row in values.sample(8, random_state=1).itertuples():
        expected = _select(demo_result, "overall_score", area=row.pcode, benchmark="parity", **at)
        klass = _select(demo_result, "score_class", area=row.pcode, benchmark="parity", **at)
        reliability = _select(demo_result, "reliability", area=row.pcode, **at)
        if math.isnan(expected):
            assert math.isnan(row.score)
            continue
        assert row.score == pytest.approx(expected)
        assert row._3 == klass  # the "class" column
        assert row.class_label == CLASS_LABELS[int(klass)]
        assert row.reliability == pytest.approx(reliability)
        checked += 1
    assert checked >= 5


def test_criterion_values_are_the_criterion_scores(demo_result):
    values = map_values(
        demo_result,
        round=pd.Timestamp(ROUND),
        group="returnee",
        benchmark="absolute",
        criterion="livelihoods",
        level=2,
    ).set_index("pcode")
    expected = (
        demo_result["criterion_score"]
        .sel(benchmark="absolute", criterion="livelihoods", group="returnee")
        .sel(round=np.datetime64(ROUND, "ns"))
        .to_series()
    )
    for pcode in values.index[:20]:
        np.testing.assert_allclose(values.loc[pcode, "score"], expected[pcode])
    assert values["class"].isna().all() and values["class_label"].isna().all()


def test_areas_without_data_have_no_reliability(demo_result):
    values = map_values(
        demo_result, round=ROUND, group="returnee", benchmark="parity", criterion="overall", level=2
    )
    has_data = demo_result["has_data"].sel(group="returnee", round=np.datetime64(ROUND, "ns"))
    without = set(has_data["area"].to_numpy()[~has_data.to_numpy()])
    missing = values[values["pcode"].isin(without)]
    assert len(missing) > 0  # the demo has districts without returnees
    assert missing["reliability"].isna().all() and missing["score"].isna().all()


def test_rolled_up_values_come_from_the_level_scores(demo_app_context):
    regions = demo_app_context.level_scores(1)
    values = map_values(
        regions, round=ROUND, group="idp", benchmark="parity", criterion="overall"
    ).set_index("pcode")
    assert len(values) == 12 and values["rolled_up"].all()
    at = {"round": np.datetime64(ROUND, "ns"), "group": "idp", "benchmark": "parity"}
    expected = regions["overall_score"].sel(area="XM03", **at)
    assert values.loc["XM03", "score"] == pytest.approx(float(expected))
    assert values.loc["XM03", "idps_present"] == pytest.approx(
        float(regions["idps_present"].sel(area="XM03", round=at["round"]))
    )
    criterion = map_values(
        regions, round=ROUND, group="idp", benchmark="absolute", criterion="hlp", lang="fr"
    )
    assert criterion["class"].isna().all()
    assert criterion["score"].notna().all()


def test_score_arrays_cut_to_one_decimal_and_follow_the_locations():
    values = pd.DataFrame(
        {
            "pcode": ["A", "B", "C"],
            "score": [79.96, np.nan, 100.0],
            "class": [3.0, np.nan, 5.0],
            "class_label": ["partial", None, "parity"],
            "reliability": [1.234, np.nan, 0.0],
            "idps_present": [1234.4, np.nan, np.nan],
            "note": ["<br>Low reliability", "", ""],
        }
    )
    arrays = score_arrays(values, ["C", "Z", "B", "A"])
    assert arrays["z"] == [100.0, None, None, 79.9]
    # A missing IDP figure is left out: the hover shows the fallback, not a 0.
    assert arrays["customdata"] == [["parity", 0.0], None, None, ["partial", 1.2, 1234]]
    assert arrays["hovertext"] == ["", "", "", "<br>Low reliability"]


def test_low_reliability_from_the_threshold():
    assert LOW_RELIABILITY == 5.0
    assert is_low_reliability(5.0) and is_low_reliability(9.9)
    assert not is_low_reliability(4.99) and not is_low_reliability(float("nan"))
    values = pd.DataFrame({"pcode": ["A", "B", "C", "D"], "reliability": [5.0, 1.0, np.nan, 7]})
    assert low_reliability_locations(values, ["D", "C", "B", "A", "E"]) == ["D", "A"]


def test_classes_and_legend_in_french():
    assert class_label(3) == "partial" and class_label(3, "fr") == "parité partielle"
    assert class_label(float("nan")) is None
    legend = class_legend("fr")
    assert legend[0] == (CLASS_COLOURS[5], "parité", "100")
    assert legend[-1][1] == "pas de score"


def test_map_figure_is_a_white_background_choroplethmap_by_url(demo_context):
    figure = go.Figure(demo_context.figure(demo_context.options.default))
    assert [trace.type for trace in figure.data] == ["choroplethmap"] * 4
    assert figure.layout.map.style == "white-bg"
    for trace in figure.data:
        assert trace.geojson == "/geo/level/2.json"
        assert isinstance(trace.geojson, str)
        assert trace.featureidkey == "properties.pcode"
    every = list(demo_context.layers[2].locations)
    scores = figure.data[SCORE_TRACE]
    assert list(scores.locations) == every
    # The grey trace draws exactly the areas the score trace leaves out, each once.
    grey = figure.data[NO_SCORE_TRACE]
    unscored = [code for code, z in zip(every, scores.z, strict=True) if z is None]
    assert list(grey.locations) == unscored
    assert len(grey.text) == len(grey.z) == len(unscored)
    assert (scores.zmin, scores.zmax) == (0, 100)
    assert figure.data[NO_SCORE_TRACE].showscale is False
    assert "no score" in figure.data[NO_SCORE_TRACE].hovertemplate
    # A missing IDP figure is left out of customdata: the hover says "–", not 0.
    assert scores.hovertemplatefallback == "–"
    for trace in RELIABILITY_TRACES:
        assert figure.data[trace].hoverinfo == "skip"
        assert len(figure.data[trace].z) == len(figure.data[trace].locations)
    legend = figure.layout.annotations[0].text
    for label in CLASS_LABELS.values():
        assert label in legend
    assert "low reliability" in legend
    payload = figure.to_json()
    assert "coordinates" not in payload
    # Two traces of 150 locations and names plus values; the template is left out.
    assert len(payload) < 24_000


def test_map_figure_escapes_area_names_and_outlines_unreliable_areas():
    values = pd.DataFrame(
        {
            "pcode": ["A", "B"],
            "score": [50.0, 70.0],
            "class": [2.0, 3.0],
            "class_label": ["major gaps", "partial"],
            "reliability": [6.0, 1.0],
        }
    )
    figure = map_figure(
        values,
        2,
        "/geo/level/2.json",
        locations=["A", "B"],
        names=["<img src=x onerror=alert(1)>", "Tal Afar & Sinjar"],
        bounds=(0, 0, 1, 1),
    )
    assert list(figure.data[SCORE_TRACE].text) == [
        "&lt;img src=x onerror=alert(1)&gt;",
        "Tal Afar &amp; Sinjar",
    ]
    assert "<img" not in figure.to_json()
    for trace in RELIABILITY_TRACES:
        assert list(figure.data[trace].locations) == ["A"]


def test_map_figure_fits_the_geometry(demo_context):
    min_lon, min_lat, max_lon, max_lat = demo_context.layers[2].bounds
    figure = go.Figure(demo_context.figure(demo_context.options.default))
    centre = figure.layout.map.center
    assert min_lon < centre.lon < max_lon and min_lat < centre.lat < max_lat
    assert 4 < figure.layout.map.zoom < 9


def test_geojson_bounds_and_fit():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 0]]]},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [[[3, -1], [4, -1], [4, 0], [3, -1]]],
                        [
                            [[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]],
                            [[5.2, 5.2], [5.4, 5.2], [5.2, 5.4], [5.2, 5.2]],
                        ],
                    ],
                },
            },
        ],
    }
    assert geojson_bounds(collection) == (0.0, -1.0, 6.0, 6.0)
    assert geojson_bounds(json.dumps(collection).encode()) == (0.0, -1.0, 6.0, 6.0)
    centre, zoom = fit_map_view((0.0, -1.0, 6.0, 6.0), width=900, height=600)
    assert centre["lon"] == pytest.approx(3.0)
    assert -1 < centre["lat"] < 6
    # 7 degrees of latitude in 600 px: about zoom 6.
    assert 5 < zoom < 7


def test_hover_template_has_a_class_only_for_the_overall_score():
    assert "Class" in hovertemplate(None) and "%{z:.1f}" in hovertemplate(None)
    assert "Class" not in hovertemplate("Access to documentation")
    assert "Reliability" in hovertemplate("Access to documentation")
    assert "IDPs present: %{customdata[2]:,.0f}" in hovertemplate(None)
    assert hovertemplate(None).endswith("%{hovertext}<extra></extra>")


def test_hover_template_in_french():
    template = hovertemplate("Accès aux documents", "fr")
    assert "Code P\u00a0: %{location}" in template
    assert "Fiabilité\u00a0: %{customdata[1]:.1f} / 10" in template
    assert "Reliability" not in template and "P-code" not in template


def test_french_figure_uses_french_number_separators(demo_context):
    state = replace(demo_context.options.default, lang="fr")
    figure = go.Figure(demo_context.figure(state))
    assert figure.layout.separators == ", "
    assert "pas de score" in figure.data[NO_SCORE_TRACE].hovertemplate


def test_map_figure_builds_fast_enough_shaped_for_many_areas():
    # Only shape checks: no timing (DESIGN 7 budgets live in benchmarks/).
    n = 2_000
    codes = [f"A{i:05d}" for i in range(n)]
    values = pd.DataFrame(
        {
            "pcode": codes,
            "score": np.linspace(0, 100, n),
            "class": 3.0,
            "class_label": "partial",
            "reliability": 1.0,
        }
    )
    figure = map_figure(
        values, 3, "/geo/level/3.json", locations=codes, names=codes, bounds=(0, 0, 10, 10)
    )
    assert len(figure.data[SCORE_TRACE].z) == n
