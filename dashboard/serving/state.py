"""Where the workers of one server share what is not data: sessions, login-attempt
counts and background jobs.

One folder per served workspace: ``DIR/.serving/`` inside the workspace (mode 0700), or
``$SOLUTIONS_STATE_DIR`` (``solutions serve --state-dir``). Inside, not beside: a
workspace may be a mount point whose parent is read-only (a container volume, DESIGN
3.2, 9), and a change never swaps the workspace folder (workspace.transaction stages in
``DIR/.staging`` and renames files in place), so what is kept here survives imports made
while the server runs, and a restart. Nothing that reads the workspace's data lists this
folder (the store names its files; derived data lives in its own folder), so sessions
never enter the data, its checksums or its exports.

When the folder cannot be made or written (a read-only workspace), ``state_dir`` raises
``StateDirError`` with the fix (``--state-dir``) instead of falling back to a
per-process temporary folder, which would lose every session at a restart and, in a
server whose workers do not share it, every background job.

The stores are diskcache caches (SQLite, safe across processes and after a fork), so a
job started by one gunicorn worker is found by the worker that answers the next poll,
and a session made by one is known to all.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_DIR_VARIABLE", "STATE_FOLDER", "StateDirError", "shared_cache", "state_dir"]

STATE_DIR_VARIABLE = "SOLUTIONS_STATE_DIR"
#: The default state folder's name inside the workspace.
STATE_FOLDER = ".serving"


class StateDirError(RuntimeError):
    """The state folder cannot be made or written; the message says how to fix it."""


def state_dir(workspace_root: str | Path) -> Path:
    """The state folder of the workspace at ``workspace_root``, made (mode 0700) if
    missing; raises ``StateDirError`` when it cannot be written."""
    configured = os.environ.get(STATE_DIR_VARIABLE)
    root = Path(workspace_root).absolute()
    folder = Path(configured).expanduser().absolute() if configured else root / STATE_FOLDER
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not configured:
            # Sessions are secrets: owner only, whatever the umask made of mkdir's mode.
            folder.chmod(0o700)
        probe = folder / ".writable"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        where = f"${STATE_DIR_VARIABLE}" if configured else "inside the workspace"
        raise StateDirError(
            f"the state folder {folder} ({where}) cannot be written ({reason}); sessions "
            "and background jobs need a folder all workers can write: give one with "
            "--state-dir PATH (or "
            f"${STATE_DIR_VARIABLE}=PATH), for example a writable volume"
        ) from None
    return folder


def shared_cache(folder: Path, name: str):
    """The diskcache store ``name`` in the state folder."""
    import diskcache

    path = folder / name
    path.mkdir(mode=0o700, exist_ok=True)
    return diskcache.Cache(str(path))
