"""``ruralenv bench``: the whole pipeline on a synthetic Inner Mongolia, timed against the tools planners use.

For each size (county, league, region) the parent process generates the inputs
(:mod:`.synthetic`, written to ``<out>/<scale>/inputs.gpkg``) and then measures in fresh child processes,
so that the peak memory of each measurement is its own:

* ``pipeline``: :func:`.pipeline.run_pipeline` with an empty graph cache (time per stage, peak RSS), the
  web map, and a second run on the same inputs whose graph stage is the load from the cache;
* ``baselines``: the same multi-source searches with bare :func:`scipy.sparse.csgraph.dijkstra` (the
  floor), with networkx, and with QGIS ``native:shortestpathlayertopoint`` (in Debian's Python, in its
  own process; the core never imports qgis).

Growth with the number of road segments is fitted on log–log axes by least squares.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from ..core import Config, RuralEnvError
from ..core.base.files import LAST_AHEAD, LAST_BACKGROUND, package_file
from ..core.base.progress import peak_rss_mb
from ..core.model.analysis import PIPELINE_STAGES
from .map_bench import chromium_path
from .synthetic import MESH_SCALE, SCALES, generate_inputs, generate_region

STAGES = PIPELINE_STAGES  # the stages a run reports, as the pipeline declares them
INPUT_LAYERS = ("villages", "roads", "facilities", "towns", "counties", "mines")
#: Multi-source searches of the distance stage: one per facility type, one from the stations that reach treatment.
DISTANCE_RUNS = 5
#: Environment variables naming the QGIS installation prefix (QGIS's own) and the Python its bindings belong to.
QGIS_PREFIX_ENV = "QGIS_PREFIX_PATH"
QGIS_PYTHON_ENV = "RURALENV_QGIS_PYTHON"
QGIS_TIMEOUT_S = 1800
TARGETS = {"total_s": 30.0, "peak_rss_mb": 2560.0, "floor_ratio": 2.0, "io_floor_ratio": 2.0, "qgis_ratio": 1000.0,
           "networkx_ratio": 10.0}
#: Cell size of the accessibility surface measured at each scale (the region at 250 m: about 19 M cells).
SURFACE_RES_M = {"county": 50.0, "league": 100.0, "region": 250.0, MESH_SCALE: 250.0}
#: Friction of off-road cells relative to road cells in the scikit-image cost-distance peer.
MCP_OFFROAD_FRICTION = 4.0


class BenchError(RuralEnvError):
    """A measurement process failed; the message holds the end of its error output."""


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bench`` subcommand to the ``ruralenv`` command line."""
    p = subparsers.add_parser(
        "bench", help="time the pipeline on a synthetic Inner Mongolia against scipy, networkx and QGIS",
        description="Generate a synthetic region, run the whole pipeline on it and compare with bare scipy, "
                    "networkx and QGIS native:shortestpathlayertopoint. Writes bench.json and bench.md.")
    p.add_argument("--scale", choices=list(SCALES), default="region",
                   help="region: all 103 counties, ~61 000 villages, >1 000 000 road segments; league ~1/10; "
                        "county ~1/100 (default region); china: 10x the region (with --partition)")
    p.add_argument("--out", type=Path, default=Path("bench-out"), help="output folder (default bench-out)")
    p.add_argument("--no-baselines", action="store_true", help="skip the scipy, networkx and QGIS baselines")
    p.add_argument("--no-growth", action="store_true",
                   help="run only --scale, not also the smaller scales used to fit the growth exponent")
    p.add_argument("--profile", action="store_true",
                   help="also profile one run of the largest scale (cProfile; profile.txt)")
    p.add_argument("--no-cases", action="store_true",
                   help="skip the map case (60,000 villages / 200,000 roads in headless Chromium) and the "
                        "survey case (100,000-point CSV import)")
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic region (default 7)")
    p.add_argument("--partition", choices=["county", "league", "auto"],
                   help="bench a partitioned run on a local Dask cluster instead (1 and --workers workers; "
                        "with the single run too unless --no-baselines or at --scale china)")
    p.add_argument("--workers", type=int, default=2, help="workers of the partitioned bench (default 2)")
    p.add_argument("--sample", type=int, default=0, metavar="K",
                   help="partitioned bench: run only K median-size partitions (first round), e.g. at --scale china")
    p.add_argument("--roads", choices=["hierarchy", "mesh", "both"], default="hierarchy",
                   help="hierarchy: roads of the synthetic region, cut along each road (default); mesh: a "
                        "region-size input in EPSG:4326 whose roads are a dense mesh of 1.38 million two-point "
                        "segments (780,000 nodes, most of them junctions) and 900 facilities, instead of --scale; "
                        "both: the scales, then the mesh")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="time the pipeline and its I/O floor N times, each pair back to back, and report the "
                        "median pair (the lower middle one when N is even) with every pair's ratio (default 1)")
    p.add_argument("--ratio-only", action="store_true",
                   help="measure only the pipeline against its I/O floor (no map render, surface, plan, "
                        "baselines): a quick check of the floor ratio, e.g. with --repeat on a shared machine")
    p.add_argument("--monitor", action="store_true",
                   help="bench `ruralenv monitor` instead: five yearly runs of the synthetic --scale compared "
                        "(goal 60 s at region scale); writes bench_monitor.json and bench_monitor.md")
    p.add_argument("--qgis-villages", type=int, default=20,
                   help="villages routed by QGIS to their nearest transfer station (default 20; 0 skips QGIS)")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """``ruralenv bench``: run, print the table, write bench.json and bench.md."""
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    if args.monitor:
        report = run_monitor_bench(args.scale, args.out, args.seed, log)
        print(report["table"])
        print(f"bench_monitor.json, bench_monitor.md in {args.out}")
        return 0
    if args.partition or args.scale == "china":
        from .partition_bench import partition_bench

        report = partition_bench(args.scale, args.out, args.partition or "county", args.workers,
                                 single=not args.no_baselines and args.scale != "china", seed=args.seed,
                                 sample=args.sample, log=log)
        print(report["table"])
        print(f"bench_partition.json, bench_partition.md in {args.out}")
        return 0
    names = [s for s in SCALES if s in ("county", "league", "region")]
    scales = [args.scale] if args.no_growth else names[: names.index(args.scale) + 1]
    scales = {"hierarchy": scales, "mesh": [MESH_SCALE], "both": [*scales, MESH_SCALE]}[args.roads]
    report = run_bench(scales, args.out, baselines=not args.no_baselines, profile=args.profile, seed=args.seed,
                       qgis_villages=args.qgis_villages, cases=not args.no_cases, log=log,
                       repeat=max(1, args.repeat), ratio_only=args.ratio_only)
    print(report["table"])
    print(f"bench.json, bench.md in {args.out}")
    return 0


