"""Translations: the catalogue template follows the sources, French is complete, and a
French page shows no English interface text. Plus the language helpers."""

from __future__ import annotations

import functools
import importlib
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from dashboard import catalogues, i18n
from dashboard.i18n import (
    LANGUAGES,
    direction,
    language,
    month_year,
    ntranslator,
    number,
    separators,
    translator,
)
from dashboard.pages.map import map_page

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "dashboard" / "locale" / "messages.pot"
FRENCH = ROOT / "dashboard" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
PAGE_MODULES = ("locality", "priorities", "method")
CATALOGUES = ("ar", "es", "fr")


def _msgids(catalog: Catalog) -> set:
    return {message.id for message in catalog if message.id}


def test_template_is_up_to_date_with_the_sources(tmp_path):
    fresh = tmp_path / "messages.pot"
    with fresh.open("wb") as handle:
        write_po(handle, catalogues.extract(ROOT))
    with fresh.open("rb") as handle:
        wanted = _msgids(read_po(handle))
    with POT.open("rb") as handle:
        shipped = _msgids(read_po(handle))
    assert wanted - shipped == set(), "run: python -m dashboard.catalogues"
    assert shipped - wanted == set(), "messages no longer in the sources: re-extract"


def _french() -> Catalog:
    with FRENCH.open("rb") as handle:
        return read_po(handle, locale="fr")


def test_every_language_with_a_catalogue_is_one_we_ship():
    assert catalogues.languages() == sorted(CATALOGUES)


@pytest.mark.parametrize("lang", CATALOGUES)
def test_every_message_is_translated_with_its_placeholders(lang):
    """Every msgid of messages.pot has a translation (all plural forms, not fuzzy) that
    keeps the English placeholders. ``python -m dashboard.catalogues`` lists the gaps."""
    template = catalogues.read(POT)
    catalogue = catalogues.read(catalogues.catalogue_path(lang), lang)
    assert _msgids(template) <= _msgids(catalogue)
    assert catalogues.problems(catalogue, template) == []


@pytest.mark.parametrize("lang", CATALOGUES)
def test_catalogues_keep_every_placeholder(lang):
    for message in catalogues.read(catalogues.catalogue_path(lang), lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = _placeholders(ids[-1])
        for string in strings:
            assert _placeholders(string) == expected, message.id


def test_the_completeness_check_finds_gaps():
    template = catalogues.read(POT)
    french = _french()
    first = next(m for m in french if m.id and isinstance(m.id, str))
    first.string = ""
    plural = next(m for m in french if isinstance(m.id, tuple))
    plural.string = (plural.string[0].replace("%(count)s", "%(n)s"), plural.string[1])
    found = catalogues.problems(french, template)
    assert found[0] == f"untranslated: {first.id!r}"
    assert any(line.startswith("placeholders differ") for line in found)


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|\{\w*\}|%\{[^}]+\}", text))


# -- no English left in translated pages----------------------------------------------------

_TEXT_PROPS = ("title", "aria-label", "placeholder", "alt", "label", "headerName", "headerTooltip")


