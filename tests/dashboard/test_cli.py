"""The `solutions` command line: contracts of DESIGN 3.1 on real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from tests.helpers import snapshot

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
IRAQ_ADM1 = SHARED / "iraq" / "irq_admbnda_adm1_cso_20190603.geojson"
IRAQ_ADM2 = SHARED / "iraq" / "irq_admbnda_adm2_cso_20190603.geojson"
needs_iraq = pytest.mark.skipif(not IRAQ_ADM2.exists(), reason="../shared/data not present")

FRAMEWORK = """\
name: Test framework
version: "t1"
n_min: 30
min_criteria: 2
aggregation: arithmetic
criteria:
  - code: safety
    label: {en: Safety}
    weight: 2
    iris_core: true
    subcriteria:
      - code: safety.violence
        label: {en: Violence}
        indicators:
          - {code: violence_12m, label: {en: Violence}, unit: percent, goalposts: [40, 0]}
  - code: livelihoods
    label: {en: Livelihoods}
    iris_core: true
    subcriteria:
      - code: livelihoods.work
        label: {en: Work}
        indicators:
          - {code: unemployment_rate, label: {en: Unemployment}, unit: percent,
             goalposts: [30, 3]}
          - {code: travel_minutes, label: {en: Minutes to work}, unit: minutes,
             goalposts: [120, 15]}
