"""The map page in headless Chromium: it renders, the slider patches values only, the URL
follows the view, and the page asks nothing of any other host."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
# blob: URLs are maplibre's web workers, data: URLs inline images: both stay in the page.
IN_PAGE_SCHEMES = ("blob:", "data:")

MAP_READY = """() => {
    const graph = document.querySelector('#map .js-plotly-plot');
    return Boolean(graph && graph._fullData && graph._fullData.length === 2
        && document.querySelector('#map .maplibregl-canvas'));
}"""
SCORE_Z = "() => document.querySelector('#map .js-plotly-plot').data[1].z"


class PageLog:
    """Every URL the page requested, and its console errors."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def _is_map_update(response) -> bool:
    if "/_dash-update-component" not in response.url:
        return False
    return json.loads(response.request.post_data)["output"].startswith(f"..{ids.MAP}.figure")


def _open(page, url: str) -> PageLog:
    log = PageLog(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_function(MAP_READY, timeout=30_000)
    page.wait_for_load_state("networkidle")
    return log


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_map_renders_and_the_slider_patches_values_only(page, live_server):
    log = _open(page, live_server + "/")
    assert "fictional demo data" in page.inner_text(f"#{ids.HEADER}").lower()
    z_before = page.evaluate(SCORE_Z)
    assert len(z_before) == 150 and sum(v is not None for v in z_before) > 100

    handle = page.locator(f"#{ids.ROUND} [role=slider]")
    assert handle.get_attribute("aria-valuenow") == "11"
    # assets/a11y.js names the handle by its label and reads the value as a date.
    page.wait_for_function(
        "() => document.querySelector('#round [role=slider]').getAttribute('aria-valuetext')"
        " === 'Dec 2025'"
    )
    label = handle.get_attribute("aria-labelledby").split()[0]
    assert page.inner_text(f"#{label}") == "Survey round"
    handle.focus()
    with page.expect_response(_is_map_update) as update:
        page.keyboard.press("ArrowLeft")
    request = json.loads(update.value.request.post_data)
    body = update.value.body()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('round') === '2025-09-01'"
    )
    page.wait_for_function(
        f"() => JSON.stringify(({SCORE_Z})()) !== {json.dumps(json.dumps(z_before))}"
    )
    page.wait_for_load_state("networkidle")

    assert _query(page)["round"] == ["2025-09-01"]
    assert "Sep 2025" in page.inner_text(f"#{ids.MAP_CAPTION}")
    assert request["changedPropIds"] == [f"{ids.ROUND}.value"]
    assert b"coordinates" not in body and b"geojson" not in body
    operations = json.loads(body)["response"][ids.MAP]["figure"]["operations"]
    assert [op["location"][-1] for op in operations] == ["z", "customdata"]
    assert len(body) < 6_000
    # The geometry was fetched once, from this app.
    geometry = [url for url in log.requests if "/geo/level/" in url]
    assert len(geometry) == 1 and geometry[0].startswith(live_server + "/geo/level/2.json")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)

    external = [
        url
        for url in log.requests
        if not url.startswith(live_server + "/") and not url.startswith(IN_PAGE_SCHEMES)
    ]
    assert external == []
    assert log.errors == []


def test_url_sets_the_controls_and_back_restores_them(page, live_server):
    log = _open(page, live_server + "/?round=2024-03-01&criterion=safety&group=returnee")
    assert page.locator(f"#{ids.ROUND} [role=slider]").get_attribute("aria-valuenow") == "4"
    assert "Long-term safety" in page.inner_text(f"#{ids.CRITERION}")
    assert page.locator(f"#{ids.GROUP} input[value=returnee]").is_checked()
    caption = page.inner_text(f"#{ids.MAP_CAPTION}")
    assert "Returnees" in caption and "Mar 2024" in caption

    page.locator(f"#{ids.BENCHMARK} input[value=absolute]").check()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('benchmark') === 'absolute'"
    )
    query = _query(page)
    assert query["round"] == ["2024-03-01"] and query["criterion"] == ["safety"]
    assert query["group"] == ["returnee"]

    page.go_back()
    page.wait_for_function("() => document.querySelector('#benchmark input[value=parity]').checked")
    page.wait_for_function(
        "() => document.getElementById('map-caption').textContent"
        ".includes('compared with the host community')"
    )
    assert _query(page)["criterion"] == ["safety"]
    assert log.errors == []


def _inside_points(workspace) -> dict[str, tuple[float, float]]:
    """A point inside each level-2 area (lon, lat), from the display geometry."""
    import shapely.geometry

    collection = json.loads(workspace.display_geojson_bytes(2))
    return {
        feature["properties"]["pcode"]: shapely.geometry.shape(feature["geometry"])
        .representative_point()
        .coords[0]
        for feature in collection["features"]
    }


def _hover(page, lon: float, lat: float, pcode: str) -> str:
    """Move the mouse over (lon, lat) and return the text of the hover card naming pcode."""
    x, y = page.evaluate(
        """([lon, lat]) => {
        const gd = document.querySelector('#map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const box = map.getCanvas().getBoundingClientRect();
        const p = map.project([lon, lat]);
        return [box.left + p.x, box.top + p.y];
    }""",
        [lon, lat],
    )
    page.mouse.move(x, y)
    # Wait for this area's card: the previous one can linger for a moment.
    card = page.locator("#map .hovertext", has_text=pcode)
    card.wait_for(timeout=5_000)
    return card.first.text_content()


def test_hover_card_shows_score_class_and_reliability_or_no_score(
    page, live_server, demo_workspace
):
    # Returnees: some districts have none, so the map has grey areas.
    _open(page, live_server + "/?group=returnee")
    page.wait_for_function(
        "() => document.querySelector('#map .js-plotly-plot').data[1].z.includes(null)"
    )
    trace = page.evaluate(
        "() => { const t = document.querySelector('#map .js-plotly-plot').data[1];"
        " return {z: t.z, locations: t.locations, text: t.text}; }"
    )
    inside = _inside_points(demo_workspace)
    scored = next(i for i, v in enumerate(trace["z"]) if v is not None)
    missing = next(i for i, v in enumerate(trace["z"]) if v is None)

    card = _hover(page, *inside[trace["locations"][scored]], trace["locations"][scored])
    assert trace["text"][scored] in card and trace["locations"][scored] in card
    assert f"{trace['z'][scored]:.1f}" in card
    assert "Class" in card and "Reliability" in card

    page.mouse.move(1, 1)
    card = _hover(page, *inside[trace["locations"][missing]], trace["locations"][missing])
    assert trace["text"][missing] in card and "no score" in card
