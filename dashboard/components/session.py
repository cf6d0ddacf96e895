"""The notice shown when a reader's session ends while a page is open (DESIGN 5.1).

On a private server the gate answers a callback without a live session with 401 (it
never sends data). Dash would then show nothing: the figure stops moving and the page
looks broken. ``assets/session.js`` (a same-origin file, so it runs under the
Content-Security-Policy without an inline script) watches Dash's requests; on a 401 it
fills this element with its message and a link to the login page that brings the reader
back to the address they were reading (``next``). On a public server the gate answers
an ended session as any anonymous reader, with a header that says so: the script then
shows the "public" text, since the page still updates but withholds small samples.

The texts of every language come with the page, each made by the translation function,
so the script picks the one of the document's current language without asking the
server (which would answer 401).
"""

from __future__ import annotations

import json

from dash import html

from dashboard import ids
from dashboard.i18n import LANGUAGES, translator


def session_texts() -> dict[str, dict[str, str]]:
    """{lang: {"message": ..., "link": ...}} for every language of the app."""
    found = {}
    for code in LANGUAGES:
        _ = translator(code)
        found[code] = {
            "message": _(
                "Your session has ended, so this page can no longer update. Sign in again "
                "to go on: you will come back to this view."
            ),
            "link": _("Sign in again"),
            # A public server answers an ended session as any reader: the page goes on,
            # with less in it, and must say why.
            "public": _(
                "Your session has ended: this page now shows the public view, where values "
                "from small samples are withheld. Sign in again to see every value."
            ),
        }
    return found


def session_notice(login_href: str) -> html.Div:
    """The empty notice, with its texts and the login page's address as data."""
    return html.Div(
        id=ids.SESSION_NOTICE,
        className="session-notice",
        role="alert",
        hidden=True,
        **{"data-texts": json.dumps(session_texts(), ensure_ascii=False), "data-login": login_href},
    )
