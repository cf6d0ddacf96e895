"""Household survey microdata in, indicator estimates out (DESIGN 3.6 and 8).

Reads Kobo/ODK exports (CSV, or XLSX with the roster in another sheet linked by
``_parent_index``), SPSS ``.sav`` and Stata ``.dta`` (value labels applied), drops the
columns that look like personal data as the file is read, applies a recipe, and hands the
rows to the pure estimator in `indicators.survey`. Nothing of the microdata is kept: the
workspace receives the estimates, a copy of the recipe and the file's checksum; the
report names columns, counts and codes, never an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.survey import ExpressionError, estimate_indicators, single_cluster_strata
from workspace.recipe import ParsedRecipe, RecipeError, check_columns, parse_recipe
from workspace.survey_files import (  # re-exported: the survey path in one place
    SURVEY_SUFFIXES,
    SurveyError,
    SurveyFile,
    read_survey,
    survey_from_frames,
)

__all__ = [
    "SURVEY_SUFFIXES",
    "SurveyError",
    "SurveyFile",
    "SurveyResult",
    "import_survey",
    "load_recipe",
    "read_survey",
    "run_survey",
    "survey_from_frames",
    "write_estimates_csv",
]


@dataclass
class SurveyResult:
    """Canonical observations (DESIGN 3.3, with ``se``) and the report of how."""

    table: pd.DataFrame
    lines: list[str]
    notes: list[str]
    recipe: ParsedRecipe


# -- applying the recipe -----------------------------------------------------------------
def load_recipe(path: Path, framework) -> ParsedRecipe:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{path}: recipe not found") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise RecipeError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    return parse_recipe(text, str(path), framework)


def run_survey(
    path: Path,
    parsed: ParsedRecipe,
    framework,
    *,
    areas: pd.DataFrame | None = None,
    round_date: str | None = None,
    survey: SurveyFile | None = None,
) -> SurveyResult:
    """Read ``path`` (or use ``survey`` already read) and make the recipe's estimates.

    ``areas`` are the workspace's (P-codes are respelled, names matched, unknown areas
    left out); without them the codes are taken as written."""
    survey = survey or read_survey(path, parsed)
    recipe = parsed.recipe
    households, members = survey.households, survey.members
    check_columns(
        parsed,
        list(households.columns),
        None if members is None else list(members.columns),
        survey.dropped,
        survey.ambiguous,
        str(path),
    )
    round_text = round_date or recipe.round
    if round_text is None:
        raise RecipeError(
            f"{parsed.source}: the recipe gives no `round:`; add one or pass --round YYYY-MM"
        )
    from indicators.cube import parse_rounds

    round_value = parse_rounds(pd.Series([round_text]), errors="coerce").iloc[0]
    if pd.isna(round_value):
        raise RecipeError(f"--round {round_text!r} is not a date YYYY-MM-DD or YYYY-MM")

    lines = [f"{path}: {len(households)} household row(s) read"]
    if members is not None:
        lines[0] += f", {len(members)} member row(s)"
    design, left_out, place_lines = _design(households, parsed, areas, path)
    for reason, count in left_out.items():
        lines.append(f"  {count} household(s) left out: {reason}")
    lines += [f"  {line}" for line in place_lines]

    in_design = design["in_design"].to_numpy()
    hh = households[in_design].reset_index(drop=True)
    hd = design[in_design].reset_index(drop=True)
    tables = []
    try:
        specs = [s for s in parsed.specs if s.unit == "household"]
        tables.append(_estimate(hh, hd, specs, parsed))
        member_specs = [s for s in parsed.specs if s.unit == "member"]
        if member_specs:
            member_rows, member_design, orphans = _members(hh, hd, members, parsed)
            if orphans:
                lines.append(
                    f"  {orphans} member row(s) left out: their household is not in the "
                    "survey or was left out"
                )
            tables.append(_estimate(member_rows, member_design, member_specs, parsed))
    except ExpressionError as exc:
        codes = [item.code for item in recipe.indicators]
        code, part = getattr(exc, "indicator", None), getattr(exc, "part", "value")
        where = parsed.where("indicators", codes.index(code), part) if code in codes else "recipe"
        raise RecipeError(f"{parsed.source}: {where}: {exc}") from None
    table = pd.concat(tables, ignore_index=True)
    table = table.rename(columns={"area": "area_pcode"})
    table.insert(1, "round", pd.Timestamp(round_value))
    table["source"] = recipe.source or recipe.name
    table = table[["area_pcode", "round", "group", "indicator", "value", "n", "source", "se"]]
    order = {code: i for i, code in enumerate(framework.indicator_codes)}
    table = table.sort_values(
        ["area_pcode", "group", "indicator"],
        key=lambda c: c.map(order) if c.name == "indicator" else c,
    ).reset_index(drop=True)

    made = table["indicator"].nunique()
    lines.append(
        f"  {len(table)} estimates of {made} indicator(s) for {table['area_pcode'].nunique()} "
        f"area(s), round {pd.Timestamp(round_value):%Y-%m-%d}"
    )
    made_codes = set(table["indicator"])
    lines.append("  indicators made: " + ", ".join(c for c in order if c in made_codes))
    missing = [s.code for s in parsed.specs if s.code not in made_codes]
    if missing:
        lines.append(f"  no estimate at all for: {', '.join(missing)} (no row counts)")
    small = table[table["n"] < framework.n_min]
    if len(small):
        lines.append(
            f"  {len(small)} estimate(s) rest on fewer than n_min = {framework.n_min} rows "
            "(counted as small samples in the reliability index); most in "
            + ", ".join(f"{c} {k}" for c, k in small["indicator"].value_counts().head(5).items())
        )
    if recipe.design and recipe.design.strata:
        lonely = single_cluster_strata(hd["stratum"], hd.get("cluster"))
        if lonely:
            shown = ", ".join(map(str, lonely[:10])) + (" ..." if len(lonely) > 10 else "")
            lines.append(
                f"  {len(lonely)} stratum/strata with a single cluster add nothing to the "
                f"standard errors: {shown}"
            )
    if survey.dropped:
        lines.append(
            f"  {len(survey.dropped)} personal-data column(s) dropped on read, never stored: "
            + ", ".join(f"{name} ({why})" for name, why in survey.dropped.items())
        )
    unused = sorted(set(survey.ambiguous))
    if unused:
        lines.append(
            f"  {len(unused)} header name(s) repeat after removing group prefixes and are not "
            f"used: {', '.join(unused[:10])}"
        )
    notes = [*survey.notes, *(line.strip() for line in lines[1:])]
    return SurveyResult(table, lines, notes, parsed)


def _design(households, parsed: ParsedRecipe, areas, path) -> tuple:
    """Each household's area, group, weight, stratum and cluster, and who is left out."""
    recipe = parsed.recipe
    design = pd.DataFrame(index=households.index)
    left_out: dict[str, int] = {}
    keep = np.ones(len(households), dtype=bool)

    weight_ok = np.ones(len(households), dtype=bool)
    if recipe.weight:
        weights = pd.to_numeric(households[recipe.weight.column], errors="coerce")
        weight_ok = (weights > 0).to_numpy() & np.isfinite(weights.to_numpy(dtype=float))
        design["weight"] = weights
    else:
        design["weight"] = 1.0
    _count(
        left_out,
        keep & ~weight_ok,
        f"weight missing or not positive ({recipe.weight and recipe.weight.column})",
    )
    keep &= weight_ok
    for role in ("strata", "cluster"):
        column = getattr(recipe.design, role, None) if recipe.design else None
        if column:
            values = households[column]
            present = values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
            _count(left_out, keep & ~present, f"{role} missing ({column})")
            keep &= present
            design["stratum" if role == "strata" else "cluster"] = values.astype(str)
    design["in_design"] = keep

    answers = _as_text(households[recipe.group.column]).str.lower()
    group = answers.map(parsed.group_map)
    unmapped = keep & group.isna().to_numpy()
    if unmapped.any():
        seen = answers[unmapped].fillna("(empty)").value_counts()
        shown = ", ".join(f"{value!r} {count}" for value, count in seen.head(10).items())
        _count(left_out, unmapped, f"group not mapped by the recipe ({shown})")
    design["group"] = group

    codes = _as_text(households[recipe.area.column])
    place_lines: list[str] = []
    if areas is not None and len(areas):
        from workspace.pcodes import name_keys, place_codes, place_names

        if recipe.area.match == "names":
            placement = place_names(codes.fillna(""), areas)
            mapped = name_keys(codes.fillna(""), None).map(placement.code_for)
        else:
            placement = place_codes(codes.dropna().unique(), areas["pcode"])
            mapped = codes.map(placement.code_for)
        place_lines = placement.lines()[:30]
        known = mapped.isin(set(areas["pcode"]))
    elif recipe.area.match == "names":
        raise SurveyError(
            f"{path}: `area: {{match: names}}` needs a workspace's areas to match names to; "
            "import into a workspace rather than --out"
        )
    else:
        mapped, known = codes, codes.notna()
    unknown = keep & ~unmapped & ~known.to_numpy()
    if unknown.any():
        shown = ", ".join(map(repr, codes[unknown].fillna("(empty)").value_counts().index[:10]))
        _count(left_out, unknown, f"area unknown ({shown})")
    design["area"] = mapped.where(known)
    return design, left_out, place_lines


