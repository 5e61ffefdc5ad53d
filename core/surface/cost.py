"""Accessibility surfaces: the point analysis applied to every cell of a grid over the territory.

A cell's value is the off-road leg from its centre to the nearest road (the least one, as a village is
snapped) plus the network cost along roads from that road point to the nearest target, in metres
(``mode="distance"``) or minutes (``mode="time"``: speeds per road class and an off-road speed). A village
that sits on a cell centre gets exactly its own ``snap_dist_m + net_dist_*_m``.

How it stays fast at region scale (≈19 M cells):

1. one multi-source Dijkstra (scipy) over the road graph from a virtual source joined to the two ends
   of every target's edge (a target mid-edge starts its ends at their along-edge cost);
2. every road segment is sampled at most one cell apart; a cKDTree of the samples finds, per cell,
   a sample near its nearest road point, and the cell centre is then projected exactly onto that
   sample's segment and its two neighbours on the same line;
3. the cost at the projected point is interpolated along its edge from both ends (and from any target
   on the same edge).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from ..base._errors import ConfigError
from ..base.config import Config
from ..base.crs import scale_factors
from ..base.progress import NullProgress, Progress, check_cancel
from ..base.values import key_numbers
from ..network.graph import EPS_WEIGHT, RoadNetwork, csr_from_edges
from ..network.snapping import Snap

#: What a surface can measure the way to.
SURFACE_TARGETS = ("transfer_station", "town_treatment", "county_treatment", "village_treatment",
                   "hardened_road", "seat")
SURFACE_MODES = ("distance", "time")
#: Value of cells with no value (outside the territory, or too far from any road).
NODATA = -9999.0
#: Nearest samples whose segments (and their neighbours) are tried for each point's nearest road point:
#: more than one, so that a point on a road is not taken by another road's sample lying a little nearer.
CANDIDATES = 3
#: Cells evaluated per block (bounds the memory of the evaluation).
BLOCK_CELLS = 1 << 19


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells.

    Attributes
    ----------
    left, top : float
        Projected coordinates of the grid's upper-left corner.
    res : float
        Cell size (projected units, metres).
    width, height : int
        Columns and rows.
    """

    left: float
    top: float
    res: float
    width: int
    height: int

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], res: float) -> Grid:
        """The grid of cell size ``res`` aligned on multiples of ``res`` that covers ``bounds``."""
        minx, miny, maxx, maxy = bounds
        left, bottom = np.floor(minx / res) * res, np.floor(miny / res) * res
        right, top = np.ceil(maxx / res) * res, np.ceil(maxy / res) * res
        return cls(float(left), float(top), float(res), max(1, int(round((right - left) / res))),
                   max(1, int(round((top - bottom) / res))))

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.height, self.width

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top)."""
        return self.left, self.top - self.height * self.res, self.left + self.width * self.res, self.top

    def transform(self):
        """The affine transform of the grid (rasterio convention)."""
        from affine import Affine

        return Affine(self.res, 0.0, self.left, 0.0, -self.res, self.top)

    def centres_x(self) -> np.ndarray:
        """Projected x of each column's cell centres."""
        return self.left + (np.arange(self.width) + 0.5) * self.res

    def centres_y(self) -> np.ndarray:
        """Projected y of each row's cell centres."""
        return self.top - (np.arange(self.height) + 0.5) * self.res

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points (may fall outside the grid)."""
        col = np.floor((np.asarray(x) - self.left) / self.res).astype(np.int64)
        row = np.floor((self.top - np.asarray(y)) / self.res).astype(np.int64)
        return row, col


@dataclass(frozen=True)
class Targets:
    """Where the costs start: points snapped onto edges, and edges that are targets along their length.

    Attributes
    ----------
    edge, along_m : ndarray
        Edge and metres from its ``u`` end of each target point (unsnapped ones already removed).
    edge_is_target : ndarray of bool
        Per edge: every point of it is a target (hardened roads).
    """

    edge: np.ndarray
    along_m: np.ndarray
    edge_is_target: np.ndarray

    @classmethod
    def from_snap(cls, snap: Snap, n_edges: int) -> Targets:
        """Targets at the snapped points of ``snap``."""
        return cls(snap.edge[snap.ok], snap.along_m[snap.ok], np.zeros(n_edges, bool))

    @classmethod
    def from_edges(cls, mask: np.ndarray) -> Targets:
        """Targets along the edges in ``mask``."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.asarray(mask, bool))


