"""The locality page in headless Chromium: it renders the area's name and three figures,
its links keep the view, and it asks nothing of any other host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids
from dashboard.i18n import LANGUAGES

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
# blob: URLs are web workers, data: URLs inline images: both stay in the page.
IN_PAGE_SCHEMES = ("blob:", "data:")
FIGURES_READY = f"""() => {{
    const plots = document.querySelectorAll('#{ids.LOCALITY_PAGE} .js-plotly-plot');
    return plots.length === 3 && [...plots].every(p => p._fullData && p._fullData.length);
}}"""


class PageLog:
    """Every URL the page requested, and its console errors."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture(scope="module")
def district(demo_workspace) -> tuple[str, str, str, str]:
    """(pcode, name, parent pcode, parent name) of the first district of the demo."""
    areas = demo_workspace.areas()
    names = dict(zip(areas["pcode"], areas["name"], strict=True))
    row = areas[areas["level"] == areas["level"].max()].sort_values("pcode").iloc[0]
    return row["pcode"], row["name"], row["parent_pcode"], names[row["parent_pcode"]]


def _open(page, url: str) -> PageLog:
    """Open ``url``; skip if the app does not route ``/locality/...`` to this page yet."""
    log = PageLog(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_selector(
        f"#{ids.LOCALITY_PAGE}, #{ids.LOCALITY_NOT_FOUND}, #{ids.MAP}, .message-page",
        timeout=30_000,
    )
    if not page.locator(f"#{ids.LOCALITY_PAGE}, #{ids.LOCALITY_NOT_FOUND}").count():
        pytest.skip("dashboard.router does not route /locality/<pcode> to dashboard.pages.locality")
    return log


def test_locality_page_renders_the_area_and_its_figures(page, live_server, district):
    pcode, name, parent, parent_name = district
    log = _open(page, f"{live_server}/locality/{pcode}?round=2024-03-01&group=idp")
    page.wait_for_function(FIGURES_READY, timeout=30_000)
    page.wait_for_load_state("networkidle")

    assert page.inner_text(f"#{ids.LOCALITY_NAME}") == name
    header = page.inner_text(f"#{ids.LOCALITY_PAGE} header")
    assert pcode in header and parent_name in header and "Mar 2024" in header
    assert page.locator(f"#{ids.LOCALITY_PAGE} .js-plotly-plot").count() == 3
    # Each figure has a name and a described text alternative.
    for graph in (ids.LOCALITY_BARS, ids.LOCALITY_PROFILE, ids.LOCALITY_TIMESERIES):
        wrapper = page.locator(f"figure:has(#{graph})")
        assert wrapper.get_attribute("aria-label")
        described = wrapper.get_attribute("aria-describedby")
        assert len(page.locator(f"#{described}").text_content()) > 20
    # The bars: the group and the host community, one bar per criterion each.
    bars = page.evaluate(
        f"() => document.querySelector('#{ids.LOCALITY_BARS} .js-plotly-plot').data"
        ".map(t => t.x.length)"
    )
    assert bars == [8, 8]
    assert page.locator(f"#{ids.LOCALITY_SUMMARY} li").count() >= 2
    assert "Demo household survey" in page.inner_text(f"#{ids.LOCALITY_SOURCES}")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "locality.png"), full_page=True)

    # The parent's link opens its page (rolled up from its districts), keeping the view.
    page.get_by_role("link", name=parent_name).first.click()
    page.wait_for_function(
        f"() => location.pathname.endsWith('/locality/{parent}')"
        f" && document.getElementById('{ids.LOCALITY_NAME}')"
        f" && document.getElementById('{ids.LOCALITY_NAME}').textContent === "
        f"{parent_name!r}",
        timeout=30_000,
    )
    page.wait_for_function(FIGURES_READY, timeout=30_000)
    assert parse_qs(urlsplit(page.url).query)["round"] == ["2024-03-01"]
    assert "weighted by the IDPs present" in page.inner_text(f"#{ids.LOCALITY_PAGE} header")

    page.wait_for_load_state("networkidle")
    external = [
        url
        for url in log.requests
        if not url.startswith(live_server + "/") and not url.startswith(IN_PAGE_SCHEMES)
    ]
    assert external == []
    assert log.errors == []


def test_unknown_area_says_so_and_links_back_to_the_map(page, live_server):
    log = _open(page, f"{live_server}/locality/NOWHERE?benchmark=absolute")
    assert "Area not found" in page.inner_text(f"#{ids.LOCALITY_NOT_FOUND}")
    page.locator(f"#{ids.LOCALITY_NOT_FOUND} a").click()
    page.wait_for_function("() => location.pathname === '/'")
    assert parse_qs(urlsplit(page.url).query)["benchmark"] == ["absolute"]
    assert log.errors == []


@pytest.mark.skipif("fr" not in LANGUAGES, reason="no French catalogue in dashboard/locale")
def test_locality_page_in_french(page, live_server, district, demo_workspace):
    pcode = district[0]
    _open(page, f"{live_server}/locality/{pcode}?lang=fr&round=2024-03-01")
    page.wait_for_function(FIGURES_READY, timeout=30_000)
    framework = demo_workspace.framework
    french = framework.label(framework.criterion_codes[0], "fr")
    assert french in page.inner_text(f"#{ids.LOCALITY_CHANGE}")
    assert "mars 2024" in page.inner_text(f"#{ids.LOCALITY_PAGE} header")
    ticks = page.evaluate(
        f"() => document.querySelector('#{ids.LOCALITY_TIMESERIES} .js-plotly-plot')"
        ".layout.xaxis.ticktext"
    )
    assert "mars 2023" in ticks