def _count(left_out: dict, mask: np.ndarray, reason: str) -> None:
    if mask.any():
        left_out[reason] = int(mask.sum())


def _as_text(values: pd.Series) -> pd.Series:
    """Answers and codes as text (1.0 -> '1'), blanks missing; distinct values once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = [_cell_text(u) for u in uniques]
    table = np.array([t if t else None for t in text] + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _estimate(rows: pd.DataFrame, design: pd.DataFrame, specs, parsed) -> pd.DataFrame:
    from indicators.survey import _empty_table

    if not specs:
        return _empty_table()
    return estimate_indicators(
        rows,
        specs,
        area=design["area"],
        group=design["group"],
        weight=design["weight"],
        stratum=design.get("stratum"),
        cluster=design["cluster"] if "cluster" in design else _household_cluster(design),
    )


def _household_cluster(design: pd.DataFrame) -> pd.Series | None:
    """Without clusters a household is its own; members share their household's."""
    return design.get("household")


def _members(hh, hd, members, parsed: ParsedRecipe):
    """Member rows with their household's columns, domain and design."""
    spec = parsed.recipe.members
    key, household_key = members[spec.key], hh[spec.household_key]
    if not (
        pd.api.types.is_numeric_dtype(key) and pd.api.types.is_numeric_dtype(household_key)
    ):  # compare as text where either is text ('12' and 12.0 are the same household)
        key, household_key = _as_text(key), _as_text(household_key)
    if household_key.duplicated().any():
        first = household_key[household_key.duplicated()].iloc[0]
        raise SurveyError(
            f"{parsed.source}: {parsed.where('members', 'household_key')}: household key "
            f"{spec.household_key!r} repeats (e.g. {first!r}); it must name one household"
        )
    position = pd.Index(household_key).get_indexer(key)
    linked = position >= 0
    rows = members[linked].reset_index(drop=True)
    parent = position[linked]
    extra = [c for c in hh.columns if c not in rows.columns]
    rows = pd.concat([rows, hh.iloc[parent][extra].reset_index(drop=True)], axis=1)
    design = hd.iloc[parent].reset_index(drop=True)
    design["household"] = parent
    return rows, design, int((~linked).sum())


