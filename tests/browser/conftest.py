"""A live dashboard on the demo workspace for the browser tests (werkzeug in a thread)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture(scope="session")
def live_server(demo_workspace):
    """Base URL (``http://127.0.0.1:PORT``) of the dashboard on the demo; port picked by
    the OS, shut down after the session."""
    from dashboard.app import create_app

    app = create_app(demo_workspace)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dash-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
