"""Dash's scripts are compressed once per process (dashboard.static_cache)."""

import gzip
import re

from dash import Dash, dcc

from dashboard.static_cache import keep_compressed_scripts


def _app() -> Dash:
    app = Dash(__name__, serve_locally=True, compress=True)
    app.layout = dcc.Graph(id="graph")
    assert keep_compressed_scripts(app.server)
    return app


def test_scripts_are_compressed_once_and_served_the_same():
    app = _app()
    client = app.server.test_client()
    page = client.get("/").data.decode()
    script = next(u for u in re.findall(r'src="([^"]+)"', page) if "dash_renderer" in u)
    compress = next(
        f.__self__ for f in app.server.after_request_funcs[None] if hasattr(f, "__self__")
    )
    first = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    kept = dict(compress.cache._kept)
    assert list(kept) == [f"gzip;{script}"]
    again = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert again.data == first.data
    plain = client.get(script, headers={"Accept-Encoding": ""})
    assert gzip.decompress(first.data) == plain.data


def test_layouts_and_callbacks_are_never_kept():
    app = _app()
    client = app.server.test_client()
    client.get("/")
    compress = next(
        f.__self__ for f in app.server.after_request_funcs[None] if hasattr(f, "__self__")
    )
    for _ in range(2):
        client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
        client.get("/_dash-dependencies", headers={"Accept-Encoding": "gzip"})
    assert not any("_dash-layout" in key or "dependencies" in key for key in compress.cache._kept)
    assert compress.cache.get("gzip;/_dash-layout") is None
