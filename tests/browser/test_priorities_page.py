"""The priorities page in headless Chromium: the grid renders in rank order, a header
click sorts it, the quick filter filters, the CSV download carries its HXL row and
metadata, a name opens the locality page, and nothing is asked of any other host."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids
from dashboard.briefing.areas import priority_table
from dashboard.briefing.view import ViewState

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
# blob: URLs are web workers, data: URLs inline images: both stay in the page.
IN_PAGE_SCHEMES = ("blob:", "data:")
QUERY = "?round=2025-12-01&level=2&group=idp&benchmark=parity"
FIRST_ROW = f"#{ids.PRIORITIES_GRID} .ag-center-cols-container [row-index='0']"


class PageLog:
    """Every URL the page requested, and its console errors."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def outside(self, base: str) -> list[str]:
        return [u for u in self.requests if not u.startswith((base, *IN_PAGE_SCHEMES))]


@pytest.fixture(scope="module")
def table(demo_workspace):
    """The priorities table of the view in ``QUERY``, as the page computes it for an
    anonymous reader of the (public) local app: small samples withheld."""
    from dashboard.briefing.areas import blank_withheld
    from dashboard.context import AppContext

    state = ViewState(
        round="2025-12-01", criterion="overall", group="idp", benchmark="parity", level=2
    )
    ordered = blank_withheld(priority_table(AppContext.load(demo_workspace), state))
    table = ordered.sort_values(
        ["median_rank", "score", "name"], na_position="last", kind="stable"
    ).reset_index(drop=True)
    # the CSV keeps the priority order, withheld values empty in their place
    table.attrs["csv_first"] = ordered["pcode"].iloc[0]
    return table


def _open(page, url: str) -> PageLog:
    """Open ``url``; skip if the app does not route ``/priorities`` to this page yet."""
    log = PageLog(page)
    page.set_viewport_size({"width": 1440, "height": 1100})
    page.goto(url)
    page.wait_for_selector(f"#{ids.PRIORITIES_GRID}, #{ids.MAP}, .message-page", timeout=30_000)
    if not page.locator(f"#{ids.PRIORITIES_GRID}").count():
        pytest.skip("dashboard.router does not route /priorities to dashboard.pages.priorities")
    page.wait_for_selector(FIRST_ROW, timeout=30_000)
    return log


def _first_row_id(page) -> str:
    return page.locator(FIRST_ROW).get_attribute("row-id")


def _header(page, field: str):
    return page.locator(f"#{ids.PRIORITIES_GRID} .ag-header-cell[col-id='{field}']")


def test_priorities_sort_filter_download(page, live_server, table, tmp_path):
    log = _open(page, f"{live_server}/priorities{QUERY}")
    page.wait_for_load_state("networkidle")

    # Rank order: rank 1, the lowest score, first; the grid shows every area with data.
    assert _first_row_id(page) == table["pcode"].iloc[0]
    assert _header(page, "median_rank").get_attribute("aria-sort") == "ascending"
    summary = page.inner_text(f"#{ids.PRIORITIES_SUMMARY}")
    assert "Dec 2025" in summary and "150 localities with data" in summary
    rank_cell = page.locator(f"{FIRST_ROW} [col-id='median_rank']")
    # the first rank shown: rank 1 may rest on small samples, withheld for this reader
    assert rank_cell.inner_text().strip() == f"{table['median_rank'].iloc[0]:g}"
    name_cell = page.locator(
        f"#{ids.PRIORITIES_GRID} .ag-pinned-left-cols-container [row-index='0'] a.area-link"
    )
    assert name_cell.inner_text() == table["name"].iloc[0]

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "priorities.png"), full_page=True)

    # A click on the score header sorts by score (ascending), a second click descending.
    score = _header(page, "score").locator(".ag-header-cell-label")
    score.click()
    page.wait_for_function(
        f"() => document.querySelector(\"#{ids.PRIORITIES_GRID} .ag-header-cell[col-id='score']\")"
        ".getAttribute('aria-sort') === 'ascending'"
    )
    assert _first_row_id(page) == table.sort_values("score")["pcode"].iloc[0]
    score.click()
    expected = table.sort_values("score", ascending=False)["pcode"].iloc[0]
    page.wait_for_function(
        f"() => document.querySelector(\"{FIRST_ROW}\").getAttribute('row-id') === '{expected}'"
    )
    assert _header(page, "score").get_attribute("aria-sort") == "descending"
    assert _header(page, "median_rank").get_attribute("aria-sort") in (None, "none")

    # The IDPs column: the fewest IDPs first after one click.
    _header(page, "idps").locator(".ag-header-cell-label").click()
    fewest = table.sort_values("idps_present", kind="stable")["pcode"].iloc[0]
    page.wait_for_function(
        f"() => document.querySelector(\"{FIRST_ROW}\").getAttribute('row-id') === '{fewest}'"
    )

    # The quick filter: one locality by name, in the browser.
    name = table["name"].iloc[5]
    page.fill(f"#{ids.PRIORITIES_QUICK_FILTER}", name)
    page.wait_for_function(
        f"() => document.querySelectorAll('#{ids.PRIORITIES_GRID} "
        ".ag-center-cols-container .ag-row').length === 1"
    )
    assert _first_row_id(page) == table["pcode"].iloc[5]
    page.fill(f"#{ids.PRIORITIES_QUICK_FILTER}", "")

    # The downloads: the CSV of this view with its HXL row, and its metadata sidecar,
    # zipped; and the Excel workbook (sheets Data and Metadata).
    with page.expect_download() as download:
        page.click(f"#{ids.PRIORITIES_CSV_BUTTON}")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "priorities-adm2-2025-12-01-idp-parity.zip"
    with zipfile.ZipFile(saved) as archive:
        raw = archive.read("priorities-adm2-2025-12-01-idp-parity.csv")
        metadata = json.loads(archive.read("priorities-adm2-2025-12-01-idp-parity-metadata.json"))
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, tags = rows[0], rows[1]
    assert header[:2] == ["pcode", "name"]
    assert all(tag.startswith("#") for tag in tags) and tags[0] == "#adm2+code"
    data = rows[2:]
    assert len(data) == len(table) and data[0][0] == table.attrs["csv_first"]
    for key in ("framework_version", "date_made", "sources", "rounds", "suppression_rule"):
        assert metadata.get(key), key
    assert metadata["framework_version"] == "2026.1"
    assert [c["name"] for c in metadata["columns"]] == header
    with page.expect_download() as download:
        page.click(f"#{ids.PRIORITIES_DOWNLOAD_BUTTON}")
    assert download.value.suggested_filename == "priorities-adm2-2025-12-01-idp-parity.xlsx"

    assert log.outside(live_server) == []
    assert log.errors == []


def test_a_name_opens_its_locality_keeping_the_view(page, live_server, table):
    log = _open(page, f"{live_server}/priorities{QUERY}&lang=en")
    pcode = table["pcode"].iloc[0]
    page.click(f"#{ids.PRIORITIES_GRID} .ag-pinned-left-cols-container [row-index='0'] a.area-link")
    page.wait_for_url(f"**/locality/{pcode}?*", timeout=15_000)
    query = parse_qs(urlsplit(page.url).query)
    assert query["round"] == ["2025-12-01"] and query["level"] == ["2"]
    assert log.outside(live_server) == []
