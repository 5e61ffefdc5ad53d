"""Write results atomically: results.gpkg, summary.json and report.xlsx (DESIGN.md §4).

Everything is written into a temporary folder beside the destination and moved into place only when
all files are complete, so a failed or cancelled run leaves the previous outputs as they were.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .contract import INDICATOR_COLUMNS, SANITATION_INDICATOR_COLUMNS, UNREACHABLE_COLUMNS, headers

HEADERS = headers(INDICATOR_COLUMNS + SANITATION_INDICATOR_COLUMNS + UNREACHABLE_COLUMNS)

GPKG_LAYERS = ("villages", "roads", "facilities", "counties", "towns", "mines", "unreachable", "rejects")


def write_gpkg(layers: dict[str, pd.DataFrame], path: Path, index_max_features: int = 500_000) -> None:
    """Write several layers into one new GeoPackage at ``path`` (which must not exist yet).

    Layers with more than ``index_max_features`` features are written without an R-tree spatial index
    (building it is most of the write time at region scale; QGIS can add one later: Layer Properties →
    Source → Create Spatial Index).

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
                index = "YES" if len(df) <= index_max_features else "NO"
                pyogrio.write_dataframe(df, path, layer=name, driver="GPKG", append=path.exists(),
                                        layer_options={"SPATIAL_INDEX": index})
            else:
                pyogrio.write_dataframe(pd.DataFrame(df), path, layer=name, driver="GPKG", append=path.exists())
        except pyogrio.errors.DataSourceError as exc:  # GDAL reports a failed write (disk full) so
            raise OSError(f"layer {name}: {exc}") from exc


def _plain_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Columns GeoPackage can store: missing values as null (NaN and inf in numbers, None in text).

    Only the columns that hold such values are replaced; the frame (and its geometries) is not copied
    when none do.
    """
    geom = getattr(df, "_geometry_column_name", None)
    fixed = {}
    for col in df.columns:
        if col == geom:
            continue
        s = df[col]
        if s.dtype == object:
            missing = s.isna().to_numpy()
            if missing.any():
                fixed[col] = s.where(~missing, None)
        elif np.issubdtype(s.dtype, np.floating):
            bad = np.isinf(s.to_numpy())
            if bad.any():
                fixed[col] = s.where(~bad, np.nan)
    return df.assign(**fixed) if fixed else df


def write_report(tables: dict[str, pd.DataFrame], path: Path,
                 sheet_headers: dict[str, dict[str, tuple[str, str]]] | None = None) -> None:
    """Write ``report.xlsx``: one sheet per table, a Chinese header row above an English one.

    Headers come from the output contract; ``sheet_headers`` overrides them for the named sheets.
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
            zh, en = known.get(col, (col, col))
            for r, text in ((1, zh), (2, en)):
                cell = ws.cell(row=r, column=j, value=text)
                cell.font, cell.fill = bold, fill
            ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(zh)) * 2 + 2))
        for i, row in enumerate(df.itertuples(index=False), start=3):
            for j, value in enumerate(row, start=1):
                ws.cell(row=i, column=j, value=_cell(value))
        ws.freeze_panes = "A3"
    wb.save(path)


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
