"""Always current: a served app follows the workspace's generations (DESIGN 3.2).

``Generations`` holds the ``AppContext`` of the generation being served. Each request
asks it for the context (``ServingSettings.context_for_request``, read by pages and
callbacks with ``dashboard.serving.current_context``); at most once a second that also
reads the manifest's generation. When it has changed, the new generation's context is
built on a thread of its own, from the derived data kept with the workspace
(``workspace.derived``: computed by the first process that needs it, read by the
others), and swapped in as one reference once complete. Until then requests get the
old one: a request reads one context from start to end, so no page, callback, download
or geometry file mixes two generations, and every worker switches within a few seconds
of an import, without a restart.

``context_of(app, default)`` is the same for code that runs outside a request (the PDF
export's job process, forked from the worker that started it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from dashboard.context import AppContext
from workspace.frameworks import load_framework

log = logging.getLogger(__name__)

#: The Flask config key under which an app keeps its ``Generations.context``.
CONFIG_KEY = "SOLUTIONS_CONTEXT"


class Generations:
    """The served generation of one workspace. ``context()`` is cheap and thread-safe."""

    def __init__(
        self,
        current: AppContext,
        framework_path: str | Path | None = None,
        prepare: Callable[[AppContext], None] | None = None,
        interval: float = 1.0,
    ):
        self._current = current
        self._framework_path = framework_path
        self._prepare = prepare
        self._interval = interval
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._building: int | None = None

    @property
    def workspace(self):
        return self._current.workspace

    def context(self) -> AppContext:
        """The context to serve this request with (one reference, never half-built)."""
        now = time.monotonic()
        if now - self._checked >= self._interval:
            self._checked = now
            self._check()
        return self._current

    def _check(self) -> None:
        try:
            generation = self.workspace.generation
        except (OSError, ValueError):  # a manifest being replaced: ask again next second
            return
        with self._lock:
            if generation == self._current.generation or self._building == generation:
                return
            self._building = generation
        threading.Thread(
            target=self._build, args=(generation,), name="generation", daemon=True
        ).start()

    def _build(self, generation: int) -> None:
        try:
            framework = (
                load_framework(self._framework_path)
                if self._framework_path
                else self.workspace.framework
            )
            context = AppContext.load(self.workspace, framework)
            if self._prepare is not None:
                self._prepare(context)
        except Exception:
            log.exception(
                "generation %s could not be loaded; still serving %s",
                generation,
                self._current.generation,
            )
            with self._lock:
                self._building = None
            return
        with self._lock:
            self._building = None
            if context.generation != self._current.generation:
                self._current = context  # the swap: one reference
                log.info("now serving generation %s", context.generation)

    def wait_for(self, generation: int, timeout: float = 30.0) -> AppContext:
        """Block until ``generation`` (or a later one) is served (for tests and commands)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._checked = 0.0
            context = self.context()
            if context.generation >= generation:
                return context
            time.sleep(0.05)
        return self._current


def context_of(app, default: AppContext) -> AppContext:
    """The served generation's context of ``app`` (a Dash app) outside a request."""
    hook = app.server.config.get(CONFIG_KEY)
    return hook() if hook is not None else default
