"""Arabic and Spanish (DESIGN 5.2): area names in the view's language from the boundaries'
``ADMn_AR`` / ``ADMn_ES`` / ``ADMn_FR`` (the real Iraq COD-AB carries ``ADM2_AR``), the
default framework labelled in every language, right-to-left helpers, the Arabic page
shell, and the Arabic PDF pack (Noto Naskh Arabic embedded, text extracts as Arabic)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import geodata
from dashboard.briefing.areas import area_table
from dashboard.briefing.downloads import scores_csv
from dashboard.briefing.locality import locality_data
from dashboard.briefing.map_data import MapSource
from dashboard.briefing.numbers import signed_text
from dashboard.context import AppContext
from dashboard.i18n import (
    LANGUAGES,
    arrow,
    comma,
    direction,
    long_date,
    month_year,
    ntranslator,
    number,
    semicolon,
)
from dashboard.pages.map import area_options, map_page
from indicators.framework import parse_framework
from tests.helpers import read_export
from workspace.demo import demo_observations
from workspace.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
IRAQ = ROOT.parent / "shared" / "data" / "iraq"
IRAQ_LAYERS = (
    IRAQ / "irq_admbnda_adm1_cso_20190603.geojson",
    IRAQ / "irq_admbnda_adm2_cso_20190603.geojson",
)
FALLUJA = "IQG01Q01"  # ADM2_EN "Al-Falluja", ADM2_AR "الفلوجة", in ADM1 Al-Anbar / الانبار
ARABIC = re.compile(r"[\u0600-\u06ff]")
needs_iraq = pytest.mark.skipif(not IRAQ_LAYERS[1].exists(), reason=f"no COD-AB at {IRAQ}")


def _text(node) -> str:
    return json.dumps(node.to_plotly_json(), default=str, ensure_ascii=False)


# -- area names in the view's language -----------------------------------------------------


@pytest.fixture(scope="module")
def iraq(tmp_path_factory) -> MapSource:
    """The real Iraq COD-AB (admin 1 and 2) with the demo's invented observations."""
    if not IRAQ_LAYERS[1].exists():
        pytest.skip(f"no COD-AB at {IRAQ}")
    folder = tmp_path_factory.mktemp("iraq")
    workspace = Workspace(folder / "workspace")
    workspace.import_areas(IRAQ_LAYERS)
    csv = folder / "observations.csv"
    demo_observations(workspace.areas(), workspace.framework).to_csv(csv, index=False)
    workspace.import_observations([csv])
    return MapSource(AppContext.load(workspace), url_for=lambda level: f"/geo/{level}.json")


@needs_iraq
def test_iraq_names_are_read_in_arabic_and_kept_in_the_workspace(iraq):
    areas = iraq.context.areas
    assert {"name", "name_ar"} <= set(areas.columns)
    assert "name_es" not in areas.columns  # the Iraq COD-AB has no Spanish names
    falluja = areas.set_index("pcode").loc[FALLUJA]
    assert (falluja["name"], falluja["name_ar"]) == ("Al-Falluja", "الفلوجة")
    assert areas["name_ar"].notna().all()


@needs_iraq
def test_an_arabic_page_shows_the_adm2_ar_names(iraq):
    state = replace(iraq.options.default, lang="ar")
    assert state.level == 2
    layer = iraq.layer(state)
    names = dict(zip(layer.locations, layer.names, strict=True))
    assert names[FALLUJA] == "الفلوجة"
    assert all(ARABIC.search(name) for name in names.values())
    page = _text(map_page(iraq, state))
    assert "الفلوجة" in page and "Al-Falluja" not in page
    # The area search finds an area by its Arabic name, and by its P-code.
    assert area_options(layer, "الفلوجة")[0] == {"label": f"الفلوجة ({FALLUJA})", "value": FALLUJA}
    assert area_options(layer, FALLUJA)[0]["label"].startswith("الفلوجة")
    # The locality and the tables (priorities, CSV, PDF) read the same names.
    data = locality_data(iraq.context, state, FALLUJA)
    assert (data.name, data.parent_name) == ("الفلوجة", "الانبار")  # as the COD-AB spells it
    table = area_table(iraq.context, state).set_index("pcode")
    assert table.loc[FALLUJA, "name"] == "الفلوجة"
    rows = read_export(scores_csv(iraq.context, state))
    header = rows[0]
    falluja = next(row for row in rows[2:] if row[header.index("area_pcode")] == FALLUJA)
    assert falluja[header.index("area_name")] == "الفلوجة"


