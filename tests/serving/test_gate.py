"""The access gate (DESIGN 5.1) through Flask's test client: without ``--public`` nothing
but the login page answers an anonymous reader; sessions, logout, the rate limit, single
sign-on by header, the role accessors seen from a callback, and the audit log."""

from __future__ import annotations

import json
import re

import pytest
from dash import Input, Output

from dashboard.i18n import LANGUAGES, translator
from dashboard.serving import ServingSettings, current_role, current_user, is_public_view
from dashboard.serving.access import AUDIT_FILE, LIMIT_PER_NAME, SESSION_COOKIE
from tests.serving.conftest import PASSWORD

#: Everything a private server holds, as an anonymous client would ask for it.
DATA_REQUESTS = [
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("GET", "/geo/level/2.json"),
    ("GET", "/download/scores.zip"),
    ("GET", "/assets/style.css"),
    ("GET", "/_dash-component-suites/dash/dcc/dash_core_components.js"),
    ("POST", "/_dash-update-component"),
]
PROBE_OUT, PROBE_IN = "probe-out", "probe-in"


def _add_probe(app):
    """A callback that answers who asks: current_user/current_role/is_public_view."""

    @app.callback(Output(PROBE_OUT, "children"), Input(PROBE_IN, "value"))
    def probe(_value):
        return f"{current_user()}|{current_role()}|{is_public_view()}"


def _probe_response(client):
    return client.post(
        "/_dash-update-component",
        json={
            "output": f"{PROBE_OUT}.children",
            "outputs": {"id": PROBE_OUT, "property": "children"},
            "inputs": [{"id": PROBE_IN, "property": "value", "value": 1}],
            "changedPropIds": [f"{PROBE_IN}.value"],
            "state": [],
        },
    )


def _probe(client) -> str:
    response = _probe_response(client)
    assert response.status_code == 200, response.data
    return response.get_json()["response"][PROBE_OUT]["children"]


@pytest.fixture(scope="module")
def private_app(served_workspace, accounts):
    from dashboard.app import create_app

    app = create_app(served_workspace, serving=ServingSettings(public=False))
    _add_probe(app)
    return app


@pytest.fixture(scope="module")
def public_app(served_workspace, accounts):
    from dashboard.app import create_app

    app = create_app(served_workspace, serving=ServingSettings(public=True))
    _add_probe(app)
    return app


@pytest.fixture(scope="module")
def sso_app(served_workspace, accounts):
    from dashboard.app import create_app

    app = create_app(
        served_workspace, serving=ServingSettings(public=False, trust_header="X-Remote-User")
    )
    _add_probe(app)
    return app


def _csrf(response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def login(client, name, password=PASSWORD, next_path="/"):
    form = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": _csrf(form), "name": name, "password": password, "next": next_path},
    )


