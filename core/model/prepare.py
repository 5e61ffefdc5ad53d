"""One way in for every analysis: read → validate → metric CRS → road graph (cached) → snap.

``run``, ``validate_network``, the benchmark and the planning tools all start here, so a village is read,
projected and snapped the same way everywhere. :func:`prepare_network` stops after the graph (for tools
that need only the roads); :func:`prepare` also snaps villages, facilities and township seats and builds
the graph the stages search.
"""
from __future__ import annotations

import threading
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import CRS

from ..base._errors import InputError, Problem
from ..base.config import LAYER_KINDS, Config, LayerSpec, RunInputs, default_cache_dir
from ..base.contract import REJECT_COLUMNS as REJECT_CONTRACT
from ..base.contract import names
from ..base.crs import GEOGRAPHIC, lonlat_as_read, project_geometries, resolve_crs
from ..base.files import sha256_of
from ..base.progress import NullProgress, Progress, check_cancel
from ..io.read import Layer, check_layer, check_locations, classify_roads, read_layer, reject_record
from ..network.graph import (
    RoadNetwork,
    build_network,
    graph_cache_key,
    island_components,
    load_network,
    save_network,
)
from ..network.snapping import Augmented, Snap, Snapper, augmented_graph
from .stage import Timer

#: What an input layer may be given as: a file spec ``path[:layer]``, a LayerSpec or a GeoDataFrame.
LayerInput: TypeAlias = LayerSpec | str | Path | gpd.GeoDataFrame
REJECT_COLUMNS = list(names(REJECT_CONTRACT))


@dataclass
class NetworkInputs:
    """Validated layers in the run's metric CRS and the road graph built from its roads."""

    config: Config
    crs: CRS
    layers: dict[str, Layer]
    rejects: pd.DataFrame
    hashes: dict[str, str | None]
    net: RoadNetwork

    @property
    def roads(self) -> gpd.GeoDataFrame:
        """The roads layer (metric CRS), one row per line of the graph."""
        return self.layers["roads"].gdf

    def layer(self, kind: str) -> gpd.GeoDataFrame | None:
        """A copy of an optional layer, or None when it was not given."""
        return self.layers[kind].gdf.copy() if kind in self.layers else None


@dataclass
class Prepared(NetworkInputs):
    """Everything the stages start from: layers, graph, snapped points and which villages are reachable.

    Attributes
    ----------
    villages, facilities : GeoDataFrame
        Copies of the input layers in the metric CRS (facilities empty when none were given).
    towns : GeoDataFrame or None
    has_facilities : bool
    village_xy : (ndarray, ndarray)
        Projected coordinates of each village point.
    village_snap, facility_snap, town_snap : Snap
        Nearest road edge of each point (facilities and seats only within ``max_snap_m``).
    village_hard_snap, town_hard_snap : Snap, Snap or None
        Nearest hardened road within ``access_radius_m``.
    graph : Augmented
        The road graph with every snapped village, facility and seat added as a node.
    matrix : scipy.sparse.csr_matrix
        ``graph`` in metres, pass-through nodes contracted: what the distance searches use.
    village_node, facility_node, town_node : ndarray int64
        Node of each point in ``graph`` (-1: not on the graph).
    island : ndarray bool
        Per component of the network: an isolated island (no seat, shorter than ``island_max_length_m``).
    far, on_island, reachable : ndarray bool
        Per village: farther than ``max_snap_m`` from every road; on an island; neither.
    village_component : ndarray int64
        Network component of each village's road (-1 when not snapped).
    """

    villages: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame | None
    has_facilities: bool
    village_xy: tuple[np.ndarray, np.ndarray]
    village_snap: Snap
    facility_snap: Snap
    town_snap: Snap
    village_hard_snap: Snap
    town_hard_snap: Snap | None
    graph: Augmented
    matrix: sp.csr_matrix
    village_node: np.ndarray
    facility_node: np.ndarray
    town_node: np.ndarray
    island: np.ndarray
    far: np.ndarray
    on_island: np.ndarray
    reachable: np.ndarray
    village_component: np.ndarray


