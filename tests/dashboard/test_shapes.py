"""Every workspace shape of DESIGN 5 works on every page, their callbacks, the CSV and
``solutions score`` (tests/shapes.py builds the shapes; Iraq needs ../shared/data)."""

from __future__ import annotations

import contextlib
import io
import json
import math
import zipfile

import pytest

from dashboard import ids
from dashboard.briefing.counts import holdings, next_step
from dashboard.briefing.map_data import MapSource
from dashboard.cli import main
from dashboard.context import AppContext
from dashboard.figures.map import NO_SCORE_TRACE
from dashboard.pages import counts_map, map_facts, priorities
from dashboard.pages import map as map_page
from dashboard.router import load_pages, render_page
from tests.helpers import find, text_of
from tests.shapes import IRAQ_DTM, SHAPES, build_shape

ALL = [*SHAPES, "iraq"]
UNSCORED = ("boundaries", "counts", "iraq")


@pytest.fixture(scope="module", params=ALL)
def shape(request, tmp_path_factory):
    if request.param == "iraq" and not IRAQ_DTM.exists():
        pytest.skip(f"no real data at {IRAQ_DTM.parent}")
    path = tmp_path_factory.mktemp(request.param) / "ws"
    workspace = build_shape(request.param, path)
    context = AppContext.load(workspace)
    source = MapSource(context, url_for=lambda level: f"/geo/level/{level}.json")
    return request.param, workspace, context, source


def _pages(context):
    pcode = str(context.areas.sort_values("level")["pcode"].iloc[-1])
    return ["/", "/priorities", "/method", f"/locality/{pcode}"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_renders_and_says_what_it_can_show(shape, lang):
    name, _workspace, context, source = shape
    for path in _pages(context):
        page = render_page(path, f"?lang={lang}", context, source, load_pages())
        words = text_of(page)
        assert "could not be shown" not in words and "pu être affichée" not in words, path
        assert words.strip(), path
        if name in UNSCORED:
            # Each page says what to import next, in the page's language.
            assert find(page, ids.NEXT_STEP) is not None or path == "/method", (path, words)


def test_next_step_names_what_to_import(shape):
    name, _workspace, context, _source = shape
    advice = next_step(holdings(context), "en")
    expected = {
        "boundaries": "boundaries only",
        "counts": "No framework indicator values yet; the workspace holds idps_present",
        "iraq": "No framework indicator values yet; the workspace holds idps_present in 80",
        "one_round": "One survey round only",
        "one_group": "one displaced group only",
        "criteria_without_data": "2 of the framework's 8 criteria have no data",
    }[name]
    assert expected in advice


def test_map_callbacks_send_values_only(shape):
    name, _workspace, context, source = shape
    if name in UNSCORED:
        if name == "boundaries":
            assert not holdings(context).counts
            return
        level = max(context.geometry)
        figure, caption, head, summary = counts_map.update_counts(
            "idp", "since_previous", "symbols", 0, {"level": level, "lang": "en"}, source
        )
        locations = {tuple(op["location"]) for op in figure["operations"]}
        assert ("data", 1, "z") in locations and ("data", 2, "marker") in locations
        assert not any("geojson" in loc or "locations" in loc for loc in locations)
        assert "Change since the previous round" in caption
        assert "areas at admin level" in summary and text_of(head)
    else:
        figure, caption, summary = map_page.update_map(
            [ids.GROUP], "overall", "idp", "absolute", 0, {"level": 2}, source
        )
        assert figure["operations"] and "Map of" in summary


def test_priorities_csv_and_page(shape):
    name, _workspace, context, source = shape
    state = source.options.default
    page = priorities.layout(context, state)
    assert "could not be shown" not in text_of(page)
    if name not in UNSCORED:
        for kind in ("xlsx", "zip"):
            sent = priorities.download(context, {**state.__dict__}, kind)
            assert sent["content"] and sent["filename"].endswith("." + kind)


def _score(workspace, out) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["score", str(workspace.path), "--out", str(out)])
    return status, printed.getvalue()


def test_solutions_score_says_what_it_wrote_and_why_nothing(shape, tmp_path):
    name, workspace, _context, _source = shape
    status, said = _score(workspace, tmp_path / "scores.csv")
    assert status == 0
    assert (tmp_path / "scores.csv").read_text().startswith("area_pcode,round,group")
    if name in UNSCORED:
        assert " 0 scores for 0 areas" in said
        assert "import" in said.splitlines()[-1]
        if name != "boundaries":
            assert "the workspace holds idps_present" in said
    else:
        assert " 0 scores" not in said


def test_legend_follows_the_benchmark():
    absolute = map_facts.update_legend("absolute", {"lang": "en"})
    parity = map_facts.update_legend("parity", {"lang": "en"})
    assert "fixed goalposts" in absolute and "parity" not in absolute
    assert "parity with the non-displaced" in parity and "goalpost" not in parity
    assert "bornes fixes" in map_facts.update_legend("absolute", {"lang": "fr"})


