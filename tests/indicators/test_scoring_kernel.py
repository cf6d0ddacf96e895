"""What the float32 kernel (indicators/scoring_blocks.py) promises beyond the 0.01 of the
reference tests: a value at its comparator scores exactly 100 on parity, a value at best
exactly 100 on absolute, whatever the goalposts (class 5 depends on it), and a framework's
runs of children are grouped into stretches of equal length that cover them in order."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.cube import build_cube
from indicators.scoring import score
from indicators.scoring_blocks import _stretches, plan_for

try:  # tests/indicators may or may not become a package
    from .reference import make_framework, observations_frame
except ImportError:
    from reference import make_framework, observations_frame

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND = "2024-01-01"

magnitude = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(
    worst=magnitude,
    span=st.floats(1e-3, 1e6) | st.floats(-1e6, -1e-3),  # best above or below worst
    share=st.floats(0.0001, 1.0),
)
def test_a_value_at_its_comparator_or_at_best_scores_exactly_100(worst, span, share):
    best = worst + span
    framework = make_framework({"c": {"s": {"i": (worst, best)}}}, min_criteria=1)
    worst, best = framework.indicators[0].goalposts
    comparator = worst + share * (best - worst)  # better than worst: a gap to close
    rows = [
        ("A", ROUND, "host", "i", comparator, 100),
        ("A", ROUND, "idp", "i", comparator, 100),  # at the comparator
        ("A", ROUND, "returnee", "i", best, 100),  # at best
    ]
    result = score(build_cube(observations_frame(rows), framework), framework)
    scores = result["indicator_score"].sel(area="A", indicator="i").isel(round=0)
    assert scores.sel(benchmark="parity", group="idp").item() == 100.0
    assert scores.sel(benchmark="parity", group="returnee").item() == 100.0  # best >= c
    assert scores.sel(benchmark="absolute", group="returnee").item() == 100.0
    classes = result["score_class"].sel(area="A", benchmark="parity").isel(round=0)
    assert (classes.values == 5.0).all()


def test_stretches_cover_the_runs_in_order():
    sizes = np.array([2, 2, 2, 1, 3, 3, 1, 1, 2])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    stretches = _stretches(starts, sizes)
    assert stretches == ((0, 0, 3, 2), (6, 3, 1, 1), (7, 4, 2, 3), (13, 6, 2, 1), (15, 8, 1, 2))
    # every parent once, its children where `starts` says
    covered = [
        (parent + k, first + k * size, size)
        for first, parent, runs, size in stretches
        for k in range(runs)
    ]
    assert covered == [(j, int(starts[j]), int(sizes[j])) for j in range(len(sizes))]


def test_the_plan_groups_equal_runs():
    framework = make_framework(
        {
            "a": {"a1": {"x1": (0, 1), "x2": (0, 1)}, "a2": {"x3": (0, 1), "x4": (0, 1)}},
            "b": {"b1": {"x5": (0, 1)}, "b2": {"x6": (0, 1), "x7": (0, 1), "x8": (0, 1)}},
        }
    )
    plan = plan_for(framework)
    assert plan.sub_stretches == ((0, 0, 2, 2), (4, 2, 1, 1), (5, 3, 1, 3))
    assert plan.crit_stretches == ((0, 0, 2, 2),)
    assert (plan.subcriteria, plan.criteria) == (4, 2)


def test_host_sums_of_no_areas_are_zero_not_an_error():
    """A boundaries-only workspace scores an empty cube (its pages then say what to import)."""
    from indicators.scoring_blocks import host_sums

    total, count = host_sums(np.empty((0, 3, 4)))
    assert total.shape == count.shape == (3, 4)
    assert not total.any() and not count.any()
