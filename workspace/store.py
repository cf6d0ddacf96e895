"""The workspace: one folder holding areas, observations, the framework and a manifest.

Layout (DESIGN 3.2)::

    manifest.json          every import: file, checksum, time, rows, rounds added
    areas.gpkg             all admin levels, one layer per level
    display/level_N.json   browser geometry per level, made once at import
    observations/*.nc      one NetCDF per import, never rewritten (append-only)
    framework.yaml         the framework in force (absent: the shipped default)
    frameworks/            frameworks that were replaced, kept
    rejects/               rows skipped by ``import --skip-unknown``
    .staging/              only while a change is being made (see workspace.transaction)

Every change is checked in full before anything is written; files are written under
temporary names and renamed into place, the manifest last, and a failure on the way puts
back what was there.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

import geodata
from indicators.cube import build_cube
from indicators.framework import CONTEXT_VARIABLES, Framework, FrameworkError
from workspace.frameworks import load_framework
from workspace.importing import (
    _coverage_lines,
    _derive_parents,
    _people_csv,
    _place_areas,
    _roll_up,
    _unknown_listing,
)
from workspace.observation_files import read_netcdf as _read_netcdf
from workspace.observation_files import write_netcdf as _write_netcdf
from workspace.observations import (
    COLUMNS,
    MAX_LISTED,
    ObservationError,
    check_rows,
    suspicious_jumps,
)
from workspace.readers import read_source
from workspace.transaction import Transaction, WorkspaceError, workspace_lock

if TYPE_CHECKING:  # the polygons' type; geopandas itself is imported where they are read
    import geopandas as gpd

MANIFEST = "manifest.json"
AREAS = "areas.gpkg"
FRAMEWORK = "framework.yaml"
FORMAT_VERSION = 1


@dataclass
class Report:
    """What an import did, for the person who ran it."""

    lines: list[str] = field(default_factory=list)
    changed: bool = True

    def add(self, line: str) -> None:
        self.lines.append(line)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _locked(method):
    """Run a writing method under the workspace's lock, so two commands never interleave."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with workspace_lock(self.path):
            return method(self, *args, **kwargs)

    return locked


