"""``import_survey``: field GPS points → validated, datum-corrected points matched to villages.

Every file is checked and read before anything is written; any file-level problem stops the whole
import (:class:`InputError` listing every problem) and leaves RESULTS.gpkg unchanged. Each row read is
either imported (``survey_points``) or rejected with its row number and reason (``survey_rejects``),
so imported + rejected = rows read for every file. A file already imported (same SHA-256) is skipped.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from ..base import values
from ..base._errors import ConfigError, InputError
from ..base.progress import NullProgress, Progress, check_cancel
from . import store
from .decide import Placement, parse_crs_option, place
from .matching import match_points, relocation_proposals
from .readers import RawFile, read_survey_file
from .villages import STUDY_MARGIN_M, VillageIndex, load_villages

REJECT_REASONS = ("unparseable", "impossible_value", "not_a_point", "outside_study_area", "duplicate")
MATCH_KINDS = ("code", "name", "distance", "none")
DUPLICATE_TOLERANCE_M = 0.5


@dataclass
class FileReport:
    """What happened to one file.

    Attributes
    ----------
    file : str
        Path as given.
    sha256 : str
    status : str
        ``imported`` or ``skipped`` (imported before: ``previous_import`` says when).
    format, datum, datum_reason : str
        Format read, what the coordinates were read as and why.
    rows_read, imported, rejected : int
        ``imported + rejected == rows_read``.
    rejects_by_reason, matched_by : dict
        Counts per reject reason and per match kind.
    swapped, proposals : int
        Rows with swapped axes corrected; village relocations proposed.
    warnings : list of str
    """

    file: str
    sha256: str
    status: str = "imported"
    previous_import: str = ""
    format: str = ""
    datum: str = ""
    datum_reason: str = ""
    rows_read: int = 0
    imported: int = 0
    rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    matched_by: dict[str, int] = field(default_factory=dict)
    swapped: int = 0
    proposals: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        name = Path(self.file).name
        if self.status == "skipped":
            return [f"{name}: already imported {self.previous_import} (sha256 {self.sha256[:12]}…); skipped"]
        rejects = ", ".join(f"{k} {v}" for k, v in self.rejects_by_reason.items() if v) or "none"
        matched = ", ".join(f"{k} {v}" for k, v in self.matched_by.items())
        return [f"{name} [{self.format}]: read as {self.datum} — {self.datum_reason}",
                f"  rows read {self.rows_read} = imported {self.imported} + rejected {self.rejected} ({rejects})",
                f"  matched by {matched}; swapped lat/lon corrected {self.swapped}; "
                f"village relocations proposed {self.proposals}"]


@dataclass
class SurveyReport:
    """Outcome of :func:`import_survey`.

    Attributes
    ----------
    into : Path
        The results GeoPackage.
    files : list of FileReport
    written : bool
        False when nothing new was imported (the GeoPackage was not touched).
    """

    into: Path
    files: list[FileReport]
    written: bool

    @property
    def rows_read(self) -> int:
        """Rows read over all imported files."""
        return sum(f.rows_read for f in self.files)

    @property
    def imported(self) -> int:
        """Points imported over all files."""
        return sum(f.imported for f in self.files)

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return sum(f.rejected for f in self.files)

    def lines(self, warnings: bool = True) -> list[str]:
        """Human-readable report: one block per file, the warnings (unless ``warnings`` is False), the totals."""
        out = [line for f in self.files for line in f.lines()]
        if warnings:
            out += [f"warning: {w}" for f in self.files for w in f.warnings]
        out.append(f"total: rows read {self.rows_read} = imported {self.imported} + rejected {self.rejected}; "
                   + (f"written to {self.into}" if self.written else f"{self.into} unchanged"))
        return out


def import_survey(files: Iterable[str | Path], into: str | Path, crs: str = "auto",
                  match_radius_m: float = 1000.0, progress: Progress | None = None) -> SurveyReport:
    """Import field survey points into RESULTS.gpkg.

    Parameters
    ----------
    files : iterable of path
        GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage or Shapefile files.
    into : path
        Results GeoPackage with a ``villages`` layer; receives ``survey_points``, ``survey_rejects``,
        ``village_location_updates`` and ``survey_imports``.
    crs : str
        ``auto`` (decide per file, see :mod:`.decide`), ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or
        ``EPSG:n``.
    match_radius_m : float
        Largest distance for matching a point to a village by distance alone.
    progress : Progress, optional

    Returns
    -------
    SurveyReport

    Raises
    ------
    InputError
        Listing every file-level problem; nothing is written.
    ConfigError
        For a ``crs`` that names no CRS or a radius that is not positive.
    """
    progress = progress or NullProgress()
    into = Path(into)
    option = parse_crs_option(crs)
    if not match_radius_m > 0:
        raise ConfigError(f"match radius must be positive metres, not {match_radius_m!r}")
    with store.locked(into):  # from the idempotency and duplicate checks to the write: no second import between
        return _import_locked(list(files), into, option, crs, match_radius_m, progress)


def _import_locked(files: list[str | Path], into: Path, option: str | CRS, crs: str, match_radius_m: float,
                   progress: Progress) -> SurveyReport:
    """:func:`import_survey` while holding the lock of ``into``'s folder."""
    if into.exists():
        store.check_writable(into)
    villages = load_villages(into)
    raws, reports, problems = _read_files(files, store.imported_files(into), progress)
    placements = []
    for raw in raws:
        try:
            placements.append(place(raw, option, villages))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    check_cancel(progress)
    if not raws:
        return SurveyReport(into, reports, written=False)
    progress.stage("validate and match", total=len(raws))
    layers = _build_layers(raws, placements, [r for r in reports if r.status == "imported"], villages, into,
                           crs, match_radius_m, progress)
    check_cancel(progress)
    progress.stage("write")
    store.append_layers(into, layers)
    for r in reports:
        for w in r.warnings:
            progress.message(w, "warning")
    return SurveyReport(into, reports, written=True)


