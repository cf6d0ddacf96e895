"""``solutions serve DIR --workers 2`` (DESIGN 5.1, 9): gunicorn with the app built
before the workers fork, one job store for both. Two readers signed in through the login
page start an Export PDF of the same view at the same moment and both receive their PDF,
whichever worker starts a job and whichever answers its polls."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard import ids
from tests.serving.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXPORT_TIMEOUT = 300_000  # ms: two packs at once on a busy two-core machine
START_TIMEOUT = 180  # s


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def two_workers(served_workspace, accounts, tmp_path_factory):
    """Base URL of ``solutions serve --workers 2`` and its access log; stopped after."""
    folder = tmp_path_factory.mktemp("two-workers")
    port = _free_port()
    access_log = folder / "access.log"
    command = [
        sys.executable, "-m", "dashboard.cli", "serve", str(served_workspace.path),
        "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
        "--state-dir", str(folder / "state"), "--access-log", str(access_log),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    output = (folder / "server.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (folder / "server.log").read_text()
            try:
                with urllib.request.urlopen(base + "/login", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.5)
        yield base, access_log, folder / "server.log"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        output.close()


def _sign_in(page, base: str, path: str) -> None:
    page.goto(base + path)
    page.fill("#login-name", "ana")
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + path, timeout=60_000)
    button = page.locator(f"#{ids.EXPORT_PDF}")
    button.wait_for(state="visible", timeout=60_000)
    assert button.is_enabled()


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils not installed")
def test_two_exports_at_once_on_two_workers(browser, two_workers, tmp_path):
    base, access_log, server_log = two_workers
    path = "/?round=2025-06-01"
    contexts = [browser.new_context(accept_downloads=True) for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        _sign_in(first, base, path)
        _sign_in(second, base, path)
        with (
            first.expect_download(timeout=EXPORT_TIMEOUT) as one,
            second.expect_download(timeout=EXPORT_TIMEOUT) as two,
        ):
            first.click(f"#{ids.EXPORT_PDF}")
            second.click(f"#{ids.EXPORT_PDF}")
        files = []
        for number, download in enumerate((one.value, two.value)):
            target = tmp_path / f"pack-{number}.pdf"
            download.save_as(str(target))
            files.append(target)
    finally:
        for context in contexts:
            context.close()
    for pdf in files:
        assert pdf.read_bytes().startswith(b"%PDF")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1)) >= 8
    # Both workers took part, and no request had an error. Which worker answers which
    # callback is the kernel's choice: a browser keeps its connections open (keep-alive),
    # and since no callback runs while the first map loads, a reader's few callbacks and
    # the job's polls can all ride one connection, so they are not asserted per worker.
    lines = access_log.read_text().splitlines()
    pids = {line.split()[0] for line in lines}
    assert len(pids) == 2, pids
    assert [line for line in lines if "_dash-update-component" in line]
    assert not [line for line in lines if re.search(r'" 5\d\d ', line)]
    log = server_log.read_text()
    assert "Traceback" not in log
    # Built once, in the master (the pid gunicorn listens with), before any worker booted.
    master = re.search(r"Listening at: \S+ \((\d+)\)", log).group(1)
    built = log.index(f"app built and warmed in process {master}, before the workers fork")
    assert built < log.index("Booting worker")
