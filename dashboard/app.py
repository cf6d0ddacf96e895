"""The Dash app factory: ``create_app(workspace)`` -> a ready ``dash.Dash``.

Everything the app serves is read from the workspace into one read-only ``AppContext``
per generation (framework, areas, display geometry, scores; derived data kept with the
workspace, ``workspace.derived``). Each request gets one context
(``dashboard.generations``: a new generation is loaded beside the old and swapped in
whole), read by the layout, every callback and route through
``dashboard.serving.current_context``, never from module globals, so one process serves
many readers and two apps in one process share nothing. Per-reader state is the URL
(DESIGN 2).

The page shell (header, navigation, language switcher, footer) is the layout, drawn by
``dashboard.components.shell``; the page in it is drawn from the URL by the router
(``dashboard.router``), and each level's display geometry is served by
``dashboard.geometry_route``. This module puts them together in one ``Dash``.

Nothing is loaded from a CDN: Dash serves its own scripts (``serve_locally``), styles are
in ``assets/``, and the map uses the ``white-bg`` style with geometry from this app.
Responses are compressed by flask-compress (``Dash(compress=True)``); each level's
geometry is compressed once per generation and served with an ETag.
"""

from __future__ import annotations

import html as html_text
import importlib
from dataclasses import replace
from pathlib import Path

import flask
from dash import Dash

from dashboard import api, ids
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.view import parse_query, query_rules
from dashboard.components.shell import shell, shell_texts
from dashboard.context import AppContext
from dashboard.generations import CONFIG_KEY, Generations
from dashboard.geometry_route import GEO_ROUTE, Served, geo_response
from dashboard.i18n import direction, language
from dashboard.pages import counts_map
from dashboard.pages import map as map_module
from dashboard.router import (
    app_path,
    load_pages,
    page_key,
    page_key_config,
    register_router,
    render_page,
    requested_page,
    route,
)
from dashboard.serving import (
    LOCAL,
    ServingSettings,
    current_context,
    install_serving,
    is_public_view,
)
from dashboard.static_cache import keep_compressed_scripts, plotly_preload
from workspace.frameworks import load_framework
from workspace.lazy_dask import defer_dask_import
from workspace.store import Workspace

__all__ = ["ASSETS", "app_for_context", "create_app"]

