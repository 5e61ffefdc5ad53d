"""Write a monitoring: monitor.json, changes.gpkg, monitor.xlsx, report.html and report.docx, all or nothing."""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.files import write_atomically
from ..io.write import write_gpkg, write_json
from .report_docx import write_report_docx
from .report_html import write_report_html
from .run import MonitorOutcome
from .tables import monitor_sheets

#: The files a monitoring writes, in order.
MONITOR_FILES = ("monitor.json", "changes.gpkg", "monitor.xlsx", "report.html", "report.docx")


def write_monitor(outcome: MonitorOutcome, out_dir: str | Path) -> dict[str, Path]:
    """Write every file of :data:`MONITOR_FILES` into ``out_dir`` (the earlier files stay if one fails).

    Returns
    -------
    dict
        File name → path.
    """
    sheets, headers = monitor_sheets(outcome.summary)
    layers = {"village_changes": outcome.village_changes, "facility_changes": outcome.facility_changes}
    writers: dict[str, Callable[[Path], object]] = {
        "monitor.json": lambda p: write_json(outcome.summary, p),
        "changes.gpkg": lambda p: write_gpkg(layers, p),
        "monitor.xlsx": lambda p: write_sheets(sheets, headers, p),
        "report.html": lambda p: write_report_html(outcome, p),
        "report.docx": lambda p: write_report_docx(outcome, p),
    }
    # the GeoPackage (hundreds of thousands of rows at region scale) and the workbook are written by a child
    # process on the other core while this one writes the reports
    return write_atomically(Path(out_dir), writers, background=("changes.gpkg", "monitor.xlsx"))


def write_sheets(sheets: dict[str, pd.DataFrame], headers: dict[str, dict[str, tuple[str, str]]], path: Path) -> None:
    """Write monitor.xlsx: a sheet per table, a Chinese header row above an English one.

    Streamed (openpyxl's write-only workbook): the townships sheet of a region has tens of thousands of cells.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        ws.freeze_panes = "A3"
        known = headers.get(name, {})
        for k in (0, 1):
            row = []
            for col in df.columns:
                cell = WriteOnlyCell(ws, value=known.get(col, (col, col))[k])
                cell.font, cell.fill = bold, fill
                row.append(cell)
            ws.append(row)
        for values in df.itertuples(index=False, name=None):
            ws.append([excel_value(v) for v in values])
    wb.save(path)


def excel_value(value: object) -> object:
    """A cell value: 是/否 for flags, None for missing numbers, plain Python numbers."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    return str(value)
