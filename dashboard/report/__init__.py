"""The PDF briefing pack (DESIGN 6, issue 5): a snapshot that stands alone.

``build_report(context, round=..., areas=..., lang=...)`` returns the PDF's bytes. It
is what both front doors call: ``solutions report`` (``dashboard.cli``) and the
dashboard's "Export PDF" button (``dashboard.report.export``).

Contents: a cover (country, round, date made, filters in force, the fictional-data
notice), headline figures, the main map with its legend, the eight criterion maps, the
movers and the stuck localities, one page per selected locality (by default the five
lowest scores), method and sources, caveats and the pack's metadata; the UN map
disclaimer under every map, and page numbers and the date made on every page.

How it is made, and how fast (the budget is DESIGN 7's last row):

1. the browser that draws the figures (``renderer.shared_renderer``) is started first,
   in the background, once per process;
2. the nine maps are built with the dashboard's own builders and sent to be drawn as
   one figure (``figures``) while the tables, the locality pages and the texts are
   worked out here (``content``, ``pack``); the localities' bars follow in the same
   browser;
3. the page is HTML and CSS (``dashboard/report_templates``) printed by WeasyPrint
   (``pdf``), which starts on the text at once and takes each figure when it is drawn;
   it fetches nothing but those figures.

Public exports withhold values resting on small samples (DESIGN 8): see ``content``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.briefing.areas import area_table, criterion_hidden, shown_table
from dashboard.briefing.downloads import disclosure_rule
from dashboard.briefing.headline import default_localities, headline
from dashboard.context import AppContext
from dashboard.report import content, pack
from dashboard.report import figures as pack_figures
from dashboard.report.content import ReportInputError
from dashboard.report.pdf import (
    RefusedURL,
    figure_url,
    render_html,
    write_pdf,
)
from dashboard.report.renderer import (
    CHROMIUM_ENV,
    ChromiumMissing,
    RenderError,
    chromium_hint,
    find_chromium,
    shared_renderer,
)

__all__ = [
    "CHROMIUM_ENV",
    "ChromiumMissing",
    "LocalOnlyFetcher",
    "RefusedURL",
    "RenderError",
    "Report",
    "ReportInputError",
    "build_report",
    "chromium_hint",
    "find_chromium",
    "pack_data",
    "report_filename",
    "run_report_command",
]

Progress = Callable[[float, str], None]


def _no_progress(_fraction: float, _message: str) -> None:
    return None


@dataclass(frozen=True)
class Report:
    """What ``build_report`` made: the PDF and what it holds."""

    pdf: bytes
    pages: int
    round: str
    level: int
    localities: tuple[str, ...]
    #: Seconds per stage, in order.
    timings: dict[str, float]


@dataclass(frozen=True)
class _Prepared:
    """The pack's numbers, before any figure is drawn."""

    table: pd.DataFrame
    head: content.Headline
    pages: list
    default_selection: bool
    cover: content.Coverage
    sources: pd.DataFrame
    rule: str
    criteria_withheld: int
    withhold: bool


def _prepare(context: AppContext, state, chosen: Sequence[str], withhold: bool = True) -> _Prepared:
    table = shown_table(context, state) if withhold else area_table(context, state)
    selected = list(chosen) or default_localities(table)
    withheld = criterion_hidden(context, state.level, state.group, state.core)
    criteria_withheld = int(
        withheld[context.framework.criterion_codes]
        .sel(round=np.datetime64(pd.Timestamp(state.round), "ns"))
        .to_array()
        .sum()
        if withhold
        else 0
    )
    return _Prepared(
        table=table,
        head=headline(context, state, table),
        pages=[content.locality_page(context, state, pcode, withhold) for pcode in selected],
        default_selection=not chosen,
        cover=content.coverage(context, state),
        sources=content.source_rows(context),
        # The caveat says what this pack applied: the withholding rule, or full detail.
        rule=disclosure_rule(context, state.lang, withhold),
        criteria_withheld=criteria_withheld,
        withhold=withhold,
    )


