"""The shipped IASC framework file, and the validator's messages on broken framework files."""

from __future__ import annotations

import math
import re

import pytest

from indicators.framework import CONTEXT_VARIABLES, FrameworkError, parse_framework
from workspace.frameworks import DEFAULT_FRAMEWORK, load_framework

IASC_CRITERIA = [
    "safety",
    "living_standard",
    "livelihoods",
    "hlp",
    "documentation",
    "family",
    "participation",
    "remedies",
]

# Indicators the brief names explicitly; other engineers and the demo data rely on them.
REQUIRED_INDICATORS = [
    "safe_walking_night",
    "violence_12m",
    "movement_restrictions",
    "food_insecurity",
    "durable_housing",
    "overcrowding",
    "basic_water",
    "health_care_received",
    "health_facility_time",
    "school_attendance",
    "unemployment_rate",
    "below_poverty_line",
    "hlp_restitution",
    "secure_tenure",
    "civil_documentation",
    "birth_registration",
    "separated_family",
    "voter_registration",
    "community_participation",
    "remedies_access",
]


@pytest.fixture(scope="module")
def iasc():
    return load_framework()


# --------------------------------------------------------------------- the shipped default


def test_default_loads_with_the_documented_settings(iasc):
    assert iasc.name == "IASC durable solutions"
    assert iasc.version == "2026.1"
    assert iasc.n_min == 30
    assert iasc.min_criteria == 5
    assert iasc.aggregation == "geometric"
    # load_framework() with no path and with the explicit default path read the same file.
    assert load_framework(DEFAULT_FRAMEWORK) == iasc


def test_default_has_the_eight_iasc_criteria_in_order_five_core(iasc):
    assert iasc.criterion_codes == IASC_CRITERIA
    assert iasc.core_criterion_codes == IASC_CRITERIA[:5]
    assert all(c.weight == 1 for c in iasc.criteria)


def test_default_has_enough_indicators_including_the_named_ones(iasc):
    assert len(iasc.indicators) >= 24
    missing = sorted(set(REQUIRED_INDICATORS) - set(iasc.indicator_codes))
    assert not missing


def test_default_every_criterion_has_subcriteria_with_indicators(iasc):
    for criterion in iasc.criteria:
        assert criterion.subcriteria, criterion.code
        for sub in criterion.subcriteria:
            assert sub.indicators, sub.code


def test_default_codes_follow_the_naming_rules(iasc):
    for criterion in iasc.criteria:
        for sub in criterion.subcriteria:
            assert sub.code.startswith(criterion.code + "."), sub.code
    for code in iasc.indicator_codes:
        # Indicator codes are column values in observation files: no dots, no spaces.
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
    assert not set(iasc.indicator_codes) & set(CONTEXT_VARIABLES)


def test_default_every_item_has_english_and_french_labels(iasc):
    items = [*iasc.criteria, *iasc.subcriteria, *iasc.indicators]
    for item in items:
        assert item.label.get("en", "").strip(), item.code
        assert item.label.get("fr", "").strip(), item.code
        assert item.label["en"] != item.label["fr"], item.code
    # The French is real French (accents survive the UTF-8 round trip).
    assert iasc.label("living_standard.education", "fr") == "Éducation"
    assert iasc.label("family", "fr") == "Réunification familiale"


def test_default_every_indicator_has_unit_rationale_and_source(iasc):
    for indicator in iasc.indicators:
        assert indicator.unit.strip(), indicator.code
        # One line, in each of the four languages (DESIGN 5.2), each its own text.
        for lang in ("en", "fr", "ar", "es"):
            why = indicator.why(lang)
            assert why and why.strip(), (indicator.code, lang)
            assert "\n" not in why, (indicator.code, lang)
            if lang != "en":
                assert set(indicator.rationale) >= {lang} and why != indicator.why("en")
        assert indicator.source and indicator.source.strip(), indicator.code


