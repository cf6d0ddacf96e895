"""The country picture of a view: headline figures, movers (largest changes since the
previous round with a score), stuck localities and the localities a briefing shows by
default. Read by the PDF pack; built from the area table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.briefing.areas import _at_benchmark, _round_axis
from dashboard.briefing.labels import GROUP_LABELS, LOW_RELIABILITY
from dashboard.briefing.numbers import _missing, score_text, signed_text
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.i18n import month_year, number, translator

#: Rounds in a row in the lowest class that make a locality "stuck".
STUCK_ROUNDS = 3


#: Rows of the movers tables (each way) and of the stuck table.
MOVERS = 5


STUCK_ROWS = 12


DEFAULT_LOCALITIES = 5


@dataclass(frozen=True)
class Headline:
    idps_present: float | None
    areas_total: int
    areas_assessed: int
    median: float | None
    previous_round: str | None
    previous_median: float | None
    per_class: dict[int, int]  # class 1-5 -> areas (withheld ones not counted)
    no_score: int  # areas of the level without a score this round
    withheld: int  # areas whose score is withheld for small samples
    low_reliability: int
    rolled_up: bool  # the level's scores are rolled up from smaller areas
    #: Returnees present (sum over the level's areas), for the returnee view's card.
    returnees_present: float | None = None

    @property
    def median_change(self) -> float | None:
        if self.median is None or self.previous_median is None:
            return None
        return self.median - self.previous_median


def _median(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if values.size else None


def headline(context: AppContext, state: ViewState, table: pd.DataFrame) -> Headline:
    """The country picture for the view: IDPs present (sum over the level's areas),
    areas assessed, median overall score (of every area with a score, withheld ones
    included: a median of many areas exposes none of them), areas per class, and the
    median of the previous round with scores at this level."""

    level, group, benchmark = state.level, state.group, state.benchmark
    scores = context.level_scores(level, state.core)
    axis = _round_axis(context)
    now = list(context.rounds).index(state.round)
    overall = (
        scores["overall_score"]
        .sel(benchmark=benchmark, group=group)
        .reindex(round=axis)
        .transpose("round", "area")
        .values.astype(float)
    )
    median = _median(overall[now])
    previous_round = previous_median = None
    for index in range(now - 1, -1, -1):
        if not np.isnan(overall[index]).all():
            previous_round = context.rounds[index]
            previous_median = _median(overall[index])
            break
    idps = table["idps_present"].to_numpy(dtype=float)
    areas_total = int((context.areas["level"].astype(int) == level).sum())
    classes = table["class"].to_numpy(dtype=float)
    per_class = {k: int((classes == k).sum()) for k in (1, 2, 3, 4, 5)}
    withheld = int(table["suppressed"].sum())
    rolled = _at_benchmark(scores["rolled_up"], benchmark).sel(group=group)
    rolled = rolled.reindex(round=axis).isel(round=now)
    return Headline(
        idps_present=float(np.nansum(idps)) if not np.isnan(idps).all() else None,
        areas_total=areas_total,
        areas_assessed=int(table["has_data"].sum()),
        median=median,
        previous_round=previous_round,
        previous_median=previous_median,
        per_class=per_class,
        no_score=int(areas_total - sum(per_class.values()) - withheld),
        withheld=withheld,
        low_reliability=int((table["reliability"].to_numpy(dtype=float) >= LOW_RELIABILITY).sum()),
        rolled_up=bool(rolled.any().item()),
        returnees_present=_returnees(context, level, state.round),
    )


def _returnees(context: AppContext, level: int, round_: str) -> float | None:
    from dashboard.briefing.counts import counts_at_level, holdings

    if "returnees_present" not in holdings(context).counts:
        return None
    table = counts_at_level(context, "returnees_present", level)
    if round_ not in table.columns or table[round_].isna().all():
        return None
    return float(table[round_].sum())


def headline_figures(head: Headline, state: ViewState) -> list[dict[str, str]]:
    """The four headline figures as printed, ``label``, ``value`` and ``note`` each:
    IDPs present, areas assessed, median overall score and its change. The one source
    of the figures above the map on screen and on the PDF's "at a glance" page."""
    _ = translator(state.lang)
    lang = state.lang

    def whole(value) -> str:
        return "–" if _missing(value) else number(round(float(value)), lang, 0)

    returnees = state.group == "returnee"  # the first card follows the group
    return [
        {
            "label": _("Returnees present") if returnees else _("IDPs present"),
            "value": whole(head.returnees_present if returnees else head.idps_present),
            "note": _("sum over the areas of admin level {level}").format(level=state.level),
        },
        {
            "label": _("Areas assessed"),
            "value": whole(head.areas_assessed),
            "note": _("of {total} areas, with data for {group} this round").format(
                total=whole(head.areas_total), group=_(GROUP_LABELS[state.group])
            ),
        },
        {
            "label": _("Median overall score"),
            "value": score_text(head.median, lang),
            "note": _("of the areas with a score; 0 to 100"),
        },
        {
            "label": _("Change in the median"),
            "value": signed_text(head.median_change, lang),
            "note": _("since {date}").format(date=month_year(head.previous_round, lang))
            if head.previous_round
            else _("no earlier round"),
        },
    ]


def movers(table: pd.DataFrame, count: int = MOVERS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(largest improvements, largest declines) since the previous round with a score,
    ``count`` each; changes with a withheld end are left out."""
    moved = table[table["since_previous"].notna()]
    up = moved[moved["since_previous"] > 0].sort_values(
        ["since_previous", "name"], ascending=[False, True], kind="stable"
    )
    down = moved[moved["since_previous"] < 0].sort_values(
        ["since_previous", "name"], ascending=[True, True], kind="stable"
    )
    return up.head(count).reset_index(drop=True), down.head(count).reset_index(drop=True)


def stuck(table: pd.DataFrame, rounds: int = STUCK_ROUNDS) -> pd.DataFrame:
    """Areas in the lowest class (severe gaps) for ``rounds`` rounds or more in a row,
    up to the view's round; longest first, then lowest score."""
    found = table[(table["stuck_rounds"] >= rounds) & table["score"].notna()]
    return found.sort_values(
        ["stuck_rounds", "score", "name"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def default_localities(table: pd.DataFrame, count: int = DEFAULT_LOCALITIES) -> list[str]:
    """The ``count`` lowest scores of the view (withheld scores cannot be ranked)."""
    ranked = table[table["score"].notna()].sort_values(["score", "name"], kind="stable")
    return ranked["pcode"].head(count).tolist()
