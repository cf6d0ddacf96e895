"""Numbers as every output prints them: the one display rule for scores, signed
changes, and missing values (DESIGN 2: one fact, one place)."""

from __future__ import annotations

import math

import numpy as np

from dashboard.i18n import number


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _float(value) -> float | None:
    """A plain float, or None for missing (NaN, None, NaT)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _cut(value: float) -> float:
    """Cut (not round) to one decimal, as the map does, so 79.96 reads 79.9 (partial)."""
    return math.floor(value * 10 + 1e-6) / 10


def _score_text(value: float | None, lang: str) -> str:
    return "–" if _missing(value) else number(_cut(value), lang, 1)


def _signed(value: float | None, lang: str) -> str:
    if _missing(value):
        return "–"
    value = round(value, 1)
    text = number(abs(value), lang, 1)
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text  # a true minus sign
    return text
