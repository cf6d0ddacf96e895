"""The "Export PDF" button in the header of every page (DESIGN 5, issue 5).

``register(app, context)`` wires two callbacks:

- ``EXPORT_SLOT`` (in the page shell's header) gets the button, in the language of the
  URL: drawn with the shell (``register`` returns what to draw), redrawn by a callback
  only when the language changes, so a page load asks for no callback for it. Without
  Chromium the button is disabled and the header says why and how to install it,
  instead of failing on click.
- a click makes the PDF of the current view in a Dash background callback (a process of
  its own, results in the job store shared by the server's workers, so the server
  stays responsive), shows progress, and sends the file with ``dcc.Download``. The view is
  the URL's: round, level, group, benchmark, core and lang from the query; on a
  locality page, that locality gets the pack's locality page.

The callbacks are one-line shims over ``export_control``, ``control_for_url``,
``view_from_url`` and ``export_pdf``, which are plain functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import ids
from dashboard.briefing.view import query_values, round_value
from dashboard.context import AppContext
from dashboard.generations import context_of
from dashboard.i18n import language, translator
from dashboard.report import (
    ChromiumMissing,
    RenderError,
    ReportInputError,
    build_report,
    chromium_hint,
    find_chromium,
    report_filename,
)
from dashboard.report.content import map_levels
from dashboard.report.renderer import shared_renderer
from dashboard.serving import is_public_view

__all__ = [
    "ExportView",
    "control_for_url",
    "export_control",
    "export_pdf",
    "register",
    "view_from_url",
]

#: Seconds a finished export's result stays in the cache (it is fetched at once).
RESULT_EXPIRY = 15 * 60


def export_control(lang: str, chromium: bool) -> html.Div:
    """The button, its progress and status lines and the download, in ``lang``.
    Without Chromium: a disabled button and the explanation."""
    _ = translator(lang)
    if not chromium:
        hint = chromium_hint(lang)
        return html.Div(
            className="export export-unavailable",
            children=[
                html.Button(
                    _("Export PDF"),
                    id=ids.EXPORT_PDF,
                    className="button export-button",
                    disabled=True,
                    title=hint,
                    **{"aria-describedby": ids.EXPORT_STATUS},
                ),
                html.Span("", id=ids.EXPORT_PROGRESS, className="export-progress"),
                html.Span(hint, id=ids.EXPORT_STATUS, className="export-status", role="status"),
                dcc.Download(id=ids.EXPORT_DOWNLOAD),
            ],
        )
    return html.Div(
        className="export",
        children=[
            html.Button(
                _("Export PDF"),
                id=ids.EXPORT_PDF,
                n_clicks=0,
                className="button export-button",
                title=_("Download this view as a PDF briefing pack (takes a few seconds)"),
            ),
            html.Span(
                "",
                id=ids.EXPORT_PROGRESS,
                className="export-progress",
                role="status",
                **{"aria-live": "polite"},
            ),
            html.Span("", id=ids.EXPORT_STATUS, className="export-status", role="status"),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
        ],
    )


def _lang_of(search: str | None) -> str:
    query = query_values(search)
    return language(query.get("lang", "").strip().lower())


def control_for_url(search: str | None, shown_lang: str | None, chromium: bool):
    """(slot children, slot lang): the control for the URL's language, or no_update
    twice when the slot already shows it (a slider step must not redraw the button)."""
    lang = _lang_of(search)
    if lang == shown_lang:
        return no_update, no_update
    return export_control(lang, chromium), lang


@dataclass(frozen=True)
class ExportView:
    """What the pack shows, read from the URL (invalid values fall back to defaults)."""

    round: str | None
    level: int | None
    group: str
    benchmark: str
    core: bool
    lang: str
    areas: tuple[str, ...]


def view_from_url(context: AppContext, pathname: str | None, search: str | None) -> ExportView:
    """The view of the page at ``pathname`` (already stripped of the app's prefix) with
    query ``search``. A locality page gives its locality; unknown values are ignored
    (a hand-edited link still exports)."""
    query = query_values(search)
    round_ = round_value(query.get("round", ""), context.rounds)
    level = query.get("level", "").strip()
    levels = map_levels(context)
    path = "/" + (pathname or "").strip("/")
    areas: tuple[str, ...] = ()
    if path.startswith("/locality/"):
        pcode = unquote(path[len("/locality/") :]).strip()
        if pcode in context.names:
            areas = (pcode,)
    return ExportView(
        round=round_,
        level=int(level) if level.lstrip("-").isdigit() and int(level) in levels else None,
        group=query.get("group") if query.get("group") in ("idp", "returnee") else "idp",
        benchmark=(
            query.get("benchmark") if query.get("benchmark") in ("parity", "absolute") else "parity"
        ),
        core=query.get("core", "").strip().lower() == "iris",
        lang=language(query.get("lang", "").strip().lower()),
        areas=areas,
    )


def export_pdf(
    context: AppContext,
    pathname: str | None,
    search: str | None,
    set_progress: Callable[[str], None] = lambda _text: None,
    withhold_small_samples: bool = True,
) -> tuple:
    """(download data or no_update, status text) for the view at the URL; small samples
    withheld unless the reader may see all detail (``withhold_small_samples``)."""
    view = view_from_url(context, pathname, search)
    _ = translator(view.lang)
    if find_chromium() is None:
        return no_update, chromium_hint(view.lang)

    def progress(fraction: float, message: str) -> None:
        set_progress(_("{step} ({percent} %)").format(step=message, percent=round(fraction * 100)))

    try:
        made = build_report(
            context,
            round=view.round,
            areas=list(view.areas) or None,
            lang=view.lang,
            level=view.level,
            group=view.group,
            benchmark=view.benchmark,
            core=view.core,
            progress=progress,
            withhold_small_samples=withhold_small_samples,
        )
    except ChromiumMissing:
        return no_update, chromium_hint(view.lang)
    except ReportInputError as exc:
        return no_update, _("The PDF could not be made: {reason}").format(reason=str(exc))
    except RenderError as exc:
        return no_update, _("The maps could not be drawn: {reason}").format(reason=str(exc))
    name = report_filename(context, made.round, view.lang)
    set_progress("")
    return dcc.send_bytes(made.pdf, name), _("PDF ready: {name}").format(name=name)


def _manager(context: AppContext):
    """The job store shared by every worker process serving this workspace
    (dashboard.serving.jobs): a job started by one worker is collected by any."""
    from dashboard.serving.jobs import job_manager

    return job_manager(context.workspace.path, expire=RESULT_EXPIRY)


def register(app: Dash, context: AppContext) -> Callable[[str], html.Div]:
    """The button in ``ids.EXPORT_SLOT`` and the export behind it; returns what the page
    shell puts in the slot for a language (the callback redraws it when the URL's
    language changes, not at load)."""
    chromium = find_chromium() is not None
    strip = app.strip_relative_path
    server_pid = os.getpid()

    @app.callback(
        Output(ids.EXPORT_SLOT, "children"),
        Output(ids.EXPORT_SLOT, "lang"),
        Input(ids.URL, "search"),
        State(ids.EXPORT_SLOT, "lang"),
        prevent_initial_call=True,
    )
    def fill_slot(search, shown_lang):
        return control_for_url(search, shown_lang, chromium)

    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Input(ids.EXPORT_PDF, "n_clicks"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        background=True,
        manager=_manager(context),
        progress=[Output(ids.EXPORT_PROGRESS, "children")],
        running=[(Output(ids.EXPORT_PDF, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def export(set_progress, n_clicks, pathname, search):
        if not n_clicks:
            return no_update, no_update
        try:
            # the job runs outside a request (its own process, forked by the worker that
            # started it): the generation that worker serves
            return export_pdf(
                context_of(app, context),
                strip(pathname or "/"),
                search,
                lambda text: set_progress((text,)),
                # the role of the reader who started the job (the job's process is forked
                # inside that request and keeps its context); the public view without one
                withhold_small_samples=is_public_view(),
            )
        finally:
            if os.getpid() != server_pid:
                # A job process of its own ends without running exit handlers: close its
                # browser now, or it would outlive the job.
                shared_renderer().close()

    def slot(lang: str) -> html.Div:
        return export_control(lang, chromium)

    return slot
