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

Plurals: ``ngettext = ntranslator(state.lang)`` then ``ngettext("%(count)s area",
"%(count)s areas", n) % {"count": number(n, state.lang)}``.

The languages offered (``LANGUAGES``) are English and every language with a catalogue
(Arabic, Spanish and French ship): dropping ``locale/<code>/LC_MESSAGES/messages.po`` in
place offers another, and ``direction`` makes a right-to-left one's pages right to left.
``python -m dashboard.catalogues`` re-extracts the template, merges it into every
catalogue and lists what is left to translate (``--check`` changes nothing).

Arabic (DESIGN 5.2), decisions:
- Digits are Latin (``12,345.6``, Babel's ``latn`` numbering, CLDR's default for
  numbers in ``ar`` here): Plotly's axes and hover labels can only draw Latin digits, so
  page, charts and paper agree; P-codes, survey data and the reports of the Arabic-
  speaking offices this serves (Iraq, Libya, Sudan, Yemen, Syria) use them.
- A signed number gets a left-to-right mark (``signed_mark``) so ``−4.7`` does not turn
  into ``4.7−``; ``arrow`` points the reading way; ``comma``/``semicolon`` are Arabic.
- Dates are Babel's ``ar`` (``مارس 2024``).
- Fonts: none is shipped. The page asks for the system's Arabic face (``Noto Sans
  Arabic`` on Debian, Android and ChromeOS, then Segoe UI, Tahoma, Geeza Pro: see
  ``assets/style.css``), a sans for screen text; the PDF uses ``Noto Naskh Arabic``
  (``fonts-noto-core``, in install.sh), the naskh of printed documents, which WeasyPrint
  shapes with pango/harfbuzz and embeds.

Framework labels (criteria, indicators) come from the framework file's own ``label``
mapping, not from these catalogues.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

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
    "arrow",
    "comma",
    "direction",
    "language",
    "locale_of",
    "long_date",
    "month_year",
    "ntranslator",
    "number",
    "semicolon",
    "separators",
    "signed_mark",
    "translator",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"
_RIGHT_TO_LEFT = {"ar", "fa", "ps", "ur", "he", "ckb", "sd", "ug", "yi", "dv"}


def _offered_languages() -> dict[str, str]:
    """English, plus every language with a catalogue, each named in its own language.

    Adding a language is dropping ``locale/<code>/LC_MESSAGES/messages.po`` in place:
    the switcher, the URL and the page direction (``direction``) follow.
    """
    offered = {DEFAULT_LANGUAGE: "English"}
    for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        code = path.parent.parent.name
        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (ValueError, LookupError):
            continue  # not a locale Babel knows: no dates or numbers for it
        offered[code] = name[:1].upper() + name[1:]
    return offered


#: Languages offered in the switcher, code -> own name (``{"en": "English", "fr":
#: "Français"}``). Read once at import; the catalogues ship with the package.
LANGUAGES: Mapping[str, str] = MappingProxyType(_offered_languages())


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (module constants)."""
    return message


def _(message: str) -> str:
    """English, untranslated: for code that has no view language (logs, the CLI)."""
    return message


def language(lang: str | None) -> str:
    """A supported language code; anything else falls back to English."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class _Catalogue:
    singular: Mapping[str, str]
    plural: Mapping[str, tuple[str, ...]]
    plural_index: Callable[[int], int]


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


@lru_cache(maxsize=16)
def _catalogue(lang: str) -> _Catalogue:
    # Read-only after the first read; one per language for the process's life.
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return _Catalogue({}, {}, _english_plural)
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            if message.string:
                singular[message.id] = message.string
        elif all(message.string):
            plural[message.id[0]] = tuple(message.string)
    return _Catalogue(singular, plural, gettext_module.c2py(catalogue.plural_expr))


