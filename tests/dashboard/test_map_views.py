"""The map's views left by issue 12: the hover card follows the group, change maps of
any criterion, the counts map's URL, the indicator-level map."""

from __future__ import annotations

import numpy as np
import pytest
from dash import no_update

from dashboard import ids
from dashboard.briefing.counts import counts_at_level
from dashboard.briefing.map_data import MapSource
from dashboard.context import AppContext
from dashboard.figures.map import SCORE_TRACE
from dashboard.pages import counts_map
from dashboard.pages import map as map_page
from dashboard.pages.map_controls import indicator_options
from tests.helpers import LATEST, find, view
from tests.shapes import build_shape


@pytest.fixture(scope="module")
def counts_source(tmp_path_factory):
    workspace = build_shape("counts", tmp_path_factory.mktemp("counts") / "ws")
    return MapSource(AppContext.load(workspace), url_for=lambda level: f"/geo/level/{level}.json")


def _card(figure: dict) -> tuple[str, list]:
    trace = figure["data"][SCORE_TRACE]
    return trace["hovertemplate"], trace["customdata"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_score_map_card_follows_the_group(demo_context, demo_app_context, lang):
    from dashboard.i18n import translator

    _ = translator(lang)
    idp_label = _("IDPs present: %(value)s").split("%")[0]
    returnee_label = _("Returnees present: %(value)s").split("%")[0]
    template, _data = _card(demo_context.figure(view(lang=lang)))
    assert idp_label in template and returnee_label not in template
    state = view(group="returnee", lang=lang)
    template, data = _card(demo_context.figure(state))
    assert returnee_label in template and idp_label not in template
    # ... and the figure is the returnees', not the IDPs'.
    returnees = counts_at_level(demo_app_context, "returnees_present", 2)[LATEST]
    layer = demo_context.layer(state)
    shown = {
        pcode: row[2]
        for pcode, row in zip(layer.locations, data, strict=True)
        if row is not None and len(row) > 2
    }
    assert shown, "no area shows a returnee figure"
    for pcode, value in shown.items():
        assert value == round(returnees[pcode])
    # A switch of group patches the card too (not only on a values-only slider step).
    patch = map_page.map_patch(state, demo_context, values_only=False).to_plotly_json()
    assert any(
        returnee_label in str(op.get("params", {}).get("value", "")) for op in patch["operations"]
    )


def test_counts_map_card_follows_the_group(counts_source):
    for group, label in (("idp", "IDPs present"), ("returnee", "Returnees present")):
        for measure in ("present", "since_previous"):
            patch, *_rest = counts_map.update_counts(
                group, measure, "choropleth", None, {"level": 2, "lang": "en"}, counts_source
            )
            templates = [
                str(op["params"]["value"])
                for op in patch["operations"]
                if op["location"][-1:] == ["hovertemplate"]
            ]
            assert templates and all(label in t for t in templates), (group, measure)
            other = "Returnees present" if group == "idp" else "IDPs present"
            assert not any(other in t for t in templates)


# -- the indicator-level map --------------------------------------------------------------

INDICATOR = "violence_12m"


def test_indicator_in_the_url_old_links_unchanged(demo_context, counts_source):
    from dashboard.briefing.view import parse_query, to_query

    options = demo_context.options
    state = parse_query(f"?criterion=safety&indicator={INDICATOR}", options)
    assert state.indicator == INDICATOR and state.shown == INDICATOR
    assert state.criterion == "safety"
    assert parse_query(to_query(state), options) == state
    old = parse_query("?criterion=safety&group=returnee", options)
    assert old.indicator == "" and old.shown == "safety"
    assert parse_query("?indicator=nonsense", options).indicator == ""
    # IRIS core: only the indicators of the five core criteria.
    family = next(code for code, owner in options.indicators if owner == "family")
    assert parse_query(f"?core=iris&indicator={family}", options).indicator == ""
    # A control that does not know the indicator keeps the one in the URL; the map's own
    # indicator choice (owner) clears it.
    assert f"indicator={INDICATOR}" in to_query(old, keep=f"?indicator={INDICATOR}")
    assert "indicator" not in to_query(old, keep=f"?indicator={INDICATOR}", owned=["indicator"])
    # No survey data, no indicator map.
    assert counts_source.options.indicators == ()
    assert parse_query(f"?indicator={INDICATOR}", counts_source.options).indicator == ""


def test_indicator_choice_is_grouped_under_its_criterion(demo_context):
    options = indicator_options(demo_context, view())
    headers = [o for o in options if o.get("disabled")]
    framework = demo_context.framework
    assert [h["value"] for h in headers] == [f"criterion:{c}" for c in framework.criterion_codes]
    chosen = [o["value"] for o in options if not o.get("disabled")]
    assert chosen == framework.indicator_codes
    first = options.index(headers[0])
    assert options[first + 1]["value"] == INDICATOR
    assert framework.label(INDICATOR) in options[first + 1]["label"]
    page = map_page.map_page(demo_context, view(indicator=INDICATOR))
    dropdown = find(page, ids.INDICATOR)
    assert dropdown.value == INDICATOR and not dropdown.disabled


@pytest.mark.parametrize("kind", ["parity", "absolute"])
def test_indicator_map_shows_the_indicator_score_value_and_host(
    demo_context, demo_app_context, kind
):
    state = view(indicator=INDICATOR, benchmark=kind)
    values = demo_context.values(state, withhold=False).set_index("pcode")
    cube = demo_app_context.cube
    when = np.datetime64(LATEST)
    expected = (
        demo_app_context.scores()["indicator_score"]
        .sel(indicator=INDICATOR, benchmark=kind, group="idp", round=when)
        .to_series()
    )
    shared = [p for p in expected.dropna().index if p in values.index]
    assert len(shared) > 20
    np.testing.assert_allclose(values.loc[shared, "score"], expected[shared])
    if kind == "absolute":
        # DESIGN 4 step 1 by hand: goalposts [40, 0].
        raw = cube["value"].sel(indicator=INDICATOR, group="idp", round=when).to_series()
        worst, best = demo_app_context.framework.indicators[0].goalposts
        by_hand = 100 * np.clip((raw[shared] - worst) / (best - worst), 0, 1)
        np.testing.assert_allclose(values.loc[shared, "score"], by_hand)
    assert values["class"].isna().all()  # an indicator has no class
    figure = demo_context.figure(state)
    template, data = _card(figure)
    label = demo_app_context.framework.label(INDICATOR)
    assert label in template and "Host community" in template and "IDPs:" in template
    layer = demo_context.layer(state)
    pcode = shared[0]
    row = data[list(layer.locations).index(pcode)]
    raw = float(cube["value"].sel(indicator=INDICATOR, group="idp", round=when, area=pcode))
    assert row[2] == f"{raw:.1f} %"  # the value in its unit
    host = float(cube["value"].sel(indicator=INDICATOR, group="host", round=when, area=pcode))
    if host == host:
        assert row[3].startswith(f"{host:.1f} %")
    from dashboard.briefing.map_data import caption

    assert caption(state, demo_app_context.framework).startswith(label)


def test_indicator_map_withholds_small_samples(hostile_context):
    """The public view withholds an indicator's score where its value rests on a small
    sample (the rule of DESIGN 8 over that one indicator), as for criteria."""
    from tests.dashboard.conftest import ONE_SMALL_AREA, SMALL_AREA

    source = MapSource(hostile_context, url_for=lambda level: f"/geo/level/{level}.json")
    small = hostile_context.cube.attrs["one_small_indicator"]
    state = view(indicator=small)
    shown = source.values(state, withhold=False).set_index("pcode")
    public = source.values(state, withhold=True).set_index("pcode")
    for pcode in (SMALL_AREA, ONE_SMALL_AREA):
        assert np.isfinite(shown.at[pcode, "score"]), pcode
        assert np.isnan(public.at[pcode, "score"]), pcode
    # One small value among many does not withhold the criterion of ONE_SMALL_AREA...
    criterion = source.values(view(), withhold=True).set_index("pcode")
    assert np.isfinite(criterion.at[ONE_SMALL_AREA, "score"])
    # ... and the indicator map withholds exactly the values on small samples.
    cube = hostile_context.cube
    at = {"indicator": small, "group": "idp", "round": np.datetime64(LATEST, "ns")}
    n = cube["n"].sel(at).to_series()
    present = cube["value"].sel(at).to_series().notna()
    tiny = set(n[(n < hostile_context.framework.n_min) & present].index)
    scored = shown.index[np.isfinite(shown["score"])]
    hidden = {p for p in scored if np.isnan(public.at[p, "score"])}
    assert hidden == tiny & set(scored) and len(hidden) >= 2


def test_slider_patch_of_an_indicator_map_is_values_only(demo_context):
    figure, caption_text, _summary = map_page.update_map(
        [ids.ROUND], "overall", "idp", "parity", 2, {"level": 2}, demo_context, INDICATOR
    )
    assert {op["location"][-1] for op in figure["operations"]} <= {
        "z",
        "customdata",
        "hovertext",
        "locations",
        "text",  # the names of the grey trace's areas (those without a score)
    }
    assert caption_text.startswith(demo_context.framework.label(INDICATOR))
    figure, *_rest = map_page.update_map(
        [ids.INDICATOR], "overall", "idp", "parity", 2, {"level": 2}, demo_context, INDICATOR
    )
    assert "hovertemplate" in {op["location"][-1] for op in figure["operations"]}
    from dashboard.pages import map_facts

    legend = map_facts.update_legend("parity", {}, demo_context, "overall", INDICATOR)
    assert "no value of this indicator" in legend and "too few indicators" not in legend
    assert "too few indicators" in map_facts.update_legend("parity", {}, demo_context, "safety")


# -- change maps of any criterion ---------------------------------------------------------


@pytest.mark.parametrize("show", ["since_previous", "since_first"])
def test_change_map_of_a_criterion(demo_context, demo_app_context, show):
    from dashboard.briefing.map_data import caption
    from dashboard.pages import map_facts

    state = view(criterion="safety", show=show)
    values = demo_context.values(state, withhold=False).set_index("pcode")
    scores = (
        demo_app_context.level_scores(2)["criterion_score"]
        .sel(criterion="safety", benchmark="parity", group="idp")
        .to_pandas()
    )
    scores.columns = [str(c)[:10] for c in scores.columns]
    rounds = [r for r in scores.columns if r <= LATEST]
    hidden = demo_app_context.withheld(2, "idp")["safety"].to_pandas()
    checked = 0
    for pcode in values.index:
        if pcode not in scores.index:
            continue
        history = scores.loc[pcode, rounds]
        now = history[LATEST]
        earlier = history.iloc[:-1].dropna()
        if now != now or earlier.empty:
            assert np.isnan(values.at[pcode, "score"])
            continue
        other = earlier.index[-1] if show == "since_previous" else earlier.index[0]
        ends = hidden.loc[pcode].iloc[[-1, rounds.index(other)]]
        if ends.any():
            assert np.isnan(values.at[pcode, "score"])
            continue
        assert values.at[pcode, "score"] == pytest.approx(now - history[other])
        checked += 1
    assert checked > 20
    name = demo_app_context.framework.label("safety")
    when = "previous" if show == "since_previous" else "first"
    assert caption(state, demo_app_context.framework).startswith(
        f"Change in {name} since the {when} round"
    )
    template, _data = _card(demo_context.figure(state))
    assert f"Change in {name}" in template
    legend = map_facts.update_legend("parity", {"show": show}, demo_context, "safety", None)
    assert name in legend and "overall score" not in legend
    # The indicator map has its change map too.
    moved = demo_context.values(view(indicator=INDICATOR, show=show), withhold=False)
    assert np.isfinite(moved["score"]).sum() > 20
    span = demo_context.change_span(view(indicator=INDICATOR, show=show))
    assert (moved["score"].dropna().abs() <= span).all()


def test_change_links_follow_the_chosen_criterion_and_indicator(demo_context):
    from dashboard.pages import map_facts

    hrefs = map_facts.show_hrefs(
        f"?criterion=safety&indicator={INDICATOR}&lang=fr", demo_context.options
    )
    assert len(hrefs) == 3
    for href, show in zip(hrefs, ("score", "since_previous", "since_first"), strict=True):
        assert "criterion=safety" in href and f"indicator={INDICATOR}" in href
        assert "lang=fr" in href
        assert (f"show={show}" in href) == (show != "score")


# -- the counts map's controls in the URL ---------------------------------------------------


def test_counts_controls_write_and_read_the_url(counts_source):
    from dashboard.figures.counts import CHOROPLETH_TRACE, SYMBOL_TRACE
    from dashboard.i18n import month_year
    from dashboard.router import render_page
    from tests.helpers import text_of

    context = counts_source.context
    rounds = counts_at_level(context, "returnees_present", 2).columns.tolist()
    settings = {"level": 2, "lang": "fr"}
    # A control writes the query (other parameters kept) ...
    search, *controls = counts_map.sync_counts_url(
        ids.COUNTS_STYLE,
        "?lang=fr",
        "returnee",
        "since_previous",
        "symbols",
        1,
        settings,
        counts_source,
    )
    assert controls == [no_update] * 4
    assert search == (
        f"?round={rounds[1]}&level=2&group=returnee&show=since_previous&style=symbols&lang=fr"
    )
    # ... the same controls again leave it alone ...
    again = counts_map.sync_counts_url(
        ids.COUNTS_GROUP,
        search,
        "returnee",
        "since_previous",
        "symbols",
        1,
        settings,
        counts_source,
    )
    assert again[0] is no_update
    # ... and the URL (a link, back/forward) sets the controls that differ.
    back = counts_map.sync_counts_url(
        ids.COUNTS_URL, search, "idp", "present", "symbols", 3, settings, counts_source
    )
    assert back == (no_update, "returnee", "since_previous", no_update, 1)
    plain = counts_map.sync_counts_url(
        ids.COUNTS_URL,
        "?lang=fr",
        "returnee",
        "since_previous",
        "symbols",
        1,
        settings,
        counts_source,
    )
    assert plain == (no_update, "idp", "present", "choropleth", len(rounds) - 1)
    # A link opens the page as it was: group, measure, style and round.
    page = render_page("/", search, context, counts_source, {})
    assert find(page, ids.COUNTS_GROUP).value == "returnee"
    assert find(page, ids.COUNTS_MEASURE).value == "since_previous"
    assert find(page, ids.COUNTS_STYLE).value == "symbols"
    assert find(page, ids.COUNTS_ROUND).value == 1
    figure = find(page, ids.COUNTS_MAP).figure
    assert figure.data[SYMBOL_TRACE].visible and not figure.data[CHOROPLETH_TRACE].visible
    caption = text_of(find(page, ids.COUNTS_CAPTION))
    assert "Personnes retournées présentes" in caption and month_year(rounds[1], "fr") in caption
    assert find(page, ids.COUNTS_URL) is not None


# -- the framework's own words in the reader's language -----------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar", "es"])
def test_method_page_and_pdf_method_speak_the_language(demo_app_context, lang):
    import html as html_text

    from dashboard.pages import method
    from dashboard.report import pack_data, pdf
    from tests.helpers import text_of

    framework = demo_app_context.framework
    why = framework.indicators[0].why(lang)
    assert why and why != framework.indicators[0].why("en")
    page = text_of(method.layout(demo_app_context, view(lang=lang)))
    assert why in page and framework.indicators[0].why("en") not in page
    assert framework.title(lang) in page and framework.describe(lang) in page
    data = pack_data(demo_app_context, round=LATEST, lang=lang)
    assert data["method"]["goalposts"][0]["why"] == why
    printed = html_text.unescape(pdf.render_html(data))
    assert why in printed and framework.indicators[0].why("en") not in printed
    assert framework.title(lang) in printed and framework.describe(lang) in printed


def test_indicator_map_at_a_parent_level_is_rolled_up(demo_context, demo_app_context):
    """Regions have no displaced values of their own: the indicator map rolls the
    districts' up (DESIGN 4.8), as the criterion map does."""
    values = demo_context.values(view(level=1, indicator=INDICATOR), withhold=False)
    assert values["score"].notna().all() and (values["score"].between(0, 100)).all()
    region = values["pcode"].iloc[0]
    districts = [p for p, parent in demo_app_context.parents.items() if parent == region]
    own = demo_context.values(view(indicator=INDICATOR), withhold=False).set_index("pcode")
    scores = own.loc[[d for d in districts if d in own.index], "score"].dropna()
    assert scores.min() - 1e-9 <= values["score"].iloc[0] <= scores.max() + 1e-9


def test_first_layout_carries_the_query_so_no_callback_runs_at_load(demo_context):
    """Given the browser's query, the map page's Location starts with it (nothing to
    report when drawn: no callback while the first map loads), and the change links are
    already what the URL callback would make of it: other parameters kept, and the score
    map's link without the change map the URL shows."""
    from dashboard.briefing.view import parse_query
    from dashboard.pages import map_facts

    search = "?show=since_previous&lang=fr&utm=x"
    state = parse_query(search, demo_context.options)
    page = map_page.map_page(demo_context, state, search)
    assert find(page, ids.MAP_URL).search == search
    hrefs = [find(page, ids.show_link(show)).href for show in map_facts.SHOWS]
    assert hrefs == map_facts.show_hrefs(search, demo_context.options)
    assert "show=" not in hrefs[0] and "utm=x" in hrefs[0] and "lang=fr" in hrefs[0]
    assert "show=since_first" in hrefs[2]
    # Without the query (a caller that does not know it) the Location reports it itself.
    assert (
        getattr(find(map_page.map_page(demo_context, state), ids.MAP_URL), "search", None) is None
    )
