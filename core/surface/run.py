"""``ruralenv surface``: an accessibility surface (GeoTIFF) and its zonal statistics from a run's results.

Reads the layers of a ``results.gpkg`` (already in the run's metric CRS), rebuilds the run's road graph
(from the cache when the same roads were seen), computes the surface with :mod:`.surface` and writes
``FILE.tif`` (Cloud-Optimised GeoTIFF), ``FILE_summary.json`` and ``FILE_report.xlsx`` beside it, all
at once (:func:`.files.write_atomically`).

Zones: counties are the county polygons; townships are the township polygons when the towns layer has
them, otherwise each cell goes to the township of its nearest village (a Voronoi split of the villages'
``town_code``), inside the county polygons.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from scipy import ndimage

from ..base import glossary
from ..base._errors import ConfigError, InputError
from ..base.config import Config
from ..base.crs import scale_factors
from ..base.files import write_atomically
from ..base.progress import NullProgress, Progress
from ..io.runinfo import run_config
from ..io.write import write_json, write_report
from ..model.prepare import point_xy
from ..network.graph import RoadNetwork
from .cost import (
    BLOCK_CELLS,
    NODATA,
    SURFACE_MODES,
    SURFACE_TARGETS,
    Grid,
    RoadSampler,
    Targets,
    edge_cost_per_m,
    evaluate,
    minutes_per_m,
    road_cost,
)
from .zonal import area_shares, weighted_shares

#: Township zones made from the nearest village are computed on cells at least this large.
TOWN_ZONE_RES_M = 1000.0
SHEETS = {"county": "旗县 county", "town": "苏木乡镇 town"}
UNITS = {"distance": ("m", "metres"), "time": ("min", "minutes")}
LABELS_ZH = {**{k: glossary.zh(k) for k in ("transfer_station", "town_treatment", "county_treatment",
                                           "village_treatment")}, "hardened_road": "硬化路", "seat": glossary.zh("town_seat")}


@dataclass
class SurfaceLayers:
    """The layers a surface needs, in one metric CRS.

    Attributes
    ----------
    crs : pyproj.CRS
    roads : GeoDataFrame
        With a boolean ``hardened`` column; ``highway`` / ``grade`` give the class for time surfaces.
    villages : GeoDataFrame
    facilities, towns, counties : GeoDataFrame or None
    source : str
        Where the layers came from (for messages).
    """

    crs: CRS
    roads: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    counties: gpd.GeoDataFrame | None = None
    source: str = "<layers>"


@dataclass
class Surface:
    """A computed surface and its statistics.

    Attributes
    ----------
    values : ndarray float32
        Rows × columns, :data:`.surface.NODATA` where there is no value.
    grid : Grid
    crs : pyproj.CRS
    target, mode, unit : str
    village_values : ndarray
        The surface at each village's cell (NaN where nodata or off the grid).
    tables : dict of DataFrame
        ``county`` and ``town`` zonal statistics.
    summary : dict
        What ``FILE_summary.json`` holds.
    """

    values: np.ndarray
    grid: Grid
    crs: CRS
    target: str
    mode: str
    unit: str
    village_values: np.ndarray
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


#: The fields a surface reads from each layer of results.gpkg (those present; the others are never loaded).
READ_COLUMNS = {
    "roads": ("hardened", "grade", "highway"),
    "villages": ("village_code", "county_code", "town_code", "population"),
    "facilities": ("facility_type",),
    "towns": ("town_code", "name", "county_code"),
    "counties": ("county_code", "name"),
}


def _read_columns(path: Path, layer: str) -> gpd.GeoDataFrame:
    fields = set(pyogrio.read_info(path, layer=layer)["fields"])
    return pyogrio.read_dataframe(path, layer=layer, columns=[c for c in READ_COLUMNS[layer] if c in fields])


def read_results(path: Path) -> SurfaceLayers:
    """Read the layers of a ``results.gpkg`` written by ``ruralenv run``.

    Raises
    ------
    ConfigError
        The file is missing or lacks the roads / villages layers.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: results file does not exist")
    try:
        names = {str(n) for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise ConfigError(f"{path}: not a GeoPackage that can be read ({exc})") from None
    missing = [k for k in ("roads", "villages") if k not in names]
    if missing:
        raise ConfigError(f"{path}: no {', '.join(missing)} layer; give the results.gpkg of `ruralenv run`")
    layers = {k: _read_columns(path, k) if k in names else None for k in READ_COLUMNS}
    roads = layers["roads"]
    if roads is None:  # listed but unreadable
        raise ConfigError(f"{path}: the roads layer cannot be read")
    crs = CRS.from_user_input(roads.crs)
    if "hardened" not in roads:
        raise ConfigError(f"{path}: layer roads has no hardened field; give the results.gpkg of `ruralenv run`")
    roads["hardened"] = roads["hardened"].fillna(False).astype(bool)
    return SurfaceLayers(crs=crs, source=str(path), **layers)


def layers_from_results(res) -> SurfaceLayers:
    """The layers of a run's :class:`~ruralenv.core.pipeline.Results` (no file read again)."""
    counties = res.counties if isinstance(res.counties, gpd.GeoDataFrame) else None
    return SurfaceLayers(crs=res.crs, roads=res.roads, villages=res.villages, facilities=res.facilities,
                         towns=res.towns, counties=counties, source="the run's results")


def surfaces_of_run(res, targets: list[str], out_dir: Path, config: Config, progress: Progress | None = None
                    ) -> dict[str, Path]:
    """Distance surfaces of a finished run, ``surface_<target>.tif`` (+ summary, report) in ``out_dir``.

    Reuses the run's road graph; each surface's summary also goes under ``surfaces`` in the run's
    ``summary.json`` (rewritten atomically). Returns file name → path.
    """
    layers = layers_from_results(res)
    files: dict[str, Path] = {}
    summaries = {}
    for target in targets:
        surf = make_surface(layers, target, "distance", config, net=res.network, progress=progress)
        files.update(write_surface(surf, Path(out_dir) / f"surface_{target}.tif"))
        summaries[target] = surf.summary
    res.summary["surfaces"] = summaries
    if (Path(out_dir) / "summary.json").exists():
        write_atomically(Path(out_dir), {"summary.json": lambda p: write_json(res.summary, p)})
    return files


def target_points(layers: SurfaceLayers, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Projected x, y of the target points (facilities of the type, or township seats)."""
    if target == "seat":
        gdf = layers.towns
        what = "a towns layer (township seats)"
    else:
        f = layers.facilities
        gdf = None if f is None else f[f["facility_type"] == target]
        what = f"facilities of type {target}"
    if gdf is None or len(gdf) == 0:
        raise ConfigError(f"{layers.source}: no {what}: a surface to {target} needs at least one")
    return point_xy(gdf)


def make_targets(layers: SurfaceLayers, net: RoadNetwork, sampler: RoadSampler, target: str,
                 config: Config, progress: Progress) -> Targets:
    """The targets of a surface on the network; targets with no road within ``max_snap_m`` are reported."""
    if target == "hardened_road":
        if not net.edge_hardened.any():
            raise ConfigError(f"{layers.source}: no hardened road: a surface to hardened_road needs one")
        return Targets.from_edges(net.edge_hardened)
    x, y = target_points(layers, target)
    edge, along, _ = sampler.nearest(x, y, scale_factors(layers.crs, x, y), config.max_snap_m)
    if (edge < 0).any():
        progress.message(f"{int((edge < 0).sum())} {target} point(s) have no road within "
                         f"{config.max_snap_m:.0f} m and are not used", "warning")
    if (edge >= 0).sum() == 0:
        raise ConfigError(f"{layers.source}: no {target} lies within max_snap_m of a road")
    return Targets(edge[edge >= 0], along[edge >= 0], np.zeros(net.n_edges, bool))


def _road_class(roads: gpd.GeoDataFrame) -> np.ndarray:
    klass = pd.Series(None, index=roads.index, dtype=object)
    for col in ("grade", "highway"):  # OSM highway wins over the grade, as in io.classify_roads
        if col in roads:
            klass = roads[col].astype(object).where(roads[col].notna(), klass)
    return klass.to_numpy(object)


def make_surface(layers: SurfaceLayers, target: str, mode: str = "distance", config: Config | None = None,
                 res: float | None = None, population: Path | None = None, net: RoadNetwork | None = None,
                 progress: Progress | None = None) -> Surface:
    """Compute a surface and its zonal statistics.

    Parameters
    ----------
    layers : SurfaceLayers
    target : str
        One of :data:`.surface.SURFACE_TARGETS`.
    mode : str
        ``"distance"`` (metres) or ``"time"`` (minutes).
    config : Config, optional
    res : float, optional
        Cell size in metres (default ``config.surface_res_m``).
    population : Path, optional
        A population raster (e.g. WorldPop GeoTIFF) for the population shares per zone; without it the
        villages' ``population`` is used.
    net : RoadNetwork, optional
        The run's road graph when the caller has it (else built, or loaded from the cache).
    progress : Progress, optional

    Returns
    -------
    Surface
    """
    from ..model.prepare import get_network
    from .raster import rasterio_module

    rasterio_module()  # fail before the work, not after it
    config = config or Config()
    progress = progress or NullProgress()
    res = float(res or config.surface_res_m)
    if target not in SURFACE_TARGETS:
        raise ConfigError(f"unknown surface target {target!r}; use one of {', '.join(SURFACE_TARGETS)}")
    if mode not in SURFACE_MODES:
        raise ConfigError(f"unknown surface mode {mode!r}; use distance or time")
    if res <= 0:
        raise ConfigError(f"the cell size must be > 0 metres, got {res}")
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        seconds[name] = round(time.perf_counter() - t0 - sum(seconds.values()), 3)

    progress.stage("surface: road graph")
    roads = layers.roads
    net = net or get_network(roads, layers.crs, config, progress)
    sampler = RoadSampler(net, layers.crs, spacing=res)
    targets = make_targets(layers, net, sampler, target, config, progress)
    per_m = edge_cost_per_m(net, _road_class(roads), roads["hardened"].to_numpy(bool), config, mode)
    cost = road_cost(net, targets, per_m)
    lap("graph_and_dijkstra")
    grid = Grid.covering(_extent(layers), res)
    progress.message(f"surface grid: {grid.width} × {grid.height} cells of {res:g} m")
    counties = _zone_geoms(layers.counties)
    county_zone = None if counties is None else _burn(counties, grid)
    lap("grid")
    rows_per_block = max(1, BLOCK_CELLS // grid.width)
    progress.stage("surface: cells", total=-(-grid.height // rows_per_block))
    offroad = 1.0 if mode == "distance" else float(minutes_per_m(config.speed_offroad_kmh))
    max_leg = None if config.surface_far == "offroad" else config.max_snap_m
    values = evaluate(grid, sampler, cost, offroad, max_leg,
                      None if county_zone is None else county_zone >= 0, progress)
    lap("cells")
    progress.stage("surface: zonal statistics")
    surf = Surface(values, grid, layers.crs, target, mode, UNITS[mode][0], _at_points(values, grid, layers.villages))
    surf.tables = zonal_tables(surf, layers, county_zone, config, population)
    lap("zonal")
    surf.summary = _summary(surf, layers, config, res, seconds)
    return surf


def _extent(layers: SurfaceLayers) -> tuple[float, float, float, float]:
    counties = _zone_geoms(layers.counties)
    if counties is not None:
        return tuple(counties.total_bounds)
    b = np.r_[[layers.roads.total_bounds], [layers.villages.total_bounds]]
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _zone_geoms(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The polygon rows of a layer (None when it has none)."""
    if not isinstance(gdf, gpd.GeoDataFrame) or len(gdf) == 0:
        return None
    poly = gdf[gdf.geometry.notna() & gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return poly.reset_index(drop=True) if len(poly) else None


def _burn(polys: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    from .raster import burn_zones

    return burn_zones(polys.geometry.to_numpy(), grid)


def _at_points(values: np.ndarray, grid: Grid, gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Surface value at the cell of each point (NaN for nodata or outside the grid)."""
    row, col = grid.cell_of(shapely.get_x(gdf.geometry.array), shapely.get_y(gdf.geometry.array))
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    out = np.full(len(gdf), np.nan)
    v = values[row[inside], col[inside]].astype(float)
    out[inside] = np.where(v == NODATA, np.nan, v)
    return out


def _thresholds(surf: Surface, config: Config) -> dict[str, float]:
    if surf.mode == "distance":
        return {f"{t:g}km": t * 1000.0 for t in config.surface_zonal_km}
    return {f"{t:g}min": float(t) for t in config.surface_zonal_min}


def zonal_tables(surf: Surface, layers: SurfaceLayers, county_zone: np.ndarray | None, config: Config,
                 population: Path | None = None) -> dict[str, pd.DataFrame]:
    """Zonal statistics per county and per township (area shares; population shares).

    Returns
    -------
    dict
        ``county`` and ``town``: one row per zone with ``code``, ``name``, ``area_km2``, ``nodata_share``,
        ``area_share_le_<t>`` and ``pop_share_le_<t>`` per threshold (fractions 0–1).
    """
    th = _thresholds(surf, config)
    pop_grid = None
    if population is not None:
        from .raster import population_on_grid

        pop_grid = population_on_grid(Path(population), surf.grid, surf.crs)
    out = {}
    for level, code_col, zone in (("county", "county_code", county_zone),
                                  ("town", "town_code", _town_zones(surf, layers, county_zone))):
        codes, names = _zone_codes(layers, level, code_col)
        if zone is None or not codes:
            continue
        table = pd.concat([pd.DataFrame({"level": level, "code": codes, "name": names}),
                           area_shares(surf.values, zone, len(codes), th, NODATA, (surf.grid.res / 1000) ** 2),
                           _pop_shares(surf, layers, code_col, codes, zone, pop_grid, th)], axis=1)
        out[level] = table
    return out


def _zone_codes(layers: SurfaceLayers, level: str, code_col: str) -> tuple[list, list]:
    """Codes and names of the zones of a level, in the order of their zone index."""
    if level == "county":
        polys = _zone_geoms(layers.counties)
        if polys is None:
            return [], []
        return list(polys["county_code"]), list(polys.get("name", polys["county_code"]))
    polys = _zone_geoms(layers.towns)
    if polys is not None:
        return list(polys["town_code"]), list(polys.get("name", polys["town_code"]))
    v = layers.villages
    if code_col not in v:
        return [], []
    codes = sorted(str(c) for c in v[code_col].dropna().unique())
    names = dict(zip(layers.towns["town_code"].astype(str), layers.towns["name"], strict=False)) \
        if layers.towns is not None else {}
    return codes, [names.get(c, c) for c in codes]


def _town_zones(surf: Surface, layers: SurfaceLayers, county_zone: np.ndarray | None) -> np.ndarray | None:
    """Township index per cell: township polygons, else the township of the nearest village."""
    polys = _zone_geoms(layers.towns)
    if polys is not None:
        return _burn(polys, surf.grid)
    v = layers.villages
    if "town_code" not in v or v["town_code"].isna().all():
        return None
    codes, _ = _zone_codes(layers, "town", "town_code")
    index = {c: i for i, c in enumerate(codes)}
    known = v["town_code"].notna().to_numpy()
    label: np.ndarray = np.array([index[str(c)] for c in v["town_code"][known]], _zone_dtype(len(codes)))
    # nearest village on a grid of cells of at least TOWN_ZONE_RES_M (a township split needs no finer cells)
    f = max(1, int(np.ceil(TOWN_ZONE_RES_M / surf.grid.res)))
    g = surf.grid
    grid = Grid(g.left, g.top, g.res * f, -(-g.width // f), -(-g.height // f))
    row, col = grid.cell_of(shapely.get_x(v.geometry.array[known]), shapely.get_y(v.geometry.array[known]))
    on = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    seed = np.full(grid.shape, -1, label.dtype)
    seed[row[on], col[on]] = label[on]
    ri, ci = ndimage.distance_transform_edt(seed < 0, return_distances=False, return_indices=True)
    zones = np.repeat(np.repeat(seed[ri, ci], f, axis=0), f, axis=1)[:g.height, :g.width]
    del ri, ci
    if county_zone is not None:
        zones[county_zone < 0] = -1
    return zones


def _zone_dtype(n: int) -> type:
    """The smallest signed integer type for zone indices 0…n-1 and -1 (a region grid holds ~60 M cells)."""
    return np.int16 if n < np.iinfo(np.int16).max else np.int32


def _pop_shares(surf: Surface, layers: SurfaceLayers, code_col: str, codes: list, zone: np.ndarray,
                pop_grid: np.ndarray | None, th: dict[str, float]) -> pd.DataFrame:
    """Population shares from the raster on the grid, else from the villages' population and values."""
    if pop_grid is not None:
        return weighted_shares(surf.values, zone, pop_grid, len(codes), th, NODATA)
    v = layers.villages
    if "population" not in v or code_col not in v:
        return pd.DataFrame(index=range(len(codes)))
    index = {c: i for i, c in enumerate(codes)}
    z = np.array([index.get(str(c), -1) if c is not None and c == c else -1 for c in v[code_col]], np.int64)
    return weighted_shares(surf.village_values, z, v["population"].to_numpy(float), len(codes), th, NODATA)


def _summary(surf: Surface, layers: SurfaceLayers, config: Config, res: float,
             seconds: dict[str, float]) -> dict[str, Any]:
    valid = surf.values != NODATA
    return {
        "target": surf.target, "mode": surf.mode, "unit": surf.unit, "res_m": res,
        "crs": f"EPSG:{surf.crs.to_epsg()}" if surf.crs.to_epsg() else surf.crs.to_wkt(),
        "width": surf.grid.width, "height": surf.grid.height, "bounds": list(surf.grid.bounds),
        "nodata": NODATA, "cells": int(surf.values.size), "cells_with_value": int(valid.sum()),
        "max_value": float(surf.values[valid].max()) if valid.any() else None,
        "far_from_road": config.surface_far, "max_snap_m": config.max_snap_m,
        "source": layers.source,
        "thresholds": _thresholds(surf, config),
        "zones": {k: t.to_dict(orient="records") for k, t in surf.tables.items()},
        "timings_s": seconds,
    }


def write_surface(surf: Surface, out: Path) -> dict[str, Path]:
    """Write ``out`` (GeoTIFF), ``<stem>_summary.json`` and ``<stem>_report.xlsx`` together.

    Returns
    -------
    dict
        File name → path.
    """
    from .raster import write_cog

    out = Path(out)
    unit_word = UNITS[surf.mode][1]
    description = (f"{'road distance' if surf.mode == 'distance' else 'travel time'} to the nearest {surf.target} "
                   f"({unit_word}) / 到最近{LABELS_ZH[surf.target]}的{'道路距离' if surf.mode == 'distance' else '时间'}")
    tags = {"target": surf.target, "mode": surf.mode, "unit": surf.unit, "res_m": f"{surf.grid.res:g}",
            "far_from_road": surf.summary.get("far_from_road", ""), "software": "RuralEnv Planner"}
    sheets = {SHEETS[k]: t for k, t in surf.tables.items()}
    writers = {
        out.name: lambda p: _write_tif(p, surf, description, tags, write_cog),
        f"{out.stem}_summary.json": lambda p: write_json(surf.summary, p),
    }
    if sheets:
        heads = {name: report_headers(t.columns) for name, t in sheets.items()}
        writers[f"{out.stem}_report.xlsx"] = lambda p: write_report(sheets, p, heads)
    return write_atomically(out.parent if str(out.parent) else Path("."), writers)


def report_headers(columns) -> dict[str, tuple[str, str]]:
    """(Chinese, English) header of each column of a zonal table."""
    fixed = {"level": ("层级", "level"), "code": ("代码", "code"), "name": ("名称", "name"),
             "area_km2": ("面积 km²", "area km²"), "nodata_share": ("无值面积占比", "share with no value"),
             "pop_total": ("人口", "population")}
    out = {}
    for col in columns:
        if col in fixed:
            out[col] = fixed[col]
        elif col.startswith(("area_share_le_", "pop_share_le_")):
            what, reach = col.split("_share_le_")
            zh = "面积" if what == "area" else "人口"
            out[col] = (f"{reach}以内{zh}占比", f"{'area' if what == 'area' else 'population'} share within {reach}")
    return out


def _write_tif(path: Path, surf: Surface, description: str, tags: dict[str, str], write_cog) -> None:
    write_cog(path, surf.values, surf.grid, surf.crs, NODATA, description, surf.unit, tags)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``surface`` subcommand to the ``ruralenv`` command line."""
    p = subparsers.add_parser(
        "surface", help="accessibility surface (GeoTIFF) of a results.gpkg and its zonal statistics",
        description="Every cell: the off-road leg to the nearest road plus the road distance (or time) from "
                    "there to the nearest target. Writes FILE.tif, FILE_summary.json and FILE_report.xlsx.")
    p.add_argument("results", type=Path, help="results.gpkg written by `ruralenv run` or `ruralenv demo`")
    p.add_argument("--to", required=True, choices=SURFACE_TARGETS, dest="target", help="what to reach")
    p.add_argument("--res", type=float, help="cell size in metres (default: setting surface_res_m, 100)")
    p.add_argument("--mode", choices=SURFACE_MODES, default="distance",
                   help="distance (metres, default) or time (minutes; speeds per road class)")
    p.add_argument("--population", type=Path, help="population raster (e.g. WorldPop GeoTIFF) for the "
                   "population shares (default: the villages' population)")
    p.add_argument("--out", type=Path, required=True, help="GeoTIFF to write")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    p.set_defaults(func=cmd_surface)


def cmd_surface(args: argparse.Namespace) -> int:
    """``ruralenv surface``."""
    from ..base.console import ConsoleProgress

    progress = ConsoleProgress()
    config = Config().with_overrides(args.set or [])  # a missing file is said by read_results
    if Path(args.results).is_file():
        try:
            config = run_config(args.results, args.set)
        except InputError as exc:  # settings recorded nowhere: the surface's rules are the defaults, said so
            progress.message(f"{exc.problems[0].message}; using the default settings", "warning")
    try:
        surf = make_surface(read_results(args.results), args.target, args.mode, config, args.res,
                            args.population, progress=progress)
        files = write_surface(surf, args.out)
    finally:
        progress.done()
    s = surf.summary
    print(f"{s['cells_with_value']:,} of {s['cells']:,} cells have a value (max {s['max_value']:.0f} {s['unit']}); "
          f"{sum(s['timings_s'].values()):.1f} s")
    for name, path in files.items():
        print(f"{name:<24} {Path(path).resolve()}")
    return 0
