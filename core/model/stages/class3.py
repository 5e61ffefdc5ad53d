"""苏木乡镇通三级公路 (§(十一) 提升苏木乡镇通三级公路和较大人口规模自然村通硬化路率): township seats on a road
network of technical grade 三级 or better that reaches the county seat.

A township seat has ``class3_access`` when a road of 技术等级 三级 or better (高速公路, 一级, 二级, 三级) lies within
``access_radius_m`` of it and that road is connected, through such roads only, to a road of that grade within
``access_radius_m`` of its county seat. ``class3_gap_m`` is the least metres of road below 三级 on a path from
the seat to that network, ``class3_gap_unknown_m`` the metres of unknown grade on the same path (the path
minimises both together; unknown grades are counted apart because OSM and many county files give none).
The county seat itself is not counted in the share (it is the destination).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from ...base.progress import NullProgress, Progress
from ...base.values import flag_array
from ...network.graph import EPS_WEIGHT, RoadNetwork, csr_from_edges, graded_view
from ...network.snapping import Snap, Snapper
from ..prepare import point_xy
from ..stage import Context
from .access import largest_hard_component
from .attributes import column_or

#: Columns this stage adds to the towns layer.
TOWN_COLUMNS = ("class3_access", "class3_gap_m", "class3_gap_unknown_m")


@dataclass(frozen=True)
class Class3:
    """Per township seat (rows of the towns layer): access to the county seat's 三级 network and the gaps."""

    town_code: np.ndarray
    county_code: np.ndarray
    is_county_seat: np.ndarray
    class3_access: np.ndarray
    class3_gap_m: np.ndarray
    class3_gap_unknown_m: np.ndarray

    def town_columns(self) -> dict[str, np.ndarray]:
        """The towns-layer columns of this stage."""
        return {"class3_access": self.class3_access, "class3_gap_m": self.class3_gap_m,
                "class3_gap_unknown_m": self.class3_gap_unknown_m}

    def shares(self, target_pct: float | None) -> tuple[pd.DataFrame, dict[str, Any]]:
        """Per county and for the whole input: township seats (county seats left out) with ``class3_access``.

        Returns
        -------
        (DataFrame indexed by county code, dict for the region)
        """
        seats = pd.DataFrame({"county_code": self.county_code, "ok": self.class3_access})[~self.is_county_seat]
        per = seats.groupby("county_code", dropna=False)["ok"].agg(["size", "sum"])
        county = pd.DataFrame([_share(int(n), int(k), target_pct) for n, k in zip(per["size"], per["sum"],
                                                                                strict=True)], index=per.index)
        return county, _share(len(seats), int(seats["ok"].sum()), target_pct)


def _share(n: int, ok: int, target_pct: float | None) -> dict[str, Any]:
    pct = round(100.0 * ok / n, 2) if n else None
    return {"n_town_seats": n, "n_town_seats_class3": ok, "town_class3_pct": pct,
            "town_class3_target_pct": target_pct,
            "town_class3_meets": None if target_pct is None or pct is None else bool(pct >= target_pct)}


def _targets(view: RoadNetwork, seat_comp: np.ndarray, county: np.ndarray, is_seat: np.ndarray,
             progress: Progress) -> dict[object, set[int]]:
    """County code → the 三级 components under its county seat(s); a county with no county seat marked takes
    the longest 三级 component (said once)."""
    out: dict[object, set[int]] = {c: set() for c in pd.unique(county)}
    for c, comp, seat in zip(county, seat_comp, is_seat, strict=True):
        if seat and comp >= 0:
            out[c].add(int(comp))
    lacking = [c for c in out if not any(seat for cc, seat in zip(county, is_seat, strict=True) if cc == c)]
    if lacking:
        progress.message(f"旗县 {', '.join(map(str, lacking[:5]))} 未标注旗县驻地 (is_county_seat)：以最长的三级及以上"
                         "公路网代替 / no county seat marked: the longest road network of 三级 or better stands in",
                         "warning")
        longest = largest_hard_component(view) if view.edge_hardened.any() else set()
        for c in lacking:
            out[c] = set(longest)
    return out


