"""Reading household survey files (DESIGN 3.6 and 8): Kobo/ODK CSV and XLSX exports
(the members roster in another sheet, linked by ``_parent_index``), SPSS ``.sav`` and
Stata ``.dta`` with their value labels applied. Kobo group prefixes are stripped from
headers, and columns that look like personal data are dropped here, as the file is read,
so nothing downstream ever holds them.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workspace.observations import ObservationError
from workspace.recipe import ParsedRecipe, RecipeError

SURVEY_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav", ".dta")


def _words(text: str) -> list[str]:
    return text.split()


#: Headers (lower case, letters and digits only, group prefix stripped) that hold
#: personal data in household questionnaires, in the languages Kobo forms are written in.
_PERSONAL_EXACT = {
    **dict.fromkeys(
        _words(
            "name fullname firstname lastname surname givenname familyname middlename nickname "
            "respondent respondentname hohname headname headofhousehold hhhead hhheadname "
            "beneficiary beneficiaryname membername enumerator enumeratorname fathername "
            "mothername nom prenom nomcomplet nombre apellido apellidos ism"
        ),
        "person names",
    ),
    **dict.fromkeys(
        _words(
            "phone phonenumber telephone tel mobile mobilenumber cellphone contact contactnumber "
            "telefono numerotelephone portable whatsapp"
        ),
        "phone numbers",
    ),
    **dict.fromkeys(_words("email emailaddress mail courriel correo"), "e-mail addresses"),
    **dict.fromkeys(
        _words(
            "nationalid idnumber idcard nin passport passportnumber nationalidnumber cni cin "
            "documentnumber ssn taxid voterid"
        ),
        "ID numbers",
    ),
    **dict.fromkeys(_words("dateofbirth dob birthdate birthday datenaissance"), "dates of birth"),
    **dict.fromkeys(
        _words(
            "latitude longitude lat lon lng long gps gpslatitude gpslongitude coordinates "
            "householdgps geolocation geopoint location gpscoordinates altitude precision "
            "address streetaddress homeaddress adresse direccion"
        ),
        "household locations",
    ),
    **dict.fromkeys(
        _words("deviceid imei subscriberid simserial username submittedby phonenumberdevice"),
        "device or account identifiers",
    ),
}
_PERSONAL_PARTS = {
    "name": "person names",
    "phone": "phone numbers",
    "email": "e-mail addresses",
    "gps": "household locations",
    "geolocation": "household locations",
    "latitude": "household locations",
    "longitude": "household locations",
    "dateofbirth": "dates of birth",
    "passport": "ID numbers",
    "nationalid": "ID numbers",
}
_PHONE = re.compile(r"^\+?\d[\d\s\-()]{7,}\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_GEOPOINT = re.compile(r"^-?\d{1,3}\.\d{3,}[ ,;]+-?\d{1,3}\.\d{3,}([ ,;]+-?[\d.]+){0,2}$")
_PERSON_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’\-]+( [A-ZÀ-Ý][a-zà-ÿ'’\-]+){1,3}$")


class SurveyError(ObservationError):
    """A survey file that cannot be read or estimated; the message names the file."""


@dataclass
class SurveyFile:
    """The rows of a survey, personal data already gone, headers stripped of groups."""

    households: pd.DataFrame
    members: pd.DataFrame | None
    #: stripped name -> why it was dropped (personal data), in file order
    dropped: dict[str, str] = field(default_factory=dict)
    #: stripped name -> the original headers that all end in it
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------
def read_survey(path: Path, parsed: ParsedRecipe) -> SurveyFile:
    """Read the survey (and its roster) named by ``path`` and the recipe."""
    if not path.is_file():
        raise SurveyError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix not in SURVEY_SUFFIXES:
        raise SurveyError(f"{path}: not a survey file this reads ({', '.join(SURVEY_SUFFIXES)})")
    members_spec = parsed.recipe.members
    members = None
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm"):
        sheets = _read_workbook(path)
        names = list(sheets)
        households = sheets[names[0]]
        notes.append(f"households from sheet {names[0]!r}")
        if members_spec is not None and members_spec.sheet is not None:
            if members_spec.sheet not in sheets:
                raise RecipeError(
                    f"{parsed.source}: {parsed.where('members', 'sheet')}: no sheet "
                    f"{members_spec.sheet!r} in {path} (it has {', '.join(map(repr, names))})"
                )
            members = sheets[members_spec.sheet]
            notes.append(f"members from sheet {members_spec.sheet!r}")
    else:
        households = _read_table(path, notes)
    if members_spec is not None and members_spec.file is not None:
        roster = path.parent / members_spec.file
        if not roster.is_file():
            raise RecipeError(
                f"{parsed.source}: {parsed.where('members', 'file')}: roster file {roster} "
                "not found (the path is relative to the survey file)"
            )
        members = (
            _read_workbook(roster)[0]
            if roster.suffix.lower() in (".xlsx", ".xlsm")
            else (_read_table(roster, notes))
        )
        notes.append(f"members from {roster.name}")
    if members_spec is not None and members_spec.sheet is not None and members is None:
        raise RecipeError(
            f"{parsed.source}: {parsed.where('members', 'sheet')}: {path} is not an XLSX "
            "workbook, so it has no sheets; give the roster as `file:`"
        )
    result = SurveyFile(households, members, notes=notes)
    keep = set(parsed.design_columns())
    if members_spec is not None:
        keep.add(members_spec.key)
    result.households = _clean(result.households, result, keep)
    if result.members is not None:
        result.members = _clean(result.members, result, keep)
    return result


def survey_from_frames(
    households: pd.DataFrame, members: pd.DataFrame | None, parsed: ParsedRecipe
) -> SurveyFile:
    """Frames already in memory, cleaned as `read_survey` cleans a file's."""
    result = SurveyFile(households, members)
    keep = set(parsed.design_columns())
    if parsed.recipe.members is not None:
        keep.add(parsed.recipe.members.key)
    result.households = _clean(households, result, keep)
    if members is not None:
        result.members = _clean(members, result, keep)
    return result


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SurveyError(f"{path}: not a readable XLSX workbook ({exc})") from None


