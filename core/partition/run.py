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
- its hardened access is decided on the whole network: the client hands each window the whole network's
  hardened component of every window road and every township seat with its component
  (:class:`.stages.access.HardSeeds`); a window's hardened component lies in exactly one of the whole
  network's, and the village's hardened road within ``access_radius_m`` (< ``m``) is in the window, so its
  access is exact. (Without those: it has access, or its hardened component has no boundary line, and its
  township is in the window whenever it is in the towns layer.)
- its pave gap ``g`` satisfies ``g + 1 m < G`` (hardened edges weigh 1e-6, so 1 m bounds their sum).

Without a towns layer the served component and the seat network are the longest ones — global
properties — so island, access and pave gap are certified only when ``L`` is infinite.

The far distances. A nearest facility beyond the halo would leave a quarter of the villages uncertified and
push windows towards the whole network, so every window is *seeded* (:mod:`.partition_seeds`): the client
searches the reported facility types, the usable stations and the unpaved metres once on the whole graph
(which it builds anyway) and hands each window the exact metres at every node of its boundary lines and at
its facilities. A seeded window is exact at every point on an interior line, so a village snapped onto an
interior line passes the distance and pave-gap checks whatever ``L`` and ``G`` are.

Villages that are not certified are recomputed in a new round with the halo doubled (only they are the
partition's own villages then), up to :data:`WIDE_FACTOR` times the first halo. A village still not certified
there — or whose wider window would hold more than :data:`WIDE_ROADS_FACTOR` times the roads of the largest
first-round window (failed check ``window_limit``) — keeps the widest window's results and is *flagged*: counted and listed (village code, failed checks) in
``summary.json`` → ``partition.uncertified`` and reported by a warning — never silently wrong, and never
sent to a task over the whole network, so a worker's memory stays bounded by its window. Warnings the
stages raise on the workers are forwarded to the client's progress and ``partition.worker_warnings``.

Neighbours: a window holds the villages within ``dispersed_radius_m`` (population density) and the whole
administrative village of every own village (its ``concentrated`` flag is measured on the group), and every
wastewater plant (``sewer_dist_m`` is a straight line to the nearest, however far); mines and indicators are
computed on the client over the merged villages, and so are the facility loads and the capacity-aware assignment
(:mod:`.capacity`: a facility's villages may lie in several partitions). Island status is a component property: with the default halo
(at least ``island_max_length_m``) a component reaching a boundary line is too long to be an island, so the
check only bites with a shorter halo (certified as above, else widened, else flagged).
"""
from __future__ import annotations

import logging
import os
import pickle
import time
import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base._errors import ConfigError, RuralEnvError
from ..base.config import Config, RunInputs
from ..base.crs import SCALE_SPREAD
from ..base.progress import NullProgress, Progress, check_cancel, peak_rss_mb
from ..model.analysis import STAGES
from ..model.prepare import LayerInput, NetworkInputs, empty_facilities, point_xy, prepare, prepare_network
from ..model.results import Results, build_results
from ..model.stage import Context, Timer, run_stages
from ..model.stages import class3, indicators
from ..model.stages.access import Access, HardSeeds, Seats, hard_component_of, unpaved_matrix
from ..model.stages.attributes import column_or
from ..model.stages.capacity import Capacity, WindowRows
from ..model.stages.collection import Collection
from ..model.stages.distances import COLUMN_OF_TYPE, Distances, Seeds, at_nodes, multi_source
from ..model.stages.mines import near_mines
from ..model.stages.sanitation import Sanitation, admin_groups, toilet_shares
from ..model.stages.villages import VillageTable
from ..network.graph import csr_from_edges, island_components
from ..network.snapping import Snap, Snapper
from ..pipeline import write_outputs
from .capacity import merged_facts, station_plants, whole_capacity
from .seeds import (
    FID,
    HC,
    RID,
    Labels,
    WindowSeeds,
    line_hard_components,
    seeds_on_window,
    snap_facilities,
    whole_network_labels,
    whole_seats,
    window_seeds,
)

#: Partitioning units: county_code, or its first four digits (league 盟/市).
UNITS = ("county", "league", "auto")
#: Villages are recomputed with the halo doubled up to this many times the first one; a village still not
#: certified there is flagged (``summary.json`` → ``partition.uncertified``, and a warning), never sent to a
#: task over the whole network.
WIDE_FACTOR = 4.0
#: A wider window may hold at most this many times the roads of the largest first-round window so far; villages
#: whose wider window would hold more are flagged (check ``window_limit``) instead: a worker's memory stays
#: bounded by the partitions' windows (at the China scale a 400 km window holds most of the network).
WIDE_ROADS_FACTOR = 2.0
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
    seeds: WindowSeeds | None = None
    seats: Seats | None = None  # with the window roads' HC column: access decided on the whole network
    seat_components: frozenset[int] | None = None


def pack_frame(frame: pd.DataFrame) -> bytes:
    """A frame as compressed pickle bytes: what the client keeps of each partition's output rows until the merge
    (about a tenth of the decoded frame, whose text columns are one Python string per row).
    """
    return zlib.compress(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack_frame(packed: bytes) -> pd.DataFrame:
    """The frame :func:`pack_frame` packed (bytes made by this run's own workers)."""
    return pickle.loads(zlib.decompress(packed))  # noqa: S301 - produced by this run's tasks


@dataclass
class PartitionResult:
    """What a worker sends back: the own villages' output rows (packed), their certificate, and measurements.

    ``vid`` is the global row of each own village, in the order of the packed rows.
    """

    key: str
    round: int
    halo_m: float
    packed: bytes
    vid: np.ndarray
    certified: np.ndarray
    n_villages: int
    n_roads: int
    seconds: float
    peak_rss_mb: float
    worker_pid: int
    failed: np.ndarray  # per own village: the certificate's checks it failed, comma-joined ("" when certified)
    warnings: list[str]
    flagged: np.ndarray | None = None  # set by the client: uncertified in the widest window, kept and flagged
    capacity: bytes = b""  # the own villages' facilities and pairs (:func:`.stages.capacity.window_facts`), packed

    @property
    def villages(self) -> gpd.GeoDataFrame:
        """The own villages' output rows (decoded on each call)."""
        return unpack_frame(self.packed)


def _grow(bbox: tuple[float, float, float, float], d: float) -> shapely.Geometry:
    return shapely.box(bbox[0] - d, bbox[1] - d, bbox[2] + d, bbox[3] + d)


@dataclass
class Whole:
    """What the client knows of the whole input and hands to the windows: the exact far distances
    (:mod:`.partition_seeds`) and each village's administrative-village group.
    """

    labels: Labels | None
    group: np.ndarray
    line_hard: np.ndarray | None = None  # per road line: hardened component on the whole network (-1: none)
    seats: Seats | None = None  # township seats with their component on the whole network
    seat_components: frozenset[int] = frozenset()


def whole_groups(villages: gpd.GeoDataFrame) -> np.ndarray:
    """Integer administrative-village group of each village (:func:`.stages.sanitation.admin_groups`)."""
    return pd.factorize(pd.Series(admin_groups(villages)[0], dtype=object), use_na_sentinel=False)[0]


def _window_rows(layers: Mapping[str, gpd.GeoDataFrame], own: np.ndarray, window: dict[str, shapely.Geometry],
                 group: np.ndarray) -> dict[str, np.ndarray]:
    """Global rows of each windowed layer: what the boxes touch, plus the whole administrative village of every
    own village (its ``concentrated`` flag is measured on the group) and every wastewater plant (the
    straight-line ``sewer_dist_m`` reaches them however far).
    """
    rows = {kind: gdf.sindex.query(window[kind], predicate="intersects")
            for kind, gdf in layers.items() if kind in window}
    rows["villages"] = np.r_[rows["villages"], np.flatnonzero(np.isin(group, np.unique(group[own])))]
    if "facilities" in layers:
        plants = layers["facilities"]["facility_type"].to_numpy(object) == "wastewater_plant"
        rows["facilities"] = np.r_[rows["facilities"], np.flatnonzero(plants)]
    return {kind: np.unique(r) for kind, r in rows.items()}


def _boxes(layers: Mapping[str, gpd.GeoDataFrame], own: np.ndarray, halo_m: float, config: Config
           ) -> tuple[tuple[float, float, float, float], dict[str, shapely.Geometry]]:
    """The own villages' bounding box and the window of each layer around it (module docstring)."""
    vx, vy = point_xy(layers["villages"].iloc[own])
    bbox = (float(vx.min()), float(vy.min()), float(vx.max()), float(vy.max()))
    m = snap_margin_m(config)
    # radii are ground metres: on the grid they may reach the projection's scale factor farther
    grid = 1 + SCALE_SPREAD
    return bbox, {"roads": _grow(bbox, halo_m + 2 * m), "facilities": _grow(bbox, halo_m + m),
                  "towns": _grow(bbox, halo_m + m), "villages": _grow(bbox, config.dispersed_radius_m * grid + SLACK_M),
                  "mines": _grow(bbox, config.mine_buffer_m * grid + SLACK_M)}


def window_roads(layers: Mapping[str, gpd.GeoDataFrame], own: np.ndarray, halo_m: float, config: Config) -> int:
    """Roads whose bounding box meets the road window of ``own`` at ``halo_m`` (an upper bound of its roads)."""
    return len(layers["roads"].sindex.query(_boxes(layers, own, halo_m, config)[1]["roads"]))


def make_job(layers: Mapping[str, gpd.GeoDataFrame], own: np.ndarray, key: str, halo_m: float, config: Config,
             round_: int = 1, whole: Whole | None = None) -> PartitionJob:
    """Cut the window of one partition out of the (projected) layers; villages, roads and facilities carry
    their global row. With ``whole.labels`` the window gets its seeds (:func:`.partition_seeds.window_seeds`).
    """
    vil = layers["villages"]
    bbox, window = _boxes(layers, own, halo_m, config)
    group = whole.group if whole is not None else whole_groups(vil)
    rows = _window_rows(layers, np.asarray(own), window, group)
    column = {"villages": VID, "roads": RID, "facilities": FID}
    line_hard = whole.line_hard if whole is not None else None
    out: dict[str, gpd.GeoDataFrame] = {}
    for kind, gdf in layers.items():
        if kind not in rows:
            out[kind] = gdf
        elif len(rows[kind]):  # an empty layer is an input error; the certificate notices what is missing
            sub = gdf.iloc[rows[kind]]
            out[kind] = (sub.assign(**{column[kind]: rows[kind]}) if kind in column else sub).reset_index(drop=True)
            if kind == "roads" and line_hard is not None:
                out[kind][HC] = line_hard[rows[kind]]
    seeds = None
    if whole is not None and whole.labels is not None:
        inside = layers["roads"].sindex.query(_grow(bbox, halo_m), predicate="contains")
        fac = rows.get("facilities", np.zeros(0, np.int64))
        if len(fac):  # far wastewater plants may snap onto the wrong road here: never seed them
            fac = fac[layers["facilities"]["facility_type"].to_numpy(object)[fac] != "wastewater_plant"]
        seeds = window_seeds(whole.labels, np.setdiff1d(rows["roads"], inside), fac)
    codes = frozenset(layers["towns"]["town_code"]) if "towns" in layers else frozenset()
    job = PartitionJob(key, round_, halo_m, bbox, out, np.asarray(own), config, codes, frozenset(layers), seeds)
    if whole is not None and line_hard is not None:
        job.seats, job.seat_components = whole.seats, whole.seat_components
    return job


class _Collect(NullProgress):
    """A worker's progress: keeps the warnings for the client (the worker's own log is not the user's)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def message(self, text: str, level: str = "info") -> None:
        if level == "warning":
            self.warnings.append(text)


def run_job(job: PartitionJob) -> PartitionResult:
    """Worker task: prepare the window and run every stage, keep the own villages and certify each of them."""
    t0 = time.perf_counter()
    collect = _Collect()
    p = prepare(job.layers, job.config, collect)
    collect.warnings.clear()  # the client read and checked the whole input: the window's are repeats or artefacts
    if "facilities" in job.global_kinds and not p.has_facilities:
        p.has_facilities = True  # the run has facilities, only none in this window: the same rules apply
    ctx: Context = Context(p, collect)
    fid = p.facilities[FID].to_numpy(np.int64) if FID in p.facilities else np.zeros(0, np.int64)
    ctx.put(WindowRows(fid))
    if job.seeds is not None:
        ctx.put(seeds_on_window(job.seeds, p.net, p.roads[RID].to_numpy(np.int64), fid, p.facility_node))
        g = p.graph  # uncontracted: a seed may sit on a node the contraction would leave isolated
        p.matrix = csr_from_edges(g.u, g.v, g.length_m, g.n_nodes)
    if job.seat_components is not None and HC in p.roads:
        ctx.put(HardSeeds(p.roads[HC].to_numpy(np.int64), job.seats, job.seat_components))
    run_stages(STAGES, ctx, Timer())
    villages = ctx.need(VillageTable).villages
    own = np.isin(villages[VID].to_numpy(), job.own)
    failed = failed_checks(certify(job, ctx))[own]
    mine = villages.loc[own].reset_index(drop=True)
    facts = own_facts(ctx.need(Capacity).window or {}, own, villages[VID].to_numpy(np.int64))
    return PartitionResult(job.key, job.round, job.halo_m, pack_frame(mine), mine[VID].to_numpy(np.int64),
                           failed == "",
                           len(villages), len(p.roads), round(time.perf_counter() - t0, 3), peak_rss_mb(),
                           os.getpid(), failed, list(dict.fromkeys(collect.warnings)), capacity=facts)


def own_facts(facts: Mapping[str, Any], own: np.ndarray, vid: np.ndarray) -> bytes:
    """The window's capacity facts of its own villages, packed: per village arrays in the order of the own
    rows; pairs (tier → village, facility, metres) with the village's global row.
    """
    out: dict[str, Any] = {}
    for key, value in facts.items():
        if isinstance(value, tuple):
            vi, fi, dd = value
            keep = own[vi]
            out[key] = (vid[vi[keep]], fi[keep], dd[keep])
        else:
            out[key] = np.asarray(value)[own]
    return zlib.compress(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL), 1)


def run_packed(task: Callable[[PartitionJob], PartitionResult], blob: bytes) -> PartitionResult:
    """Worker task: ``task`` on the job the client pickled (see :func:`_run_rounds`)."""
    return task(pickle.loads(blob))  # noqa: S301 - pickled by this run's client


def failed_checks(checks: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per village: the names of the certificate's checks it fails, comma-joined ("" when it passes all)."""
    names = list(checks)
    if not names:
        return np.zeros(0, object)
    table = np.column_stack([~checks[k] for k in names])
    return np.array([",".join(n for n, bad in zip(names, row, strict=True) if bad) for row in table], object)


def _to_boundary(job: PartitionJob, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per road line whether it is interior; per window village the metres ``L`` and unpaved metres ``G`` to
    the nearest boundary-line node; per hardened component whether it holds a boundary line.
    """
    p = ctx.prepared
    net, g = p.net, p.graph
    interior = shapely.within(p.roads.geometry.array, _grow(job.bbox, job.halo_m))
    boundary_edge = ~interior[net.edge_line]
    sources = np.unique(np.r_[net.edge_u[boundary_edge], net.edge_v[boundary_edge]])
    # uncontracted: a boundary node may be a pass-through node the contracted matrix leaves isolated
    plain = csr_from_edges(g.u, g.v, g.length_m, g.n_nodes)
    unpaved = unpaved_matrix(g, contracted=False)
    L = at_nodes(multi_source(plain, sources, g.n_nodes)[0], p.village_node)
    G = at_nodes(multi_source(unpaved, sources, g.n_nodes)[0], p.village_node)
    open_hc = np.zeros(int(net.hard_component.max()) + 1 if net.n_nodes else 0, bool)
    open_hc[net.hard_component[net.edge_u[boundary_edge & net.edge_hardened]]] = True
    return interior, L, G, open_hc


def _distances_check(ctx: Context, L: np.ndarray) -> np.ndarray:
    """Per village: every network distance it reports (and its usable station's haul) is shorter than ``L``."""
    p = ctx.prepared
    dist = ctx.need(Distances)
    ok = np.ones(len(p.villages), bool)
    for kind in COLUMN_OF_TYPE:
        ok &= dist.to_villages(kind) + SLACK_M < L
    # the fecal-treatment distance is reported only where toilet waste is hauled (wastewater plants are
    # reached in a straight line, not over the roads)
    hauled = ctx.need(Sanitation).fecal_route == "collect_and_haul"
    ok &= ~hauled | (dist.to_villages("fecal_treatment") + SLACK_M < L)
    if p.has_facilities:
        ok &= ~p.reachable | (ctx.need(Collection).d_valid_station + p.config.d_haul_m + SLACK_M < L)
    return ok


def certify(job: PartitionJob, ctx: Context) -> dict[str, np.ndarray]:
    """Per check, per village of the window: True when that part of its results provably equals the full
    run's (module docstring); a village is certified when it passes every check.
    """
    p = ctx.prepared
    cfg = p.config
    if "towns" in job.global_kinds and "towns" not in job.layers:
        return {"towns": np.zeros(len(p.villages), bool)}  # other rules apply without them: widen
    interior, L, G, open_hc = _to_boundary(job, ctx)
    closed = np.isinf(L)
    snap = p.village_snap
    edge = shapely.get_exterior_ring(_grow(job.bbox, job.halo_m + 2 * snap_margin_m(cfg)))
    checks = {"snap": snap.ok & (snap.dist_m + SLACK_M < shapely.distance(shapely.points(*p.village_xy), edge))}
    # seeded windows are exact on interior lines (partition_seeds); else the search must stay inside
    on_interior = snap.ok & interior[p.net.edge_line[np.maximum(snap.edge, 0)]]
    seeded = ctx.get(Seeds) is not None
    checks["distances"] = closed | (seeded & on_interior) | _distances_check(ctx, L)
    checks["island"] = ~p.on_island | closed
    if cfg.capacity_aware and p.has_facilities:  # every pair within a tier's distance: searched in the window
        reach = max(cfg.d_station_m, cfg.d_town_m, cfg.d_village_m)
        checks["capacity"] = ~p.reachable | closed | (reach + SLACK_M < L)
    if p.towns is None:
        checks["access"] = closed | p.far | (ctx.get(HardSeeds) is not None)
        return checks
    access = ctx.need(Access)
    if ctx.get(HardSeeds) is not None:  # decided on the whole network's components and seats
        checks["access"] = np.ones(len(p.villages), bool)
    else:
        town = column_or(p.villages, "town_code", None).to_numpy(object)
        window_towns = set(p.towns["town_code"])
        same_rule = np.array([(c not in job.global_town_codes) or (c in window_towns) for c in town], bool)
        v_hc = hard_component_of(p.net, p.village_hard_snap)
        hc_closed = v_hc < 0
        hc_closed[~hc_closed] = ~open_hc[v_hc[~hc_closed]]
        checks["access"] = same_rule & (access.hardened_access | hc_closed)
    beyond = np.maximum(snap.dist_m - cfg.access_radius_m, 0.0)
    gap_ok = np.isinf(G) | (access.pave_gap_m - beyond + SLACK_M < G)
    # a gap searched from the village's own seats' networks only has no seeds: the boundary alone certifies it
    own = access.gap_own_search if access.gap_own_search is not None else np.zeros(len(gap_ok), bool)
    checks["pave_gap"] = ~p.reachable | access.hardened_access | gap_ok | (seeded & on_interior & ~own)
    return checks


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
class Merged(NetworkInputs):
    """The client's view of the whole run for :func:`.results.build_results`: the inputs and the whole road
    graph (read, projected and built once), the merged villages and what the output layers need.
    """

    villages: gpd.GeoDataFrame = None  # type: ignore[assignment]
    facilities: gpd.GeoDataFrame = None  # type: ignore[assignment]
    towns: gpd.GeoDataFrame | None = None
    facility_snap: Snap = None  # type: ignore[assignment]
    island: np.ndarray = None  # type: ignore[assignment]
    reachable: np.ndarray = None  # type: ignore[assignment]


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
    halo = default_halo_m(config) if options.halo_m is None else float(options.halo_m)
    if halo < 0:
        raise ConfigError(f"--halo-m must be >= 0 metres, got {halo}")
    timer = Timer(progress)
    t0 = time.perf_counter()
    side = client_side(inputs, config, options, progress, timer)
    base, gdfs = side.base, side.gdfs
    specs = [_Spec(str(k), np.flatnonzero(side.keys == k), halo, 1) for k in np.unique(side.keys)]
    with timer.stage("cluster"):
        client, cluster = connect_cluster(options)
    try:
        with timer.stage("partitions"):
            parts = _run_rounds(client, specs, gdfs, side.worker_config, side.whole, _span(gdfs), progress,
                                task)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    n_partitions = len(specs)
    side.whole = None  # the far-distance labels and the roads' search tree are for cutting windows only
    del specs
    _drop_sindex(gdfs["roads"])
    info = _partition_info(parts, side.unit, halo, options, n_partitions,
                           gdfs["villages"]["village_code"].to_numpy(object), progress)
    with timer.stage("merge"):
        res = _assemble(base, parts, side, progress, timer.seconds)
    res.summary["partition"] = info
    res.summary["timings_s"]["total_before_write"] = round(time.perf_counter() - t0, 3)
    if out_dir is not None:
        with timer.stage("write"):
            res.files = write_outputs(res, Path(out_dir), write_map=write_map, progress=progress)
    res.summary["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
    return res


@dataclass
class ClientSide:
    """What the client prepares once before any task: the inputs read, checked and projected, the whole road
    graph, each village's partition, the settings the workers run with and the far-distance labels.
    """

    base: NetworkInputs
    gdfs: dict[str, gpd.GeoDataFrame]
    keys: np.ndarray
    unit: str
    worker_config: Config
    facilities: gpd.GeoDataFrame
    facility_snap: Snap
    whole: Whole | None
    chain: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # per facility: plant, haul, node (whole graph)


def client_side(inputs: RunInputs | Mapping[str, LayerInput], config: Config, options: PartitionOptions,
                progress: Progress, timer: Timer) -> ClientSide:
    """Read → check → project → graph (stages ``read``, ``crs``, ``graph``), the partition of every village and
    the seeds' labels (stage ``labels``): everything :func:`make_job` cuts windows from.
    """
    base = prepare_network(inputs, config, progress, timer, required=("villages", "roads"))
    gdfs = {k: layer.gdf for k, layer in base.layers.items()}
    keys, unit = partition_keys(gdfs["villages"], options.unit, options.workers)
    crs_text = f"EPSG:{base.crs.to_epsg()}" if base.crs.to_epsg() else base.crs.to_wkt()
    # the windows' toilet shares are recomputed on the client over all villages: a window of one county must
    # not warn that the region's targets go to it whole
    worker_cfg = config.replace(crs=crs_text, use_cache=False,
                                region_households_lacking_toilet=max(config.region_households_lacking_toilet, 1))
    facilities = base.layer("facilities")
    facilities = facilities if facilities is not None else empty_facilities(base.crs)
    with timer.stage("labels"):  # the exact far distances, searched once on the whole graph
        f_snap = snap_facilities(base.net, base.roads, facilities, base.crs, config)
        seats, seat_hc = whole_seats(base.net, base.roads, base.layer("towns"), base.crs, config)
        whole = Whole(whole_network_labels(base.net, facilities, f_snap, seat_hc, config),
                      whole_groups(gdfs["villages"]), line_hard_components(base.net), seats, frozenset(seat_hc))
        labels = whole.labels
        chain = (*station_plants(labels, facilities, config), labels.facility_node) if labels is not None else None
    return ClientSide(base, gdfs, keys, unit, worker_cfg, facilities, f_snap, whole, chain)


def _drop_sindex(gdf: gpd.GeoDataFrame) -> None:
    """Free the spatial index geopandas caches on a layer's geometry (rebuilt if asked for again)."""
    array = gdf.geometry.array
    if getattr(array, "_sindex", None) is not None:
        array._sindex = None


def _partition_info(parts: list[PartitionResult], unit: str, halo: float, options: PartitionOptions,
                    n_partitions: int, village_codes: np.ndarray, progress: Progress) -> dict[str, Any]:
    """``summary.json`` → ``partition``; the workers' warnings and the flagged villages reported to the user
    (``village_codes``: of every input village, by global row).
    """
    flagged = [(village_codes[p.vid[p.flagged]], p.failed[p.flagged])
               for p in parts if p.flagged is not None and p.flagged.any()]
    codes = np.concatenate([c for c, _ in flagged]) if flagged else np.zeros(0, object)
    why = np.concatenate([f for _, f in flagged]) if flagged else np.zeros(0, object)
    if len(codes):
        counts = pd.Series([c for w in why for c in w.split(",")]).value_counts()
        progress.message(f"{len(codes)} villages could not be proved equal to a single run even with "
                         f"{WIDE_FACTOR:g} times the halo (checks failed: "
                         f"{', '.join(f'{k} {v}' for k, v in counts.items())}); their results come from the widest "
                         "window and are listed in summary.json → partition.uncertified", "warning")
    said: dict[str, list[str]] = {}
    for p in parts:
        for text in p.warnings:
            said.setdefault(text, []).append(p.key)
    for text, keys in said.items():
        progress.message(f"{text} (partition {', '.join(dict.fromkeys(keys))})", "warning")
    return {"unit": unit, "halo_m": halo, "scheduler": options.scheduler or "LocalCluster",
            "workers": options.workers if options.scheduler is None else None,
            "partitions": n_partitions, "rounds": max(p.round for p in parts),
            "recomputed_villages": int(sum((~p.certified).sum() for p in parts if p.round == 1)),
            "uncertified_villages": len(codes),
            "uncertified": [{"village_code": c, "failed_checks": w} for c, w in zip(codes, why, strict=True)],
            "worker_warnings": [{"text": t, "partitions": list(dict.fromkeys(k))} for t, k in said.items()],
            "tasks": [_task_row(p) for p in parts]}


def _task_row(p: PartitionResult) -> dict[str, Any]:
    return {"key": p.key, "round": p.round, "halo_m": p.halo_m, "own_villages": int(len(p.vid)),
            "certified": int(p.certified.sum()), "window_villages": p.n_villages, "window_roads": p.n_roads,
            "seconds": p.seconds, "peak_rss_mb": p.peak_rss_mb, "worker_pid": p.worker_pid}


def _span(gdfs: Mapping[str, gpd.GeoDataFrame]) -> float:
    """Diagonal of the extent of every layer: a halo this wide leaves nothing on a partition's boundary."""
    b = np.array([g.total_bounds for g in gdfs.values() if len(g)])
    return float(np.hypot(b[:, 2].max() - b[:, 0].min(), b[:, 3].max() - b[:, 1].min())) + 1.0


def connect_cluster(options: PartitionOptions):
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


@dataclass(frozen=True)
class _Spec:
    """A task still to cut out: the partition, its own villages and its halo (made into a job when submitted)."""

    key: str
    own: np.ndarray
    halo_m: float
    round: int
    prev: PartitionResult | None = None  # the round whose uncertified villages these are


def _run_rounds(client, specs: list[_Spec], gdfs: Mapping[str, gpd.GeoDataFrame], config: Config,
                whole: Whole | None, span: float, progress: Progress,
                task: Callable[[PartitionJob], PartitionResult]) -> list[PartitionResult]:
    """Run every partition; villages whose certificate fails go again with the halo doubled, up to
    :data:`WIDE_FACTOR` times the first one; what is still not certified there is flagged (kept from the widest
    window). Windows are cut only when submitted, a few per worker, so the client never holds them all.
    """
    from dask.distributed import as_completed

    queue = list(reversed(specs))
    in_flight = max(2, 2 * len(client.scheduler_info().get("workers", {})))
    progress.stage("partitions", total=len(specs))
    futures: dict[Any, _Spec] = {}
    wide_m = min(span, WIDE_FACTOR * max(specs[0].halo_m, 1000.0))
    done: list[PartitionResult] = []
    running = as_completed()

    def too_wide(spec: _Spec) -> bool:
        """A wider round whose window would exceed the roads limit: its villages are flagged instead."""
        first = [p.n_roads for p in done if p.round == 1]
        if spec.prev is None or not first:
            return False
        limit = WIDE_ROADS_FACTOR * max(first)
        n = window_roads(gdfs, spec.own, spec.halo_m, config)
        if n <= limit:
            return False
        prev = spec.prev
        prev.flagged = ~prev.certified
        prev.failed = np.where(prev.flagged, prev.failed + ",window_limit", prev.failed)
        progress.message(f"partition {spec.key}: a {spec.halo_m / 1000:.0f} km halo for {len(spec.own)} villages "
                         f"would hold about {n:,} roads, over {WIDE_ROADS_FACTOR:g} times the largest first "
                         f"window ({max(first):,}); they keep the {prev.halo_m / 1000:.0f} km results and are "
                         "flagged")
        return True

    def submit() -> None:
        while queue and len(futures) < in_flight:
            spec = queue.pop()
            if too_wide(spec):
                continue
            # the window travels with its task as bytes, so a retry has it and the scheduler (in this process
            # with a local cluster) passes it on without decoding and encoding its geometries again
            blob = pickle.dumps(make_job(gdfs, spec.own, spec.key, spec.halo_m, config, spec.round, whole),
                                protocol=pickle.HIGHEST_PROTOCOL)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Sending large graph")
                fut = client.submit(run_packed, task, blob, retries=RETRIES, pure=False,
                                    key=f"ruralenv-{spec.key}-r{spec.round}-{os.getpid()}-{time.time_ns()}")
            futures[fut] = spec
            running.add(fut)

    try:
        submit()
        for fut in running:
            check_cancel(progress)
            out = _result(fut, futures.pop(fut))
            done.append(out)
            progress.advance()
            progress.message(f"partition {out.key} (round {out.round}, halo {out.halo_m / 1000:.0f} km): "
                             f"{len(out.vid)} villages, {out.n_roads} roads in the window, {out.seconds:.1f} s, "
                             f"worker peak {out.peak_rss_mb:.0f} MB")
            if out.halo_m >= wide_m:
                out.flagged = ~out.certified
            else:
                queue[:0] = _again(out, wide_m, progress)
            submit()
    finally:
        for fut in futures:
            fut.cancel()
    return done


def _result(fut, spec: _Spec) -> PartitionResult:
    """A finished task's result; a failure (after Dask's retries) ends the run before anything is written."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - any task failure ends the run cleanly
        raise RuralEnvError(f"partition {spec.key} (round {spec.round}) failed after {RETRIES} retries: "
                            f"{type(exc).__name__}: {exc}; nothing was written") from exc


def _again(out: PartitionResult, wide_m: float, progress: Progress) -> list[_Spec]:
    """The villages of a task that were not certified, as a task with twice the halo (none if all were)."""
    todo = out.vid[~out.certified]
    if len(todo) == 0:
        return []
    progress.message(f"partition {out.key}: {len(todo)} villages may depend on roads beyond the "
                     f"{out.halo_m / 1000:.0f} km halo; recomputing them with a wider halo")
    return [_Spec(out.key, todo, min(2 * max(out.halo_m, 1000.0), wide_m), out.round + 1, out)]


def _merged_villages(base: NetworkInputs, parts: list[PartitionResult]) -> gpd.GeoDataFrame:
    """The certified own villages of every task, in input order, with their input row and issues."""
    kept = []
    for p in parts:  # decoded one at a time: the client never holds every partition's frame twice
        keep = p.certified if p.flagged is None else p.certified | p.flagged
        if keep.any():
            kept.append(p.villages.loc[keep])
        p.packed = b""
    vil = pd.concat(kept, ignore_index=True)
    del kept
    vid = vil[VID].to_numpy()
    src = base.layers["villages"].gdf
    if len(vid) != len(src) or len(np.unique(vid)) != len(src):
        raise RuralEnvError(f"partitioned run returned {len(np.unique(vid))} of {len(src)} villages "
                            "(a bug; please report it)")
    vil = vil.iloc[np.argsort(vid)].reset_index(drop=True)
    vil["src_row"] = src["src_row"].to_numpy()  # each window numbered its own rows
    vil["issues"] = src["issues"].to_numpy()
    # each window divided by its own households lacking a toilet; the share is of the whole input's
    vil["toilet_target_share"] = toilet_shares(vil["toilets_needed"].to_numpy(float),
                                               vil["in_scope"].to_numpy(bool), base.config,
                                               vil["county_code"].nunique() > 1)
    return gpd.GeoDataFrame(vil.drop(columns=[VID]), geometry=src.geometry.name, crs=base.crs)


def _assemble(base: NetworkInputs, parts: list[PartitionResult], side: ClientSide, progress: Progress,
              seconds: dict[str, float]) -> Results:
    """One :class:`Results` from the partitions with the single run's builders: layers from the whole graph,
    facility loads (and the capacity-aware assignment), indicators and mines over the merged villages.
    """
    cfg = base.config
    facilities, f_snap = side.facilities, side.facility_snap
    villages = _merged_villages(base, parts)
    capacity = None
    if side.chain is not None:
        capacity = whole_capacity(villages, facilities, merged_facts(parts, len(villages)), *side.chain, cfg)
        for name, values in capacity.village_columns().items():
            villages[name] = values
    snapper = Snapper(base.net, base.roads.geometry.array, base.crs)
    towns = base.layer("towns")
    t_snap = snapper.snap(*point_xy(towns), max_dist_m=cfg.max_snap_m) if towns is not None else None
    merged = Merged(cfg, base.crs, base.layers, base.rejects, base.hashes, base.net, villages=villages,
                    facilities=facilities, towns=towns, facility_snap=f_snap,
                    island=island_components(base.net, t_snap.edge[t_snap.ok] if t_snap is not None
                                             else np.zeros(0, np.int64), cfg.island_max_length_m),
                    reachable=villages["unreachable_reason"].isna().to_numpy())
    for code, name, why in villages.loc[~merged.reachable, ["village_code", "name", "unreachable_reason_en"]].itertuples(
            index=False):
        progress.message(f"village {code} {name}: {why}", "warning")  # as the single run reports them
    ctx: Context = Context(merged, progress)
    ctx.put(VillageTable(villages))
    if capacity is not None:
        ctx.put(capacity)
    ctx.put(class3.run(ctx))  # township seats on Class III roads, on the whole graph (issue 27)
    ctx.put(indicators.run(ctx))
    population = column_or(villages, "population", np.nan).fillna(0).to_numpy(float)
    ctx.put(near_mines(villages.geometry, base.layer("mines"), population, cfg))
    return build_results(ctx, seconds)