def _audit(workspace) -> list[dict]:
    path = workspace.path / AUDIT_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_anonymous_readers_get_the_login_page_or_401_never_data(private_app):
    client = private_app.server.test_client()
    for path in ("/", "/priorities", "/method", "/locality/XM01001", "/nowhere"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/login?next=")
    for method, path in DATA_REQUESTS:
        response = client.open(path, method=method, json={} if method == "POST" else None)
        assert response.status_code == 401, path
        assert response.get_json() == {"error": "Sign in to see this dashboard."}
    login_page = client.get("/login")
    assert login_page.status_code == 200
    assert 'type="password"' in login_page.get_data(as_text=True)
    assert client.get("/assets/serving.css").status_code == 200


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_login_page_exists_in_every_language(private_app, lang):
    _ = translator(lang)
    page = private_app.server.test_client().get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    for message in ("Sign in", "Account name", "Password"):
        assert _(message) in page
        if lang != "en":
            assert _(message) != message, f"{message!r} has no {lang} translation"


def test_login_session_cookie_and_logout(private_app, served_workspace):
    client = private_app.server.test_client()
    assert login(client, "ana", "wrong password", "/priorities").status_code == 401
    response = login(client, "ana", next_path="/priorities?lang=fr")
    assert response.status_code == 303
    assert response.headers["Location"] == "/priorities?lang=fr"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if SESSION_COOKIE in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = re.search(f"{SESSION_COOKIE}=([^;]+)", cookie).group(1)
    assert client.get("/").status_code == 200
    assert client.get("/geo/level/2.json").status_code == 200
    assert "Signed in as ana" in client.get("/").get_data(as_text=True)
    assert _probe(client) == "ana|analyst|False"

    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 303
    # The old token is dead on the server, not only forgotten by this browser.
    other = private_app.server.test_client()
    other.set_cookie(SESSION_COOKIE, token)
    assert other.get("/_dash-layout").status_code == 401
    events = [entry["event"] for entry in _audit(served_workspace)]
    assert "login_failed" in events and "login" in events and "logout" in events


def test_next_never_leaves_the_site(private_app):
    client = private_app.server.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = login(client, "ana", next_path=target)
        assert response.headers["Location"] == "/"


def test_a_form_without_its_token_is_refused(private_app):
    client = private_app.server.test_client()
    response = client.post("/login", data={"name": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert SESSION_COOKIE not in "".join(response.headers.getlist("Set-Cookie"))


def test_failed_logins_are_limited_even_with_the_right_password_after(private_app):
    client = private_app.server.test_client()
    for _attempt in range(LIMIT_PER_NAME):
        assert login(client, "vic", "guess " * 3).status_code == 401
    blocked = login(client, "vic")
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    # Another account from the same address is not locked by vic's failures.
    assert login(client, "ada").status_code == 303


def test_a_removed_account_loses_its_session_at_once(private_app, served_workspace):
    from workspace.access import Accounts

    Accounts(served_workspace.path).add("temp", PASSWORD, "analyst")
    client = private_app.server.test_client()
    assert login(client, "temp").status_code == 303
    assert client.get("/_dash-layout").status_code == 200
    Accounts(served_workspace.path).remove("temp")
    assert client.get("/_dash-layout").status_code == 401


def test_public_mode_gives_anonymous_readers_the_viewer_role(public_app):
    client = public_app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/geo/level/2.json").status_code == 200
    assert _probe(client) == "None|viewer|True"
    page = client.get("/").get_data(as_text=True)
    assert "Public view" in page and "/login?" in page
    # An analyst signing in on a public server gets the full view.
    assert login(client, "ana").status_code == 303
    assert _probe(client) == "ana|analyst|False"


def test_roles_outside_a_request_are_the_public_view():
    assert current_role() == "viewer" and is_public_view() and current_user() is None


def test_single_sign_on_header_known_users_only(sso_app, served_workspace):
    client = sso_app.server.test_client()
    assert client.get("/", headers={"X-Remote-User": "ada"}).status_code == 200
    assert _probe_with_header(client, "ada") == "ada|admin|False"
    refused = client.get("/_dash-layout", headers={"X-Remote-User": "mallory"})
    assert refused.status_code == 403
    assert client.get("/_dash-layout").status_code == 401
    refusals = [e for e in _audit(served_workspace) if e["event"] == "login_refused"]
    assert refusals and refusals[-1]["user"] == "mallory"


def _probe_with_header(client, name):
    client.environ_base["HTTP_X_REMOTE_USER"] = name
    try:
        return _probe(client)
    finally:
        del client.environ_base["HTTP_X_REMOTE_USER"]


def test_downloads_are_audited_and_no_password_is_ever_written(private_app, served_workspace):
    client = private_app.server.test_client()
    # A password typed into the name field must not reach the log.
    login(client, PASSWORD, PASSWORD)
    assert login(client, "ana").status_code == 303
    assert client.get("/download/scores.zip?round=2025-06-01").status_code == 200
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "method-framework-download.data",
            "outputs": {"id": "method-framework-download", "property": "data"},
            "inputs": [{"id": "method-framework-button", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["method-framework-button.n_clicks"],
            "state": [],
        },
    )
    assert response.status_code == 200
    # the Priorities "Download CSV" (zip with its sidecar), a callback too
    from dataclasses import asdict

    from dashboard import ids
    from tests.helpers import view

    csv = client.post(
        "/_dash-update-component",
        json={
            "output": f"{ids.PRIORITIES_CSV_DOWNLOAD}.data",
            "outputs": {"id": ids.PRIORITIES_CSV_DOWNLOAD, "property": "data"},
            "inputs": [{"id": ids.PRIORITIES_CSV_BUTTON, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{ids.PRIORITIES_CSV_BUTTON}.n_clicks"],
            "state": [{"id": ids.PRIORITIES_STATE, "property": "data", "value": asdict(view())}],
        },
    )
    assert csv.status_code == 200
    entries = _audit(served_workspace)
    downloads = [e for e in entries if e["event"] == "download" and e.get("user") == "ana"]
    assert any(e.get("path", "").startswith("/download/scores.zip") for e in downloads)
    assert any(e.get("output") == "method-framework-download" for e in downloads)
    assert any(e.get("output") == ids.PRIORITIES_CSV_DOWNLOAD for e in downloads)
    text = (served_workspace.path / AUDIT_FILE).read_text()
    assert PASSWORD not in text
    assert all({"time", "event", "address"} <= entry.keys() for entry in entries)


def test_behind_a_local_proxy_the_forwarded_address_counts(private_app, served_workspace):
    client = private_app.server.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9, 10.1.2.3"
    login(client, "nobody-known", "wrong password")
    failed = [e for e in _audit(served_workspace) if e["event"] == "login_failed"]
    assert failed[-1]["address"] == "10.1.2.3"
    assert "user" not in failed[-1]  # not an account: the typed name is not kept


def test_an_ended_session_on_a_public_server_is_the_public_view_and_says_so(
    public_app, served_workspace
):
    """Not a silent downgrade: the answer carries SESSION_ENDED (assets/session.js shows
    the notice), the stale cookie goes, and signing in again with it still works."""
    from dashboard.serving.access import SESSION_COOKIE, SESSION_ENDED

    client = public_app.server.test_client()
    assert login(client, "ana").status_code == 303
    assert _probe(client) == "ana|analyst|False"
    client.set_cookie(SESSION_COOKIE, "a-session-that-expired")
    response = _probe_response(client)
    assert response.status_code == 200
    assert response.get_json()["response"][PROBE_OUT]["children"] == "None|viewer|True"
    assert response.headers[SESSION_ENDED] == "public"
    assert client.get_cookie(SESSION_COOKIE) is None  # told once, not at every request
    assert SESSION_ENDED not in client.get("/_dash-layout").headers
    # A sign-in that still carries the stale cookie gets its new session.
    form = client.get("/login")
    client.set_cookie(SESSION_COOKIE, "a-session-that-expired")
    signed = client.post(
        "/login", data={"csrf": _csrf(form), "name": "ana", "password": PASSWORD, "next": "/"}
    )
    assert signed.status_code == 303
    assert client.get_cookie(SESSION_COOKIE) is not None
    assert _probe(client) == "ana|analyst|False"
    # A reader who never signed in is told nothing.
    fresh = public_app.server.test_client()
    assert SESSION_ENDED not in fresh.get("/_dash-layout").headers
