"""The counts map (persons present, or their change, per area): the first day of an
office, boundaries and DTM figures and no score yet. A pure Plotly builder shared by the
map page and the PDF.

Traces, in order (the page patches them by index, never the geometry):
0 every area in grey (no figure), 1 the choropleth of the values, 2 proportional symbols
at the areas' inner points. ``style`` shows 1 or 2.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.map import (
    FONT_FAMILY,
    area_traces,
    fit_map_view,
)
from dashboard.i18n import DEFAULT_LANGUAGE, separators, translator

BASE_TRACE, CHOROPLETH_TRACE, SYMBOL_TRACE = 0, 1, 2
STYLES = ("choropleth", "symbols")
#: Light to dark blue for counts; red (more people displaced) to blue for change.
_COUNT_SCALE = [
    [0, "#eff3ff"],
    [0.25, "#bdd7e7"],
    [0.5, "#6baed6"],
    [0.75, "#3182bd"],
    [1, "#08519c"],
]
_CHANGE_SCALE = [[0, "#2166ac"], [0.5, "#f7f7f7"], [1, "#b2182b"]]
#: Diameter in pixels of the largest symbol.
_LARGEST = 42


def _aligned(values: pd.DataFrame, locations: Sequence[str]) -> np.ndarray:
    return (
        values.set_index("pcode")["value"].reindex(list(locations)).to_numpy(dtype=float)
        if len(values)
        else np.full(len(locations), np.nan)
    )


def count_arrays(
    values: pd.DataFrame, locations: Sequence[str], change: bool, style: str
) -> dict[str, dict]:
    """The data keys of the choropleth and symbol traces for ``values`` (from
    ``briefing.counts.count_values``): what a Patch replaces on each step."""
    v = _aligned(values, locations)
    finite = v[np.isfinite(v)]
    top = float(np.max(np.abs(finite))) if finite.size else 1.0
    top = top or 1.0
    present = np.isfinite(v)
    z = [None if not ok else float(x) for ok, x in zip(present, v, strict=True)]
    sizes = np.where(present, np.sqrt(np.abs(np.nan_to_num(v)) / top) * _LARGEST, 0.0)
    colour = np.where(np.nan_to_num(v) < 0, "#2166ac", "#b2182b") if change else "#3182bd"
    return {
        "choropleth": {
            "z": z,
            "customdata": z,
            "zmin": -top if change else 0.0,
            "zmax": top,
            "colorscale": _CHANGE_SCALE if change else _COUNT_SCALE,
            "visible": style != "symbols",
        },
        "symbols": {
            "customdata": z,
            "marker": {
                "size": [round(float(s), 2) for s in sizes],
                "color": colour.tolist() if change else colour,
                "opacity": 0.7,
                "sizemode": "diameter",
            },
            "visible": style == "symbols",
        },
    }


def count_hovertemplate(label: str, lang: str | None = DEFAULT_LANGUAGE) -> str:
    return "<b>%{text}</b><br>" + html.escape(label) + ": %{customdata:,.0f}<extra></extra>"


def counts_figure(
    values: pd.DataFrame,
    level: int,
    geojson: str | dict,
    *,
    locations: Sequence[str],
    names: Sequence[str],
    points: Sequence[tuple[float, float]],
    bounds: tuple[float, float, float, float],
    label: str,
    change: bool = False,
    style: str = "choropleth",
    height: int = 600,
    lang: str | None = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Persons present (or their change) per area of one level, as a choropleth or as
    proportional symbols (area of a symbol proportional to the figure)."""
    _ = translator(lang)
    locations = [str(code) for code in locations]
    names = [html.escape(str(name), quote=False) for name in names]
    centre, zoom = fit_map_view(bounds, height=height)
    arrays = count_arrays(values, locations, change, style)
    common, base = area_traces(
        geojson,
        locations,
        names,
        _("no figure"),
        "<b>%{text}</b><br>" + html.escape(_("no figure")) + "<extra></extra>",
    )
    choropleth = {
        **common,
        "name": label,
        **arrays["choropleth"],
        "zauto": False,
        "showscale": True,
        "colorbar": {"title": {"text": label}, "thickness": 12, "len": 0.6},
        "hovertemplate": count_hovertemplate(label, lang),
    }
    lon = [p[0] if p and math.isfinite(p[0]) else None for p in points]
    lat = [p[1] if p and math.isfinite(p[1]) else None for p in points]
    symbols = {
        "type": "scattermap",
        "name": label,
        "lon": lon,
        "lat": lat,
        "text": names,
        "mode": "markers",
        **arrays["symbols"],
        "hovertemplate": count_hovertemplate(label, lang),
    }
    layout = {
        "map": {"style": "white-bg", "center": centre, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": height,
        "paper_bgcolor": "#ffffff",
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#1f2933"},
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": FONT_FAMILY}},
        "separators": separators(lang),
        "uirevision": f"counts-level-{int(level)}",
        "showlegend": False,
        "template": "none",
    }
    return go.Figure({"data": [base, choropleth, symbols], "layout": layout})
