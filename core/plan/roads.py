"""The paving plan of each county on a results.gpkg, its road pieces and the roads layer with them hardened."""
from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base._errors import ConfigError
from ..base.progress import NullProgress, Progress, check_cancel
from ..model.prepare import point_xy
from ..network.graph import RoadNetwork
from ..network.snapping import Snapper
from .paving import CURVE_TARGETS, PavingInstance, PavingResult, instance, solve, within_budget
from .problem import PlanInputs, road_network

#: A county's paving instance holds the unpaved roads within this distance of its villages' roads.
WINDOW_MARGIN_M = 50_000.0


@dataclass
class PavingPlan:
    """The edges to pave and what they claim, with the km-vs-coverage curve of each county.

    Attributes
    ----------
    edges : ndarray int
        Road-graph edges to pave (all counties).
    access_after : ndarray bool
        Per village: hardened access claimed once paved.
    counties : DataFrame
        Per county: larger villages in scope, with access before and after (claimed), km, bound, gap.
    curves : dict
        County code → list of {target_pct, villages_needed, km, bound_km, gap, method} (monotone in km).
    pieces : GeoDataFrame
        ``roads_to_pave``: one row per edge, the road's attributes kept, ``length_m``, ``rank``,
        ``villages_gained``.
    net : RoadNetwork
    unattainable : int
        Villages in scope farther than ``access_radius_m`` from every road (paving cannot reach them).
    """

    edges: np.ndarray
    access_after: np.ndarray
    counties: pd.DataFrame
    curves: dict[str, list[dict]]
    pieces: gpd.GeoDataFrame
    net: RoadNetwork
    unattainable: int