def _as_inputs(inputs: RunInputs | Mapping[str, LayerInput], required: Sequence[str]) -> dict[str, LayerInput]:
    given: dict[str, LayerInput]
    if isinstance(inputs, RunInputs):
        given = dict(inputs.items())
    else:
        unknown = set(inputs) - set(LAYER_KINDS)
        if unknown:
            raise InputError([Problem(str(k), None, None, None, f"unknown input kind; use one of {LAYER_KINDS}")
                              for k in sorted(unknown)])
        given = {k: v for k, v in inputs.items() if v is not None}
    missing = [k for k in required if given.get(k) is None]
    if missing:
        raise InputError([Problem(k, None, None, None, "this input layer is required") for k in missing])
    return given


def load_layer(kind: str, src: LayerInput) -> tuple[Layer, str | None]:
    """Read and check one input; return the layer and the sha256 of its file (None for in-memory layers)."""
    layer = _load_layer(kind, src)
    return layer, None if isinstance(src, gpd.GeoDataFrame) else sha256_of(_file_of(src).path)


def _file_of(src: LayerSpec | str | Path) -> LayerSpec:
    return src if isinstance(src, LayerSpec) else LayerSpec.parse(src)


def _load_layer(kind: str, src: LayerInput) -> Layer:
    """Read and check one input (:func:`load_layer` without the file's digest)."""
    if isinstance(src, gpd.GeoDataFrame):
        name = str(src.attrs.get("source", f"<{kind} layer>"))
        return check_layer(src, kind, name, None)
    return read_layer(_file_of(src), kind)


def _problem_rows(layers: dict[str, Layer]) -> tuple[list[dict], list[Problem]]:
    """Every problem of every layer as a rejects row, and the ones that block a run under ``fail``."""
    rows: list[dict] = []
    blocking: list[Problem] = []
    for kind, layer in layers.items():
        for p in layer.problems:
            rows.append(reject_record(kind, layer, p))
            if p.severity != "note":
                blocking.append(p)
    return rows, blocking


def read_inputs(
    inputs: RunInputs | Mapping[str, LayerInput], config: Config,
    required: Sequence[str] = ("villages", "roads"), progress: Progress | None = None,
) -> tuple[dict[str, Layer], pd.DataFrame, dict[str, str | None]]:
    """Read and validate every input; apply the ``on_bad_rows`` policy (one ``progress`` step per layer).

    Returns
    -------
    (layers, rejects, hashes)
        Validated layers without rejected rows; the rejects table (:data:`.contract.REJECT_COLUMNS`: where,
        what identifies the row, the reason); sha256 of each input file.

    Raises
    ------
    InputError
        With every problem found in every layer, when the run cannot go on.
    """
    layers: dict[str, Layer] = {}
    hashes: dict[str, str | None] = {}
    fatal: list[Problem] = []
    given = _as_inputs(inputs, required)
    with ThreadPoolExecutor(1, thread_name_prefix="ruralenv-sha256") as pool:  # the files are hashed while read
        digests = {kind: pool.submit(sha256_of, _file_of(src).path) for kind, src in given.items()
                   if not isinstance(src, gpd.GeoDataFrame)}
        for kind, src in given.items():
            try:
                layer = _load_layer(kind, src)
            except InputError as exc:
                fatal.extend(exc.problems)
                continue
            if kind == "roads":
                classify_roads(layer, config)
            layers[kind], hashes[kind] = layer, digests[kind].result() if kind in digests else None
            if progress is not None:
                progress.advance()
    if not fatal:
        check_locations(layers)
    rows, blocking = _problem_rows(layers)
    for layer in layers.values():  # the rows' identities (with the geometries as read) served the rejects
        layer.identity = None
    if fatal:
        raise InputError(fatal + blocking)
    if "villages" in required and "facilities" not in layers:
        rows.insert(0, {"kind": "facilities", "file": "facilities", "layer": None, "row": None, "field": None,
                        "severity": "note",
                        "reason": "no facilities layer: hardened access only, no collection model is assigned"})
    if blocking and config.on_bad_rows == "fail":
        raise InputError(blocking)
    for layer in layers.values():
        if layer.bad_rows:
            layer.gdf = layer.gdf[~layer.gdf["src_row"].isin(layer.bad_rows)].reset_index(drop=True)
    for kind in required:
        if len(layers[kind].gdf) == 0:
            raise InputError([Problem(layers[kind].source, None, None, None,
                                      f"no usable {kind} left after rejecting bad rows")])
    return layers, pd.DataFrame(rows, columns=REJECT_COLUMNS), hashes


