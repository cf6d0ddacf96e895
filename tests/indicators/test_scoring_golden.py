"""Hand-computed scores (DESIGN 4, steps 1-6) for tiny frameworks and a few observations.

Each expected number is worked out in a comment next to it. Every case runs twice: on the
product (build_cube -> score -> scores_long) and on the plain reference implementation in
reference.py, so a disagreement between the two on random data can be traced back to
which one breaks a hand-checked rule.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

try:  # tests/indicators may or may not become a package
    from .reference import make_framework, observations_frame, scores_by
except ImportError:
    from reference import make_framework, observations_frame, scores_by

R = "2024-01-01"
NaN = float("nan")
ONE = {"c": {"s": {"i": (0, 100)}}}  # one criterion, one sub-criterion, one indicator


@pytest.fixture(params=["product", "reference"])
def impl(request):
    return request.param


class Scores:
    """Look-ups into a long score table by (area, round, group, benchmark, level, code)."""

    def __init__(self, frame: pd.DataFrame):
        frame = frame.copy()
        frame["round"] = frame["round"].astype(str)
        for column in ("score", "class", "reliability"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        key = ["area_pcode", "round", "group", "benchmark", "level", "code"]
        assert not frame.duplicated(key).any(), "duplicate score rows"
        self.frame = frame
        self.rows = frame.set_index(key)

    def row(self, area, group="idp", benchmark="parity", level="overall", code=None, rnd=R):
        code = code or ("overall" if level == "overall" else None)
        return self.rows.loc[(area, rnd, group, benchmark, level, code)]

    def score(self, area, benchmark, level="overall", code=None, group="idp", rnd=R):
        return float(self.row(area, group, benchmark, level, code, rnd)["score"])

    def klass(self, area, benchmark, group="idp", rnd=R):
        return float(self.row(area, group, benchmark, "overall", "overall", rnd)["class"])

    def reliability(self, area, benchmark, group="idp", rnd=R):
        return float(self.row(area, group, benchmark, "overall", "overall", rnd)["reliability"])


def run(impl, framework, rows, parents=None, *, core=False) -> Scores:
    """Rows are (area, group, indicator, value, n) in round R, or 6-tuples with the round."""
    full = [r if len(r) == 6 else (r[0], R, *r[1:]) for r in rows]
    obs = observations_frame(full)
    return Scores(scores_by(impl, obs, framework, parents, core=core))


def approx(value):
    # The product scores in float32 (about 7 significant digits, so ~1e-5 at 100); the
    # method promises agreement to 0.01. 1e-4 still catches any wrong rule.
    return pytest.approx(value, abs=1e-4)


def is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def assert_chain(scores, area, benchmark, expected):
    """With one indicator per sub-criterion per criterion every level carries the same score."""
    for level, code in [("indicator", "i"), ("subcriterion", "s"), ("criterion", "c")]:
        assert scores.score(area, benchmark, level, code) == approx(expected), (level, area)
    assert scores.score(area, benchmark) == approx(expected), ("overall", area)


# --- steps 1 and 2: normalisation and clipping --------------------------------------------


def test_clipping_above_best_and_below_worst(impl):
    fw = make_framework({"c": {"s": {"i": (20, 80)}}})
    s = run(
        impl,
        fw,
        [
            ("hi", "idp", "i", 95, 100),
            ("hi", "host", "i", 50, 100),
            ("lo", "idp", "i", 10, 100),
            ("lo", "host", "i", 50, 100),
            ("mid", "idp", "i", 35, 100),
            ("mid", "host", "i", 50, 100),
        ],
    )
    # hi: A = 100*clip((95-20)/(80-20)) = 100*clip(1.25) = 100; P = clip((95-20)/(50-20)=2.5) = 100
    assert_chain(s, "hi", "absolute", 100)
    assert_chain(s, "hi", "parity", 100)
    # lo: A = 100*clip((10-20)/60 = -0.17) = 0; P = 100*clip((10-20)/30) = 0
    assert_chain(s, "lo", "absolute", 0)
    assert_chain(s, "lo", "parity", 0)
    # mid: A = 100*15/60 = 25; P = 100*15/30 = 50
    assert_chain(s, "mid", "absolute", 25)
    assert_chain(s, "mid", "parity", 50)


def test_geometric_floor_of_one_for_a_zero_criterion(impl):
    fw = make_framework({"c": {"s": {"i": (20, 80)}}}, aggregation="geometric")
    s = run(impl, fw, [("lo", "idp", "i", 10, 100), ("lo", "host", "i", 50, 100)])
    # criterion 0 -> overall exp(1*ln(max(0, 1)) / 1) = exp(0) = 1
    assert s.score("lo", "absolute", "criterion", "c") == approx(0)
    assert s.score("lo", "absolute") == approx(1)
    assert s.score("lo", "parity") == approx(1)
    assert s.klass("lo", "absolute") == 1


def test_reversed_goalposts(impl):
    fw = make_framework({"c": {"s": {"i": (40, 0)}}})  # % facing violence: worst 40, best 0
    s = run(
        impl,
        fw,
        [
            ("a", "idp", "i", 10, 100),
            ("a", "host", "i", 5, 100),
            ("b", "idp", "i", 50, 100),
            ("b", "host", "i", 5, 100),
            ("c", "idp", "i", -5, 100),
            ("c", "host", "i", 5, 100),
        ],
    )
    # a: A = 100*(10-40)/(0-40) = 100*0.75 = 75; P = 100*(10-40)/(5-40) = 100*30/35 = 85.714...
    assert_chain(s, "a", "absolute", 75)
    assert_chain(s, "a", "parity", 100 * 30 / 35)
    # b: A = 100*clip((50-40)/(0-40) = -0.25) = 0; P = 100*clip((50-40)/(5-40)) = 0
    assert_chain(s, "b", "absolute", 0)
    assert_chain(s, "b", "parity", 0)
    # c: A = 100*clip((-5-40)/(0-40) = 1.125) = 100; P = 100*clip(-45/-35) = 100
    assert_chain(s, "c", "absolute", 100)
    assert_chain(s, "c", "parity", 100)


def test_goalposts_outside_0_to_100(impl):
    fw = make_framework(
        {"c1": {"s1": {"minutes": (120, 15)}}, "c2": {"s2": {"balance": (-50, 250)}}}
    )
    s = run(
        impl,
        fw,
        [
            ("a", "idp", "minutes", 50, None),
            ("a", "host", "minutes", 30, None),  # n missing: the host value counts
            ("a", "idp", "balance", 100, 80),
            ("a", "host", "balance", 175, 80),
            ("b", "idp", "minutes", 150, 80),
            ("b", "host", "minutes", 30, 80),
            ("c", "idp", "minutes", 10, 80),
            ("c", "host", "minutes", 30, 80),
        ],
    )
    # minutes: A = 100*(50-120)/(15-120) = 100*70/105 = 66.667; P = 100*(50-120)/(30-120) = 77.778
    assert s.score("a", "absolute", "indicator", "minutes") == approx(100 * 70 / 105)
    assert s.score("a", "parity", "indicator", "minutes") == approx(100 * 70 / 90)
    # balance: A = 100*(100+50)/(250+50) = 50; P = 100*(100+50)/(175+50) = 66.667
    assert s.score("a", "absolute", "indicator", "balance") == approx(50)
    assert s.score("a", "parity", "indicator", "balance") == approx(100 * 150 / 225)
    # overall (arithmetic, weights 1) = (66.667 + 50) / 2
    assert s.score("a", "absolute") == approx((100 * 70 / 105 + 50) / 2)
    assert s.score("a", "parity") == approx((100 * 70 / 90 + 100 * 150 / 225) / 2)
    # 150 minutes is worse than worst: 0 on both; 10 minutes is better than best: 100 on both
    assert s.score("b", "absolute", "indicator", "minutes") == approx(0)
    assert s.score("b", "parity", "indicator", "minutes") == approx(0)
    assert s.score("c", "absolute", "indicator", "minutes") == approx(100)
    assert s.score("c", "parity", "indicator", "minutes") == approx(100)
    # b and c have no balance value: that indicator is missing, absolute and parity alike
    assert is_nan(s.score("b", "absolute", "indicator", "balance"))
    assert is_nan(s.score("b", "parity", "indicator", "balance"))


def test_comparator_no_better_than_worst_gives_full_parity(impl):
    fw = make_framework({"c1": {"s1": {"up": (0, 100)}}, "c2": {"s2": {"down": (40, 0)}}})
    s = run(
        impl,
        fw,
        [
            ("a", "idp", "up", 10, 100),
            ("a", "host", "up", -5, 100),  # (c-worst)/(best-worst) = -0.05 <= 0
            ("a", "idp", "down", 30, 100),
            ("a", "host", "down", 45, 100),  # (45-40)/(0-40) = -0.125 <= 0
            ("b", "idp", "up", 10, 100),
            ("b", "host", "up", 0, 100),  # c exactly at worst: (0-0)/100 = 0 <= 0
            ("b", "host", "down", 45, 100),  # but b's idp value for "down" is missing
        ],
    )
    assert s.score("a", "parity", "indicator", "up") == approx(100)
    assert s.score("a", "absolute", "indicator", "up") == approx(10)  # 100*10/100
    assert s.score("a", "parity", "indicator", "down") == approx(100)
    assert s.score("a", "absolute", "indicator", "down") == approx(25)  # 100*(30-40)/(0-40)
    assert s.score("b", "parity", "indicator", "up") == approx(100)
    # no displaced value, no score, even though the comparator alone would give 100
    assert is_nan(s.score("b", "parity", "indicator", "down"))


def test_comparator_better_than_best(impl):
    fw = make_framework({"c1": {"s1": {"up": (0, 100)}}, "c2": {"s2": {"down": (40, 0)}}})
    s = run(
        impl,
        fw,
        [
            ("a", "idp", "up", 90, 100),
            ("a", "host", "up", 120, 100),
            ("b", "idp", "up", 100, 100),
            ("b", "host", "up", 120, 100),
            ("c", "idp", "up", 130, 100),
            ("c", "host", "up", 120, 100),
            ("a", "idp", "down", 0, 100),
            ("a", "host", "down", -10, 100),
        ],
    )
    # a: P = 100*90/120 = 75, A = 90
    assert s.score("a", "parity", "indicator", "up") == approx(75)
    assert s.score("a", "absolute", "indicator", "up") == approx(90)
    # b: reaching best is not parity with a host above best: P = 100*100/120 = 83.333, A = 100
    assert s.score("b", "parity", "indicator", "up") == approx(100 * 100 / 120)
    assert s.score("b", "absolute", "indicator", "up") == approx(100)
    # c: P = 100*clip(130/120) = 100
    assert s.score("c", "parity", "indicator", "up") == approx(100)
    # reversed: P = 100*(0-40)/(-10-40) = 80, A = 100*(0-40)/(0-40) = 100
    assert s.score("a", "parity", "indicator", "down") == approx(80)
    assert s.score("a", "absolute", "indicator", "down") == approx(100)


# --- step 2: comparator fallbacks --------------------------------------------------------

PARENTS = {
    "P1": None,
    "C1": "P1",
    "C2": "P1",
    "C3": "P1",
    "C4": "P1",
    "C5": "P1",
    "P2": None,
    "D1": "P2",
    "D2": "P2",
    "O": None,
    "Z": None,
    "E1": "C2",  # grandchild of P1 through C2, which has no host value
}


def test_comparator_fallback_paths(impl):
    fw = make_framework(ONE, n_min=30)
    r1 = "2024-01"  # YYYY-MM: day 01
    r2, r3 = "2024-06-01", "2025-01-01"
    rows = [
        # hosts in r1; their mean over every area and any n is (80+50+50+50+90)/5 = 64
        ("P1", r1, "host", "i", 80, 10),  # parent value: used whatever its n
        ("C1", r1, "host", "i", 50, 20),  # n 20 < 30: too small, fall back to P1
        ("C3", r1, "host", "i", NaN, 100),  # no value: fall back to P1
        ("C4", r1, "host", "i", 50, None),  # n missing: counts
        ("C5", r1, "host", "i", 50, 30),  # n == n_min: counts
        ("D2", r1, "host", "i", 90, 5),  # small; its parent P2 has no host value -> mean
        ("C1", r1, "idp", "i", 40, 100),  # c = P1 80: P = 50, fallback
        ("C1", r1, "returnee", "i", 60, 100),  # c = P1 80: P = 75, fallback
        ("C2", r1, "idp", "i", 60, 100),  # no host row: c = 80, P = 75, fallback
        ("C3", r1, "idp", "i", 20, 100),  # c = 80, P = 25, fallback
        ("C4", r1, "idp", "i", 40, 100),  # c = own 50, P = 80
        ("C5", r1, "idp", "i", 40, 100),  # c = own 50, P = 80
        ("O", r1, "idp", "i", 48, 100),  # no parent: c = mean 64, P = 75, fallback
        ("D1", r1, "idp", "i", 32, 100),  # parent without host: c = 64, P = 50, fallback
        ("D2", r1, "idp", "i", 16, 100),  # own small, parent none: c = 64, P = 25, fallback
        ("P1", r1, "idp", "i", 40, 100),  # own small, no parent: c = 64, P = 62.5, fallback
        ("E1", r1, "idp", "i", 32, 100),  # parent C2 has no host; not the grandparent P1
        # but the mean: c = 64, P = 50, fallback
        # r2: the only host value is Z's 70; r1 values are not used
        ("Z", r2, "host", "i", 70, 100),
        ("C1", r2, "idp", "i", 40, 100),  # c = 70, P = 57.14, fallback
        # r3: no host value anywhere
        ("C1", r3, "idp", "i", 40, 100),
    ]
    s = run(impl, fw, rows, PARENTS)
    r1 = "2024-01-01"
    expected = {
        ("C1", "idp"): (50, True),
        ("C1", "returnee"): (75, True),
        ("C2", "idp"): (75, True),
        ("C3", "idp"): (25, True),
        ("C4", "idp"): (80, False),
        ("C5", "idp"): (80, False),
        ("O", "idp"): (75, True),
        ("D1", "idp"): (50, True),
        ("D2", "idp"): (25, True),
        ("P1", "idp"): (62.5, True),
        ("E1", "idp"): (50, True),
    }
    for (area, group), (parity, fallback) in expected.items():
        got = s.score(area, "parity", "indicator", "i", group=group, rnd=r1)
        assert got == approx(parity), (area, group)
        # one indicator: reliability = 10 * min(1, 0 + 0.5 * 0 + 0.5 * (1 if fallback else 0))
        for benchmark in ("parity", "absolute"):
            rel = s.reliability(area, benchmark, group=group, rnd=r1)
            assert rel == approx(5 if fallback else 0), (area, group, benchmark)
    assert s.score("C1", "absolute", "indicator", "i", rnd=r1) == approx(40)
    # r2: P = 100*40/70
    assert s.score("C1", "parity", "indicator", "i", rnd=r2) == approx(100 * 40 / 70)
    assert s.reliability("C1", "parity", rnd=r2) == approx(5)  # 10 * 0.5 * 1
    # r3: no comparator at all -> P missing (and not a fallback), A still 40
    assert is_nan(s.score("C1", "parity", "indicator", "i", rnd=r3))
    assert is_nan(s.score("C1", "parity", rnd=r3))
    assert is_nan(s.klass("C1", "parity", rnd=r3))
    assert s.score("C1", "absolute", "indicator", "i", rnd=r3) == approx(40)
    assert s.score("C1", "absolute", rnd=r3) == approx(40)
    assert s.klass("C1", "absolute", rnd=r3) == 2  # 40 is in [40, 60)
    assert s.reliability("C1", "parity", rnd=r3) == approx(0)
    assert s.reliability("C1", "absolute", rnd=r3) == approx(0)
    # hosts are comparators, never scored: no host rows, no rows for host-only areas
    assert set(s.frame["group"]) <= {"idp", "returnee"}
    assert "Z" not in set(s.frame["area_pcode"])


# --- step 3: sub-criteria and criteria ----------------------------------------------------


def test_half_of_subcriteria_rule(impl):
    fw = make_framework(
        {
            "four": {"f1": {"f1a": (0, 100)}, "f2": {"f2a": (0, 100)}, "f3": {"f3a": (0, 100)},
                     "f4": {"f4a": (0, 100)}},
            "three": {"t1": {"t1a": (0, 100), "t1b": (0, 100)}, "t2": {"t2a": (0, 100)},
                      "t3": {"t3a": (0, 100)}},
        }
    )  # fmt: skip
    codes = ["f1a", "f2a", "f3a", "f4a", "t1a", "t1b", "t2a", "t3a"]
    # host at best everywhere: P = 100*(x-0)/(100-0) = A, no fallback
    hosts = [(area, "host", code, 100, 100) for area in ("A", "B") for code in codes]
    s = run(
        impl,
        fw,
        [
            *hosts,
            ("A", "idp", "f1a", 60, None),
            ("A", "idp", "f2a", 80, None),
            ("A", "idp", "t1a", 90, None),
            ("B", "idp", "f1a", 50, None),
            ("B", "idp", "t1a", 30, None),
            ("B", "idp", "t1b", 70, None),
            ("B", "idp", "t2a", 20, None),
        ],
    )
    for benchmark in ("parity", "absolute"):
        # A: four has 2 of 4 sub-criteria (2 >= 4/2): (60+80)/2 = 70
        assert s.score("A", benchmark, "criterion", "four") == approx(70)
        assert is_nan(s.score("A", benchmark, "subcriterion", "f3"))
        # A: three has 1 of 3 (1 < 3/2): missing, though its sub-criterion t1 = 90 exists
        assert s.score("A", benchmark, "subcriterion", "t1") == approx(90)
        assert is_nan(s.score("A", benchmark, "criterion", "three"))
        # overall over the criteria present (min_criteria 1): 70
        assert s.score("A", benchmark) == approx(70)
        # B: four has 1 of 4 (1 < 2): missing
        assert s.score("B", benchmark, "subcriterion", "f1") == approx(50)
        assert is_nan(s.score("B", benchmark, "criterion", "four"))
        # B: t1 = mean(30, 70) = 50, t2 = 20, three = (50+20)/2 = 35 (2 of 3)
        assert s.score("B", benchmark, "subcriterion", "t1") == approx(50)
        assert s.score("B", benchmark, "criterion", "three") == approx(35)
        assert s.score("B", benchmark) == approx(35)
        # A: 5 of 8 indicators missing, hosts own and large: 10 * min(1, 5/8) = 6.25
        assert s.reliability("A", benchmark) == approx(6.25)
        # B: 4 of 8 missing: 10 * 4/8 = 5, exactly the "low" threshold
        assert s.reliability("B", benchmark) == approx(5)


def test_subcriterion_is_mean_of_present_indicators(impl):
    fw = make_framework({"c": {"s": {"i1": (0, 100), "i2": (0, 100), "i3": (0, 10)}}})
    s = run(impl, fw, [("A", "idp", "i1", 20, None), ("A", "idp", "i3", 5, None)])
    # A: i1 = 20, i2 missing, i3 = 100*5/10 = 50 -> s = (20+50)/2 = 35
    assert s.score("A", "absolute", "subcriterion", "s") == approx(35)
    assert s.score("A", "absolute", "criterion", "c") == approx(35)
    # no host anywhere: every parity score is missing, the whole chain too
    assert is_nan(s.score("A", "parity", "subcriterion", "s"))
    assert is_nan(s.score("A", "parity"))


# --- step 4: overall ----------------------------------------------------------------------


def test_min_criteria(impl):
    fw = make_framework(
        {
            "c1": {"s1": {"i1": (0, 100)}},
            "c2": {"s2": {"i2": (0, 100)}},
            "c3": {"s3": {"i3": (0, 100)}},
        },
        min_criteria=2,
    )
    s = run(
        impl,
        fw,
        [
            ("A", "idp", "i1", 50, None),
            ("A", "idp", "i2", 80, None),
            ("B", "idp", "i1", 50, None),
        ],
    )
    # A: 2 criteria >= 2: (50+80)/2 = 65, class 3
    assert s.score("A", "absolute") == approx(65)
    assert s.klass("A", "absolute") == 3
    # B: 1 criterion < 2: overall and class missing; reliability still there:
    # 2 of 3 missing -> 10 * 2/3 = 6.667
    assert s.score("B", "absolute", "criterion", "c1") == approx(50)
    assert is_nan(s.score("B", "absolute"))
    assert is_nan(s.klass("B", "absolute"))
    assert s.reliability("B", "absolute") == approx(10 * 2 / 3)


WEIGHTED = {
    "c1": {"s1": {"i1": (0, 100)}},
    "c2": {"s2": {"i2": (0, 100)}},
    "c3": {"s3": {"i3": (0, 100)}},
}


@pytest.mark.parametrize("aggregation", ["geometric", "arithmetic"])
def test_weighted_overall(impl, aggregation):
    fw = make_framework(WEIGHTED, weights={"c2": 2}, aggregation=aggregation, min_criteria=2)
    hosts = [(a, "host", i, 100, 100) for a in ("A", "B") for i in ("i1", "i2", "i3")]
    s = run(
        impl,
        fw,
        [
            *hosts,
            ("A", "idp", "i1", 64, None),
            ("A", "idp", "i2", 25, None),
            ("A", "idp", "i3", 0, None),
            ("B", "idp", "i1", 81, None),
            ("B", "idp", "i2", 16, None),
        ],
    )
    if aggregation == "arithmetic":
        a = (1 * 64 + 2 * 25 + 1 * 0) / 4  # 28.5
        b = (81 + 2 * 16) / 3  # weights of the present criteria only: 37.667
    else:
        # exp((ln 64 + 2 ln 25 + ln max(0, 1)) / 4) = (64 * 625 * 1) ** (1/4) = 14.142
        a = (64 * 25**2 * 1) ** (1 / 4)
        # (81 * 16**2) ** (1/3) = 20736 ** (1/3) = 27.473
        b = (81 * 16**2) ** (1 / 3)
    for benchmark in ("parity", "absolute"):  # host at best: P equals A
        assert s.score("A", benchmark) == approx(a)
        assert s.score("B", benchmark) == approx(b)


# --- step 5: classes ----------------------------------------------------------------------

FIVE = {f"c{k}": {f"s{k}": {f"i{k}": (0, 100)}} for k in range(1, 6)}
CLASS_AREAS = {
    # criterion scores c1..c5 (each = 100 * x / 100)
    "k5": [100, 100, 100, 100, 100],
    "k4": [100, 100, 100, 100, 0],
    "k4near": [100, 100, 100, 100, 99.5],
    "k3": [100, 100, 100, 0, 0],
    "k2": [100, 100, 0, 0, 0],
    "k1": [100, 0, 0, 0, 0],
    "k0": [0, 0, 0, 0, 0],
}


def class_rows():
    rows = []
    for area, values in CLASS_AREAS.items():
        for k, value in enumerate(values, start=1):
            rows.append((area, "idp", f"i{k}", value, None))
            rows.append((area, "host", f"i{k}", 100, None))
    return rows


def test_classes_arithmetic(impl):
    fw = make_framework(FIVE, min_criteria=5, aggregation="arithmetic")
    s = run(impl, fw, class_rows())
    expected = {
        "k5": (100, 5),  # every criterion 100: parity
        "k4": (80, 4),  # 400/5 = 80, the lower edge of [80, 100)
        "k4near": (99.9, 4),  # 499.5/5 = 99.9: near parity, not parity
        "k3": (60, 3),  # 300/5
        "k2": (40, 2),  # 200/5
        "k1": (20, 1),  # 100/5
        "k0": (0, 1),
    }
    for area, (overall, klass) in expected.items():
        for benchmark in ("parity", "absolute"):
            assert s.score(area, benchmark) == approx(overall), (area, benchmark)
            assert s.klass(area, benchmark) == klass, (area, benchmark)
            assert s.reliability(area, benchmark) == approx(0)


def test_classes_geometric(impl):
    fw = make_framework(FIVE, min_criteria=5, aggregation="geometric")
    s = run(impl, fw, class_rows())
    expected = {
        # exp(5 ln 100 / 5) is 100 up to rounding (100.00000000000004 in floats): still
        # class 5, because class 5 is decided by the criteria, not by comparing to 100
        "k5": (100, 5),
        "k4": (100 ** (4 / 5), 1),  # exp((4 ln 100 + ln 1)/5) = 100^0.8 = 39.81
        "k4near": ((100**4 * 99.5) ** (1 / 5), 4),  # 99.8998
        "k3": (100 ** (3 / 5), 1),  # 15.85
        "k0": (1, 1),  # every criterion floored at 1
    }
    for area, (overall, klass) in expected.items():
        for benchmark in ("parity", "absolute"):
            assert s.score(area, benchmark) == approx(overall), (area, benchmark)
            assert s.klass(area, benchmark) == klass, (area, benchmark)


def test_class_5_needs_every_criterion_at_100(impl):
    # Overall 100 can only come from all criteria at 100 (both means are at most the
    # largest score), so "overall ~ 100 but not class 5" cannot happen: the nearest is
    # k4near above. Here: two areas whose criteria are all 100 from different indicators.
    fw = make_framework(
        {"c1": {"s1": {"i1": (0, 100), "i2": (40, 0)}}, "c2": {"s2": {"i3": (120, 15)}}},
        min_criteria=2,
        aggregation="geometric",
    )
    s = run(
        impl,
        fw,
        [
            ("A", "idp", "i1", 120, None),  # clipped to 100
            ("A", "idp", "i2", 0, None),  # at best: 100
            ("A", "idp", "i3", 10, None),  # better than best: 100
            ("B", "idp", "i1", 100, None),
            ("B", "idp", "i2", 0.5, None),  # 100*(0.5-40)/(0-40) = 98.75
            ("B", "idp", "i3", 15, None),
        ],
    )
    assert s.klass("A", "absolute") == 5
    assert s.score("A", "absolute") == approx(100)
    # B: c1 = (100 + 98.75)/2 = 99.375, c2 = 100: (99.375 * 100) ** (1/2) = 99.687, class 4
    assert s.score("B", "absolute") == approx((99.375 * 100) ** 0.5)
    assert s.klass("B", "absolute") == 4
    # no host at all: parity overall missing, class missing
    assert is_nan(s.klass("A", "parity"))


# --- step 6: reliability ------------------------------------------------------------------


def test_reliability_mix_of_missing_small_and_fallback(impl):
    four = {f"c{k}": {f"s{k}": {f"i{k}": (0, 100)}} for k in range(1, 5)}
    fw = make_framework(four, n_min=30)
    s = run(
        impl,
        fw,
        [
            ("A", "idp", "i1", NaN, 50),  # missing
            ("A", "idp", "i2", 50, 10),  # small; no own host -> parent P: fallback
            ("P", "host", "i2", 80, 100),
            ("A", "idp", "i3", 50, 50),  # own host with n 40 >= 30: no fallback
            ("A", "host", "i3", 60, 40),
            ("A", "idp", "i4", 50, None),  # own host small, P has none -> mean: fallback
            ("A", "host", "i4", 70, 5),
            ("B", "host", "i4", 90, 100),
            ("A", "returnee", "i3", 30, None),  # returnee: only i3
        ],
        parents={"A": "P", "P": None, "B": None},
    )
    # idp: missing 1/4, small 1/4, fallback 2/4
    # 10 * min(1, 0.25 + 0.5*0.25 + 0.5*0.5) = 10 * (0.25 + 0.125 + 0.25) = 6.25
    # returnee: missing 3/4, its i3 against the own large host -> 10 * 0.75 = 7.5
    for benchmark in ("parity", "absolute"):
        assert s.reliability("A", benchmark) == approx(6.25)
        assert s.reliability("A", benchmark, group="returnee") == approx(7.5)
    assert s.score("A", "parity", "indicator", "i2") == approx(100 * 50 / 80)  # 62.5
    assert s.score("A", "parity", "indicator", "i3") == approx(100 * 50 / 60)  # 83.333
    # i4: c = mean(70, 90) = 80 -> 62.5
    assert s.score("A", "parity", "indicator", "i4") == approx(100 * 50 / 80)
    assert s.score("A", "parity", "indicator", "i3", group="returnee") == approx(50)
    # reliability lives on overall rows only, class too
    other = s.frame[s.frame["level"] != "overall"]
    assert other["reliability"].isna().all()
    assert other["class"].isna().all()


def test_reliability_reaches_the_top_of_the_scale(impl):
    # The first formula (0.5 / 0.25 / 0.25) could never pass 5; the amended one reaches 10
    # when every indicator is missing or, if present, small and compared with a fallback.
    four = {f"c{k}": {f"s{k}": {f"i{k}": (0, 100)}} for k in range(1, 5)}
    fw = make_framework(four, n_min=30)
    s = run(
        impl,
        fw,
        [
            # A: i1 present, small, no own host -> parent P's host: small and fallback
            ("A", "idp", "i1", 40, 10),
            ("P", "host", "i1", 80, 100),
            # B: i1 and i2 present, both small; i1 against its own large host, i2 has no
            # own or parent host, so the round mean of hosts (C's 60): a fallback; i3, i4
            # missing
            ("B", "idp", "i1", 40, 10),
            ("B", "host", "i1", 50, 100),
            ("B", "idp", "i2", 40, 10),
            # C: everything present, own large hosts, two small samples
            *[("C", "idp", f"i{k}", 50, 10 if k <= 2 else 100) for k in range(1, 5)],
            *[("C", "host", f"i{k}", 60, 100) for k in range(1, 5)],
        ],
        parents={"A": "P", "B": None, "C": None, "P": None},
    )
    for benchmark in ("parity", "absolute"):
        # A: missing 3/4, small 1/4, fallback 1/4: 10 * min(1, 0.75 + 0.125 + 0.125) = 10
        assert s.reliability("A", benchmark) == approx(10)
        # B: missing 2/4, small 2/4, fallback 1/4: 10 * (0.5 + 0.25 + 0.125) = 8.75
        assert s.reliability("B", benchmark) == approx(8.75)
        # C: missing 0, small 2/4, fallback 0: 10 * 0.25 = 2.5
        assert s.reliability("C", benchmark) == approx(2.5)
    assert s.score("A", "parity", "indicator", "i1") == approx(50)  # 100 * 40 / 80
    assert s.score("B", "parity", "indicator", "i2") == approx(100 * 40 / 60)


# --- IRIS core mode -----------------------------------------------------------------------

SIX = {f"c{k}": {f"s{k}": {f"i{k}": (0, 100)}} for k in range(1, 7)}
SIX_CORE = {"c1", "c2", "c3", "c4"}
CORE_AREAS = {
    "A": {"i1": 90, "i2": 70, "i3": 50, "i5": 100, "i6": 100},
    "B": {"i1": 90, "i2": 70, "i5": 100, "i6": 100},
    "C": {"i1": 100, "i2": 100, "i3": 100, "i4": 100, "i5": 50, "i6": 100},
}


def core_rows():
    return [
        (area, "idp", code, x, None)
        for area, values in CORE_AREAS.items()
        for code, x in values.items()
    ]


def test_iris_core_mode_arithmetic(impl):
    fw = make_framework(SIX, weights={"c1": 2}, core=SIX_CORE, min_criteria=5)
    full = run(impl, fw, core_rows())
    core = run(impl, fw, core_rows(), core=True)
    # all 8 mode, weights c1 = 2:
    # A: 5 criteria >= 5: (2*90 + 70 + 50 + 100 + 100) / 6 = 500/6 = 83.333, class 4
    assert full.score("A", "absolute") == approx(500 / 6)
    assert full.klass("A", "absolute") == 4
    # B: 4 < 5 criteria: missing
    assert is_nan(full.score("B", "absolute"))
    # C: (2*100 + 100 + 100 + 100 + 50 + 100) / 7 = 650/7 = 92.857, class 4
    assert full.score("C", "absolute") == approx(650 / 7)
    assert full.klass("C", "absolute") == 4
    # core mode, only c1..c4 count and 3 are needed:
    # A: c1, c2, c3: (2*90 + 70 + 50) / 4 = 75, class 3
    assert core.score("A", "absolute") == approx(75)
    assert core.klass("A", "absolute") == 3
    # B: c1, c2 only: 2 < 3, missing
    assert is_nan(core.score("B", "absolute"))
    assert is_nan(core.klass("B", "absolute"))
    # C: core criteria all 100 -> 100; class 5 since every criterion that counts is 100
    # (c5 = 50 does not count in this mode)
    assert core.score("C", "absolute") == approx(100)
    assert core.klass("C", "absolute") == 5
    # reliability is over all the framework's indicators in both modes:
    # (no host anywhere, so no comparator and no fallback)
    # A: 1 of 6 missing -> 10 * 1/6 = 1.667; B: 2 of 6 -> 10 * 2/6 = 3.333
    assert core.reliability("A", "absolute") == approx(10 / 6)
    assert core.reliability("B", "absolute") == approx(10 * 2 / 6)
    assert full.reliability("A", "absolute") == approx(10 / 6)


def test_iris_core_mode_geometric(impl):
    fw = make_framework(
        SIX, weights={"c1": 2}, core=SIX_CORE, min_criteria=5, aggregation="geometric"
    )
    core = run(impl, fw, core_rows(), core=True)
    # A: exp((2 ln 90 + ln 70 + ln 50) / 4) = (90^2 * 70 * 50) ** (1/4) = 28350000 ** 0.25
    assert core.score("A", "absolute") == approx((90**2 * 70 * 50) ** 0.25)  # 72.97
    assert core.klass("A", "absolute") == 3


# --- the row set (DESIGN 3.4) -------------------------------------------------------------


def test_row_set(impl):
    fw = make_framework(
        {
            "c1": {"s1": {"i1": (0, 100), "i2": (0, 100)}},
            "c2": {"s2": {"i3": (0, 100)}, "s3": {"i4": (0, 100)}},
        }
    )
    rows = [
        ("A", "2024-03", "idp", "i1", 50, None),  # YYYY-MM -> 2024-03-01
        ("A", "2024-03", "returnee", "i3", 50, None),
        ("A", "2024-03", "host", "i1", 50, None),
        ("B", "2024-03", "host", "i1", 50, None),  # host only: no rows
        ("C", "2024-03", "idp", "i1", NaN, 50),  # only a missing value: no rows
        ("D", "2024-03", "idp", "idps_present", 1200, None),  # context only: no rows
        ("A", "2024-03", None, "host_population", 5000, None),  # context, group left empty
        ("A", "2025-01-15", "idp", "i4", 10, 40),
    ]
    s = run(impl, fw, rows)
    keys = set(zip(s.frame["area_pcode"], s.frame["round"], s.frame["group"], strict=True))
    assert keys == {
        ("A", "2024-03-01", "idp"),
        ("A", "2024-03-01", "returnee"),
        ("A", "2025-01-15", "idp"),
    }
    codes = {
        "indicator": {"i1", "i2", "i3", "i4"},
        "subcriterion": {"s1", "s2", "s3"},
        "criterion": {"c1", "c2"},
        "overall": {"overall"},
    }
    per_key = 2 * (4 + 3 + 2 + 1)  # both benchmarks x every code and overall
    assert len(s.frame) == 3 * per_key
    for (_area, _rnd, _group), part in s.frame.groupby(["area_pcode", "round", "group"]):
        assert set(part["benchmark"]) == {"parity", "absolute"}
        for level, expected_codes in codes.items():
            got = part.loc[part["level"] == level, "code"]
            assert set(got) == expected_codes
            assert len(got) == 2 * len(expected_codes)
    assert list(s.frame.columns) == [
        "area_pcode",
        "round",
        "group",
        "benchmark",
        "level",
        "code",
        "score",
        "class",
        "reliability",
    ]
