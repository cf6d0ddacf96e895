"""Fixtures shared across the test packages: the demo workspace, and the browser setup
for the pytest-playwright tests under tests/browser/."""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
# No browser download here (DESIGN 9): the system Chromium, and nothing that phones home,
# so a test can assert the page itself makes no external request.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    """The fictional demo workspace, built once per test session. Treat it as read-only."""
    from workspace.demo import build_demo_workspace

    return build_demo_workspace(tmp_path_factory.mktemp("demo") / "workspace")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright: launch the system Chromium instead of a downloaded one."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