def _read_files(files: Iterable[str | Path], done: dict[str, tuple[str, str]],
                progress: Progress) -> tuple[list[RawFile], list[FileReport], list]:
    """Read every file; files whose SHA-256 is in ``done`` (or seen earlier in this run) are skipped.

    Returns
    -------
    (list of RawFile, list of FileReport, list of Problem)
        Files to import, a report per readable file, and the problems of unreadable files.
    """
    raws, reports, problems = [], [], []
    for path in map(Path, files):
        check_cancel(progress)
        progress.stage(f"read {path.name}")
        try:
            raw = read_survey_file(path)
        except InputError as exc:
            problems += exc.problems
            continue
        report = FileReport(file=str(path), sha256=raw.sha256, format=raw.format)
        if raw.sha256 in done:
            report.status, report.previous_import = "skipped", done[raw.sha256][1]
        else:
            done[raw.sha256] = (path.name, f"as {path.name} earlier in this run")
            raws.append(raw)
        reports.append(report)
    return raws, reports, problems


def _build_layers(raws: list[RawFile], placements: list[Placement], reports: list[FileReport],
                  villages: VillageIndex, into: Path, crs_option: str, radius: float,
                  progress: Progress) -> dict[str, pd.DataFrame]:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = pd.concat([_file_rows(raw, pl, villages, now) for raw, pl in zip(raws, placements, strict=True)],
                     ignore_index=True)
    _mark_duplicates(rows, into, villages)
    good = rows["reason_code"].isna().to_numpy()
    points = rows[good].reset_index(drop=True)
    x, y = villages.project(points["lon_wgs84"].to_numpy(), points["lat_wgs84"].to_numpy())
    points["x"], points["y"] = x, y
    points = pd.concat([points, match_points(x, y, points["code"], points["name"], villages, radius)], axis=1)
    proposals = relocation_proposals(points, villages)
    proposals["imported_at"] = now
    for raw, pl, report in zip(raws, placements, reports, strict=True):
        _fill_report(report, raw, pl, rows, points, proposals)
        progress.advance()
    imports = pd.DataFrame([_audit_row(r, now, crs_option, radius) for r in reports])
    return {
        store.POINTS_LAYER: _points_layer(points, villages),
        store.REJECTS_LAYER: pd.DataFrame(rows.loc[~good, _REJECT_COLUMNS]).reset_index(drop=True),
        store.UPDATES_LAYER: gpd.GeoDataFrame(
            proposals.drop(columns=["x", "y"]),
            geometry=shapely.points(proposals["x"].to_numpy(float), proposals["y"].to_numpy(float)),
            crs=villages.crs),
        store.IMPORTS_LAYER: imports,
    }


_REJECT_COLUMNS = ["import_sha256", "source_file", "source_layer", "src_row", "kind", "reason_code", "reason",
                   "raw_x", "raw_y", "name", "imported_at"]
_POINT_COLUMNS = ["import_sha256", "source_file", "source_layer", "src_row", "kind", "name", "code", "note",
                  "time", "elevation", "raw_x", "raw_y", "datum", "swapped", "lon_wgs84", "lat_wgs84",
                  "village_code", "village_name", "match_by", "match_confidence", "match_dist_m", "match_note",
                  "attributes", "imported_at"]