def _edge_lookup(net: RoadNetwork, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted pair keys, edge) of the lightest edge between each pair of nodes (what the search used)."""
    a, b = np.minimum(net.edge_u, net.edge_v).astype(np.int64), np.maximum(net.edge_u, net.edge_v).astype(np.int64)
    key = a * net.n_nodes + b
    order = np.lexsort((weight, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]] if len(order) else np.zeros(0, bool)
    return key[order][first], order[first]


def _path_metres(net: RoadNetwork, pred: np.ndarray, node: int, lookup: tuple[np.ndarray, np.ndarray],
                 unknown: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """(metres below 三级, metres of unknown grade) on the search path from a source to ``node``."""
    path = [node]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    if len(path) < 2:
        return 0.0, 0.0
    p = np.array(path, np.int64)
    key = np.minimum(p[:-1], p[1:]) * net.n_nodes + np.maximum(p[:-1], p[1:])
    e = lookup[1][np.searchsorted(lookup[0], key)]
    paid = weight[e] > EPS_WEIGHT
    return float(net.edge_len_m[e][paid & ~unknown[e]].sum()), float(net.edge_len_m[e][paid & unknown[e]].sum())


@dataclass(frozen=True)
class _Search:
    """One multi-source search towards 三级 networks: metres, predecessors and source of every node."""

    dist: np.ndarray
    pred: np.ndarray
    source: np.ndarray


def _search(net: RoadNetwork, weight: np.ndarray, sources: np.ndarray) -> _Search | None:
    if len(sources) == 0:
        return None
    d, pred, src = dijkstra(csr_from_edges(net.edge_u, net.edge_v, weight, net.n_nodes), directed=False,
                            indices=sources, min_only=True, return_predecessors=True)
    return _Search(d, pred, src)


def _gaps(net: RoadNetwork, class3: np.ndarray, unknown: np.ndarray, search: _Search | None, snap: Any,
          rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least metres (below 三级, unknown) from each seat in ``rows`` (snapped by ``snap``) to the search's
    sources, and the source node reached (-1: none)."""
    below, unk = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    reached = np.full(len(rows), -1, np.int64)
    if search is None:
        return below, unk, reached
    weight = np.where(class3, EPS_WEIGHT, net.edge_len_m)
    lookup = _edge_lookup(net, weight)
    for k, i in enumerate(rows):
        e = int(snap.edge[i])
        if e < 0:
            continue
        along = float(snap.along_m[i])
        ends = ((int(net.edge_u[e]), along), (int(net.edge_v[e]), float(net.edge_len_m[e]) - along))
        cost = [search.dist[n] + (0.0 if class3[e] else max(piece, 0.0)) for n, piece in ends]
        j = int(np.argmin(cost))
        if not np.isfinite(cost[j]):
            continue
        b, u = _path_metres(net, search.pred, ends[j][0], lookup, unknown, weight)
        piece = 0.0 if class3[e] else max(ends[j][1], 0.0)
        below[k], unk[k] = (b, u + piece) if unknown[e] else (b + piece, u)
        reached[k] = search.source[ends[j][0]]
    return below, unk, reached


