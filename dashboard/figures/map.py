"""Pure figure builders: scores in, Plotly figures out. No Dash, no callbacks, no IO.

The PDF report (DESIGN 6) renders the same builders server-side, so screen and paper agree.

The map is a ``choroplethmap`` on the ``white-bg`` style: the only map trace and style that
make no request outside the app (DESIGN 9). On screen its geometry is a URL to the app's
cached ``/geo/level/<n>.json`` route, never inline, so the figure JSON stays small and the
browser fetches each level's geometry once; the report passes the GeoJSON itself.

Four traces share the geometry:

- trace 0 (``NO_SCORE_TRACE``) draws the areas without a score grey and says "no score"
  on hover: only those areas (``no_score_arrays``), so the browser draws each area once,
  not every area grey under the scores (the first map is drawn sooner).
- trace 1 (``SCORE_TRACE``) draws the scores. Areas without a score get ``z=None``,
  which Plotly neither draws nor hovers, so the grey trace's area and hover are seen.
  Only this trace's ``z``, ``customdata`` and ``hovertext`` change when the view changes
  (slider, group, benchmark, criterion), plus its hover template when the criterion may
  have changed, and the grey trace's few areas: see ``score_arrays``,
  ``no_score_arrays`` and ``dashboard.pages.map.map_patch``.
- traces 2 and 3 (``RELIABILITY_TRACES``) outline the areas of low reliability
  (``LOW_RELIABILITY``): a thick white line under a dark one, visible on every class
  colour. They are not filled and do not take the hover; only their ``locations`` (and
  a matching ``z``) change with the view.

The colours are five fixed steps aligned with the classes of DESIGN 4 step 5 (zmin 0,
zmax 100 always, so a colour means the same in every round), explained by a legend
annotation that travels with the figure into downloaded images.

Text from data files (area names) reaches Plotly HTML-escaped: Plotly renders a few tags
in hover text and drops the others, so an escaped name shows as the characters it is.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from dashboard.briefing.labels import CLASS_RANGES, LOW_RELIABILITY, class_label
from dashboard.briefing.numbers import shown_array
from dashboard.i18n import DEFAULT_LANGUAGE, separators, translator

NO_SCORE_TRACE = 0


SCORE_TRACE = 1


#: The low-reliability outline: white halo, then the dark line on top.
RELIABILITY_TRACES = (2, 3)


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


OUTLINE_COLOUR = "#111111"


_OUTLINE_WIDTH = 2.2


_HALO_WIDTH = 5.0


FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)
#: Arabic faces first where the text is Arabic (as assets/style.css does for the page).
ARABIC_FONT_FAMILY = (
    '"Noto Sans Arabic", "Noto Naskh Arabic", "Segoe UI", Tahoma, "Geeza Pro", ' + FONT_FAMILY
)


def font_family(lang: str | None) -> str:
    """The figures' font stack for ``lang``."""
    return ARABIC_FONT_FAMILY if (lang or "").split("_")[0] == "ar" else FONT_FAMILY


# Class 5 needs every criterion at 100, so its overall score is 100 (to rounding). The top
# step starts just below 100 so that only those areas get the parity colour.
_PARITY_STOP = 0.9999999


_TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def class_legend(lang: str | None = DEFAULT_LANGUAGE) -> list[tuple[str, str, str]]:
    """(colour, translated class name, score range) per class, best first, then the grey
    of "no score" (empty range): for HTML legends on other pages and in the report."""
    _ = translator(lang)
    rows = [(CLASS_COLOURS[step], class_label(step, lang), span) for step, span in CLASS_RANGES]
    return [*rows, (NO_SCORE_COLOUR, _("no score"), "")]


def _stepped_colourscale() -> list[list]:
    edges = [0.0, 0.4, 0.6, 0.8, _PARITY_STOP, 1.0]
    scale: list[list] = []
    for step, (low, high) in enumerate(itertools.pairwise(edges), start=1):
        scale += [[low, CLASS_COLOURS[step]], [high, CLASS_COLOURS[step]]]
    return scale


def _at(variable: xr.DataArray, **selection) -> xr.DataArray:
    """``variable`` at the selection, for the dimensions it has; area stays."""
    return variable.sel({k: v for k, v in selection.items() if k in variable.dims})


