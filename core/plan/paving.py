"""Which unpaved road pieces to harden, least total length, so that a share of larger villages gains access.

The product's access rule (:mod:`..stages.access`): a village has hardened access when its
nearest hardened road within ``access_radius_m`` lies on a hardened network that reaches a township or
county seat. The plan works on the road graph's edges (pieces between junctions): village ``i`` gains
access when the edge ``e_i`` it lies on (its nearest road, within ``access_radius_m``) is hardened or paved
and joins, through hardened and paved edges, a seat-connected hardened network ("the root"). Villages
farther than ``access_radius_m`` from every road cannot gain access by paving and are reported.

This is a quota Steiner problem with the hardened networks contracted to single nodes. Solved by

* a shortest-path greedy (from the tree built so far, connect the village that costs least: its own edge
  plus the shortest unpaved path), run to the largest reachable share, then pruned (drop any paved edge
  whose removal keeps the quota), once per target;
* an exact integer programme (single-commodity flow, HiGHS) when the instance is small enough, within the
  time limit; its proven bound is the lower bound reported (else a fractional-knapsack bound on the
  villages' own edges, which every plan must pave).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from ..base.mip import solve_mip
from ..network.graph import EPS_WEIGHT, RoadNetwork

#: Above this many contracted nodes the greedy connects several villages per search.
BATCH_ABOVE_NODES = 20_000
#: Share of a county's solver time that goes to the target asked for (the rest to the curve's other targets).
PRIMARY_SHARE = 0.75
#: Give the solver the greedy plan as a partial start (its paved edges).
WARM_START = True
#: For the target asked for, the greedy also runs to that target alone, plainly and weighing this many
#: cheapest villages per step by villages gained per metre; the shortest plan is kept.
RATIO_CANDIDATES = 16
#: The targets the km-vs-coverage curve is given for (fractions of in-scope larger villages).
CURVE_TARGETS = (0.835, 0.85, 0.90, 1.0)


@dataclass
class PavingInstance:
    """One county's paving problem on the graph with hardened networks contracted.

    Attributes
    ----------
    n_comp : int
        Nodes of the contracted graph (hardened components, and road nodes with no hardened edge).
    cu, cv : ndarray int
        Contracted ends of every unhardened edge (indexed like ``edges``).
    length : ndarray float
        Metres of each unhardened edge.
    edges : ndarray int
        Road-graph edge id of each unhardened edge.
    root : ndarray bool
        Per contracted node: seat-connected today.
    term_edge : ndarray int
        Per village still without access (and within ``access_radius_m`` of a road): index into ``edges``
        of its own edge, or -1 when that edge is already hardened.
    term_node : ndarray int
        Contracted node of one end of the village's edge.
    term_hard : ndarray int
        Contracted node of the village's nearest hardened road within ``access_radius_m`` today (-1: none):
        joining it to the root gives access without paving the village's own edge.
    have, total : int
        Villages in scope with access today, and all villages in scope.
    """

    n_comp: int
    cu: np.ndarray
    cv: np.ndarray
    length: np.ndarray
    edges: np.ndarray
    root: np.ndarray
    term_edge: np.ndarray
    term_node: np.ndarray
    term_hard: np.ndarray
    have: int
    total: int

    def need(self, target: float) -> int:
        """Villages to gain for ``target`` (fraction), capped by what paving can reach."""
        short = max(0, math.ceil(round(target * self.total, 9)) - self.have) if self.total else 0
        return min(short, len(self.term_edge))

    def rooted(self, paved: np.ndarray) -> np.ndarray:
        """Per contracted node: joined to the root once the edges ``paved`` are hardened.

        Only the nodes the paved edges touch are searched, so a call costs the size of the plan, not of the
        graph.
        """
        out = self.root.copy()
        sel = np.flatnonzero(paved)
        if len(sel) == 0:
            return out
        nodes, ends = np.unique(np.r_[self.cu[sel], self.cv[sel]], return_inverse=True)
        label = _components(len(nodes), ends[:len(sel)], ends[len(sel):])
        out[nodes] = np.bincount(label, weights=self.root[nodes], minlength=len(nodes))[label] > 0
        return out

    def satisfied(self, paved: np.ndarray) -> np.ndarray:
        """Per terminal: access gained once the edges ``paved`` (bool over ``edges``) are hardened."""
        rooted = self.rooted(paved)
        own = np.where(self.term_edge >= 0, paved[np.maximum(self.term_edge, 0)], True)
        hard = (self.term_hard >= 0) & rooted[np.maximum(self.term_hard, 0)]
        return (rooted[self.term_node] & own) | hard

    def km(self, paved: np.ndarray) -> float:
        """Kilometres of the edges ``paved``."""
        return float(self.length[paved].sum()) / 1000.0


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes joined by edges (a, b): union–find, cheap for the few nodes of a
    plan (scipy's connected_components costs a millisecond of set-up per call, which pruning repeats).
    """
    if len(a) > 20_000:
        g = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        return connected_components(g, directed=False)[1]
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[rx] = ry
    return np.array([find(x) for x in range(n)], np.int64)


