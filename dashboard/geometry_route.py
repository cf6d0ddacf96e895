"""Serving the display geometry: each level's GeoJSON at ``GEO_ROUTE``, gzipped once per
generation and served with an ETag and a long cache life, since its URL carries a digest
of the file (``?v=``). ``Served`` is what an app makes of one generation's context: that
geometry, and the map's data whose geometry URLs carry the digest; ``geo_response``
answers a request for one level (``dashboard.app`` mounts it at ``GEO_ROUTE``).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

import flask

from dashboard.briefing.map_data import MapSource
from dashboard.context import AppContext

__all__ = ["GEO_ROUTE", "Served", "geo_response"]

GEO_ROUTE = "/geo/level/<int:level>.json"
# The URL carries a digest of the file (?v=...), so a browser may keep it for a long time:
# new geometry gets a new URL.
_GEO_MAX_AGE = 7 * 24 * 3600


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


@dataclass(frozen=True)
class Served:
    """What an app makes of one generation's context: each level's geometry as served
    and the map's data (whose geometry URLs carry the geometry's digest)."""

    geometry: dict[int, _Geometry]
    source: MapSource

    @classmethod
    def of(cls, context: AppContext, relative) -> Served:
        geometry = {level: _Geometry.of(raw) for level, raw in context.geometry.items()}
        # The digest in the URL lets browsers cache the file for long (see _GEO_MAX_AGE).
        source = MapSource(
            context,
            url_for=lambda level: (
                relative(f"/geo/level/{level}.json") + f"?v={geometry[level].etag}"
            ),
        )
        return cls(geometry, source)


def geo_response(geometry: dict[int, _Geometry], level: int) -> flask.Response:
    entry = geometry.get(level)
    if entry is None:
        flask.abort(404)
    if flask.request.args.get("v", entry.etag) != entry.etag:
        # a URL of another generation's geometry: answer with this one, not for keeps
        response = flask.Response(entry.raw, mimetype="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response
    if flask.request.if_none_match.contains(entry.etag):
        response = flask.Response(status=304)
    elif flask.request.accept_encodings["gzip"]:
        # Compressed once at start; flask-compress leaves a response with an encoding be.
        response = flask.Response(entry.gzipped, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = flask.Response(entry.raw, mimetype="application/json")
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = f"public, max-age={_GEO_MAX_AGE}"
    response.headers["Vary"] = "Accept-Encoding"
    return response
