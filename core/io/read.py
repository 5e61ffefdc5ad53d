"""Read input layers and check them against the data contract (DESIGN.md §2).

Any OGR format is read with pyogrio; CSV/TXT and XLSX with lon/lat columns become points. Shapefile
attributes in GBK/GB18030 without a ``.cpg`` file are detected and decoded. Field names are matched to
the contract through :mod:`.schema` aliases. Problems are collected, never silently dropped: file-level
problems (missing file, empty layer, missing required field) are fatal; row-level problems either stop
the run (``on_bad_rows="fail"``) or send the row to the rejects table (``on_bad_rows="reject"``).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..base import files, schema, values
from ..base._errors import InputError, Problem
from ..base.config import Config, LayerSpec
from ..base.crs import GEOD, GEOGRAPHIC
from .grades import legacy_grade, road_gradings

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "x", "东经")
LAT_NAMES = ("lat", "latitude", "纬度", "y", "北纬")
#: A table column holding each row's geometry as WKT in longitude/latitude (lines and polygons in a CSV).
WKT_NAMES = ("wkt", "几何", "几何wkt", "geometry_wkt")


@dataclass
class Layer:
    """One validated input layer.

    Attributes
    ----------
    kind : str
        ``villages``, ``roads``, ``facilities``, ``towns``, ``counties`` or ``mines``.
    source : str
        Human-readable origin (``path[:layer]``) used in messages.
    gdf : GeoDataFrame
        Rows kept, canonical field names, ``src_row`` (1-based row as the planner sees it) and ``issues``.
    problems : list of Problem
        Row-level problems (bad rows, unknown values).
    bad_rows : set of int
        ``src_row`` values of rows that cannot be used at all (severity ``"error"``).
    identity : RowIdentity or None
        The identifying attributes of every source row as read (for the rejects table; :func:`.prepare.read_inputs`
        drops it once that table is built, so the geometries as read are not kept beside the projected ones).
    excluded : GeoDataFrame or None
        Roads layers only: roads left out of the road graph (``collection_route`` false).
    """

    kind: str
    source: str
    gdf: gpd.GeoDataFrame
    where: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    identity: RowIdentity | None = None
    excluded: gpd.GeoDataFrame | None = None


#: Fields that identify a row of a layer without a contract code field (first present wins).
ID_FIELDS = ("osm_id", "road_id", "facility_code", "mine_code", "id", "src_fid", "编号", "代码")


@dataclass
class RowIdentity:
    """What identifies each source row as read: its code, name and coordinates (as text).

    Arrays are in the order of ``rows`` (the ascending ``src_row`` values); coordinates are formatted
    only when asked.
    """

    rows: np.ndarray
    code: np.ndarray
    name: np.ndarray
    geometry: np.ndarray
    coord_text: np.ndarray | None = None

    def describe(self, row: int | None) -> dict[str, str | None]:
        """``code``, ``name`` and ``coordinates`` of source row ``row`` (all None for a layer-level problem)."""
        i = -1 if row is None else int(np.searchsorted(self.rows, row))
        if not 0 <= i < len(self.rows) or self.rows[i] != row:
            return {"code": None, "name": None, "coordinates": None}
        return {"code": _as_text(self.code[i]), "name": _as_text(self.name[i]), "coordinates": self._coords(i)}

    def _coords(self, i: int) -> str | None:
        if self.coord_text is not None:
            return str(self.coord_text[i])
        geom = self.geometry[i]
        if geom is None or shapely.is_empty(geom):
            return None
        if shapely.get_type_id(geom) == 0:
            return f"{geom.x:.7g}, {geom.y:.7g}"
        text = shapely.to_wkt(geom, rounding_precision=7, trim=True)
        return text if len(text) <= 80 else text[:77] + "..."


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _identity(gdf: gpd.GeoDataFrame, kind: str, coord_text: np.ndarray | None) -> RowIdentity:
    code_field = {"villages": "village_code", "towns": "town_code", "counties": "county_code"}.get(kind)
    if code_field is None or code_field not in gdf.columns:
        lower = {str(c).lower(): c for c in gdf.columns}
        code_field = next((lower[f] for f in ID_FIELDS if f in lower), None)
    empty = np.full(len(gdf), None, dtype=object)
    code = gdf[code_field].to_numpy(object) if code_field is not None else empty
    name = gdf["name"].to_numpy(object) if "name" in gdf.columns else empty
    return RowIdentity(gdf["src_row"].to_numpy(), code, name, np.asarray(gdf.geometry.array, dtype=object),
                       coord_text)


def reject_record(kind: str, layer: Layer, problem: Problem) -> dict[str, object]:
    """One row of the rejects table (:data:`.contract.REJECT_COLUMNS`): where the problem is, what identifies
    the row, and the reason.
    """
    ident = layer.identity.describe(problem.row) if layer.identity is not None else {}
    return {"kind": kind, "file": problem.file, "layer": problem.layer, "row": problem.row,
            "code": ident.get("code"), "name": ident.get("name"), "coordinates": ident.get("coordinates"),
            "field": problem.field, "severity": problem.severity, "reason": problem.message}


def _missing_field(name: str, present: str) -> str:
    """The message of a missing required field: its Chinese names and how to add it, then what is there."""
    zh = [alias for alias, canonical in schema.ALIASES.items() if canonical == name and not alias.isascii()]
    names = " / ".join(zh[:3]) or name
    return (f"required field '{name}' is missing (Chinese names: {names}); add the field or rename an existing one "
            f"to one of these names (fields present: {present})")


def read_layer(spec: LayerSpec, kind: str) -> Layer:
    """Read one input layer from a file and check it against the contract.

    Parameters
    ----------
    spec : LayerSpec
        The file and optional layer name.
    kind : str
        Which contract to check (a key of :data:`.schema.REQUIRED`).

    Returns
    -------
    Layer

    Raises
    ------
    InputError
        When the file cannot be used at all (missing, unreadable, empty, required field absent, no geometry).
    """
    raw, row_offset = _read_raw(spec)
    coord_text, src_rows = raw.attrs.pop("coord_text", None), raw.attrs.pop("src_rows", None)
    notes = raw.attrs.pop("read_notes", [])
    layer = check_layer(raw, kind, str(spec.path), spec.layer, row_offset=row_offset, coord_text=coord_text,
                        src_rows=src_rows)
    layer.problems += [Problem(str(spec.path), spec.layer, None, None, note, "note") for note in notes]
    return layer


def check_layer(
    raw: gpd.GeoDataFrame,
    kind: str,
    file: str,
    layer: str | None = None,
    row_offset: int = 0,
    coord_text: np.ndarray | None = None,
    src_rows: np.ndarray | None = None,
) -> Layer:
    """Check an already loaded GeoDataFrame against the contract (used by the QGIS plugin too).

    Parameters
    ----------
    raw : GeoDataFrame
        Features in source order.
    kind : str
        Layer kind.
    file, layer : str
        Names used in messages.
    row_offset : int
        Added to the 1-based feature number (1 for spreadsheets, whose first row is the header).
    coord_text : ndarray of str, optional
        The coordinates of each row as written in the source table (shown in the rejects).
    src_rows : ndarray of int, optional
        The row number of each feature in the file (tables with blank or title rows); default
        ``1 + row_offset`` onwards.

    Returns
    -------
    Layer
    """
    where: dict[str, Any] = dict(file=file, layer=layer)
    if len(raw) == 0:
        raise InputError([Problem(**where, row=None, field=None, message=f"the {kind} layer is empty")])
    gdf = _canonical_columns(raw, kind)
    missing = [f for f in schema.REQUIRED[kind] if f not in gdf.columns]
    if missing:
        present = ", ".join(map(str, raw.columns.drop(raw.geometry.name, errors="ignore")))
        raise InputError([Problem(**where, row=None, field=f, message=_missing_field(f, present)) for f in missing])
    if gdf.crs is None:
        gdf = _assume_geographic(gdf, where)
    gdf = gdf.reset_index(drop=True)
    default_rows = np.arange(1, len(gdf) + 1) + row_offset
    gdf["src_row"] = np.asarray(src_rows, np.int64) if src_rows is not None else default_rows
    gdf["issues"] = ""
    out = Layer(kind=kind, source=f"{file}:{layer}" if layer else file, gdf=gdf, where=where,
                identity=_identity(gdf, kind, coord_text))
    _check_geometry(out, where)
    _check_values(out, where)
    if kind == "roads":
        out.gdf = _explode_lines(out.gdf)
    return out


def _read_raw(spec: LayerSpec) -> tuple[gpd.GeoDataFrame, int]:
    path = spec.path
    where: dict[str, Any] = dict(file=str(path), layer=spec.layer, row=None, field=None)
    if not path.exists():
        raise InputError([Problem(**where, message="file does not exist")])
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _read_table(path, where)
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError([Problem(**where, message=f"cannot be read as a GIS file ({_first_line(exc)})")]) from None
    names = [str(n) for n in layers[:, 0]]
    if spec.layer is not None and spec.layer not in names:
        raise InputError([Problem(**where, message=f"has no layer '{spec.layer}' (layers: {', '.join(names)})")])
    notes: list[str] = []
    try:
        gdf = _read_features(path, spec.layer, shapefile_encoding(path))
    except UnicodeDecodeError as exc:  # a .cpg naming the wrong encoding
        detected = shapefile_encoding(path, ignore_cpg=True)
        if detected is None:
            raise InputError([Problem(**where, message=f"cannot be read ({_first_line(exc)})")]) from None
        gdf = _read_features(path, spec.layer, detected)
        notes.append(f"the .cpg file names the wrong encoding; the attributes are {detected} and were read so")
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError([Problem(**where, message=f"cannot be read ({_first_line(exc)})")]) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError([Problem(**where, message="has no geometry column")])
    cpg = _cpg_file(path) if path.suffix.lower() == ".shp" else None
    if cpg is not None and not _known_codepage(cpg):
        notes.append(f"the .cpg file names no known encoding; the attributes were read as "
                     f"{shapefile_encoding(path) or 'ASCII/Latin-1'}")
    gdf.attrs["read_notes"] = notes
    return gdf, 0


def _read_features(path: Path, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    """Features of one layer; a geometry GEOS cannot parse (a line of one vertex) becomes a missing one."""
    try:
        return pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except shapely.errors.GEOSException:
        meta, _, wkb, values = pyogrio.raw.read(path, layer=layer, encoding=encoding)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
        columns = {str(name): col for name, col in zip(meta["fields"], values, strict=True)}
        return gpd.GeoDataFrame(columns, geometry=geoms, crs=meta["crs"])


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def shapefile_encoding(path: Path, ignore_cpg: bool = False) -> str | None:
    """The encoding of a Shapefile's attributes: the one its ``.cpg`` names, else GBK/GB18030 or UTF-8 as
    detected in the ``.dbf`` (also when the ``.cpg`` is ignored).

    The ``.cpg``'s encoding is returned, not left to GDAL, so that the text is decoded the same way whatever
    GDAL's ``SHAPE_ENCODING`` is set to (QGIS sets it to none in its own process).
    """
    if path.suffix.lower() != ".shp":
        return None
    cpg = _cpg_file(path)
    if not ignore_cpg and cpg is not None and _known_codepage(cpg):
        return _codec_of(cpg)
    dbf = next((path.with_suffix(s) for s in (".dbf", ".DBF") if path.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(10)
    header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 0
    return {"utf-8": "UTF-8", "gb18030": "GB18030"}.get(str(files.sniff_encoding(dbf, offset=header_len)))


def _cpg_file(path: Path) -> Path | None:
    return next((path.with_suffix(s) for s in (".cpg", ".CPG") if path.with_suffix(s).exists()), None)


def _codec_of(cpg: Path) -> str:
    """The Python codec a ``.cpg`` names (``936`` and ``ANSI 936`` are Windows code pages)."""
    text = cpg.read_text(encoding="ascii", errors="replace").strip()
    digits = text.upper().removeprefix("ANSI").strip()
    return f"cp{digits}" if digits.isdigit() else text


def _known_codepage(cpg: Path) -> bool:
    """Whether a ``.cpg`` file names an encoding (a name Python knows, or a Windows code page number)."""
    text = cpg.read_text(encoding="ascii", errors="replace").strip()
    digits = text.upper().removeprefix("ANSI").strip()
    if digits.isdigit():
        return True
    try:
        codecs.lookup(text)
    except LookupError:
        return False
    return True


def decode_table_text(raw: bytes) -> str:
    """Text of a CSV/TXT file: UTF-16/32 (with or without BOM), UTF-8 (with or without BOM) or GB18030/GBK.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are none of these.
    """
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"))
    encodings = [enc for bom, enc in boms if raw.startswith(bom)][:1]
    head = raw[:4096]
    if not encodings and head.count(b"\x00") > len(head) // 4:  # UTF-16 without BOM: ASCII has a NUL byte
        encodings = ["utf-16-le" if head[1::2].count(b"\x00") > head[::2].count(b"\x00") else "utf-16-be"]
    for encoding in encodings or ["utf-8-sig", "gb18030"]:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UnicodeDecodeError("utf-8/gb18030/utf-16", raw[:20], 0, 1, "not UTF-8, GB18030 or UTF-16 text")


#: Rows searched for the header when the first row is a title (merged cells above the header).
HEADER_SEARCH_ROWS = 10


def read_text_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Read a CSV/TXT/TSV or XLSX file into strings; find the header row below any title rows.

    The header is the first of the top :data:`HEADER_SEARCH_ROWS` rows that names a longitude and a
    latitude column, else the first non-empty row. CSV separators ``,`` ``;`` tab and ``|`` are told
    apart by the header line.

    Returns
    -------
    (DataFrame, int)
        The table (columns from the header row) and the 1-based file row number of that header.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = pd.read_excel(path, dtype=str, engine="openpyxl", header=None)
    else:
        text = decode_table_text(path.read_bytes())
        lines = [ln for ln in text.splitlines()[:HEADER_SEARCH_ROWS] if ln.strip()]
        first = max(lines, key=len) if lines else ""
        sep = "\t" if path.suffix.lower() == ".tsv" else max((",", ";", "\t", "|"), key=first.count)
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep if first.count(sep) else ","))
        grid = pd.DataFrame(rows, dtype=object).replace("", None) if rows else pd.DataFrame()
    grid = grid.dropna(how="all")
    if grid.empty:
        raise ValueError("the file has no rows")
    head = next((i for i in grid.index[:HEADER_SEARCH_ROWS] if _axis_names(grid.loc[i]) != (None, None)),
                grid.index[0])
    names = [str(v).strip() if isinstance(v, str) and v.strip() else f"Unnamed: {j}"
             for j, v in enumerate(grid.loc[head])]
    df = grid.loc[grid.index > head].copy()
    df.columns = pd.Index(names)
    df = df.loc[:, ~(df.columns.str.startswith("Unnamed: ") & df.isna().all().to_numpy())]
    return df, int(head) + 1


def _axis_names(header: pd.Series) -> tuple[object, object]:
    """The longitude and latitude columns named in a header row (None when absent)."""
    cols = {str(v).strip().lower(): j for j, v in enumerate(header) if isinstance(v, str)}
    lon = next((cols[n] for n in LON_NAMES if n in cols), None)
    lat = next((cols[n] for n in LAT_NAMES if n in cols), None)
    return (lon, lat) if lon is not None and lat is not None else (None, None)


def _read_table(path: Path, where: dict) -> tuple[gpd.GeoDataFrame, int]:
    try:
        df, header_row = read_text_table(path)
    except Exception as exc:
        raise InputError([Problem(**where, message=f"cannot be read as a table ({_first_line(exc)})")]) from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    lon = next((cols[n] for n in LON_NAMES if n in cols), None)
    lat = next((cols[n] for n in LAT_NAMES if n in cols), None)
    wkt = next((cols[n] for n in WKT_NAMES if n in cols), None)
    if (lon is None or lat is None) and wkt is not None:
        return _wkt_table(df, wkt, header_row, where)
    if lon is None or lat is None:
        raise InputError([Problem(**where, message=(
            "is a table without coordinates: add longitude/latitude columns (经度/纬度, lon/lat) "
            "in decimal degrees, or give a GIS file (GeoPackage, Shapefile, GeoJSON)"))])
    x = df[lon].map(parse_number)
    y = df[lat].map(parse_number)
    geom = shapely.points(x.to_numpy(float), y.to_numpy(float))
    geom[x.isna().to_numpy() | y.isna().to_numpy()] = None
    out = gpd.GeoDataFrame(df.drop(columns=[lon, lat]).reset_index(drop=True), geometry=geom, crs="EPSG:4326")
    out.attrs["coord_text"] = (df[lon].fillna("").astype(str) + ", " + df[lat].fillna("").astype(str)).to_numpy(object)
    out.attrs["src_rows"] = df.index.to_numpy() + 1
    return out, header_row


def _wkt_table(df: pd.DataFrame, col: str, header_row: int, where: dict) -> tuple[gpd.GeoDataFrame, int]:
    """A table whose column ``col`` holds WKT geometries in longitude/latitude; a row whose WKT does not parse
    gets no geometry (and the row check reports it).
    """
    text = df[col].fillna("").astype(str)
    geom = np.array([_parse_wkt(t) for t in text], dtype=object)
    out = gpd.GeoDataFrame(df.drop(columns=[col]).reset_index(drop=True), geometry=list(geom), crs="EPSG:4326")
    out.attrs["coord_text"] = text.str.slice(0, 60).to_numpy(object)
    out.attrs["src_rows"] = df.index.to_numpy() + 1
    return out, header_row


def _parse_wkt(text: str) -> object:
    try:
        return shapely.from_wkt(text) if text.strip() else None
    except shapely.errors.GEOSException:
        return None


def _canonical_columns(raw: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    wanted = set(schema.REQUIRED[kind]) | set(schema.OPTIONAL[kind])
    rename: dict[str, str] = {}
    taken = {str(c).strip().lower() for c in raw.columns if str(c).strip().lower() in wanted}
    for col in raw.columns:
        key = str(col).strip().lower()
        target = key if key in wanted else schema.ALIASES.get(key) or schema.ALIASES.get(str(col).strip()) \
            or _shapefile_truncated(key, wanted)
        if target in wanted and (target not in taken or key == target) and target not in rename.values():
            rename[col] = target
            taken.add(target)
    fid = [c for c in raw.columns if str(c).lower() == "fid" and c not in rename]
    if fid and "src_fid" not in raw.columns:
        # a source fid is no longer unique once multi-part features are split; keep it under another name
        rename[fid[0]] = "src_fid"
    gdf = raw.rename(columns=rename)
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    return gdf


#: A Shapefile (dBASE) field name holds at most this many characters; longer names are cut.
DBF_NAME_LENGTH = 10


def _shapefile_truncated(key: str, wanted: set[str]) -> str | None:
    """The contract field a Shapefile cut to ``key`` (``county_cod`` → ``county_code``), when only one fits."""
    if len(key) != DBF_NAME_LENGTH:
        return None
    fits = [w for w in wanted if len(w) > DBF_NAME_LENGTH and w.startswith(key)]
    return fits[0] if len(fits) == 1 else None


def _assume_geographic(gdf: gpd.GeoDataFrame, where: dict) -> gpd.GeoDataFrame:
    b = gdf.total_bounds
    if np.all(np.isfinite(b)) and -180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90:
        return gdf.set_crs("EPSG:4326")
    raise InputError([Problem(**where, row=None, field=None, message=(
        "has no coordinate reference system and its coordinates are not longitude/latitude; "
        "define its CRS (a .prj file, or set it in QGIS) and try again"))])


def _add(layer: Layer, where: dict, idx: int, fld: str | None, msg: str, severity: str = "error") -> None:
    row = int(layer.gdf.at[idx, "src_row"])
    layer.problems.append(Problem(**where, row=row, field=fld, message=msg, severity=severity))
    if severity == "error":
        layer.bad_rows.add(row)
    prev = layer.gdf.at[idx, "issues"]
    layer.gdf.at[idx, "issues"] = f"{prev}; {msg}" if prev else msg


def _check_geometry(layer: Layer, where: dict) -> None:
    gdf = layer.gdf
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    allowed = schema.GEOMETRY[layer.kind]
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for idx in np.flatnonzero(missing):
        _add(layer, where, idx, "geometry", "has no geometry")
    family = np.full(len(geoms), "other", dtype=object)
    types = np.asarray(shapely.get_type_id(geoms))
    for type_ids, fam in (((0, 4), "Point"), ((1, 2, 5), "LineString"), ((3, 6), "Polygon")):
        family[np.isin(types, type_ids)] = fam
    wrong = ~missing & ~np.isin(family, allowed)
    for idx in np.flatnonzero(wrong):
        _add(layer, where, idx, "geometry", f"is a {geoms[idx].geom_type}; expected {' or '.join(allowed)}")
    ok = ~missing & ~wrong
    bad_coord = _nonfinite(geoms[ok])
    for idx in np.flatnonzero(ok)[bad_coord]:
        _add(layer, where, idx, "geometry", "has non-finite coordinates")
    multi = np.flatnonzero(ok & (types == 4))
    for idx in multi:  # MultiPoint: use its first point
        if len(geoms[idx].geoms) > 1:
            _add(layer, where, idx, "geometry", f"MultiPoint of {len(geoms[idx].geoms)} points; the first is used",
                 severity="note")
        geoms[idx] = geoms[idx].geoms[0]
    poly = ok & (family == "Polygon")
    poly[np.flatnonzero(ok)[bad_coord]] = False
    invalid = np.flatnonzero(poly)
    invalid = invalid[~shapely.is_valid(geoms[invalid])]  # polygons only: a road layer has none to check
    for idx in invalid:
        _add(layer, where, idx, "geometry", f"invalid polygon repaired ({shapely.is_valid_reason(geoms[idx])})",
             severity="note")
        geoms[idx] = shapely.make_valid(geoms[idx])
    gdf["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)


def _nonfinite(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: has a non-finite coordinate (the owner of each vertex is looked up only when one has)."""
    bad = np.zeros(len(geoms), bool)
    if np.isfinite(shapely.get_coordinates(geoms)).all():
        return bad
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    bad[owner[~np.isfinite(coords).all(axis=1)]] = True
    return bad


