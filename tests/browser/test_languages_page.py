"""Arabic and Spanish in headless Chromium, on the real Iraq COD-AB (with the demo's
invented observations): the Arabic map is right to left, in an Arabic face, with the
ADM2_AR district names; the switch offers four languages and Spanish follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import ids
from tests.browser.test_locality_page import FIGURES_READY
from tests.browser.test_map import MAP_READY, PAGE_SHOWN, PageLog, _screenshot
from tests.helpers import served_app

pytestmark = pytest.mark.browser

IRAQ = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "iraq"
IRAQ_LAYERS = (
    IRAQ / "irq_admbnda_adm1_cso_20190603.geojson",
    IRAQ / "irq_admbnda_adm2_cso_20190603.geojson",
)
FALLUJA = "IQG01Q01"


@pytest.fixture(scope="module")
def iraq_server(tmp_path_factory):
    if not IRAQ_LAYERS[1].exists():
        pytest.skip(f"no COD-AB at {IRAQ}")
    from dashboard.app import create_app
    from workspace.demo import demo_observations
    from workspace.store import Workspace

    folder = tmp_path_factory.mktemp("iraq-browser")
    workspace = Workspace(folder / "workspace")
    workspace.import_areas(IRAQ_LAYERS)
    csv = folder / "observations.csv"
    demo_observations(workspace.areas(), workspace.framework).to_csv(csv, index=False)
    workspace.import_observations([csv])
    with served_app(create_app(workspace)) as base:
        yield base


def _open(page, url: str) -> PageLog:
    log = PageLog(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_function(MAP_READY, timeout=60_000)
    page.wait_for_load_state("networkidle")
    return log


def test_arabic_map_is_right_to_left_with_arabic_names(page, iraq_server):
    log = _open(page, iraq_server + "/?lang=ar")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.startswith('"Noto Sans Arabic"'), font
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'الخريطة')")
    assert page.inner_text(f"#{ids.NAV_MAP}") == "الخريطة"
    assert "الحلول الدائمة" in page.title()
    # Mirrored: the page's navigation starts at the right.
    nav = page.locator(f"#{ids.NAV_MAP}").bounding_box()
    assert nav["x"] > 640, nav
    # The districts carry their ADM2_AR names (hover text of the score trace).
    names = page.evaluate(
        "() => JSON.stringify(document.querySelector('#map .js-plotly-plot').data)"
    )
    assert "الفلوجة" in names and "Al-Falluja" not in names
    # The switch offers all four languages, each in its own name.
    offered = {
        code: page.inner_text(f"#{ids.lang_link(code)}") for code in ("en", "ar", "es", "fr")
    }
    assert offered == {"en": "English", "ar": "العربية", "es": "Español", "fr": "Français"}
    _screenshot(page, "map-ar-iraq")
    assert log.errors == []
    assert log.external(iraq_server) == []

    # Spanish: left to right again, the view kept, the default names back.
    page.click(f"#{ids.lang_link('es')}")
    page.wait_for_function("() => document.documentElement.lang === 'es'")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.wait_for_function(f"() => document.getElementById('{ids.NAV_MAP}').textContent === 'Mapa'")
    assert log.errors == []


def test_arabic_locality_page_names_the_district_in_arabic(page, iraq_server):
    log = PageLog(page)
    page.goto(f"{iraq_server}/locality/{FALLUJA}?lang=ar")
    page.wait_for_function(PAGE_SHOWN, timeout=60_000)
    page.wait_for_selector(f"#{ids.LOCALITY_NAME}")
    page.wait_for_function(FIGURES_READY, timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert page.inner_text(f"#{ids.LOCALITY_NAME}") == "الفلوجة"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # Plotly's SVG keeps its own left-to-right layout; the Arabic in it stays Arabic.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.js-plotly-plot')).direction")
        == "ltr"
    )
    assert "الحصول على الوثائق" in page.inner_text(f"#{ids.LOCALITY_PAGE}")
    _screenshot(page, "locality-ar-iraq")
    assert log.errors == []
    assert log.external(iraq_server) == []


def test_arabic_priorities_table_is_right_to_left(page, iraq_server):
    log = PageLog(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{iraq_server}/priorities?lang=ar")
    page.wait_for_selector(
        f"#{ids.PRIORITIES_GRID} .ag-center-cols-container .ag-row", timeout=60_000
    )
    page.wait_for_load_state("networkidle")
    grid = page.locator(f"#{ids.PRIORITIES_GRID} .ag-root-wrapper")
    assert "ag-rtl" in grid.get_attribute("class")
    table = page.inner_text(f"#{ids.PRIORITIES_GRID}")
    assert "المنطقة المحلية" in table and "أضعف معيار" in table  # Locality, Weakest criterion
    first = page.inner_text(f"#{ids.PRIORITIES_GRID} [row-index='0'] [col-id='name']")
    assert re.search(r"[\u0600-\u06ff]", first), first  # an ADM2_AR name
    assert not re.search(r"\bAl-[A-Z]", table)  # no English district names
    # The table starts on the right: the locality column is pinned there.
    header = page.locator(f"#{ids.PRIORITIES_GRID} .ag-header-cell[col-id='name']").bounding_box()
    assert header["x"] > 640, header
    _screenshot(page, "priorities-ar-iraq")
    assert log.errors == []
