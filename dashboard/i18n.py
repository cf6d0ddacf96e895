"""Translation hooks for every user-facing string (DESIGN 2 and 5).

English only for now: ``_`` returns its argument. Wrapping each string already means that
switching to gettext/Babel later (``lang`` query parameter: en, fr, later ar, es) is a
change here plus message catalogues, not a hunt through the pages.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

__all__ = ["DEFAULT_LANGUAGE", "_", "month_year"]

DEFAULT_LANGUAGE = "en"


def _(message: str) -> str:
    """Translate ``message`` (identity until catalogues exist)."""
    return message


# Marked for extraction; Babel's format_date(..., "MMM y", locale) replaces this later.
_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def month_year(date: str | dt.date | pd.Timestamp) -> str:
    """A survey round as people say it: ``2024-03-01`` -> ``Mar 2024``."""
    stamp = pd.Timestamp(date)
    return f"{_(_MONTHS[stamp.month - 1])} {stamp.year}"
