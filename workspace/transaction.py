"""All-or-nothing changes to a workspace folder, even if the process is killed.

A change is built in a sibling staging folder that starts as a hard-linked copy of the
workspace (cheap: files are never modified in place, only replaced), then the two folders
are swapped in one step with Linux ``renameat2(RENAME_EXCHANGE)``. Until the swap the
workspace is untouched; after it the change is complete. The old generation, now in the
staging folder, is deleted afterwards; a staging folder left by a killed process is
outside the workspace and is swept by the next change.

Where the exchange call is missing (not Linux), the swap falls back to two renames, which
leaves a window of a few microseconds in which the workspace path does not exist.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_STAGING_MARK = ".txn-"


def _libc_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    return function


def exchange_folders(first: Path, second: Path) -> None:
    """Swap two folders atomically (or as nearly as the platform allows)."""
    renameat2 = _libc_renameat2()
    if renameat2 is not None:
        result = renameat2(
            _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
        )
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(first))
    parked = first.with_name(first.name + ".swap")
    os.rename(first, parked)
    os.rename(second, first)
    os.rename(parked, second)


def _link_tree(source: Path, target: Path) -> None:
    for folder, subfolders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(exist_ok=True)
        for name in files:
            os.link(Path(folder) / name, target / relative / name)
        subfolders[:] = [s for s in subfolders if not s.startswith(".")]


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Transaction:
    """Stage new or replaced files for ``root``; ``commit`` makes them all visible at once."""

    def __init__(self, root: Path):
        self.root = root.absolute()
        self.staging = self.root.with_name(f".{self.root.name}{_STAGING_MARK}{uuid.uuid4().hex}")
        self.changed: list[str] = []
        self._sweep_abandoned()
        self.staging.mkdir()
        if self.root.exists():
            _link_tree(self.root, self.staging)

    def _sweep_abandoned(self) -> None:
        prefix = f".{self.root.name}{_STAGING_MARK}"
        if not self.root.parent.exists():
            return
        for leftover in self.root.parent.glob(prefix + "*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)

    def stage(self, relative: str, write: Callable[[Path], None]) -> None:
        """Write ``relative`` through ``write(path)`` (to a new inode, never in place)."""
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.part")
        try:
            write(temporary)
            _fsync(temporary)
            os.replace(temporary, target)  # replaces the hard link, not the original file
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.changed.append(relative)

    def stage_bytes(self, relative: str, data: bytes) -> None:
        self.stage(relative, lambda path: path.write_bytes(data))

    def commit(self) -> None:
        if self.root.exists():
            exchange_folders(self.root, self.staging)
        else:
            os.rename(self.staging, self.root)
            self.staging = None
        self.abort()

    def abort(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """One writer at a time per workspace; the lock file lives beside the workspace so
    that locking does not change the workspace's bytes."""
    root = root.absolute()
    root.parent.mkdir(parents=True, exist_ok=True)
    lock_path = root.with_name(f".{root.name}.lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(
                errno.EBUSY, "another command is changing this workspace; try again", str(root)
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