def _roots_and_edges(inp: PlanInputs, net: RoadNetwork, todo: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Road nodes on seat-connected hardened networks; for each village in ``todo`` the edge it lies on and
    its nearest hardened edge (both within ``access_radius_m``, else -1).

    The seat-connected networks are those under the township seats and under the villages that have access
    today (their nearest hardened road within ``access_radius_m``). Taking every seat's network as a root is
    the rule for villages without a known township; the re-run check measures any difference.
    """
    radius = inp.config.access_radius_m
    geoms = inp.roads.geometry.array
    hard = Snapper(net, geoms, inp.crs, line_mask=inp.roads["hardened"].to_numpy(bool))
    points = [inp.villages.iloc[np.flatnonzero(inp.flag("hardened_access"))]]
    if inp.towns is not None and len(inp.towns):
        points.append(inp.towns)
    e = np.concatenate([hard.snap(*point_xy(p), max_dist_m=radius).edge for p in points])
    e = e[e >= 0]
    xy = point_xy(inp.villages.iloc[todo])
    todo_edge = Snapper(net, geoms, inp.crs).snap(*xy, max_dist_m=radius).edge
    return np.unique(np.r_[net.edge_u[e], net.edge_v[e]]), todo_edge, hard.snap(*xy, max_dist_m=radius).edge


def plan_paving(inp: PlanInputs, target: float | None = None, budget_km: float | None = None,
                time_limit: float = 30.0, progress: Progress | None = None) -> PavingPlan:
    """Least-km paving per county reaching ``target`` (or the most villages within ``budget_km`` per county).

    Parameters
    ----------
    inp : PlanInputs
    target : float, optional
        Share of in-scope larger villages with hardened access to reach (fraction); default the 2025 target.
    budget_km : float, optional
        Instead of a target: km each county may pave; the plan gains the most villages the greedy reaches
        within it (then pruned).
    time_limit : float
        Seconds for the integer programmes, shared by the counties.
    progress : Progress, optional

    Returns
    -------
    PavingPlan
    """
    progress = progress or NullProgress()
    t0 = time.perf_counter()
    if target is not None and budget_km is not None:
        raise ConfigError("give either a roads target or a km budget, not both")
    target = inp.config.target_roads_2025 if target is None and budget_km is None else target
    net = road_network(inp, progress)
    scope = inp.road_scope()
    access = inp.flag("hardened_access")
    todo = np.flatnonzero(scope & ~access & inp.reachable)
    roots, v_edge, v_hard = _roots_and_edges(inp, net, todo)
    county = inp.villages["county_code"].astype(str).to_numpy()
    codes = sorted(set(county[scope]))
    paved = np.zeros(net.n_edges, bool)
    gains = np.zeros(net.n_edges, int)
    rows, curves = [], {}
    targets = tuple(sorted(set(CURVE_TARGETS) | ({target} if target is not None else set())))
    insts = []
    for code in codes:
        mine = county[todo] == code
        insts.append(instance(net, v_edge[mine], roots, int((scope & access & (county == code)).sum()),
                              int((scope & (county == code)).sum()), v_hard[mine], _window(net, v_edge[mine])))
    # the solver's time goes to the counties by the size of what they must solve (edges, when anything is needed)
    work = np.array([len(i.edges) * (max(i.need(t) for t in targets) > 0) for i in insts], float)
    for k, (code, inst) in enumerate(zip(codes, insts, strict=True)):
        check_cancel(progress)
        progress.stage(f"plan: paving {code}")
        left = max(time_limit - (time.perf_counter() - t0), 0.0)  # shared by the counties still to plan
        results = solve(inst, targets, left * work[k] / max(work[k:].sum(), 1.0), primary=target,
                        say=progress.message)
        curves[code] = [_curve_row(r, inst) for r in results]
        chosen = within_budget(inst, budget_km) if budget_km is not None \
            else next(r for r in results if r.target == target)
        paved[inst.edges[chosen.paved]] = True
        gains = np.maximum(gains, _gains(net, inst, chosen.paved))
        rows.append({"county_code": code, "n_larger": inst.total, "access_before": inst.have,
                     "target_pct": round(100 * chosen.target, 2), "villages_needed": chosen.need,
                     "km": chosen.km, "bound_km": chosen.bound_km, "gap": chosen.gap, "method": chosen.method})
    after = _claim(net, roots, todo, v_edge, v_hard, paved, access)
    table = pd.DataFrame(rows)
    if len(table):
        table["access_after"] = [int((scope & after & (county == c)).sum()) for c in table["county_code"]]
        table["coverage_before_pct"] = (100 * table["access_before"] / table["n_larger"]).round(2)
        table["coverage_after_pct"] = (100 * table["access_after"] / table["n_larger"]).round(2)
    unattainable = int((scope & ~access & ~(np.isin(np.arange(len(scope)), todo[v_edge >= 0]))).sum())
    pieces = road_pieces(inp, net, np.flatnonzero(paved), gains)
    return PavingPlan(np.flatnonzero(paved), after, table, curves, pieces, net, unattainable)


def _curve_row(r: PavingResult, inst: PavingInstance) -> dict:
    return {"target_pct": round(100 * r.target, 2), "villages_needed": r.need,
            "reachable_pct": round(100 * (inst.have + r.gained) / inst.total, 2) if inst.total else None,
            "km": r.km, "bound_km": r.bound_km, "gap": r.gap, "method": r.method, "status": r.status}


def _claim(net: RoadNetwork, roots: np.ndarray, todo: np.ndarray, v_edge: np.ndarray, v_hard: np.ndarray,
           paved: np.ndarray, access: np.ndarray) -> np.ndarray:
    """Access per village once ``paved`` edges are hardened (villages with access keep it)."""
    inst = instance(net, v_edge, roots, 0, 0, v_hard)
    sel = np.zeros(len(inst.edges), bool)
    sel[paved[inst.edges]] = True
    gained = inst.satisfied(sel)
    after = access.copy()
    after[todo[v_edge >= 0][gained]] = True
    return after


def _window(net: RoadNetwork, edges: np.ndarray, margin_m: float = WINDOW_MARGIN_M) -> np.ndarray:
    """Edges with both ends within ``margin_m`` of the box around ``edges`` (a county's villages' roads)."""
    edges = edges[edges >= 0]
    if len(edges) == 0:
        return np.zeros(net.n_edges, bool)
    x = np.r_[net.node_x[net.edge_u[edges]], net.node_x[net.edge_v[edges]]]
    y = np.r_[net.node_y[net.edge_u[edges]], net.node_y[net.edge_v[edges]]]
    inside = ((net.node_x >= x.min() - margin_m) & (net.node_x <= x.max() + margin_m)
              & (net.node_y >= y.min() - margin_m) & (net.node_y <= y.max() + margin_m))
    return inside[net.edge_u] & inside[net.edge_v]


def _gains(net: RoadNetwork, inst: PavingInstance, sel: np.ndarray) -> np.ndarray:
    """Per paved edge (``sel`` over the instance's edges): gained villages that lose access without it."""
    sel = sel.copy()
    base = int(inst.satisfied(sel).sum())
    out = np.zeros(net.n_edges, int)
    for k in np.flatnonzero(sel):
        sel[k] = False
        out[inst.edges[k]] = base - int(inst.satisfied(sel).sum())
        sel[k] = True
    return out


def edge_geometry(net: RoadNetwork, edges: np.ndarray) -> np.ndarray:
    """LineString of each road-graph edge (its vertices along its road line)."""
    return np.array([shapely.LineString(np.c_[net.vx[a:b + 1], net.vy[a:b + 1]])
                     for a, b in zip(net.edge_from[edges], net.edge_to[edges], strict=True)], dtype=object)


def road_pieces(inp: PlanInputs, net: RoadNetwork, edges: np.ndarray, gains: np.ndarray) -> gpd.GeoDataFrame:
    """The ``roads_to_pave`` layer: ranked by villages gained, then by length."""
    base = inp.roads.drop(columns=[c for c in ("length_m", "component_id", "hardened_component_id", "on_island",
                                               "hardened")
                                   if c in inp.roads]).iloc[net.edge_line[edges]].reset_index(drop=True)
    out = gpd.GeoDataFrame(base.drop(columns=base.geometry.name), geometry=edge_geometry(net, edges), crs=inp.crs)
    out["length_m"] = np.round(net.edge_len_m[edges], 2)
    out["villages_gained"] = gains[edges]
    out = out.sort_values(["villages_gained", "length_m"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def paved_roads(inp: PlanInputs, net: RoadNetwork, edges: np.ndarray) -> gpd.GeoDataFrame:
    """The roads layer with ``edges`` hardened: lines paved whole get a hardened surface; partly paved lines
    are split at their graph nodes (which changes no distance) and only the paved pieces are hardened.
    """
    word = inp.config.hardened_surfaces[0]
    roads = inp.roads.copy()
    chosen = np.zeros(net.n_edges, bool)
    chosen[edges] = True
    per_line = np.bincount(net.edge_line, minlength=len(roads))
    paved_line = np.bincount(net.edge_line[chosen], minlength=len(roads))
    whole = (per_line > 0) & (paved_line == per_line)
    roads.loc[whole, "surface"] = word
    part = np.flatnonzero((paved_line > 0) & ~whole)
    if len(part) == 0:
        return roads
    split_edges = np.flatnonzero(np.isin(net.edge_line, part))
    pieces = roads.iloc[net.edge_line[split_edges]].copy()
    pieces = pieces.set_geometry(edge_geometry(net, split_edges))
    pieces.loc[chosen[split_edges], "surface"] = word
    keep = roads.drop(index=roads.index[part])
    return gpd.GeoDataFrame(pd.concat([keep, pieces], ignore_index=True), crs=inp.crs)
