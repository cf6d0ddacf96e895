"""The facts around the map (DESIGN 5; issue 12 "map first, facts first"): the headline
figures above it, the same ones the PDF's first page prints
(``briefing.headline.headline_figures``), and the legend in the words of the chosen
benchmark. Plain functions; ``dashboard.pages.map`` wires them to its controls."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace

from dash import dcc, get_relative_path, html

from dashboard import ids
from dashboard.briefing.areas import shown_table
from dashboard.briefing.headline import headline, headline_figures
from dashboard.briefing.map_data import MapSource, criterion_label
from dashboard.briefing.view import (
    OVERALL,
    SHOWS,
    ViewOptions,
    ViewState,
    parse_query,
    state_from_controls,
    to_query,
)
from dashboard.i18n import DEFAULT_LANGUAGE, N_, translator
from indicators.framework import Framework

SHOW_LABELS = {
    "score": N_("Score"),
    "since_previous": N_("Change since the previous round"),
    "since_first": N_("Change since the first round"),
}


def show_links(state: ViewState, keep: str = "") -> html.Nav:
    """The score map and the two change maps, one link away each (the page is built
    again for the new colour scale; the slider then patches values only). ``keep``: the
    URL's query, whose other parameters the links keep (as ``show_hrefs`` does)."""
    _ = translator(state.lang)
    links = []
    for show in SHOWS:
        href = "/"
        with suppress(AttributeError):  # no Dash app in this process (tests)
            href = get_relative_path("/")
        links.append(
            dcc.Link(
                _(SHOW_LABELS[show]),
                id=ids.show_link(show),
                href=href + to_query(replace(state, show=show), keep=keep, owned=("show",)),
                className="nav-link active" if show == state.show else "nav-link",
            )
        )
    return html.Nav(
        links, className="control show-links", **{"aria-label": _("What the map shows")}
    )


def show_hrefs(search: str | None, options: ViewOptions, relative=str) -> list[str]:
    """The links of ``show_links`` for the URL as it is now: a criterion or indicator
    chosen after the page was built goes with the reader to a change map."""
    state = parse_query(search, options)
    # "show" is the links' own: the score map's link drops the change map the URL shows.
    return [
        relative("/") + to_query(replace(state, show=show), keep=search, owned=("show",))
        for show in SHOWS
    ]


def legend_text(state: ViewState, framework: Framework | None = None) -> str:
    """The legend in words, for the view's benchmark: parity with the host community,
    or the best goalpost (absolute); a change map's names what changed (with
    ``framework``: the criterion or indicator, else the overall score)."""
    _ = translator(state.lang)
    if state.show != "score" and framework is not None and state.shown != OVERALL:
        return _(
            "A change map of {name}: blue where it rose, red where it fell, white where it "
            "held; grey areas have no change figure (no score at one end, or a score "
            "withheld). Hover over an area for its change; click it to open its page."
        ).format(name=criterion_label(state.shown, framework, state.lang))
    if state.show != "score":
        return _(
            "A change map: blue where the overall score rose, red where it fell, white "
            "where it held; grey areas have no change figure (no score at one end, or a "
            "score withheld). Hover over an area for its change; click it to open its page."
        )
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
    if state.indicator:
        grey = _(
            "Grey areas have no value of this indicator, or one withheld. Hover over an area "
            "for its score, the displaced group's value and the comparator's; click it to "
            "open its page."
        )
    else:
        grey = _(
            "Grey areas have too few indicators with data for a score. Hover over an area "
            "for its score, class and reliability (0 = most reliable, 10 = least); click it "
            "to open its page."
        )
    return meaning + " " + grey


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


def update_legend(
    benchmark: str | None,
    settings: Mapping | None,
    source: MapSource | None = None,
    criterion: str | None = None,
    indicator: str | None = None,
) -> str:
    """The legend for a newly chosen benchmark (and, on a change map, criterion or
    indicator: ``source`` says which are valid), in the page's language."""
    lang = (settings or {}).get("lang", DEFAULT_LANGUAGE)
    state = ViewState(
        round="",
        criterion="overall",
        group="idp",
        benchmark=benchmark if benchmark == "absolute" else "parity",
        level=0,
        lang=lang,
        show=(settings or {}).get("show") if (settings or {}).get("show") in SHOWS else "score",
    )
    if source is None:
        return legend_text(state)
    core = bool((settings or {}).get("core"))
    chosen = state_from_controls(
        criterion, None, None, None, source.options, core=core, indicator=indicator
    )
    state = replace(state, criterion=chosen.criterion, indicator=chosen.indicator)
    return legend_text(state, source.framework)
