"""Partitioned runs on Dask distributed: split by county or league, analyse on workers, merge, certify.

The client reads and validates the inputs once and projects them to the run's metric CRS once. Villages
are split by administrative unit (``county_code``, or its first four digits for the league 盟/市). Each
partition's task gets its own villages plus everything the analysis of those villages can touch: roads
within a halo around the partition, facilities and township seats inside that halo, neighbouring villages
within ``dispersed_radius_m`` (population density) and mines within ``mine_buffer_m``. A worker runs
:func:`run_pipeline` on that window and keeps only the partition's own villages.

Why the result equals the single run — the certificate
------------------------------------------------------
Three boxes around the partition's villages (``b``): the road window ``W = b + halo + 2m``, the point
window ``I = b + halo + m`` (facilities, towns) and the interior ``C = b + halo``, with ``m`` the longest
snapping radius plus the node tolerance. A road line inside ``C`` is *interior*; every other line in the
window is a *boundary* line. Everything that can touch an interior line is in the window: the lines
meeting it (they come within the node tolerance, so they intersect ``W``) and the points snapping onto it
(they lie within ``m``, so inside ``I``, where snapping is exact because the whole snapping disc is inside
``W``). On each worker the network distance ``L`` (metres) and ``G`` (unpaved metres, the pave-gap
metric) from every village to the nearest boundary-line node are measured. A shortest path that differs
from the full network's must touch a boundary line, so it is at least ``L`` (``G``) long. Hence a village
is *certified* when

- its nearest road is closer than the edge of ``W`` (the snap is the full run's snap);
- every network distance ``d`` it reports is ``< L`` (finite) or ``L`` is infinite (its road component
  lies wholly in ``C``: an infinite distance is then exact too); the nearest *usable* transfer station
  needs ``d + d_haul_m < L`` because the station's own haul must be exact;
- it is on an island only when ``L`` is infinite (a component that reaches the boundary may continue
  outside; "not an island" is exact, since a sub-component's length and seats are a lower bound);
- it has hardened access, or has none and its hardened component has no boundary line (or it has no
  hardened road within ``access_radius_m``), and its township is in the window whenever it is in the
  towns layer (so the same access rule applies);
- its pave gap ``g`` satisfies ``g + 1 m < G`` (hardened edges weigh 1e-6, so 1 m bounds their sum).

Without a towns layer the served component and the seat network are the longest ones — global
properties — so island, access and pave gap are certified only when ``L`` is infinite.

Villages that are not certified are recomputed in a new round with the halo doubled (only they are the
partition's own villages then); once the halo spans the whole extent nothing is on the boundary and every
village is certified, so a run always ends exact — never silently wrong. Rounds and recomputed villages
are reported in ``summary.json`` (``partition``). Component properties are therefore never computed
globally on a worker; the client builds the whole road graph once (cached, cheap next to the searches)
only for the roads layer and the network statistics of the merged outputs.
"""
from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import ConfigError, RuralEnvError
from .config import Config, RunInputs
from .crs import resolve_crs
from .indicators import indicator_tables
from .network import EPS_WEIGHT, csr_from_edges, island_components
from .pipeline import (
    LayerInput,
    Results,
    _counties_output,
    _flags,
    _lonlat_bounds,
    _mines,
    _mines_output,
    _multi_source,
    _names,
    _point_xy,
    _roads_output,
    get_network,
    read_inputs,
    run_pipeline,
    write_outputs,
)
from .progress import NullProgress, Progress, check_cancel
from .snapping import Snap, Snapper, augmented_graph

#: Partitioning units: county_code, or its first four digits (league 盟/市).
UNITS = ("county", "league", "auto")
#: Task attempts after a worker dies or a task raises (Dask ``retries``).
RETRIES = 2
#: Slack in metres on every certificate comparison (outputs are rounded to 0.1 m; eps weights sum < 1 m).
SLACK_M = 1.0
DIST_COLUMNS = ("net_dist_station_m", "net_dist_town_treatment_m", "net_dist_county_treatment_m",
                "net_dist_village_treatment_m")
VID = "_partition_vid"


