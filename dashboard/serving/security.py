"""Security headers and client errors of the served dashboard (DESIGN 5.1).

Every response carries:

- a Content-Security-Policy the app really runs under: everything from this origin only
  (no CDN, no other host: DESIGN 9 keeps the map and Dash's scripts local); scripts only
  from files of this origin plus Dash's own inline scripts (the renderer's start line
  and the clientside callbacks), each allowed by its SHA-256 from ``Dash.csp_hashes()``;
  maplibre's web workers from ``blob:`` URLs; styles may be inline, because Plotly writes
  its style sheet into the page at run time; no plugin, no framing, forms post here only;
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (with CSP's
  ``frame-ancestors 'none'``), ``Referrer-Policy: same-origin`` (the app reads the page
  address from the referrer of its own layout request, never sends it elsewhere),
  ``Cross-Origin-Opener-Policy`` and a ``Permissions-Policy`` that turns off sensors.

Client errors answer as client errors, without a traceback in the log: an address that is
no page of the app answers 404 (the page still says so in words); a Dash callback request
whose body is not a callback of this app answers 400; a component-suite path that Dash
does not serve answers 404 (Dash itself raises, which would be a 500 and a traceback).
On a private server, a response that a shared cache could keep (``public``) is marked
``private``, and one that says nothing of caching (pages, layouts, callback answers)
``no-store``.
"""

from __future__ import annotations

import logging

import flask
from dash.exceptions import DependencyException

__all__ = ["SECURITY_HEADERS", "content_security_policy", "install_security", "valid_callback"]

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_security_policy(script_hashes) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def valid_callback(body, callback_map) -> bool:
    """Whether ``body`` is a request for one of the app's callbacks, shaped as the Dash
    renderer sends it (so that Dash's dispatch cannot fail on it with a KeyError or a
    TypeError)."""
    if not isinstance(body, dict):
        return False
    output = body.get("output")
    spec = callback_map.get(output) if isinstance(output, str) else None
    if spec is None:
        return False
    inputs, state = body.get("inputs"), body.get("state", [])
    if not isinstance(inputs, list) or not isinstance(state, list):
        return False
    if len(inputs) != len(spec.get("inputs", [])) or len(state) != len(spec.get("state", [])):
        return False
    if not isinstance(body.get("outputs"), dict | list):
        return False
    if not isinstance(body.get("changedPropIds", []), list):
        return False

    def item_ok(item) -> bool:
        # One dependency: {"id": ..., "property": ...}, or a list of them for a
        # pattern-matching (ALL / ALLSMALLER) dependency.
        if isinstance(item, list):
            return all(item_ok(part) for part in item)
        return isinstance(item, dict) and "id" in item and isinstance(item.get("property"), str)

    outputs = body["outputs"]
    return all(item_ok(item) for item in [*inputs, *state]) and (
        item_ok(outputs) if isinstance(outputs, dict) else all(item_ok(o) for o in outputs)
    )


def install_security(app, page_exists, public: bool = True) -> None:
    server = app.server
    routes = app.config.routes_pathname_prefix
    callback_path = routes + "_dash-update-component"
    # Dash's catch-all page routes: every address the app does not otherwise serve.
    page_endpoints = {routes, routes + "<path:path>"}
    policy: list[str] = []

    def current_policy() -> str:
        # Made at the first response, when every clientside callback is registered.
        if not policy:
            policy.append(content_security_policy(app.csp_hashes()))
        return policy[0]

    @server.before_request
    def reject_malformed_callbacks():
        request = flask.request
        if (
            request.path == callback_path
            and request.method == "POST"
            and not valid_callback(request.get_json(silent=True), app.callback_map)
        ):
            return flask.jsonify(error="malformed callback request"), 400
        return None

    @server.errorhandler(DependencyException)
    def unknown_dependency(_error):
        # Dash raises this for a component-suite path it does not serve (a typo, or a
        # traversal attempt such as ../../): a missing file, not a server error.
        return flask.Response("not found\n", status=404, mimetype="text/plain")

    @server.after_request
    def secure_headers(response):
        request = flask.request
        if (
            response.status_code == 200
            and request.url_rule is not None
            and request.url_rule.endpoint in page_endpoints
            and not page_exists(request.path)
        ):
            response.status_code = 404
        response.headers["Content-Security-Policy"] = current_policy()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        cache = response.headers.get("Cache-Control", "")
        if not public:
            if "public" in cache:
                response.headers["Cache-Control"] = cache.replace("public", "private")
            elif not cache:
                # Pages, layouts and callback answers of a private server: not kept by
                # the browser either, so Back after signing out shows nothing.
                response.headers["Cache-Control"] = "no-store"
        return response
