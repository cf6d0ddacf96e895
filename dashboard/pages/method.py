"""The method page (``/method``, DESIGN 4, 5): the framework in force, how a score is
made, the data sources with their dates, the import history, and the data downloads
(the framework file, and every score as CSV with its HXL row and metadata).

Labels of criteria and indicators come from the framework file in the view's language
(``framework.label``); every other text from data (descriptions, rationales, units,
file names, notes) is shown as plain component children, never as HTML or Markdown.

The scores CSV is large (every area, round, group and benchmark), so it is served by a
plain route, ``/download/scores.zip?core=iris&lang=fr``, rather than through a callback.
Like every download it follows the reader's role (``is_public_view`` of the request's
identity): a viewer or anonymous reader gets small samples withheld, an analyst or
administrator every score, and the sidecar says which rule applied.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import dash
import flask
from dash import Input, Output, dcc, html

from dashboard import ids
from dashboard.briefing.downloads import (
    framework_yaml,
    scores_csv,
    suppression_rule,
)
from dashboard.briefing.exports import metadata_json, scores_metadata, sidecar_name, zip_bytes
from dashboard.briefing.labels import LOW_RELIABILITY
from dashboard.briefing.numbers import RULE as DISPLAY_RULE
from dashboard.briefing.view import ViewState
from dashboard.components.download import download_button
from dashboard.context import AppContext
from dashboard.figures.map import class_legend
from dashboard.i18n import arrow, language, number, translator
from dashboard.pages.method_provenance import import_history, sources_table
from dashboard.serving import current_context, is_public_view
from indicators.analysis import DEFAULT_DRAWS
from indicators.framework import IRIS_CORE_MIN_CRITERIA

#: Query keys that change this page (the router re-renders it when they change).
RENDER_KEYS = ("core", "lang")


SCORES_ROUTE = "/download/scores.zip"


def _relative(path: str) -> str:
    try:
        return dash.get_relative_path(path)
    except Exception:  # no app configured (tests of the pure builders)
        return path


def _plain(value: float, lang: str) -> str:
    """A goalpost or weight as written: no needless decimals."""
    digits = 0 if float(value).is_integer() else (1 if round(value, 1) == value else 2)
    return number(value, lang, digits)


def _section(title: str, section_id: str, *children) -> html.Section:
    """A titled section; a table in it scrolls sideways in its own box on a narrow screen
    (a focusable region named by the title, so the keyboard can scroll it too), never
    the page."""
    heading = f"{section_id}-title"
    children = [
        html.Div(
            child,
            className="table-scroll",
            role="region",
            tabIndex="0",
            # Named by the table's caption: the section already bears the title.
            **{"aria-label": _caption(child) or title},
        )
        if isinstance(child, html.Table)
        else child
        for child in children
    ]
    return html.Section(
        id=section_id,
        className="method-section",
        **{"aria-labelledby": heading},
        children=[html.H3(title, id=heading), *children],
    )


def _caption(table: html.Table) -> str | None:
    for child in table.children or ():
        if isinstance(child, html.Caption) and isinstance(child.children, str):
            return child.children
    return None


def _definition_list(pairs: list[tuple[str, object]]) -> html.Dl:
    children = []
    for term, value in pairs:
        children += [html.Dt(term), html.Dd(value)]
    return html.Dl(children, className="method-facts")


def framework_facts(context: AppContext, state: ViewState) -> html.Div:
    _ = translator(state.lang)
    framework = context.framework
    aggregation = (
        _("Weighted geometric mean of the criterion scores")
        if framework.aggregation == "geometric"
        else _("Weighted arithmetic mean of the criterion scores")
    )
    if state.core:
        mode = _(
            "IRIS core: only the {count} core criteria count, and {needed} of them are needed "
            "for an overall score."
        ).format(count=len(framework.core_criterion_codes), needed=IRIS_CORE_MIN_CRITERIA)
    else:
        mode = _(
            "All criteria: {count} criteria count, and {needed} of them are needed for an "
            "overall score."
        ).format(count=len(framework.criteria), needed=framework.min_criteria)
    pairs: list[tuple[str, object]] = [
        (_("Framework"), framework.title(state.lang)),
        (_("Version"), framework.version),
    ]
    if framework.describe(state.lang):
        pairs.append((_("Description"), framework.describe(state.lang)))
    pairs += [
        (
            _("Smallest sample that counts"),
            _("{n_min} households").format(n_min=number(framework.n_min, state.lang)),
        ),
        (_("Aggregation"), aggregation),
        (_("Mode in force"), mode),
        (
            _("Size"),
            _("{criteria} criteria, {subcriteria} sub-criteria, {indicators} indicators").format(
                criteria=len(framework.criteria),
                subcriteria=len(framework.subcriteria),
                indicators=len(framework.indicators),
            ),
        ),
    ]
    return html.Div(id=ids.METHOD_FRAMEWORK, children=[_definition_list(pairs)])


def indicator_table(context: AppContext, state: ViewState) -> html.Table:
    """Criteria -> sub-criteria -> indicators, with unit, goalposts, direction, weight,
    IRIS-core flag and rationale; one ``tbody`` per criterion."""
    _ = translator(state.lang)
    lang = state.lang
    framework = context.framework
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("Indicator"), scope="col"),
                html.Th(_("Code"), scope="col"),
                html.Th(_("Unit"), scope="col"),
                html.Th(_("Goalposts (worst → best)"), scope="col"),
                html.Th(_("Direction"), scope="col"),
                html.Th(_("Why these goalposts"), scope="col"),
            ]
        )
    )
    bodies = []
    for criterion in framework.criteria:
        counted = criterion.iris_core or not state.core
        flags = [
            _("weight {weight}").format(weight=_plain(criterion.weight, lang)),
        ]
        if criterion.iris_core:
            flags.append(_("IRIS core"))
        if not counted:
            flags.append(_("not counted in IRIS-core mode"))
        rows = [
            html.Tr(
                className="criterion-row" + ("" if counted else " not-counted"),
                children=html.Th(
                    colSpan=6,
                    scope="rowgroup",
                    children=[
                        html.Span(framework.label(criterion.code, lang), className="criterion"),
                        html.Span(" · ".join(flags), className="criterion-flags"),
                    ],
                ),
            )
        ]
        for sub in criterion.subcriteria:
            rows.append(
                html.Tr(
                    className="subcriterion-row",
                    children=html.Th(
                        colSpan=6, scope="rowgroup", children=framework.label(sub.code, lang)
                    ),
                )
            )
            for indicator in sub.indicators:
                worst, best = indicator.goalposts
                direction = _("lower is better") if best < worst else _("higher is better")
                rows.append(
                    html.Tr(
                        className="indicator-row",
                        children=[
                            html.Td(framework.label(indicator.code, lang)),
                            html.Td(html.Code(indicator.code)),
                            html.Td(indicator.unit),
                            html.Td(
                                f"{_plain(worst, lang)} {arrow(lang)} {_plain(best, lang)}",
                                className="goalposts",
                            ),
                            html.Td(direction),
                            html.Td(indicator.why(lang) or "–", className="rationale"),
                        ],
                    )
                )
        bodies.append(html.Tbody(rows))
    return html.Table(
        id=ids.METHOD_INDICATORS,
        className="method-table indicator-table",
        children=[
            html.Caption(
                _("Criteria, sub-criteria and indicators of the framework in force"),
                className="visually-hidden-caption",
            ),
            head,
            *bodies,
        ],
    )


def scoring_text(context: AppContext, state: ViewState) -> html.Div:
    _ = translator(state.lang)
    framework = context.framework
    n_min = framework.n_min
    aggregation = (
        _(
            "The overall score is the weighted geometric mean of the criterion scores: a very "
            "low criterion pulls it down more than a high one lifts it, so strengths do not "
            "fully make up for gaps."
        )
        if framework.aggregation == "geometric"
        else _("The overall score is the weighted arithmetic mean of the criterion scores.")
    )
    steps = [
        _(
            "Parity: each value of a displaced group is compared with the value of the host "
            "community in the same area and round. A score of 100 means the displaced group "
            "does as well as the host community, or better; 0 means it is at the worst "
            "goalpost."
        ),
        _(
            "Absolute: each value is placed between the indicator's two goalposts, the worst "
            "at 0 and the best at 100. Values beyond a goalpost count as that goalpost."
        ),
        _(
            "Fallbacks: where the host community's value is missing or rests on fewer than "
            "{n_min} households, the comparison uses the host value of the area one level up, "
            "and failing that the mean of all host values of that round. Such scores count "
            "as fallbacks in the reliability index."
        ).format(n_min=n_min),
        _(
            "A sub-criterion is the mean of its indicator scores; a criterion is the mean of "
            "its sub-criteria and needs at least half of them."
        ),
        aggregation,
        _(
            "Higher admin levels take the mean of their localities' scores, weighted by the "
            "number of IDPs present where every locality reports it."
        ),
    ]
    legend = class_legend(state.lang)
    classes = html.Ul(
        className="class-legend",
        children=[
            html.Li(
                [
                    html.Span(
                        className="class-swatch",
                        style={"backgroundColor": colour},
                        **{"aria-hidden": "true"},
                    ),
                    html.Span(label, className="class-name"),
                    html.Span(f" ({span})" if span else "", className="class-range"),
                ]
            )
            for colour, label, span in legend
        ],
    )
    return html.Div(
        id=ids.METHOD_SCORING,
        children=[
            html.Ol([html.Li(step) for step in steps], className="method-steps"),
            html.H4(_("Classes")),
            html.P(
                _(
                    "The overall score falls into one of five classes. Parity needs every "
                    "criterion with a score at 100; the other classes are bands of the "
                    "overall score. The colours read in greyscale and for the common "
                    "colour-vision deficiencies."
                )
            ),
            classes,
            html.H4(_("Reliability")),
            html.P(
                _(
                    "Reliability runs from 0 (most reliable) to 10 (least reliable): 10 times "
                    "the share of the framework's indicators without a value, plus half the "
                    "share of values from fewer than {n_min} households, plus half the share "
                    "of comparisons with a fallback comparator, capped at 10. Values of "
                    "{threshold} or more are marked as low reliability on the map and in the "
                    "tables."
                ).format(n_min=n_min, threshold=number(LOW_RELIABILITY, state.lang, 0))
            ),
            html.H4(_("Ranks and their uncertainty")),
            html.P(
                _(
                    "Rank 1 is the area furthest from durable solutions. Each rank is computed "
                    "{draws} times with every criterion weight multiplied by a random factor "
                    "between 0.75 and 1.25 and with geometric or arithmetic aggregation drawn at "
                    "random; the median rank and the range holding 90 percent of the results "
                    "are shown."
                ).format(draws=DEFAULT_DRAWS)
            ),
            html.H4(_("Survey estimates and their uncertainty")),
            html.Div(id=ids.METHOD_SURVEY, children=[html.P(t) for t in survey_text(state)]),
            html.H4(_("Small samples in downloads")),
            html.P(suppression_rule(context, state.lang)),
            html.H4(_("How numbers are shown")),
            html.P(_(DISPLAY_RULE)),
        ],
    )


def _scores_href(state: ViewState) -> str:
    query = {}
    if state.core:
        query["core"] = "iris"
    if state.lang != "en":
        query["lang"] = state.lang
    return _relative(SCORES_ROUTE) + ("?" + urlencode(query) if query else "")


def downloads(context: AppContext, state: ViewState) -> html.Div:
    _ = translator(state.lang)
    name, _data = framework_yaml(context)
    return html.Div(
        className="method-downloads",
        children=[
            *download_button(
                _("Download the framework file (YAML)"),
                button_id=ids.METHOD_FRAMEWORK_BUTTON,
                download_id=ids.METHOD_FRAMEWORK_DOWNLOAD,
                title=name,
            ),
            html.A(
                _("Download all scores (CSV and metadata, zip)"),
                id=ids.METHOD_SCORES_LINK,
                href=_scores_href(state),
                download="",
                className="button button-download",
                title=_(
                    "Every score of every area, round, group and benchmark as CSV with an HXL "
                    "tag row, and its metadata (sources, rounds, framework, each column) in a "
                    "JSON file beside it; scores resting on small samples are left empty."
                )
                if is_public_view()
                else _(
                    "Every score of every area, round, group and benchmark as CSV with an HXL "
                    "tag row, and its metadata (sources, rounds, framework, each column) in a "
                    "JSON file beside it; full detail, small samples included: not for public "
                    "distribution."
                ),
            ),
        ],
    )


def survey_text(state: ViewState) -> list[str]:
    """How survey estimates, their standard errors and intervals are made (DESIGN 3.6)."""
    _ = translator(state.lang)
    return [
        _(
            "Indicator values made from household survey microdata are estimates. For each "
            "area, group and indicator the estimate is the weighted mean of the households' "
            "answers (for a yes/no question, the weighted share answering yes, in percent), "
            "using the survey's household weights; n is the number of households (or people, "
            "for questions about household members) behind it."
        ),
        _(
            "Each estimate comes with a standard error (se): how much it would vary had other "
            "households been sampled. It is computed by Taylor linearisation, treating each "
            "area and group as a domain of the whole survey design and taking its strata and "
            "clusters into account, as the R survey package does. A stratum with a single "
            "cluster adds nothing to it."
        ),
        _(
            "The locality page shows each estimate with its 95 % interval, the estimate plus "
            "or minus 1.96 standard errors, kept within what the unit allows (0 to 100 for a "
            "percentage) and shown by the same rule as the scores. Values that do not come "
            "from a survey have no standard error and are shown without an interval. Scores "
            "are computed from the estimates themselves: the standard errors do not enter "
            "them, and the scores downloads give no standard error."
        ),
        _(
            "A standard error of zero for a value between the unit's limits means that the "
            "survey design could not estimate it (all the area's households in one "
            "cluster): the page then says the interval is not estimable rather than "
            "showing an interval of zero width."
        ),
    ]


def layout(context: AppContext, state: ViewState, **params) -> html.Div:
    """The method page for ``state`` (the router's page contract)."""
    _ = translator(state.lang)
    return html.Div(
        className="method-page",
        lang=state.lang,
        children=[
            html.H2(_("Method and sources"), className="page-title"),
            html.P(
                _(
                    "How the scores on every page are made: the framework in force, its "
                    "goalposts and weights, the scoring steps, and where the data come from."
                ),
                className="page-lead",
            ),
            downloads(context, state),
            _section(
                _("Framework in force"), "method-framework-section", framework_facts(context, state)
            ),
            _section(
                _("Criteria, sub-criteria and indicators"),
                "method-indicators-section",
                indicator_table(context, state),
            ),
            _section(
                _("How a score is made"), "method-scoring-section", scoring_text(context, state)
            ),
            _section(_("Data sources"), "method-sources-section", sources_table(context, state)),
            _section(_("Import history"), "method-imports-section", import_history(context, state)),
        ],
    )


def download_framework(context: AppContext) -> dict:
    """What ``dcc.Download`` receives for the framework button."""
    name, data = framework_yaml(context)
    return dcc.send_bytes(data, name)


def scores_response(
    context: AppContext, args, *, withhold_small_samples: bool = True
) -> flask.Response:
    """The scores CSV and its metadata sidecar, zipped, for ``?core=iris&lang=fr`` (both
    optional); small samples withheld unless ``withhold_small_samples`` is False."""
    core = str(args.get("core", "")).strip().lower() == "iris"
    lang = language(str(args.get("lang", "")).strip().lower())
    latest = context.rounds[-1] if context.rounds else ""
    state = ViewState(
        round=latest,
        criterion="overall",
        group="idp",
        benchmark="parity",
        level=0,
        core=core,
        lang=lang,
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", context.workspace.country_name).strip("-.")
    made = dt.datetime.now(dt.UTC)
    name = f"scores-{stem or 'workspace'}-{made:%Y-%m-%d}{'-iris' if core else ''}"
    csv_name = f"{name}.csv"
    withhold = withhold_small_samples
    metadata = scores_metadata(
        context, state, made=made, data_file=csv_name, withhold_small_samples=withhold
    )
    data = zip_bytes(
        {
            csv_name: scores_csv(context, state, withhold_small_samples=withhold),
            sidecar_name(csv_name): metadata_json(metadata),
        }
    )
    response = flask.Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(app: dash.Dash, context: AppContext) -> None:
    """The framework download (a callback) and the scores CSV (a route)."""

    @app.callback(
        Output(ids.METHOD_FRAMEWORK_DOWNLOAD, "data"),
        Input(ids.METHOD_FRAMEWORK_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
    def download_framework_file(n_clicks):
        return download_framework(current_context(context)) if n_clicks else dash.no_update

    app.server.add_url_rule(
        SCORES_ROUTE,
        endpoint="method_scores_csv",
        # The role of the request's identity decides (DESIGN 5.1), as for the Priorities
        # downloads and the API.
        view_func=lambda: scores_response(
            current_context(context),
            flask.request.args,
            withhold_small_samples=is_public_view(),
        ),
    )
