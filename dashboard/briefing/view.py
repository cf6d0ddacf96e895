"""The view state and the one URL parser (DESIGN 5).

A view (round, criterion, group, benchmark, level, core, lang, show, indicator) lives in
the URL query,
so a link reproduces it. ``parse_query`` is the only reader of a query string (pages,
router, PDF export); ``to_query`` writes one and keeps other pages' parameters;
``ViewOptions`` says what each parameter may take in this app. ``query_rules`` tells the
browser's router how ``parse_query`` reads each parameter (``dashboard.router.page_key``).

``indicator`` (an indicator code of the framework) maps that one indicator in place of
the criterion (the indicator-level map); without it, or with a code the framework does
not have, the map shows ``criterion`` as before, so older links keep working. Only a
workspace with scores offers it (``ViewOptions.indicators`` is empty otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import xarray as xr

from dashboard.context import AppContext
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    language,
)
from indicators.framework import Framework

OVERALL = "overall"


GROUPS = ("idp", "returnee")


BENCHMARKS = ("parity", "absolute")


#: What the map shows (``show``): the score, or its change since the previous or the
#: first round with a score (DESIGN 4.7).
SHOWS = ("score", "since_previous", "since_first")


# Order of the parameters in a written query: the most telling first.
_QUERY_KEYS = ("round", "level", "criterion", "group", "benchmark")


@dataclass(frozen=True)
class ViewOptions:
    """The values each query parameter may take in this app, defaults first or last."""

    rounds: tuple[str, ...]  # YYYY-MM-DD, oldest first; the latest is the default
    criteria: tuple[str, ...]  # "overall", then the framework's criteria
    levels: tuple[int, ...]  # admin levels the map can show, deepest (the default) first
    groups: tuple[str, ...] = GROUPS
    benchmarks: tuple[str, ...] = BENCHMARKS
    #: The IRIS-core criteria: the only ones offered with ``core=iris``.
    core_criteria: tuple[str, ...] = ()
    #: (indicator code, criterion code) in framework order: what ``indicator`` may take.
    #: Empty without scores (boundaries only, DTM counts only).
    indicators: tuple[tuple[str, str], ...] = ()

    @property
    def default(self) -> ViewState:
        return ViewState(
            round=self.rounds[-1] if self.rounds else "",
            criterion=OVERALL,
            group=self.groups[0],
            benchmark=self.benchmarks[0],
            level=self.levels[0] if self.levels else 0,
        )

    def criteria_for(self, core: bool) -> tuple[str, ...]:
        if core and self.core_criteria:
            return (OVERALL, *(c for c in self.criteria if c in self.core_criteria))
        return self.criteria

    def indicators_for(self, core: bool) -> tuple[str, ...]:
        """The indicator codes of the criteria offered (``criteria_for``)."""
        criteria = set(self.criteria_for(core))
        return tuple(code for code, criterion in self.indicators if criterion in criteria)


@dataclass(frozen=True)
class ViewState:
    """One view of the data; every field is valid for the ``ViewOptions`` it came from."""

    round: str
    criterion: str
    group: str
    benchmark: str
    level: int
    #: IRIS-core mode (``core=iris`` in the URL): five criteria, three needed.
    core: bool = False
    #: Interface language (``lang``), one of ``dashboard.i18n.LANGUAGES``.
    lang: str = DEFAULT_LANGUAGE
    #: What the map shows (``show``), one of ``SHOWS``.
    show: str = SHOWS[0]
    #: One indicator mapped in place of the criterion (``indicator``), or "".
    indicator: str = ""

    @property
    def shown(self) -> str:
        """The code the map shows: the indicator if one is chosen, else the criterion."""
        return self.indicator or self.criterion


def scored_levels(result: xr.Dataset) -> list[int]:
    """Admin levels with at least one area that has data, deepest first."""
    has_data = result["has_data"].any(["round", "group"]).to_numpy()
    return sorted({int(v) for v in result["level"].to_numpy()[has_data] if v >= 0}, reverse=True)


def view_options(
    source: AppContext | xr.Dataset,
    framework: Framework | None = None,
    levels: Iterable[int] = (),
) -> ViewOptions:
    """What the URL may ask for, from an ``AppContext`` (rounds with a score, levels with
    scores, own or rolled up, and display geometry) or from a scored dataset and its
    framework (levels with data of their own, limited to ``levels`` if given)."""
    if isinstance(source, AppContext):
        framework = source.framework
        rounds = tuple(source.rounds)
        scored = bool(rounds)
        shown = [lv for lv in source.scored_levels if lv in source.geometry]
        # Nothing scored (boundaries only, or DTM counts only): the levels with geometry,
        # so a link's ``level`` still means something to the counts map.
        shown = shown or sorted(source.geometry, reverse=True)
    else:
        if framework is None:
            raise TypeError("view_options needs the framework with a scored dataset")
        rounds = tuple(pd.to_datetime(source["round"].to_numpy()).strftime("%Y-%m-%d"))
        scored = bool(rounds)
        with_geometry = set(levels)
        shown = [lv for lv in scored_levels(source) if not with_geometry or lv in with_geometry]
    return ViewOptions(
        rounds=rounds,
        criteria=(OVERALL, *framework.criterion_codes),
        levels=tuple(shown),
        core_criteria=tuple(framework.core_criterion_codes),
        indicators=_indicator_pairs(framework) if scored else (),
    )


def _indicator_pairs(framework: Framework) -> tuple[tuple[str, str], ...]:
    owner = framework.subcriterion_parent()
    parent = framework.indicator_parent()
    return tuple((code, owner[parent[code]]) for code in framework.indicator_codes)


def _round_value(text: str, rounds: Sequence[str]) -> str | None:
    """A round from the query: YYYY-MM-DD, or YYYY-MM (day 01, as in imports)."""
    text = text.strip()
    if len(text) == 7:
        text += "-01"
    return text if text in rounds else None


def query_pairs(search: str | None, keep_blank: bool = False) -> list[tuple[str, str]]:
    """The (key, value) pairs of a query string, with or without its ``?``: the one
    reader of the URL's query (the pages, the router's page key, the PDF export)."""
    return parse_qsl((search or "").lstrip("?"), keep_blank_values=keep_blank)


def query_values(search: str | None) -> dict[str, str]:
    """The query as key -> value (the last of repeated keys)."""
    return dict(query_pairs(search))


def round_value(text: str, rounds: Sequence[str]) -> str | None:
    """A round from the query: YYYY-MM-DD, or YYYY-MM (day 01, as in imports); None
    if it is not one of ``rounds``."""
    return _round_value(text, rounds)


def parse_query(search: str | None, options: ViewOptions) -> ViewState:
    """The view a query string asks for; a missing or invalid parameter takes its default.

    Accepts ``?round=2024-03-01&criterion=safety&group=idp&benchmark=parity&level=2``
    (and ``core=iris``, ``lang=fr``) with or without the leading ``?``; unknown
    parameters are ignored here (``to_query`` keeps them). Never raises: a hand-edited
    link still opens a page.
    """
    query = query_values(search)
    state = options.default
    changes: dict = {}
    if "round" in query and (value := _round_value(query["round"], options.rounds)):
        changes["round"] = value
    core = query.get("core", "").strip().lower() == "iris"
    for key, allowed in (
        ("criterion", options.criteria_for(core)),
        ("group", options.groups),
        ("benchmark", options.benchmarks),
    ):
        if query.get(key, "").strip() in allowed:
            changes[key] = query[key].strip()
    level = query.get("level", "").strip()
    if level.lstrip("-").isdigit() and int(level) in options.levels:
        changes["level"] = int(level)
    changes["core"] = core
    changes["lang"] = language(query.get("lang", "").strip().lower())
    if query.get("show", "").strip() in SHOWS:
        changes["show"] = query["show"].strip()
    if query.get("indicator", "").strip() in options.indicators_for(core):
        changes["indicator"] = query["indicator"].strip()
    return replace(state, **changes)


def query_rules(options: ViewOptions) -> dict:
    """How ``parse_query`` reads each parameter, for the browser's page key."""
    default = options.default
    return {
        "round": {"allowed": list(options.rounds), "default": default.round, "month": True},
        "level": {"allowed": [str(lv) for lv in options.levels], "default": str(default.level)},
        "criterion": {"allowed": list(options.criteria), "default": default.criterion},
        "group": {"allowed": list(options.groups), "default": default.group},
        "benchmark": {"allowed": list(options.benchmarks), "default": default.benchmark},
        "core": {"allowed": ["iris"], "default": "", "lower": True},
        "show": {"allowed": list(SHOWS), "default": SHOWS[0]},
        "lang": {"allowed": list(LANGUAGES), "default": DEFAULT_LANGUAGE, "lower": True},
        # an indicator parse_query would ignore must not make a new view key either
        "indicator": {"allowed": [code for code, _ in options.indicators], "default": ""},
    }


