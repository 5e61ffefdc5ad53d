"""Read input layers and check them against the data contract (DESIGN.md §2).

Any OGR format is read with pyogrio; CSV/TXT and XLSX with lon/lat columns become points. Shapefile
attributes in GBK/GB18030 without a ``.cpg`` file are detected and decoded. Field names are matched to
the contract through :mod:`.schema` aliases. Problems are collected, never silently dropped: file-level
problems (missing file, empty layer, missing required field) are fatal; row-level problems either stop
the run (``on_bad_rows="fail"``) or send the row to the rejects table (``on_bad_rows="reject"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from . import files, schema, values
from ._errors import InputError, Problem
from .config import Config, LayerSpec

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "x", "东经")
LAT_NAMES = ("lat", "latitude", "纬度", "y", "北纬")


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
    """

    kind: str
    source: str
    gdf: gpd.GeoDataFrame
    where: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)


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
    return check_layer(raw, kind, str(spec.path), spec.layer, row_offset=row_offset)


def check_layer(
    raw: gpd.GeoDataFrame,
    kind: str,
    file: str,
    layer: str | None = None,
    row_offset: int = 0,
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
        raise InputError([
            Problem(**where, row=None, field=f,
                    message=f"required field '{f}' is missing (fields present: {present})")
            for f in missing
        ])
    if gdf.crs is None:
        gdf = _assume_geographic(gdf, where)
    gdf = gdf.reset_index(drop=True)
    gdf["src_row"] = np.arange(1, len(gdf) + 1) + row_offset
    gdf["issues"] = ""
    out = Layer(kind=kind, source=f"{file}:{layer}" if layer else file, gdf=gdf, where=where)
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
        return _read_table(path, where), 1
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError([Problem(**where, message=f"cannot be read as a GIS file ({_first_line(exc)})")]) from None
    names = [str(n) for n in layers[:, 0]]
    if spec.layer is not None and spec.layer not in names:
        raise InputError([Problem(**where, message=f"has no layer '{spec.layer}' (layers: {', '.join(names)})")])
    encoding = shapefile_encoding(path)
    try:
        gdf = pyogrio.read_dataframe(path, layer=spec.layer, encoding=encoding)
    except Exception as exc:
        raise InputError([Problem(**where, message=f"cannot be read ({_first_line(exc)})")]) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError([Problem(**where, message="has no geometry column")])
    return gdf, 0


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def shapefile_encoding(path: Path) -> str | None:
    """Detect GBK/GB18030 attributes in a Shapefile that has no ``.cpg`` file."""
    if path.suffix.lower() != ".shp":
        return None
    if any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((path.with_suffix(s) for s in (".dbf", ".DBF") if path.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(10)
    header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 0
    return {"utf-8": "UTF-8", "gb18030": "GB18030"}.get(str(files.sniff_encoding(dbf, offset=header_len)))


def read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV/TXT/TSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file into strings."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, engine="openpyxl")
    encoding = files.sniff_encoding(path)
    if encoding is None:
        raise ValueError("neither UTF-8 nor GB18030 text")
    text = path.read_bytes().decode("gb18030" if encoding == "gb18030" else "utf-8-sig")
    import io as _io

    sep = "\t" if suffix == ".tsv" or ("\t" in text.splitlines()[0] if text else False) else ","
    return pd.read_csv(_io.StringIO(text), dtype=str, sep=sep, keep_default_na=False, na_values=[""])


def _read_table(path: Path, where: dict) -> gpd.GeoDataFrame:
    try:
        df = read_text_table(path)
    except Exception as exc:
        raise InputError([Problem(**where, message=f"cannot be read as a table ({_first_line(exc)})")]) from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    lon = next((cols[n] for n in LON_NAMES if n in cols), None)
    lat = next((cols[n] for n in LAT_NAMES if n in cols), None)
    if lon is None or lat is None:
        raise InputError([Problem(**where, message=(
            "is a table without coordinates: add longitude/latitude columns (经度/纬度, lon/lat) "
            "in decimal degrees, or give a GIS file (GeoPackage, Shapefile, GeoJSON)"))])
    x = pd.to_numeric(df[lon], errors="coerce")
    y = pd.to_numeric(df[lat], errors="coerce")
    geom = shapely.points(x.to_numpy(float), y.to_numpy(float))
    geom[x.isna().to_numpy() | y.isna().to_numpy()] = None
    return gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=geom, crs="EPSG:4326")


def _canonical_columns(raw: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    wanted = set(schema.REQUIRED[kind]) | set(schema.OPTIONAL[kind])
    rename: dict[str, str] = {}
    taken = {str(c).strip().lower() for c in raw.columns if str(c).strip().lower() in wanted}
    for col in raw.columns:
        key = str(col).strip().lower()
        target = key if key in wanted else schema.ALIASES.get(key) or schema.ALIASES.get(str(col).strip())
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
    coords, owner = shapely.get_coordinates(geoms[ok], return_index=True)
    bad_coord = np.zeros(ok.sum(), bool)
    np.logical_or.at(bad_coord, owner, ~np.all(np.isfinite(coords), axis=1))
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
    invalid = np.flatnonzero(poly & ~shapely.is_valid(geoms))
    for idx in invalid:
        _add(layer, where, idx, "geometry", f"invalid polygon repaired ({shapely.is_valid_reason(geoms[idx])})",
             severity="note")
        geoms[idx] = shapely.make_valid(geoms[idx])
    gdf["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)


def _explode_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split MultiLineStrings into their parts (``src_row`` keeps pointing at the source feature)."""
    if not (shapely.get_type_id(gdf.geometry.array) == 5).any():
        return gdf
    return gdf.explode(index_parts=False).reset_index(drop=True)


def _check_values(layer: Layer, where: dict) -> None:
    gdf, kind = layer.gdf, layer.kind
    for col in ("village_code", "county_code", "town_code", "admin_village_code", "name", "surface",
                "grade", "highway", "village_class", "facility_type", "green_mine_level", "mineral", "status",
                "zone"):
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
    _check_choice(layer, where, "village_class", schema.VILLAGE_CLASS_VALUES, empty="未分类")
    _check_sanitary_toilets(layer, where)
    if "population" not in gdf.columns and "resident_population" in gdf.columns:
        gdf["population"] = gdf["resident_population"]  # 常住人口 is the only population given


def _check_number(layer: Layer, where: dict, col: str) -> None:
    gdf = layer.gdf
    raw = gdf[col]
    num = pd.to_numeric(raw, errors="coerce")
    text = raw.astype(str).str.strip()
    blank = raw.isna() | text.isin(["", "nan", "None", "<NA>"])
    for idx in np.flatnonzero((num.isna() & ~blank).to_numpy()):
        _add(layer, where, idx, col, f"'{raw.iloc[idx]}' is not a number")
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


def classify_roads(layer: Layer, config: Config) -> None:
    """Add a boolean ``hardened`` column to a roads layer from surface, grade or OSM highway.

    The surface value decides when present; otherwise the grade / OSM ``highway`` class. A value in none
    of the configured tables is a problem (reported; the road is treated as not hardened), and a road
    with no value at all is not hardened, noted in its ``issues``.

    Parameters
    ----------
    layer : Layer
        A roads layer from :func:`read_layer`.
    config : Config
        Holds the value tables.
    """
    gdf = layer.gdf
    where = layer.where
    n = len(gdf)

    def norm(col: str) -> pd.Series:
        if col not in gdf.columns:
            return pd.Series([None] * n, index=gdf.index, dtype=object)
        return gdf[col].astype("string").str.strip().str.lower().astype(object).where(gdf[col].notna(), None)

    surface = norm("surface")
    klass = norm("highway").fillna(norm("grade")) if "highway" in gdf.columns else norm("grade")
    hard_s = surface.isin({v.lower() for v in config.hardened_surfaces})
    soft_s = surface.isin({v.lower() for v in config.unhardened_surfaces})
    hard_k = klass.isin({v.lower() for v in config.hardened_highways})
    soft_k = klass.isin({v.lower() for v in config.unhardened_highways})
    has_s, has_k = surface.notna(), klass.notna()
    hardened = (hard_s | (~has_s & hard_k)).to_numpy(bool)
    raw_k = gdf["highway"].fillna(gdf["grade"]) if {"highway", "grade"} <= set(gdf.columns) else \
        gdf.get("highway", gdf.get("grade"))
    for idx in np.flatnonzero((has_s & ~hard_s & ~soft_s).to_numpy()):
        _add(layer, where, idx, "surface",
             f"unknown surface '{gdf['surface'].iloc[idx]}' (treated as not hardened); add it to hardened_surfaces "
             "or unhardened_surfaces", severity="doubt")
    for idx in np.flatnonzero((~has_s & has_k & ~hard_k & ~soft_k).to_numpy()):
        _add(layer, where, idx, "grade", f"unknown road class '{raw_k.iloc[idx]}' and no surface "
             "(treated as not hardened)", severity="doubt")
    neither = (~has_s & ~has_k).to_numpy()
    if neither.any():
        note = "no surface or grade; treated as not hardened"
        gdf.loc[neither, "issues"] = [f"{p}; {note}" if p else note for p in gdf.loc[neither, "issues"]]
    gdf["hardened"] = hardened
