"""Keep the translation catalogues in step with the code (a maintainer's tool, not the app).

    python -m dashboard.catalogues            # re-extract messages.pot, merge it into
                                              # every catalogue, list what is untranslated
    python -m dashboard.catalogues --check    # change nothing; exit 1 if the template is
                                              # stale or a catalogue is incomplete

The same with pybabel (Babel's own command line):

    pybabel extract -F babel.cfg -o dashboard/locale/messages.pot .
    pybabel update -i dashboard/locale/messages.pot -d dashboard/locale --no-fuzzy-matching

After an update, new messages have an empty ``msgstr`` in each ``<lang>/LC_MESSAGES/
messages.po``: translate them there (keep every ``{name}`` and ``%(name)s`` placeholder).
Nothing is compiled: ``dashboard.i18n`` reads the ``.po`` files at start.
``tests/dashboard/test_i18n.py`` fails while a catalogue is incomplete or the template
does not match the code.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "dashboard" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
PROJECT = "idp-solutions-dashboard"

__all__ = [
    "catalogue_path",
    "extract",
    "languages",
    "placeholders",
    "problems",
    "read",
    "update",
]

_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%\{[^}]+\}")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted: a translation must keep the same ones."""
    return sorted(_PLACEHOLDER.findall(text))


def languages() -> list[str]:
    """Codes of the languages with a catalogue (English is the source, not a catalogue)."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def extract(root: Path = ROOT) -> Catalog:
    """A fresh template from the sources, as ``pybabel extract -F babel.cfg`` makes it."""
    with (root / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    template = Catalog(project=PROJECT, copyright_holder="the dashboard's authors")
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def problems(catalogue: Catalog, template: Catalog) -> list[str]:
    """What is wrong with one catalogue against the template: messages untranslated (or
    fuzzy, or missing a plural form) and translations that drop or add a placeholder."""
    found = []
    for wanted in template:
        if not wanted.id:
            continue
        message = catalogue.get(wanted.id, wanted.context)
        key = _ids(wanted)[0]
        if message is None:
            found.append(f"untranslated: {key!r}")
            continue
        strings = _strings(message)
        forms = catalogue.num_plurals if isinstance(wanted.id, tuple) else 1
        if message.fuzzy or len(strings) < forms or not all(s and s.strip() for s in strings):
            found.append(f"untranslated: {key!r}")
            continue
        expected = placeholders(_ids(wanted)[-1])
        for string in strings:
            if placeholders(string) != expected:
                found.append(f"placeholders differ: {key!r} -> {string!r}")
    return found


def _write(catalogue: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False, sort_output=False)


def _msgids(catalogue: Catalog) -> set:
    return {m.id for m in catalogue if m.id}


def update(langs: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Re-extract the template, merge it into each catalogue (new messages empty, gone
    ones dropped, translations kept, no fuzzy guesses) and return each one's problems."""
    template = extract()
    _write(template, TEMPLATE)
    report = {}
    for lang in langs or languages():
        path = catalogue_path(lang)
        catalogue = read(path, lang)
        catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalogue.obsolete.clear()
        _write(catalogue, path)
        report[lang] = problems(read(path, lang), template)
    return report


def check() -> dict[str, list[str]]:
    """Problems without writing anything: a stale template, incomplete catalogues."""
    fresh, shipped = _msgids(extract()), _msgids(read(TEMPLATE))
    report: dict[str, list[str]] = {}
    stale = [f"new in the code: {i!r}" for i in sorted(map(str, fresh - shipped))]
    stale += [f"no longer in the code: {i!r}" for i in sorted(map(str, shipped - fresh))]
    if stale:
        report["messages.pot"] = stale
    template = read(TEMPLATE)
    for lang in languages():
        report[lang] = problems(read(catalogue_path(lang), lang), template)
    return {key: value for key, value in report.items() if value}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.catalogues", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on gaps")
    args = parser.parse_args(argv)
    report = check() if args.check else update()
    for name, found in report.items():
        if found:
            print(f"{name}: {len(found)} to do", file=sys.stderr)
            for line in found:
                print(f"  {line}", file=sys.stderr)
    if not any(report.values()):
        print(f"messages.pot and {', '.join(languages())}: complete")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
