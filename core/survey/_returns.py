"""Read a returned village status form (form.gpkg edited, form.xlsx, or a CSV) into one table of form fields.

Headers are matched through :func:`._fields.field_of_header`: English names, Chinese titles and the
bilingual titles all work, and a second header row (the xlsx form has Chinese above English) is skipped.
The hostile-file checks of :mod:`.safety` run before any parser sees the file.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from openpyxl import load_workbook

from ..base import files
from ._fields import FORM_LAYER, OBS_FIELDS, field_of_header
from .readers import detect_encoding
from .safety import check_file, check_zip, refuse

STATUS_FORMATS = ("gpkg", "xlsx", "csv")
_OBS_NAMES = {f.name for f in OBS_FIELDS}


def _is_status_header(headers: list) -> bool:
    names = {field_of_header(h) for h in headers}
    return "village_code" in names and bool(names & _OBS_NAMES)


def is_status_return(path: Path) -> bool:
    """Whether ``path`` is a returned status form rather than survey points (never raises)."""
    try:
        fmt = check_file(Path(path))
        if fmt not in STATUS_FORMATS:
            return False
        if fmt == "gpkg":
            return _status_layer(Path(path)) is not None
        return any(_is_status_header(list(row)) for row in _head_rows(Path(path), fmt))
    except Exception:  # anything unreadable is left to the point import, which names the problem
        return False


def _status_layer(path: Path) -> str | None:
    layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    for name in sorted(layers, key=lambda n: n != FORM_LAYER):
        if _is_status_header(list(pyogrio.read_info(path, layer=name)["fields"])):
            return name
    return None


def _head_rows(path: Path, fmt: str) -> list[list]:
    table = _read_cells(path, fmt, nrows=2)
    return [list(r) for r in table.itertuples(index=False)]


def _read_cells(path: Path, fmt: str, nrows: int | None = None) -> pd.DataFrame:
    """All cells as text/objects without a header (CSV) or of the first sheet holding a status header (xlsx)."""
    if fmt == "csv":
        encoding = detect_encoding(path)
        with open(path, encoding=encoding, newline="") as fh:
            line = fh.readline()
        sep = max(("\t", ",", ";", "|"), key=line.count)
        try:
            return pd.read_csv(path, encoding=encoding, sep=sep, dtype=str, header=None, keep_default_na=False,
                               nrows=nrows, skip_blank_lines=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise refuse(path, f"无法按表格读取 cannot be read as a table ({str(exc).strip().splitlines()[0]})") from None
    return _xlsx_cells(path, nrows)


def _xlsx_cells(path: Path, nrows: int | None) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(path, zf)
    except zipfile.BadZipFile as exc:
        raise refuse(path, f"不是有效的 XLSX 工作簿 is not a valid XLSX (zip) workbook ({exc})") from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise refuse(path, f"无法读取 XLSX 工作簿 cannot be read as an XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=2)]
            if any(_is_status_header(r) for r in rows):
                data = list(ws.iter_rows(values_only=True, max_row=nrows))
                return pd.DataFrame(data, dtype=object)
        return pd.DataFrame()
    finally:
        wb.close()


def read_return(path: Path) -> tuple[pd.DataFrame, str, str]:
    """Read one returned form.

    Parameters
    ----------
    path : Path
        form.gpkg (edited), form.xlsx or a CSV with ``village_code`` and ``obs_*`` columns.

    Returns
    -------
    (DataFrame, str, str)
        Columns named by form field (only those found) plus ``src_row`` (the row as the user sees it:
        the spreadsheet row, or the feature id); the file's SHA-256; its format.

    Raises
    ------
    InputError
        For a hostile, unreadable or unrecognised file.
    """
    fmt = check_file(path)
    sha = files.sha256_of(path)
    if fmt == "gpkg":
        layer = _status_layer(path)
        if layer is None:
            raise refuse(path, "没有含村代码和调查字段的图层 has no layer with village_code and obs_* fields (a village status form)")
        raw = pyogrio.read_dataframe(path, layer=layer, read_geometry=False, fid_as_index=True)
        table = pd.DataFrame({field_of_header(c): raw[c].to_numpy(dtype=object) for c in raw.columns
                              if field_of_header(c)})
        table["src_row"] = raw.index.to_numpy(dtype=np.int64)
        return table, sha, fmt
    if fmt not in STATUS_FORMATS:
        raise refuse(path, f"调查表须为 form.gpkg、form.xlsx 或 CSV a status form is form.gpkg, form.xlsx or CSV, not {fmt.upper()}")
    return _table_of_cells(path, _read_cells(path, fmt)), sha, fmt


def _table_of_cells(path: Path, cells: pd.DataFrame) -> pd.DataFrame:
    header_at = next((i for i in range(min(2, len(cells))) if _is_status_header(list(cells.iloc[i]))), None)
    if header_at is None:
        raise refuse(path, "没有含村代码和调查字段的表头 has no header row with village_code (村代码) and obs_* columns")
    names = [field_of_header(h) for h in cells.iloc[header_at]]
    start = header_at + 1
    if start < len(cells) and sum(field_of_header(h) is not None for h in cells.iloc[start]) >= 2:
        start += 1  # a second header row (Chinese above English)
    body = cells.iloc[start:]
    table = pd.DataFrame({n: body.iloc[:, i].to_numpy(dtype=object) for i, n in enumerate(names)
                          if n is not None and n not in names[:i]})
    table["src_row"] = np.arange(start + 1, start + 1 + len(body), dtype=np.int64)
    blank = table.drop(columns="src_row").map(lambda v: v is None or (isinstance(v, float) and np.isnan(v))
                                                  or str(v).strip() == "").all(axis=1)
    return table[~blank.to_numpy()].reset_index(drop=True)
