"""Write results atomically: results.gpkg, summary.json and report.xlsx (DESIGN.md §4).

Everything is written into a temporary folder beside the destination and moved into place only when
all files are complete, so a failed or cancelled run leaves the previous outputs as they were.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ._errors import RuralEnvError
from .contract import INDICATOR_COLUMNS, UNREACHABLE_COLUMNS, headers

HEADERS = headers(INDICATOR_COLUMNS + UNREACHABLE_COLUMNS)

GPKG_LAYERS = ("villages", "roads", "facilities", "counties", "towns", "mines", "unreachable", "rejects")


def write_gpkg(layers: dict[str, pd.DataFrame], path: Path, index_max_features: int = 500_000) -> None:
    """Write several layers into one new GeoPackage at ``path`` (which must not exist yet).

    Layers with more than ``index_max_features`` features are written without an R-tree spatial index
    (building it is most of the write time at region scale; QGIS can add one later: Layer Properties →
    Source → Create Spatial Index).
    """
    for name, df in layers.items():
        if df is None:
            continue
        df = _plain_columns(df)
        if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
            index = "YES" if len(df) <= index_max_features else "NO"
            pyogrio.write_dataframe(df, path, layer=name, driver="GPKG", append=path.exists(),
                                    layer_options={"SPATIAL_INDEX": index})
        else:
            pyogrio.write_dataframe(pd.DataFrame(df), path, layer=name, driver="GPKG", append=path.exists())


def _plain_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Columns GeoPackage can store: missing values as null (NaN and inf in numbers, None in text)."""
    out = df.copy()
    geom = getattr(out, "_geometry_column_name", None)
    for col in out.columns:
        if col == geom:
            continue
        s = out[col]
        if s.dtype == object:
            out[col] = s.where(s.notna(), None)
        elif np.issubdtype(s.dtype, np.floating):
            out[col] = s.where(np.isfinite(s), np.nan)
    return out


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


class OutputError(RuralEnvError):
    """The outputs could not be written (disk full, no permission); the previous outputs are unchanged."""


#: Lock file taken in the output folder while a run writes into it (removed afterwards).
LOCK_NAME = ".ruralenv.lock"
TMP_PREFIX = ".ruralenv-tmp-"


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the lock of ``out_dir``: a second run into the same folder waits until the first is done.

    The lock file is removed on release; a waiter that then holds the lock of a removed file tries again.
    """
    path = out_dir / LOCK_NAME
    while True:
        fh = open(path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock(fh)
            if path.exists() and os.path.samestat(os.fstat(fh.fileno()), path.stat()):
                break
        except BaseException:
            fh.close()
            raise
        fh.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fh.close()


def _lock(fh) -> None:
    if os.name == "nt":  # pragma: no cover - Windows QGIS
        import msvcrt

        while True:
            try:
                msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue
    import fcntl

    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while the finished files are moved into place (main thread, POSIX)."""
    held = (signal.SIGINT, signal.SIGTERM)
    if os.name == "nt" or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def commit_outputs(out_dir: Path, writers: dict[str, Callable[[Path], object]]) -> dict[str, Path]:
    """Run each writer into a temporary folder, then move all files into ``out_dir`` together.

    Runs into the same folder take turns (:func:`output_lock`); temporary folders left by a killed run
    are removed. A failed write (disk full, …) raises :class:`OutputError` and, like an interrupt, leaves
    the previous outputs as they were; SIGINT/SIGTERM wait while the files are moved into place.

    Parameters
    ----------
    out_dir : Path
        Destination folder (created if needed).
    writers : dict
        File name → function writing that file at the path it is given.

    Returns
    -------
    dict
        File name → final path.

    Raises
    ------
    OutputError
        When a file cannot be written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None
    with output_lock(out_dir):
        for stale in out_dir.glob(TMP_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
        try:
            for name, write in writers.items():
                try:
                    write(tmp / name)
                except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                    raise OutputError(f"could not write {name} into {out_dir} ({_first_line(exc)}); the previous "
                                      "outputs are unchanged: free some space or choose another --out") from None
            with _signals_held():
                for name in writers:
                    os.replace(tmp / name, out_dir / name)
            return {name: out_dir / name for name in writers}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
