"""The method page's provenance: the sources of the workspace's observations and its
import history (who added which rounds, when), in the page's language."""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard import ids
from dashboard.briefing.downloads import source_coverage
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.i18n import long_date, month_year, number, translator


def _date(text: str | None, lang: str) -> str:
    if not text:
        return "–"
    try:
        return long_date(pd.Timestamp(text), lang)
    except (ValueError, TypeError):
        return str(text)


def sources_table(context: AppContext, state: ViewState) -> html.Table | html.P:
    _ = translator(state.lang)
    lang = state.lang
    coverage = source_coverage(context)
    if coverage.empty:
        return html.P(_("No observations have been imported yet."), id=ids.METHOD_SOURCES)
    rows = [
        html.Tr(
            [
                html.Td(source.source or _("Source not given")),
                html.Td(
                    _("{first} to {last}").format(
                        first=month_year(source.first_round, lang),
                        last=month_year(source.last_round, lang),
                    )
                ),
                html.Td(number(source.rounds, lang), className="num"),
                html.Td(number(source.rows, lang), className="num"),
                html.Td(", ".join(source.files) or "–"),
                html.Td(_date(source.imported, lang)),
            ]
        )
        for source in coverage.itertuples(index=False)
    ]
    return html.Table(
        id=ids.METHOD_SOURCES,
        className="method-table",
        children=[
            html.Caption(_("Data sources named in the observations")),
            html.Thead(
                html.Tr(
                    [
                        html.Th(_("Source"), scope="col"),
                        html.Th(_("Rounds covered"), scope="col"),
                        html.Th(_("Rounds"), scope="col", className="num"),
                        html.Th(_("Values"), scope="col", className="num"),
                        html.Th(_("Files"), scope="col"),
                        html.Th(_("Last imported"), scope="col"),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
    )


def _kind(entry: dict, lang: str) -> str:
    _ = translator(lang)
    kind = entry.get("kind")
    if kind == "areas":
        level = entry.get("level")
        if level is None:
            return _("Boundaries")
        return _("Boundaries, admin level {level}").format(level=level)
    if kind == "observations":
        return _("Observations")
    return _("Framework")


def _rounds_added(added: list[str], lang: str) -> str:
    _ = translator(lang)
    if not added:
        return "–"
    if len(added) == 1:
        return month_year(added[0], lang)
    return _("{count} rounds, {first} to {last}").format(
        count=len(added), first=month_year(added[0], lang), last=month_year(added[-1], lang)
    )


def import_history(context: AppContext, state: ViewState) -> html.Table | html.P:
    """Every manifest entry (areas, observations, frameworks), newest first."""
    _ = translator(state.lang)
    lang = state.lang
    manifest = context.workspace.manifest
    entries = [*manifest.get("imports", [])]
    entries += [{**e, "kind": "framework"} for e in manifest.get("frameworks", [])]
    if not entries:
        return html.P(_("Nothing has been imported yet."), id=ids.METHOD_IMPORTS)
    entries.sort(key=lambda e: e.get("time", ""), reverse=True)
    rows = []
    for entry in entries:
        notes = [str(n) for n in entry.get("notes", [])]
        warnings = [str(w) for w in entry.get("warnings", [])]
        if entry.get("kind") == "framework":
            notes.insert(0, f"{entry.get('name', '')} {entry.get('version', '')}".strip())
        remarks = [html.Li(n) for n in notes] + [html.Li(w, className="warning") for w in warnings]
        added = entry.get("rounds_added") or []
        rows.append(
            html.Tr(
                [
                    html.Td(str(entry.get("file", "–")), className="file"),
                    html.Td(_kind(entry, lang)),
                    html.Td(_date(entry.get("time"), lang)),
                    html.Td(
                        number(entry["rows"], lang) if entry.get("rows") is not None else "–",
                        className="num",
                    ),
                    html.Td(_rounds_added(added, lang)),
                    html.Td(html.Ul(remarks, className="remarks") if remarks else "–"),
                ]
            )
        )
    return html.Table(
        id=ids.METHOD_IMPORTS,
        className="method-table",
        children=[
            html.Caption(_("Every import into this workspace, newest first")),
            html.Thead(
                html.Tr(
                    [
                        html.Th(_("File"), scope="col"),
                        html.Th(_("Content"), scope="col"),
                        html.Th(_("Imported"), scope="col"),
                        html.Th(_("Rows"), scope="col", className="num"),
                        html.Th(_("Rounds added"), scope="col"),
                        html.Th(_("Notes and warnings"), scope="col"),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
    )
