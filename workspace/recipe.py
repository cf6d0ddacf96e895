"""The survey recipe (DESIGN 3.6): YAML that says how a questionnaire makes indicators.

Validated like the framework (unknown keys refused), and every problem names the line of
the recipe it comes from. Expressions are checked against the safe language of
`indicators.survey` when the recipe is read, before any data is touched; the columns
they name are checked against the survey file by `check_columns`.

Every scalar is read as text (YAML's BaseLoader): answers such as ``yes``, ``no`` or
``1`` in a group map stay what the questionnaire wrote, never booleans or numbers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indicators.cube import parse_rounds
from indicators.framework import Framework, readable_location
from indicators.survey import Expression, ExpressionError, IndicatorSpec, parse_expression
from workspace.observations import ObservationError

#: Recipes are hand-written; anything much larger is not one.
MAX_RECIPE_BYTES = 1_000_000


class RecipeError(ObservationError):
    """A recipe that cannot be used; the message names the file and the recipe lines."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class Area(_Strict):
    column: str = Field(min_length=1)
    match: Literal["codes", "names"] = "codes"


class Group(_Strict):
    column: str = Field(min_length=1)
    map: dict[str, Literal["idp", "returnee", "host"]] = Field(min_length=1)


class Weight(_Strict):
    column: str = Field(min_length=1)


class Design(_Strict):
    strata: str | None = None
    cluster: str | None = None

    _blank = field_validator("strata", "cluster", mode="before")(_blank_to_none)


class Members(_Strict):
    #: The roster: a sheet of the same XLSX file, or a file beside the survey (CSV, .sav).
    sheet: str | None = None
    file: str | None = None
    key: str = "_parent_index"
    household_key: str = "_index"

    _blank = field_validator("sheet", "file", mode="before")(_blank_to_none)


class IndicatorRecipe(_Strict):
    code: str = Field(min_length=1)
    value: str = Field(min_length=1)
    where: str | None = None
    unit: Literal["household", "member"] = "household"

    _blank = field_validator("where", mode="before")(_blank_to_none)


class Recipe(_Strict):
    name: str = Field(min_length=1)
    source: str | None = None
    round: str | None = None
    area: Area
    group: Group
    weight: Weight | None = None
    design: Design | None = None
    members: Members | None = None
    indicators: list[IndicatorRecipe] = Field(min_length=1)

    _blank = field_validator("source", "round", mode="before")(_blank_to_none)


