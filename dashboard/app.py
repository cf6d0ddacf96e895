"""The Dash app factory: ``create_app(workspace)`` -> a ready ``dash.Dash``.

Everything the app serves is read from the workspace into one read-only ``AppContext``
per generation (framework, areas, display geometry, scores; derived data kept with the
workspace, ``workspace.derived``). Each request gets one context
(``dashboard.generations``: a new generation is loaded beside the old and swapped in
whole), read by the layout, every callback and route through
``dashboard.serving.current_context``, never from module globals, so one process serves
many readers and two apps in one process share nothing. Per-reader state is the URL
(DESIGN 2).

The page shell (header, navigation, language switcher, footer) is in the layout; the page
itself is rendered by one router callback from the URL: ``/`` the map
(``dashboard.pages.map``), ``/locality/<pcode>``, ``/priorities`` and ``/method`` (modules
``dashboard.pages.locality``, ``.priorities``, ``.method``: ``layout(context, view,
**params)`` and ``register(app, context)``). The browser works out which view the URL asks
for (the path, plus the query parameters that change the page: for the map only ``lang``,
``core`` and ``level``; for other pages every parameter unless the module lists its own in
``RENDER_KEYS``) and asks the server for a new page only when that changes, so a map
control that rewrites the query sends a Patch of values and nothing else.

Nothing is loaded from a CDN: Dash serves its own scripts (``serve_locally``), styles are
in ``assets/``, and the map uses the ``white-bg`` style with geometry from this app.
Responses are compressed by flask-compress (``Dash(compress=True)``); each level's
geometry is compressed once at start and served with an ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import html as html_text
import importlib
import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import flask
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import api, ids
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.view import SHOWS, ViewOptions, parse_query, query_pairs, view_options
from dashboard.components.session import session_notice
from dashboard.context import AppContext
from dashboard.generations import CONFIG_KEY, Generations
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    direction,
    language,
    translator,
)
from dashboard.pages import counts_map
from dashboard.pages import map as map_module
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

__all__ = ["ASSETS", "GEO_ROUTE", "PAGES", "app_for_context", "create_app", "route"]

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
GEO_ROUTE = "/geo/level/<int:level>.json"
# The URL carries a digest of the file (?v=...), so a browser may keep it for a long time:
# new geometry gets a new URL.
_GEO_MAX_AGE = 7 * 24 * 3600
#: Page name -> module that renders it (the map, ``dashboard.pages.map``, is served apart:
#: it needs the app's ``MapSource``).
PAGES = {
    "locality": "dashboard.pages.locality",
    "priorities": "dashboard.pages.priorities",
    "method": "dashboard.pages.method",
}
#: Query parameters whose change re-renders the map page; the others are patched.
MAP_RENDER_KEYS = ("lang", "core", "level", "show")
_NAV = (
    (ids.NAV_MAP, "/", "map"),
    (ids.NAV_PRIORITIES, "/priorities", "priorities"),
    (ids.NAV_METHOD, "/method", "method"),
)
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
class _Served:
    """What an app makes of one generation's context: each level's geometry as served
    and the map's data (whose geometry URLs carry the geometry's digest)."""

    geometry: dict[int, _Geometry]
    source: MapSource

    @classmethod
    def of(cls, context: AppContext, relative) -> _Served:
        geometry = {level: _Geometry.of(raw) for level, raw in context.geometry.items()}
        # The digest in the URL lets browsers cache the file for long (see _GEO_MAX_AGE).
        source = MapSource(
            context,
            url_for=lambda level: (
                relative(f"/geo/level/{level}.json") + f"?v={geometry[level].etag}"
            ),
        )
        return cls(geometry, source)


def _geo_response(geometry: dict[int, _Geometry], level: int) -> flask.Response:
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


# -- routing ---------------------------------------------------------------------------


def route(pathname: str | None) -> tuple[str, dict]:
    """(page name, parameters) for a path inside the app: ``map``, ``locality`` (with
    ``pcode``), ``priorities``, ``method``, or ``not_found``."""
    path = "/" + (pathname or "/").strip("/")
    if path == "/":
        return "map", {}
    if path in ("/priorities", "/method"):
        return path[1:], {}
    match = re.fullmatch(r"/locality/([^/]+)", path)
    if match:
        return "locality", {"pcode": unquote(match.group(1))}
    return "not_found", {}


def _load_pages() -> dict[str, ModuleType]:
    """The page modules, by page name (each: ``layout(context, view, **params)`` and
    ``register(app, context)``)."""
    return {name: importlib.import_module(module_name) for name, module_name in PAGES.items()}


def _message_page(title: str, text: str, link_text: str, href: str) -> html.Div:
    return html.Div(
        className="empty message-page",
        children=[
            html.H2(title),
            html.P(text),
            dcc.Link(link_text, href=href, className="button-link"),
        ],
    )


def render_page(
    pathname: str | None,
    search: str | None,
    context: AppContext,
    source: MapSource,
    pages: dict[str, ModuleType | None],
    relative=str,
):
    """The page at ``pathname`` for the view in ``search`` (a component)."""
    name, params = route(pathname)
    state = parse_query(search, source.options)
    _ = translator(state.lang)
    to_map = relative("/") + (search or "")
    if name == "map":
        if not source.options.levels or not source.options.rounds:
            # No score yet: the counts map (DTM figures), or what to import next.
            return counts_map.counts_page(source, state, search)
        return map_module.map_page(source, state, search or "")
    if name == "not_found":
        return _message_page(
            _("Page not found"),
            _("There is no page at this address. Check the link, or start from the map."),
            _("Back to the map"),
            to_map,
        )
    module = pages.get(name)
    if module is None:
        return _message_page(
            _("Page not found"),
            _("There is no page at this address. Check the link, or start from the map."),
            _("Back to the map"),
            to_map,
        )
    try:
        return module.layout(context, state, **params)
    except Exception:
        # One broken page must not take the others down: log it, say so in words.
        log.exception("page %s failed for %s%s", name, pathname, search or "")
        return _message_page(
            _("This page could not be shown"),
            _("Something went wrong while preparing this page. Other pages still work."),
            _("Back to the map"),
            to_map,
        )


# -- the shell -------------------------------------------------------------------------


def shell_texts(context: AppContext, lang: str) -> dict:
    """The translated words of the page shell, by component id and property."""
    _ = translator(lang)
    framework = context.framework
    badge = (
        html.Span(
            _("Fictional demo data"),
            id=ids.DEMO_BADGE,
            className="badge badge-demo",
            title=_("This country and its data are invented, for trying the dashboard out."),
        )
        if context.workspace.is_fictional
        else None
    )
    return {
        (ids.SKIP_LINK, "children"): _("Skip to content"),
        (ids.HEADER_SUBTITLE, "children"): (
            _("Progress of internally displaced persons towards durable solutions")
            + f" · {framework.name} {framework.version}"
        ),
        (ids.DEMO_BADGE_SLOT, "children"): badge,
        (ids.NAV, "aria-label"): _("Pages"),
        (ids.NAV_MAP, "children"): _("Map"),
        (ids.NAV_PRIORITIES, "children"): _("Priorities"),
        (ids.NAV_METHOD, "children"): _("Method"),
        (ids.LANG_SWITCH_LABEL, "children"): _("Language"),
        (ids.FOOTER, "children"): [
            _("Scores 0–100 by the framework in force; see the method page for details."),
            " ",
            html.Span(
                _("Data as of {date} (generation {generation}).").format(
                    date=(context.updated or "")[:10] or "—", generation=context.generation
                ),
                className="footer-generation",
                **{"data-generation": str(context.generation)},
            ),
        ],
        (ids.DOCUMENT, "data"): {
            "lang": lang,
            "dir": direction(lang),
            "title": f"{context.workspace.country_name} — " + _("durable solutions"),
            # how the browser's router reads this generation's query (``page_key``)
            "norm": context.kept(("query_rules",), lambda: _query_rules(view_options(context))),
        },
    }


def _shell(
    context: AppContext,
    relative,
    lang: str = DEFAULT_LANGUAGE,
    page=None,
    key: str | None = None,
    export_slot=None,
    search: str | None = None,
) -> html.Div:
    """The page shell in ``lang``; with ``page`` (and its view ``key``) the first page
    is already in it, so the browser need not ask the router for it. ``export_slot(lang)``
    fills the header's export slot (``dashboard.report.export.register``), which otherwise
    stays empty. ``search``, the query the browser shows where known: the shell's Location
    starts with it, so it has no new query to report once drawn and the callbacks that
    read it (the export slot's) do not run at load."""
    texts = shell_texts(context, lang)

    def text(component: str, prop: str = "children"):
        return texts[component, prop]

    nav_links = [
        dcc.Link(text(link_id), id=link_id, href=relative(path), className="nav-link")
        for link_id, path, _name in _NAV
    ]
    languages = [
        dcc.Link(
            html.Span(name, lang=code),
            id=ids.lang_link(code),
            href=relative("/") + ("" if code == DEFAULT_LANGUAGE else f"?lang={code}"),
            className="lang-link",
        )
        for code, name in LANGUAGES.items()
    ]
    return html.Div(
        className="app",
        children=[
            dcc.Location(
                id=ids.URL, refresh=False, **({} if search is None else {"search": search})
            ),
            dcc.Store(id=ids.PAGE_KEY, data=key),
            dcc.Store(id=ids.DOCUMENT, data=text(ids.DOCUMENT, "data")),
            # Shown by assets/session.js when the session ends (a callback gets 401).
            session_notice(relative("/login")),
            html.A(text(ids.SKIP_LINK), id=ids.SKIP_LINK, href="#" + ids.PAGE, className="skip"),
            html.Header(
                id=ids.HEADER,
                className="header",
                children=[
                    html.Div(
                        className="header-top",
                        children=[
                            html.Div(
                                className="header-title",
                                children=[
                                    html.H1(context.workspace.country_name, id=ids.COUNTRY),
                                    html.Span(text(ids.DEMO_BADGE_SLOT), id=ids.DEMO_BADGE_SLOT),
                                ],
                            ),
                            html.Div(
                                className="header-tools",
                                children=[
                                    # Filled here, in the page's language: no
                                    # callback at load (the slot's lang tells
                                    # dashboard.report.export what it shows).
                                    html.Div(
                                        export_slot(lang) if export_slot else None,
                                        id=ids.EXPORT_SLOT,
                                        className="export-slot",
                                        lang=lang if export_slot else None,
                                    ),
                                    html.Div(
                                        id=ids.LANG_SWITCH,
                                        className="lang-switch",
                                        role="group",
                                        **{"aria-labelledby": ids.LANG_SWITCH_LABEL},
                                        children=[
                                            html.Span(
                                                text(ids.LANG_SWITCH_LABEL),
                                                id=ids.LANG_SWITCH_LABEL,
                                                className="lang-switch-label",
                                            ),
                                            *languages,
                                        ],
                                    ),
                                ],
                            ),
                        ],
                    ),
                    html.P(
                        text(ids.HEADER_SUBTITLE),
                        id=ids.HEADER_SUBTITLE,
                        className="header-subtitle",
                    ),
                    html.Nav(
                        nav_links,
                        id=ids.NAV,
                        className="nav",
                        **{"aria-label": text(ids.NAV, "aria-label")},
                    ),
                ],
            ),
            html.Main(page, id=ids.PAGE, className="page", tabIndex="-1"),
            html.Footer(text(ids.FOOTER), id=ids.FOOTER, className="footer"),
        ],
    )


# The browser's part of the router: the view key of the URL (path + the query parameters
# that change the page), written only when it changes; the links that keep the query; and
# the document's language, direction and title.
_PAGE_KEY_JS = """
function(pathname, search, current, meta) {
    const config = %(config)s;
    // the served generation's rules (its rounds...) come with the page's document data
    const norm = (meta && meta.norm) || %(norm)s;
    const path = "/" + (pathname || "/").slice(config.prefix.length).replace(/^\\/+|\\/+$/g, "");
    const query = new URLSearchParams(search || "");
    let keys = null;
    for (const [prefix, names] of config.pages) {
        if (path === prefix || (prefix.length > 1 && prefix.endsWith("/")
                && path.startsWith(prefix))) {
            keys = names;
            break;
        }
    }
    // Values as the server reads them (parse_query): an absent, invalid or differently
    // spelt value that means the default gives the same key, so it does not re-render.
    function value(name) {
        let v = (query.get(name) || "").trim();
        const rule = norm[name];
        if (!rule) { return query.getAll(name).join(","); }
        if (rule.lower) { v = v.toLowerCase(); }
        if (rule.month && v.length === 7) { v += "-01"; }
        return rule.allowed.includes(v) ? v : rule.default;
    }
    const names = keys === null ? Array.from(new Set(query.keys())).sort() : keys;
    const key = path + "?" + names.map((name) => name + "=" + value(name)).join("&");
    return key === current ? window.dash_clientside.no_update : key;
}
"""

_LINKS_JS = """
function(pathname, search) {
    const prefix = %(prefix)s;
    const nav = %(nav)s;
    const languages = %(languages)s;
    const query = new URLSearchParams(search || "");
    const here = "/" + (pathname || "/").slice(prefix.length).replace(/^\\/+|\\/+$/g, "");
    const out = [];
    for (const [path, section] of nav) {
        const active = section === "map" ? here === "/" : here.startsWith(path);
        const q = query.toString();
        out.push(prefix + path.replace(/^\\//, "") + (q ? "?" + q : ""));
        out.push(active ? "nav-link active" : "nav-link");
    }
    for (const code of languages) {
        const q = new URLSearchParams(search || "");
        if (code === "%(default)s") { q.delete("lang"); } else { q.set("lang", code); }
        const qs = q.toString();
        out.push(prefix + here.replace(/^\\//, "") + (qs ? "?" + qs : ""));
        const current = (query.get("lang") || "%(default)s") === code;
        out.push(current ? "lang-link active" : "lang-link");
    }
    return out;
}
"""

_DOCUMENT_JS = """
function(meta) {
    if (meta) {
        document.documentElement.lang = meta.lang;
        document.documentElement.dir = meta.dir;
        document.title = meta.title;
    }
}
"""


def _page_key_config(pages: dict[str, ModuleType | None], prefix: str) -> dict:
    """Which query keys render each page: {"prefix": app prefix, "pages": [(path or path
    prefix, keys or None for all)]}, first match wins."""
    config = [["/", list(MAP_RENDER_KEYS)]]
    for name in PAGES:
        keys = getattr(pages.get(name), "RENDER_KEYS", None)
        path = "/locality/" if name == "locality" else "/" + name
        config.append([path, None if keys is None else list(keys)])
    return {"prefix": prefix, "pages": config}


def _query_rules(options: ViewOptions) -> dict:
    """How ``parse_query`` reads each parameter, for the browser's page key."""
    default = options.default
    return {
        "round": {"allowed": list(options.rounds), "default": default.round, "month": True},
        "level": {"allowed": [str(lv) for lv in options.levels], "default": str(default.level)},
        "criterion": {"allowed": list(options.criteria), "default": default.criterion},
        "group": {"allowed": list(options.groups), "default": default.group},
        "benchmark": {"allowed": list(options.benchmarks), "default": default.benchmark},
        "core": {"allowed": ["iris"], "default": "", "lower": True},
        "show": {"allowed": list(SHOWS), "default": SHOWS[0]},
        "lang": {"allowed": list(LANGUAGES), "default": DEFAULT_LANGUAGE, "lower": True},
    }


def page_key(pathname: str | None, search: str | None, config: dict, rules: dict) -> str:
    """The view key of a URL, exactly as ``_PAGE_KEY_JS`` computes it in the browser."""
    prefix = config["prefix"]
    path = pathname or "/"
    path = "/" + (path[len(prefix) :] if path.startswith(prefix) else path).strip("/")
    pairs = query_pairs(search, keep_blank=True)
    keys = None
    for start, names in config["pages"]:
        if path == start or (len(start) > 1 and start.endswith("/") and path.startswith(start)):
            keys = names
            break

    def value(name: str) -> str:
        found = [v for k, v in pairs if k == name]
        rule = rules.get(name)
        if not rule:
            return ",".join(found)
        text = (found[0] if found else "").strip()
        if rule.get("lower"):
            text = text.lower()
        if rule.get("month") and len(text) == 7:
            text += "-01"
        return text if text in rule["allowed"] else rule["default"]

    names = sorted({k for k, _v in pairs}) if keys is None else keys
    return path + "?" + "&".join(f"{name}={value(name)}" for name in names)


def _requested_page() -> tuple[str, str] | None:
    """(path, query) of the page that asks for the layout: the Referer of Dash's
    ``/_dash-layout`` request, when it is a page of this host. None otherwise."""
    if not flask.has_request_context():
        return None
    referrer = flask.request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != flask.request.host:
        return None
    return parts.path or "/", ("?" + parts.query) if parts.query else ""


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

    def served(ctx: AppContext) -> _Served:
        return ctx.kept(("served",), lambda: _Served.of(ctx, relative))

    def here() -> tuple[AppContext, MapSource]:
        # The request's generation (one per request), with the map's data of it.
        ctx = current_context(context)
        return ctx, served(ctx).source

    source = served(context).source
    app.server.add_url_rule(
        GEO_ROUTE,
        endpoint="geo_level",
        view_func=lambda level: _geo_response(served(current_context(context)).geometry, level),
    )
    app.interpolate_index = _index_for_request(app, here)
    source.warm()  # the first map's figure, built once now rather than on the first request
    pages = _load_pages()
    key_config = _page_key_config(pages, relative("/"))
    key_rules = _query_rules(source.options)

    def layout():
        # The first page comes with the layout (one round trip less before the map
        # starts loading); its key tells the browser's router that it is already shown.
        context, source = here()
        requested = _requested_page()
        if requested is None:
            return _shell(context, relative, export_slot=export_slot)
        pathname, search = requested
        lang = parse_query(search, source.options).lang
        page = render_page(app_path(pathname, relative), search, context, source, pages, relative)
        key = page_key(pathname, search, key_config, _query_rules(source.options))
        return _shell(context, relative, lang, page, key, export_slot, search)

    app.layout = layout
    # The "Export PDF" button in the header's EXPORT_SLOT (dashboard.report.export): the
    # shell draws it for the first page, the callback when the language changes.
    export_slot = importlib.import_module("dashboard.report.export").register(app, context)
    _register_router(app, here, pages, key_config, key_rules)
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


def _register_router(
    app: Dash,
    here,
    pages: dict[str, ModuleType | None],
    key_config: dict,
    key_rules: dict,
) -> None:
    relative = app.get_relative_path
    prefix = relative("/")
    app.clientside_callback(
        _PAGE_KEY_JS
        % {
            "config": json.dumps(key_config),
            "norm": json.dumps(key_rules),
        },
        Output(ids.PAGE_KEY, "data"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
        State(ids.PAGE_KEY, "data"),
        State(ids.DOCUMENT, "data"),
    )
    link_outputs = []
    for link_id, _path, _name in _NAV:
        link_outputs += [Output(link_id, "href"), Output(link_id, "className")]
    for code in LANGUAGES:
        link_outputs += [
            Output(ids.lang_link(code), "href"),
            Output(ids.lang_link(code), "className"),
        ]
    app.clientside_callback(
        _LINKS_JS
        % {
            "prefix": json.dumps(prefix),
            "nav": json.dumps([[path, name] for _id, path, name in _NAV]),
            "languages": json.dumps(list(LANGUAGES)),
            "default": DEFAULT_LANGUAGE,
        },
        *link_outputs,
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    app.clientside_callback(_DOCUMENT_JS, Input(ids.DOCUMENT, "data"))

    shell_outputs = list(shell_texts(here()[0], DEFAULT_LANGUAGE))

    @app.callback(
        Output(ids.PAGE, "children"),
        *(Output(component, prop) for component, prop in shell_outputs),
        Input(ids.PAGE_KEY, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        # The layout brings the first page (and its key); the router answers changes.
        prevent_initial_call=True,
    )
    def render(key, pathname, search):
        context, source = here()
        return render_view(key, pathname, search, context, source, pages, relative)


def render_view(key, pathname, search, context, source, pages, relative=str) -> tuple:
    """The router: (page, then the shell's words in the order of ``shell_texts``)."""
    if key is None:
        return (no_update,) * (1 + len(shell_texts(context, DEFAULT_LANGUAGE)))
    path = pathname or "/"
    stripped = app_path(path, relative)
    page = render_page(stripped, search, context, source, pages, relative)
    state_lang = parse_query(search, source.options).lang
    return (page, *shell_texts(context, state_lang).values())


def app_path(pathname: str, relative=str) -> str:
    """``pathname`` without the app's prefix (``requests_pathname_prefix``)."""
    prefix = relative("/")
    if prefix != "/" and pathname.startswith(prefix):
        return "/" + pathname[len(prefix) :]
    return pathname
