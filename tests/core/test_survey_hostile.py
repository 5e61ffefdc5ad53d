"""Hostile and broken files: a clear error naming the file, and RESULTS.gpkg left byte for byte unchanged."""
from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest
from ruralenv.core.base import Cancelled, InputError
from ruralenv.core.cli.main import main
from ruralenv.core.survey import import_survey
from test_survey_support import make_results, ovital_kml_text, sha256, write_gpx, write_xlsx

XXE_GPX = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="evil" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="39.86" lon="111.13"><name>&xxe;</name></wpt></gpx>"""

XXE_KML = """<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;</name>
<Point><coordinates>111.13,39.86,0</coordinates></Point></Placemark></Document></kml>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name>
<Point><coordinates>111.13,39.86,0</coordinates></Point></Placemark></Document></kml>"""


def _text(name: str, text: str):
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def _zip_slip(folder: Path) -> Path:
    path = folder / "slip.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../escaped.kml", ovital_kml_text())
    return path


def _zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("doc.kml", b"<kml>" + b" " * (64 * 2**20) + b"</kml>")
    return path


def _xlsx_claiming_1gb(folder: Path) -> Path:
    """A real workbook whose central directory says the sheet inflates to 1 GiB."""
    path = write_xlsx(folder / "huge.xlsx")
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len].endswith(b"sheet1.xml"):
            struct.pack_into("<I", data, pos + 24, 2**30)
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))
    return path


def _csv_of_1gb(folder: Path) -> Path:
    path = folder / "huge.csv"
    with open(path, "wb") as fh:
        fh.write("名称,经度,纬度\n".encode())
        fh.truncate(2**30)  # sparse: takes no disk space
    return path


def _garbage(name: str):
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(bytes(range(256)) * 8 + os.urandom(2048))
        return path
    return write


def _empty(folder: Path) -> Path:
    path = folder / "empty.gpx"
    path.touch()
    return path


def _csv_named_gpx(folder: Path) -> Path:
    path = folder / "points.gpx"
    path.write_text("名称,经度,纬度\n甲,111.13,39.86\n", encoding="utf-8")
    return path


def _gpx_named_kmz(folder: Path) -> Path:
    return write_gpx(folder / "points.kmz")


HOSTILE = {
    "xxe_gpx": (_text("xxe.gpx", XXE_GPX), "DTD"),
    "xxe_kml": (_text("xxe.kml", XXE_KML), "DTD"),
    "billion_laughs": (_text("lol.kml", BILLION_LAUGHS), "billion laughs"),
    "zip_slip": (_zip_slip, "zip slip"),
    "zip_bomb": (_zip_bomb, "zip bomb"),
    "xlsx_claims_1gb": (_xlsx_claiming_1gb, "to 1,073,741,824 (a zip bomb?)"),
    "csv_of_1gb": (_csv_of_1gb, "larger than 512 MiB are refused"),
    "garbage_csv": (_garbage("junk.csv"), "binary data"),
    "garbage_gpkg": (_garbage("junk.gpkg"), "is not a GPKG file"),
    "garbage_kml": (_garbage("junk.kml"), "binary data"),
    "empty": (_empty, "is empty"),
    "csv_named_gpx": (_csv_named_gpx, "is not GPX (XML) text"),
    "gpx_named_kmz": (_gpx_named_kmz, "is not a KMZ file (its first bytes are b'<?xml version=\"1', which looks like "
                                      "an XML file"),
    "xlsx_named_csv": (lambda folder: write_xlsx(folder / "sheet.csv"), "looks like a zip archive"),
    "unsupported_extension": (_text("notes.docx", "hello"), "unsupported file type '.docx'"),
    "missing": (lambda folder: folder / "nowhere.csv", "does not exist"),
    "header_only": (_text("header.csv", "名称,经度,纬度\n"), "has no points"),
    "no_coordinate_columns": (_text("cols.csv", "名称,备注\n甲,乙\n"), "has no coordinate columns"),
}


@pytest.fixture
def gpkg(tmp_path):
    return make_results(tmp_path / "results.gpkg")


def _unchanged(gpkg: Path, before: str, folder: Path, listing: set[str]) -> None:
    assert sha256(gpkg) == before
    assert {p.name for p in folder.iterdir()} == listing  # no temporary copy left behind


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_and_nothing_changes(case, gpkg, tmp_path):
    write, expected = HOSTILE[case]
    folder = tmp_path / "in"
    folder.mkdir()
    bad = write(folder)
    before, listing = sha256(gpkg), {p.name for p in tmp_path.iterdir()}

    with pytest.raises(InputError) as err:
        import_survey([bad], gpkg)

    assert expected in str(err.value)
    assert all(p.file == str(bad) for p in err.value.problems)
    _unchanged(gpkg, before, tmp_path, listing)
    assert not (tmp_path / "escaped.kml").exists()


def test_a_hostile_file_among_good_ones_stops_the_whole_import(gpkg, tmp_path):
    good = write_gpx(tmp_path / "good.gpx")
    bad = _text("xxe.kml", XXE_KML)(tmp_path)
    empty = _empty(tmp_path)
    before, listing = sha256(gpkg), {p.name for p in tmp_path.iterdir()}
    with pytest.raises(InputError) as err:
        import_survey([good, bad, empty], gpkg)
    assert [p.file for p in err.value.problems] == [str(bad), str(empty)]
    _unchanged(gpkg, before, tmp_path, listing)


def test_cli_prints_one_line_per_problem_and_exits_2(gpkg, tmp_path, capsys):
    bad = _text("xxe.gpx", XXE_GPX)(tmp_path)
    empty = _empty(tmp_path)
    before = sha256(gpkg)
    code = main(["survey", "import", str(bad), str(empty), "--into", str(gpkg)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("error: ") == 2 and "DTD" in err and "is empty" in err
    assert sha256(gpkg) == before


def test_failure_while_writing_leaves_the_geopackage_unchanged(gpkg, tmp_path, monkeypatch):
    import pyogrio

    src = write_gpx(tmp_path / "good.gpx")
    before, listing = sha256(gpkg), {p.name for p in tmp_path.iterdir()}
    real = pyogrio.write_dataframe
    calls = []

    def failing(*args, **kwargs):
        calls.append(kwargs.get("layer"))
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(OSError, match="disk full"):
        import_survey([src], gpkg)
    _unchanged(gpkg, before, tmp_path, listing)


def test_cancelled_import_writes_nothing(gpkg, tmp_path):
    class CancelAfterReading:
        def __init__(self):
            self.stages = []

        def stage(self, name, total=None):
            self.stages.append(name)

        def advance(self, n=1):
            pass

        def message(self, text, level="info"):
            pass

        def cancelled(self):
            return len(self.stages) >= 1

    src = write_gpx(tmp_path / "good.gpx")
    before = sha256(gpkg)
    with pytest.raises(Cancelled):
        import_survey([src], gpkg, progress=CancelAfterReading())
    assert sha256(gpkg) == before


def test_geopackage_open_elsewhere_is_refused(gpkg, tmp_path):
    src = write_gpx(tmp_path / "good.gpx")
    wal = gpkg.with_name(gpkg.name + "-wal")
    wal.write_bytes(b"x" * 100)
    before = sha256(gpkg)
    with pytest.raises(InputError, match="open in another program"):
        import_survey([src], gpkg)
    assert sha256(gpkg) == before
