"""The Priorities grid's columns and its own words (filter menus, empty table), in the
page's language: AG Grid definitions as data, custom renderers named by string (the
page's assets define them), so the page module only assembles."""

from __future__ import annotations

from dashboard.briefing.labels import LOW_RELIABILITY
from dashboard.briefing.view import ViewState
from dashboard.i18n import direction, number, translator


def _number_column(field: str, header: str, tooltip: str, **extra) -> dict:
    return {
        "field": field,
        "headerName": header,
        "headerTooltip": tooltip,
        "filter": "agNumberColumnFilter",
        "type": "rightAligned",
        "valueFormatter": {"function": f"params.data ? params.data.{field}_text : ''"},
        "comparator": {"function": "prioritiesNullsLast"},
        **extra,
    }


def column_defs(state: ViewState, n_min: int) -> list[dict]:
    """Column definitions in ``state.lang``; custom renderers are named by string."""
    _ = translator(state.lang)
    low = _("Low reliability: {threshold} or more out of 10.").format(
        threshold=number(LOW_RELIABILITY, state.lang, 0)
    )
    name = {
        "field": "name",
        "headerName": _("Locality"),
        "headerTooltip": _("Open a locality's page by its name."),
        # Pinned where a line of the table starts: on the right in Arabic.
        "pinned": "right" if direction(state.lang) == "rtl" else "left",
        "width": 160,
        "filter": "agTextColumnFilter",
        "cellRenderer": "PrioritiesAreaLink",
    }
    pcode = {
        "field": "pcode",
        "headerName": _("P-code"),
        "filter": "agTextColumnFilter",
        "width": 105,
    }
    parent = {
        "field": "parent",
        "headerName": _("Part of"),
        "headerTooltip": _("The area one admin level up."),
        "filter": "agTextColumnFilter",
        "width": 125,
    }
    rank = {
        "field": "median_rank",
        "headerName": _("Rank"),
        "headerTooltip": _("Median rank: 1 is the locality furthest from durable solutions."),
        "filter": "agNumberColumnFilter",
        "type": "rightAligned",
        "valueFormatter": {"function": "params.data ? params.data.median_text : ''"},
        "comparator": {"function": "prioritiesNullsLast"},
        "sort": "asc",
        "sortIndex": 0,
        "width": 104,
    }
    band = {
        "field": "rank_low",
        "headerName": _("Rank range (5–95 %)"),
        "headerTooltip": _(
            "Where 90 percent of the ranks fall when the criterion weights and the "
            "aggregation vary."
        ),
        "filter": "agNumberColumnFilter",
        "cellRenderer": "PrioritiesRankBand",
        "comparator": {"function": "prioritiesNullsLast"},
        "getQuickFilterText": {"function": "params.data.band_text"},
        "width": 140,
    }
    score = _number_column(
        "score", _("Score"), _("Overall score, 0 to 100: 100 means no gap."), width=82
    )
    klass = {
        "field": "class",
        "headerName": _("Class"),
        "filter": "agTextColumnFilter",
        "filterValueGetter": {"function": "params.data.class_label"},
        "getQuickFilterText": {"function": "params.data.class_label"},
        "cellRenderer": "PrioritiesClass",
        "comparator": {"function": "prioritiesNullsLast"},
        "width": 150,
    }
    weakest = {
        "field": "weakest_score",
        "headerName": _("Weakest criterion"),
        "headerTooltip": _("The criterion with the lowest score, and that score."),
        "filter": "agTextColumnFilter",
        "filterValueGetter": {"function": "params.data.weakest_label"},
        "getQuickFilterText": {"function": "params.data.weakest_label"},
        "cellRenderer": "PrioritiesWeakest",
        "comparator": {"function": "prioritiesNullsLast"},
        "minWidth": 240,
        "flex": 1,
    }
    previous = _number_column(
        "since_previous",
        _("Change since previous round"),
        _("Score points gained or lost since the previous round with a score."),
        width=112,
    )
    first = _number_column(
        "since_first",
        _("Change since first round"),
        _("Score points gained or lost since the first round with a score."),
        width=112,
    )
    idps = _number_column(
        "idps",
        _("IDPs present"),
        _("Internally displaced persons present in this round, where reported."),
        width=110,
    )
    reliability = {
        **_number_column(
            "reliability",
            _("Reliability"),
            _("0 is most reliable, 10 least reliable.") + " " + low,
            width=124,
        ),
        "cellRenderer": "PrioritiesReliability",
        "cellRendererParams": {"lowLabel": _("low"), "lowTitle": low},
    }
    small = {
        "field": "small",
        "headerName": _("Small samples"),
        "headerTooltip": _(
            "Indicator values behind the score that come from fewer than {n_min} households."
        ).format(n_min=n_min),
        "filter": "agNumberColumnFilter",
        "cellRenderer": "PrioritiesSmallSample",
        "cellRendererParams": {
            "withheldLabel": _("withheld"),
            "withheldTitle": _(
                "Half or more of the values behind this score come from small samples: "
                "the CSV download leaves it empty."
            ),
        },
        "getQuickFilterText": {"function": "''"},
        "width": 150,
    }
    # What decides a priority first; reference columns (P-code, parent) last.
    return [
        name,
        rank,
        band,
        score,
        klass,
        weakest,
        previous,
        first,
        idps,
        reliability,
        small,
        pcode,
        parent,
    ]


