"""Scores, app context, map data and app on the demo workspace, made once per session."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dashboard.briefing.map_data import MapSource
from tests.helpers import LATEST


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


HOSTILE = {
    "XM01001": '=HYPERLINK("http://x")',
    "XM01002": "+cmd",
    "XM01003": "-2+3",
    "XM01004": "@SUM(A1)",
    "XM01005": "\tTab",
    "XM01006": "<img src=x onerror=alert(1)>",
}
#: Every displaced value of this area in the latest round rests on 10 households.
SMALL_AREA = "XM02001"
#: One value of this area rests on a small sample: not enough to withhold its score.
ONE_SMALL_AREA = "XM02002"


@pytest.fixture(scope="module")
def hostile_context(demo_app_context):
    """The demo with hostile area names and constructed small samples."""
    areas = demo_app_context.areas.copy()
    areas["name"] = [HOSTILE.get(p, n) for p, n in zip(areas["pcode"], areas["name"], strict=True)]
    cube = demo_app_context.cube.copy(deep=True)
    n = cube["n"]
    at = {"round": np.datetime64(LATEST, "ns")}
    n.loc[{"area": SMALL_AREA, "group": ["idp", "returnee"], **at}] = 10.0
    n.loc[{"area": ONE_SMALL_AREA, "group": ["idp", "returnee"], **at}] = 200.0
    values = cube["value"].sel(area=ONE_SMALL_AREA, group="idp", **at)
    first = str(values["indicator"].values[values.notnull().values][0])
    n.loc[{"area": ONE_SMALL_AREA, "group": "idp", "indicator": first, **at}] = 12.0
    cube.attrs["one_small_indicator"] = first
    return dataclasses.replace(demo_app_context, areas=areas, cube=cube)
