"""A private copy of the demo workspace per test module (accounts, the audit log and the
state folder are written next to or into it; the session's demo stays untouched)."""

from __future__ import annotations

import contextlib
import shutil

import pytest

from tests.helpers import served_app
from workspace.store import Workspace

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def served_workspace(demo_workspace, tmp_path_factory):
    target = tmp_path_factory.mktemp("served") / "workspace"
    shutil.copytree(demo_workspace.path, target)
    return Workspace(target)


@pytest.fixture(scope="module")
def accounts(served_workspace):
    """The copy's accounts: ana (analyst), vic (viewer), ada (admin), one password."""
    from workspace.access import Accounts

    found = Accounts(served_workspace.path)
    for name, role in (("ana", "analyst"), ("vic", "viewer"), ("ada", "admin")):
        found.add(name, PASSWORD, role)
    return found


@contextlib.contextmanager
def served(workspace, settings):
    """The dashboard of ``workspace`` under ``settings`` on a local server for the browser
    tests: its base address while the block runs."""
    from dashboard.app import create_app

    with served_app(create_app(workspace, serving=settings)) as base:
        yield base
