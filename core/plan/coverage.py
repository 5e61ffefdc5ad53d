"""Coverage sets: which targets each source reaches by road within a distance, never a dense matrix.

Sources are grouped by grid cells as wide as the distance cap; each group searches
(:func:`scipy.sparse.csgraph.dijkstra` with ``limit=``) only the part of the graph within the cap of its
cell, because a path no longer than the cap cannot leave the disc of that radius around its source (the
projected radius is widened by the projection's scale factor). Memory is one small dense block per cell.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..model.stages.distances import multi_source


class _Grid:
    """Points bucketed by square cells of side ``size``: the points near a box without scanning them all."""

    def __init__(self, x: np.ndarray, y: np.ndarray, size: float):
        self.size = size
        self.gx, self.gy = np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)
        key = self._key(self.gx, self.gy)
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    @staticmethod
    def _key(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        return gx * 4_000_037 + gy

    def groups(self) -> list[np.ndarray]:
        """Indices of the points of each non-empty cell."""
        bounds = np.flatnonzero(np.r_[True, self.keys[1:] != self.keys[:-1], True])
        return [self.order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=False)]

    def near(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """Indices of the points in the cells that the box [x0, x1] × [y0, y1] touches."""
        gx = np.arange(int(np.floor(x0 / self.size)), int(np.floor(x1 / self.size)) + 1)
        gy = np.arange(int(np.floor(y0 / self.size)), int(np.floor(y1 / self.size)) + 1)
        keys = self._key(*(a.ravel() for a in np.meshgrid(gx, gy)))
        lo, hi = np.searchsorted(self.keys, keys), np.searchsorted(self.keys, keys, side="right")
        return np.concatenate([self.order[a:b] for a, b in zip(lo, hi, strict=True)]) if len(keys) else lo


def capped_reach(
    matrix: sp.csr_matrix,
    node_x: np.ndarray,
    node_y: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    limit: float,
    scale: float = 1.0,
    check: Callable[[], None] | None = None,
) -> sp.csr_matrix:
    """Which targets each source reaches within ``limit`` metres by road.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Symmetric road graph in metres.
    node_x, node_y : ndarray
        Projected coordinates of every node.
    sources, targets : ndarray of int
        Node ids (-1: not on the graph, reaches nothing / is never reached).
    limit : float
        Distance cap in metres (inclusive).
    scale : float
        Largest projected-per-ground metre factor over the data (widens the search window).
    check : callable, optional
        Called between cells (the cancel check).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (len(sources), len(targets))
    """
    r, c, _ = capped_pairs(matrix, node_x, node_y, sources, targets, limit, scale, check)
    return sp.csr_matrix((np.ones(len(r), bool), (r, c)), shape=(len(sources), len(targets)))


def capped_pairs(
    matrix: sp.csr_matrix,
    node_x: np.ndarray,
    node_y: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    limit: float,
    scale: float = 1.0,
    check: Callable[[], None] | None = None,
    cell: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (source, target) pairs within ``limit`` metres by road and their road metres.

    Same searches and arguments as :func:`capped_reach`; returns index arrays into ``sources`` and
    ``targets`` and the distances (a pair at 0 m is kept, which a sparse matrix would drop). ``cell``
    scales the grid's cells (in units of ``limit``): larger cells make fewer, larger searches.
    """
    ok_s = np.flatnonzero(sources >= 0)
    ok_t = np.flatnonzero(targets >= 0)
    rows, cols, dist = [], [], []
    reach = limit * scale + 1.0
    size = max(limit * cell, 1.0)
    tx, ty = node_x[targets[ok_t]], node_y[targets[ok_t]]
    t_grid, n_grid = _Grid(tx, ty, size), _Grid(node_x, node_y, size)
    local = np.full(len(node_x), -1, np.int64)  # node → index in the current window (reset after each cell)
    for group in _Grid(node_x[sources[ok_s]], node_y[sources[ok_s]], size).groups():
        if check is not None:
            check()
        src = ok_s[group]
        sx, sy = node_x[sources[src]], node_y[sources[src]]
        x0, x1, y0, y1 = sx.min() - reach, sx.max() + reach, sy.min() - reach, sy.max() + reach
        near_t = t_grid.near(x0, x1, y0, y1)
        near_t = ok_t[near_t[(tx[near_t] >= x0) & (tx[near_t] <= x1) & (ty[near_t] >= y0) & (ty[near_t] <= y1)]]
        if len(near_t) == 0:
            continue
        window = n_grid.near(x0, x1, y0, y1)
        window = np.sort(window[(node_x[window] >= x0) & (node_x[window] <= x1) & (node_y[window] >= y0)
                                & (node_y[window] <= y1)])
        local[window] = np.arange(len(window))
        sub = _submatrix(matrix, window, local)
        d = dijkstra(sub, directed=False, indices=local[sources[src]], limit=limit * (1 + 1e-12))
        dt = d[:, local[targets[near_t]]]
        local[window] = -1
        hit_s, hit_t = np.nonzero(dt <= limit)
        rows.append(src[hit_s])
        cols.append(near_t[hit_t])
        dist.append(dt[hit_s, hit_t])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return r, c, (np.concatenate(dist) if dist else np.zeros(0))




def _submatrix(matrix: sp.csr_matrix, window: np.ndarray, local: np.ndarray) -> sp.csr_matrix:
    """``matrix[window][:, window]`` in time of the window's edges (``local`` maps node → window index, -1 out),
    where scipy's column indexing costs the size of the whole graph per call.
    """
    rows = matrix[window]
    keep_col = local[rows.indices]
    row_of = np.repeat(np.arange(len(window)), np.diff(rows.indptr))
    ok = keep_col >= 0
    return sp.csr_matrix((rows.data[ok], (row_of[ok], keep_col[ok])), shape=(len(window), len(window)))


def nearest_within(matrix: sp.csr_matrix, sources: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Road metres from the nearest of ``sources`` to every node (inf beyond ``limit`` or unreachable)."""
    bound = np.inf if limit is None else limit * (1 + 1e-12)
    return multi_source(matrix, sources, matrix.shape[0], limit=bound)[0]
