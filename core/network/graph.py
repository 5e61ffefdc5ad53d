"""The road network: nodes, edges, CSR matrices and components, built once and cached on disk.

Lines are joined at their ends (ends closer than ``node_tolerance_m`` merge into one node) and at any
vertex two lines share exactly (to 1 mm); lines that merely cross without a shared vertex do not meet,
as at a bridge. Edge lengths are ellipsoidal metres (:func:`.crs.geodesic_segment_lengths`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import CRS
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..base.crs import GEOGRAPHIC, geodesic_segment_lengths, transform_xy
from ..base.files import write_atomically

#: Weight given to edges that must cost (almost) nothing; csgraph ignores stored zeros.
EPS_WEIGHT = 1e-6
CACHE_VERSION = 3


@dataclass
class RoadNetwork:
    """A road graph and the vertex arrays needed to snap points onto its edges.

    Attributes
    ----------
    vx, vy : ndarray float64
        Projected coordinates of every kept vertex, lines one after another.
    v_line : ndarray int32
        Road line (row of the roads table) of each vertex.
    v_cum_m : ndarray float64
        Ellipsoidal metres from the start of its line to each vertex.
    v_cum_proj : ndarray float64
        Projected length accumulated over all vertices (monotone; used to locate snapped points).
    line_start : ndarray int64
        Index of each line's first vertex (-1 for lines with fewer than two distinct vertices).
    edge_from, edge_to : ndarray int64
        First and last vertex of each edge.
    edge_u, edge_v : ndarray int32
        Node ids of each edge's ends.
    edge_len_m : ndarray float64
        Edge length in metres.
    edge_line : ndarray int32
        Road line of each edge.
    edge_hardened : ndarray bool
    node_x, node_y : ndarray float64
        Node coordinates.
    component : ndarray int32
        Connected component (any road) of each node.
    hard_component : ndarray int32
        Connected component through hardened edges only, of each node.
    duplicate_vertices : int
        Consecutive repeated vertices removed.
    zero_length_lines : ndarray int32
        Road lines with no length (not part of the graph).
    from_cache : bool
        True when loaded from the on-disk cache.
    """

    vx: np.ndarray
    vy: np.ndarray
    v_line: np.ndarray
    v_cum_m: np.ndarray
    v_cum_proj: np.ndarray
    line_start: np.ndarray
    edge_from: np.ndarray
    edge_to: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_len_m: np.ndarray
    edge_line: np.ndarray
    edge_hardened: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    component: np.ndarray
    hard_component: np.ndarray
    duplicate_vertices: int = 0
    zero_length_lines: np.ndarray = None  # type: ignore[assignment]
    from_cache: bool = False

    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of graph edges."""
        return len(self.edge_u)

    def matrix(self, weights: np.ndarray | None = None, mask: np.ndarray | None = None) -> sp.csr_matrix:
        """Symmetric CSR adjacency matrix of the graph.

        Parameters
        ----------
        weights : ndarray, optional
            Weight per edge (default: length in metres).
        mask : ndarray of bool, optional
            Keep only these edges.

        Returns
        -------
        scipy.sparse.csr_matrix
            Parallel edges keep their smallest weight.
        """
        w = self.edge_len_m if weights is None else weights
        keep = np.ones(self.n_edges, bool) if mask is None else mask
        return csr_from_edges(self.edge_u[keep], self.edge_v[keep], w[keep], self.n_nodes)

    def component_lengths(self) -> np.ndarray:
        """Total metres of road in each (any-road) component."""
        n = int(self.component.max()) + 1 if self.n_nodes else 0
        return np.bincount(self.component[self.edge_u], weights=self.edge_len_m, minlength=n)

    def dangles(self) -> np.ndarray:
        """Node ids touched by exactly one edge (dead ends)."""
        deg = np.bincount(np.r_[self.edge_u, self.edge_v], minlength=self.n_nodes)
        return np.flatnonzero(deg == 1)


def island_components(net: RoadNetwork, seat_edges: np.ndarray, island_max_length_m: float) -> np.ndarray:
    """Which components are isolated islands.

    Parameters
    ----------
    net : RoadNetwork
    seat_edges : ndarray of int
        Edges township seats snapped to (empty: the longest component is taken as the served one).
    island_max_length_m : float
        Components at least this long are never islands.

    Returns
    -------
    ndarray of bool
        Per component: no seat on it and shorter than ``island_max_length_m``.
    """
    lengths = net.component_lengths()
    served = np.zeros(len(lengths), bool)
    if len(seat_edges):
        served[net.component[net.edge_u[seat_edges]]] = True
    elif len(lengths):
        served[int(np.argmax(lengths))] = True
    return ~served & (lengths < island_max_length_m)


def graded_view(net: RoadNetwork, line_mask: np.ndarray) -> RoadNetwork:
    """The same graph with another road class in the place of "hardened" (e.g. 技术等级 三级 or better).

    Parameters
    ----------
    net : RoadNetwork
    line_mask : ndarray of bool
        Per road line: of the class.

    Returns
    -------
    RoadNetwork
        Sharing every array with ``net`` except ``edge_hardened`` (the class per edge) and ``hard_component``
        (components through edges of the class only).
    """
    edge = np.asarray(line_mask, bool)[net.edge_line]
    _, comp = connected_components(net.matrix(mask=edge), directed=False)
    return dataclasses.replace(net, edge_hardened=edge, hard_component=comp.astype(np.int32))


