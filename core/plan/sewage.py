"""The sewage plan's optimisation: which villages to treat, and which of them share a plant (连片), at least cost.

Options of a village ``i`` not yet treated:

* ``sewer_connect`` (when the run's rule allows it: the town sewer within ``d_sewer_m``): a pipe of
  ``sewer_dist_m × pipe_route_factor`` plus ``cost_sewer_connect_fixed_wan``;
* its own facility by the run's rules (:func:`..model.stages.sanitation.sewage_modes` with no sewer near):
  ``central`` (≥ 20 t/d), ``decentralised`` (units of 5 t/d) or ``resource_use`` (per household);
* a shared plant with neighbours (连片): a group connected by road links of at most ``cluster_max_pipe_m``,
  joined by pipes along a minimum spanning tree of the road distances (an upper bound of the pipes drawn),
  to one plant sized for the group's summed design flow (the central rule when the group has at least
  ``sewage_central_residents`` residents, else small units).

Groups are the connected sets of at most :data:`MAX_GROUP` villages of the neighbour graph (searched from
each village, capped at :data:`MAX_GROUPS` per instance); a group costing at least what its members cost
alone is dropped (it can never do better). The integer programme (HiGHS) picks options, each village at
most once, at least total cost (capital + running cost over ``cost_horizon_years``) so that every quota
(villages still needed per county and per zone) holds::

    min Σ_o c_o x_o   s.t.  Σ_{o ∋ i} x_o ≤ 1 (each village),  Σ_o |o ∩ Q| x_o ≥ need_Q (each quota),  x ∈ {0,1}

With a budget instead: the most villages treated (villages counting towards a quota first) whose cost
stays within it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..base.config import Config
from ..base.mip import solve_mip
from ..model.stages.sanitation import facility_sizes, sewage_modes
from .costs import pipe_capex, plant_capex, plant_opex, total_cost

#: Most villages in one shared plant.
MAX_GROUP = 6
#: Most candidate groups searched per instance (a county); the search stops there and says so.
MAX_GROUPS = 50_000


@dataclass
class Options:
    """Every option of an instance, one entry per option.

    Attributes
    ----------
    kind : ndarray of str
        ``sewer_connect``, ``central``, ``decentralised`` or ``resource_use``.
    members : list of tuple of int
        Villages (instance indices) each option treats; the plant stands at the first.
    capacity_tpd, pipe_m, capex, opex, cost : ndarray
        Plant capacity (0: no plant), metres of pipe, 万元 to build, 万元 per year to run, and the total the
        plan minimises (capital + running × years).
    links : list of list of (int, int)
        Pipe links of a shared plant (instance indices), the tree's edges.
    groups_capped : bool
        The group search stopped at :data:`MAX_GROUPS`.
    """

    kind: np.ndarray
    members: list[tuple[int, ...]]
    capacity_tpd: np.ndarray
    pipe_m: np.ndarray
    capex: np.ndarray
    opex: np.ndarray
    cost: np.ndarray
    links: list[list[tuple[int, int]]]
    groups_capped: bool = False


def group_size(residents: float, flow: float, config: Config) -> tuple[str, float]:
    """Kind and capacity (t/d) of one plant for ``residents`` with a design ``flow`` (m³/d)."""
    c = config
    if residents >= c.sewage_central_residents:
        return "central", max(c.sewage_central_min_tpd,
                              math.ceil(round(flow / c.sewage_size_step_tpd, 6)) * c.sewage_size_step_tpd)
    return "decentralised", max(1, math.ceil(round(flow / c.sewage_small_tpd, 6))) * c.sewage_small_tpd


def own_options(residents: np.ndarray, households: np.ndarray, flow: np.ndarray, concentrated: np.ndarray,
                sewer_dist_m: np.ndarray, config: Config) -> Options:
    """Each village's options alone: its own facility by the run's rules, and the sewer when allowed.

    Parameters
    ----------
    residents, households, flow : ndarray
        Residents, households and design flow (m³/d); a village of unknown residents has no own facility.
    concentrated : ndarray of bool
    sewer_dist_m : ndarray
        Straight-line metres to the town sewer (inf: none).
    config : Config

    Returns
    -------
    Options
    """
    n = len(residents)
    share = np.where(concentrated, 1.0, 0.0)
    mode, _, _ = sewage_modes(residents, concentrated, share, np.full(n, np.inf), config)
    size, _ = facility_sizes(mode, flow, config)
    kind: list[str] = []
    members: list[tuple[int, ...]] = []
    cap: list[float] = []
    pipe: list[float] = []
    for i in range(n):
        if sewer_dist_m[i] <= config.d_sewer_m:
            kind.append("sewer_connect")
            members.append((i,))
            cap.append(0.0)
            pipe.append(float(sewer_dist_m[i]) * config.pipe_route_factor)
        if mode[i] is not None:
            kind.append(str(mode[i]))
            members.append((i,))
            cap.append(0.0 if mode[i] == "resource_use" else float(size[i]))
            pipe.append(0.0)
    kind_a = np.array(kind, dtype=object)
    cap_a, pipe_a = np.array(cap, float), np.array(pipe, float)
    first = np.array([m[0] for m in members], np.int64)
    hh = np.nan_to_num(np.asarray(households, float))[first] if n else np.zeros(0)
    capex = (plant_capex(cap_a, config) + pipe_capex(pipe_a, config)
             + np.where(kind_a == "sewer_connect", config.cost_sewer_connect_fixed_wan, 0.0)
             + np.where(kind_a == "resource_use", config.cost_resource_use_wan_per_household * hh, 0.0))
    opex = plant_opex(cap_a, config)
    return Options(kind_a, members, cap_a, pipe_a, capex, opex, total_cost(capex, opex, config),
                   [[] for _ in members])


def _mst(members: tuple[int, ...], dist: dict[tuple[int, int], float]) -> tuple[float, list[tuple[int, int]]]:
    """Prim's tree over the known road links among ``members`` (inf when they are not connected)."""
    inside, total, links = {members[0]}, 0.0, []
    rest = set(members[1:])
    while rest:
        best = (math.inf, -1, -1)
        for a in inside:
            for b in rest:
                d = dist.get((a, b), math.inf)
                if d < best[0]:
                    best = (d, a, b)
        if not math.isfinite(best[0]):
            return math.inf, []
        total += best[0]
        links.append((best[1], best[2]))
        inside.add(best[2])
        rest.discard(best[2])
    return total, links


