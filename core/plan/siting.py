"""Facility siting on coverage sets: maximal covering with K sites, or the fewest sites reaching a target.

Both start from a lazy greedy (a valid plan, kept when the solver does not beat it in time; for maximal
covering it is within 1 − 1/e of the optimum), then solve the integer programme exactly with HiGHS
(``highspy``) within a time limit. (HiGHS 1.16 misreports the objective when given a start solution, so
none is passed; objectives are recomputed from the chosen sites, never taken from the solver.) What the solver proved is reported as it is: the objective of the best plan found, the bound and
the gap between them (0 when proven optimal).

Maximal covering (Church & ReVelle 1974)::

    max Σ_i w_i y_i   s.t.  y_i ≤ Σ_{j ∈ N(i)} x_j,  Σ_j x_j ≤ K,  x ∈ {0,1},  0 ≤ y ≤ 1

Fewest sites reaching a target, per group (county)::

    min Σ_j x_j   s.t.  y_i ≤ Σ_{j ∈ N(i)} x_j,  Σ_{i ∈ g} y_i ≥ need_g,  x ∈ {0,1},  0 ≤ y ≤ 1

With x integral each y_i ≤ min(1, Σ x_j) is 0 or 1 at most, so y needs no integrality.
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..base.mip import solve_mip


@dataclass(frozen=True)
class SitingResult:
    """Chosen sites and what is known about their optimality.

    Attributes
    ----------
    chosen : ndarray of int
        Candidate indices, ranked (each next site adds the most of what is left).
    gained : ndarray of float
        Weight each ranked site adds to those before it.
    objective : float
        Covered weight (maximal covering) or number of sites (target).
    bound : float
        Best bound proven: an upper bound on the covered weight, or a lower bound on the sites.
    gap : float
        ``|bound − objective| / max(|objective|, 1)``; 0 means proven optimal.
    status : str
        ``optimal``, ``time_limit``, ``greedy`` (no solver run) or the solver's status.
    method : str
        ``exact`` when the gap is 0, else ``heuristic``.
    seconds : float
    greedy_objective : float
        What the greedy alone achieved.
    """

    chosen: np.ndarray
    gained: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    method: str
    seconds: float
    greedy_objective: float


def _gains(a: sp.csr_matrix, j: int, open_: np.ndarray, w: np.ndarray) -> float:
    cols = a.indices[a.indptr[j]:a.indptr[j + 1]]
    return float(w[cols[open_[cols]]].sum())


def _capped_gain(a: sp.csr_matrix, j: int, open_: np.ndarray, group: np.ndarray, need: np.ndarray) -> float:
    cols = a.indices[a.indptr[j]:a.indptr[j + 1]]
    hits = np.bincount(group[cols[open_[cols]]], minlength=len(need))
    return float(np.minimum(hits, need).sum())


def lazy_greedy(a: sp.csr_matrix, w: np.ndarray, k: int | None = None, group: np.ndarray | None = None,
                need: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy by largest marginal gain, re-evaluating only the top of a heap (gains only shrink).

    Parameters
    ----------
    a : csr_matrix of bool, shape (candidates, villages)
    w : ndarray
        Weight of each village.
    k : int, optional
        Stop after ``k`` sites (maximal covering).
    group, need : ndarray, optional
        Target mode: group of each village and villages still needed per group; the gain of a site is
        what it adds towards the needs (counts, capped per group). Stops when every need is met.

    Returns
    -------
    (chosen, gained) : ndarray, ndarray
    """
    open_ = np.ones(a.shape[1], bool)
    need = None if need is None else need.astype(float).copy()
    grp = np.zeros(a.shape[1], np.int64) if group is None else group

    def gain(j: int) -> float:
        return _gains(a, j, open_, w) if need is None else _capped_gain(a, j, open_, grp, need)

    heap = [(-gain(j), j) for j in range(a.shape[0])]
    heapq.heapify(heap)
    chosen: list[int] = []
    gained: list[float] = []
    while heap and (k is None or len(chosen) < k) and (need is None or need.sum() > 0):
        neg, j = heapq.heappop(heap)
        g = gain(j)
        if g <= 0:
            continue
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, j))
            continue
        cols = a.indices[a.indptr[j]:a.indptr[j + 1]]
        newly = cols[open_[cols]]
        if need is not None:
            need -= np.minimum(np.bincount(grp[newly], minlength=len(need)), need)
        open_[newly] = False
        chosen.append(j)
        gained.append(g if need is None else float(w[newly].sum()))
    return np.array(chosen, np.int64), np.array(gained, float)


