"""What a workspace holds, what it can show and what to import next (DESIGN 5: every
workspace shape works), and the counts of persons (DTM's ``idps_present`` and
``returnees_present``) per area and round: the first day of an office, boundaries and
DTM figures, has these and no score.

Every page, ``solutions score`` and the PDF read ``holdings`` and ``next_step`` from here,
so they say the same thing about the same workspace. The counts of a parent area are
its own where it has one, else the sum of its children's (persons add up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.context import AppContext
from dashboard.i18n import N_, translator

#: The count variables a map can show, by displaced group (DESIGN 3.3).
COUNT_OF_GROUP = {"idp": "idps_present", "returnee": "returnees_present"}
COUNT_LABELS = {"idps_present": N_("IDPs present"), "returnees_present": N_("Returnees present")}
#: What a counts map shows: the count, or its change since the previous or first round.
MEASURES = ("present", "since_previous", "since_first")
MEASURE_LABELS = {
    "present": N_("Persons present"),
    "since_previous": N_("Change since the previous round"),
    "since_first": N_("Change since the first round"),
}


@dataclass(frozen=True)
class Holdings:
    """What the workspace holds, in numbers."""

    areas: int
    levels: tuple[int, ...]
    #: Count variable -> rounds (YYYY-MM-DD, oldest first) with a value.
    counts: dict[str, tuple[str, ...]]
    #: Framework indicators with at least one value, and how many the framework has.
    indicators: int
    indicators_total: int
    #: Criteria of the framework with at least one indicator value, and all of them.
    criteria_with_data: tuple[str, ...]
    criteria_total: int
    #: Displaced groups with a framework indicator value.
    groups: tuple[str, ...]
    #: Rounds with a framework indicator value (any group, the comparator included).
    rounds: tuple[str, ...]
    #: At least one score could be computed.
    scored: bool

    @property
    def count_rounds(self) -> tuple[str, ...]:
        return tuple(sorted({r for rounds in self.counts.values() for r in rounds}))


def holdings(context: AppContext) -> Holdings:
    """What ``context``'s workspace holds (memoised on the context)."""
    return context._cached(("holdings",), lambda: _holdings(context))


def _holdings(context: AppContext) -> Holdings:
    cube, framework = context.cube, context.framework
    rounds = np.asarray(pd.to_datetime(cube["round"].values).strftime("%Y-%m-%d"), dtype=object)
    counts = {}
    for variable in COUNT_OF_GROUP.values():
        has = cube["context"].sel(variable=variable).notnull().any("area").values
        if has.any():
            counts[variable] = tuple(rounds[has])
    value = cube["value"].notnull()
    per_indicator = value.any(["area", "round", "group"]).values
    codes = {c for c, has in zip(framework.indicator_codes, per_indicator, strict=True) if has}
    criteria = tuple(
        c.code
        for c in framework.criteria
        if any(i.code in codes for s in c.subcriteria for i in s.indicators)
    )
    displaced = value.any(["area", "round", "indicator"])
    groups = tuple(g for g in ("idp", "returnee") if bool(displaced.sel(group=g).item()))
    return Holdings(
        areas=len(context.areas),
        levels=tuple(sorted(context.geometry)),
        counts=counts,
        indicators=len(codes),
        indicators_total=len(framework.indicator_codes),
        criteria_with_data=criteria,
        criteria_total=len(framework.criterion_codes),
        groups=groups,
        rounds=tuple(rounds[value.any(["area", "group", "indicator"]).values]),
        scored=bool(context.rounds),
    )