def map_values(
    result: xr.Dataset,
    *,
    round: str | pd.Timestamp,  # the query parameter's name (DESIGN 5)
    group: str,
    benchmark: str,
    criterion: str,
    level: int | None = None,
    lang: str | None = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """One row per area: pcode, score, class, class_label, reliability, idps_present and
    rolled_up, for one round, displaced group, benchmark and criterion.

    ``result`` is either the scores of every area (``score()``, ``AppContext.scores``),
    of which ``level`` picks the areas, or one level's scores as
    ``AppContext.level_scores`` gives them (own or rolled up, DESIGN 4.8), where
    ``level`` is not needed. ``criterion="overall"`` gives the overall score and its
    class (DESIGN 4, steps 4-5); a criterion code gives that criterion's score, which has
    no class. Reliability (step 6) is missing where the area has no data for that round
    and group. Scores are returned unrounded.
    """
    at = {
        "round": pd.Timestamp(round).to_datetime64(),
        "group": group,
        "benchmark": benchmark,
    }
    if level is None or "level" not in result.coords:
        chosen = np.ones(result.sizes["area"], dtype=bool)
    else:
        chosen = result["level"].to_numpy() == int(level)
    if criterion == "overall":
        score = _at(result["overall_score"], **at).to_numpy()[chosen]
        klass = _at(result["score_class"], **at).to_numpy()[chosen].astype(float)
    else:
        score = _at(result["criterion_score"], criterion=criterion, **at).to_numpy()[chosen]
        klass = np.full(int(chosen.sum()), np.nan)
    has_data = _at(result["has_data"], **at).to_numpy()[chosen].astype(bool)
    reliability = _at(result["reliability"], **at).to_numpy()[chosen]
    if "idps_present" in result:
        idps = _at(result["idps_present"], **at).to_numpy()[chosen].astype(float)
    else:
        idps = np.full(int(chosen.sum()), np.nan)
    if "rolled_up" in result:
        rolled_up = _at(result["rolled_up"], **at).to_numpy()[chosen].astype(bool)
    else:
        rolled_up = np.zeros(int(chosen.sum()), dtype=bool)
    return pd.DataFrame(
        {
            "pcode": result["area"].to_numpy()[chosen].astype(str),
            "score": score.astype(float),
            "class": klass,
            "class_label": [class_label(k, lang) for k in klass],
            "reliability": np.where(has_data, reliability, np.nan),
            "idps_present": idps,
            "rolled_up": rolled_up & has_data,
        }
    )


def _aligned(values: pd.DataFrame, locations: Sequence[str]) -> pd.DataFrame:
    """``values`` in the order of ``locations`` (a row per location, NaN where missing)."""
    pcodes = values["pcode"].to_numpy(dtype=object)
    if len(pcodes) == len(locations) and (pcodes == np.asarray(locations, dtype=object)).all():
        return values  # already aligned (the app's MapSource builds them so)
    return (
        values.set_index("pcode")
        .reindex(pd.Index(locations, dtype=object))
        .reset_index(names="pcode")
    )


def score_arrays(values: pd.DataFrame, locations: Sequence[str]) -> dict[str, list]:
    """``z``, ``customdata`` and ``hovertext`` of the score trace, aligned with
    ``locations``.

    Scores are cut (not rounded) to one decimal, so the number on hover and the colour
    step always agree with the class: 79.96 shows as 79.9, "partial", not 80.0. Areas
    without a score get ``None`` (not drawn) and a ``None`` customdata row, the cheapest
    JSON for them. customdata is ``[class label or "", reliability, IDPs present]``; a
    missing IDP figure is left out of its row, so the hover shows the trace's fallback
    ("–") rather than a 0. hovertext is the area's ``note`` (extra hover lines, already
    HTML: rolled up, low reliability) where ``values`` has one, else "".
    """
    frame = _aligned(values, locations)
    score = frame["score"].to_numpy(dtype=float)
    scored = ~np.isnan(score)
    shown = shown_array(score)
    z = np.where(scored, shown, None).tolist()
    reliability = np.round(frame["reliability"].to_numpy(dtype=float), 1)
    rel = np.where(np.isnan(reliability), None, reliability).tolist()
    labels = frame["class_label"].to_numpy(dtype=object)
    labels = np.where([isinstance(label, str) for label in labels], labels, "").tolist()
    # ``present``: persons of the view's group (returnees for the returnee view), where
    # the caller gives it; else the IDP figure the scores carry.
    column = "present" if "present" in frame else "idps_present"
    if column in frame:
        idps = np.round(frame[column].to_numpy(dtype=float))
    else:
        idps = np.full(len(frame), np.nan)
    people = np.where(np.isnan(idps), None, idps).tolist()
    if "value_text" in frame:
        # An indicator map: its value and the comparator's, as text in the unit, before
        # the persons present (left out where missing, as above).
        texts = zip(frame["value_text"].tolist(), frame["host_text"].tolist(), strict=True)
        extra = [[v, h] for v, h in texts]
    else:
        extra = [[] for _ in range(len(frame))]
    customdata = [
        None if not has else ([label, r, *more, int(p)] if p is not None else [label, r, *more])
        for has, label, r, p, more in zip(scored.tolist(), labels, rel, people, extra, strict=True)
    ]
    if "note" in frame:
        hovertext = [note if isinstance(note, str) else "" for note in frame["note"].tolist()]
    else:
        hovertext = [""] * len(frame)
    return {"z": z, "customdata": customdata, "hovertext": hovertext}


def no_score_arrays(
    values: pd.DataFrame, locations: Sequence[str], names: Sequence[str]
) -> dict[str, list]:
    """``locations``, ``z`` and ``text`` (escaped names) of the grey trace: the areas of
    ``locations`` (in that order) that have no score in ``values``."""
    frame = _aligned(values, locations)
    missing = np.isnan(frame["score"].to_numpy(dtype=float)).tolist()
    rows = [(str(code), name) for code, name, m in zip(locations, names, missing, strict=True) if m]
    return {
        "locations": [code for code, _name in rows],
        "z": [0] * len(rows),
        "text": [html.escape(str(name), quote=False) for _code, name in rows],
    }


def low_reliability_locations(values: pd.DataFrame, locations: Sequence[str]) -> list[str]:
    """The areas of ``locations`` (in that order) whose reliability is low, scored or not."""
    frame = _aligned(values, locations)
    reliability = np.nan_to_num(frame["reliability"].to_numpy(dtype=float), nan=-1.0)
    return [
        str(code) for code in np.asarray(locations, dtype=object)[reliability >= LOW_RELIABILITY]
    ]


#: Change maps: red where the score fell, white for no change, blue where it rose.
CHANGE_COLOURS = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]]


