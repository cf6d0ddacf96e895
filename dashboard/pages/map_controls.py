"""The map page's controls (criterion, indicator, group, benchmark, admin level,
criteria set, "Find an area"), built from the view they show. ``dashboard.pages.map``
lays them out and wires them."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.briefing.labels import BENCHMARK_LABELS, GROUP_LABELS
from dashboard.briefing.map_data import MapSource, criterion_label
from dashboard.briefing.view import ViewState
from dashboard.i18n import ntranslator, number, translator

__all__ = ["dropdown_labels", "indicator_options", "map_controls"]


def _level_options(source: MapSource, lang: str) -> list[dict]:
    ngettext = ntranslator(lang)
    options = []
    for level in sorted(source.options.levels):
        count = len(source.layers[level].locations)
        label = ngettext(
            "Level %(level)s · %(count)s area",
            "Level %(level)s · %(count)s areas",
            count,
        ) % {"level": level, "count": number(count, lang)}
        options.append({"label": label, "value": level})
    return options


def dropdown_labels(lang: str) -> dict[str, str]:
    """The words ``dcc.Dropdown`` shows itself (search box, clear buttons), translated."""
    _ = translator(lang)
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def indicator_options(source: MapSource, state: ViewState) -> list[dict]:
    """The indicator choice: each criterion offered (a heading that cannot be chosen),
    then its indicators. Empty where the workspace has no scores."""
    framework, options = source.framework, source.options
    offered = set(options.indicators_for(state.core))
    found = []
    for criterion in options.criteria_for(state.core):
        codes = [code for code, owner in options.indicators if owner == criterion]
        codes = [code for code in codes if code in offered]
        if not codes:
            continue
        found.append(
            {
                "label": criterion_label(criterion, framework, state.lang),
                "value": "criterion:" + criterion,
                "disabled": True,
            }
        )
        found += [
            {"label": "\u2003" + framework.label(code, state.lang), "value": code} for code in codes
        ]
    return found


def map_controls(source: MapSource, state: ViewState) -> html.Div:
    _ = translator(state.lang)
    options, framework = source.options, source.framework
    criteria = [
        {"label": criterion_label(c, framework, state.lang), "value": c}
        for c in options.criteria_for(state.core)
    ]
    groups = [{"label": _(GROUP_LABELS[g]), "value": g} for g in options.groups]
    benchmarks = [{"label": _(BENCHMARK_LABELS[b]), "value": b} for b in options.benchmarks]
    indicators = indicator_options(source, state)
    cores = [
        {"label": _("All eight criteria"), "value": "all"},
        {"label": _("IRIS core (five criteria)"), "value": "iris"},
    ]
    return html.Div(
        className="controls",
        children=[
            html.Div(
                className="control control-criterion",
                children=[
                    html.Label(_("Criterion"), htmlFor=ids.CRITERION, className="control-label"),
                    dcc.Dropdown(
                        id=ids.CRITERION,
                        options=criteria,
                        value=state.criterion,
                        clearable=False,
                        searchable=False,
                        labels=dropdown_labels(state.lang),
                    ),
                ],
            ),
            html.Div(
                className="control control-criterion control-indicator",
                children=[
                    html.Label(
                        _("Indicator (optional)"), htmlFor=ids.INDICATOR, className="control-label"
                    ),
                    dcc.Dropdown(
                        id=ids.INDICATOR,
                        options=indicators,
                        value=state.indicator or None,
                        placeholder=_("None: map the criterion"),
                        clearable=True,
                        searchable=True,
                        disabled=not indicators,
                        labels=dropdown_labels(state.lang),
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Displaced group"), className="control-label"),
                    dcc.RadioItems(id=ids.GROUP, options=groups, value=state.group, inline=True),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Benchmark"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.BENCHMARK, options=benchmarks, value=state.benchmark, inline=True
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Admin level"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.LEVEL,
                        options=_level_options(source, state.lang),
                        value=state.level,
                        inline=True,
                    ),
                ],
            ),
            html.Fieldset(
                className="control",
                children=[
                    html.Legend(_("Criteria"), className="control-label"),
                    dcc.RadioItems(
                        id=ids.CORE,
                        options=cores,
                        value="iris" if state.core else "all",
                        inline=True,
                    ),
                ],
            ),
            html.Div(
                className="control control-search",
                children=[
                    html.Label(
                        _("Find an area"), htmlFor=ids.AREA_SEARCH, className="control-label"
                    ),
                    dcc.Dropdown(
                        id=ids.AREA_SEARCH,
                        options=[],
                        placeholder=_("Type a name or P-code"),
                        searchable=True,
                        clearable=True,
                        debounce=False,
                        labels=dropdown_labels(state.lang),
                    ),
                ],
            ),
        ],
    )
