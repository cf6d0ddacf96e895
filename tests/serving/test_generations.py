"""Always current (DESIGN 3.2): a served app switches to a new workspace generation whole,
without a restart; a response never mixes two generations."""

from __future__ import annotations

import json
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

import pandas as pd
import pytest

from workspace.derived import DERIVED
from workspace.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
NEW_ROUND = "2026-03-01"
_FOOTER = re.compile(r'"data-generation":\s*"(\d+)"')


@pytest.fixture
def workspace(demo_workspace, tmp_path):
    copy = tmp_path / "ws"
    shutil.copytree(demo_workspace.path, copy, ignore=shutil.ignore_patterns(DERIVED))
    return Workspace(copy)


def new_round_csv(workspace: Workspace, folder: Path) -> Path:
    """A small canonical CSV: the latest round's IDP rows of a few areas, a round later."""
    observations = workspace.observations()
    latest = observations["round"].max()
    rows = observations[(observations["round"] == latest) & (observations["group"] == "idp")]
    rows = rows[rows["area_pcode"].isin(sorted(rows["area_pcode"].unique())[:20])].copy()
    rows["round"] = NEW_ROUND
    rows["value"] = rows["value"] * 0.9
    path = folder / "next-round.csv"
    rows.to_csv(path, index=False)
    return path


def _consistent_scores(document: dict) -> int:
    """The generation of a /api/v1/scores answer, checked against its own data."""
    metadata = document["metadata"]
    generation = metadata["generation"]
    new = NEW_ROUND in metadata["rounds"]
    assert new == (generation > START[0]), metadata
    return generation


def _consistent_layout(text: str) -> int:
    """The footer's generation of a page (the layout JSON), checked against its rounds."""
    found = _FOOTER.findall(text)
    assert len(set(found)) == 1, found
    generation = int(found[0])
    assert (NEW_ROUND[:7] in text or "Mar 2026" in text) == (generation > START[0])
    return generation


START = [0]  # the generation served first, set by each test


def test_the_app_follows_a_new_generation(workspace, tmp_path):
    from dashboard.app import create_app

    app = create_app(workspace)
    client = app.server.test_client()
    START[0] = workspace.generation
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/priorities"})
    assert _consistent_layout(layout.get_data(as_text=True)) == START[0]
    workspace.import_observations([new_round_csv(workspace, tmp_path)])
    deadline = time.monotonic() + 10
    seen = START[0]
    while seen == START[0]:
        assert time.monotonic() < deadline, "the new generation did not appear in 10 s"
        seen = _consistent_scores(client.get("/api/v1/scores").get_json())
        time.sleep(0.1)
    assert seen == workspace.generation
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/priorities"})
    assert _consistent_layout(layout.get_data(as_text=True)) == seen
    geometry = client.get("/geo/level/2.json?v=stale")
    assert geometry.status_code == 200
    assert geometry.headers["Cache-Control"] == "no-cache"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, referer: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


@pytest.mark.slow
def test_two_workers_switch_whole_while_read(workspace, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "dashboard.cli", "serve", str(workspace.path),
        "--workers", "2", "--public", "--host", "127.0.0.1", "--port", str(port),
        "--state-dir", str(tmp_path / "state"),
    ]  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    csv = new_round_csv(workspace, tmp_path)
    START[0] = workspace.generation
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                _get(base + "/api/v1/scores")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.5)
        for _ in range(6):
            assert _consistent_scores(json.loads(_get(base + "/api/v1/scores"))) == START[0]
        imported = subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "import", str(workspace.path), str(csv)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr
        landed = time.monotonic()
        new = Workspace(workspace.path).generation
        assert new > START[0]
        seen: list[tuple[float, int]] = []
        while time.monotonic() - landed < 20:  # a bounded loop of readers
            at = time.monotonic() - landed
            scores = _consistent_scores(json.loads(_get(base + "/api/v1/scores")))
            page = _consistent_layout(_get(base + "/_dash-layout", base + "/priorities"))
            seen += [(at, scores), (at, page)]
            time.sleep(0.05)
        first_new = min(at for at, g in seen if g == new)
        last_old = max((at for at, g in seen if g == START[0]), default=0.0)
        assert first_new < 10, seen
        assert last_old < 10, seen  # both workers switched within 10 s
        assert {g for _, g in seen} <= {START[0], new}
        print(f"first new {first_new:.2f} s, last old {last_old:.2f} s, {len(seen)} responses")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
    assert pd.Timestamp(NEW_ROUND) in set(Workspace(workspace.path).observations()["round"])


def test_the_state_folder_inside_the_workspace_survives_an_import(workspace, tmp_path):
    """DIR/.serving (sessions, jobs) is kept across a change of the workspace and is in
    neither its manifest nor its derived data."""
    from dashboard.serving.state import STATE_DIR_VARIABLE, shared_cache, state_dir

    assert STATE_DIR_VARIABLE not in os.environ
    folder = state_dir(workspace.path)
    assert folder == workspace.path / ".serving"
    cache = shared_cache(folder, "access")
    cache.set("session:probe", {"user": "ana"})
    cache.close()
    workspace.import_observations([new_round_csv(workspace, tmp_path)])
    again = shared_cache(state_dir(workspace.path), "access")
    assert again.get("session:probe") == {"user": "ana"}
    again.close()
    assert ".serving" not in (workspace.path / "manifest.json").read_text()
    assert not (workspace.path / ".staging").exists()
    derived = workspace.path / DERIVED
    assert not derived.exists() or not list(derived.rglob(".serving"))
