"""Place the area codes (or names) of an observation file on the workspace's areas.

Real files spell P-codes differently from the COD-AB: DTM writes ``IRQ-G01Q01`` where the
boundaries have ``IQG01Q01``; spreadsheets lose leading zeros, add spaces, change case.
Every code that is mapped to a different spelling is reported, and so is every code that
cannot be placed. Matching by name is an explicit option: names are ambiguous, so every
match, near-match and miss is listed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pycountry

_SEPARATORS = re.compile(r"[\s\-_./]+")
_NAME_NOISE = re.compile(r"[^a-z0-9]+")
#: Near-matches by name must be at least this similar (difflib ratio) and clearly better
#: than the runner-up, or they are reported as misses.
NEAR_MATCH_CUTOFF = 0.85


@dataclass
class Placement:
    """How the file's area codes relate to the workspace's P-codes."""

    code_for: dict[str, str] = field(default_factory=dict)
    respelled: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    #: unplaced code -> why (a look-alike letter, a repair that would change level)
    reasons: dict[str, str] = field(default_factory=dict)
    name_matches: dict[str, str] = field(default_factory=dict)
    near_matches: dict[str, tuple[str, float]] = field(default_factory=dict)
    name_misses: list[str] = field(default_factory=list)
    region_mismatches: list[str] = field(default_factory=list)
    shared_targets: list[str] = field(default_factory=list)

    def lines(self, limit: int = 100_000) -> list[str]:
        lines = []
        if self.respelled:
            lines.append(f"{len(self.respelled)} code(s) respelled to the workspace's P-codes:")
            lines += [f"    {a} -> {b}" for a, b in sorted(self.respelled.items())[:limit]]
            if len(self.respelled) > limit:
                lines.append(f"    ... and {len(self.respelled) - limit} more")
        if self.name_matches:
            lines.append(f"{len(self.name_matches)} area name(s) matched exactly:")
            lines += [f"    {a!r} -> {b}" for a, b in sorted(self.name_matches.items())[:limit]]
        if self.near_matches:
            lines.append(
                f"{len(self.near_matches)} area name(s) matched approximately; check them:"
            )
            lines += [
                f"    {a!r} -> {b} (similarity {score:.2f})"
                for a, (b, score) in sorted(self.near_matches.items())
            ]
        if self.name_misses:
            lines.append(f"{len(self.name_misses)} area name(s) not matched:")
            lines += [f"    {a!r}" for a in sorted(self.name_misses)[:limit]]
        if self.region_mismatches:
            lines.append(
                f"warning: {len(self.region_mismatches)} match(es) disagree with the file's "
                "region; check them:"
            )
            lines += [f"    {line}" for line in self.region_mismatches[:limit]]
        if self.shared_targets:
            lines.append(
                f"warning: {len(self.shared_targets)} area(s) matched by two or more names "
                "of the file; their rows would be one area's:"
            )
            lines += [f"    {line}" for line in self.shared_targets[:limit]]
        return lines


def _country_prefixes(known: Iterable[str]) -> dict[str, str]:
    """ISO3 -> ISO2 for the countries whose ISO2 code starts the workspace's P-codes."""
    prefixes = {code[:2].upper() for code in known if len(code) >= 2 and code[:2].isalpha()}
    mapping = {}
    for iso2 in prefixes:
        country = pycountry.countries.get(alpha_2=iso2)
        if country is not None:
            mapping[country.alpha_3] = iso2
    return mapping


def _compact(code: str) -> str:
    return _SEPARATORS.sub("", code.strip().upper())


def _without_zero_padding(code: str) -> str:
    # Spreadsheets drop leading zeros of codes that look like numbers, and some files
    # write NG1001 for NG001001: compare digit runs by their value.
    return re.sub(r"\d+", lambda m: str(int(m.group())), code)


def place_codes(
    codes: Iterable[str],
    known: Iterable[str],
    levels: dict[str, int] | None = None,
    declared: dict[str, int] | None = None,
) -> Placement:
    """Map each file code to one workspace P-code, or list it as unplaced.

    ``levels`` gives each workspace code's admin level; ``declared`` the level the file
    states for a code (its column ``admin2Pcode`` or tag ``#adm2+code``). A repaired
    code (respelled, zero padding restored) must land on an area of the declared level
    (else of the level the file's other codes have) and of that level's code length: a
    repair that would put an admin-2 code on an admin-1 area of the same digits
    (``XX011`` on ``XX11``) is refused and the code listed as unknown.
    """
    known = list(known)
    known_set = set(known)
    levels = levels or {}
    declared = declared or {}
    iso3_to_iso2 = _country_prefixes(known)
    by_compact: dict[str, set[str]] = defaultdict(set)
    by_unpadded: dict[str, set[str]] = defaultdict(set)
    lengths: dict[int, set[int]] = defaultdict(set)
    for code in known:
        by_compact[_compact(code)].add(code)
        by_unpadded[_without_zero_padding(_compact(code))].add(code)
        lengths[levels.get(code, -1)].add(len(code))
    codes = list(dict.fromkeys(codes))
    exact_levels = [levels[c] for c in codes if c in known_set and c in levels]
    usual = max(set(exact_levels), key=exact_levels.count) if exact_levels else None

    placement = Placement()
    for code in codes:
        want = declared.get(code, usual)
        # an exact code counts only at the file's level: `XX7` in an admin-2 column is
        # admin-2 `XX0007` with its zeros lost, not admin-1 `XX7`
        if code in known_set and (want is None or not levels or levels.get(code) == want):
            placement.code_for[code] = code
            continue
        odd = _look_alikes(code)
        if odd:
            placement.unplaced.append(code)
            placement.reasons[code] = odd
            continue
        compact = _compact(code)
        if compact[:3] in iso3_to_iso2:
            candidates = [compact, iso3_to_iso2[compact[:3]] + compact[3:]]
        else:
            candidates = [compact]
        found: set[str] = set()
        elsewhere: set[str] = set()
        for candidate in candidates:
            found = by_compact.get(candidate, set())
            if not found:
                found = by_unpadded.get(_without_zero_padding(candidate), set())
            if want is not None and levels:
                elsewhere = {f for f in found if levels.get(f) != want}
                found = {f for f in found if levels.get(f) == want}
                found = {f for f in found if len(f) in lengths[want]}
            if found:
                break
        if len(found) == 1:
            (match,) = found
            placement.code_for[code] = match
            placement.respelled[code] = match
        else:
            placement.unplaced.append(code)
            if elsewhere and not found:
                other = sorted(elsewhere)[0]
                placement.reasons[code] = (
                    f"would match {other}, an admin-{levels[other]} area, but the file gives "
                    f"admin-{want} codes here; not placed"
                )
            elif len(found) > 1:
                placement.reasons[code] = f"matches {len(found)} areas ({', '.join(sorted(found))})"
    return placement