def _explode_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split MultiLineStrings into their parts (``src_row`` keeps pointing at the source feature)."""
    if not (shapely.get_type_id(gdf.geometry.array) == 5).any():
        return gdf
    return gdf.explode(index_parts=False).reset_index(drop=True)


def _check_values(layer: Layer, where: dict) -> None:
    gdf, kind = layer.gdf, layer.kind
    for col in ("village_code", "county_code", "town_code", "admin_village_code", "name", "surface",
                "grade", "highway", "village_class", "facility_type", "green_mine_level", "mineral", "status",
                "zone", "admin_class", "tech_grade", "ref"):
        if col in gdf.columns:
            gdf[col] = values.text(gdf[col])
    for col in schema.REQUIRED[kind]:
        if col == "name" and kind != "villages":
            continue
        for idx in np.flatnonzero(gdf[col].isna().to_numpy()):
            _add(layer, where, idx, col, f"required value '{col}' is empty")
    for col in ("population", "households", "capacity_tpd", "resident_population", "sanitary_toilet_households",
                "sewage_target_pct"):
        if col in gdf.columns:
            _check_number(layer, where, col)
    for col in ("is_admin_village", "is_county_seat", "sewage_treated"):
        if col in gdf.columns:
            _check_bool(layer, where, col)
    if kind == "villages":
        _check_villages(layer, where)
    elif kind == "facilities":
        _check_choice(layer, where, "facility_type", schema.FACILITY_TYPE_VALUES, empty=None)
    elif kind == "mines":
        _check_choice(layer, where, "green_mine_level", schema.GREEN_MINE_VALUES, empty="none", severity="doubt")
    elif kind == "towns":
        _check_duplicates(layer, where, "town_code")
    elif kind == "priority_zones":
        _check_choice(layer, where, "zone", schema.ZONE_VALUES, empty=None)
        _check_percent(layer, where, "sewage_target_pct")


def _check_villages(layer: Layer, where: dict) -> None:
    gdf = layer.gdf
    _check_duplicates(layer, where, "village_code")
    _check_choice(layer, where, "village_class", schema.VILLAGE_CLASS_VALUES, empty="暂不分类")
    _check_sanitary_toilets(layer, where)
    if "population" not in gdf.columns and "resident_population" in gdf.columns:
        gdf["population"] = gdf["resident_population"]  # 常住人口 is the only population given


#: Units a count may carry in a spreadsheet cell ("300人", "85户").
NUMBER_UNITS = ("人", "户", "口", "吨", "t/d", "吨/日", "t")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(value: object) -> float:
    """A number from a cell: plain, full-width (``１２３``), with thousands commas (``1,234``) or a unit
    (``300人``); NaN for anything else (``约300``, ``many``, empty).
    """
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for unit in NUMBER_UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            text = text[: -len(unit)].strip()
            break
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return np.nan


def _check_number(layer: Layer, where: dict, col: str) -> None:
    gdf = layer.gdf
    raw = gdf[col]
    num = pd.to_numeric(raw, errors="coerce")
    text = raw.astype(str).str.strip()
    blank = raw.isna() | text.isin(["", "nan", "None", "<NA>"])
    for idx in np.flatnonzero((num.isna() & ~blank).to_numpy()):
        value = parse_number(raw.iloc[idx])
        if np.isnan(value):
            _add(layer, where, idx, col, f"'{raw.iloc[idx]}' is not a number")
        else:
            num.iloc[idx] = value
            _add(layer, where, idx, col, f"'{raw.iloc[idx]}' read as {value:g}", severity="note")
    for idx in np.flatnonzero(~np.isfinite(num.fillna(0).to_numpy(float))):
        _add(layer, where, idx, col, f"{num.iloc[idx]} is not a finite number")
    for idx in np.flatnonzero((num < 0).to_numpy()):
        _add(layer, where, idx, col, f"{num.iloc[idx]} is negative")
    gdf[col] = num.astype(float)


def _check_sanitary_toilets(layer: Layer, where: dict) -> None:
    """Households with a sanitary toilet cannot outnumber the households of the village."""
    gdf = layer.gdf
    if not {"sanitary_toilet_households", "households"} <= set(gdf.columns):
        return
    over = (gdf["sanitary_toilet_households"] > gdf["households"]).to_numpy()
    for idx in np.flatnonzero(over):
        _add(layer, where, idx, "sanitary_toilet_households",
             f"{gdf['sanitary_toilet_households'].iloc[idx]:g} households with a sanitary toilet but only "
             f"{gdf['households'].iloc[idx]:g} households")


def _check_percent(layer: Layer, where: dict, col: str) -> None:
    gdf = layer.gdf
    if col not in gdf.columns:
        return
    for idx in np.flatnonzero((gdf[col] > 100).to_numpy()):
        _add(layer, where, idx, col, f"{gdf[col].iloc[idx]:g} is above 100 (a percentage)")


def _check_bool(layer: Layer, where: dict, col: str) -> None:
    gdf = layer.gdf
    parsed = []
    for idx, v in enumerate(gdf[col]):
        try:
            parsed.append(values.yes_no(v))
        except ValueError as exc:
            _add(layer, where, idx, col, str(exc))
            parsed.append(None)
    gdf[col] = pd.Series(parsed, index=gdf.index, dtype=object)


def _check_duplicates(layer: Layer, where: dict, col: str) -> None:
    codes = layer.gdf[col]
    dup = codes.notna() & codes.duplicated(keep="first")
    first_row = dict(zip(codes[~codes.duplicated(keep="first")], layer.gdf["src_row"], strict=False))
    for idx in np.flatnonzero(dup.to_numpy()):
        _add(layer, where, idx, col, f"duplicate code '{codes.iloc[idx]}' (first used on row {first_row[codes.iloc[idx]]})")


def _check_choice(
    layer: Layer, where: dict, col: str, values: dict[str, str], empty: str | None, severity: str = "error"
) -> None:
    gdf = layer.gdf
    if col not in gdf.columns:
        if empty is not None:
            gdf[col] = empty
        return
    allowed = sorted(set(values.values()))
    out = []
    for idx, v in enumerate(gdf[col]):
        if v is None:
            out.append(empty)
            if empty is None:
                _add(layer, where, idx, col, f"is empty; expected one of {', '.join(allowed)}")
            continue
        canon = values.get(str(v).strip().lower()) or values.get(str(v).strip())
        if canon is None:
            _add(layer, where, idx, col, f"unknown value '{v}'; expected one of {', '.join(allowed)}", severity)
            canon = empty if severity == "doubt" else None
        out.append(canon)
    gdf[col] = pd.Series(out, index=gdf.index, dtype=object)


def _value_parts(value: str) -> list[str]:
    """The values of an OSM-style ``;``-joined list, trimmed and lower case (``"paved;Cobblestone"``)."""
    return [v.strip().lower() for v in str(value).split(";") if v.strip()]


def _surface_kind(value: str, hard: set[str], soft: set[str]) -> str:
    """``"hard"`` when every listed surface is hardened, ``"soft"`` when one is not, ``"unknown"`` else."""
    parts = _value_parts(value)
    if not parts or any(p not in hard and p not in soft for p in parts):
        return "unknown"
    return "hard" if all(p in hard for p in parts) else "soft"


def _class_kind(value: str, hard: set[str], soft: set[str], non_truck: set[str]) -> str:
    """``"non_truck"`` when any listed class is closed to trucks; else hard / soft / unknown like surfaces."""
    parts = _value_parts(value)
    if any(p in non_truck for p in parts):
        return "non_truck"
    return _surface_kind(value, hard, soft)


def _per_value(values: pd.Series, judge: Callable[[str], str]) -> np.ndarray:
    """``judge`` applied once per distinct value (``"none"`` for missing values)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([judge(str(u)) for u in uniques] + ["none"], dtype=object)
    return table[codes]


