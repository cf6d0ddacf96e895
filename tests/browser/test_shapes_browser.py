"""Every page in headless Chromium on the first-day workspace shapes (DESIGN 5):
boundaries only, boundaries + DTM counts, and the real Iraq first day. No page shows an
error, the console stays clean, the counts map draws and its switches patch values."""

from __future__ import annotations

import pytest

from dashboard import ids
from tests.helpers import served_app
from tests.shapes import IRAQ_DTM, build_shape

pytestmark = pytest.mark.browser

PAGE_SHOWN = """() => {
    const page = document.getElementById('page');
    return Boolean(page && page.children.length > 0);
}"""
COUNTS_READY = f"""() => {{
    const graph = document.querySelector('#{ids.COUNTS_MAP} .js-plotly-plot');
    return Boolean(graph && graph._fullData && graph._fullData.length === 3
        && document.querySelector('#{ids.COUNTS_MAP} .maplibregl-canvas'));
}}"""


@pytest.fixture(scope="module", params=["boundaries", "counts", "iraq"])
def shape_server(request, tmp_path_factory):
    if request.param == "iraq" and not IRAQ_DTM.exists():
        pytest.skip(f"no real data at {IRAQ_DTM.parent}")
    from dashboard.app import create_app

    workspace = build_shape(request.param, tmp_path_factory.mktemp(request.param) / "ws")
    pcode = str(workspace.areas().sort_values("level")["pcode"].iloc[-1])
    with served_app(create_app(workspace)) as base:
        yield request.param, base, pcode


def test_every_page_loads_without_error(page, shape_server):
    _name, base, pcode = shape_server
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.set_viewport_size({"width": 1440, "height": 900})
    for path in ("/", "/priorities", "/method", f"/locality/{pcode}", "/?lang=fr"):
        page.goto(base + path)
        page.wait_for_function(PAGE_SHOWN, timeout=30_000)
        page.wait_for_load_state("networkidle")
        text = page.locator(f"#{ids.PAGE}").inner_text()
        assert "could not be shown" not in text and "Something went wrong" not in text, path
        if path != "/method":
            assert page.locator(f"#{ids.NEXT_STEP}").count() == 1, (path, text[:300])
    assert errors == []


def test_counts_map_draws_and_switches(page, shape_server):
    name, base, _pcode = shape_server
    if name == "boundaries":
        pytest.skip("no counts to map")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base + "/")
    page.wait_for_function(COUNTS_READY, timeout=30_000)
    box = page.locator(f"#{ids.COUNTS_MAP}").bounding_box()
    assert box["y"] < 900  # the map's top is above the fold
    head = page.locator(f"#{ids.COUNTS_HEADLINE}").text_content()
    assert "IDPs present" in head

    def map_update(response) -> bool:
        # The map's Patch, not the answer of the callback that writes the URL.
        return "/_dash-update-component" in response.url and f"{ids.COUNTS_MAP}.figure" in (
            response.request.post_data or ""
        )

    with page.expect_response(map_update) as answer:
        page.get_by_label("Proportional symbols").check()
    body = answer.value.json()
    patched = body["response"][ids.COUNTS_MAP]["figure"]
    assert patched["__dash_patch_update"] and "geojson" not in str(patched)
    page.wait_for_function(
        f"() => document.querySelector('#{ids.COUNTS_MAP} .js-plotly-plot').data[2].visible"
    )
    page.get_by_label("Change since the previous round").check()
    page.wait_for_function(
        f"() => document.getElementById('{ids.COUNTS_CAPTION}').textContent"
        ".includes('Change since the previous round')"
    )
    # The controls write the URL, so a link (or a reload) reproduces the counts view ...
    page.wait_for_url(lambda url: "style=symbols" in url and "show=since_previous" in url)
    page.goto(page.url)
    page.wait_for_function(COUNTS_READY, timeout=30_000)
    assert page.get_by_label("Proportional symbols").is_checked()
    assert page.get_by_role("radio", name="Change since the previous round").is_checked()
    # ... and back goes to the view before (persons present).
    page.go_back()
    page.wait_for_url(lambda url: "show=" not in url and "style=symbols" in url)
    page.wait_for_function(
        f"() => !document.getElementById('{ids.COUNTS_CAPTION}').textContent"
        ".includes('Change since')"
    )
    assert page.get_by_role("radio", name="Persons present").is_checked()


def test_export_on_each_first_day_shape(page, shape_server, tmp_path):
    """The "Export PDF" button: the first-day pack on counts, and on boundaries only a
    status line saying what to import (no error either way)."""
    name, base, _pcode = shape_server
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/")
    page.wait_for_function(PAGE_SHOWN, timeout=30_000)
    button = page.locator(f"#{ids.EXPORT_PDF}")
    button.wait_for(state="visible", timeout=30_000)
    status = f"() => document.getElementById('{ids.EXPORT_STATUS}').textContent.length > 0"
    if name == "boundaries":
        button.click()
        page.wait_for_function(status, timeout=120_000)
        assert "boundaries only" in page.locator(f"#{ids.EXPORT_STATUS}").text_content()
    else:
        with page.expect_download(timeout=180_000) as download_info:
            button.click()
        path = tmp_path / "pack.pdf"
        download_info.value.save_as(str(path))
        assert path.read_bytes().startswith(b"%PDF")
    assert errors == []
