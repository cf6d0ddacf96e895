"""The PDF briefing pack (issue 5): ``solutions report`` writes a PDF that stands alone.

The packs are made once per module through the command line, in process (English with
the default five localities, French for two chosen ones), then read back with poppler's
``pdfinfo``, ``pdftotext`` and ``pdftoppm``. Page 1 is kept as an image under
``test-results/``. Tests marked ``browser`` need the system Chromium (kaleido draws the
figures with it); the others are plain functions.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.briefing.areas import criterion_hidden, shown_table
from dashboard.briefing.headline import (
    MOVERS,
    STUCK_ROUNDS,
    default_localities,
    headline,
    movers,
)
from dashboard.briefing.headline import (
    stuck as stuck_areas,
)
from dashboard.cli import main
from dashboard.context import AppContext
from dashboard.figures.map import CLASS_COLOURS, NO_SCORE_COLOUR
from dashboard.i18n import long_date, translator
from dashboard.report import (
    CHROMIUM_ENV,
    LocalOnlyFetcher,
    RefusedURL,
    ReportInputError,
    build_report,
    content,
)
from dashboard.report import figures as pack_figures
from dashboard.report.formatting import css_string, fmt_score, fmt_signed
from dashboard.report.pdf import write_pdf
from dashboard.report.texts import UN_DISCLAIMER

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context(demo_workspace):
    return AppContext.load(demo_workspace)


@pytest.fixture(scope="module")
def view(context):
    return content.resolve_view(context)


@pytest.fixture(scope="module")
def table(context, view):
    return shown_table(context, view)


def _run(argv: list[str]) -> int:
    return main([str(a) for a in argv])


def _text(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (key.strip(), value.strip())
        for key, _sep, value in (line.partition(":") for line in out.stdout.splitlines())
    )


@pytest.fixture(scope="module")
def english_pack(demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "briefing.pdf"
    assert _run(["report", demo_workspace.path, "--out", out]) == 0
    return out


@pytest.fixture(scope="module")
def french_pack(demo_workspace, tmp_path_factory, table):
    out = tmp_path_factory.mktemp("report-fr") / "briefing-fr.pdf"
    chosen = table["pcode"].tolist()[:2]
    argv = ["report", demo_workspace.path, "--out", out, "--lang", "fr", "--round", "2025-12"]
    for pcode in chosen:
        argv += ["--area", pcode]
    assert _run(argv) == 0
    return out, chosen


# -- the command line -------------------------------------------------------------------------


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@needs_poppler
def test_report_writes_a_pdf_with_every_section(english_pack, context, table, capsys):
    assert english_pack.read_bytes().startswith(b"%PDF")
    info = _info(english_pack)
    pages = int(info["Pages"])
    assert pages >= 8  # cover, glance, map, criteria, movers, 5 localities, method, caveats
    assert info["Author"] == "durable solutions dashboard"
    assert context.workspace.country_name in info["Title"]
    assert info["Page size"].startswith("595")  # A4

    text = _flat(_text(english_pack))
    framework = context.framework
    assert context.workspace.country_name in text
    assert long_date(context.rounds[-1], "en") in text  # "1 December 2025"
    assert f"{framework.name}, version {framework.version}" in text
    assert UN_DISCLAIMER in text
    for heading in (
        "At a glance",
        "The overall score, area by area",
        "Each criterion, area by area",
        "What changed since the previous round",
        "Stuck localities",
        "Method and sources",
        "Goalposts",
        "Data sources",
        "What reliability means",
        "Caveats",
        "About this briefing",
        "Fictional demo data",
    ):
        assert heading in text, heading
    for pcode in default_localities(table):
        assert context.names[pcode] in text
        assert pcode in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "n < 30" in text  # the suppression rule, stated
    # Every criterion map is titled in real text, as is the legend.
    for code in framework.criterion_codes:
        assert framework.label(code, "en") in text
    assert "severe gaps (0–40)" in text


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@needs_poppler
def test_disclaimer_under_every_map_page(english_pack):
    for page in (3, 4):  # the main map, the criterion maps
        assert UN_DISCLAIMER in _flat(_text(english_pack, page))


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@needs_poppler
def test_one_page_per_locality(english_pack, context, table):
    chosen = default_localities(table)
    info = int(_info(english_pack)["Pages"])
    starts = []
    for page in range(1, info + 1):
        text = _flat(_text(english_pack, page))
        for pcode in chosen:
            if f"P-code {pcode}" in text:
                starts.append(page)
    assert len(starts) == len(chosen) == 5
    assert starts == list(range(starts[0], starts[0] + 5))  # one page each, in order


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@needs_poppler
def test_page_one_kept_as_an_image(english_pack):
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / "report-page-1.png"
    kept.unlink(missing_ok=True)
    command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(english_pack), str(kept.with_suffix(""))], check=True)
    from PIL import Image

    with Image.open(kept) as png:
        width, height = png.size
        assert abs(width - 496) <= 1 and abs(height - 702) <= 1  # A4 at 60 dpi
        pixels = np.asarray(png.convert("RGB"))
    # The cover's dark blue band is there, and the page is not blank.
    band = pixels[20:120, 20 : width - 26].reshape(-1, 3).mean(axis=0)
    assert band[2] > band[0] and band.mean() < 120
    assert (pixels.reshape(-1, 3).std(axis=0) > 20).all()


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@needs_poppler
def test_french_pack(french_pack, context):
    out, chosen = french_pack
    text = _flat(_text(out))
    _ = translator("fr")
    assert "1 décembre 2025" in text  # the round, as French says it (Babel)
    assert "déc. 2025" in text
    assert context.framework.label("safety", "fr") in text  # the framework's own French
    for message in ("Method and sources", "Caveats", "Page {page} of {pages}", "IDPs"):
        translated = _(message)
        if "{" in translated:
            translated = translated.split("{")[0].strip()
        assert translated in text  # French wherever the catalogue has it
    for pcode in chosen:
        assert context.names[pcode] in text
    assert UN_DISCLAIMER not in text or _(UN_DISCLAIMER) == UN_DISCLAIMER
    assert _(UN_DISCLAIMER) in text
    assert int(_info(out)["Pages"]) >= 7


@pytest.mark.browser
def test_missing_chromium_exits_1_with_the_install_hint(
    demo_workspace, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    out = tmp_path / "briefing.pdf"
    assert _run(["report", demo_workspace.path, "--out", out]) == 1
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_input_exits_1_with_a_message(demo_workspace, tmp_path, capsys):
    out = tmp_path / "briefing.pdf"
    cases = [
        (["--round", "2019-01"], "round '2019-01' has no scores"),
        (["--area", "XM99999"], "unknown area P-code(s): XM99999"),
        (["--lang", "xx"], "language 'xx' is not available"),
        (["--level", "7"], "admin level 7"),
        (["--group", "host"], "group 'host'"),
    ]
    for extra, message in cases:
        assert _run(["report", demo_workspace.path, "--out", out, *extra]) == 1, extra
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert not out.exists()
    assert _run(["report", tmp_path / "nothing-here", "--out", out]) == 1
    assert "not a workspace" in capsys.readouterr().err


# -- offline -------------------------------------------------------------------------------------


def test_url_fetcher_refuses_everything_outside_the_pack():
    fetcher = LocalOnlyFetcher(
        {"map": lambda: (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")}
    )
    for url in (
        "http://example.org/logo.png",
        "https://example.org/style.css",
        "HTTPS://example.org/x",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "//example.org/font.woff",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert fetcher.fetch("report-figure:map").read().startswith(b"<svg")
    with pytest.raises(RefusedURL):
        fetcher.fetch("report-figure:other")


def test_weasyprint_makes_no_request(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the PDF writer tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    html = (
        "<html><head><link rel=stylesheet href='http://example.org/x.css'>"
        "<style>@import url(https://example.org/y.css); "
        "@font-face { font-family: X; src: url(https://example.org/x.woff) }</style></head>"
        "<body style='font-family: X'><img src='https://example.org/x.png'>"
        "<img src='file:///etc/hostname'><p>text</p></body></html>"
    )
    pdf = write_pdf(html)
    assert pdf.startswith(b"%PDF")


# -- pure parts ----------------------------------------------------------------------------------


def test_resolve_view_defaults_and_errors(context):
    view = content.resolve_view(context)
    assert view.round == context.rounds[-1]
    assert view.level == max(content.map_levels(context))
    assert content.resolve_view(context, round="2025-06").round == "2025-06-01"
    with pytest.raises(ReportInputError, match="rounds with scores"):
        content.resolve_view(context, round="2020-01-01")
    with pytest.raises(ReportInputError, match="benchmark"):
        content.resolve_view(context, benchmark="relative")
    with pytest.raises(ReportInputError, match=r"XM0100 \(did you mean XM\d+\?\)"):
        content.check_areas(context, ["XM0100"])
    assert content.check_areas(context, [" XM01001", "XM01001"]) == ["XM01001"]


def test_movers_and_stuck(context, view, table):
    up, down = movers(table)
    assert (up["since_previous"] > 0).all() and up["since_previous"].is_monotonic_decreasing
    assert (down["since_previous"] < 0).all() and down["since_previous"].is_monotonic_increasing
    assert len(up) <= MOVERS and len(down) <= MOVERS
    stuck = stuck_areas(table)
    assert (stuck["stuck_rounds"] >= STUCK_ROUNDS).all()
    classes = (
        context.level_scores(view.level)["score_class"]
        .sel(benchmark=view.benchmark, group=view.group)
        .transpose("area", "round")
        .to_pandas()
    )
    for row in stuck.itertuples():
        last = classes.loc[row.pcode].iloc[-row.stuck_rounds :]
        assert (last == 1).all()
    lowest = default_localities(table)
    assert lowest == table.dropna(subset=["score"]).nsmallest(5, "score")["pcode"].tolist()


def test_headline_adds_up(context, view, table):
    head = headline(context, view, table)
    assert head.areas_total == (context.areas["level"] == view.level).sum()
    assert sum(head.per_class.values()) + head.no_score + head.withheld == head.areas_total
    # The median counts withheld scores too (a median of many areas exposes none of
    # them); the table blanks them, so add them back from the scores themselves.
    overall = context.level_scores(view.level)["overall_score"].sel(
        benchmark=view.benchmark, group=view.group, round=view.round
    )
    assert head.median == pytest.approx(float(np.nanmedian(overall.values)))
    assert np.nanmedian(table["score"]) == pytest.approx(head.median) or table["suppressed"].any()
    assert head.idps_present == pytest.approx(table["idps_present"].sum())


def test_small_samples_are_withheld_everywhere(context, view):
    hidden = criterion_hidden(context, view.level, view.group, view.core)
    now = np.datetime64(pd.Timestamp(view.round), "ns")
    flags = hidden.sel(round=now, drop=True).to_dataframe()
    assert flags.drop(columns="overall").any(axis=None)  # the demo has some
    pcode, criterion = next(
        (area, code)
        for area, row in flags.iterrows()
        for code in context.framework.criterion_codes
        if row[code]
    )
    page = content.locality_page(context, view, pcode)
    line = next(line for line in page.criteria if line.code == criterion)
    assert line.withheld and line.score is None and line.absolute is None
    assert any("Withheld for small samples" in sentence for sentence in page.sentences)
    job = pack_figures.bars_job(page, view)
    notes = [a["text"] for a in job.figure["layout"]["annotations"]]
    assert any("withheld" in note for note in notes)
    # On the criterion's map the area is grey (no score), not coloured.
    values = pack_figures._values(context, view, criterion)
    assert np.isnan(values.set_index("pcode").loc[pcode, "score"])


def test_cut_maps_matches_images_by_place():
    sheet = pack_figures.MapSheet(
        100, 200, {"overall": (0, 0, 100, 100), "safety": (0, 110, 50, 40)}
    )
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="data:image/png;base64,c2FmZXR5" x="0.0001" y="110" width="50"/>'
        b'<image xlink:href="data:image/png;base64,b3ZlcmFsbA==" x="0" y="0" width="100"/>'
        b"</svg>"
    )
    assert pack_figures.cut_maps(svg, sheet) == {"overall": b"overall", "safety": b"safety"}
    from dashboard.report import RenderError

    with pytest.raises(RenderError):
        pack_figures.cut_maps(svg.replace(b"<image", b"<imagex"), sheet)


def test_folded_score_trace_keeps_the_class_colours():

    trace = {
        "z": [None, 0.0, 39.9, 100.0],
        "zmin": 0,
        "zmax": 100,
        "colorscale": [
            [0, CLASS_COLOURS[1]],
            [0.4, CLASS_COLOURS[1]],
            [0.4, CLASS_COLOURS[2]],
            [1, CLASS_COLOURS[5]],
        ],
    }
    folded = pack_figures._fold_no_score(trace)
    assert folded["z"] == [-1.0, 0.0, 39.9, 100.0]
    assert folded["zmin"] == -1.0 and folded["zmax"] == 100
    scale = folded["colorscale"]
    assert scale[0] == [0.0, NO_SCORE_COLOUR]

    def colour_at(z):
        position = (z - folded["zmin"]) / (folded["zmax"] - folded["zmin"])
        return [c for p, c in scale if p <= position + 1e-12][-1]

    assert colour_at(-1.0) == NO_SCORE_COLOUR
    assert colour_at(0.0) == CLASS_COLOURS[1]
    assert colour_at(40.0) == CLASS_COLOURS[2]


def test_numbers_for_the_reader():
    assert fmt_score(79.96, "en") == "79.9"  # cut like the map, so the class agrees
    assert fmt_score(None, "en") == "–"
    assert fmt_signed(-4.68, "en") == "\u22124.7"
    assert fmt_signed(1.25, "fr") == "+1,2" or fmt_signed(1.25, "fr") == "+1,3"
    assert fmt_signed(0.01, "en") == "0.0"
    assert css_string('a"b}') == '"a\\000022b\\00007d"'


def test_names_from_data_are_escaped(context, view, monkeypatch):
    from dashboard.report import pack, pdf

    hostile = "<b>Evil & Co</b><script>alert(1)</script>"
    names = dict(context.names)
    pcode = default_localities(shown_table(context, view))[0]
    names[pcode] = hostile
    monkeypatch.setitem(context.__dict__, "names", names)
    captured = {}
    monkeypatch.setattr(
        "dashboard.report.render_html",
        lambda data: captured.setdefault("html", pdf.render_html(data)),
    )
    monkeypatch.setattr(
        "dashboard.report.write_pdf", lambda html, figures, details, **_sizes: b"%PDF"
    )
    monkeypatch.setattr(
        "dashboard.report.renderer._Renderer.render", lambda self, jobs: [b""] * len(jobs)
    )
    monkeypatch.setattr("dashboard.report.renderer._Renderer.start", lambda self: None)
    build_report(context, areas=[pcode])
    html = captured["html"]
    assert hostile not in html
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;&lt;script&gt;" in html
    assert pack is not None


def test_pdf_records_pages_and_language():
    info: dict = {}
    html = '<html lang="fr"><head><title>T</title></head><body><p>x</p></body></html>'
    assert write_pdf(html, info=info).startswith(b"%PDF")
    assert info == {"pages": 1, "lang": "fr"}


# -- the export button ----------------------------------------------------------------------------


def test_export_view_from_url(context):
    from dashboard.report.export import view_from_url

    view = view_from_url(context, "locality/XM01001", "?round=2025-06&lang=fr&core=iris&level=2")
    assert (view.round, view.level, view.lang, view.core) == ("2025-06-01", 2, "fr", True)
    assert view.areas == ("XM01001",)
    odd = view_from_url(context, "", "?round=1999-01-01&level=9&group=host&benchmark=x&lang=xx")
    assert (odd.round, odd.level, odd.group, odd.benchmark, odd.lang) == (
        None,
        None,
        "idp",
        "parity",
        "en",
    )
    assert odd.areas == ()
    assert view_from_url(context, "locality/NOPE", "").areas == ()


def test_export_button_explains_a_missing_chromium():
    from dash import no_update

    from dashboard import ids
    from dashboard.report.export import control_for_url, export_control

    def find(component, wanted):
        if getattr(component, "id", None) == wanted:
            return component
        for child in getattr(component, "children", None) or []:
            if not isinstance(child, str) and (found := find(child, wanted)) is not None:
                return found
        return None

    without = export_control("en", chromium=False)
    assert find(without, ids.EXPORT_PDF).disabled is True
    assert "apt-get install chromium" in find(without, ids.EXPORT_STATUS).children
    with_chromium = export_control("fr", chromium=True)
    assert not getattr(find(with_chromium, ids.EXPORT_PDF), "disabled", False)
    assert find(with_chromium, ids.EXPORT_DOWNLOAD) is not None
    # Redrawn when the language changes, not when a slider step rewrites the query.
    assert control_for_url("?round=2025-06-01", "en", True) == (no_update, no_update)
    children, lang = control_for_url("?lang=fr", "en", True)
    assert lang == "fr" and find(children, ids.EXPORT_PDF) is not None


def test_export_without_chromium_says_why(context, monkeypatch):
    from dash import no_update

    from dashboard.report.export import export_pdf

    monkeypatch.setenv(CHROMIUM_ENV, "/nonexistent/chromium")
    data, status = export_pdf(context, "", "?lang=en")
    assert data is no_update and "apt-get install chromium" in status
