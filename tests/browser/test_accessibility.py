"""Phones and screen readers, in headless Chromium on the demo workspace.

- axe-core (``axe-playwright-python``, bundled, offline) finds no critical or serious
  violation on any page in any language of ``dashboard.i18n.LANGUAGES``; every page has
  one footer landmark.
- At 390 x 844 (a phone) no page scrolls sideways, the round slider's visible labels keep
  apart, the map's legend sits under the map (never on it), and the time series keeps a
  usable plot.
- The keyboard alone moves the round slider, a radio switch, and reaches the ag-grid.
"""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids
from dashboard.i18n import LANGUAGES

pytestmark = pytest.mark.browser

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}
#: Ready when the router has shown a page, every Plotly graph is drawn, and a grid (if
#: any) has its first row.
READY = """() => {
    const page = document.getElementById('page');
    if (!page || !page.children.length) { return false; }
    const plots = [...page.querySelectorAll('.js-plotly-plot')];
    if (!plots.every(p => p._fullData && p._fullData.length)) { return false; }
    const grid = page.querySelector('.ag-root-wrapper');
    return !grid || Boolean(grid.querySelector('.ag-center-cols-container [row-index="0"]'));
}"""
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def district(demo_workspace) -> str:
    """P-code of the first district of the demo."""
    areas = demo_workspace.areas()
    return areas[areas["level"] == areas["level"].max()].sort_values("pcode").iloc[0]["pcode"]


def _paths(district: str) -> dict[str, str]:
    return {
        "map": "/",
        "locality": f"/locality/{district}",
        "priorities": "/priorities",
        "method": "/method",
    }


PAGES = ("map", "locality", "priorities", "method")


def _url(base: str, path: str, lang: str = "en", query: str = "") -> str:
    params = [p for p in (query, "" if lang == "en" else f"lang={lang}") if p]
    return base + path + ("?" + "&".join(params) if params else "")


def _open(page, url: str, viewport=DESKTOP) -> None:
    page.set_viewport_size(viewport)
    page.goto(url)
    page.wait_for_function(READY, timeout=30_000)
    page.wait_for_load_state("networkidle")


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_axe_finds_no_serious_violation(page, live_server, district, lang, name):
    _open(page, _url(live_server, _paths(district)[name], lang))
    assert page.evaluate("document.documentElement.lang") == lang
    results = axe_playwright.Axe().run(page)
    found = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert found == [], results.generate_report()
    # One footer landmark (Dash's own page template wraps its scripts in another).
    assert page.locator("footer, [role=contentinfo]").count() == 1


def _serious(page) -> list:
    results = axe_playwright.Axe().run(page)
    return [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_axe_finds_no_serious_violation_in_an_open_dropdown(page, live_server, lang):
    _open(page, _url(live_server, "/", lang))
    page.locator(f"#{ids.CRITERION}").click()
    page.locator(".dash-dropdown-content[role=dialog] input[type=radio]").first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.dash-dropdown-content').hasAttribute('aria-labelledby')"
    )
    assert _serious(page) == []
    page.keyboard.press("Escape")


@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(page, live_server, district, name):
    _open(page, _url(live_server, _paths(district)[name]), PHONE)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner


def _visible_mark_boxes(page) -> list[dict]:
    return page.evaluate(
        f"""() => [...document.querySelectorAll('#{ids.ROUND} .dash-slider-mark')]
            .filter(m => getComputedStyle(m).visibility !== 'hidden' && m.textContent)
            .map(m => {{ const r = m.getBoundingClientRect();
                        return {{text: m.textContent, left: r.left, right: r.right}}; }})"""
    )


def _overlaps(marks: list[dict], width: int) -> list:
    """Pairs of visible labels closer than 4 px, and labels outside the window."""
    close = [(a, b) for a, b in itertools.pairwise(marks) if a["right"] + 4 > b["left"]]
    return close + [m for m in marks if m["left"] < 0 or m["right"] > width]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_slider_labels_never_overlap(page, live_server, viewport, lang):
    _open(page, _url(live_server, "/", lang), viewport)
    marks = _visible_mark_boxes(page)
    # The slider may still be settling its layout on a busy machine: give it a moment.
    for _ in range(20):
        if len(marks) >= 2 and not _overlaps(marks, viewport["width"]):
            break
        page.wait_for_timeout(250)
        marks = _visible_mark_boxes(page)
    assert len(marks) >= 2
    assert _overlaps(marks, viewport["width"]) == [], marks


