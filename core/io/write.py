"""Write results atomically: results.gpkg, summary.json and report.xlsx (DESIGN.md §4).

Everything is written into a temporary folder beside the destination and moved into place only when
all files are complete, so a failed or cancelled run leaves the previous outputs as they were.
"""
from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..base import glossary, schema
from ..base.contract import (
    CODED_COLUMNS,
    INDICATOR_COLUMNS,
    ROADS_WASTE_INDICATOR_COLUMNS,
    SANITATION_INDICATOR_COLUMNS,
    UNREACHABLE_COLUMNS,
    headers,
)

HEADERS = headers(INDICATOR_COLUMNS + SANITATION_INDICATOR_COLUMNS + ROADS_WASTE_INDICATOR_COLUMNS + UNREACHABLE_COLUMNS)

GPKG_LAYERS = ("villages", "roads", "facilities", "counties", "towns", "mines", "unreachable", "rejects")


def write_gpkg(layers: dict[str, pd.DataFrame], path: Path, index_max_features: int = 500_000,
               ready: Mapping[str, Path] | None = None) -> None:
    """Write several layers into one new GeoPackage at ``path`` (which must not exist yet).

    Layers with more than ``index_max_features`` features are written without an R-tree spatial index
    (building it is most of the write time at region scale; QGIS can add one later: Layer Properties →
    Source → Create Spatial Index). GDAL creates every table; the rows of layers with at least
    :data:`BULK_MIN_ROWS` features go in by :func:`append_rows`, or are copied by :func:`copy_rows` from
    ``ready[name]``, a GeoPackage this function wrote earlier with that same frame alone (when it has the
    same table; else they are written here).

    Raises
    ------
    OSError
        When GDAL cannot write (e.g. the disk is full), so the atomic writer reports it as such.
    """
    for name, df in layers.items():
        if df is None:
            continue
        df = _plain_columns(df)
        try:
            if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
                _write_features(df, path, name, len(df) <= index_max_features, (ready or {}).get(name))
            else:
                pyogrio.write_dataframe(pd.DataFrame(df), path, layer=name, driver="GPKG", append=path.exists())
        except (pyogrio.errors.DataSourceError, sqlite3.Error) as exc:  # GDAL or SQLite report a failed write
            raise OSError(f"layer {name}: {exc}") from exc


def _write_features(gdf: gpd.GeoDataFrame, path: Path, name: str, index: bool, ready: Path | None = None) -> None:
    geoms = np.asarray(gdf.geometry.array)
    bulk = len(geoms) >= max(BULK_MIN_ROWS, 1) and not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any() \
        and not shapely.has_z(geoms).any() and all(_plain_values(gdf[c]) for c in gdf.columns
                                                   if c != gdf.geometry.name)
    options = {"SPATIAL_INDEX": "YES" if index else "NO"}
    if not bulk:
        pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", append=path.exists(), layer_options=options)
        return
    kinds = np.unique(shapely.get_type_id(geoms))
    pyogrio.write_dataframe(gdf.iloc[:0], path, layer=name, driver="GPKG", append=path.exists(),
                            geometry_type=GEOMETRY_TYPES.get(int(kinds[0]), "Unknown") if len(kinds) == 1
                            else "Unknown", layer_options=options)
    if ready is None or not copy_rows(ready, path, name, len(gdf)):
        append_rows(path, name, gdf, clean_text=True)


#: Layers with at least this many features get their rows through SQLite in bulk (:func:`append_rows`).
BULK_MIN_ROWS = 10_000


#: shapely geometry type id → the GeoPackage geometry type name.
GEOMETRY_TYPES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}


#: Rows turned into Python values and inserted at a time by :func:`append_rows`.
BULK_ROWS = 65_536


