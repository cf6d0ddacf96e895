"""Small helpers shared by several test modules (import as ``from tests.helpers import``)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import threading
from pathlib import Path

#: The demo workspace's latest round.
LATEST = "2025-12-01"


def snapshot(folder: Path) -> dict[str, tuple[int, str] | None]:
    """Every file (size, SHA-256) and folder (None) under ``folder``: comparing two
    snapshots is how tests check that a workspace is byte for byte as it was."""
    found: dict[str, tuple[int, str] | None] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_dir():
            found[name] = None
        else:
            data = path.read_bytes()
            found[name] = (len(data), hashlib.sha256(data).hexdigest())
    return found


def find(component, component_id):
    """The Dash component with ``component_id`` in a layout tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def text_of(component) -> str:
    """All text children of a layout tree, joined by spaces."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def view(**changes):
    """The demo's default view (latest round, admin level 2, IDPs, parity, English),
    with ``changes``."""
    from dashboard.briefing.view import ViewState

    base = ViewState(
        round=LATEST, criterion="overall", group="idp", benchmark="parity", level=2, lang="en"
    )
    return dataclasses.replace(base, **changes)


def read_export(data: bytes) -> list[list[str]]:
    """Header, tag and data rows of a CSV export; it holds data only (DESIGN 8: the
    metadata is a sidecar), so no empty row and no metadata block."""
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    table = list(csv.reader(io.StringIO(text)))
    assert [] not in table and all(len(row) == len(table[0]) for row in table)
    return table


@contextlib.contextmanager
def served_app(app):
    """A built Dash ``app`` on a threaded local server (port picked by the OS) for the
    browser tests: its base address (``http://127.0.0.1:PORT``) while the block runs."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dash-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
