"""Where the workers of one server share what is not data: sessions, login-attempt
counts and background jobs.

One folder per served workspace, ``.<name>.serving`` beside it (or
``$SOLUTIONS_STATE_DIR``), readable by its owner only. Beside, not inside: every change to
a workspace swaps its folder whole for a hard-linked copy that leaves out dot-folders
(workspace.transaction), so anything kept inside would be lost, or half-copied, by an
import made while the server runs. The stores are diskcache caches (SQLite, safe across
processes and after a fork), so a job started by one gunicorn worker is found by the
worker that answers the next poll, and a session made by one is known to all.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

__all__ = ["STATE_DIR_VARIABLE", "shared_cache", "state_dir"]

log = logging.getLogger(__name__)

STATE_DIR_VARIABLE = "SOLUTIONS_STATE_DIR"


def state_dir(workspace_root: str | Path) -> Path:
    """The state folder of the workspace at ``workspace_root``, made if missing.

    When it cannot be made (a read-only parent), a private temporary folder: a
    server whose app is built before its workers fork still shares it, since they
    inherit the path.
    """
    configured = os.environ.get(STATE_DIR_VARIABLE)
    root = Path(workspace_root).absolute()
    folder = (
        Path(configured).expanduser() if configured else root.with_name(f".{root.name}.serving")
    )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        fallback = Path(tempfile.mkdtemp(prefix="solutions-serving-"))
        log.warning("state folder %s unusable (%s); using %s", folder, exc, fallback)
        return fallback
    return folder


def shared_cache(folder: Path, name: str):
    """The diskcache store ``name`` in the state folder."""
    import diskcache

    path = folder / name
    path.mkdir(mode=0o700, exist_ok=True)
    return diskcache.Cache(str(path))