def append_rows(path: Path, table: str, gdf: gpd.GeoDataFrame, clean_text: bool = False) -> None:
    """Insert every row of ``gdf`` into the empty feature table GDAL created for it, through SQLite.

    GDAL's GeoPackage writer handles one feature at a time (about 7 µs each): a million roads take longer
    than the rest of the run's output. Here the geometries become GeoPackage blobs in bulk (the standard
    header: magic ``GP``, version 0, little-endian with an [minx, maxx, miny, maxy] envelope, the layer's
    ``srs_id``; then ISO WKB) and the rows go in as one transaction. The table, its columns and types,
    ``gpkg_contents`` and ``gpkg_geometry_columns`` are GDAL's own; the layer's extent and feature count are
    set afterwards, and GDAL's triggers (feature count, R-tree) are lifted for the insert and put back as they
    were; a layer GDAL gave an R-tree spatial index gets its rows' bounds in it.
    Only 2-D geometries that are neither missing nor empty (the caller checks). With ``clean_text`` every
    missing value of a text (object) column is already None, as :func:`_plain_columns` leaves them.
    """
    con = sqlite3.connect(path, isolation_level=None)
    try:
        (geom_col, srs_id), = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns "
                                          "WHERE table_name = ?", (table,)).fetchall()
        info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
        fid_col = next(row[1] for row in info if row[5])  # the primary key
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        names = ", ".join(f'"{c}"' for c in [fid_col, geom_col, *cols])
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * (len(cols) + 2))})'
        triggers = _lift_triggers(con, table)
        geoms = np.asarray(gdf.geometry.array)
        b = shapely.bounds(geoms)  # the blobs' envelopes, the R-tree and the layer's extent
        columns = [_sql_column(gdf[c], clean_text) for c in cols]  # each column's array, without the geometries
        for start in range(0, len(gdf), BULK_ROWS):  # in slices: the Python values of a slice at a time
            rows = slice(start, start + BULK_ROWS)
            values = [np.arange(start + 1, start + len(geoms[rows]) + 1).tolist(), _blobs(geoms[rows], b[rows], srs_id),
                      *(col[rows].tolist() for col in columns)]
            con.executemany(insert, zip(*values, strict=True))
        rtree = f"rtree_{table}_{geom_col}"  # GDAL made it when it registered the layer's spatial index
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (rtree,)).fetchall():
            # GDAL's triggers would fill it row by row (with its own SQL functions): fill it here
            con.executemany(f'INSERT INTO "{rtree}" VALUES (?, ?, ?, ?, ?)',
                            zip(range(1, len(gdf) + 1), b[:, 0].tolist(), b[:, 2].tolist(), b[:, 1].tolist(),
                                b[:, 3].tolist(), strict=True))
        for _, sql in triggers:
            con.execute(sql)
        x0, y0 = b[:, 0].min(), b[:, 1].min()
        x1, y1 = b[:, 2].max(), b[:, 3].max()
        con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
                    "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?",
                    (float(x0), float(y0), float(x1), float(y1), table))
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE table_name = ?", (len(gdf), table))
        con.execute("COMMIT")
    finally:
        con.close()


def copy_rows(source: Path, path: Path, table: str, n_rows: int) -> bool:
    """Copy every row of ``table`` from the GeoPackage ``source`` into the empty table of the same name GDAL
    created in ``path``; False, with ``path`` unchanged, when ``source`` does not hold that table as
    :func:`write_gpkg` would have written it here (not ``n_rows`` rows, other columns or types, another
    spatial reference, an R-tree index in one file only).

    The rows, the R-tree's entries, the layer's extent and feature count are copied inside SQLite (a
    million roads in well under a second, against several for :func:`append_rows`); GDAL's triggers on the
    table are lifted for the copy and put back as they were, as there.
    """
    if not Path(source).is_file():  # attaching a missing file would create it
        return False
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("ATTACH DATABASE ? AS ahead", (str(source),))
        if not _same_table(con, table, n_rows):
            return False
        (geom_col,), = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                   (table,)).fetchall()
        rtree = f"rtree_{table}_{geom_col}"
        triggers = _lift_triggers(con, table)
        con.execute(f'INSERT INTO main."{table}" SELECT * FROM ahead."{table}"')
        if con.execute("SELECT 1 FROM main.sqlite_master WHERE name = ?", (rtree,)).fetchall():
            con.execute(f'INSERT INTO main."{rtree}" SELECT * FROM ahead."{rtree}" ORDER BY id')  # as built there
        for _, sql in triggers:
            con.execute(sql)
        con.execute("UPDATE main.gpkg_contents SET (min_x, min_y, max_x, max_y, last_change) = "
                    "(SELECT min_x, min_y, max_x, max_y, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    " FROM ahead.gpkg_contents WHERE table_name = ?) WHERE table_name = ?", (table, table))
        con.execute("UPDATE main.gpkg_ogr_contents SET feature_count = ? WHERE table_name = ?", (n_rows, table))
        con.execute("COMMIT")
        return True
    except sqlite3.Error:
        if con.in_transaction:
            con.execute("ROLLBACK")
        return False
    finally:
        con.close()


