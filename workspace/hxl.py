"""HXL (Humanitarian Exchange Language) as the standard writes it, read with pandas.

Why our own reader and not ``libhxl``: libhxl streams a file row by row through Python
objects (one call per cell, against the import budget of DESIGN 7), pulls in a network
stack to open URLs we never open, and would still need our mapping from tags to the
observation table. What we take from the standard is small and written down here:

* the tag row is the first row (among the first 25) whose filled cells are hashtags; it
  may be row 1 (no text header), under the header, or under a title row; rows above the
  header are ignored, and cells past the last tag are untagged (ragged rows are legal);
* a tag is ``#hashtag`` plus ``+attributes`` in any order and case;
* a tag pattern matches when the hashtag is equal, every ``+attribute`` is present and
  no ``-attribute`` is; ``#affected+idps-f-m`` is not the same as ``#affected+idps+f``.

Disaggregation (DESIGN 3.3): a total is ``#affected+idps`` (or ``+ind``) without any
attribute that takes a part of the population (``+f``, ``+m``, ``+children``, ``+adults``,
an age band ...); households (``+hh``) are never persons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

#: How far down a file the tag row may be (HXL allows title rows and a text header).
TAG_ROW_SEARCH = 25
_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*[+-]\s*[a-z0-9_][a-z0-9_]*)*$", re.IGNORECASE)

#: Attributes that make a count a part of the population, not its total.
PART_ATTRIBUTES = frozenset(
    {
        "f",
        "m",
        "female",
        "male",
        "women",
        "men",
        "girls",
        "boys",
        "children",
        "child",
        "adults",
        "adult",
        "elderly",
        "infants",
        "youth",
        "adolescents",
        "minors",
        "disabled",
        "pwd",
    }
)
HOUSEHOLD_ATTRIBUTES = frozenset({"hh", "households", "household", "families", "fam"})
_AGE = re.compile(r"^(age\d*.*|\d+_?(plus|\d+)|\d+plus)$")

#: Tag pattern -> canonical column, or ``=variable`` for a column of counts of persons.
#: The most specific matching pattern wins.
HXL_COLUMNS: dict[str, str] = {
    "#indicator+code": "indicator",
    "#indicator+value": "value",
    "#indicator+num": "value",
    "#indicator+value+num": "value",
    "#date": "round",
    "#date+reported": "round",
    "#date+round": "round",
    "#date+year": "year",
    "#group": "group",
    "#meta+group": "group",
    "#population+group": "group",
    "#meta+n": "n",
    "#meta+sample": "n",
    "#meta+se": "se",
    "#meta+source": "source",
    "#org": "source",
    "#round+code": "dtm_round",
    "#country+code": "country",
    "#affected+idps": "=idps_present",
    "#affected+returnees": "=returnees_present",
    "#population+idps": "=idps_present",
    "#population+returnees": "=returnees_present",
    "#population-idps-returnees-refugees": "=host_population",
    "#population+host": "=host_population",
}


@dataclass(frozen=True)
class Tag:
    hashtag: str
    attributes: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Tag | None:
        text = str(text).strip()
        if not _TAG.match(text):
            return None
        parts = re.split(r"\s*\+\s*", text.lower().replace(" ", ""))
        return cls(parts[0], frozenset(p for p in parts[1:] if p))

    def __str__(self) -> str:
        return self.hashtag + "".join(f"+{a}" for a in sorted(self.attributes))

    def matches(self, pattern: str) -> bool:
        hashtag, include, exclude = _pattern(pattern)
        return (
            self.hashtag == hashtag
            and include <= self.attributes
            and not (exclude & self.attributes)
        )

    @property
    def part(self) -> list[str]:
        """The attributes that make this column a part of the population."""
        return sorted(a for a in self.attributes if a in PART_ATTRIBUTES or _AGE.match(a))

    @property
    def households(self) -> bool:
        return bool(self.attributes & HOUSEHOLD_ATTRIBUTES)


def _pattern(pattern: str) -> tuple[str, frozenset[str], frozenset[str]]:
    tokens = re.findall(r"[#+-][a-z0-9_]+", pattern.lower())
    hashtag = tokens[0]
    include = frozenset(t[1:] for t in tokens[1:] if t[0] == "+")
    exclude = frozenset(t[1:] for t in tokens[1:] if t[0] == "-")
    return hashtag, include, exclude


#: The attributes an ``#indicator`` tag of observations may carry. Exports tag other
#: figures ``#indicator+score+num``, ``#indicator+weakest+code``: those are not values of
#: an indicator and must not be read as such.
_INDICATOR_ATTRIBUTES = frozenset({"code", "value", "num", "id", "pct", "percent", "rate"})


def target_of(tag: Tag) -> str | None:
    if tag.hashtag == "#indicator" and tag.attributes - _INDICATOR_ATTRIBUTES:
        return None
    best, best_size = None, -1
    for pattern, target in HXL_COLUMNS.items():
        if tag.matches(pattern):
            _, include, exclude = _pattern(pattern)
            size = len(include) + len(exclude)
            if size > best_size:
                best, best_size = target, size
    return best


def admin_tag(tag: Tag) -> tuple[int | None, str] | None:
    """``#adm2+code`` -> (2, "code"); bare ``#adm1`` is a name (HXL's default);
    ``#loc+code`` -> (None, "code"): an area code of a level the file does not say;
    ``#loc+name`` is a site's name, not an area's."""
    level = re.fullmatch(r"#adm(\d)", tag.hashtag)
    if level:
        kind = "code" if {"code", "pcode"} & tag.attributes else "name"
        return int(level.group(1)), kind
    # a #loc is any place (a camp, a site); only its code can be an admin area's P-code
    if tag.hashtag == "#loc" and {"code", "pcode"} & tag.attributes:
        return None, "code"
    return None


def is_tag_row(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c and c.strip()]
    if not filled:
        return False
    tags = sum(1 for c in filled if _TAG.match(c))
    return tags >= 1 and tags * 2 >= len(filled)


def find_tag_row(rows: pd.DataFrame) -> int | None:
    """Position (0-based, among ``rows``) of the HXL tag row, or None."""
    for position in range(min(TAG_ROW_SEARCH, len(rows))):
        if is_tag_row([str(v) for v in rows.iloc[position]]):
            return position
    return None
