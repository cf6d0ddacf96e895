"""The router: the page a URL names (``route``), drawn by ``render_page``, and the
callbacks that draw it again when the view changes (``register_router``).

The page shell (header, navigation, language switcher, footer) is in the layout; the page
itself is rendered by one router callback from the URL: ``/`` the map
(``dashboard.pages.map``), ``/locality/<pcode>``, ``/priorities`` and ``/method`` (modules
``dashboard.pages.locality``, ``.priorities``, ``.method``: ``layout(context, view,
**params)`` and ``register(app, context)``). The browser works out which view the URL asks
for (the path, plus the query parameters that change the page: for the map only ``lang``,
``core`` and ``level``; for other pages every parameter unless the module lists its own in
``RENDER_KEYS``) and asks the server for a new page only when that changes, so a map
control that rewrites the query sends a Patch of values and nothing else.

A module beside ``app.py`` rather than a ``callbacks`` package: each page registers its
own callbacks, so the router would be that package's only module.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from types import ModuleType
from urllib.parse import unquote, urlsplit

import flask
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import ids
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.view import parse_query, query_pairs
from dashboard.components.shell import NAV, shell_texts
from dashboard.context import AppContext
from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from dashboard.pages import counts_map
from dashboard.pages import map as map_module

__all__ = [
    "MAP_RENDER_KEYS",
    "PAGES",
    "app_path",
    "load_pages",
    "page_key",
    "page_key_config",
    "register_router",
    "render_page",
    "render_view",
    "requested_page",
    "route",
]

log = logging.getLogger(__name__)

#: Page name -> module that renders it (the map, ``dashboard.pages.map``, is served apart:
#: it needs the app's ``MapSource``).
PAGES = {
    "locality": "dashboard.pages.locality",
    "priorities": "dashboard.pages.priorities",
    "method": "dashboard.pages.method",
}
#: Query parameters whose change re-renders the map page; the others are patched.
MAP_RENDER_KEYS = ("lang", "core", "level", "show")


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


def load_pages() -> dict[str, ModuleType]:
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


def page_key_config(pages: dict[str, ModuleType | None], prefix: str) -> dict:
    """Which query keys render each page: {"prefix": app prefix, "pages": [(path or path
    prefix, keys or None for all)]}, first match wins."""
    config = [["/", list(MAP_RENDER_KEYS)]]
    for name in PAGES:
        keys = getattr(pages.get(name), "RENDER_KEYS", None)
        path = "/locality/" if name == "locality" else "/" + name
        config.append([path, None if keys is None else list(keys)])
    return {"prefix": prefix, "pages": config}


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


def requested_page() -> tuple[str, str] | None:
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


def register_router(
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
    for link_id, _path, _name in NAV:
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
            "nav": json.dumps([[path, name] for _id, path, name in NAV]),
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
