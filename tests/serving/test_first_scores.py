"""A workspace served on its first day (boundaries and DTM counts, no score) gets the
score map within seconds of the import that brings its first survey scores, without a
restart: both map pages' callbacks exist from the start and the page follows the
request's generation (DESIGN 3.2)."""

from __future__ import annotations

import time

import pytest

from benchmarks.serve_load import _find  # a component in a layout as Dash sends it
from dashboard import ids
from indicators.framework import CONTEXT_VARIABLES
from tests.shapes import build_shape
from workspace.demo import demo_observations
from workspace.frameworks import load_framework


def _call(client, dependencies, layout, output: str, trigger: str, value):
    """Post the callback that writes ``output`` when ``trigger.value`` changes, with the
    other inputs and states as the page's layout has them (as the browser sends it)."""
    spec = next(
        d
        for d in dependencies
        if output in d["output"] and any(i["id"] == trigger for i in d["inputs"])
    )

    def values(items):
        found = []
        for item in items:
            component = _find(layout, item["id"])
            assert component is not None, f"{item['id']} is not on the page"
            current = component["props"].get(item["property"])
            if item["id"] == trigger:
                current = value
            found.append({**item, "value": current})
        return found

    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
        for part in spec["output"].strip(".").split("...")
    ]
    body = {
        "output": spec["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": values(spec["inputs"]),
        "state": values(spec["state"]),
        "changedPropIds": [f"{trigger}.value"],
    }
    return client.post("/_dash-update-component", json=body)


def _map_layout(client):
    answer = client.get("/_dash-layout", headers={"Referer": "http://localhost/"})
    assert answer.status_code == 200
    return answer.get_json()


@pytest.mark.slow
def test_first_scores_reach_a_running_counts_map(tmp_path):
    from dashboard.app import create_app

    workspace = build_shape("counts", tmp_path / "first-day")
    app = create_app(workspace)
    client = app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()

    layout = _map_layout(client)
    assert _find(layout, ids.COUNTS_MAP) is not None and _find(layout, ids.MAP) is None
    counted = _call(client, dependencies, layout, f"{ids.COUNTS_MAP}.figure", ids.COUNTS_ROUND, 0)
    assert counted.status_code == 200, counted.get_data(as_text=True)[:300]

    # The survey scores arrive while the app runs.
    observations = demo_observations(workspace.areas(), load_framework())
    scores = observations[~observations["indicator"].isin(CONTEXT_VARIABLES)]
    survey = tmp_path / "survey.csv"
    scores.to_csv(survey, index=False)
    workspace.import_observations([survey])

    deadline = time.monotonic() + 20
    while True:
        layout = _map_layout(client)
        if _find(layout, ids.MAP) is not None:
            break
        assert time.monotonic() < deadline, "the score map did not appear in 20 s"
        time.sleep(0.2)
    assert _find(layout, ids.COUNTS_MAP) is None
    slider = _find(layout, ids.ROUND)["props"]
    step = _call(client, dependencies, layout, f"{ids.MAP}.figure", ids.ROUND, int(slider["min"]))
    assert step.status_code == 200, step.get_data(as_text=True)[:300]
    answer = step.get_json()["response"]
    assert ids.MAP in answer and ids.MAP_CAPTION in answer
    headline = _call(
        client, dependencies, layout, f"{ids.MAP_HEADLINE}.children", ids.ROUND, int(slider["min"])
    )
    assert headline.status_code == 200, headline.get_data(as_text=True)[:300]
