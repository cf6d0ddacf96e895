"""Who may read the served dashboard (DESIGN 5.1): the access gate, sessions, the login
and logout pages, the login rate limit and the audit log.

Every request passes the gate (a Flask ``before_request``) before any page, callback,
route or download sees it. The gate finds who is asking, in this order: the single
sign-on header when the server trusts one (``--trust-header``; an account unknown to
``solutions users`` is refused), the session cookie, else an anonymous reader, who gets
the viewer role on a public server and the login page (a browser's page request) or 401
(anything else: callbacks, geometry, downloads) on a private one. The role is looked up
in the access file at every request, so ``solutions users remove`` locks a user out at
once, on every worker.

Sessions are random tokens kept server-side (their SHA-256, in the state folder shared by
the workers); the cookie is HttpOnly, SameSite=Lax, Secure over HTTPS, and logging out
deletes the session everywhere. The login form carries a token that must match a cookie
of its own, so another site cannot post it. Failed logins are counted per account name
and per client address in fixed windows, in the shared state, so a second worker does not
offer a fresh allowance.

The audit log (``audit.log`` in the workspace, or in the state folder when the workspace
is read-only; JSON lines, owner-only) records logins
(successful, failed, refused, throttled), logouts, exports and downloads: time, event,
account, role, client address and what was asked. Never a password, and not the name
typed into a failed login unless it is an existing account's (people type their password
into the name field).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import flask

from dashboard import ids
from dashboard.i18n import LANGUAGES, N_, direction, language, translator
from dashboard.serving import PUBLIC_ROLE, WARMUP_ENVIRON, Identity, ServingSettings
from dashboard.serving.state import shared_cache, state_dir
from workspace.access import Accounts

__all__ = ["AUDIT_FILE", "AuditLog", "LoginLimiter", "Sessions", "audit_log_path", "install_access"]

AUDIT_FILE = "audit.log"
SESSION_COOKIE = "solutions_session"
#: Response header: the request's session has ended and it was answered as public.
SESSION_ENDED = "X-Solutions-Session-Ended"
LOGIN_COOKIE = "solutions_login"
#: A session lasts a working day; then the reader logs in again.
SESSION_SECONDS = 12 * 3600
#: Failed logins allowed per window, per account name and per client address.
LIMIT_WINDOW = 15 * 60
LIMIT_PER_NAME = 5
LIMIT_PER_ADDRESS = 30
#: Outputs of callbacks that hand the reader a file (dcc.Download): audited.
DOWNLOAD_OUTPUTS = {
    ids.EXPORT_DOWNLOAD: "export",
    ids.PRIORITIES_DOWNLOAD: "download",
    ids.PRIORITIES_CSV_DOWNLOAD: "download",
    ids.METHOD_FRAMEWORK_DOWNLOAD: "download",
}
#: Paths under the app's prefix that a private server answers without a login: the
#: login page and its style sheet, the logout, the icon. None of them holds data.
OPEN_PATHS = ("login", "logout", "assets/serving.css", "_favicon.ico")
_ROLE_NAMES = {"viewer": N_("Viewer"), "analyst": N_("Analyst"), "admin": N_("Administrator")}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Server-side sessions: token -> account name, in a store shared by the workers."""

    def __init__(self, cache):
        self.cache = cache

    def create(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        self.cache.set(("session", _digest(token)), user, expire=SESSION_SECONDS)
        return token

    def user_of(self, token: str | None) -> str | None:
        if not token:
            return None
        return self.cache.get(("session", _digest(token)))

    def drop(self, token: str | None) -> None:
        if token:
            self.cache.delete(("session", _digest(token)))


class LoginLimiter:
    """Failed logins per key (``name:...``, ``address:...``) in fixed windows."""

    def __init__(self, cache, window: int = LIMIT_WINDOW):
        self.cache = cache
        self.window = window

    def _key(self, key: str) -> tuple:
        return ("failures", key, int(time.time() // self.window))

    def blocked(self, limits: dict[str, int]) -> bool:
        """Whether any key has used up its allowance (``limits``: key -> allowed)."""
        return any(self.cache.get(self._key(key), 0) >= allowed for key, allowed in limits.items())

    def failed(self, keys) -> None:
        for key in keys:
            # incr is atomic in diskcache (one SQLite transaction), across processes.
            self.cache.incr(self._key(key), 1, default=0)
            self.cache.touch(self._key(key), expire=2 * self.window)

    def reset(self, key: str) -> None:
        self.cache.delete(self._key(key))


class AuditLog:
    """Appends one JSON object per line to ``path``; each line is one ``write`` on a file
    opened for appending, so the lines of several workers never interleave."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, event: str, **fields) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "event": event}
        record.update({key: value for key, value in fields.items() if value is not None})
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


def audit_log_path(workspace_root: Path) -> Path:
    """``audit.log`` in the workspace; in the state folder when the workspace is
    read-only (served from a read-only volume with ``--state-dir``)."""
    root = Path(workspace_root)
    if os.access(root, os.W_OK):
        return root / AUDIT_FILE
    return state_dir(root) / AUDIT_FILE


def client_address(request) -> str | None:
    """The reader's address: behind a proxy on this machine (the request comes from the
    loopback), the last address of X-Forwarded-For, the one that proxy appended; else
    the connection's. Otherwise every reader behind the proxy would share one login
    allowance and one address in the audit log."""
    address = request.remote_addr
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and address in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip() or address
    return address


def _safe_next(target: str | None, home: str) -> str:
    """A path of this site to go to after login; anything else (another host,
    ``//host``, a scheme) goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    return target


# -- pages --------------------------------------------------------------------------


def login_page(
    lang: str,
    *,
    country: str,
    action: str,
    stylesheet: str,
    csrf: str,
    next_path: str,
    message: str | None = None,
    notice: str | None = None,
) -> str:
    """The login page in ``lang`` (plain HTML: no script, so it runs under the CSP)."""
    _ = translator(lang)
    esc = html.escape
    languages = "".join(
        f'<a class="lang-link{" active" if code == lang else ""}" lang="{esc(code)}" '
        f'href="{esc(action + "?" + urlencode({"lang": code, "next": next_path}))}">'
        f"{esc(name)}</a>"
        for code, name in LANGUAGES.items()
    )
    alert = f'<p class="login-error" role="alert">{esc(message)}</p>' if message else ""
    info = f'<p class="login-notice" role="status">{esc(notice)}</p>' if notice else ""
    title = _("Sign in")
    intro = _(
        "This dashboard is open to its team only. "
        "Sign in with the account your administrator made for you."
    )
    # Outside the f-string, where the message extractor (pybabel) finds them.
    name_label, password_label, languages_label = _("Account name"), _("Password"), _("Language")
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}" dir="{direction(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(country)} — {esc(title)}</title>
<link rel="stylesheet" href="{esc(stylesheet)}">
</head>
<body class="login-body">
<main class="login" id="login">
<h1>{esc(country)}</h1>
<h2>{esc(title)}</h2>
<p>{esc(intro)}</p>
{info}{alert}
<form method="post" action="{esc(action)}" class="login-form">
<input type="hidden" name="csrf" value="{esc(csrf)}">
<input type="hidden" name="next" value="{esc(next_path)}">
<input type="hidden" name="lang" value="{esc(lang)}">
<label for="login-name">{esc(name_label)}</label>
<input id="login-name" name="name" autocomplete="username" required autofocus>
<label for="login-password">{esc(password_label)}</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="button">{esc(title)}</button>
</form>
<nav class="login-languages" aria-label="{esc(languages_label)}">{languages}</nav>
</main>
</body>
</html>
"""


def account_bar(lang: str, identity: Identity, login: str, logout: str, here: str) -> str:
    """The line above the page: who is signed in and the sign-out button, or for an
    anonymous reader of a public server, that this is the public view."""
    _ = translator(lang)
    esc = html.escape
    sign_out, sign_in = _("Sign out"), _("Sign in")
    public = _("Public view: values from small samples are withheld.")
    if identity.user and identity.via == "session":
        role = _(_ROLE_NAMES.get(identity.role or "", "Viewer"))
        signed = _("Signed in as {name} ({role})").format(name=identity.user, role=role)
        return (
            f'<div class="account-bar" id="account-bar"><span>{esc(signed)}</span>'
            f'<form method="post" action="{esc(logout)}" class="account-logout">'
            f'<input type="hidden" name="lang" value="{esc(lang)}">'
            f'<button type="submit" class="button-link">{esc(sign_out)}</button>'
            "</form></div>"
        )
    if identity.user:  # single sign-on: the proxy signs out
        role = _(_ROLE_NAMES.get(identity.role or "", "Viewer"))
        signed = _("Signed in as {name} ({role})").format(name=identity.user, role=role)
        return f'<div class="account-bar" id="account-bar"><span>{esc(signed)}</span></div>'
    href = login + "?" + urlencode({"lang": lang, "next": here})
    return (
        '<div class="account-bar" id="account-bar">'
        f"<span>{esc(public)}</span>"
        f'<a href="{esc(href)}">{esc(sign_in)}</a></div>'
    )


# -- the gate -----------------------------------------------------------------------


def _view_of(body) -> dict:
    """pathname and search of a callback request (inputs or states), for the audit."""
    found = {}
    for item in list(body.get("inputs") or []) + list(body.get("state") or []):
        if isinstance(item, dict) and item.get("property") in ("pathname", "search"):
            value = item.get("value")
            if isinstance(value, str):
                found[item["property"]] = value[:500]
    return found


def install_access(app, workspace, settings: ServingSettings) -> None:
    server = app.server
    routes = app.config.routes_pathname_prefix
    relative = app.get_relative_path
    accounts = Accounts(workspace.path)
    store = shared_cache(state_dir(workspace.path), "access")
    sessions = Sessions(store)
    limiter = LoginLimiter(store)
    audit_log = AuditLog(audit_log_path(workspace.path))
    open_paths = {routes + path for path in OPEN_PATHS}
    login_path, logout_path = relative("/login"), relative("/logout")
    home = relative("/")
    callback_path = routes + "_dash-update-component"

    def audit(event: str, identity: Identity | None = None, **fields) -> None:
        if not settings.audit:
            return
        identity = identity or flask.g.get("solutions_identity")
        audit_log.write(
            event,
            user=identity.user if identity else None,
            role=identity.role if identity else None,
            address=client_address(flask.request),
            **fields,
        )

    def identify() -> Identity:
        if flask.request.environ.get(WARMUP_ENVIRON):
            return Identity(None, "analyst", "internal")
        if settings.trust_header:
            name = flask.request.headers.get(settings.trust_header, "").strip()
            if name:
                return Identity(name, accounts.role_of(name), "header")
        token = flask.request.cookies.get(SESSION_COOKIE)
        user = sessions.user_of(token)
        role = accounts.role_of(user) if user else None
        if role:
            return Identity(user, role, "session")
        if token and settings.public:
            # A session that expired or was ended elsewhere: a public server answers as
            # to any reader (no more than the public view), and says so (``SESSION_ENDED``).
            return Identity(None, PUBLIC_ROLE, "ended")
        return Identity(None, PUBLIC_ROLE if settings.public else None, "anonymous")

    def refuse(identity: Identity):
        request = flask.request
        lang = language(request.args.get("lang", "").strip().lower())
        _ = translator(lang)
        if identity.via == "header":
            audit("login_refused", identity, via="header")
            return _plain(
                _("Your account is not allowed here. Ask an administrator of this dashboard.")
                + "\n",
                403,
            )
        wants_page = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
        internal = request.path.startswith((routes + "_dash-", routes + "_reload"))
        if wants_page and not internal:
            target = request.full_path if request.query_string else request.path
            query = {"next": target}
            if request.args.get("lang"):
                query["lang"] = lang
            return flask.redirect(login_path + "?" + urlencode(query), code=303)
        response = flask.jsonify(error=_("Sign in to see this dashboard."))
        response.status_code = 401
        return response

    @server.before_request
    def gate():
        identity = identify()
        flask.g.solutions_identity = identity
        if settings.context_for_request is not None:
            flask.g.solutions_context = settings.context_for_request()
        request = flask.request
        if request.path in open_paths:
            return None
        if identity.role is None:
            return refuse(identity)
        if request.path == callback_path and request.method == "POST":
            body = request.get_json(silent=True)
            if isinstance(body, dict) and isinstance(body.get("output"), str):
                for output, event in DOWNLOAD_OUTPUTS.items():
                    # A background job's polls carry its cacheKey: audit only the start.
                    if f"{output}.data" in body["output"] and "cacheKey" not in request.args:
                        audit(event, output=output, **_view_of(body))
        return None

    @server.after_request
    def say_the_session_ended(response):
        """On a public server, tell the page (assets/session.js) that the reader's
        session ended and it now shows the public view; the stale cookie goes, so the
        page is told once."""
        identity = flask.g.get("solutions_identity")
        if identity is None or identity.via != "ended":
            return response
        response.headers[SESSION_ENDED] = "public"
        setting = f"{SESSION_COOKIE}="
        if not any(c.startswith(setting) for c in response.headers.getlist("Set-Cookie")):
            response.delete_cookie(SESSION_COOKIE, path=home)  # not a sign-in's new cookie
        return response

    @server.after_request
    def audit_file_downloads(response):
        disposition = response.headers.get("Content-Disposition", "")
        if response.status_code == 200 and disposition.startswith("attachment"):
            audit("download", path=flask.request.full_path.rstrip("?"))
        return response

    def login_response(lang, status=200, message=None, notice=None, next_path=None):
        csrf = secrets.token_urlsafe(24)
        page = login_page(
            lang,
            country=workspace.country_name,
            action=login_path,
            stylesheet=relative("/assets/serving.css"),
            csrf=csrf,
            next_path=_safe_next(next_path, home),
            message=message,
            notice=notice,
        )
        response = flask.Response(page, status=status, mimetype="text/html")
        response.set_cookie(
            LOGIN_COOKIE,
            csrf,
            httponly=True,
            samesite="Lax",
            secure=flask.request.is_secure,
            path=login_path,
            max_age=3600,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    def login_view():
        request = flask.request
        source = request.form if request.method == "POST" else request.args
        lang = language(source.get("lang", "").strip().lower())
        _ = translator(lang)
        next_path = source.get("next") or home
        if request.method == "GET":
            notice = _("You are signed out.") if request.args.get("signed_out") else None
            return login_response(lang, notice=notice, next_path=next_path)
        sent, expected = request.form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
        if not sent or not secrets.compare_digest(sent, expected):
            return login_response(
                lang, 400, _("This form has expired. Please sign in again."), None, next_path
            )
        name = request.form.get("name", "").strip()[:64]
        password = request.form.get("password", "")
        limits = {f"name:{name.lower()}": LIMIT_PER_NAME}
        limits[f"address:{client_address(request)}"] = LIMIT_PER_ADDRESS
        known = accounts.role_of(name) is not None
        if limiter.blocked(limits):
            audit("login_throttled", Identity(name if known else None, None, "form"))
            response = login_response(
                lang,
                429,
                _("Too many failed attempts. Wait a few minutes, then try again."),
                None,
                next_path,
            )
            response.headers["Retry-After"] = str(LIMIT_WINDOW)
            return response
        role = accounts.verify(name, password)
        if role is None:
            limiter.failed(limits)
            audit("login_failed", Identity(name if known else None, None, "form"))
            return login_response(lang, 401, _("Wrong account name or password."), None, next_path)
        limiter.reset(f"name:{name.lower()}")
        # A new token at every login: a session id planted before cannot be taken over.
        sessions.drop(request.cookies.get(SESSION_COOKIE))
        token = sessions.create(name)
        audit("login", Identity(name, role, "session"))
        response = flask.redirect(_safe_next(next_path, home), code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
            path=home,
            max_age=SESSION_SECONDS,
        )
        response.delete_cookie(LOGIN_COOKIE, path=login_path)
        return response

    def logout_view():
        request = flask.request
        source = request.form if request.method == "POST" else request.args
        lang = language(source.get("lang", "").strip().lower())
        if request.method == "GET":
            # Signing out changes state: only by POST (the bar's button), never by a link
            # that another site could make a browser follow.
            _ = translator(lang)
            return _plain(_("Use the Sign out button of the dashboard.") + "\n", 405)
        identity = flask.g.get("solutions_identity")
        if identity is not None and identity.via == "session":
            audit("logout", identity)
        sessions.drop(request.cookies.get(SESSION_COOKIE))
        response = flask.redirect(
            login_path + "?" + urlencode({"lang": lang, "signed_out": "1"}), code=303
        )
        response.delete_cookie(SESSION_COOKIE, path=home)
        return response

    server.add_url_rule(
        routes + "login", endpoint="solutions_login", view_func=login_view, methods=["GET", "POST"]
    )
    server.add_url_rule(
        routes + "logout",
        endpoint="solutions_logout",
        view_func=logout_view,
        methods=["GET", "POST"],
    )

    original_index = app.interpolate_index

    def interpolate_index(**kwargs):
        page = original_index(**kwargs)
        identity = flask.g.get("solutions_identity")
        if identity is None or (identity.user is None and not accounts):
            return page  # a public dashboard without accounts: nothing to sign in to
        lang = language(flask.request.args.get("lang", "").strip().lower())
        here = flask.request.full_path if flask.request.query_string else flask.request.path
        bar = account_bar(lang, identity, login_path, logout_path, here)
        return page.replace("<body>", "<body>" + bar, 1)

    app.interpolate_index = interpolate_index


def _plain(text: str, status: int) -> flask.Response:
    return flask.Response(text, status=status, mimetype="text/plain")
