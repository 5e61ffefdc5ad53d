"""``ruralenv plan``: facility siting and paving on one results.gpkg, checked by re-running the analysis."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..base import glossary
from ..base._errors import ConfigError
from ..base.progress import NullProgress, Progress
from ..model.stages.collection import model_labels
from .check import agreement, rerun
from .class3 import Class3Plan, plan_class3
from .facilities import TYPE_ZH, FacilityPlan, plan_facilities, read_candidates
from .problem import PlanInputs, load_results
from .projects import investment, project_list
from .roads import PavingPlan, paved_roads, plan_paving
from .sanitation_summary import sanitation_sentences, sewage_summary, toilet_summary
from .sewage_plan import SewagePlan, plan_sewage
from .toilets import ToiletPlan, plan_toilets


@dataclass
class PlanOptions:
    """What to plan (see ``ruralenv plan --help``); percentages are fractions here."""

    candidates: str | None = None
    facility_type: str = "transfer_station"
    sites: int | None = None
    waste_target: float | None = None
    roads_target: float | None = None
    budget_km: float | None = None
    weight: str = "count"
    time_limit: float = 30.0
    waste: bool = True
    roads: bool = True
    check: bool = True
    overrides: list[str] = field(default_factory=list)
    site_capacity_tpd: float | None = None  # issue 27: what each proposed site can take (t/d)
    sewage: bool = True
    toilets: bool = True
    year: int = 2025
    budget_wan: float | None = None
    toilet_target: float | None = None


@dataclass
class PlanOutcome:
    """Everything a plan produced: the plans, the re-run's flags, the villages before/after and plan.json."""

    inputs: PlanInputs
    facilities: FacilityPlan | None
    paving: PavingPlan | None
    villages: gpd.GeoDataFrame
    summary: dict
    rerun_villages: pd.DataFrame | None = None
    class3: Class3Plan | None = None  # issue 27: the upgrade plan to 三级 (with the roads plan)
    sewage: SewagePlan | None = None
    toilets: ToiletPlan | None = None
    year: int = 2025
    projects: pd.DataFrame | None = None
    investment: pd.DataFrame | None = None
    rerun_counties: pd.DataFrame | None = None  # the re-run's county indicators (the plan built)
    rerun_summary: dict | None = None  # the re-run's summary (its ``region`` row)


def make_plan(results_gpkg: str | Path, options: PlanOptions | None = None,
              progress: Progress | None = None) -> PlanOutcome:
    """Plan sites and paving on ``results_gpkg`` and check the plan by re-running the analysis with it built.

    Parameters
    ----------
    results_gpkg : path
        results.gpkg written by ``ruralenv run``.
    options : PlanOptions, optional
    progress : Progress, optional

    Returns
    -------
    PlanOutcome
        The coverage reported after the plan is the re-run's (the plan's own claim is kept beside it).
    """
    opt = options or PlanOptions()
    if opt.year not in (2023, 2025):
        raise ConfigError(f"the sewage plan's year is 2023 or 2025, got {opt.year}")
    progress = progress or NullProgress()
    t0 = time.perf_counter()
    inp = load_results(results_gpkg, opt.overrides)
    fac = pav = sew = toi = None
    if opt.waste:
        cands = read_candidates(opt.candidates, inp.crs) if opt.candidates else None
        fac = plan_facilities(inp, cands, opt.facility_type, opt.sites, opt.waste_target, opt.weight,
                              opt.time_limit, progress, opt.site_capacity_tpd)
    if opt.roads:
        pav = plan_paving(inp, opt.roads_target, opt.budget_km, opt.time_limit, progress)
    if opt.sewage:
        sew = plan_sewage(inp, opt.year, opt.budget_wan, opt.time_limit, progress)
    if opt.toilets:
        toi = plan_toilets(inp, sew.kind if sew is not None else None, opt.year, opt.toilet_target)
    up = plan_class3(inp, opt.time_limit, progress) if opt.roads else None
    seconds = round(time.perf_counter() - t0, 3)
    re = _check(inp, fac, pav, sew, toi, progress) if opt.check else None
    re_v = re.villages if re is not None else None
    villages = _villages_layer(inp, fac, pav, re_v, sew, toi)
    out = PlanOutcome(inp, fac, pav, villages, {}, re_v, class3=up, sewage=sew, toilets=toi, year=opt.year,
                      rerun_counties=re.counties if re is not None else None,
                      rerun_summary=re.summary if re is not None else None)
    out.projects = project_list(out)
    out.investment, money = investment(out.projects, county_names(inp))
    out.summary = _summary(inp, opt, fac, pav, villages, seconds, re_v is not None)
    if up is not None:
        out.summary["class3"] = class3_summary(inp, up)
    if sew is not None:
        out.summary["sewage"] = sewage_summary(inp, sew, villages, re)
    if toi is not None:
        out.summary["toilets"] = toilet_summary(inp, toi, re)
    out.summary["investment"] = money
    out.summary["sentences"] = sentences(inp, out.summary)
    return out


