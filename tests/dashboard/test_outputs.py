"""Files written for people (dashboard.outputs): whole or not at all, mode 0666 less the
umask, and bad input as ``error: ...`` with exit status 1."""

from __future__ import annotations

import os

import pytest

from dashboard.outputs import EXIT_BAD_INPUT, error, write_atomically


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_bytes_and_writers_land_whole_with_the_usual_mode(tmp_path, umask_022):
    out = tmp_path / "new" / "pack.pdf"
    write_atomically(out, b"%PDF-1.7 one")
    assert out.read_bytes() == b"%PDF-1.7 one"
    assert out.stat().st_mode & 0o777 == 0o644

    def private(scratch):  # a library that makes its file private (as mkstemp does)
        scratch.write_text("a,b\n")
        scratch.chmod(0o600)

    write_atomically(out, private)
    assert out.read_text() == "a,b\n"
    assert out.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in out.parent.iterdir()) == ["pack.pdf"]


def test_a_failed_write_leaves_the_old_file_and_no_scratch(tmp_path, umask_022):
    out = tmp_path / "scores.csv"
    out.write_text("old")

    def broken(scratch):
        scratch.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(out, broken)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_error_says_so_on_stderr_with_status_1(capsys):
    assert error("x.csv: row 3, column value: not a number") == EXIT_BAD_INPUT == 1
    assert capsys.readouterr().err == "error: x.csv: row 3, column value: not a number\n"
