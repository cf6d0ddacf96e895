"""The app factory on the demo workspace: shell, router, geometry route, callbacks, no CDN,
compression, nothing shared between apps or requests."""

from __future__ import annotations

import copy
import gzip
import importlib.util
import json
import types
from pathlib import Path

import plotly
import pytest
from dash import Dash, html, no_update

from dashboard import app as app_module
from dashboard import geometry_route, i18n, ids, router
from dashboard.briefing import labels, map_data, view
from dashboard.components import shell as shell_module
from dashboard.components.shell import shell_texts
from dashboard.figures import map as map_figures
from dashboard.figures.map import SCORE_TRACE
from dashboard.pages import map as map_page_module
from dashboard.router import render_page, render_view, route

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


def _json(component) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_shell_has_every_component(demo_app):
    assert isinstance(demo_app, Dash)
    present = set(_components(demo_app.layout()))
    expected = {
        ids.URL,
        ids.PAGE_KEY,
        ids.DOCUMENT,
        ids.SKIP_LINK,
        ids.HEADER,
        ids.COUNTRY,
        ids.DEMO_BADGE,
        ids.HEADER_SUBTITLE,
        ids.NAV,
        ids.NAV_MAP,
        ids.NAV_PRIORITIES,
        ids.NAV_METHOD,
        ids.LANG_SWITCH,
        ids.lang_link("en"),
        ids.lang_link("fr"),
        ids.EXPORT_SLOT,
        ids.PAGE,
        ids.FOOTER,
    }
    assert expected <= present
    # Without a page to render for (no Referer), the page comes from the router.
    assert demo_app.layout().children[-2].id == ids.PAGE
    assert demo_app.layout().children[-2].children is None


def test_layout_brings_the_first_page_with_its_key(demo_app):
    client = demo_app.server.test_client()
    client.get("/")
    response = client.get(
        "/_dash-layout", headers={"Referer": "http://localhost/?lang=fr&level=1&round=2024-03"}
    )
    layout = response.get_json()
    text = json.dumps(layout, ensure_ascii=False)
    assert "Carte de 12 zones" in text and "Cycle d’enquête" in text
    found = {}
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == ids.PAGE_KEY:
                found["key"] = props.get("data")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert found["key"] == "/?lang=fr&core=&level=1&show=score"
    # Another host's page is not rendered for.
    other = client.get("/_dash-layout", headers={"Referer": "http://elsewhere/?lang=fr"})
    assert "Carte" not in json.dumps(other.get_json(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("path", "search", "key"),
    [
        ("/", "", "/?lang=en&core=&level=2&show=score"),
        ("/", "?level=2&lang=EN&round=2024-03-01", "/?lang=en&core=&level=2&show=score"),
        ("/", "?level=9&core=iris", "/?lang=en&core=iris&level=2&show=score"),
        # A change map is its own page (a new colour scale); a bad value is the score map.
        ("/", "?show=since_first", "/?lang=en&core=&level=2&show=since_first"),
        ("/", "?show=nonsense", "/?lang=en&core=&level=2&show=score"),
        ("/method/", "?b=2&a=1&a=3&round=2024-03", "/method?a=1,3&b=2&round=2024-03-01"),
        ("/priorities", "?round=bad", "/priorities?round=2025-12-01"),
        # an indicator the view would ignore is no new view
        ("/method", "?indicator=nonsense", "/method?indicator="),
    ],
)
def test_page_key_reads_the_query_as_the_server_does(demo_context, path, search, key):
    from dashboard.briefing.view import query_rules
    from dashboard.router import page_key, page_key_config

    config = page_key_config({}, "/")
    assert page_key(path, search, config, query_rules(demo_context.options)) == key


def test_header_names_the_country_and_marks_fictional_data(demo_app, demo_workspace):
    layout = _json(demo_app.layout())
    assert demo_workspace.country_name in layout
    assert "Fictional demo data" in layout


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, ("map", {})),
        ("/", ("map", {})),
        ("", ("map", {})),
        ("/priorities", ("priorities", {})),
        ("/priorities/", ("priorities", {})),
        ("/method", ("method", {})),
        ("/locality/XM01001", ("locality", {"pcode": "XM01001"})),
        ("/locality/IQ%20G01", ("locality", {"pcode": "IQ G01"})),
        ("/locality/", ("not_found", {})),
        ("/locality/a/b", ("not_found", {})),
        ("/nowhere", ("not_found", {})),
    ],
)
def test_route(path, expected):
    assert route(path) == expected


def _page_ids(page) -> set[str]:
    return set(_components(page))


