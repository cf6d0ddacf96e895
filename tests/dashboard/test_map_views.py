"""The map's views left by issue 12: the hover card follows the group, change maps of
any criterion, the counts map's URL, the indicator-level map."""

from __future__ import annotations

import pytest

from dashboard.briefing.counts import counts_at_level
from dashboard.briefing.map_data import MapSource
from dashboard.context import AppContext
from dashboard.figures.map import SCORE_TRACE
from dashboard.pages import counts_map
from dashboard.pages import map as map_page
from tests.helpers import LATEST, view
from tests.shapes import build_shape


@pytest.fixture(scope="module")
def counts_source(tmp_path_factory):
    workspace = build_shape("counts", tmp_path_factory.mktemp("counts") / "ws")
    return MapSource(AppContext.load(workspace), url_for=lambda level: f"/geo/level/{level}.json")


def _card(figure: dict) -> tuple[str, list]:
    trace = figure["data"][SCORE_TRACE]
    return trace["hovertemplate"], trace["customdata"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_score_map_card_follows_the_group(demo_context, demo_app_context, lang):
    from dashboard.i18n import translator

    _ = translator(lang)
    idp_label = _("IDPs present: %(value)s").split("%")[0]
    returnee_label = _("Returnees present: %(value)s").split("%")[0]
    template, _data = _card(demo_context.figure(view(lang=lang)))
    assert idp_label in template and returnee_label not in template
    state = view(group="returnee", lang=lang)
    template, data = _card(demo_context.figure(state))
    assert returnee_label in template and idp_label not in template
    # ... and the figure is the returnees', not the IDPs'.
    returnees = counts_at_level(demo_app_context, "returnees_present", 2)[LATEST]
    layer = demo_context.layer(state)
    shown = {
        pcode: row[2]
        for pcode, row in zip(layer.locations, data, strict=True)
        if row is not None and len(row) > 2
    }
    assert shown, "no area shows a returnee figure"
    for pcode, value in shown.items():
        assert value == round(returnees[pcode])
    # A switch of group patches the card too (not only on a values-only slider step).
    patch = map_page.map_patch(state, demo_context, values_only=False).to_plotly_json()
    assert any(
        returnee_label in str(op.get("params", {}).get("value", "")) for op in patch["operations"]
    )


def test_counts_map_card_follows_the_group(counts_source):
    for group, label in (("idp", "IDPs present"), ("returnee", "Returnees present")):
        for measure in ("present", "since_previous"):
            patch, *_rest = counts_map.update_counts(
                group, measure, "choropleth", None, {"level": 2, "lang": "en"}, counts_source
            )
            templates = [
                str(op["params"]["value"])
                for op in patch["operations"]
                if op["location"][-1:] == ["hovertemplate"]
            ]
            assert templates and all(label in t for t in templates), (group, measure)
            other = "Returnees present" if group == "idp" else "IDPs present"
            assert not any(other in t for t in templates)