def _read_table(path: Path, notes: list[str]) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav", ".dta"):
        try:
            import pyreadstat
        except ImportError:
            raise SurveyError(f"{path}: reading SPSS/Stata needs pyreadstat") from None
        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        try:
            frame, meta = reader(str(path), apply_value_formats=True, formats_as_category=False)
        except Exception as exc:  # pyreadstat.ReadstatError and friends
            raise SurveyError(f"{path}: not a readable {suffix} file ({exc})") from None
        labelled = len(meta.variable_value_labels)
        notes.append(f"{suffix} file: value labels of {labelled} variable(s) used")
        return frame
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if encoding != "utf-8-sig":
        notes.append(f"read as {encoding} (not UTF-8)")
    header = text.split("\n", 1)[0]
    separator = max((",", ";", "\t", "|"), key=header.count)
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=separator,
            keep_default_na=False,
            na_values=["", "NA", "N/A", "n/a", "NaN", "nan"],
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise SurveyError(f"{path}: not a readable CSV file ({exc})") from None


def _clean(frame: pd.DataFrame, result: SurveyFile, keep: set[str]) -> pd.DataFrame:
    """Strip Kobo group prefixes, find ambiguous names, drop personal data."""
    originals = [str(c) for c in frame.columns]
    stripped = [c.rsplit("/", 1)[-1].strip() for c in originals]
    counts = Counter(stripped)
    for name in (n for n, k in counts.items() if k > 1):
        result.ambiguous[name] = [o for o, s in zip(originals, stripped, strict=True) if s == name]
    frame = frame.copy()
    frame.columns = stripped
    frame = frame.loc[:, ~pd.Index(stripped).duplicated(keep=False)]
    drop = []
    for name in frame.columns:
        why = _personal(name, frame[name])
        if why and name not in keep:
            result.dropped[name] = why
            drop.append(name)
    return frame.drop(columns=drop)


#: Kobo/ODK bookkeeping columns whose names look personal but are not.
_KOBO_META = {"parenttablename", "submissionuuid", "index", "parentindex"}


def _personal(name: str, column: pd.Series) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key in _KOBO_META:
        return None
    if key in _PERSONAL_EXACT:
        return _PERSONAL_EXACT[key]
    for part, why in _PERSONAL_PARTS.items():
        if part in key:
            return why
    textual = pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
    if not (textual or isinstance(column.dtype, pd.CategoricalDtype)):
        return None
    # The distinct values of the first rows, with how often each occurs: a column of
    # answers has a handful, a column of names nearly one per row.
    text = column.iloc[:1000].dropna().astype(str).str.strip()
    counts = text[text != ""].value_counts()
    total = counts.sum()
    if total < 5:
        return None
    values = pd.Series(counts.index, dtype=object)
    weights = counts.to_numpy()

    def share(mask: pd.Series) -> float:
        return float((mask.to_numpy(dtype=bool) * weights).sum() / total)

    if share(values.str.match(_EMAIL)) > 0.5:
        return "e-mail addresses"
    if share(values.str.match(_PHONE) & (values.str.count(r"\d") >= 9)) > 0.5:
        return "phone numbers"
    if share(values.str.match(_GEOPOINT)) > 0.5:
        return "household locations"
    # Names: capitalised words, nearly one per row (an area name repeats over households).
    if share(values.str.match(_PERSON_NAME)) > 0.8 and len(counts) > 0.5 * total:
        return "person names"
    return None
