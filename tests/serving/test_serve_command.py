"""``solutions serve`` refuses what would lock everyone out, and sets gunicorn up to build
the app before forking (the run itself: test_workers_browser.py)."""

from __future__ import annotations

from dashboard.cli import main
from dashboard.serving.gunicorn import gunicorn_options


def test_a_private_server_without_accounts_does_not_start(served_workspace, capsys):
    assert main(["serve", str(served_workspace.path), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "no accounts" in err and "solutions users" in err and "--public" in err
    assert "Traceback" not in err


def test_workers_must_be_positive(served_workspace, capsys):
    assert main(["serve", str(served_workspace.path), "--public", "--workers", "0"]) == 2


def test_gunicorn_builds_before_forking():
    options = gunicorn_options("127.0.0.1", 8050, 2, timeout=90)
    assert options["preload_app"] is True
    assert options["workers"] == 2 and options["bind"] == "127.0.0.1:8050"
    assert options["worker_class"] == "gthread" and options["timeout"] == 90