def _check(inp: PlanInputs, fac: FacilityPlan | None, pav: PavingPlan | None, sew: SewagePlan | None,
           toi: ToiletPlan | None, progress: Progress):
    """The re-run with every part of the plan built (sites, paved roads, villages treated, toilets added)."""
    progress.stage("plan: re-run with the plan built")
    sites = fac.sites.assign(name=[f"规划{TYPE_ZH[fac.facility_type]}{r}" for r in fac.sites["rank"]]) \
        if fac is not None else None
    roads = paved_roads(inp, pav.net, pav.edges) if pav is not None else None
    return rerun(inp, sites, roads, progress, sew.treated_after if sew is not None else None,
                 toi.added if toi is not None else None)


def class3_summary(inp: PlanInputs, up: Class3Plan) -> dict:
    """plan.json ``class3``: km and 万元 of the upgrade to 三级, seats connected (the plan's claim)."""
    c = up.counties
    before = int(inp.towns["class3_access"].fillna(False).astype(bool).sum()) if inp.towns is not None else 0
    return {"km": round(float(up.pieces["length_m"].sum()) / 1000, 3), "pieces": int(len(up.pieces)),
            "km_unknown_grade": round(float(c["km_unknown_grade"].sum()), 3) if len(c) else 0.0,
            "cost_wan": round(float(c["cost_wan"].sum()), 1) if len(c) else 0.0,
            "cost_upgrade_class3_wan_per_km": inp.config.cost_upgrade_class3_wan_per_km,
            "seats_before": before, "seats_after_claimed": int(up.access_after.sum()),
            "counties": c.to_dict(orient="records")}


def _villages_layer(inp: PlanInputs, fac: FacilityPlan | None, pav: PavingPlan | None,
                    re_v: pd.DataFrame | None, sew: SewagePlan | None = None,
                    toi: ToiletPlan | None = None) -> gpd.GeoDataFrame:
    """Villages before and after the plan (after = the re-run's flags when checked, else the claim)."""
    v = inp.villages
    cols = [c for c in ("village_code", "name", "county_code", "town_code", "in_scope", "is_admin_village",
                        "is_larger") if c in v]
    out = v[cols + [v.geometry.name]].copy()
    out["model_before"] = v["collection_model"]
    out["covered_before"] = inp.flag("covered")
    out["hardened_access_before"] = inp.flag("hardened_access")
    out["covered_claimed"] = fac.covered_after if fac is not None else out["covered_before"]
    out["access_claimed"] = pav.access_after if pav is not None else out["hardened_access_before"]
    if re_v is not None:
        out["model_after"] = re_v["collection_model"].to_numpy(object)
        out["covered_after"] = re_v["covered"].fillna(False).astype(bool).to_numpy()
        out["hardened_access_after"] = re_v["hardened_access"].fillna(False).astype(bool).to_numpy()
    else:
        out["model_after"] = out["model_before"]
        out["covered_after"] = out["covered_claimed"]
        out["hardened_access_after"] = out["access_claimed"]
    for when in ("before", "after"):  # the label beside each code, in the plan's words (as model_label)
        out.insert(out.columns.get_loc(f"model_{when}") + 1, f"model_{when}_label",
                   model_labels(out[f"model_{when}"].to_numpy(object), out[f"covered_{when}"].to_numpy(bool)))
    if sew is not None:
        before = inp.flag("sewage_treated") if "sewage_treated" in v else np.zeros(len(v), bool)
        out["sewage_treated_before"] = before
        out["sewage_treated_after"] = sew.treated_after if re_v is None or "sewage_treated" not in re_v \
            else np.array([x is True or x == 1 for x in re_v["sewage_treated"].to_numpy(object)], bool) | before
        out["sewage_project_id"] = sew.project_id
    if toi is not None:
        out["toilets_added"] = toi.added.astype(int)
        out["toilet_type"] = pd.Series(toi.kind, index=out.index, dtype=object).where(toi.added > 0, None)
    return out.set_geometry(v.geometry.name)


