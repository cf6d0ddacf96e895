"""Numbers and text as the printed pack shows them: scores cut to the tenth, signed
changes, counts, shares and months in the reader's language (``dashboard.i18n``), and
text made safe for a CSS string (the page footer's running text)."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_percent

from dashboard.briefing.numbers import _missing, score_text, signed_text
from dashboard.i18n import language, month_year, number

__all__ = [
    "MINUS",
    "css_string",
    "fmt_int",
    "fmt_month",
    "fmt_score",
    "fmt_share",
    "fmt_signed",
]

MINUS = "\u2212"


def fmt_score(value, lang: str) -> str:
    """A score as printed (``dashboard.briefing.numbers``: cut down to the tenth)."""
    return score_text(value, lang)


def fmt_signed(value, lang: str) -> str:
    """A change as printed, with its sign (``dashboard.briefing.numbers``)."""
    return signed_text(value, lang)


def fmt_int(value, lang: str) -> str:
    return "–" if _missing(value) else number(round(float(value)), lang, 0)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: every character but ASCII letters and digits
    written as a six-digit hex escape, so nothing in it can end the string or the rule.
    Spaces are escaped too: CSS swallows one space after a hex escape, which would glue
    the words of a non-Latin text (``الصفحة 2 من 14``) together."""
    body = "".join(
        char if (char.isascii() and char.isalnum()) else f"\\{ord(char):06x}" for char in text
    )
    return f'"{body}"'


def fmt_month(value, lang: str) -> str:
    """A round's month and year as printed ("–" for none)."""
    if _missing(value) or not isinstance(value, str) or not value:
        return "–"
    return month_year(value, lang)


def fmt_share(share, lang: str) -> str:
    if _missing(share):
        return "–"
    return format_percent(share, format="#,##0.0%", locale=Locale.parse(language(lang)))
