"""The recipe's safe expression language (DESIGN 3.6): what it accepts, what it refuses,
and how missing answers propagate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.survey import ExpressionError, evaluate, parse_expression

FRAME = pd.DataFrame(
    {
        "answer": ["yes", "no", None, "yes", ""],
        "age": [5, 12, 17, np.nan, 30],
        "text_age": ["5", "12", "x", None, "30"],
        "code": [1.0, 2.0, 1.0, np.nan, 98.0],
        "flag": [True, False, True, False, True],
        "q 1": [1, 2, 3, 4, 5],
    }
)


def values(text):
    result, share = evaluate(text, FRAME)
    return [None if np.isnan(v) else v for v in result], share


HOSTILE = [
    "__import__('os').system('touch /tmp/pwned')",
    "answer.upper()",
    "answer.__class__",
    "open('/etc/passwd')",
    "len(answer)",
    "(lambda: 1)()",
    "[x for x in answer]",
    "{x for x in answer}",
    "(x for x in answer)",
    "{'a': 1}",
    "answer[0]",
    "1 if answer else 0",
    "(y := 3)",
    "f'{answer}'",
    "age ** 99999999",
    "age // 2",
    "age % 2",
    "age << 3",
    "~age",
    "age is None",
    "answer == None",
    "__builtins__",
    "isna(age, answer)",
    "isna(x=age)",
    "eval('1')",
    "import os",
    "age = 3",
    "age in answer",
    "age in [answer]",
    "*age",
    "not" + " not" * 5000 + " age",
    "x" * 3000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_anything_outside_the_language_is_refused_before_it_runs(text, tmp_path):
    with pytest.raises(ExpressionError):
        parse_expression(text)
    with pytest.raises(ExpressionError):
        evaluate(text, FRAME)


def test_the_refusal_says_what_is_not_allowed():
    with pytest.raises(ExpressionError, match="attribute access"):
        parse_expression("answer.upper")
    with pytest.raises(ExpressionError, match="only isna"):
        parse_expression("__import__('os')")
    with pytest.raises(ExpressionError, match="a lambda"):
        parse_expression("lambda: 1")
    with pytest.raises(ExpressionError, match="comprehension"):
        parse_expression("[a for a in b]")


def test_names_are_the_columns_read():
    assert parse_expression("age >= 6 and answer in ['yes'] or isna(code)").names == (
        "age",
        "answer",
        "code",
    )
    assert parse_expression("`q 1` > 2").names == ("q 1",)
    assert values("`q 1` > 2")[0] == [0, 0, 1, 1, 1]


def test_a_missing_answer_is_never_a_no():
    assert values("answer == 'yes'") == ([1, 0, None, 1, None], True)
    assert values("answer != 'yes'")[0] == [0, 1, None, 0, None]
    assert values("not answer == 'yes'")[0] == [0, 1, None, 0, None]
    assert values("age >= 6")[0] == [0, 1, 1, None, 1]


def test_and_or_are_decided_where_one_side_decides_them():
    # row 4 has no age: `False and ?` is false, `True or ?` is true, else missing
    assert values("answer == 'no' and age > 0")[0] == [0, 1, None, 0, None]
    assert values("answer == 'yes' or age > 10")[0] == [1, 1, 1, 1, 1]
    assert values("answer == 'yes' or age > 20")[0] == [1, 0, None, 1, 1]
    assert values("isna(answer) or answer == 'no'")[0] == [0, 1, 1, 0, 1]


def test_isna_is_never_missing():
    assert values("isna(answer)") == ([0, 0, 1, 0, 1], True)
    assert values("isna(age + code)")[0] == [0, 0, 0, 1, 0]


def test_membership_and_chains():
    assert values("answer in ['yes', 'maybe']")[0] == [1, 0, None, 1, None]
    assert values("answer not in ['yes']")[0] == [0, 1, None, 0, None]
    assert values("code in [1, 98]")[0] == [1, 0, 1, None, 1]
    assert values("6 <= age <= 17")[0] == [0, 1, 1, None, 0]


def test_arithmetic_gives_a_mean_and_division_by_zero_is_missing():
    assert values("age * 2 + 1") == ([11, 25, 35, None, 61], False)
    assert values("age / (code - 1)")[0] == [None, 12, None, None, pytest.approx(30 / 97)]
    assert values("-age")[0] == [-5, -12, -17, None, -30]


def test_text_numbers_compare_as_numbers_and_labels_as_text():
    assert values("text_age >= 12")[0] == [0, 1, None, None, 1]
    assert values("code == '1'")[0] == [1, 0, 1, None, 0]
    assert values("code == 'yes'")[0] == [0, 0, 0, None, 0]
    assert values("flag")[0] == [1, 0, 1, 0, 1]


def test_values_that_cannot_be_computed_say_why():
    with pytest.raises(ExpressionError, match="gives text"):
        evaluate("answer", FRAME)
    with pytest.raises(ExpressionError, match="arithmetic"):
        evaluate("answer + 1", FRAME)
    with pytest.raises(ExpressionError, match="true/false"):
        evaluate("age and answer == 'yes'", FRAME)
    with pytest.raises(ExpressionError, match="no column 'nothere'"):
        evaluate("nothere == 1", FRAME)


def test_a_partly_labelled_column_compares_labels_and_numbers():
    """SPSS with labels on some codes only: labels are text, the other codes numbers."""
    frame = pd.DataFrame({"q": pd.Series(["yes", 5.0, "don't know", 12.0, None], dtype=object)})
    assert list(evaluate("q == 'yes'", frame)[0][[0, 1, 2, 3]]) == [1, 0, 0, 0]
    assert list(evaluate("q == 5", frame)[0][[0, 1, 2, 3]]) == [0, 1, 0, 0]
    got = evaluate("q >= 10", frame)[0]
    assert np.isnan(got[0]) and got[1] == 0 and np.isnan(got[2]) and got[3] == 1
