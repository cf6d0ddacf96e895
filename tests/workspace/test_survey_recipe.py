"""Broken recipes and hostile expressions (DESIGN 3.6): exit 1, the recipe line named,
no traceback, the workspace byte for byte as it was, and nothing executed."""

from __future__ import annotations

import pytest

from dashboard.cli import main
from tests.helpers import snapshot
from tests.workspace.test_survey_import import RECIPE, _areas, _survey
from workspace.frameworks import load_framework
from workspace.recipe import RecipeError, parse_recipe


@pytest.fixture
def setup(tmp_path):
    folder = tmp_path / "ws"
    assert main(["import-areas", str(folder), *map(str, _areas(tmp_path))]) == 0
    households, members = _survey()
    survey = tmp_path / "zedland.xlsx"
    import pandas as pd

    with pd.ExcelWriter(survey) as writer:
        households.to_excel(writer, sheet_name="zedland_profiling", index=False)
        members.to_excel(writer, sheet_name="members", index=False)
    return folder, survey


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


BROKEN = {
    "unknown top-level key": (
        RECIPE.replace("weight: {column: design_wt}", "wieght: {column: design_wt}"),
        "wieght",
        "unknown key 'wieght'",
    ),
    "unknown nested key": (
        RECIPE.replace(
            "design: {strata: strat, cluster: psu}", "design: {strata: strat, clusters: psu}"
        ),
        "clusters",
        "unknown key 'clusters'",
    ),
    "unknown indicator": (
        RECIPE.replace("code: violence_12m", "code: violence_12months"),
        "violence_12months",
        "did you mean 'violence_12m'",
    ),
    "column the file lacks": (
        RECIPE.replace('value: "walk_minutes"', 'value: "walking_minutes"'),
        "walking_minutes",
        "no such column",
    ),
    "area column the file lacks": (
        RECIPE.replace("area: {column: district_code}", "area: {column: district}"),
        "area: {column: district}",
        "no such column",
    ),
    "member column the roster lacks": (
        RECIPE.replace("in_school == 'yes'", "at_school == 'yes'"),
        "at_school",
        "no such column",
    ),
    "personal data in an expression": (
        RECIPE.replace('value: "walk_minutes"', "value: \"resp_name == 'x'\""),
        "resp_name",
        "personal data",
    ),
    "member unit without a roster": (
        RECIPE.replace(
            "members: {sheet: members, key: _parent_index, household_key: _index}\n", ""
        ),
        "unit: member",
        "needs a `members:` section",
    ),
    "roster sheet missing": (
        RECIPE.replace("{sheet: members,", "{sheet: roster,"),
        "members:",
        "no sheet 'roster'",
    ),
    "group mapped to an unknown group": (
        RECIPE.replace("host_comm: host", "host_comm: hosts"),
        "host_comm: hosts",
        "'hosts'",
    ),
    "bad round": (RECIPE.replace('round: "2026-01"', 'round: "January"'), "round:", "YYYY-MM"),
    "key twice": (
        RECIPE.replace("source: Zedland profiling 2026\n", "source: a\nsource: b\n"),
        "source: b",
        "given twice",
    ),
    "not YAML": (
        RECIPE.replace("area: {column: district_code}", "area: {column: [district"),
        "area:",
        "not valid YAML",
    ),
}

HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "hurt_12m.__class__.__mro__",
    "open('PWNED', 'w')",
    "(lambda: __import__('os'))()",
    "[c for c in hurt_12m]",
    "{k: 1 for k in hurt_12m}",
    "hurt_12m if 1 else 0",
    "exec('x=1')",
    "walk_minutes ** 1000000",
]


