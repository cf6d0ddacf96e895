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
    # xarray's first array would import dask.array, and with it SciPy, to ask whether it
    # is a dask array (workspace.lazy_dask): nothing at start is
    "scipy",
)

# The command's own path (dashboard.cli -> run_serve_command), up to the point where
# gunicorn would bind: DashboardServer.load() builds the app and warms its pages.
START = """
import gc, json, sys
from dashboard.serving import gunicorn
gunicorn.DashboardServer.run = lambda self: self.load()
from dashboard.cli import main
status = main(["serve", sys.argv[1], "--public", "--port", "1"])
found = {"status": status, "modules": sorted(sys.modules), "frozen": gc.get_freeze_count(),
         "collecting": gc.isenabled()}
print("MODULES" + json.dumps(found))
"""


def _start(workspace: Path) -> dict:
    """What a start on ``workspace`` left: ``modules`` (every module imported),
    ``frozen`` (objects frozen out of garbage collection), ``collecting``."""
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
    return found


def _packages(found: dict) -> set[str]:
    return {name.split(".")[0] for name in found["modules"]}


def test_a_server_start_imports_no_export_or_import_library(served_workspace, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(served_workspace.path, workspace, ignore=shutil.ignore_patterns(DERIVED))
    first = _packages(_start(workspace))  # derived data computed, kept with the workspace
    assert "geopandas" in first or "pyogrio" in first  # the area table read from the file
    assert list((workspace / DERIVED).glob("*/features_*.npz"))  # the map's feature index
    found = _start(workspace)
    loaded = _packages(found)
    assert "dashboard" in loaded and "xarray" in loaded  # what it did import is seen
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))
    assert "dask.array" not in found["modules"]


def test_a_server_start_freezes_what_it_built_before_the_fork(served_workspace, tmp_path):
    # gc.freeze before the fork (the gc module's advice for a pre-forking server): the
    # build's heap is out of every later collection, and collection is on again
    found = _start(served_workspace.path)
    assert found["frozen"] > 100_000
    assert found["collecting"]
