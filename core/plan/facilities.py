"""Where to build new waste facilities so that the most in-scope administrative villages become covered.

A candidate covers a village under the collection rule of :mod:`..assignment`, for the facility type
planned (existing facilities kept, so only villages not covered today can be gained):

* ``transfer_station``: the village lies within ``d_station_m`` by road of the site, and the site
  within ``d_haul_m`` of a county treatment facility (a station that cannot haul covers nobody);
* ``town_treatment``: within ``d_town_m``, and the village is not dispersed;
* ``village_treatment``: within ``d_village_m``.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from ..base import glossary
from ..base._errors import ConfigError, InputError, Problem
from ..base.config import LayerSpec
from ..base.progress import NullProgress, Progress, check_cancel
from ..model.assign import assign_within_capacity
from ..model.prepare import point_xy
from ..model.stages.capacity import village_waste_tpd
from ..model.stages.collection import valid_stations
from ..model.stages.indicators import villages_short  # the indicator's own rounding of the target
from ..network.graph import RoadNetwork
from .coverage import capped_reach, nearest_within
from .problem import PlanInputs, road_network, snap_groups
from .siting import SitingResult, max_cover, min_sites

#: Planned facility type → the setting that caps the road distance of the villages it covers.
RADIUS_SETTING = {"transfer_station": "d_station_m", "town_treatment": "d_town_m",
                  "village_treatment": "d_village_m"}
TYPE_ZH = {t: glossary.zh(t) for t in ("transfer_station", "town_treatment", "village_treatment")}


@dataclass
class FacilityPlan:
    """The proposed sites and what they claim.

    Attributes
    ----------
    facility_type : str
    sites : GeoDataFrame
        ``proposed_sites``: the candidates chosen, ranked, with their own attributes.
    result : SitingResult
    covered_after : ndarray of bool
        Per village: covered once the sites are built (the plan's claim).
    counties : DataFrame
        Per county: villages in scope, covered before and after (claimed), percentages, sites.
    n_candidates, n_candidates_usable : int
    mode : str
        ``sites`` (budget K) or ``target``.
    unreachable_target : list of str
        Counties whose target the candidates cannot reach (the plan covers what they can).
    """

    facility_type: str
    sites: gpd.GeoDataFrame
    result: SitingResult
    covered_after: np.ndarray
    counties: pd.DataFrame
    n_candidates: int
    n_candidates_usable: int
    mode: str
    unreachable_target: list[str]


def read_candidates(spec: str, crs) -> gpd.GeoDataFrame:
    """Read a candidate-sites layer (points) given as ``FILE[:LAYER]`` into ``crs``."""
    ls = LayerSpec.parse(spec)
    if not ls.path.exists():
        raise InputError([Problem(str(ls.path), ls.layer, None, None, "candidate file not found")])
    try:
        gdf = gpd.read_file(ls.path, layer=ls.layer)
    except Exception as exc:  # noqa: BLE001 - any OGR failure is a bad file
        raise InputError([Problem(str(ls.path), ls.layer, None, None, f"cannot read candidates: {exc}")]) from None
    if gdf.crs is None:
        raise InputError([Problem(str(ls.path), ls.layer, None, None, "candidates have no CRS; set one")])
    bad = np.flatnonzero(gdf.geometry.isna().to_numpy() | (shapely.get_type_id(gdf.geometry.array) != 0))
    if len(bad):
        raise InputError([Problem(str(ls.path), ls.layer, int(i) + 1, "geometry", "candidate is not a point")
                          for i in bad[:20]])
    gdf = gdf.to_crs(crs)
    gdf["candidate_source"] = "user"
    return gdf


def default_candidates(inp: PlanInputs, net) -> gpd.GeoDataFrame:
    """Candidate sites when none are given: township seats, junctions of the hardened network, facility sites.

    Junctions are nodes where three or more hardened road edges meet. Duplicates (same metre) are kept once.
    """
    parts = []
    if inp.towns is not None and len(inp.towns):
        x, y = point_xy(inp.towns)
        parts.append(pd.DataFrame({"x": x, "y": y, "candidate_source": "township_seat",
                                   "name": inp.towns["name"].astype(str).to_numpy()}))
    h = net.edge_hardened
    deg = np.bincount(np.r_[net.edge_u[h], net.edge_v[h]], minlength=net.n_nodes)
    junction = np.flatnonzero(deg >= 3)
    parts.append(pd.DataFrame({"x": net.node_x[junction], "y": net.node_y[junction],
                               "candidate_source": "hardened_junction", "name": None}))
    if len(inp.facilities):
        x, y = point_xy(inp.facilities)
        parts.append(pd.DataFrame({"x": x, "y": y, "candidate_source": "facility_site",
                                   "name": inp.facilities.get("name", pd.Series(None, index=inp.facilities.index))
                                   .to_numpy(object)}))
    df = pd.concat(parts, ignore_index=True)
    df = df.loc[~df[["x", "y"]].round(0).duplicated()].reset_index(drop=True)
    return gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]),
                            crs=inp.crs)


def coverage_matrix(inp: PlanInputs, net: RoadNetwork, cands: gpd.GeoDataFrame, ftype: str, targets: np.ndarray,
                     progress: Progress) -> tuple[sp.csr_matrix, np.ndarray]:
    """Which target villages each candidate would cover, and which candidates are usable at all."""
    c = inp.config
    vx, vy = point_xy(inp.villages.iloc[targets])
    cx, cy = point_xy(cands)
    groups: dict[str, tuple[np.ndarray, np.ndarray, float | None]] = {
        "villages": (vx, vy, c.max_snap_m), "candidates": (cx, cy, c.max_snap_m)}
    county_t = inp.facilities["facility_type"].to_numpy(object) == "county_treatment"
    if ftype == "transfer_station":
        fx, fy = point_xy(inp.facilities.loc[county_t])
        groups["county_treatment"] = (fx, fy, c.max_snap_m)
    g = snap_groups(inp, net, groups)
    m = g.aug.matrix()
    c_node = g.node["candidates"].copy()
    if ftype == "transfer_station":
        haul = nearest_within(m, g.node["county_treatment"], c.d_haul_m)
        hauls = valid_stations(c_node[c_node >= 0], haul, c.d_haul_m)  # the collection stage's haul rule
        c_node[~np.isin(c_node, hauls)] = -1
    progress.message(f"{int((c_node >= 0).sum())} of {len(cands)} candidate sites usable "
                     f"(on a road within {c.max_snap_m:.0f} m"
                     + (f", county treatment within {c.d_haul_m / 1000:.0f} km)" if ftype == "transfer_station"
                        else ")"))
    a = capped_reach(m, g.node_x, g.node_y, c_node, g.node["villages"], getattr(c, RADIUS_SETTING[ftype]),
                     g.scale, check=lambda: check_cancel(progress))
    return a, c_node >= 0


def _county_table(inp: PlanInputs, scope: np.ndarray, before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({"county_code": inp.villages["county_code"].astype(str), "scope": scope,
                       "before": scope & before, "after": scope & after})
    t = df.groupby("county_code", sort=True)[["scope", "before", "after"]].sum().astype(int).reset_index()
    t.columns = ["county_code", "n_admin_in_scope", "covered_before", "covered_after"]
    n = t["n_admin_in_scope"].where(t["n_admin_in_scope"] > 0)
    t["coverage_before_pct"] = (100 * t["covered_before"] / n).round(2)
    t["coverage_after_pct"] = (100 * t["covered_after"] / n).round(2)
    return t


def _solve(a: sp.csr_matrix, w: np.ndarray, county: np.ndarray, codes: np.ndarray, table: pd.DataFrame,
           sites: int | None, target: float | None, time_limit: float) -> tuple[SitingResult, list[str]]:
    if sites is not None or target is None:
        return max_cover(a, w, sites or 0, time_limit), []
    coverable = np.bincount(county[np.asarray(a.sum(axis=0)).ravel() > 0], minlength=len(codes))
    need = np.array([villages_short(target, r.covered_before, r.n_admin_in_scope) for r in table.itertuples()])
    short = [str(codes[i]) for i in np.flatnonzero(need > coverable)]
    return min_sites(a, w, county, np.minimum(need, coverable), time_limit), short


def plan_facilities(inp: PlanInputs, candidates: gpd.GeoDataFrame | None = None,
                    facility_type: str = "transfer_station", sites: int | None = None, target: float | None = None,
                    weight: str = "count", time_limit: float = 30.0,
                    progress: Progress | None = None, site_capacity_tpd: float | None = None) -> FacilityPlan:
    """Choose new facility sites: ``sites`` of them covering the most, or the fewest reaching ``target``.

    Parameters
    ----------
    inp : PlanInputs
    candidates : GeoDataFrame, optional
        Candidate points (metric CRS); default :func:`default_candidates`.
    facility_type : str
        ``transfer_station``, ``town_treatment`` or ``village_treatment``.
    sites : int, optional
        Budget K (maximal covering).
    target : float, optional
        Waste coverage to reach in every county, as a fraction (default the 2025 target when no ``sites``).
    weight : str
        ``count`` (villages) or ``population``; the objective of maximal covering.
    time_limit : float
        Seconds for the integer programme.
    progress : Progress, optional
    site_capacity_tpd : float, optional
        What each new site can take (t/d): a site covers only the villages an exact assignment within that
        capacity gives it (:func:`...model.assign.assign_within_capacity`); the sites are chosen as without it.

    Returns
    -------
    FacilityPlan
    """
    progress = progress or NullProgress()
    if facility_type not in RADIUS_SETTING:
        raise ConfigError(f"facility type {facility_type!r} cannot be planned; use one of {sorted(RADIUS_SETTING)}")
    if weight not in ("count", "population"):
        raise ConfigError(f"weight must be 'count' or 'population', got {weight!r}")
    if sites is None and target is None:
        target = inp.config.target_waste_2025
    progress.stage("plan: coverage sets")
    scope = inp.waste_scope()
    before = inp.flag("covered")
    open_ = scope & inp.reachable & ~before
    if facility_type == "town_treatment":
        open_ &= ~inp.flag("dispersed")
    targets = np.flatnonzero(open_)
    net = road_network(inp, progress)
    cands = default_candidates(inp, net) if candidates is None else candidates
    cands = cands.reset_index(drop=True)
    a, usable = coverage_matrix(inp, net, cands, facility_type, targets, progress)
    pop = inp.villages["population"].fillna(0).to_numpy(float) if "population" in inp.villages \
        else np.zeros(len(inp.villages))
    w = np.ones(len(targets)) if weight == "count" else pop[targets]
    table = _county_table(inp, scope, before, before)
    codes = table["county_code"].to_numpy()
    county = np.searchsorted(codes, inp.villages["county_code"].astype(str).to_numpy()[targets])
    progress.stage("plan: siting")
    result, short = _solve(a, w, county, codes, table, sites, target, time_limit)
    after = before.copy()
    gained_cols = np.asarray(a[result.chosen].sum(axis=0)).ravel() > 0 if len(result.chosen) else np.zeros(0, bool)
    if site_capacity_tpd is not None and len(result.chosen):
        gained_cols = within_site_capacity(a[result.chosen], inp, targets, site_capacity_tpd)
    after[targets[gained_cols]] = True
    table = _county_table(inp, scope, before, after)
    site_gdf = _site_layer(inp, cands, a, result, targets, pop, scope, before, facility_type)
    table["sites"] = [int((site_gdf["county_code"] == cc).sum()) for cc in table["county_code"]]
    return FacilityPlan(facility_type, site_gdf, result, after, table, len(cands), int(usable.sum()),
                        "sites" if sites is not None else "target", short)


def within_site_capacity(a: sp.csr_matrix, inp: PlanInputs, targets: np.ndarray, capacity_tpd: float) -> np.ndarray:
    """Per target village: served by one of the sites (rows of ``a``) within ``capacity_tpd`` each, as many
    villages as the capacities allow (issue 27, ``--site-capacity-tpd``)."""
    pop = inp.villages["population"].fillna(0).to_numpy(float) if "population" in inp.villages \
        else np.zeros(len(inp.villages))
    waste = village_waste_tpd(inp.villages.iloc[targets], pop[targets], inp.config)
    coo = a.tocoo()
    chosen, _ = assign_within_capacity(coo.col.astype(np.int64), coo.row.astype(np.int64), np.ones(len(coo.col)),
                                       waste, np.full(a.shape[0], float(capacity_tpd)))
    return chosen >= 0


def _site_layer(inp: PlanInputs, cands: gpd.GeoDataFrame, a: sp.csr_matrix, result: SitingResult,
                targets: np.ndarray, pop: np.ndarray, scope: np.ndarray, before: np.ndarray,
                ftype: str) -> gpd.GeoDataFrame:
    """The ``proposed_sites`` layer: ranked sites, what each adds, region coverage after each."""
    open_ = np.ones(len(targets), bool)
    gained_n, gained_p, pct = [], [], []
    covered = int((scope & before).sum())
    n_scope = max(int(scope.sum()), 1)
    for j in result.chosen:
        cols = a.indices[a.indptr[j]:a.indptr[j + 1]]
        new = cols[open_[cols]]
        open_[new] = False
        covered += len(new)
        gained_n.append(len(new))
        gained_p.append(float(pop[targets[new]].sum()))
        pct.append(round(100 * covered / n_scope, 2))
    ours = ("rank", "facility_type", "villages_gained", "population_gained", "coverage_after_pct", "county_code")
    out = cands.iloc[result.chosen].drop(columns=[c for c in ours if c in cands]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.insert(1, "facility_type", ftype)
    out["villages_gained"] = np.array(gained_n, int)
    out["population_gained"] = np.array(gained_p, float)
    out["coverage_after_pct"] = np.array(pct, float)
    out["county_code"] = _county_of(inp, out)
    return out


def _county_of(inp: PlanInputs, pts: gpd.GeoDataFrame) -> np.ndarray:
    """County of each point: the county polygon it falls in, else the county of the nearest village."""
    if len(pts) == 0:
        return np.zeros(0, object)
    tree = shapely.STRtree(inp.villages.geometry.array)
    near = tree.nearest(pts.geometry.array)
    code = inp.villages["county_code"].astype(str).to_numpy(object)[near]
    if inp.counties is not None and len(inp.counties) and inp.counties.geometry.notna().all():
        pi, ci = shapely.STRtree(inp.counties.geometry.array).query(pts.geometry.array, predicate="within")
        code[pi] = inp.counties["county_code"].astype(str).to_numpy(object)[ci]
    return code