def _pct(part: np.ndarray, scope: np.ndarray) -> float | None:
    n = int(scope.sum())
    return round(100 * int((part & scope).sum()) / n, 2) if n else None


def _summary(inp: PlanInputs, opt: PlanOptions, fac: FacilityPlan | None, pav: PavingPlan | None,
             villages: gpd.GeoDataFrame, seconds: float, checked: bool) -> dict:
    out: dict = {"source": str(inp.source), "crs": inp.crs.to_string(), "plan_seconds": seconds,
                 "checked_by_rerun": checked, "time_limit_s": opt.time_limit}
    county = villages["county_code"].astype(str).to_numpy()
    if fac is not None:
        out["waste"] = _waste_summary(inp, opt, fac, villages, county)
    if pav is not None:
        out["roads"] = _roads_summary(inp, pav, villages, county)
    return out


def _waste_summary(inp: PlanInputs, opt: PlanOptions, fac: FacilityPlan, villages: gpd.GeoDataFrame,
                   county: np.ndarray) -> dict:
    scope = inp.waste_scope()
    after = villages["covered_after"].to_numpy(bool)
    r = fac.result
    counties = fac.counties.copy()
    counties["coverage_claimed_pct"] = counties["coverage_after_pct"]
    counties["coverage_after_pct"] = [_pct(after, scope & (county == c)) for c in counties["county_code"]]
    return {
        "facility_type": fac.facility_type, "mode": fac.mode, "weight": opt.weight,
        "sites_budget": opt.sites, "target_pct": None if fac.mode == "sites" else
        round(100 * (opt.waste_target if opt.waste_target is not None else inp.config.target_waste_2025), 2),
        "candidates": fac.n_candidates, "candidates_usable": fac.n_candidates_usable,
        "sites": int(len(fac.sites)),
        "coverage_before_pct": _pct(inp.flag("covered"), scope), "coverage_after_pct": _pct(after, scope),
        "coverage_claimed_pct": _pct(fac.covered_after, scope),
        "check": agreement(fac.covered_after, after, scope),
        "objective": r.objective, "objective_is": "sites" if fac.mode == "target" else f"{opt.weight} covered",
        "bound": r.bound, "gap": r.gap, "status": r.status, "method": r.method,
        "greedy_objective": r.greedy_objective, "solve_seconds": r.seconds,
        "counties_short_of_target": fac.unreachable_target,
        "counties": counties.to_dict(orient="records"),
    }


def _roads_summary(inp: PlanInputs, pav: PavingPlan, villages: gpd.GeoDataFrame, county: np.ndarray) -> dict:
    scope = inp.road_scope()
    after = villages["hardened_access_after"].to_numpy(bool)
    counties = pav.counties.copy()
    if len(counties):
        counties["coverage_claimed_pct"] = counties["coverage_after_pct"]
        counties["coverage_after_pct"] = [_pct(after, scope & (county == c)) for c in counties["county_code"]]
    return {
        "km": round(float(pav.pieces["length_m"].sum()) / 1000, 3), "pieces": int(len(pav.pieces)),
        "coverage_before_pct": _pct(inp.flag("hardened_access"), scope),
        "coverage_after_pct": _pct(after, scope), "coverage_claimed_pct": _pct(pav.access_after, scope),
        "check": agreement(pav.access_after, after, scope),
        "km_counties_sum": round(float(counties["km"].sum()), 3) if len(counties) else 0.0,
        "bound_km": round(float(counties["bound_km"].sum()), 3) if len(counties) else 0.0,
        "bound_is": "counties are solved apart: bound_km is the sum of the counties' lower bounds and bounds "
                    "km_counties_sum, the sum of their plans' km (km counts a piece two counties pave once)",
        "unattainable_villages": pav.unattainable,
        "counties": counties.to_dict(orient="records"), "curves": pav.curves,
    }


