"""The pack's figures, made by the dashboard's own builders (DESIGN 6: one truth for
screen and paper) and adapted for print:

- every map is ``dashboard.figures.map_figure`` with the level's GeoJSON passed inline
  (kaleido has no app to fetch ``/geo/level/<n>.json`` from): the overall score with its
  low-reliability outline, and the eight criteria. All nine are the subplots of one
  figure, drawn in one go (most of a map's render time is fixed), then cut apart
  (``cut_maps``): Plotly's SVG export of a map subplot is a PNG of its WebGL canvas at
  the subplot's place. Titles and legends are set beside them as text, in HTML.
- in each map the grey "no score" trace is folded into the score trace
  (``_fold_no_score``): same colours, one trace of GeoJSON less to draw.
- a locality's bars are ``dashboard.figures.locality.criterion_bars_figure``, as an SVG (vector);
  a criterion withheld for small samples says so instead of "no data".

Withheld scores are taken out (NaN) before the figures are made, so a withheld area is
drawn grey: on paper a colour would give its class away.

Figures are plain dicts (``to_plotly_json``), the cheapest form to send to the browser
that draws them; the GeoJSON is added after the figure is built, so Plotly never
validates it.
"""

from __future__ import annotations

import base64
import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.briefing.areas import criterion_hidden
from dashboard.briefing.labels import GROUP_LABELS, HOST_NAME
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.figures.locality import criterion_bars_figure
from dashboard.figures.map import (
    BORDER_COLOUR,
    NO_SCORE_COLOUR,
    RELIABILITY_TRACES,
    SCORE_TRACE,
    fit_map_view,
    geojson_bounds,
    map_figure,
    map_values,
)
from dashboard.i18n import direction, translator
from dashboard.report.content import LocalityPage
from dashboard.report.renderer import FigureJob

__all__ = [
    "MAIN_MAP_SIZE",
    "SMALL_MAP_SIZE",
    "MapSheet",
    "bars_job",
    "cut_maps",
    "level_geometry",
    "maps_job",
]

#: CSS pixels of the main map (fits an A4 page with its legend below).
MAIN_MAP_SIZE = (900, 720)
#: CSS pixels of each of the eight criterion maps (2 columns x 4 rows on a page).
SMALL_MAP_SIZE = (446, 212)
_PLACEHOLDER = "geometry"


class LevelGeometry:
    """One admin level's display GeoJSON, its areas in the file's order and bounds."""

    def __init__(self, collection: dict):
        self.collection = collection
        features = self.collection.get("features", [])
        self.locations = [str(f["properties"]["pcode"]) for f in features]
        self.names = [str(f["properties"].get("name", "")) for f in features]
        self.bounds = geojson_bounds(self.collection)


def level_geometry(context: AppContext, level: int) -> LevelGeometry:
    return LevelGeometry(context.collection(level))


def _values(
    context: AppContext, state: ViewState, criterion: str, withhold: bool = True
) -> pd.DataFrame:
    values = map_values(
        context.level_scores(state.level, state.core),
        round=state.round,
        group=state.group,
        benchmark=state.benchmark,
        criterion=criterion,
        lang=state.lang,
    )
    if not withhold:  # an analyst's pack: all detail (DESIGN 5.1)
        return values
    hidden = criterion_hidden(context, state.level, state.group, state.core)[criterion]
    hidden = hidden.sel(round=np.datetime64(pd.Timestamp(state.round), "ns"))
    flags = hidden.to_series().reindex(values["pcode"]).fillna(False).to_numpy(dtype=bool)
    values.loc[flags, ["score", "class"]] = np.nan
    values.loc[flags, "class_label"] = None
    return values


def _inline(figure: dict, geometry: LevelGeometry) -> dict:
    for trace in figure["data"]:
        if trace.get("geojson") == _PLACEHOLDER:
            trace["geojson"] = geometry.collection
    return figure


def _plain(figure) -> dict:
    # The builders give plain dicts, made here and dropped: changed in place.
    return figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure


@dataclass(frozen=True)
class MapSheet:
    """Where each map sits in the one figure that draws them all: name -> (x, y, width,
    height) in CSS pixels, ``"overall"`` then the criterion codes."""

    width: int
    height: int
    places: dict[str, tuple[int, int, int, int]]


def maps_job(
    context: AppContext, state: ViewState, withhold: bool = True
) -> tuple[FigureJob, MapSheet, pd.DataFrame]:
    """Every map of the pack as the subplots of one figure: the overall score (with the
    low-reliability outline) and the eight criteria (without it, thinner borders).

    Drawing them together costs little more than drawing one: most of a map's render
    time is fixed. Each map is later cut out of the drawn sheet (``cut_maps``) and
    placed on its page with its title and legend as text. Also returns the values of
    the overall map (for the legend's counts)."""
    geometry = level_geometry(context, state.level)
    framework = context.framework
    main_w, main_h = MAIN_MAP_SIZE
    small_w, small_h = SMALL_MAP_SIZE
    gap = 8
    places: dict[str, tuple[int, int, int, int]] = {"overall": (0, 0, main_w, main_h)}
    codes = framework.criterion_codes
    for index, code in enumerate(codes):
        row, column = divmod(index, 2)
        places[code] = (
            column * (small_w + gap),
            main_h + gap + row * (small_h + gap),
            small_w,
            small_h,
        )
    width = max(main_w, 2 * small_w + gap)
    height = max(y + h for _x, y, _w, h in places.values())
    sheet = MapSheet(width, height, places)

    data: list[dict] = []
    layout: dict = {
        "width": width,
        "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "#ffffff",
        "showlegend": False,
        "template": "none",
    }
    main_values = None
    for index, name in enumerate(["overall", *codes]):
        values = _values(context, state, name, withhold)
        x, y, w, h = places[name]
        built = _plain(
            map_figure(
                values,
                state.level,
                _PLACEHOLDER,
                locations=geometry.locations,
                names=geometry.names,
                bounds=geometry.bounds,
                criterion_label=None if name == "overall" else framework.label(name, state.lang),
                height=h,
                lang=state.lang,
            )
        )
        subplot = "map" if index == 0 else f"map{index + 1}"
        traces = [_fold_no_score(built["data"][SCORE_TRACE])]
        if name == "overall":
            # The low-reliability outline, where there is any to draw.
            outlines = [built["data"][i] for i in RELIABILITY_TRACES]
            traces += [trace for trace in outlines if trace.get("locations")]
        for trace in traces:
            trace["subplot"] = subplot
            if name != "overall":
                trace["marker"] = {"line": {"color": BORDER_COLOUR, "width": 0.35}}
            data.append(trace)
        centre, zoom = fit_map_view(
            geometry.bounds, width=w, height=h, padding=0.94 if name == "overall" else 0.96
        )
        layout[subplot] = {
            **built["layout"]["map"],
            "center": centre,
            "zoom": zoom,
            "domain": {
                "x": [x / width, (x + w) / width],
                "y": [1 - (y + h) / height, 1 - y / height],
            },
        }
        if name == "overall":
            main_values = values
    return (
        FigureJob(_inline({"data": data, "layout": layout}, geometry), width, height),
        sheet,
        main_values,
    )


#: Where a folded score trace puts the areas without a score: one step below 0.
_NO_SCORE_Z = -1.0


def _fold_no_score(trace: dict) -> dict:
    """The score trace, drawing the areas without a score grey itself.

    ``map_figure`` draws them with a grey trace of every area under the score trace. In
    print a second full trace per map only costs render time, so here the score trace
    gives those areas a value one step below 0 and its colour scale a grey step there;
    the class steps keep their exact values."""
    zmin, zmax = float(trace.get("zmin", 0)), float(trace.get("zmax", 100))
    low = zmin + _NO_SCORE_Z
    span = zmax - low

    def position(p: float) -> float:
        return (zmin + p * (zmax - zmin) - low) / span

    scale = [[position(float(p)), colour] for p, colour in trace["colorscale"]]
    grey = NO_SCORE_COLOUR
    cut = position(0.0)
    trace = dict(trace)
    trace["colorscale"] = [[0.0, grey], [cut * 0.999, grey], *scale]
    trace["zmin"] = low
    trace["z"] = [low if value is None else value for value in trace["z"]]
    trace.pop("customdata", None)
    trace.pop("hovertemplate", None)
    trace["hoverinfo"] = "skip"
    return trace