def to_query(state: ViewState, keep: str | None = "", *, owned: Iterable[str] = ()) -> str:
    """``state`` as a query string (with ``?``). Parameters of ``keep`` that the state
    does not set are carried over, so other pages' settings survive.

    ``core``, ``lang``, ``show`` and ``indicator`` are written only when not at their
    defaults, and a default does not override the value ``keep`` carries (a caller that
    only knows the map's own parameters must not reset the reader's language) unless
    the key is in ``owned`` (the caller controls it: the map's criteria-set switch owns
    ``core``, its indicator choice ``indicator``).
    """
    own = {
        "round": state.round,
        "level": str(state.level),
        "criterion": state.criterion,
        "group": state.group,
        "benchmark": state.benchmark,
    }
    written = [(k, own[k]) for k in _QUERY_KEYS]
    if state.core:
        written.append(("core", "iris"))
    if state.lang != DEFAULT_LANGUAGE:
        written.append(("lang", state.lang))
    if state.show != SHOWS[0]:
        written.append(("show", state.show))
    if state.indicator:
        written.append(("indicator", state.indicator))
    mine = set(own) | {key for key, _value in written[len(own) :]} | set(owned)
    others = [(k, v) for k, v in query_pairs(keep) if k not in mine]
    return "?" + urlencode(written + others)


def state_from_controls(
    criterion: str | None,
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    options: ViewOptions,
    level: int | None = None,
    core: bool = False,
    lang: str = DEFAULT_LANGUAGE,
    indicator: str | None = None,
) -> ViewState:
    """The view the controls show; anything out of range (a cleared dropdown, a slider
    index past the end) falls back to the default (no indicator: the criterion map)."""
    default = options.default
    if isinstance(round_index, int | float) and 0 <= int(round_index) < len(options.rounds):
        round_ = options.rounds[int(round_index)]
    else:
        round_ = default.round
    criteria = options.criteria_for(core)
    return ViewState(
        round=round_,
        criterion=criterion if criterion in criteria else default.criterion,
        group=group if group in options.groups else default.group,
        benchmark=benchmark if benchmark in options.benchmarks else default.benchmark,
        level=level if level in options.levels else default.level,
        core=bool(core),
        lang=language(lang),
        indicator=indicator if indicator in options.indicators_for(core) else "",
    )