@needs_iraq
def test_other_languages_fall_back_to_the_default_name(iraq):
    for lang in ("en", "es", "fr"):
        state = replace(iraq.options.default, lang=lang)
        names = dict(zip(iraq.layer(state).locations, iraq.layer(state).names, strict=True))
        assert names[FALLUJA] == "Al-Falluja", lang
        assert iraq.context.names_in(lang)[FALLUJA] == "Al-Falluja"


def _square(x: float) -> shapely.Polygon:
    return shapely.box(x, 0, x + 1, 1)


def test_spanish_and_french_names_are_read_where_given_else_the_default(tmp_path):
    layer = gpd.GeoDataFrame(
        {
            "ADM1_PCODE": ["HN01", "HN02", "HN03"],
            "ADM1_EN": ["Atlantida", "Colon", "Comayagua"],
            "ADM1_ES": ["Atlántida", "Colón", None],
            "ADM1_FR": ["", "", ""],
        },
        geometry=[_square(0), _square(1), _square(2)],
        crs="EPSG:4326",
    )
    source = tmp_path / "hnd_admbnda_adm1.geojson"
    layer.to_file(source, driver="GeoJSON", engine="pyogrio")
    frame = geodata.read_area_layer(source)
    assert list(frame["name"]) == ["Atlantida", "Colon", "Comayagua"]
    assert list(frame["name_es"]) == ["Atlántida", "Colón", None]
    assert "name_fr" not in frame.columns  # an empty column is no column
    stored = tmp_path / "areas.gpkg"
    geodata.write_areas(frame, stored)
    again = geodata.load_areas(stored)
    assert list(again["name_es"]) == ["Atlántida", "Colón", None]

    context = AppContext(
        workspace=None, framework=None, cube=None, areas=again.drop(columns="geometry"), geometry={}
    )
    assert context.names_in("es") == {"HN01": "Atlántida", "HN02": "Colón", "HN03": "Comayagua"}
    assert context.names_in("ar") is context.names
    assert context.names_in("en")["HN02"] == "Colon"


def test_names_in_other_languages_follow_a_multipart_area(tmp_path):
    layer = gpd.GeoDataFrame(
        {
            "ADM1_PCODE": ["CO01", "CO01", "CO02"],
            "ADM1_EN": ["San Andres", "San Andres", "Narino"],
            "ADM1_ES": [None, "San Andrés", "Nariño"],
        },
        geometry=[_square(0), _square(5), _square(1)],
        crs="EPSG:4326",
    )
    source = tmp_path / "col_admbnda_adm1.geojson"
    layer.to_file(source, driver="GeoJSON", engine="pyogrio")
    frame = geodata.read_area_layer(source)
    assert list(frame["pcode"]) == ["CO01", "CO02"]
    assert list(frame["name_es"]) == ["San Andrés", "Nariño"]


# -- the framework, helpers -----------------------------------------------------------------


def test_the_default_framework_is_labelled_in_every_language():
    framework = parse_framework((ROOT / "workspace" / "frameworks" / "iasc.yaml").read_text())
    codes = [
        *framework.criterion_codes,
        *(sub.code for criterion in framework.criteria for sub in criterion.subcriteria),
        *framework.indicator_codes,
    ]
    assert len(codes) == 57
    for lang in ("ar", "es", "fr"):
        untranslated = [c for c in codes if framework.label(c, lang) == framework.label(c, "en")]
        assert untranslated == [], lang
    assert all(ARABIC.search(framework.label(c, "ar")) for c in codes)
    assert framework.label("safety", "es").startswith("Seguridad")


def test_the_switch_offers_four_languages_each_in_its_own_name():
    assert dict(LANGUAGES) == {
        "en": "English",
        "ar": "العربية",
        "es": "Español",
        "fr": "Français",
    }
    assert [direction(code) for code in LANGUAGES] == ["ltr", "rtl", "ltr", "ltr"]


