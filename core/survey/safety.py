"""Refuse hostile or broken survey files before any parser sees them.

Checks: the file exists, is not empty, is not larger than :data:`MAX_FILE_BYTES`, its extension is a
supported format and its first bytes match that format (so binary garbage or a renamed file gives a
clear message instead of a parser's traceback). Zip containers (KMZ, XLSX) are refused when a member
name escapes the archive (zip slip) or when members inflate past :data:`MAX_UNZIPPED_BYTES` or
compress suspiciously well (zip bombs). XML is parsed with DTDs, entities and external references
forbidden (defusedxml), which refuses XXE and billion-laughs documents.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et

from ..base._errors import InputError, Problem

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200.0
"""Largest compression ratio accepted for a zip member bigger than :data:`RATIO_FLOOR_BYTES`."""
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK = 1024 * 1024

FORMATS: dict[str, str] = {
    ".gpx": "gpx", ".kml": "kml", ".kmz": "kmz", ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg",
    ".shp": "shp",
}
FORMAT_NAMES = "GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage or Shapefile"

_MAGIC = {
    "kmz": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "gpkg": (b"SQLite format 3\x00",),
    "shp": (b"\x00\x00\x27\x0a",),
}
_XML_FORMATS = ("gpx", "kml")
_TEXT_FORMATS = ("csv", "geojson")


def refuse(path: Path | str, message: str) -> InputError:
    """An :class:`InputError` about a whole file."""
    return InputError([Problem(file=str(path), layer=None, row=None, field=None, message=message)])


def check_file(path: Path) -> str:
    """Check a survey file's existence, size, extension and first bytes.

    Parameters
    ----------
    path : Path
        The file given by the user.

    Returns
    -------
    str
        Its format: a value of :data:`FORMATS`.

    Raises
    ------
    InputError
        Naming the file and what is wrong with it.
    """
    if not path.is_file():
        raise refuse(path, "file does not exist" if not path.exists() else "is not a file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise refuse(path, f"unsupported file type '{path.suffix or '(no extension)'}'; give {FORMAT_NAMES}")
    size = path.stat().st_size
    if size == 0:
        raise refuse(path, "is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise refuse(path, f"is {size / 2**20:,.0f} MiB; survey files larger than "
                           f"{MAX_FILE_BYTES / 2**20:,.0f} MiB are refused (split it)")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    _check_head(path, fmt, head)
    return fmt


def _check_head(path: Path, fmt: str, head: bytes) -> None:
    if fmt in _MAGIC:
        if not head.startswith(_MAGIC[fmt]):
            raise refuse(path, f"is not a {fmt.upper()} file (its first bytes are {_show(head)}); "
                               "check the file or its extension")
        return
    if b"\x00" in head:
        utf16 = "; UTF-16 text must be saved as UTF-8 or GBK" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise refuse(path, f"holds binary data, not {fmt.upper()} text (first bytes {_show(head)}){utf16}")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if fmt in _XML_FORMATS and not text.startswith(b"<"):
        raise refuse(path, f"is not {fmt.upper()} (XML) text: it starts with {_show(head)}; "
                           "check the file or its extension")
    if fmt == "geojson" and not text.startswith(b"{"):
        raise refuse(path, f"is not GeoJSON: it starts with {_show(head)}; check the file or its extension")


_KNOWN_HEADS = ((b"PK\x03\x04", "a zip archive (XLSX or KMZ?)"), (b"SQLite format 3\x00", "a GeoPackage/SQLite file"),
                (b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old Excel/Word file (.xls/.doc)"),
                (b"\x00\x00\x27\x0a", "a Shapefile (.shp)"), (b"<?xml", "an XML file (GPX or KML?)"))


def _show(head: bytes) -> str:
    """The first bytes, and what they look like when they are a known format's signature."""
    shown = repr(head[:16])
    kind = next((name for magic, name in _KNOWN_HEADS if head.startswith(magic)), None)
    return f"{shown}, which looks like {kind}" if kind else shown


def check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse an archive with escaping member names or members that inflate too far.

    Parameters
    ----------
    path : Path
        The archive (for messages).
    zf : zipfile.ZipFile
        The open archive.

    Raises
    ------
    InputError
        On a path-traversal name, a total declared size past :data:`MAX_UNZIPPED_BYTES` or a member
        compressed more than :data:`MAX_RATIO` times.
    """
    total = 0
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise refuse(path, f"archive member '{info.filename}' points outside the archive (zip slip); refused")
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refuse(path, f"archive member '{info.filename}' inflates {info.compress_size:,} bytes to "
                               f"{info.file_size:,} (a zip bomb?); refused")
    if total > MAX_UNZIPPED_BYTES:
        raise refuse(path, f"archive would inflate to {total / 2**20:,.0f} MiB, more than the "
                           f"{MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB allowed; refused")


def read_member(path: Path, zf: zipfile.ZipFile, name: str) -> bytes:
    """Read one archive member, stopping past :data:`MAX_UNZIPPED_BYTES` whatever its header claims."""
    out = bytearray()
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            out += chunk
            if len(out) > MAX_UNZIPPED_BYTES:
                raise refuse(path, f"archive member '{name}' inflates past "
                                   f"{MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB; refused")
    return bytes(out)


_XML_DECLARED_CHINESE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["'](gbk|gb2312|gb18030|cp936)["']""", re.I)


def xml_as_utf8(path: Path, data: bytes) -> bytes:
    """The document re-encoded as UTF-8 when its declaration names GBK/GB2312/GB18030 (expat reads none of them).

    Raises
    ------
    InputError
        When the bytes do not decode in the declared encoding.
    """
    m = _XML_DECLARED_CHINESE.match(data[:200])
    if not m:
        return data
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise refuse(path, f"declares encoding {m.group(1).decode()} but is not ({exc.reason})") from None
    start, end = m.span(1)
    return (text[:start] + "UTF-8" + text[end:]).encode("utf-8")


def parse_xml(path: Path, data: bytes) -> Element:
    """Parse XML with DTDs, entity declarations and external references refused.

    Parameters
    ----------
    path : Path
        Source file (for messages).
    data : bytes
        The document.

    Returns
    -------
    xml.etree.ElementTree.Element
        The root element.

    Raises
    ------
    InputError
        For a DTD (XXE, billion laughs) or XML that is not well formed.
    """
    try:
        return safe_et.fromstring(data, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise refuse(path, "contains an XML document type declaration (DTD); refused because DTDs can read "
                           "local files (XXE) or expand without bound (billion laughs). Export the file "
                           "again without a DOCTYPE") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise refuse(path, "declares XML entities or external references; refused (XXE / billion laughs)") from None
    except ParseError as exc:
        raise refuse(path, f"is not well-formed XML ({exc})") from None
