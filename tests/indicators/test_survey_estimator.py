"""The survey estimator of DESIGN 3.6 against an independent computation.

`reference_estimates` below is written from the formula, one domain at a time with plain
Python loops over strata and clusters (nothing shared with `indicators.survey`, which
works with sorted group sums over all domains at once). Where `samplics` is installed it
is a third, well-kept implementation of the same Taylor linearisation.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from indicators.survey import (
    IndicatorSpec,
    domain_estimates,
    estimate_indicators,
    parse_expression,
    single_cluster_strata,
)


def reference_estimates(y, w, domain, stratum, cluster):
    """{domain: (estimate, n, se)} from DESIGN 3.6 written out literally.

    ``y`` is NaN where a row does not count; ``domain`` None for rows in no domain.
    Without strata there is one; without clusters every row is its own."""
    rows = range(len(y))
    stratum = [0] * len(y) if stratum is None else list(stratum)
    cluster = list(rows) if cluster is None else list(cluster)
    clusters_of = defaultdict(set)
    for i in rows:
        clusters_of[stratum[i]].add(cluster[i])
    result = {}
    for d in {x for x in domain if x is not None}:
        members = [i for i in rows if domain[i] == d and not math.isnan(y[i])]
        if not members:
            continue
        total_w = sum(w[i] for i in members)
        estimate = sum(w[i] * y[i] for i in members) / total_w
        z_hc = defaultdict(float)
        for i in members:
            z_hc[(stratum[i], cluster[i])] += w[i] * (y[i] - estimate) / total_w
        variance = 0.0
        for h, clusters in clusters_of.items():
            m = len(clusters)
            if m < 2:
                continue
            totals = [z_hc.get((h, c), 0.0) for c in clusters]
            mean = sum(totals) / m
            variance += m / (m - 1) * sum((t - mean) ** 2 for t in totals)
        result[d] = (estimate, len(members), math.sqrt(variance))
    return result


def _design(seed, n=600, strata=4, clusters=6, weights=True, single=False, empty=False):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "area": rng.choice(["A1", "A2", "A3"], n),
            "group": rng.choice(["idp", "host", "returnee"], n, p=[0.5, 0.4, 0.1]),
            "stratum": rng.integers(0, strata, n),
            "w": rng.uniform(0.5, 4.0, n) if weights else np.ones(n),
            "answer": rng.choice(["yes", "no", None], n, p=[0.4, 0.5, 0.1]),
            "income": rng.lognormal(5, 1, n),
        }
    )
    frame["cluster"] = frame["stratum"] * 100 + rng.integers(0, clusters, n)
    if single:  # stratum 9 holds one cluster
        frame.loc[: n // 20, ["stratum", "cluster"]] = [9, 901]
    if empty:  # no returnee in A3: that cell has no estimate
        frame = frame[~((frame["area"] == "A3") & (frame["group"] == "returnee"))]
    frame.loc[frame.sample(frac=0.05, random_state=seed).index, "income"] = np.nan
    return frame.reset_index(drop=True)


CASES = {
    "no design, equal weights": dict(weights=False, design=(None, None)),
    "weights only": dict(weights=True, design=(None, None)),
    "strata only": dict(weights=True, design=("stratum", None)),
    "clusters only": dict(weights=True, design=(None, "cluster")),
    "strata and clusters": dict(weights=True, design=("stratum", "cluster")),
    "single-cluster stratum": dict(weights=True, design=("stratum", "cluster"), single=True),
    "empty cells": dict(weights=True, design=("stratum", "cluster"), empty=True),
}


def _cells(frame):
    return list(zip(frame["area"], frame["group"], strict=True))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("indicator", ["share", "mean"])
def test_estimates_agree_with_the_formula_written_out(case, indicator):
    options = CASES[case]
    frame = _design(
        seed=len(case) * 7 + len(indicator),
        weights=options["weights"],
        single=options.get("single", False),
        empty=options.get("empty", False),
    )
    strata_column, cluster_column = options["design"]
    spec = (
        IndicatorSpec("violence_12m", parse_expression("answer == 'yes'"))
        if indicator == "share"
        else IndicatorSpec("health_facility_time", parse_expression("income / 10"))
    )
    got = estimate_indicators(
        frame,
        [spec],
        area=frame["area"],
        group=frame["group"],
        weight=frame["w"],
        stratum=frame[strata_column] if strata_column else None,
        cluster=frame[cluster_column] if cluster_column else None,
    )
    if indicator == "share":
        y = np.where(frame["answer"].isna(), np.nan, (frame["answer"] == "yes") * 100.0)
    else:
        y = frame["income"].to_numpy() / 10
    expected = reference_estimates(
        list(y),
        list(frame["w"]),
        _cells(frame),
        frame[strata_column] if strata_column else None,
        frame[cluster_column] if cluster_column else None,
    )
    assert len(got) == len(expected)
    if options.get("empty"):
        assert ("A3", "returnee") not in expected
    for row in got.itertuples():
        estimate, n, se = expected[(row.area, row.group)]
        assert row.n == n
        assert row.value == pytest.approx(estimate, abs=1e-9)
        assert row.se == pytest.approx(se, rel=1e-6, abs=1e-12)
        assert se > 0  # the check above compares real numbers, not zeros


def test_a_single_cluster_stratum_adds_nothing_and_is_named():
    frame = _design(seed=3, single=True)
    assert single_cluster_strata(frame["stratum"], frame["cluster"]) == [9]
    values = np.where(frame["answer"] == "yes", 1.0, 0.0)
    domain = pd.factorize(pd.MultiIndex.from_arrays([frame["area"], frame["group"]]))[0]
    strata = frame["stratum"].to_numpy()
    clusters = frame["cluster"].to_numpy()
    with_single = domain_estimates(values, frame["w"], domain, domain.max() + 1, strata, clusters)
    assert list(with_single.single_cluster_strata) == [9]
    # Its rows still count in the estimate of their cells.
    assert np.isfinite(with_single.estimate[domain[frame["stratum"].to_numpy() == 9]]).all()


def test_rows_in_no_domain_still_count_as_clusters_of_their_stratum():
    """svyby's domain logic: a cluster that holds no row of the domain is a zero, not
    absent; leaving it out would change m_h and the variance."""
    frame = _design(seed=11)
    y = np.where(frame["answer"] == "yes", 100.0, 0.0)
    domain = np.where(frame["area"] == "A1", 0, -1)
    full = domain_estimates(
        y, frame["w"], domain, 1, frame["stratum"].to_numpy(), frame["cluster"].to_numpy()
    )
    inside = domain == 0
    subset = domain_estimates(
        y[inside],
        frame["w"][inside],
        domain[inside],
        1,
        frame["stratum"].to_numpy()[inside],
        frame["cluster"].to_numpy()[inside],
    )
    assert full.estimate[0, 0] == pytest.approx(subset.estimate[0, 0], abs=1e-12)
    expected = reference_estimates(
        list(y),
        list(frame["w"]),
        [0 if d == 0 else None for d in domain],
        frame["stratum"],
        frame["cluster"],
    )[0]
    assert full.se[0, 0] == pytest.approx(expected[2], rel=1e-9)


def test_many_indicators_at_once_equal_one_at_a_time():
    frame = _design(seed=5)
    specs = [
        IndicatorSpec("a", parse_expression("answer == 'yes'")),
        IndicatorSpec("b", parse_expression("income"), parse_expression("group != 'host'")),
        IndicatorSpec("c", parse_expression("income > 150 or answer == 'no'")),
    ]
    design = dict(
        area=frame["area"],
        group=frame["group"],
        weight=frame["w"],
        stratum=frame["stratum"],
        cluster=frame["cluster"],
    )
    together = estimate_indicators(frame, specs, **design)
    apart = pd.concat([estimate_indicators(frame, [s], **design) for s in specs])
    key = ["area", "group", "indicator"]
    pd.testing.assert_frame_equal(
        together.sort_values(key).reset_index(drop=True),
        apart.sort_values(key).reset_index(drop=True),
    )
    assert not together[together["indicator"] == "b"]["group"].eq("host").any()


def test_samplics_agrees_where_it_is_installed():
    samplics = pytest.importorskip("samplics")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam, SinglePSUEst

    del samplics
    frame = _design(seed=17, single=True)
    y = np.where(frame["answer"].isna(), np.nan, (frame["answer"] == "yes") * 100.0)
    got = estimate_indicators(
        frame,
        [IndicatorSpec("x", parse_expression("answer == 'yes'"))],
        area=frame["area"],
        group=frame["group"],
        weight=frame["w"],
        stratum=frame["stratum"],
        cluster=frame["cluster"],
    )
    # samplics' domain: the cell where the answer is known; other rows in a dummy domain.
    label = np.where(np.isnan(y), "-", frame["area"] + "/" + frame["group"])
    estimator = TaylorEstimator(PopParam.mean)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics warns that it is archived
        estimator.estimate(
            # the value in the dummy domain is irrelevant; 50 keeps its CV finite
            y=np.where(np.isnan(y), 50.0, y),
            samp_weight=frame["w"].to_numpy(),
            stratum=frame["stratum"].to_numpy(),
            psu=frame["cluster"].to_numpy(),
            domain=label,
            single_psu=SinglePSUEst.skip,
        )
    assert len(got) == len(set(label) - {"-"})
    for row in got.itertuples():
        key = f"{row.area}/{row.group}"
        assert row.value == pytest.approx(estimator.point_est[key], abs=1e-9)
        assert row.se == pytest.approx(estimator.stderror[key], rel=1e-6)


def test_members_take_their_households_design():
    """A roster indicator is a domain estimate over member rows that carry the
    household's weight, stratum and cluster: the same as the formula over members."""
    rng = np.random.default_rng(8)
    households = _design(seed=8, n=300)
    size = rng.integers(1, 6, len(households))
    members = households.loc[households.index.repeat(size)].reset_index(drop=True)
    members["age"] = rng.integers(0, 70, len(members))
    members["school"] = rng.choice(["yes", "no"], len(members))
    spec = IndicatorSpec(
        "school_attendance",
        parse_expression("school == 'yes'"),
        parse_expression("age >= 6 and age <= 17"),
        unit="member",
    )
    got = estimate_indicators(
        members,
        [spec],
        area=members["area"],
        group=members["group"],
        weight=members["w"],
        stratum=members["stratum"],
        cluster=members["cluster"],
    )
    school_age = members["age"].between(6, 17)
    y = np.where(school_age, (members["school"] == "yes") * 100.0, np.nan)
    expected = reference_estimates(
        list(y), list(members["w"]), _cells(members), members["stratum"], members["cluster"]
    )
    for row in got.itertuples():
        estimate, n, se = expected[(row.area, row.group)]
        assert (row.n, row.value) == (n, pytest.approx(estimate, abs=1e-9))
        assert row.se == pytest.approx(se, rel=1e-6)
    assert got["n"].sum() == int(school_age.sum())
