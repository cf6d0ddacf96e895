"""`workspace.readers.read_source` on tiny files written here to the HXL standard's rules
and to the shapes DTM and data officers use (issue 9 items 1, 2, 5; issue 8 item 5).

Each test writes a file into tmp_path and reads it without a workspace; what is checked is
the text table handed to the row checks (canonical columns, row numbers, notes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workspace.observations import ObservationError
from workspace.readers import read_source

DATA_ROWS = ["ZZ01001,2024-03-01,120,60,60,30", "ZZ01002,2024-03-01,80,50,30,20"]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def figures(source) -> dict[tuple[str, str], str]:
    frame = source.frame
    return dict(
        zip(zip(frame["area_pcode"], frame["indicator"], strict=True), frame["value"], strict=True)
    )


# -- where the tag row is -------------------------------------------------------------------
TAGS = (
    "#adm2+code,#date+reported,#affected+idps,#affected+idps+f,#affected+idps+m,#affected+idps+hh"
)
HEADER = "P-code,Date,IDPs,IDPs female,IDPs male,Households"


@pytest.mark.parametrize(
    ("lines", "first_data_row"),
    [
        ([TAGS, *DATA_ROWS], 2),  # row 1, no text header
        ([HEADER, TAGS, *DATA_ROWS], 3),  # under the header, as HDX writes it
        (["Displacement in Zed, March 2024", "", HEADER, TAGS, *DATA_ROWS], 5),  # title rows
        (["Source: IOM", TAGS, *DATA_ROWS], 3),  # a title row right above the tags
    ],
    ids=["row 1", "row 2", "under a title", "title then tags"],
)
def test_the_tag_row_is_found_wherever_the_standard_allows(tmp_path, lines, first_data_row):
    source = read_source(write(tmp_path, "tags.csv", "\n".join(lines) + "\n"))
    assert source.kind == "HXL"
    assert figures(source) == {
        ("ZZ01001", "idps_present"): "120",
        ("ZZ01002", "idps_present"): "80",
    }
    assert list(source.frame["row"]) == [first_data_row, first_data_row + 1]


def test_parts_and_households_are_never_the_total(tmp_path):
    source = read_source(write(tmp_path, "parts.csv", "\n".join([HEADER, TAGS, *DATA_ROWS])))
    assert set(source.frame["indicator"]) == {"idps_present"}
    assert sorted(source.frame["value"]) == ["120", "80"]
    left_out = next(n for n in source.notes if n.startswith("columns not imported"))
    assert "'IDPs female' (#affected+f+idps): only part of the people (+f)" in left_out
    assert "'Households' (#affected+hh+idps): households, not persons" in left_out


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        ("#adm2+code,#date,#affected+idps+f", ["'F' (#affected+f+idps): only part", "+f"]),
        ("#adm2+code,#date,#affected+idps+hh", ["'F' (#affected+hh+idps): households"]),
        ("#adm2+code,#date,#affected+idps+children", ["only part", "+children"]),
        ("#adm2+code,#date,#affected+idps+age18_59", ["only part", "+age18_59"]),
    ],
)
def test_a_file_of_parts_only_is_refused_naming_the_columns(tmp_path, tags, words):
    path = write(tmp_path, "only.csv", f"P,D,F\n{tags}\nZZ01001,2024-03-01,60\n")
    with pytest.raises(ObservationError) as caught:
        read_source(path)
    message = str(caught.value)
    assert str(path) in message and "no column gives a total count of persons" in message
    for word in words:
        assert word in message
    assert "--value-column" in message


def test_the_user_may_name_the_column_to_use(tmp_path):
    path = write(
        tmp_path, "only.csv", "P,D,F\n#adm2+code,#date,#affected+idps+f\nZZ01001,2024-03-01,60\n"
    )
    source = read_source(path, value_column="F")
    assert figures(source) == {("ZZ01001", "idps_present"): "60"}
    assert any("taken as idps_present, as asked" in n for n in source.notes)


@pytest.mark.parametrize(
    ("tag", "variable"),
    [
        ("#population+idps", "idps_present"),
        ("#population+idps+ind", "idps_present"),
        ("#affected+returnees", "returnees_present"),
        ("#affected+idps+ind", "idps_present"),
        ("#population", "host_population"),
        ("#population+total", "host_population"),
    ],
)
def test_count_tags_map_to_their_variable(tmp_path, tag, variable):
    path = write(tmp_path, "t.csv", f"#adm1+code,#date,{tag}\nZZ01,2024-01-01,5000\n")
    assert figures(read_source(path)) == {("ZZ01", variable): "5000"}


def test_tag_patterns_ignore_case_order_and_spaces(tmp_path):
    path = write(
        tmp_path, "t.csv", "#ADM2 +CODE,#Date+Reported,#affected +ind +idps\nZZ01001,2024-01-01,7\n"
    )
    assert figures(read_source(path)) == {("ZZ01001", "idps_present"): "7"}


def test_bare_adm_is_a_name_and_loc_code_country_code_date_year(tmp_path):
    text = (
        "#country+code,#adm1,#loc+code,#date+year,#affected+idps\n"
        "ZZ,North Zed,ZZ01,2023,900\n"
        "XY,Elsewhere,XY01,2023,5\n"
    )
    source = read_source(write(tmp_path, "t.csv", text))
    frame = source.frame
    assert list(frame["area_pcode"]) == ["ZZ01", "XY01"]
    assert list(frame["area_name"]) == ["North Zed", "Elsewhere"]
    assert list(frame["round"]) == ["2023-01-01", "2023-01-01"]
    assert list(frame["country"]) == ["ZZ", "XY"]
    assert any("year-only dates" in n for n in source.notes)


def test_ragged_rows_are_legal_hxl(tmp_path):
    text = (
        "#adm2+code,#date,#affected+idps\n"
        "ZZ01001,2024-01-01,10,,extra\n"
        "ZZ01002,2024-01-01\n"
        "ZZ02001,2024-01-01,30\n"
    )
    source = read_source(write(tmp_path, "ragged.csv", text))
    assert figures(source) == {("ZZ01001", "idps_present"): "10", ("ZZ02001", "idps_present"): "30"}
    assert list(source.frame["row"]) == [2, 4]


@pytest.mark.parametrize(("suffix", "separator"), [(".tsv", "\t"), (".ssv", ";")])
def test_tsv_and_ssv(tmp_path, suffix, separator):
    lines = [HEADER, TAGS, *DATA_ROWS]
    path = write(tmp_path, "t" + suffix, "\n".join(line.replace(",", separator) for line in lines))
    assert figures(read_source(path))[("ZZ01001", "idps_present")] == "120"


def test_hxl_json_arrays_and_objects(tmp_path):
    rows = [HEADER.split(","), TAGS.split(","), *(r.split(",") for r in DATA_ROWS)]
    arrays = read_source(write(tmp_path, "a.json", json.dumps(rows)))
    objects = read_source(
        write(
            tmp_path,
            "o.json",
            json.dumps([dict(zip(TAGS.split(","), r.split(","), strict=True)) for r in DATA_ROWS]),
        )
    )
    expected = {("ZZ01001", "idps_present"): "120", ("ZZ01002", "idps_present"): "80"}
    assert figures(arrays) == expected and figures(objects) == expected
    assert list(arrays.frame["row"]) == [3, 4]


# -- DTM --------------------------------------------------------------------------------------
def test_dtm_v3_parts_are_summed_exactly_above_ten_million(tmp_path):
    records = [
        {
            "admin0Pcode": "ZZ",
            "admin1Pcode": "ZZ01",
            "admin2Pcode": "ZZ01001",
            "reportingDate": "2024-03-01T00:00:00",
            "numPresentIdpInd": figure,
            "displacementReason": reason,
        }
        for figure, reason in [(1_234_567, "Conflict"), (9_999_999, "Flood"), (3, "Other")]
    ]
    source = read_source(
        write(tmp_path, "v3.json", json.dumps({"isSuccess": True, "result": records}))
    )
    assert figures(source) == {("ZZ01001", "idps_present"): str(1_234_567 + 9_999_999 + 3)}


def test_a_dtm_file_that_mixes_levels_keeps_each_row_at_its_level(tmp_path):
    text = (
        "admin0Pcode,admin1Pcode,admin2Pcode,adminLevel,reportingDate,numPresentIdpInd\n"
        "ZZ,ZZ01,,1,2024-03-01,500\n"
        "ZZ,ZZ01,ZZ01001,2,2024-03-01,300\n"
        "ZZ,ZZ01,ZZ01002,2,2024-03-01,200\n"
    )
    path = write(tmp_path, "mixed.csv", text)
    both = read_source(path)
    assert list(both.frame["area_pcode"]) == ["ZZ01", "ZZ01001", "ZZ01002"]
    assert list(both.frame["level"]) == [1, 2, 2]
    assert any("mixes admin levels" in n for n in both.notes)
    only_2 = read_source(path, level=2)
    assert list(only_2.frame["area_pcode"]) == ["ZZ01001", "ZZ01002"]
    assert list(only_2.frame["parent_pcode"]) == ["ZZ01", "ZZ01"]


# -- encodings ----------------------------------------------------------------------------------
ARABIC = "area_pcode,round,group,indicator,value,n,source\n" + "".join(
    f"ZZ0100{i},2024-03,,idps_present,{i}0,,{name}\n"
    for i, name in enumerate(["الأنبار", "البصرة", "نينوى", "بغداد", "كربلاء"], start=1)
)


def test_arabic_windows_1256_is_detected_not_read_as_1252(tmp_path):
    source = read_source(write(tmp_path, "ar.csv", ARABIC, "cp1256"))
    assert list(source.frame["source"])[:2] == ["الأنبار", "البصرة"]
    assert any("Windows-1256" in n for n in source.notes)


def test_a_stated_encoding_is_used(tmp_path):
    source = read_source(write(tmp_path, "ar.csv", ARABIC, "cp1256"), encoding="cp1256")
    assert list(source.frame["source"])[2] == "نينوى"


CYRILLIC = "area_pcode,round,group,indicator,value,n,source\n" + "".join(
    f"ZZ0100{i},2024-03,,idps_present,{i}0,,{name}\n"
    for i, name in enumerate(["Харків", "Донецьк", "Луганськ", "Запоріжжя", "Миколаїв"], start=1)
)


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("cp1251", "Windows-1251"), ("koi8_u", "KOI8-U"), ("koi8_r", "KOI8-R")],
)
def test_cyrillic_code_pages_are_told_apart(tmp_path, encoding, label):
    # Ukrainian and Russian offices' older exports: each code page reads the others'
    # bytes as plausible Cyrillic, so the right one must be chosen and named.
    text = CYRILLIC if encoding != "koi8_r" else CYRILLIC.replace("і", "и").replace("ї", "и")
    source = read_source(write(tmp_path, "ua.csv", text, encoding))
    expected = [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]]
    assert list(source.frame["source"]) == expected
    assert any(label in n for n in source.notes)


# -- personal data --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "cell", "why"),
    [
        ("hh_latitude", "36.1X", "household GPS points"),
        ("_gps_longitude", "44.0X", "household GPS points"),
        ("respondentPhone", "X", "phone numbers"),
        ("notes", "+964 770 123 456X", "phone numbers (by its values)"),
        ("contact", "someoneX@example.org", "e-mail addresses (by its values)"),
        ("where", "36.19123X 44.009876", "household GPS points (by its values)"),
        ("ref", "1987041234X", "ID numbers (by its values)"),
    ],
)
def test_personal_data_by_header_or_values(tmp_path, header, cell, why):
    text = f"area_pcode,round,group,indicator,value,{header}\n" + "".join(
        f"ZZ01001,2024-0{i},,idps_present,{i},{cell.replace('X', str(i))}\n" for i in range(1, 4)
    )
    with pytest.raises(ObservationError) as caught:
        read_source(write(tmp_path, "p.csv", text))
    assert f"column {header!r} looks like {why}" in str(caught.value)


def test_an_hxl_tag_overrides_a_name_header(tmp_path):
    """The product's own export calls an area's name `Name`; its tag says what it is."""
    text = (
        "Code,Name,Date,IDPs\n"
        "#adm2+code,#adm2+name,#date,#affected+idps\n"
        "ZZ01001,Alpha,2024-01-01,5\n"
    )
    source = read_source(write(tmp_path, "export.csv", text))
    assert list(source.frame["area_name"]) == ["Alpha"]


def test_a_name_header_without_a_tag_is_refused(tmp_path):
    text = "area_pcode,round,group,indicator,value,Name\nZZ01001,2024-01,,idps_present,5,Ali\n"
    with pytest.raises(ObservationError, match="column 'Name' looks like person names"):
        read_source(write(tmp_path, "p.csv", text))


def test_the_products_own_priorities_export_reads_back(tmp_path):
    """An export (header, HXL tags with `Name` as #adm2+name, data) imports its
    idps_present figures, and nothing else by mistake; so does one made before exports
    moved their metadata to a sidecar (a blank row and a metadata block under the data)."""
    from dashboard.briefing.downloads import csv_bytes, priority_columns

    columns = priority_columns(2)
    row = dict.fromkeys((c.name for c in columns), "")
    row.update(
        pcode="ZZ01001",
        name="=Alpha",  # neutralised on the way out
        parent_pcode="ZZ01",
        parent_name="North Zed",
        round="2024-03-01",
        score=41.5,
        idps_present=12_345_678,
        weakest_criterion="livelihoods",
        weakest_criterion_score=12.0,
    )
    data = csv_bytes(columns, [[row[c.name] for c in columns]])
    # What exports wrote under the data before the sidecar (issue 12): a blank row, then
    # a "metadata,value" block.
    old_metadata = b"\r\nmetadata,value\r\nmade,2024-04-01\r\n"
    for name, content in (("priorities.csv", data), ("older.csv", data + old_metadata)):
        path = tmp_path / name
        path.write_bytes(content)
        source = read_source(path)
        assert figures(source) == {("ZZ01001", "idps_present"): "12345678"}, name
        assert list(source.frame["parent_pcode"]) == ["ZZ01"], name
    assert any("metadata block" in n for n in source.notes)
