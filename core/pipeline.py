"""Wire the steps of DESIGN.md §1 for one :class:`Config`: read → CRS → graph → snap → analyse → write.

The CLI, the Python API and every QGIS algorithm call :func:`run_pipeline` (or its parts).
"""
from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from . import schema
from ._errors import InputError, Problem
from .assignment import assign_models
from .config import LAYER_KINDS, Config, LayerSpec, RunInputs, default_cache_dir
from .crs import GEOGRAPHIC, resolve_crs
from .indicators import indicator_tables
from .io import Layer, check_layer, classify_roads, read_layer
from .network import (
    EPS_WEIGHT,
    RoadNetwork,
    build_network,
    graph_cache_key,
    island_components,
    load_network,
    save_network,
)
from .outputs import commit_outputs, write_gpkg, write_json, write_report
from .progress import NullProgress, Progress, check_cancel
from .snapping import Snap, Snapper, augmented_graph
from .stages import sanitation

LayerInput = LayerSpec | str | Path | gpd.GeoDataFrame


#: The stages :func:`run_pipeline` reports, in order (progress displays split their bar by these).
PIPELINE_STAGES = ("read", "crs", "graph", "snapping", "distances", "access", "assignment", "sanitation",
                   "mines", "indicators", "write")


@dataclass
class Results:
    """Everything a run produced (the layers of results.gpkg, the indicator tables, the summary)."""

    villages: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    counties: pd.DataFrame
    towns: gpd.GeoDataFrame | None
    mines: gpd.GeoDataFrame | None
    unreachable: gpd.GeoDataFrame
    rejects: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    summary: dict
    network: RoadNetwork
    crs: CRS
    files: dict[str, Path] = field(default_factory=dict)

    def layers(self) -> dict[str, pd.DataFrame | None]:
        """The layers of results.gpkg by name."""
        return {"villages": self.villages, "roads": self.roads, "facilities": self.facilities,
                "counties": self.counties, "towns": self.towns, "mines": self.mines,
                "unreachable": self.unreachable, "rejects": self.rejects}


class _Timer:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[None]:
        check_cancel(self.progress)
        self.progress.stage(name, total)
        t0 = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t0, 4)
        check_cancel(self.progress)


def _as_inputs(inputs: RunInputs | Mapping[str, LayerInput]) -> dict[str, LayerInput]:
    if isinstance(inputs, RunInputs):
        return dict(inputs.items())
    unknown = set(inputs) - set(LAYER_KINDS)
    if unknown:
        raise InputError([Problem(str(k), None, None, None, f"unknown input kind; use one of {LAYER_KINDS}")
                          for k in sorted(unknown)])
    missing = [k for k in ("villages", "roads") if inputs.get(k) is None]
    if missing:
        raise InputError([Problem(k, None, None, None, "this input layer is required") for k in missing])
    return {k: v for k, v in inputs.items() if v is not None}


def _load(kind: str, src: LayerInput) -> tuple[Layer, str | None]:
    """Read one input; return the layer and the sha256 of its file (None for in-memory layers)."""
    if isinstance(src, gpd.GeoDataFrame):
        name = str(src.attrs.get("source", f"<{kind} layer>"))
        return check_layer(src, kind, name, None), None
    spec = src if isinstance(src, LayerSpec) else LayerSpec.parse(src)
    layer = read_layer(spec, kind)
    return layer, _file_hash(spec.path)


def _file_hash(path: Path) -> str:
    """sha256 of a file (with a Shapefile's side files); one read per file even when several layers share it."""
    paths = [path.resolve()]
    if path.suffix.lower() == ".shp":
        paths += [path.with_suffix(s).resolve() for s in (".dbf", ".shx", ".prj", ".cpg")
                  if path.with_suffix(s).exists()]
    return _hash_of(tuple((p, p.stat().st_size, p.stat().st_mtime_ns) for p in paths))


