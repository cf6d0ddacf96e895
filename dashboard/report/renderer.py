"""Static figures for the PDF: Plotly figures in, SVG bytes out, through kaleido.

Kaleido 1.x drives the system Chromium (DESIGN 9). One browser is started per process,
on first use, and then reused by every report the process makes: a cold start costs
seconds, a warm render a fraction of that.

Why not ``kaleido.start_sync_server``: its server thread dies silently when the browser
fails to start (a broken or wrong binary), and every later call then waits forever on
its task queue. Here the same ``kaleido.Kaleido`` runs on an event loop in a daemon
thread; calls are ``concurrent.futures`` with time limits, so a failure is an error
with a message, never a hang. The browser is started with ``mathjax=False`` (else
kaleido loads MathJax from a CDN), the plotly.js that ships with plotly.py, and a
proxy that does not exist, so that nothing it might try to load from the network can
leave the machine.

A process forked from one that had started the browser (Dash's background callbacks
run in forked processes) starts its own: the parent's thread does not exist there.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CHROMIUM_ENV",
    "ChromiumMissing",
    "FigureJob",
    "RenderError",
    "chromium_hint",
    "find_chromium",
    "shared_renderer",
]

_log = logging.getLogger(__name__)

#: Environment variable naming the Chromium (or Chrome) executable to use.
CHROMIUM_ENV = "SOLUTIONS_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Seconds allowed for the browser to start, and for one batch of figures.
START_TIMEOUT = 60.0
BATCH_TIMEOUT = 240.0
#: Browser tabs: one (two tabs start slower and draw no faster on two cores).
TABS = 1
# A proxy nobody listens on: any http(s) request the browser might make fails at once.
_NO_NETWORK_PROXY = "http://127.0.0.1:9"
# choreographer (kaleido's browser driver) logs a message from Chromium it cannot decode
# with ``logger.exception`` and then drops it: a traceback in the server's log for a
# message it ignores (seen under load, on DevTools events, never on a figure's answer,
# since the figure arrives). The renderer's own time limits catch a lost answer.
_CHOREOGRAPHER_PIPE = "choreographer.channels.pipe"
_IGNORED_MESSAGE = "JSONError decoding message"


class _IgnoredMessageNote(logging.Filter):
    """Turns choreographer's traceback for a message it drops into one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith(_IGNORED_MESSAGE):
            error = record.exc_info[1]
            record.msg = (
                "Chromium sent a message the browser driver could not read (%s); it was ignored"
            )
            record.args = (f"{type(error).__name__}: {error}",)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


def _quiet_ignored_messages() -> None:
    logger = logging.getLogger(_CHOREOGRAPHER_PIPE)
    if not any(isinstance(f, _IgnoredMessageNote) for f in logger.filters):
        logger.addFilter(_IgnoredMessageNote())


class RenderError(RuntimeError):
    """Figures could not be drawn; the message says why."""


class ChromiumMissing(RenderError):
    """No Chromium to draw the figures with."""

    def __init__(self, message: str | None = None):
        super().__init__(message or chromium_hint())


def chromium_hint(lang: str | None = None) -> str:
    """What to do when there is no Chromium, in the reader's language."""
    from dashboard.i18n import translator

    _ = translator(lang)
    return _(
        "Chromium is needed to draw the maps: install it with `apt-get install chromium` "
        "(Debian/Ubuntu), or set {variable} to the path of a Chromium or Chrome executable."
    ).format(variable=CHROMIUM_ENV)


def find_chromium() -> str | None:
    """The Chromium to draw with: ``$SOLUTIONS_CHROMIUM`` if set (and then only that),
    else kaleido's ``BROWSER_PATH``, else the first of chromium, chromium-browser,
    google-chrome on the ``PATH``. None if there is none (or the one named does not
    exist or cannot be run)."""
    explicit = os.environ.get(CHROMIUM_ENV, "").strip()
    if explicit:
        return shutil.which(explicit)
    browser_path = os.environ.get("BROWSER_PATH", "").strip()
    if browser_path:
        return shutil.which(browser_path)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class FigureJob:
    """One figure to draw: a Plotly figure as a plain dict, and its size in CSS pixels.

    ``format`` is ``svg`` (vector, its text stays text) or ``png``: WeasyPrint lays SVG
    text out letter by letter, which breaks joined scripts such as Arabic, so a figure
    with such text is drawn by Chromium as an image (``scale`` times its size)."""

    figure: dict
    width: int
    height: int
    scale: float = 2.0
    format: str = "svg"