def test_locality_card_follows_the_group(demo_app_context):
    from dashboard.briefing.counts import counts_at_level
    from dashboard.i18n import number
    from dashboard.pages import locality
    from tests.helpers import LATEST, view

    pcode = "XM01002"
    returnees = counts_at_level(demo_app_context, "returnees_present", 2).at[pcode, LATEST]
    page = text_of(locality.layout(demo_app_context, view(group="returnee"), pcode=pcode))
    assert "Returnees present" in page and number(returnees, "en") in page
    idp_page = text_of(locality.layout(demo_app_context, view(), pcode=pcode))
    assert "IDPs present" in idp_page and "Returnees present" not in idp_page


def test_headline_figures_above_the_map_are_the_pdfs(demo_context, demo_app_context):
    from dashboard.briefing.areas import shown_table
    from dashboard.briefing.headline import headline, headline_figures
    from dashboard.report import pack_data
    from tests.helpers import view

    state = view()
    page = map_page.map_page(demo_context, state)
    strip = find(page, ids.MAP_HEADLINE)
    figures = headline_figures(
        headline(demo_app_context, state, shown_table(demo_app_context, state)), state
    )
    assert [f["label"] for f in figures] == [
        "IDPs present",
        "Areas assessed",
        "Median overall score",
        "Change in the median",
    ]
    assert (
        text_of(strip).split()
        == text_of([[f["label"], f["value"], f["note"]] for f in figures]).split()
    )
    # The strip comes before the map in the page, and the PDF prints the same figures.
    children = page.children
    assert children.index(strip) < children.index(find(page, ids.MAP_FIGURE))
    assert pack_data(demo_app_context, round=state.round)["glance"]["kpis"] == figures
    returnees = map_facts.update_headline("returnee", "parity", 0, {"level": 2}, demo_context)
    from dashboard.briefing.counts import counts_at_level
    from dashboard.i18n import number

    total = counts_at_level(demo_app_context, "returnees_present", 2)[
        demo_context.options.rounds[0]
    ]
    assert text_of(returnees).startswith(f"Returnees present {number(total.sum(), 'en')} ")


def test_method_downloads_and_csvs_on_every_shape(shape):
    """The method page's framework download and scores CSV, and the priorities CSV: on
    every shape a file, with its metadata sidecar, even when there is no score yet."""
    from dashboard.briefing.downloads import priorities_csv
    from dashboard.pages import method
    from tests.helpers import read_export

    name, _workspace, context, source = shape
    framework = method.download_framework(context)
    assert framework["filename"].endswith((".yaml", ".yml")) and framework["content"]
    response = method.scores_response(context, {})
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        [data_name] = [n for n in archive.namelist() if n.endswith(".csv")]
        rows = read_export(archive.read(data_name))
        metadata = json.loads(archive.read(data_name[: -len(".csv")] + "-metadata.json"))
    # The export says what it is, even when it holds no score: its sidecar names the
    # same columns.
    assert [c["name"] for c in metadata["columns"]] == rows[0]
    assert rows[0][0] == "area_pcode" and "round" in rows[0]
    assert (len(rows) > 2) == (name not in UNSCORED)
    table = read_export(priorities_csv(context, source.options.default))
    assert len(table) >= 2 and all(tag.startswith("#") for tag in table[1] if tag)


def test_change_map_is_one_link_away_and_patches_values(demo_context, demo_app_context):
    """``show=since_previous``: the map of the overall score's change, on a diverging
    scale; the slider then patches values only; the values are the area table's."""
    from dashboard.briefing.areas import shown_table
    from dashboard.briefing.view import parse_query

    state = parse_query("?show=since_previous", demo_context.options)
    assert state.show == "since_previous"
    page = map_page.map_page(demo_context, state)
    links = text_of(find(page, ids.MAP_FIGURE)) and page.children
    assert any("show=since_first" in str(child) for child in links)
    trace = find(page, ids.MAP).figure["data"][1]
    assert trace["zmin"] == -trace["zmax"] and trace["zmax"] >= 5
    table = shown_table(demo_app_context, state).set_index("pcode")["since_previous"]
    layer = demo_context.layer(state)
    expected = [
        None if table[p] != table[p] else math.floor(table[p] * 10 + 1e-6) / 10
        for p in layer.locations
    ]
    assert list(trace["z"]) == expected
    assert "Rose:" in text_of(find(page, ids.MAP_SUMMARY))
    assert "change map" in text_of(find(page, ids.MAP_LEGEND))
    figure, caption, _summary = map_page.update_map(
        [ids.ROUND],
        "overall",
        "idp",
        "parity",
        1,
        {"level": 2, "show": "since_first"},
        demo_context,
    )
    assert caption.startswith("Change in the overall score since the first round")
    assert all(
        op["location"][-1] in ("z", "customdata", "hovertext", "locations")
        # the grey trace (areas without a score) also gets those areas' names
        or op["location"][1:] == [NO_SCORE_TRACE, "text"]
        for op in figure["operations"]
    )
    assert "change map" in map_facts.update_legend("absolute", {"show": "since_first"})