def _file_rows(raw: RawFile, pl: Placement, villages: VillageIndex, now: str) -> pd.DataFrame:
    """All rows of one file with WGS 84 position, datum and (for rejects) the reason."""
    t = raw.table
    rows = pd.DataFrame({
        "import_sha256": raw.sha256, "source_file": raw.path.name,
        "source_layer": t["layer"].astype(object), "src_row": t["src_row"].astype(np.int64),
        "kind": t["kind"].astype(object), "name": values.text(t["name"]), "code": values.text(t["code"]),
        "note": values.text(t["note"]), "time": values.text(t["time"]),
        "elevation": pd.to_numeric(t["elevation"], errors="coerce").astype(float),
        "raw_x": values.text(t["x"]), "raw_y": values.text(t["y"]), "datum": pl.datum, "swapped": pl.swapped,
        "lon_wgs84": pl.lon, "lat_wgs84": pl.lat, "attributes": t["attributes"].astype(object),
        "imported_at": now, "reason_code": pl.error_code, "reason": pl.error,
    })
    placed = rows["reason_code"].isna().to_numpy()
    outside = placed & ~villages.contains_lonlat(pl.lon, pl.lat)
    rows.loc[outside, "reason_code"] = "outside_study_area"
    rows.loc[outside, "reason"] = [
        f"{lon:.6f}, {lat:.6f} (WGS 84) lies outside the study area (villages' extent + "
        f"{STUDY_MARGIN_M / 1000:g} km)" for lon, lat in zip(pl.lon[outside], pl.lat[outside], strict=True)]
    return rows


def _mark_duplicates(rows: pd.DataFrame, into: Path, villages: VillageIndex) -> None:
    """Reject a point within :data:`DUPLICATE_TOLERANCE_M` of an earlier or stored point of the same name."""
    cols = ["lon_wgs84", "lat_wgs84", "name", "source_file", "src_row"]
    stored = store.read_table(into, store.POINTS_LAYER, cols)
    new = rows.loc[rows["reason_code"].isna(), cols]
    both = pd.concat([stored[cols], new], ignore_index=True) if len(stored) else new.reset_index(drop=True)
    x, y = villages.project(pd.to_numeric(both["lon_wgs84"]).to_numpy(float),
                            pd.to_numeric(both["lat_wgs84"]).to_numpy(float))
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(DUPLICATE_TOLERANCE_M, output_type="ndarray")
    names = both["name"].fillna("").astype(str).to_numpy()
    pairs = pairs[(names[pairs[:, 0]] == names[pairs[:, 1]]) & (pairs[:, 1] >= len(stored))]
    if not len(pairs):
        return
    first = pd.Series(pairs[:, 0]).groupby(pairs[:, 1]).min()
    labels = new.index.to_numpy()[first.index.to_numpy() - len(stored)]
    rows.loc[labels, "reason_code"] = "duplicate"
    rows.loc[labels, "reason"] = [
        f"duplicate of {both['source_file'].iloc[i]} row {both['src_row'].iloc[i]} "
        f"(same name, within {DUPLICATE_TOLERANCE_M:g} m)" for i in first.to_numpy()]


def _points_layer(points: pd.DataFrame, villages: VillageIndex) -> gpd.GeoDataFrame:
    data = points[_POINT_COLUMNS].copy()
    data["swapped"] = data["swapped"].astype(bool)
    return gpd.GeoDataFrame(data, geometry=shapely.points(points["x"].to_numpy(), points["y"].to_numpy()),
                            crs=villages.crs)


def _fill_report(report: FileReport, raw: RawFile, pl: Placement, rows: pd.DataFrame, points: pd.DataFrame,
                 proposals: pd.DataFrame) -> None:
    mine = rows["import_sha256"] == raw.sha256
    mine_points = points[points["import_sha256"] == raw.sha256]
    report.datum, report.datum_reason = pl.datum, pl.reason
    report.rows_read = int(mine.sum())
    report.imported = len(mine_points)
    report.rejected = int((mine & rows["reason_code"].notna()).sum())
    counts = Counter(rows.loc[mine, "reason_code"].dropna())
    report.rejects_by_reason = {k: int(counts.get(k, 0)) for k in REJECT_REASONS}
    matched = Counter(mine_points["match_by"])
    report.matched_by = {k: int(matched.get(k, 0)) for k in MATCH_KINDS}
    report.swapped = int(mine_points["swapped"].sum())
    report.proposals = int((proposals["import_sha256"] == raw.sha256).sum())
    report.warnings = list(pl.warnings)


def _audit_row(r: FileReport, now: str, crs_option: str, radius: float) -> dict:
    return {"file_name": Path(r.file).name, "file_path": str(Path(r.file).resolve()), "sha256": r.sha256,
            "imported_at": now, "format": r.format, "crs_option": crs_option, "datum": r.datum,
            "datum_reason": r.datum_reason, "rows_read": r.rows_read, "imported": r.imported,
            "rejected": r.rejected, "rejects_by_reason": json.dumps(r.rejects_by_reason),
            "matched_by": json.dumps(r.matched_by), "swapped": r.swapped, "proposals": r.proposals,
            "match_radius_m": float(radius), "warnings": "\n".join(r.warnings) or None}
