"""The facts around the map (DESIGN 5; issue 12 "map first, facts first"): the headline
figures above it, the same ones the PDF's first page prints
(``briefing.headline.headline_figures``), and the legend in the words of the chosen
benchmark. Plain functions; ``dashboard.pages.map`` wires them to its controls."""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from dashboard.briefing.areas import shown_table
from dashboard.briefing.headline import headline, headline_figures
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.view import OVERALL, ViewState, state_from_controls
from dashboard.i18n import DEFAULT_LANGUAGE, translator


def legend_text(state: ViewState) -> str:
    """The legend in words, for the view's benchmark: parity with the host community,
    or the best goalpost (absolute)."""
    _ = translator(state.lang)
    if state.benchmark == "absolute":
        meaning = _(
            "Scores run from 0 to 100 against fixed goalposts: 100 means every indicator "
            "at its best goalpost, 0 at its worst."
        )
    else:
        meaning = _(
            "Scores run from 0 to 100 against the host community: 100 means parity with "
            "the non-displaced population of the same area."
        )
    return (
        meaning
        + " "
        + _(
            "Grey areas have too few indicators with data for a score. Hover over an area "
            "for its score, class and reliability (0 = most reliable, 10 = least); click it "
            "to open its page."
        )
    )


def headline_strip(source: MapSource, state: ViewState) -> list:
    """The headline figures of the view, as on the PDF's first page: facts first."""
    context = source.context
    figures = headline_figures(headline(context, state, shown_table(context, state)), state)
    return [
        html.Div(
            className="locality-kpi headline-figure",
            children=[
                html.Dt(f["label"]),
                html.Dd(f["value"], className="locality-kpi-value"),
                html.Dd(f["note"], className="locality-kpi-note"),
            ],
        )
        for f in figures
    ]


def update_headline(
    group: str | None,
    benchmark: str | None,
    round_index: int | None,
    settings: Mapping | None,
    source: MapSource,
) -> list:
    """The headline strip for the controls (the criterion does not change it)."""
    settings = settings or {}
    state = state_from_controls(
        OVERALL,
        group,
        benchmark,
        round_index,
        source.options,
        level=settings.get("level"),
        core=bool(settings.get("core")),
        lang=settings.get("lang", DEFAULT_LANGUAGE),
    )
    return headline_strip(source, state)


def update_legend(benchmark: str | None, settings: Mapping | None) -> str:
    """The legend for a newly chosen benchmark, in the page's language."""
    lang = (settings or {}).get("lang", DEFAULT_LANGUAGE)
    return legend_text(
        ViewState(
            round="",
            criterion="overall",
            group="idp",
            benchmark=benchmark if benchmark == "absolute" else "parity",
            level=0,
            lang=lang,
        )
    )
