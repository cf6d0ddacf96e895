"""The store never loses data (DESIGN 3.2, issue 3): an import that dies at any stage,
even by SIGKILL, leaves every byte of the workspace as it was.

Each killed run is a subprocess (`sys.executable -c ...`) that wraps one function of the
import so that it kills its own process with SIGKILL at that point, then runs
`dashboard.cli.main([...])`. Afterwards the workspace is compared byte for byte with its
state before, and the same import is run normally: it succeeds, and sweeps the staging
folder the killed process left beside the workspace. The same stages are also failed
in-process with exceptions.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dashboard.cli import main
from tests.helpers import snapshot
from workspace.store import Workspace
from workspace.transaction import workspace_lock

# SIGKILLed subprocesses and a 3-second lock holder: minutes on a busy machine
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "geodata" / "fixtures"

BASELINE = """\
area_pcode,round,group,indicator,value,n
ZZ01001,2024-01,idp,violence_12m,20,80
ZZ01001,2024-01,,idps_present,1200,
"""
NEW_ROUND = """\
area_pcode,round,group,indicator,value,n
ZZ01001,2024-06,idp,violence_12m,18,80
ZZ01002,2024-06,idp,violence_12m,25,80
ZZ02001,2024-06,,idps_present,700,
"""

#: Where an observation import is killed: (module, class or "", function, how, only).
#: "after" runs the function and then dies; "before" dies instead of running it;
#: "partial" writes half a file at the function's target and dies. With ``only``, just
#: the call whose arguments mention it dies (the manifest is the last file staged).
IMPORT_STAGES = {
    "after reading the file": ("workspace.store", "", "read_source", "after", ""),
    "while writing the NetCDF into staging": (
        "workspace.store",
        "",
        "_write_netcdf",
        "partial",
        "",
    ),
    "after writing the NetCDF into staging": (
        "workspace.store",
        "",
        "_write_netcdf",
        "after",
        "",
    ),
    "after staging the manifest": (
        "workspace.transaction",
        "Transaction",
        "stage_bytes",
        "after",
        "manifest.json",
    ),
    "just before publishing": (
        "workspace.transaction",
        "",
        "publish",
        "before",
        "",
    ),
}

#: stages at which the NetCDF is still under its temporary name, or already in place
PARTIAL_WRITE = {"while writing the NetCDF into staging", "after writing the NetCDF into staging"}
NETCDF_STAGED = {
    "after staging the manifest",
    "just before publishing",
}

KILLER = """\
import importlib, os, signal, sys
sys.path.insert(0, {root!r})
module = importlib.import_module({module!r})
owner = getattr(module, {attribute!r}) if {attribute!r} else module
name, how, only = {name!r}, {how!r}, {only!r}
original = getattr(owner, name)


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def wrapper(*args, **kwargs):
    if only and not any(only in str(a) for a in args):
        return original(*args, **kwargs)
    if how == "before":
        die()
    if how == "partial":
        with open(args[-1], "wb") as handle:
            handle.write(b"CDF\\x01" + bytes(100))
            handle.flush()
            os.fsync(handle.fileno())
        die()
    original(*args, **kwargs)
    die()


