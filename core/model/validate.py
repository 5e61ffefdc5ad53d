"""Check a road network before analysing it: components, dangles, isolated islands, duplicates.

A planner runs this first to find digitising faults that would make villages unreachable: pieces of
road not joined to the rest (components, islands), dead ends that may be missed junctions (dangles),
segments digitised twice (duplicates) and lines without length.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..base.config import Config
from ..base.progress import NullProgress, Progress
from ..network.graph import RoadNetwork, island_components
from ..network.snapping import Snapper
from .prepare import prepare_network
from .stage import Timer

#: Stages :func:`validate_network` reports, in order.
VALIDATE_STAGES = ("read", "crs", "graph", "check")


@dataclass
class NetworkCheck:
    """What :func:`validate_network` found; every layer is in the metric CRS ``crs``.

    Attributes
    ----------
    components : GeoDataFrame
        One row per connected component: ``component_id``, ``n_lines``, ``length_m``,
        ``hardened_length_m``, ``n_seats`` (township seats on it), ``is_island``; geometry its lines.
    dangles : GeoDataFrame
        Dead-end nodes (``node_id``, ``component_id``); many on one short component hint at
        missed junctions.
    islands : GeoDataFrame
        The rows of ``components`` that are isolated islands (no seat, shorter than
        ``island_max_length_m``).
    duplicates : GeoDataFrame
        Segments digitised twice: ``src_row`` of the road, ``duplicate_of`` (``src_row`` of the first
        copy), ``length_m``; geometry the repeated segment.
    zero_length : GeoDataFrame
        Roads with no length (``src_row``), at their first vertex.
    summary : dict
        Counts: lines, nodes, edges, components, islands, dangles, duplicate_segments,
        zero_length_lines, duplicate_vertices_removed, and km of road and hardened road.
    crs : pyproj.CRS
    """

    components: gpd.GeoDataFrame
    dangles: gpd.GeoDataFrame
    islands: gpd.GeoDataFrame
    duplicates: gpd.GeoDataFrame
    zero_length: gpd.GeoDataFrame
    summary: dict
    crs: CRS

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The result layers by name."""
        return {"components": self.components, "dangles": self.dangles, "islands": self.islands,
                "duplicates": self.duplicates, "zero_length": self.zero_length}


def _edge_lines(net: RoadNetwork, edges: np.ndarray) -> np.ndarray:
    """Shapely lines of the given edges, from their vertices."""
    out = np.empty(len(edges), dtype=object)
    for i, e in enumerate(edges):
        a, b = net.edge_from[e], net.edge_to[e] + 1
        out[i] = shapely.linestrings(np.c_[net.vx[a:b], net.vy[a:b]])
    return out