def next_step(held: Holdings, lang: str) -> str:
    """What the workspace can show and what to import next, in plain words ("" when
    nothing is missing)."""
    _ = translator(lang)
    if not held.areas:
        return _(
            "The workspace has no boundaries yet: import admin areas first "
            "(solutions import-areas), then observations (solutions import)."
        )
    if not held.counts and not held.indicators:
        return _(
            "The workspace holds boundaries only: import IDP figures (a DTM file) or "
            "indicator observations next (solutions import)."
        )
    if not held.scored:
        if held.indicators:
            return _(
                "The indicator values are too few for a score (fewer criteria with data "
                "than the framework needs); the workspace holds {indicators} of the "
                "framework's {total} indicators — import observations of the other "
                "criteria next (solutions import or solutions survey)."
            ).format(indicators=held.indicators, total=held.indicators_total)
        return _(
            "No framework indicator values yet; the workspace holds {names} in {rounds} "
            "rounds — import survey estimates (solutions survey) or indicator "
            "observations next (solutions import)."
        ).format(names=", ".join(held.counts), rounds=len(held.count_rounds))
    missing = []
    if len(held.groups) < 2:
        missing.append(
            _("Scores exist for one displaced group only: import the other group's values.")
        )
    if len(held.criteria_with_data) < held.criteria_total:
        missing.append(
            _(
                "{count} of the framework's {total} criteria have no data: their scores "
                "stay empty until observations of them are imported."
            ).format(
                count=held.criteria_total - len(held.criteria_with_data), total=held.criteria_total
            )
        )
    if len(held.rounds) < 2:
        missing.append(_("One survey round only: import another round to see change."))
    return " ".join(missing)


# -- counts of persons per area and round ---------------------------------------------


def count_rounds(context: AppContext, variable: str) -> tuple[str, ...]:
    """Rounds with a value of ``variable``, oldest first (YYYY-MM-DD)."""
    return holdings(context).counts.get(variable, ())


def counts_at_level(context: AppContext, variable: str, level: int) -> pd.DataFrame:
    """``variable`` per area of ``level`` (rows, P-codes) and round (columns, YYYY-MM-DD,
    the rounds with a value anywhere): an area's own figure where it has one, else the
    sum of its children's (NaN where neither). Memoised on the context."""
    return context._cached(
        ("counts", variable, level), lambda: _counts_at_level(context, variable, level)
    )


def _counts_at_level(context: AppContext, variable: str, level: int) -> pd.DataFrame:
    rounds = list(count_rounds(context, variable))
    cube = context.cube
    own = cube["context"].sel(variable=variable).to_pandas()
    own.columns = pd.to_datetime(own.columns).strftime("%Y-%m-%d")
    own = own.reindex(columns=rounds)
    areas = context.areas
    at_level = areas.loc[areas["level"].astype(int) == level, "pcode"].astype(str).tolist()
    table = own.reindex(at_level)
    deeper = sorted({int(v) for v in areas["level"]} - {level})
    deeper = [d for d in deeper if d > level]
    if deeper:
        # Sum the next level down (itself summed from below), then keep own figures.
        below = counts_at_level(context, variable, deeper[0])
        parents = pd.Series(context.parents).reindex(below.index)
        summed = below.groupby(parents.values).sum(min_count=1)
        table = table.combine_first(summed.reindex(at_level)).reindex(columns=rounds)
    return table


@dataclass(frozen=True)
class CountView:
    """One counts map: what it shows, where, and when."""

    variable: str  # idps_present | returnees_present
    level: int
    round: str  # YYYY-MM-DD, one of count_rounds
    measure: str = "present"  # one of MEASURES


def count_values(context: AppContext, view: CountView) -> pd.DataFrame:
    """Per area of the view's level: ``pcode``, ``name``, ``present`` (the round's
    count), ``previous_round`` and ``since_previous`` (change since the previous round
    with a figure for the area), ``since_first`` (change since the area's first figure),
    and ``value`` (the measure the view shows)."""
    table = counts_at_level(context, view.variable, view.level)
    rounds = list(table.columns)
    upto = (
        table.iloc[:, : rounds.index(view.round) + 1] if view.round in rounds else table.iloc[:, :0]
    )
    present = upto.iloc[:, -1] if upto.shape[1] else pd.Series(np.nan, index=table.index)
    before = upto.iloc[:, :-1]
    previous = before.ffill(axis=1).iloc[:, -1] if before.shape[1] else present * np.nan
    previous_round = (
        before.notna().iloc[:, ::-1].idxmax(axis=1).where(before.notna().any(axis=1))
        if before.shape[1]
        else pd.Series(None, index=table.index, dtype=object)
    )
    first = upto.bfill(axis=1).iloc[:, 0] if upto.shape[1] else present * np.nan
    out = pd.DataFrame(
        {
            "pcode": table.index.astype(str),
            "name": [context.names.get(p, p) for p in table.index],
            "present": present.to_numpy(dtype=float),
            "previous_round": previous_round.to_numpy(dtype=object),
            "since_previous": (present - previous).to_numpy(dtype=float),
            "since_first": (present - first).to_numpy(dtype=float),
        }
    )
    out["value"] = out[view.measure if view.measure != "present" else "present"]
    return out


