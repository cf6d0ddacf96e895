"""What the briefing pack says, as plain values: the view, the localities' pages, data
coverage and sources (the area table, headline figures, movers and stuck localities are
``dashboard.briefing``'s, shared with the screen).

Pure functions of an ``AppContext`` and a view; no HTML, no figures, no IO. Numbers stay
numbers here (formatting for the reader is the template's job), except sentences, which
are written in the view's language.

Small samples (DESIGN 8): a score resting on small samples is withheld with the rule of
the CSV exports (``indicators.disclosure.withheld``: half or more of the values it rests on
come from fewer than ``n_min`` households). Withheld scores are NaN here and flagged, so
nothing downstream can print, colour or rank them by accident.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.briefing.areas import _round_axis, criterion_hidden
from dashboard.briefing.labels import BENCHMARK_LABELS
from dashboard.briefing.locality import locality_data
from dashboard.briefing.summary import summary_sentences
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.i18n import LANGUAGES, language, month_year, number, translator
from indicators.cube import DISPLACED_GROUPS
from indicators.rounds import weakest_criterion


class ReportInputError(ValueError):
    """A round, area, level or option the workspace does not have; the message says
    which, and what is available."""


def _round_of(text: str, rounds: Sequence[str]) -> str | None:
    text = str(text).strip()
    if len(text) == 7:
        text += "-01"
    return text if text in rounds else None


def map_levels(context: AppContext) -> list[int]:
    """Levels the pack can show: scored (own or rolled up) and with display geometry,
    deepest first."""
    return [level for level in context.scored_levels if level in context.geometry]


def resolve_view(
    context: AppContext,
    *,
    round: str | None = None,  # the query parameter's name (DESIGN 5)
    level: int | None = None,
    group: str = "idp",
    benchmark: str = "parity",
    core: bool = False,
    lang: str = "en",
) -> ViewState:
    """The view the pack shows, checked against the workspace. Defaults: the latest
    round with scores and the deepest admin level with scores. Raises
    ``ReportInputError`` naming what is wrong and what there is."""
    rounds = list(context.rounds)
    if not rounds:
        raise ReportInputError(
            "the workspace has no scores yet: import boundaries and observations first"
        )
    if round is None or str(round).strip() == "":
        chosen_round = rounds[-1]
    else:
        chosen_round = _round_of(round, rounds)
        if chosen_round is None:
            raise ReportInputError(
                f"round {round!r} has no scores in this workspace; rounds with scores: "
                + ", ".join(rounds)
            )
    levels = map_levels(context)
    if not levels:
        raise ReportInputError("no admin level has both scores and map geometry")
    if level is None:
        chosen_level = levels[0]
    elif int(level) in levels:
        chosen_level = int(level)
    else:
        raise ReportInputError(
            f"admin level {level} has no scores or no map geometry; levels available: "
            + ", ".join(str(v) for v in levels)
        )
    if group not in DISPLACED_GROUPS:
        raise ReportInputError(f"group {group!r} is not one of {', '.join(DISPLACED_GROUPS)}")
    if benchmark not in BENCHMARK_LABELS:
        raise ReportInputError(
            f"benchmark {benchmark!r} is not one of {', '.join(BENCHMARK_LABELS)}"
        )
    code = (lang or "en").strip().lower()
    if code not in LANGUAGES:
        raise ReportInputError(
            f"language {lang!r} is not available; languages: {', '.join(LANGUAGES)}"
        )
    return ViewState(
        round=chosen_round,
        criterion="overall",
        group=group,
        benchmark=benchmark,
        level=chosen_level,
        core=bool(core),
        lang=language(code),
    )


def check_areas(context: AppContext, areas: Sequence[str]) -> list[str]:
    """The P-codes asked for, stripped and without repeats; unknown ones are an error
    that lists them (with a close match where there is one)."""
    import difflib

    wanted = list(dict.fromkeys(str(a).strip() for a in areas if str(a).strip()))
    unknown = [a for a in wanted if a not in context.names]
    if unknown:
        hints = []
        for code in unknown:
            close = difflib.get_close_matches(code, list(context.names), n=1)
            hints.append(f"{code} (did you mean {close[0]}?)" if close else code)
        raise ReportInputError("unknown area P-code(s): " + ", ".join(hints))
    return wanted


@dataclass(frozen=True)
class CriterionLine:
    code: str
    label: str
    score: float | None  # the view's benchmark; None where missing or withheld
    absolute: float | None
    comparator: float | None
    since_previous: float | None
    withheld: bool
    values_present: int
    values_expected: int
    small_samples: int
    fallbacks: int


@dataclass(frozen=True)
class LocalityPage:
    pcode: str
    name: str
    level: int
    parent_name: str | None
    scored: bool
    rolled_up: bool
    members: int
    overall: float | None
    overall_withheld: bool
    score_class: int | None
    previous: float | None
    previous_round: str | None
    since_previous: float | None
    since_first: float | None
    first_round: str | None
    reliability: float | None
    idps_present: float | None
    values_present: int
    values_expected: int
    small_samples: int
    fallbacks: int
    criteria: tuple[CriterionLine, ...]
    sentences: tuple[str, ...]
    sources: tuple[tuple[str, tuple[str, ...]], ...]
    data: object = field(repr=False, default=None)  # the locality module's LocalityData


def _masked(series: Sequence[float | None], hidden: np.ndarray) -> tuple[float | None, ...]:
    return tuple(
        None
        if (flag or value is None or (isinstance(value, float) and math.isnan(value)))
        else value
        for value, flag in zip(series, hidden, strict=True)
    )


def _hidden_for(context: AppContext, pcode: str, level: int, group: str, core: bool):
    flags = criterion_hidden(context, level, group, core)
    if pcode not in flags["area"].values:
        return None
    return flags.sel(area=pcode)


def locality_page(
    context: AppContext, state: ViewState, pcode: str, withhold: bool = True
) -> LocalityPage:
    """The numbers and sentences of one locality's page; withheld values are None
    (``withhold``: the public view's rule; an analyst's pack keeps them)."""
    _ = translator(state.lang)
    data = locality_data(context, state, pcode)
    if data is None:
        raise ReportInputError(f"unknown area P-code: {pcode}")
    rounds = list(data.rounds)
    now = rounds.index(data.round) if data.round in rounds else len(rounds) - 1
    hidden = _hidden_for(context, pcode, data.level, data.group, data.core) if withhold else None
    no_flags = np.zeros(len(rounds), dtype=bool)

    def flags_of(name: str) -> np.ndarray:
        if hidden is None or not len(rounds):
            return no_flags
        return hidden[name].reindex(round=_round_axis(context), fill_value=False).values

    overall_flags = flags_of("overall")
    overall_series = _masked(data.overall_series, overall_flags) if data.scored else ()
    overall_withheld = bool(
        data.scored and len(rounds) and overall_flags[now] and data.overall is not None
    )
    lines = []
    shown_series: dict[str, tuple[float | None, ...]] = {}
    withheld_labels = []
    for row in data.criteria:
        flags = flags_of(row.code)
        withheld_now = bool(flags[now]) and row.score is not None
        series = _masked(row.series, flags)
        if withheld_now:
            withheld_labels.append(row.label)
        else:
            shown_series[row.label] = series
        since_previous = row.since_previous
        if withheld_now or (
            row.previous_round is not None and flags[rounds.index(row.previous_round)]
        ):
            since_previous = None
        lines.append(
            CriterionLine(
                code=row.code,
                label=row.label,
                score=None if withheld_now else row.score,
                absolute=None if withheld_now else row.absolute,
                comparator=row.comparator,
                since_previous=since_previous,
                withheld=withheld_now,
                values_present=row.values_present,
                values_expected=row.values_expected,
                small_samples=row.small_samples,
                fallbacks=row.fallbacks,
            )
        )

    previous_withheld = (
        data.previous_round is not None and overall_flags[rounds.index(data.previous_round)]
    )
    first_withheld = data.first_round is not None and overall_flags[rounds.index(data.first_round)]
    # The weakest criterion of the area table (withheld scores included), so the summary
    # never names another one when the weakest is withheld (issue 8).
    scored_now = [(row.label, row.score) for row in data.criteria]
    _at, found = weakest_criterion(
        np.array([[np.nan if v is None else v for _label, v in scored_now]], dtype=float),
        [label for label, _v in scored_now],
    )
    weakest = found[0] if len(scored_now) else None
    sentences: list[str] = []
    if data.scored and rounds:
        if overall_withheld:
            sentences.append(
                _(
                    "The overall score is withheld: half or more of the values it rests on "
                    "come from samples of fewer than {n_min} households."
                ).format(n_min=number(data.n_min, state.lang))
            )
            summary = summary_sentences(
                shown_series,
                rounds,
                data.round,
                overall=None,
                small_samples=data.small_samples,
                values_total=data.values_expected,
                n_min=data.n_min,
                areas=max(len(data.members), 1),
                lang=state.lang,
                weakest=weakest,
            )
        else:
            summary = summary_sentences(
                shown_series,
                rounds,
                data.round,
                overall=overall_series,
                small_samples=data.small_samples,
                values_total=data.values_expected,
                n_min=data.n_min,
                areas=max(len(data.members), 1),
                lang=state.lang,
                weakest=weakest,
            )
        sentences += summary
        if withheld_labels:
            sentences.append(
                _("Withheld for small samples: {criteria}.").format(
                    criteria="; ".join(withheld_labels)
                )
            )
    else:
        sentences.append(
            _("There is no score for this area in {date}.").format(
                date=month_year(state.round, state.lang)
            )
        )
    previous = None
    if data.overall is not None and data.since_previous is not None:
        previous = data.overall - data.since_previous
    return LocalityPage(
        pcode=data.pcode,
        name=data.name,
        level=data.level,
        parent_name=data.parent_name,
        scored=data.scored,
        rolled_up=data.rolled_up,
        members=len(data.members),
        overall=None if overall_withheld else data.overall,
        overall_withheld=overall_withheld,
        score_class=None if overall_withheld else data.score_class,
        previous=None if (overall_withheld or previous_withheld) else previous,
        previous_round=data.previous_round,
        since_previous=None if (overall_withheld or previous_withheld) else data.since_previous,
        since_first=None if (overall_withheld or first_withheld) else data.since_first,
        first_round=data.first_round,
        reliability=data.reliability,
        idps_present=data.idps_present,
        values_present=data.values_present,
        values_expected=data.values_expected,
        small_samples=data.small_samples,
        fallbacks=data.fallbacks,
        criteria=tuple(lines),
        sentences=tuple(sentences),
        sources=data.sources,
        data=data,
    )


@dataclass(frozen=True)
class Coverage:
    """Shares over the indicator values of the view's areas that have data this round."""

    values_expected: int
    values_missing: int
    values_small: int
    parity_fallbacks: int  # values whose parity score used a fallback comparator
    areas_with_own_data: int

    def share(self, count: int) -> float | None:
        return count / self.values_expected if self.values_expected else None


