"""The dashboard really runs under its Content-Security-Policy (DESIGN 5.1): headless
Chromium signs in through the login page of a private server, then opens the map, a
locality, the priorities and the method page, moves the time slider, and no
``securitypolicyviolation`` event or CSP console message is seen anywhere."""

from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.serving import ServingSettings
from tests.serving.conftest import PASSWORD, served

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""
PLOT_READY = """(selector) => {
    const graph = document.querySelector(selector + ' .js-plotly-plot');
    return Boolean(graph && graph._fullData && graph._fullData.length > 0);
}"""
MAP_DRAWN = "() => Boolean(document.querySelector('#map .maplibregl-canvas'))"
PAGES = [
    ("/", f"#{ids.MAP} .js-plotly-plot"),
    ("/locality/XM01001", f"#{ids.PAGE} .js-plotly-plot"),
    ("/priorities", f"#{ids.PAGE} .ag-row"),
    ("/method", f"#{ids.PAGE} table, #{ids.PAGE} .ag-row"),
    ("/method?lang=fr", f"#{ids.PAGE} table, #{ids.PAGE} .ag-row"),
]


@pytest.fixture(scope="module")
def private_server(served_workspace, accounts):
    with served(served_workspace, ServingSettings(public=False)) as base:
        yield base


def test_no_csp_violation_on_any_page(page, private_server):
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(private_server + "/priorities")
    assert "/login" in page.url  # a private server: the login page first
    page.fill("#login-name", "ana")
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(private_server + "/priorities", timeout=30_000)
    violations = page.evaluate("window.__cspViolations")

    for path, ready in PAGES:
        page.goto(private_server + path)
        page.wait_for_selector(ready, timeout=60_000)
        if path == "/":
            page.wait_for_function(MAP_DRAWN, timeout=60_000)
            # A slider step: the Patch of values and the redraw run under the policy too.
            handle = page.locator(f"#{ids.ROUND} [role=slider]").first
            if handle.count():
                handle.focus()
                page.keyboard.press("ArrowLeft")
        page.wait_for_load_state("networkidle")
        violations += page.evaluate("window.__cspViolations")

    csp_console = [text for text in console if "Content Security Policy" in text]
    assert violations == []
    assert csp_console == []
    assert errors == []