"""


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def iraq_workspace(tmp_path: Path) -> Path:
    if not IRAQ_ADM2.exists():
        pytest.skip("../shared/data not present")
    workspace = tmp_path / "ws"
    assert run("import-areas", workspace, IRAQ_ADM1, IRAQ_ADM2) == 0
    framework = tmp_path / "framework.yaml"
    framework.write_text(FRAMEWORK, encoding="utf-8")
    assert run("framework", workspace, framework) == 0
    return workspace


def write_csv(path: Path, rows: list[tuple], header="area_pcode,round,group,indicator,value,n"):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def info(workspace: Path, capsys) -> dict:
    capsys.readouterr()
    assert run("info", workspace, "--json") == 0
    return json.loads(capsys.readouterr().out)


@needs_iraq
def test_import_and_score_real_boundaries(iraq_workspace, tmp_path, capsys):
    observations = write_csv(
        tmp_path / "rounds.csv",
        [
            ("IQG02Q01", "2024-03", "idp", "violence_12m", 20, 80),
            ("IQG02Q01", "2024-03", "host", "violence_12m", 10, 12),  # small: parent
            ("IQG02", "2024-03", "host", "violence_12m", 5, 200),
            ("IQG02Q01", "2024-03", "idp", "unemployment_rate", 12, 80),
            ("IQG02Q01", "2024-03", "host", "unemployment_rate", 6, 90),
            ("IQG02Q01", "2024-03", "idp", "travel_minutes", 150, 80),
            ("IQG02Q01", "2024-03", "host", "travel_minutes", 30, 90),
            ("IQG02Q01", "2024-03-01", "", "idps_present", 1200, ""),
        ],
    )
    assert run("import", iraq_workspace, observations) == 0
    held = info(iraq_workspace, capsys)
    assert held["areas"] == {"1": 18, "2": 101}
    assert held["rounds"] == ["2024-03-01"]
    assert held["indicators"] == [
        "violence_12m",
        "unemployment_rate",
        "travel_minutes",
        "idps_present",
    ]
    assert held["imports"] == 3  # two area layers and one observation file

    out = tmp_path / "scores.csv"
    assert run("score", iraq_workspace, "--out", out) == 0
    scores = pd.read_csv(out, dtype={"round": str})
    assert list(scores.columns) == [
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
    # One area/round/group with data x 2 benchmarks x (3 indicators + 2 sub + 2 crit + 1)
    assert len(scores) == 2 * 8
    parity = scores[scores["benchmark"] == "parity"].set_index("code")["score"]
    # violence: own host has n=12 < 30, so the parent IQG02's 5 is used: (20-40)/(5-40)
    assert parity["violence_12m"] == pytest.approx(100 * 20 / 35, abs=1e-3)
    # unemployment (12-30)/(6-30) = 0.75; minutes (150-120)/(30-120) < 0 -> 0
    assert parity["unemployment_rate"] == pytest.approx(75, abs=1e-3)
    assert parity["travel_minutes"] == pytest.approx(0, abs=1e-3)
    # arithmetic, weights 2 and 1: (2*57.142857 + 37.5) / 3
    assert parity["overall"] == pytest.approx((2 * 100 * 20 / 35 + 37.5) / 3, abs=1e-3)
    overall = scores[scores["level"] == "overall"]
    assert overall["class"].tolist() == [2, 2]
    # one fallback out of three indicators: 10 * 0.5 / 3
    assert overall["reliability"].tolist() == pytest.approx([10 * 0.5 / 3] * 2, abs=1e-3)
    assert scores.loc[scores["level"] != "overall", "class"].isna().all()


@needs_iraq
def test_unknown_areas_stop_the_import_and_change_nothing(iraq_workspace, tmp_path, capsys):
    before = snapshot(iraq_workspace)
    observations = write_csv(
        tmp_path / "bad.csv",
        [
            ("IQG02Q01", "2024-03", "idp", "violence_12m", 20, 80),
            ("IQZZZ", "2024-03", "idp", "violence_12m", 20, 80),
        ],
    )
    assert run("import", iraq_workspace, observations) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and "'IQZZZ'" in err and "rows 3" in err
    assert "Traceback" not in err
    assert snapshot(iraq_workspace) == before

    assert run("import", iraq_workspace, observations, "--skip-unknown") == 0
    out = capsys.readouterr().out
    assert "1 rows imported" in out
    rejects = list((iraq_workspace / "rejects").glob("*.csv"))
    assert len(rejects) == 1
    rejected = pd.read_csv(rejects[0])
    assert rejected["area_pcode"].tolist() == ["IQZZZ"]
    assert rejected["row"].tolist() == [3]


@needs_iraq
@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (("IQG02Q01", "2024-13", "idp", "violence_12m", 20, 80), "round", "not a date"),
        (("IQG02Q01", "2024-03", "refugee", "violence_12m", 20, 80), "group", "unknown group"),
        (("IQG02Q01", "2024-03", "idp", "no_such_code", 20, 80), "indicator", "unknown"),
        (("IQG02Q01", "2024-03", "idp", "violence_12m", "abc", 80), "value", "not a number"),
        (("IQG02Q01", "2024-03", "idp", "violence_12m", 140, 80), "value", "outside 0-100"),
        (("IQG02Q01", "2024-03", "idp", "violence_12m", 20, -5), "n", "negative"),
        (("", "2024-03", "idp", "violence_12m", 20, 80), "area_pcode", "empty"),
    ],
)
def test_bad_rows_are_named_and_nothing_changes(
    iraq_workspace, tmp_path, capsys, row, column, message
):
    before = snapshot(iraq_workspace)
    good = ("IQG02Q01", "2024-03", "host", "violence_12m", 10, 80)
    observations = write_csv(tmp_path / "broken.csv", [good, row])
    capsys.readouterr()
    assert run("import", iraq_workspace, observations) == 1
    err = capsys.readouterr().err
    assert "broken.csv" in err
    assert f"row 3, column {column}" in err
    assert message in err
    assert snapshot(iraq_workspace) == before


@needs_iraq
def test_same_file_twice_is_a_no_op_and_conflicts_are_refused(iraq_workspace, tmp_path, capsys):
    first = write_csv(tmp_path / "a.csv", [("IQG02Q01", "2024-03", "idp", "violence_12m", 20, 80)])
    assert run("import", iraq_workspace, first) == 0
    before = snapshot(iraq_workspace)
    capsys.readouterr()
    assert run("import", iraq_workspace, first) == 0
    assert "already imported" in capsys.readouterr().out
    assert snapshot(iraq_workspace) == before

    conflicting = write_csv(
        tmp_path / "b.csv", [("IQG02Q01", "2024-03", "idp", "violence_12m", 25, 80)]
    )
    assert run("import", iraq_workspace, conflicting) == 1
    err = capsys.readouterr().err
    assert "contradict" in err and "25 here, 20 in the workspace" in err
    assert snapshot(iraq_workspace) == before


@needs_iraq
def test_conflicting_duplicates_within_a_file(iraq_workspace, tmp_path, capsys):
    rows = [
        ("IQG02Q01", "2024-03", "idp", "violence_12m", 20, 80),
        ("IQG02Q01", "2024-03-01", "idp", "violence_12m", 20, 80),  # same value: dropped
        ("IQG02Q01", "2024-03", "idp", "unemployment_rate", 10, 80),
        ("IQG02Q01", "2024-03", "idp", "unemployment_rate", 11, 80),
    ]
    before = snapshot(iraq_workspace)
    assert run("import", iraq_workspace, write_csv(tmp_path / "dups.csv", rows)) == 1
    err = capsys.readouterr().err
    assert "conflicting values" in err and "rows 4, 5" in err
    assert snapshot(iraq_workspace) == before
    assert run("import", iraq_workspace, write_csv(tmp_path / "ok.csv", rows[:3])) == 0
    assert "dropped 1 row(s) repeating" in capsys.readouterr().out


@needs_iraq
def test_framework_is_validated_and_the_replaced_one_kept(iraq_workspace, tmp_path, capsys):
    before = snapshot(iraq_workspace)
    broken = tmp_path / "broken.yaml"
    broken.write_text(FRAMEWORK.replace("goalposts: [40, 0]", "goalpost: [40, 0]"))
    assert run("framework", iraq_workspace, broken) == 1
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "goalpost" in err and "violence_12m" in err
    assert snapshot(iraq_workspace) == before

    geometric = tmp_path / "geometric.yaml"
    geometric.write_text(FRAMEWORK.replace("aggregation: arithmetic", "aggregation: geometric"))
    assert run("framework", iraq_workspace, geometric) == 0
    assert len(list((iraq_workspace / "frameworks").glob("replaced-*.yaml"))) == 1
    assert "geometric" in (iraq_workspace / "framework.yaml").read_text()


@needs_iraq
def test_framework_that_drops_observed_indicators_is_refused(iraq_workspace, tmp_path, capsys):
    observations = write_csv(
        tmp_path / "a.csv", [("IQG02Q01", "2024-03", "idp", "travel_minutes", 60, 80)]
    )
    assert run("import", iraq_workspace, observations) == 0
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(
        FRAMEWORK.split("      - code: livelihoods.work")[0]
        .replace("min_criteria: 2", "min_criteria: 1")
        .replace(
            "  - code: livelihoods\n    label: {en: Livelihoods}\n    iris_core: true\n"
            "    subcriteria:\n",
            "",
        )
    )
    before = snapshot(iraq_workspace)
    capsys.readouterr()
    assert run("framework", iraq_workspace, smaller) == 1
    assert "travel_minutes" in capsys.readouterr().err
    assert snapshot(iraq_workspace) == before


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["score"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2


def test_missing_workspace_is_bad_input(tmp_path, capsys):
    assert run("info", tmp_path / "nothing-here") == 1
    assert "not a workspace" in capsys.readouterr().err


def test_validate_writes_nothing(tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", [("XM01001", "2024-03", "idp", "violence_12m", 20, 80)])
    bad = write_csv(tmp_path / "bad.csv", [("XM01001", "March", "idp", "violence_12m", 20, 80)])
    before = snapshot(tmp_path)
    assert run("validate", good) == 0
    assert "1 rows" in capsys.readouterr().out
    assert run("validate", good, bad) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 2, column round" in err
    assert snapshot(tmp_path) == before


def test_console_script_shows_no_traceback(tmp_path):
    solutions = shutil.which("solutions")
    if solutions is None:
        pytest.skip("console script not installed (pip install -e .)")
    bad = tmp_path / "framework.yaml"
    bad.write_text("name: x\nversion: 1\ncriteria: [\n")
    result = subprocess.run(
        [solutions, "validate", str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "framework.yaml" in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_workspace_contents(demo_workspace, capsys):
    held = info(demo_workspace.path, capsys)
    assert held["fictional"] is True and "fictional" in held["country"]
    assert held["areas"] == {"0": 1, "1": 12, "2": 150}
    assert len(held["rounds"]) == 12
    assert held["groups"] == ["host", "idp", "returnee"]
    assert {"idps_present", "violence_12m", "birth_registration"} <= set(held["indicators"])


def test_demo_scores_have_the_format_of_design_3_4(demo_workspace, tmp_path):
    out = tmp_path / "demo-scores.csv"
    assert run("score", demo_workspace.path, "--out", out) == 0
    scores = pd.read_csv(out, dtype={"round": str})
    assert scores["round"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(scores["group"]) == {"idp", "returnee"}
    assert set(scores["benchmark"]) == {"parity", "absolute"}
    assert scores["score"].dropna().between(0, 100).all()
    overall = scores[scores["level"] == "overall"]
    assert overall["reliability"].between(0, 10).all()
    assert set(overall["class"].dropna().astype(int)) <= {1, 2, 3, 4, 5}
    # the demo has stories, so several classes appear
    assert overall["class"].nunique() >= 3
    assert scores.loc[scores["level"] != "overall", ["class", "reliability"]].isna().all().all()


def test_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "import-areas" in result.stdout
