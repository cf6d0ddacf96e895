"""``solutions export DIR --out FILE.{gpkg,geojson,csv}`` (DESIGN 3.1): the scores of one
view with geometry, for QGIS, or as the HXL-tagged CSV of the Priorities page; each with
its metadata sidecar ``FILE-metadata.json`` (DESIGN 8).

- **GeoPackage / GeoJSON** (written by pyogrio): one feature per area of the Priorities
  table (same rows, same order), with the workspace's full-resolution boundary (not the
  simplified display geometry): pcode, name, parent_pcode, parent_name, round, score,
  class, class_name, reliability, low_reliability, one ``<criterion>_score`` per
  criterion the overall score counts, idps_present, suppressed (the withheld flag).
  GeoJSON is written in WGS 84 (RFC 7946); a GeoPackage keeps the layer's CRS.
- **CSV**: exactly the Priorities page's CSV (``downloads.priorities_csv``).

Values are those of the Priorities CSV, withheld by the same rule; text is neutralised
as in every export. The files are written whole or not at all (temporary file, then
rename) and never inside the workspace, which an export leaves exactly as it was. A
sidecar that describes another data file (``m.gpkg`` beside ``m.csv``) is not overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.briefing.areas import counted_criteria
from dashboard.briefing.downloads import Column, neutralise, priority_columns
from dashboard.briefing.exports import (
    ExportInputError,
    PrioritiesExport,
    export_view,
    metadata_document,
    metadata_json,
    priorities_export,
    sidecar_name,
)
from dashboard.briefing.numbers import shown
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.outputs import EXIT_OK, error, view_arguments, write_atomically

#: Output formats by file extension: (pyogrio driver or None for CSV, what to call it).
FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".csv": None}

#: The Priorities CSV's columns that the geometry exports keep, in their order; the
#: criterion scores come after ``low_reliability``.
GEO_COLUMNS = (
    "pcode",
    "name",
    "parent_pcode",
    "parent_name",
    "round",
    "score",
    "class",
    "class_name",
    "reliability",
    "low_reliability",
    "idps_present",
    "suppressed",
)
_NUMERIC = ("score", "reliability", "idps_present")


def criterion_column(code: str) -> str:
    return f"{code}_score"


def geo_columns(context: AppContext, state: ViewState) -> list[Column]:
    """The columns of the GeoPackage/GeoJSON, described for the sidecar."""
    by_name = {c.name: c for c in priority_columns(state.level)}
    columns = [by_name[name] for name in GEO_COLUMNS]
    framework = context.framework
    criteria = [
        Column(
            criterion_column(code),
            f"#indicator+criterion+score+num+{code}",
            f"score of the criterion {code!r} ({framework.label(code, 'en')}), 0 to 100",
        )
        for code in counted_criteria(context, state.core)
    ]
    at = GEO_COLUMNS.index("low_reliability") + 1
    return [*columns[:at], *criteria, *columns[at:]]


def geo_table(
    context: AppContext, state: ViewState, export: PrioritiesExport, withhold_small_samples: bool
) -> gpd.GeoDataFrame:
    """``export``'s rows (the Priorities CSV) with the criterion scores and the full-
    resolution geometry of each area, in the CSV's order."""
    rows = export.rows
    pcodes = rows["pcode"].tolist()
    level, group, benchmark = state.level, state.group, state.benchmark
    when = np.datetime64(state.round, "ns")
    criteria = counted_criteria(context, state.core)
    values = np.full((len(pcodes), len(criteria)), np.nan)
    if pcodes:  # rows exist only where the level has this group and round
        scores = context.level_scores(level, state.core)["criterion_score"]
        scores = scores.sel(benchmark=benchmark, group=group, round=when, criterion=criteria)
        values = scores.reindex(area=pcodes).transpose("area", "criterion").values.astype(float)
    if withhold_small_samples and pcodes:
        hidden = context.withheld(level, group, state.core).reindex(area=pcodes, fill_value=False)
        hide = np.stack(
            [hidden[c].sel(round=when).values.astype(bool) for c in criteria], axis=1
        ).reshape(values.shape)
        values = np.where(hide, np.nan, values)
    table = pd.DataFrame({name: rows[name].tolist() for name in GEO_COLUMNS})
    for name in _NUMERIC:
        table[name] = pd.to_numeric(table[name], errors="coerce").astype(float)
    table["class"] = pd.array(table["class"].tolist(), dtype="Int64")
    for name in ("low_reliability", "suppressed"):
        table[name] = pd.array(table[name].tolist(), dtype="boolean")
    for name in ("pcode", "name", "parent_pcode", "parent_name", "round", "class_name"):
        table[name] = [neutralise(v) for v in table[name]]
    at = GEO_COLUMNS.index("low_reliability") + 1
    for i, code in enumerate(criteria):
        column = [shown(v) for v in values[:, i]] if len(pcodes) else []
        table.insert(at + i, criterion_column(code), pd.Series(column, dtype=float))
    areas = context.workspace.areas()
    areas = areas[areas["level"].astype(int) == level].set_index("pcode")
    geometry = gpd.GeoSeries(areas.geometry.reindex(pcodes).values, crs=areas.crs)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=areas.crs)


