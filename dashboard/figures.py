"""Pure figure builders: scores in, Plotly figures out. No Dash, no callbacks, no IO.

The PDF report (DESIGN 6) renders the same builders server-side, so screen and paper agree.

The map is a ``choroplethmap`` on the ``white-bg`` style: the only map trace and style that
make no request outside the app (DESIGN 9). Its geometry is a URL to the app's cached
``/geo/level/<n>.json`` route, never inline, so the figure JSON stays a few KB and the
browser fetches each level's geometry once.

Two traces share the same locations and geometry:

- trace 0 (``NO_SCORE_TRACE``) draws every area grey and says "no score" on hover. It is
  never updated.
- trace 1 (``SCORE_TRACE``) draws the scores on top. Areas without a score get ``z=None``,
  which Plotly neither draws nor hovers, so the grey area and its hover show through.
  Only this trace's ``z`` and ``customdata`` change when the view changes (slider, group,
  benchmark, criterion), plus its hover template when the criterion may have changed:
  see ``score_arrays`` and ``dashboard.views.map_patch``.

The colours are five fixed steps aligned with the classes of DESIGN 4 step 5 (zmin 0,
zmax 100 always, so a colour means the same in every round), explained by a legend
annotation that travels with the figure into downloaded images.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from dashboard.i18n import _
from indicators.scoring import CLASS_LABELS

__all__ = [
    "CLASS_COLOURS",
    "NO_SCORE_COLOUR",
    "NO_SCORE_TRACE",
    "SCORE_TRACE",
    "class_label",
    "fit_map_view",
    "geojson_bounds",
    "hovertemplate",
    "legend_annotation",
    "map_figure",
    "map_values",
    "score_arrays",
]

NO_SCORE_TRACE = 0
SCORE_TRACE = 1

# Viridis sampled at five steps: sequential, readable with the common colour-vision
# deficiencies and in greyscale print; darker is further from a solution.
CLASS_COLOURS = {
    1: "#440154",  # severe gaps   [0, 40)
    2: "#3b528b",  # major gaps    [40, 60)
    3: "#21918c",  # partial       [60, 80)
    4: "#5ec962",  # near parity   [80, 100)
    5: "#fde725",  # parity        100
}
NO_SCORE_COLOUR = "#cfcfcf"
BORDER_COLOUR = "#ffffff"
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)
# Class 5 needs every criterion at 100, so its overall score is 100 (to rounding). The top
# step starts just below 100 so that only those areas get the parity colour.
_PARITY_STOP = 0.9999999
# Best first, as the legend lists them.
_CLASS_RANGES = ((5, "100"), (4, "80–100"), (3, "60–80"), (2, "40–60"), (1, "0–40"))


def _stepped_colourscale() -> list[list]:
    edges = [0.0, 0.4, 0.6, 0.8, _PARITY_STOP, 1.0]
    scale: list[list] = []
    for step, (low, high) in enumerate(itertools.pairwise(edges), start=1):
        scale += [[low, CLASS_COLOURS[step]], [high, CLASS_COLOURS[step]]]
    return scale


def class_label(value: float | int | None) -> str | None:
    """The translated class name for a class number 1-5, None where there is no class."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return _(CLASS_LABELS[int(value)])


# -- selecting values ------------------------------------------------------------------


def map_values(
    result: xr.Dataset,
    *,
    round: str | pd.Timestamp,  # the query parameter's name (DESIGN 5)
    group: str,
    benchmark: str,
    criterion: str,
    level: int,
) -> pd.DataFrame:
    """One row per scored area of admin ``level``: pcode, score, class, class_label,
    reliability, for one round, displaced group, benchmark and criterion.

    ``criterion="overall"`` gives the overall score and its class (DESIGN 4, steps 4-5);
    a criterion code gives that criterion's score, which has no class. Reliability
    (step 6) is the same for every criterion and benchmark, and missing where the area
    has no data for that round and group. Scores are returned unrounded.
    """
    at = {"round": pd.Timestamp(round).to_datetime64(), "group": group}
    in_level = result["level"].to_numpy() == int(level)
    if criterion == "overall":
        score = result["overall_score"].sel(benchmark=benchmark, **at)
        klass = result["score_class"].sel(benchmark=benchmark, **at).to_numpy()[in_level]
    else:
        score = result["criterion_score"].sel(benchmark=benchmark, criterion=criterion, **at)
        klass = np.full(int(in_level.sum()), np.nan)
    has_data = result["has_data"].sel(**at).to_numpy()[in_level]
    reliability = result["reliability"].sel(**at).to_numpy()[in_level]
    return pd.DataFrame(
        {
            "pcode": result["area"].to_numpy()[in_level].astype(str),
            "score": score.to_numpy()[in_level].astype(float),
            "class": klass.astype(float),
            "class_label": [class_label(k) for k in klass],
            "reliability": np.where(has_data, reliability, np.nan),
        }
    )


