"""Write a monitoring: monitor.json, changes.gpkg, monitor.xlsx, report.html and report.docx, all or nothing."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..base.files import write_atomically
from ..io.write import write_gpkg, write_json, write_report
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
        "monitor.xlsx": lambda p: write_report(sheets, p, sheet_headers=headers),
        "report.html": lambda p: write_report_html(outcome, p),
        "report.docx": lambda p: write_report_docx(outcome, p),
    }
    # the GeoPackage (hundreds of thousands of rows at region scale) is written by a child process on the other
    # core while this one writes the reports
    return write_atomically(Path(out_dir), writers, background=("changes.gpkg",))
