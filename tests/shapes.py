"""The workspace shapes of DESIGN 5, as small test workspaces built through the same
imports a user runs: the demo country's boundaries with (a) nothing else, (b) DTM-style
counts of IDPs and returnees present over several rounds, (c) one survey round, (d) one
displaced group only, (e) a framework whose criteria partly have no data; and the real
Iraq first day (COD-AB boundaries + the HDX DTM file from ../shared/data)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from geodata.demo import demo_area_layers
from indicators.framework import CONTEXT_VARIABLES
from workspace.demo import demo_observations
from workspace.frameworks import load_framework
from workspace.store import Workspace

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IRAQ = SHARED / "iraq"
IRAQ_FILES = (
    IRAQ / "irq_admbnda_adm1_cso_20190603.geojson",
    IRAQ / "irq_admbnda_adm2_cso_20190603.geojson",
)
IRAQ_DTM = IRAQ / "hdx_global-iom-dtm-from-api-admin2_SDN-IRQ-HTI_2024-09.csv"

#: Shape name -> what it holds (the test ids).
SHAPES = {
    "boundaries": "boundaries only",
    "counts": "boundaries + idps_present / returnees_present over several rounds",
    "one_round": "one survey round of indicator values",
    "one_group": "one displaced group (IDPs) only",
    "criteria_without_data": "two criteria of the framework have no data",
}
#: Criteria left without data in the "criteria_without_data" shape.
EMPTY_CRITERIA = ("family", "remedies")


def _observations(shape: str, areas):
    framework = load_framework()
    observations = demo_observations(areas, framework)
    counts = observations["indicator"].isin(CONTEXT_VARIABLES)
    if shape == "counts":
        return observations[counts]
    if shape == "one_round":
        return observations[observations["round"] == observations["round"].max()]
    if shape == "one_group":
        return observations[observations["group"].fillna("") != "returnee"]
    if shape == "criteria_without_data":
        parent = framework.indicator_parent()
        criterion = framework.subcriterion_parent()
        of = observations["indicator"].map(lambda code: criterion.get(parent.get(code, ""), ""))
        return observations[~of.isin(EMPTY_CRITERIA)]
    raise ValueError(shape)


def build_shape(shape: str, path: Path) -> Workspace:
    """The workspace of ``shape`` (a key of ``SHAPES``, or "iraq") in ``path``."""
    workspace = Workspace(path)
    if shape == "iraq":
        workspace.import_areas(IRAQ_FILES)
        workspace.import_observations([IRAQ_DTM])
        return workspace
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for level, layer in sorted(demo_area_layers().items()):
            file = Path(scratch) / f"xmd_admbnda_adm{level}_shape.geojson"
            layer.to_file(file, driver="GeoJSON", engine="pyogrio")
            files.append(file)
        workspace.import_areas(files)
        if shape != "boundaries":
            csv = Path(scratch) / f"{shape}.csv"
            _observations(shape, workspace.areas()).to_csv(csv, index=False)
            workspace.import_observations([csv])
    workspace.set_metadata(country="Shape test country", fictional=True)
    return workspace
