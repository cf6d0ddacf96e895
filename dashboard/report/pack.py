"""The pack's pages as template data: numbers formatted for the reader, texts
translated, figures embedded. ``assemble`` is pure: it takes the drawn figures and the
tables, and returns the dict the template renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.briefing.areas import counted_criteria
from dashboard.briefing.headline import (
    STUCK_ROUNDS,
    STUCK_ROWS,
    Headline,
    headline_figures,
    movers,
)
from dashboard.briefing.headline import stuck as stuck_areas
from dashboard.briefing.labels import (
    BENCHMARK_LABELS,
    CLASS_NAMES,
    CLASS_RANGES,
    GROUP_LABELS,
    LOW_RELIABILITY,
    class_label,
)
from dashboard.briefing.numbers import _missing
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.figures.map import CLASS_COLOURS, OUTLINE_COLOUR
from dashboard.i18n import (
    LANGUAGES,
    arrow,
    comma,
    direction,
    long_date,
    month_year,
    number,
    semicolon,
)
from dashboard.report.content import Coverage, LocalityPage
from dashboard.report.formatting import (
    css_string,
    fmt_int,
    fmt_month,
    fmt_score,
    fmt_share,
    fmt_signed,
)
from dashboard.report.texts import texts

__all__ = ["Figures", "assemble"]

# -- the pack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Where the figures are: the URL of each map (``"overall"`` and the criterion
    codes) and of each locality's bars (by P-code). See ``pdf.figure_url``."""

    maps: dict[str, str]
    bars: dict[str, str]


def _group_name(state: ViewState, _) -> str:
    return _(GROUP_LABELS.get(state.group, state.group))


def _legend(values: pd.DataFrame, state: ViewState, t: dict, grey: str) -> list[dict]:
    counts = values["class"].value_counts(dropna=True).to_dict()
    rows = [
        {
            "colour": CLASS_COLOURS[klass],
            "number": klass,
            "label": class_label(klass, state.lang),
            "range": span,
            "count": fmt_int(counts.get(float(klass), 0), state.lang),
        }
        for klass, span in CLASS_RANGES
    ]
    rows.append(
        {
            "colour": "#cfcfcf",
            "number": "",
            "label": grey,
            "range": "",
            "count": fmt_int(int(values["score"].isna().sum()), state.lang),
        }
    )
    return rows


def _table_rows(frame: pd.DataFrame, lang: str, framework=None) -> list[dict]:
    """Rows of a shown area table (``dashboard.briefing.areas.shown_table``), printed."""
    rows = []
    for r in frame.to_dict("records"):
        weakest = r.get("weakest")
        rows.append(
            {
                "name": r["name"],
                "pcode": r["pcode"],
                "parent": r["parent_name"] or "",
                "before": fmt_score(r["previous"], lang),
                "now": fmt_score(r["score"], lang),
                "change": fmt_signed(r["since_previous"], lang),
                "previous_round": fmt_month(r["previous_round"], lang),
                "stuck_rounds": fmt_int(r["stuck_rounds"], lang),
                "stuck_since": fmt_month(r["stuck_since"], lang),
                "klass": None if _missing(r["class"]) else int(r["class"]),
                "withheld": bool(r["suppressed"]),
                "weakest": framework.label(weakest, lang) if weakest and framework else "",
            }
        )
    return rows


