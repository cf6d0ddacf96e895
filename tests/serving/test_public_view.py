"""The viewer role (and anonymous readers of a public server) withholds small samples
everywhere (DESIGN 5.1, 8): map, Priorities grid, locality page, downloads, API, PDF;
an analyst sees all detail."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import math
import zipfile

import numpy as np
import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.briefing.map_data import MapSource
from dashboard.context import AppContext
from dashboard.pages import locality, priorities
from dashboard.serving import ServingSettings
from tests.helpers import view
from tests.serving.conftest import PASSWORD  # noqa: F401  (the accounts fixture's password)

HEADER = "X-Test-User"


@pytest.fixture(scope="module")
def app(served_workspace, accounts):
    return create_app(served_workspace, serving=ServingSettings(trust_header=HEADER, audit=False))


@pytest.fixture(scope="module")
def context(served_workspace) -> AppContext:
    return AppContext.load(served_workspace)


@pytest.fixture(scope="module")
def state():
    return view()  # the latest round, deepest level, IDPs, parity


@pytest.fixture(scope="module")
def withheld_areas(context, state) -> list[str]:
    flags = context.withheld(state.level, state.group)["overall"]
    at = flags.sel(round=np.datetime64(state.round, "ns"))
    areas = [str(a) for a in at["area"].values[at.values]]
    assert areas, "the demo should have areas whose score is withheld"
    return areas


def as_user(app, name):
    """A request context of ``name`` with the gate run (its role known to the pages)."""
    server = app.server
    request = server.test_request_context("/priorities", headers={HEADER: name})
    request.push()
    server.preprocess_request()
    return request


@pytest.mark.parametrize(("user", "withholds"), [("vic", True), ("ana", False), ("ada", False)])
def test_the_api_withholds_for_viewers_only(app, withheld_areas, user, withholds):
    answer = app.server.test_client().get("/api/v1/scores", headers={HEADER: user}).get_json()
    assert answer["metadata"]["small_samples_withheld"] is withholds
    scores = {row["pcode"]: row["score"] for row in answer["data"]}
    hidden = [scores.get(p) is None for p in withheld_areas]
    assert all(hidden) if withholds else not any(hidden)


@pytest.mark.parametrize(("user", "withholds"), [("vic", True), ("ana", False)])
def test_grid_map_locality_and_downloads_follow_the_role(
    app, context, state, withheld_areas, user, withholds
):
    request = as_user(app, user)
    try:
        grid = {r["pcode"]: r for r in priorities.rows(context, state)}
        shown = [grid[p]["score"] is not None for p in withheld_areas]
        assert (not any(shown)) if withholds else all(shown)
        assert all(grid[p]["withheld"] for p in withheld_areas)

        source = MapSource(context, url_for=lambda level: f"/geo/level/{level}.json")
        values = source.values(state).set_index("pcode")["score"]
        on_map = [not math.isnan(values[p]) for p in withheld_areas]
        assert (not any(on_map)) if withholds else all(on_map)

        page = str(locality.layout(context, state, pcode=withheld_areas[0]))
        overall = float(context.level_scores(state.level)["overall_score"].sel(
            area=withheld_areas[0], round=np.datetime64(state.round, "ns"), group=state.group,
            benchmark=state.benchmark,
        ))  # fmt: skip
        from dashboard.briefing.numbers import score_text

        assert (score_text(overall, "en") in page) is not withholds

    finally:
        request.pop()

    # the Priorities CSV as the browser asks for it: the callback decides by the role
    stored = dataclasses.asdict(state)
    body = {
        "output": f"{ids.PRIORITIES_CSV_DOWNLOAD}.data",
        "outputs": {"id": ids.PRIORITIES_CSV_DOWNLOAD, "property": "data"},
        "inputs": [{"id": ids.PRIORITIES_CSV_BUTTON, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.PRIORITIES_STATE, "property": "data", "value": stored}],
        "changedPropIds": [f"{ids.PRIORITIES_CSV_BUTTON}.n_clicks"],
    }
    answer = app.server.test_client().post(
        "/_dash-update-component", json=body, headers={HEADER: user}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    sent = answer.get_json()["response"][ids.PRIORITIES_CSV_DOWNLOAD]["data"]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"]))) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
    header, body_rows = rows[0], rows[2:]
    by_area = {r[header.index("pcode")]: r[header.index("score")] for r in body_rows}
    in_csv = [by_area[p] != "" for p in withheld_areas]
    assert (not any(in_csv)) if withholds else all(in_csv)


def test_the_pdf_pack_withholds_outside_a_request(context, state, withheld_areas):
    from dashboard.report import pack_data

    data = pack_data(context, areas=withheld_areas[:1], round=state.round, level=state.level)
    text = repr(data)
    overall = float(context.level_scores(state.level)["overall_score"].sel(
        area=withheld_areas[0], round=np.datetime64(state.round, "ns"), group=state.group,
        benchmark=state.benchmark,
    ))  # fmt: skip
    from dashboard.briefing.numbers import score_text

    assert score_text(overall, "en") not in text


def test_an_analysts_pdf_pack_keeps_all_detail(context, state, withheld_areas):
    from dashboard.briefing.numbers import score_text
    from dashboard.report import pack_data

    data = pack_data(
        context,
        areas=withheld_areas[:1],
        round=state.round,
        level=state.level,
        withhold_small_samples=False,
    )
    overall = float(context.level_scores(state.level)["overall_score"].sel(
        area=withheld_areas[0], round=np.datetime64(state.round, "ns"), group=state.group,
        benchmark=state.benchmark,
    ))  # fmt: skip
    assert score_text(overall, "en") in repr(data)


def _scores_zip(app, user):
    answer = app.server.test_client().get("/download/scores.zip", headers={HEADER: user})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        sidecar = next(n for n in archive.namelist() if n.endswith("-metadata.json"))
        import json

        metadata = json.loads(archive.read(sidecar))
    return rows, metadata


@pytest.mark.parametrize(("user", "withholds"), [("vic", True), ("ana", False), ("ada", False)])
def test_the_method_pages_scores_zip_follows_the_role(app, state, withheld_areas, user, withholds):
    rows, metadata = _scores_zip(app, user)
    header, body = rows[0], rows[2:]
    at = {
        r[header.index("area_pcode")]: r
        for r in body
        if r[header.index("round")] == state.round
        and r[header.index("group")] == state.group
        and r[header.index("benchmark")] == state.benchmark
        and r[header.index("code")] == "overall"
    }
    scores = [at[p][header.index("score")] != "" for p in withheld_areas]
    flagged = [at[p][header.index("suppressed")] == "yes" for p in withheld_areas]
    assert (not any(scores)) if withholds else all(scores)
    assert all(flagged) if withholds else not any(flagged)
    # the sidecar says which rule applied
    assert metadata["small_samples_withheld"] is withholds
    rule = metadata["suppression_rule"]
    assert ("withheld (left empty" in rule) is withholds
    assert ("Not for public distribution" in rule) is not withholds


def test_an_analysts_pdf_pack_says_small_samples_are_shown(context, state, withheld_areas):
    from dashboard.report import pack_data

    def caveat_and_about(withhold):
        data = pack_data(
            context,
            areas=withheld_areas[:1],
            round=state.round,
            level=state.level,
            withhold_small_samples=withhold,
        )
        grey = data["multiples"]["grey"]
        assert ("suppressed" in grey) is withhold
        assert ("withheld" in data["main_map"]["note"]) is withhold
        assert ("withheld" in data["multiples"]["caption"]) is withhold
        return repr(data["caveats"]) + repr(data["about"]) + data["main_map"]["note"]

    public, full = caveat_and_about(True), caveat_and_about(False)
    assert "Small samples are suppressed" in public and "withheld" in public
    assert "not for public distribution" not in public.lower()
    assert "Small samples are suppressed" not in full
    assert "are withheld" not in full and "withheld (left empty" not in full
    assert "not for public distribution" in full.lower()