def _lower(values: set[str] | tuple[str, ...]) -> set[str]:
    return {v.strip().lower() for v in values}


def classify_roads(layer: Layer, config: Config) -> None:
    """Add ``hardened`` and ``collection_route`` columns to a roads layer from surface, grade or OSM highway.

    The surface value decides ``hardened`` when present; otherwise the grade / OSM ``highway`` class.
    OSM lists (``paved;cobblestone``) are hardened only when every part is. A road whose class is in
    ``config.non_truck_highways`` (steps, footway, …) is no collection route; with
    ``config.exclude_non_truck_roads`` it moves to ``layer.excluded`` and stays out of the road graph.
    Values in none of the tables are reported as notes (never blocking): the road is treated as not
    hardened and open to trucks.

    Parameters
    ----------
    layer : Layer
        A roads layer from :func:`read_layer`.
    config : Config
        Holds the value tables.

    Raises
    ------
    InputError
        When every road is closed to trucks and they are excluded from the graph.
    """
    gdf, where = layer.gdf, layer.where
    legacy = legacy_grade(gdf)
    if legacy is not None:
        gdf["grade"] = legacy
    has_highway = "highway" in gdf.columns
    surface = gdf["surface"] if "surface" in gdf.columns else pd.Series(None, index=gdf.index, dtype=object)
    grade = gdf["grade"] if "grade" in gdf.columns else pd.Series(None, index=gdf.index, dtype=object)
    klass = gdf["highway"].where(gdf["highway"].notna(), grade) if has_highway else grade
    hard_s, soft_s = _lower(config.hardened_surfaces), _lower(config.unhardened_surfaces)
    s_kind = _per_value(surface, lambda v: _surface_kind(v, hard_s, soft_s))
    hard_k, soft_k = _lower(config.hardened_highways), _lower(config.unhardened_highways)
    non_truck = _lower(config.non_truck_highways)
    k_kind = _per_value(klass, lambda v: _class_kind(v, hard_k, soft_k, non_truck))
    for idx in np.flatnonzero(s_kind == "unknown"):
        _add(layer, where, idx, "surface", f"unknown surface '{surface.iloc[idx]}' (treated as not hardened); "
             "add it to hardened_surfaces or unhardened_surfaces", severity="note")
    from_highway = gdf["highway"].notna().to_numpy() if has_highway else np.zeros(len(gdf), bool)
    for idx in np.flatnonzero(k_kind == "unknown"):
        _add(layer, where, idx, "highway" if from_highway[idx] else "grade",
             f"unknown road class '{klass.iloc[idx]}' (treated as open to trucks"
             f"{', not hardened' if s_kind[idx] == 'none' else ''}); add it to hardened_highways, "
             "unhardened_highways or non_truck_highways", severity="note")
    neither = (s_kind == "none") & (k_kind == "none")
    if neither.any():
        note = "no surface or grade; treated as not hardened"
        gdf.loc[neither, "issues"] = [f"{p}; {note}" if p else note for p in gdf.loc[neither, "issues"]]
    gdf["hardened"] = (s_kind == "hard") | ((s_kind == "none") & (k_kind == "hard"))
    gdf["collection_route"] = k_kind != "non_truck"
    _grade_roads(layer, config)
    if config.exclude_non_truck_roads:
        _exclude_non_truck(layer, klass)