def _key_points(
    context: AppContext, state: ViewState, head: Headline, stuck_count: int, t: dict, _
) -> list[str]:
    lang = state.lang
    points = [
        t["point_assessed"].format(
            assessed=fmt_int(head.areas_assessed, lang),
            total=fmt_int(head.areas_total, lang),
            level=state.level,
            group=_group_name(state, _),
            round=month_year(state.round, lang),
        ),
        t["point_classes"].format(
            severe=fmt_int(head.per_class.get(1, 0), lang),
            parity=fmt_int(head.per_class.get(5, 0), lang),
        ),
    ]
    if head.median is not None:
        new = fmt_score(head.median, lang)
        change = head.median_change
        if change is None:
            points.append(t["point_median_only"].format(new=new))
        else:
            date = month_year(head.previous_round, lang)
            old = fmt_score(head.previous_median, lang)
            if round(change, 1) > 0:
                key = "point_median_up"
            elif round(change, 1) < 0:
                key = "point_median_down"
            else:
                key = "point_median_same"
            points.append(t[key].format(old=old, new=new, date=date))
    points.append(t["point_stuck"].format(rounds=STUCK_ROUNDS, count=fmt_int(stuck_count, lang)))
    points.append(
        t["point_reliability"].format(
            low=fmt_int(head.low_reliability, lang), withheld=fmt_int(head.withheld, lang)
        )
    )
    if head.rolled_up:
        points.append(t["point_rolled_up"])
    return points


def _class_rows(head: Headline, state: ViewState, t: dict, grey: str) -> list[dict]:
    total = head.areas_total or 1
    rows = []
    for klass, span in CLASS_RANGES:
        count = head.per_class.get(klass, 0)
        rows.append(
            {
                "colour": CLASS_COLOURS[klass],
                "number": klass,
                "label": class_label(klass, state.lang),
                "range": span,
                "count": fmt_int(count, state.lang),
                "share": fmt_share(count / total, state.lang),
                "width": round(100 * count / total, 2),
            }
        )
    other = head.no_score + head.withheld
    rows.append(
        {
            "colour": "#cfcfcf",
            "number": "",
            "label": grey,
            "range": "",
            "count": fmt_int(other, state.lang),
            "share": fmt_share(other / total, state.lang),
            "width": round(100 * other / total, 2),
        }
    )
    return rows


def _locality(page: LocalityPage, state: ViewState, bars: str | None, t: dict, _) -> dict:
    lang = state.lang
    group = _group_name(state, _)
    klass = page.score_class
    suppressed = t["suppressed"]
    if page.overall_withheld:
        overall_text = suppressed
    elif page.overall is None:
        overall_text = t["no_score"]
    else:
        overall_text = fmt_score(page.overall, lang)
    change_label = (
        t["change_since"].format(date=month_year(page.previous_round, lang))
        if page.previous_round
        else t["change_since_previous"]
    )
    change_note = ""
    if page.overall_withheld:
        change_text = suppressed
    elif page.since_previous is None:
        change_text = "–"
    else:
        change_text = fmt_signed(page.since_previous, lang)
        change_note = (
            f"{fmt_score(page.previous, lang)} {arrow(lang)} {fmt_score(page.overall, lang)}"
        )
    criteria = []
    for line in page.criteria:
        criteria.append(
            {
                "label": line.label,
                "score": suppressed if line.withheld else fmt_score(line.score, lang),
                "withheld": line.withheld,
                "change": suppressed if line.withheld else fmt_signed(line.since_previous, lang),
                "present": f"{fmt_int(line.values_present, lang)} / "
                f"{fmt_int(line.values_expected, lang)}",
                "small": fmt_int(line.small_samples, lang),
                "fallbacks": fmt_int(line.fallbacks, lang),
            }
        )
    sources = [
        f"{name or t['no_source']} ({comma(lang).join(month_year(r, lang) for r in _span(rounds))})"
        for name, rounds in page.sources
    ]
    reliability_low = page.reliability is not None and page.reliability >= LOW_RELIABILITY
    return {
        "id": f"locality-{page.pcode}",
        "name": page.name,
        "pcode": page.pcode,
        "parent": page.parent_name or "",
        "level": page.level,
        "scored": page.scored,
        "overall": overall_text,
        "overall_withheld": page.overall_withheld,
        "klass": klass,
        "klass_colour": CLASS_COLOURS.get(klass, "#cfcfcf") if klass else "#cfcfcf",
        "klass_label": t["class_n"].format(number=klass, name=class_label(klass, lang))
        if klass
        else "",
        "change_label": change_label,
        "change": change_text,
        "change_note": change_note,
        "reliability": t["reliability_value"].format(value=number(page.reliability, lang, 1))
        if page.reliability is not None
        else "–",
        "reliability_low": reliability_low,
        "idps": fmt_int(page.idps_present, lang),
        "data": t["values_of"].format(
            present=fmt_int(page.values_present, lang),
            expected=fmt_int(page.values_expected, lang),
        ),
        "sentences": list(page.sentences),
        "bars": bars,
        "bars_caption": (
            t["bars_parity"] if state.benchmark == "parity" else t["bars_absolute"]
        ).format(group=group),
        "criteria": criteria,
        "score_header": t["score_parity"] if state.benchmark == "parity" else t["score_absolute"],
        "any_withheld": page.overall_withheld or any(line.withheld for line in page.criteria),
        "rolled_up": t["rolled_up_note"].format(count=fmt_int(page.members, lang))
        if page.rolled_up
        else "",
        "sources": semicolon(lang).join(sources),
    }