def default_halo_m(config: Config) -> float:
    """The longest distance any rule reaches: a station plus its haul, a town plant, islands, density, mines."""
    return float(max(config.d_station_m + config.d_haul_m, config.d_town_m, config.d_village_m,
                     config.island_max_length_m, config.dispersed_radius_m, config.mine_buffer_m))


def snap_margin_m(config: Config) -> float:
    """The ``m`` of the module docstring: the longest snapping radius plus the node tolerance (and 1 m)."""
    return max(config.max_snap_m, config.access_radius_m) + config.node_tolerance_m + SLACK_M


def partition_keys(villages: pd.DataFrame, unit: str, workers: int = 2) -> tuple[np.ndarray, str]:
    """The partition of every village, and the unit used (``auto`` resolved).

    Parameters
    ----------
    villages : DataFrame
        With ``county_code``.
    unit : {"county", "league", "auto"}
        ``auto``: leagues when there are at least two per worker (fewer, larger tasks), else counties.
    workers : int

    Returns
    -------
    (keys, unit)
    """
    if unit not in UNITS:
        raise ConfigError(f"--partition must be one of {', '.join(UNITS)}, got {unit!r}")
    county = villages["county_code"].astype(str).to_numpy(object)
    league = np.array([c[:4] for c in county], dtype=object)
    if unit == "auto":
        unit = "league" if len(np.unique(league)) >= 2 * workers else "county"
    return (league if unit == "league" else county), unit


@dataclass
class PartitionJob:
    """One task: the window's input layers (metric CRS) and which villages are the partition's own."""

    key: str
    round: int
    halo_m: float
    bbox: tuple[float, float, float, float]
    layers: dict[str, gpd.GeoDataFrame]
    own: np.ndarray
    config: Config
    global_town_codes: frozenset = frozenset()
    global_kinds: frozenset = frozenset()


@dataclass
class PartitionResult:
    """What a worker sends back: the own villages' output rows, their certificate, and measurements."""

    key: str
    round: int
    halo_m: float
    villages: gpd.GeoDataFrame
    certified: np.ndarray
    n_villages: int
    n_roads: int
    seconds: float
    peak_rss_mb: float
    worker_pid: int


def _grow(bbox: tuple[float, float, float, float], d: float) -> shapely.Geometry:
    return shapely.box(bbox[0] - d, bbox[1] - d, bbox[2] + d, bbox[3] + d)


def make_job(layers: Mapping[str, gpd.GeoDataFrame], own: np.ndarray, key: str, halo_m: float, config: Config,
             round_: int = 1) -> PartitionJob:
    """Cut the window of one partition out of the (projected) layers; villages carry their global index."""
    vil = layers["villages"]
    vx, vy = _point_xy(vil.iloc[own])
    bbox = (float(vx.min()), float(vy.min()), float(vx.max()), float(vy.max()))
    m = snap_margin_m(config)
    window = {"roads": _grow(bbox, halo_m + 2 * m), "facilities": _grow(bbox, halo_m + m),
              "towns": _grow(bbox, halo_m + m), "villages": _grow(bbox, config.dispersed_radius_m + SLACK_M),
              "mines": _grow(bbox, config.mine_buffer_m + SLACK_M)}
    out: dict[str, gpd.GeoDataFrame] = {}
    for kind, gdf in layers.items():
        if kind in window:
            rows = np.sort(gdf.sindex.query(window[kind], predicate="intersects"))
            sub = gdf.iloc[rows]
            if kind == "villages":
                sub = sub.assign(**{VID: rows})
            if len(sub):  # an empty layer is an input error; the certificate notices what is missing
                out[kind] = sub.reset_index(drop=True)
        else:
            out[kind] = gdf
    codes = frozenset(layers["towns"]["town_code"]) if "towns" in layers else frozenset()
    return PartitionJob(key, round_, halo_m, bbox, out, np.asarray(own), config, codes, frozenset(layers))