def hovertemplate(
    criterion_label: str | None = None,
    lang: str | None = DEFAULT_LANGUAGE,
    change: str | None = None,
    group: str = "idp",
    comparison: tuple[str, str] | None = None,
) -> str:
    """Hover card of the score trace; ``criterion_label`` None means the overall score,
    which has a class; ``change`` names the change a change map shows; the persons
    present are the view's ``group`` (IDPs or returnees). Numbers follow the figure's
    ``separators`` (the language's). ``comparison`` (an indicator map: the names of the
    displaced group and of the comparator) adds their values, which ``score_arrays``
    puts in customdata 2 and 3 as text; the persons present then come fifth."""
    _ = translator(lang)
    lines = ["<b>%{text}</b>", _("P-code: %(value)s") % {"value": "%{location}"}]
    people = 4 if comparison else 2
    if change:
        lines += [
            _("%(criterion)s: %(value)s") % {"criterion": html.escape(change), "value": "%{z:+.1f}"}
        ]
    elif criterion_label is None:
        lines += [
            _("Overall score: %(value)s") % {"value": "%{z:.1f}"},
            _("Class: %(value)s") % {"value": "%{customdata[0]}"},
        ]
    else:
        lines += [
            _("%(criterion)s: %(value)s")
            % {"criterion": html.escape(criterion_label), "value": "%{z:.1f}"}
        ]
    if comparison:
        lines += [
            _("%(criterion)s: %(value)s")
            % {"criterion": html.escape(name), "value": f"%{{customdata[{at}]}}"}
            for at, name in enumerate(comparison, start=2)
        ]
    returnees = group == "returnee"
    lines += [
        _("Reliability: %(value)s / 10 (0 = most reliable)") % {"value": "%{customdata[1]:.1f}"},
        (_("Returnees present: %(value)s") if returnees else _("IDPs present: %(value)s"))
        % {"value": f"%{{customdata[{people}]:,.0f}}"},
    ]
    # The note (rolled up, low reliability) brings its own line breaks.
    return "<br>".join(lines) + "%{hovertext}<extra></extra>"


def _no_score_hovertemplate(lang: str | None) -> str:
    _ = translator(lang)
    return (
        "<b>%{text}</b><br>"
        + _("P-code: %(value)s") % {"value": "%{location}"}
        + "<br>"
        + _("no score")
        + "<extra></extra>"
    )


def legend_annotation(lang: str | None = DEFAULT_LANGUAGE) -> dict:
    """The class legend as one annotation in the map's top right corner: a coloured
    square per class, best first, grey for "no score", and the low-reliability outline."""
    _ = translator(lang)
    lines = [f"<b>{html.escape(_('Score'))}</b>"] + [
        f'<span style="color:{colour}">\u25a0</span> {html.escape(label)}'
        + (f" ({span})" if span else "")
        for colour, label, span in class_legend(lang)
    ]
    lines.append(
        f'<span style="color:{OUTLINE_COLOUR}">\u25a2</span> '
        + html.escape(_("low reliability (outlined)"))
    )
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


