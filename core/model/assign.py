"""Villages to facilities within capacity: a transportation problem with whole villages, solved exactly.

Each village goes to at most one of the facilities it may use (the pairs given, each within the rule's
distance); a facility takes at most its ``capacity_tpd`` of waste, and with ``groups`` the facilities of one
group together at most the group's capacity (transfer stations hauling to one county plant). Objective, in
order: as many villages as possible, then least total road distance. Villages carry unequal loads, so the
integral problem is a generalised assignment: an integer programme in HiGHS (:mod:`...base.mip`), one per
connected part of the village–facility graph whose capacities bind; where no capacity binds, each village
takes its nearest facility (the rule without capacities, so unlimited capacities give today's results).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..base.mip import solve_mip

#: Seconds HiGHS may spend on one part before it returns its best assignment (reported in summary.json).
TIME_LIMIT_S = 60.0


def _parts(vi: np.ndarray, fi: np.ndarray, groups: np.ndarray | None, n_fac: int) -> np.ndarray:
    """Connected part of each pair over villages, facilities and groups."""
    n_v = int(vi.max()) + 1
    a = [vi, vi]
    b = [n_v + fi, n_v + fi]
    if groups is not None:
        g = groups >= 0
        a.append(n_v + fi[g])
        b.append(n_v + n_fac + groups[g])
    size = n_v + 2 * n_fac
    m = sp.coo_matrix((np.ones(sum(len(x) for x in a)), (np.concatenate(a), np.concatenate(b))), shape=(size, size))
    return connected_components(m, directed=False)[1][vi]


def _binding(vi: np.ndarray, keys: np.ndarray, waste: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Per pair: its key's capacity (facility or group) is below the waste of every village that may use it."""
    ok = keys >= 0
    pairs = np.unique(np.c_[keys[ok], vi[ok]], axis=0) if ok.any() else np.zeros((0, 2), np.int64)
    total = np.bincount(pairs[:, 0], weights=waste[pairs[:, 1]], minlength=len(cap)) if len(pairs) else \
        np.zeros(len(cap))
    tight = total > cap + 1e-9
    return ok & tight[np.maximum(keys, 0)]


def nearest(vi: np.ndarray, fi: np.ndarray, dd: np.ndarray, n: int) -> np.ndarray:
    """Each village's nearest facility among its pairs (ties: the lower facility row); -1 without pairs."""
    order = np.lexsort((fi, dd, vi))
    first = np.r_[True, vi[order][1:] != vi[order][:-1]] if len(order) else np.zeros(0, bool)
    out = np.full(n, -1, np.int64)
    out[vi[order][first]] = fi[order][first]
    return out


def _solve_part(vi: np.ndarray, fi: np.ndarray, dd: np.ndarray, waste: np.ndarray, cap: np.ndarray,
                groups: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The exact assignment of one part: per pair, chosen or not, and HiGHS's status."""
    villages, v_local = np.unique(vi, return_inverse=True)
    facs, f_local = np.unique(fi, return_inverse=True)
    k = len(vi)
    km = dd / 1000.0
    big = (len(villages) + 1) * (float(km.max()) + 1.0)  # one more village beats any saving in distance
    rows = [sp.coo_matrix((np.ones(k), (v_local, np.arange(k))), shape=(len(villages), k)),
            sp.coo_matrix((waste[vi], (f_local, np.arange(k))), shape=(len(facs), k))]
    hi = [np.ones(len(villages)), cap[facs]]
    if groups is not None and (groups >= 0).any():
        gs, g_local = np.unique(groups[groups >= 0], return_inverse=True)
        sel = np.flatnonzero(groups >= 0)
        rows.append(sp.coo_matrix((waste[vi[sel]], (g_local, sel)), shape=(len(gs), k)))
        hi.append(cap[gs])
    a = sp.vstack(rows).tocsr()
    row_hi = np.concatenate(hi)
    row_hi = np.where(np.isfinite(row_hi), row_hi, 1e30)
    x, _, _, status = solve_mip(km - big, np.zeros(k), np.ones(k), a, np.full(a.shape[0], -1e30), row_hi,
                                np.ones(k, bool), False, TIME_LIMIT_S)
    if x is None:
        return np.zeros(k, bool), status
    return x > 0.5, status


def assign_within_capacity(vi: np.ndarray, fi: np.ndarray, dd: np.ndarray, waste: np.ndarray, cap: np.ndarray,
                           groups: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """Assign villages to facilities within capacity, most villages first, then least road distance.

    Parameters
    ----------
    vi, fi : ndarray int
        Village and facility (row of ``cap``) of each allowed pair.
    dd : ndarray float
        Road metres of each pair.
    waste : ndarray float
        t/d of each village (indexed by village).
    cap : ndarray float
        t/d each facility (and each group, same indexing) can take; inf: unlimited.
    groups : ndarray int, optional
        Per pair: the group (index into ``cap``) the facility's waste goes on to (-1: none).

    Returns
    -------
    (chosen, info)
        Per village the facility it goes to (-1: none); parts, parts solved by HiGHS, their status, seconds.
    """
    t0 = time.perf_counter()
    n = len(waste)
    chosen = np.full(n, -1, np.int64)
    info: dict[str, Any] = {"pairs": int(len(vi)), "parts": 0, "parts_solved_exactly": 0, "status": "optimal",
                            "seconds": 0.0}
    if len(vi) == 0:
        return chosen, info
    part = _parts(vi, fi, groups, len(cap))
    tight = _binding(vi, fi, waste, cap)
    if groups is not None:
        tight |= _binding(vi, groups, waste, cap)
    tight_part = np.zeros(int(part.max()) + 1, bool)
    tight_part[part[tight]] = True
    loose = ~tight_part[part]
    near = nearest(vi[loose], fi[loose], dd[loose], n)
    chosen[near >= 0] = near[near >= 0]
    info["parts"] = int(len(np.unique(part)))
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.flatnonzero(tight_part))
    ends = np.searchsorted(part[order], np.flatnonzero(tight_part), side="right")
    for lo, hi in zip(bounds, ends, strict=True):
        sel = order[lo:hi]
        pick, status = _solve_part(vi[sel], fi[sel], dd[sel], waste, cap, None if groups is None else groups[sel])
        chosen[vi[sel][pick]] = fi[sel][pick]
        info["parts_solved_exactly"] += int(status == "optimal")
        if status != "optimal":
            info["status"] = status
    info["seconds"] = round(time.perf_counter() - t0, 3)
    return chosen, info
