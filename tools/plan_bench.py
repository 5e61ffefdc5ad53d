"""The plan's measurements for ``ruralenv bench``: siting, paving and the re-run check on a run's results."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..core.plan.check import agreement, rerun
from ..core.plan.facilities import TYPE_ZH, plan_facilities
from ..core.plan.problem import load_results
from ..core.plan.roads import paved_roads, plan_paving
from ..core.plan.sewage_plan import plan_sewage

#: Goals of the plan (seconds for siting, candidates found at region scale); targets, not tests.
GOALS = {"county": 2.0, "region": 60.0}
#: Goals of the sewage plan (seconds): a county, the whole region.
SEWAGE_GOALS = {"county": 5.0, "region": 60.0}
#: Above this many counties the paving plan is not timed (its exact part runs per county).
PAVING_MAX_COUNTIES = 12


def plan_benchmark(results_gpkg: str | Path, time_limit: float, check: bool = True) -> dict[str, Any]:
    """Time the fewest-sites plan (2025 target, default candidates), the paving plan and the re-run check.

    Parameters
    ----------
    results_gpkg : path
        results.gpkg of a run (its summary.json beside it gives the settings and the graph cache).
    time_limit : float
        Seconds for each integer programme.
    check : bool
        Also run the analysis again with the plan built.

    Returns
    -------
    dict
        Seconds per part, the candidates, the objective, bound, gap and method of each plan, and the check.
    """
    t0 = time.perf_counter()
    inp = load_results(results_gpkg)
    out: dict[str, Any] = {"load_s": round(time.perf_counter() - t0, 3), "time_limit_s": time_limit}
    t0 = time.perf_counter()
    fac = plan_facilities(inp, time_limit=time_limit)
    r = fac.result
    out["siting"] = {"seconds": round(time.perf_counter() - t0, 3), "candidates": fac.n_candidates,
                     "candidates_usable": fac.n_candidates_usable, "sites": int(len(fac.sites)),
                     "greedy_sites": r.greedy_objective, "bound": r.bound, "gap": r.gap, "method": r.method,
                     "status": r.status, "solve_s": r.seconds,
                     "coverage_before_pct": float(fac.counties["coverage_before_pct"].mean()),
                     "counties_short": len(fac.unreachable_target)}
    k = 3 * int(inp.villages["county_code"].nunique())
    t0 = time.perf_counter()
    r = plan_facilities(inp, sites=k, time_limit=time_limit).result
    out["siting_k"] = {"seconds": round(time.perf_counter() - t0, 3), "k": k, "objective": r.objective,
                       "greedy_objective": r.greedy_objective, "bound": r.bound, "gap": r.gap, "method": r.method,
                       "status": r.status, "solve_s": r.seconds}
    if "sewage_mode" in inp.villages:
        out["sewage"] = sewage_benchmark(inp, time_limit)
    pav = None
    n_counties = int(inp.road_scope().any() and inp.villages["county_code"].nunique())
    if n_counties <= PAVING_MAX_COUNTIES:
        t0 = time.perf_counter()
        pav = plan_paving(inp, time_limit=time_limit)
        c = pav.counties
        out["paving"] = {"seconds": round(time.perf_counter() - t0, 3), "km": round(float(c["km"].sum()), 2),
                         "bound_km": round(float(c["bound_km"].sum()), 2), "pieces": len(pav.pieces),
                         "methods": sorted(set(c["method"]))}
    else:
        out["paving"] = {"skipped": f"{n_counties} counties > {PAVING_MAX_COUNTIES}"}
    if check:
        t0 = time.perf_counter()
        sites = fac.sites.assign(name=[f"规划{TYPE_ZH[fac.facility_type]}{k}" for k in fac.sites["rank"]])
        roads = paved_roads(inp, pav.net, pav.edges) if pav is not None else None
        v = rerun(inp, sites, roads).villages
        out["check"] = {"seconds": round(time.perf_counter() - t0, 3),
                        "waste": agreement(fac.covered_after, v["covered"].fillna(False).astype(bool).to_numpy(),
                                           inp.waste_scope())}
        if pav is not None:
            out["check"]["roads"] = agreement(pav.access_after,
                                              v["hardened_access"].fillna(False).astype(bool).to_numpy(),
                                              inp.road_scope())
    return out


def sewage_benchmark(inp, time_limit: float) -> dict[str, Any]:
    """Time the least-cost sewage plan for 2025 (overall and zone targets) on loaded results."""
    t0 = time.perf_counter()
    sew = plan_sewage(inp, 2025, time_limit=time_limit)
    c = sew.counties
    cost, bound = float(c["cost_wan"].sum()), float(c["bound_wan"].sum())
    return {"seconds": round(time.perf_counter() - t0, 3), "counties": int(len(c)),
            "villages_treated": int(c["villages_treated"].sum()), "groups": int(c["groups"].sum()),
            "pipe_km": round(float(c["pipe_km"].sum()), 3), "cost_wan": round(cost, 2), "bound_wan": round(bound, 2),
            "gap_pct": round(100 * (cost - bound) / cost, 4) if cost else 0.0,
            "counties_exact": int((c["method"] == "exact").sum()),
            "slowest_county_s": round(float(c["solve_seconds"].max()), 3) if len(c) else 0.0}


def plan_rows(runs: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Rows of bench.md for the plan (one value per scale)."""
    p = [r.get("plan", {}) for r in runs]
    s = [x.get("siting", {}) for x in p]
    v = [x.get("paving", {}) for x in p]
    return [("plan: candidate sites", [x.get("candidates") for x in s]),
            ("plan: usable candidates", [x.get("candidates_usable") for x in s]),
            ("plan: siting s (goal: county 2, region 60)", [x.get("seconds") for x in s]),
            ("plan: sites for 60 %", [x.get("sites") for x in s]),
            ("plan: sites by the greedy alone", [x.get("greedy_sites") for x in s]),
            ("plan: lower bound on sites", [x.get("bound") for x in s]),
            ("plan: siting gap", [x.get("gap") for x in s]),
            ("plan: K = 3 per county, siting s", [x.get("siting_k", {}).get("seconds") for x in p]),
            ("plan: villages the K sites cover", [x.get("siting_k", {}).get("objective") for x in p]),
            ("plan: K sites, greedy alone", [x.get("siting_k", {}).get("greedy_objective") for x in p]),
            ("plan: K sites, upper bound", [x.get("siting_k", {}).get("bound") for x in p]),
            ("plan: paving s", [x.get("seconds") for x in v]),
            ("plan: km for 85 %", [x.get("km") for x in v]),
            ("plan: lower bound km", [x.get("bound_km") for x in v]),
            ("plan: re-run check s", [x.get("check", {}).get("seconds") for x in p]),
            ("plan: sewage plan s (goal: county 5, region 60)", [x.get("sewage", {}).get("seconds") for x in p]),
            ("plan: sewage villages treated", [x.get("sewage", {}).get("villages_treated") for x in p]),
            ("plan: sewage shared plants (连片)", [x.get("sewage", {}).get("groups") for x in p]),
            ("plan: sewage cost 万元 / bound", [f"{x['sewage']['cost_wan']:.0f} / {x['sewage']['bound_wan']:.0f}"
                                                if "sewage" in x else None for x in p]),
            ("plan: sewage counties exact", [x.get("sewage", {}).get("counties_exact") for x in p])]