def _assemble(context, state, prepared: _Prepared, made, map_values, drawn) -> dict:
    return pack.assemble(
        context,
        state,
        made=made,
        table=prepared.table,
        head=prepared.head,
        map_values=map_values,
        pages=prepared.pages,
        default_selection=prepared.default_selection,
        cover=prepared.cover,
        sources=prepared.sources,
        suppression_rule=prepared.rule,
        criteria_withheld=prepared.criteria_withheld,
        withhold_small_samples=prepared.withhold,
        drawn=drawn,
    )


def pack_data(
    context: AppContext,
    *,
    areas: Sequence[str] | None = None,
    made: dt.datetime | None = None,
    withhold_small_samples: bool = True,
    **view,
) -> dict:
    """Everything the pack's template shows for a view (``view``: round, level, group,
    benchmark, core, lang as for ``build_report``), without drawing a figure: the
    tables and texts exactly as printed. Tests compare it with the CSV.
    ``withhold_small_samples`` as for ``build_report``."""
    state = content.resolve_view(context, **view)
    chosen = content.check_areas(context, areas or [])
    withhold = withhold_small_samples
    prepared = _prepare(context, state, chosen, withhold)
    _job, sheet, map_values = pack_figures.maps_job(context, state, withhold)
    drawn = pack.Figures(
        {name: f"map-{name}" for name in sheet.places},
        {page.pcode: f"bars-{page.pcode}" for page in prepared.pages},
    )
    return _assemble(context, state, prepared, made or content.made_now(), map_values, drawn)


def build_report(
    context: AppContext,
    *,
    round: str | None = None,  # the query parameter's name (DESIGN 5)
    areas: Sequence[str] | None = None,
    lang: str = "en",
    level: int | None = None,
    group: str = "idp",
    benchmark: str = "parity",
    core: bool = False,
    progress: Progress | None = None,
    made: dt.datetime | None = None,
    withhold_small_samples: bool = True,
) -> Report:
    """The briefing pack of one view, as a ``Report`` (the PDF bytes, its page count,
    the round, level and localities it shows, seconds per stage).

    ``round`` (YYYY-MM-DD or YYYY-MM; default the latest with scores), ``level``
    (default the deepest admin level with scores and geometry), ``group``,
    ``benchmark`` and ``core`` choose the view; ``areas`` the localities that get a page
    each (default: the five lowest scores); ``lang`` the language. ``progress(fraction,
    message)`` is called as the work goes on. ``withhold_small_samples`` (default, the
    public view's rule): values resting on small samples are withheld; False for an
    analyst's pack (all detail).

    Raises ``ReportInputError`` for a round, level, area or language the workspace does
    not have, ``ChromiumMissing`` when there is no Chromium to draw with (before any
    work is done), and ``RenderError`` when the figures cannot be drawn.
    """
    if not context.rounds:
        # Nothing scored yet (boundaries and DTM counts): the first-day pack.
        from dashboard.report.counts_pack import build_counts_report

        return build_counts_report(
            context, round=round, level=level, group=group, lang=lang, made=made
        )
    report = progress or _no_progress
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    state = content.resolve_view(
        context, round=round, level=level, group=group, benchmark=benchmark, core=core, lang=lang
    )
    chosen = content.check_areas(context, areas or [])
    _ = _translator(state.lang)
    # The browser starts while the rest is prepared (seconds when cold).
    browser = shared_renderer()
    browser.start()
    made = made or content.made_now()
    report(0.05, _("Drawing the maps"))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-figures") as drawing:
        maps_job, sheet, map_values = pack_figures.maps_job(context, state, withhold_small_samples)
        maps = drawing.submit(browser.render, [maps_job])
        clock.tick("maps prepared")

        report(0.2, _("Preparing the locality pages"))
        prepared = _prepare(context, state, chosen, withhold_small_samples)
        pages = prepared.pages
        bar_jobs = {page.pcode: pack_figures.bars_job(page, state) for page in pages}
        bar_jobs = {pcode: job for pcode, job in bar_jobs.items() if job is not None}
        bars = drawing.submit(browser.render, list(bar_jobs.values()))
        clock.tick("tables, localities, sources and caveats")

        # The figures are served to WeasyPrint as it asks for them, each waiting for
        # the browser if it is not drawn yet: the text is laid out meanwhile.
        figures = _Figures(maps, sheet, bars, list(bar_jobs), report, _)
        bar_names = {pcode: f"bars-{i}" for i, pcode in enumerate(bar_jobs)}
        map_names = {name: f"map-{name}" for name in sheet.places}
        report(0.35, _("Laying out the pages"))
        drawn = pack.Figures(
            {name: figure_url(url) for name, url in map_names.items()},
            {pcode: figure_url(url) for pcode, url in bar_names.items()},
        )
        data = _assemble(context, state, prepared, made, map_values, drawn)
        html = render_html(data)
        clock.tick("html")
        served = {url: figures.map_png(name) for name, url in map_names.items()}
        served.update({url: figures.bars_svg(pcode) for pcode, url in bar_names.items()})
        # Their proportions are known now: the pages are laid out while they are drawn.
        sizes = {url: sheet.places[name][2:] for name, url in map_names.items()}
        for pcode, url in bar_names.items():
            sizes[url] = (bar_jobs[pcode].width, bar_jobs[pcode].height)
        printed: dict = {}
        pdf = write_pdf(html, served, printed, sizes=sizes)
        # Raises if drawing failed (a failed figure also raises inside write_pdf).
        maps.result()
        bars.result()
        clock.tick("pdf (with the figures' wait)")
    report(1.0, _("Done"))
    return Report(
        pdf=pdf,
        pages=int(printed.get("pages", 0)),
        round=state.round,
        level=state.level,
        localities=tuple(page.pcode for page in pages),
        timings=timings,
    )


