"""The locality page, ``/locality/<pcode>``: one area's scores in depth (DESIGN 5).

For the view's displaced group, benchmark, criteria set (all or IRIS core) and round:

- a header (name, P-code, admin level, parent, overall score, class, reliability, IDPs
  present, change since the previous and the first round);
- a short summary in plain words, made from the numbers by ``summary_sentences``;
- each criterion against the comparator (``criterion_bars_figure``), the profile this
  round against the first round with a score (``profile_figure``), and each criterion
  over time (``timeseries_figure``);
- change per criterion, data coverage (values present, small samples, fallback
  comparators) and the data sources with their rounds.

Areas with displaced-group data of their own are read from ``context.scores``; parent
areas without any (regions, the country) from ``context.level_scores``, whose scores
are rolled up from their children weighted by IDPs present (DESIGN 4.8). The page says
which.

The figure builders and ``summary_sentences`` are pure (numbers in, figure or text out,
no Dash) so that the PDF report draws the same figures and writes the same sentences.
Text from data files (area names, labels, sources) is passed to Dash as component
children or props, which React escapes, and to Plotly escaped (Plotly reads a subset of
HTML in its text). Nothing is kept in module globals: derived tables are memoised on the
``AppContext`` of the process, like its own roll-ups.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from html import escape as _escape
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from dash import dcc, get_relative_path, html

from dashboard import figures, ids
from dashboard.i18n import N_, month_year, number, separators, translator
from dashboard.views import to_query
from indicators.analysis import rollup
from indicators.cube import DISPLACED_GROUPS
from indicators.framework import Framework
from indicators.scoring import (
    absolute_score,
    aggregate_to_criteria,
    comparator_values,
    goalposts,
    overall_score,
)

__all__ = [
    "CriterionRow",
    "LocalityData",
    "comparator_criterion_scores",
    "criterion_bars_figure",
    "layout",
    "locality_data",
    "profile_figure",
    "register_callbacks",
    "summary_sentences",
    "timeseries_figure",
]

#: A criterion whose score moved by less than this many points "stayed about the same".
STABLE_POINTS = 5.0

GROUP_NAMES = {"idp": N_("IDPs"), "returnee": N_("Returnees")}
HOST_NAME = N_("Host community")
#: What the page shows, one phrase per group and benchmark (agreement differs by
#: language); the same messages as the map's caption.
VIEW_PHRASES = {
    ("idp", "parity"): N_("IDPs compared with the host community"),
    ("idp", "absolute"): N_("IDPs against absolute goalposts"),
    ("returnee", "parity"): N_("Returnees compared with the host community"),
    ("returnee", "absolute"): N_("Returnees against absolute goalposts"),
}
#: Which scores a figure shows, inside a sentence.
SCORE_KINDS = {"parity": N_("parity scores"), "absolute": N_("absolute scores")}

# Colours: the accent of the stylesheet for the displaced group, a quiet blue-grey for
# the comparator; Paul Tol's "muted" scheme (colour-blind safe) for the criteria lines.
GROUP_COLOUR = "#1f5f8b"
COMPARATOR_COLOUR = "#9fb3c8"
BASELINE_COLOUR = "#7b8794"
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#e4e7eb"
CRITERION_COLOURS = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)
_GRAPH_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoom2d", "pan2d", "autoScale2d"],
    "responsive": True,
}


# -- small helpers -------------------------------------------------------------------------


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _float(value) -> float | None:
    """A plain float, or None for missing (NaN, None, NaT)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _plain(text: str) -> str:
    """Text for Plotly, which reads ``<br>``, ``<b>``, ``<a>``... in its strings: escaped
    so that a label from a data file is shown as written, never as markup."""
    return _escape(str(text), quote=False)


def _wrap(text: str, width: int) -> str:
    """Escaped ``text`` broken into lines of about ``width`` characters with ``<br>``."""
    lines = textwrap.wrap(_plain(text), width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines)


def _cut(value: float) -> float:
    """Cut (not round) to one decimal, as the map does, so 79.96 reads 79.9 (partial)."""
    return math.floor(value * 10 + 1e-6) / 10


def _score_text(value: float | None, lang: str) -> str:
    return "–" if _missing(value) else number(_cut(value), lang, 1)


def _signed(value: float | None, lang: str) -> str:
    if _missing(value):
        return "–"
    value = round(value, 1)
    text = number(abs(value), lang, 1)
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text  # a true minus sign
    return text


def _base_layout(lang: str, height: int) -> dict:
    return {
        "template": "none",
        "height": height,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": figures.FONT_FAMILY, "size": 13, "color": INK},
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": figures.FONT_FAMILY}},
        "separators": separators(lang),
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": 12},
        },
    }


def _memo(context, key: tuple, make: Callable):
    """Memoise ``make()`` on the context, as ``AppContext`` does its own derived views:
    once per process, never in a module global."""
    memo = context._memo
    key = ("locality", *key)
    if key not in memo:
        memo[key] = make()
    return memo[key]


# -- figures (pure: numbers in, figure out; the PDF report reuses them) -----------------------


