"""Serving the dashboard to a team (DESIGN 5.1): who may see what, and how it is served.

``install_serving(app, workspace, settings)`` is called once by ``create_app``, after
every page, callback and route is registered. It adds to the app's Flask server:

- the access gate (``dashboard.serving.access``): accounts from the workspace's access
  file, sessions shared by all workers, login and logout pages in every language of the
  app, login attempts limited, an audit log of logins, exports and downloads, and the
  user taken from a proxy's header for single sign-on;
- the security layer (``dashboard.serving.security``): Content-Security-Policy with
  Dash's own inline scripts allowed by hash, the other security headers, and 404/400
  for unknown routes and malformed Dash requests instead of a 500 and a traceback.

Callbacks and pages ask who is reading with ``current_role()`` / ``is_public_view()``
(the viewer role is the public view: small samples withheld). Outside a request (a
background job, a command) they answer as for the public view, the safe default.

``current_context(default)`` is the hook for a per-request data generation: a server
given ``ServingSettings(context_for_request=...)`` calls it once per request and pages
read the result, so a reader never mixes two generations within a request.

``dashboard.serving.gunicorn`` runs the app under gunicorn with the app built before the
workers fork; ``dashboard.serving.jobs`` is the background-job store they share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask

__all__ = [
    "ROLES",
    "ServingSettings",
    "current_context",
    "current_role",
    "current_user",
    "has_role",
    "install_serving",
    "is_public_view",
]

#: Least to most privileged (workspace.access.ROLES, repeated so that pages need not
#: import the workspace's access module).
ROLES = ("viewer", "analyst", "admin")
PUBLIC_ROLE = "viewer"
#: A WSGI environ key that only code in the server's process can set (a client's headers
#: become ``HTTP_*`` keys): the gate lets the warm-up requests of
#: ``dashboard.serving.gunicorn.warm`` through.
WARMUP_ENVIRON = "solutions.warmup"


@dataclass(frozen=True)
class ServingSettings:
    """How a dashboard is served.

    ``public``: anonymous readers get the viewer role (else they get the login page).
    ``trust_header``: the name of a request header that a single sign-on proxy sets to
    the user's account name; an account unknown to ``solutions users`` is refused.
    ``audit``: write the audit log (``audit.log`` in the workspace).
    ``context_for_request``: called once per request; its value is ``current_context()``.
    """

    public: bool = False
    trust_header: str | None = None
    audit: bool = True
    context_for_request: Callable[[], Any] | None = None


#: What ``create_app`` uses when given no settings: a local, public dashboard (the
#: fictional demo of ``python app.py``, tests). ``solutions serve`` is private by default.
LOCAL = ServingSettings(public=True)


@dataclass(frozen=True)
class Identity:
    """Who makes the current request: an account (``user``) or an anonymous reader."""

    user: str | None
    role: str | None
    via: str  # "session", "header", "anonymous", "ended" (a session that no longer holds)


def _identity() -> Identity | None:
    if not flask.has_request_context():
        return None
    return flask.g.get("solutions_identity")


def current_user() -> str | None:
    """The account name of the reader, or None (anonymous, or outside a request)."""
    identity = _identity()
    return identity.user if identity else None


def current_role() -> str:
    """``viewer``, ``analyst`` or ``admin`` for the current request; ``viewer`` (the
    public view) when there is no reader to ask about."""
    identity = _identity()
    return identity.role if identity and identity.role in ROLES else PUBLIC_ROLE


def has_role(minimum: str) -> bool:
    """Whether the reader's role is ``minimum`` or above."""
    return ROLES.index(current_role()) >= ROLES.index(minimum)


def is_public_view() -> bool:
    """True when the reader sees the public view (small samples withheld)."""
    return current_role() == PUBLIC_ROLE


def current_context(default: Any = None) -> Any:
    """The data of the current request's generation (``context_for_request``), else
    ``default``."""
    if not flask.has_request_context():
        return default
    found = flask.g.get("solutions_context")
    return default if found is None else found


def install_serving(
    app,
    workspace,
    settings: ServingSettings | None = None,
    page_exists: Callable[[str], bool] | None = None,
) -> None:
    """Put the access gate and the security layer on ``app`` (a ``dash.Dash`` whose
    callbacks are all registered). ``page_exists(path)`` tells a page of the app from an
    unknown address (which then answers 404)."""
    from dashboard.serving.access import install_access
    from dashboard.serving.security import install_security

    settings = settings or LOCAL
    install_access(app, workspace, settings)
    install_security(app, page_exists or (lambda _path: True), public=settings.public)
