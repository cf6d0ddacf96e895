"""The store on real hosts (issue 9, item 6; DESIGN 3.2): a workspace that is a mount
point, a read-only one, a full disk, a stale lock; generations; rejects that cannot run
formulas; long conflict messages kept short.

Mount points are real tmpfs mounts when the tests run as root (skipped with the reason
otherwise); the same failures are also simulated by making os calls raise."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.cli import main
from tests.helpers import snapshot
from workspace.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "geodata" / "fixtures"
ADM1, ADM2 = FIXTURES / "zz_adm1_current.geojson", FIXTURES / "zz_adm2_current.geojson"
ROUND_1 = "area_pcode,round,group,indicator,value,n\nZZ01001,2024-01,,idps_present,1200,\n"
ROUND_2 = "area_pcode,round,group,indicator,value,n\nZZ01002,2024-06,,idps_present,700,\n"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "64m"):
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _built(workspace: Path, tmp_path: Path) -> Path:
    assert run("import-areas", workspace, ADM1, ADM2)[0] == 0
    first = tmp_path / "round1.csv"
    first.write_text(ROUND_1)
    assert run("import", workspace, first)[0] == 0
    return workspace


@as_root
def test_a_workspace_that_is_a_mount_point_can_be_changed(tmp_path):
    with tmpfs(tmp_path / "volume") as volume:
        _built(volume, tmp_path)  # the workspace is the mount point itself
        second = tmp_path / "round2.csv"
        second.write_text(ROUND_2)
        status, _out, err = run("import", volume, second)
        assert status == 0, err
        assert Workspace(volume).info()["rounds"] == ["2024-01-01", "2024-06-01"]
        assert not (volume / ".staging").exists()


@as_root
def test_a_full_disk_gets_a_plain_message_and_changes_nothing(tmp_path):
    with tmpfs(tmp_path / "small", size="2m") as volume:
        workspace = _built(volume / "ws", tmp_path)
        before = snapshot(workspace)
        filler = volume / "filler"
        with filler.open("wb") as handle, contextlib.suppress(OSError):
            while True:  # fill the disk to the last block
                handle.write(b"\0" * 65536)
                handle.flush()
        big = tmp_path / "big.csv"
        areas = ("ZZ01001", "ZZ01002", "ZZ02001")
        rows = [
            f"{areas[i % 3]},{2010 + i // 36}-{1 + (i // 3) % 12:02d},,idps_present,{i},"
            for i in range(400)
        ]
        big.write_text("area_pcode,round,group,indicator,value,n\n" + "\n".join(rows) + "\n")
        status, _, err = run("import", workspace, big)
        assert status == 1
        assert "Traceback" not in err and "NetCDF" not in err
        assert "disk holding the workspace is full" in err and str(workspace) in err
        filler.unlink()
        assert snapshot(workspace) == before


@as_root
def test_a_read_only_workspace_says_so_and_changes_nothing(tmp_path):
    with tmpfs(tmp_path / "volume") as volume:
        workspace = _built(volume / "ws", tmp_path)
        before = snapshot(workspace)
        subprocess.run(["mount", "-o", "remount,ro", str(volume)], check=True)
        second = tmp_path / "round2.csv"
        second.write_text(ROUND_2)
        status, _, err = run("import", workspace, second)
        assert status == 1
        assert "cannot be written" in err and "Read-only file system" in err
        assert "cross-device" not in err and "Traceback" not in err
        assert snapshot(workspace) == before


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "cannot be written"), (errno.ENOSPC, "is full"), (errno.EACCES, "cannot be")],
)
def test_host_failures_simulated(code, words, tmp_path, monkeypatch):
    """The same messages where no mount is possible: os calls raise as the host would."""
    workspace = _built(tmp_path / "ws", tmp_path)
    before = snapshot(workspace)
    second = tmp_path / "round2.csv"
    second.write_text(ROUND_2)

    def failing(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("workspace.transaction._fsync", failing)
    status, _, err = run("import", workspace, second)
    assert status == 1 and words in err and "Traceback" not in err
    assert snapshot(workspace) == before


def test_a_stale_lock_file_is_taken_over(tmp_path):
    workspace = _built(tmp_path / "ws", tmp_path)
    (workspace / ".staging").mkdir()
    (workspace / ".staging" / "lock").write_text("999999999")  # a process long dead
    second = tmp_path / "round2.csv"
    second.write_text(ROUND_2)
    status, _, err = run("import", workspace, second)
    assert status == 0, err
    assert not (workspace / ".staging").exists()


def test_generations_go_up_by_one_per_change_and_not_on_failure(tmp_path):
    workspace = tmp_path / "ws"
    assert Workspace(workspace).generation == 0
    assert run("import-areas", workspace, ADM1, ADM2)[0] == 0
    assert Workspace(workspace).generation == 1
    first = tmp_path / "round1.csv"
    first.write_text(ROUND_1)
    assert run("import", workspace, first)[0] == 0
    assert Workspace(workspace).generation == 2
    updated = Workspace(workspace).manifest["updated"]
    bad = tmp_path / "bad.csv"
    bad.write_text(ROUND_2.replace("700", "seven hundred"))
    assert run("import", workspace, bad)[0] == 1
    assert run("import", workspace, first)[0] == 0  # already imported: no change
    assert Workspace(workspace).generation == 2
    assert Workspace(workspace).manifest["updated"] == updated
    _status, out, _ = run("info", workspace, "--json")
    assert json.loads(out)["generation"] == 2


def test_rejects_neutralise_formulas(tmp_path):
    workspace = _built(tmp_path / "ws", tmp_path)
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(
        "area_pcode,round,group,indicator,value,n,source\n"
        'ZZ01001,2024-06,,idps_present,10,,"=HYPERLINK(""http://x.example"",""click"")"\n'
        "ZZ99999,2024-06,,idps_present,5,,@SUM(A1)\n"
        "ZZ99997,2024-06,,idps_present,5,,-5\n"
        'ZZ99998,2024-06,,idps_present,5,,"=HYPERLINK(""http://x.example"",""click"")"\n'
    )
    status, _, err = run("import", workspace, hostile, "--skip-unknown")
    assert status == 0, err
    (rejects,) = (workspace / "rejects").glob("*.csv")
    text = rejects.read_text()
    assert "'@SUM(A1)" in text and "'=HYPERLINK" in text
    assert ",=" not in text and ",@" not in text
    assert ",-5," in text  # a negative number stays a number


def test_a_huge_conflict_lists_twenty_rows_and_a_count(tmp_path):
    import pandas as pd

    from indicators.framework import Framework  # noqa: F401 (the default framework loads)
    from workspace.frameworks import load_framework
    from workspace.observations import check_rows

    count = 200_000
    table = pd.DataFrame(
        {
            "area_pcode": "ZZ01001",
            "round": "2024-01",
            "group": "",
            "indicator": "idps_present",
            "value": [str(i) for i in range(count)],
            "n": "",
            "source": "",
            "row": range(2, count + 2),
        }
    )
    with pytest.raises(ValueError) as caught:
        check_rows(Path("big.csv"), table, load_framework(None), [])
    message = str(caught.value)
    assert "rows 2, 3, 4" in message and f"and {count - 20} more ({count} rows)" in message
    assert len(message) < 2000


def test_copy_of_a_workspace_with_leftover_staging_is_swept(tmp_path):
    """A staging folder of a killed change that never published is dropped; one that
    had started publishing is finished (roll forward)."""
    from workspace.transaction import Transaction

    workspace = _built(tmp_path / "ws", tmp_path)
    staged = Transaction(workspace)
    staged.stage_bytes("notes.txt", b"kept")
    (staged.staging / "COMMITTED").write_text(json.dumps(["notes.txt"]))
    staged.staging = None  # as if the process died here
    abandoned = Transaction(workspace)
    abandoned.stage_bytes("never.txt", b"dropped")
    abandoned.staging = None
    second = tmp_path / "round2.csv"
    second.write_text(ROUND_2)
    assert run("import", workspace, second)[0] == 0
    assert (workspace / "notes.txt").read_bytes() == b"kept"
    assert not (workspace / "never.txt").exists()
    assert not (workspace / ".staging").exists()
    shutil.rmtree(workspace)