def test_name_description_and_rationale_take_text_or_text_per_language(iasc):
    from indicators.framework import FrameworkError, parse_framework

    assert iasc.name == "IASC durable solutions"  # scores and exports carry the English
    assert iasc.title("fr") != iasc.name and "IASC" in iasc.title("ar")
    for lang in ("fr", "ar", "es"):
        assert iasc.describe(lang) and iasc.describe(lang) != iasc.describe("en")
    assert "PAM" in iasc.indicators[4].why("fr") and "PMA" in iasc.indicators[4].why("es")
    water = next(i for i in iasc.indicators if "SDG" in i.why("en") and "JMP" in i.why("en"))
    assert "ODD" in water.why("fr") and "ODS" in water.why("es")
    assert "أهداف التنمية المستدامة" in water.why("ar")
    one = """
name: {name}
version: "1"
min_criteria: 1
criteria:
  - code: a
    label: {{en: A}}
    subcriteria:
      - code: a.1
        label: {{en: A1}}
        indicators:
          - code: x
            label: {{en: X}}
            unit: percent
            goalposts: [0, 100]
            rationale: {rationale}
"""
    plain = parse_framework(one.format(name="Mine", rationale='"Only English"'), "mine.yaml")
    # A user's framework in one language: every language falls back to it, no error.
    assert plain.title("ar") == "Mine" and plain.indicators[0].why("es") == "Only English"
    mapped = parse_framework(
        one.format(name="{en: Mine, fr: Le mien}", rationale="{en: Why, fr: Pourquoi}"), "m"
    )
    assert mapped.title("fr") == "Le mien" and mapped.title("es") == "Mine"
    assert mapped.indicators[0].why("fr") == "Pourquoi" and mapped.indicators[0].why("ar") == "Why"
    with pytest.raises(FrameworkError, match=r"name.*English"):
        parse_framework(one.format(name="{fr: Le mien}", rationale="x"), "m")
    with pytest.raises(FrameworkError, match="rationale"):
        parse_framework(one.format(name="M", rationale="{fr: Pourquoi}"), "m")


def test_default_goalposts_are_distinct_finite_and_in_range(iasc):
    for indicator in iasc.indicators:
        worst, best = indicator.goalposts
        assert worst != best, indicator.code
        assert math.isfinite(worst) and math.isfinite(best), indicator.code
        if indicator.unit == "percent":
            assert 0 <= worst <= 100 and 0 <= best <= 100, indicator.code


def test_default_goalpost_directions(iasc):
    by_code = {i.code: i for i in iasc.indicators}
    # Bad things: worst is the high number.
    assert by_code["violence_12m"].goalposts == (40, 0)
    assert by_code["unemployment_rate"].worst > by_code["unemployment_rate"].best
    assert by_code["overcrowding"].worst > by_code["overcrowding"].best
    # Good things: best is the high number.
    assert by_code["basic_water"].worst < by_code["basic_water"].best
    assert by_code["birth_registration"].best == 100
    # Not every indicator is a percentage.
    assert by_code["health_facility_time"].unit == "minutes"
    assert by_code["health_facility_time"].goalposts == (120, 15)
    assert {i.unit for i in iasc.indicators} >= {"percent", "minutes", "ratio"}


# ------------------------------------------------------------------------ error messages

MINIMAL = """\
name: test framework
version: "1.0"
min_criteria: 2
aggregation: geometric
criteria:
  - code: safety
    label: {en: Safety, fr: Sécurité}
    weight: 1
    iris_core: true
    subcriteria:
      - code: safety.violence
        label: {en: Victims of violence}
        indicators:
          - code: violence_12m
            label: {en: Experienced violence (%)}
            unit: percent
            goalposts: [40, 0]
  - code: documentation
    label: {en: Documentation}
    weight: 1
    subcriteria:
      - code: documentation.birth
        label: {en: Birth registration}
        indicators:
          - code: birth_registration
            label: {en: Births registered (%)}
            unit: percent
            goalposts: [50, 100]
"""


def _edit(old: str, new: str, text: str = MINIMAL) -> str:
    # Guard against a test that silently edits nothing because the template changed.
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the template"
    return text.replace(old, new)


def _error(text: str, source: str = "test.yaml") -> str:
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, source)
    return str(info.value)


def test_minimal_template_is_valid():
    framework = parse_framework(MINIMAL, "test.yaml")
    assert framework.indicator_codes == ["violence_12m", "birth_registration"]
    assert framework.label("safety", "fr") == "Sécurité"
    # A missing French label falls back to English.
    assert framework.label("documentation", "fr") == "Documentation"


def test_unknown_indicator_key_names_the_path_and_the_code():
    message = _error(_edit("goalposts: [40, 0]", "goalpost: [40, 0]"))
    assert message.startswith("test.yaml:")
    assert "criteria['safety'].subcriteria['safety.violence']" in message
    assert "indicators['violence_12m'].goalpost:" in message
    assert "unknown key" in message
    # The real key is then missing, and that is said too.
    assert "indicators['violence_12m'].goalposts: Field required" in message