@dataclass(frozen=True)
class RoadCost:
    """Network cost to the nearest target at every node, and the rule to price a point anywhere on a road.

    Attributes
    ----------
    node : ndarray float64
        Cost at each node (inf where no target is reachable).
    per_m : ndarray float64
        Cost of one metre along each edge (1 for distances; minutes per metre for times).
    targets : Targets
    """

    node: np.ndarray
    per_m: np.ndarray
    targets: Targets

    def at(self, net: RoadNetwork, edge: np.ndarray, along_m: np.ndarray) -> np.ndarray:
        """Cost at points ``along_m`` metres from the ``u`` end of ``edge``: the cheaper way out of the edge."""
        c = self.per_m[edge]
        length = net.edge_len_m[edge]
        cost = np.minimum(self.node[net.edge_u[edge]] + c * along_m,
                          self.node[net.edge_v[edge]] + c * (length - along_m))
        cost = np.minimum(cost, c * _gap_to_target_on_edge(self.targets, edge, along_m))
        return np.where(self.targets.edge_is_target[edge], 0.0, cost)


def _gap_to_target_on_edge(targets: Targets, edge: np.ndarray, along_m: np.ndarray) -> np.ndarray:
    """Metres along the edge to the nearest target point on the same edge (inf when there is none)."""
    out = np.full(len(edge), np.inf)
    if len(targets.edge) == 0 or len(edge) == 0:
        return out
    # one sorted key per target (edge first, then metres along it): a query's neighbours in the order are
    # the targets on its edge just before and after it
    span = float(np.max(targets.along_m)) + 1.0
    key = targets.edge * span + targets.along_m
    order = np.argsort(key)
    key, t_edge, t_along = key[order], targets.edge[order], targets.along_m[order]
    pos = np.searchsorted(key, edge * span + along_m)
    for cand in (pos - 1, pos):
        c = np.clip(cand, 0, len(key) - 1)
        on_edge = (cand >= 0) & (cand < len(key)) & (t_edge[c] == edge)
        out = np.where(on_edge, np.minimum(out, np.abs(t_along[c] - along_m)), out)
    return out


def edge_cost_per_m(net: RoadNetwork, road_class: np.ndarray, hardened: np.ndarray, config: Config,
                    mode: str) -> np.ndarray:
    """Cost of a metre along each edge: 1 (distance) or minutes per metre at the road's speed (time).

    Parameters
    ----------
    net : RoadNetwork
    road_class : ndarray of object
        Per road line: its OSM ``highway`` or grade (None when unknown).
    hardened : ndarray of bool
        Per road line.
    config : Config
        ``surface_speeds_kmh``, ``speed_hardened_kmh``, ``speed_unhardened_kmh``.
    mode : str
        ``"distance"`` or ``"time"``.

    Returns
    -------
    ndarray float64
        One value per edge.
    """
    if mode == "distance":
        return np.ones(net.n_edges)
    speeds = road_speeds_kmh(road_class, hardened, config)
    return minutes_per_m(speeds[net.edge_line])


def road_speeds_kmh(road_class: np.ndarray, hardened: np.ndarray, config: Config) -> np.ndarray:
    """Speed of each road line: its class's speed, else by its hardened flag; unhardened roads capped."""
    table = parse_speeds(config.surface_speeds_kmh)
    known = pd.Series(road_class, dtype=object).map(
        lambda v: table.get(str(v).strip().lower()) if v is not None and v == v else None)
    fallback = np.where(hardened, config.speed_hardened_kmh, config.speed_unhardened_kmh)
    speed = np.where(known.isna().to_numpy(), fallback, known.to_numpy(dtype=float, na_value=np.nan))
    return np.where(hardened, speed, np.minimum(speed, config.speed_unhardened_kmh))