ASSETS = Path(__file__).resolve().parent.parent / "assets"
#: Dash's page template without its ``<footer>`` around the scripts: the page has one
#: footer landmark, the shell's (two "contentinfo" landmarks confuse screen readers).
INDEX_STRING = """<!DOCTYPE html>
<html>
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def _index_for_request(app: Dash, here):
    """``Dash.interpolate_index`` that writes the language, direction and title of the
    requested URL into the HTML, so the first paint is already right; on the map page it
    also asks the browser to fetch the level's geometry and plotly.js at once, beside the
    scripts, rather than when Plotly (or the graph) gets to them (on a slow link that is
    most of the wait; ``assets/plotly_early.js`` then runs plotly.js early)."""
    original = app.interpolate_index

    def interpolate_index(**kwargs):
        context, source = here()
        lang = language(flask.request.args.get("lang", "").strip().lower())
        kwargs["title"] = shell_texts(context, lang)[ids.DOCUMENT, "data"]["title"]
        name, _params = route(app_path(flask.request.path, app.get_relative_path))
        if name == "map" and source.layers:
            state = parse_query(flask.request.query_string.decode(), source.options)
            href = html_text.escape(str(source.layers[state.level].geojson))
            # as=fetch with crossorigin matches the request Plotly makes for the file.
            kwargs["metas"] = (
                kwargs.get("metas", "")
                + f'<link rel="preload" href="{href}" as="fetch" crossorigin="anonymous">'
                + plotly_preload(app.get_relative_path)
            )
        page = original(**kwargs)
        return page.replace("<html>", f'<html lang="{lang}" dir="{direction(lang)}">', 1)

    return interpolate_index


def create_app(
    workspace: Workspace,
    framework_path: str | Path | None = None,
    serving: ServingSettings | None = None,
) -> Dash:
    """A Dash app on ``workspace``, scored once per generation with its framework (or the
    one at ``framework_path``); it follows the workspace's generations
    (``dashboard.generations``). Serve with ``app.run()`` or mount ``app.server`` in a
    WSGI host. ``serving``: who may read it (dashboard.serving; default: public, for a
    local demo)."""
    defer_dask_import()  # before the first xarray array: SciPy and dask wait until needed
    framework = load_framework(framework_path) if framework_path else workspace.framework
    return app_for_context(AppContext.load(workspace, framework), serving, framework_path)


def app_for_context(
    context: AppContext,
    serving: ServingSettings | None = None,
    framework_path: str | Path | None = None,
) -> Dash:
    """A Dash app on an ``AppContext`` already loaded (``create_app`` reads a workspace;
    benchmarks build a synthetic one in memory). A context loaded from a workspace
    (``AppContext.load``) is followed to the workspace's later generations, unless
    ``serving`` brings its own ``context_for_request``."""
    app = Dash(
        __name__,
        title=f"{context.workspace.country_name} — durable solutions",
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        compress=True,
        index_string=INDEX_STRING,
        # Pages put components in the layout that others do not have; callbacks may then
        # name ids absent from the page shown.
        suppress_callback_exceptions=True,
    )
    keep_compressed_scripts(app.server)  # plotly.js compressed once, not per page load
    relative = app.get_relative_path
    serving = serving or LOCAL
    if serving.context_for_request is None and context.derived is not None:
        generations = Generations(
            context, framework_path, prepare=lambda c: served(c).source.options
        )
        serving = replace(serving, context_for_request=generations.context)
    app.server.config[CONFIG_KEY] = serving.context_for_request

    def served(ctx: AppContext) -> Served:
        return ctx.kept(("served",), lambda: Served.of(ctx, relative))

    def here() -> tuple[AppContext, MapSource]:
        # The request's generation (one per request), with the map's data of it.
        ctx = current_context(context)
        return ctx, served(ctx).source

    source = served(context).source
    app.server.add_url_rule(
        GEO_ROUTE,
        endpoint="geo_level",
        view_func=lambda level: geo_response(served(current_context(context)).geometry, level),
    )
    app.interpolate_index = _index_for_request(app, here)
    source.warm()  # the first map's figure, built once now rather than on the first request
    pages = load_pages()
    key_config = page_key_config(pages, relative("/"))
    key_rules = query_rules(source.options)

    def layout():
        # The first page comes with the layout (one round trip less before the map
        # starts loading); its key tells the browser's router that it is already shown.
        context, source = here()
        requested = requested_page()
        if requested is None:
            return shell(context, relative, export_slot=export_slot)
        pathname, search = requested
        lang = parse_query(search, source.options).lang
        page = render_page(app_path(pathname, relative), search, context, source, pages, relative)
        key = page_key(pathname, search, key_config, query_rules(source.options))
        return shell(context, relative, lang, page, key, export_slot, search)

    app.layout = layout
    # The "Export PDF" button in the header's EXPORT_SLOT (dashboard.report.export): the
    # shell draws it for the first page, the callback when the language changes.
    export_slot = importlib.import_module("dashboard.report.export").register(app, context)
    register_router(app, here, pages, key_config, key_rules)
    # Both map pages' callbacks, whatever the workspace holds now: the first day's counts
    # map (boundaries and DTM counts, no score yet) and the score map. render_page picks
    # the one of the request's generation, so an import that brings the first scores (or
    # a change that removes them) switches the page within seconds, without a restart.
    map_module.register(app, context, source=source, current=lambda: here()[1])
    counts_map.register(app, context, source=source, current=lambda: here()[1])
    for module in pages.values():
        module.register(app, context)
    # GET /api/v1/scores: the Priorities CSV as JSON, small samples withheld for the
    # public view (viewer, anonymous), all detail for analysts and admins
    api.register(app.server, context, withhold_small_samples=is_public_view)
    # Last, once every route and callback exists: the access gate and security headers.
    install_serving(
        app,
        context.workspace,
        serving,
        page_exists=lambda path: route(app_path(path, relative))[0] != "not_found",
    )
    return app
