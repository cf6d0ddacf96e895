"""`solutions survey` and `validate --recipe` end to end (DESIGN 3.6, 8): Kobo XLSX with a
roster sheet, SPSS with value labels, Stata, CSV; estimates checked against the formula
written out (tests/indicators/test_survey_estimator.py); nothing personal kept."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.cli import main
from tests.helpers import snapshot
from tests.indicators.test_survey_estimator import reference_estimates

PLANTED = "Qwertzuiop Plantedname"  # a "respondent name" that must never be stored
AREAS = ["ZZ0101", "ZZ0102", "ZZ0201"]


def _survey(seed=4, n=400):
    """A Kobo-shaped survey of another country with a roster, strata, clusters and a
    single-cluster stratum; answers and roster in the questionnaire's own words."""
    rng = np.random.default_rng(seed)
    households = pd.DataFrame(
        {
            "_index": np.arange(1, n + 1),
            "grp_id/resp_name": [PLANTED] * 3 + [f"Person {i}" for i in range(n - 3)],
            "grp_id/hh_phone": [f"+999 55{x:07d}" for x in rng.integers(0, 10**7, n)],
            "grp_loc/district_code": rng.choice([*AREAS, "QQ9999"], n, p=[0.35, 0.3, 0.3, 0.05]),
            "grp_hh/pop_group": rng.choice(["IDP", "host_comm", "returnee", "refugee"], n),
            "design_wt": np.where(rng.random(n) < 0.02, np.nan, rng.uniform(0.3, 5, n)),
            "strat": rng.choice(["north", "south", "east"], n),
            "psu": rng.integers(0, 8, n),
            "grp_safety/hurt_12m": rng.choice(["yes", "no", None], n, p=[0.3, 0.6, 0.1]),
            "grp_health/walk_minutes": rng.gamma(3, 15, n).round(),
        }
    )
    households["psu"] = households["strat"] + "-" + households["psu"].astype(str)
    households.loc[households["strat"] == "east", "psu"] = "east-0"  # one cluster only
    size = rng.integers(1, 6, n)
    members = pd.DataFrame(
        {
            "_index": np.arange(1, size.sum() + 1),
            "_parent_index": np.repeat(households["_index"], size).to_numpy(),
            "member_name": [PLANTED] * int(size.sum()),
            "age_years": rng.integers(0, 80, size.sum()),
            "in_school": rng.choice(["yes", "no"], size.sum()),
        }
    )
    return households, members


RECIPE = """name: Zedland profiling
source: Zedland profiling 2026
round: "2026-01"
area: {column: district_code}
group:
  column: pop_group
  map: {idp: idp, host_comm: host, returnee: returnee}
weight: {column: design_wt}
design: {strata: strat, cluster: psu}
members: {sheet: members, key: _parent_index, household_key: _index}
indicators:
  - code: violence_12m
    value: "hurt_12m == 'yes'"
  - code: health_facility_time
    value: "walk_minutes"
  - code: school_attendance
    unit: member
    where: "age_years >= 6 and age_years <= 17"
    value: "in_school == 'yes'"
"""


def _areas(tmp_path):
    cells = [shapely.box(i, 0, i + 1, 1) for i in range(3)]
    adm1 = gpd.GeoDataFrame(
        {"ADM1_PCODE": ["ZZ01", "ZZ02"], "ADM1_EN": ["One", "Two"]},
        geometry=[shapely.union_all(cells[:2]), cells[2]],
        crs="EPSG:4326",
    )
    adm2 = gpd.GeoDataFrame(
        {
            "ADM2_PCODE": AREAS,
            "ADM2_EN": ["A", "B", "C"],
            "ADM1_PCODE": ["ZZ01", "ZZ01", "ZZ02"],
        },
        geometry=cells,
        crs="EPSG:4326",
    )
    files = []
    for level, layer in ((1, adm1), (2, adm2)):
        path = tmp_path / f"zzz_admbnda_adm{level}.geojson"
        layer.to_file(path, driver="GeoJSON")
        files.append(path)
    return files


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "ws"
    assert main(["import-areas", str(folder), *map(str, _areas(tmp_path))]) == 0
    return folder


@pytest.fixture
def kobo_xlsx(tmp_path):
    households, members = _survey()
    path = tmp_path / "zedland.xlsx"
    with pd.ExcelWriter(path) as writer:
        households.to_excel(writer, sheet_name="zedland_profiling", index=False)
        members.to_excel(writer, sheet_name="members", index=False)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    return path, recipe, households, members