def _selected_row(page: LocalityPage, lang: str, t: dict, weakest: str = "") -> dict:
    if page.overall_withheld:
        score = t["suppressed"]
    else:
        score = fmt_score(page.overall, lang) if page.overall is not None else t["no_score"]
    return {
        "id": f"locality-{page.pcode}",
        "name": page.name,
        "pcode": page.pcode,
        "parent": page.parent_name or "",
        "score": score,
        "klass": page.score_class,
        "colour": CLASS_COLOURS.get(page.score_class, "#cfcfcf"),
        "label": class_label(page.score_class, lang) if page.score_class else "",
        "change": fmt_signed(page.since_previous, lang),
        "idps": fmt_int(page.idps_present, lang),
        "withheld": bool(page.overall_withheld),
        # The area table's weakest criterion (``indicators.rounds.weakest_criterion``);
        # the locality's own page names it in its summary.
        "weakest": weakest,
    }


def _span(rounds: Sequence[str]) -> list[str]:
    """First and last of a sorted list of rounds (one if equal)."""
    if not rounds:
        return []
    return [rounds[0]] if rounds[0] == rounds[-1] else [rounds[0], rounds[-1]]


def _method(context: AppContext, state: ViewState, t: dict) -> dict:
    framework = context.framework
    lang = state.lang
    criteria = [
        {
            "label": framework.label(c.code, lang),
            "weight": number(c.weight, lang, 1 if c.weight != int(c.weight) else 0),
            "core": t["yes"] if c.iris_core else t["no"],
        }
        for c in framework.criteria
    ]
    goalposts = []
    for criterion in framework.criteria:
        first = True
        for sub in criterion.subcriteria:
            for indicator in sub.indicators:
                goalposts.append(
                    {
                        "criterion": framework.label(criterion.code, lang) if first else "",
                        "indicator": framework.label(indicator.code, lang),
                        "unit": indicator.unit,
                        "worst": number(indicator.worst, lang, _digits(indicator.worst)),
                        "best": number(indicator.best, lang, _digits(indicator.best)),
                        "why": indicator.why(lang),
                        "first": first,
                    }
                )
                first = False
    aggregation = t[f"aggregation_{framework.aggregation}"]
    min_criteria = 3 if state.core else framework.min_criteria
    return {
        "name": framework.title(lang),
        "version": framework.version,
        "description": framework.describe(lang),
        "paragraphs": [
            t["method_scores"],
            t["method_aggregation"].format(
                aggregation=aggregation, min_criteria=fmt_int(min_criteria, lang)
            ),
            t["method_classes"],
            t["method_rollup"],
        ],
        "criteria": criteria,
        "goalposts": goalposts,
        "reliability": t["reliability_text"].format(n_min=fmt_int(framework.n_min, lang)),
    }