def connected_sets(n: int, pair_i: np.ndarray, pair_j: np.ndarray, max_size: int = MAX_GROUP,
                   max_sets: int = MAX_GROUPS) -> tuple[list[tuple[int, ...]], bool]:
    """Connected sets of 2..``max_size`` nodes of the graph with edges (pair_i, pair_j), each once.

    Grown from each node with larger-numbered neighbours only (the set's smallest node is its seed).

    Returns
    -------
    (sets, capped)
        Sorted tuples; ``capped`` when the search stopped at ``max_sets``.
    """
    nbr: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(pair_i.tolist(), pair_j.tolist(), strict=True):
        if a != b:
            nbr[a].add(b)
            nbr[b].add(a)
    out: list[tuple[int, ...]] = []
    seen: set[tuple[int, ...]] = set()
    for seed in range(n):
        frontier: list[tuple[int, ...]] = [(seed,)]
        for _ in range(max_size - 1):
            grown: list[tuple[int, ...]] = []
            for s in frontier:
                for v in set().union(*(nbr[u] for u in s)):
                    if v > seed and v not in s:
                        t = tuple(sorted((*s, v)))
                        if t not in seen:
                            seen.add(t)
                            grown.append(t)
                            out.append(t)
                            if len(out) >= max_sets:
                                return out, True
            frontier = grown
            if not frontier:
                break
    return out, False