def _expected(households, members):
    """Independent estimates: the survey as the recipe describes it, by the formula."""
    frame = households.rename(columns=lambda c: c.rsplit("/", 1)[-1])
    group = frame["pop_group"].str.lower().map({"idp": "idp", "host_comm": "host"})
    group = group.where(frame["pop_group"].str.lower() != "returnee", "returnee")
    design = frame["design_wt"].notna()  # the design: households with a weight
    frame, group = frame[design].reset_index(drop=True), group[design].reset_index(drop=True)
    known = frame["district_code"].isin(AREAS)
    domain = [
        (a, g) if k and isinstance(g, str) else None
        for a, g, k in zip(frame["district_code"], group, known, strict=True)
    ]
    out = {}
    y = np.where(frame["hurt_12m"].isna(), np.nan, (frame["hurt_12m"] == "yes") * 100.0)
    for key, v in reference_estimates(
        list(y), list(frame["design_wt"]), domain, frame["strat"], frame["psu"]
    ).items():
        out[(*key, "violence_12m")] = v
    for key, v in reference_estimates(
        list(frame["walk_minutes"]), list(frame["design_wt"]), domain, frame["strat"], frame["psu"]
    ).items():
        out[(*key, "health_facility_time")] = v
    position = pd.Index(frame["_index"]).get_indexer(members["_parent_index"])
    rows = members[position >= 0].reset_index(drop=True)
    parent = position[position >= 0]
    school = rows["age_years"].between(6, 17)
    y = np.where(school, (rows["in_school"] == "yes") * 100.0, np.nan)
    for key, v in reference_estimates(
        list(y),
        list(frame["design_wt"].to_numpy()[parent]),
        [domain[p] for p in parent],
        frame["strat"].to_numpy()[parent],
        frame["psu"].to_numpy()[parent],
    ).items():
        out[(*key, "school_attendance")] = v
    return out


def _check_against_reference(table, expected):
    assert len(table) == len(expected)
    for row in table.itertuples():
        estimate, n, se = expected[(row.area_pcode, row.group, row.indicator)]
        assert row.n == n
        assert row.value == pytest.approx(estimate, abs=1e-9)
        assert row.se == pytest.approx(se, rel=1e-6)


def test_kobo_xlsx_with_roster_into_a_workspace(workspace, kobo_xlsx, capsys):
    path, recipe, households, members = kobo_xlsx
    assert main(["survey", str(workspace), str(path), "--recipe", str(recipe)]) == 0
    report = capsys.readouterr().out
    assert "400 household row(s) read" in report
    assert "group not mapped by the recipe ('refugee'" in report
    assert "area unknown ('QQ9999')" in report
    assert "weight missing or not positive (design_wt)" in report
    assert "single cluster" in report and "east" in report
    assert "resp_name (person names)" in report and "hh_phone (phone numbers)" in report
    assert "member_name (person names)" in report
    assert "rest on fewer than n_min = 30" in report

    from workspace.store import Workspace

    stored = Workspace(workspace).observations()
    stored["round"] = pd.to_datetime(stored["round"])
    assert set(stored["round"]) == {pd.Timestamp("2026-01-01")}
    assert set(stored["source"]) == {"Zedland profiling 2026"}
    _check_against_reference(stored, _expected(households, members))

    manifest = json.loads((workspace / "manifest.json").read_text())
    entry = manifest["imports"][-1]
    assert entry["file"] == "zedland.xlsx" and len(entry["sha256"]) == 64
    assert (workspace / entry["recipe"]).read_text() == recipe.read_text()

    # DESIGN 8: the planted name is in no file of the workspace, nor its manifest.
    for file in workspace.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert PLANTED.encode() not in data, file
            assert b"Plantedname" not in data, file

    # The cube carries se beside value and n, and the scores are computed as before.
    cube = Workspace(workspace).cube()
    assert "se" in cube
    cell = cube.sel(area="ZZ0101", group="idp", indicator="violence_12m").isel(round=0)
    row = stored.query("area_pcode == 'ZZ0101' and group == 'idp' and indicator == 'violence_12m'")
    assert float(cell["se"]) == pytest.approx(float(row["se"].iloc[0]))

    # Again with the same file and recipe: nothing to do, nothing changed.
    before = snapshot(workspace)
    assert main(["survey", str(workspace), str(path), "--recipe", str(recipe)]) == 0
    assert "already imported" in capsys.readouterr().out
    assert snapshot(workspace) == before