def _all_gaps(net: RoadNetwork, view: RoadNetwork, class3: np.ndarray, unknown: np.ndarray, snap: Any,
              county: np.ndarray, todo: np.ndarray, targets: dict[object, set[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Gaps of the seats ``todo`` to their own county's 三级 network: one search from every county's network,
    then one per county whose seats reached another county's network first."""
    weight = np.where(class3, EPS_WEIGHT, net.edge_len_m)
    edge_comp = view.hard_component[net.edge_u]

    def sources(codes: list[object]) -> np.ndarray:
        comps = {c for k in codes for c in targets[k]}
        on = np.isin(edge_comp, list(comps)) & class3
        return np.unique(np.r_[net.edge_u[on], net.edge_v[on]]).astype(np.int64)

    below, unk = np.full(len(county), np.nan), np.full(len(county), np.nan)
    rows = np.flatnonzero(todo)
    b, u, reached = _gaps(net, class3, unknown, _search(net, weight, sources(list(targets))), snap, rows)
    node_comp = view.hard_component
    wrong = np.array([r >= 0 and int(node_comp[r]) not in targets[county[i]] for r, i in zip(reached, rows,
                                                                                           strict=True)], bool)
    below[rows], unk[rows] = b, u
    for c in pd.unique(county[rows[wrong]]):
        sel = rows[wrong & (county[rows] == c)]
        below[sel], unk[sel], _ = _gaps(net, class3, unknown, _search(net, weight, sources([c])), snap, sel)
    return below, unk


def class3_of_towns(net: RoadNetwork, roads: pd.DataFrame, towns: pd.DataFrame, crs: Any, access_radius_m: float,
                    max_snap_m: float, progress: Progress | None = None, snap: Snap | None = None) -> Class3:
    """``class3_access`` and the gaps of every township seat.

    Parameters
    ----------
    net : RoadNetwork
    roads : DataFrame
        The roads of the graph (metric CRS) with ``class3_road`` and ``tech_grade`` (:mod:`...io.grades`).
    towns : GeoDataFrame
        Township seats with ``town_code``, ``county_code``, ``is_county_seat``.
    crs : pyproj.CRS
    access_radius_m, max_snap_m : float
    progress : Progress, optional
    snap : Snap, optional
        The seats' nearest road within ``max_snap_m`` when already known (a run's ``town_snap``).

    Returns
    -------
    Class3
    """
    progress = progress or NullProgress()
    class3_line = column_or(roads, "class3_road", False).fillna(False).to_numpy(bool)
    unknown_line = pd.isna(column_or(roads, "tech_grade", None)).to_numpy()
    view = graded_view(net, class3_line)
    class3, unknown = class3_line[net.edge_line], unknown_line[net.edge_line] & ~class3_line[net.edge_line]
    tx, ty = point_xy(towns)
    county = towns["county_code"].to_numpy(object)
    is_seat = flag_array(column_or(towns, "is_county_seat", None))
    seat_comp = np.full(len(towns), -1, np.int64)
    if class3_line.any():
        c3 = Snapper(net, roads.geometry.array, crs, line_mask=class3_line).snap(tx, ty, max_dist_m=access_radius_m)
        seat_comp = np.where(c3.ok, view.hard_component[net.edge_u[np.maximum(c3.edge, 0)]], -1)
    else:
        progress.message("没有技术等级为三级及以上的道路：苏木乡镇均未通三级公路 / no road of 技术等级 三级 or better "
                         "(OSM and many files give none): no township seat has class3_access", "warning")
    targets = _targets(view, seat_comp, county, is_seat, progress)
    access = np.array([c >= 0 and c in targets[k] for c, k in zip(seat_comp, county, strict=True)], bool)
    if snap is None:
        snap = Snapper(net, roads.geometry.array, crs).snap(tx, ty, max_dist_m=max_snap_m)
    below, unk = _all_gaps(net, view, class3, unknown, snap, county, ~access, targets)
    below += np.maximum(np.nan_to_num(snap.dist_m, nan=0.0) - access_radius_m, 0.0)  # off the road, beyond reach
    below[access], unk[access] = 0.0, 0.0
    return Class3(towns["town_code"].to_numpy(object), county, is_seat, access, np.round(below, 1),
                  np.round(unk, 1))


def run(ctx: Context[Any]) -> Class3 | None:
    """The class-3 stage of a run (nothing without a towns layer)."""
    p = ctx.prepared
    if p.towns is None:
        return None
    return class3_of_towns(p.net, p.roads, p.towns, p.crs, p.config.access_radius_m, p.config.max_snap_m,
                           ctx.progress, getattr(p, "town_snap", None))
