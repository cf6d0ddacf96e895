"""Properties the scoring (DESIGN 4) must have whatever the data: bounds, the plain mean,
monotonicity in the displaced value, and independence from the order of areas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.cube import build_cube
from indicators.scoring import score, scores_long

try:  # tests/indicators may or may not become a package
    from .reference import make_framework, observations_frame
except ImportError:
    from reference import make_framework, observations_frame

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TREE = {
    "a": {"a1": {"x1": (0, 100), "x2": (40, 0)}, "a2": {"x3": (120, 15)}},
    "b": {"b1": {"x4": (-50, 250)}, "b2": {"x5": (0, 1)}, "b3": {"x6": (10, 90)}},
    "c": {"c1": {"x7": (0, 100)}},
    "d": {"d1": {"x8": (100, 0)}},
}
CORE = {"a", "b", "c"}
WEIGHTS = {"a": 2, "b": 0.5}
PARENTS = {"P": None, "A": "P", "B": "P", "Y": None}
AREAS = list(PARENTS)
GROUPS = ("idp", "returnee", "host")
ROUND = "2024-01-01"


def framework(aggregation="geometric", weights=WEIGHTS, min_criteria=2, core=frozenset()):
    return make_framework(
        TREE,
        weights=weights,
        core=set(core),
        n_min=30,
        min_criteria=min_criteria,
        aggregation=aggregation,
    )


INDICATORS = framework().indicators
CELLS = [(a, g, i) for a in AREAS for g in GROUPS for i in INDICATORS]

# A value as its position between the goalposts (0 = worst, 1 = best), often outside
# them and often exactly on one; n missing, small or large.
position = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(-0.5, 1.5, allow_nan=False))
sample = st.one_of(st.none(), st.integers(1, 100))
cell = st.one_of(st.none(), st.tuples(position, sample))
cells = st.lists(cell, min_size=len(CELLS), max_size=len(CELLS))


def observations(drawn) -> pd.DataFrame:
    rows = []
    for (area, group, indicator), item in zip(CELLS, drawn, strict=True):
        if item is None:
            continue
        pos, n = item
        worst, best = indicator.goalposts
        rows.append((area, ROUND, group, indicator.code, worst + pos * (best - worst), n))
    if not rows:  # the cube needs at least one row
        rows.append(("Y", ROUND, "idp", INDICATORS[0].code, INDICATORS[0].worst, None))
    return observations_frame(rows)


def long_scores(obs, fw, core=False) -> pd.DataFrame:
    cube = build_cube(obs, fw, parents=PARENTS)
    return scores_long(score(cube, fw, core=core), fw)


def keyed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("score", "class", "reliability"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    key = ["area_pcode", "round", "group", "benchmark", "level", "code"]
    return frame.set_index(key).sort_index()


@SETTINGS
@given(drawn=cells, aggregation=st.sampled_from(["geometric", "arithmetic"]), core=st.booleans())
def test_scores_are_within_bounds(drawn, aggregation, core):
    fw = framework(aggregation, core=CORE)
    table = keyed(long_scores(observations(drawn), fw, core=core))
    scores = table["score"].dropna()
    # 1e-9: exp(ln 100) is 100.00000000000004 in floating point
    assert ((scores >= 0) & (scores <= 100 + 1e-9)).all(), scores[(scores < 0) | (scores > 100)]
    overall = table.xs("overall", level="level")
    assert set(overall["class"].dropna()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert (overall["class"].isna() == overall["score"].isna()).all()
    reliability = overall["reliability"]
    assert reliability.notna().all()
    assert ((reliability >= 0) & (reliability <= 10)).all()


@SETTINGS
@given(drawn=cells)
def test_equal_weights_arithmetic_overall_is_the_plain_mean(drawn):
    fw = framework("arithmetic", weights={}, min_criteria=1)
    table = keyed(long_scores(observations(drawn), fw)).reset_index()
    criteria = table[table["level"] == "criterion"]
    overall = table[table["level"] == "overall"].set_index(["area_pcode", "group", "benchmark"])
    means = criteria.groupby(["area_pcode", "group", "benchmark"])["score"].mean()  # skips NaN
    joined = overall["score"].to_frame("overall").join(means.rename("mean"))
    assert len(joined) == len(overall)
    both = joined.dropna()
    np.testing.assert_allclose(both["overall"], both["mean"], rtol=0, atol=1e-9)
    # with min_criteria 1 the overall is missing exactly where no criterion has a score
    assert (joined["overall"].isna() == joined["mean"].isna()).all()


@SETTINGS
@given(
    drawn=cells,
    data=st.data(),
    aggregation=st.sampled_from(["geometric", "arithmetic"]),
    core=st.booleans(),
)
def test_a_better_value_never_lowers_a_score(drawn, data, aggregation, core):
    fw = framework(aggregation, core=CORE)
    obs = observations(drawn)
    displaced = obs.index[obs["group"].isin(["idp", "returnee"]) & obs["value"].notna()]
    if len(displaced) == 0:
        return
    row = data.draw(st.sampled_from(list(displaced)), label="row")
    step = data.draw(st.floats(0.001, 1.0), label="step towards best (share of the range)")
    indicator = next(i for i in INDICATORS if i.code == obs.at[row, "indicator"])
    better = obs.copy()
    better.at[row, "value"] = obs.at[row, "value"] + step * (indicator.best - indicator.worst)

    before = keyed(long_scores(obs, fw, core=core))
    after = keyed(long_scores(better, fw, core=core))
    assert before.index.equals(after.index)
    area, group = obs.at[row, "area_pcode"], obs.at[row, "group"]
    mine = (before.index.get_level_values("area_pcode") == area) & (
        before.index.get_level_values("group") == group
    )
    old, new = before["score"][mine], after["score"][mine]
    # present stays present (the value was there already), and nothing goes down
    assert (old.isna() == new.isna()).all()
    assert (new.fillna(0) >= old.fillna(0) - 1e-9).all(), pd.concat(
        {"before": old, "after": new}, axis=1
    )[new.fillna(0) < old.fillna(0) - 1e-9]
    # the indicator's own score moved the right way on both benchmarks
    for benchmark in ("parity", "absolute"):
        key = (area, ROUND, group, benchmark, "indicator", indicator.code)
        if not math.isnan(before.at[key, "score"]):  # parity is missing without a comparator
            assert after.at[key, "score"] >= before.at[key, "score"] - 1e-9
    # reliability does not depend on the value; other areas and groups are untouched
    pd.testing.assert_series_equal(before["reliability"], after["reliability"])
    pd.testing.assert_frame_equal(before[~mine], after[~mine])


@SETTINGS
@given(drawn=cells, permutation=st.permutations(range(len(AREAS))), data=st.data())
def test_area_order_does_not_matter(drawn, permutation, data):
    fw = framework(data.draw(st.sampled_from(["geometric", "arithmetic"])))
    obs = observations(drawn)
    cube = build_cube(obs, fw, parents=PARENTS)
    expected = score(cube, fw)

    # the same cube with its areas in another order
    order = [i for i in permutation if i < cube.sizes["area"]]
    shuffled = score(cube.isel(area=order), fw).sel(area=expected["area"].values)
    for name, variable in expected.data_vars.items():
        got = shuffled[name].transpose(*variable.dims).values.astype(float)
        np.testing.assert_allclose(
            got, variable.values.astype(float), atol=1e-9, equal_nan=True, err_msg=name
        )

    # the same observations in another row order, areas renamed so they sort differently
    rename = {
        a: f"{chr(ord('Z') - k)}{a}" for k, a in enumerate(permutation_of(AREAS, permutation))
    }
    renamed = obs.sample(frac=1, random_state=0).replace({"area_pcode": rename})
    parents = {rename[a]: (rename[p] if p else None) for a, p in PARENTS.items()}
    back = {v: k for k, v in rename.items()}
    got = scores_long(score(build_cube(renamed, fw, parents=parents), fw), fw)
    got["area_pcode"] = got["area_pcode"].map(back)
    pd.testing.assert_frame_equal(
        keyed(got), keyed(scores_long(expected, fw)), check_exact=False, atol=1e-9
    )


def permutation_of(items, permutation):
    return [items[i] for i in permutation]


def test_property_helpers_cover_every_goalpost_shape():
    # reversed goalposts, goalposts outside 0-100 and unequal weights are all in play
    fw = framework()
    assert any(i.worst > i.best for i in fw.indicators)
    assert any(max(i.goalposts) > 100 or min(i.goalposts) < 0 for i in fw.indicators)
    assert len({c.weight for c in fw.criteria}) > 1
    assert not math.isclose(sum(c.weight for c in fw.criteria), len(fw.criteria))
