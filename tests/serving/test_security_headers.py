"""Security headers and client errors (DESIGN 5.1) through Flask's test client: every
response carries the CSP and the other headers; unknown routes and malformed Dash
requests answer 404/400 and leave no traceback in the log."""

from __future__ import annotations

import logging

import pytest

from dashboard.serving import ServingSettings
from dashboard.serving.security import SECURITY_HEADERS
from tests.serving.test_gate import login

PATHS = [
    "/",
    "/priorities",
    "/method",
    "/locality/XM01001",
    "/_dash-layout",
    "/_dash-dependencies",
    "/geo/level/2.json",
    "/assets/style.css",
    "/login",
    "/no/such/page",
]
MALFORMED_BODIES = [
    b"not json at all",
    b"[1, 2, 3]",
    b'{"output": 42}',
    b'{"output": "no-such-component.children", "outputs": {}, "inputs": []}',
    # A real output, but inputs that are not the callback's.
    b'{"output": "export-slot.children..export-slot.lang", "outputs": [], "inputs": "x"}',
    b'{"output": "export-slot.children..export-slot.lang", "outputs": [], "inputs": [], '
    b'"state": []}',
    b'{"output": "export-slot.children..export-slot.lang", "outputs": [{"id": 1}], '
    b'"inputs": [{"nope": 1}], "state": [{"id": "url", "property": "search"}]}',
]


@pytest.fixture(scope="module")
def app(served_workspace, accounts):
    from dashboard.app import create_app

    return create_app(served_workspace, serving=ServingSettings(public=False))


@pytest.fixture
def client(app):
    client = app.server.test_client()
    assert login(client, "ana").status_code == 303
    return client


def test_every_response_carries_the_security_headers(app, client):
    hashes = app.csp_hashes()
    for path in PATHS:
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"].split() == ["'self'", *hashes], path
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "http" not in policy and "*" not in policy  # no other origin, no wildcard
        assert "unsafe-eval" not in policy and "unsafe-inline" not in directives["script-src"]
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    # Anonymous answers carry them too.
    anonymous = app.server.test_client().get("/_dash-layout")
    assert anonymous.status_code == 401
    assert anonymous.headers["X-Frame-Options"] == "DENY"


def test_dash_inline_scripts_are_all_allowed_by_their_hash(app, client):
    import base64
    import hashlib
    import re

    # Without HTML comments: Dash's Internet Explorer warning sits in one, never run.
    page = re.sub(r"<!--.*?-->", "", client.get("/").get_data(as_text=True), flags=re.S)
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S
    )
    assert inline, "Dash puts its renderer start line inline"
    allowed = set(app.csp_hashes())
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


def test_unknown_routes_answer_404_without_traceback(client, caplog):
    caplog.set_level(logging.INFO)
    for path in (
        "/no/such/page",
        "/locality",
        "/_dash-component-suites/no_such_package/x.js",
        "/_dash-component-suites/dash/../../../../etc/passwd",
        "/_dash-component-suites/dash/dcc/no_such_file.v1m1.js",
        "/assets/../pyproject.toml",
        "/geo/level/99.json",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Traceback" not in response.data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # The known pages still answer 200.
    for path in ("/", "/priorities", "/method", "/locality/XM01001"):
        assert client.get(path).status_code == 200, path


def test_malformed_callback_requests_answer_400_without_traceback(client, caplog):
    caplog.set_level(logging.INFO)
    for body in MALFORMED_BODIES:
        response = client.post(
            "/_dash-update-component", data=body, content_type="application/json"
        )
        assert response.status_code == 400, body
        assert response.get_json() == {"error": "malformed callback request"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_real_callback_still_answers(client):
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "..export-slot.children...export-slot.lang..",
            "outputs": [
                {"id": "export-slot", "property": "children"},
                {"id": "export-slot", "property": "lang"},
            ],
            "inputs": [{"id": "url", "property": "search", "value": "?lang=fr"}],
            "changedPropIds": ["url.search"],
            "state": [{"id": "export-slot", "property": "lang", "value": None}],
        },
    )
    assert response.status_code == 200, response.data


def test_private_data_is_never_kept_by_shared_caches(client):
    response = client.get("/geo/level/2.json")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    for path in ("/", "/_dash-layout"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
