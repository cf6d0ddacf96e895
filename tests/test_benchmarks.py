"""``python3 -m benchmarks`` (DESIGN 7): every benchmark module keeps the contract of
``benchmarks/__main__.py`` and runs end to end at its quick sizes. A smoke test: it
checks the rows' shape, never a time (these machines are shared)."""

from __future__ import annotations

import importlib
import json
import numbers
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import main, modules

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"what", "figure", "baseline", "unit", "budget", "ok"}
#: quick in a few seconds each; the others start servers, child processes or Chromium
CHEAP = ("score", "survey", "import_rows")
BROWSER = ("first_load", "report")


def test_every_module_has_run():
    names = modules()
    assert {
        *CHEAP,
        "out_of_core",
        "serve_load",
        "serve_start",
        "slider",
        "geometry",
        *BROWSER,
    } <= set(names)
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        assert callable(getattr(module, "run", None)), f"benchmarks/{name}.py has no run()"


def _check_rows(rows: list[dict]) -> None:
    assert rows, "a benchmark gives at least one row"
    for row in rows:
        assert set(row) >= KEYS, f"{row.get('what')}: missing {KEYS - set(row)}"
        assert isinstance(row["what"], str) and row["what"]
        assert isinstance(row["budget"], str) and row["budget"]
        assert row["ok"] in (True, False, None)
        for key in ("figure", "baseline"):
            assert row[key] is None or isinstance(row[key], numbers.Real), (row["what"], key)


def _slow(name: str):
    marks = [pytest.mark.slow]
    if name in BROWSER:
        marks.append(pytest.mark.browser)
        marks.append(
            pytest.mark.skipif(shutil.which("chromium") is None, reason="no system Chromium")
        )
    return pytest.param(name, marks=marks)


@pytest.mark.parametrize(
    "name",
    [
        *CHEAP,
        *(
            _slow(n)
            for n in ("slider", "out_of_core", "serve_load", "serve_start", "geometry", *BROWSER)
        ),
    ],
)
def test_quick_run_gives_rows_of_the_contract(name):
    if name in BROWSER:
        # Playwright's sync API refuses to start inside the event loop that the browser
        # tests' plugin leaves running in this process: the benchmark runs in its own.
        code = (
            f"import json, sys, benchmarks.{name} as m; "
            "sys.stdout.write('ROWS' + json.dumps(m.run(quick=True)))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=1800
        )
        assert done.returncode == 0, done.stderr[-2000:]
        _check_rows(json.loads(done.stdout.rsplit("ROWS", 1)[1]))
        return
    module = importlib.import_module(f"benchmarks.{name}")
    _check_rows(module.run(quick=True))


def test_the_command_prints_one_table(capsys):
    main(["--quick", "survey"])  # its exit status is the budget's verdict, not checked here
    out = capsys.readouterr().out
    assert "survey estimates with SEs" in out and "budget" in out
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert "serve_load" in listed and "no run()" not in " ".join(listed)