def county_names(inp: PlanInputs) -> dict[str, str]:
    """County code → name from the counties layer (empty without one)."""
    if inp.counties is not None and "name" in inp.counties:
        return dict(zip(inp.counties["county_code"].astype(str), inp.counties["name"].astype(str), strict=False))
    return {}


def sentences(inp: PlanInputs, summary: dict) -> dict[str, dict[str, str]]:
    """One sentence per county in Chinese and English, in the plan's words: 新增垃圾转运站3座，生活垃圾收运处置体系
    覆盖行政村比例由29.6%提高到60.6%，达到2025年60%以上目标；新硬化道路118.3公里，….
    """
    names = county_names(inp)
    waste = {r["county_code"]: r for r in summary.get("waste", {}).get("counties", [])}
    roads = {r["county_code"]: r for r in summary.get("roads", {}).get("counties", [])}
    money = summary.get("investment", {}).get("by_county", {})
    sanitation = {r["county_code"] for part in ("sewage", "toilets") for r in summary.get(part, {}).get("counties", [])}
    ftype = summary.get("waste", {}).get("facility_type", "transfer_station")
    c, g = inp.config, glossary
    out = {}
    for code in sorted(set(waste) | set(roads) | sanitation):
        zh, en = [], []
        if code in waste:
            w = waste[code]
            reached = _reached(w["coverage_after_pct"], c.target_waste_2023, c.target_waste_2025, 2023)
            zh.append(f"新增{g.zh(ftype)}{w['sites']}座，{g.zh('waste_coverage')}由{_f(w['coverage_before_pct'])}"
                      f"提高到{_f(w['coverage_after_pct'])}{reached}")
            en.append(f"{w['sites']} new {g.en(ftype)}(s) raise the {g.en('waste_coverage')} from "
                      f"{_f(w['coverage_before_pct'])} to {_f(w['coverage_after_pct'])}")
        if code in roads:
            r = roads[code]
            reached = _reached(r["coverage_after_pct"], c.target_roads_2023, c.target_roads_2025, None)
            zh.append(f"新硬化道路{g.with_unit(r['km'], 'unit_km', fixed=True)}，{g.zh('road_coverage')}由"
                      f"{_f(r['coverage_before_pct'])}提高到{_f(r['coverage_after_pct'])}{reached}")
            en.append(f"paving {r['km']:.1f} km raises the {g.en('road_coverage')} from "
                      f"{_f(r['coverage_before_pct'])} to {_f(r['coverage_after_pct'])}")
        more_zh, more_en = sanitation_sentences(code, summary)
        zh, en = zh + more_zh, en + more_en
        name = names.get(code, code)
        total = money.get(code, {}).get("total")
        tail_zh = f"，共需投资约{total:.0f}万元" if total is not None else ""
        tail_en = f", about {total:,.0f} ×10,000 CNY in all" if total is not None else ""
        out[code] = {"name": name, "zh": f"{name}：" + "；".join(zh) + tail_zh + "。",
                     "en": f"{name}: " + "; ".join(en) + tail_en + "."}
    return out


def _reached(after: float | None, t2023: float, t2025: float, plain_year: int | None) -> str:
    """``，达到2025年60%以上目标`` (or the 2023 one, or ``，未达到2023年…目标``); the plan writes the 2023 waste
    target without 以上 (``plain_year``).
    """
    def words(year: int, t: float) -> str:
        return f"{year}年{glossary.number(100 * t)}%{'' if year == plain_year else '以上'}目标"
    if after is None or after != after:
        return ""
    for year, t in ((2025, t2025), (2023, t2023)):
        if after + 1e-9 >= 100 * t:
            return f"，达到{words(year, t)}"
    return f"，未达到{words(2023, t2023)}"


def _f(pct: float | None) -> str:
    return "—" if pct is None or pct != pct else f"{glossary.number(pct, fixed=True)}%"
