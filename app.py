"""Serve the dashboard: ``python app.py``, or ``gunicorn --preload -w 2 app:server``.

Without settings it serves the fictional demo, publicly (anyone who reaches the port gets
the viewer's public view; it binds 127.0.0.1 unless ``HOST`` says otherwise). The demo
workspace is built on first use into ``$SOLUTIONS_DEMO_DIR`` or
``~/.cache/idp-solutions/demo-<version>``, and reused afterwards. It is built in a
temporary sibling folder and renamed into place, so an interrupted build never leaves a
half-made demo behind (and two workers starting at once use the one that is finished
first). ``SOLUTIONS_WORKSPACE`` serves that workspace instead (``SOLUTIONS_FRAMEWORK`` a
framework file other than the one in force), and privately: readers sign in with an
account of ``solutions users``, unless ``SOLUTIONS_PUBLIC=1``;
``SOLUTIONS_TRUST_HEADER=NAME`` takes the user from a single sign-on proxy's header.
``HOST`` and ``PORT`` override 127.0.0.1:8050 for ``python app.py``. ``solutions serve
DIR --workers N`` is the same server with gunicorn set up for it (the app built before
the workers fork).

Importing this module builds nothing: ``server`` (the Flask app for a WSGI server) is made
on first access.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

# `server` is served by the module __getattr__ below.
__all__ = ["create_demo_app", "create_served_app", "demo_dir", "ensure_demo", "main"]


def _version() -> str:
    try:
        return metadata.version("idp-solutions-dashboard")
    except metadata.PackageNotFoundError:
        return "dev"


def demo_dir() -> Path:
    configured = os.environ.get("SOLUTIONS_DEMO_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "idp-solutions" / f"demo-{_version()}"


def ensure_demo(target: Path | None = None):
    """The demo workspace at ``target``, built there first if it is not yet complete."""
    from workspace.demo import build_demo_workspace
    from workspace.store import Workspace

    target = Path(target) if target is not None else demo_dir()
    workspace = Workspace(target)
    if workspace.exists():
        return workspace
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built one folder down in a scratch sibling, so whatever the build leaves beside the
    # workspace (its lock file) goes when the scratch folder goes.
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        built = scratch / target.name
        build_demo_workspace(built)
        try:
            os.rename(built, target)
        except OSError:
            # Another process finished first (target exists and is not empty), or an
            # empty leftover folder is in the way: use a complete one, else retry once.
            if Workspace(target).exists():
                return Workspace(target)
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            os.rename(built, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Workspace(target)


@functools.cache
def create_demo_app():
    """The dashboard on the demo workspace (made once per process)."""
    from dashboard.app import create_app
    from dashboard.serving import ServingSettings

    # Fictional data on a local port: public, so the one-command demo needs no account.
    return create_app(ensure_demo(), serving=ServingSettings(public=True))


@functools.cache
def create_served_app():
    """The dashboard on ``$SOLUTIONS_WORKSPACE`` if set, else on the demo (made once per
    process: each gunicorn worker loads and scores the workspace once)."""
    configured = os.environ.get("SOLUTIONS_WORKSPACE")
    if not configured:
        return create_demo_app()
    from dashboard.app import create_app
    from dashboard.serving import ServingSettings
    from workspace.store import Workspace

    workspace = Workspace(Path(configured).expanduser()).require()
    # A real workspace is private unless said otherwise (DESIGN 5.1).
    serving = ServingSettings(
        public=os.environ.get("SOLUTIONS_PUBLIC", "").lower() in ("1", "true", "yes"),
        trust_header=os.environ.get("SOLUTIONS_TRUST_HEADER") or None,
    )
    return create_app(
        workspace, framework_path=os.environ.get("SOLUTIONS_FRAMEWORK") or None, serving=serving
    )


def __getattr__(name: str):
    # `gunicorn app:server` looks the name up with getattr: build on that first access.
    if name == "server":
        return create_served_app().server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8050"))
    app = create_served_app()
    print(f"workspace: {os.environ.get('SOLUTIONS_WORKSPACE') or demo_dir()}")
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()