def run_job(job: PartitionJob) -> PartitionResult:
    """Worker task: run the pipeline on the window, keep the own villages and certify each of them."""
    t0 = time.perf_counter()
    res = run_pipeline(job.layers, job.config, out_dir=None, write_map=False)
    vids = res.villages[VID].to_numpy()
    own_mask = np.isin(vids, job.own)
    certified = certify(job, res, own_mask)
    villages = res.villages.loc[own_mask].reset_index(drop=True)
    return PartitionResult(job.key, job.round, job.halo_m, villages, certified, len(res.villages),
                           len(res.roads), round(time.perf_counter() - t0, 3), _peak_rss_mb(), os.getpid())


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


@dataclass
class _Window:
    """What the certificate needs from one finished window run."""

    snap: Snap
    L: np.ndarray  # metres to the nearest boundary-line node
    G: np.ndarray  # unpaved metres to it
    d_vst: np.ndarray  # nearest usable transfer station, as the pipeline computes it
    v_hc: np.ndarray  # hardened component of the village's hardened road within access_radius_m (-1 none)
    open_hc: np.ndarray  # per hardened component: has a boundary line
    w_edge: np.ndarray  # distance to the edge of the road window


def _window_measures(job: PartitionJob, res: Results, sel: np.ndarray) -> _Window:
    """Snap the selected villages as the pipeline does and measure L, G, the usable station and components."""
    cfg, net = job.config, res.network
    geoms = res.roads.geometry.array
    m = snap_margin_m(cfg)
    interior = shapely.within(geoms, _grow(job.bbox, job.halo_m))
    boundary_edge = ~interior[net.edge_line]
    vx, vy = _point_xy(res.villages.iloc[sel])
    snapper = Snapper(net, geoms, res.crs)
    v_snap = snapper.snap(vx, vy)
    far = ~v_snap.ok | (v_snap.dist_m > cfg.max_snap_m)
    usable = Snap(np.where(far, -1, v_snap.edge), v_snap.dist_m, v_snap.along_m, v_snap.x, v_snap.y)
    fac = res.facilities
    f_snap = snapper.snap(*_point_xy(fac), max_dist_m=cfg.max_snap_m)
    allsnap = Snap(*(np.r_[getattr(usable, a), getattr(f_snap, a)] for a in ("edge", "dist_m", "along_m", "x", "y")))
    aug = augmented_graph(net, allsnap)
    v_node, f_node = aug.point_node[:len(sel)], aug.point_node[len(sel):]
    sources = np.unique(np.r_[net.edge_u[boundary_edge], net.edge_v[boundary_edge]])
    plain = csr_from_edges(aug.u, aug.v, aug.length_m, aug.n_nodes)
    gap_w = np.where(aug.hardened, EPS_WEIGHT, aug.length_m)
    L = _at(_multi_source(plain, sources, aug.n_nodes)[0], v_node)
    G = _at(_multi_source(csr_from_edges(aug.u, aug.v, gap_w, aug.n_nodes), sources, aug.n_nodes)[0], v_node)
    contracted = aug.matrix()
    ftype = fac["facility_type"].to_numpy(object)
    haul = _multi_source(contracted, f_node[ftype == "county_treatment"], aug.n_nodes)[0]
    st = f_node[(ftype == "transfer_station") & (f_node >= 0)]
    d_vst = _at(_multi_source(contracted, st[haul[st] <= cfg.d_haul_m], aug.n_nodes)[0], v_node)
    hard = res.roads["hardened"].to_numpy(bool)
    h_snap = Snapper(net, geoms, res.crs, line_mask=hard).snap(vx, vy, max_dist_m=cfg.access_radius_m)
    v_hc = np.where(h_snap.ok, net.hard_component[net.edge_u[np.maximum(h_snap.edge, 0)]], -1)
    open_hc = np.zeros(int(net.hard_component.max()) + 1 if net.n_nodes else 0, bool)
    open_hc[net.hard_component[net.edge_u[boundary_edge & net.edge_hardened]]] = True
    box = _grow(job.bbox, job.halo_m + 2 * m)
    w_edge = shapely.distance(shapely.points(vx, vy), shapely.get_exterior_ring(box))
    return _Window(v_snap, L, G, d_vst, v_hc, open_hc, w_edge)