def write_estimates_csv(table: pd.DataFrame, target: Path) -> None:
    """The estimates as a canonical CSV (DESIGN 3.3, with ``se``) that `solutions import`
    reads back; text that a spreadsheet would run as a formula is neutralised."""
    out = table.copy()
    out["round"] = pd.to_datetime(out["round"]).dt.strftime("%Y-%m-%d")
    for column in ("area_pcode", "source"):
        text = out[column].astype(str)
        out[column] = text.where(~text.str.match(r"^[=+\-@\t\r]"), "'" + text)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    out.to_csv(partial, index=False)  # full precision: shortest text that reads back exact
    partial.replace(target)


# -- into a workspace ----------------------------------------------------------------------
def import_survey(workspace, path: Path, recipe_path: Path, round_date: str | None = None):
    """Estimate and store the survey's indicators in ``workspace``: the estimates, a copy
    of the recipe and the checksums, nothing of the microdata. All-or-nothing."""
    from workspace.store import Report, file_checksum
    from workspace.transaction import workspace_lock

    workspace.require()
    framework = workspace.framework
    parsed = load_recipe(recipe_path, framework)
    if not path.is_file():
        raise SurveyError(f"{path}: file not found")
    checksum, recipe_checksum = file_checksum(path), file_checksum(recipe_path)
    for entry in workspace.manifest["imports"]:
        if entry.get("sha256") == checksum and entry.get("recipe_sha256") == recipe_checksum:
            report = Report([f"{path}: already imported with this recipe on {entry['time']}"])
            report.changed = False
            return report
    result = run_survey(path, parsed, framework, areas=workspace.areas(), round_date=round_date)
    if result.table.empty:
        raise SurveyError(f"{path}: no estimate could be made; nothing was imported")
    report = Report(list(result.lines))
    with workspace_lock(workspace.path):
        stored = _store(workspace, path, checksum, recipe_path, recipe_checksum, result)
    if stored is None:
        report.add("  every estimate is already in the workspace; nothing added")
        report.changed = False
    else:
        report.add(f"  stored as {stored} with a copy of the recipe and the file's checksum")
    return report