def test_router_renders_the_map_with_its_controls(demo_context):
    page = render_page(
        "/", "?round=2024-03-01&criterion=safety", demo_context.context, demo_context, {}
    )
    controls = _components(page)
    for component in (
        ids.CRITERION,
        ids.GROUP,
        ids.BENCHMARK,
        ids.ROUND,
        ids.LEVEL,
        ids.CORE,
        ids.MAP,
        ids.MAP_CAPTION,
        ids.MAP_SUMMARY,
        ids.MAP_LEGEND,
        ids.MAP_RELIABILITY_NOTE,
        ids.MAP_URL,
        ids.MAP_SETTINGS,
    ):
        assert component in controls
    criteria = [o["value"] for o in controls[ids.CRITERION].options]
    assert criteria == ["overall", *demo_context.framework.criterion_codes]
    assert controls[ids.CRITERION].value == "safety"
    slider = controls[ids.ROUND]
    # Every other round labelled, counted back from the latest (labels never overlap).
    assert slider.marks == {
        1: "Jun 2023",
        3: "Dec 2023",
        5: "Jun 2024",
        7: "Dec 2024",
        9: "Jun 2025",
        11: "Dec 2025",
    }
    assert slider.value == 4 and slider.max == 11
    assert [o["value"] for o in controls[ids.LEVEL].options] == [0, 1, 2]
    assert controls[ids.LEVEL].value == 2


def test_router_missing_and_broken_pages(demo_context):
    context = demo_context.context
    # A page without a module is not found (the "Coming soon" page is gone, issue 8).
    gone = render_page("/priorities", "?lang=fr", context, demo_context, {})
    assert "Page introuvable" in _json(gone)
    lost = render_page("/nowhere", "", context, demo_context, {})
    assert "Page not found" in _json(lost)

    def broken(context, state, **params):
        raise RuntimeError("boom")

    page = render_page(
        "/method", "", context, demo_context, {"method": types.SimpleNamespace(layout=broken)}
    )
    assert "could not be shown" in _json(page)
    calls = []

    def layout(context, state, **params):
        calls.append((state, params))
        return html.P("a locality")

    page = render_page(
        "/locality/XM01001",
        "?lang=fr&level=1",
        context,
        demo_context,
        {"locality": types.SimpleNamespace(layout=layout)},
    )
    assert page.children == "a locality"
    state, params = calls[0]
    assert params == {"pcode": "XM01001"} and state.lang == "fr" and state.level == 1


def test_router_translates_the_shell(demo_context):
    context = demo_context.context
    out = render_view("/?lang=fr", "/", "?lang=fr", context, demo_context, {})
    texts = dict(zip(shell_texts(context, "fr"), out[1:], strict=True))
    assert texts[ids.NAV_MAP, "children"] == "Carte"
    assert texts[ids.DOCUMENT, "data"]["lang"] == "fr"
    assert texts[ids.DOCUMENT, "data"]["dir"] == "ltr"
    assert "solutions durables" in texts[ids.DOCUMENT, "data"]["title"]
    assert render_view(None, "/", "", context, demo_context, {}) == (no_update,) * len(out)


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

    # What Chromium sends: the geometry is gzipped once at start (same ETag), and
    # flask-compress does not encode it a second time.
    for accept in ("gzip", "gzip, deflate, br, zstd"):
        zipped = client.get("/geo/level/2.json", headers={"Accept-Encoding": accept})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.headers["ETag"] == etag
        assert json.loads(gzip.decompress(zipped.data)) == collection
        assert len(zipped.data) < len(response.data) / 2

    assert client.get("/geo/level/7.json").status_code == 404
    assert len(json.loads(client.get("/geo/level/1.json").data)["features"]) == 12


def test_map_references_the_geometry_route(demo_app):
    client = demo_app.server.test_client()
    client.get("/")
    response = _render(client, "/", "")
    text = json.dumps(response)
    assert "coordinates" not in text
    assert '"geojson": "/geo/level/2.json?v=' in text
    assert len(text) < 40_000


def test_callbacks_are_registered(demo_app):
    outputs = set(demo_app.callback_map)
    assert any(
        f"{ids.MAP}.figure" in key and f"{ids.MAP_CAPTION}.children" in key for key in outputs
    )
    assert any(f"{ids.MAP_URL}.search" in key and f"{ids.ROUND}.value" in key for key in outputs)
    assert any(key.startswith(f"..{ids.PAGE}.children") for key in outputs)
    assert any(f"{ids.MAP_URL}.pathname" in key for key in outputs)


def _update(client, output: str, outputs, inputs, changed, state=()):
    body = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": changed,
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }
    return client.post("/_dash-update-component", json=body)


