"""The production server: gunicorn, with the app built once, before the workers fork.

``DashboardServer(build, options).run()`` starts gunicorn's arbiter with ``preload_app``:
``build()`` runs in the master process, which reads the workspace's data and its derived
data (kept with the workspace, DESIGN 3.2) and renders the map page once (``warm``), so
they are in memory before any worker exists. Each worker is a fork that shares those pages
of memory and answers its first request at once (DESIGN 9: a build on each worker's first
request came near gunicorn's 30 s timeout). Workers are ``gthread`` (several requests at a
time each: a page load asks for a dozen files at once). The background-job store and the
sessions are in the workspace's state folder (``dashboard.serving.state``), shared by all
of them.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from dashboard.serving import WARMUP_ENVIRON

__all__ = ["WARMUP_ENVIRON", "DashboardServer", "gunicorn_options", "warm"]

log = logging.getLogger(__name__)

#: The map, what every reader sees first. The other pages read the derived data kept with
#: the workspace (DESIGN 3.2) and take a tenth of a second on a worker's first visit;
#: rendering them here too would add that to every start, before anyone can read the map.
WARM_PATHS = ("/",)


def warm(app) -> None:
    """Render the first page once, so what it computes on first use (and Dash's own
    first-request set-up) is done in this process, before the fork, rather than by each
    worker's first reader."""
    client = app.server.test_client()
    prefix = app.get_relative_path("/")
    for path in WARM_PATHS:
        page = prefix.rstrip("/") + path
        # The layout request renders the page named by its Referer (dashboard.router).
        response = client.get(
            prefix + "_dash-layout",
            headers={"Referer": f"http://localhost{page}"},
            environ_base={WARMUP_ENVIRON: True},
        )
        if response.status_code != 200:
            log.warning("warm-up of %s answered %s", path, response.status_code)


def gunicorn_options(
    host: str,
    port: int,
    workers: int,
    timeout: int = 120,
    access_log: str | None = None,
    threads: int = 4,
) -> dict:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Idle connections stay open between a reader's clicks (gunicorn's 2 s default
        # closes them while a browser or proxy may be reusing them: a failed request).
        "keepalive": 30,
        "preload_app": True,
        "timeout": timeout,
        "graceful_timeout": 20,
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn >= 25 opens a control socket at a fixed path in the home folder: two
        # servers on one machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }
    if access_log:
        options["accesslog"] = access_log
        # The worker's pid first: which worker answered is what a multi-worker problem
        # (a job started on one, polled on another) needs to know.
        options["access_log_format"] = '%(p)s %(h)s "%(r)s" %(s)s %(B)s %(M)sms'
    return options


class DashboardServer(BaseApplication):
    """gunicorn serving the Flask server of the Dash app that ``build()`` returns."""

    def __init__(self, build: Callable[[], object], options: dict):
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # options of newer gunicorns are skipped by older
                self.cfg.set(key, value)

    def load(self):
        # With preload_app the arbiter calls this once, in the master, before forking.
        app = self.build()
        warm(app)
        # What the build made lives as long as the server: frozen out of every later
        # collection, it is neither scanned again (a pause in each worker's requests) nor
        # written to by the collector after the fork (pages stay shared between workers).
        gc.freeze()
        gc.enable()  # for what the master and the workers allocate from now on
        # Said in the log so that an operator (and the 2-worker test) can see that the
        # build happened in the master, before any "Booting worker" line.
        print(
            f"app built and warmed in process {os.getpid()}, before the workers fork",
            file=sys.stderr,
            flush=True,
        )
        return app.server
