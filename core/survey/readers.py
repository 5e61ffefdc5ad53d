"""Read survey files of every supported format into one table of raw rows.

Each reader returns a :class:`RawFile` whose ``table`` has one row per source record, in source order,
with the columns of :data:`COLUMNS`. Coordinates stay as found (text or numbers) for :mod:`.coords`
to parse, so that a bad value becomes a reject naming its row rather than a crash.
"""
from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import load_workbook
from pyproj import CRS

from ..base import files
from ..base._errors import InputError
from ..io.read import shapefile_encoding
from .hints import Hint, find_hints
from .safety import check_file, check_zip, parse_xml, read_member, refuse, xml_as_utf8

COLUMNS = ("src_row", "layer", "kind", "x", "y", "name", "code", "note", "time", "elevation", "attributes")
CSV_CHUNK_ROWS = 100_000
_HEADER_SCAN = 65536

#: Header aliases (compared after :func:`header_key`) → role.
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "经度", "东经", "经度值"),
    "lat": ("lat", "latitude", "纬度", "北纬", "纬度值"),
    "x": ("x", "xcoord", "x坐标", "easting", "east", "横坐标", "坐标x"),
    "y": ("y", "ycoord", "y坐标", "northing", "north", "纵坐标", "坐标y"),
    "name": ("name", "名称", "村名", "村庄名称", "村名称", "点名", "点名称", "地名", "名字", "标注", "title",
             "行政村", "嘎查村", "村庄", "嘎查", "行政村名称"),
    "code": ("code", "village_code", "村代码", "村编码", "村庄代码", "村庄编码", "代码", "编码", "区划代码",
             "行政区划代码", "统计用区划代码"),
    "note": ("note", "notes", "remark", "remarks", "desc", "description", "comment", "备注", "说明", "描述"),
    "time": ("time", "date", "datetime", "timestamp", "时间", "日期", "采集时间", "调查时间"),
    "elevation": ("ele", "elev", "elevation", "alt", "altitude", "高程", "海拔", "高度"),
}
_ALIAS_ROLE = {alias: role for role, aliases in ROLE_ALIASES.items() for alias in aliases}
_DATUM_WORDS = re.compile(r"gcj[-_ ]?0?2|bd[-_ ]?0?9|wgs[-_ ]?84|cgcs[-_ ]?2000|百度|高德|火星|国测局|国家2000", re.I)
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")


@dataclass
class RawFile:
    """One survey file as read, before coordinates are interpreted.

    Attributes
    ----------
    path : Path
        The file.
    sha256 : str
        Hex digest of its bytes (the audit key: a file is imported once).
    format : str
        ``gpx``, ``kml``, ``kmz``, ``csv``, ``xlsx``, ``geojson``, ``gpkg`` or ``shp``.
    table : DataFrame
        Rows with :data:`COLUMNS`.
    declared_crs : pyproj.CRS or None
        CRS the file declares (GIS formats) or its format prescribes (GPX, KML, GeoJSON: WGS 84).
    crs_source : str
        How ``declared_crs`` is known, for the report.
    hints : list of Hint
        Datum evidence in metadata, headers and names.
    axis_names : (str, str)
        Names of the x and y columns (for messages).
    """

    path: Path
    sha256: str
    format: str
    table: pd.DataFrame
    declared_crs: CRS | None = None
    crs_source: str = ""
    hints: list[Hint] = field(default_factory=list)
    axis_names: tuple[str, str] = ("x", "y")


def read_survey_file(path: Path) -> RawFile:
    """Check and read one survey file of any supported format.

    Parameters
    ----------
    path : Path
        GPX, KML, KMZ, CSV/TXT/TSV, XLSX, GeoJSON, GeoPackage or Shapefile.

    Returns
    -------
    RawFile

    Raises
    ------
    InputError
        When the file is missing, empty, hostile, of the wrong type or has no usable rows.
    """
    fmt = check_file(path)
    sha = files.sha256_of(path)
    raw = _READERS[fmt](path)
    raw.sha256, raw.format = sha, fmt
    if raw.table.empty:
        raise refuse(path, "has no points (no data rows, waypoints, placemarks or features)")
    return raw


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["src_row"] = df["src_row"].astype("int64")
    return df


def _attributes_json(extra: dict) -> str | None:
    clean = {str(k): v for k, v in extra.items() if v not in (None, "")}
    return json.dumps(clean, ensure_ascii=False, default=str) if clean else None


# --- GPX ----------------------------------------------------------------------------------------


