"""Scores, app context, map data and app on the demo workspace, made once per session."""

from __future__ import annotations

import pytest

from dashboard.briefing.map_data import MapSource


@pytest.fixture(scope="session")
def demo_framework(demo_workspace):
    return demo_workspace.framework


@pytest.fixture(scope="session")
def demo_result(demo_workspace, demo_framework):
    from indicators.scoring import score

    return score(demo_workspace.cube(demo_framework), demo_framework)


@pytest.fixture(scope="session")
def demo_app_context(demo_workspace):
    from dashboard.context import AppContext

    return AppContext.load(demo_workspace)


@pytest.fixture(scope="session")
def demo_context(demo_app_context):
    """The map's data on the demo (``MapSource``), geometry by URL."""

    return MapSource(demo_app_context, url_for=lambda level: f"/geo/level/{level}.json")


@pytest.fixture(scope="session")
def demo_app(demo_workspace):
    from dashboard.app import create_app

    return create_app(demo_workspace)
