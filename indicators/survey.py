"""Household survey microdata -> indicator estimates with design-based standard errors.

DESIGN 3.6. Two pure parts, both working on frames already read (``workspace/survey.py``
reads the files and the recipe):

* **the safe expression language** of the recipe: column names, numbers, strings,
  ``== != < <= > >=``, ``and or not``, ``in [..]``, ``+ - * /`` and ``isna(x)``. An
  expression is parsed with :mod:`ast` and walked by this module; nothing is ever handed
  to ``eval``, so a name is only ever a column and there is nothing else to run.
* **the estimator**: per area x group (the *domain*) the weighted mean
  ``Σ w·y / Σ w`` (x100 for true/false), ``n`` rows, and the Taylor-linearised standard
  error of a domain of the whole design (as R ``survey::svyby``), vectorised over all
  indicators and domains at once with groupby sums: no Python loop over rows or areas.

Missing values follow three-valued logic: a comparison or arithmetic on a missing answer
is missing (a missing answer is never a "no"); ``and``/``or`` are decided where one side
decides them (``False and ?`` is false, ``True or ?`` is true), as in R and pandas.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: An expression longer than this is refused before parsing: recipes hold short
#: formulas, and a huge one is either a mistake or an attempt to exhaust the parser.
MAX_EXPRESSION_LENGTH = 2000
_BACKTICK = re.compile(r"`([^`]*)`")


class ExpressionError(ValueError):
    """An expression outside the safe language, or one that cannot be applied."""


# -- the safe language -----------------------------------------------------------------
_COMPARE = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_WHAT = {
    ast.Call: "a function call",
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.IfExp: "an if-expression",
    ast.NamedExpr: "an assignment",
    ast.Starred: "unpacking",
    ast.JoinedStr: "an f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
}


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression; ``names`` are the columns it reads."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def parse_expression(text: object) -> Expression:
    """Parse ``text`` and check every node against the safe language.

    Column names that are not identifiers may be written in backticks (`` `q 1.2` ``).
    Raises ExpressionError saying what is not allowed.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ExpressionError(f"expected an expression as text, got {type(text).__name__}")
    text = str(text)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"longer than {MAX_EXPRESSION_LENGTH} characters")
    aliases: dict[str, str] = {}

    def alias(match: re.Match) -> str:
        name = f"_col{len(aliases)}_"
        aliases[name] = match.group(1)
        return name

    source = _BACKTICK.sub(alias, text)
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression ({exc.msg})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("too deeply nested to read") from None
    names: list[str] = []
    try:
        _check(tree, names, aliases)
    except RecursionError:
        raise ExpressionError("too deeply nested to read") from None
    return Expression(text, tree, tuple(dict.fromkeys(names)), aliases)


def _check(node: ast.AST, names: list[str], aliases: dict[str, str]) -> None:
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise ExpressionError(f"{node.id!r} is not a column name this language accepts")
        names.append(aliases.get(node.id, node.id))
    elif isinstance(node, ast.Constant):
        if node.value is None or not isinstance(node.value, bool | int | float | str):
            raise ExpressionError(f"{node.value!r} is not a number, a string, True or False")
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, names, aliases)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
        _check(node.operand, names, aliases)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        _check(node.left, names, aliases)
        _check(node.right, names, aliases)
    elif isinstance(node, ast.Compare):
        _check(node.left, names, aliases)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, ast.List | ast.Tuple) or not all(
                    isinstance(e, ast.Constant)
                    and isinstance(e.value, int | float | str)
                    and not isinstance(e.value, bool)
                    for e in right.elts
                ):
                    raise ExpressionError(
                        "`in` takes a list of numbers or strings: x in ['a', 'b']"
                    )
            elif type(op) in _COMPARE:
                _check(right, names, aliases)
            else:
                raise ExpressionError("only == != < <= > >= and in are comparisons here")
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "isna"
        and len(node.args) == 1
        and not node.keywords
    ):
        _check(node.args[0], names, aliases)
    else:
        what = _WHAT.get(type(node))
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            what = f"the operator {type(node.op).__name__}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            what = f"a call of {node.func.id!r} (only isna(x) is a function here)"
        raise ExpressionError(
            f"{what or type(node).__name__} is not allowed; use column names, numbers, "
            "strings, comparisons, and/or/not, in [..], + - * / and isna(x)"
        )