@dataclass
class ParsedRecipe:
    """A checked recipe, with the line of each of its parts for later messages."""

    recipe: Recipe
    source: str
    lines: dict[tuple, int]
    specs: list[IndicatorSpec]
    text: str = ""
    group_map: dict[str, str] = field(default_factory=dict)

    def line(self, *path) -> int | None:
        """The line of the deepest part of ``path`` the recipe has."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def where(self, *path) -> str:
        line = self.line(*path)
        return f"line {line}" if line else "recipe"

    @property
    def uses_members(self) -> bool:
        return any(spec.unit == "member" for spec in self.specs)

    def design_columns(self) -> dict[str, str]:
        """The role of each household column the design reads."""
        r = self.recipe
        roles = {r.area.column: "area", r.group.column: "group"}
        if r.weight:
            roles[r.weight.column] = "weight"
        if r.design and r.design.strata:
            roles[r.design.strata] = "strata"
        if r.design and r.design.cluster:
            roles[r.design.cluster] = "cluster"
        if r.members:
            roles[r.members.household_key] = "household key"
        return roles


class _Loader(yaml.BaseLoader):
    """Everything is text; a key given twice is an error (YAML would keep the last)."""


def _build(node: yaml.Node, path: tuple, lines: dict, problems: list[str]):
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        data = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            if key in data:
                problems.append(f"line {key_node.start_mark.line + 1}: {key!r} given twice")
            lines[(*path, key)] = key_node.start_mark.line + 1
            data[key] = _build(value_node, (*path, key), lines, problems)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return data
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, problems) for i, item in enumerate(node.value)]
    return node.value


def parse_recipe(text: str, source: str, framework: Framework) -> ParsedRecipe:
    """Validate recipe YAML ``text`` (from file ``source``) against ``framework``.

    Raises RecipeError listing every problem with its line."""
    if len(text) > MAX_RECIPE_BYTES:
        raise RecipeError(f"{source}: {len(text):,} characters; a recipe is a short file")
    try:
        for event in yaml.parse(text, Loader=_Loader):
            # Anchors let a few lines expand into millions of nodes; recipes never need them.
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1
                raise RecipeError(f"{source}: line {line}: YAML aliases (*name) are not used here")
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise RecipeError(f"{source}: not valid YAML{where}: {problem}") from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise RecipeError(f"{source}: expected a mapping with name, area, group and indicators")
    lines: dict[tuple, int] = {}
    problems: list[str] = []
    data = _build(node, (), lines, problems)
    if problems:
        raise RecipeError(_report(source, problems))
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(_report(source, _schema_problems(exc, data, lines))) from None

    parsed = ParsedRecipe(recipe, source, lines, [], text)
    problems = []
    known = set(framework.indicator_codes)
    seen: dict[str, int] = {}
    for position, item in enumerate(recipe.indicators):
        at = parsed.where("indicators", position, "code")
        if item.code not in known:
            close = difflib.get_close_matches(item.code, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                f"{at}: {item.code!r} is not an indicator of framework "
                f"{framework.name!r} {framework.version}{hint}"
            )
        if item.code in seen:
            problems.append(f"{at}: {item.code!r} is made twice (also line {seen[item.code]})")
        seen.setdefault(item.code, parsed.line("indicators", position, "code") or 0)
        if item.unit == "member" and recipe.members is None:
            problems.append(
                f"{parsed.where('indicators', position, 'unit')}: unit: member needs a "
                "`members:` section naming the roster"
            )
        expressions = {}
        for part in ("value", "where"):
            text_part = getattr(item, part)
            if text_part is None:
                continue
            try:
                expressions[part] = parse_expression(text_part)
            except ExpressionError as exc:
                problems.append(
                    f"{parsed.where('indicators', position, part)}: {item.code} {part} "
                    f"{text_part!r}: {exc}"
                )
        if "value" in expressions:
            parsed.specs.append(
                IndicatorSpec(item.code, expressions["value"], expressions.get("where"), item.unit)
            )
    if recipe.round is not None and parse_rounds(pd.Series([recipe.round]), "coerce").isna()[0]:
        problems.append(f"{parsed.where('round')}: round {recipe.round!r} is not YYYY-MM(-DD)")
    members = recipe.members
    if members is not None and (members.sheet is None) == (members.file is None):
        problems.append(
            f"{parsed.where('members')}: members needs either `sheet:` (a sheet of the "
            "XLSX file) or `file:` (a roster file beside the survey), not both or neither"
        )
    lowered: dict[str, str] = {}
    for answer, group in recipe.group.map.items():
        key = answer.strip().lower()
        if key in lowered and lowered[key] != group:
            problems.append(
                f"{parsed.where('group', 'map', answer)}: {answer!r} maps to {group} but "
                f"also to {lowered[key]}"
            )
        lowered[key] = group
    parsed.group_map = lowered
    if problems:
        raise RecipeError(_report(source, problems))
    return parsed


def check_columns(
    parsed: ParsedRecipe,
    households: list[str],
    members: list[str] | None,
    dropped: dict[str, str],
    ambiguous: dict[str, list[str]],
    file: str,
) -> None:
    """Every column the recipe names must be in the survey (members: in the roster or
    the household sheet), unambiguous, and not personal data dropped on read."""
    problems = []
    household_set, member_set = set(households), set(members or []) | set(households)

    def need(name: str, available: set[str], where: str, what: str) -> None:
        if name in ambiguous:
            problems.append(
                f"{where}: {what} {name!r} is ambiguous: the headers "
                f"{', '.join(map(repr, ambiguous[name]))} all end in it"
            )
        elif name in dropped:
            problems.append(
                f"{where}: {what} {name!r} looks like {dropped[name]} and is dropped on read; "
                "personal data cannot make an indicator"
            )
        elif name not in available:
            close = difflib.get_close_matches(name, sorted(available), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: {what} {name!r}: no such column in {file}{hint}")

    r = parsed.recipe
    need(r.area.column, household_set, parsed.where("area", "column"), "area column")
    need(r.group.column, household_set, parsed.where("group", "column"), "group column")
    if r.weight:
        need(r.weight.column, household_set, parsed.where("weight", "column"), "weight column")
    if r.design and r.design.strata:
        need(r.design.strata, household_set, parsed.where("design", "strata"), "strata column")
    if r.design and r.design.cluster:
        need(r.design.cluster, household_set, parsed.where("design", "cluster"), "cluster column")
    if r.members and members is not None:
        need(r.members.key, set(members), parsed.where("members", "key"), "roster key")
        need(
            r.members.household_key,
            household_set,
            parsed.where("members", "household_key"),
            "household key",
        )
    for position, spec in enumerate(parsed.specs):
        available = member_set if spec.unit == "member" else household_set
        for part in ("value", "where"):
            expression: Expression | None = getattr(spec, part)
            for name in expression.names if expression else ():
                need(
                    name,
                    available,
                    parsed.where("indicators", position, part),
                    f"{spec.code} {part}: column",
                )
    if problems:
        raise RecipeError(_report(parsed.source, list(dict.fromkeys(problems))))


def _schema_problems(exc: ValidationError, data: dict, lines: dict) -> list[str]:
    problems = []
    for error in exc.errors():
        location = tuple(error["loc"])
        line = None
        for end in range(len(location), -1, -1):
            if location[:end] in lines:
                line = lines[location[:end]]
                break
        where = readable_location(location, data)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown key {location[-1]!r} (check the spelling against DESIGN 3.6)"
        elif error["type"] == "missing":
            message = "missing (required)"
        elif error["type"] == "literal_error":
            message = f"{error.get('input')!r}: {message}"
        problems.append(f"line {line or '?'}: {where}: {message}")
    return problems


def _report(source: str, problems: list[str]) -> str:
    return f"{source}: invalid recipe\n" + "\n".join(f"  - {p}" for p in problems)
