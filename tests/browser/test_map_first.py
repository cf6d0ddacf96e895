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