def write_export(
    context: AppContext,
    state: ViewState,
    out: Path,
    *,
    withhold_small_samples: bool = True,
) -> tuple[int, Path]:
    """Write the export of ``state`` to ``out`` (format by extension, ``FORMATS``) and
    its sidecar; (number of areas, sidecar path)."""
    import pyogrio

    driver = FORMATS[out.suffix.lower()]
    made = dt.datetime.now(dt.UTC)
    export = priorities_export(
        context,
        state,
        withhold_small_samples=withhold_small_samples,
        made=made,
        data_file=out.name,
    )
    sidecar = out.with_name(sidecar_name(out.name))
    if driver is None:
        document = export.document
        write_atomically(out, export.csv())
    else:
        table = geo_table(context, state, export, withhold_small_samples)
        if driver == "GeoJSON" and table.crs is not None and not table.crs.equals("EPSG:4326"):
            table = table.to_crs("EPSG:4326")
        document = metadata_document(
            context,
            state,
            export.document["title"],
            geo_columns(context, state),
            made=made,
            withhold_small_samples=withhold_small_samples,
            data_file=out.name,
        )
        document["crs"] = table.crs.to_string() if table.crs is not None else None

        def write(scratch: Path) -> None:
            pyogrio.write_dataframe(
                table,
                scratch,
                driver=driver,
                layer="priorities",
                layer_metadata={"DESCRIPTION": document["title"]} if driver == "GPKG" else None,
            )

        write_atomically(out, write)
    write_atomically(sidecar, metadata_json(document))
    return len(export.rows), sidecar


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _described_by(sidecar: Path) -> str | None:
    """The data file an existing sidecar describes (None: no sidecar, or not ours)."""
    try:
        return str(json.loads(sidecar.read_text("utf-8"))["data_file"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_export_command(args) -> int:
    """The ``solutions export`` command (arguments: ``dashboard.cli``)."""
    from workspace.frameworks import load_framework
    from workspace.store import Workspace

    out: Path = args.out
    if out.suffix.lower() not in FORMATS:
        return error(
            f"{out}: unknown export format {out.suffix or '(no extension)'!r}; the file "
            "must end in .gpkg (GeoPackage), .geojson (GeoJSON) or .csv (HXL-tagged CSV)"
        )
    workspace = Workspace(args.dir).require()
    if _inside(out, workspace.path):
        return error(f"{out}: an export is never written inside the workspace {args.dir}")
    sidecar = out.with_name(sidecar_name(out.name))
    other = _described_by(sidecar)
    if other is not None and other != out.name:
        return error(
            f"{sidecar} holds the metadata of {other}; give {out.name} another name so that "
            "each data file keeps its own metadata"
        )
    framework = load_framework(args.framework) if args.framework else None
    context = AppContext.load(workspace, framework)
    try:
        state = export_view(context, **view_arguments(args))
    except ExportInputError as exc:
        return error(f"{args.dir}: {exc}")
    withhold = not args.include_small_samples
    count, sidecar = write_export(context, state, out, withhold_small_samples=withhold)
    print(
        f"{out}: {count} areas at admin level {state.level}, round {state.round} "
        f"({state.group}, {state.benchmark}{', IRIS core' if state.core else ''}); "
        f"small samples {'withheld' if withhold else 'included'}; metadata in {sidecar}"
    )
    return EXIT_OK
