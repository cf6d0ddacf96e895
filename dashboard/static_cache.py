"""Dash's scripts and the app's assets, compressed once per process.

flask-compress (``Dash(compress=True)``) compresses every response again: about 50 ms
of zstd for plotly.js alone on every first load of a page, and more with gzip. The
scripts Dash serves from the installed packages (``/_dash-component-suites/...``: they
change only with the packages, that is with a new process) and the assets with their
``?m=`` modification stamp never change under the same URL, so their compressed bytes
are kept, per URL and encoding. Nothing else is kept: callbacks, layouts and pages are
compressed as they are made.

``plotly_preload`` is the head tag that has a map page fetch plotly.js with its first
scripts (``assets/plotly_early.js`` then runs it before the layout has come back).
"""

from __future__ import annotations

import html
import re

import flask

__all__ = ["GRAPH_CHUNK_PATH", "PLOTLY_PATH", "keep_compressed_scripts", "plotly_preload"]

#: Where Dash serves plotly.js (``serve_locally``), under the app's prefix: the address
#: dcc.Graph would load it from, unchanged, so the preload and its request match.
PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
#: dcc.Graph's own code, a chunk webpack loads when the first graph is drawn (after the
#: layout): fetched with plotly.js instead, it is there when React gets to the graph.
GRAPH_CHUNK_PATH = "/_dash-component-suites/dash/dcc/async-graph.js"

# Dash's package scripts, or an asset with its modification stamp ("?m=").
_FINGERPRINTED = re.compile(r"/_dash-component-suites/|/assets/[^?]+\?m=[\d.]+$")


class _Fingerprinted:
    """The cache backend flask-compress asks: keeps only fingerprinted URLs' bytes."""

    def __init__(self) -> None:
        self._kept: dict[str, bytes] = {}

    @staticmethod
    def _kept_key(key: str) -> bool:
        return bool(_FINGERPRINTED.search(key.split(";", 1)[-1]))

    def get(self, key: str) -> bytes | None:
        return self._kept.get(key) if self._kept_key(key) else None

    def set(self, key: str, value: bytes) -> None:
        if self._kept_key(key):
            self._kept[key] = value


def keep_compressed_scripts(server: flask.Flask) -> bool:
    """Give the app's flask-compress a cache of the fingerprinted scripts' compressed
    bytes. Returns whether there was a flask-compress to give it to."""
    from flask_compress import Compress

    for function in server.after_request_funcs.get(None, []):
        owner = getattr(function, "__self__", None)
        if isinstance(owner, Compress):
            owner.cache = _Fingerprinted()
            owner.cache_key = lambda request: request.full_path.rstrip("?")
            return True
    return False


def plotly_preload(relative) -> str:
    """The ``<link rel="preload">`` of plotly.js (and of dcc.Graph's chunk) for a page
    that opens on a graph; ``relative`` prefixes the app's path
    (``Dash.get_relative_path``). The ``data-plotly-early`` mark tells
    ``assets/plotly_early.js`` to run plotly.js early."""
    href = html.escape(relative(PLOTLY_PATH))
    chunk = html.escape(relative(GRAPH_CHUNK_PATH))
    return (
        f'<link rel="preload" href="{href}" as="script" data-plotly-early>'
        f'<link rel="preload" href="{chunk}" as="script">'
    )