def group_options(residents: np.ndarray, flow: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray,
                  pair_m: np.ndarray, alone: np.ndarray, config: Config, max_size: int = MAX_GROUP) -> Options:
    """Shared plants (连片) worth considering: connected groups cheaper than their members alone.

    Parameters
    ----------
    residents, flow : ndarray
        Per village (NaN: unknown; such a village joins no group).
    pair_i, pair_j, pair_m : ndarray
        Road links within ``cluster_max_pipe_m``: villages and metres (each pair once or both ways).
    alone : ndarray
        Each village's cheapest total cost alone (inf: none).
    config : Config
    max_size : int

    Returns
    -------
    Options
    """
    ok = np.isfinite(residents) & np.isfinite(flow) & np.isfinite(alone)
    keep = ok[pair_i] & ok[pair_j] & (pair_m <= config.cluster_max_pipe_m) & (pair_i != pair_j)
    dist: dict[tuple[int, int], float] = {}
    for a, b, d in zip(pair_i[keep].tolist(), pair_j[keep].tolist(), pair_m[keep].tolist(), strict=True):
        dist[(a, b)] = dist[(b, a)] = min(d, dist.get((a, b), math.inf))
    sets, capped = connected_sets(len(residents), np.array([k[0] for k in dist], np.int64),
                                  np.array([k[1] for k in dist], np.int64), max_size)
    near = np.full(len(residents), np.inf)  # each village's shortest link: half their sum bounds the tree
    for (a, _), d in dist.items():
        near[a] = min(near[a], d)
    kind, members, cap, pipe, links = [], [], [], [], []
    res_l, flow_l, alone_l, near_l = residents.tolist(), flow.tolist(), alone.tolist(), near.tolist()
    per_m = config.cost_pipe_wan_per_km / 1000.0
    for s in sets:
        k, q = group_size(sum(res_l[i] for i in s), sum(flow_l[i] for i in s), config)
        # the plant and the least pipe cost at least this: skip the tree when that already loses
        floor, worth = _plant_total(q, config), sum(alone_l[i] for i in s)
        if floor + per_m * sum(near_l[i] for i in s) / 2 >= worth:
            continue
        length, tree = _mst(s, dist)
        if floor + per_m * length >= worth:
            continue
        plant = max(s, key=lambda i: (flow_l[i], -i))
        kind.append(k)
        members.append((plant, *[i for i in s if i != plant]))
        cap.append(q)
        pipe.append(length)
        links.append(tree)
    cap_a, pipe_a = np.array(cap, float), np.array(pipe, float)
    capex = plant_capex(cap_a, config) + pipe_capex(pipe_a, config)
    opex = plant_opex(cap_a, config)
    return Options(np.array(kind, dtype=object), members, cap_a, pipe_a, capex, opex,
                   total_cost(capex, opex, config), links, capped)


def _plant_total(q: float, config: Config) -> float:
    """Capital + running cost over the horizon of one plant of ``q`` t/d (the scalar form of the cost module's)."""
    c = config
    return (c.cost_plant_fixed_wan + c.cost_plant_wan_per_tpd * q ** c.cost_plant_scale_exp
            + c.cost_horizon_years * c.opex_plant_wan_per_tpd_year * q)


def join(a: Options, b: Options) -> Options:
    """The options of ``a`` then those of ``b``."""
    return Options(np.r_[a.kind, b.kind].astype(object), a.members + b.members, np.r_[a.capacity_tpd, b.capacity_tpd],
                   np.r_[a.pipe_m, b.pipe_m], np.r_[a.capex, b.capex], np.r_[a.opex, b.opex],
                   np.r_[a.cost, b.cost], a.links + b.links, a.groups_capped or b.groups_capped)


def cheapest_alone(n: int, own: Options) -> np.ndarray:
    """Each village's cheapest total cost alone (inf when it has no option)."""
    best = np.full(n, np.inf)
    for m, c in zip(own.members, own.cost, strict=True):
        best[m[0]] = min(best[m[0]], c)
    return best


@dataclass
class SewageResult:
    """Options chosen and what is known of their optimality (costs in 万元, capital + running)."""

    chosen: np.ndarray
    cost: float
    bound: float
    gap: float
    status: str
    method: str
    seconds: float
    short: dict[int, int]