def _lift_triggers(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """Begin a transaction without syncing and drop GDAL's triggers on ``main.table`` (they would update the
    feature count and the R-tree row by row); return their names and SQL, to be run again before the commit.
    """
    triggers = con.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                           (table,)).fetchall()
    con.execute("PRAGMA main.synchronous = OFF")
    con.execute("BEGIN")
    for trigger, _ in triggers:
        con.execute(f'DROP TRIGGER main."{trigger}"')
    return triggers


def _same_table(con: sqlite3.Connection, table: str, n_rows: int) -> bool:
    """Whether ``ahead.table`` has ``n_rows`` rows and the columns, types, spatial reference and R-tree of
    ``main.table`` (then ``INSERT … SELECT *`` copies it as it is).
    """
    def shape(db: str) -> tuple:
        cols = con.execute(f'PRAGMA {db}.table_info("{table}")').fetchall()
        geom = con.execute(f"SELECT g.column_name, g.geometry_type_name, g.srs_id, s.definition "  # the blobs hold srs_id
                           f"FROM {db}.gpkg_geometry_columns g JOIN {db}.gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                           "WHERE g.table_name = ?", (table,)).fetchall()
        rtree = con.execute(f"SELECT name FROM {db}.sqlite_master WHERE name LIKE ?", (f"rtree_{table}_%",)).fetchall()
        return cols, geom, sorted(rtree)

    if not con.execute("SELECT 1 FROM ahead.sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchall():
        return False
    if shape("main") != shape("ahead"):
        return False
    (count,), = con.execute(f'SELECT count(*) FROM ahead."{table}"').fetchall()
    return count == n_rows


def _blobs(geoms: np.ndarray, bounds: np.ndarray, srs_id: int) -> list[bytes]:
    """GeoPackage geometry blobs: the 40-byte header with the envelope (from shapely ``bounds``), then ISO WKB
    (little-endian).
    """
    head = _blob_headers(bounds, srs_id)
    simple = _simple_blobs(geoms, head)
    if simple is not None:
        return simple
    raw = head.tobytes()
    wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    size = head.itemsize
    return [raw[i:i + size] + w for i, w in zip(range(0, size * len(geoms), size), wkb, strict=True)]


def _blob_headers(bounds: np.ndarray, srs_id: int) -> np.ndarray:
    """The 40-byte GeoPackage header of each blob: magic ``GP``, version 0, little-endian with an xy envelope."""
    head = np.zeros(len(bounds), dtype=[("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"),
                                        ("envelope", "<f8", (4,))])
    head["magic"], head["flags"], head["srs_id"] = b"GP", 0b0000_0011, srs_id  # little-endian, xy envelope
    head["envelope"] = bounds[:, [0, 2, 1, 3]]
    return head


def _simple_blobs(geoms: np.ndarray, head: np.ndarray) -> list[bytes] | None:
    """The blobs of a layer of 2-D points or of 2-D LineStrings, their WKB laid out by numpy (None for other
    layers).

    Geometries with the same number of vertices share one record layout (header, byte order, type, vertex
    count, coordinates), so each such group becomes one array whose bytes are cut into the blobs: the same
    bytes as the header followed by ``shapely.to_wkb(…, byte_order=1, flavor="iso")``, without a WKB object
    per row (a region's roads are a million rows).
    """
    kinds = shapely.get_type_id(geoms)
    if len(geoms) == 0 or not ((kinds == 0).all() or (kinds == 1).all()):
        return None
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(owner, minlength=len(geoms))
    first = np.r_[0, np.cumsum(counts)[:-1]]
    point = bool(kinds[0] == 0)
    out: list[bytes] = [b""] * len(geoms)
    for k in np.unique(counts).tolist():
        rows = np.flatnonzero(counts == k)
        fields = [("head", head.dtype), ("order", "u1"), ("type", "<u4")]
        rec = np.zeros(len(rows), dtype=fields + ([] if point else [("n", "<u4")]) + [("xy", "<f8", (k, 2))])
        rec["head"], rec["order"], rec["type"] = head[rows], 1, 1 if point else 2
        if not point:
            rec["n"] = k
        rec["xy"] = xy[first[rows][:, None] + np.arange(k)]
        raw, size = rec.tobytes(), rec.itemsize
        cut = [raw[at:at + size] for at in range(0, size * len(rows), size)]
        if len(rows) == len(geoms):
            return cut
        for i, blob in zip(rows.tolist(), cut, strict=True):
            out[i] = blob
    return out


def _plain_values(s: pd.Series) -> bool:
    """Whether a column's values bind to SQLite as GDAL would store them: numbers, booleans, text or nulls."""
    if s.dtype.kind in "biuf":
        return True
    return s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def _sql_column(s: pd.Series, clean_text: bool = False) -> np.ndarray:
    """A column as an array whose ``tolist()`` gives the values SQLite binds: booleans as 0/1, missing values as
    None (``clean_text``: an object column's missing values are None already).
    """
    if s.dtype == bool:
        return s.to_numpy().astype(np.int8)
    if isinstance(s.dtype, pd.BooleanDtype):
        return np.array([None if v is pd.NA else int(v) for v in s.to_numpy(object)], dtype=object)
    values = s.to_numpy(object if s.dtype == object else None)
    if clean_text and s.dtype == object:
        return values
    missing = s.isna().to_numpy()
    if missing.any():
        values = values.astype(object)
        values[missing] = None
    return values


def _plain_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Columns GeoPackage can store: missing values as null (NaN and inf in numbers, None in text), and
    yes/no columns with missing values (an object column of booleans) as nullable booleans, which GDAL
    writes as a BOOLEAN field rather than the text "True"/"False".

    Only the columns that need it are replaced; the frame (and its geometries) is not copied when none do.
    """
    geom = getattr(df, "_geometry_column_name", None)
    fixed = {}
    for col in df.columns:
        if col == geom:
            continue
        s = df[col]
        if s.dtype == object:
            missing = s.isna().to_numpy()
            present = s.to_numpy(object)[~missing]
            if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
                fixed[col] = s.astype("boolean")
            elif missing.any():
                fixed[col] = s.where(~missing, None)
        elif np.issubdtype(s.dtype, np.floating):
            bad = np.isinf(s.to_numpy())
            if bad.any():
                fixed[col] = s.where(~bad, np.nan)
    if not fixed:
        return df
    out = df.copy(deep=False)  # the new columns replace the old ones in the copy only, without copying the others
    for col, values in fixed.items():
        out[col] = values
    return out


def write_report(tables: dict[str, pd.DataFrame], path: Path,
                 sheet_headers: dict[str, dict[str, tuple[str, str]]] | None = None) -> None:
    """Write ``report.xlsx``: one sheet per table, a Chinese header row above an English one.

    Headers come from the output contract; ``sheet_headers`` overrides them for the named sheets; an input field
    passed through is headed by its Chinese alias. Values of :data:`CODED_COLUMNS` are written in the glossary's
    Chinese words.
    """
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet, df in tables.items():
        ws = wb.create_sheet(sheet[:31])
        cols = list(df.columns)
        known = (sheet_headers or {}).get(sheet, HEADERS)
        for j, col in enumerate(cols, start=1):
            zh, en = known.get(col) or _input_header(col)
            for r, text in ((1, zh), (2, en)):
                cell = ws.cell(row=r, column=j, value=text)
                cell.font, cell.fill = bold, fill
            ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(zh)) * 2 + 2))
        coded = [col in CODED_COLUMNS for col in cols]
        for i, row in enumerate(df.itertuples(index=False), start=3):
            for j, value in enumerate(row, start=1):
                ws.cell(row=i, column=j, value=_cell(glossary.value(value) if coded[j - 1] else value))
        ws.freeze_panes = "A3"
    wb.save(path)


def _input_header(col: str) -> tuple[str, str]:
    """(Chinese, English) header of a column the output contract does not declare: an input field passed
    through, named by its first Chinese alias in the input contract (the name itself when it has none).
    """
    zh = next((alias for alias, name in schema.ALIASES.items() if name == col and not alias.isascii()), col)
    return zh, col


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return "是" if value else "否"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    return str(value) if not isinstance(value, (int, str)) else value


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (Path,)):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def clean_json(value: object) -> object:
    """Replace NaN/inf floats by None recursively (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(float(value)):
        return None
    return value


def write_json(data: dict, path: Path) -> None:
    """Write ``data`` as UTF-8 JSON (NaN → null)."""
    path.write_text(json.dumps(clean_json(data), ensure_ascii=False, indent=2, default=_json_default),
                    encoding="utf-8")
