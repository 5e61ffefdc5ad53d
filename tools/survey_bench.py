"""Benchmark of the survey import: a synthetic county and a large CSV of survey points.

:func:`benchmark_survey_import` is called by ``ruralenv bench`` (tools/bench.py); it is deterministic
(seeded) and writes only inside ``workdir``.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..core.base.files import sha256_of
from ..core.survey import apply_status, import_status, import_survey, write_form

BENCH_EPSG = 4546  # CGCS2000 3° Gauss-Krüger CM 111°E, as the pipeline picks for 准格尔旗
CENTRE_X, CENTRE_Y = 515_000.0, 4_415_000.0


class _StageClock:
    """Progress sink that records how long each stage took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._name: str | None = None
        self._t0 = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self._close()
        self._name, self._t0 = name, time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def message(self, text: str, level: str = "info") -> None:
        pass

    def cancelled(self) -> bool:
        return False

    def _close(self) -> None:
        if self._name is not None:
            key = self._name.split(" ")[0]
            self.seconds[key] = round(self.seconds.get(key, 0.0) + time.perf_counter() - self._t0, 3)
            self._name = None

    def done(self) -> dict[str, float]:
        """Close the running stage and return the durations."""
        self._close()
        return self.seconds


def write_bench_villages(path: Path, n_villages: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Write a results GeoPackage whose ``villages`` layer holds ``n_villages`` scattered villages."""
    x = CENTRE_X + rng.uniform(-40_000, 40_000, n_villages)
    y = CENTRE_Y + rng.uniform(-40_000, 40_000, n_villages)
    villages = gpd.GeoDataFrame({
        "village_code": [f"1506221{i:05d}" for i in range(n_villages)],
        "name": [f"测试{i}村" for i in range(n_villages)],
        "county_code": "150622",
    }, geometry=shapely.points(x, y), crs=f"EPSG:{BENCH_EPSG}")
    villages.to_file(path, layer="villages", driver="GPKG", engine="pyogrio")
    return villages


def write_bench_csv(path: Path, villages: gpd.GeoDataFrame, n_points: int, rng: np.random.Generator) -> None:
    """Write a UTF-8 CSV of ``n_points`` survey points near the villages (5 % in DMS, 1 % unreadable)."""
    pick = rng.integers(0, len(villages), n_points)
    xy = shapely.get_coordinates(villages.geometry.array)[pick] + rng.normal(0, 150, (n_points, 2))
    lonlat = gpd.GeoSeries(shapely.points(xy), crs=villages.crs).to_crs(4326)
    lon, lat = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    lon_text = np.char.mod("%.7f", lon).astype(object)
    dms = rng.random(n_points) < 0.05
    lon_text[dms] = [_dms(v, "E") for v in lon[dms]]
    lat_text = np.char.mod("%.7f", lat).astype(object)
    lat_text[rng.random(n_points) < 0.01] = "待补"
    names = np.array([f"测试{i}" for i in pick], dtype=object)
    pd.DataFrame({"名称": names, "经度": lon_text, "纬度": lat_text, "备注": "入户调查"}).to_csv(
        path, index=False, encoding="utf-8")


def _dms(value: float, hemisphere: str) -> str:
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = (value - deg - minutes / 60) * 3600
    return f"{deg}°{minutes}'{seconds:.4f}\"{hemisphere}"


def benchmark_survey_import(n_points: int, workdir: str | Path, n_villages: int = 2000,
                            seed: int = 0) -> dict:
    """Time the import of a CSV of ``n_points`` survey points into a county of ``n_villages`` villages.

    Parameters
    ----------
    n_points : int
        Rows of the CSV.
    workdir : path
        Folder for the GeoPackage and the CSV (created if needed).
    n_villages : int
        Villages in the synthetic results GeoPackage.
    seed : int
        Seed of the random positions.

    Returns
    -------
    dict
        ``n_points``, ``n_villages``, ``csv_mib``, ``seconds`` (whole import), ``points_per_second``,
        ``stage_seconds`` (read / validate / write), ``imported``, ``rejected``, ``matched_by``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    gpkg, csv = workdir / "bench_results.gpkg", workdir / f"bench_survey_{n_points}.csv"
    gpkg.unlink(missing_ok=True)
    villages = write_bench_villages(gpkg, n_villages, rng)
    write_bench_csv(csv, villages, n_points, rng)
    clock = _StageClock()
    t0 = time.perf_counter()
    report = import_survey([csv], gpkg, progress=clock)
    seconds = time.perf_counter() - t0
    return {
        "n_points": n_points, "n_villages": n_villages, "csv_mib": round(csv.stat().st_size / 2**20, 2),
        "seconds": round(seconds, 3), "points_per_second": round(n_points / seconds),
        "stage_seconds": clock.done(), "imported": report.imported, "rejected": report.rejected,
        "matched_by": report.files[0].matched_by,
    }


# --- the field loop: a returned status form of every village, imported and applied ---------------------------


def write_field_loop_run(folder: Path, n_villages: int, rng: np.random.Generator) -> Path:
    """A run of ``n_villages`` villages as the field loop reads it: the input villages, results.gpkg and
    summary.json naming them. Returns the results GeoPackage."""
    folder.mkdir(parents=True, exist_ok=True)
    x = CENTRE_X + rng.uniform(-60_000, 60_000, n_villages)
    y = CENTRE_Y + rng.uniform(-60_000, 60_000, n_villages)
    homes = rng.integers(20, 600, n_villages)
    villages = gpd.GeoDataFrame({
        "village_code": [f"15062210{i:04d}" for i in range(n_villages)],
        "name": [f"测试{i}村" for i in range(n_villages)], "county_code": "150622",
        "town_code": [f"150622{100 + i % 40:03d}" for i in range(n_villages)],
        "households": homes, "resident_population": homes * 3,
        "sanitary_toilet_households": (homes * rng.uniform(0.2, 0.9, n_villages)).astype(np.int64),
        "sewage_treated": rng.integers(0, 2, n_villages),
    }, geometry=shapely.points(x, y), crs=f"EPSG:{BENCH_EPSG}")
    source = folder / "villages_input.gpkg"
    villages.to_file(source, layer="villages", driver="GPKG", engine="pyogrio")
    results = villages.assign(covered=rng.random(n_villages) < 0.5, hardened_access=rng.random(n_villages) < 0.6,
                              collection_model="village_collect")
    results.to_file(folder / "results.gpkg", layer="villages", driver="GPKG", engine="pyogrio")
    summary = {"inputs": {"villages": {"source": f"{source}:villages", "sha256": sha256_of(source)}}, "config": {}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder / "results.gpkg"


def fill_every_form(form_gpkg: Path, dest: Path, rng: np.random.Generator) -> int:
    """form.gpkg with three observations on every village (as QField would return it); returns the rows."""
    g = pyogrio.read_dataframe(form_gpkg, layer="village_status")
    n = len(g)
    g["obs_households"] = g["households"] + rng.integers(-3, 4, n)
    g["obs_sanitary_toilet_households"] = np.minimum(g["sanitary_toilet_households"] + 5, g["obs_households"])
    g["obs_sewage_treated"] = np.where(rng.random(n) < 0.5, "是", "否")
    g["surveyor"], g["survey_date"] = "调查组", "2026-06-15"
    pyogrio.write_dataframe(g, dest, layer="village_status", driver="GPKG")
    return n


def benchmark_field_loop(n_villages: int, workdir: str | Path, seed: int = 0) -> dict:
    """Time the import and the apply of one returned form of ``n_villages`` villages.

    Parameters
    ----------
    n_villages : int
        Villages of the synthetic run, all in the returned form.
    workdir : path
        Folder for the run, the form and the outputs (created if needed).
    seed : int

    Returns
    -------
    dict
        ``n_villages``, ``observations``, ``form_s`` (writing the form), ``import_s``, ``apply_s``,
        ``import_apply_s`` (the two together; the goal is ≤ 10 s for 10,000 villages), ``changes``.
    """
    workdir = Path(workdir)
    if workdir.exists():
        shutil.rmtree(workdir)
    rng = np.random.default_rng(seed)
    results = write_field_loop_run(workdir / "run", n_villages, rng)
    t0 = time.perf_counter()
    write_form(results, workdir / "form")
    form_s = time.perf_counter() - t0
    returned = workdir / "returned.gpkg"
    fill_every_form(workdir / "form" / "form.gpkg", returned, rng)
    t1 = time.perf_counter()
    report = import_status([returned], results)
    t2 = time.perf_counter()
    applied = apply_status(results, workdir / "villages_2026.gpkg", year=2026)
    t3 = time.perf_counter()
    counts = report.files[0].counts
    return {"n_villages": n_villages, "observations": sum(counts.values()), "ok": counts.get("ok", 0),
            "form_s": round(form_s, 3), "import_s": round(t2 - t1, 3), "apply_s": round(t3 - t2, 3),
            "import_apply_s": round(t3 - t1, 3), "changes": applied.changes}