def _read_gpx(path: Path) -> RawFile:
    data = path.read_bytes()
    data = xml_as_utf8(path, data)
    parse_xml(path, data)  # refuses DTDs before gpxpy's own parser sees the document
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        raise refuse(path, f"is not valid GPX ({exc})") from None
    rows: list[dict] = []
    for kind, layer, pt in _gpx_points(gpx):
        rows.append(dict(src_row=len(rows) + 1, layer=layer, kind=kind, x=pt.longitude, y=pt.latitude,
                         name=pt.name, code=None, note=pt.description or pt.comment,
                         time=pt.time.isoformat() if pt.time else None, elevation=pt.elevation,
                         attributes=_attributes_json({"symbol": pt.symbol, "type": pt.type})))
    head = _prefix(data, (b"<wpt", b"<trk", b"<rte"))
    return RawFile(path, "", "gpx", _frame(rows), CRS.from_epsg(4326),
                   f"GPX {gpx.version or ''} stores WGS 84 by specification".replace("  ", " "),
                   find_hints(head, "the GPX metadata"), ("lon", "lat"))


GpxPoint = gpxpy.gpx.GPXWaypoint | gpxpy.gpx.GPXRoutePoint | gpxpy.gpx.GPXTrackPoint


def _gpx_points(gpx: gpxpy.gpx.GPX) -> Iterator[tuple[str, str | None, GpxPoint]]:
    for wpt in gpx.waypoints:
        yield "waypoint", None, wpt
    for i, route in enumerate(gpx.routes, start=1):
        for rpt in route.points:
            yield "routepoint", route.name or f"route {i}", rpt
    for i, track in enumerate(gpx.tracks, start=1):
        for segment in track.segments:
            for tpt in segment.points:
                yield "trackpoint", track.name or f"track {i}", tpt


def _prefix(data: bytes, stops: tuple[bytes, ...]) -> str:
    """The document text before the first of ``stops`` (at most 64 KiB), for metadata hints."""
    head = data[:_HEADER_SCAN]
    ends = [i for i in (head.find(s) for s in stops) if i >= 0]
    return head[: min(ends) if ends else len(head)].decode("utf-8", errors="replace")


# --- KML / KMZ ----------------------------------------------------------------------------------


def _read_kml(path: Path) -> RawFile:
    return _kml_from_bytes(path, path.read_bytes(), "kml")


def _read_kmz(path: Path) -> RawFile:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise refuse(path, f"is not a valid KMZ (zip) archive ({exc})") from None
    with zf:
        check_zip(path, zf)
        kml_names = [n for n in zf.namelist() if n.lower().endswith(".kml")]
        if not kml_names:
            raise refuse(path, "KMZ archive holds no .kml document")
        main = "doc.kml" if "doc.kml" in kml_names else kml_names[0]
        return _kml_from_bytes(path, read_member(path, zf, main), "kmz")


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(elem: Element, name: str) -> Element | None:
    return next((c for c in elem if _local(c.tag) == name), None)


def _child_text(elem: Element, name: str) -> str | None:
    c = _child(elem, name)
    return c.text.strip() if c is not None and c.text and c.text.strip() else None


def _kml_from_bytes(path: Path, data: bytes, fmt: str) -> RawFile:
    data = xml_as_utf8(path, data)
    root = parse_xml(path, data)
    rows: list[dict] = []
    field_names: set[str] = set()
    for folder, placemark in _placemarks(root, ()):
        extra = _extended_data(placemark)
        field_names.update(extra)
        roles = _roles_of(list(extra))
        coords, kind = _placemark_point(placemark)
        rows.append(dict(
            src_row=len(rows) + 1, layer="/".join(folder) or None, kind=kind,
            x=coords[0] if coords else None, y=coords[1] if coords else None,
            name=_child_text(placemark, "name") or _pick(extra, roles, "name"),
            code=_pick(extra, roles, "code"),
            note=_child_text(placemark, "description") or _pick(extra, roles, "note"),
            time=_when(placemark) or _pick(extra, roles, "time"),
            elevation=coords[2] if coords and len(coords) > 2 else None,
            attributes=_attributes_json(extra)))
    head = _prefix(data, (b"<Placemark", b"<kml:Placemark"))
    hints = find_hints(head, f"the {fmt.upper()} header") + find_hints(" ".join(field_names), "field names")
    return RawFile(path, "", fmt, _frame(rows), CRS.from_epsg(4326),
                   "KML stores WGS 84 by specification", hints, ("lon", "lat"))


def _placemarks(elem: Element, folder: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Element]]:
    for child in elem:
        tag = _local(child.tag)
        if tag == "Placemark":
            yield folder, child
        elif tag in ("Folder", "Document", "kml"):
            name = _child_text(child, "name") if tag == "Folder" else None
            yield from _placemarks(child, folder + (name,) if name else folder)


