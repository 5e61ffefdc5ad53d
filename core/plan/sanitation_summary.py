"""plan.json's ``sewage`` and ``toilets`` parts and their words in the county sentence.

Rates after the plan are the re-run's (the analysis run again with the chosen villages treated and the
toilets built); the plan's own claim is kept beside them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.glossary import zh
from .check import agreement
from .problem import PlanInputs
from .sewage_plan import SewagePlan, zone_names
from .toilets import ToiletPlan


def _pct(part: np.ndarray, scope: np.ndarray) -> float | None:
    n = int(scope.sum())
    return round(100 * int((part & scope).sum()) / n, 2) if n else None


def _flags(v: pd.DataFrame, col: str) -> np.ndarray:
    return v[col].fillna(False).astype(bool).to_numpy() if col in v else np.zeros(len(v), bool)


def _rates(v: pd.DataFrame, treated: np.ndarray, zones: np.ndarray, county: np.ndarray | None = None) -> dict:
    """Overall and per-zone 生活污水治理率 of the in-scope administrative villages of ``v``."""
    scope = _flags(v, "in_scope") & _flags(v, "is_admin_village")
    if county is not None:
        scope &= county
    out = {"all": _pct(treated, scope)}
    for z in sorted(set(zones[scope])):
        out[z] = _pct(treated, scope & (zones == z))
    return out


def sewage_summary(inp: PlanInputs, plan: SewagePlan, villages: pd.DataFrame, re) -> dict:
    """plan.json → ``sewage``: rates before and after (overall, per zone, per county), cost, bound, gap.

    Parameters
    ----------
    inp : PlanInputs
    plan : SewagePlan
    villages : DataFrame
        The plan's villages layer (``sewage_treated_after`` is the re-run's when checked).
    re : Results or None
        The re-run (None: rates after are the plan's claim).
    """
    v = inp.villages
    zones = zone_names(v)
    county = v["county_code"].astype(str).to_numpy()
    before = _flags(v, "sewage_treated")
    after = villages["sewage_treated_after"].to_numpy(bool)
    scope = _flags(v, "in_scope") & _flags(v, "is_admin_village")
    if re is not None and "priority_zones" in inp.extra:
        zones = zone_names(re.villages)
    c = plan.counties
    cost, bound = float(c["cost_wan"].sum()), float(c["bound_wan"].sum())
    q = plan.quotas
    counties = []
    for row in c.to_dict(orient="records"):
        mine = county == row["county_code"]
        rb, ra = _rates(v, before, zones, mine), _rates(v, after, zones, mine)
        targets = q[q["county_code"] == row["county_code"]]
        row["zones"] = [{"zone": t.zone, "target_pct": t.target_pct, "n_admin": t.n_admin,
                         "rate_before_pct": rb.get(t.zone), "rate_after_pct": ra.get(t.zone),
                         "villages_needed": t.villages_needed, "short": t.short} for t in targets.itertuples()]
        row["rate_before_pct"], row["rate_after_pct"] = rb["all"], ra["all"]
        counties.append(row)
    overall = (inp.config.target_sewage_2023 if plan.year == 2023 else inp.config.target_sewage_2025) * 100
    rb, ra = _rates(v, before, zones), _rates(v, after, zones)
    return {
        "year": plan.year, "target_pct": round(overall, 2),
        "mode": "target" if c["budget_wan"].isna().all() else "budget",
        "budget_wan_per_county": None if c["budget_wan"].isna().all() else float(c["budget_wan"].iloc[0]),
        "rate_before_pct": rb["all"], "rate_after_pct": ra["all"],
        "rate_claimed_pct": _pct(plan.treated_after, scope),
        "zones": [{"zone": z, "rate_before_pct": rb.get(z), "rate_after_pct": ra.get(z),
                   "target_pct": _zone_target(v, zones, z) if plan.year == 2025 else None}
                  for z in sorted(set(zones[scope]))],
        "check": agreement(plan.treated_after, after, scope) if re is not None else None,
        "villages_treated": int(c["villages_treated"].sum()), "projects": int(len(plan.projects)),
        "groups": int(c["groups"].sum()), "pipe_km": round(float(c["pipe_km"].sum()), 3),
        "capex_wan": round(float(c["capex_wan"].sum()), 2),
        "opex_wan_per_year": round(float(c["opex_wan_per_year"].sum()), 2),
        "horizon_years": inp.config.cost_horizon_years,
        "cost_wan": round(cost, 2), "bound_wan": round(bound, 2),
        "gap_pct": (round(100 * (cost - bound) / cost, 4) if cost > 0 else 0.0) if c["budget_wan"].isna().all()
        else float(c["gap_pct"].max()),
        "cost_is": "capital + running cost over the horizon (万元)",
        "method": "exact" if set(c["method"]) <= {"exact"} else "heuristic",
        "bound_is": "sum of the counties' bounds (counties solved apart; a shared plant never crosses a county "
                    "line, so the sum is a bound of the region's cost); with a budget the programme maximises villages "
                    "and gap_pct is the gap in villages",
        "kinds": {str(k): int(n) for k, n in plan.projects["kind"].value_counts().items()},
        "plan_seconds": plan.seconds, "counties": counties,
    }


def _zone_target(v: pd.DataFrame, zones: np.ndarray, z: str) -> float | None:
    pct = pd.to_numeric(v["zone_target_pct"], errors="coerce").to_numpy(float)[zones == z]
    pct = pct[np.isfinite(pct)]
    return round(float(pct.max()), 2) if len(pct) else None


def _toilet_rate(v: pd.DataFrame, scope: np.ndarray) -> tuple[float, float]:
    hh = pd.to_numeric(v["households"], errors="coerce").to_numpy(float)
    need = pd.to_numeric(v["toilets_needed"], errors="coerce").to_numpy(float)
    ok = scope & np.isfinite(hh) & np.isfinite(need)
    return float(hh[ok].sum()), float(hh[ok].sum() - need[ok].sum())


def toilet_summary(inp: PlanInputs, plan: ToiletPlan, re) -> dict:
    """plan.json → ``toilets``: households per type, capex, 卫生厕所普及率 before and after (the re-run's)."""
    v = inp.villages
    after_v = re.villages if re is not None and "toilets_needed" in re.villages else None
    counties = []
    for row in plan.counties.to_dict(orient="records"):
        if after_v is not None:
            mine = _flags(after_v, "in_scope") & (after_v["county_code"].astype(str).to_numpy() == row["county_code"])
            hh, ok = _toilet_rate(after_v, mine)
            row["rate_claimed_pct"], row["rate_after_pct"] = row["rate_after_pct"], round(100 * ok / hh, 2) if hh else None
        counties.append(row)
    hh, ok = _toilet_rate(v, _flags(v, "in_scope"))
    types = plan.projects.groupby("type")["households"].sum() if len(plan.projects) else pd.Series(dtype=int)
    out = {"mode": plan.mode, "households": int(plan.added.sum()),
           "note": "no share of the region's toilets: set region_households_lacking_toilet (--set) or give "
                   "--toilet-target" if plan.mode == "share_unknown" else None,
           "capex_wan": round(float(plan.projects["capex_wan"].sum()), 2),
           "by_type": {str(k): int(n) for k, n in types.items()},
           "rate_before_pct": round(100 * ok / hh, 2) if hh else None,
           "villages": int((plan.added > 0).sum()), "counties": counties}
    if after_v is not None:
        hh2, ok2 = _toilet_rate(after_v, _flags(after_v, "in_scope"))
        out["rate_after_pct"] = round(100 * ok2 / hh2, 2) if hh2 else None
    else:
        out["rate_after_pct"] = round(100 * (ok + plan.added[_flags(v, "in_scope")].sum()) / hh, 2) if hh else None
    return out


def _f(pct: float | None) -> str:
    return "—" if pct is None or pct != pct else f"{pct:.1f}%"


def sanitation_sentences(code: str, summary: dict) -> tuple[list[str], list[str]]:
    """The sewage and toilet clauses of one county's sentence (Chinese, English)."""
    zh_parts, en_parts = [], []
    sew = {r["county_code"]: r for r in summary.get("sewage", {}).get("counties", [])}
    toi = {r["county_code"]: r for r in summary.get("toilets", {}).get("counties", [])}
    if code in sew:
        s = sew[code]
        group = f"，其中{zh('shared_plant')}{s['groups']}处、{zh('sewage_pipe')}{s['pipe_km']:.1f}公里" if s["groups"] else ""
        zh_parts.append(f"治理生活污水{s['villages_treated']}个行政村{group}，{zh('sewage_rate')}由"
                        f"{_f(s['rate_before_pct'])}提高到{_f(s['rate_after_pct'])}")
        en_parts.append(f"treating the sewage of {s['villages_treated']} administrative villages "
                        f"({s['groups']} shared plants, {s['pipe_km']:.1f} km of pipe) raises the sewage treatment "
                        f"rate from {_f(s['rate_before_pct'])} to {_f(s['rate_after_pct'])}")
    if code in toi:
        t = toi[code]
        zh_parts.append(f"改造卫生厕所{t['planned_households']}户，{zh('toilet_rate')}由{_f(t['rate_before_pct'])}"
                        f"提高到{_f(t['rate_after_pct'])}")
        en_parts.append(f"{t['planned_households']} household toilets made sanitary raise sanitary-toilet coverage "
                        f"from {_f(t['rate_before_pct'])} to {_f(t['rate_after_pct'])}")
    return zh_parts, en_parts
