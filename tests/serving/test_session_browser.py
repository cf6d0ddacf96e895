"""A reader whose session ends while the dashboard is open is told so, in the page's
language, with a link to sign in again that brings them back to the same view
(DESIGN 5.1): the gate answers the next callback with 401 and assets/session.js shows
the notice; all under the Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids
from dashboard.i18n import translator
from dashboard.serving import ServingSettings
from dashboard.serving.access import SESSION_COOKIE
from tests.serving.conftest import PASSWORD, served
from tests.serving.test_csp_browser import MAP_DRAWN, RECORD_VIOLATIONS

pytestmark = pytest.mark.browser

VIEW = "/?lang=fr"


@pytest.fixture(scope="module")
def private_server(served_workspace, accounts):
    with served(served_workspace, ServingSettings(public=False, audit=False)) as base:
        yield base


@pytest.fixture(scope="module")
def public_server(served_workspace, accounts):
    with served(served_workspace, ServingSettings(public=True, audit=False)) as base:
        yield base


def _sign_in(page, base, name="ana"):
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")


def _step_the_slider(page):
    handle = page.locator(f"#{ids.ROUND} [role=slider]").first
    handle.focus()
    page.keyboard.press("ArrowLeft")


def test_an_expired_session_says_so_and_offers_the_login(page, private_server):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    base = private_server
    page.goto(base + VIEW)
    assert "/login" in page.url
    _sign_in(page, base)
    page.wait_for_url(base + VIEW, timeout=30_000)
    page.wait_for_function(MAP_DRAWN, timeout=60_000)
    notice = page.locator(f"#{ids.SESSION_NOTICE}")
    assert notice.is_hidden()  # nothing to say while the session lives

    # The session ends (expired, or signed out elsewhere): the cookie is gone.
    page.context.clear_cookies(name=SESSION_COOKIE)
    with page.expect_response(
        lambda r: "_dash-update-component" in r.url and r.status == 401, timeout=30_000
    ):
        _step_the_slider(page)
    notice.wait_for(state="visible", timeout=10_000)

    _ = translator("fr")
    assert notice.get_attribute("role") == "alert"
    expected = _(
        "Your session has ended, so this page can no longer update. Sign in again to go "
        "on: you will come back to this view."
    )
    assert expected in notice.inner_text() and expected.startswith("Votre session")
    link = notice.locator("a")
    assert link.inner_text() == _("Sign in again") == "Se reconnecter"
    target = urlsplit(link.get_attribute("href"))
    assert target.path == "/login"
    query = parse_qs(target.query)
    assert query["next"] == [VIEW] and query["lang"] == ["fr"]

    # The link leads back to the same view once signed in again.
    link.click()
    page.wait_for_url("**/login**", timeout=30_000)
    _sign_in(page, base)
    page.wait_for_url(base + VIEW, timeout=30_000)
    page.wait_for_function(MAP_DRAWN, timeout=60_000)
    assert page.locator(f"#{ids.SESSION_NOTICE}").is_hidden()
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []


def test_on_a_public_server_an_ended_session_says_the_page_is_now_public(page, public_server):
    """The page goes on updating (as the public view), so it must say why values vanish."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    base = public_server
    page.goto(base + "/login?next=" + "%2F%3Flang%3Dfr&lang=fr")
    _sign_in(page, base)
    page.wait_for_url(base + VIEW, timeout=30_000)
    page.wait_for_function(MAP_DRAWN, timeout=60_000)
    notice = page.locator(f"#{ids.SESSION_NOTICE}")
    assert notice.is_hidden()

    # The session ends on the server's side: the browser still sends a cookie it no
    # longer knows.
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": "ended-elsewhere", "url": base + "/"}]
    )
    with page.expect_response(
        lambda r: "_dash-update-component" in r.url and r.status == 200, timeout=30_000
    ):
        _step_the_slider(page)
    notice.wait_for(state="visible", timeout=10_000)
    _ = translator("fr")
    expected = _(
        "Your session has ended: this page now shows the public view, where values from "
        "small samples are withheld. Sign in again to see every value."
    )
    assert expected in notice.inner_text() and expected.startswith("Votre session")
    query = parse_qs(urlsplit(notice.locator("a").get_attribute("href")).query)
    assert query["next"] == [VIEW]
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []
