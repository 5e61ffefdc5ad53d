"""The sewage plan on a results.gpkg: which villages to treat by the target year, how, with whom, and the cost.

The villages counted are those of the run's 生活污水治理率: in-scope administrative villages; those not yet
treated (``sewage_treated``) are the candidates. Quotas per county, as the run's indicators define them:
the year's overall target (2023: ``target_sewage_2023``; 2025: ``target_sewage_2025``) and, for 2025,
each zone's target (``zone_target_pct`` of the villages in the zone; villages outside every zone form the
zone "other"). Counties are solved apart (a shared plant never crosses a county line), so the region's
cost is the sum of the counties' and the sum of their bounds is a bound of it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from ..base._errors import InputError, Problem
from ..base.progress import NullProgress, Progress, check_cancel
from ..model.prepare import point_xy
from ..model.stages.indicators import villages_short
from ..network.graph import csr_from_edges
from ._pipes import PathDrawer
from .coverage import capped_pairs
from .problem import Graph, PlanInputs, road_network, snap_groups
from .sewage import Options, cheapest_alone, group_options, join, own_options, solve_sewage

#: Columns of the run's villages the sewage plan needs (written by the sanitation stage).
SEWAGE_COLUMNS = ("residents", "households", "design_flow_m3d", "concentrated", "sewer_dist_m", "zone",
                  "zone_target_pct", "sewage_mode")
#: Grid cells of the link searches, in units of ``cluster_max_pipe_m`` (fewer, larger searches).
LINK_CELL = 4.0
#: Zone name of villages outside every priority zone.
OTHER_ZONE = "other"


@dataclass
class SewagePlan:
    """The chosen projects and what they claim.

    Attributes
    ----------
    projects : GeoDataFrame
        ``sewage_projects``: one row per project, point at the plant (or the village connected).
    pipes : GeoDataFrame
        ``sewage_pipes``: pipe links of shared plants along the roads.
    treated_after : ndarray of bool
        Per village: treated once the plan is built (the plan's claim).
    project_id : ndarray of object
        Per village: the project treating it (None: none).
    kind : ndarray of object
        Per village: the kind of that project (None: none).
    counties : DataFrame
        Per county: cost, bound, gap, method, villages treated, groups, km of pipe.
    quotas : DataFrame
        Per county and zone: villages, treated before, target, needed, short.
    year : int
    seconds : float
    """

    projects: gpd.GeoDataFrame
    pipes: gpd.GeoDataFrame
    treated_after: np.ndarray
    project_id: np.ndarray
    kind: np.ndarray
    counties: pd.DataFrame
    quotas: pd.DataFrame
    year: int
    seconds: float


def _check_columns(inp: PlanInputs) -> None:
    missing = [c for c in SEWAGE_COLUMNS if c not in inp.villages]
    if missing:
        raise InputError([Problem(str(inp.source), "villages", None, c, "column missing: the run has no "
                                  "sanitation results; re-run `ruralenv run` with this version") for c in missing])


def _num(v: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(v[col], errors="coerce").to_numpy(float)


def zone_names(v: pd.DataFrame) -> np.ndarray:
    """Zone of each village, ``other`` outside every priority zone."""
    z = v["zone"].to_numpy(object)
    return np.array([OTHER_ZONE if pd.isna(x) else str(x) for x in z], dtype=object)


def county_quotas(v: pd.DataFrame, scope: np.ndarray, treated: np.ndarray, cand: np.ndarray, year: int,
                  config) -> list[dict]:
    """The quotas of one county's villages: overall, then (2025) each zone's.

    Returns
    -------
    list of dict
        ``zone`` (None: overall), ``villages`` (positions of the candidates counting), ``n``, ``treated``,
        ``target_pct``, ``need``.
    """
    rows = []
    overall = config.target_sewage_2023 if year == 2023 else config.target_sewage_2025
    rows.append({"zone": None, "mask": scope, "target": overall})
    if year == 2025:
        zone, pct = zone_names(v), _num(v, "zone_target_pct")
        for z in sorted(set(zone[scope])):
            m = scope & (zone == z)
            for p in sorted(set(pct[m][np.isfinite(pct[m])])):
                rows.append({"zone": z, "mask": m & (pct == p), "target": p / 100.0})
    out = []
    for r in rows:
        n, ok = int(r["mask"].sum()), int((r["mask"] & treated).sum())
        out.append({"zone": r["zone"], "villages": np.flatnonzero(r["mask"][cand]), "n": n, "treated": ok,
                    "target_pct": round(100 * r["target"], 2), "need": villages_short(r["target"], ok, n)})
    return out[1:] + out[:1]  # zones first (the greedy fallback fills them first)


def _links(inp: PlanInputs, idx: np.ndarray, progress: Progress) -> tuple[Graph, np.ndarray, np.ndarray, np.ndarray]:
    """Road links of at most ``cluster_max_pipe_m`` between candidate villages (indices into ``idx``)."""
    net = road_network(inp, progress)
    x, y = point_xy(inp.villages.iloc[idx])
    g = snap_groups(inp, net, {"villages": (x, y, inp.config.max_snap_m)})
    nodes = g.node["villages"]
    i, j, d = capped_pairs(g.aug.matrix(), g.node_x, g.node_y, nodes, nodes, inp.config.cluster_max_pipe_m,
                           g.scale, check=lambda: check_cancel(progress), cell=LINK_CELL)
    keep = i < j
    return g, i[keep], j[keep], d[keep]


def plan_sewage(inp: PlanInputs, year: int = 2025, budget_wan: float | None = None, time_limit: float = 30.0,
                progress: Progress | None = None) -> SewagePlan:
    """Least-cost sewage plan reaching the year's targets in every county (or the most villages within a
    budget per county).

    Parameters
    ----------
    inp : PlanInputs
    year : int
        2023 (overall target) or 2025 (overall and zone targets).
    budget_wan : float, optional
        万元 each county may spend (capital + running over ``cost_horizon_years``).
    time_limit : float
        Seconds for each county's integer programme (a county's usually takes milliseconds).
    progress : Progress, optional

    Returns
    -------
    SewagePlan
    """
    progress = progress or NullProgress()
    t0 = time.perf_counter()
    _check_columns(inp)
    v, c = inp.villages, inp.config
    scope = inp.flag("in_scope") & inp.flag("is_admin_village")
    treated = inp.flag("sewage_treated") if "sewage_treated" in v else np.zeros(len(v), bool)
    cand_all = scope & ~treated
    idx = np.flatnonzero(cand_all)
    progress.stage("plan: sewage links")
    g, pi, pj, pd_ = _links(inp, idx, progress)
    county = v["county_code"].astype(str).to_numpy()
    res, hh, flow = _num(v, "residents"), _num(v, "households"), _num(v, "design_flow_m3d")
    conc = v["concentrated"].fillna(False).astype(bool).to_numpy()
    sewer = np.where(np.isfinite(_num(v, "sewer_dist_m")), _num(v, "sewer_dist_m"), np.inf)
    codes = sorted(set(county[scope]))
    parts, rows, qrows = [], [], []
    for code in codes:
        check_cancel(progress)
        progress.stage(f"plan: sewage {code}")
        mine = county[idx] == code
        loc = idx[mine]
        pos = np.full(len(idx), -1, np.int64)
        pos[np.flatnonzero(mine)] = np.arange(len(loc))
        link = (pos[pi] >= 0) & (pos[pj] >= 0)
        own = own_options(res[loc], hh[loc], flow[loc], conc[loc], sewer[loc], c)
        opt = join(own, group_options(res[loc], flow[loc], pos[pi[link]], pos[pj[link]], pd_[link],
                                      cheapest_alone(len(loc), own), c))
        in_c = county == code
        quotas = county_quotas(v[in_c], scope[in_c], treated[in_c], cand_all[in_c], year, c)
        r = solve_sewage(len(loc), opt, [(q["villages"], q["need"]) for q in quotas], time_limit, budget_wan)
        parts.append((code, loc, opt, r))
        rows.append(_county_row(code, opt, r, budget_wan))
        qrows += [{"county_code": code, "zone": q["zone"] or "all", "n_admin": q["n"], "treated_before": q["treated"],
                   "target_pct": q["target_pct"], "villages_needed": q["need"], "short": r.short.get(i, 0)}
                  for i, q in enumerate(quotas)]
    projects, pipes, after, pid = _layers(inp, g, idx, parts)
    kinds = dict(zip(projects["project_id"], projects["kind"], strict=True))
    kind = np.array([kinds.get(p) for p in pid], dtype=object)
    return SewagePlan(projects, pipes, treated | after, pid, kind, pd.DataFrame(rows), pd.DataFrame(qrows), year,
                      round(time.perf_counter() - t0, 3))


def _county_row(code: str, opt: Options, r, budget: float | None) -> dict:
    ch = r.chosen
    groups = [k for k in ch if len(opt.members[k]) > 1]
    return {"county_code": code, "villages_treated": int(sum(len(opt.members[k]) for k in ch)),
            "projects": int(len(ch)), "groups": len(groups),
            "grouped_villages": int(sum(len(opt.members[k]) for k in groups)),
            "pipe_km": round(float(opt.pipe_m[ch].sum()) / 1000, 3),
            "capex_wan": round(float(opt.capex[ch].sum()), 2),
            "opex_wan_per_year": round(float(opt.opex[ch].sum()), 2),
            "cost_wan": round(r.cost, 2), "bound_wan": round(r.bound, 2), "gap_pct": round(100 * r.gap, 4),
            "method": r.method, "status": r.status, "budget_wan": budget, "options": len(opt.members),
            "groups_considered": int(sum(len(m) > 1 for m in opt.members)), "groups_capped": opt.groups_capped,
            "solve_seconds": r.seconds}


def _layers(inp: PlanInputs, g: Graph, idx: np.ndarray, parts: list
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """The ``sewage_projects`` and ``sewage_pipes`` layers, the villages treated and their project ids."""
    v = inp.villages
    code = v["village_code"].astype(str).to_numpy()
    zone = zone_names(v)
    res, flow = _num(v, "residents"), _num(v, "design_flow_m3d")
    after = np.zeros(len(v), bool)
    pid = np.full(len(v), None, dtype=object)
    prow: list[dict] = []
    lines: list[dict] = []
    m = csr_from_edges(g.aug.u, g.aug.v, g.aug.length_m, g.aug.n_nodes)
    node = g.node["villages"]
    drawer = PathDrawer(g.net, g.snap_edge, g.snap_along)
    for county, loc, opt, r in parts:
        for k in r.chosen:
            rows = loc[list(opt.members[k])]
            name = f"S{len(prow) + 1:04d}"
            after[rows] = True
            pid[rows] = name
            prow.append({"project_id": name, "kind": str(opt.kind[k]), "village_codes": ",".join(code[rows]),
                         "villages": len(rows), "residents": float(np.nansum(res[rows])),
                         "design_flow_m3d": round(float(np.nansum(flow[rows])), 2),
                         "capacity_tpd": float(opt.capacity_tpd[k]), "pipe_m": round(float(opt.pipe_m[k]), 1),
                         "capex_wan": round(float(opt.capex[k]), 4), "opex_wan_per_year": round(float(opt.opex[k]), 4),
                         "county_code": county, "zone": zone[rows[0]], "geometry": v.geometry.iloc[rows[0]]})
            for a, b in opt.links[k]:
                ia, ib = np.flatnonzero(idx == loc[a])[0], np.flatnonzero(idx == loc[b])[0]
                line, length = _path(m, g, drawer, node[ia], node[ib], inp.config)
                lines.append({"project_id": name, "length_m": round(length, 1), "geometry": line})
    projects = gpd.GeoDataFrame(pd.DataFrame(prow, columns=[*PROJECT_COLUMNS, "geometry"]), geometry="geometry",
                                crs=inp.crs)
    pipes = gpd.GeoDataFrame(pd.DataFrame(lines, columns=["project_id", "length_m", "geometry"]),
                             geometry="geometry", crs=inp.crs)
    return projects, pipes, after, pid


PROJECT_COLUMNS = ("project_id", "kind", "village_codes", "villages", "residents", "design_flow_m3d", "capacity_tpd",
                   "pipe_m", "capex_wan", "opex_wan_per_year", "county_code", "zone")


def _path(m, g: Graph, drawer: PathDrawer, a: int, b: int, config) -> tuple[shapely.LineString, float]:
    """The road path from node ``a`` to ``b`` drawn along its roads, and its road metres."""
    d, pred = dijkstra(m, directed=False, indices=int(a), limit=config.cluster_max_pipe_m * 1.01 + 1,
                       return_predecessors=True)
    if not np.isfinite(d[b]):
        return shapely.LineString([(g.node_x[a], g.node_y[a]), (g.node_x[b], g.node_y[b])]), float("nan")
    path = [int(b)]
    while path[-1] != a:
        path.append(int(pred[path[-1]]))
    return drawer.line(path[::-1], g.node_x, g.node_y), float(d[b])