def test_unknown_criterion_key_names_the_criterion():
    message = _error(
        _edit("    weight: 1\n    iris_core: true", "    wieght: 1\n    iris_core: true")
    )
    assert "criteria['safety'].wieght" in message
    assert "unknown key" in message


def test_unknown_top_level_key_is_named():
    message = _error(_edit("aggregation: geometric", "aggregation: geometric\nnmin: 30"))
    assert "nmin: unknown key" in message


def test_duplicate_indicator_codes_are_named():
    message = _error(_edit("code: birth_registration", "code: violence_12m"))
    assert "duplicate codes: violence_12m" in message


def test_duplicate_code_across_levels_is_named():
    message = _error(_edit("code: documentation.birth", "code: safety.violence"))
    assert "duplicate codes: safety.violence" in message


def test_reserved_code_is_rejected():
    message = _error(_edit("code: birth_registration", "code: idps_present"))
    assert "reserved codes used: idps_present" in message


def test_equal_goalposts_are_rejected_naming_the_indicator():
    message = _error(_edit("goalposts: [40, 0]", "goalposts: [25, 25]"))
    assert "indicators['violence_12m'].goalposts" in message
    assert "goalposts are equal (25.0)" in message


def test_goalposts_need_exactly_two_numbers():
    message = _error(_edit("goalposts: [40, 0]", "goalposts: [40, 20, 0]"))
    assert "indicators['violence_12m'].goalposts" in message


@pytest.mark.parametrize("weight", ["0", "-1", "-0.5"])
def test_non_positive_weight_is_rejected(weight):
    text = _edit("    weight: 1\n    iris_core: true", f"    weight: {weight}\n    iris_core: true")
    message = _error(text)
    assert "criteria['safety'].weight" in message
    assert "weight must be positive" in message
    assert f"got {float(weight)}" in message


def test_aggregation_must_be_geometric_or_arithmetic():
    message = _error(_edit("aggregation: geometric", "aggregation: median"))
    assert "aggregation:" in message
    assert "'geometric'" in message and "'arithmetic'" in message


def test_arithmetic_aggregation_is_accepted():
    framework = parse_framework(_edit("aggregation: geometric", "aggregation: arithmetic"))
    assert framework.aggregation == "arithmetic"


def test_invalid_yaml_reports_the_line_number():
    broken = _edit(
        "            unit: percent\n            goalposts: [40, 0]",
        "            unit: percent: x\n            goalposts: [40, 0]",
    )
    line = broken.splitlines().index("            unit: percent: x") + 1
    message = _error(broken, "broken.yaml")
    assert message.startswith("broken.yaml: not valid YAML")
    assert f"at line {line}," in message


def test_yaml_that_is_not_a_mapping_is_rejected():
    assert "expected a mapping" in _error("- just\n- a list\n")
    assert "expected a mapping" in _error("")


def test_min_criteria_larger_than_the_criteria_is_rejected():
    message = _error(_edit("min_criteria: 2", "min_criteria: 3"))
    assert "min_criteria is 3" in message
    assert "only 2 criteria" in message


def test_missing_criteria_is_reported():
    text = "name: empty\nversion: '1'\n"
    assert "criteria: Field required" in _error(text)


@pytest.mark.parametrize(("written", "kept"), [("2026.1", "2026.1"), ("3", "3")])
def test_unquoted_numeric_version_is_kept_as_text(written, kept):
    framework = parse_framework(_edit('version: "1.0"', f"version: {written}"))
    assert framework.version == kept
    assert isinstance(framework.version, str)


def test_defaults_apply_when_optional_settings_are_absent():
    text = _edit("aggregation: geometric\n", "")
    text = _edit("min_criteria: 2\n", "min_criteria: 1\n", text)
    framework = parse_framework(text)
    assert framework.aggregation == "geometric"
    assert framework.n_min == 30
    assert framework.criteria[1].iris_core is False
    assert framework.indicators[0].rationale is None


# --------------------------------------------------------------------------- files


def test_load_framework_missing_file_names_the_path(tmp_path):
    path = tmp_path / "no_such_framework.yaml"
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


def test_load_framework_reads_a_custom_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    framework = load_framework(path)
    assert framework.criterion_codes == ["safety", "documentation"]


def test_load_framework_errors_name_the_file(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(_edit("goalposts: [40, 0]", "goalpost: [40, 0]"), encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert str(info.value).startswith(f"{path}:")
    assert "goalpost" in str(info.value)


def test_load_framework_rejects_non_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.encode("latin-1"))
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert str(path) in str(info.value)
    assert "not UTF-8" in str(info.value)