# -- evaluation --------------------------------------------------------------------------
@dataclass
class _Column:
    """Values with their own missing mask; ``kind`` is bool, number or text."""

    values: np.ndarray
    missing: np.ndarray
    kind: str
    #: For text read from a column: the distinct values and each row's index into them,
    #: so a comparison with a literal looks at the few distinct answers, not every row.
    codes: np.ndarray | None = None
    uniques: np.ndarray | None = None


def _from_series(series: pd.Series) -> _Column:
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        return _Column(series.fillna(False).to_numpy(dtype=bool), missing, "bool")
    if pd.api.types.is_numeric_dtype(series):
        return _Column(series.to_numpy(dtype=float, na_value=np.nan), missing, "number")
    # Answers repeat: strip the few distinct ones, then take them back to the rows.
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = np.array([_text_of(u) for u in uniques] + [""], dtype=object)
    codes = np.where(codes < 0, len(text) - 1, codes)  # missing takes the trailing ""
    values = text[codes]
    return _Column(values, values == "", "text", codes, text)


def _text_of(value) -> str:
    """A cell as text: numbers among text (a partly labelled SPSS variable, a mixed
    spreadsheet column) as they are written, 5.0 as '5'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_number(column: _Column) -> _Column:
    if column.kind == "number":
        return column
    if column.kind == "bool":
        return _Column(column.values.astype(float), column.missing, "number")
    numbers = pd.to_numeric(pd.Series(column.values), errors="coerce").to_numpy(dtype=float)
    # A label among numbers ("don't know" in a count) is not a number: it is missing here.
    return _Column(numbers, column.missing | np.isnan(numbers), "number")


def _as_text(column: _Column) -> _Column:
    if column.kind == "text":
        return column
    if column.kind == "bool":
        return _Column(
            np.where(column.values, "True", "False").astype(object), column.missing, "text"
        )
    values = column.values
    whole = np.isfinite(values) & (values == np.round(values))
    text = np.where(
        whole,
        pd.Series(np.where(whole, values, 0)).astype(np.int64).astype(str).to_numpy(),
        pd.Series(values).astype(str).to_numpy(),
    )
    return _Column(text.astype(object), column.missing, "text")


def _constant(value, size: int) -> _Column:
    kind = "bool" if isinstance(value, bool) else "text" if isinstance(value, str) else "number"
    dtype = {"bool": bool, "text": object, "number": float}[kind]
    # One element, broadcast against the columns it meets (no array per row).
    return _Column(np.full(1, value, dtype=dtype), np.zeros(1, dtype=bool), kind)


def _compare(op: ast.cmpop, left: _Column, right: _Column) -> _Column:
    kinds = {left.kind, right.kind}
    equality = isinstance(op, ast.Eq | ast.NotEq)
    if kinds == {"text"} and equality:
        left, right = _as_text(left), _as_text(right)
    elif "text" in kinds and equality and not (_numeric_text(left) and _numeric_text(right)):
        # `code == 'yes'` on an unlabelled numeric column: compared as text, so false
        # rather than missing; `code == '1'` matches the number 1.
        left, right = _as_text(left), _as_text(right)
    else:
        # Order (and numbers with numbers): as numbers; text that is no number is missing.
        left, right = _as_number(left), _as_number(right)
    missing = left.missing | right.missing
    with np.errstate(invalid="ignore"):
        if left.codes is not None and right.values.shape == (1,):  # column vs literal
            result = _COMPARE[type(op)](left.uniques, right.values)[left.codes]
        elif right.codes is not None and left.values.shape == (1,):
            result = _COMPARE[type(op)](left.values, right.uniques)[right.codes]
        else:
            result = _COMPARE[type(op)](left.values, right.values)
    return _Column(np.asarray(result, dtype=bool) & ~missing, missing, "bool")


def _evaluate(node: ast.expr, frame: pd.DataFrame, aliases: dict, cache: dict) -> _Column:
    size = len(frame)
    if isinstance(node, ast.Name):
        name = aliases.get(node.id, node.id)
        if name not in cache:  # each column is converted once for all the indicators
            cache[name] = _from_series(frame[name])
        return cache[name]
    if isinstance(node, ast.Constant):
        return _constant(node.value, size)
    if isinstance(node, ast.Call):  # isna(x): the one function; never missing itself
        inner = _evaluate(node.args[0], frame, aliases, cache)
        return _Column(inner.missing.copy(), np.zeros(1, dtype=bool), "bool")
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, frame, aliases, cache)
        if isinstance(node.op, ast.Not):
            truth = _truth(inner)
            return _Column(~truth.values & ~truth.missing, truth.missing, "bool")
        number = _as_number(inner) if inner.kind != "text" else _fail("a sign before text")
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return _Column(sign * number.values, number.missing, "number")
    if isinstance(node, ast.BoolOp):
        parts = [_truth(_evaluate(v, frame, aliases, cache)) for v in node.values]
        is_and = isinstance(node.op, ast.And)
        values, missing = parts[0].values, parts[0].missing
        for part in parts[1:]:
            if is_and:  # false wins; else missing if either is missing
                false = (~values & ~missing) | (~part.values & ~part.missing)
                missing = (missing | part.missing) & ~false
                values = ~false & ~missing
            else:  # true wins
                true = (values & ~missing) | (part.values & ~part.missing)
                missing = (missing | part.missing) & ~true
                values = true
        return _Column(values, missing, "bool")
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, frame, aliases, cache)
        right = _evaluate(node.right, frame, aliases, cache)
        if "text" in (left.kind, right.kind) and not (_numeric_text(left) and _numeric_text(right)):
            _fail(f"arithmetic ({_ARITHMETIC[type(node.op)]}) on text")
        left, right = _as_number(left), _as_number(right)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = {
                ast.Add: np.add,
                ast.Sub: np.subtract,
                ast.Mult: np.multiply,
                ast.Div: np.divide,
            }[type(node.op)](left.values, right.values)
        missing = left.missing | right.missing | ~np.isfinite(values)  # x / 0 is missing
        return _Column(values, missing, "number")
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, frame, aliases, cache)
        result = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                step = _membership(left, [e.value for e in right_node.elts])
                if isinstance(op, ast.NotIn):
                    step = _Column(~step.values & ~step.missing, step.missing, "bool")
                right = left
            else:
                right = _evaluate(right_node, frame, aliases, cache)
                step = _compare(op, left, right)
            result = step if result is None else _and(result, step)
            left = right
        return result
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # _check forbids it first


def _numeric_text(column: _Column) -> bool:
    if column.kind != "text":
        return True
    present = column.values[~column.missing]
    return bool(pd.to_numeric(pd.Series(present), errors="coerce").notna().all())


def _membership(left: _Column, options: list) -> _Column:
    if all(isinstance(o, str) for o in options):
        text = _as_text(left)
        if text.codes is not None:
            values = np.isin(text.uniques, options)[text.codes]
        else:
            values = pd.Series(text.values).isin(options).to_numpy()
        missing = text.missing
    else:
        number = _as_number(left)
        numbers = [float(o) for o in options if not isinstance(o, str)]
        values = np.isin(number.values, numbers)
        if any(isinstance(o, str) for o in options):
            values |= pd.Series(_as_text(left).values).isin(options).to_numpy()
        missing = left.missing
    return _Column(values & ~missing, missing, "bool")


def _and(a: _Column, b: _Column) -> _Column:
    false = (~a.values & ~a.missing) | (~b.values & ~b.missing)
    missing = (a.missing | b.missing) & ~false
    return _Column(~false & ~missing, missing, "bool")


def _truth(column: _Column) -> _Column:
    if column.kind == "bool":
        return column
    _fail("and/or/not need true/false on both sides (compare first: x == 'yes')")


def _fail(what: str):
    raise ExpressionError(f"{what} is not possible")


def evaluate(
    expression: Expression | str, frame: pd.DataFrame, cache: dict | None = None
) -> tuple[np.ndarray, bool]:
    """Evaluate over the rows of ``frame``: float values with NaN where missing, and
    whether the expression is true/false (a share) rather than a number (a mean).

    Raises ExpressionError for a column ``frame`` lacks or text where a number is needed.
    ``cache`` (a dict kept for one frame) saves converting a column for each expression.
    """
    if isinstance(expression, str):
        expression = parse_expression(expression)
    lacking = [name for name in expression.names if name not in frame.columns]
    if lacking:
        raise ExpressionError(f"no column {', '.join(map(repr, lacking))} in the data")
    column = _evaluate(expression.tree, frame, expression.aliases, {} if cache is None else cache)
    if column.kind == "text":
        raise ExpressionError("gives text, not a number or true/false; compare it (x == 'yes')")
    size = len(frame)
    values = np.broadcast_to(column.values.astype(float), size).copy()
    values[np.broadcast_to(column.missing, size)] = np.nan
    return values, column.kind == "bool"


# -- the estimator -----------------------------------------------------------------------
@dataclass
class DomainEstimates:
    """Estimates per domain (rows) and variable (columns); NaN where a domain has none."""

    estimate: np.ndarray
    n: np.ndarray
    se: np.ndarray
    #: Codes of strata that have a single cluster: they add nothing to any variance.
    single_cluster_strata: np.ndarray


def domain_estimates(
    values: np.ndarray,
    weight: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    stratum: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> DomainEstimates:
    """Weighted means per domain of every column of ``values`` (rows x variables, NaN =
    the row does not count for that variable), with Taylor-linearised standard errors.

    ``domain`` holds each row's domain in ``0 .. n_domains-1``, or -1 for rows of the
    design that belong to no domain (they still count as clusters of their stratum).
    ``stratum`` and ``cluster`` are integer codes (clusters nested in strata); without a
    cluster each row is its own, without strata there is one. Following DESIGN 3.6, with
    ``z_i = w_i (y_i - x̂_d) / Σ_d w`` in domain d and 0 elsewhere,
    ``var = Σ_h m_h/(m_h-1) Σ_c (z_hc - z̄_h)²``; a stratum with one cluster adds nothing.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    rows = values.shape[0]
    weight = np.asarray(weight, dtype=float)
    domain = np.asarray(domain, dtype=np.int64)
    stratum = np.zeros(rows, np.int64) if stratum is None else np.asarray(stratum, np.int64)
    cluster = np.arange(rows, dtype=np.int64) if cluster is None else np.asarray(cluster)
    # Clusters are nested in strata: the same cluster code in two strata is two clusters.
    cluster = pd.factorize(cluster)[0].astype(np.int64)
    psu = pd.factorize(stratum * (int(cluster.max()) + 1 if rows else 1) + cluster)[0]
    psu_stratum = np.zeros(psu.max() + 1 if rows else 0, np.int64)
    psu_stratum[psu] = stratum
    m_h = np.bincount(psu_stratum, minlength=stratum.max() + 1 if rows else 0).astype(float)

    counts = ~np.isnan(values) & (domain >= 0)[:, None]
    y = np.where(counts, values, 0.0)
    w = np.where(counts, weight[:, None], 0.0)
    inside = domain >= 0
    frame_d = domain[inside]

    def by_domain(matrix: np.ndarray) -> np.ndarray:
        return _group_sum(frame_d, matrix[inside], n_domains)

    sum_w = by_domain(w)
    n = by_domain(counts.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = by_domain(w * y) / sum_w
        estimate[n == 0] = np.nan
        # Linearised values: zero outside the domain, so only rows of a domain matter.
        safe_d = np.where(inside, domain, 0)
        z = w * (y - np.nan_to_num(estimate)[safe_d]) / np.where(sum_w > 0, sum_w, 1)[safe_d]
    z[~inside] = 0.0

    # Cluster totals z_hc of each domain: the domain x cluster pairs that occur.
    pair, first = _pairs(np.where(inside, domain, -1), psu, inside)
    z_hc = _group_sum(pair, z[inside], len(first))
    pair_domain, pair_psu = domain[inside][first], psu[inside][first]
    pair_stratum = psu_stratum[pair_psu]
    # Per domain x stratum: the mean over all m_h clusters of the stratum (clusters that
    # hold no row of the domain have z_hc = 0 and count in m_h), then squared deviations.
    n_strata = max(len(m_h), 1)
    ds_key = pair_domain * n_strata + pair_stratum
    ds_code, ds_index = np.unique(ds_key, return_inverse=True)
    ds_index = ds_index.ravel()
    ds_stratum = ds_code % n_strata
    ds_domain = ds_code // n_strata
    m = m_h[ds_stratum][:, None]
    mean = _group_sum(ds_index, z_hc, len(ds_code)) / m
    present = _group_sum(ds_index, np.ones((len(ds_key), 1)), len(ds_code))
    squares = _group_sum(ds_index, (z_hc - mean[ds_index]) ** 2, len(ds_code))
    squares += (m - present) * mean**2  # the clusters of the stratum without the domain
    with np.errstate(invalid="ignore", divide="ignore"):
        contribution = np.where(m > 1, m / (m - 1) * squares, 0.0)
    variance = _group_sum(ds_domain, contribution, n_domains)
    se = np.sqrt(np.maximum(variance, 0.0))
    se[n == 0] = np.nan
    single = np.flatnonzero(m_h == 1)
    return DomainEstimates(estimate, n, se, single)


def _group_sum(codes: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """Column sums of ``matrix`` per code in ``0..size-1``: one sorted reduceat pass."""
    out = np.zeros((size, matrix.shape[1]))
    if len(codes) == 0:
        return out
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    out[sorted_codes[starts]] = np.add.reduceat(matrix[order], starts, axis=0)
    return out


def _pairs(domain: np.ndarray, psu: np.ndarray, inside: np.ndarray):
    """Codes of the (domain, psu) pairs of rows inside a domain, and a row of each."""
    key = domain[inside].astype(np.int64) * (int(psu.max()) + 1 if len(psu) else 1) + psu[inside]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.ravel(), first


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a recipe, parsed: how each row gives a value, and which count."""

    code: str
    value: Expression
    where: Expression | None = None
    unit: str = "household"


def estimate_indicators(
    rows: pd.DataFrame,
    indicators: list[IndicatorSpec],
    *,
    area: pd.Series,
    group: pd.Series,
    weight: pd.Series | None = None,
    stratum: pd.Series | None = None,
    cluster: pd.Series | None = None,
) -> pd.DataFrame:
    """Estimates of ``indicators`` over ``rows`` (one unit: households or members).

    ``area`` and ``group`` (aligned with ``rows``) give each row's domain; a row with
    either missing is in the design but in no domain. Rows of ``rows`` are the whole
    design: every row must have a weight, stratum and cluster (the caller leaves out the
    others). Percent for true/false values, means otherwise.
    """
    if rows.empty or not indicators:
        return _empty_table()
    columns, shares = [], []
    cache: dict = {}  # columns converted once, shared by all the expressions
    for spec in indicators:  # over the recipe's indicators, each one vectorised over rows
        part = "value"
        try:
            values, is_share = evaluate(spec.value, rows, cache)
            if spec.where is not None:
                part = "where"
                counts, where_is_bool = evaluate(spec.where, rows, cache)
                if not where_is_bool:
                    raise ExpressionError("must be true or false (a comparison)")
                values = np.where(counts == 1.0, values, np.nan)  # undecided: not counted
        except ExpressionError as exc:
            expression = spec.value if part == "value" else spec.where
            error = ExpressionError(f"{spec.code} {part} {expression.text!r}: {exc}")
            error.indicator, error.part = spec.code, part  # for the caller's line number
            raise error from None
        columns.append(values * (100.0 if is_share else 1.0))
        shares.append(is_share)
    matrix = np.column_stack(columns)
    area_code, area_names = pd.factorize(area.to_numpy())
    group_code, group_names = pd.factorize(group.to_numpy())
    valid = (area_code >= 0) & (group_code >= 0)
    pair = np.where(valid, area_code * max(len(group_names), 1) + group_code, -1)
    codes, cell_pairs = pd.factorize(pair)
    inside = cell_pairs >= 0
    codes = np.where(valid, codes - np.cumsum(~inside)[codes], -1)  # drop the -1 cell
    cell_pairs = cell_pairs[inside]
    weights = np.ones(len(rows)) if weight is None else weight.to_numpy(dtype=float)
    strata = None if stratum is None else pd.factorize(stratum)[0]
    clusters = None if cluster is None else pd.factorize(cluster)[0]
    result = domain_estimates(matrix, weights, codes, len(cell_pairs), strata, clusters)
    cell_area = np.asarray(area_names, dtype=object)[cell_pairs // max(len(group_names), 1)]
    cell_group = np.asarray(group_names, dtype=object)[cell_pairs % max(len(group_names), 1)]
    # A share is a weighted mean of 0s and 100s: keep rounding from leaving [0, 100].
    estimate = np.where(shares, np.clip(result.estimate, 0.0, 100.0), result.estimate)
    d, i = np.nonzero(result.n > 0)
    return pd.DataFrame(
        {
            "area": cell_area[d],
            "group": cell_group[d],
            "indicator": np.array([s.code for s in indicators], dtype=object)[i],
            "value": estimate[d, i],
            "n": result.n[d, i].astype(int),
            "se": result.se[d, i],
        }
    )


def single_cluster_strata(stratum: pd.Series, cluster: pd.Series | None) -> list:
    """Strata of the design holding a single cluster (they add nothing to a variance)."""
    if cluster is None:
        sizes = stratum.value_counts()
    else:
        sizes = pd.DataFrame({"h": stratum, "c": cluster}).drop_duplicates().groupby("h").size()
    return sorted(sizes.index[sizes == 1].tolist(), key=str)


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": pd.Series(dtype=object),
            "group": pd.Series(dtype=object),
            "indicator": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
            "n": pd.Series(dtype=int),
            "se": pd.Series(dtype=float),
        }
    )