def translator(lang: str | None) -> Callable[[str], str]:
    """The gettext function for ``lang``; untranslated messages stay English."""
    catalogue = _catalogue(language(lang)).singular

    def gettext(message: str) -> str:
        return catalogue.get(message, message)

    return gettext


def ntranslator(lang: str | None) -> Callable[[str, str, int], str]:
    """The ngettext function for ``lang``: ``ngettext("%(count)s area", "%(count)s areas",
    n) % {"count": ...}``, with the language's own plural rule (French: 0 and 1 are
    singular)."""
    catalogue = _catalogue(language(lang))

    def ngettext(singular: str, plural: str, n: int) -> str:
        forms = catalogue.plural.get(singular)
        if forms is None:
            return singular if _english_plural(n) == 0 else plural
        return forms[min(catalogue.plural_index(n), len(forms) - 1)]

    return ngettext


def direction(lang: str | None) -> str:
    """``rtl`` for right-to-left languages, else ``ltr`` (for the page's ``dir``)."""
    return "rtl" if (lang or "").split("_")[0] in _RIGHT_TO_LEFT else "ltr"


def arrow(lang: str | None) -> str:
    """The arrow from one thing to the next in reading order (``before → after``): it
    points left in a right-to-left language, where the reader goes right to left."""
    return "←" if direction(lang) == "rtl" else "→"


def comma(lang: str | None) -> str:
    """The separator of a list written in code (``a, b``): Arabic has its own comma."""
    return "، " if (lang or "").split("_")[0] in ("ar", "fa", "ur", "ps") else ", "


def semicolon(lang: str | None) -> str:
    """``; ``, or the Arabic semicolon."""
    return "؛ " if (lang or "").split("_")[0] in ("ar", "fa", "ur", "ps") else "; "


def signed_mark(lang: str | None) -> str:
    """What goes before a signed number so that its sign stays on its left in
    right-to-left text (a left-to-right mark, as CLDR writes Arabic signs); else ``""``.

    Without it the bidirectional algorithm shows ``−4.7`` as ``4.7−`` in Arabic."""
    return "\u200e" if direction(lang) == "rtl" else ""


@lru_cache(maxsize=16)
def locale_of(lang: str | None) -> Locale:
    """The Babel locale of a supported language (cached: parsing one costs)."""
    return Locale.parse(language(lang))


def month_year(date: str | dt.date | pd.Timestamp, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """A survey round as people say it: ``2024-03-01`` -> ``Mar 2024`` / ``mars 2024``."""
    stamp = pd.Timestamp(date)
    return format_date(stamp.date(), "MMM y", locale=locale_of(lang))


def long_date(date: str | dt.date | pd.Timestamp, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """``2024-03-01`` -> ``1 March 2024`` / ``1 mars 2024``."""
    stamp = pd.Timestamp(date)
    return format_date(stamp.date(), "long", locale=locale_of(lang))


def separators(lang: str | None) -> str:
    """Plotly's ``layout.separators`` (decimal mark, then thousands) for ``lang``."""
    locale = locale_of(lang)
    group = locale.number_symbols["latn"]["group"]
    decimal = locale.number_symbols["latn"]["decimal"]
    # Plotly draws a narrow no-break space as a box in some fonts: a plain one reads the same.
    return decimal + (" " if group.isspace() else group)


def number(value: float | int | None, lang: str | None = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A number in the reader's conventions (``12,345.6`` / ``12 345,6``); ``–`` if missing."""
    if value is None or pd.isna(value):
        return "–"
    if value == 0:  # 0.0 and -0.0 are one key of the cache, and Babel writes "-0"
        return _number.__wrapped__(value, lang, digits)
    return _number(value, lang, digits)


@lru_cache(maxsize=8192)
def _number(value: float | int, lang: str | None, digits: int) -> str:
    # Babel parses the pattern and quantizes a Decimal on each call (~30 us): a table of
    # 774 areas formats the same ranks, counts and scores thousands of times per page.
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale_of(lang))
