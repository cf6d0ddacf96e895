"""The locality charts, pure Plotly builders (numbers in, figure out; no Dash): each
criterion against the comparator (``criterion_bars_figure``), the profile this round
against the first round with a score (``profile_figure``) and each criterion over time
(``timeseries_figure``). The locality page and the PDF pack draw the same figures.

Text from data files (labels) is escaped for Plotly, which reads a subset of HTML.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from html import escape as _escape

from dashboard.briefing.numbers import _missing, score_text
from dashboard.figures.map import font_family
from dashboard.i18n import direction, month_year, separators, translator

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


def _plain(text: str) -> str:
    """Text for Plotly, which reads ``<br>``, ``<b>``, ``<a>``... in its strings: escaped
    so that a label from a data file is shown as written, never as markup."""
    return _escape(str(text), quote=False)


def _wrap(text: str, width: int) -> str:
    """Escaped ``text`` broken into lines of about ``width`` characters with ``<br>``."""
    lines = textwrap.wrap(_plain(text), width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines)


def _base_layout(lang: str, height: int | None) -> dict:
    rtl = direction(lang) == "rtl"
    return {
        "template": "none",
        **({"height": height} if height else {}),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": font_family(lang), "size": 13, "color": INK},
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": font_family(lang)}},
        "separators": separators(lang),
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 1 if rtl else 0,
            "xanchor": "right" if rtl else "left",
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": 12},
        },
    }


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
) -> dict:
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
        return ["" if _missing(v) else score_text(v, lang) for v in seq]

    group_values = values(scores)
    parity_texts = [score_text(v, lang) for v in parity] if parity is not None else None
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
    # Right to left, the chart mirrors: labels on the right, bars growing leftwards.
    rtl = direction(lang) == "rtl"
    if rtl:
        for annotation in annotations:
            annotation["xanchor"] = "right" if annotation.get("xanchor") == "left" else "center"
    layout = {
        **_base_layout(lang, height),
        "barmode": "group",
        "bargap": 0.28,
        "bargroupgap": 0.08,
        "margin": {"l": 30, "r": 10, "t": 40, "b": 50}
        if rtl
        else {"l": 10, "r": 30, "t": 40, "b": 50},
        "showlegend": comparator is not None,
        "xaxis": {
            "range": [112, 0] if rtl else [0, 112],
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
            "side": "right" if rtl else "left",
        },
        "annotations": annotations,
        "shapes": shapes,
    }
    return {"data": data, "layout": layout}


def profile_figure(
    labels: Sequence[str],
    current: Sequence[float | None],
    baseline: Sequence[float | None] | None = None,
    *,
    current_name: str = "This round",
    baseline_name: str = "First round",
    lang: str = "en",
    height: int = 460,
) -> dict:
    """The criteria as a radar: this round's scores, and the first round's for contrast.
    Missing scores leave a gap in the outline (not a point at zero)."""
    _ = translator(lang)
    theta = [_wrap(label, 18) for label in labels]
    full = [_plain(label) for label in labels]

    def trace(values, name, colour, fill, dash):
        r = [None if _missing(v) else round(float(v), 1) for v in values]
        shown = [score_text(v, lang) if not _missing(v) else _("no data") for v in values]
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
    return {"data": data, "layout": layout}


def timeseries_figure(
    rounds: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    overall: Sequence[float | None] | None = None,
    *,
    marked: str | None = None,
    overall_name: str = "Overall score",
    lang: str = "en",
    height: int | None = 520,
) -> dict:
    """One line per criterion over ``rounds`` (YYYY-MM-DD), the overall score thicker and
    dark, and the round ``marked`` (the view's) as a vertical line. Rounds without a
    score leave gaps. The legend is under the plot, so a narrow screen keeps the plot's
    full width. ``height`` None leaves the height to the graph's container (the page's
    style sheet gives it more room on a phone, where the legend takes more rows)."""
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
        "autosize": True,
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
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -0.12,
            "yanchor": "top",
            "font": {"size": 11},
        },
        "hovermode": "closest",
        "shapes": shapes,
        "annotations": annotations,
    }
    return {"data": data, "layout": layout}
