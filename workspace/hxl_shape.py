"""An HXL-tagged table -> canonical rows (the tags, not the headers, say what is what)."""

from __future__ import annotations

import pandas as pd

from workspace.hxl import Tag, admin_tag, target_of
from workspace.observations import ObservationError


def from_hxl(path, frame: pd.DataFrame, tags: list[Tag | None], notes, rows, value_column=None):
    from workspace.shapes import SourceTable

    tag_of = dict(zip(frame.columns, tags, strict=True))
    columns: dict[str, str] = {}
    counts: dict[str, dict[str, list[str]]] = {}
    admin: list[tuple[int | None, str, str]] = []
    for column, tag in tag_of.items():
        if tag is None:
            continue
        area = admin_tag(tag)
        if area:
            admin.append((area[0], area[1], column))
            continue
        target = target_of(tag)
        if target is None:
            continue
        if target.startswith("="):
            kind = "households" if tag.households else "part" if tag.part else "total"
            counts.setdefault(target[1:], {"total": [], "part": [], "households": []})
            counts[target[1:]][kind].append(column)
        elif target not in columns:
            columns[target] = column
    if value_column:
        _use_named_column(path, frame, tag_of, counts, value_column, notes)
    context = _totals(path, tag_of, counts, columns, notes)

    codes = sorted((lvl or 0, c) for lvl, kind, c in admin if kind == "code")
    names = sorted((lvl or 0, c) for lvl, kind, c in admin if kind == "name")
    if not codes and not names:
        raise ObservationError(
            f"{path}: HXL tag row without an area column (#adm1+code, #adm2+code, #loc+code)"
        )
    if "round" not in columns and "year" not in columns:
        raise ObservationError(f"{path}: HXL tag row without a date column (#date)")

    area = _areas(frame, codes, names)
    if "round" in columns:
        dates = frame[columns["round"]]
        iso = dates.str.match(r"^\d{4}-\d{2}-\d{2}[T ]")
        rounds = dates.where(~iso, dates.str.slice(0, 10))
    else:
        year = frame[columns["year"]]
        rounds = year.where(~year.str.fullmatch(r"\d{4}"), year + "-01-01")
        notes.append(f"year-only dates ({tag_of[columns['year']]}) read as 1 January")
        columns["round"] = columns.pop("year")

    def base(values: dict) -> pd.DataFrame:
        part = area.assign(
            round=rounds,
            n=frame[columns["n"]] if "n" in columns else "",
            source=frame[columns["source"]] if "source" in columns else "",
            **values,
        )
        for extra in ("se", "dtm_round", "country"):
            if extra in columns:
                part[extra] = frame[columns[extra]]
        part["row"] = rows
        return part

    parts = []
    if "indicator" in columns and "value" in columns:
        group = frame[columns["group"]] if "group" in columns else ""
        parts.append(
            base(
                {
                    "group": group,
                    "indicator": frame[columns["indicator"]],
                    "value": frame[columns["value"]],
                }
            )
        )
    for column, variable in context.items():
        part = base({"group": "", "indicator": variable, "value": frame[column]}).assign(n="")
        parts.append(part[part["value"] != ""])  # a blank count cell is no figure
    if not parts:
        raise ObservationError(
            f"{path}: HXL tags give no values: expected #indicator+code with "
            "#indicator+value, or #affected+idps, #affected+returnees, #population"
        )
    table = pd.concat(parts, ignore_index=True)
    mapped = [f"{tag_of[c]} -> {t}" for t, c in columns.items()]
    mapped += [f"{tag_of[c]} -> {v}" for c, v in context.items()]
    notes.append("HXL tags mapped: " + ", ".join(mapped))
    code_column = codes[-1][1] if codes else ""
    named = {"area_pcode": code_column, **columns}
    if names:
        named["area_name"] = names[-1][1]
    if len(context) == 1 and "value" not in columns:
        named["value"] = next(iter(context))
    named = {k: v for k, v in named.items() if v}
    return SourceTable(table.reset_index(drop=True), "HXL", notes, code_column, named)


def _areas(frame: pd.DataFrame, codes, names) -> pd.DataFrame:
    """Per row: the deepest filled code (files may mix levels), its declared level, the
    code one level up and the names."""
    area = pd.DataFrame(
        {"area_pcode": "", "level": 0, "parent_pcode": "", "area_name": "", "parent_name": ""},
        index=frame.index,
    )
    code_at = dict(codes)
    name_at = dict(names)
    for level in sorted({lvl for lvl, _ in codes} | {lvl for lvl, _ in names}):
        code, name = code_at.get(level), name_at.get(level)
        filled = frame[code] != "" if code else frame[name] != ""
        if code:
            area.loc[filled, "area_pcode"] = frame.loc[filled, code]
        area.loc[filled, "level"] = level
        area.loc[filled, "area_name"] = frame.loc[filled, name] if name else ""
        parent = code_at.get(level - 1) if level > 1 else None
        area.loc[filled, "parent_pcode"] = frame.loc[filled, parent] if parent else ""
        parent_name = name_at.get(level - 1) if level > 1 else None
        area.loc[filled, "parent_name"] = frame.loc[filled, parent_name] if parent_name else ""
    return area


def _use_named_column(path, frame, tag_of, counts, value_column, notes) -> None:
    """``--value-column``: the user says which column holds the figure to import."""
    wanted = value_column.strip()
    as_tag = Tag.parse(wanted)
    found = [c for c, t in tag_of.items() if c == wanted or (as_tag and t == as_tag)]
    if not found:
        raise ObservationError(
            f"{path}: --value-column {wanted!r} is neither a header nor a tag of the file"
        )
    column = found[0]
    target = target_of(tag_of[column]) if tag_of[column] else None
    if not target or not target.startswith("="):
        raise ObservationError(
            f"{path}: column {column!r} ({tag_of[column]}) is not a count of people "
            "(#affected+idps, #affected+returnees, #population)"
        )
    counts[target[1:]] = {"total": [column], "part": [], "households": []}
    notes.append(f"column {column!r} ({tag_of[column]}) taken as {target[1:]}, as asked")


def _totals(path, tag_of, counts, columns, notes) -> dict[str, str]:
    """Column -> context variable for total counts of persons; parts and households are
    never taken as totals, and a file that has only those is refused."""
    context: dict[str, str] = {}
    left_out = []
    for variable, kinds in counts.items():
        if kinds["total"]:
            context[kinds["total"][0]] = variable
            for other in kinds["total"][1:]:
                left_out.append(f"{other!r} ({tag_of[other]}): a second total of {variable}")
        for column in kinds["part"]:
            part = "+".join(tag_of[column].part)
            left_out.append(f"{column!r} ({tag_of[column]}): only part of the people (+{part})")
        for column in kinds["households"]:
            left_out.append(f"{column!r} ({tag_of[column]}): households, not persons")
    if not context and left_out and not ("indicator" in columns and "value" in columns):
        raise ObservationError(
            f"{path}: no column gives a total count of persons; "
            + "; ".join(f"column {line}" for line in left_out)
            + ". A part is never stored as the total. If one column is the total, name it "
            "with --value-column COLUMN"
        )
    if left_out:
        notes.append("columns not imported: " + "; ".join(left_out))
    return context