def parse_speeds(pairs: tuple[str, ...]) -> dict[str, float]:
    """``("县道=40", …)`` → ``{"县道": 40.0, …}`` (keys lower-case); a malformed pair is a ConfigError."""
    speeds, bad = key_numbers(pairs)
    bad += [f"{k}={v:g}" for k, v in speeds.items() if v <= 0]
    if bad:
        raise ConfigError(f"surface_speeds_kmh: {bad[0]!r} is not class=km/h with a speed > 0")
    table = {key.lower(): speed for key, speed in speeds.items()}
    return table


def minutes_per_m(speed_kmh: np.ndarray | float) -> np.ndarray:
    """Minutes to cover one metre at ``speed_kmh``."""
    return 60.0 / (np.asarray(speed_kmh, np.float64) * 1000.0)


def road_cost(net: RoadNetwork, targets: Targets, per_m: np.ndarray) -> RoadCost:
    """One multi-source Dijkstra from every target.

    A virtual node joins each target to its edge's two ends at their cost along the edge (0 to both ends
    of a target edge), so a single search from it gives every node its cost to the nearest target.

    Parameters
    ----------
    net : RoadNetwork
    targets : Targets
    per_m : ndarray
        Cost per metre of each edge.

    Returns
    -------
    RoadCost
    """
    n = net.n_nodes
    e, a = targets.edge, targets.along_m
    te = np.flatnonzero(targets.edge_is_target)
    src_to = np.r_[net.edge_u[e], net.edge_v[e], net.edge_u[te], net.edge_v[te]]
    src_w = np.r_[per_m[e] * a, per_m[e] * (net.edge_len_m[e] - a), np.zeros(2 * len(te))]
    if len(src_to) == 0:
        return RoadCost(np.full(n, np.inf), per_m, targets)
    u = np.r_[net.edge_u, np.full(len(src_to), n)]
    v = np.r_[net.edge_v, src_to]
    w = np.r_[net.edge_len_m * per_m, np.maximum(src_w, EPS_WEIGHT)]
    m: sp.csr_matrix = csr_from_edges(u, v, w, n + 1)
    dist = dijkstra(m, directed=False, indices=n)
    node = np.asarray(dist[:n], np.float64)
    node[node < 2 * EPS_WEIGHT] = 0.0
    return RoadCost(node, per_m, targets)


