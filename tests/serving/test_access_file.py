"""The access file and ``solutions users`` (DESIGN 5.1): argon2 hashes only, roles,
passwords never on the command line, and the file is no part of the data."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys

import pytest

from dashboard.cli import main
from workspace.access import ACCESS_FILE, AccessError, Accounts

PASSWORD = "a long enough secret"


def test_add_keeps_an_argon2_hash_and_never_the_password(served_workspace):
    accounts = Accounts(served_workspace.path)
    assert accounts.add("maria", PASSWORD, "analyst") is True
    text = (served_workspace.path / ACCESS_FILE).read_text()
    assert PASSWORD not in text
    entry = json.loads(text)["users"]["maria"]
    assert entry["role"] == "analyst"
    # argon2id, with its memory cost in the hash: m=65536 KiB (memory-hard).
    assert entry["hash"].startswith("$argon2id$") and "m=65536" in entry["hash"]
    mode = stat.S_IMODE((served_workspace.path / ACCESS_FILE).stat().st_mode)
    assert mode == 0o600
    assert accounts.verify("maria", PASSWORD) == "analyst"
    assert accounts.verify("maria", PASSWORD + "x") is None
    assert accounts.verify("nobody", PASSWORD) is None


def test_same_password_hashes_differ_by_salt(served_workspace):
    accounts = Accounts(served_workspace.path)
    accounts.add("one", PASSWORD, "viewer")
    accounts.add("two", PASSWORD, "viewer")
    users = json.loads((served_workspace.path / ACCESS_FILE).read_text())["users"]
    assert users["one"]["hash"] != users["two"]["hash"]


def test_bad_names_roles_and_short_passwords_change_nothing(served_workspace):
    accounts = Accounts(served_workspace.path)
    accounts.add("kept", PASSWORD, "viewer")
    before = (served_workspace.path / ACCESS_FILE).read_bytes()
    for name, password, role in (
        ("has space", PASSWORD, "viewer"),
        ("../etc", PASSWORD, "viewer"),
        ("ok", "short", "viewer"),
        ("ok", PASSWORD, "root"),
    ):
        with pytest.raises(AccessError):
            accounts.add(name, password, role)
    with pytest.raises(AccessError):
        accounts.remove("never-there")
    assert (served_workspace.path / ACCESS_FILE).read_bytes() == before


def test_a_second_reader_sees_changes_made_by_another_process(served_workspace):
    # A running server keeps one Accounts; `solutions users` writes from another process.
    server_view = Accounts(served_workspace.path)
    Accounts(served_workspace.path).add("later", PASSWORD, "admin")
    assert server_view.role_of("later") == "admin"
    Accounts(served_workspace.path).remove("later")
    assert server_view.role_of("later") is None


def test_users_command_add_list_remove(served_workspace, monkeypatch, capsys):
    folder = str(served_workspace.path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", folder, "add", "omar", "--role", "admin", "--password-stdin"]) == 0
    assert Accounts(folder).verify("omar", PASSWORD) == "admin"
    capsys.readouterr()
    assert main(["users", folder, "list"]) == 0
    listed = capsys.readouterr().out
    assert "omar\tadmin" in listed and "$argon2" not in listed
    assert main(["users", folder, "remove", "omar"]) == 0
    assert Accounts(folder).role_of("omar") is None
    assert main(["users", folder, "remove", "omar"]) == 1  # bad input, no traceback
    assert "no account 'omar'" in capsys.readouterr().err


def test_users_add_prompts_twice_without_echo(served_workspace, monkeypatch):
    import getpass

    answers = iter([PASSWORD, PASSWORD + " typo"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["users", str(served_workspace.path), "add", "typo"]) == 1
    assert Accounts(served_workspace.path).role_of("typo") is None
    answers = iter([PASSWORD, PASSWORD])
    assert main(["users", str(served_workspace.path), "add", "typo"]) == 0
    assert Accounts(served_workspace.path).role_of("typo") == "viewer"


def test_the_password_is_no_command_line_argument(served_workspace):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.cli",
            "users",
            str(served_workspace.path),
            "add",
            "x",
            "--password",
            PASSWORD,
        ],
        capture_output=True,
        text=True,
        cwd=served_workspace.path.parent,
        env={"PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2])},
    )
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_the_access_file_is_not_in_the_data_or_its_exports(served_workspace, tmp_path):
    Accounts(served_workspace.path).add("exported", PASSWORD, "analyst")
    hashed = json.loads((served_workspace.path / ACCESS_FILE).read_text())["users"]["exported"]
    out = tmp_path / "scores.csv"
    assert main(["score", str(served_workspace.path), "--out", str(out)]) == 0
    assert main(["info", str(served_workspace.path), "--json"]) == 0
    for written in tmp_path.iterdir():
        text = written.read_bytes()
        assert b"$argon2" not in text and hashed["hash"].encode() not in text
        assert b"exported" not in text