def _lonlat_bounds(layers: dict[str, Layer], kinds: Sequence[str]) -> tuple[float, float, float, float]:
    bounds = []
    for kind in kinds:
        gdf = layers[kind].gdf
        bounds.append(gpd.GeoSeries(shapely.box(*gdf.total_bounds), crs=gdf.crs).to_crs(GEOGRAPHIC).total_bounds)
    arr = np.array(bounds)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())


def to_metric_crs(layers: dict[str, Layer], config: Config, extent_kinds: Sequence[str]) -> CRS:
    """Pick the run's metric CRS from the extent of ``extent_kinds`` and project every layer into it."""
    crs = resolve_crs(config.crs, _lonlat_bounds(layers, extent_kinds), config.crs_family)
    for layer in layers.values():
        layer.gdf = _projected(layer.gdf, crs)
    return crs


def _projected(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """``gdf.to_crs(crs)``, large 2-D layers on two threads (:func:`.crs.project_geometries`)."""
    if len(gdf) < 10_000 or gdf.crs is None or gdf.crs == crs:
        return gdf.to_crs(crs)
    geoms = project_geometries(np.asarray(gdf.geometry.array), gdf.crs, crs)
    if geoms is None:
        return gdf.to_crs(crs)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=crs, name=gdf.geometry.name))


def get_network(roads: gpd.GeoDataFrame, crs: CRS, config: Config, progress: Progress,
                background_save: bool = False, lonlat: np.ndarray | None = None) -> RoadNetwork:
    """Build the road graph, or load it from the cache when the same roads and settings were seen.

    ``lonlat``: the roads' vertices in longitude/latitude as read (:func:`.crs.lonlat_as_read`), if known.
    With ``background_save`` a newly built graph is written to the cache by a thread while the caller goes
    on (the write is file I/O, which leaves the interpreter free); :func:`finish_cache_saves` waits for it
    and reports how it went.
    """
    geoms = np.asarray(roads.geometry.array)
    hardened = roads["hardened"].to_numpy(bool)
    key = graph_cache_key(geoms, hardened, crs, config.graph_key())
    path = default_cache_dir(config) / "graphs" / f"{key}.npz"
    if config.use_cache and path.exists():
        try:
            net = load_network(path)
            progress.message(f"road graph loaded from cache {path} ({net.n_nodes} nodes, {net.n_edges} edges)")
            return net
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            progress.message(f"cached road graph {path} unreadable ({exc}); rebuilding", "warning")
    net = build_network(geoms, hardened, crs, config.node_tolerance_m, check=lambda: check_cancel(progress),
                        lonlat=lonlat)
    progress.message(f"road graph built: {net.n_nodes} nodes, {net.n_edges} edges")
    if config.use_cache:
        saving = _CacheSave(net, path)
        if background_save:
            _SAVES.append(saving)
            saving.start()
        else:
            saving.run()
            saving.report(progress)
    return net