def _output_key(outputs) -> str:
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."


def _render(client, pathname: str, search: str) -> dict:
    outputs = [(ids.PAGE, "children"), *shell_texts_keys()]
    response = _update(
        client,
        _output_key(outputs),
        outputs,
        [(ids.PAGE_KEY, "data", pathname + search)],
        [f"{ids.PAGE_KEY}.data"],
        state=[(ids.URL, "pathname", pathname), (ids.URL, "search", search)],
    )
    assert response.status_code == 200, response.data[:500]
    return response.get_json()["response"]


def shell_texts_keys() -> list[tuple[str, str]]:
    return [
        (ids.SKIP_LINK, "children"),
        (ids.HEADER_SUBTITLE, "children"),
        (ids.DEMO_BADGE_SLOT, "children"),
        (ids.NAV, "aria-label"),
        (ids.NAV_MAP, "children"),
        (ids.NAV_PRIORITIES, "children"),
        (ids.NAV_METHOD, "children"),
        (ids.LANG_SWITCH_LABEL, "children"),
        (ids.FOOTER, "children"),
        (ids.DOCUMENT, "data"),
    ]


def test_shell_outputs_are_in_the_router_order(demo_context):
    assert list(shell_texts(demo_context.context, "en")) == shell_texts_keys()


def test_french_page_through_the_router(demo_app):
    client = demo_app.server.test_client()
    client.get("/")
    response = _render(client, "/", "?lang=fr")
    text = json.dumps(response, ensure_ascii=False)
    assert "Cycle d’enquête" in text and "Carte" in text
    assert "Survey round" not in text


_CONTROLS = [
    (ids.CRITERION, "value"),
    (ids.GROUP, "value"),
    (ids.BENCHMARK, "value"),
    (ids.ROUND, "value"),
]


@pytest.mark.parametrize("indicator", [None, "violence_12m"])
def test_slider_step_response_is_values_only(demo_app, indicator):
    """The slider patches values only, on the criterion map and on an indicator's."""
    client = demo_app.server.test_client()
    client.get("/")  # Dash sets up its routes' state on the first request
    response = _update(
        client,
        f"..{ids.MAP}.figure...{ids.MAP_CAPTION}.children...{ids.MAP_SUMMARY}.children..",
        [(ids.MAP, "figure"), (ids.MAP_CAPTION, "children"), (ids.MAP_SUMMARY, "children")],
        [
            *(
                (i, p, v)
                for (i, p), v in zip(_CONTROLS, ("overall", "idp", "parity", 4), strict=True)
            ),
            (ids.INDICATOR, "value", indicator),
        ],
        [f"{ids.ROUND}.value"],
        state=[(ids.MAP_SETTINGS, "data", {"level": 2, "core": False, "lang": "en"})],
    )
    assert response.status_code == 200, response.data[:500]
    if indicator:
        # The indicator's value and the comparator's travel as text in the customdata.
        assert b"%" in response.data and b"(borrowed)" in response.data
        assert (
            "Experienced violence" in response.get_json()["response"][ids.MAP_CAPTION]["children"]
        )
    payload = response.get_json()["response"]
    operations = payload[ids.MAP]["figure"]["operations"]
    assert [op["location"][:2] for op in operations[:2]] == [
        ["data", SCORE_TRACE],
        ["data", SCORE_TRACE],
    ]
    assert {op["location"][-1] for op in operations} == {
        "z",
        "customdata",
        "hovertext",
        "locations",
        "text",  # the names of the grey trace's areas (those without a score)
    }
    assert payload[ids.MAP_CAPTION]["children"].endswith("Mar 2024")
    assert b"coordinates" not in response.data and b"geojson" not in response.data
    # About 50 bytes an area (150 here); an indicator's card also carries the group's
    # and the comparator's values as text, about 10 more.
    assert len(response.data) < (9_000 if indicator else 8_000)


def test_control_change_writes_the_url(demo_app):
    client = demo_app.server.test_client()
    client.get("/")
    controls = [*_CONTROLS, (ids.LEVEL, "value"), (ids.CORE, "value"), (ids.INDICATOR, "value")]
    response = _update(
        client,
        _output_key([(ids.MAP_URL, "search"), *controls]),
        [(ids.MAP_URL, "search"), *controls],
        [
            (ids.MAP_URL, "search", "?lang=fr"),
            *(
                (i, p, v)
                for (i, p), v in zip(
                    controls, ("safety", "idp", "parity", 11, 2, "all", None), strict=True
                )
            ),
        ],
        [f"{ids.CRITERION}.value"],
    )
    assert response.status_code == 200, response.data[:500]
    search = response.get_json()["response"][ids.MAP_URL]["search"]
    assert search == (
        "?round=2025-12-01&level=2&criterion=safety&group=idp&benchmark=parity&lang=fr"
    )