def score_arrays(values: pd.DataFrame, locations: Sequence[str]) -> dict[str, list]:
    """``z`` and ``customdata`` of the score trace, aligned with ``locations``.

    Scores are cut (not rounded) to one decimal, so the number on hover and the colour
    step always agree with the class: 79.96 shows as 79.9, "partial", not 80.0. Areas
    without a score get ``None`` (not drawn) and a ``None`` customdata row, the cheapest
    JSON for them. customdata is ``[class label or "", reliability]``.
    """
    frame = values.set_index("pcode").reindex(pd.Index(locations, dtype=object))
    score = frame["score"].to_numpy(dtype=float)
    shown = np.floor(score * 10 + 1e-6) / 10
    reliability = np.round(frame["reliability"].to_numpy(dtype=float), 1)
    labels = frame["class_label"].to_numpy(dtype=object)
    z: list = []
    customdata: list = []
    for value, label, rel in zip(shown.tolist(), labels, reliability.tolist(), strict=True):
        if math.isnan(value):
            z.append(None)
            customdata.append(None)
            continue
        z.append(value)
        customdata.append(
            [label if isinstance(label, str) else "", None if math.isnan(rel) else rel]
        )
    return {"z": z, "customdata": customdata}


def hovertemplate(criterion_label: str | None = None) -> str:
    """Hover card of the score trace; ``criterion_label`` None means the overall score,
    which has a class."""
    lines = ["<b>%{text}</b>", _("P-code") + ": %{location}"]
    if criterion_label is None:
        lines += [_("Overall score") + ": %{z:.1f}", _("Class") + ": %{customdata[0]}"]
    else:
        lines += [criterion_label + ": %{z:.1f}"]
    lines += [_("Reliability") + ": %{customdata[1]:.1f} / 10 " + _("(0 = most reliable)")]
    return "<br>".join(lines) + "<extra></extra>"


def _no_score_hovertemplate() -> str:
    return (
        "<b>%{text}</b><br>" + _("P-code") + ": %{location}<br>" + _("no score") + "<extra></extra>"
    )


def legend_annotation() -> dict:
    """The class legend as one annotation in the map's top right corner: a coloured
    square per class, best first, and grey for "no score"."""
    rows = [(CLASS_COLOURS[step], class_label(step), span) for step, span in _CLASS_RANGES]
    rows.append((NO_SCORE_COLOUR, _("no score"), ""))
    lines = [f"<b>{_('Score')}</b>"] + [
        f'<span style="color:{colour}">\u25a0</span> {label}' + (f" ({span})" if span else "")
        for colour, label, span in rows
    ]
    return {
        "text": "<br>".join(lines),
        "xref": "paper",
        "yref": "paper",
        "x": 0.99,
        "y": 0.97,
        "xanchor": "right",
        "yanchor": "top",
        "align": "left",
        "showarrow": False,
        "font": {"size": 13},
        "bgcolor": "rgba(255,255,255,0.92)",
        "bordercolor": "#d9e2ec",
        "borderwidth": 1,
        "borderpad": 8,
    }


# -- map extent ------------------------------------------------------------------------