def _grade_roads(layer: Layer, config: Config) -> None:
    """Add ``admin_class`` (行政等级), ``tech_grade`` (技术等级) and ``class3_road`` (三级 or better), with one note
    per inference and per unknown value (:mod:`.grades`).
    """
    gdf, where = layer.gdf, layer.where
    g = road_gradings(gdf, config.tech_grade_from_highway)
    for idx, fld, value in g.unknown:
        _add(layer, where, idx, fld, f"unknown value '{value}' (treated as unknown); expected one of "
             f"{', '.join(schema.TECH_GRADE_ORDER if fld == 'tech_grade' else dict.fromkeys(schema.ADMIN_CLASS_VALUES.values()))}",
             severity="note")
    if g.from_ref.any():
        layer.problems.append(Problem(**where, row=None, field="ref", severity="note", message=(
            f"行政等级由路线编号推断 admin_class inferred from the route number for {int(g.from_ref.sum())} road(s) "
            "(G→国道, S→省道, X→县道, Y→乡道, C→村道, Z→专用公路)")))
    if g.from_highway.any():
        layer.problems.append(Problem(**where, row=None, field="highway", severity="note", message=(
            f"技术等级由 OSM highway 推断（假设）tech_grade mapped from OSM highway for {int(g.from_highway.sum())} "
            "road(s) (tech_grade_from_highway: motorway→高速公路, trunk→一级, primary→二级, secondary→三级, "
            "tertiary→四级); OSM classes are not technical grades, check them")))
    gdf["admin_class"], gdf["tech_grade"], gdf["class3_road"] = g.admin_class, g.tech_grade, g.class3


