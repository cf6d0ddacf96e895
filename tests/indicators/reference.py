"""A deliberately plain, independent implementation of the scoring method (DESIGN 4, steps 1-6).

The product's scoring (indicators/scoring.py) is vectorised over an xarray cube; this module
recomputes the same numbers one area, round and group at a time with loops and dicts, so
that the two can be compared on random data. It shares nothing with the product but the
validated Framework object, on purpose: a shared helper would hide a shared mistake.

Interpretation decisions (agreed with the lead, written down so a reader can check them
against DESIGN 4):

- comparator c for (area, round, indicator): the own area's host value if present and its
  n is missing or >= n_min; else the parent area's host value (any n); else the mean of all
  host values of that indicator in that round (any area, any level, any n, including the
  own area's small-sample value); else none (P missing). A present displaced value scored
  against the parent's value or the mean is a *fallback*.
- P = 100 where (c - worst) / (best - worst) <= 0, otherwise 100 * clip((x-worst)/(c-worst)).
- criterion missing where (sub-criteria with a score) < (sub-criteria) / 2.
- class 5 where the overall score exists and every criterion that counts and has a score is
  100 (within 1e-9); in IRIS-core mode only the core criteria count.
- reliability: 10 * min(1, missing + 0.5 * small + 0.5 * fallback), each a share over all
  the framework's indicators, in both modes (DESIGN 4.6 as amended).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import yaml

from indicators.framework import Framework, parse_framework

DISPLACED = ("idp", "returnee")
BENCHMARKS = ("parity", "absolute")
COLUMNS = [
    "area_pcode",
    "round",
    "group",
    "benchmark",
    "level",
    "code",
    "score",
    "class",
    "reliability",
]
NAN = float("nan")
#: DESIGN 4 step 4: in IRIS-core mode only core criteria count and 3 are needed. Written out
#: here rather than imported, so the reference does not inherit a wrong constant.
CORE_MIN_CRITERIA = 3


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def round_text(value) -> str:
    """'2024-03' -> '2024-03-01'; dates and timestamps -> 'YYYY-MM-DD'."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7:
            text += "-01"
        return pd.Timestamp(text).strftime("%Y-%m-%d")
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def clip01(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def absolute_score(x: float, worst: float, best: float) -> float:
    if is_missing(x):
        return NAN
    return 100.0 * clip01((x - worst) / (best - worst))


def parity_score(x: float, c: float | None, worst: float, best: float) -> float:
    if is_missing(x) or c is None:
        return NAN
    if (c - worst) / (best - worst) <= 0:
        # The comparator is no better than the worst goalpost: nothing to catch up to.
        return 100.0
    return 100.0 * clip01((x - worst) / (c - worst))


def mean_present(values) -> tuple[float, int]:
    present = [v for v in values if not is_missing(v)]
    if not present:
        return NAN, 0
    return sum(present) / len(present), len(present)


def overall_score(scores: dict[str, float], weights: dict[str, float], aggregation: str):
    present = {code: s for code, s in scores.items() if not is_missing(s)}
    total = sum(weights[code] for code in present)
    if aggregation == "geometric":
        log_sum = sum(weights[code] * math.log(max(s, 1.0)) for code, s in present.items())
        return math.exp(log_sum / total)
    return sum(weights[code] * s for code, s in present.items()) / total


def score_class(overall: float, counted_criteria: dict[str, float]) -> float:
    if is_missing(overall):
        return NAN
    present = [s for s in counted_criteria.values() if not is_missing(s)]
    if present and all(abs(s - 100.0) <= 1e-9 for s in present):
        return 5.0
    if overall >= 80:
        return 4.0
    if overall >= 60:
        return 3.0
    if overall >= 40:
        return 2.0
    return 1.0


def _observation_table(observations: pd.DataFrame, framework: Framework) -> dict:
    """(area, round, group, indicator) -> (value, n) for framework indicators only."""
    codes = set(framework.indicator_codes)
    has_n = "n" in observations.columns
    table: dict[tuple[str, str, str, str], tuple[float, float]] = {}
    for row in observations.to_dict("records"):
        if row["indicator"] not in codes:
            continue  # context variables are carried, never scored
        key = (str(row["area_pcode"]), round_text(row["round"]), row["group"], row["indicator"])
        if key in table:
            raise ValueError(f"reference: duplicate observation {key}")
        value = NAN if is_missing(row["value"]) else float(row["value"])
        n = NAN if not has_n or is_missing(row["n"]) else float(row["n"])
        table[key] = (value, n)
    return table


def reference_scores(
    observations: pd.DataFrame,
    framework: Framework,
    parents: Mapping[str, str | None] | None = None,
    *,
    core: bool = False,
) -> pd.DataFrame:
    """All scores in the long format of DESIGN 3.4, computed the slow and obvious way."""
    parents = dict(parents or {})
    n_min = framework.n_min
    table = _observation_table(observations, framework)

    # Mean of all host values per (round, indicator): the last comparator fallback.
    host_sums: dict[tuple[str, str], list[float]] = {}
    for (_area, rnd, group, code), (value, _n) in table.items():
        if group == "host" and not is_missing(value):
            host_sums.setdefault((rnd, code), []).append(value)
    host_mean = {key: sum(vals) / len(vals) for key, vals in host_sums.items()}

    def comparator(area: str, rnd: str, code: str) -> tuple[float | None, bool]:
        """(c, is_fallback) for a displaced value of ``area``."""
        own_value, own_n = table.get((area, rnd, "host", code), (NAN, NAN))
        if not is_missing(own_value) and (is_missing(own_n) or own_n >= n_min):
            return own_value, False
        parent = parents.get(area)
        if isinstance(parent, str) and parent != "":
            parent_value, _ = table.get((str(parent), rnd, "host", code), (NAN, NAN))
            if not is_missing(parent_value):
                return parent_value, True
        if (rnd, code) in host_mean:
            return host_mean[(rnd, code)], True
        return None, False

    keys = sorted(
        {
            (area, rnd, group)
            for (area, rnd, group, _code), (value, _n) in table.items()
            if group in DISPLACED and not is_missing(value)
        }
    )

    if core:
        counted = list(framework.core_criterion_codes)
        min_criteria = CORE_MIN_CRITERIA
    else:
        counted = list(framework.criterion_codes)
        min_criteria = framework.min_criteria
    weights = {c.code: c.weight for c in framework.criteria}
    n_indicators = len(framework.indicators)

    rows = []
    for area, rnd, group in keys:
        missing = small = fallback = 0
        indicator_scores = {"parity": {}, "absolute": {}}
        for indicator in framework.indicators:
            x, n = table.get((area, rnd, group, indicator.code), (NAN, NAN))
            worst, best = indicator.goalposts
            if is_missing(x):
                missing += 1
                c, used_fallback = None, False
            else:
                if not is_missing(n) and n < n_min:
                    small += 1
                c, used_fallback = comparator(area, rnd, indicator.code)
                fallback += used_fallback
            indicator_scores["absolute"][indicator.code] = absolute_score(x, worst, best)
            indicator_scores["parity"][indicator.code] = parity_score(x, c, worst, best)
        reliability = 10.0 * min(1.0, (missing + 0.5 * small + 0.5 * fallback) / n_indicators)

        for benchmark in BENCHMARKS:
            ind = indicator_scores[benchmark]
            sub_scores = {}
            criterion_scores = {}
            for criterion in framework.criteria:
                own_subs = []
                for sub in criterion.subcriteria:
                    s, _ = mean_present(ind[i.code] for i in sub.indicators)
                    sub_scores[sub.code] = s
                    own_subs.append(s)
                value, count = mean_present(own_subs)
                if count < len(criterion.subcriteria) / 2:
                    value = NAN
                criterion_scores[criterion.code] = value

            counted_scores = {code: criterion_scores[code] for code in counted}
            n_present = sum(not is_missing(s) for s in counted_scores.values())
            if n_present < min_criteria or n_present == 0:
                overall = NAN
            else:
                overall = overall_score(counted_scores, weights, framework.aggregation)
            klass = score_class(overall, counted_scores)

            head = (area, rnd, group, benchmark)
            for level, scores in (
                ("indicator", ind),
                ("subcriterion", sub_scores),
                ("criterion", criterion_scores),
            ):
                rows.extend((*head, level, code, value, NAN, NAN) for code, value in scores.items())
            rows.append((*head, "overall", "overall", overall, klass, reliability))

    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("score", "class", "reliability"):
        frame[column] = frame[column].astype(float)
    return frame


# --- builders shared by the scoring tests -------------------------------------------------


def make_framework(
    tree: Mapping[str, Mapping[str, Mapping[str, tuple[float, float]]]],
    *,
    weights: Mapping[str, float] | None = None,
    core: set[str] | frozenset[str] = frozenset(),
    n_min: int = 30,
    min_criteria: int = 1,
    aggregation: str = "arithmetic",
) -> Framework:
    """A framework from ``{criterion: {subcriterion: {indicator: (worst, best)}}}``.

    Goes through YAML text and parse_framework, exactly as a framework file would.
    """
    weights = weights or {}
    criteria = []
    for c_code, subs in tree.items():
        criteria.append(
            {
                "code": c_code,
                "label": {"en": c_code},
                "weight": weights.get(c_code, 1),
                "iris_core": c_code in core,
                "subcriteria": [
                    {
                        "code": s_code,
                        "label": {"en": s_code},
                        "indicators": [
                            {
                                "code": i_code,
                                "label": {"en": i_code},
                                "unit": "unit",
                                "goalposts": [float(worst), float(best)],
                            }
                            for i_code, (worst, best) in inds.items()
                        ],
                    }
                    for s_code, inds in subs.items()
                ],
            }
        )
    document = {
        "name": "test framework",
        "version": "test",
        "n_min": n_min,
        "min_criteria": min_criteria,
        "aggregation": aggregation,
        "criteria": criteria,
    }
    return parse_framework(yaml.safe_dump(document, sort_keys=False), "<test framework>")


def observations_frame(rows) -> pd.DataFrame:
    """Canonical observations from (area, round, group, indicator, value, n) tuples."""
    frame = pd.DataFrame(
        [(a, r, g, i, v, n, "test") for a, r, g, i, v, n in rows],
        columns=["area_pcode", "round", "group", "indicator", "value", "n", "source"],
    )
    frame["value"] = frame["value"].astype(float)
    frame["n"] = frame["n"].astype(float)
    return frame


def product_scores(
    observations: pd.DataFrame,
    framework: Framework,
    parents: Mapping[str, str | None] | None = None,
    *,
    core: bool = False,
) -> pd.DataFrame:
    """The product's long scores, through its public API (imported late on purpose)."""
    from indicators.cube import build_cube
    from indicators.scoring import score, scores_long

    cube = build_cube(observations, framework, parents=parents)
    return scores_long(score(cube, framework, core=core), framework)


def scores_by(impl: str, observations, framework, parents=None, *, core=False) -> pd.DataFrame:
    run = product_scores if impl == "product" else reference_scores
    return run(observations, framework, parents, core=core)
