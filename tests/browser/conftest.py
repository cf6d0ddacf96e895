"""Live dashboards for the browser tests (werkzeug in a thread): on the demo workspace, and
on a hostile copy of it (an area named like an HTML injection, areas of low reliability)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.helpers import served_app

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
#: District renamed to ``HOSTILE_NAME`` in the hostile workspace.
HOSTILE_PCODE = "XM01001"
#: Districts whose IDP data are mostly missing, small and without a local comparator in
#: the latest round: reliability 5 or worse (low).
UNRELIABLE_PCODES = ("XM02001", "XM03001", "XM04001")


def build_hostile_workspace(path: str | Path):
    """The demo, through the same imports, with one district named ``HOSTILE_NAME`` and
    the ``UNRELIABLE_PCODES`` of low reliability in the latest round."""
    import numpy as np

    from geodata.demo import demo_area_layers
    from workspace.demo import ROUNDS, demo_observations
    from workspace.store import Workspace

    workspace = Workspace(path)
    layers = demo_area_layers()
    districts = layers[2]
    districts.loc[districts["adm2_pcode"] == HOSTILE_PCODE, "adm2_name"] = HOSTILE_NAME
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for level, layer in sorted(layers.items()):
            file = Path(scratch) / f"xmx_admbnda_adm{level}_hostile.geojson"
            layer.to_file(file, driver="GeoJSON", engine="pyogrio")
            files.append(file)
        workspace.import_areas(files)
        observations = demo_observations(workspace.areas(), workspace.framework)
        latest = ROUNDS[-1].strftime("%Y-%m-%d")
        target = observations["area_pcode"].isin(UNRELIABLE_PCODES) & (
            observations["round"] == latest
        )
        idp = target & (observations["group"] == "idp")
        rng = np.random.default_rng(7)
        # 60 % of the IDP values missing, the rest on small samples, and no local host
        # values (a borrowed comparator): 10 * (0.5 * 0.6 + 0.25 * 0.4 + 0.25 * 0.4) = 5.
        drop = idp & (rng.random(len(observations)) < 0.6)
        observations.loc[idp, "n"] = 12
        host = target & (observations["group"] == "host")
        observations = observations[~(drop | host)]
        csv = Path(scratch) / "xmx_hostile_observations.csv"
        observations.to_csv(csv, index=False)
        workspace.import_observations([csv])
    workspace.set_metadata(country="Hostile test country (fictional)", fictional=True)
    return workspace


@pytest.fixture(scope="session")
def live_server(demo_workspace):
    """Base URL (``http://127.0.0.1:PORT``) of the dashboard on the demo; port picked by
    the OS, shut down after the session."""
    from dashboard.app import create_app

    with served_app(create_app(demo_workspace)) as base:
        yield base


@pytest.fixture(scope="session")
def hostile():
    """What the hostile workspace holds: name, its district, the unreliable districts."""
    return SimpleNamespace(name=HOSTILE_NAME, pcode=HOSTILE_PCODE, unreliable=UNRELIABLE_PCODES)


@pytest.fixture(scope="session")
def hostile_workspace(tmp_path_factory):
    return build_hostile_workspace(tmp_path_factory.mktemp("hostile") / "workspace")


@pytest.fixture(scope="session")
def hostile_server(hostile_workspace):
    """Base URL of the dashboard on the hostile workspace."""
    from dashboard.app import create_app

    with served_app(create_app(hostile_workspace)) as base:
        yield base