class _Figures:
    """The drawn figures, each waited for on first use."""

    def __init__(self, maps, sheet, bars, bar_order, report, _):
        self._maps, self._sheet, self._bars = maps, sheet, bars
        self._bar_order = bar_order
        self._report, self._ = report, _
        self._cut: dict[str, bytes] | None = None
        self._svgs: dict[str, bytes] | None = None

    def map_png(self, name: str):
        def get() -> tuple[bytes, str]:
            if self._cut is None:
                (svg,) = self._maps.result()
                self._cut = pack_figures.cut_maps(svg, self._sheet)
                self._report(0.6, self._("Drawing the charts"))
            return self._cut[name], "image/png"

        return get

    def bars_svg(self, pcode: str):
        def get() -> tuple[bytes, str]:
            if self._svgs is None:
                self._svgs = dict(zip(self._bar_order, self._bars.result(), strict=True))
                self._report(0.8, self._("Laying out the pages"))
            drawn = self._svgs[pcode]
            return drawn, "image/png" if drawn.startswith(b"\x89PNG") else "image/svg+xml"

        return get


def run_report_command(args) -> int:
    """``solutions report`` (see ``dashboard.report.command``)."""
    from dashboard.report.command import run_report_command as run

    return run(args)


def report_filename(context: AppContext, round_: str, lang: str) -> str:
    """``<ISO3 or country>-durable-solutions-<round>-<lang>.pdf``, ASCII only."""
    import re
    import unicodedata

    country = unicodedata.normalize("NFKD", context.workspace.country_name)
    country = country.encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", country).strip("-").lower() or "country"
    return f"{stem}-durable-solutions-{round_}-{lang}.pdf"


def _translator(lang: str):
    from dashboard.i18n import translator

    return translator(lang)


class _Clock:
    def __init__(self, timings: dict | None):
        self.timings = timings
        self.last = time.perf_counter()

    def tick(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = now - self.last
        self.last = now


def __getattr__(name: str):
    # Made on first access (PEP 562), as in ``dashboard.report.pdf``: WeasyPrint is not
    # imported at server start.
    if name == "LocalOnlyFetcher":
        from dashboard.report.pdf import _fetcher_class

        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