def _exclude_non_truck(layer: Layer, klass: pd.Series) -> None:
    """Move the roads closed to trucks out of ``layer.gdf`` into ``layer.excluded``, with one note."""
    route = layer.gdf["collection_route"].to_numpy(bool)
    if route.all():
        return
    classes = sorted({str(v) for v in klass[~route]})
    if not route.any():
        raise InputError([Problem(**layer.where, row=None, field="highway", message=(
            f"every road is of a class closed to waste trucks ({', '.join(classes[:10])}); give the roads "
            "trucks use, or set exclude_non_truck_roads=false"))])
    layer.problems.append(Problem(**layer.where, row=None, field="highway", severity="note", message=(
        f"{int((~route).sum())} road(s) of classes closed to waste trucks ({', '.join(classes[:10])}) are kept "
        "in the roads output with collection_route false and left out of the road graph")))
    layer.excluded = layer.gdf[~route].reset_index(drop=True)
    layer.gdf = layer.gdf[route].reset_index(drop=True)


def with_excluded_roads(roads_out: gpd.GeoDataFrame, layer: Layer) -> gpd.GeoDataFrame:
    """The roads output with the roads left out of the graph added back, in source order.

    Those roads have ``collection_route`` false, no component (-1) and their ellipsoidal ``length_m``;
    rows rejected as bad are not added.
    """
    if layer.excluded is None or len(layer.excluded) == 0:
        return roads_out
    extra = layer.excluded[~layer.excluded["src_row"].isin(layer.bad_rows)].to_crs(roads_out.crs)
    lonlat = extra.geometry.to_crs(GEOGRAPHIC)
    extra = extra.assign(length_m=np.round([GEOD.geometry_length(g) for g in lonlat], 2), component_id=-1,
                         hardened_component_id=-1, on_island=False)
    both = pd.concat([roads_out, extra[[c for c in roads_out.columns if c in extra.columns]]], ignore_index=True)
    both = both.iloc[np.argsort(both["src_row"].to_numpy(), kind="stable")].reset_index(drop=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=roads_out.crs)


