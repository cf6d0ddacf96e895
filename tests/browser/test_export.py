"""The "Export PDF" button in headless Chromium: a click on the map page (and on a
locality page, in French) downloads the briefing pack of the view, made by a background
callback with progress, and the page asks nothing of any other host meanwhile."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard import ids
from dashboard.i18n import long_date

pytestmark = pytest.mark.browser

# blob: URLs are maplibre's web workers, data: URLs inline images: both stay in the page.
IN_PAGE_SCHEMES = ("blob:", "data:")
EXPORT_TIMEOUT = 120_000  # ms: a cold Chromium in the job process, then the pack


class Requests:
    def __init__(self, page):
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def external(self, base: str) -> list[str]:
        return [
            url
            for url in self.urls
            if not url.startswith(base + "/") and not url.startswith(IN_PAGE_SCHEMES)
        ]


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def _export(page, tmp_path: Path, name: str) -> Path:
    button = page.locator(f"#{ids.EXPORT_PDF}")
    button.wait_for(state="visible", timeout=30_000)
    assert button.is_enabled()
    with page.expect_download(timeout=EXPORT_TIMEOUT) as download_info:
        button.click()
        # Progress is shown while the pack is made, and the button waits.
        page.wait_for_function(
            f"() => document.getElementById('{ids.EXPORT_PROGRESS}').textContent.includes('%')",
            timeout=EXPORT_TIMEOUT,
        )
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / name
    download.save_as(str(path))
    page.wait_for_function(
        f"() => document.getElementById('{ids.EXPORT_STATUS}').textContent.length > 0",
        timeout=30_000,
    )
    return path


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils not installed")
def test_export_pdf_of_the_map(page, live_server, tmp_path):
    log = Requests(page)
    page.goto(live_server + "/?round=2025-06-01")
    pdf = _export(page, tmp_path, "map.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _pages(pdf) >= 8
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert long_date("2025-06-01", "en") in text  # the view's round, not the latest
    assert page.locator(f"#{ids.EXPORT_STATUS}").inner_text().startswith("PDF ready")
    assert log.external(live_server) == []
    assert log.errors == []


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_export_pdf_of_a_locality_in_french(page, live_server, demo_workspace, tmp_path):
    pcode = "XM01001"
    name = demo_workspace.areas().set_index("pcode").loc[pcode, "name"]
    log = Requests(page)
    page.goto(f"{live_server}/locality/{pcode}?lang=fr")
    pdf = _export(page, tmp_path, "locality.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert name in text and pcode in text
    assert long_date("2025-12-01", "fr") in text  # "1 décembre 2025"
    assert log.external(live_server) == []