@functools.lru_cache(maxsize=64)
def _hash_of(files: tuple[tuple[Path, int, int], ...]) -> str:
    h = hashlib.sha256()
    for p, _, _ in files:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def read_inputs(
    inputs: RunInputs | Mapping[str, LayerInput], config: Config
) -> tuple[dict[str, Layer], pd.DataFrame, dict[str, str | None]]:
    """Read and validate every input; apply the ``on_bad_rows`` policy.

    Returns
    -------
    (layers, rejects, hashes)
        Validated layers without rejected rows; the rejects table (kind, file, layer, row, field, reason);
        sha256 of each input file.

    Raises
    ------
    InputError
        With every problem found in every layer, when the run cannot go on.
    """
    layers: dict[str, Layer] = {}
    hashes: dict[str, str | None] = {}
    fatal: list[Problem] = []
    for kind, src in _as_inputs(inputs).items():
        try:
            layer, digest = _load(kind, src)
        except InputError as exc:
            fatal.extend(exc.problems)
            continue
        if kind == "roads":
            classify_roads(layer, config)
        layers[kind], hashes[kind] = layer, digest
    if "facilities" not in layers and not fatal:
        progress_note = "no facilities layer: hardened access only, no collection model is assigned"
        rows_note = [{"kind": "facilities", "file": "facilities", "layer": None, "row": None, "field": None,
                      "severity": "note", "reason": progress_note}]
    else:
        rows_note = []
    if fatal:
        raise InputError(fatal + [p for lay in layers.values() for p in lay.problems if p.severity != "note"])
    rows = list(rows_note)
    blocking = []
    for kind, layer in layers.items():
        for p in layer.problems:
            rows.append({"kind": kind, "file": p.file, "layer": p.layer, "row": p.row, "field": p.field,
                         "severity": p.severity, "reason": p.message})
            if p.severity != "note":
                blocking.append(p)
    if blocking and config.on_bad_rows == "fail":
        raise InputError(blocking)
    for layer in layers.values():
        if layer.bad_rows:
            layer.gdf = layer.gdf[~layer.gdf["src_row"].isin(layer.bad_rows)].reset_index(drop=True)
    for kind in ("villages", "roads"):
        if kind in layers and len(layers[kind].gdf) == 0:
            raise InputError([Problem(layers[kind].source, None, None, None,
                                      f"no usable {kind} left after rejecting bad rows")])
    rejects = pd.DataFrame(rows, columns=["kind", "file", "layer", "row", "field", "severity", "reason"])
    return layers, rejects, hashes


def _lonlat_bounds(layers: dict[str, Layer]) -> tuple[float, float, float, float]:
    bounds = []
    for kind in ("villages", "roads"):
        gdf = layers[kind].gdf
        b = gpd.GeoSeries(shapely.box(*gdf.total_bounds), crs=gdf.crs).to_crs(GEOGRAPHIC).total_bounds
        bounds.append(b)
    arr = np.array(bounds)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())


def _point_xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = gdf.geometry.array
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    return shapely.get_x(pts), shapely.get_y(pts)


def get_network(roads: gpd.GeoDataFrame, crs: CRS, config: Config, progress: Progress) -> RoadNetwork:
    """Build the road graph, or load it from the cache when the same roads and settings were seen."""
    geoms = roads.geometry.array
    hardened = roads["hardened"].to_numpy(bool)
    key = graph_cache_key(np.asarray(geoms), hardened, crs, config.graph_key())
    path = default_cache_dir(config) / "graphs" / f"{key}.npz"
    if config.use_cache and path.exists():
        try:
            net = load_network(path)
            progress.message(f"road graph loaded from cache {path} ({net.n_nodes} nodes, {net.n_edges} edges)")
            return net
        except (OSError, ValueError, KeyError) as exc:
            progress.message(f"cached road graph {path} unreadable ({exc}); rebuilding", "warning")
    net = build_network(np.asarray(geoms), hardened, crs, config.node_tolerance_m,
                        check=lambda: check_cancel(progress))
    progress.message(f"road graph built: {net.n_nodes} nodes, {net.n_edges} edges")
    if config.use_cache:
        try:
            save_network(net, path)
            progress.message(f"road graph cached at {path}")
        except OSError as exc:
            progress.message(f"could not cache the road graph at {path}: {exc}", "warning")
    return net


