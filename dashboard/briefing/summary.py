"""The plain-words summary of one locality (``summary_sentences``): numbers in,
translated sentences out, so the locality page and the PDF say the same thing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dashboard.briefing.numbers import _missing
from dashboard.i18n import month_year, number, translator
from indicators.rounds import weakest_criterion

#: A criterion whose score moved by less than this many points "stayed about the same".
STABLE_POINTS = 5.0


def _first_index(values: Sequence[float | None], before: int) -> int | None:
    return next((i for i in range(before) if not _missing(values[i])), None)


def summary_sentences(
    series: Mapping[str, Sequence[float | None]],
    rounds: Sequence[str],
    current: str,
    *,
    overall: Sequence[float | None] | None = None,
    small_samples: int = 0,
    values_total: int = 0,
    n_min: int = 30,
    areas: int = 1,
    lang: str = "en",
    stable: float = STABLE_POINTS,
    weakest: str | None = None,
) -> list[str]:
    """A few sentences on what the numbers say, e.g. "Safety improved from 42 to 58 since
    Mar 2024." and "Values for 3 of 29 indicators rest on small samples...".

    ``series`` maps each criterion's (translated) label to its score per round of
    ``rounds`` (YYYY-MM-DD, oldest first); ``overall`` is the overall score per round;
    ``current`` is the round of the view. Changes are against the first round with a
    score; a change under ``stable`` points "stayed about the same". ``small_samples`` of
    ``values_total`` indicator values rest on samples under ``n_min`` (over ``areas``
    areas for a rolled-up area).
    """
    _ = translator(lang)
    rounds = list(rounds)
    now = rounds.index(current)

    def num(value: float) -> str:
        return number(value, lang, 0)

    def date(index: int) -> str:
        return month_year(rounds[index], lang)

    sentences: list[str] = []
    present = {label: v[now] for label, v in series.items() if not _missing(v[now])}
    overall_now = None if overall is None else overall[now]

    if _missing(overall_now) and not present:
        sentences.append(
            _("There is no score for {date}: too few indicators have data.").format(date=date(now))
        )
    elif overall is not None and _missing(overall_now):
        sentences.append(
            _("There is no overall score for {date}: too few criteria have a score.").format(
                date=date(now)
            )
        )
    elif overall is not None:
        first = _first_index(overall, now)
        if first is None:
            sentences.append(
                _("The overall score is {new} in {date}, the first round with a score.").format(
                    new=num(overall_now), date=date(now)
                )
            )
        else:
            old, diff = overall[first], overall_now - overall[first]
            if diff >= stable:
                template = _("The overall score improved from {old} to {new} since {date}.")
            elif diff <= -stable:
                template = _("The overall score declined from {old} to {new} since {date}.")
            else:
                template = _(
                    "The overall score stayed about the same since {date}: {old} then, {new} now."
                )
            sentences.append(template.format(old=num(old), new=num(overall_now), date=date(first)))

    # Criteria: the largest improvement and the largest decline since their first score.
    changes = []
    for label, values in series.items():
        if _missing(values[now]):
            continue
        first = _first_index(values, now)
        if first is not None:
            changes.append((values[now] - values[first], label, values[first], values[now], first))
    if changes:
        best = max(changes, key=lambda c: c[0])
        worst = min(changes, key=lambda c: c[0])
        if best[0] >= stable:
            sentences.append(
                _("{criterion} improved from {old} to {new} since {date}.").format(
                    criterion=best[1], old=num(best[2]), new=num(best[3]), date=date(best[4])
                )
            )
        if worst[0] <= -stable:
            sentences.append(
                _("{criterion} declined from {old} to {new} since {date}.").format(
                    criterion=worst[1], old=num(worst[2]), new=num(worst[3]), date=date(worst[4])
                )
            )
        if best[0] < stable and worst[0] > -stable:
            since = min(c[4] for c in changes)
            sentences.append(
                _("No criterion changed by {points} points or more since {date}.").format(
                    points=num(stable), date=date(since)
                )
            )

    # The weakest criterion now, and whether it was already the weakest at the start.
    # ``weakest`` (a label) is the area table's, when the caller withholds some scores
    # from ``series``: a withheld weakest criterion is not replaced by another one.
    if weakest is None and present:
        labels = list(present)
        _index, codes = weakest_criterion(np.array([[present[k] for k in labels]]), labels)
        weakest = codes[0]
    if len(present) >= 2 and weakest in present:
        label, value = weakest, present[weakest]
        if value >= 100 - 1e-9:
            sentences.append(_("Every criterion with a score is at 100."))
        else:
            starts = [_first_index(v, now) for v in series.values()]
            start = min((s for s in starts if s is not None), default=None)
            earlier = (
                {lb: v[start] for lb, v in series.items() if not _missing(v[start])}
                if start is not None
                else {}
            )
            was_weakest = (
                len(earlier) >= 2
                and label in earlier
                and min(earlier.items(), key=lambda item: item[1])[0] == label
            )
            template = (
                _("{criterion} remains the weakest criterion, at {score}.")
                if was_weakest
                else _("{criterion} is the weakest criterion, at {score}.")
            )
            sentences.append(template.format(criterion=label, score=num(value)))

    absent = [label for label, v in series.items() if _missing(v[now])]
    if present and absent:
        sentences.append(
            _("No score this round for: {criteria}.").format(criteria="; ".join(absent))
        )

    if small_samples > 0:
        if areas > 1:
            template = _(
                "{count} of {total} indicator values from {areas} areas rest on small samples "
                "(fewer than {n_min} respondents)."
            )
        else:
            template = _(
                "Values for {count} of {total} indicators rest on small samples "
                "(fewer than {n_min} respondents)."
            )
        sentences.append(
            template.format(
                count=num(small_samples),
                total=num(values_total),
                areas=num(areas),
                n_min=num(n_min),
            )
        )
    return sentences