def duplicate_edges(net: RoadNetwork, tolerance_m: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Edges that repeat an earlier edge: same two end nodes and no point farther than ``tolerance_m``.

    Parameters
    ----------
    net : RoadNetwork
    tolerance_m : float
        Largest Hausdorff distance (projected metres) between two copies of one segment.

    Returns
    -------
    (edges, first)
        The repeating edges and, for each, the first edge between the same nodes that it repeats.
    """
    a = np.minimum(net.edge_u, net.edge_v).astype(np.int64)
    b = np.maximum(net.edge_u, net.edge_v).astype(np.int64)
    _, first_index, inverse = np.unique(np.c_[a, b], axis=0, return_index=True, return_inverse=True)
    first = first_index[inverse.ravel()]
    candidate = np.flatnonzero((first != np.arange(net.n_edges)) & (a != b))
    close = shapely.hausdorff_distance(_edge_lines(net, candidate), _edge_lines(net, first[candidate]))
    repeat = candidate[close <= tolerance_m]
    return repeat, first[repeat]


def _components(net: RoadNetwork, roads: gpd.GeoDataFrame, island: np.ndarray,
                seats_per_component: np.ndarray) -> gpd.GeoDataFrame:
    lengths = net.component_lengths()
    n = len(lengths)
    edge_comp = net.component[net.edge_u]
    hard_len = np.bincount(edge_comp, weights=np.where(net.edge_hardened, net.edge_len_m, 0.0), minlength=n)
    line_comp = np.full(len(roads), -1)
    line_comp[net.edge_line] = edge_comp
    geoms = roads.geometry.array
    order = np.argsort(line_comp, kind="stable")
    starts = np.searchsorted(line_comp[order], np.arange(n + 1))
    rows = []
    for c in range(n):
        members = order[starts[c]:starts[c + 1]]
        rows.append({"component_id": c, "n_lines": len(members), "length_m": round(float(lengths[c]), 1),
                     "hardened_length_m": round(float(hard_len[c]), 1), "n_seats": int(seats_per_component[c]),
                     "is_island": bool(island[c]), "geometry": shapely.multilinestrings(list(geoms[members]))})
    cols = ["component_id", "n_lines", "length_m", "hardened_length_m", "n_seats", "is_island", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=roads.crs)


def _dangles(net: RoadNetwork, crs: CRS) -> gpd.GeoDataFrame:
    nodes = net.dangles()
    return gpd.GeoDataFrame({"node_id": nodes, "component_id": net.component[nodes]},
                            geometry=shapely.points(net.node_x[nodes], net.node_y[nodes]), crs=crs)


def _duplicates(net: RoadNetwork, roads: gpd.GeoDataFrame, config: Config) -> gpd.GeoDataFrame:
    edges, first = duplicate_edges(net, max(config.node_tolerance_m, 0.01))
    src = roads["src_row"].to_numpy()
    return gpd.GeoDataFrame({"src_row": src[net.edge_line[edges]], "duplicate_of": src[net.edge_line[first]],
                             "length_m": np.round(net.edge_len_m[edges], 1)},
                            geometry=_edge_lines(net, edges), crs=roads.crs)


def _zero_length(net: RoadNetwork, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = net.zero_length_lines
    geoms = roads.geometry.array[rows]
    first = shapely.get_point(geoms, 0) if len(rows) else np.array([], dtype=object)
    return gpd.GeoDataFrame({"src_row": roads["src_row"].to_numpy()[rows]}, geometry=first, crs=roads.crs)


def _seat_edges(net: RoadNetwork, roads: gpd.GeoDataFrame, towns: gpd.GeoDataFrame | None,
                config: Config) -> np.ndarray:
    if towns is None or len(towns) == 0:
        return np.zeros(0, np.int64)
    pts = shapely.point_on_surface(towns.geometry.array)
    snap = Snapper(net, roads.geometry.array, roads.crs).snap(shapely.get_x(pts), shapely.get_y(pts),
                                                              max_dist_m=config.max_snap_m)
    return snap.edge[snap.ok]


def validate_network(
    inputs: Mapping[str, object],
    config: Config | None = None,
    progress: Progress | None = None,
) -> NetworkCheck:
    """Check the road network of ``inputs["roads"]`` (and, when given, the seats in ``inputs["towns"]``).

    Parameters
    ----------
    inputs : mapping
        ``roads`` (required) and ``towns`` (optional): file spec ``path[:layer]``, LayerSpec or GeoDataFrame.
    config : Config, optional
        ``node_tolerance_m``, ``max_snap_m``, ``island_max_length_m``, ``crs`` and the surface tables apply.
    progress : Progress, optional

    Returns
    -------
    NetworkCheck

    Raises
    ------
    InputError
        When the roads (or towns) cannot be used.
    Cancelled
        When the user cancelled.
    """
    config = config or Config()
    progress = progress or NullProgress()
    timer = Timer(progress)
    # A check reports bad rows and goes on with the rest: it never stops at the first faulty road.
    base = prepare_network({k: v for k, v in inputs.items() if k in ("roads", "towns")},
                           config.replace(on_bad_rows="reject"), progress, timer, required=("roads",))
    roads, net, crs = base.roads, base.net, base.crs
    towns = base.layer("towns")
    with timer.stage("check"):
        seat_edges = _seat_edges(net, roads, towns, config)
        island = island_components(net, seat_edges, config.island_max_length_m)
        seats = np.bincount(net.component[net.edge_u[seat_edges]], minlength=len(island))
        components = _components(net, roads, island, seats)
    check = NetworkCheck(components, _dangles(net, crs), components[components["is_island"]].reset_index(drop=True),
                         _duplicates(net, roads, config), _zero_length(net, roads), {}, crs)
    check.summary = {
        "lines": len(roads), "nodes": net.n_nodes, "edges": net.n_edges, "components": len(components),
        "islands": len(check.islands), "dangles": len(check.dangles), "duplicate_segments": len(check.duplicates),
        "zero_length_lines": len(check.zero_length), "duplicate_vertices_removed": net.duplicate_vertices,
        "road_km": round(float(net.edge_len_m.sum()) / 1000, 3),
        "hardened_km": round(float(net.edge_len_m[net.edge_hardened].sum()) / 1000, 3),
    }
    for key, value in check.summary.items():
        progress.message(f"{key}: {value}")
    return check
