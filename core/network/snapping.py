"""Project points onto the nearest road edge (not the nearest vertex) and add them to the graph.

A snapped point sits somewhere along an edge; its network distance to anything is the distance along
the edge to one of the edge's ends plus the graph distance from there. :func:`augmented_matrix` splits
each edge at the points snapped onto it, so two points on the same edge also reach each other directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import CRS
from scipy.sparse.csgraph import connected_components

from ..base.crs import scale_factors
from .graph import RoadNetwork, csr_from_edges


@dataclass
class Snap:
    """Where each point meets the network.

    Attributes
    ----------
    edge : ndarray int64
        Edge index, -1 when no road is within the search distance.
    dist_m : ndarray float64
        Metres from the point to the road (NaN when not snapped).
    along_m : ndarray float64
        Metres along the edge from its ``u`` end to the snapped position.
    x, y : ndarray float64
        Snapped position (projected).
    """

    edge: np.ndarray
    dist_m: np.ndarray
    along_m: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """True where the point was snapped."""
        return self.edge >= 0


class Snapper:
    """Nearest-edge search over the road lines of a network.

    Parameters
    ----------
    net : RoadNetwork
    line_geoms : ndarray of shapely LineString
        The projected road lines the network was built from (same order).
    crs : pyproj.CRS
        Their CRS (for the scale-factor correction of snap distances).
    line_mask : ndarray of bool, optional
        Search only these lines (e.g. hardened ones).
    """

    def __init__(self, net: RoadNetwork, line_geoms: np.ndarray, crs: CRS, line_mask: np.ndarray | None = None):
        self.net = net
        self.crs = crs
        usable = net.line_start >= 0
        if line_mask is not None:
            usable &= line_mask
        self.lines = np.flatnonzero(usable)
        self.geoms = np.asarray(line_geoms, dtype=object)[self.lines]
        self.tree = shapely.STRtree(self.geoms)
        # edges ordered by first vertex, for locating the edge that holds a vertex (a built network's edges
        # already are: the sort is skipped then)
        ascending = bool(np.all(net.edge_from[1:] >= net.edge_from[:-1]))
        self.edge_order = np.arange(net.n_edges) if ascending else np.argsort(net.edge_from, kind="stable")
        self.edge_from_sorted = net.edge_from[self.edge_order]
        self.line_vertices = np.bincount(net.v_line, minlength=len(net.line_start))

    def snap(self, x: np.ndarray, y: np.ndarray, max_dist_m: float | None = None) -> Snap:
        """Snap projected points onto the nearest line.

        Parameters
        ----------
        x, y : ndarray
            Projected coordinates.
        max_dist_m : float, optional
            Points farther than this (in ground metres) stay unsnapped (``edge == -1``).

        Returns
        -------
        Snap
        """
        n = len(x)
        out = Snap(np.full(n, -1, np.int64), np.full(n, np.nan), np.full(n, np.nan),
                   np.full(n, np.nan), np.full(n, np.nan))
        if n == 0 or len(self.lines) == 0:
            return out
        pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
        k = scale_factors(self.crs, x, y)
        # GEOS finds the nearest line faster without a search radius than with one: filter afterwards
        (pi, gi), dist = self.tree.query_nearest(pts, return_distance=True, all_matches=False)
        dist_m = dist / k[pi]
        if max_dist_m is not None:
            inside = dist_m <= max_dist_m
            pi, gi, dist_m = pi[inside], gi[inside], dist_m[inside]
        line = self.lines[gi]
        along_proj = shapely.line_locate_point(self.geoms[gi], pts[pi])
        net = self.net
        start = net.line_start[line]
        gpos = net.v_cum_proj[start] + along_proj
        i = np.searchsorted(net.v_cum_proj, gpos, side="right") - 1
        # stay within the line: between its first vertex and its second-to-last
        i = np.clip(i, start, start + self.line_vertices[line] - 2)
        seg = net.v_cum_proj[i + 1] - net.v_cum_proj[i]
        frac = np.where(seg > 0, (gpos - net.v_cum_proj[i]) / np.where(seg > 0, seg, 1), 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        pos_m = net.v_cum_m[i] + frac * (net.v_cum_m[i + 1] - net.v_cum_m[i])
        e_sorted = np.searchsorted(self.edge_from_sorted, i, side="right") - 1
        edge = self.edge_order[e_sorted]
        along = pos_m - net.v_cum_m[net.edge_from[edge]]
        along = np.clip(along, 0.0, net.edge_len_m[edge])
        out.edge[pi] = edge
        out.dist_m[pi] = dist_m
        out.along_m[pi] = along
        out.x[pi] = net.vx[i] + frac * (net.vx[i + 1] - net.vx[i])
        out.y[pi] = net.vy[i] + frac * (net.vy[i + 1] - net.vy[i])
        return out


@dataclass
class Augmented:
    """The road graph with snapped points added as nodes.

    Attributes
    ----------
    u, v : ndarray int64
        Ends of every edge (network edges, then the pieces of split edges).
    length_m : ndarray float64
    hardened : ndarray bool
    point_node : ndarray int64
        Node id of each snapped point (-1 for points that were not snapped).
    n_nodes : int
    """

    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    hardened: np.ndarray
    point_node: np.ndarray
    n_nodes: int
    _contracted: _Contraction | None = field(default=None, repr=False)

    def matrix(self, weights: np.ndarray | None = None) -> sp.csr_matrix:
        """CSR matrix with ``weights`` per edge (default: metres), pass-through nodes contracted.

        Chains of degree-2 nodes between junctions are replaced by one edge carrying their summed weight
        (the ends of every chain, snapped points and hardened/unhardened boundaries stay nodes), so distances
        between the nodes that remain are unchanged while Dijkstra visits several times fewer nodes. Node
        ids are unchanged; a contracted-away node is simply isolated.
        """
        w = self.length_m if weights is None else np.asarray(weights, np.float64)
        c = self._contraction()
        weight = np.r_[w[c.direct], np.bincount(c.chain_of_edge, weights=w[c.in_chain],
                                                 minlength=c.n_chains)[c.chain_ok]]
        return csr_from_edges(c.u, c.v, weight, self.n_nodes)

    def _contraction(self) -> _Contraction:
        if self._contracted is None:
            self._contracted = _contract(self)
        return self._contracted


@dataclass
class _Contraction:
    """How the edges of an :class:`Augmented` graph map onto its contracted graph."""

    direct: np.ndarray  # edges kept as they are
    in_chain: np.ndarray  # edges folded into a chain
    chain_of_edge: np.ndarray  # chain id of each in_chain edge
    n_chains: int
    chain_ok: np.ndarray  # chains that join two different kept nodes
    u: np.ndarray  # ends of the contracted graph's edges: direct edges, then chains
    v: np.ndarray


def _contract(g: Augmented) -> _Contraction:
    n = g.n_nodes
    deg = np.bincount(g.u, minlength=n) + np.bincount(g.v, minlength=n)
    has_hard = (np.bincount(g.u[g.hardened], minlength=n) + np.bincount(g.v[g.hardened], minlength=n)) > 0
    has_soft = (np.bincount(g.u[~g.hardened], minlength=n) + np.bincount(g.v[~g.hardened], minlength=n)) > 0
    keep = (deg != 2) | (has_hard & has_soft)
    keep[g.point_node[g.point_node >= 0]] = True
    ku, kv = keep[g.u], keep[g.v]
    direct = np.flatnonzero(ku & kv)
    in_chain = np.flatnonzero(~(ku & kv))
    inner = ~ku & ~kv
    adj = sp.coo_matrix((np.ones(int(inner.sum())), (g.u[inner], g.v[inner])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    eu, ev = g.u[in_chain], g.v[in_chain]
    chain_node = np.where(keep[eu], ev, eu)  # a removed node of the edge names its chain
    _, chain_of_edge = np.unique(label[chain_node], return_inverse=True)
    chain_of_edge = chain_of_edge.ravel()
    n_chains = int(chain_of_edge.max()) + 1 if len(chain_of_edge) else 0
    # each chain's two ends: the kept node of each of its boundary edges
    boundary = keep[eu] | keep[ev]
    b_chain = chain_of_edge[boundary]
    b_node = np.where(keep[eu], eu, ev)[boundary]
    order = np.argsort(b_chain, kind="stable")
    b_chain, b_node = b_chain[order], b_node[order]
    count = np.bincount(b_chain, minlength=n_chains)
    first = np.searchsorted(b_chain, np.arange(n_chains))
    end_a = np.where(count == 2, b_node[np.minimum(first, len(b_node) - 1)] if len(b_node) else -1, -1)
    end_b = np.where(count == 2, b_node[np.minimum(first + 1, len(b_node) - 1)] if len(b_node) else -1, -1)
    # rings without junctions and chains returning to their own start cannot shorten any path
    chain_ok = (count == 2) & (end_a != end_b)
    return _Contraction(direct, in_chain, chain_of_edge, n_chains, chain_ok,
                        np.r_[g.u[direct], end_a[chain_ok]], np.r_[g.v[direct], end_b[chain_ok]])


def augmented_graph(net: RoadNetwork, snap: Snap) -> Augmented:
    """Split edges at snapped points and add the points as nodes.

    Parameters
    ----------
    net : RoadNetwork
    snap : Snap
        Points snapped by :meth:`Snapper.snap` (unsnapped ones are ignored).

    Returns
    -------
    Augmented
    """
    ok = np.flatnonzero(snap.ok)
    point_node = np.full(len(snap.edge), -1, np.int64)
    point_node[ok] = net.n_nodes + np.arange(len(ok))
    e, d, pn = snap.edge[ok], snap.along_m[ok], point_node[ok]
    order = np.lexsort((d, e))
    e, d, pn = e[order], d[order], pn[order]
    first = np.r_[True, e[1:] != e[:-1]] if len(e) else np.zeros(0, bool)
    last = np.r_[e[1:] != e[:-1], True] if len(e) else np.zeros(0, bool)
    prev_node = np.where(first, net.edge_u[e], np.r_[-1, pn[:-1]])
    prev_d = np.where(first, 0.0, np.r_[0.0, d[:-1]])
    u = np.r_[net.edge_u, prev_node, pn[last]].astype(np.int64)
    v = np.r_[net.edge_v, pn, net.edge_v[e[last]]].astype(np.int64)
    length = np.r_[net.edge_len_m, d - prev_d, net.edge_len_m[e[last]] - d[last]]
    hard = np.r_[net.edge_hardened, net.edge_hardened[e], net.edge_hardened[e[last]]]
    return Augmented(u, v, np.maximum(length, 0.0), hard, point_node, net.n_nodes + len(ok))
