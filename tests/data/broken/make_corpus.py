"""Write the binary members of the broken-file corpus (tests/data/broken/).

The text files of the corpus are written by hand; the files below cannot be (bytes that
are no encoding, workbooks, zips), so this script makes them. Its outputs are committed:
the tests read them and never run this script. Run it again only to change them:

    python tests/data/broken/make_corpus.py

It writes:

* ``undecodable_bytes.csv``: bytes that are neither UTF-8 nor Windows-1252 (0x81, 0x8D).
* ``binary_not_text.csv``: a gzip stream saved as ``.csv`` (NUL bytes).
* ``corrupt.xlsx``: a real workbook cut in half (no zip central directory).
* ``zip_not_workbook.xlsx``: a valid zip that holds no workbook.
* ``not_a_table.xlsx``: a workbook of notes, not an observation table.
* ``xlsx_bad_value.xlsx``: a canonical workbook whose row 3 has a text value.
* ``zip_slip.zip``: a zipped shapefile whose members are ``../evil.*``.
* ``zip_absolute_path.zip``: a zipped shapefile whose members are ``/tmp/evil.*``.
* ``zip_bomb.zip``: a shapefile member that inflates 64 MiB of zeros from ~64 KB (~1000:1).
* ``zip_bomb_claimed_size.zip``: a tiny zip whose central directory claims a 3.75 GB member.
* ``zip_without_layer.zip``: a zip with a PDF and a readme, no layer.
* ``corrupt_zip.zip``: a zipped shapefile cut in half.

Zip members carry a fixed date so that the zips come out byte-identical on every run;
the workbooks carry openpyxl's timestamps and differ in those bytes only.
"""

from __future__ import annotations

import gzip
import io
import struct
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "geodata" / "fixtures"
HEADER = "area_pcode,round,group,indicator,value,n\n"
DATE = (2024, 3, 1, 0, 0, 0)


def _zip(members: dict[str, bytes], level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=level)
    return buffer.getvalue()


def _shapefile() -> dict[str, bytes]:
    """The fixture districts as shapefile members (.shp, .shx, .dbf, .prj, .cpg)."""
    import geopandas as gpd

    layer = gpd.read_file(FIXTURES / "zz_adm2_current.geojson", engine="pyogrio")
    with tempfile.TemporaryDirectory() as folder:
        layer.to_file(Path(folder) / "zz_adm2.shp", engine="pyogrio")
        return {p.suffix: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    write = {}
    write["undecodable_bytes.csv"] = (
        b"area_pcode,round,group,indicator,value,n,source\n"
        + b"ZZ01001,2024-03,idp,violence_12m,20,80,MSNA\n"
        + b"ZZ01002,2024-03,idp,violence_12m,25,80,MSNA \x81\x8d\x90\x9d\n"
    )
    write["binary_not_text.csv"] = gzip.compress(
        (HEADER + "ZZ01001,2024-03,idp,violence_12m,20,80\n").encode(), mtime=0
    )

    canonical = [
        ["area_pcode", "round", "group", "indicator", "value", "n"],
        ["ZZ01001", "2024-03", "idp", "violence_12m", 20, 80],
        ["ZZ01002", "2024-03", "idp", "violence_12m", "n/a", 80],
    ]
    book = _workbook(canonical)
    write["xlsx_bad_value.xlsx"] = book
    write["corrupt.xlsx"] = book[: len(book) // 2]
    write["zip_not_workbook.xlsx"] = _zip({"readme.txt": b"figures to follow\n"})
    write["not_a_table.xlsx"] = _workbook(
        [
            ["Zed: internally displaced persons, March 2024"],
            [],
            ["Prepared by the information management unit."],
            ["Figures are in the attached PDF."],
        ]
    )

    shapefile = _shapefile()
    write["zip_slip.zip"] = _zip({f"../evil{s}": data for s, data in shapefile.items()})
    write["zip_absolute_path.zip"] = _zip({f"/tmp/evil{s}": data for s, data in shapefile.items()})
    bomb = {f"zz_adm2{s}": data for s, data in shapefile.items()}
    bomb["zz_adm2.shp"] = bytes(64 * 2**20)
    write["zip_bomb.zip"] = _zip(bomb, level=9)
    write["zip_bomb_claimed_size.zip"] = _claimed_size_bomb()
    write["zip_without_layer.zip"] = _zip(
        {"boundaries.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "readme.txt": b"see the PDF\n"}
    )
    whole = _zip({f"zz_adm2{s}": data for s, data in shapefile.items()})
    write["corrupt_zip.zip"] = whole[: len(whole) // 2]

    for name, data in write.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


def _claimed_size_bomb() -> bytes:
    """A zip whose headers say one member inflates to 0xF0000000 bytes (3.75 GiB)."""
    data = bytearray(_zip({"zz_adm2.shp": bytes(1000)}))
    claimed = struct.pack("<I", 0xF0000000)
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = claimed  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = claimed  # central directory: uncompressed size
    return bytes(data)


if __name__ == "__main__":
    main()