def _look_alikes(code: str) -> str | None:
    """Non-ASCII letters that look like Latin ones (Cyrillic А, Greek Ο, full-width
    digits) make a code that no P-code list holds; name them, never guess."""
    odd = [(i, ch) for i, ch in enumerate(code) if ord(ch) > 127 and not ch.isspace()]
    if not odd:
        return None
    shown = ", ".join(
        f"{ch!r} ({unicodedata.name(ch, f'U+{ord(ch):04X}')}) at position {i + 1}"
        for i, ch in odd[:3]
    )
    return f"holds non-ASCII character(s) {shown}; retype them as plain letters and digits"


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _NAME_NOISE.sub("", text)


def place_names(
    names: pd.Series, areas: pd.DataFrame, parents: pd.Series | None = None
) -> Placement:
    """Match area names to the workspace's areas of the deepest level that fits best.

    ``parents`` (the parent area's name per row) disambiguates equal names.
    """
    placement = Placement()
    areas = areas[["pcode", "name", "level", "parent_pcode"]]
    name_of = dict(zip(areas["pcode"], areas["name"], strict=True))
    index: dict[str, list[str]] = defaultdict(list)
    for pcode, name in zip(areas["pcode"], areas["name"], strict=True):
        index[normalise_name(str(name))].append(pcode)
    keys = list(index)

    pairs = pd.DataFrame({"name": names, "parent": parents if parents is not None else ""})
    for name, parent in pairs.drop_duplicates().itertuples(index=False):
        label = f"{name} ({parent})" if parent else name
        key = normalise_name(name)
        candidates = index.get(key, [])
        if len(candidates) > 1 and parent:
            candidates = [
                c
                for c in candidates
                if normalise_name(str(name_of.get(_parent_of(areas, c), "")))
                == normalise_name(parent)
            ]
        if len(candidates) == 1:
            placement.code_for[_name_key(name, parent)] = candidates[0]
            placement.name_matches[label] = candidates[0]
            continue
        close = difflib.get_close_matches(key, keys, n=2, cutoff=NEAR_MATCH_CUTOFF)
        if close and len(index[close[0]]) == 1:
            score = difflib.SequenceMatcher(None, key, close[0]).ratio()
            runner_up = (
                difflib.SequenceMatcher(None, key, close[1]).ratio() if len(close) > 1 else 0
            )
            if score - runner_up >= 0.05:
                placement.code_for[_name_key(name, parent)] = index[close[0]][0]
                placement.near_matches[label] = (index[close[0]][0], score)
                continue
        placement.name_misses.append(label)
    _check_matches(placement, pairs, areas, name_of)
    return placement


def _check_matches(placement: Placement, pairs, areas: pd.DataFrame, name_of: dict) -> None:
    """A match whose region (the file's parent name) is not the area's parent, and two
    names of the file landing on one area, are reported: both usually mean a wrong match."""
    parent_of = dict(zip(areas["pcode"], areas["parent_pcode"], strict=True))
    landed: dict[str, list[str]] = defaultdict(list)
    for name, parent in pairs.drop_duplicates().itertuples(index=False):
        code = placement.code_for.get(_name_key(name, parent))
        if code is None:
            continue
        landed[code].append(name)
        if parent:
            actual = str(name_of.get(parent_of.get(code), "") or "")
            if actual and normalise_name(actual) != normalise_name(parent):
                placement.region_mismatches.append(
                    f"{name!r} is in {parent!r} in the file, but {code} ({name_of[code]}) "
                    f"is in {actual!r}"
                )
    for code, names in landed.items():
        distinct = sorted({normalise_name(n): n for n in names}.values())
        if len(distinct) > 1:
            placement.shared_targets.append(
                f"{', '.join(map(repr, distinct))} all matched {code} ({name_of[code]})"
            )


def _parent_of(areas: pd.DataFrame, pcode: str) -> str:
    parent = areas.loc[areas["pcode"] == pcode, "parent_pcode"]
    return str(parent.iloc[0]) if len(parent) else ""


def _name_key(name: str, parent: str) -> str:
    return f"{name}\x1f{parent}"


def name_keys(names: pd.Series, parents: pd.Series | None) -> pd.Series:
    parents = parents if parents is not None else pd.Series("", index=names.index)
    return names.astype(str) + "\x1f" + parents.astype(str)
