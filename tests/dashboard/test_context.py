"""AppContext's cache belongs to one context: a changed copy never reads the original's."""

from __future__ import annotations

import dataclasses


def test_a_changed_copy_has_its_own_derived_data(demo_app_context):
    level = max(demo_app_context.scored_levels)
    original = demo_app_context.level_scores(level)
    districts = demo_app_context.areas[demo_app_context.areas["level"] == level]
    fewer = demo_app_context.areas.drop(districts.index[:5])
    copy = dataclasses.replace(demo_app_context, areas=fewer)
    assert copy._memo is not demo_app_context._memo
    assert copy.derived is None  # a changed copy computes in memory, stores nothing
    assert copy.level_scores(level) is not original
    assert demo_app_context.level_scores(level) is original
