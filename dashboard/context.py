"""What every page reads: the workspace's data, loaded and scored once at start.

An ``AppContext`` is built by ``create_app`` and handed to page builders and callbacks.
It is read-only. Derived views that cost something (roll-ups to a parent level, rank
uncertainty) are computed on first use and memoised on the instance, so each worker
process computes each of them once; nothing lives in module globals (DESIGN 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import xarray as xr

from indicators.analysis import change, rank_uncertainty, rollup
from indicators.framework import Framework
from indicators.scoring import score
from workspace.store import Workspace


@dataclass
class AppContext:
    workspace: Workspace
    framework: Framework
    cube: xr.Dataset
    #: Area table without geometry: pcode, name, level, parent_pcode.
    areas: pd.DataFrame
    #: Display GeoJSON bytes per admin level, as served by ``/geo/level/<n>.json``.
    geometry: dict[int, bytes]
    _memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, workspace: Workspace, framework: Framework | None = None) -> AppContext:
        framework = framework or workspace.framework
        areas = pd.DataFrame(workspace.areas().drop(columns="geometry"))
        geometry = {}
        for level in workspace.levels():
            try:
                geometry[level] = workspace.display_geojson_bytes(level)
            except FileNotFoundError:
                continue
        return cls(workspace, framework, workspace.cube(framework), areas, geometry)

    # -- scores ---------------------------------------------------------------------
    def scores(self, core: bool = False) -> xr.Dataset:
        """Scores of every area with data (DESIGN 4), all criteria or IRIS core."""
        key = ("scores", core)
        if key not in self._memo:
            self._memo[key] = score(self.cube, self.framework, core=core).compute()
        return self._memo[key]

    def level_scores(self, level: int, core: bool = False) -> xr.Dataset:
        """Scores of the areas of one admin level: their own, or rolled up (DESIGN 4.8).

        Variables: overall_score, criterion_score, reliability, score_class,
        idps_present, has_data, rolled_up.
        """
        key = ("level", level, core)
        if key not in self._memo:
            self._memo[key] = rollup(self.scores(core), self.cube, self.areas, level)
        return self._memo[key]

    def change(self, level: int, core: bool = False) -> xr.Dataset:
        """Change of the overall score since the previous and the first round (4.7)."""
        key = ("change", level, core)
        if key not in self._memo:
            self._memo[key] = change(self.level_scores(level, core)["overall_score"])
        return self._memo[key]

    def uncertainty(self, level: int, benchmark: str, core: bool = False) -> xr.Dataset:
        """Median rank and 5-95 % rank band per area and round (4.9)."""
        key = ("uncertainty", level, benchmark, core)
        if key not in self._memo:
            criterion = self.level_scores(level, core)["criterion_score"].sel(benchmark=benchmark)
            self._memo[key] = rank_uncertainty(criterion, self.framework, core=core)
        return self._memo[key]

    # -- reference data ---------------------------------------------------------------
    @cached_property
    def names(self) -> dict[str, str]:
        return dict(zip(self.areas["pcode"], self.areas["name"], strict=True))

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