def grid_locale_text(lang: str) -> dict[str, str]:
    """The grid's own words (filter menus, empty table) in ``lang``."""
    _ = translator(lang)
    return {
        "noRowsToShow": _("No localities match."),
        "filterOoo": _("Filter…"),
        "searchOoo": _("Search…"),
        "equals": _("Equals"),
        "notEqual": _("Does not equal"),
        "contains": _("Contains"),
        "notContains": _("Does not contain"),
        "startsWith": _("Starts with"),
        "endsWith": _("Ends with"),
        "blank": _("Blank"),
        "notBlank": _("Not blank"),
        "lessThan": _("Less than"),
        "greaterThan": _("Greater than"),
        "lessThanOrEqual": _("Less than or equal to"),
        "greaterThanOrEqual": _("Greater than or equal to"),
        "inRange": _("Between"),
        "inRangeStart": _("From"),
        "inRangeEnd": _("To"),
        "andCondition": _("AND"),
        "orCondition": _("OR"),
        "applyFilter": _("Apply"),
        "resetFilter": _("Reset"),
        "clearFilter": _("Clear"),
        "cancelFilter": _("Cancel"),
        "loadingOoo": _("Loading…"),
        "ariaFilterInput": _("Filter input"),
        "ariaFilterValue": _("Filter value"),
        "ariaFilterList": _("Filter list"),
        "ariaFilteringOperator": _("Filtering operator"),
        "ariaColumn": _("Column"),
        "ariaSortableColumn": _("Press Enter to sort"),
        "ariaMenuColumn": _("Press Alt+Down to open the column menu"),
        "ariaFilterColumn": _("Press Ctrl+Enter to open the filter"),
        "ariaRowSelect": _("Press Space to select this row"),
        "ariaSearch": _("Search"),
        "ariaLabelColumnMenu": _("Column menu"),
        "ariaLabelDialog": _("Dialog"),
        "ariaLabelFilterMenu": _("Filter menu"),
        "ariaVisibility": _("Visibility"),
        "ariaChecked": _("checked"),
        "ariaUnchecked": _("unchecked"),
        "sortAscending": _("Sort ascending"),
        "sortDescending": _("Sort descending"),
        "sortUnSort": _("Clear sort"),
        "pinColumn": _("Pin column"),
        "autosizeThisColumn": _("Autosize this column"),
        "resetColumns": _("Reset columns"),
    }