def _at(arr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    out = np.full(len(nodes), np.inf)
    ok = nodes >= 0
    out[ok] = arr[nodes[ok]]
    return out


def certify(job: PartitionJob, res: Results, sel_mask: np.ndarray) -> np.ndarray:
    """Per village of the window: True when its results provably equal the full run's (module docstring)."""
    cfg = job.config
    sel = np.flatnonzero(sel_mask)
    if any(k in job.global_kinds and k not in job.layers for k in ("facilities", "towns")):
        return np.zeros(len(sel), bool)  # other rules apply without them: widen until they are in
    w = _window_measures(job, res, sel)
    v = res.villages.iloc[sel]
    closed = np.isinf(w.L)
    ok = w.snap.ok & (w.snap.dist_m + SLACK_M < w.w_edge)
    for col in DIST_COLUMNS:
        d = v[col].to_numpy(float)
        ok &= closed | (np.isfinite(d) & (d + SLACK_M < w.L))
    reason = v["unreachable_reason"].astype(object).to_numpy()
    reachable = pd.isna(reason)
    island = np.array([isinstance(r, str) and r.startswith("isolated_island") for r in reason])
    has_towns = "towns" in job.layers
    if "facilities" in job.layers:
        ok &= ~reachable | closed | (w.d_vst + cfg.d_haul_m + SLACK_M < w.L)
    ok &= ~island | closed
    if not has_towns:
        far = ~reachable & ~island
        return ok & (closed | far)
    tc = v["town_code"].to_numpy(object) if "town_code" in v else np.full(len(v), None, object)
    window_codes = set(job.layers["towns"]["town_code"])
    same_rule = np.array([(c not in job.global_town_codes) or (c in window_codes) for c in tc], bool)
    access = v["hardened_access"].to_numpy(bool)
    no_hard = w.v_hc < 0
    hc_closed = np.zeros(len(v), bool)
    hc_closed[~no_hard] = ~w.open_hc[w.v_hc[~no_hard]]
    ok &= same_rule & (access | no_hard | hc_closed)
    gap = v["pave_gap_m"].to_numpy(float)
    beyond = np.maximum(w.snap.dist_m - cfg.access_radius_m, 0.0)
    gap_ok = np.isinf(w.G) | (np.isfinite(gap) & (gap - beyond + SLACK_M < w.G))
    ok &= ~reachable | access | gap_ok
    return ok


@dataclass
class PartitionOptions:
    """How to partition and where to run.

    Attributes
    ----------
    unit : {"county", "league", "auto"}
    halo_m : float, optional
        Roads, facilities and towns this far around a partition go with it (default :func:`default_halo_m`).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:8786``); default a :class:`LocalCluster`.
    workers : int
        Worker processes of the local cluster (one thread each).
    memory_limit : str
        Memory limit per local worker (Dask syntax, ``"auto"``: the machine's memory shared evenly).
    """

    unit: str = "auto"
    halo_m: float | None = None
    scheduler: str | None = None
    workers: int = 2
    memory_limit: str = "auto"


@dataclass
class _Client:
    layers: dict[str, Any]
    gdfs: dict[str, gpd.GeoDataFrame]
    rejects: pd.DataFrame
    hashes: dict[str, str | None]
    crs: Any
    config: Config
    timings: dict[str, float] = field(default_factory=dict)


def run_partitioned(
    inputs: RunInputs | Mapping[str, LayerInput],
    config: Config | None = None,
    options: PartitionOptions | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    write_map: bool = True,
    task: Callable[[PartitionJob], PartitionResult] = run_job,
) -> Results:
    """Run the analysis partitioned over Dask workers; the same :class:`Results` as :func:`run_pipeline`.

    Parameters
    ----------
    inputs, config, out_dir, progress, write_map
        As for :func:`run_pipeline`.
    options : PartitionOptions, optional
    task : callable
        The worker task (tests wrap :func:`run_job`).

    Returns
    -------
    Results
        ``summary["partition"]`` lists every task (round, halo, villages, roads, seconds, peak memory).

    Raises
    ------
    InputError
        Bad inputs (read on the client, before any task).
    RuralEnvError
        A partition failed after its retries; nothing was written.
    """
    config = config or Config()
    options = options or PartitionOptions()
    progress = progress or NullProgress()
    if options.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {options.workers}")
    t_start = time.perf_counter()
    state = _prepare_client(inputs, config, progress)
    keys, unit = partition_keys(state.gdfs["villages"], options.unit, options.workers)
    halo = default_halo_m(config) if options.halo_m is None else float(options.halo_m)
    if halo < 0:
        raise ConfigError(f"--halo-m must be >= 0 metres, got {halo}")
    crs_text = f"EPSG:{state.crs.to_epsg()}" if state.crs.to_epsg() else state.crs.to_wkt()
    worker_cfg = config.replace(crs=crs_text, use_cache=False)
    t0 = time.perf_counter()
    jobs = [make_job(state.gdfs, np.flatnonzero(keys == k), str(k), halo, worker_cfg) for k in np.unique(keys)]
    client, cluster = _connect(options)
    try:
        parts = _run_rounds(client, jobs, state.gdfs, _span(state.gdfs), progress, task)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    state.timings["partitions"] = round(time.perf_counter() - t0, 3)
    info = {"unit": unit, "halo_m": halo, "scheduler": options.scheduler or "LocalCluster",
            "workers": options.workers if options.scheduler is None else None,
            "partitions": len(jobs), "rounds": max(p.round for p in parts),
            "recomputed_villages": int(sum((~p.certified).sum() for p in parts if p.round == 1)),
            "tasks": [_task_row(p) for p in parts]}
    res = _assemble(state, parts, progress, info)
    res.summary["timings_s"]["total_before_write"] = round(time.perf_counter() - t_start, 3)
    if out_dir is not None:
        progress.stage("write")
        res.files = write_outputs(res, Path(out_dir), write_map=write_map, progress=progress)
    res.summary["timings_s"]["total"] = round(time.perf_counter() - t_start, 3)
    return res


def _task_row(p: PartitionResult) -> dict[str, Any]:
    return {"key": p.key, "round": p.round, "halo_m": p.halo_m, "own_villages": int(len(p.villages)),
            "certified": int(p.certified.sum()), "window_villages": p.n_villages, "window_roads": p.n_roads,
            "seconds": p.seconds, "peak_rss_mb": p.peak_rss_mb, "worker_pid": p.worker_pid}


def _prepare_client(inputs: RunInputs | Mapping[str, LayerInput], config: Config, progress: Progress) -> _Client:
    """Read and validate once, choose the metric CRS once and project every layer to it."""
    t0 = time.perf_counter()
    progress.stage("read")
    layers, rejects, hashes = read_inputs(inputs, config)
    for r in rejects.itertuples(index=False):
        progress.message(f"{r.file}: row {r.row}, {r.field}: {r.reason}", "warning")
    progress.stage("crs")
    crs = resolve_crs(config.crs, _lonlat_bounds(layers), config.crs_family)
    gdfs = {k: lay.gdf.to_crs(crs) for k, lay in layers.items()}
    progress.message(f"metric CRS: {crs.name} (EPSG:{crs.to_epsg()})")
    return _Client(layers, gdfs, rejects, hashes, crs, config, {"read_and_crs": round(time.perf_counter() - t0, 3)})


def _span(gdfs: Mapping[str, gpd.GeoDataFrame]) -> float:
    """Diagonal of the extent of every layer: a halo this wide leaves nothing on a partition's boundary."""
    b = np.array([g.total_bounds for g in gdfs.values() if len(g)])
    return float(np.hypot(b[:, 2].max() - b[:, 0].min(), b[:, 3].max() - b[:, 1].min())) + 1.0


def _connect(options: PartitionOptions):
    """A Dask client: to ``options.scheduler``, or to a new local cluster of worker processes."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ConfigError("partitioned runs need Dask distributed: pip install 'ruralenv[cluster]'") from exc
    quiet = {name: "error" for name in ("distributed", "distributed.nanny", "distributed.worker",
                                        "distributed.scheduler", "distributed.core", "distributed.comm")}
    dask.config.set({"logging": quiet})
    for name in quiet:
        logging.getLogger(name).setLevel(logging.ERROR)
    if options.scheduler:
        try:
            return Client(options.scheduler, timeout="30s"), None
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from exc
    cluster = LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True,
                           memory_limit=options.memory_limit, dashboard_address=None)
    return Client(cluster), cluster


def _run_rounds(client, jobs: list[PartitionJob], gdfs: Mapping[str, gpd.GeoDataFrame], span: float,
                progress: Progress, task: Callable[[PartitionJob], PartitionResult]) -> list[PartitionResult]:
    """Run the jobs; villages whose certificate fails go again with the halo doubled (up to the whole extent)."""
    done: list[PartitionResult] = []
    pending = jobs
    while pending:
        progress.stage(f"partitions (round {pending[0].round})", total=len(pending))
        outs = _submit_all(client, pending, progress, task)
        pending = []
        for job, out in zip([o[0] for o in outs], [o[1] for o in outs], strict=True):
            done.append(out)
            todo = out.villages[VID].to_numpy()[~out.certified]
            if len(todo) == 0:
                continue
            if job.halo_m >= span:
                raise RuralEnvError(f"partition {job.key}: {len(todo)} villages not certified with a halo spanning "
                                    "the whole extent (a bug; please report it)")
            progress.message(f"partition {job.key}: {len(todo)} villages may depend on roads beyond the "
                             f"{job.halo_m / 1000:.0f} km halo; recomputing them with a wider halo")
            pending.append(make_job(gdfs, todo, job.key, min(2 * max(job.halo_m, 1000.0), span), job.config,
                                    job.round + 1))
    return done


def _submit_all(client, jobs: list[PartitionJob], progress: Progress,
                task: Callable[[PartitionJob], PartitionResult]) -> list[tuple[PartitionJob, PartitionResult]]:
    """Submit every job (Dask retries it when its worker dies) and collect the results as they finish."""
    from dask.distributed import as_completed

    futures = {client.submit(task, job, retries=RETRIES, pure=False,
                             key=f"ruralenv-partition-{job.key}-r{job.round}-{os.getpid()}-{time.time_ns()}"): job
               for job in jobs}
    outs = []
    try:
        for fut in as_completed(list(futures)):
            check_cancel(progress)
            job = futures[fut]
            try:
                out = fut.result()
            except Exception as exc:  # noqa: BLE001 - any task failure ends the run cleanly
                raise RuralEnvError(f"partition {job.key} (round {job.round}) failed after {RETRIES} retries: "
                                    f"{type(exc).__name__}: {exc}; nothing was written") from exc
            progress.advance()
            progress.message(f"partition {out.key}: {len(out.villages)} villages ({out.n_roads} roads in the "
                             f"window) in {out.seconds:.1f} s, worker peak {out.peak_rss_mb:.0f} MB")
            outs.append((job, out))
    finally:
        for fut in futures:
            fut.cancel()
    return outs


def _merged_villages(state: _Client, parts: list[PartitionResult]) -> gpd.GeoDataFrame:
    """The certified own villages of every task, in input order, with their input row and issues."""
    vil = pd.concat([p.villages.loc[p.certified] for p in parts], ignore_index=True)
    vid = vil[VID].to_numpy()
    n = len(state.gdfs["villages"])
    if len(vid) != n or len(np.unique(vid)) != n:
        raise RuralEnvError(f"partitioned run returned {len(np.unique(vid))} of {n} villages (a bug; please report it)")
    vil = vil.iloc[np.argsort(vid)].reset_index(drop=True)
    src = state.gdfs["villages"]
    vil["src_row"] = src["src_row"].to_numpy()
    vil["issues"] = src["issues"].to_numpy()
    return gpd.GeoDataFrame(vil.drop(columns=[VID]), geometry="geometry", crs=state.crs)


def _assemble(state: _Client, parts: list[PartitionResult], progress: Progress, info: dict) -> Results:
    """One :class:`Results` from the partitions: layers, indicators on the merged villages, summary."""
    progress.stage("merge")
    t0 = time.perf_counter()
    cfg, crs, gdfs = state.config, state.crs, state.gdfs
    villages = _merged_villages(state, parts)
    roads = gdfs["roads"]
    net = get_network(roads, crs, cfg, progress)
    snapper = Snapper(net, roads.geometry.array, crs)
    towns = gdfs["towns"].copy() if "towns" in gdfs else None
    seat_edges = np.zeros(0, np.int64)
    if towns is not None:
        t_snap = snapper.snap(*_point_xy(towns), max_dist_m=cfg.max_snap_m)
        seat_edges = t_snap.edge[t_snap.ok]
        if "is_county_seat" in towns:
            towns["is_county_seat"] = _flags(towns, "is_county_seat")
    island = island_components(net, seat_edges, cfg.island_max_length_m)
    facilities = _facilities_output(gdfs, snapper, cfg, crs)
    mines = gdfs["mines"].copy() if "mines" in gdfs else None
    if mines is not None:
        mines = _mines_output(mines, villages, _mines(villages, mines, cfg)[3])
    reachable = villages["unreachable_reason"].isna().to_numpy()
    unreachable = villages.loc[~reachable, ["village_code", "name", "county_code", "snap_dist_m",
                                            "unreachable_reason", "geometry"]].rename(
        columns={"unreachable_reason": "reason"})
    tables = indicator_tables(villages, cfg, _names(state.layers.get("counties"), "county_code"),
                              _names(state.layers.get("towns"), "town_code"))
    counties = _counties_output(state.layers.get("counties"), tables["county"])
    if towns is not None and len(tables["town"]):
        towns = towns.merge(tables["town"].drop(columns=["level", "name", "county_code"]),
                            left_on="town_code", right_on="code", how="left").drop(columns=["code"])
    state.timings["merge"] = round(time.perf_counter() - t0, 3)
    counts = {"villages": len(villages), "roads": len(roads), "facilities": len(facilities),
              "towns": 0 if towns is None else len(towns), "mines": 0 if mines is None else len(mines),
              "unreachable": int((~reachable).sum()),
              "rejects": int((state.rejects["severity"] == "error").sum()) if len(state.rejects) else 0,
              "warnings": len(state.rejects)}
    summary = {
        "crs": f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_wkt(), "crs_name": crs.name,
        "region": tables["region"].iloc[0].to_dict(), "counties": tables["county"].to_dict(orient="records"),
        "network": {"nodes": net.n_nodes, "edges": net.n_edges,
                    "components": int(net.component.max()) + 1 if net.n_nodes else 0, "islands": int(island.sum()),
                    "duplicate_vertices_removed": net.duplicate_vertices,
                    "zero_length_lines": len(net.zero_length_lines), "dangles": len(net.dangles()),
                    "from_cache": bool(net.from_cache)},
        "counts": counts,
        "inputs": {k: {"source": state.layers[k].source, "sha256": state.hashes.get(k)} for k in state.layers},
        "config": cfg.as_dict(), "partition": info, "timings_s": dict(state.timings),
    }
    return Results(villages, _roads_output(roads, net, island), facilities, counties, towns, mines, unreachable,
                   state.rejects, tables, summary, net, crs)


def _facilities_output(gdfs: Mapping[str, gpd.GeoDataFrame], snapper: Snapper, cfg: Config, crs) -> gpd.GeoDataFrame:
    """The facilities layer with its snap distance; facilities with no road within max_snap_m noted as unused."""
    if "facilities" not in gdfs:
        return gpd.GeoDataFrame({"facility_type": pd.Series(dtype=object), "src_row": pd.Series(dtype=int),
                                 "issues": pd.Series(dtype=object), "snap_dist_m": pd.Series(dtype=float)},
                                geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    out = gdfs["facilities"].copy()
    f_snap = snapper.snap(*_point_xy(out), max_dist_m=cfg.max_snap_m)
    out["snap_dist_m"] = np.round(f_snap.dist_m, 2)
    bad = ~f_snap.ok
    out.loc[bad, "issues"] = out.loc[bad, "issues"].map(
        lambda s: (s + "; " if s else "") + f"no road within {cfg.max_snap_m:.0f} m: not used")
    return out
