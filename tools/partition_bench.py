"""``ruralenv bench --partition UNIT``: a partitioned run on a local Dask cluster, timed per partition.

Each measurement runs in a fresh child process (:func:`.bench.run_worker`) that generates the synthetic region
in memory (the ``china`` scale: about 600,000 villages and 10 million road segments; nothing is written to
disk but the report) and runs :func:`.partition.run_partitioned` on it with 1 and with N workers: time per
partition, total, peak memory of every worker and of the client, the speed-up from 1 to N workers and, at
scales where the single run fits, whether every village equals the single run.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.base.config import Config
from ..core.base.progress import NullProgress

VILLAGE_CHECK = ("net_dist_station_m", "net_dist_town_treatment_m", "net_dist_county_treatment_m",
                 "net_dist_village_treatment_m", "pave_gap_m", "collection_model", "covered", "hardened_access",
                 "unreachable_reason")


def partition_bench(scale: str, out: Path, unit: str, workers: int = 2, single: bool = True, seed: int = 7,
                    sample: int = 0, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Measure partitioned runs with 1 and ``workers`` workers (and the single run when ``single``).

    With ``sample`` > 0 only that many median-size partitions run (first round, ``workers`` workers): time and
    memory per partition at scales whose whole run takes hours here.

    Returns
    -------
    dict
        What ``bench_partition.json`` holds, plus ``table`` (Markdown).
    """
    from .bench import machine_info, run_worker

    log = log or (lambda s: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine_info(), "scale": scale, "unit": unit, "seed": seed, "runs": {}}
    # N workers first: at the China scale each run takes the better part of an hour, and the report is saved
    # after each run, so the N-worker numbers are there even if the 1-worker run is stopped
    for n in [] if sample else sorted({1, workers}, reverse=True):
        log(f"[{scale}] partitioned by {unit} on {n} worker(s); progress in {out / f'partition_{n}w.log'}")
        report["runs"][str(n)] = run_worker("partitioned", {
            "scale": scale, "seed": seed, "unit": unit, "workers": n, "single": single and n == workers,
            "via_file": str(out / "china_inputs.gpkg") if scale == "china" else None,
            "log": str(out / f"partition_{n}w.log")})
        (out / "bench_partition.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if sample:
        log(f"[{scale}] {sample} median {unit} partitions on {workers} workers")
        report["sample"] = run_worker("partition_sample", {
            "scale": scale, "seed": seed, "unit": unit, "workers": workers, "sample": sample,
            "via_file": str(out / "china_inputs.gpkg") if scale == "china" else None,
            "log": str(out / "partition_sample.log")})
        report["table"] = json.dumps(report["sample"], ensure_ascii=False, indent=1)
        (out / "bench_partition.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        return report
    runs = report["runs"]
    if "1" in runs and str(workers) in runs and workers > 1:
        report["speedup"] = round(runs["1"]["partitions_s"] / runs[str(workers)]["partitions_s"], 2)
    report["table"] = format_partition_table(report)
    (out / "bench_partition.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "bench_partition.md").write_text(report["table"] + "\n", encoding="utf-8")
    return report


def task_partitioned(job: dict[str, Any]) -> dict[str, Any]:
    """Child process: generate the region, run it partitioned, optionally compare with the single run."""
    from ..core.base.progress import peak_rss_mb
    from ..core.partition.run import PartitionOptions, run_partitioned
    from .synthetic import generate_region

    t0 = time.perf_counter()
    region = generate_region(job["scale"], job["seed"])
    gen_s = time.perf_counter() - t0
    counts = region.counts()
    config = Config(use_cache=False)
    inputs: dict[str, Any] = dict(region.layers)
    if job.get("via_file"):  # the client then holds the projected layers only, as when reading a user's files
        inputs = _through_file(region, Path(job["via_file"]))  # region.layers emptied
    t0 = time.perf_counter()
    progress = _LogProgress(job.get("log"))
    try:
        res = run_partitioned(inputs, config, PartitionOptions(job["unit"], workers=job["workers"]), write_map=False,
                              progress=progress)
    finally:
        if job.get("via_file"):
            Path(job["via_file"]).unlink(missing_ok=True)
    total = time.perf_counter() - t0
    info = res.summary["partition"]
    tasks = info["tasks"]
    out = {"counts": counts, "generate_s": round(gen_s, 1), "total_s": round(total, 1),
           "partitions_s": res.summary["timings_s"]["partitions"], "stages_s": res.summary["timings_s"],
           "partitions": info["partitions"], "rounds": info["rounds"], "tasks": tasks,
           "recomputed_villages": info["recomputed_villages"], "uncertified_villages": info["uncertified_villages"],
           "uncertified_checks": _check_counts(info["uncertified"]),
           "client_peak_rss_mb": peak_rss_mb(), "client_rss_by_stage_mb": progress.rss_by_stage,
           "worker_peak_rss_mb": _per_worker_peak(tasks)}
    if job.get("single"):
        out["equals_single"] = _equals_single(region, config, res.villages)
    return out


class _LogProgress(NullProgress):
    """The bench child's progress: stages, every tenth partition and warnings, each with the elapsed time and
    the client's resident memory, appended to a log file (long runs can be followed with ``tail -f``)."""

    def __init__(self, path: str | None) -> None:
        self.path, self.t0, self.done = path, time.perf_counter(), 0
        self.rss_by_stage: dict[str, float] = {}

    def _line(self, text: str) -> None:
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(f"{time.perf_counter() - self.t0:8.1f} s  client {rss_mb():7.0f} MB  {text}\n")

    def stage(self, name: str, total: int | None = None) -> None:
        self.rss_by_stage[name] = round(rss_mb())
        self._line(f"stage {name}")

    def message(self, text: str, level: str = "info") -> None:
        if text.startswith("partition ") and "(round" in text:
            self.done += 1
            if self.done % 10:
                return
            text = f"[{self.done} tasks done] {text}"
        self._line(f"{level}: {text[:200]}")


def rss_mb() -> float:
    """This process's resident memory now, in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


def _through_file(region, path: Path) -> dict[str, str]:
    """Write the generated layers to a GeoPackage (deleted after the run; never kept) and free them."""
    import gc

    from ..core.io.write import write_gpkg

    path.unlink(missing_ok=True)
    write_gpkg(dict(region.layers), path, index_max_features=0)
    names = list(region.layers)
    region.layers.clear()
    gc.collect()
    return {k: f"{path}:{k}" for k in names}


def task_partition_sample(job: dict[str, Any]) -> dict[str, Any]:
    """Child process: generate the region, prepare it as the client of a run does (projection, graph, seeds'
    labels) and run only ``sample`` median-size partitions (first round, seeded windows)."""
    from ..core.base.progress import peak_rss_mb
    from ..core.model.stage import Timer
    from ..core.partition.run import (
        PartitionOptions,
        client_side,
        connect_cluster,
        default_halo_m,
        make_job,
        run_job,
    )
    from .synthetic import generate_region

    t0 = time.perf_counter()
    region = generate_region(job["scale"], job["seed"])
    out: dict[str, Any] = {"counts": region.counts(), "generate_s": round(time.perf_counter() - t0, 1),
                           "generate_peak_rss_mb": peak_rss_mb()}
    via_file = Path(job["via_file"]) if job.get("via_file") else None
    inputs: dict[str, Any] = _through_file(region, via_file) if via_file else dict(region.layers)
    del region
    config = Config(use_cache=False)
    options = PartitionOptions(job["unit"], workers=job["workers"])
    progress = _LogProgress(job.get("log"))
    timer = Timer(progress)
    try:
        side = client_side(inputs, config, options, progress, timer)
    finally:
        if via_file:
            via_file.unlink(missing_ok=True)
    out["client_s"] = {k: round(v, 1) for k, v in timer.seconds.items() if isinstance(v, float)}
    codes, n = np.unique(side.keys, return_counts=True)
    mid, k = len(codes) // 2, job["sample"]
    pick = codes[np.argsort(n, kind="stable")[max(0, mid - k // 2): max(0, mid - k // 2) + k]]
    client, cluster = connect_cluster(options)
    try:
        t0 = time.perf_counter()
        futures = [client.submit(run_job, make_job(side.gdfs, np.flatnonzero(side.keys == c), str(c),
                                                   default_halo_m(config), side.worker_config, 1, side.whole),
                                 pure=False) for c in pick]
        results = client.gather(futures)
        out["wall_s"] = round(time.perf_counter() - t0, 1)
    finally:
        client.close()
        cluster.close()
    out["partitions"] = len(codes)
    out["tasks"] = [{"key": r.key, "own_villages": len(r.vid), "certified": int(r.certified.sum()),
                     "window_roads": r.n_roads, "window_villages": r.n_villages, "seconds": r.seconds,
                     "peak_rss_mb": r.peak_rss_mb, "worker_pid": r.worker_pid} for r in results]
    out["client_peak_rss_mb"] = peak_rss_mb()
    return out


def _check_counts(uncertified: list[dict[str, Any]]) -> dict[str, int]:
    """How many flagged villages failed each check of the certificate."""
    counts: dict[str, int] = {}
    for u in uncertified:
        for check in filter(None, u["failed_checks"].split(",")):
            counts[check] = counts.get(check, 0) + 1
    return counts


def _per_worker_peak(tasks: list[dict[str, Any]]) -> dict[str, float]:
    peak: dict[str, float] = {}
    for t in tasks:
        peak[str(t["worker_pid"])] = max(peak.get(str(t["worker_pid"]), 0.0), t["peak_rss_mb"])
    return peak


def _equals_single(region, config: Config, villages) -> dict[str, Any]:
    """Villages whose checked columns differ from the single run (distances to a relative 1e-6)."""
    from ..core.pipeline import run_pipeline

    t0 = time.perf_counter()
    single = run_pipeline(dict(region.layers), config, write_map=False).villages
    seconds = time.perf_counter() - t0
    bad = np.zeros(len(single), bool)
    for col in VILLAGE_CHECK:
        a, b = single[col], villages[col]
        if a.dtype.kind == "f":
            bad |= ~np.isclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-6, atol=0.0, equal_nan=True)
        else:
            bad |= a.astype(object).where(a.notna(), None).to_numpy() != b.astype(object).where(b.notna(), None).to_numpy()
    return {"single_run_s": round(seconds, 1), "villages_differing": int(bad.sum()), "villages": len(single)}


def format_partition_table(report: dict[str, Any]) -> str:
    """Markdown: one column per worker count; rows for time, memory and the check against the single run."""
    runs = report["runs"]
    cols = sorted(runs, key=int)
    rows = [("villages / road segments", [f"{runs[c]['counts']['villages']:,} / {runs[c]['counts']['roads']:,}"
                                          for c in cols]),
            ("partitions (tasks incl. wider-halo rounds)",
             [f"{runs[c]['partitions']} ({len(runs[c]['tasks'])}, {runs[c]['rounds']} rounds)" for c in cols]),
            ("villages recomputed with a wider halo", [f"{runs[c]['recomputed_villages']:,}" for c in cols]),
            ("villages flagged (not certified at 4x the halo or the window limit)",
             [f"{runs[c].get('uncertified_villages', 0):,}"
              + (" (" + ", ".join(f"{k} {v}" for k, v in runs[c]["uncertified_checks"].items()) + ")"
                 if runs[c].get("uncertified_checks") else "") for c in cols]),
            ("client: read+crs+graph / far-distance labels / merge s",
             [" / ".join(f"{sum(runs[c]['stages_s'].get(k, 0) for k in ks):.1f}"
                         for ks in (("read", "crs", "graph"), ("labels",), ("merge",))) for c in cols]),
            ("partition time per task s (median / max)",
             [f"{np.median([t['seconds'] for t in runs[c]['tasks']]):.1f} / "
              f"{max(t['seconds'] for t in runs[c]['tasks']):.1f}" for c in cols]),
            ("partitions phase s", [f"{runs[c]['partitions_s']:.1f}" for c in cols]),
            ("total s (read, graph, partitions, merge)", [f"{runs[c]['total_s']:.1f}" for c in cols]),
            ("peak RSS per worker MB", [", ".join(f"{v:,.0f}" for v in runs[c]["worker_peak_rss_mb"].values())
                                        for c in cols]),
            ("peak RSS client MB", [f"{runs[c]['client_peak_rss_mb']:,.0f}" for c in cols])]
    checked = [c for c in cols if "equals_single" in runs[c]]
    if checked:
        rows.append(("villages differing from the single run",
                     [f"{runs[c]['equals_single']['villages_differing']} of {runs[c]['equals_single']['villages']:,}"
                      if c in checked else "—" for c in cols]))
    head = "| | " + " | ".join(f"{c} worker{'s' if c != '1' else ''}" for c in cols) + " |"
    lines = [head, "|---|" + "---|" * len(cols)] + [f"| {name} | " + " | ".join(vals) + " |" for name, vals in rows]
    if "speedup" in report:
        lines.append(f"\nSpeed-up of the partitions phase from 1 to {cols[-1]} workers: {report['speedup']}×")
    return "\n".join(lines)