class Workspace:
    """A workspace folder. Reading never writes; every write goes through a transaction."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- reading -----------------------------------------------------------------------
    @property
    def manifest(self) -> dict:
        path = self.path / MANIFEST
        if not path.exists():
            return {"format": FORMAT_VERSION, "workspace": {}, "imports": [], "frameworks": []}
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def generation(self) -> int:
        """The data generation (0 for a workspace never changed): read from the manifest
        alone, so a server can poll it cheaply."""
        path = self.path / MANIFEST
        if not path.exists():
            return 0
        return int(json.loads(path.read_text(encoding="utf-8")).get("generation", 0))

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def require(self) -> Workspace:
        if not self.exists():
            raise WorkspaceError(
                f"{self.path}: not a workspace (no {MANIFEST}); create one with "
                "`solutions import-areas` or `solutions demo`"
            )
        return self

    @property
    def country_name(self) -> str:
        return self.manifest.get("workspace", {}).get("country") or self.path.name

    @property
    def is_fictional(self) -> bool:
        return bool(self.manifest.get("workspace", {}).get("fictional"))

    @property
    def framework(self) -> Framework:
        path = self.path / FRAMEWORK
        return load_framework(path if path.exists() else None)

    def areas(self) -> gpd.GeoDataFrame:
        import geopandas as gpd  # polygons: imports and exports, never a server start

        path = self.path / AREAS
        if not path.exists():
            return gpd.GeoDataFrame(
                {"pcode": [], "name": [], "level": [], "parent_pcode": []},
                geometry=gpd.GeoSeries([], crs="EPSG:4326"),
            )
        return geodata.load_areas(path)

    def area_table(self) -> pd.DataFrame:
        """The areas without their polygons (pcode, name, level, parent_pcode): cheap."""
        path = self.path / AREAS
        if not path.exists():
            return pd.DataFrame({"pcode": [], "name": [], "level": [], "parent_pcode": []})
        return geodata.load_areas(path, geometry=False)

    def levels(self) -> list[int]:
        return sorted(int(level) for level in self.manifest.get("levels", {}))

    def display_geojson_bytes(self, level: int) -> bytes:
        return (self.path / "display" / f"level_{int(level)}.json").read_bytes()

    def observations(self) -> pd.DataFrame:
        frames = []
        for entry in self.manifest["imports"]:
            if entry["kind"] != "observations":
                continue
            frames.append(_read_netcdf(self.path / entry["stored_as"]))
        if not frames:
            return _empty_observations()
        return pd.concat(frames, ignore_index=True)

    def cube(self, framework: Framework | None = None) -> xr.Dataset:
        areas = self.areas()
        parents = dict(zip(areas["pcode"], areas["parent_pcode"], strict=True))
        levels = dict(zip(areas["pcode"], areas["level"].astype(int), strict=True))
        return build_cube(self.observations(), framework or self.framework, parents, levels)

    def info(self) -> dict:
        manifest = self.manifest
        observations = self.observations()
        framework = self.framework
        present = set(observations["indicator"])
        ordered = [c for c in (*framework.indicator_codes, *CONTEXT_VARIABLES) if c in present]
        ordered += sorted(present - set(ordered))
        rounds = sorted({pd.Timestamp(r).strftime("%Y-%m-%d") for r in observations["round"]})
        return {
            "workspace": str(self.path),
            "country": self.country_name,
            "fictional": self.is_fictional,
            "areas": {str(k): v for k, v in sorted(manifest.get("levels", {}).items())},
            "rounds": rounds,
            "groups": sorted(g for g in set(observations["group"]) if g),
            "indicators": ordered,
            "observations": len(observations),
            "imports": len(manifest["imports"]),
            "generation": int(manifest.get("generation", 0)),
            "updated": manifest.get("updated"),
            "framework": {"name": framework.name, "version": framework.version},
        }

    # -- writing -----------------------------------------------------------------------
    def _commit(self, transaction: Transaction, manifest: dict) -> None:
        # one generation per successful change (DESIGN 3.2): derived data is keyed by it
        manifest["generation"] = int(manifest.get("generation", 0)) + 1
        manifest["updated"] = _now()
        data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        transaction.stage_bytes(MANIFEST, data)
        transaction.commit()

    def _already_imported(self, checksum: str, kind: str) -> dict | None:
        for entry in self.manifest["imports"]:
            if entry.get("sha256") == checksum and entry["kind"] == kind:
                return entry
        return None

    @_locked
    def set_metadata(self, **values) -> None:
        manifest = self.manifest
        manifest.setdefault("workspace", {}).update(values)
        transaction = Transaction(self.path)
        try:
            self._commit(transaction, manifest)
        finally:
            transaction.abort()

    @_locked
    def import_areas(
        self,
        files: Iterable[str | Path],
        *,
        level: int | None = None,
        code_column: str | None = None,
        name_column: str | None = None,
        parent_column: str | None = None,
        parent_from_geometry: bool = False,
    ) -> Report:
        """Add admin-area layers; a level already present is replaced by the new layer.

        ``parent_from_geometry``: a layer without a parent column gets, for each area,
        the area one level up (in the workspace or among the files) holding most of it."""
        import geopandas

        report = Report()
        files = [Path(f) for f in files]
        layers = []
        for path in files:
            checksum = file_checksum(path) if path.is_file() else None
            earlier = checksum and self._already_imported(checksum, "areas")
            if earlier:
                report.add(f"{path}: already imported on {earlier['time']}; nothing to do")
                continue
            layer = geodata.read_area_layer(
                path,
                level=level,
                code_column=code_column,
                name_column=name_column,
                parent_column=parent_column,
            )
            layers.append((path, checksum, layer))
        if not layers:
            report.changed = False
            return report

        existing = self.areas()
        if parent_from_geometry:
            _derive_parents(layers, existing)
        named = ", ".join(str(path) for path, _, _ in layers)
        new_levels = {int(layer["level"].iloc[0]) for _, _, layer in layers}
        if len(new_levels) != len(layers):
            raise WorkspaceError(
                f"{named}: two of the files give the same admin level; import one of them"
            )
        kept = existing[~existing["level"].isin(new_levels)]
        combined = pd.concat([kept, *(layer for _, _, layer in layers)], ignore_index=True)
        combined = geopandas.GeoDataFrame(combined, geometry="geometry", crs="EPSG:4326")

        duplicated = combined["pcode"][combined["pcode"].duplicated()]
        if not duplicated.empty:
            raise WorkspaceError(
                f"{named}: P-codes used at two admin levels: "
                + ", ".join(sorted(set(duplicated))[:20])
            )
        problems = geodata.check_hierarchy(combined)
        if problems:
            raise WorkspaceError(
                f"{named}: the admin hierarchy does not hold:\n"
                + "\n".join(f"  {p}" for p in problems[:MAX_LISTED])
                + (
                    f"\n  ... and {len(problems) - MAX_LISTED} more"
                    if len(problems) > MAX_LISTED
                    else ""
                )
            )
        observed = set(self.observations()["area_pcode"])
        lost = sorted(observed - set(combined["pcode"]))
        if lost:
            raise WorkspaceError(
                f"{named}: the new layer drops {len(lost)} area(s) that have observations: "
                f"{', '.join(lost[:20])}; import a layer that still holds them"
            )

        manifest = self.manifest
        transaction = Transaction(self.path)
        try:
            transaction.stage(AREAS, lambda target: geodata.write_areas(combined, target))
            for path, checksum, layer in layers:
                level_number = int(layer["level"].iloc[0])
                geometry = geodata.display_geojson_bytes(layer)
                transaction.stage_bytes(f"display/level_{level_number}.json", geometry)
                manifest.setdefault("levels", {})[str(level_number)] = len(layer)
                if layer.attrs.get("country") and not manifest.get("workspace", {}).get("country"):
                    manifest.setdefault("workspace", {})["country"] = layer.attrs["country"]
                notes = list(layer.attrs.get("notes", []))
                manifest["imports"].append(
                    {
                        "kind": "areas",
                        "file": path.name,
                        "sha256": checksum,
                        "time": _now(),
                        "level": level_number,
                        "rows": len(layer),
                        "notes": notes,
                    }
                )
                replaced = (
                    " (replacing the earlier layer)"
                    if level_number in set(existing["level"])
                    else ""
                )
                report.add(
                    f"{path}: {len(layer)} areas at admin level {level_number}{replaced}; "
                    f"display geometry {len(geometry) / 1024:.0f} KB"
                )
                report.lines.extend(f"  note: {note}" for note in notes)
            self._commit(transaction, manifest)
        except BaseException:
            transaction.abort()
            raise
        return report

    @_locked
    def import_observations(
        self,
        files: Iterable[str | Path],
        *,
        skip_unknown: bool = False,
        match_names: bool = False,
        encoding: str | None = None,
        round_date: str | None = None,
        decimal: str | None = None,
        allow_any_date: bool = False,
        value_column: str | None = None,
        level: int | None = None,
        roll_up: bool = False,
    ) -> Report:
        """Add observation files; all of them are checked before any is stored.

        ``level`` reads one admin level of a file that mixes levels; ``roll_up`` adds
        figures of areas below the workspace's deepest level into their parents."""
        report = Report()
        framework = self.framework
        areas = self.area_table()
        known_areas = set(areas["pcode"])
        if not known_areas:
            raise WorkspaceError(
                f"{self.path}: the workspace has no areas yet; run `solutions import-areas` first"
            )
        existing = self.observations()
        manifest = self.manifest
        transaction = Transaction(self.path)
        number = sum(1 for e in manifest["imports"] if e["kind"] == "observations")
        accepted_tables = [existing]
        try:
            for path in (Path(f) for f in files):
                if not path.is_file():
                    raise ObservationError(f"{path}: file not found")
                checksum = file_checksum(path)
                earlier = self._already_imported(checksum, "observations")
                if earlier:
                    report.add(f"{path}: already imported on {earlier['time']}; nothing to do")
                    continue
                source = read_source(
                    path,
                    encoding=encoding,
                    round_date=round_date,
                    value_column=value_column,
                    level=level,
                )
                frame = source.frame
                if roll_up:
                    frame = _roll_up(path, frame, areas, source.notes)
                frame, placement = _place_areas(path, frame, areas, match_names, source.notes)
                placement_lines = placement.lines()
                result = check_rows(
                    path,
                    frame,
                    framework,
                    source.notes,
                    source.columns,
                    decimal=decimal,
                    allow_any_date=allow_any_date,
                    keep_categories=True,
                )
                table = result.table
                unknown = ~table["area_pcode"].isin(known_areas)
                rejects_name = None
                if unknown.any():
                    by_name = (source.frame["area_pcode"] == "").all()
                    column = source.columns.get("area_name" if by_name else "area_pcode")
                    listing = _unknown_listing(
                        table[unknown], column or "area_pcode", placement.reasons
                    )
                    if not skip_unknown:
                        raise ObservationError(
                            f"{path}: {unknown.sum()} row(s) name areas that are not in the "
                            f"workspace; nothing was imported.\n{listing}\n"
                            "Import the missing boundaries, correct the codes, or run again "
                            "with --skip-unknown to import the rest and keep these rows aside."
                        )
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                    rejects_name = f"rejects/{path.stem}-{stamp}-rejects.csv"
                    rejected = _for_storage(table[unknown]).assign(
                        row=table.loc[unknown, "row"].to_numpy(), reason="area not in workspace"
                    )
                    transaction.stage_bytes(rejects_name, _people_csv(rejected))
                    table = table[~unknown]
                table, dropped = _against_store(path, table, pd.concat(accepted_tables))
                if table.empty:
                    report.add(f"{path}: every row is already in the workspace; nothing added")
                    continue
                number += 1
                stored_as = f"observations/{number:04d}-{_safe_stem(path)}.nc"
                stored = _for_storage(table)
                transaction.stage(stored_as, lambda target, s=stored: _write_netcdf(s, target))
                # distinct values first: a set of a million Timestamps costs seconds
                known_rounds = set(pd.concat(accepted_tables)["round"].unique())
                added_rounds = sorted(set(table["round"].unique()) - known_rounds)
                accepted_tables.append(stored)
                entry = {
                    "kind": "observations",
                    "file": path.name,
                    "sha256": checksum,
                    "time": _now(),
                    "rows": len(table),
                    "rounds_added": [pd.Timestamp(r).strftime("%Y-%m-%d") for r in added_rounds],
                    "sources": sorted(s for s in set(table["source"]) if s),
                    "stored_as": stored_as,
                    "notes": [*result.notes],
                }
                if rejects_name:
                    entry["rejects"] = rejects_name
                    entry["notes"].append(f"{int(unknown.sum())} row(s) skipped: unknown area")
                if dropped:
                    entry["notes"].append(f"{dropped} row(s) already in the workspace, skipped")
                manifest["imports"].append(entry)
                report.add(
                    f"{path}: {len(table)} rows imported, {table['area_pcode'].nunique()} areas, "
                    f"{table['round'].nunique()} round(s) ({len(added_rounds)} new)"
                )
                report.lines.extend(f"  note: {note}" for note in entry["notes"])
                report.lines.extend(f"  {line}" for line in placement_lines)
                report.lines.extend(f"  {line}" for line in _coverage_lines(table, areas))
                warnings = suspicious_jumps(table)
                entry["warnings"] = warnings
                report.lines.extend(f"  warning: {w}" for w in warnings)
                if rejects_name:
                    report.add(f"  skipped rows kept in {self.path / rejects_name}")
            if not transaction.changed:
                transaction.abort()  # nothing to swap in: drop the staging copy now
                report.changed = False
                return report
            self._commit(transaction, manifest)
        except BaseException:
            transaction.abort()
            raise
        return report

    @_locked
    def set_framework(self, file: str | Path) -> Report:
        """Put a framework in force after checking it knows every observed indicator."""
        path = Path(file)
        new = load_framework(path)
        observed = set(self.observations()["indicator"]) - set(CONTEXT_VARIABLES)
        unknown = sorted(observed - set(new.indicator_codes))
        if unknown:
            raise FrameworkError(
                f"{path}: the workspace holds observations of indicators this framework does "
                f"not define: {', '.join(unknown)}; add them to the framework, or score with "
                "`solutions score --framework FILE` without putting it in force"
            )
        manifest = self.manifest
        transaction = Transaction(self.path)
        report = Report()
        try:
            current = self.path / FRAMEWORK
            if current.exists():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                kept = f"frameworks/replaced-{stamp}.yaml"
                transaction.stage_bytes(kept, current.read_bytes())
                report.add(f"the framework it replaces is kept as {self.path / kept}")
            transaction.stage_bytes(FRAMEWORK, path.read_bytes())
            manifest.setdefault("frameworks", []).append(
                {
                    "file": path.name,
                    "sha256": file_checksum(path),
                    "time": _now(),
                    "name": new.name,
                    "version": new.version,
                }
            )
            self._commit(transaction, manifest)
        except BaseException:
            transaction.abort()
            raise
        report.lines.insert(
            0,
            f"{path}: framework {new.name!r} version {new.version} in force "
            f"({len(new.criteria)} criteria, {len(new.indicators)} indicators)",
        )
        return report


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_pcode": pd.Series(dtype=object),
            "round": pd.Series(dtype="datetime64[ns]"),
            "group": pd.Series(dtype=object),
            "indicator": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
            "n": pd.Series(dtype=float),
            "source": pd.Series(dtype=object),
            "se": pd.Series(dtype=float),
        }
    )


