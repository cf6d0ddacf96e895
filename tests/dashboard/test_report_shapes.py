"""The PDF on every workspace shape: the first-day pack (boundaries + DTM counts, no
score), the refusal on boundaries only, files readable by colleagues, and the contents
numbered without a jump, every text in the pack's language."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess

import pytest

from dashboard.briefing.counts import count_headline
from dashboard.cli import main
from dashboard.context import AppContext
from dashboard.i18n import number
from dashboard.report import ReportInputError, build_report
from dashboard.report.content import made_now
from dashboard.report.counts_pack import counts_pack_data, resolve_counts_view
from tests.shapes import build_shape


@pytest.fixture(scope="module")
def counts_context(tmp_path_factory):
    return AppContext.load(build_shape("counts", tmp_path_factory.mktemp("counts") / "ws"))


@pytest.fixture(scope="module")
def boundaries_context(tmp_path_factory):
    return AppContext.load(build_shape("boundaries", tmp_path_factory.mktemp("bounds") / "ws"))


def _text(pdf: bytes, tmp_path, first: int | None = None) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    pages = ["-l", str(first)] if first else []
    return subprocess.run(
        ["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def test_counts_pack_figures_are_the_counts_maps(counts_context):
    view = resolve_counts_view(counts_context)
    data = counts_pack_data(counts_context, view, "en", made_now(), "report-figure:x")
    head = count_headline(counts_context, view)
    assert data["kpis"][0]["label"] == "IDPs present"
    assert data["kpis"][0]["value"] == number(head.total, "en")
    (up_title, up), (down_title, down) = data["movers"]
    assert (up_title, down_title) == ("Largest increases", "Largest decreases")
    assert up or down
    assert all(row["change"].startswith("+") for row in up)
    assert all(row["change"].startswith("\u2212") for row in down)
    assert "No framework indicator values yet" in data["next_step"]
    french = counts_pack_data(counts_context, view, "fr", made_now(), "report-figure:x")
    assert french["kpis"][0]["label"] == "PDI présentes"


def test_boundaries_only_says_what_to_import(boundaries_context):
    with pytest.raises(ReportInputError, match="boundaries only"):
        resolve_counts_view(boundaries_context)


def test_report_command_on_boundaries_only_says_what_to_import(boundaries_context, tmp_path):
    status, _out, err = _run(
        "report", boundaries_context.workspace.path, "--out", tmp_path / "a.pdf"
    )
    assert status == 1
    assert "boundaries only" in err and "solutions import" in err
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.slow
def test_first_day_pack_and_file_mode(counts_context, tmp_path):
    made = build_report(counts_context)
    text = _text(made.pdf, tmp_path)
    assert made.pages == 4
    # Headline labels are set in capitals by the stylesheet.
    for words in ("IDPs present", "At a glance", "Areas that moved most", "Areas reporting"):
        assert words.casefold() in text.casefold()
    head = count_headline(counts_context, resolve_counts_view(counts_context))
    assert number(head.total, "en") in text
    old = os.umask(0o022)
    try:
        out = tmp_path / "first-day.pdf"
        status, said, err = _run("report", counts_context.workspace.path, "--out", out)
    finally:
        os.umask(old)
    assert status == 0, err
    assert "4 pages" in said
    assert out.stat().st_mode & 0o777 == 0o644


@pytest.mark.slow
def test_contents_numbered_without_jump_and_french_throughout(demo_app_context, tmp_path):
    made = build_report(demo_app_context, lang="fr")
    contents = _text(made.pdf, tmp_path, first=1)
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", contents, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 7
    text = _text(made.pdf, tmp_path)
    assert demo_app_context.framework.describe("fr").split()[0] in text
    assert "The eight IASC criteria" not in text


def test_pdf_map_legend_follows_the_benchmark(demo_app_context):
    from dashboard.report import pack_data

    parity = pack_data(demo_app_context, benchmark="parity")["main_map"]["note"]
    absolute = pack_data(demo_app_context, benchmark="absolute")["main_map"]["note"]
    assert "parity with the non-displaced" in parity and "goalpost" not in parity
    assert "fixed goalposts" in absolute and "parity" not in absolute