def criterion_bars_figure(
    labels: Sequence[str],
    scores: Sequence[float | None],
    comparator: Sequence[float | None] | None = None,
    *,
    parity: Sequence[float | None] | None = None,
    group_name: str = "IDPs",
    comparator_name: str = "Host community",
    lang: str = "en",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars, one row per criterion (first on top).

    With ``comparator`` (the parity benchmark) the group's absolute score and the
    comparator's absolute score are side by side, so the gap shows; ``parity`` (the
    parity scores) goes into the hover card. Without it (the absolute benchmark), the
    group's scores against a line at 100, the best goalpost. Missing scores are labelled
    "no data", never drawn as zero. ``labels`` are already translated; names are too.
    """
    _ = translator(lang)
    n = len(labels)
    rows = [_wrap(label, 30) for label in labels]
    full = [_plain(label) for label in labels]
    height = height or max(300, 80 + n * (47 if comparator is not None else 40))

    def values(seq):
        return [None if _missing(v) else round(float(v), 1) for v in seq]

    def texts(seq):
        return ["" if _missing(v) else _score_text(v, lang) for v in seq]

    group_values = values(scores)
    parity_texts = [_score_text(v, lang) for v in parity] if parity is not None else None
    group_custom = [[full[i], parity_texts[i] if parity_texts else ""] for i in range(n)]
    group_hover = "<b>%{customdata[0]}</b><br>" + _plain(group_name) + ": %{x:.1f}"
    if parity_texts is not None:
        group_hover += "<br>" + _("Parity score") + ": %{customdata[1]}"
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": _plain(group_name),
            "y": rows,
            "x": group_values,
            "text": texts(scores),
            "textposition": "outside",
            "cliponaxis": False,
            "marker": {"color": GROUP_COLOUR},
            "customdata": group_custom,
            "hovertemplate": group_hover + "<extra></extra>",
        }
    ]
    missing_notes: list[str] = []
    if comparator is not None:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": _plain(comparator_name),
                "y": rows,
                "x": values(comparator),
                "text": texts(comparator),
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": COMPARATOR_COLOUR},
                "customdata": [[label] for label in full],
                "hovertemplate": "<b>%{customdata[0]}</b><br>"
                + _plain(comparator_name)
                + ": %{x:.1f}<extra></extra>",
            }
        )
        for i in range(n):
            group_gone, host_gone = _missing(scores[i]), _missing(comparator[i])
            if group_gone and host_gone:
                missing_notes.append(_("no data"))
            elif group_gone:
                missing_notes.append(_("{group}: no data").format(group=group_name))
            elif host_gone:
                missing_notes.append(_("{group}: no data").format(group=comparator_name))
            else:
                missing_notes.append("")
    else:
        missing_notes = [_("no data") if _missing(v) else "" for v in scores]

    annotations = [
        {
            "x": 1,
            "y": rows[i],
            "xref": "x",
            "yref": "y",
            "text": f"<i>{_plain(note)}</i>",
            "showarrow": False,
            "xanchor": "left",
            "font": {"color": MUTED, "size": 12},
        }
        for i, note in enumerate(missing_notes)
        if note
    ]
    shapes = []
    if comparator is None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": INK, "width": 1.5, "dash": "dot"},
            }
        )
        annotations.append(
            {
                "x": 100,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": _plain(_("best goalpost (100)")),
                "showarrow": False,
                "font": {"color": MUTED, "size": 11},
            }
        )
    layout = {
        **_base_layout(lang, height),
        "barmode": "group",
        "bargap": 0.28,
        "bargroupgap": 0.08,
        "margin": {"l": 10, "r": 30, "t": 40, "b": 50},
        "showlegend": comparator is not None,
        "xaxis": {
            "range": [0, 112],
            "tickvals": [0, 20, 40, 60, 80, 100],
            "gridcolor": GRID,
            "zeroline": False,
            "fixedrange": True,
            "title": {"text": _plain(_("Absolute score")), "font": {"size": 12, "color": MUTED}},
        },
        "yaxis": {
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
            "ticks": "",
        },
        "annotations": annotations,
        "shapes": shapes,
    }
    return go.Figure({"data": data, "layout": layout})


def profile_figure(
    labels: Sequence[str],
    current: Sequence[float | None],
    baseline: Sequence[float | None] | None = None,
    *,
    current_name: str = "This round",
    baseline_name: str = "First round",
    lang: str = "en",
    height: int = 460,
) -> go.Figure:
    """The criteria as a radar: this round's scores, and the first round's for contrast.
    Missing scores leave a gap in the outline (not a point at zero)."""
    _ = translator(lang)
    theta = [_wrap(label, 18) for label in labels]
    full = [_plain(label) for label in labels]

    def trace(values, name, colour, fill, dash):
        r = [None if _missing(v) else round(float(v), 1) for v in values]
        shown = [_score_text(v, lang) if not _missing(v) else _("no data") for v in values]
        return {
            "type": "scatterpolar",
            "mode": "lines+markers",
            "name": _plain(name),
            # Closed outline: the first point again at the end.
            "r": [*r, r[0]] if r else r,
            "theta": [*theta, theta[0]] if theta else theta,
            "customdata": [
                list(pair) for pair in zip(full + full[:1], shown + shown[:1], strict=True)
            ],
            "hovertemplate": "<b>%{customdata[0]}</b><br>"
            + _plain(name)
            + ": %{customdata[1]}<extra></extra>",
            "line": {"color": colour, "width": 2.5 if fill else 1.5, "dash": dash},
            "marker": {"size": 6 if fill else 5, "color": colour},
            "fill": "toself" if fill else "none",
            "fillcolor": "rgba(31, 95, 139, 0.15)" if fill else None,
            "connectgaps": False,
        }

    data = []
    if baseline is not None:
        data.append(trace(baseline, baseline_name, BASELINE_COLOUR, False, "dash"))
    data.append(trace(current, current_name, GROUP_COLOUR, True, "solid"))
    layout = {
        **_base_layout(lang, height),
        "margin": {"l": 80, "r": 80, "t": 70, "b": 80},
        "legend": {
            "orientation": "h",
            "x": 0.5,
            "xanchor": "center",
            "y": -0.14,
            "yanchor": "top",
            "font": {"size": 12},
        },
        "polar": {
            "bgcolor": "#ffffff",
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [20, 40, 60, 80, 100],
                "gridcolor": GRID,
                "linecolor": GRID,
                "tickfont": {"size": 10, "color": MUTED},
                # Between the first two criteria, so the numbers do not hide a label.
                "angle": 90 - 180 / max(len(labels), 1),
                "tickangle": 90 - 180 / max(len(labels), 1),
            },
            "angularaxis": {
                "direction": "clockwise",
                "rotation": 90,
                "gridcolor": GRID,
                "linecolor": "#bcccdc",
                "tickfont": {"size": 11},
            },
        },
        "dragmode": False,
    }
    return go.Figure({"data": data, "layout": layout})


def timeseries_figure(
    rounds: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    overall: Sequence[float | None] | None = None,
    *,
    marked: str | None = None,
    overall_name: str = "Overall score",
    lang: str = "en",
    height: int = 420,
) -> go.Figure:
    """One line per criterion over ``rounds`` (YYYY-MM-DD), the overall score thicker and
    dark, and the round ``marked`` (the view's) as a vertical line. Rounds without a
    score leave gaps."""
    _ = translator(lang)
    rounds = list(rounds)
    dates = [month_year(r, lang) for r in rounds]
    step = max(1, -(-len(rounds) // 8))
    ticks = [i for i in range(len(rounds)) if i % step == 0 or i == len(rounds) - 1]
    if len(ticks) > 1 and ticks[-1] - ticks[-2] < step:
        ticks.pop(-2)

    def trace(name, values, colour, width, size):
        y = [None if _missing(v) else round(float(v), 1) for v in values]
        return {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _wrap(name, 36),
            "x": rounds,
            "y": y,
            "customdata": [[_plain(name), d] for d in dates],
            "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{y:.1f}<extra></extra>",
            "line": {"color": colour, "width": width},
            "marker": {"size": size, "color": colour},
            "connectgaps": False,
        }

    data = [
        trace(name, values, CRITERION_COLOURS[i % len(CRITERION_COLOURS)], 1.6, 4)
        for i, (name, values) in enumerate(series.items())
    ]
    if overall is not None:
        data.append(trace(overall_name, overall, INK, 4, 7))
    shapes, annotations = [], []
    if marked and marked in rounds:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": marked,
                "x1": marked,
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED, "width": 1.5, "dash": "dot"},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "x": marked,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": _plain(_("Round shown: {date}").format(date=month_year(marked, lang))),
                "showarrow": False,
                "font": {"color": MUTED, "size": 11},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    layout = {
        **_base_layout(lang, height),
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "xaxis": {
            "type": "date",
            "tickvals": [rounds[i] for i in ticks],
            "ticktext": [dates[i] for i in ticks],
            "gridcolor": GRID,
            "fixedrange": True,
            "showspikes": False,
        },
        "yaxis": {
            "range": [0, 102],
            "tickvals": [0, 20, 40, 60, 80, 100],
            "gridcolor": GRID,
            "zeroline": False,
            "fixedrange": True,
            "title": {"text": _plain(_("Score"))},
        },
        "legend": {
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "font": {"size": 11},
            "tracegroupgap": 2,
        },
        "hovermode": "closest",
        "shapes": shapes,
        "annotations": annotations,
    }
    return go.Figure({"data": data, "layout": layout})


# -- the summary in plain words (pure) -----------------------------------------------------


def _first_index(values: Sequence[float | None], before: int) -> int | None:
    return next((i for i in range(before) if not _missing(values[i])), None)


def summary_sentences(
    series: Mapping[str, Sequence[float | None]],
    rounds: Sequence[str],
    current: str,
    *,
    overall: Sequence[float | None] | None = None,
    small_samples: int = 0,
    values_total: int = 0,
    n_min: int = 30,
    areas: int = 1,
    lang: str = "en",
    stable: float = STABLE_POINTS,
) -> list[str]:
    """A few sentences on what the numbers say, e.g. "Safety improved from 42 to 58 since
    Mar 2024." and "Values for 3 of 29 indicators rest on small samples...".

    ``series`` maps each criterion's (translated) label to its score per round of
    ``rounds`` (YYYY-MM-DD, oldest first); ``overall`` is the overall score per round;
    ``current`` is the round of the view. Changes are against the first round with a
    score; a change under ``stable`` points "stayed about the same". ``small_samples`` of
    ``values_total`` indicator values rest on samples under ``n_min`` (over ``areas``
    areas for a rolled-up area).
    """
    _ = translator(lang)
    rounds = list(rounds)
    now = rounds.index(current)

    def num(value: float) -> str:
        return number(value, lang, 0)

    def date(index: int) -> str:
        return month_year(rounds[index], lang)

    sentences: list[str] = []
    present = {label: v[now] for label, v in series.items() if not _missing(v[now])}
    overall_now = None if overall is None else overall[now]

    if _missing(overall_now) and not present:
        sentences.append(
            _("There is no score for {date}: too few indicators have data.").format(date=date(now))
        )
    elif overall is not None and _missing(overall_now):
        sentences.append(
            _("There is no overall score for {date}: too few criteria have a score.").format(
                date=date(now)
            )
        )
    elif overall is not None:
        first = _first_index(overall, now)
        if first is None:
            sentences.append(
                _("The overall score is {new} in {date}, the first round with a score.").format(
                    new=num(overall_now), date=date(now)
                )
            )
        else:
            old, diff = overall[first], overall_now - overall[first]
            if diff >= stable:
                template = _("The overall score improved from {old} to {new} since {date}.")
            elif diff <= -stable:
                template = _("The overall score declined from {old} to {new} since {date}.")
            else:
                template = _(
                    "The overall score stayed about the same since {date}: {old} then, {new} now."
                )
            sentences.append(template.format(old=num(old), new=num(overall_now), date=date(first)))

    # Criteria: the largest improvement and the largest decline since their first score.
    changes = []
    for label, values in series.items():
        if _missing(values[now]):
            continue
        first = _first_index(values, now)
        if first is not None:
            changes.append((values[now] - values[first], label, values[first], values[now], first))
    if changes:
        best = max(changes, key=lambda c: c[0])
        worst = min(changes, key=lambda c: c[0])
        if best[0] >= stable:
            sentences.append(
                _("{criterion} improved from {old} to {new} since {date}.").format(
                    criterion=best[1], old=num(best[2]), new=num(best[3]), date=date(best[4])
                )
            )
        if worst[0] <= -stable:
            sentences.append(
                _("{criterion} declined from {old} to {new} since {date}.").format(
                    criterion=worst[1], old=num(worst[2]), new=num(worst[3]), date=date(worst[4])
                )
            )
        if best[0] < stable and worst[0] > -stable:
            since = min(c[4] for c in changes)
            sentences.append(
                _("No criterion changed by {points} points or more since {date}.").format(
                    points=num(stable), date=date(since)
                )
            )

    # The weakest criterion now, and whether it was already the weakest at the start.
    if len(present) >= 2:
        label, value = min(present.items(), key=lambda item: item[1])
        if value >= 100 - 1e-9:
            sentences.append(_("Every criterion with a score is at 100."))
        else:
            starts = [_first_index(v, now) for v in series.values()]
            start = min((s for s in starts if s is not None), default=None)
            earlier = (
                {lb: v[start] for lb, v in series.items() if not _missing(v[start])}
                if start is not None
                else {}
            )
            was_weakest = (
                len(earlier) >= 2
                and label in earlier
                and min(earlier.items(), key=lambda item: item[1])[0] == label
            )
            template = (
                _("{criterion} remains the weakest criterion, at {score}.")
                if was_weakest
                else _("{criterion} is the weakest criterion, at {score}.")
            )
            sentences.append(template.format(criterion=label, score=num(value)))

    absent = [label for label, v in series.items() if _missing(v[now])]
    if present and absent:
        sentences.append(
            _("No score this round for: {criteria}.").format(criteria="; ".join(absent))
        )

    if small_samples > 0:
        if areas > 1:
            template = _(
                "{count} of {total} indicator values from {areas} areas rest on small samples "
                "(fewer than {n_min} respondents)."
            )
        else:
            template = _(
                "Values for {count} of {total} indicators rest on small samples "
                "(fewer than {n_min} respondents)."
            )
        sentences.append(
            template.format(
                count=num(small_samples),
                total=num(values_total),
                areas=num(areas),
                n_min=num(n_min),
            )
        )
    return sentences


# -- the numbers of one area ---------------------------------------------------------------


def comparator_criterion_scores(cube: xr.Dataset, framework: Framework) -> xr.DataArray:
    """The comparator's absolute criterion score over (area, round, group, criterion).

    Per indicator, the comparator value that the parity score uses (the area's own
    ``host`` value, else the fallback of DESIGN 4 step 2), normalised with the same
    goalposts as the displaced group's (step 1), and only where the displaced ``group``
    has a value, so that both bars rest on the same indicators. Sub-criterion = mean of
    its indicators present, criterion = mean of its sub-criteria, missing where fewer
    than half have a score (step 3).
    """
    if list(cube["indicator"].values) != framework.indicator_codes:
        cube = cube.reindex(indicator=framework.indicator_codes)
    worst, best = goalposts(framework)
    comparator, _own = comparator_values(cube, framework.n_min)
    displaced = cube["value"].sel(group=list(DISPLACED_GROUPS)).reset_coords(drop=True)
    paired = comparator.where(displaced.notnull())
    indicator = absolute_score(paired, worst, best).transpose(..., "indicator")
    _subcriterion, criterion = aggregate_to_criteria(indicator, framework)
    return criterion.transpose("area", "round", "group", "criterion")


def _comparator_result(context) -> xr.Dataset:
    """The comparator's scores shaped like ``score()``'s result, for ``rollup``."""

    def make():
        framework = context.framework
        criterion = comparator_criterion_scores(context.cube, framework)
        weights = xr.DataArray(
            [c.weight for c in framework.criteria], coords={"criterion": framework.criterion_codes}
        )
        overall = overall_score(criterion, weights, framework.aggregation, framework.min_criteria)
        displaced = context.scores()["has_data"].reset_coords(drop=True)
        return xr.Dataset(
            {
                "criterion_score": criterion,
                "overall_score": overall,
                "reliability": xr.full_like(overall, np.nan),
                # Own where the displaced group has data of its own, else rolled up from
                # the children: the same structure as the group's scores it is set against.
                "has_data": displaced.reindex_like(overall).fillna(False).astype(bool),
            }
        ).compute()

    return _memo(context, ("comparator",), make)


def _comparator_level(context, level: int) -> xr.Dataset:
    return _memo(
        context,
        ("comparator", level),
        lambda: rollup(_comparator_result(context), context.cube, context.areas, level),
    )


def _children(context) -> dict[str, list[str]]:
    def make():
        children: dict[str, list[str]] = {}
        for pcode, parent in context.parents.items():
            if isinstance(parent, str) and parent:
                children.setdefault(parent, []).append(pcode)
        return children

    return _memo(context, ("children",), make)


def _sources_by_area(context) -> pd.DataFrame:
    """One row per (area, source, round) of the observations, loaded once per process."""

    def make():
        observations = context.workspace.observations()
        if "source" not in observations or observations.empty:
            return pd.DataFrame(columns=["area_pcode", "source", "round"])
        table = observations[["area_pcode", "source", "round"]].copy()
        table["source"] = table["source"].fillna("").astype(str).str.strip()
        table["round"] = pd.to_datetime(table["round"]).dt.strftime("%Y-%m-%d")
        return table.drop_duplicates().reset_index(drop=True)

    return _memo(context, ("sources",), make)


@dataclass(frozen=True)
class CriterionRow:
    """One criterion of the area in the view's round."""

    code: str
    label: str
    score: float | None  # the view's benchmark
    absolute: float | None  # the group's absolute score
    comparator: float | None  # the comparator's absolute score (parity benchmark)
    parity: float | None
    series: tuple[float | None, ...]  # the view's benchmark, per round of LocalityData.rounds
    since_previous: float | None
    previous_round: str | None
    since_first: float | None
    first_round: str | None
    values_present: int
    values_expected: int
    small_samples: int
    fallbacks: int


@dataclass(frozen=True)
class LocalityData:
    """Everything the locality page (and its PDF) shows, as plain values."""

    pcode: str
    name: str
    level: int
    parent: str | None
    parent_name: str | None
    group: str
    benchmark: str
    core: bool
    round: str
    rounds: tuple[str, ...]  # rounds with a score anywhere, oldest first
    scored: bool  # whether the area has scores at all (own or rolled up)
    rolled_up: bool  # scores are the children's, weighted by IDPs present
    members: tuple[str, ...]  # areas whose own data the scores rest on
    overall: float | None
    overall_series: tuple[float | None, ...]
    score_class: int | None
    reliability: float | None
    idps_present: float | None
    since_previous: float | None
    previous_round: str | None
    since_first: float | None
    first_round: str | None
    baseline_round: str | None  # first round with a score (profile's contrast)
    criteria: tuple[CriterionRow, ...]
    n_min: int
    sources: tuple[tuple[str, tuple[str, ...]], ...]  # (source, its rounds)

    @property
    def small_samples(self) -> int:
        return sum(c.small_samples for c in self.criteria)

    @property
    def values_expected(self) -> int:
        return sum(c.values_expected for c in self.criteria)

    @property
    def values_present(self) -> int:
        return sum(c.values_present for c in self.criteria)

    @property
    def fallbacks(self) -> int:
        return sum(c.fallbacks for c in self.criteria)


def _change(values: Sequence[float | None], index: int, rounds: Sequence[str]):
    """(since previous, previous round, since first, first round) at ``index`` (4.7)."""
    if _missing(values[index]):
        return None, None, None, None
    previous = next((j for j in range(index - 1, -1, -1) if not _missing(values[j])), None)
    first = _first_index(values, index + 1)
    return (
        None if previous is None else values[index] - values[previous],
        None if previous is None else rounds[previous],
        values[index] - values[first],
        rounds[first],
    )


def _series(array: xr.DataArray) -> tuple[float | None, ...]:
    return tuple(_float(v) for v in np.asarray(array.values, dtype=float))


def locality_data(context, state, pcode: str) -> LocalityData | None:
    """The numbers of area ``pcode`` for the view ``state``; None for an unknown code."""
    pcode = str(pcode).strip()
    if pcode not in context.names:
        return None
    framework = context.framework
    level = int(context.levels[pcode])
    parent = context.parents.get(pcode)
    parent = parent if isinstance(parent, str) and parent in context.names else None
    group = state.group if state.group in DISPLACED_GROUPS else DISPLACED_GROUPS[0]
    benchmark = state.benchmark if state.benchmark in ("parity", "absolute") else "parity"
    core = bool(state.core)
    rounds = tuple(context.rounds)
    round_ = state.round if state.round in rounds else (rounds[-1] if rounds else "")
    codes = framework.core_criterion_codes if core else framework.criterion_codes

    result = context.scores(core)
    own = pcode in result["area"].values and bool(result["has_data"].sel(area=pcode).any().item())
    scored = own or level in context.scored_levels
    common = {
        "pcode": pcode,
        "name": str(context.names[pcode]),
        "level": level,
        "parent": parent,
        "parent_name": str(context.names[parent]) if parent else None,
        "group": group,
        "benchmark": benchmark,
        "core": core,
        "round": round_,
        "rounds": rounds,
        "n_min": int(framework.n_min),
    }
    if not scored or not rounds:
        return LocalityData(
            **common,
            scored=False,
            rolled_up=False,
            members=(),
            overall=None,
            overall_series=(),
            score_class=None,
            reliability=None,
            idps_present=_idps(context, pcode, round_) if rounds else None,
            since_previous=None,
            previous_round=None,
            since_first=None,
            first_round=None,
            baseline_round=None,
            criteria=(),
            sources=_sources(context, [pcode]),
        )

    at_rounds = {"round": pd.to_datetime(list(rounds)).to_numpy()}
    if own:
        members = [pcode]
        picked = result.sel(area=pcode, group=group).sel(**at_rounds)
        criterion = picked["criterion_score"]
        overall = picked["overall_score"]
        klass = picked["score_class"]
        reliability = picked["reliability"]
        comparator = (
            _comparator_result(context)["criterion_score"]
            .sel(area=pcode, group=group)
            .sel(**at_rounds)
        )
        idps = _idps(context, pcode, round_)
        rolled_up = False
    else:
        members = _members(context, pcode, group)
        level_scores = context.level_scores(level, core)
        picked = level_scores.sel(area=pcode, group=group).sel(**at_rounds)
        criterion = picked["criterion_score"]
        overall = picked["overall_score"]
        klass = picked["score_class"]
        reliability = picked["reliability"].isel(benchmark=0, drop=True)
        comparator = (
            _comparator_level(context, level)["criterion_score"]
            .sel(area=pcode, group=group)
            .sel(**at_rounds)
        )
        idps_now = picked["idps_present"].sel(round=np.datetime64(round_))
        idps = _float(idps_now)
        rolled_up = bool(picked["rolled_up"].any().item())

    now = rounds.index(round_)
    view_criterion = criterion.sel(benchmark=benchmark).transpose("round", "criterion")
    absolute_now = criterion.sel(benchmark="absolute").isel(round=now)
    parity_now = criterion.sel(benchmark="parity").isel(round=now)
    comparator_now = comparator.isel(round=now)
    overall_series = _series(overall.sel(benchmark=benchmark))
    coverage = _coverage(context, members, group, round_, codes)

    rows = []
    for code in codes:
        series = _series(view_criterion.sel(criterion=code))
        since_previous, previous_round, since_first, first_round = _change(series, now, rounds)
        present, expected, small, fallbacks = coverage[code]
        rows.append(
            CriterionRow(
                code=code,
                label=framework.label(code, state.lang),
                score=series[now],
                absolute=_float(absolute_now.sel(criterion=code)),
                comparator=_float(comparator_now.sel(criterion=code)),
                parity=_float(parity_now.sel(criterion=code)),
                series=series,
                since_previous=since_previous,
                previous_round=previous_round,
                since_first=since_first,
                first_round=first_round,
                values_present=present,
                values_expected=expected,
                small_samples=small,
                fallbacks=fallbacks,
            )
        )
    since_previous, previous_round, since_first, first_round = _change(overall_series, now, rounds)
    baseline = _first_index(overall_series, len(rounds))
    if baseline is None:
        baseline = min(
            (i for i in (_first_index(r.series, len(rounds)) for r in rows) if i is not None),
            default=None,
        )
    klass_now = _float(klass.sel(benchmark=benchmark).isel(round=now))
    return LocalityData(
        **common,
        scored=True,
        rolled_up=rolled_up,
        members=tuple(members),
        overall=overall_series[now],
        overall_series=overall_series,
        score_class=None if klass_now is None else int(klass_now),
        reliability=_float(reliability.isel(round=now)),
        idps_present=idps,
        since_previous=since_previous,
        previous_round=previous_round,
        since_first=since_first,
        first_round=first_round,
        baseline_round=None if baseline is None else rounds[baseline],
        criteria=tuple(rows),
        sources=_sources(context, sorted({pcode, *members})),
    )


def _idps(context, pcode: str, round_: str) -> float | None:
    cube = context.cube
    if pcode not in cube["area"].values:
        return None
    value = cube["context"].sel(area=pcode, variable="idps_present")
    try:
        return _float(value.sel(round=np.datetime64(round_)))
    except KeyError:
        return None


def _members(context, pcode: str, group: str) -> list[str]:
    """Descendants of ``pcode`` with data of their own for ``group``: what a rolled-up
    score rests on."""
    result = context.scores()
    has_data = result["has_data"].sel(group=group).any("round").to_series()
    children = _children(context)
    found, stack = [], list(children.get(pcode, []))
    while stack:
        area = stack.pop()
        if bool(has_data.get(area, False)):
            found.append(area)
        else:
            stack.extend(children.get(area, []))
    return sorted(found)


def _coverage(context, members, group, round_, codes) -> dict[str, tuple[int, int, int, int]]:
    """Per criterion: (values present, values expected, small samples, fallbacks) over the
    member areas in the round."""
    framework = context.framework
    criterion_of = {
        i.code: framework.subcriterion_parent()[s]
        for i, s in ((i, framework.indicator_parent()[i.code]) for i in framework.indicators)
    }
    out = {}
    indicators = np.array(framework.indicator_codes)
    owner = np.array([criterion_of[c] for c in indicators])
    cube = context.cube
    areas = [a for a in members if a in cube["area"].values]
    at = {"round": np.datetime64(round_), "group": group}
    if areas:
        cells = cube.sel(area=areas, **at).reindex(indicator=indicators)
        value = cells["value"].transpose("area", "indicator").to_numpy()
        n = cells["n"].transpose("area", "indicator").to_numpy()
        fallback = (
            context.scores()["fallback"]
            .sel(area=areas, **at)
            .reindex(indicator=indicators)
            .transpose("area", "indicator")
            .to_numpy()
            .astype(bool)
        )
    else:
        value = n = np.full((0, len(indicators)), np.nan)
        fallback = np.zeros((0, len(indicators)), dtype=bool)
    present = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        small = present & (n < framework.n_min)
    for code in codes:
        mask = owner == code
        out[code] = (
            int(present[:, mask].sum()),
            int(mask.sum()) * max(len(members), 1),
            int(small[:, mask].sum()),
            int((fallback[:, mask] & present[:, mask]).sum()),
        )
    return out


def _sources(context, areas: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = _sources_by_area(context)
    rows = table[table["area_pcode"].isin(list(areas))]
    return tuple(
        (str(source), tuple(sorted(frame["round"].unique())))
        for source, frame in rows.groupby("source", sort=True)
    )


# -- the page ------------------------------------------------------------------------------


def _query(state) -> str:
    return to_query(state)  # the map owns the URL format


def _href(path: str, state) -> str:
    """``path`` under the app's prefix (``requests_pathname_prefix``), with the view's
    query, so every link keeps round, level, group, benchmark, core and lang."""
    with suppress(AttributeError):  # no Dash app in this process (tests, the PDF report)
        path = get_relative_path(path)
    return path + _query(state)


def _locality_href(pcode: str, state) -> str:
    return _href(f"/locality/{quote(pcode, safe='')}", state)


def _graph(graph_id: str, figure: go.Figure, label: str, description: str, filename: str):
    """A graph with a text alternative: the wrapper is an image named ``label`` and
    described by a visually hidden paragraph that gives the numbers."""
    description_id = f"{graph_id}-description"
    return html.Div(
        className="locality-figure",
        role="img",
        **{"aria-label": label, "aria-describedby": description_id},
        children=[
            dcc.Graph(
                id=graph_id,
                figure=figure,
                config={**_GRAPH_CONFIG, "toImageButtonOptions": {"filename": filename}},
            ),
            html.P(description, id=description_id, className="visually-hidden"),
        ],
    )


def _not_found(pcode: str, state, _):
    return html.Div(
        id=ids.LOCALITY_NOT_FOUND,
        className="locality-page locality-missing",
        children=[
            html.H2(_("Area not found")),
            html.P(
                _("There is no area with the P-code {pcode} in this workspace.").format(pcode=pcode)
            ),
            dcc.Link(_("Back to the map"), href=_href("/", state), className="locality-back"),
        ],
    )


def _class_badge(data: LocalityData, lang: str, _):
    if data.score_class is None:
        return html.Span(_("no class"), className="locality-class locality-class-none")
    colour = figures.CLASS_COLOURS.get(data.score_class, figures.NO_SCORE_COLOUR)
    return html.Span(
        className="locality-class",
        style={"borderColor": colour},
        children=[
            html.Span(className="locality-swatch", style={"background": colour}),
            figures.class_label(data.score_class, lang),
        ],
    )


def _kpi(label: str, value, note=None, extra_class: str = ""):
    return html.Div(
        className=f"locality-kpi {extra_class}".strip(),
        children=[
            html.Dt(label),
            html.Dd(value, className="locality-kpi-value"),
            html.Dd(note, className="locality-kpi-note") if note else None,
        ],
    )


def _change_text(value, since, lang, _) -> str | None:
    if _missing(value) or since is None:
        return None
    return _("{change} since {date}").format(
        change=_signed(value, lang), date=month_year(since, lang)
    )


def _header(data: LocalityData, state, _):
    lang = state.lang
    view = _(VIEW_PHRASES[data.group, data.benchmark]) + ", " + month_year(data.round, lang)
    if data.core:
        view += " · " + _("IRIS core criteria")
    facts = [
        html.Span(_("P-code {pcode}").format(pcode=data.pcode)),
        html.Span(_("Admin level {level}").format(level=data.level)),
    ]
    if data.parent:
        facts.append(
            html.Span(
                [
                    _("Part of") + " ",
                    dcc.Link(data.parent_name, href=_locality_href(data.parent, state)),
                ]
            )
        )
    source_note = None
    if data.scored and data.rolled_up:
        source_note = html.P(
            _(
                "This area has no survey data of its own for this group: its scores are the "
                "mean of {count} areas within it, weighted by the IDPs present in each."
            ).format(count=number(len(data.members), lang)),
            className="locality-note",
        )
    low = figures.is_low_reliability(data.reliability)
    reliability_value = (
        "–"
        if _missing(data.reliability)
        else [
            _("{value} / 10").format(value=number(data.reliability, lang, 1)),
            html.Span(
                [html.Span("⚠", **{"aria-hidden": "true"}), " " + _("low reliability")],
                className="locality-low",
            )
            if low
            else None,
        ]
    )
    kpis = html.Dl(
        className="locality-kpis",
        children=[
            _kpi(
                _("Overall score"),
                [html.Span(_score_text(data.overall, lang), className="locality-big"), " / 100"],
                _class_badge(data, lang, _),
            ),
            _kpi(
                _("Change"),
                _signed(data.since_previous, lang) if data.previous_round else "–",
                [
                    _("since {date}").format(date=month_year(data.previous_round, lang))
                    if data.previous_round
                    else _("no earlier round with a score"),
                    html.Br(),
                    _change_text(data.since_first, data.first_round, lang, _) or "",
                ],
            ),
            _kpi(
                _("Reliability"),
                reliability_value,
                _("0 = all values present, own comparator, adequate samples; 10 = least reliable."),
                "locality-kpi-low" if low else "",
            ),
            _kpi(
                _("IDPs present"),
                number(data.idps_present, lang) if not _missing(data.idps_present) else "–",
                _("in {date}").format(date=month_year(data.round, lang))
                if not _missing(data.idps_present)
                else _("not reported"),
            ),
        ],
    )
    return html.Header(
        className="locality-header",
        children=[
            html.P(facts, className="locality-facts"),
            html.H2(data.name, id=ids.LOCALITY_NAME, className="locality-name"),
            html.P(view, className="locality-view"),
            source_note,
            kpis,
        ],
    )


def _section(title: str, section_id: str, children, extra_class: str = ""):
    heading_id = f"{section_id}-heading"
    return html.Section(
        id=section_id,
        className=f"locality-card {extra_class}".strip(),
        **{"aria-labelledby": heading_id},
        children=[html.H3(title, id=heading_id), *children],
    )


def _bars(data: LocalityData, state, _):
    lang = state.lang
    labels = [c.label for c in data.criteria]
    group = _(GROUP_NAMES[data.group])
    host = _(HOST_NAME)
    parity = data.benchmark == "parity"
    figure = criterion_bars_figure(
        labels,
        [c.absolute for c in data.criteria],
        [c.comparator for c in data.criteria] if parity else None,
        parity=[c.parity for c in data.criteria] if parity else None,
        group_name=group,
        comparator_name=host,
        lang=lang,
    )
    if parity:
        intro = _(
            "Absolute scores of {group} and of the host community they are compared with, "
            "on the same indicators: 0 is the worst goalpost, 100 the best. The gap between "
            "the bars is what the parity score measures."
        ).format(group=group)
        parts = [
            _("{criterion}: {group} {score}, host community {host}").format(
                criterion=c.label,
                group=group,
                score=_score_text(c.absolute, lang),
                host=_score_text(c.comparator, lang),
            )
            for c in data.criteria
        ]
    else:
        intro = _(
            "Absolute scores of {group} per criterion: 0 is the worst goalpost, 100 the best."
        ).format(group=group)
        parts = [
            _("{criterion}: {score}").format(criterion=c.label, score=_score_text(c.absolute, lang))
            for c in data.criteria
        ]
    return _section(
        _("Each criterion against the comparator"),
        ids.LOCALITY_BARS + "-section",
        [
            html.P(intro, className="locality-caption"),
            _graph(
                ids.LOCALITY_BARS,
                figure,
                _("Bar chart of the criterion scores"),
                "; ".join(parts) + ". " + _("A dash means no data."),
                f"{data.pcode}-criteria",
            ),
        ],
    )


def _profile(data: LocalityData, state, _):
    lang = state.lang
    labels = [c.label for c in data.criteria]
    now = data.rounds.index(data.round)
    current = [c.series[now] for c in data.criteria]
    baseline_round = data.baseline_round
    baseline = None
    if baseline_round and baseline_round != data.round:
        at = data.rounds.index(baseline_round)
        baseline = [c.series[at] for c in data.criteria]
    figure = profile_figure(
        labels,
        current,
        baseline,
        current_name=month_year(data.round, lang),
        baseline_name=month_year(baseline_round, lang) if baseline_round else "",
        lang=lang,
    )
    if baseline is not None:
        description = "; ".join(
            _("{criterion}: {new} in {date}, {old} in {first}").format(
                criterion=c.label,
                new=_score_text(c.series[now], lang),
                date=month_year(data.round, lang),
                old=_score_text(b, lang),
                first=month_year(baseline_round, lang),
            )
            for c, b in zip(data.criteria, baseline, strict=True)
        )
        intro = _(
            "The {kind} of each criterion in {date}, against the first round with a "
            "score, {first}. Further out is better."
        ).format(
            kind=_(SCORE_KINDS[data.benchmark]),
            date=month_year(data.round, lang),
            first=month_year(baseline_round, lang),
        )
    else:
        description = "; ".join(
            _("{criterion}: {score}").format(criterion=c.label, score=_score_text(v, lang))
            for c, v in zip(data.criteria, current, strict=True)
        )
        intro = _("The {kind} of each criterion in {date}. Further out is better.").format(
            kind=_(SCORE_KINDS[data.benchmark]),
            date=month_year(data.round, lang),
        )
    return _section(
        _("Profile"),
        ids.LOCALITY_PROFILE + "-section",
        [
            html.P(intro, className="locality-caption"),
            _graph(
                ids.LOCALITY_PROFILE,
                figure,
                _("Radar chart of the criterion scores"),
                description + ".",
                f"{data.pcode}-profile",
            ),
        ],
    )


def _timeseries(data: LocalityData, state, _):
    lang = state.lang
    series = {c.label: c.series for c in data.criteria}
    figure = timeseries_figure(
        data.rounds,
        series,
        data.overall_series,
        marked=data.round,
        overall_name=_("Overall score"),
        lang=lang,
    )
    dates = [month_year(r, lang) for r in data.rounds]

    def line(label, values):
        shown = [
            f"{d} {_score_text(v, lang)}"
            for d, v in zip(dates, values, strict=True)
            if not _missing(v)
        ]
        return _("{criterion}: {values}").format(
            criterion=label, values=", ".join(shown) or _("no data")
        )

    description = "; ".join(
        [line(_("Overall score"), data.overall_series)]
        + [line(c.label, c.series) for c in data.criteria]
    )
    return _section(
        _("Criteria over time"),
        ids.LOCALITY_TIMESERIES + "-section",
        [
            html.P(
                _(
                    "The {kind} per survey round; the overall score is the thick dark line. "
                    "Gaps are rounds without enough data for a score."
                ).format(kind=_(SCORE_KINDS[data.benchmark])),
                className="locality-caption",
            ),
            _graph(
                ids.LOCALITY_TIMESERIES,
                figure,
                _("Line chart of the criterion scores over the survey rounds"),
                description + ".",
                f"{data.pcode}-timeseries",
            ),
        ],
        "locality-wide",
    )


def _change_cell(value, since, lang):
    if _missing(value):
        return html.Td("–", className="num")
    direction = "up" if value >= 0.05 else "down" if value <= -0.05 else "flat"
    arrow = {"up": "▲", "down": "▼", "flat": "•"}[direction]
    return html.Td(
        className=f"num change-{direction}",
        children=[
            html.Span(arrow + " ", **{"aria-hidden": "true"}),
            _signed(value, lang),
            html.Span(month_year(since, lang), className="locality-since") if since else None,
        ],
    )


def _change_table(data: LocalityData, state, _):
    lang = state.lang
    rows = [
        html.Tr(
            className="locality-row-overall",
            children=[
                html.Th(_("Overall score"), scope="row"),
                html.Td(_score_text(data.overall, lang), className="num"),
                _change_cell(data.since_previous, data.previous_round, lang),
                _change_cell(data.since_first, data.first_round, lang),
            ],
        )
    ]
    rows += [
        html.Tr(
            [
                html.Th(c.label, scope="row"),
                html.Td(_score_text(c.score, lang), className="num"),
                _change_cell(c.since_previous, c.previous_round, lang),
                _change_cell(c.since_first, c.first_round, lang),
            ]
        )
        for c in data.criteria
    ]
    return _section(
        _("Change since the previous and the first round"),
        ids.LOCALITY_CHANGE,
        [
            html.P(
                _(
                    "Points of the {kind} gained or lost since the previous round with a "
                    "score and since the first one; the date is that round."
                ).format(kind=_(SCORE_KINDS[data.benchmark])),
                className="locality-caption",
            ),
            html.Table(
                className="locality-table",
                children=[
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Criterion"), scope="col"),
                                html.Th(
                                    _("Score in {date}").format(date=month_year(data.round, lang)),
                                    scope="col",
                                    className="num",
                                ),
                                html.Th(
                                    _("Since the previous round"), scope="col", className="num"
                                ),
                                html.Th(_("Since the first round"), scope="col", className="num"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
            ),
        ],
    )


def _coverage_table(data: LocalityData, state, _):
    lang = state.lang
    many = len(data.members) > 1

    def count(value: int, of: int) -> str:
        return _("{count} of {total}").format(count=number(value, lang), total=number(of, lang))

    def flagged(value: int) -> html.Td:
        return html.Td(number(value, lang), className="num" + (" locality-flag" if value else ""))

    rows = [
        html.Tr(
            [
                html.Th(c.label, scope="row"),
                html.Td(count(c.values_present, c.values_expected), className="num"),
                flagged(c.small_samples),
                flagged(c.fallbacks),
            ]
        )
        for c in data.criteria
    ]
    rows.append(
        html.Tr(
            className="locality-row-overall",
            children=[
                html.Th(_("All criteria"), scope="row"),
                html.Td(count(data.values_present, data.values_expected), className="num"),
                flagged(data.small_samples),
                flagged(data.fallbacks),
            ],
        )
    )
    intro = (
        _(
            "Indicator values of {group} in {date}, over the {count} areas this score rests on. "
            "Small samples have fewer than {n_min} respondents; a fallback comparator is the "
            "parent area's host value or the mean of the round, used where the area's own "
            "host value is missing or rests on a small sample."
        )
        if many
        else _(
            "Indicator values of {group} in {date}. Small samples have fewer than {n_min} "
            "respondents; a fallback comparator is the parent area's host value or the mean "
            "of the round, used where the area's own host value is missing or rests on a "
            "small sample."
        )
    ).format(
        group=_(GROUP_NAMES[data.group]),
        date=month_year(data.round, lang),
        count=number(len(data.members), lang),
        n_min=number(data.n_min, lang),
    )
    sources = [
        html.Li(
            [
                html.Span(source or _("source not recorded"), className="locality-source"),
                " — ",
                _rounds_text(rounds, lang, _),
            ]
        )
        for source, rounds in data.sources
    ]
    return _section(
        _("Data coverage and sources"),
        ids.LOCALITY_COVERAGE,
        [
            html.P(intro, className="locality-caption"),
            html.Table(
                className="locality-table",
                children=[
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Criterion"), scope="col"),
                                html.Th(_("Indicators with a value"), scope="col", className="num"),
                                html.Th(_("Small samples"), scope="col", className="num"),
                                html.Th(_("Fallback comparators"), scope="col", className="num"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
            ),
            html.H4(_("Sources")),
            html.Ul(sources, id=ids.LOCALITY_SOURCES, className="locality-sources")
            if sources
            else html.P(_("No source is recorded for this area."), id=ids.LOCALITY_SOURCES),
        ],
    )


def _rounds_text(rounds: Sequence[str], lang: str, _) -> str:
    if not rounds:
        return ""
    if len(rounds) == 1:
        return month_year(rounds[0], lang)
    return _("{count} rounds, {first} to {last}").format(
        count=number(len(rounds), lang),
        first=month_year(rounds[0], lang),
        last=month_year(rounds[-1], lang),
    )


def _summary(data: LocalityData, state, _):
    sentences = summary_sentences(
        {c.label: c.series for c in data.criteria},
        data.rounds,
        data.round,
        overall=data.overall_series,
        small_samples=data.small_samples,
        values_total=data.values_expected,
        n_min=data.n_min,
        areas=max(len(data.members), 1),
        lang=state.lang,
    )
    return _section(
        _("In short"),
        ids.LOCALITY_SUMMARY,
        [html.Ul([html.Li(s) for s in sentences], className="locality-summary")],
        "locality-summary-card",
    )


def _nav(state, _):
    return html.Nav(
        className="locality-nav",
        **{"aria-label": _("Pages")},
        children=[
            dcc.Link(
                "← " + _("Back to the map"), href=_href("/", state), className="locality-back"
            ),
            dcc.Link(_("Priorities"), href=_href("/priorities", state), className="locality-link"),
        ],
    )


def layout(context, state, pcode: str = "", **_params):
    """The locality page of area ``pcode`` for the view ``state`` (built per request)."""
    _ = translator(state.lang)
    pcode = str(pcode or "").strip()
    data = locality_data(context, state, pcode)
    if data is None:
        return _not_found(pcode, state, _)
    children = [_nav(state, _), _header(data, state, _)]
    nothing = all(_missing(v) for v in data.overall_series) and all(
        _missing(v) for c in data.criteria for v in c.series
    )
    if not data.scored or nothing:
        message = (
            _("There are no scores for {group} in this area.").format(
                group=_(GROUP_NAMES[data.group])
            )
            if data.scored
            else _("There are no scores for this area: none of it has survey data.")
        )
        children.append(
            html.P(message, id=ids.LOCALITY_EMPTY, className="locality-card locality-empty")
        )
        return html.Div(children, id=ids.LOCALITY_PAGE, className="locality-page")
    children += [
        _summary(data, state, _),
        html.Div(
            className="locality-grid",
            children=[_bars(data, state, _), _profile(data, state, _)],
        ),
        _timeseries(data, state, _),
        _change_table(data, state, _),
        _coverage_table(data, state, _),
    ]
    return html.Div(children, id=ids.LOCALITY_PAGE, className="locality-page")


def register_callbacks(app, context) -> None:
    """The locality page is static per URL: the router renders it, nothing updates it."""
    return None