def test_index_page_loads_nothing_from_outside_and_has_the_language(demo_app):
    client = demo_app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    for marker in ("http://", "https://", "//cdn", "unpkg", "cdn.plot.ly"):
        assert marker not in page.replace("http-equiv", "")
    french = client.get("/priorities?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in french
    assert "solutions durables</title>" in french
    unknown = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in unknown


def test_map_page_preloads_its_geometry(demo_app):
    client = demo_app.server.test_client()
    regions = client.get("/?level=1").get_data(as_text=True)
    assert '<link rel="preload" href="/geo/level/1.json?v=' in regions
    assert 'as="fetch" crossorigin="anonymous">' in regions
    assert "/geo/level/2.json?v=" in client.get("/").get_data(as_text=True)
    assert 'rel="preload"' not in client.get("/method").get_data(as_text=True)


def test_two_apps_share_nothing(demo_workspace, demo_app):
    from dashboard.app import create_app

    other = create_app(demo_workspace)
    assert other is not demo_app and other.server is not demo_app.server
    assert set(other.callback_map) == set(demo_app.callback_map)


def _module_state(module) -> dict:
    return {
        name: copy.deepcopy(value)
        for name, value in vars(module).items()
        if isinstance(value, dict | list | set) and not name.startswith("__")
    }


def test_serving_changes_no_module_global(demo_app):
    modules = (
        app_module,
        router,
        shell_module,
        geometry_route,
        view,
        map_data,
        map_page_module,
        map_figures,
        labels,
        i18n,
        ids,
    )
    before = [_module_state(m) for m in modules]
    client = demo_app.server.test_client()
    client.get("/?lang=fr")
    for path, search in (("/", "?lang=fr"), ("/", "?level=1&core=iris"), ("/nowhere", "")):
        _render(client, path, search)
    assert [_module_state(m) for m in modules] == before


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
    import workspace.demo

    def broken(path):
        Path(path).mkdir(parents=True)
        (Path(path) / "areas.gpkg").write_text("half")
        raise RuntimeError("crashed half way")

    monkeypatch.setattr(workspace.demo, "build_demo_workspace", broken)
    with pytest.raises(RuntimeError):
        entry.ensure_demo(tmp_path / "demo")
    assert list(tmp_path.iterdir()) == []

    def works(path):
        Path(path).mkdir(parents=True)
        (Path(path) / "manifest.json").write_text('{"imports": []}')

    monkeypatch.setattr(workspace.demo, "build_demo_workspace", works)
    built = entry.ensure_demo(tmp_path / "demo")
    assert built.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
    # Second call: already there, nothing rebuilt.
    monkeypatch.setattr(workspace.demo, "build_demo_workspace", broken)
    assert entry.ensure_demo(tmp_path / "demo").exists()


def test_entry_point_serves_a_configured_workspace(monkeypatch, demo_workspace, tmp_path):
    entry = _load_entry_module()
    monkeypatch.setenv("SOLUTIONS_WORKSPACE", str(demo_workspace.path))
    monkeypatch.setenv("SOLUTIONS_DEMO_DIR", str(tmp_path / "no-demo"))
    server = entry.server
    # A real workspace is private unless SOLUTIONS_PUBLIC says otherwise.
    assert server.test_client().get("/geo/level/2.json").status_code == 401
    monkeypatch.setenv("SOLUTIONS_PUBLIC", "1")
    public = _load_entry_module().server
    assert public.test_client().get("/geo/level/2.json").status_code == 200
    assert not (tmp_path / "no-demo").exists()  # the demo was not built
    monkeypatch.setenv("SOLUTIONS_WORKSPACE", str(tmp_path / "nothing"))
    other = _load_entry_module()
    with pytest.raises(Exception, match="not a workspace"):
        other.server  # noqa: B018 - the attribute access is what builds the app


def test_entry_point_reuses_an_existing_demo(monkeypatch, demo_workspace):
    entry = _load_entry_module()
    monkeypatch.setenv("SOLUTIONS_DEMO_DIR", str(demo_workspace.path))
    assert entry.ensure_demo().path == demo_workspace.path


def test_json_responses_are_compressed_for_clients_that_accept_it(demo_app):
    client = demo_app.server.test_client()
    plain = client.get("/_dash-layout")
    zipped = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    assert len(zipped.data) < len(plain.data) / 2
