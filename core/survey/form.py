"""``write_form``: the village status form for field teams — form.gpkg, form.qgz, form.xlsx and form.kml.

One row per village of the chosen area with its current values (read-only) and empty observation fields
(see :mod:`._fields`). The allowed values are declared inside the GeoPackage (``gpkg_data_columns`` with
Chinese titles, ``gpkg_data_column_constraints`` enums and ranges) so any GIS shows them; form.qgz is a
QGIS project over form.gpkg (relative path) with drop-downs, ranges and read-only current values that
QField opens offline; form.xlsx serves teams without QField; form.kml shows the villages in 奥维 or a phone
map app.
"""
from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..base import glossary
from ..base.files import write_atomically
from ._fields import (
    ALL_FIELDS,
    CURRENT_FIELDS,
    EARLIEST_DATE,
    FORM_LAYER,
    MAX_OF,
    META_FIELDS,
    OBS_FIELDS,
    YES_NO,
    FormField,
    surface_vocabulary,
)
from ._qgs import project_xml
from .safety import refuse
from .villages import VILLAGES_LAYER, load_villages

FORM_FILES = ("form.gpkg", "form.qgz", "form.xlsx", "form.kml")


@dataclass
class FormReport:
    """What :func:`write_form` wrote.

    Attributes
    ----------
    out_dir : Path
    villages : int
        Rows of the form.
    area : str
        The area chosen (``全部 all``, ``旗县 150622`` …).
    surfaces : tuple of str
        The road surface values offered.
    """

    out_dir: Path
    villages: int
    area: str
    surfaces: tuple[str, ...]

    def lines(self) -> list[str]:
        """Human-readable summary, Chinese first."""
        files = "、".join(FORM_FILES)
        return [f"调查表已写出 form written: {self.out_dir} ({files})",
                f"  {self.area}: {self.villages}个{glossary.zh('village')} villages; "
                f"路面类型{len(self.surfaces)}种 road surface values {len(self.surfaces)}"]


def write_form(results: str | Path, out_dir: str | Path, county: str | None = None, town: str | None = None
               ) -> FormReport:
    """Write the village status form for the villages of RESULTS.gpkg (optionally one county or township).

    Parameters
    ----------
    results : path
        A results.gpkg written by ``ruralenv run``.
    out_dir : path
        Folder receiving form.gpkg, form.qgz, form.xlsx and form.kml (written atomically).
    county, town : str, optional
        Keep only villages of this county code or township code.

    Returns
    -------
    FormReport

    Raises
    ------
    InputError
        When RESULTS.gpkg is unusable or the area holds no village.
    """
    results, out_dir = Path(results), Path(out_dir)
    load_villages(results)  # the same checks (layer, fields, CRS) as the survey import
    gdf = form_frame(results, county, town)
    surfaces = surface_vocabulary(results)
    area = " ".join(filter(None, [f"旗县 county {county}" if county else "", f"苏木乡镇 town {town}" if town else ""]))
    write_atomically(out_dir, {
        "form.gpkg": lambda p: write_form_gpkg(gdf, p, surfaces),
        "form.qgz": lambda p: _write_qgz(gdf, p, surfaces),
        "form.xlsx": lambda p: _write_xlsx(gdf, p, surfaces),
        "form.kml": lambda p: _write_kml(gdf, p),
    })
    return FormReport(out_dir, len(gdf), area or "全部 all", surfaces)


