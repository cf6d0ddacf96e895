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


def test_the_state_folder_is_inside_the_workspace_owner_only(tmp_path, monkeypatch):
    import stat

    from dashboard.serving.state import STATE_DIR_VARIABLE, state_dir

    monkeypatch.delenv(STATE_DIR_VARIABLE, raising=False)
    workspace = tmp_path / "volume"
    workspace.mkdir()
    folder = state_dir(workspace)
    assert folder == workspace / ".serving" and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not any(p.name.endswith(".serving") for p in tmp_path.iterdir() if p != workspace)
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(tmp_path / "elsewhere"))
    assert state_dir(workspace) == tmp_path / "elsewhere"


def test_a_read_only_workspace_says_so_at_start_with_the_fix(
    served_workspace, accounts, monkeypatch, capsys
):
    import errno
    from pathlib import Path

    from dashboard.serving.state import STATE_DIR_VARIABLE

    monkeypatch.delenv(STATE_DIR_VARIABLE, raising=False)
    root = served_workspace.path.absolute()
    real_mkdir = Path.mkdir

    def read_only_volume(self, *args, **kwargs):
        # A read-only mount: even root cannot write there (chmod would not stop root).
        if self.is_relative_to(root):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only_volume)
    assert main(["serve", str(root), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "--state-dir" in err
    assert str(root / ".serving") in err and "Traceback" not in err