class _CacheSave(threading.Thread):
    """Writing one road graph into the cache; any OSError is kept for :meth:`report`."""

    def __init__(self, net: RoadNetwork, path: Path):
        super().__init__(name="ruralenv-graph-cache")
        self.net, self.path = net, path
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            save_network(self.net, self.path)
        except OSError as exc:
            self.error = exc

    def report(self, progress: Progress) -> None:
        if self.error is None:
            progress.message(f"road graph cached at {self.path}")
        else:
            progress.message(f"could not cache the road graph at {self.path}: {self.error}", "warning")


_SAVES: list[_CacheSave] = []


def finish_cache_saves(progress: Progress) -> None:
    """Wait for the road graphs being written to the cache in the background and report each."""
    while _SAVES:
        saving = _SAVES.pop(0)
        saving.join()
        saving.report(progress)


def prepare_network(
    inputs: RunInputs | Mapping[str, LayerInput], config: Config, progress: Progress | None = None,
    timer: Timer | None = None, required: Sequence[str] = ("roads",), background_save: bool = False,
) -> NetworkInputs:
    """Read, validate and project the inputs and build (or load) the road graph.

    With ``background_save`` a new graph goes into the cache while the caller goes on; the caller then
    calls :func:`finish_cache_saves`.

    Stages ``read``, ``crs`` and ``graph`` are timed on ``timer``; every problem kept under
    ``on_bad_rows="reject"`` is reported to ``progress`` as a warning.
    """
    progress = progress or NullProgress()
    timer = timer or Timer(progress)
    with timer.stage("read", total=len(_as_inputs(inputs, required))):
        layers, rejects, hashes = read_inputs(inputs, config, required, progress)
        for r in rejects.itertuples(index=False):
            row = None if pd.isna(r.row) else int(r.row)
            progress.message(str(Problem(r.file, r.layer, row, r.field, r.reason)), "warning")
    with timer.stage("crs"):
        roads = layers["roads"].gdf
        lonlat = lonlat_as_read(roads.geometry.array, roads.crs)  # spares the graph a transformation back
        crs = to_metric_crs(layers, config, [k for k in ("villages", "roads") if k in layers])
        progress.message(f"metric CRS: {crs.name} (EPSG:{crs.to_epsg()})")
    with timer.stage("graph"):
        net = get_network(layers["roads"].gdf, crs, config, progress, background_save, lonlat)
        del lonlat
    timer.seconds["graph_from_cache"] = bool(net.from_cache)
    return NetworkInputs(config, crs, layers, rejects, hashes, net)


