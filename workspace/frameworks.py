"""Framework files (DESIGN 3.5): the shipped IASC default and reading a YAML file from disk.

The framework model and its validation are pure (`indicators.framework`); only opening
the file lives here, so the method layer opens no file.
"""

from __future__ import annotations

import functools
from pathlib import Path

from indicators.framework import Framework, FrameworkError, parse_framework

#: The shipped default: the IASC framework's eight criteria.
DEFAULT_FRAMEWORK = Path(__file__).parent / "frameworks" / "iasc.yaml"


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and validate a framework file (the shipped IASC default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_FRAMEWORK
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FrameworkError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _parsed(text, str(path))


@functools.lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> Framework:
    """Frameworks are frozen models: one parse of the same text serves every command of a
    process (the YAML and its validation cost a tenth of a second each time)."""
    return parse_framework(text, source)