def form_frame(results: Path, county: str | None = None, town: str | None = None) -> gpd.GeoDataFrame:
    """The form's rows: current values of the villages of the area (WGS 84) and empty observation fields."""
    info = pyogrio.read_info(results, layer=VILLAGES_LAYER)
    have = set(info["fields"])
    wanted = [f.name for f in CURRENT_FIELDS if f.name in have] + [c for c in ("county_code",) if c in have]
    v = pyogrio.read_dataframe(results, layer=VILLAGES_LAYER, columns=wanted)
    v = v[~(v.geometry.isna() | v.geometry.is_empty)]
    for flag, col in ((county, "county_code"), (town, "town_code")):
        if flag:
            if col not in v:
                raise refuse(results, f"村庄图层没有 {col} 字段 villages layer has no {col}; cannot choose {col} {flag}")
            v = v[v[col].astype(str).str.strip() == str(flag).strip()]
    if v.empty:
        raise refuse(results, f"所选范围内没有村庄 no village in the chosen area (county {county or 'any'}, town {town or 'any'})")
    v = v.to_crs(4326) if v.crs is not None else v.set_crs(4326)
    out = pd.DataFrame(index=v.index)
    for f in CURRENT_FIELDS:
        col = v[f.name] if f.name in v else pd.Series(None, index=v.index, dtype=object)
        out[f.name] = _current(col, f)
    for f in OBS_FIELDS + META_FIELDS:
        out[f.name] = pd.array([None] * len(v), dtype="Int64") if f.kind == "count" else \
            pd.Series(None, index=v.index, dtype=object)
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=v.geometry.to_numpy(), crs=4326)


def _current(col: pd.Series, f: FormField) -> pd.Series | pd.api.extensions.ExtensionArray:
    if f.kind == "count":
        return pd.array(np.round(pd.to_numeric(col, errors="coerce")), dtype="Int64")
    if f.kind == "yes_no":
        return col.map(lambda b: None if b is None or pd.isna(b) else (YES_NO[0] if bool(b) else YES_NO[1]))
    if f.name == "collection_model":  # the plan's term, not the program's code
        return col.map(lambda s: None if s is None or pd.isna(s) else glossary.TERMS[s].zh if s in glossary.TERMS
                       else str(s)).astype(object)
    return col.map(lambda s: None if s is None or pd.isna(s) else str(s)).astype(object)


# --- form.gpkg ------------------------------------------------------------------------------------


def write_form_gpkg(gdf: gpd.GeoDataFrame, path: Path, surfaces: tuple[str, ...]) -> None:
    """Write the form layer and declare its titles and allowed values in the GeoPackage's schema tables."""
    pyogrio.write_dataframe(gdf, path, layer=FORM_LAYER, driver="GPKG")
    rows, constraints = schema_rows(surfaces)
    db = sqlite3.connect(path)
    try:
        _declare(db, rows, constraints)
    finally:
        db.close()


def _declare(db: sqlite3.Connection, rows: list[tuple], constraints: list[tuple]) -> None:
    with db:
        db.executescript(_SCHEMA_SQL)
        db.executemany("INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value, min, "
                       "min_is_inclusive, max, max_is_inclusive, description) VALUES (?,?,?,?,?,?,?,?)", constraints)
        db.executemany("INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description, mime_type, "
                       "constraint_name) VALUES (?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, definition, "
                       "scope) VALUES (?, NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', "
                       "'read-write')", [("gpkg_data_columns",), ("gpkg_data_column_constraints",)])


_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL,
  value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT,
  title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