setattr(owner, name, wrapper)
from dashboard.cli import main
sys.exit(main({argv!r}))
"""


def staging_folders(workspace: Path) -> list[str]:
    """Staging folders left in the workspace (changes are staged inside it: DESIGN 3.2)."""
    area = workspace / ".staging"
    return (
        sorted(p.name for p in area.iterdir() if p.name.startswith("txn-")) if area.exists() else []
    )


def published(workspace: Path) -> dict:
    """The workspace as readers see it: a killed process cannot remove its staging folder
    (or its lock file), which the next change sweeps; everything else is compared."""
    return {k: v for k, v in snapshot(workspace).items() if not k.startswith(".staging")}


def run(*args: object) -> int:
    return main([str(a) for a in args])


def killed_run(stage: tuple[str, str, str, str, str], argv: list[object]):
    """Run the CLI in a subprocess that SIGKILLs itself at ``stage``."""
    module, attribute, name, how, only = stage
    code = KILLER.format(
        root=str(ROOT),
        module=module,
        attribute=attribute,
        name=name,
        how=how,
        only=only,
        argv=[str(a) for a in argv],
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def built_workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("atomic")
    workspace = root / "ws"
    adm1, adm2 = FIXTURES / "zz_adm1_current.geojson", FIXTURES / "zz_adm2_current.geojson"
    assert run("import-areas", workspace, adm1, adm2) == 0
    baseline = root / "baseline.csv"
    baseline.write_text(BASELINE)
    assert run("import", workspace, baseline) == 0
    return workspace


@pytest.fixture
def workspace(built_workspace, tmp_path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(built_workspace, copy)
    return copy


@pytest.fixture
def new_round(tmp_path) -> Path:
    path = tmp_path / "new_round.csv"
    path.write_text(NEW_ROUND)
    return path


def _assert_imported_normally(workspace: Path, new_round: Path, capsys) -> None:
    capsys.readouterr()
    assert run("import", workspace, new_round) == 0, capsys.readouterr().err
    assert "3 rows imported" in capsys.readouterr().out
    assert staging_folders(workspace) == [], "the next change sweeps abandoned staging"
    held = Workspace(workspace).info()
    assert held["rounds"] == ["2024-01-01", "2024-06-01"]
    assert held["observations"] == 5


# -- killed processes ---------------------------------------------------------------------


@pytest.mark.parametrize("stage", list(IMPORT_STAGES))
def test_killed_import_leaves_the_workspace_unchanged(stage, workspace, new_round, capsys):
    published_before = published(workspace)
    assert snapshot(workspace) == published_before  # at rest: no staging folder, no lock

    result = killed_run(IMPORT_STAGES[stage], ["import", workspace, new_round])

    assert result.returncode == -signal.SIGKILL, result.stderr
    assert published(workspace) == published_before
    (leftover,) = staging_folders(workspace)  # the killed process left its staging folder
    staged = workspace / ".staging" / leftover / "observations"
    # proof that the process died where it was meant to
    assert (staged / ".0002-new_round.nc.part").exists() == (stage in PARTIAL_WRITE)
    assert (staged / "0002-new_round.nc").exists() == (stage in NETCDF_STAGED)
    _assert_imported_normally(workspace, new_round, capsys)


def test_killed_right_after_the_exchange_the_import_is_complete(workspace, new_round, capsys):
    """The other side of the swap: the new generation is whole, the old one is swept."""
    stage = ("workspace.transaction", "", "publish", "after", "")
    result = killed_run(stage, ["import", workspace, new_round])
    assert result.returncode == -signal.SIGKILL, result.stderr
    held = Workspace(workspace).info()
    assert held["observations"] == 5 and held["imports"] == 4
    (leftover,) = staging_folders(workspace)
    assert not (workspace / ".staging" / leftover / "observations" / "0002-new_round.nc").exists()
    capsys.readouterr()
    assert run("import", workspace, new_round) == 0
    assert "already imported" in capsys.readouterr().out
    assert staging_folders(workspace) == []


@pytest.mark.parametrize(
    "stage",
    [
        ("geodata", "", "write_areas", "after", ""),
        ("geodata", "", "display_geojson_bytes", "after", ""),
        ("workspace.transaction", "", "publish", "before", ""),
    ],
    ids=["after writing the GeoPackage", "after the display geometry", "before the exchange"],
)
def test_killed_import_areas_leaves_the_workspace_unchanged(stage, workspace, capsys):
    adm2 = json.loads((FIXTURES / "zz_adm2_current.geojson").read_text())
    adm2["features"][0]["properties"]["adm2_name"] = "Alpha Renamed"
    layer = workspace.parent / "zz_adm2_renamed.geojson"
    layer.write_text(json.dumps(adm2))
    before = snapshot(workspace)

    result = killed_run(stage, ["import-areas", workspace, layer])

    assert result.returncode == -signal.SIGKILL, result.stderr
    assert published(workspace) == before
    capsys.readouterr()
    assert run("import-areas", workspace, layer) == 0
    assert "replacing the earlier layer" in capsys.readouterr().out
    assert staging_folders(workspace) == []
    assert "Alpha Renamed" in set(Workspace(workspace).areas()["name"])


def test_killed_framework_change_leaves_the_workspace_unchanged(workspace, tmp_path, capsys):
    from workspace.frameworks import DEFAULT_FRAMEWORK

    framework = tmp_path / "framework.yaml"
    framework.write_text(
        DEFAULT_FRAMEWORK.read_text(encoding="utf-8").replace(
            'version: "2026.1"', 'version: "2026.1-test"'
        ),
        encoding="utf-8",
    )
    before = snapshot(workspace)
    stage = ("workspace.transaction", "", "publish", "before", "")
    result = killed_run(stage, ["framework", workspace, framework])
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert published(workspace) == before
    assert run("framework", workspace, framework) == 0
    assert Workspace(workspace).framework.version == "2026.1-test"
    assert staging_folders(workspace) == []


# -- failures in-process -------------------------------------------------------------------


def _fail(error: BaseException):
    def failing(*args, **kwargs):
        raise error

    return failing


IN_PROCESS_STAGES = {
    "reading": "workspace.store.read_source",
    "checking rows": "workspace.store.check_rows",
    "writing the NetCDF": "workspace.store._write_netcdf",
    "fsync of a staged file": "workspace.transaction._fsync",
    "staging the manifest": "workspace.transaction.Transaction.stage_bytes",
    "inside commit, before publishing": "workspace.transaction.publish",
}


@pytest.mark.parametrize("stage", list(IN_PROCESS_STAGES))
@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OSError(5, "Input/output error"), 1),
        (KeyboardInterrupt(), 1),
        (RuntimeError("unexpected"), None),
    ],
    ids=["OSError", "KeyboardInterrupt", "RuntimeError"],
)
def test_failure_at_each_stage_changes_nothing(
    stage, error, status, workspace, new_round, monkeypatch, capsys
):
    target = IN_PROCESS_STAGES[stage]
    before = snapshot(workspace)
    with monkeypatch.context() as patch:
        patch.setattr(target, _fail(error))
        if status is None:
            with pytest.raises(type(error)):
                run("import", workspace, new_round)
        else:
            assert run("import", workspace, new_round) == status
            err = capsys.readouterr().err
            assert "Traceback" not in err
            if isinstance(error, KeyboardInterrupt):
                assert "the workspace is as it was" in err
    assert snapshot(workspace) == before
    assert staging_folders(workspace) == []
    _assert_imported_normally(workspace, new_round, capsys)


def test_failed_commit_of_areas_changes_nothing(workspace, monkeypatch, capsys):
    before = snapshot(workspace)
    monkeypatch.setattr(
        "workspace.transaction.publish", _fail(OSError(28, "No space left on device"))
    )
    assert run("import-areas", workspace, FIXTURES / "zz_adm2_older.geojson") == 1
    assert "No space left on device" in capsys.readouterr().err
    assert snapshot(workspace) == before
    assert staging_folders(workspace) == []


# -- one writer at a time ------------------------------------------------------------------


def test_a_second_writer_is_refused_while_one_holds_the_lock(workspace, new_round, capsys):
    before = snapshot(workspace)
    with workspace_lock(workspace):
        assert run("import", workspace, new_round) == 1
        assert "another command is changing this workspace" in capsys.readouterr().err
    assert snapshot(workspace) == before
    _assert_imported_normally(workspace, new_round, capsys)


def test_concurrent_imports_one_wins_the_other_is_refused(workspace, new_round, tmp_path):
    """A slow import in another process holds the lock; an import meanwhile is refused and
    changes nothing; the slow one then completes."""
    ready = tmp_path / "ready"
    slow = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        import workspace.store as store
        original = store._write_netcdf
        def slow(*args, **kwargs):
            Path({str(ready)!r}).touch()
            time.sleep(3)
            return original(*args, **kwargs)
        store._write_netcdf = slow
        from dashboard.cli import main
        sys.exit(main(["import", {str(workspace)!r}, {str(new_round)!r}]))
        """
    )
    other = tmp_path / "other.csv"
    other.write_text(NEW_ROUND.replace("2024-06", "2024-09"))
    process = subprocess.Popen([sys.executable, "-c", slow], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        before = snapshot(workspace)
        result = subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "import", str(workspace), str(other)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert "another command is changing this workspace" in result.stderr
        assert snapshot(workspace) == before
    finally:
        assert process.wait(timeout=120) == 0
    assert Workspace(workspace).info()["rounds"] == ["2024-01-01", "2024-06-01"]
    assert staging_folders(workspace) == []
