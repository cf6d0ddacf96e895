"""Numbers as every output prints them (DESIGN 2: one fact, one place).

THE DISPLAY RULE: a score, a criterion score or a change is shown to one decimal, cut
down to its tenth (rounded toward minus infinity): 14.98 reads 14.9, 79.96 reads 79.9
and a change of -4.68 reads -4.7. A score is never shown rounded up into a class it has
not reached (79.96 is "partial", below 80); classes are computed from the unrounded
score. ``shown`` is the rule; the map, the Priorities page, the CSV, the locality page
and the PDF all print through it. The method page states it (``RULE``).
"""

from __future__ import annotations

import math

import numpy as np

from dashboard.i18n import N_, number, signed_mark

#: The rule in words, for the method page and the exports' metadata.
RULE = N_(
    "Scores and changes are shown to one decimal, cut down to the tenth below (14.98 "
    "reads 14.9, a change of −4.68 reads −4.7), so that a score is never shown rounded up "
    "into a class it has not reached; classes are computed from the unrounded score."
)
MINUS = "\u2212"
#: Guards against binary fractions: 0.3 * 10 is 2.9999999999999996, still 0.3.
_EPSILON = 1e-6


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _float(value) -> float | None:
    """A plain float, or None for missing (NaN, None, NaT)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def shown(value: float | None) -> float | None:
    """``value`` as displayed (the display rule); None where missing."""
    value = _float(value)
    return None if value is None else math.floor(value * 10 + _EPSILON) / 10


def shown_array(values: np.ndarray) -> np.ndarray:
    """``shown`` over an array (NaN stays NaN)."""
    return np.floor(np.asarray(values, dtype=float) * 10 + _EPSILON) / 10


def score_text(value: float | None, lang: str) -> str:
    """A score as printed: the display rule, the language's decimal sign; "–" if missing."""
    value = shown(value)
    return "–" if value is None else number(value, lang, 1)


def signed_text(value: float | None, lang: str) -> str:
    """A change as printed: the display rule with a sign (+, or a true minus); "0.0"
    when it shows as zero; "–" if missing."""
    value = shown(value)
    if value is None:
        return "–"
    text = number(abs(value), lang, 1)
    if value > 0:
        return signed_mark(lang) + "+" + text
    if value < 0:
        return signed_mark(lang) + MINUS + text
    return text


#: What values of a unit can be: an interval is clipped to it (a share cannot go
#: below 0 % or above 100 %, a time or a ratio below 0). Other units: unbounded.
UNIT_RANGES = {
    "percent": (0.0, 100.0),
    "minutes": (0.0, math.inf),
    "ratio": (0.0, math.inf),
}
#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.96


def interval(value: float | None, se: float | None, unit: str = "") -> tuple[float, float] | None:
    """The 95 % interval of a survey estimate, ``value ± 1.96·se`` clipped to the
    unit's range (``UNIT_RANGES``), unrounded; None where the value or its standard
    error is missing (values that are not survey estimates have no interval).

    Also None where ``se`` is 0 for a value inside the unit's range: households that
    disagree cannot have no sampling error, so the design could not estimate it (a
    domain within one cluster, DESIGN 3.6), and a zero-width interval would be a fake
    one. At a bound (0 % or 100 % of households) a zero ``se`` is what the data say."""
    value, se = _float(value), _float(se)
    if value is None or se is None or se < 0:
        return None
    low, high = UNIT_RANGES.get(unit, (-math.inf, math.inf))
    if se == 0 and low < value < high:
        return None
    return max(low, value - Z95 * se), min(high, value + Z95 * se)


def value_text(value: float | None, lang: str) -> str:
    """An indicator value (or an interval's end) as printed: the display rule."""
    return score_text(value, lang)
