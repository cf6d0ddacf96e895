"""The app factory on the demo workspace: layout, geometry route, callbacks, no CDN."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest
from dash import Dash

from dashboard import ids
from dashboard.figures import SCORE_TRACE

ROOT = Path(__file__).resolve().parents[2]


def _components(layout) -> dict[str, object]:
    """Every component of the layout that has an id, by id."""
    found = {}
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if node is None or isinstance(node, str | int | float):
            continue
        if getattr(node, "id", None):
            found[node.id] = node
        stack.append(getattr(node, "children", None))
    return found


def test_layout_has_every_component(demo_app):
    assert isinstance(demo_app, Dash)
    present = set(_components(demo_app.layout))
    expected = {
        ids.URL,
        ids.HEADER,
        ids.COUNTRY,
        ids.DEMO_BADGE,
        ids.PAGE,
        ids.CRITERION,
        ids.GROUP,
        ids.BENCHMARK,
        ids.ROUND,
        ids.MAP,
        ids.MAP_CAPTION,
        ids.MAP_LEGEND,
    }
    assert expected <= present


def test_header_names_the_country_and_marks_fictional_data(demo_app, demo_workspace):
    layout = json.dumps(demo_app.layout.to_plotly_json(), default=str)
    assert demo_workspace.country_name in layout
    assert "Fictional demo data" in layout


def test_controls_offer_the_framework(demo_app, demo_framework):
    controls = _components(demo_app.layout)
    criteria = [o["value"] for o in controls[ids.CRITERION].options]
    assert criteria == ["overall", *demo_framework.criterion_codes]
    slider = controls[ids.ROUND]
    assert slider.marks[0] == "Mar 2023" and slider.marks[slider.max] == "Dec 2025"
    assert slider.value == slider.max == 11


def test_geometry_route_serves_the_display_geojson(demo_app):
    client = demo_app.server.test_client()
    response = client.get("/geo/level/2.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert "max-age=" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    collection = json.loads(response.data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 150
    assert {"pcode", "name"} <= set(collection["features"][0]["properties"])

    again = client.get("/geo/level/2.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data

    zipped = client.get("/geo/level/2.json", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == collection
    assert len(zipped.data) < len(response.data) / 2

    assert client.get("/geo/level/7.json").status_code == 404
    assert len(json.loads(client.get("/geo/level/1.json").data)["features"]) == 12


def test_map_references_the_geometry_route(demo_app):
    client = demo_app.server.test_client()
    layout = client.get("/_dash-layout").get_json()
    text = json.dumps(layout)
    assert "coordinates" not in text
    assert '"geojson": "/geo/level/2.json?v=' in text
    assert len(text) < 30_000


def test_callbacks_are_registered(demo_app):
    outputs = set(demo_app.callback_map)
    assert any(
        f"{ids.MAP}.figure" in key and f"{ids.MAP_CAPTION}.children" in key for key in outputs
    )
    assert any(f"{ids.URL}.search" in key and f"{ids.ROUND}.value" in key for key in outputs)
    dependencies = demo_app.server.test_client().get("/_dash-dependencies").get_json()
    assert len(dependencies) == 2


def _update(client, output: str, outputs: list[tuple[str, str]], inputs, changed):
    body = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": changed,
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def test_slider_step_response_is_values_only(demo_app):
    client = demo_app.server.test_client()
    client.get("/")  # Dash sets up its routes' state on the first request
    response = _update(
        client,
        f"..{ids.MAP}.figure...{ids.MAP_CAPTION}.children..",
        [(ids.MAP, "figure"), (ids.MAP_CAPTION, "children")],
        [
            (ids.CRITERION, "value", "overall"),
            (ids.GROUP, "value", "idp"),
            (ids.BENCHMARK, "value", "parity"),
            (ids.ROUND, "value", 4),
        ],
        [f"{ids.ROUND}.value"],
    )
    assert response.status_code == 200, response.data[:500]
    payload = response.get_json()["response"]
    operations = payload[ids.MAP]["figure"]["operations"]
    assert [op["location"] for op in operations] == [
        ["data", SCORE_TRACE, "z"],
        ["data", SCORE_TRACE, "customdata"],
    ]
    assert payload[ids.MAP_CAPTION]["children"].endswith("Mar 2024")
    assert b"coordinates" not in response.data
    assert len(response.data) < 6_000


def test_control_change_writes_the_url(demo_app):
    client = demo_app.server.test_client()
    client.get("/")
    response = _update(
        client,
        f"..{ids.URL}.search...{ids.CRITERION}.value...{ids.GROUP}.value..."
        f"{ids.BENCHMARK}.value...{ids.ROUND}.value..",
        [
            (ids.URL, "search"),
            *((i, "value") for i in (ids.CRITERION, ids.GROUP, ids.BENCHMARK, ids.ROUND)),
        ],
        [
            (ids.URL, "search", ""),
            (ids.CRITERION, "value", "safety"),
            (ids.GROUP, "value", "idp"),
            (ids.BENCHMARK, "value", "parity"),
            (ids.ROUND, "value", 11),
        ],
        [f"{ids.CRITERION}.value"],
    )
    assert response.status_code == 200, response.data[:500]
    search = response.get_json()["response"][ids.URL]["search"]
    assert search == "?round=2025-12-01&level=2&criterion=safety&group=idp&benchmark=parity"


def test_index_page_loads_nothing_from_outside(demo_app):
    html = demo_app.server.test_client().get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    for marker in ("http://", "https://", "//cdn", "unpkg", "cdn.plot.ly"):
        assert marker not in html.replace("http-equiv", "")


def test_two_apps_share_nothing(demo_workspace, demo_app):
    from dashboard.app import create_app

    other = create_app(demo_workspace)
    assert other is not demo_app and other.server is not demo_app.server
    assert set(other.callback_map) == set(demo_app.callback_map)


def _load_entry_module():
    spec = importlib.util.spec_from_file_location("demo_entry", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entry_point_builds_nothing_on_import(monkeypatch, tmp_path):
    monkeypatch.setenv("SOLUTIONS_DEMO_DIR", str(tmp_path / "demo"))
    entry = _load_entry_module()
    assert entry.demo_dir() == tmp_path / "demo"
    assert not (tmp_path / "demo").exists()
    monkeypatch.delenv("SOLUTIONS_DEMO_DIR")
    assert entry.demo_dir().parent == Path.home() / ".cache" / "idp-solutions"
    assert entry.demo_dir().name.startswith("demo-")


def test_entry_point_never_leaves_a_half_built_demo(monkeypatch, tmp_path):
    entry = _load_entry_module()
    import indicators.demo

    def broken(path):
        Path(path).mkdir(parents=True)
        (Path(path) / "areas.gpkg").write_text("half")
        raise RuntimeError("crashed half way")

    monkeypatch.setattr(indicators.demo, "build_demo_workspace", broken)
    with pytest.raises(RuntimeError):
        entry.ensure_demo(tmp_path / "demo")
    assert list(tmp_path.iterdir()) == []

    def works(path):
        Path(path).mkdir(parents=True)
        (Path(path) / "manifest.json").write_text('{"imports": []}')

    monkeypatch.setattr(indicators.demo, "build_demo_workspace", works)
    workspace = entry.ensure_demo(tmp_path / "demo")
    assert workspace.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
    # Second call: already there, nothing rebuilt.
    monkeypatch.setattr(indicators.demo, "build_demo_workspace", broken)
    assert entry.ensure_demo(tmp_path / "demo").exists()


def test_entry_point_reuses_an_existing_demo(monkeypatch, demo_workspace):
    entry = _load_entry_module()
    monkeypatch.setenv("SOLUTIONS_DEMO_DIR", str(demo_workspace.path))
    assert entry.ensure_demo().path == demo_workspace.path


def test_json_responses_are_gzipped_for_clients_that_accept_it(demo_app):
    client = demo_app.server.test_client()
    plain = client.get("/_dash-layout")
    zipped = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    assert len(zipped.data) < len(plain.data) / 2
