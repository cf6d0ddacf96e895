"""What a server start imports (DESIGN 7: server start within 2x of a bare Dash app).

``solutions serve`` builds the app and renders its main pages before gunicorn forks
(``dashboard.serving.gunicorn``). Packages that only an export, an import or a survey
needs are imported when that is first asked for, not at start: each costs a start tens
to hundreds of milliseconds (WeasyPrint alone ~0.4 s). Not timed: the machine is shared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Needed by the PDF (weasyprint, kaleido), spreadsheets and survey files (openpyxl,
#: pyreadstat), the out-of-core cube (zarr) and a cluster (distributed): none by a start.
NOT_AT_START = ("weasyprint", "kaleido", "openpyxl", "pyreadstat", "zarr", "distributed")

# The command's own path (dashboard.cli -> run_serve_command), up to the point where
# gunicorn would bind: DashboardServer.load() builds the app and warms its pages.
START = """
import json, sys
from dashboard.serving import gunicorn
gunicorn.DashboardServer.run = lambda self: self.load()
from dashboard.cli import main
status = main(["serve", sys.argv[1], "--public", "--port", "1"])
print("MODULES" + json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def test_a_server_start_imports_no_export_or_import_library(served_workspace):
    done = subprocess.run(
        [sys.executable, "-c", START, str(served_workspace.path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "app built and warmed" in done.stderr  # the build and warm-up did run
    found = json.loads(done.stdout.rsplit("MODULES", 1)[1])
    assert found["status"] == 0
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert "dashboard" in loaded and "xarray" in loaded  # what it did import is seen
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))