def point_xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Projected x, y of each feature (a point on the surface of polygons)."""
    geoms = gdf.geometry.array
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    return shapely.get_x(pts), shapely.get_y(pts)


def empty_facilities(crs: CRS) -> gpd.GeoDataFrame:
    """A facilities layer with no rows (a run without facilities still has the layer)."""
    return gpd.GeoDataFrame({"facility_type": pd.Series(dtype=object), "src_row": pd.Series(dtype=int),
                             "issues": pd.Series(dtype=object)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def concat_snaps(snaps: Sequence[Snap]) -> Snap:
    """One Snap of several point sets, in order."""
    return Snap(*(np.concatenate([getattr(s, f) for s in snaps]) for f in ("edge", "dist_m", "along_m", "x", "y")))


def _snap_all(base: NetworkInputs, village_xy: tuple[np.ndarray, np.ndarray], facilities: gpd.GeoDataFrame,
              towns: gpd.GeoDataFrame | None, progress: Progress) -> tuple[Snap, ...]:
    """Nearest road of villages, facilities and seats; nearest hardened road of villages and seats.

    The two searches (every road; hardened roads) run on two threads: GEOS leaves the interpreter free
    while it builds and searches its trees.
    """
    config, roads = base.config, base.roads
    vx, vy = village_xy
    fx, fy = point_xy(facilities)
    tx, ty = point_xy(towns) if towns is not None else (np.zeros(0), np.zeros(0))

    def every_road() -> tuple[Snap, Snap, Snap]:
        snapper = Snapper(base.net, roads.geometry.array, base.crs)
        return (snapper.snap(vx, vy), snapper.snap(fx, fy, max_dist_m=config.max_snap_m),
                snapper.snap(tx, ty, max_dist_m=config.max_snap_m))

    def hardened_roads() -> tuple[Snap, Snap]:
        hard = Snapper(base.net, roads.geometry.array, base.crs, line_mask=roads["hardened"].to_numpy(bool))
        return (hard.snap(vx, vy, max_dist_m=config.access_radius_m),
                hard.snap(tx, ty, max_dist_m=config.access_radius_m))

    with ThreadPoolExecutor(2, thread_name_prefix="ruralenv-snap") as pool:
        hardened = pool.submit(hardened_roads)
        v_snap, f_snap, t_snap = every_road()
        progress.advance(2)
        v_hsnap, t_hsnap = hardened.result()
    progress.advance()
    return v_snap, f_snap, t_snap, v_hsnap, t_hsnap


def prepare(
    inputs: RunInputs | Mapping[str, LayerInput], config: Config | None = None, progress: Progress | None = None,
    timer: Timer | None = None,
) -> Prepared:
    """Read → validate → metric CRS → road graph → snap; the start of every analysis.

    Parameters
    ----------
    inputs : RunInputs or mapping
        Layer kind → file spec (``path[:layer]``), :class:`LayerSpec` or GeoDataFrame; ``villages`` and
        ``roads`` are required.
    config : Config, optional
    progress : Progress, optional
    timer : Timer, optional
        Times the stages ``read``, ``crs``, ``graph`` and ``snapping``.

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        Bad inputs, with every problem listed.
    Cancelled
        The user cancelled.
    """
    config = config or Config()
    progress = progress or NullProgress()
    timer = timer or Timer(progress)
    base = prepare_network(inputs, config, progress, timer, required=("villages", "roads"), background_save=True)
    try:  # the graph goes into the cache while the points are snapped
        villages = base.layers["villages"].gdf.copy()
        facilities = base.layer("facilities")
        has_facilities = facilities is not None
        facilities = facilities if facilities is not None else empty_facilities(base.crs)
        towns = base.layer("towns")
        village_xy = point_xy(villages)
        with timer.stage("snapping", total=3):
            v_snap, f_snap, t_snap, v_hsnap, t_hsnap = _snap_all(base, village_xy, facilities, towns, progress)
        net = base.net
        island = island_components(net, t_snap.edge[t_snap.ok], config.island_max_length_m)
        far = ~v_snap.ok | (v_snap.dist_m > config.max_snap_m)
        v_comp = np.where(v_snap.ok, net.component[net.edge_u[np.maximum(v_snap.edge, 0)]], -1)
        on_island = ~far & island[np.maximum(v_comp, 0)]
        usable = Snap(np.where(far, -1, v_snap.edge), v_snap.dist_m, v_snap.along_m, v_snap.x, v_snap.y)
    finally:
        finish_cache_saves(progress)
    graph = augmented_graph(net, concat_snaps([usable, f_snap, t_snap]))
    n_v, n_f = len(villages), len(facilities)
    return Prepared(
        base.config, base.crs, base.layers, base.rejects, base.hashes, net,
        villages=villages, facilities=facilities, towns=towns, has_facilities=has_facilities,
        village_xy=village_xy, village_snap=v_snap, facility_snap=f_snap, town_snap=t_snap,
        village_hard_snap=v_hsnap, town_hard_snap=t_hsnap if towns is not None else None,
        graph=graph, matrix=graph.matrix(), village_node=graph.point_node[:n_v],
        facility_node=graph.point_node[n_v:n_v + n_f], town_node=graph.point_node[n_v + n_f:],
        island=island, far=far, on_island=on_island, reachable=~far & ~on_island, village_component=v_comp)