def _placemark_point(placemark: Element) -> tuple[list[str] | None, str]:
    """Coordinates of a Point placemark (first point of a MultiGeometry) and the row kind."""
    for elem in placemark.iter():
        tag = _local(elem.tag)
        if tag in ("LineString", "LinearRing", "Polygon", "Track"):
            return None, tag.lower()
        if tag == "Point":
            text = _child_text(elem, "coordinates") or ""
            return [v for v in re.split(r"[,\s]+", text.strip()) if v][:3] or None, "placemark"
    return None, "placemark"


def _when(placemark: Element) -> str | None:
    for elem in placemark.iter():
        if _local(elem.tag) == "when" and elem.text:
            return elem.text.strip()
    return None


def _extended_data(placemark: Element) -> dict[str, str | None]:
    extra: dict[str, str | None] = {}
    ext = _child(placemark, "ExtendedData")
    if ext is None:
        return extra
    for elem in ext.iter():
        tag, key = _local(elem.tag), elem.get("name")
        if tag == "Data" and key:
            extra[key] = _child_text(elem, "value")
        elif tag == "SimpleData" and key:
            extra[key] = elem.text.strip() if elem.text else None
    return extra


# --- tables: CSV / TXT / XLSX -------------------------------------------------------------------


def header_key(header: object) -> str:
    """A header reduced for alias lookup: lower case, no brackets, datum words, spaces or separators."""
    text = _BRACKETS.sub("", str(header)).lower()
    text = _DATUM_WORDS.sub("", text)
    return re.sub(r"[\s_\-.:：/]+", "", text)


def _roles_of(headers: list) -> dict[str, object]:
    """Map roles (lon, lat, x, y, name, …) to the first header that plays each."""
    roles: dict[str, object] = {}
    for h in headers:
        role = _ALIAS_ROLE.get(header_key(h))
        if role and role not in roles:
            roles[role] = h
    return roles


def _pick(values: dict, roles: dict[str, object], role: str) -> object:
    key = roles.get(role)
    return values.get(key) if key is not None else None


def _axis_columns(path: Path, headers: list) -> tuple[dict[str, object], object, object]:
    roles = _roles_of(headers)
    if "lon" in roles and "lat" in roles:
        return roles, roles["lon"], roles["lat"]
    if "x" in roles and "y" in roles:
        return roles, roles["x"], roles["y"]
    shown = ", ".join(str(h) for h in headers[:20])
    raise refuse(path, f"has no coordinate columns (found: {shown}); name them 经度/纬度, lon/lat, "
                       "longitude/latitude or x/y")


