"""Files the commands write for people (``solutions export``, ``report``, ``score``):
written whole or not at all, with the permissions a plain ``open()`` gives, and the
commands' one way of refusing bad input.

- ``write_atomically(path, write)``: ``write`` (bytes, or a function given a scratch
  path) fills a scratch file beside ``path`` (same file system, so the rename is atomic),
  which then replaces ``path``; on any failure the scratch file is removed and ``path``
  is left as it was. The file gets 0666 less the umask (usually 0644): an export or a
  pack is for colleagues, not private to its maker.
- ``view_arguments(args)``: the view the options of ``export`` and ``report`` name
  (round, level, group, benchmark, core, language), as keyword arguments.
- ``error(message)``: ``error: message`` on stderr and exit status 1 (DESIGN 3.1: bad
  input is a message naming the file, never a traceback).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT = 0, 1


def error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def view_arguments(args) -> dict:
    names = ("round", "level", "group", "benchmark", "core", "lang")
    return {name: getattr(args, name) for name in names}


def _usual_mode() -> int:
    # the umask can only be read by setting it; set it straight back
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, write: bytes | Callable[[Path], object]) -> None:
    """Fill ``path`` whole or not at all (see the module's docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the extension kept last: writers that pick a format by it (GDAL) see the real one
    scratch = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")
    try:
        if isinstance(write, bytes | bytearray):
            scratch.write_bytes(write)
        else:
            write(scratch)
        os.chmod(scratch, _usual_mode())  # whatever mode the writer's library chose
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
