"""Exact far distances for a partitioned run: searched once on the whole network, handed to each window.

A partition's window holds the roads within its halo, so a nearest facility beyond the halo is out of its
sight: 26–28 % of the villages of a synthetic region have their nearest town plant, county plant, fecal
facility or usable transfer station farther than the 100 km default halo. Widening the halo until it is in
sight grows the windows towards the whole network. Instead the client, which reads the inputs and builds the
whole road graph once anyway (for the roads layer and the network statistics), snaps the facilities onto it
and runs one multi-source search per reported facility type and one from the usable transfer stations:
:func:`whole_network_labels`. That is a few searches over arrays the client already holds — no snapping of
villages, no stage, no window over the whole network; the client's memory grows by one float per node and
search.

Each window then receives, per search, the exact metres at every node where a path from outside can enter
it — every node of its *boundary* lines (lines not within the halo box; see :mod:`.partition`) — and at its
own facilities: :func:`window_seeds`. Nodes are named by road line and vertex (the window numbers its own
rows, its vertices are the same as the whole network's because both clean each line alone), so no
coordinates are matched. On the worker (:func:`seeds_on_window`) every such node starts the window's
searches at its known distance (:class:`.stages.distances.Seeds`).

Why a seeded window is exact: take a shortest path of the whole network to a point on an *interior* line and
the last node ``b`` on it where it leaves a non-interior line. A line outside the window cannot share a node
with an interior line (it stays more than the snapping margin away), so the edge before ``b`` is on a
boundary line, both lines are in the window and ``b`` is a window node of a boundary line: seeded with its
exact distance. After ``b`` the path runs on interior lines, which the window holds whole and noded as the
whole network (every line meeting them is in the window). A window path is a path of the whole network, so
no seeded window distance is shorter than the truth. Hence every point on an interior line (a village, a
facility) gets its exact distance; a village snapped onto a boundary line is left to the certificate.

Hardened access is a component property rather than a distance: the client also hands each window the whole
network's hardened component of every window road (:func:`line_hard_components`, a column of the window's
roads) and every township seat with its component (:func:`whole_seats`), and the access stage decides on those
(:class:`.stages.access.HardSeeds`).
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ..base.config import Config
from ..model.prepare import point_xy
from ..model.stages.access import (
    UNPAVED,
    Seats,
    largest_hard_component,
    seat_sources,
    seats_of,
    unpaved_matrix,
)
from ..model.stages.capacity import row_at_node
from ..model.stages.collection import VALID_STATION, valid_stations
from ..model.stages.distances import COLUMN_OF_TYPE, Seeds, multi_source
from ..network.graph import RoadNetwork, csr_from_edges
from ..network.snapping import Snap, Snapper, augmented_graph

#: The searches whose distances a village reports or a rule reads, seeded into every window: the facility
#: types, the usable stations and the unpaved metres of the pave gap.
SEEDED = (*COLUMN_OF_TYPE, "fecal_treatment", VALID_STATION, UNPAVED)
#: The searches whose facility a village names (station, town and village plants) or a station hauls to.
SOURCED = ("county_treatment", "town_treatment", "village_treatment", VALID_STATION)
#: Column of the global row of each road line and facility in a window.
RID = "_partition_rid"
FID = "_partition_fid"
#: Column of each window road line's hardened component on the whole network (-1: not hardened).
HC = "_partition_hc"


@dataclass
class Labels:
    """Exact road metres of every :data:`SEEDED` search at every node of the whole network.

    Attributes
    ----------
    dist : dict
        Search → metres per node of the network (facility points follow the network's nodes).
    haul : ndarray
        Per node: the county-treatment haul of the usable station its ``valid_station`` distance leads to.
    source : dict
        Search of :data:`SOURCED` → per node the facility (global row) its distance leads to (-1: none).
    facility_node : ndarray int64
        Node of each facility (-1: not snapped).
    edge_by_line : ndarray int64
        The network's edges ordered by road line, with ``line_edges`` the first of each line.
    net : RoadNetwork
        The whole network searched.
    """

    dist: dict[str, np.ndarray]
    haul: np.ndarray
    source: dict[str, np.ndarray]
    facility_node: np.ndarray
    edge_by_line: np.ndarray
    line_edges: np.ndarray
    net: RoadNetwork


def whole_seats(net: RoadNetwork, roads: gpd.GeoDataFrame, towns: gpd.GeoDataFrame | None, crs,
                config: Config) -> tuple[Seats | None, set[int]]:
    """The township seats with their hardened component on the whole network, and the hardened components
    that reach a seat, as the access stage finds them (no seats and the longest hardened component without a
    towns layer).
    """
    if towns is None:
        return None, largest_hard_component(net)
    hard = Snapper(net, roads.geometry.array, crs, line_mask=roads["hardened"].to_numpy(bool))
    snap = hard.snap(*point_xy(towns), max_dist_m=config.access_radius_m)
    seats = seats_of(net, towns, snap)
    return seats, {int(c) for c in seats.hard_component if c >= 0}


def line_hard_components(net: RoadNetwork) -> np.ndarray:
    """Per road line of the network: its hardened component (-1: not hardened)."""
    out = np.full(len(net.line_start), -1, np.int64)
    hard = net.edge_hardened
    out[net.edge_line[hard]] = net.hard_component[net.edge_u[hard]]
    return out


def whole_network_labels(net: RoadNetwork, facilities: gpd.GeoDataFrame, f_snap: Snap, seats: set[int],
                         config: Config) -> Labels:
    """The :data:`SEEDED` searches on the whole network (the client's graph), facilities as nodes.

    Parameters
    ----------
    net : RoadNetwork
        The whole road network.
    facilities : GeoDataFrame
        With ``facility_type``.
    f_snap : Snap
        The facilities snapped onto ``net`` (within ``max_snap_m``), as a single run snaps them.
    seats : set of int
        The seat-connected hardened components (:func:`whole_seats`).
    config : Config

    Returns
    -------
    Labels
    """
    g = augmented_graph(net, f_snap)
    # uncontracted: a window's boundary node may be a pass-through node of the whole network
    matrix = csr_from_edges(g.u, g.v, g.length_m, g.n_nodes)
    kind = facilities["facility_type"].to_numpy(object)
    node = g.point_node
    dist, source = {}, {}
    for t in SEEDED[:-2]:
        dist[t], src = multi_source(matrix, node[(kind == t) & (node >= 0)], g.n_nodes)
        if t in SOURCED:
            source[t] = _facility_at(src, node, kind == t, g.n_nodes)
    stations = valid_stations(node[(kind == "transfer_station") & (node >= 0)], dist["county_treatment"],
                              config.d_haul_m)
    dist[VALID_STATION], src = multi_source(matrix, stations, g.n_nodes)
    source[VALID_STATION] = _facility_at(src, node, kind == "transfer_station", g.n_nodes)
    haul = np.where(src >= 0, dist["county_treatment"][np.maximum(src, 0)], np.inf)
    unpaved = unpaved_matrix(g, contracted=False)
    dist[UNPAVED], src = multi_source(unpaved, seat_sources(net, seats), g.n_nodes)
    # the hardened component each unpaved distance leads to: a village's gap counts only its own seats' networks
    source[UNPAVED] = np.where(src >= 0, net.hard_component[np.clip(src, 0, max(net.n_nodes - 1, 0))], -1)
    order = np.argsort(net.edge_line, kind="stable")
    starts = np.searchsorted(net.edge_line[order], np.arange(len(net.line_start) + 1))
    return Labels(dist, haul, source, node, order, starts, net)


def _facility_at(src: np.ndarray, node: np.ndarray, is_type: np.ndarray, n_nodes: int) -> np.ndarray:
    """Per node: the facility (row, of the type) on the source node its search leads to (-1: none)."""
    return np.where(src >= 0, row_at_node(node, is_type, n_nodes)[np.maximum(src, 0)], -1)


@dataclass
class WindowSeeds:
    """What a window needs of :class:`Labels`: per boundary-line node (by line and vertex) and per own
    facility (by global row), the metres of every search.
    """

    line: np.ndarray  # global road row
    vertex: np.ndarray  # vertex of that line (0: its first)
    dist: dict[str, np.ndarray]
    haul: np.ndarray
    facility: np.ndarray  # global facility row
    facility_dist: dict[str, np.ndarray]
    facility_haul: np.ndarray
    source: dict[str, np.ndarray] | None = None  # per node and search of SOURCED: the facility (global row)
    facility_source: dict[str, np.ndarray] | None = None


def window_seeds(labels: Labels, boundary_lines: np.ndarray, facility_rows: np.ndarray) -> WindowSeeds:
    """The seeds of one window: every node of its boundary lines, and its facilities.

    Parameters
    ----------
    labels : Labels
    boundary_lines : ndarray int
        Global rows of the window's boundary lines.
    facility_rows : ndarray int
        Global rows of the window's facilities.
    """
    net = labels.net
    a, b = labels.line_edges[boundary_lines], labels.line_edges[boundary_lines + 1]
    edges = labels.edge_by_line[_ranges(a, b)]
    line = np.r_[net.edge_line[edges], net.edge_line[edges]].astype(np.int64)
    start = net.line_start[line]
    vertex = np.r_[net.edge_from[edges], net.edge_to[edges]] - start
    node = np.r_[net.edge_u[edges], net.edge_v[edges]].astype(np.int64)
    key = np.unique(np.c_[line, vertex, node], axis=0) if len(node) else np.zeros((0, 3), np.int64)
    line, vertex, node = key[:, 0], key[:, 1], key[:, 2]
    f_node = labels.facility_node[facility_rows]
    at = np.maximum(f_node, 0)
    f_dist = {s: np.where(f_node >= 0, d[at], np.inf) for s, d in labels.dist.items()}
    f_source = {s: np.where(f_node >= 0, src[at], -1) for s, src in labels.source.items()}
    return WindowSeeds(line, vertex, {s: d[node] for s, d in labels.dist.items()}, labels.haul[node],
                       np.asarray(facility_rows, np.int64), f_dist, np.where(f_node >= 0, labels.haul[at], np.inf),
                       {s: src[node] for s, src in labels.source.items()}, f_source)


def _ranges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The integers of every half-open range ``[a[i], b[i])``, concatenated."""
    n = b - a
    if n.sum() == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.cumsum(n) - n, n)
    return np.repeat(a, n) + np.arange(int(n.sum())) - offsets


def seeds_on_window(seeds: WindowSeeds, net: RoadNetwork, road_rid: np.ndarray, facility_fid: np.ndarray,
                    facility_node: np.ndarray) -> Seeds:
    """:class:`WindowSeeds` on the window's own graph: each (line, vertex) to the window's node there.

    A vertex the window does not make a node (the line meeting there is not in the window) gets no seed:
    the proof in the module docstring only needs the window's nodes.
    """
    row = np.searchsorted(road_rid, seeds.line)
    row = np.minimum(row, max(len(road_rid) - 1, 0))
    found = (len(road_rid) > 0) & (road_rid[row] == seeds.line) if len(road_rid) else np.zeros(len(row), bool)
    start = np.where(found, net.line_start[row], -1)
    vertex = np.where(start >= 0, start + seeds.vertex, -1)
    node_of_vertex = np.full(len(net.vx) + 1, -1, np.int64)
    node_of_vertex[net.edge_from] = net.edge_u
    node_of_vertex[net.edge_to] = net.edge_v
    node = node_of_vertex[vertex]  # -1 → the sentinel at the end
    f_pos = np.searchsorted(facility_fid, seeds.facility)
    f_ok = f_pos < len(facility_fid)
    f_ok[f_ok] = facility_fid[f_pos[f_ok]] == seeds.facility[f_ok]
    f_node = np.where(f_ok, facility_node[np.minimum(f_pos, max(len(facility_node) - 1, 0))]
                      if len(facility_node) else -1, -1)
    source = {s: np.r_[src, seeds.facility_source[s]] for s, src in (seeds.source or {}).items()} \
        if seeds.facility_source is not None else {}
    return Seeds(np.r_[node, f_node], {s: np.r_[d, seeds.facility_dist[s]] for s, d in seeds.dist.items()},
                 np.r_[seeds.haul, seeds.facility_haul], source)


def boundary_rows(roads: gpd.GeoDataFrame, rows: np.ndarray, interior: shapely.Geometry) -> np.ndarray:
    """Of a window's road rows (global), those not within ``interior`` (the halo box)."""
    return rows[~shapely.within(roads.geometry.array[rows], interior)]


def snap_facilities(net: RoadNetwork, roads: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, crs,
                    config: Config) -> Snap:
    """The facilities snapped onto the whole network as a single run snaps them."""
    return Snapper(net, roads.geometry.array, crs).snap(*point_xy(facilities), max_dist_m=config.max_snap_m)
