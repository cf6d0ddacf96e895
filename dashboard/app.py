"""The Dash app factory: ``create_app(workspace)`` -> a ready ``dash.Dash``.

Everything the app serves is read from the workspace once, here, and then only read:
the framework, the areas' names, the display geometry of each level and the scores. It
is held by the app's callbacks and routes (closures), never in module globals, so one
process serves many readers and two apps in one process do not share anything.
Per-reader state is the URL (DESIGN 2).

Nothing is loaded from a CDN: Dash serves its own scripts (``serve_locally``), styles
are in ``assets/``, and the map uses the ``white-bg`` style with geometry from this app.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import flask
from dash import Dash, Input, Output, ctx, dcc, html

from dashboard import ids, views
from dashboard.i18n import _
from indicators.framework import Framework, load_framework
from indicators.scoring import score
from indicators.store import Workspace

__all__ = ["ASSETS", "GEO_ROUTE", "create_app"]

ASSETS = Path(__file__).resolve().parent.parent / "assets"
GEO_ROUTE = "/geo/level/<int:level>.json"
# The URL carries a digest of the file (?v=...), so a browser may keep it for a long time:
# new geometry gets a new URL.
_GEO_MAX_AGE = 7 * 24 * 3600
# Below this, gzip's header and the CPU cost outweigh the saving.
_GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class _Geometry:
    """One level's display GeoJSON, as served: plain and gzipped, with its ETag."""

    raw: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, raw: bytes) -> _Geometry:
        # mtime=0 keeps the gzip bytes (and so the response) identical across restarts.
        return cls(raw, gzip.compress(raw, 6, mtime=0), hashlib.sha256(raw).hexdigest()[:20])


def _load_geometry(workspace: Workspace) -> dict[int, _Geometry]:
    geometry = {}
    for level in workspace.levels():
        try:
            geometry[level] = _Geometry.of(workspace.display_geojson_bytes(level))
        except FileNotFoundError:
            continue  # a level without display geometry cannot be mapped; others can
    return geometry


def _geo_response(geometry: dict[int, _Geometry], level: int) -> flask.Response:
    entry = geometry.get(level)
    if entry is None:
        flask.abort(404)
    if flask.request.if_none_match.contains(entry.etag):
        response = flask.Response(status=304)
    elif flask.request.accept_encodings["gzip"]:
        response = flask.Response(entry.gzipped, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = flask.Response(entry.raw, mimetype="application/json")
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = f"public, max-age={_GEO_MAX_AGE}"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _gzip_json(response: flask.Response) -> flask.Response:
    """Compress the app's JSON (layout, callback responses) for clients that accept it.

    Readers are often on slow links (DESIGN 1); the callback JSON repeats class labels
    and compresses about fivefold. Dash's own ``compress=True`` would need flask-compress.
    """
    if (
        response.mimetype == "application/json"
        and response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
        and "Content-Encoding" not in response.headers
        and flask.request.accept_encodings["gzip"]
    ):
        data = response.get_data()
        if len(data) >= _GZIP_MIN_BYTES:
            response.set_data(gzip.compress(data, 5))
            response.headers["Content-Encoding"] = "gzip"
            response.vary.add("Accept-Encoding")
    return response


def _map_context(
    app: Dash, workspace: Workspace, framework: Framework, geometry: dict[int, _Geometry]
) -> views.MapContext | None:
    return views.map_context(
        score(workspace.cube(framework), framework),
        framework,
        {level: entry.raw for level, entry in geometry.items()},
        # The digest in the URL lets browsers cache the file for long (see _GEO_MAX_AGE).
        lambda level: (
            app.get_relative_path(f"/geo/level/{level}.json") + f"?v={geometry[level].etag}"
        ),
    )


def _header(workspace: Workspace, framework: Framework) -> html.Header:
    badge = (
        html.Span(
            _("Fictional demo data"),
            id=ids.DEMO_BADGE,
            className="badge badge-demo",
            title=_("This country and its data are invented, for trying the dashboard out."),
        )
        if workspace.is_fictional
        else None
    )
    return html.Header(
        id=ids.HEADER,
        className="header",
        children=[
            html.Div(
                className="header-title",
                children=[
                    html.H1(workspace.country_name, id=ids.COUNTRY),
                    badge,
                ],
            ),
            html.P(
                _("Progress of internally displaced persons towards durable solutions")
                + f" · {framework.name} {framework.version}",
                className="header-subtitle",
            ),
        ],
    )


def create_app(workspace: Workspace, framework_path: str | Path | None = None) -> Dash:
    """A Dash app on ``workspace``, scored once with its framework (or the one at
    ``framework_path``). Serve with ``app.run()`` or mount ``app.server`` in a WSGI host."""
    framework = load_framework(framework_path) if framework_path else workspace.framework
    title = f"{workspace.country_name} — " + _("durable solutions")
    app = Dash(
        __name__,
        title=title,
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        # Later pages (locality, priorities, method) put components in the layout that the
        # map page does not have; callbacks may then name ids absent from one page.
        suppress_callback_exceptions=True,
    )
    # Screen readers pick the pronunciation from the page language (later: the lang query).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    geometry = _load_geometry(workspace)
    app.server.after_request(_gzip_json)
    app.server.add_url_rule(
        GEO_ROUTE,
        endpoint="geo_level",
        view_func=lambda level: _geo_response(geometry, level),
    )

    context = _map_context(app, workspace, framework, geometry)
    if context is None:
        page = html.P(
            _("This workspace has no scores yet: import boundaries and observations first."),
            className="empty",
        )
    else:
        page = views.map_page(context)
    app.layout = html.Div(
        className="app",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            _header(workspace, framework),
            html.Main(page, id=ids.PAGE, className="page"),
            html.Footer(
                _("Scores 0–100 by the framework in force; see the method page for details."),
                className="footer",
            ),
        ],
    )
    if context is not None:
        _register_map_callbacks(app, context)
    return app


def _register_map_callbacks(app: Dash, context: views.MapContext) -> None:
    controls = [
        (ids.CRITERION, "value"),
        (ids.GROUP, "value"),
        (ids.BENCHMARK, "value"),
        (ids.ROUND, "value"),
    ]
    options = context.options

    @app.callback(
        Output(ids.URL, "search"),
        *(Output(i, p) for i, p in controls),
        Input(ids.URL, "search"),
        *(Input(i, p) for i, p in controls),
    )
    def sync_url(search, criterion, group, benchmark, round_index):
        return views.sync_url(
            ctx.triggered_id, search, criterion, group, benchmark, round_index, options
        )

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_CAPTION, "children"),
        *(Input(i, p) for i, p in controls),
    )
    def update_map(criterion, group, benchmark, round_index):
        return views.update_map(
            ctx.triggered_prop_ids.values(), criterion, group, benchmark, round_index, context
        )