def csr_from_edges(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """Undirected CSR matrix from an edge list, keeping the smallest weight of parallel edges.

    Self-loops are dropped; weights are floored at :data:`EPS_WEIGHT` so that no edge vanishes.
    """
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    w = np.maximum(np.asarray(w, np.float64), EPS_WEIGHT)
    loop = a == b
    a, b, w = a[~loop], b[~loop], w[~loop]
    if len(a) == 0:
        return sp.csr_matrix((n, n))
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    first = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(first)
    w = np.minimum.reduceat(w, starts)
    key = key[first]
    a, b = key // n, key % n
    rows = np.r_[a, b]
    cols = np.r_[b, a]
    return sp.csr_matrix((np.r_[w, w], (rows, cols)), shape=(n, n))


def graph_cache_key(geoms: np.ndarray, hardened: np.ndarray, crs: CRS, settings: dict) -> str:
    """Hash of everything the graph depends on: geometry, hardened flags, CRS and graph settings."""
    h = hashlib.sha256()
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    h.update(np.ascontiguousarray(coords).tobytes())
    h.update(np.ascontiguousarray(idx).tobytes())
    h.update(np.ascontiguousarray(hardened, dtype=bool).tobytes())
    h.update(crs.to_wkt().encode())
    h.update(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode())
    h.update(str(CACHE_VERSION).encode())
    return h.hexdigest()


def build_network(
    geoms: np.ndarray,
    hardened: np.ndarray,
    crs: CRS,
    node_tolerance_m: float,
    check: Callable[[], None] | None = None,
) -> RoadNetwork:
    """Build the road graph from projected line geometries.

    Parameters
    ----------
    geoms : ndarray of shapely LineString
        Road lines in the metric CRS (one per roads row; MultiLineStrings already exploded).
    hardened : ndarray of bool
        Hardened flag per line.
    crs : pyproj.CRS
        The metric CRS of ``geoms`` (to measure on the ellipsoid).
    node_tolerance_m : float
        Line ends closer than this become one node.
    check : callable, optional
        Called between steps; raises to stop (the run's cancel check).

    Returns
    -------
    RoadNetwork
    """
    check = check or (lambda: None)
    n_lines = len(geoms)
    coords, v_line, duplicate_vertices, zero_length_lines = _clean_vertices(geoms)
    vx, vy = coords[:, 0].copy(), coords[:, 1].copy()
    nv = len(vx)
    first = np.r_[True, v_line[1:] != v_line[:-1]] if nv else np.zeros(0, bool)
    last = np.r_[v_line[1:] != v_line[:-1], True] if nv else np.zeros(0, bool)
    line_start = np.full(n_lines, -1, np.int64)
    line_start[v_line[first]] = np.flatnonzero(first)
    check()
    v_cum_m, v_cum_proj = _cumulative_lengths(vx, vy, v_line, line_start, crs)
    check()
    key_id = grid_ids(coords, 1e-3)  # vertices at the same position (to 1 mm) share an id
    is_node_v = _node_vertices(key_id, v_line, first | last, n_lines)
    v_node, node_x, node_y = _merge_nodes(coords, key_id, is_node_v, node_tolerance_m)
    n_nodes = len(node_x)
    check()
    node_pos = np.flatnonzero(is_node_v)
    e_from, e_to = node_pos[:-1], node_pos[1:]
    same_line = v_line[e_from] == v_line[e_to]
    e_from, e_to = e_from[same_line], e_to[same_line]
    edge_u, edge_v = v_node[e_from].astype(np.int32), v_node[e_to].astype(np.int32)
    edge_len = v_cum_m[e_to] - v_cum_m[e_from]
    edge_line = v_line[e_from].astype(np.int32)
    edge_hard = np.asarray(hardened, bool)[edge_line]

    net = RoadNetwork(
        vx=vx, vy=vy, v_line=v_line.astype(np.int32), v_cum_m=v_cum_m, v_cum_proj=v_cum_proj,
        line_start=line_start, edge_from=e_from, edge_to=e_to, edge_u=edge_u, edge_v=edge_v,
        edge_len_m=edge_len, edge_line=edge_line, edge_hardened=edge_hard, node_x=node_x, node_y=node_y,
        component=np.zeros(n_nodes, np.int32), hard_component=np.zeros(n_nodes, np.int32),
        duplicate_vertices=duplicate_vertices, zero_length_lines=zero_length_lines,
    )
    _, comp = connected_components(net.matrix(), directed=False)
    _, hcomp = connected_components(net.matrix(mask=edge_hard), directed=False)
    net.component, net.hard_component = comp.astype(np.int32), hcomp.astype(np.int32)
    return net


def _clean_vertices(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Every vertex of every line, consecutive repeats dropped, lines with fewer than two vertices left out.

    Returns
    -------
    (coords, v_line, duplicate_vertices, zero_length_lines)
    """
    n_lines = len(geoms)
    coords, v_line = shapely.get_coordinates(geoms, return_index=True)
    v_line = v_line.astype(np.int64)
    same = np.zeros(len(coords), bool)
    if len(coords) > 1:
        same[1:] = (v_line[1:] == v_line[:-1]) & np.all(coords[1:] == coords[:-1], axis=1)
    coords, v_line = coords[~same], v_line[~same]
    good_line = np.bincount(v_line, minlength=n_lines) >= 2
    keep = good_line[v_line]
    return coords[keep], v_line[keep], int(same.sum()), np.flatnonzero(~good_line).astype(np.int32)


def _cumulative_lengths(vx: np.ndarray, vy: np.ndarray, v_line: np.ndarray, line_start: np.ndarray,
                        crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoidal metres from each line's start to each vertex, and the projected length over all vertices."""
    nv = len(vx)
    if not nv:
        return np.zeros(0), np.zeros(0)
    lon, lat = transform_xy(crs, GEOGRAPHIC, vx, vy)
    seg_m = geodesic_segment_lengths(lon, lat)
    seg_proj = np.hypot(np.diff(vx), np.diff(vy)) if nv > 1 else np.zeros(0)
    cross = ~(v_line[1:] == v_line[:-1]) if nv > 1 else np.zeros(0, bool)
    seg_m[cross] = 0.0
    seg_proj[cross] = 0.0
    cum_all = np.r_[0.0, np.cumsum(seg_m)]
    return cum_all - cum_all[line_start[v_line]], np.r_[0.0, np.cumsum(seg_proj)]


def _node_vertices(key_id: np.ndarray, v_line: np.ndarray, ends: np.ndarray, n_lines: int) -> np.ndarray:
    """Vertices that are graph nodes: line ends, and vertices shared (same ``key_id``) by two or more lines."""
    if not len(key_id):
        return np.zeros(0, bool)
    pairs = np.unique(key_id * n_lines + v_line)
    lines_per_key = np.bincount(pairs // n_lines, minlength=int(key_id.max()) + 1)
    return ends | (lines_per_key[key_id] >= 2)


def _merge_nodes(coords: np.ndarray, key_id: np.ndarray, is_node_v: np.ndarray,
                 tolerance_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node of each vertex (-1 for plain vertices) and node positions, ends closer than the tolerance merged."""
    node_keys, v_to_node_key = np.unique(key_id[is_node_v], return_inverse=True)
    key_xy = np.zeros((len(node_keys), 2))
    key_xy[v_to_node_key] = coords[is_node_v]
    label = _merge_within(key_xy, tolerance_m)
    n_nodes = int(label.max()) + 1 if len(label) else 0
    cnt = np.maximum(np.bincount(label, minlength=n_nodes), 1)
    node_x = np.bincount(label, weights=key_xy[:, 0], minlength=n_nodes) / cnt
    node_y = np.bincount(label, weights=key_xy[:, 1], minlength=n_nodes) / cnt
    v_node = np.full(len(coords), -1, np.int64)
    v_node[is_node_v] = label[v_to_node_key]
    return v_node, node_x, node_y


def grid_ids(coords: np.ndarray, cell: float) -> np.ndarray:
    """Id per point, equal for points that fall on the same ``cell``-sized grid position (rounded)."""
    if len(coords) == 0:
        return np.zeros(0, np.int64)
    gx = np.round(coords[:, 0] / cell).astype(np.int64)
    gy = np.round(coords[:, 1] / cell).astype(np.int64)
    gx -= gx.min()
    gy -= gy.min()
    span_y = int(gy.max()) + 1
    if (int(gx.max()) + 1) * span_y < 2**62:  # one integer key per cell, in the order of (x, y): one sort
        return np.unique(gx * span_y + gy, return_inverse=True)[1].astype(np.int64)
    order = np.lexsort((gy, gx))
    sx, sy = gx[order], gy[order]
    new = np.r_[True, (sx[1:] != sx[:-1]) | (sy[1:] != sy[:-1])]
    ids = np.empty(len(coords), np.int64)
    ids[order] = np.cumsum(new) - 1
    return ids


def _merge_within(xy: np.ndarray, tol: float) -> np.ndarray:
    """Label points so that points closer than ``tol`` (transitively) share a label."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, np.int64)
    if tol <= 0:
        return np.arange(n)
    pairs = cKDTree(xy).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(n)
    m = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(m, directed=False)
    return labels.astype(np.int64)


def save_network(net: RoadNetwork, path: Path) -> None:
    """Write a network to ``path`` (``.npz``) atomically."""
    arrays = {f.name: getattr(net, f.name) for f in fields(net) if f.name != "from_cache"}
    arrays["duplicate_vertices"] = np.asarray(net.duplicate_vertices)

    def save(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    write_atomically(path.parent, {path.name: save})


def load_network(path: Path) -> RoadNetwork:
    """Read a network written by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as z:
        kw = {k: z[k] for k in z.files}
    kw["duplicate_vertices"] = int(kw["duplicate_vertices"])
    return RoadNetwork(**kw, from_cache=True)