@dataclass
class RoadSampler:
    """Nearest-road-point search: segments sampled at most ``spacing`` apart, then exact projection.

    Parameters
    ----------
    net : RoadNetwork
    crs : pyproj.CRS
        The metric CRS of the network (for the scale factor of off-road legs).
    spacing : float
        Largest gap between samples along a segment (projected units).
    """

    net: RoadNetwork
    crs: CRS
    spacing: float

    def __post_init__(self) -> None:
        """Index the network's segments for sampling."""
        net = self.net
        seg = np.flatnonzero(net.v_line[1:] == net.v_line[:-1]) if len(net.vx) > 1 else np.zeros(0, np.int64)
        dx, dy = net.vx[seg + 1] - net.vx[seg], net.vy[seg + 1] - net.vy[seg]
        n = np.maximum(1, np.ceil(np.hypot(dx, dy) / self.spacing)).astype(np.int64)
        self.sample_seg = np.repeat(seg, n)
        first = np.repeat(np.cumsum(n) - n, n)
        frac = (np.arange(len(self.sample_seg)) - first + 0.5) / np.repeat(n, n)
        sx = net.vx[self.sample_seg] + frac * np.repeat(dx, n)
        sy = net.vy[self.sample_seg] + frac * np.repeat(dy, n)
        self.tree = cKDTree(np.c_[sx, sy], balanced_tree=False, compact_nodes=False)
        self.edge_order = np.argsort(net.edge_from, kind="stable")
        self.edge_from_sorted = net.edge_from[self.edge_order]

    def nearest(self, x: np.ndarray, y: np.ndarray, k: np.ndarray, max_leg_m: float | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest road point of each point.

        Parameters
        ----------
        x, y : ndarray
            Projected points.
        k : ndarray
            Projection scale factor at each point (projected / ground metres).
        max_leg_m : float or None
            Points with no road within this many ground metres get edge -1.

        Returns
        -------
        (edge, along_m, leg_m)
            Edge of the nearest road point, metres along it from its ``u`` end, ground metres to it.
        """
        net = self.net
        bound = np.inf if max_leg_m is None else max_leg_m * float(np.max(k)) * 1.0001 + self.spacing
        _, idx = self.tree.query(np.c_[x, y], k=CANDIDATES, distance_upper_bound=bound, workers=-1)
        n_samples = len(self.sample_seg)
        found = idx[:, 0] < n_samples
        edge = np.full(len(x), -1, np.int64)
        along = np.full(len(x), np.nan)
        leg = np.full(len(x), np.inf)
        if not found.any():
            return edge, along, leg
        px, py, idx = x[found], y[found], idx[found]
        best_d = np.full(len(px), np.inf)
        best_i = np.zeros(len(px), np.int64)
        best_f = np.zeros(len(px))
        segs = self.sample_seg[np.minimum(idx, n_samples - 1)]
        for j in range(CANDIDATES):
            # a sample on a segment already tried adds nothing: only the others are projected
            new = idx[:, j] < n_samples
            for earlier in range(j):
                new &= segs[:, j] != segs[:, earlier]
            rows = np.flatnonzero(new)
            s = segs[rows, j]
            for cand in (s, s - 1, s + 1):
                usable = self._same_line(s, cand)
                d, i, f = self._project(px[rows], py[rows], np.where(usable, cand, s))
                better = usable & (d < best_d[rows])
                r = rows[better]
                best_d[r], best_i[r], best_f[r] = d[better], i[better], f[better]
        pos_m = net.v_cum_m[best_i] + best_f * (net.v_cum_m[best_i + 1] - net.v_cum_m[best_i])
        e = self.edge_order[np.searchsorted(self.edge_from_sorted, best_i, side="right") - 1]
        edge[found] = e
        along[found] = np.clip(pos_m - net.v_cum_m[net.edge_from[e]], 0.0, net.edge_len_m[e])
        leg[found] = best_d / k[found]
        if max_leg_m is not None:
            far = leg > max_leg_m
            edge[far], along[far], leg[far] = -1, np.nan, np.inf
        return edge, along, leg

    def _same_line(self, s: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Whether segment ``cand`` exists and lies on the same road line as segment ``s``."""
        v_line = self.net.v_line
        ok = (cand >= 0) & (cand + 1 < len(v_line))
        c = np.where(ok, cand, s)
        return ok & (v_line[c] == v_line[s]) & (v_line[c + 1] == v_line[s])

    def _project(self, x: np.ndarray, y: np.ndarray, seg: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distance to segment ``seg`` (vertex seg → seg+1), the segment, and the fraction along it."""
        net = self.net
        x0, y0 = net.vx[seg], net.vy[seg]
        dx, dy = net.vx[seg + 1] - x0, net.vy[seg + 1] - y0
        len2 = dx * dx + dy * dy
        f = np.clip(((x - x0) * dx + (y - y0) * dy) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
        return np.hypot(x - (x0 + f * dx), y - (y0 + f * dy)), seg, f


def evaluate(grid: Grid, sampler: RoadSampler, cost: RoadCost, offroad_per_m: float,
             max_leg_m: float | None, inside: np.ndarray | None = None,
             progress: Progress | None = None) -> np.ndarray:
    """The surface: off-road leg to the nearest road priced at ``offroad_per_m`` plus the road cost there.

    Parameters
    ----------
    grid : Grid
    sampler : RoadSampler
    cost : RoadCost
    offroad_per_m : float
        Cost of an off-road metre (1 for distances; minutes per metre for times).
    max_leg_m : float or None
        Cells farther than this from every road are :data:`NODATA` (None: no limit).
    inside : ndarray of bool, optional
        (rows, columns) mask of the territory; cells outside are :data:`NODATA`.
    progress : Progress, optional
        Advanced once per block of rows; its cancel request stops the work.

    Returns
    -------
    ndarray float32 of shape ``grid.shape``
    """
    progress = progress or NullProgress()
    out = np.full(grid.shape, NODATA, np.float32)
    xs = grid.centres_x()
    ys = grid.centres_y()
    kx = scale_factors(sampler.crs, xs, np.full(grid.width, ys[grid.height // 2]))
    rows_per_block = max(1, BLOCK_CELLS // grid.width)
    near = None if max_leg_m is None else near_roads(grid, sampler, max_leg_m * float(np.max(kx)))
    for r0 in range(0, grid.height, rows_per_block):
        check_cancel(progress)
        r1 = min(grid.height, r0 + rows_per_block)
        cols = np.tile(np.arange(grid.width), r1 - r0)
        rows = np.repeat(np.arange(r0, r1), grid.width)
        keep = np.ones(len(rows), bool) if inside is None else inside[r0:r1].ravel()
        if near is not None:
            keep &= near[r0:r1].ravel()
        rows, cols = rows[keep], cols[keep]
        value = values_at(sampler, cost, offroad_per_m, max_leg_m, xs[cols], ys[rows], kx[cols])
        finite = np.isfinite(value)
        out[rows[finite], cols[finite]] = value[finite]
        progress.advance()
    return out


def near_roads(grid: Grid, sampler: RoadSampler, reach: float) -> np.ndarray:
    """Cells that may lie within ``reach`` (projected units) of a road, judged on a coarser grid.

    A Euclidean distance transform of the coarse cells holding a road sample; a cell is kept unless its
    coarse cell is farther than ``reach`` plus the coarse cell's diagonal from every road-holding one, so
    no cell within reach is ever dropped. It spares the tree the many cells of empty steppe.
    """
    from scipy import ndimage

    f = max(1, int(reach / (2 * grid.res)))
    coarse = Grid(grid.left, grid.top, grid.res * f, -(-grid.width // f), -(-grid.height // f))
    row, col = coarse.cell_of(sampler.tree.data[:, 0], sampler.tree.data[:, 1])
    on = (row >= 0) & (row < coarse.height) & (col >= 0) & (col < coarse.width)
    empty = np.ones(coarse.shape, bool)
    empty[row[on], col[on]] = False
    if empty.all():
        return np.zeros(grid.shape, bool)
    dist = ndimage.distance_transform_edt(empty, sampling=coarse.res)
    keep = dist <= reach + coarse.res * np.sqrt(2) + sampler.spacing
    return np.repeat(np.repeat(keep, f, axis=0), f, axis=1)[:grid.height, :grid.width]


def values_at(sampler: RoadSampler, cost: RoadCost, offroad_per_m: float, max_leg_m: float | None,
              x: np.ndarray, y: np.ndarray, k: np.ndarray | None = None) -> np.ndarray:
    """The surface's value at any points (what :func:`evaluate` computes at cell centres).

    Parameters
    ----------
    sampler, cost, offroad_per_m, max_leg_m
        As for :func:`evaluate`.
    x, y : ndarray
        Projected points.
    k : ndarray, optional
        Projection scale factor at each point (computed when not given).

    Returns
    -------
    ndarray float64
        NaN where no road is within ``max_leg_m``; inf where no target is reachable.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) == 0:
        return np.zeros(0)
    k = scale_factors(sampler.crs, x, y) if k is None else k
    edge, along, leg = sampler.nearest(x, y, k, max_leg_m)
    ok = edge >= 0
    out = np.full(len(x), np.nan)
    out[ok] = offroad_per_m * leg[ok] + cost.at(sampler.net, edge[ok], along[ok])
    return out