def instance(net: RoadNetwork, village_edge: np.ndarray, root_nodes: np.ndarray, have: int,
             total: int, village_hard_edge: np.ndarray | None = None,
             keep: np.ndarray | None = None) -> PavingInstance:
    """Build a county's paving instance.

    Parameters
    ----------
    net : RoadNetwork
    village_edge : ndarray int
        For each in-scope larger village without access: the road-graph edge it lies on (-1 when no road is
        within ``access_radius_m``; such villages cannot gain access by paving and are left out).
    root_nodes : ndarray int
        Road-graph nodes on seat-connected hardened networks.
    have, total : int
        Villages in scope with access today, and all villages in scope.
    village_hard_edge : ndarray int, optional
        For the same villages: the hardened edge nearest within ``access_radius_m`` (-1: none).
    keep : ndarray of bool, optional
        Unhardened edges that may be paved (default all); the villages' own edges are always kept. The
        contracted nodes are renumbered to those the kept edges and the villages touch.
    """
    comp = net.hard_component.astype(np.int64)
    ok = village_edge >= 0
    e = village_edge[ok]
    h = (np.full(len(village_edge), -1, np.int64) if village_hard_edge is None else village_hard_edge)[ok]
    may = ~net.edge_hardened if keep is None else ~net.edge_hardened & keep
    may[e[~net.edge_hardened[e]]] = True
    soft = np.flatnonzero(may)
    index = np.full(net.n_edges, -1, np.int64)
    index[soft] = np.arange(len(soft))
    hard_comp = comp[net.edge_u[np.maximum(h, 0)]]
    used, local = np.unique(np.r_[comp[net.edge_u[soft]], comp[net.edge_v[soft]], comp[net.edge_u[e]],
                                  hard_comp[h >= 0]], return_inverse=True)
    n_s, n_e = len(soft), len(e)
    cu, cv, tn = local[:n_s], local[n_s:2 * n_s], local[2 * n_s:2 * n_s + n_e]
    term_hard = np.full(len(h), -1, np.int64)
    term_hard[h >= 0] = local[2 * n_s + n_e:]
    root = np.isin(used, comp[root_nodes])
    return PavingInstance(len(used), cu, cv, net.edge_len_m[soft], soft, root, index[e], tn, term_hard, have, total)


def _pair_edge(inst: PavingInstance) -> dict[tuple[int, int], int]:
    """Shortest unhardened edge between each pair of contracted nodes."""
    best: dict[tuple[int, int], int] = {}
    for k in np.argsort(inst.length)[::-1]:
        a, b = int(inst.cu[k]), int(inst.cv[k])
        best[(min(a, b), max(a, b))] = int(k)
    return best