def _strings(node, found: list[str]) -> list[str]:
    """Every string a reader may see in a component tree: children, text props, option
    labels, slider marks, grid column headers and the strings of figures."""
    if isinstance(node, str):
        found.append(node)
    elif isinstance(node, list | tuple):
        for item in node:
            _strings(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("geojson", "colorscale", "type", "id", "className", "style", "field"):
                continue
            _strings(value, found)
    elif hasattr(node, "to_plotly_json") and hasattr(node, "_prop_names"):  # Dash component
        for prop in ("children", *_TEXT_PROPS, "options", "marks", "columnDefs", "figure"):
            value = getattr(node, prop, None)
            if value is None:
                continue
            if prop == "figure" and hasattr(value, "to_plotly_json"):
                value = value.to_plotly_json()
            if prop == "options" and isinstance(value, list):
                # What an option shows, not the value it stands for.
                value = [o.get("label") if isinstance(o, dict) else o for o in value]
            _strings(value, found)
    elif hasattr(node, "to_plotly_json"):  # a plotly Figure
        _strings(node.to_plotly_json(), found)
    return found


@functools.lru_cache(maxsize=4)
def _english_only(lang: str = "fr") -> tuple[frozenset[str], tuple[str, ...]]:
    """English messages whose translation differs: exact strings, and long ones (four
    words or more) that must not appear inside any text either."""
    exact, long = set(), []
    for message in catalogues.read(catalogues.catalogue_path(lang), lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings:
                continue
            exact.add(english)
            fixed = [part for part in re.split(r"%\(\w+\)[sd]|\{\w*\}", english) if part]
            long += [part.strip() for part in fixed if len(part.split()) >= 4]
    return frozenset(exact), tuple(long)


def _english_in(tree, lang: str = "fr") -> list[str]:
    exact, long = _english_only(lang)
    leaks = []
    for text in _strings(tree, []):
        if text.strip() in exact:
            leaks.append(text)
            continue
        leaks += [f"{part!r} in {text[:80]!r}" for part in long if part in text]
    return leaks


@pytest.fixture(scope="module", params=CATALOGUES)
def translated_pages(request, demo_context):
    lang = request.param
    context = demo_context.context
    state = replace(demo_context.options.default, lang=lang)
    pages = {"map": map_page(demo_context, state)}
    pages["map, level 1, IRIS core"] = map_page(demo_context, replace(state, level=1, core=True))
    first = demo_context.layers[state.level].locations[0]
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(f"dashboard.pages.{name}")
        except ModuleNotFoundError:
            continue
        params = {"pcode": first} if name == "locality" else {}
        pages[name] = module.layout(context, state, **params)
    return lang, pages


def test_translated_pages_have_no_english_interface_text(translated_pages):
    lang, pages = translated_pages
    leaks = {name: _english_in(tree, lang) for name, tree in pages.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


@pytest.mark.parametrize("lang", CATALOGUES)
def test_translated_shell_has_no_english(demo_context, lang):
    from dashboard.components.shell import shell_texts

    texts = shell_texts(demo_context.context, lang)
    # A store's `data` is no text a reader sees (URL values such as benchmark=parity).
    shown = [value for (_id, prop), value in texts.items() if prop != "data"]
    assert _english_in(shown, lang) == []


def test_the_leak_detector_finds_english():
    from dash import html

    assert _english_in(html.Div([html.Label("Survey round"), "Carte"])) == ["Survey round"]


# -- the helpers ------------------------------------------------------------------------


def test_languages_are_english_and_the_catalogues():
    assert dict(LANGUAGES) == {
        "en": "English",
        "ar": "العربية",
        "es": "Español",
        "fr": "Français",
    }
    assert language("fr") == "fr" and language("xx") == "en" and language(None) == "en"
    with pytest.raises(TypeError):
        LANGUAGES["de"] = "Deutsch"  # read-only: no module state changes at run time


def test_dropping_a_catalogue_adds_a_language(tmp_path, monkeypatch):
    locale_dir = tmp_path / "locale"
    shutil.copytree(FRENCH.parent.parent, locale_dir / "fr")
    arabic = locale_dir / "ar" / "LC_MESSAGES"
    arabic.mkdir(parents=True)
    (arabic / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n\nmsgid "Map"\nmsgstr "خريطة"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale_dir)
    offered = i18n._offered_languages()
    assert list(offered) == ["en", "ar", "fr"]
    assert offered["ar"] == "العربية"
    assert direction("ar") == "rtl" and direction("fr") == "ltr" and direction("en") == "ltr"


def test_translator_and_plurals():
    _ = translator("fr")
    assert _("Survey round") == "Cycle d’enquête"
    assert _("A message nobody wrote") == "A message nobody wrote"
    assert translator("en")("Survey round") == "Survey round"
    ngettext = ntranslator("fr")
    singular, plural = (
        "Map of %(count)s area at admin level %(level)s",
        ("Map of %(count)s areas at admin level %(level)s"),
    )
    # French: 0 and 1 take the singular.
    assert ngettext(singular, plural, 0).startswith("Carte de %(count)s zone ")
    assert ngettext(singular, plural, 1).startswith("Carte de %(count)s zone ")
    assert ngettext(singular, plural, 2).startswith("Carte de %(count)s zones ")
    english = ntranslator("en")
    assert english(singular, plural, 0) == plural and english(singular, plural, 1) == singular


def test_numbers_and_dates_in_the_reader_conventions():
    assert number(12345.6, "en", 1) == "12,345.6"
    assert number(12345.6, "fr", 1) == "12\u202f345,6"
    assert number(float("nan"), "fr") == "–"
    assert separators("en") == ".," and separators("fr") == ", "
    assert month_year("2024-03-01", "fr") == "mars 2024"


def test_numbers_are_formatted_alike_each_time_signed_zero_included():
    """``number`` keeps each value's text once made: the same value, language and digits
    give the same text, and a negative zero keeps its sign as Babel writes it."""
    from babel.numbers import format_decimal

    from dashboard.i18n import number

    for value in (0.0, -0.0, 0.0, 1234.56, 1234.56, -0.0):
        expected = format_decimal(value, format="#,##0.0", locale="fr")
        assert number(value, "fr", 1) == expected
    assert number(-0.0, "en", 1) == "-0.0" and number(0.0, "en", 1) == "0.0"
    assert number(12345, "es") != number(12345, "en")  # the cache keys on the language
