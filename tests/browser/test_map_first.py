"""Map first, facts first: at 1440 x 900 the top of the map is in view without
scrolling, on the demo's map page."""

from __future__ import annotations

import pytest

from dashboard import ids

pytestmark = pytest.mark.browser

MAP_DRAWN = f"""() => Boolean(document.querySelector('#{ids.MAP} .js-plotly-plot'))"""


def test_map_top_is_above_the_fold_at_1440_by_900(page, live_server):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/")
    page.wait_for_function(MAP_DRAWN, timeout=30_000)
    box = page.locator(f"#{ids.MAP}").bounding_box()
    assert page.evaluate("() => window.scrollY") == 0
    # The map's top, and a useful part of it, are on the first screen.
    assert box["y"] < 900 - 200, box


def test_change_map_is_one_click_away(page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/")
    page.wait_for_function(MAP_DRAWN, timeout=30_000)
    page.get_by_role("link", name="Change since the previous round").click()
    page.wait_for_function(
        f"() => document.getElementById('{ids.MAP_CAPTION}').textContent"
        ".startsWith('Change in the overall score since the previous round')",
        timeout=30_000,
    )
    assert "show=since_previous" in page.url
    zmin = page.evaluate(f"() => document.querySelector('#{ids.MAP} .js-plotly-plot').data[1].zmin")
    assert zmin < 0
    assert errors == []


def test_indicator_map_is_one_choice_away_and_in_the_url(page, live_server):
    """Pick an indicator beside the criterion: the caption names it, the URL carries it,
    the slider still patches, and the change links take it along."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/")
    page.wait_for_function(MAP_DRAWN, timeout=30_000)
    page.locator(f"#{ids.INDICATOR}").click()
    radio = page.get_by_role("radio", name="Experienced violence in the past 12 months (%)")
    page.locator("label.dash-dropdown-option").filter(has=radio).click()
    page.wait_for_function(
        f"() => document.getElementById('{ids.MAP_CAPTION}').textContent"
        ".startsWith('Experienced violence in the past 12 months')",
        timeout=30_000,
    )
    page.wait_for_url(lambda url: "indicator=violence_12m" in url)
    template = page.evaluate(
        f"() => document.querySelector('#{ids.MAP} .js-plotly-plot').data[1].hovertemplate"
    )
    assert "Host community" in template
    link = page.get_by_role("link", name="Change since the first round")
    link.wait_for()
    page.wait_for_function(
        f"() => document.getElementById('{ids.show_link('since_first')}').href"
        ".includes('indicator=violence_12m')"
    )
    link.click()
    page.wait_for_function(
        f"() => document.getElementById('{ids.MAP_CAPTION}').textContent"
        ".startsWith('Change in Experienced violence')",
        timeout=30_000,
    )
    assert "show=since_first" in page.url and "indicator=violence_12m" in page.url
    assert errors == []


def test_plotly_is_fetched_and_run_once_before_the_graph_asks(page, live_server):
    """assets/plotly_early.js runs the preloaded plotly.js while the layout is on its
    way; dcc.Graph then uses it, rather than loading it a second time, and the map,
    then another page's graphs, are drawn."""
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "plotly.min.js" in r.url else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(
        "window.__plotlyRuns = 0;"
        "let shown; Object.defineProperty(window, 'Plotly', {configurable: true,"
        " get() { return shown; },"
        " set(value) { if (value && value.newPlot) { window.__plotlyRuns += 1; }"
        " shown = value; }});"
    )
    page.goto(live_server + "/")
    page.wait_for_function(MAP_DRAWN, timeout=30_000)
    page.wait_for_function(
        f"() => document.querySelector('#{ids.MAP} .js-plotly-plot')._fullData.length > 0"
    )
    assert page.evaluate("() => window.__plotlyRuns") == 1
    assert len(requests) == 1, requests
    # run by the early script (in the head), not by dcc.Graph's own (in the body)
    scripts = (
        "(where) => document.querySelectorAll(where + ' script[src*=\"plotly.min.js\"]').length"
    )
    assert page.evaluate(scripts, "head") == 1
    assert page.evaluate(scripts, "body") == 0
    # Chromium says so when a preloaded file is not used within a few seconds.
    page.wait_for_timeout(3500)
    assert not [text for text in console if "preload" in text], console
    page.get_by_role("link", name="Priorities").click()
    page.wait_for_url(lambda url: "/priorities" in url)
    page.goto(live_server + "/method")
    page.wait_for_load_state("networkidle")
    assert errors == []


def test_no_map_callback_runs_while_the_first_map_loads(page, live_server):
    """The first layout already is the URL's view: no callback is asked for at load (the
    map page's URL to controls and change links, the header's export button: each was a
    round trip before the page settled); a control still writes the URL."""
    import json

    asked: list[str] = []

    def note(request):
        if "_dash-update-component" in request.url and request.post_data:
            asked.append(json.loads(request.post_data)["output"])

    page.on("request", note)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/?show=since_previous&utm=x")
    page.wait_for_function(MAP_DRAWN, timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert asked == []
    score_link = page.evaluate(f"() => document.getElementById('{ids.show_link('score')}').href")
    assert "utm=x" in score_link and "show=" not in score_link
    page.locator(f"#{ids.ROUND} [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda url: "round=" in url and "utm=x" in url, timeout=30_000)