def _greedy(n: int, opt: Options, quotas: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """A valid plan without the solver: each quota (zones first, as given) filled by its cheapest villages alone."""
    single = [k for k, m in enumerate(opt.members) if len(m) == 1]
    best: dict[int, int] = {}
    for k in single:
        i = opt.members[k][0]
        if i not in best or opt.cost[k] < opt.cost[best[i]]:
            best[i] = k
    treated = np.zeros(n, bool)
    chosen: list[int] = []
    for villages, need in quotas:
        have = int(treated[villages].sum())
        for i in sorted((i for i in villages if not treated[i] and i in best), key=lambda i: opt.cost[best[i]]):
            if have >= need:
                break
            treated[i] = True
            chosen.append(best[i])
            have += 1
    return np.array(sorted(chosen), np.int64)


def _rows(n: int, opt: Options, quotas: list[tuple[np.ndarray, int]]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Village rows (each treated at most once) and quota rows (villages of the quota each option treats)."""
    r = np.concatenate([np.array(m) for m in opt.members]) if opt.members else np.zeros(0, np.int64)
    c = np.repeat(np.arange(len(opt.members)), [len(m) for m in opt.members])
    once = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, len(opt.members)))
    q = sp.csr_matrix((np.ones(sum(len(v) for v, _ in quotas)),
                       (np.repeat(np.arange(len(quotas)), [len(v) for v, _ in quotas]),
                        np.concatenate([v for v, _ in quotas]) if quotas else np.zeros(0, np.int64))),
                      shape=(len(quotas), n))
    return once, (q @ once).tocsr()


def solve_sewage(n: int, opt: Options, quotas: list[tuple[np.ndarray, int]], time_limit: float = 30.0,
                 budget: float | None = None) -> SewageResult:
    """Choose options at least total cost so that each quota ``(villages, need)`` is met.

    Parameters
    ----------
    n : int
        Villages of the instance.
    opt : Options
    quotas : list of (ndarray of int, int)
        Villages counting towards a quota and how many of them must be treated (capped here at what the
        options can treat; the shortfall is reported in ``short`` by quota index).
    time_limit : float
    budget : float, optional
        万元 (total cost): instead of the least cost, the most villages within it, quota villages first.

    Returns
    -------
    SewageResult
    """
    t0 = time.perf_counter()
    can = np.zeros(n, bool)
    for group in opt.members:
        can[list(group)] = True
    need = [min(k, int(can[v].sum())) for v, k in quotas]
    short = {q: k - need[q] for q, (_, k) in enumerate(quotas) if k > need[q]}
    quotas = [(v, k) for (v, _), k in zip(quotas, need, strict=True)]
    m = len(opt.members)
    if m == 0 or (budget is None and all(k == 0 for _, k in quotas)):
        return SewageResult(np.zeros(0, np.int64), 0.0, 0.0, 0.0, "optimal", "exact", 0.0, short)
    once, per_quota = _rows(n, opt, quotas)
    if budget is not None:
        return _solve_budget(n, opt, quotas, once, per_quota, budget, time_limit, t0, short)
    rows = sp.vstack([once, per_quota], format="csr")
    lo = np.r_[np.full(n, -np.inf), [k for _, k in quotas]]
    hi = np.r_[np.ones(n), np.full(len(quotas), np.inf)]
    x, _, bound, status = solve_mip(opt.cost, np.zeros(m), np.ones(m), rows, lo, hi, np.ones(m, bool), False,
                                    time_limit)
    chosen = _greedy(n, opt, quotas) if x is None else np.flatnonzero(x > 0.5)
    cost = float(opt.cost[chosen].sum())
    bound = min(float(bound), cost) if np.isfinite(bound) else 0.0
    gap = 0.0 if cost - bound <= 1e-6 * max(cost, 1.0) else (cost - bound) / max(cost, 1e-9)
    return SewageResult(chosen, cost, bound, gap, status, "exact" if gap == 0.0 else "heuristic",
                        round(time.perf_counter() - t0, 4), short)


def _solve_budget(n: int, opt: Options, quotas: list[tuple[np.ndarray, int]], once: sp.csr_matrix,
                  per_quota: sp.csr_matrix, budget: float, time_limit: float, t0: float,
                  short: dict[int, int]) -> SewageResult:
    """Most villages within ``budget``: u_Q ≤ need_Q villages of each quota weigh n + 1 each, then every
    village 1, then a cost smaller than one village breaks ties.
    """
    m, nq = len(opt.members), len(quotas)
    size = np.asarray(once.sum(axis=0)).ravel()
    eps = 0.5 / (float(opt.cost.sum()) + 1.0)
    cost = np.r_[size - eps * opt.cost, np.full(nq, float(n + 1))]
    link = sp.hstack([-per_quota, sp.identity(nq, format="csr")], format="csr")
    rows = sp.vstack([sp.hstack([once, sp.csr_matrix((n, nq))]), link,
                      sp.hstack([sp.csr_matrix(opt.cost[None, :]), sp.csr_matrix((1, nq))])], format="csr")
    lo = np.r_[np.full(n, -np.inf), np.full(nq, -np.inf), -np.inf]
    hi = np.r_[np.ones(n), np.zeros(nq), budget]
    upper = np.r_[np.ones(m), [float(k) for _, k in quotas]]
    x, obj, bound, status = solve_mip(cost, np.zeros(m + nq), upper, rows, lo, hi,
                                      np.r_[np.ones(m, bool), np.zeros(nq, bool)], True, time_limit)
    chosen = np.zeros(0, np.int64) if x is None else np.flatnonzero(x[:m] > 0.5)
    value = float(size[chosen].sum())
    top = math.floor(bound + 1e-6) if np.isfinite(bound) else value
    gap = 0.0 if x is not None and abs(bound - obj) <= 1e-6 * max(abs(obj), 1.0) else \
        max(0.0, (top - value) / max(value, 1.0))
    return SewageResult(chosen, float(opt.cost[chosen].sum()), float(opt.cost[chosen].sum()), gap, status,
                        "exact" if gap == 0.0 else "heuristic", round(time.perf_counter() - t0, 4), short)
