"""Every fixed text of the pack, translated: the template shows these and no English of
its own, so that ``pybabel extract`` (Python files only) finds all of them.

Sentences are whole, with named placeholders, so a translator can reorder them.
"""

from __future__ import annotations

from dashboard.i18n import N_, translator

__all__ = ["UN_DISCLAIMER", "texts"]

#: The standard United Nations map disclaimer, under every map.
UN_DISCLAIMER = N_(
    "The boundaries and names shown and the designations used on this map do not imply "
    "official endorsement or acceptance by the United Nations."
)


def texts(lang: str) -> dict[str, str]:
    """The pack's fixed texts in ``lang`` (English where the catalogue has no entry).
    Texts with ``{placeholders}`` are formatted where they are used."""
    _ = translator(lang)
    return {
        # running header and footer
        "running_title": _("Durable solutions briefing"),
        "page_of": _("Page {page} of {pages}"),
        "made_on": _("Made on {date}"),
        # cover
        "kicker": _("Briefing pack"),
        "title": _("Durable solutions for internally displaced persons"),
        "subtitle": _(
            "Where internally displaced persons stand on the eight IASC criteria for a "
            "durable solution, area by area, and what changed."
        ),
        "survey_round": _("Survey round"),
        "date_made": _("Date made"),
        "filters": _("Filters in force"),
        "admin_level": _("Admin level"),
        "admin_level_n": _("Admin level {level}"),
        "displaced_group": _("Displaced group"),
        "benchmark": _("Benchmark"),
        "criteria_mode": _("Criteria"),
        "mode_all": _("All {count} criteria of the framework"),
        "mode_core": _("IRIS core: {count} criteria, three needed for an overall score"),
        "language": _("Language"),
        "framework": _("Framework"),
        "framework_version": _("{name}, version {version}"),
        "fictional": _(
            "Fictional demo data: this country and its figures are invented, for trying the "
            "dashboard out. Do not use them for decisions."
        ),
        "contents": _("Contents"),
        "made_with": _(
            "Made with the open-source durable solutions dashboard. Scores follow the "
            "framework named above; the method, sources and caveats are at the end."
        ),
        # headline page
        "at_a_glance": _("At a glance"),
        "idps_present": _("IDPs present"),
        "idps_note": _("sum over the areas of admin level {level}"),
        "areas_assessed": _("Areas assessed"),
        "areas_note": _("of {total} areas, with data for {group} this round"),
        "median_score": _("Median overall score"),
        "median_note": _("of the areas with a score; 0 to 100"),
        "median_change": _("Change in the median"),
        "median_change_note": _("since {date}"),
        "no_previous": _("no earlier round"),
        "per_class": _("Areas per class"),
        "class": _("Class"),
        "score_range": _("Score range"),
        "areas": _("Areas"),
        "share": _("Share"),
        "key_points": _("Key points"),
        "point_assessed": _(
            "{assessed} of the {total} areas at admin level {level} have data for {group} "
            "in {round}."
        ),
        "point_classes": _(
            "Areas with severe gaps (class 1): {severe}. Areas at parity (class 5): {parity}."
        ),
        "point_median_up": _("The median overall score rose from {old} in {date} to {new}."),
        "point_median_down": _("The median overall score fell from {old} in {date} to {new}."),
        "point_median_same": _("The median overall score stayed at {new} since {date}."),
        "point_median_only": _("The median overall score is {new}."),
        "point_stuck": _(
            "Areas in the lowest class for {rounds} rounds or more in a row: {count}."
        ),
        "point_reliability": _(
            "Areas with low reliability (5 or more out of 10): {low}. Areas whose score is "
            "withheld for small samples: {withheld}."
        ),
        "point_rolled_up": _(
            "Scores at this level are rolled up from smaller areas, weighted by IDPs present."
        ),
        # maps
        "map_title": _("The overall score, area by area"),
        "map_caption": _("{group} {compared}, {round}. Admin level {level}."),
        "compared_parity": _("compared with the host community"),
        "compared_absolute": _("against absolute goalposts"),
        "legend": _("Legend"),
        "low_reliability_outlined": _("low reliability (outlined)"),
        # The legend's words follow the benchmark (parity or absolute goalposts).
        "map_note_parity": _(
            "Scores run from 0 to 100 against the host community: 100 means parity with "
            "the non-displaced population of the same area. Areas outlined in black have low "
            "reliability (5 or more out of 10). Grey areas have no score this round, or a "
            "score withheld because it rests on small samples."
        ),
        "map_note_absolute": _(
            "Scores run from 0 to 100 against fixed goalposts: 100 means every indicator at "
            "its best goalpost, 0 at its worst. Areas outlined in black have low reliability "
            "(5 or more out of 10). Grey areas have no score this round, or a score withheld "
            "because it rests on small samples."
        ),
        # An analyst's pack withholds nothing: grey is only "no score".
        "map_note_parity_full": _(
            "Scores run from 0 to 100 against the host community: 100 means parity with "
            "the non-displaced population of the same area. Areas outlined in black have low "
            "reliability (5 or more out of 10). Grey areas have no score this round. Scores "
            "resting on small samples are shown: not for public distribution."
        ),
        "map_note_absolute_full": _(
            "Scores run from 0 to 100 against fixed goalposts: 100 means every indicator at "
            "its best goalpost, 0 at its worst. Areas outlined in black have low reliability "
            "(5 or more out of 10). Grey areas have no score this round. Scores resting on "
            "small samples are shown: not for public distribution."
        ),
        "multiples_title": _("Each criterion, area by area"),
        "multiples_caption": _(
            "Criterion scores of {group} {compared}, {round}. The colours use the same steps "
            "as the overall score; grey: no score, or withheld."
        ),
        "multiples_caption_full": _(
            "Criterion scores of {group} {compared}, {round}. The colours use the same steps "
            "as the overall score; grey: no score. Scores resting on small samples are shown."
        ),
        "multiples_core_note": _("Criteria marked * count in the IRIS-core overall score."),
        # movers and stuck
        "movers_title": _("What changed since the previous round"),
        "movers_intro": _(
            "Change of the overall score since each area's previous round with a score. "
            "Changes with a withheld end (small samples) are left out."
        ),
        "improvements": _("Largest improvements"),
        "declines": _("Largest declines"),
        "area": _("Area"),
        "pcode": _("P-code"),
        "part_of": _("Part of"),
        "before_now": _("Before → now"),
        "change": _("Change"),
        "weakest": _("Weakest criterion"),
        "previous_round": _("Previous round"),
        "no_improvements": _("No area improved since its previous round."),
        "no_declines": _("No area declined since its previous round."),
        "stuck_title": _("Stuck localities"),
        "stuck_intro": _(
            "Areas in the lowest class (severe gaps, below 40) for {rounds} rounds or more "
            "in a row, up to {round}."
        ),
        "rounds_in_row": _("Rounds in a row"),
        "since": _("Since"),
        "score_now": _("Score now"),
        "no_stuck": _("No area has been in the lowest class for {rounds} rounds or more in a row."),
        "more_rows": _("… and {count} more: see the priorities table in the dashboard."),
        # locality pages
        "localities_title": _("Selected localities"),
        "localities_default": _("The five lowest overall scores of the view."),
        "localities_chosen": _("Localities chosen for this briefing."),
        "overall_score": _("Overall score"),
        "change_since": _("Change since {date}"),
        "change_since_previous": _("Change since the previous round"),
        "reliability": _("Reliability"),
        "reliability_value": _("{value} of 10"),
        "low_reliability": _("low reliability"),
        "data": _("Data"),
        "values_of": _("{present} of {expected} values"),
        "in_short": _("In short"),
        "bars_title": _("Each criterion against the comparator"),
        "bars_parity": _(
            "Absolute scores of {group} and of the host community they are compared with, "
            "on the same indicators: 0 is the worst goalpost, 100 the best. The gap between "
            "the bars is what the parity score measures."
        ),
        "bars_absolute": _(
            "Absolute scores of {group} per criterion: 0 is the worst goalpost, 100 the best."
        ),
        "criterion": _("Criterion"),
        "score": _("Score"),
        "score_parity": _("Parity score"),
        "score_absolute": _("Absolute score"),
        "selected_default": _("The five lowest overall scores"),
        "selected_chosen": _("Localities in this briefing"),
        "idps": _("IDPs"),
        "values_with_data": _("Values with data"),
        "small_samples": _("Small samples"),
        "fallbacks": _("Fallback comparators"),
        "suppressed": _("suppressed"),
        "suppressed_note": _(
            "Suppressed: half or more of the values behind it come from samples of fewer "
            "than {n_min} households, so it is not published."
        ),
        "rolled_up_note": _(
            "Scores rolled up from {count} smaller areas with data, weighted by IDPs present."
        ),
        "sources": _("Sources"),
        "no_score": _("no score"),
        "no_data": _("no data"),
        "class_n": _("class {number}: {name}"),
        # method
        "method_title": _("Method and sources"),
        "method_scores": _(
            "Each indicator is scored from 0 to 100 between two goalposts: 0 at the worst "
            "value, 100 at the best. The parity benchmark scores a displaced group against "
            "the host community of the same area instead, where 100 means no gap."
        ),
        "method_aggregation": _(
            "Indicator scores are averaged into sub-criteria, and sub-criteria into criteria "
            "(a criterion needs half of its sub-criteria). The overall score is the weighted "
            "{aggregation} mean of the criterion scores and needs at least {min_criteria} "
            "criteria with a score."
        ),
        "aggregation_geometric": _("geometric"),
        "aggregation_arithmetic": _("arithmetic"),
        "method_classes": _(
            "Classes of the overall score: 5 parity (every criterion at 100), 4 near parity "
            "(80 to 100), 3 partial (60 to 80), 2 major gaps (40 to 60), 1 severe gaps "
            "(below 40)."
        ),
        "method_rollup": _(
            "A larger area without data of its own gets the mean of its smaller areas' "
            "scores, weighted by IDPs present."
        ),
        "criteria_weights": _("Criteria and weights"),
        "weight": _("Weight"),
        "iris_core": _("IRIS core"),
        "yes": _("yes"),
        "no": _("no"),
        "goalposts": _("Goalposts"),
        "goalposts_intro": _(
            "Each indicator's goalposts, in its own unit: the worst value scores 0, the best "
            "100, and values beyond them are clipped."
        ),
        "indicator": _("Indicator"),
        "unit": _("Unit"),
        "why_goalposts": _("Why these goalposts"),
        "worst": _("Worst"),
        "best": _("Best"),
        "data_sources": _("Data sources"),
        "source": _("Source"),
        "file": _("File"),
        "rounds": _("Rounds"),
        "first": _("From"),
        "last": _("To"),
        "values_count": _("Values"),
        "imported": _("Imported"),
        "no_source": _("Source not given"),
        "rounds_in_data": _("Rounds in the data"),
        "reliability_title": _("What reliability means"),
        "reliability_text": _(
            "Reliability runs from 0 (most reliable) to 10 (least reliable): 10 times the "
            "share of the framework's indicators without a value, plus half the share resting "
            "on samples of fewer than {n_min} households, plus half the share compared with a "
            "fallback comparator (the parent area's host-community value, or the mean of the "
            "round), capped at 10. 5 or more is low reliability, outlined on the map."
        ),
        # caveats
        "caveats_title": _("Caveats"),
        "caveat_small": _("Small samples are suppressed"),
        "caveat_small_shown": _("Small samples are shown: not for public distribution"),
        "caveat_small_count": _(
            "In this view, {withheld} of the {total} areas have their overall score "
            "withheld, and {criteria} criterion scores of areas are withheld: they are grey "
            "on the maps, left out of the tables and marked as suppressed on the locality "
            "pages."
        ),
        "caveat_small_share": _(
            "{share} of the indicator values behind this view rest on samples of fewer than "
            "{n_min} households (rule: n < {n_min})."
        ),
        "caveat_fallback": _("Fallback comparators"),
        "caveat_fallback_text": _(
            "{share} of the indicator values behind this view were compared with a fallback "
            "comparator, because the area's own host-community value was missing or rested "
            "on a small sample."
        ),
        "caveat_missing": _("Missing data"),
        "caveat_missing_text": _(
            "{share} of the indicator values expected for the areas assessed are missing. "
            "Missing values are left out of the means, never counted as zero."
        ),
        "caveat_reading": _("Reading the scores"),
        "caveat_reading_text": _(
            "Scores compare displaced people with their host community (parity) or with "
            "fixed goalposts (absolute), within one framework version: they are not "
            "comparable across framework versions or countries. Where scores are close, "
            "ranks are uncertain: the dashboard shows each area's rank band."
        ),
        "about_title": _("About this briefing"),
        "country": _("Country"),
        "suppression_rule": _("Suppression rule"),
        "suppression_short": _(
            "Scores resting mostly on samples of fewer than {n_min} households are withheld "
            "(n < {n_min}); see Caveats."
        ),
        "full_detail_short": _(
            "Full detail: scores resting on samples of fewer than {n_min} households are "
            "shown (n < {n_min}); not for public distribution. See Caveats."
        ),
        "made_with_short": _("Made with"),
        "tool_name": _("the open-source durable solutions dashboard"),
        "map_disclaimer": _(UN_DISCLAIMER),
    }
