"""What a server start imports (DESIGN 7: server start within 2x of a bare Dash app).

``solutions serve`` builds the app and renders its main pages before gunicorn forks
(``dashboard.serving.gunicorn``). Packages that only an export, an import or a survey
needs are imported when that is first asked for, not at start: each costs a start tens
to hundreds of milliseconds (WeasyPrint alone ~0.4 s). Not timed: the machine is shared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from workspace.derived import DERIVED

ROOT = Path(__file__).resolve().parents[2]

#: Needed by the PDF (weasyprint, kaleido), spreadsheets and survey files (openpyxl,
#: pyreadstat), the out-of-core cube (zarr), a cluster (distributed) and boundary files
#: (geopandas, shapely, pyogrio: the area table is kept with the derived data): none by
#: a start that reads what an earlier start kept.
NOT_AT_START = (
    *("weasyprint", "kaleido", "openpyxl", "pyreadstat", "zarr", "distributed"),
    *("geopandas", "shapely", "pyogrio"),
)

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


def _start(workspace: Path) -> set[str]:
    """The top-level packages imported by a start on ``workspace``."""
    done = subprocess.run(
        [sys.executable, "-c", START, str(workspace)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "app built and warmed" in done.stderr  # the build and warm-up did run
    found = json.loads(done.stdout.rsplit("MODULES", 1)[1])
    assert found["status"] == 0
    return {name.split(".")[0] for name in found["modules"]}


def test_a_server_start_imports_no_export_or_import_library(served_workspace, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(served_workspace.path, workspace, ignore=shutil.ignore_patterns(DERIVED))
    first = _start(workspace)  # derived data computed, and kept with the workspace
    assert "geopandas" in first or "pyogrio" in first  # the area table read from the file
    loaded = _start(workspace)
    assert "dashboard" in loaded and "xarray" in loaded  # what it did import is seen
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))
