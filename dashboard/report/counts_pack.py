"""The first-day briefing pack: a workspace with boundaries and DTM counts but no score
yet (DESIGN 5 and 6). Cover, headline figures, the map of IDPs (or returnees) present,
the areas whose figure moved most since the previous round, and what to import next.

The numbers are those of the dashboard's counts map (``dashboard.briefing.counts``) and
the map is drawn by the same builder (``dashboard.figures.counts``), so screen and paper
agree. ``build_report`` hands over to ``build_counts_report`` when nothing is scored.
"""

from __future__ import annotations

import datetime as dt
import math

from dashboard.briefing.counts import (
    COUNT_LABELS,
    COUNT_OF_GROUP,
    CountView,
    area_points,
    count_headline,
    count_movers,
    count_values,
    counts_at_level,
    holdings,
    next_step,
)
from dashboard.briefing.numbers import MINUS
from dashboard.context import AppContext
from dashboard.figures.counts import counts_figure
from dashboard.i18n import N_, direction, long_date, month_year, number, translator
from dashboard.report.content import ReportInputError, made_now
from dashboard.report.figures import level_geometry
from dashboard.report.formatting import css_string
from dashboard.report.pdf import TEMPLATES, figure_url, write_pdf
from dashboard.report.renderer import FigureJob, shared_renderer
from dashboard.report.texts import UN_DISCLAIMER

MAP_SIZE = (900, 720)

TEXTS = {
    "kicker": N_("Briefing pack"),
    "round": N_("Round"),
    "date_made": N_("Date made"),
    "fictional": N_("Fictional demo data: this country and its figures are invented."),
    "contents": N_("Contents"),
    "glance": N_("At a glance"),
    "movers": N_("Areas that moved most since the previous round"),
    "area": N_("Area"),
    "pcode": N_("P-code"),
    "present": N_("Persons"),
    "change": N_("Change"),
    "since": N_("Since"),
    "none": N_("None."),
    "sources": N_("Sources"),
    "disclaimer": UN_DISCLAIMER,
}


def resolve_counts_view(
    context: AppContext,
    *,
    round: str | None = None,
    level: int | None = None,
    group: str = "idp",
    lang: str = "en",
) -> CountView:
    """The counts view of the pack, checked; raises ``ReportInputError`` with what there
    is when the workspace has no counts, or the round or level is not one of them."""
    held = holdings(context)
    if not held.counts or not held.levels:
        raise ReportInputError(next_step(held, lang))
    variable = COUNT_OF_GROUP.get(group, "idps_present")
    variable = variable if variable in held.counts else next(iter(held.counts))
    level = max(held.levels) if level is None else int(level)
    if level not in held.levels:
        raise ReportInputError(
            f"admin level {level} has no map geometry; levels: "
            + ", ".join(str(lv) for lv in held.levels)
        )
    rounds = list(counts_at_level(context, variable, level).columns)
    if round is None or str(round).strip() == "":
        chosen = rounds[-1]
    else:
        text = str(round).strip()
        chosen = text + "-01" if len(text) == 7 else text
        if chosen not in rounds:
            raise ReportInputError(
                f"round {round!r} has no {variable} figure; rounds: {rounds[0]} .. {rounds[-1]}"
            )
    return CountView(variable, level, chosen)


def _signed(value: float, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return ("+" if value > 0 else MINUS if value < 0 else "") + number(abs(value), lang)


def counts_pack_data(
    context: AppContext, view: CountView, lang: str, made: dt.datetime, image: str
) -> dict:
    """Everything the template shows, as text (tests read it without a PDF)."""
    _ = translator(lang)
    head = count_headline(context, view)
    values = count_values(context, view)
    label = _(COUNT_LABELS[view.variable])
    up, down = count_movers(values)

    def rows(table):
        return [
            {
                "name": row.name,
                "pcode": row.pcode,
                "present": number(row.present, lang),
                "change": _signed(row.since_previous, lang),
                "since": month_year(row.previous_round, lang) if row.previous_round else "–",
            }
            for row in table.itertuples()
        ]

    t = {key: _(text) for key, text in TEXTS.items()}
    page_of = _("Page {page} of {pages}")
    before, _s, rest = page_of.partition("{page}")
    middle, _s, after = rest.partition("{pages}")
    kpis = [
        {
            "label": label,
            "value": "–" if head.total is None else number(head.total, lang),
            "note": month_year(view.round, lang),
        },
        {
            "label": _("Areas reporting"),
            "value": f"{number(head.areas_reporting, lang)} / {number(head.areas_total, lang)}",
            "note": _("admin level {level}").format(level=view.level),
        },
        {
            "label": _("Change"),
            "value": _signed(head.change, lang),
            "note": _("since {round}").format(round=month_year(head.previous_round, lang))
            if head.previous_round
            else _("first round"),
        },
    ]
    sources = [f"{row['file']} ({row['sources'] or '–'})" for _i, row in context.sources.iterrows()]
    return {
        "lang": lang,
        "dir": direction(lang),
        "css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "page_label": " ".join(
            [
                css_string(before),
                "counter(page)",
                css_string(middle),
                "counter(pages)",
                css_string(after),
            ]
        ),
        "title": _("Displacement figures"),
        "country": context.workspace.country_name,
        "made": long_date(made.date(), lang),
        "round": month_year(view.round, lang),
        "fictional": context.workspace.is_fictional,
        "next_step": next_step(holdings(context), lang),
        "t": t,
        "kpis": kpis,
        "summary": _(
            "No score yet: this pack shows the figures of persons present that the "
            "workspace holds, by area and round."
        ),
        "map_title": label,
        "caption": f"{label} — {month_year(view.round, lang)} · "
        + _("admin level {level}").format(level=view.level),
        "image": image,
        "movers": [(_("Largest increases"), rows(up)), (_("Largest decreases"), rows(down))],
        "sources": sources,
    }


def render_counts_html(data: dict) -> str:
    from dashboard.report.pdf import _environment

    return _environment().get_template("counts.html").render(**data)


def counts_map_job(context: AppContext, view: CountView, lang: str) -> FigureJob:
    geometry = level_geometry(context, view.level)
    width, height = MAP_SIZE
    figure = counts_figure(
        count_values(context, view),
        view.level,
        geometry.collection,
        locations=geometry.locations,
        names=geometry.names,
        points=area_points(context, view.level),
        bounds=geometry.bounds,
        label=translator(lang)(COUNT_LABELS[view.variable]),
        height=height,
        lang=lang,
    ).to_plotly_json()
    figure["layout"]["width"] = width
    return FigureJob(figure, width, height)


def build_counts_report(
    context: AppContext,
    *,
    round: str | None = None,
    level: int | None = None,
    group: str = "idp",
    lang: str = "en",
    made: dt.datetime | None = None,
):
    """The first-day pack as a ``dashboard.report.Report``."""
    from dashboard.report import Report

    view = resolve_counts_view(context, round=round, level=level, group=group, lang=lang)
    made = made or made_now()
    (svg,) = shared_renderer().render([counts_map_job(context, view, lang)])
    data = counts_pack_data(context, view, lang, made, figure_url("counts-map"))
    printed: dict = {}
    pdf = write_pdf(
        render_counts_html(data), {"counts-map": lambda: (svg, "image/svg+xml")}, printed
    )
    return Report(
        pdf=pdf,
        pages=int(printed.get("pages", 0)),
        round=view.round,
        level=view.level,
        localities=(),
        timings={},
    )