#: A point more than this many degrees outside the study area (the roads' extent) cannot be a village of it.
FAR_OUTSIDE_DEG = 10.0
#: Points within this many degrees of the roads' extent count as inside the study area.
NEAR_DEG = 1.0


def _lonlat(crs: object, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude of points given in ``crs``; NaN where they are off the planet."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        off = ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
        return np.where(off, np.nan, x), np.where(off, np.nan, y)
    from ..base.crs import to_lonlat

    with np.errstate(all="ignore"):
        lon, lat = to_lonlat(crs).transform(x, y, errcheck=False)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    off = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    return np.where(off, np.nan, lon), np.where(off, np.nan, lat)


def _study_box(roads: Layer) -> np.ndarray | None:
    """(west, south, east, north) of the usable roads in degrees, or None when they have no place on earth.

    The roads' bounding box is transformed along its densified outline (not every vertex: region-scale
    layers hold millions).
    """
    keep = ~roads.gdf["src_row"].isin(roads.bad_rows).to_numpy()
    geoms = np.asarray(roads.gdf.geometry.array)
    bounds = shapely.bounds(geoms if keep.all() else geoms[keep])  # without copying the layer
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if len(bounds) == 0:
        return None
    x0, y0 = bounds[:, :2].min(axis=0)
    x1, y1 = bounds[:, 2:].max(axis=0)
    outline = shapely.segmentize(shapely.box(x0, y0, x1, y1), max(x1 - x0, y1 - y0, 1e-9) / 32)
    coords = shapely.get_coordinates(outline)
    lon, lat = _lonlat(roads.gdf.crs, coords[:, 0], coords[:, 1])
    ok = np.isfinite(lon)
    if not ok.any():
        return None
    return np.array([lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max()])


def _check_road_coordinates(layer: Layer) -> None:
    """Roads in degrees with a vertex off the planet (latitude beyond ±90°, longitude beyond ±180°) are bad rows."""
    from pyproj import CRS

    gdf = layer.gdf
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).is_geographic:
        return
    coords, owner = shapely.get_coordinates(gdf.geometry.array, return_index=True)
    off = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    rows = np.unique(owner[off])
    if len(rows) and len(rows) == len(gdf):
        raise InputError([Problem(**layer.where, row=None, field="geometry", message=(
            "every road has a vertex off the planet (latitude beyond ±90° or longitude beyond ±180°): "
            "longitude and latitude swapped, or a wrong CRS?"))])
    for idx in rows:
        if int(gdf["src_row"].iat[idx]) not in layer.bad_rows:
            _add(layer, layer.where, idx, "geometry", "has a vertex off the planet (latitude beyond ±90° or "
                 "longitude beyond ±180°): longitude and latitude swapped, or a wrong CRS?")