def _digits(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def _sources(sources: pd.DataFrame, lang: str, t: dict) -> list[dict]:
    rows = []
    for s in sources.to_dict("records"):
        rows.append(
            {
                "source": s["source"] or t["no_source"],
                "file": s["file"],
                "first": fmt_month(s["first_round"], lang),
                "last": fmt_month(s["last_round"], lang),
                "rounds": fmt_int(s["rounds"], lang),
                "count": fmt_int(s["rows"], lang),
                "imported": long_date(s["imported"], lang) if s["imported"] else "–",
            }
        )
    return rows


def assemble(
    context: AppContext,
    state: ViewState,
    *,
    made: dt.datetime,
    table: pd.DataFrame,
    head: Headline,
    map_values: pd.DataFrame,
    pages: Sequence[LocalityPage],
    default_selection: bool,
    cover: Coverage,
    sources: pd.DataFrame,
    suppression_rule: str,
    drawn: Figures,
    criteria_withheld: int = 0,
    withhold_small_samples: bool = True,
) -> dict:
    """Everything the template shows, for the view ``state``; the small-sample caveat
    and the about line follow ``withhold_small_samples`` (the public rule, or an
    analyst's full detail)."""
    from dashboard.i18n import translator

    _ = translator(state.lang)
    t = texts(state.lang)
    lang = state.lang
    framework = context.framework
    workspace = context.workspace
    group = _group_name(state, _)
    compared = t["compared_parity"] if state.benchmark == "parity" else t["compared_absolute"]
    round_long = long_date(state.round, lang)
    round_month = month_year(state.round, lang)
    count = len(counted_criteria(context, state.core))
    up, down = movers(table)
    weakest_of = {
        pcode: framework.label(code, lang)
        for pcode, code in zip(table["pcode"], table["weakest"], strict=True)
        if code
    }
    stuck = stuck_areas(table)
    country = workspace.country_name
    made_text = long_date(made.date(), lang)
    page_of = t["page_of"]
    before, _sep, rest = page_of.partition("{page}")
    middle, _sep, after = rest.partition("{pages}")
    page_label = " ".join(
        [
            css_string(before),
            "counter(page)",
            css_string(middle),
            "counter(pages)",
            css_string(after),
        ]
    )
    filters = [
        (t["admin_level"], t["admin_level_n"].format(level=state.level)),
        (t["displaced_group"], group),
        (t["benchmark"], _(BENCHMARK_LABELS[state.benchmark])),
        (
            t["criteria_mode"],
            (t["mode_core"] if state.core else t["mode_all"]).format(count=count),
        ),
        (t["language"], LANGUAGES.get(lang, lang)),
        (
            t["framework"],
            t["framework_version"].format(name=framework.name, version=framework.version),
        ),
    ]
    expected = cover.values_expected
    present = expected - cover.values_missing
    grey = t["no_score"] + " / " + t["suppressed"] if withhold_small_samples else t["no_score"]
    small_share = t["caveat_small_share"].format(
        share=fmt_share(cover.values_small / present if present else None, lang),
        n_min=fmt_int(framework.n_min, lang),
    )
    if withhold_small_samples:
        small = (
            t["caveat_small"],
            [
                suppression_rule,
                t["caveat_small_count"].format(
                    withheld=fmt_int(head.withheld, lang),
                    total=fmt_int(head.areas_total, lang),
                    criteria=fmt_int(criteria_withheld, lang),
                ),
                small_share,
            ],
        )
        rule_short = t["suppression_short"]
    else:
        # An analyst's pack shows them: saying they are withheld would be untrue.
        small = (t["caveat_small_shown"], [suppression_rule, small_share])
        rule_short = t["full_detail_short"]
    caveats = [
        small,
        (
            t["caveat_fallback"],
            [
                t["caveat_fallback_text"].format(
                    share=fmt_share(cover.parity_fallbacks / present if present else None, lang)
                )
            ],
        ),
        (
            t["caveat_missing"],
            [
                t["caveat_missing_text"].format(
                    share=fmt_share(cover.share(cover.values_missing), lang)
                )
            ],
        ),
        (t["caveat_reading"], [t["caveat_reading_text"]]),
    ]
    rounds = list(context.rounds)
    about = [
        (t["country"], country),
        (t["survey_round"], round_long),
        (
            t["rounds_in_data"],
            f"{month_year(rounds[0], lang)} – {month_year(rounds[-1], lang)} "
            f"({fmt_int(len(rounds), lang)})",
        ),
        (
            t["framework"],
            t["framework_version"].format(name=framework.name, version=framework.version),
        ),
        (
            t["data_sources"],
            "; ".join(
                f"{row['source']} ({row['first']} – {row['last']}), {row['file']}"
                for row in _sources(sources, lang, t)
            )
            or "–",
        ),
        (
            t["suppression_rule"],
            rule_short.format(n_min=fmt_int(framework.n_min, lang)),
        ),
        (t["date_made"], made_text),
        (t["made_with_short"], t["tool_name"]),
    ]
    title = f"{country} — {t['running_title']} — {round_month}"
    return {
        "lang": lang,
        "dir": direction(lang),
        "t": t,
        "meta": {
            "title": title,
            "author": "durable solutions dashboard",
            "description": t["subtitle"],
            "keywords": ", ".join(
                [country, t["running_title"], f"{framework.name} {framework.version}", state.round]
            ),
            "created": made.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "running": {
            "country": country,
            "title": f"{t['running_title']} · {round_month}",
            "made": t["made_on"].format(date=made_text),
            "page_label": page_label,
        },
        "cover": {
            "country": country,
            "round": round_long,
            "made": made_text,
            "filters": filters,
            "fictional": workspace.is_fictional,
        },
        "glance": {
            # The same figures as above the dashboard's map (briefing.headline).
            "kpis": headline_figures(head, state),
            "classes": _class_rows(head, state, t, grey),
            "selected_title": t["selected_default"] if default_selection else t["selected_chosen"],
            "selected": [_selected_row(p, lang, t, weakest_of.get(p.pcode, "")) for p in pages],
            "points": _key_points(context, state, head, len(stuck), t, _),
        },
        "main_map": {
            "image": drawn.maps.get("overall"),
            "caption": t["map_caption"].format(
                group=group, compared=compared, round=round_long, level=state.level
            ),
            "legend": _legend(map_values, state, t, grey),
            # grey means "withheld" too only where the pack withholds
            "note": t[f"map_note_{state.benchmark}" + ("" if withhold_small_samples else "_full")],
            "outline_colour": OUTLINE_COLOUR,
        },
        "multiples": {
            "grey": grey,
            "maps": [
                {
                    "label": framework.label(code, lang),
                    "core": code in framework.core_criterion_codes,
                    "image": drawn.maps.get(code),
                }
                for code in framework.criterion_codes
            ],
            "caption": t["multiples_caption" + ("" if withhold_small_samples else "_full")].format(
                group=group, compared=compared, round=round_long
            ),
            "core_note": t["multiples_core_note"] if state.core else "",
            "legend": [
                {"colour": CLASS_COLOURS[k], "label": class_label(k, lang), "range": span}
                for k, span in CLASS_RANGES
            ],
        },
        "movers": {
            "up": _table_rows(up, lang, framework),
            "down": _table_rows(down, lang, framework),
        },
        "stuck": {
            "intro": t["stuck_intro"].format(rounds=STUCK_ROUNDS, round=round_month),
            "rows": _table_rows(stuck.head(STUCK_ROWS), lang, framework),
            "more": t["more_rows"].format(count=fmt_int(len(stuck) - STUCK_ROWS, lang))
            if len(stuck) > STUCK_ROWS
            else "",
            "none": t["no_stuck"].format(rounds=STUCK_ROUNDS),
        },
        "localities": {
            "intro": t["localities_default"] if default_selection else t["localities_chosen"],
            "pages": [_locality(p, state, drawn.bars.get(p.pcode), t, _) for p in pages],
            "suppressed_note": t["suppressed_note"].format(n_min=fmt_int(framework.n_min, lang)),
        },
        "method": _method(context, state, t),
        "sources": _sources(sources, lang, t),
        "caveats": caveats,
        "about": about,
        "class_names": {k: class_label(k, lang) for k in CLASS_NAMES},
    }
