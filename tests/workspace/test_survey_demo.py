"""The demo's survey (DESIGN 3.6, issue 10 item 6): the shipped Meridia files and recipes,
and the demo workspace's values made by the survey path."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from dashboard.cli import main
from workspace.demo_survey import (
    EXAMPLE_SAV,
    EXAMPLE_XLSX,
    RECIPE,
    REGION_RECIPE,
    SAV_RECIPE,
)
from workspace.frameworks import load_framework
from workspace.survey import load_recipe, read_survey, run_survey, survey_from_frames


def test_the_recipes_make_every_indicator_of_the_default_framework():
    framework = load_framework()
    for path in (RECIPE, REGION_RECIPE, SAV_RECIPE):
        parsed = load_recipe(path, framework)
        assert [s.code for s in parsed.specs] == framework.indicator_codes, path


def test_the_shipped_files_are_the_generated_ones_and_agree():
    """XLSX (roster sheet) and SPSS (value labels, roster file) give the same estimates,
    and both are what the generator makes from its seed."""
    from workspace.demo import example_round

    framework = load_framework()
    xlsx_recipe, sav_recipe = load_recipe(RECIPE, framework), load_recipe(SAV_RECIPE, framework)
    from_xlsx = run_survey(EXAMPLE_XLSX, xlsx_recipe, framework).table
    from_sav = run_survey(EXAMPLE_SAV, sav_recipe, framework).table
    households, members = example_round()
    fresh = run_survey(
        EXAMPLE_XLSX,
        xlsx_recipe,
        framework,
        survey=survey_from_frames(households, members, xlsx_recipe),
    ).table
    assert len(from_xlsx) > 1000
    for other in (from_sav, fresh):
        pd.testing.assert_frame_equal(from_xlsx, other, check_exact=False, rtol=1e-12, atol=1e-9)
    # a real design: several clusters per stratum, unequal weights, a single-cluster one
    survey = read_survey(EXAMPLE_XLSX, xlsx_recipe)
    assert survey.households["hh_weight"].std() > 0
    assert {"respondent_name", "phone_number", "_geolocation", "member_name"} <= set(survey.dropped)
    assert (from_xlsx["n"] < framework.n_min).any() and (from_xlsx["n"] >= framework.n_min).any()


def test_the_demo_values_come_from_the_survey(demo_workspace):
    framework = demo_workspace.framework
    observations = demo_workspace.observations()
    scored = observations[observations["indicator"].isin(framework.indicator_codes)]
    assert scored["se"].notna().all() and (scored["se"] >= 0).all()
    assert scored["n"].notna().all() and (scored["n"] < framework.n_min).any()
    # districts for every group, and the regional host baseline at the parent level
    levels = dict(
        zip(demo_workspace.areas()["pcode"], demo_workspace.areas()["level"], strict=True)
    )
    at_level = scored.assign(level=scored["area_pcode"].map(levels)).groupby("level")["group"]
    assert set(at_level.unique()[2]) == {"idp", "returnee", "host"}
    assert set(at_level.unique()[1]) == {"host"}
    # about a tenth of the district values are missing
    districts = scored[scored["area_pcode"].map(levels) == 2]
    cells = districts.groupby(["area_pcode", "round", "group"]).size()
    missing = 1 - cells.mean() / len(framework.indicators)
    assert 0.05 < missing < 0.2
    assert len(set(pd.to_datetime(observations["round"]))) == 12


def test_the_walk_through_example_imports_into_the_demo(demo_workspace, tmp_path, capsys):
    copy = tmp_path / "meridia"
    shutil.copytree(demo_workspace.path, copy)
    names = read_survey_names()
    argv = ["survey", str(copy), str(EXAMPLE_XLSX), "--recipe", str(RECIPE)]
    assert main(argv) == 0
    report = capsys.readouterr().out
    assert "29 indicator(s)" in report and "personal-data column(s) dropped" in report
    from workspace.store import Workspace

    rounds = set(pd.to_datetime(Workspace(copy).observations()["round"]))
    assert pd.Timestamp("2026-03-01") in rounds
    for file in copy.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert not any(name.encode() in data for name in names), file
    assert main(["score", str(copy), "--out", str(tmp_path / "scores.csv")]) == 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    new = scores[(scores["round"] == "2026-03-01") & (scores["level"] == "overall")]
    assert new["score"].notna().sum() > 0


def read_survey_names() -> set[str]:
    frame = pd.read_excel(EXAMPLE_XLSX, sheet_name=0)
    column = next(c for c in frame.columns if c.endswith("respondent_name"))
    names = set(frame[column].dropna())
    assert len(names) > 50
    return names


@pytest.mark.parametrize("seed", [1, 2])
def test_the_generator_is_seeded(seed):
    from workspace.demo import example_round

    a, _ = example_round(seed)
    b, _ = example_round(seed)
    pd.testing.assert_frame_equal(a, b)
    assert np.isfinite(a["hh_weight"]).all()