def _outside_deg(box: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Degrees by which each point lies outside ``box`` (0 inside, NaN off the planet)."""
    dx = np.maximum(np.maximum(box[0] - lon, lon - box[2]), 0)
    dy = np.maximum(np.maximum(box[1] - lat, lat - box[3]), 0)
    return np.hypot(dx, dy)


def check_locations(layers: dict[str, Layer]) -> None:
    """Find points with x and y swapped, off the planet, or on another continent; correct or flag them.

    A point outside the study area (the roads' extent, :data:`NEAR_DEG` around it) that falls inside it
    once x and y are exchanged is corrected, with a note (one for the layer when every point was swapped,
    as happens with mislabelled longitude/latitude columns). A point with no place on earth, or more
    than :data:`FAR_OUTSIDE_DEG` degrees from the roads, is an error row. Points in between stay, and are
    later flagged ``far_from_road``.

    Parameters
    ----------
    layers : dict
        Kind → Layer, as read; ``roads`` gives the study area.

    Raises
    ------
    InputError
        When no point of a layer has a place in the study area (one line for the layer).
    """
    if "roads" in layers:
        _check_road_coordinates(layers["roads"])
    box = _study_box(layers["roads"]) if "roads" in layers else None
    for kind, layer in layers.items():
        if kind == "roads" or box is None:
            continue
        _check_points(layer, box)


def _check_points(layer: Layer, box: np.ndarray) -> None:
    gdf = layer.gdf
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    idx = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
                         & (shapely.get_type_id(geoms) == 0) & ~gdf["src_row"].isin(layer.bad_rows).to_numpy())
    if len(idx) == 0:
        return
    x, y = shapely.get_x(geoms[idx]), shapely.get_y(geoms[idx])
    here = _outside_deg(box, *_lonlat(gdf.crs, x, y))
    swapped = _outside_deg(box, *_lonlat(gdf.crs, y, x))
    fix = ~(here <= NEAR_DEG) & (swapped <= NEAR_DEG)
    bad = ~fix & ~(here <= FAR_OUTSIDE_DEG)
    if bad.all():
        raise InputError([Problem(**layer.where, row=None, field="geometry", message=(
            f"no point lies near the roads (longitude {box[0]:.2f}–{box[2]:.2f}, latitude {box[1]:.2f}–"
            f"{box[3]:.2f}), not even with x and y exchanged; check the coordinate columns and the CRS"))])
    if fix.all():
        layer.problems.append(Problem(**layer.where, row=None, field="geometry", severity="note", message=(
            "every point had x and y swapped (latitude given as longitude); corrected: check the column names")))
    for i in np.flatnonzero(fix):
        if not fix.all():
            _add(layer, layer.where, idx[i], "geometry", f"x and y swapped ({x[i]:.7g}, {y[i]:.7g}); corrected",
                 severity="note")
        geoms[idx[i]] = shapely.points(y[i], x[i])
    for i in np.flatnonzero(bad):
        what = "has no place on earth in the layer's CRS" if np.isnan(here[i]) else \
            f"lies {here[i]:.0f}° outside the roads' extent"
        _add(layer, layer.where, idx[i], "geometry", f"point ({x[i]:.7g}, {y[i]:.7g}) {what}; wrong coordinates?")
    if fix.any():
        gdf["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
