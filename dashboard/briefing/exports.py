"""Exports people can use (DESIGN 8): the data in one file, its metadata beside it.

A data file holds data only (a header, the HXL tag row, the rows); its metadata (sources,
rounds, framework version, date made, the suppression rule, and each column with its HXL
tag and meaning) travels as

- a JSON **sidecar** ``<stem>-metadata.json`` (``metadata_document``, ``metadata_json``)
  beside a CSV, a GeoPackage or a GeoJSON, or zipped with the CSV (``zip_bytes``);
- a **Metadata sheet** after the **Data sheet** of an XLSX workbook (``xlsx_bytes``).

Text cells of every sheet are neutralised like the CSV's (``downloads.neutralise``).
Pure functions returning bytes: no Dash, no file IO.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.briefing.areas import _level
from dashboard.briefing.downloads import (
    SCORE_COLUMNS,
    Column,
    csv_bytes,
    metadata_rows,
    neutralise,
    priorities_title,
    priority_columns,
    priority_rows,
    scores_title,
    source_coverage,
)
from dashboard.briefing.view import BENCHMARKS, GROUPS, ViewState, round_value
from dashboard.context import AppContext
from dashboard.i18n import LANGUAGES

#: Characters XML 1.0 (so XLSX) cannot hold; openpyxl refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sidecar_name(data_file: str) -> str:
    """``priorities.csv`` -> ``priorities-metadata.json``."""
    stem = data_file.rsplit(".", 1)[0] if "." in data_file else data_file
    return f"{stem}-metadata.json"


def metadata_document(
    context: AppContext,
    state: ViewState,
    title: str,
    columns: Sequence[Column],
    *,
    made: dt.datetime | None = None,
    whole: bool = False,
    withhold_small_samples: bool = True,
    data_file: str | None = None,
) -> dict:
    """The metadata of an export as a JSON-ready dict: every ``metadata_rows`` key (the
    repeated ``source`` lines as ``sources``), ``source_coverage`` (one record per
    source), ``data_file`` and ``columns`` (``name``, ``hxl``, ``description``, in the
    data's order)."""
    document: dict = {"data_file": data_file}
    sources: list = []
    for key, value in metadata_rows(
        context,
        state,
        title,
        made=made,
        whole=whole,
        withhold_small_samples=withhold_small_samples,
    ):
        if key == "source":
            sources.append(value)
        else:
            document[key] = value
        if key == "rounds":
            document["sources"] = sources
    document["rounds"] = list(context.rounds)
    # which data: the workspace's generation and the time of its last change (DESIGN 3.2)
    document["generation"] = context.generation
    document["data_as_of"] = context.updated
    document["small_samples_withheld"] = withhold_small_samples
    document["source_coverage"] = [
        {
            "source": row["source"],
            "first_round": row["first_round"],
            "last_round": row["last_round"],
            "rounds": int(row["rounds"]),
            "rows": int(row["rows"]),
            "files": list(row["files"]),
            "imported": row["imported"] or None,
        }
        for row in source_coverage(context).to_dict("records")
    ]
    document["columns"] = [
        {"name": c.name, "hxl": c.tag, "description": c.description} for c in columns
    ]
    return document


def metadata_json(document: Mapping) -> bytes:
    """The sidecar's bytes: UTF-8 JSON, indented, non-ASCII kept."""
    return (json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _xlsx_cell(value: object) -> object:
    value = neutralise(value)
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


def xlsx_bytes(columns: Sequence[Column], rows: pd.DataFrame, document: Mapping) -> bytes:
    """An XLSX workbook: sheet **Data** (the column names, the HXL tag row, the rows;
    numbers as numbers) first, so a re-import reads it; then sheet **Metadata**: one
    ``key``/``value`` row per metadata entry, an empty row, then one row per column of
    the Data sheet (``column``, ``hxl``, ``description``)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    data = book.create_sheet("Data")
    data.append([_xlsx_cell(c.name) for c in columns])
    data.append([c.tag for c in columns])
    for row in rows[[c.name for c in columns]].itertuples(index=False, name=None):
        data.append([_xlsx_cell(v) for v in row])
    meta = book.create_sheet("Metadata")
    meta.append(["key", "value"])
    for key, value in document.items():
        if key in ("columns", "source_coverage"):
            continue
        if isinstance(value, list):
            for item in value:
                meta.append([_xlsx_cell(key), _xlsx_cell(item)])
        else:
            meta.append([_xlsx_cell(key), _xlsx_cell(value)])
    meta.append([])
    meta.append(["column", "hxl", "description"])
    for column in document.get("columns", []):
        meta.append([_xlsx_cell(column[k]) for k in ("name", "hxl", "description")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` (name -> bytes), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@dataclass(frozen=True)
class PrioritiesExport:
    """The priorities table of one view, ready to write in any form."""

    columns: list[Column]
    rows: pd.DataFrame
    document: dict

    def csv(self) -> bytes:
        return csv_bytes(self.columns, self.rows)

    def metadata_json(self) -> bytes:
        return metadata_json(self.document)

    def xlsx(self) -> bytes:
        return xlsx_bytes(self.columns, self.rows, self.document)

    def zip(self) -> bytes:
        """The CSV and its sidecar, named after ``document['data_file']``."""
        name = self.document["data_file"]
        return zip_bytes({name: self.csv(), sidecar_name(name): self.metadata_json()})


def priorities_export(
    context: AppContext,
    state: ViewState,
    *,
    withhold_small_samples: bool = True,
    made: dt.datetime | None = None,
    data_file: str | None = None,
) -> PrioritiesExport:
    """The priorities table of ``state`` (``downloads.priority_rows``), its columns with
    the level's HXL tags, and its metadata naming them."""
    columns = priority_columns(_level(context, state))
    rows = priority_rows(context, state, withhold_small_samples=withhold_small_samples)
    document = metadata_document(
        context,
        state,
        priorities_title(state.lang),
        columns,
        made=made,
        withhold_small_samples=withhold_small_samples,
        data_file=data_file,
    )
    return PrioritiesExport(columns, rows, document)


def scores_metadata(
    context: AppContext,
    state: ViewState,
    *,
    made: dt.datetime | None = None,
    data_file: str | None = None,
    withhold_small_samples: bool = True,
) -> dict:
    """The sidecar of ``downloads.scores_csv`` (every round, group and benchmark), made
    with ``withhold_small_samples`` as the CSV was."""
    return metadata_document(
        context,
        state,
        scores_title(state.lang),
        SCORE_COLUMNS,
        made=made,
        whole=True,
        withhold_small_samples=withhold_small_samples,
        data_file=data_file,
    )


class ExportInputError(ValueError):
    """A view an export cannot give; the message names what is wrong and what there is."""


def export_view(
    context: AppContext,
    *,
    round: str | None = None,  # the query parameter's name (DESIGN 5)
    level: int | str | None = None,
    group: str | None = None,
    benchmark: str | None = None,
    core: bool = False,
    lang: str | None = None,
) -> ViewState:
    """The view of an export (``solutions export``, ``/api/v1/scores``), checked against
    the workspace. Defaults: the latest round with scores, the deepest admin level with
    scores, IDPs, parity, English. Raises ``ExportInputError``."""
    rounds = list(context.rounds)
    levels = list(context.scored_levels)
    if not rounds or not levels:
        raise ExportInputError(
            "the workspace has no scores yet: import boundaries and observations first"
        )
    chosen_round = rounds[-1]
    if round is not None and str(round).strip():
        chosen_round = round_value(str(round), rounds)
        if chosen_round is None:
            raise ExportInputError(
                f"round {round!r} has no scores in this workspace (rounds are YYYY-MM-DD or "
                f"YYYY-MM); rounds with scores: {', '.join(rounds)}"
            )
    chosen_level = levels[0]
    if level is not None and str(level).strip():
        text = str(level).strip()
        if not text.isdigit() or int(text) not in levels:
            raise ExportInputError(
                f"admin level {level!r} has no scores; levels with scores: "
                + ", ".join(str(v) for v in levels)
            )
        chosen_level = int(text)
    group = "idp" if group is None else str(group).strip()
    if group not in GROUPS:
        raise ExportInputError(f"group {group!r} is not one of {', '.join(GROUPS)}")
    benchmark = "parity" if benchmark is None else str(benchmark).strip()
    if benchmark not in BENCHMARKS:
        raise ExportInputError(f"benchmark {benchmark!r} is not one of {', '.join(BENCHMARKS)}")
    code = "en" if lang is None else str(lang).strip().lower()
    if code not in LANGUAGES:
        raise ExportInputError(
            f"language {lang!r} is not available; languages: {', '.join(LANGUAGES)}"
        )
    return ViewState(
        round=chosen_round,
        criterion="overall",
        group=group,
        benchmark=benchmark,
        level=chosen_level,
        core=bool(core),
        lang=code,
    )
