"""The upgrade plan to 三级 (§(十一) 提升苏木乡镇通三级公路率): which road pieces to upgrade, least total km, so that
every township seat without ``class3_access`` reaches its county seat over roads of 三级 or better.

The same quota Steiner problem as paving (:mod:`.paving`), on the graph with the roads of 三级 or better in the
place of the hardened ones (:func:`...network.graph.graded_view`): a seat gains access when its nearest road
(within ``access_radius_m``) is upgraded and joins the county seat's 三级 network, or when its nearest 三级 road
joins it. Shared stretches are counted once. A county seat with no 三级 road within ``access_radius_m`` is
itself a terminal (its own road is upgraded too). Roads of unknown 技术等级 count as to upgrade (their km are
given apart: a survey may find them 三级 already). Cost: ``cost_upgrade_class3_wan_per_km``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..base.progress import NullProgress, Progress, check_cancel
from ..base.values import flag_array
from ..model.prepare import point_xy
from ..network.graph import RoadNetwork, graded_view
from ..network.snapping import Snapper
from .paving import instance, solve
from .problem import PlanInputs, road_network
from .roads import road_pieces


@dataclass
class Class3Plan:
    """The road pieces to upgrade to 三级 and what they give, per county.

    Attributes
    ----------
    edges : ndarray int
        Road-graph edges to upgrade (all counties).
    pieces : GeoDataFrame
        ``roads_to_class3``: one row per edge, the road's attributes kept, ``length_m``, ``cost_wan``.
    counties : DataFrame
        Per county: seats, seats with access before, seats the plan connects, km (of which unknown grade), bound,
        gap, method, cost in 万元.
    access_after : ndarray bool
        Per township seat (rows of the towns layer): access claimed once the plan is built.
    """

    edges: np.ndarray
    pieces: gpd.GeoDataFrame
    counties: pd.DataFrame
    access_after: np.ndarray


def _terminals(inp: PlanInputs, net: RoadNetwork, class3_line: np.ndarray, rows: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """For seats ``rows``: their nearest road and nearest 三级 road within ``access_radius_m`` (-1: none)."""
    assert inp.towns is not None  # the caller checked
    xy = point_xy(inp.towns.iloc[rows])
    radius = inp.config.access_radius_m
    geoms = inp.roads.geometry.array
    edge = Snapper(net, geoms, inp.crs).snap(*xy, max_dist_m=radius).edge
    good = Snapper(net, geoms, inp.crs, line_mask=class3_line).snap(*xy, max_dist_m=radius).edge \
        if class3_line.any() else np.full(len(rows), -1, np.int64)
    return edge, good


def _county_instance(inp: PlanInputs, net: RoadNetwork, view: RoadNetwork, class3_line: np.ndarray, code: str):
    """The upgrade instance of one county, or None when it has no seat to connect or no county seat."""
    towns = inp.towns
    assert towns is not None  # the caller checked
    county = towns["county_code"].astype(str).to_numpy()
    seat = flag_array(towns["is_county_seat"]) if "is_county_seat" in towns else np.zeros(len(towns), np.bool_)
    access = towns["class3_access"].fillna(False).astype(bool).to_numpy()
    mine = county == code
    heads = np.flatnonzero(mine & seat)
    if len(heads) == 0:
        return None
    h_edge, h_good = _terminals(inp, net, class3_line, heads)
    roots = np.r_[net.edge_u[h_good[h_good >= 0]], net.edge_v[h_good[h_good >= 0]]]
    todo = np.flatnonzero(mine & ~seat & ~access)
    t_edge, t_good = _terminals(inp, net, class3_line, todo)
    lone = (h_good < 0) & (h_edge >= 0)  # a county seat with no 三级 road: its own road is a terminal
    if len(roots) == 0:
        roots = np.r_[net.edge_u[h_edge[lone]], net.edge_v[h_edge[lone]]]
    total = int((mine & ~seat).sum())
    inst = instance(view, np.r_[t_edge, h_edge[lone]], roots.astype(np.int64), total - len(todo),
                    total + int(lone.sum()), np.r_[t_good, h_good[lone]])
    return inst, np.r_[todo, heads[lone]], total


def plan_class3(inp: PlanInputs, time_limit: float = 30.0, progress: Progress | None = None) -> Class3Plan | None:
    """Least-km upgrade to 三级 per county so that every township seat reaches its county seat's 三级 network.

    Parameters
    ----------
    inp : PlanInputs
        Its towns layer must carry ``class3_access`` (a run of this release); else None is returned.
    time_limit : float
        Seconds for the integer programmes, shared by the counties.
    progress : Progress, optional

    Returns
    -------
    Class3Plan or None
    """
    progress = progress or NullProgress()
    if inp.towns is None or "class3_access" not in inp.towns or "class3_road" not in inp.roads:
        return None
    t0 = time.perf_counter()
    net = road_network(inp, progress)
    class3_line = inp.roads["class3_road"].fillna(False).astype(bool).to_numpy()
    unknown_line = inp.roads["tech_grade"].isna().to_numpy() if "tech_grade" in inp.roads else ~class3_line
    view = graded_view(net, class3_line)
    codes = sorted(set(inp.towns["county_code"].astype(str)))
    chosen = np.zeros(net.n_edges, bool)
    after = inp.towns["class3_access"].fillna(False).astype(bool).to_numpy().copy()
    rows = []
    for k, code in enumerate(codes):
        check_cancel(progress)
        progress.stage(f"plan: class III upgrade {code}")
        built = _county_instance(inp, net, view, class3_line, code)
        if built is None:
            continue
        inst, seats, n_seats = built
        left = max(time_limit - (time.perf_counter() - t0), 0.0) / (len(codes) - k)
        r = solve(inst, (1.0,), left, primary=1.0)[0]
        edges = inst.edges[r.paved]
        chosen[edges] = True
        gained = seats[inst.satisfied(r.paved)]
        after[gained] = True
        rows.append({"county_code": code, "n_town_seats": n_seats, "class3_before": inst.have,
                     "class3_after": inst.have + int(inst.satisfied(r.paved)[:n_seats - inst.have].sum()),
                     "km": r.km,
                     "km_unknown_grade": round(float(net.edge_len_m[edges][unknown_line[net.edge_line[edges]]].sum())
                                               / 1000, 3),
                     "bound_km": r.bound_km, "gap": r.gap, "method": r.method,
                     "cost_wan": round(r.km * inp.config.cost_upgrade_class3_wan_per_km, 1)})
    edges = np.flatnonzero(chosen)
    pieces = road_pieces(inp, net, edges, np.zeros(net.n_edges, int)).drop(columns=["villages_gained"])
    pieces["cost_wan"] = np.round(pieces["length_m"] / 1000 * inp.config.cost_upgrade_class3_wan_per_km, 2)
    return Class3Plan(edges, pieces, pd.DataFrame(rows), after)


#: Columns of the 项目库 rows of the upgrade plan (Chinese header, English header).
PROJECT_HEADERS = {"county_code": ("旗县代码", "county code"), "category": ("项目类别", "category"),
                   "name": ("项目名称", "project"), "quantity": ("建设规模", "size"), "unit": ("单位", "unit"),
                   "investment_wan": ("投资估算（万元）", "investment (10k yuan)"), "source": ("依据", "basis")}


def class3_projects(plan: Class3Plan, county_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The upgrade plan as 项目库 rows, one per county: what the project library of ``ruralenv plan`` appends
    (columns :data:`PROJECT_HEADERS`)."""
    names = county_names or {}
    rows = [{"county_code": r["county_code"], "category": "公路升级改造（三级） road upgrade to Class III",
             "name": f"{names.get(r['county_code'], r['county_code'])}苏木乡镇通三级公路升级改造",
             "quantity": r["km"], "unit": "公里", "investment_wan": r["cost_wan"],
             "source": "§（十一）提升苏木乡镇通三级公路率"}
            for r in plan.counties.to_dict(orient="records") if r["km"] > 0]
    return pd.DataFrame(rows, columns=list(PROJECT_HEADERS))