def run_bench(scales: list[str], out: Path, baselines: bool = True, profile: bool = False, seed: int = 7,
              qgis_villages: int = 20, cases: bool = False, log=None, repeat: int = 1,
              ratio_only: bool = False) -> dict[str, Any]:
    """Generate, measure and compare at each scale; write ``bench.json`` and ``bench.md`` into ``out``.

    Parameters
    ----------
    scales : list of str
        Keys of :data:`.synthetic.SCALES`, smallest first, or :data:`.synthetic.MESH_SCALE` (the mesh input);
        QGIS and the profile run on the last one only; growth is fitted over the synthetic region's scales.
    out : Path
        Output folder; ``<out>/<scale>/`` holds the inputs, results and graph cache of each scale.
    baselines : bool
        Also time scipy, networkx and QGIS on the same data.
    profile : bool
        Profile one more cold run of the last scale; ``<out>/<scale>/profile.txt``.
    seed : int
    qgis_villages : int
        Villages QGIS routes (0: no QGIS).
    cases : bool
        Also run :func:`extra_cases` (map in Chromium, survey import).
    log : callable, optional
        Receives progress lines.
    repeat : int
        Times the pipeline and its I/O floor are measured at each scale (medians reported, each pair kept).
    ratio_only : bool
        Measure only the pipeline and its I/O floor (no map render, surface, baselines or plan).

    Returns
    -------
    dict
        What bench.json holds, plus ``table`` (the Markdown table).
    """
    log = log or (lambda s: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for i, scale in enumerate(scales):
        last = i == len(scales) - 1
        runs.append(_measure_scale(scale, out / scale, baselines and not ratio_only, qgis_villages if last else 0,
                                   profile and last, seed, log, repeat, ratio_only))
    report = {"machine": machine_info(), "seed": seed, "runs": runs,
              "growth": growth([r for r in runs if r["scale"] != MESH_SCALE]),
              "targets": _check_targets(runs[-1])}
    if cases:
        log("[cases] web map of 60,000 villages / 200,000 roads in headless Chromium; 100,000-point survey CSV")
        report["cases"] = extra_cases(out / "cases")
    table = format_table(report)
    (out / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "bench.md").write_text(table + "\n", encoding="utf-8")
    report["table"] = table
    return report


def _measure_scale(scale: str, folder: Path, baselines: bool, qgis_villages: int, profile: bool, seed: int,
                   log, repeat: int = 1, ratio_only: bool = False) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    log(f"[{scale}] generating the synthetic inputs")
    t0 = time.perf_counter()
    region = generate_inputs(scale, seed)
    t1 = time.perf_counter()
    gpkg = region.write(folder / "inputs.gpkg")
    run: dict[str, Any] = {"scale": scale, "counties_source": region.counties_source, "counts": region.counts(),
                           "generate_s": round(t1 - t0, 3), "write_inputs_s": round(time.perf_counter() - t1, 3)}
    del region
    gc.collect()
    log(f"[{scale}] {run['counts']['roads']} road segments, {run['counts']['villages']} villages "
        f"({run['counties_source']}); running the pipeline")
    cache = folder / "cache"
    job = {"gpkg": str(gpkg), "cache": str(cache), "out": str(folder / "results")}
    run.update(_pipeline_and_floor(scale, job, folder, repeat, log))
    run["villages_per_s"] = round(run["counts"]["villages"] / run["total_s"], 1)
    if ratio_only:
        return run
    if chromium_path():
        log(f"[{scale}] map.html in headless Chromium: first render, redraw after a pan")
        run["map_render"] = run_worker("map_render", {"html": str(folder / "results" / "map.html")})
    log(f"[{scale}] accessibility surface at {SURFACE_RES_M[scale]:g} m" + (" and scikit-image MCP_Geometric"
                                                                          if baselines else ""))
    surface_job = {**job, "results": str(folder / "results" / "results.gpkg"), "res": SURFACE_RES_M[scale],
                   "tif": str(folder / "surface.tif")}
    run["surface"] = run_worker("surface", surface_job)
    if baselines:
        run["surface"]["mcp"] = run_worker("surface_mcp", surface_job)
        log(f"[{scale}] baselines: scipy floor, networkx" + (", QGIS" if qgis_villages else ""))
        results = folder / "results" / "results.gpkg"
        run["baselines"] = run_worker("baselines", {**job, "results": str(results), "qgis_villages": qgis_villages,
                                                 "tmp": str(folder), "crs": run["crs"]})
        run["ratios"] = ratios(run)
    log(f"[{scale}] plan: sites and paving for the 2025 targets, checked by a re-run")
    run["plan"] = run_worker("plan", {"results": str(folder / "results" / "results.gpkg"),
                                   "time_limit": 40.0 if scale in ("region", MESH_SCALE) else 10.0})
    if profile:
        log(f"[{scale}] profiling a cold run")
        prof = folder / "profile.txt"
        run_worker("profile", {**job, "cache": str(folder / "cache-profile"), "profile": str(prof)})
        run["profile"] = str(prof)
    return run


def _pipeline_and_floor(scale: str, job: dict[str, Any], folder: Path, repeat: int, log) -> dict[str, Any]:
    """The pipeline (cold graph cache) and its I/O floor, one after the other, ``repeat`` times.

    Each pair is measured back to back so that their ratio sees the same load of a shared machine; the
    load average (1 min) before each pair is kept. The last pipeline run's results stay for what follows.
    The median pair by ratio (the lower middle one for an even ``repeat``) gives the run's numbers; every
    pair is kept under ``repeats``.
    """
    pairs = []
    for k in range(repeat):
        shutil.rmtree(job["cache"], ignore_errors=True)
        load = round(os.getloadavg()[0], 2)
        log(f"[{scale}] pipeline, cold graph cache ({k + 1}/{repeat}; load average {load})")
        got = run_worker("pipeline", job)
        log(f"[{scale}] I/O floor: read, noding, three searches, write two layers")
        got["io_floor"] = run_worker("io_floor", {**job, "crs": got["crs"], "tmp": str(folder)})
        got["total_over_io_floor"] = round(got["total_s"] / got["io_floor"]["seconds"], 2)
        got["load_average_1min"] = load
        pairs.append(got)
    order = sorted(range(repeat), key=lambda i: pairs[i]["total_over_io_floor"])
    out = dict(pairs[order[(repeat - 1) // 2]])
    if repeat > 1:
        out["repeats"] = [{"total_s": p["total_s"], "io_floor_s": p["io_floor"]["seconds"],
                           "total_over_io_floor": p["total_over_io_floor"], "stages_s": p["stages_s"],
                           "peak_rss_mb": p["peak_rss_mb"], "load_average_1min": p["load_average_1min"]}
                          for p in pairs]
        out["median_total_over_io_floor"] = float(np.median([p["total_over_io_floor"] for p in pairs]))
    return out


def run_monitor_bench(scale: str, out: Path, seed: int = 7, log=None) -> dict[str, Any]:
    """Five yearly runs of the synthetic region compared by ``ruralenv monitor`` (:mod:`.monitor_bench`).

    The region is generated and run once (``<out>/<scale>/results``, reused when present), four later years are
    derived from that run, then the comparison and its outputs are timed in a fresh process. Writes
    ``bench_monitor.json`` and ``bench_monitor.md`` into ``out``.
    """
    from .monitor_bench import format_monitor

    log = log or (lambda s: None)
    folder = Path(out) / scale
    results = folder / "results"
    if not (results / "results.gpkg").exists() or not (results / "summary.json").exists():
        log(f"[{scale}] generating the synthetic region and running the pipeline once")
        folder.mkdir(parents=True, exist_ok=True)
        gpkg = generate_region(scale, seed).write(folder / "inputs.gpkg")
        run_worker("monitor_base", {"gpkg": str(gpkg), "out": str(results), "cache": str(folder / "cache")})
    log(f"[{scale}] deriving four later years and timing ruralenv monitor on the five")
    report = run_worker("monitor", {"results": str(results), "years": str(folder / "monitor_years"),
                                    "out": str(folder / "monitor_out"), "seed": seed})
    report.update({"scale": scale, "machine": machine_info()})
    report["table"] = format_monitor(report)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "bench_monitor.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (Path(out) / "bench_monitor.md").write_text(report["table"] + "\n", encoding="utf-8")
    return report


def _task_monitor_base(job: dict[str, Any]) -> dict[str, Any]:
    from ..core.pipeline import run_pipeline

    res = run_pipeline(_inputs(job["gpkg"]), Config(cache_dir=job["cache"]), out_dir=job["out"], write_map=False)
    return {"villages": len(res.villages)}


def _task_monitor(job: dict[str, Any]) -> dict[str, Any]:
    from .monitor_bench import make_years, monitor_benchmark

    t0 = time.perf_counter()
    runs = make_years(Path(job["results"]), Path(job["years"]), seed=job["seed"])
    made = round(time.perf_counter() - t0, 2)
    return {**monitor_benchmark(runs, Path(job["out"])), "make_years_s": made}


def run_worker(task: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it reported."""
    fd, result = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        cmd = [sys.executable, "-m", "ruralenv.tools.bench", task, json.dumps({**job, "result": result})]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BenchError(f"bench {task} worker failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return json.loads(Path(result).read_text(encoding="utf-8"))
    finally:
        os.unlink(result)


def _inputs(gpkg: str) -> dict[str, str]:
    return {k: f"{gpkg}:{k}" for k in INPUT_LAYERS}


def _task_pipeline(job: dict[str, Any]) -> dict[str, Any]:
    """Cold run with every output and the map (as ``ruralenv run`` does), the map once more on its own to
    time it, then a warm run whose graph comes from the cache."""
    from ..core.pipeline import run_pipeline

    import_rss = peak_rss_mb()
    config = Config(cache_dir=job["cache"])
    res = run_pipeline(_inputs(job["gpkg"]), config, out_dir=job["out"], write_map=True)
    writer, ahead = dict(LAST_BACKGROUND), dict(LAST_AHEAD)
    timings = dict(res.summary["timings_s"])
    stages = {k: timings.get(k) for k in STAGES}
    peak = peak_rss_mb()
    map_path = Path(job["out"]) / "map.html"
    stages["map"] = _time_map(res, map_path)
    out = {"stages_s": stages, "total_s": timings["total"], "peak_rss_mb": peak, "import_rss_mb": import_rss,
           "peak_rss_with_map_mb": peak_rss_mb(), "network": res.summary["network"],
           "writer_child": writer, "roads_ahead_child": ahead,
           "crs": res.summary["crs"], "villages_out": len(res.villages),
           "map_mb": round(map_path.stat().st_size / 1e6, 2) if map_path.exists() else None}
    del res
    gc.collect()
    warm = run_pipeline(_inputs(job["gpkg"]), config, out_dir=None, write_map=False)
    out["stages_s"]["graph_load_from_cache"] = warm.summary["timings_s"]["graph"]
    out["warm_graph_from_cache"] = bool(warm.network.from_cache)
    out["warm_total_s"] = warm.summary["timings_s"]["total"]
    del warm
    gc.collect()
    out["capacity_aware"] = capacity_aware_run(job["gpkg"], config)
    return out


def capacity_aware_run(gpkg: str, config: Config) -> dict[str, Any]:
    """Issue 27: a warm run with ``capacity_aware`` beside a warm plain run (goal: at most 1.3× its time); each
    run twice, alternating, the faster of each kept (the machine is shared)."""
    from ..core.pipeline import run_pipeline

    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(2):
        for aware_flag in (False, True):
            runs[aware_flag].append(run_pipeline(_inputs(gpkg), config.replace(capacity_aware=aware_flag),
                                                 out_dir=None, write_map=False).summary)
            gc.collect()
    plain = min(runs[False], key=lambda s: s["timings_s"]["total"])
    aware = min(runs[True], key=lambda s: s["timings_s"]["total"])
    total_plain, total_aware = plain["timings_s"]["total"], aware["timings_s"]["total"]
    return {"plain_s": total_plain, "aware_s": total_aware, "ratio": round(total_aware / total_plain, 3),
            "capacity_stage_s": aware["timings_s"].get("capacity"),
            "capacity_stage_plain_s": plain["timings_s"].get("capacity"),
            "parts_solved": {k: v["parts_solved_exactly"] for k, v in aware.get("capacity_assignment", {}).items()},
            "covered_plain": plain["region"]["n_admin_covered"], "covered_aware": aware["region"]["n_admin_covered"]}


def _task_plan(job: dict[str, Any]) -> dict[str, Any]:
    from .plan_bench import plan_benchmark

    return plan_benchmark(job["results"], job["time_limit"])


def _time_map(res, path: Path) -> float | None:
    try:
        from ..core.maps.webmap import export_map
    except ImportError:
        return None
    t0 = time.perf_counter()
    export_map(res, path)
    return round(time.perf_counter() - t0, 3)


def _task_map_render(job: dict[str, Any]) -> dict[str, Any]:
    from .map_bench import measure_render

    try:
        got = measure_render(job["html"])
    except (ImportError, FileNotFoundError) as exc:
        return {"skipped": f"no browser timing: {exc}"}
    return {k: got[k] for k in ("first_render_s", "redraw_ms", "js_errors")}


def _task_io_floor(job: dict[str, Any]) -> dict[str, Any]:
    return io_floor(job["gpkg"], job["crs"], Path(job["tmp"]))


def _task_profile(job: dict[str, Any]) -> dict[str, Any]:
    """One cold run under cProfile; the top functions by own and by cumulative time go to a text file."""
    from ..core.pipeline import run_pipeline

    shutil.rmtree(job["cache"], ignore_errors=True)
    prof = cProfile.Profile()
    prof.runcall(run_pipeline, _inputs(job["gpkg"]), Config(cache_dir=job["cache"]), None, None, False)
    buf = io.StringIO()
    for key in ("tottime", "cumulative"):
        buf.write(f"==== sorted by {key} ====\n")
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(40)
    Path(job["profile"]).write_text(buf.getvalue(), encoding="utf-8")
    return {}


def _task_baselines(job: dict[str, Any]) -> dict[str, Any]:
    problem = distance_problem(job["gpkg"], job["cache"], job["crs"])
    out = {"floor": scipy_floor(problem), "networkx": networkx_baseline(problem),
           "networkx_raw": networkx_baseline(problem, "raw_matrix")}
    if job["qgis_villages"]:
        out["qgis"] = qgis_baseline(problem, job["gpkg"], Path(job["results"]), job["qgis_villages"],
                                    Path(job["tmp"]))
    return out


def distance_problem(gpkg: str, cache: str, crs: str | CRS) -> dict[str, Any]:
    """The graph the distance stage searches, built the pipeline's way, and the sources of each search.

    Villages, facilities and township seats are snapped onto the (cached) road graph and the graph is
    split at the snapped points (:func:`.snapping.augmented_graph`); the search sources are the nodes
    of each facility type, and the transfer stations once more (the pipeline's search from the stations
    that reach a county treatment facility).

    Parameters
    ----------
    gpkg : str
        The synthetic inputs.
    cache : str
        Graph cache folder of the pipeline run (the graph is loaded, not rebuilt).
    crs : str or pyproj.CRS
        The metric CRS the pipeline chose.

    Returns
    -------
    dict
        ``matrix`` (CSR), ``sources`` (list of node arrays, one per search), ``village_node``,
        ``station_facility`` (facility row of each node, -1 elsewhere), ``n_villages``.
    """
    from ..core.model.prepare import prepare
    from ..core.network.graph import csr_from_edges

    p = prepare(_inputs(gpkg), Config(cache_dir=cache, crs=CRS.from_user_input(crs).to_string()))
    aug, n_v = p.graph, len(p.villages)
    f_node = p.facility_node
    ftype = p.facilities["facility_type"].to_numpy(object)
    sources = [np.unique(f_node[(ftype == t) & (f_node >= 0)]) for t in
               ("transfer_station", "town_treatment", "county_treatment", "village_treatment", "transfer_station")]
    facility_of_node = np.full(aug.n_nodes, -1, np.int64)
    facility_of_node[f_node[f_node >= 0]] = np.flatnonzero(f_node >= 0)
    return {"matrix": p.matrix, "raw_matrix": csr_from_edges(aug.u, aug.v, aug.length_m, aug.n_nodes),
            "sources": [s for s in sources if len(s)],
            "village_node": aug.point_node[:n_v], "facility_of_node": facility_of_node, "n_villages": n_v,
            "facility_type": ftype}


def scipy_floor(problem: dict[str, Any]) -> dict[str, Any]:
    """Time the bare multi-source scipy searches (the least any implementation on this graph can spend).

    Parameters
    ----------
    problem : dict
        From :func:`distance_problem`.

    Returns
    -------
    dict
        ``runs``, ``seconds``, graph ``nodes`` and ``edges``, ``per_village_s``.
    """
    from scipy.sparse.csgraph import dijkstra

    m = problem["matrix"]
    t0 = time.perf_counter()
    for nodes in problem["sources"]:
        dijkstra(m, directed=False, indices=nodes, min_only=True, return_predecessors=True)
    seconds = time.perf_counter() - t0
    return {"runs": len(problem["sources"]), "seconds": round(seconds, 4), "nodes": int(m.shape[0]),
            "edges": int(m.nnz // 2), "per_village_s": seconds / problem["n_villages"]}


def io_floor(gpkg: str, crs: str | CRS, out: Path) -> dict[str, Any]:
    """The least a run with outputs can spend: read, node, three searches, write two layers.

    Steps, each timed: a plain pyogrio read of the roads (and villages, facilities); noding (segment ends
    projected to the run's metric CRS, rounded to the centimetre and deduplicated into nodes; segment lengths
    as edge weights); three multi-source scipy Dijkstra searches from the nearest node of the transfer
    stations, town and county treatment facilities; a pyogrio write of a villages layer (inputs plus the three
    distances) and of a roads layer (inputs plus length and component) into one new GeoPackage, with the
    pipeline's spatial-index rule. GDAL 3.6 has no Arrow write (it needs GDAL 3.8), so the write is
    pyogrio's feature-by-feature path, as in the pipeline.

    Parameters
    ----------
    gpkg : str
        The synthetic inputs.
    crs : str or pyproj.CRS
        The metric CRS the pipeline chose.
    out : Path
        Folder for ``floor.gpkg`` (replaced).

    Returns
    -------
    dict
        ``stages_s`` (read, noding, searches, write), ``seconds`` (their sum), ``nodes``, ``arrow_write``.
    """
    import pyogrio
    from pyproj import Transformer
    from scipy.sparse.csgraph import connected_components, dijkstra
    from scipy.spatial import cKDTree

    from ..core.network.graph import csr_from_edges

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    roads = pyogrio.read_dataframe(gpkg, layer="roads")
    villages = pyogrio.read_dataframe(gpkg, layer="villages")
    facilities = pyogrio.read_dataframe(gpkg, layer="facilities")
    times["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    to_metric = Transformer.from_crs(roads.crs, crs, always_xy=True)
    xy, owner = shapely.get_coordinates(roads.geometry.array, return_index=True)
    mx, my = to_metric.transform(xy[:, 0], xy[:, 1])
    seg = np.hypot(np.diff(mx), np.diff(my))
    same = owner[1:] == owner[:-1]
    length = np.bincount(owner[1:][same], weights=seg[same], minlength=len(roads))
    first = np.flatnonzero(np.r_[True, ~same])
    last = np.r_[first[1:] - 1, len(owner) - 1]
    ex = np.rint(mx[np.r_[first, last]] * 100).astype(np.int64)
    ey = np.rint(my[np.r_[first, last]] * 100).astype(np.int64)
    keys, pick, node = np.unique((ex - ex.min()) << 32 | (ey - ey.min()), return_index=True, return_inverse=True)
    node_xy = np.c_[ex[pick], ey[pick]]
    n = len(keys)
    matrix = csr_from_edges(node[: len(first)], node[len(first):], length, n)
    _, comp = connected_components(matrix, directed=False)
    times["noding"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tree = cKDTree(node_xy / 100.0)

    def nearest(gdf) -> np.ndarray:
        px, py = to_metric.transform(shapely.get_x(gdf.geometry.array), shapely.get_y(gdf.geometry.array))
        return tree.query(np.c_[px, py])[1]

    f_node, v_node = nearest(facilities), nearest(villages)
    ftype = facilities["facility_type"].to_numpy(object)
    for t in ("transfer_station", "town_treatment", "county_treatment"):
        d = dijkstra(matrix, directed=False, indices=np.unique(f_node[ftype == t]), min_only=True)
        villages[f"net_dist_{t}_m"] = np.round(d[v_node], 1)
    times["searches"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    roads["length_m"] = np.round(length, 2)
    roads["component_id"] = comp[node[: len(first)]]
    path = Path(out) / "floor.gpkg"
    path.unlink(missing_ok=True)
    index_max = Config().spatial_index_max_features
    for name, gdf in (("villages", villages), ("roads", roads)):
        pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", append=path.exists(),
                                layer_options={"SPATIAL_INDEX": "YES" if len(gdf) <= index_max else "NO"})
    times["write"] = time.perf_counter() - t0
    return {"stages_s": {k: round(v, 3) for k, v in times.items()}, "seconds": round(sum(times.values()), 3),
            "nodes": n, "arrow_write": False,
            "note": "pyogrio read and write without Arrow (no pyarrow; Arrow write needs GDAL >= 3.8)"}


def networkx_baseline(problem: dict[str, Any], matrix: str = "matrix") -> dict[str, Any]:
    """Time networkx ``multi_source_dijkstra_path_length`` from the transfer stations, scaled to every search.

    One search runs on the whole graph and its time is multiplied by the number of searches; the
    distances it finds at the villages are checked against scipy's.

    Parameters
    ----------
    problem : dict
        From :func:`distance_problem`.
    matrix : str
        ``"matrix"``: the contracted graph the pipeline searches; ``"raw_matrix"``: the graph as read,
        a node at every junction and snapped point but no pass-through contraction.

    Returns
    -------
    dict
        ``graph_build_s``, ``one_run_s``, ``seconds`` (scaled), ``per_village_s``, ``agrees_with_scipy``.
    """
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    m = problem[matrix]
    t0 = time.perf_counter()
    graph = nx.from_scipy_sparse_array(m, edge_attribute="weight")
    build_s = time.perf_counter() - t0
    nodes = problem["sources"][0]
    t0 = time.perf_counter()
    dist = nx.multi_source_dijkstra_path_length(graph, set(nodes.tolist()), weight="weight")
    run_s = time.perf_counter() - t0
    ref = dijkstra(m, directed=False, indices=nodes, min_only=True)
    vn = problem["village_node"]
    vn = vn[vn >= 0]
    got = np.array([dist.get(int(n), np.inf) for n in vn])
    finite = np.isfinite(ref[vn])
    agree = bool(np.array_equal(finite, np.isfinite(got))
                 and np.allclose(got[finite], ref[vn][finite], rtol=1e-9, atol=1e-6))
    runs = len(problem["sources"])
    return {"graph_build_s": round(build_s, 3), "one_run_s": round(run_s, 4), "runs_scaled_to": runs,
            "seconds": round(run_s * runs, 3), "per_village_s": run_s * runs / problem["n_villages"],
            "agrees_with_scipy": agree}


def _qgis_sample(problem: dict[str, Any], n: int, calls: int = 1) -> list[tuple[int, np.ndarray]]:
    """Stations with villages nearest to them by road: ``calls`` stations, ``n // calls`` villages each."""
    from scipy.sparse.csgraph import dijkstra

    stations = problem["sources"][0]
    _, _, src = dijkstra(problem["matrix"], directed=False, indices=stations, min_only=True,
                         return_predecessors=True)
    vn = problem["village_node"]
    village_src = np.where(vn >= 0, src[np.maximum(vn, 0)], -1)
    rng = np.random.default_rng(0)
    per = max(1, n // calls)
    counts = np.bincount(village_src[village_src >= 0], minlength=len(src))
    busy = np.flatnonzero(counts >= per)
    chosen = rng.choice(busy, size=min(calls, len(busy)), replace=False) if len(busy) else busy
    return [(int(problem["facility_of_node"][s]),
             np.sort(rng.choice(np.flatnonzero(village_src == s), size=per, replace=False))) for s in chosen]


def qgis_installation() -> tuple[str, str] | str:
    """The Python interpreter of the QGIS installation and its Processing plugins folder.

    The prefix is ``$QGIS_PREFIX_PATH`` when set, else the one of ``qgis_process`` (or ``qgis``) on ``PATH``
    (``/usr`` on Debian); the interpreter is ``$RURALENV_QGIS_PYTHON``, else ``python3`` in the prefix.

    Returns
    -------
    (str, str) or str
        ``(python, plugins_dir)``, or why QGIS cannot be used.
    """
    prefix_env = os.environ.get(QGIS_PREFIX_ENV)
    exe = shutil.which("qgis_process") or shutil.which("qgis")
    if prefix_env:
        prefix = Path(prefix_env)
    elif exe:
        prefix = Path(exe).resolve().parent.parent
    else:
        return f"QGIS not found: neither qgis_process nor qgis is on PATH and ${QGIS_PREFIX_ENV} is not set"
    plugins = prefix / "share" / "qgis" / "python" / "plugins"
    python = os.environ.get(QGIS_PYTHON_ENV) or shutil.which("python3", path=str(prefix / "bin"))
    if not python or not plugins.is_dir():
        return f"no QGIS Python or Processing plugins under {prefix} (set ${QGIS_PYTHON_ENV} or ${QGIS_PREFIX_ENV})"
    return python, str(plugins)


def qgis_baseline(problem: dict[str, Any], gpkg: str, results: Path, n_villages: int, tmp: Path) -> dict[str, Any]:
    """Route a sample of villages to their nearest transfer station with QGIS, in Debian's Python.

    Each QGIS call routes the villages of one station (``native:shortestpathlayertopoint``); QGIS builds
    its graph from the roads layer in every call, as it does when a planner runs the tool.
    Path costs (ellipsoidal metres) are compared with the pipeline's ``net_dist_station_m``.

    Parameters
    ----------
    problem : dict
        From :func:`distance_problem`.
    gpkg : str
        The synthetic inputs (roads, villages and facilities layers).
    results : Path
        The pipeline's results.gpkg (for ``net_dist_station_m``).
    n_villages : int
        Villages to route.
    tmp : Path
        Folder for the sample layer handed to QGIS.

    Returns
    -------
    dict
        ``per_village_s``, ``seconds``, ``median_rel_diff_to_ours``… or ``skipped`` with the reason.
    """
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    qgis = qgis_installation()
    if isinstance(qgis, str):
        return {"skipped": qgis}
    python, plugins = qgis
    sample = _qgis_sample(problem, n_villages)
    if not sample:
        return {"skipped": "no transfer station reached by enough villages"}
    villages = pyogrio.read_dataframe(results, layer="villages")
    facilities = pyogrio.read_dataframe(gpkg, layer="facilities")
    starts = pyogrio.read_dataframe(gpkg, layer="villages")
    parts = []
    for k, (_, rows) in enumerate(sample):
        part = starts.iloc[rows][["village_code", "geometry"]].copy()
        part["call"] = k
        part["ours_m"] = villages["net_dist_station_m"].to_numpy()[rows]
        parts.append(part)
    sample_gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=starts.crs)
    sample_path = tmp / "qgis_sample.gpkg"
    if sample_path.exists():
        sample_path.unlink()
    pyogrio.write_dataframe(sample_gdf, sample_path, layer="starts", driver="GPKG")
    ends = [(k, facilities.geometry.iloc[fac].x, facilities.geometry.iloc[fac].y) for k, (fac, _) in enumerate(sample)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([python, str(QGIS_SCRIPT), plugins, gpkg, str(sample_path),
                               json.dumps([list(e) for e in ends])],
                              capture_output=True, text=True, env=env, timeout=QGIS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"skipped": f"QGIS did not finish within {QGIS_TIMEOUT_S} s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"skipped": f"QGIS failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"}
    got = json.loads(lines[-1])
    seconds = sum(c["seconds"] for c in got["calls"])
    cost = {(c["call"], code): v for c in got["calls"] for code, v in c["cost"].items()}
    ours = sample_gdf["ours_m"].to_numpy(float)
    theirs = np.array([cost.get((int(c), str(v)), np.nan) for c, v in zip(sample_gdf["call"],
                                                                         sample_gdf["village_code"], strict=True)])
    rel = np.abs(theirs - ours) / np.maximum(ours, 1.0)
    return {"villages": len(sample_gdf), "calls": len(sample), "seconds": round(seconds, 2),
            "wall_with_startup_s": round(wall, 2), "per_village_s": seconds / len(sample_gdf),
            "median_rel_diff_to_ours": float(np.nanmedian(rel)) if np.isfinite(rel).any() else None,
            "qgis_version": got["version"]}


#: The QGIS side of the baseline, run by the QGIS installation's Python (the core never imports qgis).
QGIS_SCRIPT = package_file("tools", "qgis_shortest_path.py")


def ratios(run: dict[str, Any]) -> dict[str, float | None]:
    """Per-village time of each baseline over ours (ours: the pipeline's whole distance stage).

    Parameters
    ----------
    run : dict
        One scale's measurements with ``baselines``.

    Returns
    -------
    dict
        ``distances_over_floor``, ``networkx_over_ours``, ``qgis_over_ours`` (None when not measured).
    """
    ours = run["stages_s"]["distances"] / run["counts"]["villages"]
    b = run["baselines"]
    out: dict[str, float | None] = {"distances_over_floor": round(run["stages_s"]["distances"] / b["floor"]["seconds"], 2)
                                    if b["floor"]["seconds"] else None}
    for name in ("networkx", "networkx_raw", "qgis"):
        per = b.get(name, {}).get("per_village_s")
        out[f"{name}_over_ours"] = round(per / ours, 1) if per and ours else None
    return out


def growth(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Exponents b of time ≈ a·n^b and memory ≈ a·n^b in the number n of road segments (least squares on logs).

    Memory is fitted twice: the whole peak RSS, and the part above the interpreter with its imports
    (which dominates small runs and hides the growth).

    Parameters
    ----------
    runs : list of dict
        Measurements of each scale.

    Returns
    -------
    dict
        ``total_s_exponent``, ``peak_rss_mb_exponent``, ``rss_above_imports_exponent``, ``stage_exponents``;
        with fewer than two sizes only a ``note``.
    """
    if len(runs) < 2:
        return {"note": "one size only; run a larger --scale without --no-growth to fit the growth"}
    n = np.log([r["counts"]["roads"] for r in runs])
    out: dict[str, Any] = {"segments": [r["counts"]["roads"] for r in runs]}
    out["total_s_exponent"] = _exponent(n, [r["total_s"] for r in runs])
    out["peak_rss_mb_exponent"] = _exponent(n, [r["peak_rss_mb"] for r in runs])
    out["rss_above_imports_exponent"] = _exponent(n, [max(r["peak_rss_mb"] - r["import_rss_mb"], 1.0) for r in runs])
    out["stage_exponents"] = {s: _exponent(n, [max(r["stages_s"][s], 1e-4) for r in runs])
                              for s in STAGES if all(r["stages_s"].get(s) for r in runs)}
    return out


def _exponent(log_n: np.ndarray, values: list[float]) -> float:
    """Slope of log(values) against log(n) by least squares."""
    return round(float(np.polyfit(log_n, np.log(values), 1)[0]), 3)


def _check_targets(run: dict[str, Any]) -> dict[str, Any]:
    """Which of the benchmark's targets the largest run meets (they are targets, not tests)."""
    out: dict[str, Any] = {"scale": run["scale"],
                           "total_s": {"value": run["total_s"], "target": TARGETS["total_s"]},
                           "peak_rss_mb": {"value": run["peak_rss_mb"], "target": TARGETS["peak_rss_mb"]}}
    out["total_over_io_floor"] = {"value": run.get("total_over_io_floor"), "target": TARGETS["io_floor_ratio"]}
    r = run.get("ratios", {})
    for key, target in (("distances_over_floor", "floor_ratio"), ("qgis_over_ours", "qgis_ratio"),
                        ("networkx_over_ours", "networkx_ratio")):
        out[key] = {"value": r.get(key), "target": TARGETS[target]}
    for key, item in out.items():
        if isinstance(item, dict) and item["value"] is not None:
            at_most = key in ("total_s", "peak_rss_mb", "distances_over_floor", "total_over_io_floor")
            item["met"] = item["value"] <= item["target"] if at_most else item["value"] >= item["target"]
    return out


def machine_info() -> dict[str, Any]:
    import scipy

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "numpy": np.__version__, "scipy": scipy.__version__}


def _child_text(child: dict[str, Any] | None) -> str | None:
    """The forked results.gpkg writer: its seconds and the memory it did not share with the run."""
    if not child:
        return None
    return f"{child.get('seconds', float('nan')):.1f} / {child.get('private_mb') or float('nan'):.0f}"


def _repeats_text(run: dict[str, Any]) -> str | None:
    """``median (min–max, n pairs)`` of the floor ratios of the repeated measurements."""
    reps = run.get("repeats")
    if not reps:
        return None
    ratios = [p["total_over_io_floor"] for p in reps]
    return f"{run['median_total_over_io_floor']:.2f} ({min(ratios):.2f}–{max(ratios):.2f}, {len(ratios)} pairs)"


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:,.3g}{unit}" if abs(v) < 100 else f"{v:,.0f}{unit}"
    return f"{v:,}{unit}"


def format_table(report: dict[str, Any]) -> str:
    """The Markdown table of bench.md: one column per scale.

    Parameters
    ----------
    report : dict
        As returned by :func:`run_bench`.

    Returns
    -------
    str
    """
    runs = report["runs"]
    rows: list[tuple[str, list[Any]]] = [
        ("road segments", [r["counts"]["roads"] for r in runs]),
        ("graph nodes (before snapping)", [r.get("network", {}).get("nodes") for r in runs]),
        ("facilities", [r["counts"]["facilities"] for r in runs]),
        ("villages (admin + natural)", [r["counts"]["villages"] for r in runs]),
        ("generate inputs s (not in total)", [r["generate_s"] + r["write_inputs_s"] for r in runs]),
    ]
    rows += [(f"{s} s", [r["stages_s"].get(s) for r in runs]) for s in STAGES]
    rows += [("graph load from cache s", [r["stages_s"]["graph_load_from_cache"] for r in runs]),
             ("map s (inside write; timed again alone)", [r["stages_s"]["map"] for r in runs]),
             ("map.html MB", [r.get("map_mb") for r in runs]),
             ("map first render s (headless Chromium)", [r.get("map_render", {}).get("first_render_s") for r in runs]),
             ("map redraw after a pan ms", [r.get("map_render", {}).get("redraw_ms", {}).get("pan") for r in runs]),
             ("**total s** (cold cache, every output and the map)", [r["total_s"] for r in runs]),
             ("I/O floor s (read, noding, 3 searches, write 2 layers)", [r["io_floor"]["seconds"] for r in runs]),
             ("  floor read / noding / searches / write s", ["/".join(f"{v:.1f}" for v in r["io_floor"]["stages_s"].values())
                                                           for r in runs]),
             ("**total ÷ I/O floor** (the median pair of the repeats)", [r["total_over_io_floor"] for r in runs]),
             ("  median (lowest–highest) of the repeated pairs", [_repeats_text(r) for r in runs]),
             ("  load average (1 min) before the pair", [r.get("load_average_1min") for r in runs]),
             ("peak RSS MB (with the map)", [r["peak_rss_mb"] for r in runs]),
             ("  of which interpreter + imports MB", [r["import_rss_mb"] for r in runs]),
             ("peak RSS after the map alone MB", [r["peak_rss_with_map_mb"] for r in runs]),
             ("results.gpkg + report.xlsx writer process: s / private MB (beside the map)",
              [_child_text(r.get("writer_child")) for r in runs]),
             ("roads of results.gpkg written ahead, during the stages: s / private MB",
              [_child_text(r.get("roads_ahead_child")) for r in runs]),
             ("villages per s", [r["villages_per_s"] for r in runs]),
             ("capacity-aware run s / plain run s (warm; goal ≤ 1.3×)",
              [f"{r['capacity_aware']['aware_s']:.1f} / {r['capacity_aware']['plain_s']:.1f} = "
               f"{r['capacity_aware']['ratio']:.2f}×" if "capacity_aware" in r else None for r in runs])]
    if all("baselines" in r for r in runs):
        b = [r["baselines"] for r in runs]
        rows += [("scipy floor s (same searches)", [x["floor"]["seconds"] for x in b]),
                 ("distances ÷ floor", [r["ratios"]["distances_over_floor"] for r in runs]),
                 ("networkx s (scaled)", [x["networkx"]["seconds"] for x in b]),
                 ("networkx ÷ ours per village", [r["ratios"]["networkx_over_ours"] for r in runs]),
                 ("networkx on the uncontracted graph s (scaled)", [x["networkx_raw"]["seconds"] for x in b]),
                 ("networkx uncontracted ÷ ours per village",
                  [r["ratios"]["networkx_raw_over_ours"] for r in runs]),
                 ("QGIS s per village", [x.get("qgis", {}).get("per_village_s") for x in b]),
                 ("QGIS ÷ ours per village", [r["ratios"]["qgis_over_ours"] for r in runs])]
    if all("surface" in r for r in runs):
        sf = [r["surface"] for r in runs]
        rows += [("surface cell size m", [x["res_m"] for x in sf]), ("surface cells", [x["cells"] for x in sf]),
                 ("surface compute s (graph from cache)", [x["compute_s"] for x in sf]),
                 ("  of which cells s", [x["steps_s"]["cells"] for x in sf]),
                 ("surface write COG s", [x["write_s"] for x in sf]),
                 ("surface peak RSS MB", [x["peak_rss_mb"] for x in sf]),
                 ("MCP_Geometric find_costs s (same grid)", [x.get("mcp", {}).get("find_costs_s") for x in sf]),
                 ("MCP_Geometric peak RSS MB", [x.get("mcp", {}).get("peak_rss_mb") for x in sf])]
    if all("plan" in r for r in runs):
        from .plan_bench import plan_rows

        rows += plan_rows(runs)
    head = "| | " + " | ".join(r["scale"] for r in runs) + " |"
    lines = [head, "|---" * (len(runs) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(_fmt(v) for v in vals) + " |" for name, vals in rows]
    g = report["growth"]
    if "total_s_exponent" in g:
        lines.append(f"\nGrowth with road segments n: time ∝ n^{g['total_s_exponent']}, "
                     f"peak RSS ∝ n^{g['peak_rss_mb_exponent']}, RSS above imports ∝ n^{g['rss_above_imports_exponent']} "
                     "(least squares on log–log).")
    lines.append(f"Counties: {runs[-1]['counties_source']}.")
    if "cases" in report:
        lines.append(format_cases(report["cases"]))
    return "\n".join(lines)


MAP_CASE = (60_000, 200_000)
SURVEY_CASE = 100_000


def extra_cases(folder: Path, map_case: tuple[int, int] = MAP_CASE, survey_points: int = SURVEY_CASE,
                field_villages: int = 10_000) -> dict[str, Any]:
    """The web-map, survey-import and field-loop cases, each in its own process.

    Parameters
    ----------
    folder : Path
        Where the case files are written.
    map_case : (int, int)
        Villages and road segments of the synthetic map.
    survey_points : int
        Rows of the survey CSV.
    field_villages : int
        Villages of the field-loop case: one returned status form of them all, imported and applied
        (:func:`.survey_bench.benchmark_field_loop`; the goal is ≤ 10 s for 10,000).

    Returns
    -------
    dict
        ``map``: :func:`.map_bench.map_benchmark` of :data:`MAP_CASE` (file size, export time, time to first
        render in headless Chromium, or ``error``); ``survey``: :func:`.survey.benchmark_survey_import`;
        ``field_loop``: :func:`.survey_bench.benchmark_field_loop`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    job = {"folder": str(folder), "map_case": list(map_case), "survey_points": survey_points,
           "field_villages": field_villages}
    for name in ("map", "survey", "field_loop"):
        try:
            out[name] = run_worker(f"case_{name}", job)
        except BenchError as exc:
            out[name] = {"error": str(exc)}
    return out


def _task_case_map(job: dict[str, Any]) -> dict[str, Any]:
    from .map_bench import chromium_path, map_benchmark

    browser = chromium_path()
    n_villages, n_roads = job["map_case"]
    result = map_benchmark(n_villages, n_roads, job["folder"], browser=browser)
    return {"villages": job["map_case"][0], "roads": job["map_case"][1],
            **{k: result.get(k) for k in ("size_bytes", "export_s", "first_render_s", "redraw_ms", "js_errors")}}


def _task_case_survey(job: dict[str, Any]) -> dict[str, Any]:
    from .survey_bench import benchmark_survey_import

    result = benchmark_survey_import(job["survey_points"], Path(job["folder"]) / "survey")
    return {k: result.get(k) for k in ("n_points", "seconds", "points_per_second", "stage_seconds", "imported",
                                       "rejected")}


def _task_case_field_loop(job: dict[str, Any]) -> dict[str, Any]:
    from .survey_bench import benchmark_field_loop

    return benchmark_field_loop(job["field_villages"], Path(job["folder"]) / "field_loop")


def format_cases(cases: dict[str, Any]) -> str:
    """Two lines for bench.md describing the map and survey cases."""
    m, sv = cases.get("map", {}), cases.get("survey", {})
    if "error" in m:
        line_map = f"Map case failed: {m['error']}"
    else:
        render = f"{m['first_render_s']} s to first render in headless Chromium" if m.get("first_render_s") \
            else "no browser to time the first render"
        line_map = (f"Map case ({m['villages']:,} villages, {m['roads']:,} road segments): "
                    f"{m['size_bytes'] / 1e6:.1f} MB, exported in {m['export_s']} s, {render}.")
    line_survey = (f"Survey case: {sv['n_points']:,}-point CSV imported in {sv['seconds']} s "
                   f"({sv['points_per_second']:,.0f} points/s)." if "error" not in sv
                   else f"Survey case failed: {sv['error']}")
    fl = cases.get("field_loop", {})
    line_field = (f"Field-loop case: a returned form of {fl['n_villages']:,} villages ({fl['observations']:,} "
                  f"observations) imported in {fl['import_s']} s and applied in {fl['apply_s']} s "
                  f"({fl['import_apply_s']} s together, goal ≤ 10 s)." if fl and "error" not in fl
                  else f"Field-loop case failed: {fl.get('error')}" if fl else "")
    return "\n".join(line for line in (line_map, line_survey, line_field) if line)


def _task_surface(job: dict[str, Any]) -> dict[str, Any]:
    """A distance surface to the transfer stations of the region's results (graph from the run's cache)."""
    from ..core.surface.run import make_surface, read_results, write_surface

    t0 = time.perf_counter()
    layers = read_results(Path(job["results"]))
    t1 = time.perf_counter()
    surf = make_surface(layers, "transfer_station", "distance", Config(cache_dir=job["cache"]), job["res"])
    t2 = time.perf_counter()
    write_surface(surf, Path(job["tif"]))
    return {"res_m": job["res"], "cells": int(surf.values.size), "read_s": round(t1 - t0, 3),
            "compute_s": round(t2 - t1, 3), "write_s": round(time.perf_counter() - t2, 3),
            "steps_s": surf.summary["timings_s"], "peak_rss_mb": peak_rss_mb(),
            "cells_with_value": surf.summary["cells_with_value"]}


def _task_surface_mcp(job: dict[str, Any]) -> dict[str, Any]:
    """scikit-image's ``MCP_Geometric`` on the surface's grid: roads friction 1, off-road friction 4.

    The raster way to the same question: cost-distance from the cells of the transfer stations over a
    friction grid with the roads burnt in. Only ``find_costs`` is timed (the burning is reported apart).
    """
    try:
        from skimage.graph import MCP_Geometric
    except ImportError:
        return {"error": "scikit-image is not installed (pip install -e '.[bench]')"}
    import rasterio
    import shapely
    from rasterio.features import rasterize

    from ..core.surface.cost import Grid
    from ..core.surface.run import read_results

    layers = read_results(Path(job["results"]))
    with rasterio.open(job["tif"]) as ds:
        t = ds.transform
        grid = Grid(t.c, t.f, t.a, ds.width, ds.height)
    t0 = time.perf_counter()
    friction = np.full(grid.shape, MCP_OFFROAD_FRICTION)
    road = rasterize(((g, 1) for g in layers.roads.geometry.array), out_shape=grid.shape,
                     transform=grid.transform(), fill=0, dtype="uint8", all_touched=True)
    friction[road == 1] = 1.0
    f = layers.facilities
    if f is None:
        return {"error": "the results have no facilities layer"}
    pts = f[f["facility_type"] == "transfer_station"].geometry.array
    row, col = grid.cell_of(shapely.get_x(pts), shapely.get_y(pts))
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    t1 = time.perf_counter()
    costs, _ = MCP_Geometric(friction, fully_connected=True).find_costs(np.c_[row[inside], col[inside]].tolist())
    t2 = time.perf_counter()
    return {"cells": int(friction.size), "burn_s": round(t1 - t0, 3), "find_costs_s": round(t2 - t1, 3),
            "peak_rss_mb": peak_rss_mb(), "finite": int(np.isfinite(costs).sum())}


def _task_partitioned(job: dict[str, Any]) -> dict[str, Any]:
    from .partition_bench import task_partitioned

    return task_partitioned(job)


def _task_partition_sample(job: dict[str, Any]) -> dict[str, Any]:
    from .partition_bench import task_partition_sample

    return task_partition_sample(job)


TASKS = {"pipeline": _task_pipeline, "io_floor": _task_io_floor, "map_render": _task_map_render,
         "surface": _task_surface, "surface_mcp": _task_surface_mcp, "baselines": _task_baselines, "profile": _task_profile,
         "plan": _task_plan,
         "case_map": _task_case_map, "case_survey": _task_case_survey, "case_field_loop": _task_case_field_loop, "partitioned": _task_partitioned,
         "partition_sample": _task_partition_sample, "monitor_base": _task_monitor_base, "monitor": _task_monitor}


def _worker_main(argv: list[str]) -> int:
    """Child-process entry: ``python -m ruralenv.tools.bench TASK JOB_JSON``."""
    task, job = argv[0], json.loads(argv[1])
    result = TASKS[task](job)
    Path(job["result"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
