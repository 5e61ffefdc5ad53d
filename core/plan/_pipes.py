"""Pipe lines drawn along the road geometry of a path through the plan's augmented road graph.

A path found on :class:`~ruralenv.core.plan.problem.Graph` is a list of node ids: road-network nodes (junctions
and line ends) and snapped points (ids from ``net.n_nodes`` on). Joining the nodes by straight lines cuts the
corners of every curved road; here each step takes the vertices of the road edge it runs along (or of the part
of it between a node and a snapped point), so a pipe follows the road and its drawn length is its road metres.
"""
from __future__ import annotations

import numpy as np
import shapely

from ..network.graph import RoadNetwork


class PathDrawer:
    """Draws node paths of a plan graph along their roads.

    Parameters
    ----------
    net : RoadNetwork
        The road network under the augmented graph.
    snap_edge, snap_along : ndarray
        Edge and metres from its ``u`` end of every snapped node (node id ``net.n_nodes + k`` is entry ``k``).
    """

    def __init__(self, net: RoadNetwork, snap_edge: np.ndarray, snap_along: np.ndarray):
        self.net, self.snap_edge, self.snap_along = net, snap_edge, snap_along
        n = max(net.n_nodes, 1)
        lo, hi = np.minimum(net.edge_u, net.edge_v), np.maximum(net.edge_u, net.edge_v)
        key = lo.astype(np.int64) * n + hi
        # parallel edges: the shortest first, as the distances used it
        self.order = np.lexsort((net.edge_len_m, key))
        self.keys = key[self.order]
        self.n = n

    def _edge_between(self, p: int, q: int) -> int:
        key = min(p, q) * self.n + max(p, q)
        i = int(np.searchsorted(self.keys, key))
        return int(self.order[i]) if i < len(self.keys) and self.keys[i] == key else -1

    def _part(self, e: int, d0: float, d1: float) -> np.ndarray:
        """Vertices of edge ``e`` from ``d0`` to ``d1`` metres from its ``u`` end (backwards when d0 > d1)."""
        net = self.net
        a, b = int(net.edge_from[e]), int(net.edge_to[e])
        cum = net.v_cum_m[a:b + 1] - net.v_cum_m[a]
        x, y = net.vx[a:b + 1], net.vy[a:b + 1]
        lo, hi = min(d0, d1), max(d0, d1)
        inner = (cum > lo) & (cum < hi)
        xs = np.r_[np.interp(lo, cum, x), x[inner], np.interp(hi, cum, x)]
        ys = np.r_[np.interp(lo, cum, y), y[inner], np.interp(hi, cum, y)]
        pts = np.c_[xs, ys]
        return pts if d0 <= d1 else pts[::-1]

    def _where(self, node: int) -> tuple[int, float] | None:
        k = node - self.net.n_nodes
        return None if k < 0 else (int(self.snap_edge[k]), float(self.snap_along[k]))

    def _step(self, p: int, q: int, px: float, py: float, qx: float, qy: float) -> np.ndarray:
        net = self.net
        wp, wq = self._where(p), self._where(q)
        if wp is None and wq is None:
            e = self._edge_between(p, q)
            if e < 0:
                return np.array([[px, py], [qx, qy]])
            length = float(net.v_cum_m[net.edge_to[e]] - net.v_cum_m[net.edge_from[e]])
            return self._part(e, 0.0, length) if net.edge_u[e] == p else self._part(e, length, 0.0)
        e = wp[0] if wp is not None else wq[0]  # type: ignore[index]
        length = float(net.v_cum_m[net.edge_to[e]] - net.v_cum_m[net.edge_from[e]])

        def along(node: int, w: tuple[int, float] | None) -> float | None:
            if w is not None:
                return w[1] if w[0] == e else None
            return 0.0 if net.edge_u[e] == node else length if net.edge_v[e] == node else None

        d0, d1 = along(p, wp), along(q, wq)
        if d0 is None or d1 is None:
            return np.array([[px, py], [qx, qy]])
        return self._part(e, d0, d1)

    def line(self, path: list[int], node_x: np.ndarray, node_y: np.ndarray) -> shapely.LineString:
        """The road line of a node path (a one-node path gives a zero-length line at the node)."""
        if len(path) < 2:
            p = path[0]
            return shapely.LineString([(node_x[p], node_y[p]), (node_x[p], node_y[p])])
        pieces = [self._step(p, q, node_x[p], node_y[p], node_x[q], node_y[q])
                  for p, q in zip(path[:-1], path[1:], strict=True)]
        xy = np.vstack([pieces[0]] + [piece[1:] for piece in pieces[1:]])
        return shapely.LineString(xy)