def test_small_samples_count_in_the_reliability_index(workspace, kobo_xlsx, capsys):
    """An estimate from fewer than n_min households is a small sample, as for any n."""
    from indicators.scoring import score
    from workspace.store import Workspace

    path, recipe, _, _ = kobo_xlsx
    assert main(["survey", str(workspace), str(path), "--recipe", str(recipe)]) == 0
    ws = Workspace(workspace)
    framework = ws.framework
    cube = ws.cube(framework)
    stored = ws.observations()
    cell = stored[(stored["area_pcode"] == "ZZ0101") & (stored["group"] == "idp")]
    assert (cell["n"] < framework.n_min).any()  # the survey made small cells

    def reliability(of_cube):
        result = score(of_cube, framework)
        return float(result["reliability"].sel(area="ZZ0101", group="idp").isel(round=0))

    # The same estimates, every n raised to n_min: only the small-sample share changes.
    large = cube.copy(deep=True)
    large["n"] = large["n"].where(large["n"].isnull(), np.maximum(large["n"], framework.n_min))
    assert reliability(cube) > reliability(large)


def test_out_writes_a_canonical_csv_and_touches_no_workspace(workspace, kobo_xlsx, tmp_path):
    path, recipe, households, members = kobo_xlsx
    before = snapshot(workspace)
    out = tmp_path / "estimates.csv"
    argv = ["survey", str(workspace), str(path), "--recipe", str(recipe), "--out", str(out)]
    assert main(argv) == 0
    assert snapshot(workspace) == before
    table = pd.read_csv(out)
    assert list(table.columns) == [
        "area_pcode",
        "round",
        "group",
        "indicator",
        "value",
        "n",
        "source",
        "se",
    ]
    _check_against_reference(table, _expected(households, members))
    assert PLANTED not in out.read_text()
    # ... and the canonical import reads it back, se included.
    assert main(["import", str(workspace), str(out)]) == 0
    from workspace.store import Workspace

    stored = Workspace(workspace).observations()
    assert stored["se"].notna().all()
    assert main(["validate", str(path), "--recipe", str(recipe)]) == 0


def test_spss_value_labels_and_roster_file(workspace, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    households, members = _survey(seed=9)
    # SPSS names cannot start with "_": exports rename Kobo's _index and _parent_index.
    frame = households.rename(columns=lambda c: c.rsplit("/", 1)[-1].lstrip("_"))
    codes = {"yes": 1.0, "no": 2.0}
    groups = {"IDP": 1.0, "host_comm": 2.0, "returnee": 3.0, "refugee": 4.0}
    frame["hurt_12m"] = frame["hurt_12m"].map(codes)
    frame["pop_group"] = frame["pop_group"].map(groups)
    labels = {
        "hurt_12m": {v: k for k, v in codes.items()},
        "pop_group": {v: k for k, v in groups.items()},
    }
    sav = tmp_path / "zedland.sav"
    pyreadstat.write_sav(frame, str(sav), variable_value_labels=labels)
    roster = members.assign(in_school=members["in_school"].map(codes))
    roster = roster.rename(columns=lambda c: c.lstrip("_"))
    pyreadstat.write_sav(
        roster,
        str(tmp_path / "roster.sav"),
        variable_value_labels={"in_school": labels["hurt_12m"]},
    )
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(_spss(RECIPE, "roster.sav"))
    out = tmp_path / "out.csv"
    assert (
        main(["survey", str(workspace), str(sav), "--recipe", str(recipe), "--out", str(out)]) == 0
    )
    _check_against_reference(pd.read_csv(out), _expected(households, members))

    dta = tmp_path / "zedland.dta"
    pyreadstat.write_dta(frame, str(dta), variable_value_labels=labels)
    pyreadstat.write_dta(
        roster,
        str(tmp_path / "roster.dta"),
        variable_value_labels={"in_school": labels["hurt_12m"]},
    )
    recipe.write_text(_spss(RECIPE, "roster.dta"))
    assert (
        main(["survey", str(workspace), str(dta), "--recipe", str(recipe), "--out", str(out)]) == 0
    )
    _check_against_reference(pd.read_csv(out), _expected(households, members))


def _spss(recipe: str, roster: str) -> str:
    return recipe.replace(
        "{sheet: members, key: _parent_index, household_key: _index}",
        f"{{file: {roster}, key: parent_index, household_key: index}}",
    )


def test_csv_with_semicolons(workspace, tmp_path):
    households, _ = _survey(seed=2)
    path = tmp_path / "zedland.csv"
    households.to_csv(path, sep=";", index=False)
    recipe = tmp_path / "recipe.yaml"
    text = RECIPE.split("members:")[0] + "indicators:\n" + RECIPE.split("indicators:\n")[1]
    recipe.write_text(text.split("  - code: school_attendance")[0])
    out = tmp_path / "out.csv"
    assert (
        main(["survey", str(workspace), str(path), "--recipe", str(recipe), "--out", str(out)]) == 0
    )
    table = pd.read_csv(out)
    assert set(table["indicator"]) == {"violence_12m", "health_facility_time"}
    assert (table["n"] > 0).all() and (table["se"] >= 0).all()