"""


def constraint_name(f: FormField) -> str | None:
    """Name of the ``gpkg_data_column_constraints`` entry of a field (None when unconstrained)."""
    if f.kind == "yes_no":
        return "yes_no"
    if f.kind == "surface":
        return "road_surface"
    if f.kind == "count":
        return f"range_{f.target or f.name}"
    if f.kind == "date":
        return "iso_date"
    return None


def schema_rows(surfaces: tuple[str, ...]) -> tuple[list[tuple], list[tuple]]:
    """Rows of ``gpkg_data_columns`` and ``gpkg_data_column_constraints`` for the form layer."""
    constraints: list[tuple] = [("yes_no", "enum", v, None, None, None, None, d)
                                for v, d in zip(YES_NO, ("是 yes", "否 no"), strict=True)]
    constraints += [("road_surface", "enum", s, None, None, None, None, "路面类型 road surface") for s in surfaces]
    for target, top in MAX_OF.items():
        constraints.append((f"range_{target}", "range", None, 0, 1, top, 1, "非负整数 whole number ≥ 0"))
    constraints.append(("iso_date", "glob", "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]", None, None, None, None,
                        f"日期 YYYY-MM-DD，不早于{EARLIEST_DATE} date, not before {EARLIEST_DATE}"))
    rows = [(FORM_LAYER, f.name, f.zh, f.title, _describe(f), None, constraint_name(f)) for f in ALL_FIELDS]
    return rows, constraints


def _describe(f: FormField) -> str:
    if f.target:
        return f"调查值，改写 villages.{f.target}；现值见 {f.current} observed value, replaces villages.{f.target}"
    if f in META_FIELDS:
        return f"{f.zh} {f.en}"
    return f"现值（只读） current value (read-only): {f.en}"


# --- form.qgz -------------------------------------------------------------------------------------


def _write_qgz(gdf: gpd.GeoDataFrame, path: Path, surfaces: tuple[str, ...]) -> None:
    xml = project_xml(gdf, surfaces, "./form.gpkg", FORM_LAYER)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("form.qgs", xml)


# --- form.xlsx ------------------------------------------------------------------------------------

_LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
_OPEN_FILL = PatternFill("solid", fgColor="FFF7D6")


def _write_xlsx(gdf: gpd.GeoDataFrame, path: Path, surfaces: tuple[str, ...]) -> None:
    """The form as a protected workbook, streamed (write-only: 10,000 villages in a few seconds)."""
    wb = Workbook(write_only=True)
    styles = {"header": NamedStyle("form_header", font=Font(bold=True), fill=_LOCKED_FILL),
              "open": NamedStyle("form_open", fill=_OPEN_FILL, protection=Protection(locked=False))}
    for style in styles.values():
        wb.add_named_style(style)
    _notes_sheet(wb, surfaces)
    ws = wb.create_sheet("调查表 form")
    fields = list(ALL_FIELDS)
    for col, f in enumerate(fields, start=1):
        ws.column_dimensions[get_column_letter(col)].width = max(10, min(24, len(f.zh) * 2 + 2))
    ws.freeze_panes = "C3"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.autoFilter = False
    _validations(ws, fields, len(gdf) + 2, len(surfaces))
    for header in ([f.zh for f in fields] + ["经度", "纬度"], [f.name for f in fields] + ["lon", "lat"]):
        ws.append([_styled(ws, h, "form_header") for h in header])
    is_open = [f in OBS_FIELDS or f in META_FIELDS for f in fields]
    lon, lat = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    data = gdf[[f.name for f in fields]].astype(object).where(gdf[[f.name for f in fields]].notna(), None)
    for i, row in enumerate(data.itertuples(index=False)):
        cells = [_styled(ws, _cell(v), "form_open") if o else _cell(v) for v, o in zip(row, is_open, strict=True)]
        ws.append(cells + [round(float(lon[i]), 7), round(float(lat[i]), 7)])
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    for s in surfaces:
        lists.append([s])
    wb.save(path)


def _styled(ws: Any, value: object, style: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return cell


def _text(v: object) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _cell(v: object) -> object:
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def _validations(ws: Any, fields: list[FormField], n: int, n_surfaces: int) -> None:
    letters = {f.name: get_column_letter(i) for i, f in enumerate(fields, start=1)}
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                            errorTitle="是/否 yes/no", error="请选择 是 或 否 choose 是 or 否")
    surface = DataValidation(type="list", formula1=f"lists!$A$1:$A${n_surfaces}", allow_blank=True,
                             showErrorMessage=True, errorTitle="路面 surface",
                             error="请从列表中选择路面类型 choose a road surface from the list")
    day = DataValidation(type="date", operator="between", formula1=f'DATEVALUE("{EARLIEST_DATE}")',
                         formula2="TODAY()", allow_blank=True, showErrorMessage=True,
                         error=f"日期须在{EARLIEST_DATE}至今天之间 a date between {EARLIEST_DATE} and today")
    for dv in (yes_no, surface, day):
        ws.data_validations.append(dv)
    for f in OBS_FIELDS + META_FIELDS:
        rng = f"{letters[f.name]}3:{letters[f.name]}{max(n, 3)}"
        if f.kind == "yes_no":
            yes_no.add(rng)
        elif f.kind == "surface":
            surface.add(rng)
        elif f.kind == "date":
            day.add(rng)
        elif f.kind == "count":
            top = MAX_OF[f.target or ""]
            whole = DataValidation(type="whole", operator="between", formula1="0", formula2=str(top),
                                   allow_blank=True, showErrorMessage=True,
                                   error=f"请填0至{top}的整数 a whole number from 0 to {top}")
            ws.data_validations.append(whole)
            whole.add(rng)


def _notes_sheet(wb: Workbook, surfaces: tuple[str, ...]) -> None:
    ws = wb.create_sheet("说明")
    lines = [
        ("村庄现状调查表 village status form", ""),
        ("1. 灰色列为现值，已锁定，请勿修改。", "Grey columns are current values, locked."),
        ("2. 黄色列为调查值：只填调查到的项，未调查的留空。", "Yellow columns are observations: fill what you observed, "
                                            "leave the rest empty."),
        ("3. 户数、常住人口、卫生厕所户数填非负整数；卫生厕所户数不得大于户数。",
         "Counts are whole numbers ≥ 0; sanitary toilets ≤ households."),
        ("4. 是/否 项从下拉列表选择；进村道路路面从下拉列表选择。", "Yes/no and road surface: choose from the list."),
        (f"5. 调查日期格式 YYYY-MM-DD，不早于{EARLIEST_DATE}，不晚于今天；每行须填调查人和调查日期。",
         f"Survey date YYYY-MM-DD, from {EARLIEST_DATE} to today; fill surveyor and date on every row."),
        ("6. 填好后交回，由规划人员执行 ruralenv survey import 表格 --into results.gpkg。",
         "Return the file; the planner runs ruralenv survey import FILE --into results.gpkg."),
        ("路面类型 road surface values:", "、".join(surfaces)),
    ]
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70
    wrap, title = Alignment(wrap_text=True, vertical="top"), Font(bold=True, size=14)
    for i, (zh, en) in enumerate(lines):
        cells = [WriteOnlyCell(ws, value=zh), WriteOnlyCell(ws, value=en)]
        for cell in cells:
            cell.alignment = wrap
        if i == 0:
            cells[0].font = title
        ws.append(cells)


# --- form.kml -------------------------------------------------------------------------------------


def _write_kml(gdf: gpd.GeoDataFrame, path: Path) -> None:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
             f"<name>村庄现状调查 village status ({len(gdf)})</name>"]
    lon, lat = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    shown = [f for f in CURRENT_FIELDS if f.name not in ("village_code", "name")]
    for i, row in enumerate(gdf[[f.name for f in CURRENT_FIELDS]].itertuples(index=False)):
        values = dict(zip([f.name for f in CURRENT_FIELDS], row, strict=True))
        code = values["village_code"]
        about = "；".join(f"{f.zh.replace('（现值）', '')} {_text(values[f.name])}" for f in shown)
        parts.append(
            f"<Placemark><name>{escape(_text(values['name']) or _text(code))}</name>"
            f"<description>{escape(about)}</description><ExtendedData>"
            f'<Data name="village_code"><value>{escape(_text(code))}</value></Data></ExtendedData>'
            f"<Point><coordinates>{lon[i]:.7f},{lat[i]:.7f}</coordinates></Point></Placemark>")
    parts.append("</Document></kml>")
    path.write_text("\n".join(parts), encoding="utf-8")