def _other_end(inst: PavingInstance) -> np.ndarray:
    """The contracted node at the far end of each village's own edge (its own node when already hardened)."""
    e = np.maximum(inst.term_edge, 0)
    far = np.where(inst.cu[e] == inst.term_node, inst.cv[e], inst.cu[e])
    return np.where(inst.term_edge >= 0, far, inst.term_node)


def _connection(inst: PavingInstance, paved: np.ndarray, other: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From the tree ``paved`` builds: per village the end to reach, the cost through its own edge and through
    its hardened road, and the search's predecessors.
    """
    other = _other_end(inst) if other is None else other
    w = np.where(paved, EPS_WEIGHT, inst.length)
    m = sp.csr_matrix((np.r_[w, w], (np.r_[inst.cu, inst.cv], np.r_[inst.cv, inst.cu])),
                      shape=(inst.n_comp, inst.n_comp))
    sources = np.flatnonzero(inst.rooted(paved))
    if len(sources) == 0:
        inf = np.full(len(inst.term_node), np.inf)
        return inst.term_node, inf, inf, np.full(inst.n_comp, -9999)
    d, pred, _ = dijkstra(m, directed=False, indices=sources, min_only=True, return_predecessors=True)
    e = np.maximum(inst.term_edge, 0)
    own = np.where((inst.term_edge >= 0) & ~paved[e], inst.length[e], 0.0)
    end = np.where(d[inst.term_node] <= d[other], inst.term_node, other)
    via_hard = np.where(inst.term_hard >= 0, d[np.maximum(inst.term_hard, 0)], np.inf)
    return end, own + np.minimum(d[inst.term_node], d[other]), via_hard, pred


def _pave(inst: PavingInstance, paved: np.ndarray, i: int, end: np.ndarray, via_own: np.ndarray,
          via_hard: np.ndarray, pred: np.ndarray, pair: dict[tuple[int, int], int]) -> None:
    """Pave village ``i``'s cheapest connection along the search tree ``pred`` (in place)."""
    use_hard = via_hard[i] < via_own[i]
    node = int(inst.term_hard[i] if use_hard else end[i])
    while pred[node] >= 0:
        p = int(pred[node])
        paved[pair[(min(p, node), max(p, node))]] = True
        node = p
    if inst.term_edge[i] >= 0 and not use_hard:
        paved[inst.term_edge[i]] = True


def greedy(inst: PavingInstance, need: int, ratio: int = 1) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """Shortest-path greedy: connect the cheapest village to the tree until ``need`` villages gain access.

    On large instances (more than :data:`BATCH_ABOVE_NODES` contracted nodes) each search connects the
    cheapest tenth of the villages still needed along its search tree, instead of one. With ``ratio`` > 1
    the step takes, of the ``ratio`` cheapest villages, the one whose path gains the most villages per metre.

    Returns
    -------
    (paved, steps)
        Bool over edges; after each step the villages gained so far and the km paved so far.
    """
    paved = np.zeros(len(inst.edges), bool)
    pair = _pair_edge(inst)
    other = _other_end(inst)
    steps: list[tuple[int, float]] = []
    sat = inst.satisfied(paved)
    steps.append((int(sat.sum()), 0.0))
    while sat.sum() < need:
        end, via_own, via_hard, pred = _connection(inst, paved, other)
        cost = np.where(sat, np.inf, np.minimum(via_own, via_hard))
        batch = 1 if inst.n_comp <= BATCH_ABOVE_NODES else max(1, math.ceil((need - int(sat.sum())) / 10))
        picks = [int(i) for i in np.argsort(cost, kind="stable")[:max(batch, ratio)] if np.isfinite(cost[i])]
        if not picks:
            break
        if ratio > 1 and batch == 1:  # of the cheapest few, the one gaining most villages per metre
            gain = []
            for i in picks:
                trial = paved.copy()
                _pave(inst, trial, i, end, via_own, via_hard, pred, pair)
                gain.append((int(inst.satisfied(trial).sum()) - int(sat.sum())) / max(cost[i], 1.0))
            picks = [picks[int(np.argmax(gain))]]
        for i in picks:  # every path runs along the same search tree, so each joins the root
            _pave(inst, paved, i, end, via_own, via_hard, pred, pair)
        sat = inst.satisfied(paved)
        if not sat[picks].all():  # cannot happen on a consistent instance; never loop forever
            break
        steps.append((int(sat.sum()), inst.km(paved)))
    return paved, steps


def single_costs(inst: PavingInstance) -> np.ndarray:
    """Metres each village would cost alone: its own edge plus the shortest unpaved path to the root (or the
    path that joins its nearest hardened road to the root).
    """
    none = np.zeros(len(inst.edges), bool)
    _, via_own, via_hard, _ = _connection(inst, none)
    return np.minimum(via_own, via_hard)


def path_bound(costs: np.ndarray, need: int) -> float:
    """A lower bound in km: a plan that gains ``need`` villages contains a whole connection for each, so it
    costs at least the ``need``-th smallest single-village cost.
    """
    return float(np.sort(costs)[need - 1]) / 1000.0 if 0 < need <= len(costs) else 0.0


def prune(inst: PavingInstance, paved: np.ndarray, need: int) -> np.ndarray:
    """Drop paved edges, longest first, while at least ``need`` villages keep their gained access."""
    paved = paved.copy()
    for k in np.flatnonzero(paved)[np.argsort(-inst.length[paved])]:
        paved[k] = False
        if inst.satisfied(paved).sum() < need:
            paved[k] = True
    return paved


def knapsack_bound(inst: PavingInstance, need: int) -> float:
    """A lower bound in km: every gained village needs its own edge paved (shared edges counted once).

    The fractional knapsack over the distinct unpaved edges of the villages (length per village served).
    """
    if need <= 0:
        return 0.0
    free = int(((inst.term_edge < 0) | (inst.term_hard >= 0)).sum())
    rest = need - free
    if rest <= 0:
        return 0.0
    e, count = np.unique(inst.term_edge[(inst.term_edge >= 0) & (inst.term_hard < 0)], return_counts=True)
    ratio = inst.length[e] / count
    order = np.argsort(ratio)
    got, km = 0, 0.0
    for j in order:
        take = min(count[j], rest - got)
        km += ratio[j] * take
        got += take
        if got >= rest:
            break
    return km / 1000.0


@dataclass(frozen=True)
class PavingResult:
    """A paving plan for one county and one target."""

    target: float
    need: int
    paved: np.ndarray
    km: float
    gained: int
    bound_km: float
    gap: float
    method: str
    status: str
    seconds: float


def solve(inst: PavingInstance, targets: tuple[float, ...] = CURVE_TARGETS, time_limit: float = 10.0,
          primary: float | None = None, exact_max_edges: int = 20000,
          say: Callable[[str], object] | None = None) -> list[PavingResult]:
    """Plans for each target (fraction), monotone: a higher target never needs fewer km.

    Parameters
    ----------
    inst : PavingInstance
    targets : tuple of float
    time_limit : float
        Seconds for all integer programmes of this instance together.
    primary : float, optional
        The target the user asked for: solved first, with :data:`PRIMARY_SHARE` of the time.
    exact_max_edges : int
        Run the integer programme only when there are at most this many unhardened edges.
    say : callable, optional
        Receives a progress line before each integer programme (they take most of the time).
    """
    t0 = time.perf_counter()
    full, _ = greedy(inst, max(inst.need(t) for t in targets) if targets else 0)
    sub, keep = reduced(inst)
    own = [] if primary is None or inst.need(primary) == 0 else \
        [prune(inst, greedy(inst, inst.need(primary), r)[0], inst.need(primary)) for r in (1, RATIO_CANDIDATES)]
    costs = single_costs(inst)
    order = sorted(targets, key=lambda t: (t != primary, -t))
    plans: dict[float, np.ndarray] = {}
    bounds: dict[float, float] = {}
    status: dict[float, str] = {}
    for i, t in enumerate(order):
        need = inst.need(t)
        above = [u for u in plans if u > t]
        plan = min([prune(inst, full, need)] + ([prune(inst, plans[min(above)], need)] if above else [])
                   + (own if t == primary else []), key=inst.km)
        bounds[t], status[t] = max(knapsack_bound(inst, need), path_bound(costs, need)), "heuristic"
        left = time_limit - (time.perf_counter() - t0)
        share = PRIMARY_SHARE * left if t == primary and len(order) > 1 else left / (len(order) - i)
        if len(sub.edges) <= exact_max_edges and share > 0.05 and need > 0:
            if say is not None:
                say(f"target {100 * t:g} %: {need} villages, integer programme for at most {share:.0f} s "
                    f"({i + 1}/{len(order)})")
            x, mip_bound, status[t] = exact(sub, need, share, plan[keep] if WARM_START else None)
            if x is not None:
                x = np.isin(np.arange(len(inst.edges)), keep[x])
            if x is not None and inst.km(x) < inst.km(plan) - 1e-9 and inst.satisfied(x).sum() >= need:
                plan = x
            bounds[t] = max(bounds[t], mip_bound)
        plans[t] = plan
    ranked = sorted(targets)
    for lo, hi in zip(ranked[:-1], ranked[1:], strict=True):  # more villages cost at least as much
        bounds[hi] = max(bounds[hi], bounds[lo])
    for hi, lo in zip(ranked[::-1][:-1], ranked[::-1][1:], strict=True):  # a higher plan serves a lower target
        if inst.km(plans[hi]) < inst.km(plans[lo]):
            plans[lo] = prune(inst, plans[hi], inst.need(lo))
    out = []
    for t in ranked:
        km = inst.km(plans[t])
        bound = min(bounds[t], km)
        gap = 0.0 if km - bound < 1e-6 else (km - bound) / max(km, 1e-9)
        out.append(PavingResult(t, inst.need(t), plans[t], round(km, 3), int(inst.satisfied(plans[t]).sum()),
                                round(bound, 3), round(gap, 6), "exact" if gap == 0.0 else "heuristic", status[t],
                                round(time.perf_counter() - t0, 4)))
    return out


def within_budget(inst: PavingInstance, budget_km: float) -> PavingResult:
    """The most villages the greedy reaches within ``budget_km`` (pruned); heuristic, with its km bound."""
    t0 = time.perf_counter()
    _, steps = greedy(inst, len(inst.term_edge))
    got = max(n for n, km in steps if km <= budget_km + 1e-9)
    paved, _ = greedy(inst, got)
    paved = prune(inst, paved, got)
    km, bound = inst.km(paved), max(knapsack_bound(inst, got), path_bound(single_costs(inst), got))
    gap = 0.0 if km - bound < 1e-6 else (km - bound) / max(km, 1e-9)
    share = (inst.have + got) / inst.total if inst.total else 0.0
    return PavingResult(share, got, paved, round(km, 3), got, round(bound, 3), round(gap, 6),
                        "exact" if gap == 0.0 else "heuristic", "budget", round(time.perf_counter() - t0, 4))


def reduced(inst: PavingInstance) -> tuple[PavingInstance, np.ndarray]:
    """The instance with only the shortest of parallel edges (between the same two contracted nodes) and the
    villages' own edges: a plan using a longer parallel edge is no shorter with the shortest one instead, so
    the optimum and its bound are those of the whole instance.

    Returns
    -------
    (instance, keep)
        The reduced instance and, per its edges, the index of that edge in ``inst``.
    """
    keep = np.unique(np.r_[np.fromiter(_pair_edge(inst).values(), np.int64), inst.term_edge[inst.term_edge >= 0]])
    pos = np.full(len(inst.edges), -1, np.int64)
    pos[keep] = np.arange(len(keep))
    term_edge = np.where(inst.term_edge >= 0, pos[np.maximum(inst.term_edge, 0)], -1)
    return PavingInstance(inst.n_comp, inst.cu[keep], inst.cv[keep], inst.length[keep], inst.edges[keep], inst.root,
                          term_edge, inst.term_node, inst.term_hard, inst.have, inst.total), keep


def exact(inst: PavingInstance, need: int, time_limit: float,
          start: np.ndarray | None = None) -> tuple[np.ndarray | None, float, str]:
    """The least-km paving reaching ``need`` villages, as a single-commodity flow MIP (HiGHS).

    Columns: x_e (pave edge e); z for each way a village can gain access (through its own edge, at the
    edge's node; through its hardened road, at that road's node); a flow on each direction of each edge.
    The root (every seat-connected node) sends one unit per gained village along paved edges.

    Returns
    -------
    (paved or None, lower bound in km, status)
    """
    n_e, n_t, n = len(inst.edges), len(inst.term_edge), inst.n_comp + 1
    src = inst.n_comp
    roots = np.flatnonzero(inst.root)
    hard = np.flatnonzero(inst.term_hard >= 0)
    z_node, z_village = np.r_[inst.term_node, inst.term_hard[hard]], np.r_[np.arange(n_t), hard]
    au = np.r_[inst.cu, inst.cv, np.full(len(roots), src)]  # arcs: each edge both ways, then root links
    av = np.r_[inst.cv, inst.cu, roots]
    n_z, n_a, big = len(z_node), len(au), float(max(need, 1))  # a plan need serve no more than ``need``
    xi, zi, fi = np.arange(n_e), n_e + np.arange(n_z), n_e + n_z + np.arange(n_a)
    own = np.flatnonzero(inst.term_edge >= 0)
    cap, own_row, once, quota = n, n + 2 * n_e, n + 2 * n_e + len(own), n + 2 * n_e + len(own) + n_t
    triplets = [
        (av, fi, 1.0), (au, fi, -1.0), (z_node, zi, -1.0),  # balance: inflow − outflow = demand served here
        (cap + np.arange(2 * n_e), fi[:2 * n_e], 1.0), (cap + np.arange(2 * n_e), np.r_[xi, xi], -big),  # f ≤ big x
        (own_row + np.arange(len(own)), zi[own], 1.0),  # through its own edge only when that edge is paved
        (own_row + np.arange(len(own)), xi[inst.term_edge[own]], -1.0),
        (once + z_village, zi, 1.0),  # each village counted once
        (np.full(n_z, quota), zi, 1.0),  # at least ``need`` villages
    ]
    rows = np.concatenate([np.broadcast_to(r, np.shape(c)) for r, c, _ in triplets])
    cols = np.concatenate([c for _, c, _ in triplets])
    vals = np.concatenate([np.full(len(c), v) for _, c, v in triplets])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(quota + 1, n_e + n_z + n_a))
    lo = np.r_[np.zeros(n), np.full(2 * n_e + len(own) + n_t, -np.inf), float(need)]
    hi = np.r_[np.zeros(n), np.zeros(2 * n_e + len(own)), np.ones(n_t), np.inf]
    lo[src], hi[src] = -np.inf, np.inf
    cost = np.r_[inst.length / 1000.0, np.zeros(n_z + n_a)]
    upper = np.r_[np.ones(n_e + n_z), np.full(n_a, big)]
    integer = np.r_[np.ones(n_e + n_z, bool), np.zeros(n_a, bool)]
    hint = None if start is None else (np.arange(n_e), start.astype(float))
    x, _, bound, status = solve_mip(cost, np.zeros(len(cost)), upper, a, lo, hi, integer, False, time_limit, hint)
    bound = float(bound) if np.isfinite(bound) else 0.0
    return (None if x is None else x[:n_e] > 0.5), bound, status