def test_map_legend_is_under_the_map_on_a_phone(page, live_server):
    _open(page, live_server + "/", PHONE)
    # The legend drawn on the map is hidden; the same classes are listed under it.
    annotations = page.locator(f"#{ids.MAP} .infolayer .annotation")
    assert annotations.count() >= 1
    assert all(not annotations.nth(i).is_visible() for i in range(annotations.count()))
    key = page.locator(".map-key")
    assert key.is_visible()
    assert "parity (100)" in key.inner_text() and "no score" in key.inner_text()
    map_box = page.locator(f"#{ids.MAP}").bounding_box()
    assert key.bounding_box()["y"] >= map_box["y"] + map_box["height"]
    # On a wide screen the legend on the map stays, and the list under it is not shown.
    page.set_viewport_size(DESKTOP)
    assert annotations.first.is_visible()
    assert not key.is_visible()


def test_time_series_keeps_a_usable_plot_on_a_phone(page, live_server, district):
    _open(page, live_server + f"/locality/{district}", PHONE)
    plot = page.locator(f"#{ids.LOCALITY_TIMESERIES} .nsewdrag").first.bounding_box()
    assert plot["width"] >= 250 and plot["height"] >= 300


def _tab_to(page, script: str, most: int = 60) -> None:
    """Press Tab until ``script`` (a JS expression on ``document.activeElement``) holds."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => Boolean((el => {script})(document.activeElement))"):
            return
    pytest.fail(f"Tab never reached: {script}")


def test_keyboard_moves_the_round_slider(page, live_server):
    _open(page, live_server + "/?round=2024-03-01")
    _tab_to(page, f"el.matches('#{ids.ROUND} [role=slider]')")
    handle = page.locator(f"#{ids.ROUND} [role=slider]")
    assert handle.get_attribute("aria-valuenow") == "4"
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('round') === '2024-06-01'"
    )
    page.wait_for_function(
        f"() => document.getElementById('{ids.MAP_CAPTION}').textContent.includes('Jun 2024')"
    )
    # Its value is read as the round's name, though not every round's mark is labelled.
    page.wait_for_function(
        f"() => document.querySelector('#{ids.ROUND} [role=slider]')"
        ".getAttribute('aria-valuetext') === 'Jun 2024'"
    )


def test_keyboard_changes_a_radio_switch(page, live_server):
    _open(page, live_server + "/")
    _tab_to(page, f"el.matches('#{ids.GROUP} input[type=radio]')")
    assert page.evaluate("document.activeElement.value") == "idp"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('group') === 'returnee'")
    assert page.locator(f"#{ids.GROUP} input[value=returnee]").is_checked()
    # Tab moves on to the next switch; Space keeps the focused choice chosen.
    _tab_to(page, f"el.matches('#{ids.BENCHMARK} input[type=radio]')", most=3)
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('benchmark') === 'absolute'"
    )
    page.keyboard.press("Space")
    assert page.locator(f"#{ids.BENCHMARK} input[value=absolute]").is_checked()
    assert _query(page)["group"] == ["returnee"]


def test_keyboard_reaches_the_priorities_grid(page, live_server):
    _open(page, live_server + "/priorities")
    _tab_to(page, f"Boolean(el.closest('#{ids.PRIORITIES_GRID} .ag-root-wrapper'))", most=80)
    # Arrow keys move between the grid's cells from there.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate(
        "() => { const c = document.activeElement.closest('.ag-cell, .ag-header-cell');"
        " return c ? c.className : null; }"
    )
    assert focused and "ag-cell" in focused


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_axe_on_the_indicator_map_with_its_choice_open(page, live_server, lang):
    """The indicator-level map and its grouped choice (issue 12) add no violation."""
    _open(page, _url(live_server, "/", lang, "indicator=violence_12m"))
    assert _serious(page) == []
    page.locator(f"#{ids.INDICATOR}").click()
    page.locator(".dash-dropdown-content[role=dialog] input[type=radio]").first.wait_for()
    assert _serious(page) == []
    page.keyboard.press("Escape")


def test_indicator_map_fits_a_phone(page, live_server):
    _open(page, _url(live_server, "/", "en", "indicator=violence_12m"), PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
