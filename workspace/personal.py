"""No personal data enters a workspace (DESIGN 8): judged by headers and by values.

A column is refused when its header names personal data (``phone``, ``hh_latitude``,
``Respondent name``), or when its values look like phone numbers, e-mail addresses, ID
numbers or coordinates, whatever its header. An HXL tag that says what a column is
(``#adm2+name``, ``#loc+name``, ``#indicator+value``) overrides the header: the product's
own exports call an area's name ``Name``. Values are always looked at.
"""

from __future__ import annotations

import re

import pandas as pd

from workspace.hxl import Tag
from workspace.observations import ObservationError

#: Whole headers (lower case, letters and digits only) that name person-level data.
_HEADERS = {
    "name": "person names",
    "fullname": "person names",
    "firstname": "person names",
    "lastname": "person names",
    "surname": "person names",
    "givenname": "person names",
    "respondentname": "person names",
    "respondent": "person names",
    "headofhousehold": "person names",
    "hohname": "person names",
    "beneficiaryname": "person names",
    "nationalid": "ID numbers",
    "idnumber": "ID numbers",
    "idcard": "ID numbers",
    "nin": "ID numbers",
    "ssn": "ID numbers",
    "passport": "ID numbers",
    "passportnumber": "ID numbers",
    "dateofbirth": "dates of birth",
    "dob": "dates of birth",
    "birthdate": "dates of birth",
    "coordinates": "household GPS points",
}
#: Words that name personal data wherever they stand in a header (``hh_latitude``,
#: ``_gps_longitude``, ``respondent_phone``, ``contactEmail``).
_WORDS = {
    "latitude": "household GPS points",
    "longitude": "household GPS points",
    "lat": "household GPS points",
    "lon": "household GPS points",
    "lng": "household GPS points",
    "gps": "household GPS points",
    "geopoint": "household GPS points",
    "phone": "phone numbers",
    "telephone": "phone numbers",
    "tel": "phone numbers",
    "mobile": "phone numbers",
    "msisdn": "phone numbers",
    "whatsapp": "phone numbers",
    "email": "e-mail addresses",
    "passport": "ID numbers",
    "dob": "dates of birth",
}
_PERSONAL_TAGS = {
    "#contact": "contact details",
    "#geo": "household GPS points",
    "#beneficiary": "person records",
}
#: Tags that say what a column is, overriding its header (an area's name is no person's).
_SAFE_TAGS = (
    "#adm",
    "#loc",
    "#country",
    "#indicator",
    "#date",
    "#affected",
    "#population",
    "#meta",
    "#org",
    "#group",
    "#round",
    "#sector",
    "#status",
)
_PHONE = r"^\+?\d[\d\s\-().]{7,}\d$"
_ISO_DATE = r"^\d{4}-\d{2}(-\d{2})?([T ][\d:.]+Z?)?$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
_COORDINATE_PAIR = r"^\(?-?\d{1,3}\.\d{4,}\s*[,; ]\s*-?\d{1,3}\.\d{4,}(\s+[\d.]+){0,2}\)?$"
_COORDINATE = r"^-?\d{1,3}\.\d{5,}$"
_ID_NUMBER = r"^\d{10,20}$"
#: Values looked at per column: enough to judge, cheap on a million rows.
SAMPLE = 500


def _words(header: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def header_reason(header: str) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", header.lower())
    if key in _HEADERS:
        return _HEADERS[key]
    for word in _words(header):
        if word in _WORDS:
            return _WORDS[word]
    return None


def value_reason(values: pd.Series, *, numeric_ok: bool = False) -> str | None:
    """What the values look like, if personal. ``numeric_ok``: the column is known to
    hold figures (a value column), so long decimals are not taken for coordinates."""
    values = values.iloc[:SAMPLE].astype(str).str.strip()
    values = values[values != ""]
    if values.empty:
        return None

    def share(pattern: str) -> float:
        return float(values.str.match(pattern, case=False).mean())

    digits = values.str.count(r"\d")
    if share(_EMAIL) > 0.5:
        return "e-mail addresses"
    if share(_COORDINATE_PAIR) > 0.5:
        return "household GPS points"
    phone = values.str.match(_PHONE) & ~values.str.match(_ISO_DATE) & (digits >= 9)
    punctuated = values.str.contains(r"^\+|[\s\-()]", regex=True)
    if (phone & punctuated).mean() > 0.5:
        return "phone numbers"
    if numeric_ok:
        return None
    if share(_ID_NUMBER) > 0.5 and values.nunique() > 0.9 * len(values):
        return "ID numbers"
    # a bare run of 9-13 digits is a phone number in a text column, a count in a figure one
    if (phone & digits.between(9, 13)).mean() > 0.5:
        return "phone numbers"
    if share(_COORDINATE) > 0.8:
        return "household GPS points"
    return None


def refuse_personal_data(
    path, frame: pd.DataFrame, tags: list[Tag | None] | None, figures: set[str] = frozenset()
) -> None:
    """Raise naming every column that looks personal. ``figures``: columns the reader
    knows hold numbers (canonical ``value``/``n``), judged without the coordinate rule."""
    problems = []
    for position, column in enumerate(frame.columns):
        tag = tags[position] if tags is not None and position < len(tags) else None
        why = None
        if tag is not None:
            for prefix, reason in _PERSONAL_TAGS.items():
                if tag.hashtag == prefix:
                    why = reason
        tag_says_what = tag is not None and tag.hashtag.startswith(_SAFE_TAGS)
        if why is None and not tag_says_what:
            why = header_reason(str(column))
        if why is None:
            numeric = column in figures or (
                tag is not None and tag.hashtag in ("#affected", "#population", "#indicator")
            )
            why = value_reason(frame[column], numeric_ok=numeric)
            if why:
                why += " (by its values)"
        if why:
            problems.append(f"column {column!r} looks like {why}")
    if problems:
        raise ObservationError(
            f"{path}: refused, the file seems to hold personal data: "
            + "; ".join(problems)
            + ". A workspace takes aggregate figures only: remove these columns and "
            "import again."
        )
