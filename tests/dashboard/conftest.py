"""Scores, map context and app on the demo workspace, made once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_framework(demo_workspace):
    return demo_workspace.framework


@pytest.fixture(scope="session")
def demo_result(demo_workspace, demo_framework):
    from indicators.scoring import score

    return score(demo_workspace.cube(demo_framework), demo_framework)


@pytest.fixture(scope="session")
def demo_context(demo_workspace, demo_framework, demo_result):
    from dashboard.views import map_context

    geometry = {
        level: demo_workspace.display_geojson_bytes(level) for level in demo_workspace.levels()
    }
    return map_context(
        demo_result, demo_framework, geometry, lambda level: f"/geo/level/{level}.json"
    )


@pytest.fixture(scope="session")
def demo_app(demo_workspace):
    from dashboard.app import create_app

    return create_app(demo_workspace)