def rank(a: sp.csr_matrix, w: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order ``sites`` greedily (largest marginal gain first) with each one's marginal gain.

    Sites that add nothing to the others are dropped (same coverage with fewer sites).
    """
    chosen, gained = lazy_greedy(a[sites], w, k=len(sites))
    return sites[chosen], gained


def _model(a: sp.csr_matrix) -> tuple[sp.csr_matrix, int, int]:
    """Rows y_i − Σ_{j∈N(i)} x_j ≤ 0 over columns [x (candidates), y (villages)]."""
    n_c, n_v = a.shape
    link = sp.hstack([-a.T.astype(float), sp.identity(n_v, format="csr")], format="csr")
    return link, n_c, n_v


def _result(a: sp.csr_matrix, w: np.ndarray, sites: np.ndarray, objective: float | None, bound: float, status: str,
            seconds: float, greedy_obj: float) -> SitingResult:
    """Rank the sites and measure the gap; ``objective`` None means the number of sites kept."""
    ranked, gained = rank(a, w, np.asarray(sites, np.int64))
    objective = float(len(ranked)) if objective is None else objective
    gap = abs(bound - objective) / max(abs(objective), 1.0) if np.isfinite(bound) else float("inf")
    gap = 0.0 if gap < 1e-9 else gap
    return SitingResult(ranked, gained, float(objective), float(bound), float(gap), status,
                        "exact" if gap == 0.0 else "heuristic", round(seconds, 4), float(greedy_obj))


def max_cover(a: sp.csr_matrix, w: np.ndarray, k: int, time_limit: float = 30.0,
              exact: bool = True) -> SitingResult:
    """Maximal covering: the ``k`` sites covering the most weight.

    Parameters
    ----------
    a : csr_matrix of bool, shape (candidates, villages)
        ``a[j, i]``: candidate ``j`` would cover village ``i``.
    w : ndarray
        Weight of each village (1 to count villages, or people).
    k : int
    time_limit : float
        Seconds for the solver.
    exact : bool
        Run the integer programme after the greedy.

    Returns
    -------
    SitingResult
    """
    t0 = time.perf_counter()
    a, w = a.tocsr(), np.asarray(w, float)
    k = int(min(k, a.shape[0]))
    g_sites, g_gain = lazy_greedy(a, w, k=k)
    g_obj = float(g_gain.sum())
    total = float(w[np.asarray(a.sum(axis=0)).ravel() > 0].sum())
    if not exact or g_obj >= total - 1e-9 or k == 0:
        bound = total if g_obj < total - 1e-9 else g_obj
        return _result(a, w, g_sites, g_obj, bound, "optimal" if bound == g_obj else "greedy",
                       time.perf_counter() - t0, g_obj)
    link, n_c, n_v = _model(a)
    budget = sp.csr_matrix(np.r_[np.ones(n_c), np.zeros(n_v)][None, :])
    rows = sp.vstack([link, budget], format="csr")
    x, obj, bound, status = solve_mip(np.r_[np.zeros(n_c), w], np.zeros(n_c + n_v), np.ones(n_c + n_v), rows,
                                   np.r_[np.full(n_v, -np.inf), 0.0], np.r_[np.zeros(n_v), float(k)],
                                   np.r_[np.ones(n_c, bool), np.zeros(n_v, bool)], True,
                                   time_limit - (time.perf_counter() - t0))
    if x is None or obj < g_obj:
        sites, obj = g_sites, g_obj
    else:
        sites = np.flatnonzero(x[:n_c] > 0.5)
        obj = float(w[np.asarray(a[sites].sum(axis=0)).ravel() > 0].sum())
    return _result(a, w, sites, obj, max(min(bound, total), obj), status, time.perf_counter() - t0, g_obj)


def min_sites(a: sp.csr_matrix, w: np.ndarray, group: np.ndarray, need: np.ndarray, time_limit: float = 30.0,
              exact: bool = True) -> SitingResult:
    """The fewest sites that cover at least ``need[g]`` villages of each group ``g``.

    Parameters
    ----------
    a : csr_matrix of bool, shape (candidates, villages)
    w : ndarray
        Weight of each village (for the gains reported; the needs count villages).
    group : ndarray of int
        Group (county) of each village, 0..len(need)-1.
    need : ndarray of int
        Villages still to cover per group; must be reachable (at most what the candidates can cover).

    Returns
    -------
    SitingResult
        ``objective`` is the number of sites, ``bound`` a proven lower bound on it.
    """
    t0 = time.perf_counter()
    a, w = a.tocsr(), np.asarray(w, float)
    need = np.asarray(need, float)
    g_sites, _ = lazy_greedy(a, w, group=group, need=need)
    g_obj = float(len(g_sites))
    if not exact or g_obj <= 1 or need.sum() == 0:
        bound = g_obj if g_obj <= 1 else 1.0
        return _result(a, np.ones(a.shape[1]), g_sites, None, bound, "optimal" if bound == g_obj else "greedy",
                       time.perf_counter() - t0, g_obj)
    link, n_c, n_v = _model(a)
    used = np.flatnonzero(need > 0)
    vi = np.flatnonzero(np.isin(group, used))
    pick = sp.csr_matrix((np.ones(len(vi)), (np.searchsorted(used, group[vi]), n_c + vi)),
                         shape=(len(used), n_c + n_v))
    rows = sp.vstack([link, pick], format="csr")
    x, obj, bound, status = solve_mip(np.r_[np.ones(n_c), np.zeros(n_v)], np.zeros(n_c + n_v), np.ones(n_c + n_v),
                                   rows, np.r_[np.full(n_v, -np.inf), need[used]],
                                   np.r_[np.zeros(n_v), np.full(len(used), np.inf)],
                                   np.r_[np.ones(n_c, bool), np.zeros(n_v, bool)], False,
                                   time_limit - (time.perf_counter() - t0))
    sites = g_sites if x is None or obj > g_obj else np.flatnonzero(x[:n_c] > 0.5)
    bound = min(float(np.ceil(bound - 1e-6)) if np.isfinite(bound) else 0.0, float(len(sites)))
    return _result(a, np.ones(a.shape[1]), sites, None, bound, status, time.perf_counter() - t0,
                   g_obj)