def map_figure(
    values: pd.DataFrame,
    level: int,
    geojson: str | dict,
    *,
    locations: Sequence[str],
    names: Sequence[str],
    bounds: tuple[float, float, float, float],
    criterion_label: str | None = None,
    height: int = 600,
    lang: str | None = DEFAULT_LANGUAGE,
    change: str | None = None,
    span: float = 20.0,
    group: str = "idp",
    comparison: tuple[str, str] | None = None,
) -> dict:
    """Choropleth of one admin level's scores (0-100, fixed class steps), as a plain
    figure dict (what ``dcc.Graph`` and kaleido take; no Plotly validation, DESIGN 9).

    With ``change`` (a label such as "Change since the previous round") the values are
    changes of the score: a diverging scale from ``-span`` (red, worse) to ``+span``
    (blue, better) and a hover that names the change.

    ``geojson`` is the URL of the level's display GeoJSON (the app) or the
    FeatureCollection itself (static images). ``locations``/``names`` list every area of
    the level in the geometry's order (so areas without a score are drawn grey);
    ``values`` comes from ``map_values`` (optionally with a ``note`` column of extra
    hover lines, and a ``present`` column of the ``group``'s persons present).
    ``criterion_label`` None maps the overall score.
    """
    _ = translator(lang)
    locations = [str(code) for code in locations]
    grey_areas = no_score_arrays(values, locations, names)
    # Escaped: Plotly would read tags in a name as markup (and drop them), not as text.
    names = [html.escape(str(name), quote=False) for name in names]
    centre, zoom = fit_map_view(bounds, height=height)
    common, no_score = area_traces(
        geojson, locations, names, _("no score"), _no_score_hovertemplate(lang)
    )
    no_score.update(grey_areas)
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
        "hovertemplate": hovertemplate(criterion_label, lang, change, group, comparison),
        # Rows without an IDP figure leave it out: the hover says "–", not 0.
        "hovertemplatefallback": "–",
    }
    if change:
        scores.update(zmin=-span, zmax=span, colorscale=CHANGE_COLOURS)
    low = low_reliability_locations(values, locations)
    outlines = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.pcode",
            "name": _("low reliability"),
            "locations": low,
            "z": [0] * len(low),
            "zmin": 0,
            "zmax": 1,
            "colorscale": _TRANSPARENT,
            "showscale": False,
            "marker": {"line": {"color": colour, "width": width}},
            # The outline must not take the hover from the scores below it.
            "hoverinfo": "skip",
        }
        for colour, width in ((BORDER_COLOUR, _HALO_WIDTH), (OUTLINE_COLOUR, _OUTLINE_WIDTH))
    ]
    layout = {
        "map": {"style": "white-bg", "center": centre, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": height,
        "paper_bgcolor": "#ffffff",
        "font": {"family": font_family(lang), "size": 13, "color": "#1f2933"},
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": font_family(lang)}},
        "separators": separators(lang),
        # Keeps the reader's pan and zoom while values are patched; a new level resets it.
        "uirevision": f"level-{int(level)}",
        "showlegend": False,
        # The default template adds 7 KB of styles for traces this figure does not use.
        "template": "none",
        "annotations": [] if change else [legend_annotation(lang)],
    }
    # A plain dict, not a go.Figure: Plotly's validation walks every array of every
    # trace on each request (DESIGN 9); ``dcc.Graph`` and kaleido take the dict as is.
    return {"data": [no_score, scores, *outlines], "layout": layout}


def area_traces(
    geojson: str | dict, locations: list[str], names: list[str], name: str, hover: str
) -> tuple[dict, dict]:
    """What every map trace of a level shares (geometry, areas, names, borders), and the
    grey trace under the values that draws every area, named ``name`` with ``hover``."""
    common = {
        "type": "choroplethmap",
        "geojson": geojson,
        "featureidkey": "properties.pcode",
        "locations": locations,
        "text": names,
        "marker": {"line": {"color": BORDER_COLOUR, "width": 0.6}},
    }
    grey = {
        **common,
        "name": name,
        "z": [0] * len(locations),
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, NO_SCORE_COLOUR], [1, NO_SCORE_COLOUR]],
        "showscale": False,
        "hovertemplate": hover,
    }
    return common, grey