def _store(workspace, path, checksum, recipe_path, recipe_checksum, result) -> str | None:
    from workspace.store import _against_store, _for_storage, _now, _safe_stem, _write_netcdf
    from workspace.transaction import Transaction

    existing = workspace.observations()
    table, repeated = _against_store(path, result.table.assign(row=0), existing)
    if table.empty:
        return None
    manifest = workspace.manifest
    transaction = Transaction(workspace.path)
    try:
        number = 1 + sum(1 for e in manifest["imports"] if e["kind"] == "observations")
        stored_as = f"observations/{number:04d}-{_safe_stem(path)}.nc"
        recipe_as = f"recipes/{number:04d}-{_safe_stem(recipe_path)}.yaml"
        stored = _for_storage(table)
        transaction.stage(stored_as, lambda target: _write_netcdf(stored, target))
        transaction.stage_bytes(recipe_as, recipe_path.read_bytes())
        known_rounds = set(pd.to_datetime(existing["round"]))
        added = sorted(set(table["round"]) - known_rounds)
        notes = list(result.notes)
        if repeated:
            notes.append(f"{repeated} estimate(s) already in the workspace, skipped")
        manifest["imports"].append(
            {
                "kind": "observations",
                "survey": True,
                "file": path.name,
                "sha256": checksum,
                "recipe": recipe_as,
                "recipe_sha256": recipe_checksum,
                "time": _now(),
                "rows": len(table),
                "rounds_added": [pd.Timestamp(r).strftime("%Y-%m-%d") for r in added],
                "sources": sorted(s for s in set(table["source"]) if s),
                "stored_as": stored_as,
                "notes": notes,
            }
        )
        workspace._commit(transaction, manifest)
    except BaseException:
        transaction.abort()
        raise
    return stored_as