def coverage(context: AppContext, state: ViewState) -> Coverage:
    """Missing values, small samples and fallback comparators behind the view: over the
    areas with data of their own at the view's level, or (for a rolled-up level) at the
    levels below it, in the view's round and group."""
    result = context.scores(state.core)
    when = np.datetime64(pd.Timestamp(state.round), "ns")
    levels = pd.Series(context.levels)
    area_levels = levels.reindex(result["area"].values).fillna(-1).to_numpy()
    has_data = result["has_data"].sel(round=when, group=state.group).values.astype(bool)
    areas = list(result["area"].values[(area_levels >= state.level) & has_data])
    if not areas:
        return Coverage(0, 0, 0, 0, 0)
    cube = context.cube.sel(area=areas, round=when, group=state.group)
    cube = cube.reindex(indicator=context.framework.indicator_codes)
    value = cube["value"].transpose("area", "indicator").values
    n = cube["n"].transpose("area", "indicator").values
    fallback = (
        result["fallback"]
        .sel(area=areas, round=when, group=state.group)
        .reindex(indicator=context.framework.indicator_codes, fill_value=False)
        .transpose("area", "indicator")
        .values.astype(bool)
    )
    present = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        small = present & (n < context.framework.n_min)
    return Coverage(
        values_expected=int(value.size),
        values_missing=int((~present).sum()),
        values_small=int(small.sum()),
        parity_fallbacks=int((fallback & present).sum()),
        areas_with_own_data=len(areas),
    )


def source_rows(context: AppContext) -> pd.DataFrame:
    """One row per observation import, from the workspace's manifest (no data read):
    source (the sources it names), file, first_round, last_round (of the rounds it
    added, YYYY-MM-DD or None), rounds, rows, imported (YYYY-MM-DD)."""
    columns = ["source", "file", "first_round", "last_round", "rounds", "rows", "imported"]
    rows = []
    for entry in context.sources.to_dict("records"):
        added = sorted(entry.get("rounds_added") or [])
        rows.append(
            {
                "source": entry.get("sources") or "",
                "file": entry.get("file") or "",
                "first_round": added[0] if added else None,
                "last_round": added[-1] if added else None,
                "rounds": len(added),
                "rows": entry.get("rows"),
                "imported": str(entry.get("imported") or "")[:10] or None,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def made_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