def geojson_bounds(collection: dict | bytes | str) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of every coordinate in a FeatureCollection."""
    if isinstance(collection, bytes | str):
        collection = json.loads(collection)
    lows = [np.inf, np.inf]
    highs = [-np.inf, -np.inf]

    def visit(coords) -> None:
        if not coords:
            return
        if isinstance(coords[0], int | float):  # a single position (a Point)
            coords = [coords]
        if isinstance(coords[0][0], int | float):  # a ring or line: positions
            array = np.asarray([position[:2] for position in coords], dtype=float)
            lows[:] = np.minimum(lows, array.min(axis=0))
            highs[:] = np.maximum(highs, array.max(axis=0))
            return
        for part in coords:  # polygon rings, or the polygons of a multipolygon
            visit(part)

    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "GeometryCollection":
            for member in geometry.get("geometries", []):
                visit(member["coordinates"])
        elif geometry.get("coordinates"):
            visit(geometry["coordinates"])
    if not np.isfinite(lows).all():
        return (-180.0, -60.0, 180.0, 75.0)
    return (float(lows[0]), float(lows[1]), float(highs[0]), float(highs[1]))


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_map_view(
    bounds: tuple[float, float, float, float],
    width: int = 900,
    height: int = 600,
    padding: float = 0.92,
) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit ``bounds`` into a ``width`` x ``height`` pixel map.

    Web Mercator at zoom z is 512 * 2**z pixels around the world; the smaller of the
    horizontal and vertical fits wins. ``padding`` leaves a margin.
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    low_y, high_y = _mercator_y(min_lat), _mercator_y(max_lat)
    centre_lat = math.degrees(2 * math.atan(math.exp((low_y + high_y) / 2)) - math.pi / 2)
    centre = {"lon": (min_lon + max_lon) / 2, "lat": centre_lat}
    span_x = max(max_lon - min_lon, 1e-6) / 360
    span_y = max(high_y - low_y, 1e-6) / (2 * math.pi)
    zoom = math.log2(min(width * padding / (512 * span_x), height * padding / (512 * span_y)))
    return centre, round(max(min(zoom, 20.0), 0.0), 2)


# -- the map ---------------------------------------------------------------------------


def map_figure(
    values: pd.DataFrame,
    level: int,
    geojson_url: str,
    *,
    locations: Sequence[str],
    names: Sequence[str],
    bounds: tuple[float, float, float, float],
    criterion_label: str | None = None,
    height: int = 600,
) -> go.Figure:
    """Choropleth of one admin level's scores (0-100, fixed class steps).

    ``locations``/``names`` list every area of the level in the geometry's order (so
    areas without a score are drawn grey); ``values`` comes from ``map_values``.
    ``criterion_label`` None maps the overall score.
    """
    locations = [str(code) for code in locations]
    names = [str(name) for name in names]
    centre, zoom = fit_map_view(bounds, height=height)
    common = {
        "type": "choroplethmap",
        "geojson": geojson_url,
        "featureidkey": "properties.pcode",
        "locations": locations,
        "text": names,
        "marker": {"line": {"color": BORDER_COLOUR, "width": 0.6}},
    }
    no_score = {
        **common,
        "name": _("no score"),
        "z": [0] * len(locations),
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, NO_SCORE_COLOUR], [1, NO_SCORE_COLOUR]],
        "showscale": False,
        "hovertemplate": _no_score_hovertemplate(),
    }
    scores = {
        **common,
        "name": _("score"),
        **score_arrays(values, locations),
        "zmin": 0,
        "zmax": 100,
        "zauto": False,
        "colorscale": _stepped_colourscale(),
        # A colour bar cannot show the parity step (a single value) or the grey of
        # "no score"; the legend annotation can, and it travels with the figure into
        # downloaded images and the PDF.
        "showscale": False,
        "hovertemplate": hovertemplate(criterion_label),
    }
    layout = {
        "map": {"style": "white-bg", "center": centre, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": height,
        "paper_bgcolor": "#ffffff",
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#1f2933"},
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": FONT_FAMILY}},
        # Keeps the reader's pan and zoom while values are patched; a new level resets it.
        "uirevision": f"level-{int(level)}",
        "showlegend": False,
        # The default template adds 7 KB of styles for traces this figure does not use.
        "template": "none",
        "annotations": [legend_annotation()],
    }
    # Built from plain dicts: with the geometry as a URL there is nothing large to
    # validate, and this stays fast for 10,000+ areas (DESIGN 9).
    return go.Figure({"data": [no_score, scores], "layout": layout})