def _for_storage(table: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in COLUMNS if c in table]
    stored = table[columns].copy()
    for column in ("area_pcode", "group", "indicator", "source"):
        # categorical text (from the reader) stays categorical: the NetCDF writer takes
        # its codes as they are, and a million Python strings are never made
        if not isinstance(stored[column].dtype, pd.CategoricalDtype):
            stored[column] = stored[column].astype(object)
    stored["round"] = stored["round"].astype("datetime64[ns]")
    return stored.reset_index(drop=True)


def _against_store(
    path: Path, table: pd.DataFrame, stored: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Drop rows already stored with the same value; refuse rows that contradict one."""
    keys = ["area_pcode", "round", "group", "indicator"]
    if stored.empty:
        return table, 0
    merged = table.merge(
        _for_storage(stored)[[*keys, "value", "n"]], on=keys, how="left", suffixes=("", "_stored")
    )
    clash = merged["value_stored"].notna()
    same = (
        clash
        # exact: counts of a million differ in the last digit (isclose called them equal)
        & np.isclose(merged["value"], merged["value_stored"], rtol=1e-12, atol=0)
        & ((merged["n"] == merged["n_stored"]) | (merged["n"].isna() & merged["n_stored"].isna()))
    )
    conflict = clash & ~same
    if conflict.any():
        lines = [
            f"  row {int(r.row)}: {r.area_pcode} / {pd.Timestamp(r.round):%Y-%m-%d} / "
            f"{r.group or '-'} / {r.indicator}: {r.value:g} here, "
            f"{r.value_stored:g} in the workspace"
            for r in merged[conflict].head(20).itertuples()
        ]
        raise ObservationError(
            f"{path}: {int(conflict.sum())} row(s) contradict values already in the workspace; "
            "nothing was imported. Earlier rounds are never rewritten.\n" + "\n".join(lines)
        )
    kept = table[~same.to_numpy()]
    return kept, int(same.sum())


def _safe_stem(path: Path) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in path.stem)
    return stem[:60] or "observations"
