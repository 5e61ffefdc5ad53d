"""Run the whole product for one :class:`Config`: the analysis (:mod:`.analysis`), then the writers and the
web map. This is the composition layer: it may import presentation; analysis never does.

The CLI, the Python API and every QGIS algorithm call :func:`run_pipeline`.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .base.config import Config, RunInputs
from .base.contract import (
    FACILITY_CAPACITY_COLUMNS,
    REJECT_COLUMNS,
    TOWN_CLASS3_COLUMNS,
    UNREACHABLE_COLUMNS,
    headers,
)
from .base.files import WrittenAhead, write_atomically
from .base.progress import NullProgress, Progress
from .io.carry import Previous, carry_layers, previous_results
from .io.runinfo import run_record, write_run_record
from .io.write import write_gpkg, write_json, write_report
from .model.analysis import PIPELINE_STAGES, STAGES, analyse
from .model.prepare import LayerInput
from .model.results import Results
from .model.stage import Timer
from .model.stages import sanitation

#: The output written in a forked child while the others are written (:func:`.files.write_atomically`).
BACKGROUND = ("results.gpkg", "report.xlsx")

__all__ = ["PIPELINE_STAGES", "STAGES", "Results", "run_pipeline", "write_outputs"]


def run_pipeline(
    inputs: RunInputs | Mapping[str, LayerInput],
    config: Config | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    write_map: bool = True,
) -> Results:
    """Run the whole analysis and, with ``out_dir``, write every output.

    Parameters
    ----------
    inputs : RunInputs or mapping
        Layer kind → file spec (``path[:layer]``), :class:`LayerSpec` or GeoDataFrame.
        ``villages`` and ``roads`` are required; ``facilities`` (without it no collection model is assigned),
        ``towns``, ``counties`` and ``mines`` are optional.
    config : Config, optional
    out_dir : path, optional
        Where to write results.gpkg, summary.json, report.xlsx (and map.html); written atomically.
    progress : Progress, optional
    write_map : bool
        Also write map.html (when the web map module is available).

    Returns
    -------
    Results

    Raises
    ------
    InputError
        Bad inputs, with every problem listed.
    Cancelled
        The user cancelled; nothing was written.
    """
    config = config or Config()
    progress = progress or NullProgress()
    timer = Timer(progress)
    t0 = time.perf_counter()
    ahead = None if out_dir is None else _RoadsAhead(Path(out_dir), config.spatial_index_max_features)
    try:
        res = analyse(inputs, config, progress, timer, roads_ready=None if ahead is None else ahead.start)
        if ahead is not None:  # there is an out_dir
            writers = output_writers(res, write_map, progress, ahead.out_dir, roads_ahead=ahead)
            with timer.stage("write", total=len(writers)):
                ahead.wait(res.roads)
                res.files = write_atomically(ahead.out_dir, writers, background=BACKGROUND,
                                             on_done=lambda name: progress.advance())
    finally:
        if ahead is not None:
            ahead.close()
    res.summary["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
    return res


#: Runs with at least this many roads write the roads of results.gpkg ahead, in a forked child during the
#: analysis (:class:`_RoadsAhead`): at region scale they are most of the GeoPackage's write time.
ROADS_AHEAD_MIN = 200_000


class _RoadsAhead:
    """The roads layer of results.gpkg written by a forked child while the stages run (the roads are complete
    at the end of :func:`.prepare.prepare`), then copied into results.gpkg inside SQLite
    (:func:`.io.write.copy_rows`). The GeoPackage comes out the same as without it; where the child cannot
    run or fails, results.gpkg's writer writes the roads itself (:class:`.files.WrittenAhead`).
    """

    def __init__(self, out_dir: Path, index_max_features: int):
        self.out_dir, self.index_max = out_dir, index_max_features
        self.frame: gpd.GeoDataFrame | None = None
        self.ahead: WrittenAhead | None = None
        self.ready: dict[str, Path] = {}

    def start(self, roads: gpd.GeoDataFrame) -> None:
        """Start writing ``roads`` (the frame the Results will hold) when the run is large enough."""
        if len(roads) < ROADS_AHEAD_MIN:
            return
        self.frame = roads
        self.ahead = WrittenAhead(self.out_dir, {
            "roads.gpkg": lambda path: write_gpkg({"roads": roads}, path, self.index_max)})

    def wait(self, roads: gpd.GeoDataFrame | None) -> None:
        """Wait for the child (in this process, before results.gpkg's writer is forked); then :attr:`ready`
        maps ``"roads"`` to the GeoPackage holding them, if ``roads`` is the very frame the child wrote and
        it wrote it.
        """
        if self.ahead is None or roads is None or roads is not self.frame:
            return
        files = self.ahead.files()
        self.ready = {"roads": files["roads.gpkg"]} if "roads.gpkg" in files else {}

    def close(self) -> None:
        if self.ahead is not None:
            self.ahead.close()


def write_outputs(res: Results, out_dir: Path, write_map: bool = True,
                  progress: Progress | None = None) -> dict[str, Path]:
    """Write results.gpkg, summary.json, report.xlsx (and map.html) into ``out_dir`` atomically.

    A missing Leaflet install (``make vendor-js``) skips only the map, with a warning.
    """
    return write_atomically(out_dir, output_writers(res, write_map, progress, Path(out_dir)),
                            background=BACKGROUND)


#: Input fields shown beside the issue-27 columns in their report sheets.
_SEAT_FIELDS = {"town_code": ("苏木乡镇代码", "township code"), "name": ("名称", "name"),
                "county_code": ("旗县代码", "county code"), "is_county_seat": ("旗县驻地", "county seat")}
_FACILITY_FIELDS = {"name": ("名称", "name"), "facility_type": ("设施类型", "facility type"),
                    "county_code": ("旗县代码", "county code"), "capacity_tpd": ("处理能力（吨/日）", "capacity t/day")}


def roads_waste_sheets(res: Results) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, tuple[str, str]]]]:
    """report.xlsx sheets of issue 27: township seats on Class III roads (§(十一)) and facility loads (§(九))."""
    sheets: dict[str, pd.DataFrame] = {}
    sheet_headers: dict[str, dict[str, tuple[str, str]]] = {}
    towns = res.towns
    if towns is not None and "class3_access" in towns:
        cols = {**_SEAT_FIELDS, **headers(TOWN_CLASS3_COLUMNS)}
        sheets["通三级公路 class3"] = pd.DataFrame(towns[[c for c in cols if c in towns]])
        sheet_headers["通三级公路 class3"] = cols
    if len(res.facilities) and "load_tpd" in res.facilities:
        cols = {**_FACILITY_FIELDS, **headers(FACILITY_CAPACITY_COLUMNS)}
        sheets["设施负荷 load"] = pd.DataFrame(res.facilities[[c for c in cols if c in res.facilities]])
        sheet_headers["设施负荷 load"] = cols
    return sheets, sheet_headers


def output_writers(res: Results, write_map: bool = True, progress: Progress | None = None,
                   out_dir: Path | None = None, roads_ahead: _RoadsAhead | None = None
                   ) -> dict[str, Callable[[Path], object]]:
    """File name → function writing that file, for :func:`.files.write_atomically`.

    With ``out_dir``, the layers of the results.gpkg already there that the run does not write (field survey
    layers and the like) are carried over into the new one, or an unreadable one is kept aside; the user is
    told in one line (:mod:`.io.carry`). With ``roads_ahead``, results.gpkg copies the roads its child wrote.
    """
    tables = {"旗县 county": sanitation.without_sanitation(res.tables["county"]),
              "苏木乡镇 town": sanitation.without_sanitation(res.tables["town"]),
              "全部 region": sanitation.without_sanitation(res.tables["region"]),
              **sanitation.report_sheets(res.tables)}
    if len(res.unreachable):
        tables["不可达 unreachable"] = pd.DataFrame(res.unreachable.drop(columns="geometry"))
    if len(res.rejects):
        tables["问题 problems"] = res.rejects
    sheet_headers = {"不可达 unreachable": headers(UNREACHABLE_COLUMNS), "问题 problems": headers(REJECT_COLUMNS)}
    previous = previous_results(out_dir / "results.gpkg") if out_dir is not None else None
    sheets, more_headers = roads_waste_sheets(res)
    tables.update(sheets)
    sheet_headers.update(more_headers)
    writers: dict[str, Callable[[Path], object]] = {
        "results.gpkg": lambda p: _write_results_gpkg(res, p, previous, roads_ahead),
        "summary.json": lambda p: write_json(res.summary, p),
        "report.xlsx": lambda p: write_report(tables, p, sheet_headers),
    }
    if previous is not None and previous.aside:
        writers[previous.aside] = lambda p: shutil.copy2(previous.path, p)
    if previous is not None and (line := previous.message()):
        res.summary.setdefault("warnings", []).append(line)
        (progress or NullProgress()).message(line, "warning")
    if write_map:
        from .maps.webmap import export_map, map_writer

        maps, warning = map_writer(lambda p: export_map(res, p), progress)
        writers.update(maps)
        if warning:
            res.summary.setdefault("warnings", []).append(warning)
    return writers


def _write_results_gpkg(res: Results, path: Path, previous: Previous | None,
                        roads_ahead: _RoadsAhead | None = None) -> None:
    """results.gpkg: the run's layers, its record (:mod:`.io.runinfo`) and the previous file's other layers."""
    write_gpkg(res.layers(), path, res.summary["config"]["spatial_index_max_features"],
               roads_ahead.ready if roads_ahead is not None else None)
    write_run_record(path, run_record(res.summary))
    if previous is not None and not previous.unreadable and previous.path.exists():
        carry_layers(previous.path, path)