_IMAGE = re.compile(r"<image\b[^>]*>", re.S)
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


def cut_maps(svg: bytes, sheet: MapSheet) -> dict[str, bytes]:
    """The PNG of each map of ``sheet``, cut out of the drawn SVG.

    Plotly draws a map subplot as a WebGL canvas, which its SVG export embeds as one
    PNG ``<image>`` at the subplot's place; each is matched to the map whose place is
    nearest. Raises ``RenderError`` if the drawing does not have one image per map."""
    from dashboard.report.renderer import RenderError

    images = []
    for tag in _IMAGE.findall(svg.decode("utf-8", "replace")):
        attributes = dict(_ATTRIBUTE.findall(tag))
        href = attributes.get("xlink:href") or attributes.get("href") or ""
        if not href.startswith("data:image/png;base64,"):
            continue
        try:
            x, y = float(attributes.get("x", 0)), float(attributes.get("y", 0))
        except ValueError:
            continue
        images.append((x, y, base64.b64decode(href.split(",", 1)[1])))
    if len(images) != len(sheet.places):
        raise RenderError(f"expected {len(sheet.places)} maps in the drawing, found {len(images)}")
    cut: dict[str, bytes] = {}
    for name, (x, y, _w, _h) in sheet.places.items():
        nearest = min(images, key=lambda image: (image[0] - x) ** 2 + (image[1] - y) ** 2)
        cut[name] = nearest[2]
    return cut


def bars_job(page: LocalityPage, state: ViewState, width: int = 780) -> FigureJob | None:
    """The locality's criteria against the comparator (or the best goalpost), as on its
    page in the dashboard; None for an area without scores."""
    if not page.scored or not page.criteria:
        return None
    _ = translator(state.lang)
    parity = state.benchmark == "parity"
    group = _(GROUP_LABELS.get(state.group, state.group))
    labels = [line.label for line in page.criteria]
    figure = criterion_bars_figure(
        labels,
        [line.absolute for line in page.criteria],
        [line.comparator for line in page.criteria] if parity else None,
        parity=[line.score for line in page.criteria] if parity else None,
        group_name=group,
        comparator_name=_(HOST_NAME),
        lang=state.lang,
        height=50 + len(labels) * (26 + (8 if parity else 0) + (8 if _long(labels) else 0)),
    )
    figure = _plain(figure)
    withheld_rows = {
        row
        for row, line in zip(figure["data"][0]["y"], page.criteria, strict=True)
        if line.withheld
    }
    if withheld_rows:
        note = _("{group}: withheld (small samples)").format(group=group)
        for annotation in figure["layout"].get("annotations", []):
            if annotation.get("y") in withheld_rows and annotation.get("xref") == "x":
                annotation["text"] = f"<i>{html.escape(note, quote=False)}</i>"
    layout = figure["layout"]
    height = int(layout.get("height") or 420)
    layout["font"] = {**layout.get("font", {}), "size": 13}
    layout["margin"] = {**layout.get("margin", {}), "t": 28, "b": 40}
    layout.pop("hoverlabel", None)
    # WeasyPrint would set SVG text letter by letter: Arabic is drawn as an image instead
    # (the same labels and numbers are real text in the table under it).
    drawn = "png" if direction(state.lang) == "rtl" else "svg"
    return FigureJob(figure, width, height, format=drawn)


def _long(labels: Sequence[str], width: int = 30) -> bool:
    """Whether some label takes three lines or more where the bars wrap it (``width``
    characters a line, as ``dashboard.pages.locality`` does)."""
    return any(
        len(textwrap.wrap(str(label), width, break_long_words=False, break_on_hyphens=False)) > 2
        for label in labels
    )