def trend(context: AppContext, variable: str, pcode: str, level: int) -> pd.Series:
    """The area's ``variable`` per round (YYYY-MM-DD index), missing rounds left out."""
    table = counts_at_level(context, variable, level)
    if pcode not in table.index:
        return pd.Series(dtype=float)
    return table.loc[pcode].dropna()


@dataclass(frozen=True)
class CountHeadline:
    """The country picture of a counts view (the first day: no score yet)."""

    variable: str
    round: str
    total: float | None
    areas_total: int
    areas_reporting: int
    previous_round: str | None
    previous_total: float | None

    @property
    def change(self) -> float | None:
        if self.total is None or self.previous_total is None:
            return None
        return self.total - self.previous_total


def count_headline(context: AppContext, view: CountView) -> CountHeadline:
    """Total persons present at the view's level and round, areas reporting, and the
    total of the previous round (the same areas' sum a round earlier)."""
    table = counts_at_level(context, view.variable, view.level)
    rounds = list(table.columns)
    now = rounds.index(view.round) if view.round in rounds else -1
    column = table.iloc[:, now] if now >= 0 else pd.Series(dtype=float)
    total = float(column.sum()) if column.notna().any() else None
    previous_round = previous_total = None
    if now > 0:
        previous_round = rounds[now - 1]
        previous = table.iloc[:, now - 1]
        previous_total = float(previous.sum()) if previous.notna().any() else None
    return CountHeadline(
        variable=view.variable,
        round=view.round,
        total=total,
        areas_total=len(table),
        areas_reporting=int(column.notna().sum()),
        previous_round=previous_round,
        previous_total=previous_total,
    )


def count_movers(values: pd.DataFrame, count: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(largest increases, largest decreases) of persons present since the previous
    round, ``count`` each, from ``count_values``."""
    moved = values[values["since_previous"].notna() & (values["since_previous"] != 0)]
    up = moved[moved["since_previous"] > 0].sort_values(
        ["since_previous", "name"], ascending=[False, True], kind="stable"
    )
    down = moved[moved["since_previous"] < 0].sort_values(
        ["since_previous", "name"], ascending=[True, True], kind="stable"
    )
    return up.head(count).reset_index(drop=True), down.head(count).reset_index(drop=True)


def area_points(context: AppContext, level: int) -> list[tuple[float, float]]:
    """(lon, lat) of a point inside each area of ``level``, in the display geometry's
    order: where a proportional symbol sits."""

    def build():
        from shapely.geometry import shape

        points = []
        for feature in context.collection(level)["features"]:
            try:
                point = shape(feature["geometry"]).representative_point()
                points.append((round(point.x, 5), round(point.y, 5)))
            except (ValueError, TypeError, KeyError, AttributeError):
                points.append((math.nan, math.nan))
        return points

    return context._cached(("points", level), build)


def default_count_view(context: AppContext, group: str = "idp") -> CountView | None:
    """The counts map a workspace opens on: the group's count (else the other one), at
    the deepest level with geometry, in the latest round; None without counts."""
    held = holdings(context)
    variable = COUNT_OF_GROUP.get(group, "idps_present")
    if variable not in held.counts:
        variable = next(iter(held.counts), None)
    if variable is None or not held.levels:
        return None
    return CountView(variable, max(held.levels), held.counts[variable][-1])
