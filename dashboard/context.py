"""What every page reads: the workspace's data at one generation, scored once per generation.

An ``AppContext`` is built by ``create_app`` and handed to page builders and callbacks.
It is read-only. Derived data that costs something (scores, roll-ups to a parent level,
rank uncertainty, small-sample flags, the comparator's scores, the sources per area) is
reached through the named methods and properties below, computed on first use and kept
on the instance; ``AppContext.load`` also keeps each with the workspace
(``workspace.derived``: ``derived/<generation>-<framework checksum>/``), so a later load of
the same generation, in any process, reads rather than recomputes it. Nothing lives in
module globals (DESIGN 2). Other modules never write the cache: they call these methods.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from indicators.analysis import change, rank_uncertainty, rollup
from indicators.comparator import comparator_result
from indicators.disclosure import sample_flags, withheld_by_criterion
from indicators.framework import Framework
from indicators.scoring import score
from workspace.derived import DerivedStore
from workspace.store import Workspace


@dataclass
class AppContext:
    workspace: Workspace
    framework: Framework
    cube: xr.Dataset
    #: Area table without geometry: pcode, name, level, parent_pcode, and where the
    #: boundaries carry them name_ar / name_es / name_fr (``geodata.NAME_COLUMNS``).
    areas: pd.DataFrame
    #: Display GeoJSON bytes per admin level, as served by ``/geo/level/<n>.json``.
    geometry: dict[int, bytes]
    #: Derived data, keyed by method and arguments; written only by ``_cached``. Not an
    #: init field: a copy (``dataclasses.replace`` with other areas or another cube)
    #: starts with its own, never the original's.
    _memo: dict = field(default_factory=dict, init=False, repr=False)
    #: The workspace's stored derived data of this generation (``workspace.derived``),
    #: set by ``load`` only: a context made otherwise (a test's changed copy, a
    #: benchmark's synthetic one) computes in memory and stores nothing.
    derived: DerivedStore | None = field(default=None, init=False, repr=False)
    #: The generation this context shows, and the manifest's time of its last change.
    generation: int = field(default=0, init=False)
    updated: str | None = field(default=None, init=False)

    def _cached(self, key: tuple, build: Callable[[], object]):
        if key not in self._memo:
            name = "_".join(str(part) for part in key)
            found = self.derived.get(name) if self.derived is not None else None
            if found is None:
                found = build()
                if self.derived is not None:
                    self.derived.put(name, found)
            self._memo[key] = found
        return self._memo[key]

    def kept(self, key: tuple, build: Callable[[], object]):
        """``build()`` once for this context, in memory only (what an app makes of one
        generation: compressed geometry, the map's arrays)."""
        key = ("kept", *key)
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    @classmethod
    def load(cls, workspace: Workspace, framework: Framework | None = None) -> AppContext:
        """The workspace's data at its current generation: derived data is read from the
        workspace's ``derived/`` folder when an earlier load (or ``solutions score``)
        kept it there, else computed once and kept (DESIGN 3.2)."""
        manifest = workspace.manifest
        framework = framework or workspace.framework
        store = DerivedStore(workspace.path, int(manifest.get("generation", 0)), framework)
        # kept too: reading the GeoPackage's attributes would import pyogrio and GDAL
        areas = store.get("areas")
        if areas is None:
            areas = workspace.area_table()
            store.put("areas", areas)
        else:
            areas = areas.reset_index(drop=True)
        geometry = {}
        for level in workspace.levels():
            try:
                geometry[level] = workspace.display_geojson_bytes(level)
            except FileNotFoundError:
                continue
        cube = store.get("cube")
        if cube is None:
            cube = workspace.cube(framework)
            store.put("cube", cube)
        context = cls(workspace, framework, cube, areas, geometry)
        context.derived = store
        context.generation = store.generation
        context.updated = manifest.get("updated")
        return context

    # -- scores ---------------------------------------------------------------------
    def scores(self, core: bool = False) -> xr.Dataset:
        """Scores of every area with data (DESIGN 4), all criteria or IRIS core."""
        return self._cached(
            ("scores", core), lambda: score(self.cube, self.framework, core=core).compute()
        )

    def level_scores(self, level: int, core: bool = False) -> xr.Dataset:
        """Scores of the areas of one admin level: their own, or rolled up (DESIGN 4.8).

        Variables: overall_score, criterion_score, reliability, score_class,
        idps_present, has_data, rolled_up.
        """
        return self._cached(
            ("level", level, core),
            lambda: rollup(self.scores(core), self.cube, self.areas, level),
        )

    def change(self, level: int, core: bool = False) -> xr.Dataset:
        """Change of the overall score since the previous and the first round (4.7)."""
        return self._cached(
            ("change", level, core),
            lambda: change(self.level_scores(level, core)["overall_score"]),
        )

    def uncertainty(self, level: int, benchmark: str, core: bool = False) -> xr.Dataset:
        """Median rank and 5-95 % rank band per area and round (4.9)."""

        def build():
            criterion = self.level_scores(level, core)["criterion_score"].sel(benchmark=benchmark)
            return rank_uncertainty(criterion, self.framework, core=core)

        return self._cached(("uncertainty", level, benchmark, core), build)

    # -- small samples (DESIGN 8) ----------------------------------------------------
    def sample_flags(self, level: int) -> xr.Dataset:
        """``present``/``small`` per area of ``level``, round, group and indicator
        (``indicators.disclosure.sample_flags``)."""
        return self._cached(
            ("samples", level),
            lambda: sample_flags(self.cube, self.levels, self.parents, self.framework.n_min, level),
        )

    def withheld(self, level: int, group: str, core: bool = False) -> xr.Dataset:
        """Withheld flags over (area, round) of ``level``, rounds as in ``rounds``:
        ``overall`` and one variable per criterion."""

        def build():
            flags = self.sample_flags(level).sel(group=group)
            flags = flags.reindex(round=pd.to_datetime(list(self.rounds)).to_numpy())
            framework = self.framework
            counted = framework.core_criterion_codes if core else framework.criterion_codes
            return withheld_by_criterion(flags, framework, counted)

        return self._cached(("withheld", level, group, core), build)

    # -- the comparator ------------------------------------------------------------------
    def comparator(self) -> xr.Dataset:
        """The comparator's scores shaped like ``scores()`` (``criterion_score``,
        ``overall_score``...), for "each criterion against the comparator"."""
        return self._cached(
            ("comparator",),
            lambda: comparator_result(
                self.cube, self.framework, self.scores()["has_data"]
            ).compute(),
        )

    def comparator_level(self, level: int) -> xr.Dataset:
        """The comparator's scores rolled up to admin ``level``, like ``level_scores``."""
        return self._cached(
            ("comparator", level), lambda: rollup(self.comparator(), self.cube, self.areas, level)
        )

    # -- geometry ------------------------------------------------------------------------
    def features(self, level: int) -> xr.Dataset:
        """The display geometry of ``level`` as the map indexes it: ``pcode`` and
        ``name`` of each feature in the file's order, and the ``bounds`` (attribute: min
        lon, min lat, max lon, max lat). Kept with the workspace: finding them parses the
        whole GeoJSON, the largest part of a server start's own work once the scores are
        kept."""

        def build() -> xr.Dataset:
            from dashboard.figures.map import geojson_bounds

            collection = json.loads(self.geometry[level])
            features = collection["features"]
            pcodes = [str(f["properties"]["pcode"]) for f in features]
            names = [str(f["properties"].get("name", "")) for f in features]
            return xr.Dataset(
                {
                    "pcode": ("feature", np.array(pcodes, dtype=str)),
                    "name": ("feature", np.array(names, dtype=str)),
                },
                attrs={"bounds": list(geojson_bounds(collection))},
            )

        return self._cached(("features", level), build)

    def collection(self, level: int) -> dict:
        """The display GeoJSON of ``level`` as a parsed FeatureCollection."""
        return self._cached(("collection", level), lambda: json.loads(self.geometry[level]))

    # -- reference data ---------------------------------------------------------------
    @cached_property
    def names(self) -> dict[str, str]:
        """P-code -> the area's default name (the boundaries' English or only name)."""
        return dict(zip(self.areas["pcode"], self.areas["name"], strict=True))

    def names_in(self, lang: str | None) -> dict[str, str]:
        """P-code -> the area's name in ``lang`` where the boundaries carry one (COD-AB
        ``ADMn_AR``, ``ADMn_ES``, ``ADMn_FR``), else its default name (DESIGN 5.2)."""
        column = f"name_{lang}"
        if column not in self.areas.columns:
            return self.names

        def build() -> dict[str, str]:
            own = dict(zip(self.areas["pcode"], self.areas[column], strict=True))
            return {
                pcode: own[pcode] if isinstance(own[pcode], str) and own[pcode].strip() else name
                for pcode, name in self.names.items()
            }

        return self._cached(("names", column), build)

    @cached_property
    def levels(self) -> dict[str, int]:
        return dict(zip(self.areas["pcode"], self.areas["level"].astype(int), strict=True))

    @cached_property
    def parents(self) -> dict[str, str | None]:
        return dict(zip(self.areas["pcode"], self.areas["parent_pcode"], strict=True))

    @cached_property
    def scored_levels(self) -> list[int]:
        """Admin levels that have scores, own or rolled up, deepest first."""
        scored = self.scores()
        with_data = scored["area"].values[scored["has_data"].any(["round", "group"]).values]
        deepest = max((self.levels.get(a, -1) for a in with_data), default=-1)
        if deepest < 0:
            return []
        return [lvl for lvl in sorted(set(self.levels.values()), reverse=True) if lvl <= deepest]

    @cached_property
    def rounds(self) -> list[str]:
        """Rounds with at least one score, oldest first, as YYYY-MM-DD."""
        scored = self.scores()
        has = scored["has_data"].any(["area", "group"]).values
        return [f"{pd.Timestamp(r):%Y-%m-%d}" for r in scored["round"].values[has]]

    @cached_property
    def sources(self) -> pd.DataFrame:
        """One row per observation import: file, sources, rows, rounds, time."""
        rows = [
            {
                "file": entry["file"],
                "sources": ", ".join(entry.get("sources", [])),
                "rows": entry.get("rows"),
                "rounds_added": entry.get("rounds_added", []),
                "imported": entry.get("time"),
                "sha256": entry.get("sha256"),
            }
            for entry in self.workspace.manifest.get("imports", [])
            if entry.get("kind") == "observations"
        ]
        return pd.DataFrame(rows)

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Parent P-code -> its children's P-codes."""
        children: dict[str, list[str]] = {}
        for pcode, parent in self.parents.items():
            if isinstance(parent, str) and parent:
                children.setdefault(parent, []).append(pcode)
        return children

    @cached_property
    def sources_by_area(self) -> pd.DataFrame:
        """One row per (area, source, round) of the observations."""
        return self._cached(("sources_by_area",), self._sources_by_area)

    def _sources_by_area(self) -> pd.DataFrame:
        observations = self.workspace.observations()
        if "source" not in observations or observations.empty:
            return pd.DataFrame(columns=["area_pcode", "source", "round"])
        table = observations[["area_pcode", "source", "round"]].copy()
        table["source"] = table["source"].fillna("").astype(str).str.strip()
        table["round"] = pd.to_datetime(table["round"]).dt.strftime("%Y-%m-%d")
        return table.drop_duplicates().reset_index(drop=True)

    @cached_property
    def source_coverage(self) -> pd.DataFrame:
        """One row per data source named in the observations: ``source`` (text, may be
        empty), ``first_round``, ``last_round`` (YYYY-MM-DD), ``rounds`` (count),
        ``rows``, ``files`` (import file names) and ``imported`` (latest import time)."""
        return self._cached(("source_coverage",), self._source_coverage)

    def _source_coverage(self) -> pd.DataFrame:
        columns = ["source", "first_round", "last_round", "rounds", "rows", "files", "imported"]
        observations = self.workspace.observations()
        if observations.empty:
            return pd.DataFrame(columns=columns)
        observations = observations.assign(
            source=observations["source"].fillna("").astype(str).str.strip(),
            round=pd.to_datetime(observations["round"]),
        )
        rows = []
        imports = [
            e for e in self.workspace.manifest.get("imports", []) if e.get("kind") == "observations"
        ]
        for source, part in observations.groupby("source", sort=True):
            entries = [
                e
                for e in imports
                if source in e.get("sources", []) or (not source and not e.get("sources"))
            ]
            rows.append(
                {
                    "source": source,
                    "first_round": f"{part['round'].min():%Y-%m-%d}",
                    "last_round": f"{part['round'].max():%Y-%m-%d}",
                    "rounds": int(part["round"].nunique()),
                    "rows": len(part),
                    "files": [e["file"] for e in entries],
                    "imported": max((e.get("time", "") for e in entries), default=""),
                }
            )
        return pd.DataFrame(rows, columns=columns)