def _table_frame(df: pd.DataFrame, roles: dict[str, object], xcol: object, ycol: object,
                 first_row: int, layer: str | None) -> pd.DataFrame:
    """Turn a chunk of a table into :data:`COLUMNS` (vectorised: large CSVs go through here)."""
    n = len(df)
    out = pd.DataFrame({"src_row": np.arange(first_row, first_row + n, dtype=np.int64)}, index=df.index)
    out["layer"], out["kind"] = layer, "row"
    out["x"], out["y"] = df[xcol], df[ycol]
    for role in ("name", "code", "note", "time", "elevation"):
        col = roles.get(role)
        out[role] = df[col] if col is not None else None
    used = {xcol, ycol} | {roles.get(r) for r in ("name", "code", "note", "time", "elevation")}
    extra = [c for c in df.columns if c not in used and not str(c).startswith("Unnamed:")]
    if extra:
        out["attributes"] = [_attributes_json(rec) for rec in df[extra].to_dict("records")]
    else:
        out["attributes"] = None
    return out.reset_index(drop=True)[list(COLUMNS)]


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``gb18030`` (a superset of GBK).

    Raises
    ------
    InputError
        When the file holds NUL bytes (binary data) or decodes as neither.
    """
    encoding = files.sniff_encoding(path, stop_at_nul=True)
    if encoding == "binary":
        raise refuse(path, "holds binary data (NUL bytes), not CSV text")
    if encoding is None:
        raise refuse(path, "is neither UTF-8 nor GBK/GB18030 text")
    return "gb18030" if encoding == "gb18030" else "utf-8-sig"


def _read_csv(path: Path) -> RawFile:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        header_line = fh.readline()
    sep = max(("\t", ",", ";", "|"), key=header_line.count)
    if header_line.count(sep) == 0:
        sep = ","
    reader = pd.read_csv(path, encoding=encoding, sep=sep, dtype=str, keep_default_na=False,
                         chunksize=CSV_CHUNK_ROWS, skipinitialspace=True, skip_blank_lines=False)
    chunks: list[pd.DataFrame] = []
    roles: dict[str, object] = {}
    xcol: object = None
    ycol: object = None
    row = 2
    try:
        for df in reader:
            df.columns = [str(c).strip() for c in df.columns]
            if xcol is None:
                roles, xcol, ycol = _axis_columns(path, list(df.columns))
            df = df.where(df != "", None)
            df.index = np.arange(row, row + len(df))
            row += len(df)
            df = df.dropna(how="all")
            frame = _table_frame(df, roles, xcol, ycol, 0, None)
            frame["src_row"] = df.index.to_numpy()
            chunks.append(frame)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise refuse(path, f"cannot be read as a table ({str(exc).strip().splitlines()[0]})") from None
    except pd.errors.EmptyDataError:
        raise refuse(path, "has no header row") from None
    if xcol is None:
        roles, xcol, ycol = _axis_columns(path, [c.strip() for c in header_line.strip().split(sep)])
    table = pd.concat(chunks, ignore_index=True) if chunks else _frame([])
    hints = find_hints(header_line, "the column headers")
    return RawFile(path, "", "csv", table, None, "", hints, (str(xcol), str(ycol)))


def _read_xlsx(path: Path) -> RawFile:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise refuse(path, f"is not a valid XLSX (zip) workbook ({exc})") from None
    with zf:
        check_zip(path, zf)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise refuse(path, f"cannot be read as an XLSX workbook ({type(exc).__name__}: {exc})") from None
    frames, hints, axis, problems = [], [], ("x", "y"), []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header_row = 0
            for header in rows:
                header_row += 1
                if any(v not in (None, "") for v in header):
                    break
            else:
                continue
            headers = [str(h).strip() if h is not None else f"column {i + 1}" for i, h in enumerate(header)]
            try:
                roles, xcol, ycol = _axis_columns(path, headers)
            except InputError as exc:
                problems.append(exc)
                continue
            df = pd.DataFrame(list(rows), columns=headers, dtype=object)
            df = df.dropna(how="all")
            first = header_row + 1
            frame = _table_frame(df, roles, xcol, ycol, first, ws.title if len(wb.worksheets) > 1 else None)
            frame["src_row"] = df.index.to_numpy() + first
            frames.append(frame)
            hints += find_hints(" ".join(headers), f"the headers of sheet '{ws.title}'")
            axis = (str(xcol), str(ycol))
    finally:
        wb.close()
    if not frames:
        if problems:
            raise problems[0]
        raise refuse(path, "workbook has no rows")
    return RawFile(path, "", "xlsx", pd.concat(frames, ignore_index=True), None, "", hints, axis)


# --- GIS formats: GeoJSON / GeoPackage / Shapefile -----------------------------------------------


def _read_ogr(path: Path) -> RawFile:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise refuse(path, f"cannot be read as a GIS file ({str(exc).strip().splitlines()[0]})") from None
    frames, hints, crs = [], [], None
    for name, geom_type in layers:
        if geom_type is None:
            continue
        try:
            gdf = pyogrio.read_dataframe(path, layer=name, encoding=shapefile_encoding(path))
        except Exception as exc:
            raise refuse(path, f"layer '{name}' cannot be read ({str(exc).strip().splitlines()[0]})") from None
        crs = crs or gdf.crs
        frames.append(_ogr_frame(gdf, name if len(layers) > 1 else None))
        hints += find_hints(f"{name} " + " ".join(map(str, gdf.columns)), f"layer '{name}' and its field names")
    if not frames:
        raise refuse(path, "has no layer with geometry")
    fmt = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}.get(path.suffix.lower(), "shp")
    if crs is None and fmt == "geojson":
        crs, source = CRS.from_epsg(4326), "GeoJSON stores WGS 84 by specification (RFC 7946)"
    else:
        source = f"the file declares {crs.name}" if crs is not None else ""
    return RawFile(path, "", fmt, pd.concat(frames, ignore_index=True), crs, source, hints,
                   ("geometry", "geometry"))


def _ogr_frame(gdf, layer: str | None) -> pd.DataFrame:
    geoms = gdf.geometry.array
    types = np.asarray(shapely.get_type_id(geoms))
    single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)
    pts = np.array(geoms, dtype=object)
    pts[single] = shapely.get_geometry(geoms[single], 0)
    is_point = (types == 0) | single
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    x[is_point], y[is_point] = shapely.get_x(pts[is_point]), shapely.get_y(pts[is_point])
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    roles = _roles_of(list(attrs.columns))
    attrs["__x"], attrs["__y"] = x, y
    frame = _table_frame(attrs, roles, "__x", "__y", 1, layer)
    frame["kind"] = np.where(is_point | (types < 0), "feature", _GEOM_NAMES[np.clip(types, 0, 7)])
    return frame


_GEOM_NAMES = np.array(["point", "linestring", "linearring", "polygon", "multipoint", "multilinestring",
                        "multipolygon", "geometrycollection"])
_READERS = {"gpx": _read_gpx, "kml": _read_kml, "kmz": _read_kmz, "csv": _read_csv, "xlsx": _read_xlsx,
            "geojson": _read_ogr, "gpkg": _read_ogr, "shp": _read_ogr}
