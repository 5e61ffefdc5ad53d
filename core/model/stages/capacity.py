"""Facilities have a capacity (§(九) 综合考虑村庄分布、垃圾产生量、转运距离): the load each one carries, and with
``capacity_aware`` an assignment of villages to facilities that no facility's ``capacity_tpd`` exceeds.

A village produces ``residents × waste_kg_per_person_day`` (常住人口, else 人口). Along the model's chain the
waste goes village → transfer station → county treatment (城乡一体化), village → town treatment (苏木乡镇集中),
or village → village treatment (村庄分散, when covered). A facility without ``capacity_tpd`` is unlimited.

Today's rule sends each village to its nearest facility of each tier; the loads show which facilities it
overfills (``over_capacity``) and the villages they serve are marked ``served_over_capacity``. With
``capacity_aware`` each tier is a transportation problem solved exactly (:mod:`..assign`): as many
villages as the capacities allow, then least total road distance, every pair within the rule's distance.
A village that no facility of a tier can take falls to the next tier, with ``capacity`` in its reason.

The pairs' road metres are searched only where a capacity may bind (:func:`binding_parts`), one connected
part of the nodes within the rule's distance at a time (:func:`pair_distances`); elsewhere the nearest
facility of the distance stage's search is the only pair a village needs. In a partitioned run's window the
stage reports facts by global facility row instead (:func:`window_facts`; :mod:`...partition.capacity`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from ...base.config import Config
from ...base.values import flag_column, number_column
from ..assign import assign_within_capacity
from ..stage import Context
from .attributes import VillageAttributes, column_or
from .collection import VALID_STATION, Assignment, Collection, model_labels
from .distances import Distances, Seeds

#: The tiers of the model: (model, facility type that takes the waste, setting of its distance).
TIERS = (("county_process", "transfer_station", "d_station_m"), ("town_transfer", "town_treatment", "d_town_m"),
         ("village_collect", "village_treatment", "d_village_m"))
#: The facilities of each tier, in Chinese, for the reasons.
TIER_ZH = {"transfer_station": "转运站", "town_treatment": "乡镇处理设施", "village_treatment": "村级处理设施"}
#: Facility types whose load is counted.
WASTE_TYPES = ("transfer_station", "county_treatment", "town_treatment", "village_treatment")


@dataclass(frozen=True)
class Capacity:
    """Per village the facilities serving it and its waste; per facility its load.

    Attributes
    ----------
    waste_tpd : ndarray
        Waste of each village, t/d.
    station, treatment : ndarray int64
        Row of the facilities layer serving each village (-1: none).
    station_dist_m, treatment_dist_m : ndarray
        Road metres from the village to them (treatment through the station for 城乡一体化).
    capacity_tpd, load_tpd : ndarray
        Per facility (inf: unlimited; NaN load for types that take no household waste).
    served_over_capacity : ndarray bool
    assignment : Assignment or None
        The models within capacity (``capacity_aware``), else None (the collection stage's stand).
    solve : dict
        How the capacity-aware problems were solved (summary.json).
    window : dict or None
        In a partitioned run's window, what the client needs (:func:`window_facts`).
    """

    waste_tpd: np.ndarray
    station: np.ndarray
    treatment: np.ndarray
    station_dist_m: np.ndarray
    treatment_dist_m: np.ndarray
    capacity_tpd: np.ndarray
    load_tpd: np.ndarray
    served_over_capacity: np.ndarray
    names: np.ndarray
    assignment: Assignment | None = None
    solve: dict = field(default_factory=dict)
    window: dict[str, Any] | None = None  # a partitioned run's window: :func:`window_facts`

    def village_columns(self) -> dict[str, np.ndarray]:
        """The output columns of this stage (with ``capacity_aware`` also the models, replacing the rule's)."""
        out = {"waste_tpd": np.round(self.waste_tpd, 4),
               "station_name": _names(self.names, self.station), "station_dist_m": _metres(self.station_dist_m),
               "treatment_name": _names(self.names, self.treatment),
               "treatment_dist_m": _metres(self.treatment_dist_m), "served_over_capacity": self.served_over_capacity}
        a = self.assignment
        if a is not None:
            out.update({"collection_model": a.model, "covered": a.covered, "model_reason": a.reason_zh,
                        "model_reason_en": a.reason_en,
                        "model_label": model_labels(a.model, a.covered)})
        return out

    def facility_columns(self) -> dict[str, np.ndarray]:
        """The facilities-layer columns: load, utilisation and the over-capacity flag."""
        cap = self.capacity_tpd
        with np.errstate(divide="ignore", invalid="ignore"):
            util = np.where(np.isfinite(cap) & (cap > 0), 100.0 * self.load_tpd / cap, np.nan)
        util = np.where(np.isfinite(cap) & (cap == 0) & (self.load_tpd > 0), np.inf, util)
        over = np.isfinite(cap) & (np.nan_to_num(self.load_tpd) > cap + 1e-9)
        return {"load_tpd": np.round(self.load_tpd, 4), "utilisation_pct": np.round(util, 1), "over_capacity": over}


def _names(names: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The facility name of each row (None for -1)."""
    out = np.full(len(rows), None, object)
    ok = rows >= 0
    out[ok] = names[rows[ok]]
    return out


def _metres(d: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(d), np.round(d, 1), np.nan)


def village_waste_tpd(villages: pd.DataFrame, population: np.ndarray, config: Config) -> np.ndarray:
    """t/d of household waste per village: residents (常住人口, else 人口) × ``waste_kg_per_person_day``."""
    residents = column_or(villages, "resident_population", np.nan).to_numpy(float)
    people = np.where(np.isfinite(residents), residents, np.nan_to_num(population))
    return people * config.waste_kg_per_person_day / 1000.0


def facility_capacity(facilities: pd.DataFrame) -> np.ndarray:
    """``capacity_tpd`` of each facility; inf where none is given (unlimited)."""
    cap = number_column(facilities, "capacity_tpd") if "capacity_tpd" in facilities else np.full(len(facilities), np.nan)
    return np.where(np.isfinite(cap), cap, np.inf)


def row_at_node(node_of_facility: np.ndarray, is_type: np.ndarray, n_nodes: int) -> np.ndarray:
    """Per graph node: the row of the facility of that type on it (-1: none; the first when several share it)."""
    out = np.full(n_nodes + 1, -1, np.int64)
    rows = np.flatnonzero(is_type & (node_of_facility >= 0))
    out[node_of_facility[rows[::-1]]] = rows[::-1]
    return out


def _at(table: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """``table[nodes]`` with -1 for negative nodes and nodes past the table (a window's seeds)."""
    ok = (nodes >= 0) & (nodes < len(table) - 1)
    return np.where(ok, table[np.where(ok, nodes, -1)], -1)


@dataclass
class Chain:
    """Which facility serves each village (rows of the facilities layer) and how far it is."""

    station: np.ndarray
    station_dist: np.ndarray
    treatment: np.ndarray
    treatment_dist: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Chain:
        """No village served."""
        return cls(np.full(n, -1, np.int64), np.full(n, np.nan), np.full(n, -1, np.int64), np.full(n, np.nan))


#: Per facility type: (row of the nearest facility of each village, -1: none; its road metres).
Nearest = dict[str, tuple[np.ndarray, np.ndarray]]


def nearest_chain(model: np.ndarray, covered: np.ndarray, near: Nearest, plant: np.ndarray,
                  haul: np.ndarray) -> Chain:
    """The facilities of the nearest-facility rule along each village's chain.

    Parameters
    ----------
    model, covered : ndarray
        The rule's model of each village and whether it is covered.
    near : dict
        ``transfer_station`` (the nearest usable station), ``town_treatment``, ``village_treatment``.
    plant, haul : ndarray
        Per facility row: the county plant a station hauls to (-1: none) and the road metres of that haul.
    """
    chain = Chain.empty(len(model))
    county = np.flatnonzero(model == "county_process")
    rows, d = near["transfer_station"]
    station = rows[county]
    chain.station[county], chain.station_dist[county] = station, d[county]
    served = station >= 0
    chain.treatment[county[served]] = plant[station[served]]
    chain.treatment_dist[county[served]] = d[county[served]] + haul[station[served]]
    for m, kind in (("town_transfer", "town_treatment"), ("village_collect", "village_treatment")):
        sel = (model == m) & covered
        chain.treatment[sel], chain.treatment_dist[sel] = near[kind][0][sel], near[kind][1][sel]
    return chain


def station_haul(p: Any, dist: Distances) -> np.ndarray:
    """Per facility row: road metres from its node to the nearest county treatment (NaN off the graph)."""
    haul = np.full(len(p.facilities), np.nan)
    on = p.facility_node >= 0
    haul[on] = dist.node_dist["county_treatment"][p.facility_node[on]]
    return haul


def rule_nearest(col: Collection, dist: Distances, facility_row: dict) -> Nearest:
    """The nearest facility of each tier's searches (:data:`Nearest`), as the rows of the facilities layer."""
    vnode = dist.village_node
    station_node = col.station_node if col.station_node is not None else np.full(len(vnode), -1)
    near = {"transfer_station": (_at(facility_row["transfer_station"], station_node), col.d_valid_station)}
    for kind in ("town_treatment", "village_treatment"):
        near[kind] = (_at(facility_row[kind], _at_nodes_int(dist.node_source[kind], vnode)), dist.to_villages(kind))
    return near


def _at_nodes_int(values: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    return np.where(nodes >= 0, values[np.maximum(nodes, 0)], -1).astype(np.int64)


def loads(chain: Chain, waste: np.ndarray, facility_type: np.ndarray) -> np.ndarray:
    """t/d each facility receives along the chains (NaN for types that take no household waste)."""
    n = len(facility_type)
    load = np.zeros(n)
    for rows in (chain.station, chain.treatment):
        ok = rows >= 0
        load += np.bincount(rows[ok], weights=waste[ok], minlength=n)
    return np.where(np.isin(facility_type, WASTE_TYPES), load, np.nan)


def plants_of_stations(p: Any, dist: Distances, facility_row: dict) -> np.ndarray:
    """Per facility row: the county treatment facility its station hauls to (nearest by road; -1: none)."""
    out = np.full(len(p.facilities), -1, np.int64)
    src = dist.node_source["county_treatment"]
    for r in np.flatnonzero((p.facilities["facility_type"].to_numpy(object) == "transfer_station") &
                            (p.facility_node >= 0)):
        if np.isfinite(dist.node_dist["county_treatment"][p.facility_node[r]]) and \
                dist.node_dist["county_treatment"][p.facility_node[r]] <= p.config.d_haul_m:
            out[r] = _at(facility_row["county_treatment"], np.array([src[p.facility_node[r]]]))[0]
    return out


def reach_parts(matrix: sp.csr_matrix, within: np.ndarray) -> np.ndarray:
    """Per node: its connected part in the graph of the nodes ``within`` alone (-1 for the others)."""
    n = matrix.shape[0]
    row = np.repeat(np.arange(n), np.diff(matrix.indptr))
    keep = within[row] & within[matrix.indices]
    graph = sp.csr_matrix((np.ones(int(keep.sum())), (row[keep], matrix.indices[keep])), shape=(n, n))
    return np.where(within, connected_components(graph, directed=False)[1], -1)


def _by_part(keys: np.ndarray, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``keys`` sorted, and the start and end in that order of each of ``parts``."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], parts), np.searchsorted(keys[order], parts, side="right")


def pair_distances(matrix: sp.csr_matrix, sources: np.ndarray, village_node: np.ndarray, limit: float,
                   part: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(village, source index, metres) of every village within ``limit`` road metres of each source node.

    ``part`` (:func:`reach_parts`) numbers the connected parts of the nodes within ``limit`` of some source
    (the nearest-facility search gives them): a path of at most ``limit`` metres runs through such nodes only,
    so each part is searched on its own, from its own sources (a search row spans its part, not the whole
    graph). Nodes with a negative part are not searched.
    """
    n = len(part)
    v_ok = np.flatnonzero((village_node >= 0) & (village_node < n))
    v_ok = v_ok[part[village_node[v_ok]] >= 0]
    s_part, v_part = part[sources], part[village_node[v_ok]]
    parts = np.intersect1d(s_part, v_part)
    nodes = np.flatnonzero(np.isin(part, parts))
    nodes = nodes[np.argsort(part[nodes], kind="stable")]
    local = np.full(n, -1, np.int64)
    local[nodes] = np.arange(len(nodes))
    sub = matrix[nodes][:, nodes].tocsr()
    lo = np.searchsorted(part[nodes], parts)
    hi = np.searchsorted(part[nodes], parts, side="right")
    s_order, s_lo, s_hi = _by_part(s_part, parts)
    v_order, v_lo, v_hi = _by_part(v_part, parts)
    vi, fi, dd = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for k in range(len(parts)):
        src = s_order[s_lo[k]:s_hi[k]]
        vil = v_ok[v_order[v_lo[k]:v_hi[k]]]
        start, inv = np.unique(local[sources[src]] - lo[k], return_inverse=True)
        d = np.atleast_2d(dijkstra(sub[lo[k]:hi[k], lo[k]:hi[k]], directed=False, indices=start, limit=limit))
        d = d[inv][:, local[village_node[vil]] - lo[k]]
        f, v = np.nonzero(d <= limit)
        vi.append(vil[v])
        fi.append(src[f])
        dd.append(d[f, v])
    return np.concatenate(vi), np.concatenate(fi), np.concatenate(dd)


def binding_parts(part: np.ndarray, f_node: np.ndarray, f_cap: np.ndarray, f_group: np.ndarray | None,
                  v_node: np.ndarray, v_waste: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Per part: whether a capacity may bind there — a facility (or the group it hauls to) takes less than the
    waste of the villages of its part(s). Elsewhere every village may simply take its nearest facility.

    ``f_*`` describe the tier's facilities, ``v_*`` its eligible villages (on the graph); ``cap`` is indexed
    by the groups.
    """
    n_parts = int(part.max()) + 1 if len(part) else 0
    vp = part[v_node]
    total = np.bincount(vp[vp >= 0], weights=v_waste[vp >= 0], minlength=n_parts)
    fp = part[f_node]
    tight = total[fp] > f_cap + 1e-9
    if f_group is not None and len(fp):
        gp = np.unique(np.c_[f_group, fp], axis=0)
        by_group = np.bincount(gp[:, 0], weights=total[gp[:, 1]], minlength=len(cap))
        tight |= by_group[f_group] > cap[f_group] + 1e-9
    out = np.zeros(n_parts, bool)
    out[fp[tight]] = True
    return out


@dataclass(frozen=True)
class WindowRows:
    """A partitioned run's window: the global row of each of its facilities. The window reports the facilities
    by those rows (:func:`window_facts`); the client names them and sums the loads over the whole input.
    """

    facility: np.ndarray


def run(ctx: Context[Any]) -> Capacity:
    """The capacity stage: loads along today's chains, and with ``capacity_aware`` the exact assignment."""
    p = ctx.prepared
    col, dist = ctx.need(Collection), ctx.need(Distances)
    ftype = p.facilities["facility_type"].to_numpy(object)
    cap = facility_capacity(p.facilities)
    unlimited = int((np.isin(ftype, WASTE_TYPES) & ~np.isfinite(cap)).sum())
    if unlimited:
        ctx.progress.message(f"{unlimited} 座垃圾设施未填处理能力 capacity_tpd，按不限处理 / {unlimited} waste "
                             "facilities have no capacity_tpd: treated as unlimited", "warning")
    waste = village_waste_tpd(p.villages, ctx.need(VillageAttributes).population, p.config)
    facility_row = {t: row_at_node(p.facility_node, ftype == t, p.graph.n_nodes) for t in WASTE_TYPES}
    names = column_or(p.facilities, "name", None).to_numpy(object)
    names = np.where(pd.isna(names), ftype, names).astype(object) if len(names) else names
    window = ctx.get(WindowRows)
    if window is not None:  # a facility beyond the window has no row here: the client fills the columns
        facts = window_facts(p, col, dist, facility_row, window.facility, ctx.get(Seeds), waste)
        out = capacity_of(waste, Chain.empty(len(waste)), cap, ftype, names)
        return replace(out, served_over_capacity=np.full(len(waste), None, object), window=facts)
    plant = plants_of_stations(p, dist, facility_row)
    if p.config.capacity_aware:
        assignment, chain, solve = capacity_assignment(p, col, dist, waste, cap, plant)
        return capacity_of(waste, chain, cap, ftype, names, assignment, solve)
    a = col.assignment
    chain = nearest_chain(a.model, a.covered, rule_nearest(col, dist, facility_row), plant, station_haul(p, dist))
    return capacity_of(waste, chain, cap, ftype, names)


def capacity_of(waste: np.ndarray, chain: Chain, cap: np.ndarray, ftype: np.ndarray, names: np.ndarray,
                assignment: Assignment | None = None, solve: dict | None = None) -> Capacity:
    """The loads along ``chain`` and who is served over capacity.

    Parameters
    ----------
    waste : ndarray
        t/d of each village.
    chain : Chain
    cap, ftype, names : ndarray
        Per facility row: capacity (inf: unlimited), type and name.
    assignment, solve : optional
        The capacity-aware models and how they were solved.
    """
    load = loads(chain, waste, ftype)
    over = np.isfinite(cap) & (np.nan_to_num(load) > cap + 1e-9)
    served_over = np.zeros(len(waste), bool)
    for rows in (chain.station, chain.treatment):
        if len(over):
            served_over |= (rows >= 0) & over[np.maximum(rows, 0)]
    return Capacity(waste, chain.station, chain.treatment, chain.station_dist, chain.treatment_dist, cap, load,
                    served_over, names, assignment, solve or {})


def window_facts(p: Any, col: Collection, dist: Distances, facility_row: dict, global_row: np.ndarray,
                 seeds: Seeds | None, waste: np.ndarray) -> dict[str, Any]:
    """What a window tells the client of each of its villages: its waste, the nearest facility of each tier's
    searches as a global row (a seeded search names the facility its seed came from) with the road metres,
    and with ``capacity_aware`` every pair within each tier's distance (global facility rows).
    """
    n = p.graph.n_nodes  # a seeded search numbers its seeds from here
    vnode = dist.village_node

    def resolve(kind: str, search: str, nodes: np.ndarray) -> np.ndarray:
        local = _at(facility_row[kind], nodes)
        out = np.where(local >= 0, global_row[np.maximum(local, 0)] if len(global_row) else -1, -1)
        src = seeds.source_of(search) if seeds is not None else None
        if src is not None:
            seeded = (nodes >= n) & (nodes - n < len(src))
            out[seeded] = src[nodes[seeded] - n]
        return out

    station_node = col.station_node if col.station_node is not None else np.full(len(vnode), -1)
    facts: dict[str, Any] = {"waste": waste, "station": resolve("transfer_station", VALID_STATION, station_node),
                             "station_m": col.d_valid_station}
    for kind in ("town_treatment", "village_treatment"):
        facts[kind] = resolve(kind, kind, _at_nodes_int(dist.node_source[kind], vnode))
        facts[f"{kind}_m"] = dist.to_villages(kind)
    if p.config.capacity_aware:
        ftype = p.facilities["facility_type"].to_numpy(object)
        for m, kind, setting in TIERS:
            limit = getattr(p.config, setting)
            rows = np.flatnonzero((ftype == kind) & (p.facility_node >= 0))
            part = reach_parts(p.matrix, dist.node_dist[kind] <= limit)
            vi, fi, dd = pair_distances(p.matrix, p.facility_node[rows], vnode, limit, part)
            facts[m] = (vi, global_row[rows[fi]], dd)
    return facts


def capacity_indicators(villages: pd.DataFrame, config: Config) -> dict[str, Any]:
    """Coverage within capacity beside the plain coverage: in-scope administrative villages covered by a chain
    none of whose facilities is over capacity.
    """
    scope = flag_column(villages, "in_scope") & flag_column(villages, "is_admin_village")
    if "served_over_capacity" not in villages or villages["served_over_capacity"].isna().all():
        return {"n_admin_covered_within_capacity": None, "waste_coverage_within_capacity_pct": None}
    ok = scope & flag_column(villages, "covered") & ~flag_column(villages, "served_over_capacity")
    n = int(scope.sum())
    return {"n_admin_covered_within_capacity": int(ok.sum()),
            "waste_coverage_within_capacity_pct": round(100.0 * int(ok.sum()) / n, 2) if n else None}


def _reason(text_zh: str, text_en: str, base: tuple[object, object]) -> tuple[str, str]:
    zh, en = base
    return (f"{text_zh}；{zh}" if zh else text_zh, f"{text_en}; {en}" if en else text_en)


@dataclass(frozen=True)
class Tier:
    """One tier of the model as the capacity-aware assignment sees it.

    Attributes
    ----------
    model, kind : str
        The model and the facility type that takes its waste (:data:`TIERS`).
    limit : float
        The rule's road metres (``d_station_m``, ``d_town_m``, ``d_village_m``).
    rows : ndarray int64
        The usable facilities (rows of the facilities layer).
    """

    model: str
    kind: str
    limit: float
    rows: np.ndarray


#: Pairs (village, facility row, metres) of a tier for the villages still to assign (given as a mask).
PairsOf = Callable[[Tier, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def capacity_assignment(p: Any, col: Collection, dist: Distances, waste: np.ndarray, cap: np.ndarray,
                        plant: np.ndarray) -> tuple[Assignment, Chain, dict]:
    """Each tier in turn, villages assigned within capacity (exact); the rest fall to the next tier.

    Road distances of pairs are searched only in the parts of the graph where some capacity may bind
    (:func:`binding_parts`); elsewhere each village's pair is its nearest facility of the rule's searches.
    """
    ftype = p.facilities["facility_type"].to_numpy(object)
    vnode = dist.village_node
    facility_row = {t: row_at_node(p.facility_node, ftype == t, p.graph.n_nodes) for t in WASTE_TYPES}
    near = rule_nearest(col, dist, facility_row)

    def pairs_of(tier: Tier, elig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        part = reach_parts(p.matrix, dist.node_dist[tier.kind] <= tier.limit)
        on = np.flatnonzero(elig & (vnode >= 0))
        groups = plant[tier.rows] if tier.kind == "transfer_station" else None
        tight = binding_parts(part, p.facility_node[tier.rows], cap[tier.rows], groups, vnode[on], waste[on], cap)
        vp = part[vnode[on]]
        searched = np.where(tight[np.maximum(part, 0)] & (part >= 0), part, -1)
        vi, fi, dd = pair_distances(p.matrix, p.facility_node[tier.rows], vnode, tier.limit, searched)
        keep = elig[vi]
        loose = on[(vp < 0) | ~tight[np.maximum(vp, 0)]]
        f, d = near[tier.kind][0][loose], near[tier.kind][1][loose]
        ok = (f >= 0) & (d <= tier.limit)
        return np.r_[vi[keep], loose[ok]], np.r_[tier.rows[fi[keep]], f[ok]], np.r_[dd[keep], d[ok]]

    on = p.facility_node >= 0
    tiers = [Tier(m, kind, getattr(p.config, setting), np.flatnonzero((ftype == kind) & on))
             for m, kind, setting in TIERS]
    tiers[0] = Tier(tiers[0].model, tiers[0].kind, tiers[0].limit, tiers[0].rows[plant[tiers[0].rows] >= 0])
    return assign_tiers(col.assignment, p.reachable & p.has_facilities, tiers, pairs_of, waste, cap, plant,
                        station_haul(p, dist))


def assign_tiers(a: Assignment, reachable: np.ndarray, tiers: list[Tier], pairs_of: PairsOf, waste: np.ndarray,
                 cap: np.ndarray, plant: np.ndarray, haul: np.ndarray) -> tuple[Assignment, Chain, dict]:
    """The tiers in turn (:data:`TIERS`), each a transportation problem solved exactly; what a tier cannot
    take falls to the next, with ``capacity`` in its reason.

    Parameters
    ----------
    a : Assignment
        The rule's models (their reasons and the dispersed flag are kept).
    reachable : ndarray bool
        Villages that get a model.
    tiers : list of Tier
        A station is usable only with a county plant within ``d_haul_m``.
    pairs_of : callable
        The allowed pairs of a tier for the villages of a mask (:data:`PairsOf`).
    waste, cap : ndarray
        t/d of each village; t/d each facility can take (inf: unlimited).
    plant, haul : ndarray
        Per facility row: the county plant a station hauls to (-1: none) and the road metres of that haul.

    Returns
    -------
    (Assignment, chain, solve)
    """
    n = len(waste)
    model = np.full(n, None, object)
    covered = np.zeros(n, bool)
    zh, en = a.reason_zh.copy(), a.reason_en.copy()
    chain = Chain.empty(n)
    left = reachable.copy()
    solve: dict = {}
    for tier in tiers:
        elig = left & (~a.dispersed if tier.model == "town_transfer" else True)
        vi, fi, dd = pairs_of(tier, elig)
        groups = plant[fi] if tier.kind == "transfer_station" else None
        chosen, info = assign_within_capacity(vi, fi, dd, waste, cap, groups)
        solve[tier.model] = info
        got = chosen >= 0
        wanted = np.zeros(n, bool)
        wanted[vi] = True
        for i in np.flatnonzero(wanted & ~got):
            zh[i], en[i] = _reason(f"处理能力不足(capacity)：可达的{TIER_ZH[tier.kind]}已满",
                                   f"capacity: every {tier.kind} within reach is full", (zh[i], en[i]))
        model[left if tier.model == "village_collect" else got] = tier.model
        covered[got] = True
        _record(chain, tier.model, chosen, (vi, fi, dd), plant, haul)
        left &= ~got
    return Assignment(model, covered, a.dispersed, zh, en), chain, solve


def _record(chain: Chain, m: str, chosen: np.ndarray, pairs: tuple[np.ndarray, ...], plant: np.ndarray,
            haul: np.ndarray) -> None:
    """Write the chosen facility of each assigned village and its distance into ``chain``."""
    vi, fi, dd = pairs
    hit = chosen[vi] == fi
    v, f, d = vi[hit], fi[hit], dd[hit]
    if m == "county_process":
        chain.station[v], chain.station_dist[v] = f, d
        chain.treatment[v] = plant[f]
        chain.treatment_dist[v] = d + haul[f]
    else:
        chain.treatment[v], chain.treatment_dist[v] = f, d
