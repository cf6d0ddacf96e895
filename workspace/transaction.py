"""All-or-nothing changes to a workspace folder, even if the process is killed.

Everything happens inside the workspace (DESIGN 3.2, 9): a workspace that is a mount
point (a container volume) cannot be renamed or swapped with a sibling folder
(``Invalid cross-device link``), so a change is staged in ``.staging/txn-<id>/`` inside
it. New and replaced files are written there in full and fsynced. To publish, a journal
(``COMMITTED``) is written into the staging folder first; then each file is renamed over
its place (``rename`` within one filesystem is atomic per file), the manifest last, since
the manifest is what readers follow. A process killed before the journal leaves the
workspace untouched (the next change sweeps its staging folder); killed after it, the
next change finishes the publication from the journal (roll forward). At rest the
workspace holds no ``.staging`` folder.

Failures of the host get plain messages: a read-only workspace, a full disk, a lock held
by another command. A lock file left by a killed process is stale by construction: the
lock is an ``flock`` that the kernel releases when its holder dies.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

STAGING = ".staging"
_JOURNAL = "COMMITTED"
_LOCK = "lock"
#: Below this much free space a failed write is taken for a full disk (netCDF/HDF5 and
#: SQLite report ENOSPC as their own errors, without an errno).
_NEARLY_FULL = 4 * 2**20


class WorkspaceError(ValueError):
    """A workspace operation that cannot go ahead; nothing was changed."""


def _free_bytes(path: Path) -> int | None:
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def plain_error(root: Path, error: BaseException) -> WorkspaceError | None:
    """The message a person needs for a host failure, or None if it is not one."""
    code = getattr(error, "errno", None)
    free = _free_bytes(root if root.exists() else root.parent)
    # netCDF/HDF5 report a full disk as "Permission denied" or with no errno at all:
    # the free space decides
    full = free is not None and free < _NEARLY_FULL
    if code in (errno.ENOSPC, errno.EDQUOT) or (
        full and code in (None, errno.EACCES, errno.EPERM, errno.EIO)
    ):
        shown = f"; {free // 2**20} MB free" if free is not None else ""
        return WorkspaceError(
            f"{root}: the disk holding the workspace is full (No space left on device"
            f"{shown}); nothing was changed. Free some space and run the command again."
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return WorkspaceError(
            f"{root}: the workspace folder cannot be written ({os.strerror(code)}); nothing "
            "was changed. Make it writable (mount it read-write, or copy it to a writable "
            "place) and run the command again."
        )
    return None


@contextmanager
def plainly(root: Path) -> Iterator[None]:
    """Turn host failures (read-only, disk full) into a WorkspaceError with a plain message."""
    try:
        yield
    except (OSError, RuntimeError) as error:
        plain = plain_error(root, error)
        if plain is None:
            raise
        raise plain from None


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(root: Path, staging: Path, relatives: list[str]) -> None:
    """Move the staged files over their places: journal first, manifest last."""
    journal = staging / _JOURNAL
    if not journal.exists():
        partial = staging / f".{_JOURNAL}.part"
        partial.write_text(json.dumps(relatives), encoding="utf-8")
        _fsync(partial)
        os.replace(partial, journal)
        _fsync(staging)
    _roll_forward(root, staging)


def _roll_forward(root: Path, staging: Path) -> None:
    relatives = json.loads((staging / _JOURNAL).read_text(encoding="utf-8"))
    folders = set()
    for relative in relatives:  # the manifest is last in the list
        source, target = staging / relative, root / relative
        if source.exists():  # a rename done before a kill is not done again
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            folders.add(target.parent)
    for folder in folders:
        _fsync(folder)


class Transaction:
    """Stage new or replaced files for ``root``; ``commit`` makes them visible together."""

    def __init__(self, root: Path):
        self.root = root.absolute()
        self.changed: list[str] = []
        with plainly(self.root):
            self._sweep_abandoned()
            self.staging: Path | None = self.root / STAGING / f"txn-{uuid.uuid4().hex}"
            self.staging.mkdir(parents=True)

    def _sweep_abandoned(self) -> None:
        """Staging folders of killed processes: finish those that were publishing, drop
        the others. Runs under the workspace lock, so no live change is touched."""
        area = self.root / STAGING
        if not area.is_dir():
            return
        for leftover in area.glob("txn-*"):
            if (leftover / _JOURNAL).exists():
                _roll_forward(self.root, leftover)
            shutil.rmtree(leftover, ignore_errors=True)

    def stage(self, relative: str, write: Callable[[Path], None]) -> None:
        """Write ``relative`` through ``write(path)`` into the staging folder."""
        target = self.staging / relative
        temporary = target.with_name(f".{target.name}.part")
        with plainly(self.root):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                write(temporary)
                _fsync(temporary)
                os.replace(temporary, target)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        self.changed.append(relative)

    def stage_bytes(self, relative: str, data: bytes) -> None:
        self.stage(relative, lambda path: path.write_bytes(data))

    def commit(self) -> None:
        ordered = [r for r in self.changed if r != "manifest.json"]
        ordered += [r for r in self.changed if r == "manifest.json"]
        with plainly(self.root):
            publish(self.root, self.staging, list(dict.fromkeys(ordered)))
        self.abort()

    def abort(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """One writer at a time per workspace. The lock file lives in the workspace's
    ``.staging`` folder (a mount point's parent may not be writable) and is removed on
    release, so a workspace at rest is byte for byte what its changes made."""
    root = root.absolute()
    created = not root.exists()
    area = root / STAGING
    lock_path = area / _LOCK
    descriptor = None
    try:
        with plainly(root):
            area.mkdir(parents=True, exist_ok=True)
            descriptor = _acquire(root, lock_path)
        with suppress(OSError):  # on a full disk the pid is a nicety, not a need
            # whatever a killed holder wrote here is stale: the kernel dropped its flock
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode())
    except BaseException:
        _release(descriptor, lock_path, area, root, created)
        raise
    try:
        yield
    finally:
        _release(descriptor, lock_path, area, root, created)


def _acquire(root: Path, lock_path: Path) -> int:
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 64).decode(errors="replace").strip()
            os.close(descriptor)
            raise OSError(
                errno.EBUSY,
                "another command is changing this workspace"
                + (f" (process {holder})" if holder else "")
                + "; try again when it has finished",
                str(root),
            ) from None
        # the holder we waited for may have removed the file as it released it
        try:
            same = os.fstat(descriptor).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return descriptor
        os.close(descriptor)


def _release(descriptor: int | None, lock_path: Path, area: Path, root: Path, created: bool):
    if descriptor is not None:
        lock_path.unlink(missing_ok=True)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
    for folder in (area, root) if created else (area,):
        with suppress(OSError):
            folder.rmdir()  # only when empty: nothing else is ever removed here