def test_arabic_numbers_use_latin_digits_and_keep_their_sign_on_the_left():
    # Latin digits: what Plotly's axes, the P-codes and the survey data use, and what
    # Iraqi, Libyan and Sudanese offices write in their reports (see dashboard/i18n.py).
    assert number(12345.6, "ar", 1) == "12,345.6"
    assert number(12345.6, "es", 1) == "12.345,6"
    assert signed_text(-4.68, "ar") == "\u200e−4.7"  # the mark keeps "−" on the left
    assert signed_text(2.0, "ar") == "\u200e+2.0"
    assert signed_text(-4.68, "es") == "−4,7"
    assert month_year("2024-03-01", "ar") == "مارس 2024"
    assert long_date("2024-03-01", "es") == "1 de marzo de 2024"
    assert (arrow("ar"), arrow("es"), arrow("en")) == ("←", "→", "→")
    assert (comma("ar"), comma("es"), semicolon("ar")) == ("، ", ", ", "؛ ")


def test_arabic_has_its_six_plural_forms_and_spanish_its_own():
    one, many = "%(count)s area of low reliability.", "%(count)s areas of low reliability."
    arabic = ntranslator("ar")
    forms = {n: arabic(one, many, n) % {"count": n} for n in (0, 1, 2, 3, 11, 100)}
    assert forms[2] == "2 منطقتان منخفضتا الموثوقية."
    assert forms[3] == "3 مناطق منخفضة الموثوقية."
    assert forms[11] == "11 منطقة منخفضة الموثوقية."
    spanish = ntranslator("es")
    assert spanish(one, many, 1) % {"count": 1} == "1 zona de fiabilidad baja."
    assert spanish(one, many, 0) % {"count": 0} == "0 zonas de fiabilidad baja."


def test_the_arabic_shell_is_right_to_left(demo_app):
    client = demo_app.server.test_client()
    page = client.get("/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "الحلول الدائمة" in page  # the document's title
    spanish = client.get("/priorities?lang=es").get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in spanish


def test_arabic_layout_and_fonts_in_the_stylesheets():
    page_css = (ROOT / "assets" / "style.css").read_text()
    assert re.search(r":root:lang\(ar\)\s*\{\s*--font:\s*\"Noto Sans Arabic\"", page_css)
    for sheet in sorted((ROOT / "assets").glob("*.css")):
        physical = re.findall(
            r"(?:margin|padding|border)-(?:left|right)\s*:|text-align:\s*(?:left|right)",
            sheet.read_text(),
        )
        assert physical == [], f"{sheet.name}: use logical properties so RTL mirrors"
    pdf_css = (ROOT / "dashboard" / "report_templates" / "report.css").read_text()
    assert 'html[dir="rtl"] {\n  font-family: "Noto Naskh Arabic"' in pdf_css


# -- the Arabic PDF ---------------------------------------------------------------------------

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")


@pytest.mark.slow  # builds a PDF pack with Chromium
@pytest.mark.browser
@pytest.mark.skipif(not POPPLER, reason="needs poppler-utils (pdftotext, pdffonts)")
def test_arabic_pack_embeds_naskh_and_extracts_as_arabic(demo_workspace, tmp_path):
    from dashboard.cli import main

    out = tmp_path / "briefing-ar.pdf"
    assert main(["report", str(demo_workspace.path), "--out", str(out), "--lang", "ar"]) == 0
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    naskh = [line for line in fonts.stdout.splitlines() if "Noto-Naskh-Arabic" in line]
    assert naskh, fonts.stdout
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in naskh)  # emb sub uni
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    # pdftotext wraps right-to-left runs in embedding marks and may set a vowel mark
    # (shadda, tanwin) apart from its letter: compare without either.
    flat = re.sub(r"\s+", " ", re.sub(r"[\u202a-\u202e\u200e\u200f\u064b-\u065f]", "", text))
    for words in ("الحلول الدائمة للنازحين", "المنهجية والمصادر", "التحفظات", "لمحة سريعة"):
        assert words in flat, words
    assert "ديسمبر 2025" in flat  # the round, in Babel's Arabic
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert pages >= 14
    assert re.search(rf"الصفحة ?2 ?من ?{pages}", flat)  # the running footer (CSS counters)
    assert len(ARABIC.findall(text)) > 3000
    for english in ("Method and sources", "At a glance", "Caveats", "Page 1 of"):
        assert english not in flat
