"""The framework file: criteria -> sub-criteria -> indicators, with goalposts and weights.

The methodology is data (DESIGN 3.5). This module reads and validates it; scoring reads
the validated object and never the YAML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from functools import cached_property
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

#: Context variables are carried in observations but never scored (DESIGN 3.3).
CONTEXT_VARIABLES = ("idps_present", "returnees_present", "host_population")

#: In IRIS-core mode only criteria flagged ``iris_core`` count, and this many are needed.
IRIS_CORE_MIN_CRITERIA = 3


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message says where and what to do."""


def _has_english(label: dict[str, str]) -> dict[str, str]:
    if not label.get("en", "").strip():
        raise ValueError("needs an English label (en); other languages fall back to it")
    return label


def _not_boolean(value: object) -> object:
    # YAML reads `yes`/`true` as booleans, which pydantic would quietly turn into 1.0.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Label = Annotated[dict[str, str], AfterValidator(_has_english)]
#: Free text from the framework file: one string, or one per language like a label
#: ({en: ..., fr: ..., ar: ..., es: ...}; English required, the others fall back to it).
Text = str | Label


def in_language(text: str | dict[str, str] | None, lang: str = "en") -> str:
    """``text`` in ``lang``: a plain string as is, a mapping's entry for ``lang`` or
    else its English one; "" for none."""
    if isinstance(text, dict):
        return text.get(lang) or text.get("en") or ""
    return text or ""


Number = Annotated[float, BeforeValidator(_not_boolean), Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    # Unknown keys are almost always typos ("goalpost", "wieght"); silently ignoring
    # them would score with defaults the author did not mean.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Strict):
    code: str = Field(min_length=1)
    label: Label
    unit: str = Field(min_length=1)
    goalposts: tuple[Number, Number]
    #: One line on why the goalposts are where they are (text, or text per language);
    #: shown on the method page and in the PDF's method section.
    rationale: Text | None = None
    source: str | None = None

    @field_validator("goalposts")
    @classmethod
    def _distinct_goalposts(cls, value: tuple[float, float]) -> tuple[float, float]:
        worst, best = value
        if not (math.isfinite(worst) and math.isfinite(best)):
            raise ValueError("goalposts must be finite numbers")
        if worst == best:
            raise ValueError(f"worst and best goalposts are equal ({worst}); they must differ")
        return value

    def why(self, lang: str = "en") -> str:
        """The rationale in ``lang``, falling back to English ("" without one)."""
        return in_language(self.rationale, lang)

    @property
    def worst(self) -> float:
        return self.goalposts[0]

    @property
    def best(self) -> float:
        return self.goalposts[1]


class Subcriterion(_Strict):
    code: str = Field(min_length=1)
    label: Label
    indicators: list[Indicator] = Field(min_length=1)


class Criterion(_Strict):
    code: str = Field(min_length=1)
    label: Label
    weight: Number = 1.0
    iris_core: bool = False
    subcriteria: list[Subcriterion] = Field(min_length=1)

    @field_validator("weight")
    @classmethod
    def _positive_weight(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"weight must be positive, got {value}")
        return value


class Framework(_Strict):
    # ``name`` in the file may be text or text per language; ``name`` on the object is
    # the English (the one written into scores and exports), ``title(lang)`` the reader's.
    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    names: Text = Field(alias="name")
    version: str
    #: Plain text, or a label by language ({en: ..., fr: ...}) like the other labels.
    description: Text | None = None
    n_min: int = Field(default=30, ge=0)
    min_criteria: int = Field(default=5, ge=1)
    aggregation: Literal["geometric", "arithmetic"] = "geometric"
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        # `version: 2026.1` unquoted is a float in YAML (and 2026.10 would lose its zero):
        # take numbers and dates as text, and recommend quoting in the docs.
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    @model_validator(mode="after")
    def _unique_codes(self) -> Framework:
        codes = [c.code for c in self.criteria]
        codes += [s.code for c in self.criteria for s in c.subcriteria]
        codes += [i.code for c in self.criteria for s in c.subcriteria for i in s.indicators]
        duplicated = sorted(code for code, count in Counter(codes).items() if count > 1)
        if duplicated:
            raise ValueError(f"duplicate codes: {', '.join(duplicated)}; every code must be unique")
        clash = sorted(set(codes) & (set(CONTEXT_VARIABLES) | {"overall"}))
        if clash:
            raise ValueError(f"reserved codes used: {', '.join(clash)}")
        if self.min_criteria > len(self.criteria):
            raise ValueError(
                f"min_criteria is {self.min_criteria} but the framework has only "
                f"{len(self.criteria)} criteria"
            )
        return self

    # Flat views used by the cube and the scoring; order is the file's order.
    @cached_property
    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria for s in c.subcriteria for i in s.indicators]

    @cached_property
    def subcriteria(self) -> list[Subcriterion]:
        return [s for c in self.criteria for s in c.subcriteria]

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def subcriterion_codes(self) -> list[str]:
        return [s.code for s in self.subcriteria]

    @property
    def criterion_codes(self) -> list[str]:
        return [c.code for c in self.criteria]

    @property
    def core_criterion_codes(self) -> list[str]:
        return [c.code for c in self.criteria if c.iris_core]

    def indicator_parent(self) -> dict[str, str]:
        """Indicator code -> sub-criterion code."""
        return {i.code: s.code for s in self.subcriteria for i in s.indicators}

    def subcriterion_parent(self) -> dict[str, str]:
        """Sub-criterion code -> criterion code."""
        return {s.code: c.code for c in self.criteria for s in c.subcriteria}

    @property
    def name(self) -> str:
        """The framework's name in English (scores, exports and file names carry it)."""
        return in_language(self.names, "en")

    def title(self, lang: str = "en") -> str:
        """The framework's name in ``lang``, falling back to English."""
        return in_language(self.names, lang)

    def describe(self, lang: str = "en") -> str:
        """The description in ``lang``, falling back to English ("" without one)."""
        return in_language(self.description, lang)

    def label(self, code: str, lang: str = "en") -> str:
        """The label of any code in ``lang``, falling back to English, then the code."""
        for item in (*self.criteria, *self.subcriteria, *self.indicators):
            if item.code == code:
                return item.label.get(lang) or item.label.get("en") or code
        return code


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML keeps the last of two equal keys; in a framework that silently drops, say,
    the first `goalposts:` of an indicator, so it is an error here. LibYAML's parser where
    PyYAML has it (the same documents, five times faster: the pure-Python one cost every
    server start a fifth of a second)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_framework(text: str, source: str = "<framework>") -> Framework:
    """Validate framework YAML text; errors name ``source`` and the offending key path."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkError(f"{source}: not valid YAML{where}: {exc}") from None
    if not isinstance(data, dict):
        raise FrameworkError(f"{source}: expected a mapping with name, version and criteria")
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise FrameworkError(f"{source}: invalid framework\n{_describe(exc, data)}") from None


def _describe(exc: ValidationError, data: dict) -> str:
    """Turn pydantic's error list into lines that name codes rather than list positions."""
    lines = []
    for error in exc.errors():
        where = readable_location(error["loc"], data)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against the framework schema)"
        lines.append(f"  - {where}: {message}")
    return "\n".join(lines)


def readable_location(loc: tuple, data: object) -> str:
    """A pydantic error location as a reader names it: ``criteria['safety'].weight``
    (list items by their ``code`` where they have one). The recipe reader uses it too."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            code = node.get("code") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1]}[{code!r}]" if code else f"{parts[-1]}[{key}]"]
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"
