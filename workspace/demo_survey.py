"""The fictional Meridia household survey: microdata in the shape Kobo exports it.

A stratified cluster design: each district is a stratum, households are drawn in a few
villages (clusters) per district, and carry design weights. Questions sit in Kobo groups
(``grp_safety/violence_12m``), the members roster is a repeat group linked by
``_parent_index``, and the shipped copy has the personal columns real exports have (a
respondent's name, a phone number, a GPS point), all invented, so the reader's dropping
of them can be seen. `workspace/demo_data/meridia_recipe.yaml` maps the questions to
every indicator of the default IASC framework.

The answers are drawn so that the expected estimate of each district, group and
indicator is the value the demo's stories give it (`workspace.demo`); what the dashboard
shows is then what the survey path estimates from them, sampling noise included.

Run ``python -m workspace.demo_survey`` to regenerate the shipped example files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEMO_DATA = Path(__file__).parent / "demo_data"
RECIPE = DEMO_DATA / "meridia_recipe.yaml"
REGION_RECIPE = DEMO_DATA / "meridia_recipe_regions.yaml"
SAV_RECIPE = DEMO_DATA / "meridia_recipe_sav.yaml"
EXAMPLE_XLSX = DEMO_DATA / "meridia_household_survey_2026-03.xlsx"
EXAMPLE_SAV = DEMO_DATA / "meridia_household_survey_2026-03.sav"
EXAMPLE_ROSTER_SAV = DEMO_DATA / "meridia_household_roster_2026-03.sav"
ROSTER_SHEET = "hh_roster"
GROUP_ANSWERS = ("idp", "returnee", "non_displaced")  # the questionnaire's own words
POVERTY_LINE = 2150.0  # consumption per person and month, Meridian dollars (fictional)
NATIONAL_MEDIAN_INCOME = 5200.0
CLUSTERS_PER_DISTRICT = 6


def _words(text: str) -> list[str]:
    return text.split()


#: The indicators answered per household and per member (roster); the recipe and
#: `draw_round` are kept together and must cover the framework.
HOUSEHOLD = _words(
    "violence_12m movement_restrictions safe_walking_night food_insecurity "
    "poor_food_consumption durable_housing overcrowding health_care_received "
    "health_facility_time basic_water basic_sanitation below_poverty_line income_ratio "
    "food_expenditure_share hlp_restitution secure_tenure eviction_fear "
    "documentation_barrier separated_family missing_relatives community_participation "
    "remedies_access violence_reported"
)
MEMBER = _words(
    "school_attendance unemployment_rate youth_neet civil_documentation birth_registration "
    "voter_registration"
)


def draw_round(
    targets: dict[str, np.ndarray],
    counts: dict[str, np.ndarray],
    asked: dict[str, np.ndarray],
    districts: pd.DataFrame,
    indicator_codes: list[str],
    rng: np.random.Generator,
    *,
    personal: bool = False,
    first_index: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One round's households and roster in Kobo's shape.

    ``targets[group]`` is (district, indicator) in the indicator's unit, ``counts[group]``
    the households to draw per district, ``asked[group]`` (district, indicator) false
    where the module was not asked (its answers are missing, so the cell has no value).
    """
    column = {code: i for i, code in enumerate(indicator_codes)}
    missing = set(HOUSEHOLD + MEMBER) - set(column)
    if missing:
        raise ValueError(f"the demo survey needs the IASC indicators; missing {sorted(missing)}")
    groups = [g for g in ("idp", "returnee", "host") if g in targets]
    d_of = np.concatenate([np.repeat(np.arange(len(districts)), counts[g]) for g in groups])
    g_of = np.concatenate([np.full(int(counts[g].sum()), k) for k, g in enumerate(groups)])
    n = len(d_of)
    target = np.concatenate(
        [targets[g][np.repeat(np.arange(len(districts)), counts[g])] for g in groups]
    )
    is_asked = np.concatenate(
        [asked[g][np.repeat(np.arange(len(districts)), counts[g])] for g in groups]
    )

    def share(code: str) -> np.ndarray:
        return rng.random(n) < np.clip(target[:, column[code]] / 100, 0, 1)

    # Answers are drawn as categories (codes into their options), as the survey path
    # would see them after reading: no string per row is hashed again.
    def yes_no(flag: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(np.where(flag, 0, 1), ["yes", "no"])

    def pick(flag: np.ndarray, good: list[str], bad: list[str]) -> pd.Categorical:
        """One of ``good`` where ``flag`` holds, else one of ``bad``, at random."""
        codes = np.where(
            flag, rng.integers(0, len(good), n), len(good) + rng.integers(0, len(bad), n)
        )
        return pd.Categorical.from_codes(codes, [*good, *bad])

    def skip(values, *codes: str, where: np.ndarray | None = None):
        """Missing where the module was not asked, or for about 2 % who did not answer."""
        gone = rng.random(n) < 0.02
        for code in codes:
            gone |= ~is_asked[:, column[code]]
        if where is not None:
            gone |= ~where
        if isinstance(values, pd.Categorical):
            kept = np.where(gone, -1, values.codes)
            return pd.Categorical.from_codes(kept, values.categories)
        values = values.astype(float)
        values[gone] = np.nan
        return values

    sizes = 1 + rng.poisson(3.5, n)
    q: dict[str, np.ndarray] = {}
    violence = share("violence_12m")
    q["grp_safety/violence_12m"] = skip(yes_no(violence), "violence_12m")
    q["grp_safety/reported_violence"] = skip(
        yes_no(share("violence_reported")), "violence_reported", where=violence
    )
    q["grp_safety/movement_restricted"] = skip(
        yes_no(share("movement_restrictions")), "movement_restrictions"
    )
    safe = share("safe_walking_night")
    q["grp_safety/feel_safe_night"] = skip(
        pick(safe, ["very_safe", "safe"], ["unsafe", "very_unsafe"]),
        "safe_walking_night",
    )
    q["grp_food/fies_score"] = skip(
        np.where(share("food_insecurity"), rng.integers(4, 9, n), rng.integers(0, 4, n)),
        "food_insecurity",
    )
    q["grp_food/fcs"] = skip(
        np.where(
            share("poor_food_consumption"), rng.uniform(8, 35, n), rng.uniform(35.5, 100, n)
        ).round(1),
        "poor_food_consumption",
    )
    q["grp_shelter/shelter_type"] = skip(
        pick(
            share("durable_housing"),
            ["house", "apartment"],
            ["tent", "collective_centre", "makeshift"],
        ),
        "durable_housing",
    )
    crowded = share("overcrowding") & (sizes >= 4)
    rooms = np.where(
        crowded, np.maximum(1, (sizes - 1) // 3), np.ceil(sizes / 3) + rng.integers(0, 2, n)
    )
    q["grp_shelter/rooms"] = skip(rooms, "overcrowding")
    q["grp_shelter/hh_size"] = sizes.astype(float)
    needed = rng.random(n) < 0.7
    q["grp_health/needed_care"] = yes_no(needed)
    q["grp_health/received_care"] = skip(
        yes_no(share("health_care_received")), "health_care_received", where=needed
    )
    minutes = target[:, column["health_facility_time"]] * rng.gamma(4, 0.25, n)
    q["grp_health/facility_minutes"] = skip(minutes.round(), "health_facility_time")
    water = share("basic_water")
    bad_source = rng.random(n) < 0.5
    q["grp_wash/water_source"] = skip(
        pick(
            water | ~bad_source,
            ["piped", "borehole", "protected_well"],
            ["river", "unprotected_well", "truck"],
        ),
        "basic_water",
    )
    q["grp_wash/water_minutes"] = skip(
        np.where(water | bad_source, rng.integers(2, 31, n), rng.integers(31, 120, n)),
        "basic_water",
    )
    sanitation = share("basic_sanitation")
    q["grp_wash/toilet_type"] = skip(
        pick(sanitation, ["flush", "pit_slab"], ["pit_open", "bucket", "none"]),
        "basic_sanitation",
    )
    poor = share("below_poverty_line")
    q["grp_livelihood/consumption_pc"] = skip(
        np.where(
            poor, rng.uniform(300, POVERTY_LINE - 1, n), rng.uniform(POVERTY_LINE, 9000, n)
        ).round(),
        "below_poverty_line",
    )
    ratio = target[:, column["income_ratio"]] * rng.lognormal(-0.045, 0.3, n)
    q["grp_livelihood/income_month"] = skip(
        (ratio * NATIONAL_MEDIAN_INCOME * sizes).round(), "income_ratio"
    )
    food = np.clip(rng.normal(target[:, column["food_expenditure_share"]], 6), 1, 99)
    total = rng.uniform(2000, 20000, n).round()
    q["grp_livelihood/spend_total"] = skip(total, "food_expenditure_share")
    q["grp_livelihood/spend_food"] = skip((total * food / 100).round(2), "food_expenditure_share")
    lost = rng.random(n) < 0.7
    q["grp_hlp/lost_property"] = yes_no(lost)
    q["grp_hlp/restitution"] = skip(yes_no(share("hlp_restitution")), "hlp_restitution", where=lost)
    q["grp_hlp/tenure_document"] = skip(yes_no(share("secure_tenure")), "secure_tenure")
    q["grp_hlp/fear_eviction"] = skip(yes_no(share("eviction_fear")), "eviction_fear")
    q["grp_docs/denied_service_docs"] = skip(
        yes_no(share("documentation_barrier")), "documentation_barrier"
    )
    q["grp_family/member_separated"] = skip(yes_no(share("separated_family")), "separated_family")
    q["grp_family/member_missing"] = skip(yes_no(share("missing_relatives")), "missing_relatives")
    q["grp_civic/attended_meeting"] = skip(
        yes_no(share("community_participation")), "community_participation"
    )
    victim = rng.random(n) < 0.6
    q["grp_justice/violation_victim"] = yes_no(victim)
    q["grp_justice/accessed_remedy"] = skip(
        yes_no(share("remedies_access")), "remedies_access", where=victim
    )

    codes = districts["pcode"].to_numpy()
    regions = districts["parent_pcode"].to_numpy()
    cluster = rng.integers(0, CLUSTERS_PER_DISTRICT, n)
    cluster[d_of == 0] = 0  # the first district was surveyed in one village only
    base_weight = np.array([55.0, 40.0, 210.0])[
        [("idp", "returnee", "host").index(g) for g in groups]
    ]
    village_factor = rng.lognormal(0, 0.25, (len(districts), CLUSTERS_PER_DISTRICT))
    weight = base_weight[g_of] * village_factor[d_of, cluster] * rng.lognormal(0, 0.1, n)
    index = np.arange(first_index, first_index + n)
    households = {
        "start": "",
        "_index": index,
        "grp_location/admin1_pcode": regions[d_of],
        "grp_location/admin2_pcode": codes[d_of],
        "grp_location/village_id": [
            f"{c}-V{k + 1}" for c, k in zip(codes[d_of], cluster, strict=True)
        ],
        "grp_hh/displacement_status": pd.Categorical.from_codes(
            g_of, [GROUP_ANSWERS[("idp", "returnee", "host").index(g)] for g in groups]
        ),
        **q,
        "hh_weight": weight.round(4),
        "stratum": codes[d_of],
    }
    frame = pd.DataFrame(households).drop(columns="start")
    if personal:  # what a real export holds and the reader must drop
        frame.insert(2, "grp_respondent/respondent_name", _person_names(rng, n))
        frame.insert(
            3, "grp_respondent/phone_number", [f"+999 7{x:08d}" for x in rng.integers(0, 10**8, n)]
        )
        frame["_geolocation"] = [
            f"{lat:.6f} {lon:.6f} 0 5" for lat, lon in rng.uniform([6, 20], [10, 26], (n, 2))
        ]
    frame["_uuid"] = [f"demo-{first_index + i:08d}" for i in range(n)]
    members = _roster(frame, sizes, d_of, target, is_asked, column, rng, personal)
    return frame, members


def _roster(households, sizes, d_of, target, is_asked, column, rng, personal) -> pd.DataFrame:
    """Members of each household (the Kobo repeat group), linked by ``_parent_index``."""
    parent = np.repeat(np.arange(len(households)), sizes)
    m = len(parent)
    first = np.r_[True, parent[1:] != parent[:-1]]
    age = np.where(
        first,
        rng.integers(18, 75, m),
        rng.choice([2, 11, 20, 40, 70], m, p=[0.2, 0.35, 0.15, 0.25, 0.05])
        + rng.integers(-2, 3, m),
    )
    age = np.clip(age, 0, 95)
    t = target[parent]
    asked = is_asked[parent]

    def draw(code: str) -> np.ndarray:
        return rng.random(m) < np.clip(t[:, column[code]] / 100, 0, 1)

    def answer(flag: np.ndarray, code: str, where: np.ndarray) -> pd.Categorical:
        gone = ~where | ~asked[:, column[code]] | (rng.random(m) < 0.02)
        return pd.Categorical.from_codes(np.where(gone, -1, np.where(flag, 0, 1)), ["yes", "no"])

    child = age < 5
    youth, working_age, adult = (age >= 15) & (age <= 24), (age >= 15) & (age <= 64), age >= 18
    neet = youth & draw("youth_neet")
    attends = np.where(youth, ~neet & (rng.random(m) < 0.6), draw("school_attendance"))
    in_labour_force = working_age & (rng.random(m) < 0.65)
    unemployed = in_labour_force & draw("unemployment_rate")
    working = in_labour_force & ~unemployed & ~(youth & (neet | attends))
    roster = {
        "_index": np.arange(1, m + 1),
        "_parent_index": households["_index"].to_numpy()[parent],
        "_parent_table_name": "meridia_household_survey",
        "member_age": age,
        "member_sex": pd.Categorical.from_codes(rng.integers(0, 2, m), ["female", "male"]),
        "attends_school": answer(attends, "school_attendance", age >= 5),
        "working": answer(working, "unemployment_rate", age >= 15),
        "looking_for_work": answer(
            unemployed | (neet & (rng.random(m) < 0.3)), "unemployment_rate", age >= 15
        ),
        "in_training": answer(
            youth & ~neet & ~attends & (rng.random(m) < 0.2), "youth_neet", age >= 15
        ),
        "has_id": answer(draw("civil_documentation"), "civil_documentation", adult),
        "birth_registered": answer(draw("birth_registration"), "birth_registration", child),
        "registered_to_vote": answer(draw("voter_registration"), "voter_registration", adult),
    }
    frame = pd.DataFrame(roster)
    if personal:
        frame.insert(3, "member_name", _person_names(rng, m))
    return frame


def _person_names(rng: np.random.Generator, count: int) -> list[str]:
    first = ["Amara", "Bexley", "Corin", "Dalia", "Esko", "Farah", "Galen", "Hessa", "Ilan"]
    first += ["Jorun", "Kesi", "Lior", "Maren", "Nadir", "Oona", "Priya", "Quill", "Rasmi"]
    last = ["Ardent", "Brisk", "Callow", "Dunmore", "Eskerby", "Fallon", "Grennet", "Holloway"]
    last += ["Ivers", "Jessup", "Kestrel", "Larkin", "Morrow", "Nettles", "Orrin", "Pellow"]
    a, b = rng.integers(0, len(first), count), rng.integers(0, len(last), count)
    return [f"{first[i]} {last[j]}" for i, j in zip(a, b, strict=True)]


def write_examples(folder: Path = DEMO_DATA) -> list[Path]:
    """The shipped example: round 2026-03 in two regions, as Kobo XLSX (roster sheet)
    and as SPSS (.sav with value labels, roster in a second file)."""
    from workspace.demo import example_round

    households, members = example_round()
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / EXAMPLE_XLSX.name
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        households.to_excel(writer, sheet_name="meridia_household_survey", index=False)
        members.to_excel(writer, sheet_name=ROSTER_SHEET, index=False)
    sav, roster = folder / EXAMPLE_SAV.name, folder / EXAMPLE_ROSTER_SAV.name
    _write_sav(households, sav)
    _write_sav(members, roster)
    return [xlsx, sav, roster]


def _write_sav(frame: pd.DataFrame, target: Path) -> None:
    """SPSS has no '/' in names and stores answers as labelled codes, as real files do."""
    import pyreadstat

    # No '/' and no leading '_' in SPSS names: Kobo's _index becomes index, and so on.
    frame = frame.drop(columns=["_parent_table_name"], errors="ignore")
    categories = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    frame = frame.astype(dict.fromkeys(categories, object))
    frame.columns = [c.rsplit("/", 1)[-1].lstrip("_") for c in frame.columns]
    labels = {}
    for name in frame.columns:
        values = frame[name]
        if (
            not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values))
            or name.startswith("_")
            or "pcode" in name
            or name
            in (
                "stratum",
                "village_id",
                "respondent_name",
                "member_name",
                "phone_number",
                "_geolocation",
            )
        ):
            continue
        options = sorted(v for v in values.dropna().unique())
        if len(options) > 12:
            continue
        code = {v: i + 1 for i, v in enumerate(options)}
        frame[name] = values.map(code).astype(float)
        labels[name] = {float(i): v for v, i in code.items()}
    pyreadstat.write_sav(frame, str(target), variable_value_labels=labels, row_compress=True)


if __name__ == "__main__":
    for path in write_examples():
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
