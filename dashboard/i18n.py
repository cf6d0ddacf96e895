"""Translations: every user-facing string goes through gettext catalogues (DESIGN 2, 5).

Catalogues are Babel/gettext ``.po`` files in ``dashboard/locale/<lang>/LC_MESSAGES/``,
read directly at start (no compile step). The language of a view is the ``lang`` query
parameter, so a page or callback builds its translator from the view state::

    _ = translator(state.lang)
    html.Label(_("Survey round"))

Module-level constants that must be translated later are marked with ``N_`` (identity)
so that extraction finds them. Extraction and update:

    pybabel extract -F babel.cfg -o dashboard/locale/messages.pot .
    pybabel update -i dashboard/locale/messages.pot -d dashboard/locale

Framework labels (criteria, indicators) come from the framework file's own ``label``
mapping, not from these catalogues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "_",
    "direction",
    "language",
    "month_year",
    "number",
    "translator",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"
#: Languages offered in the switcher, with their own names. Arabic and Spanish are ready
#: for catalogues (``direction`` handles right-to-left) but not offered until complete.
LANGUAGES = {"en": "English", "fr": "Français"}
_RIGHT_TO_LEFT = {"ar", "fa", "ps", "ur", "he"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (module constants)."""
    return message


def _(message: str) -> str:
    """English, untranslated: for code that has no view language (logs, the CLI)."""
    return message


def language(lang: str | None) -> str:
    """A supported language code; anything else falls back to English."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=8)
def _catalogue(lang: str) -> dict[str, str]:
    # Read-only after the first read; one dict per language for the process's life.
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    return {
        message.id: message.string
        for message in catalogue
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


def translator(lang: str | None) -> Callable[[str], str]:
    """The gettext function for ``lang``; untranslated messages stay English."""
    catalogue = _catalogue(language(lang))

    def gettext(message: str) -> str:
        return catalogue.get(message, message)

    return gettext


def direction(lang: str | None) -> str:
    """``rtl`` for right-to-left languages, else ``ltr`` (for the page's ``dir``)."""
    return "rtl" if (lang or "") in _RIGHT_TO_LEFT else "ltr"


def month_year(date: str | dt.date | pd.Timestamp, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """A survey round as people say it: ``2024-03-01`` -> ``Mar 2024`` / ``mars 2024``."""
    stamp = pd.Timestamp(date)
    return format_date(stamp.date(), "MMM y", locale=Locale.parse(language(lang)))


def long_date(date: str | dt.date | pd.Timestamp, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """``2024-03-01`` -> ``1 March 2024`` / ``1 mars 2024``."""
    stamp = pd.Timestamp(date)
    return format_date(stamp.date(), "long", locale=Locale.parse(language(lang)))


def number(value: float | int | None, lang: str | None = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A number in the reader's conventions (``12,345.6`` / ``12 345,6``); ``–`` if missing."""
    if value is None or pd.isna(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=Locale.parse(language(lang)))