def _multi_source(matrix, nodes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Shortest distances from the nearest of ``nodes`` to every node, and which source it was."""
    nodes = np.unique(nodes[nodes >= 0])
    if len(nodes) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    dist, _, src = dijkstra(matrix, directed=False, indices=nodes, min_only=True, return_predecessors=True)
    return dist, src


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
    timer = _Timer(progress)
    t_start = time.perf_counter()

    with timer.stage("read"):
        layers, rejects, hashes = read_inputs(inputs, config)
        for r in rejects.itertuples(index=False):
            row = None if pd.isna(r.row) else int(r.row)
            progress.message(str(Problem(r.file, r.layer, row, r.field, r.reason)), "warning")
    with timer.stage("crs"):
        crs = resolve_crs(config.crs, _lonlat_bounds(layers), config.crs_family)
        for layer in layers.values():
            layer.gdf = layer.gdf.to_crs(crs)
        progress.message(f"metric CRS: {crs.name} (EPSG:{crs.to_epsg()})")
    roads = layers["roads"].gdf
    with timer.stage("graph"):
        net = get_network(roads, crs, config, progress)
    timer.seconds["graph_from_cache"] = bool(net.from_cache)

    villages = layers["villages"].gdf.copy()
    has_facilities = "facilities" in layers
    facilities = layers["facilities"].gdf.copy() if has_facilities else gpd.GeoDataFrame(
        {"facility_type": pd.Series(dtype=object), "src_row": pd.Series(dtype=int), "issues": pd.Series(dtype=object)},
        geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    towns = layers["towns"].gdf.copy() if "towns" in layers else None
    with timer.stage("snapping", total=3):
        snapper = Snapper(net, roads.geometry.array, crs)
        vx, vy = _point_xy(villages)
        v_snap = snapper.snap(vx, vy)
        progress.advance()
        fx, fy = _point_xy(facilities)
        f_snap = snapper.snap(fx, fy, max_dist_m=config.max_snap_m)
        if towns is not None:
            tx, ty = _point_xy(towns)
            t_snap = snapper.snap(tx, ty, max_dist_m=config.max_snap_m)
        progress.advance()
        hard_snapper = Snapper(net, roads.geometry.array, crs, line_mask=roads["hardened"].to_numpy(bool))
        v_hsnap = hard_snapper.snap(vx, vy, max_dist_m=config.access_radius_m)
        t_hsnap = hard_snapper.snap(tx, ty, max_dist_m=config.access_radius_m) if towns is not None else None
        progress.advance()

    comp_len = net.component_lengths()
    seat_edges = t_snap.edge[t_snap.ok] if towns is not None else np.zeros(0, np.int64)
    island = island_components(net, seat_edges, config.island_max_length_m)

    far = ~v_snap.ok | (v_snap.dist_m > config.max_snap_m)
    v_comp = np.where(v_snap.ok, net.component[net.edge_u[np.maximum(v_snap.edge, 0)]], -1)
    on_island = ~far & island[np.maximum(v_comp, 0)]
    reachable = ~far & ~on_island
    usable_v = Snap(np.where(far, -1, v_snap.edge), v_snap.dist_m, v_snap.along_m, v_snap.x, v_snap.y)

    with timer.stage("distances", total=6):
        n_v, n_f = len(villages), len(facilities)
        n_t = len(towns) if towns is not None else 0
        all_snap = Snap(
            np.r_[usable_v.edge, f_snap.edge, t_snap.edge if n_t else np.zeros(0, np.int64)],
            np.r_[usable_v.dist_m, f_snap.dist_m, t_snap.dist_m if n_t else np.zeros(0)],
            np.r_[usable_v.along_m, f_snap.along_m, t_snap.along_m if n_t else np.zeros(0)],
            np.r_[usable_v.x, f_snap.x, t_snap.x if n_t else np.zeros(0)],
            np.r_[usable_v.y, f_snap.y, t_snap.y if n_t else np.zeros(0)],
        )
        aug = augmented_graph(net, all_snap)
        m = aug.matrix()
        v_node = aug.point_node[:n_v]
        f_node = aug.point_node[n_v:n_v + n_f]
        ftype = facilities["facility_type"].to_numpy(object)
        dist = {}
        sources = {}
        for t in schema.FACILITY_TYPES:
            check_cancel(progress)
            dist[t], sources[t] = _multi_source(m, f_node[ftype == t], aug.n_nodes)
            progress.advance()
        # Stations that reach a county treatment facility within d_haul_m.
        haul = dist["county_treatment"]
        st_nodes = f_node[(ftype == "transfer_station") & (f_node >= 0)]
        valid_st = st_nodes[haul[st_nodes] <= config.d_haul_m]
        d_valid, src_valid = _multi_source(m, valid_st, aug.n_nodes)
        progress.advance()

    def at(arr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        out = np.full(len(nodes), np.inf)
        ok = nodes >= 0
        out[ok] = arr[nodes[ok]]
        return out

    d_station = at(dist["transfer_station"], v_node)
    d_town = at(dist["town_treatment"], v_node)
    d_county = at(dist["county_treatment"], v_node)
    d_vtreat = at(dist["village_treatment"], v_node)
    d_vst = at(d_valid, v_node)
    vsrc = np.where(v_node >= 0, src_valid[np.maximum(v_node, 0)], -1)
    haul_of = np.where(vsrc >= 0, haul[np.maximum(vsrc, 0)], np.inf)

    with timer.stage("access"):
        access, pave_gap = _hardened_access(net, aug, v_hsnap, t_hsnap, villages, towns, v_node, config)
        if t_hsnap is not None and not t_hsnap.ok.any():
            progress.message(f"no township seat lies within access_radius_m ({config.access_radius_m:.0f} m) of a "
                             "hardened road: no village can have hardened access; check the towns layer and "
                             "the road surfaces", "warning")
        pave_gap = np.where(reachable, pave_gap, np.nan)
        beyond = np.where(np.isfinite(v_snap.dist_m), np.maximum(v_snap.dist_m - config.access_radius_m, 0), np.nan)
        pave_gap = np.where(access, 0.0, pave_gap + beyond)
        progress.advance()

    with timer.stage("assignment"):
        pop = villages["population"].fillna(0).to_numpy(float) if "population" in villages else np.zeros(n_v)
        tree = cKDTree(np.c_[vx, vy]) if n_v else None
        pop_r = pop.copy()
        if tree is not None:
            pairs = tree.sparse_distance_matrix(tree, config.dispersed_radius_m, output_type="coo_matrix")
            off = pairs.row != pairs.col
            pop_r += np.bincount(pairs.row[off], weights=pop[pairs.col[off]], minlength=n_v)
        result = assign_models(d_station, d_vst, haul_of, d_town, d_vtreat, pop_r, reachable & has_facilities,
                               config)

    with timer.stage("sanitation"):
        san = sanitation.from_layers(
            villages, {k: layers[k].gdf for k in ("sewer", "urban_areas", "priority_zones") if k in layers},
            facilities, np.where(reachable, at(dist["fecal_treatment"], v_node), np.inf), config,
            lambda text: progress.message(text, "warning"))

    with timer.stage("mines"):
        mines = layers["mines"].gdf.copy() if "mines" in layers else None
        near_mine, near_mine_d, near_bad, mine_pairs = _mines(villages, mines, config)

    out_v = villages
    out_v["snap_dist_m"] = np.round(v_snap.dist_m, 2)
    klass = out_v["village_class"] if "village_class" in out_v else pd.Series("未分类", index=out_v.index)
    out_v["village_class"] = klass.fillna("未分类")
    out_v["in_scope"] = out_v["village_class"].isin(schema.IN_SCOPE_CLASSES)
    if "is_admin_village" not in out_v:
        out_v["is_admin_village"] = True
        progress.message("villages have no is_admin_village field: every village is counted as administrative",
                         "warning")
    out_v["is_admin_village"] = _flags(out_v, "is_admin_village")
    hh = out_v["households"] if "households" in out_v else pd.Series(np.nan, index=out_v.index)
    out_v["is_larger"] = (hh.fillna(0) >= config.larger_village_households) | (
        pd.Series(pop, index=out_v.index) >= config.larger_village_population)
    out_v["hardened_access"] = access
    out_v["pave_gap_m"] = np.round(pave_gap, 1)
    for col, arr in (("net_dist_station_m", d_station), ("net_dist_town_treatment_m", d_town),
                     ("net_dist_county_treatment_m", d_county), ("net_dist_village_treatment_m", d_vtreat)):
        out_v[col] = np.where(np.isfinite(arr), np.round(arr, 1), np.nan)
    out_v["pop_within_radius"] = pop_r
    out_v["dispersed"] = result.dispersed
    out_v["collection_model"] = result.model
    out_v["model_label"] = [schema.MODEL_LABELS_ZH.get(mm) if mm else None for mm in result.model]
    out_v["model_reason"] = result.reason_zh
    out_v["model_reason_en"] = result.reason_en
    out_v["covered"] = result.covered
    reason = np.full(n_v, None, dtype=object)
    for i in np.flatnonzero(far):
        d = v_snap.dist_m[i]
        reason[i] = (f"far_from_road: 距最近道路 {d / 1000:.1f} km，超过 {config.max_snap_m / 1000:.1f} km / "
                     f"{d:.0f} m from the nearest road (max_snap_m {config.max_snap_m:.0f})")
    for i in np.flatnonzero(on_island):
        c = v_comp[i]
        reason[i] = (f"isolated_island: 所在道路孤岛长 {comp_len[c] / 1000:.1f} km，与乡镇驻地不连通 / "
                     f"on a road island of {comp_len[c] / 1000:.1f} km not connected to any township seat")
    out_v["unreachable_reason"] = reason
    out_v["near_mine"] = near_mine
    out_v["near_mine_dist_m"] = near_mine_d
    out_v["near_non_green_mine"] = near_bad
    for col, values in san.village_columns().items():
        out_v[col] = values
    out_v = _move_issues_last(out_v)
    for i in np.flatnonzero(~reachable):
        progress.message(f"village {out_v.at[i, 'village_code']} {out_v.at[i, 'name']}: "
                         f"{reason[i]}", "warning")
    unreachable = out_v.loc[~reachable, ["village_code", "name", "county_code", "snap_dist_m",
                                         "unreachable_reason", "geometry"]].rename(
        columns={"unreachable_reason": "reason"})

    out_r = _roads_output(roads, net, island)
    out_f = facilities
    out_f["snap_dist_m"] = np.round(f_snap.dist_m, 2)
    f_unsnapped = ~f_snap.ok
    out_f.loc[f_unsnapped, "issues"] = out_f.loc[f_unsnapped, "issues"].map(
        lambda s: (s + "; " if s else "") + f"no road within {config.max_snap_m:.0f} m: not used")
    for i in np.flatnonzero(f_unsnapped):
        progress.message(f"facility row {out_f.at[i, 'src_row']} ({out_f.at[i, 'facility_type']}) has no road "
                         f"within {config.max_snap_m:.0f} m and is not used", "warning")
    if mines is not None:
        mines = _mines_output(mines, villages, mine_pairs)

    if towns is not None and "is_county_seat" in towns:
        towns["is_county_seat"] = _flags(towns, "is_county_seat")
    with timer.stage("indicators"):
        county_names = _names(layers.get("counties"), "county_code")
        town_names = _names(layers.get("towns"), "town_code")
        lacking = sanitation.region_lacking_households(out_v, config, lambda text: progress.message(text, "warning"))
        tables = indicator_tables(out_v, config, county_names, town_names,
                                  extra=lambda grp: sanitation.sanitation_indicators(grp, config, lacking))
        counties = _counties_output(layers.get("counties"), tables["county"])
        if towns is not None and len(tables["town"]):
            towns = towns.merge(tables["town"].drop(columns=["level", "name", "county_code"]),
                                left_on="town_code", right_on="code", how="left").drop(columns=["code"])

    summary = {
        "crs": f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_wkt(),
        "crs_name": crs.name,
        "region": tables["region"].iloc[0].to_dict(),
        "counties": tables["county"].to_dict(orient="records"),
        "network": {"nodes": net.n_nodes, "edges": net.n_edges, "components": int(net.component.max()) + 1
                    if net.n_nodes else 0, "islands": int(island.sum()),
                    "duplicate_vertices_removed": net.duplicate_vertices,
                    "zero_length_lines": len(net.zero_length_lines), "dangles": len(net.dangles()),
                    "from_cache": bool(net.from_cache)},
        "counts": {"villages": n_v, "roads": len(roads), "facilities": n_f, "towns": n_t,
                   "mines": 0 if mines is None else len(mines), "unreachable": int((~reachable).sum()),
                   "rejects": int((rejects["severity"] == "error").sum()) if len(rejects) else 0,
                   "warnings": len(rejects)},
        "inputs": {k: {"source": layers[k].source, "sha256": hashes.get(k)} for k in layers},
        "config": config.as_dict(),
        "timings_s": timer.seconds,
    }
    res = Results(out_v, out_r, out_f, counties, towns, mines, unreachable, rejects, tables, summary, net, crs)
    summary["timings_s"]["total_before_write"] = round(time.perf_counter() - t_start, 3)
    if out_dir is not None:
        with timer.stage("write"):
            res.files = write_outputs(res, Path(out_dir), write_map=write_map, progress=progress)
    summary["timings_s"]["total"] = round(time.perf_counter() - t_start, 3)
    return res


def write_outputs(res: Results, out_dir: Path, write_map: bool = True,
                  progress: Progress | None = None) -> dict[str, Path]:
    """Write results.gpkg, summary.json, report.xlsx (and map.html) into ``out_dir`` atomically.

    A missing Leaflet install (``make vendor-js``) skips only the map, with a warning.
    """
    tables = {"旗县 county": sanitation.without_sanitation(res.tables["county"]),
              "苏木乡镇 town": sanitation.without_sanitation(res.tables["town"]),
              "全部 region": sanitation.without_sanitation(res.tables["region"]),
              **sanitation.report_sheets(res.tables, res.villages)}
    if len(res.unreachable):
        tables["不可达 unreachable"] = pd.DataFrame(res.unreachable.drop(columns="geometry"))
    if len(res.rejects):
        tables["问题 problems"] = res.rejects
    writers = {
        "results.gpkg": lambda p: write_gpkg(res.layers(), p, res.summary["config"]["spatial_index_max_features"]),
        "summary.json": lambda p: write_json(res.summary, p),
        "report.xlsx": lambda p: write_report(tables, p),
    }
    if write_map:
        from .webmap import MapError, export_map, leaflet_dir

        try:
            leaflet_dir()
            writers["map.html"] = lambda p: export_map(res, p)
        except MapError as exc:
            (progress or NullProgress()).message(f"map.html not written: {exc}", "warning")
            res.summary.setdefault("warnings", []).append(f"map.html not written: {exc}")
    return commit_outputs(out_dir, writers)


def _flags(df: pd.DataFrame, col: str) -> np.ndarray:
    """Boolean column with nulls as False (missing column: all False)."""
    if col not in df:
        return np.zeros(len(df), bool)
    return np.array([bool(v) if v is not None and v == v else False for v in df[col]], dtype=bool)


def _move_issues_last(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    cols = [c for c in gdf.columns if c not in ("issues", "geometry")] + ["issues", "geometry"]
    return gdf[cols]


def _names(layer: Layer | None, code_col: str) -> dict[str, str]:
    if layer is None:
        return {}
    return dict(zip(layer.gdf[code_col], layer.gdf["name"], strict=False))


def _hardened_access(
    net: RoadNetwork,
    aug,
    v_hsnap: Snap,
    t_hsnap: Snap | None,
    villages: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None,
    v_node: np.ndarray,
    config: Config,
) -> tuple[np.ndarray, np.ndarray]:
    """Hardened access per village and metres of unpaved road to the seat-connected hardened network."""
    n_v = len(villages)
    v_hc = np.where(v_hsnap.ok, net.hard_component[net.edge_u[np.maximum(v_hsnap.edge, 0)]], -1)
    seat_comps: set[int] = set()
    if towns is not None and t_hsnap is not None:
        t_hc = np.where(t_hsnap.ok, net.hard_component[net.edge_u[np.maximum(t_hsnap.edge, 0)]], -1)
        is_seat = _flags(towns, "is_county_seat")
        town_ok: set[tuple[object, int]] = set()  # (town_code, hardened component of its seat)
        county_seat_ok: set[tuple[object, int]] = set()  # (county_code, component of the county seat)
        any_seat_ok: set[tuple[object, int]] = set()  # (county_code, component of any seat in it)
        for code, county, hc, seat in zip(towns["town_code"], towns["county_code"], t_hc, is_seat, strict=True):
            if hc < 0:
                continue
            seat_comps.add(int(hc))
            town_ok.add((code, int(hc)))
            any_seat_ok.add((county, int(hc)))
            if seat:
                county_seat_ok.add((county, int(hc)))
        town_codes = villages["town_code"] if "town_code" in villages else pd.Series(None, index=villages.index)
        known_towns = set(towns["town_code"])
        access = np.zeros(n_v, bool)
        for i, (tc, cc, hc) in enumerate(zip(town_codes, villages["county_code"], v_hc, strict=True)):
            if hc < 0:
                continue
            if tc in known_towns:
                access[i] = (tc, hc) in town_ok or (cc, hc) in county_seat_ok
            else:  # no (known) township: any seat of its county
                access[i] = (cc, hc) in any_seat_ok
    else:
        hard_len = np.bincount(net.hard_component[net.edge_u[net.edge_hardened]],
                               weights=net.edge_len_m[net.edge_hardened],
                               minlength=int(net.hard_component.max()) + 1 if net.n_nodes else 0)
        if len(hard_len) and hard_len.max() > 0:
            seat_comps.add(int(np.argmax(hard_len)))
        access = np.isin(v_hc, list(seat_comps)) & (v_hc >= 0)
    # Least unpaved metres from each village to a seat-connected hardened network.
    src_edges = net.edge_hardened & np.isin(net.hard_component[net.edge_u], list(seat_comps))
    sources = np.unique(np.r_[net.edge_u[src_edges], net.edge_v[src_edges]])
    weights = np.where(aug.hardened, EPS_WEIGHT, aug.length_m)
    d, _ = _multi_source(aug.matrix(weights), sources, aug.n_nodes)
    gap = np.full(n_v, np.nan)
    ok = v_node >= 0
    gap[ok] = d[v_node[ok]]
    gap[~np.isfinite(gap)] = np.nan
    # Weights of hardened pieces are tiny but not zero; round them away.
    gap = np.where(gap < 0.01, 0.0, gap)
    return access, gap


def _mines(villages: gpd.GeoDataFrame, mines: gpd.GeoDataFrame | None, config: Config):
    """Nearest mine, its distance and the non-green flag per village, plus the (village, mine) pairs in range."""
    n = len(villages)
    name = np.full(n, None, dtype=object)
    dist = np.full(n, np.nan)
    bad = np.zeros(n, bool)
    if mines is None or len(mines) == 0:
        return name, dist, bad, (np.zeros(0, np.int64), np.zeros(0, np.int64))
    tree = shapely.STRtree(mines.geometry.array)
    (vi, mi), d = tree.query_nearest(villages.geometry.array, max_distance=config.mine_buffer_m,
                                     return_distance=True, all_matches=False)
    name[vi] = mines["name"].to_numpy(object)[mi]
    dist[vi] = np.round(d, 1)
    level = mines["green_mine_level"].to_numpy(object)
    vp, mp = tree.query(villages.geometry.array, predicate="dwithin", distance=config.mine_buffer_m)
    nongreen = level[mp] == "none"
    bad[np.unique(vp[nongreen])] = True
    return name, dist, bad, (vp, mp)


def _mines_output(mines: gpd.GeoDataFrame, villages: gpd.GeoDataFrame,
                  pairs: tuple[np.ndarray, np.ndarray]) -> gpd.GeoDataFrame:
    """Villages and people within the buffer of each mine, from the (village, mine) pairs :func:`_mines` found."""
    vp, mp = pairs
    mines["villages_within_buffer"] = np.bincount(mp, minlength=len(mines))
    pop = villages["population"].fillna(0).to_numpy(float) if "population" in villages else np.zeros(len(villages))
    mines["population_within_buffer"] = np.bincount(mp, weights=pop[vp], minlength=len(mines))
    mines["is_green_mine"] = mines["green_mine_level"].isin(["national", "regional"])
    return _move_issues_last(mines)


def _roads_output(roads: gpd.GeoDataFrame, net: RoadNetwork, island: np.ndarray) -> gpd.GeoDataFrame:
    out = roads.copy()
    n = len(out)
    comp = np.full(n, -1, np.int64)
    hcomp = np.full(n, -1, np.int64)
    comp[net.edge_line] = net.component[net.edge_u]
    hcomp[net.edge_line] = np.where(net.edge_hardened, net.hard_component[net.edge_u], -1)
    length = np.bincount(net.edge_line, weights=net.edge_len_m, minlength=n)
    out["length_m"] = np.round(length, 2)
    out["component_id"] = comp
    out["hardened_component_id"] = hcomp
    out["on_island"] = (comp >= 0) & island[np.maximum(comp, 0)]
    zero = np.zeros(n, bool)
    zero[net.zero_length_lines] = True
    out.loc[zero, "issues"] = out.loc[zero, "issues"].map(lambda s: (s + "; " if s else "") + "zero length: not in the graph")
    return _move_issues_last(out)


def _counties_output(layer: Layer | None, table: pd.DataFrame) -> pd.DataFrame:
    ind = table.drop(columns=["level"]).rename(columns={"code": "county_code"})
    if layer is None:
        return ind
    gdf = layer.gdf[["county_code", "name", "geometry"]].merge(ind.drop(columns=["name"]), on="county_code",
                                                                how="left")
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=layer.gdf.crs)