class _Renderer:
    """The process's browser. Thread-safe; started on first use (``start``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self._opening: Future | None = None
        self._chromium: str | None = None
        self._atexit = False

    # -- life cycle ----------------------------------------------------------------------
    def _fresh(self) -> bool:
        """True when this process has a browser (started here, not inherited by fork)."""
        return self._pid == os.getpid() and self._opening is not None

    def start(self) -> Future:
        """Start the browser in the background if this process has none; returns the
        future of its opening (done once it can draw). Raises ``ChromiumMissing``."""
        with self._lock:
            if self._fresh():
                if self._opening.done() and self._opening.exception() is not None:
                    self._discard()  # a failed start: try again now
                else:
                    return self._opening
            chromium = find_chromium()
            if chromium is None:
                raise ChromiumMissing()
            self._chromium = chromium
            self._pid = os.getpid()
            self._loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=self._loop.run_forever, name="report-kaleido", daemon=True
            )
            thread.start()
            self._opening = asyncio.run_coroutine_threadsafe(self._open(chromium), self._loop)
            if not self._atexit:
                # Close the browser (and remove its profile folder) before the
                # interpreter goes, else its cleanup races with a still-running Chromium.
                atexit.register(self.close)
                self._atexit = True
            return self._opening

    async def _open(self, chromium: str):
        import kaleido
        import plotly

        _quiet_ignored_messages()
        plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        self._kaleido = kaleido.Kaleido(
            n=TABS,
            timeout=BATCH_TIMEOUT,
            mathjax=False,
            plotlyjs=str(plotly_js),
            path=chromium,
            proxy_server=_NO_NETWORK_PROXY,
        )
        await self._kaleido.open()
        return self._kaleido

    @staticmethod
    def _process_group(kaleido) -> int | None:
        """The browser's process group (choreographer starts it in a session of its own)."""
        process = getattr(kaleido, "subprocess", None)
        try:
            group = os.getpgid(process.pid) if process is not None else None
        except (OSError, AttributeError):
            return None
        return group if group is not None and group != os.getpgrp() else None

    @staticmethod
    def _finish(kaleido, group: int | None) -> None:
        """After a close: end the browser's helper processes too, then remove its profile
        folder, so that nothing is left writing there when Python's own clean-up runs."""
        if group is not None and hasattr(os, "killpg"):
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        folder = getattr(getattr(kaleido, "_browser_impl", None), "tmp_dir", None)
        temporary = getattr(folder, "temp_dir", None)
        if temporary is None:
            return
        try:
            temporary.cleanup()
        except OSError:
            finalizer = getattr(temporary, "_finalizer", None)
            if finalizer is not None:
                finalizer.detach()
            shutil.rmtree(temporary.name, ignore_errors=True)

    def close(self, timeout: float = 15.0) -> None:
        """Close this process's browser, if it started one; a later use starts another."""
        with self._lock:
            if not self._fresh():
                return
            opening, loop = self._opening, self._loop
            self._reset()
        try:
            kaleido = opening.result(timeout=timeout)  # a half-started browser would leak
        except Exception:
            kaleido = None  # it never started: nothing to close
        if kaleido is not None:
            group = self._process_group(kaleido)
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(kaleido.close(), loop).result(timeout=timeout)
            self._finish(kaleido, group)
        loop.call_soon_threadsafe(loop.stop)

    def _reset(self) -> None:
        """Forget the browser (the caller stops or closes it)."""
        self._loop = None
        self._opening = None
        self._kaleido = None
        self._pid = None

    def _discard(self) -> None:
        """Forget a browser that failed to start, and stop its event loop."""
        loop = self._loop
        self._reset()
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)

    def _wait_open(self):
        """(kaleido, its event loop), once the browser can draw."""
        opening = self.start()
        loop = self._loop
        try:
            return opening.result(timeout=START_TIMEOUT), loop
        except FutureTimeout:
            with self._lock:
                self._discard()
            raise RenderError(
                f"Chromium ({self._chromium}) did not start within {START_TIMEOUT:.0f} s"
            ) from None
        except Exception as exc:
            with self._lock:
                self._discard()
            raise RenderError(
                f"Chromium ({self._chromium}) could not be started: {_first_line(exc)}"
            ) from None

    # -- drawing -------------------------------------------------------------------------
    def render(self, jobs: Sequence[FigureJob]) -> list[bytes]:
        """SVG (or PNG, per ``FigureJob.format``) bytes of each figure, in order. Blocks;
        starts the browser if needed.

        On a busy host a tab can take a batch before kaleido's page script has loaded
        (``kaleido_scopes is not defined``): that batch is tried again, first in the same
        browser after a pause, then in a fresh one. Any other failure is reported."""
        for attempt in range(_LOAD_RETRIES + 1):
            try:
                return self._render_once(jobs)
            except RenderError as exc:
                if _NOT_LOADED not in str(exc) or attempt == _LOAD_RETRIES:
                    raise
                _log.warning("kaleido's page was not ready (try %d); drawing again", attempt + 1)
                time.sleep(1.0 + attempt)
                if attempt >= 1:
                    self.close()
        raise AssertionError("unreachable")

    def _render_once(self, jobs: Sequence[FigureJob]) -> list[bytes]:
        if not jobs:
            return []
        kaleido, loop = self._wait_open()
        with tempfile.TemporaryDirectory(prefix="solutions-report-") as scratch:
            paths = [Path(scratch) / f"figure-{i}.{job.format}" for i, job in enumerate(jobs)]
            specs = [
                {
                    "fig": job.figure,
                    "path": str(path),
                    "opts": {
                        "format": job.format,
                        "width": job.width,
                        "height": job.height,
                        "scale": job.scale,
                    },
                }
                for job, path in zip(jobs, paths, strict=True)
            ]
            future = asyncio.run_coroutine_threadsafe(
                kaleido.write_fig_from_object(specs, cancel_on_error=True), loop
            )
            try:
                future.result(timeout=BATCH_TIMEOUT)
            except FutureTimeout:
                future.cancel()
                raise RenderError(
                    f"drawing {len(jobs)} figure(s) took longer than {BATCH_TIMEOUT:.0f} s"
                ) from None
            except Exception as exc:
                raise RenderError(f"a figure could not be drawn: {_first_line(exc)}") from None
            return [path.read_bytes() for path in paths]


#: What kaleido's tab answers when its page script is not loaded yet, and how often a
#: batch is drawn again for it.
_NOT_LOADED = "kaleido_scopes is not defined"
_LOAD_RETRIES = 2


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


_RENDERER = _Renderer()


def shared_renderer() -> _Renderer:
    """The process's renderer (one browser per process, started on first use)."""
    return _RENDERER
