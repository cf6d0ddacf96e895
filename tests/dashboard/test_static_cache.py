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


def test_map_page_fetches_plotly_with_its_first_scripts(demo_app):
    """The map page's head preloads plotly.js at the address dcc.Graph would load it
    from (so the two requests are one), marked for assets/plotly_early.js; a page
    without a map does not."""
    from dashboard.static_cache import PLOTLY_PATH, plotly_preload

    client = demo_app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    head = page.split("</head>", 1)[0]
    assert plotly_preload(demo_app.get_relative_path) in head
    assert f'<link rel="preload" href="{PLOTLY_PATH}" as="script" data-plotly-early>' in head
    assert client.get(PLOTLY_PATH).status_code == 200  # Dash serves it there
    assert "data-plotly-early" not in client.get("/method").get_data(as_text=True)
    # the asset that runs it is served with the page's scripts
    assert re.search(r'src="/assets/plotly_early\.js\?m=[\d.]+"', page)


def test_plotly_preload_follows_the_app_prefix():
    from dashboard.static_cache import plotly_preload

    tag = plotly_preload(lambda path: "/team/a&b" + path)
    assert 'href="/team/a&amp;b/_dash-component-suites/plotly/' in tag