@pytest.mark.parametrize("case", BROKEN)
def test_broken_recipes_exit_1_naming_the_line(setup, tmp_path, case, capsys):
    folder, survey = setup
    text, fragment, message = BROKEN[case]
    recipe = tmp_path / "broken.yaml"
    recipe.write_text(text)
    before = snapshot(folder)
    for argv in (
        ["survey", str(folder), str(survey), "--recipe", str(recipe)],
        ["validate", str(survey), "--recipe", str(recipe)],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert message in err, err
        if case != "not YAML":
            assert f"line {_line_of(text, fragment)}" in err, err
        assert str(recipe) in err
    assert snapshot(folder) == before


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_expressions_never_run(setup, tmp_path, expression, capsys, monkeypatch):
    folder, survey = setup
    monkeypatch.chdir(tmp_path)
    text = RECIPE.replace('value: "walk_minutes"', "value: " + _yaml_quote(expression))
    recipe = tmp_path / "hostile.yaml"
    recipe.write_text(text)
    before = snapshot(folder)
    assert main(["survey", str(folder), str(survey), "--recipe", str(recipe)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not allowed" in err, err
    assert f"line {_line_of(text, 'value: ' + _yaml_quote(expression)[:10])}" in err
    assert not (tmp_path / "PWNED").exists()
    assert snapshot(folder) == before


def _yaml_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_all_problems_are_listed_at_once():
    text = RECIPE.replace("code: violence_12m", "code: nothing").replace(
        'value: "walk_minutes"', 'value: "walk_minutes.real"'
    )
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, "r.yaml", load_framework())
    message = str(caught.value)
    assert f"line {_line_of(text, 'code: nothing')}" in message
    assert f"line {_line_of(text, 'walk_minutes.real')}" in message


def test_answers_stay_text_in_the_group_map():
    """YAML 1.1 reads yes/no/on/1 as booleans and numbers; a questionnaire's answers are
    text, so `yes: idp` maps the answer 'yes'."""
    text = RECIPE.replace(
        "map: {idp: idp, host_comm: host, returnee: returnee}", "map: {yes: idp, 1: host}"
    )
    parsed = parse_recipe(text, "r.yaml", load_framework())
    assert parsed.group_map == {"yes": "idp", "1": "host"}


def test_yaml_aliases_are_refused_before_they_expand():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    bomb += "c: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" + RECIPE
    with pytest.raises(RecipeError, match="line 2: YAML aliases"):
        parse_recipe(bomb, "r.yaml", load_framework())


def test_a_name_two_headers_share_is_an_error_if_used(setup, tmp_path, capsys):
    import pandas as pd

    folder, _ = setup
    households, _ = _survey()
    households["grp_other/hurt_12m"] = "no"  # two headers end in hurt_12m
    path = tmp_path / "twice.csv"
    households.to_csv(path, index=False)
    text = RECIPE.split("members:")[0] + "indicators:\n" + RECIPE.split("indicators:\n")[1]
    recipe = tmp_path / "r.yaml"
    recipe.write_text(text.split("  - code: school_attendance")[0])
    assert main(["survey", str(folder), str(path), "--recipe", str(recipe)]) == 1
    err = capsys.readouterr().err
    assert "ambiguous" in err and "grp_safety/hurt_12m" in err and "grp_other/hurt_12m" in err
    assert f"line {_line_of(text, 'hurt_12m ==')}" in err
    del pd


def test_names_matched_to_areas_and_round_from_the_command_line(setup, tmp_path, capsys):
    folder, _ = setup
    households, _ = _survey()
    households["grp_loc/district"] = households["grp_loc/district_code"].map(
        {"ZZ0101": "A", "ZZ0102": "b ", "ZZ0201": "C"}
    )
    path = tmp_path / "names.csv"
    households.to_csv(path, index=False)
    text = RECIPE.split("members:")[0] + "indicators:\n" + RECIPE.split("indicators:\n")[1]
    text = text.split("  - code: school_attendance")[0]
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        text.replace("area: {column: district_code}", "area: {column: district, match: names}")
    )
    out = tmp_path / "out.csv"
    argv = ["survey", str(folder), str(path), "--recipe", str(recipe), "--round", "2026-04"]
    assert main([*argv, "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out)
    assert set(table["area_pcode"]) == {"ZZ0101", "ZZ0102", "ZZ0201"}
    assert set(table["round"]) == {"2026-04-01"}
    # without a workspace there are no areas to match names to: a clear error
    assert (
        main(
            [
                "survey",
                str(tmp_path / "none"),
                str(path),
                "--recipe",
                str(recipe),
                "--out",
                str(out),
            ]
        )
        == 1
    )
    assert "match: names" in capsys.readouterr().err


def test_missing_files_exit_1(setup, tmp_path, capsys):
    folder, survey = setup
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE)
    assert main(["survey", str(folder), str(tmp_path / "nope.xlsx"), "--recipe", str(recipe)]) == 1
    assert "file not found" in capsys.readouterr().err
    assert main(["survey", str(folder), str(survey), "--recipe", str(tmp_path / "nope.yaml")]) == 1
    assert "recipe not found" in capsys.readouterr().err
    (tmp_path / "x.docx").write_text("x")
    assert main(["validate", str(tmp_path / "x.docx"), "--recipe", str(recipe)]) == 1
    assert "not a survey file" in capsys.readouterr().err


def test_expressions_that_fail_on_the_data_name_their_line(setup, tmp_path, capsys):
    folder, survey = setup
    for broken, fragment in (
        ('value: "walk_minutes"', 'value: "hurt_12m + 1"'),  # arithmetic on text answers
        ('value: "walk_minutes"', 'value: "hurt_12m"'),  # text, not a number or true/false
        ('where: "age_years >= 6 and age_years <= 17"', 'where: "age_years * 2"'),
    ):
        text = RECIPE.replace(broken, fragment)
        recipe = tmp_path / "r.yaml"
        recipe.write_text(text)
        before = snapshot(folder)
        assert main(["survey", str(folder), str(survey), "--recipe", str(recipe)]) == 1
        err = capsys.readouterr().err
        assert f"line {_line_of(text, fragment)}" in err and "Traceback" not in err, err
        assert snapshot(folder) == before
