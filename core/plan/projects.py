"""The 项目库 (one row per project, every plan line priced) and the 投资估算 by county and pillar.

Pillars (项目类别): 厕所 (toilet plan, one project per village), 污水 (one per sewage project), 垃圾 (one per
new site, ``cost_station_wan``), 道路 (the pieces to pave of one township, ``cost_paving_wan_per_km`` by
grade). 投资估算 is the capital cost in 万元; the sewage plan's running cost is reported beside it in
plan.json, not in the investment.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base.glossary import zh
from .class3 import class3_projects
from .costs import paving_cost_per_km, station_cost

#: Pillars in the order of the 投资估算汇总 sheet (key → 项目类别).
PILLARS = {"toilets": "厕所", "sewage": "污水", "waste": "垃圾", "roads": "道路"}
#: 建设性质.
NATURE = {"new_build": "新建", "upgrade": "改造"}
#: Columns of the 项目库 sheet: key → (中文, English).
PROJECT_HEADERS = {
    "seq": ("序号", "no."), "project_name": ("项目名称", "project"), "pillar": ("项目类别", "pillar"),
    "nature": ("建设性质", "new or upgrade"), "location": ("建设地点", "location (county/township/village)"),
    "scale": ("建设规模", "scale"), "unit_price": ("单价", "unit price"), "unit": ("单价单位", "unit of the price"),
    "investment_wan": ("投资估算（万元）", "investment (10,000 CNY)"), "target_year": ("目标年份", "target year"),
    "villages": ("受益村数", "villages benefiting"), "people": ("受益人口", "people benefiting"),
    "county_code": ("旗县代码", "county code"), "project_id": ("项目编号", "project id"),
}
#: Columns of the 投资估算汇总 sheet.
SUMMARY_HEADERS = {"county_code": ("旗县代码", "county code"), "county": ("旗县", "county"),
                   **{k: (f"{t}（万元）", f"{k} (10,000 CNY)") for k, t in PILLARS.items()},
                   "total": ("合计（万元）", "total (10,000 CNY)")}
SEWAGE_SCALE = {"central": "吨/日", "decentralised": "吨/日"}
#: Headers of the sewage and toilet sheets of plan.xlsx (Chinese row above English).
SANITATION_HEADERS = {
    "county_code": ("旗县代码", "county code"), "villages_treated": ("治理行政村数", "villages treated"),
    "projects": ("项目数", "projects"), "groups": ("连片治理处数", "shared plants"),
    "grouped_villages": ("连片治理村数", "villages in shared plants"), "pipe_km": ("管网（公里）", "pipe (km)"),
    "capex_wan": ("建设投资（万元）", "capital (10,000 CNY)"),
    "opex_wan_per_year": ("运行费用（万元/年）", "running (10,000 CNY/year)"),
    "cost_wan": ("总费用（万元）", "total cost (10,000 CNY)"), "bound_wan": ("费用下界（万元）", "lower bound"),
    "gap_pct": ("差距（%）", "gap (%)"), "method": ("求解方法", "method"), "status": ("求解状态", "solver status"),
    "budget_wan": ("预算（万元）", "budget (10,000 CNY)"), "options": ("方案数", "options"),
    "groups_considered": ("候选连片组数", "groups considered"), "groups_capped": ("候选组达到上限", "groups capped"),
    "solve_seconds": ("求解秒数", "solve seconds"), "rate_before_pct": ("规划前（%）", "before (%)"),
    "rate_after_pct": ("规划后（%）", "after (%)"), "rate_claimed_pct": ("规划声称（%）", "claimed (%)"),
    "project_id": ("项目编号", "project id"), "kind": ("治理方式", "kind"), "village_codes": ("嘎查村代码", "villages"),
    "villages": ("村数", "villages"), "residents": ("常住人口", "residents"),
    "design_flow_m3d": ("设计水量（立方米/日）", "design flow (m³/d)"), "capacity_tpd": ("处理能力（吨/日）", "capacity (t/d)"),
    "pipe_m": ("管网（米）", "pipe (m)"), "zone": ("区域", "zone"), "households": ("户数", "households"),
    "sanitary_before": ("规划前卫生厕所户数", "sanitary before"), "target_households": ("任务户数", "target households"),
    "planned_households": ("规划改厕户数", "planned households"),
}


def _names(gdf: gpd.GeoDataFrame | None, key: str) -> dict[str, str]:
    if gdf is None or key not in gdf or "name" not in gdf:
        return {}
    return dict(zip(gdf[key].astype(str), gdf["name"].astype(str), strict=False))


class _Places:
    """Names of counties, townships and villages for 项目名称 and 建设地点."""

    def __init__(self, inp):
        v = inp.villages
        self.county = _names(inp.counties, "county_code")
        self.town = _names(inp.towns, "town_code")
        self.village = dict(zip(v["village_code"].astype(str), v["name"].astype(str), strict=False)) \
            if "name" in v else {}
        self.town_of = dict(zip(v["village_code"].astype(str), v["town_code"].astype(str), strict=False)) \
            if "town_code" in v else {}
        self.tree = shapely.STRtree(v.geometry.array)
        self.codes = v["village_code"].astype(str).to_numpy()

    def nearest_village(self, geoms: np.ndarray) -> np.ndarray:
        return self.codes[self.tree.nearest(geoms)] if len(geoms) else np.zeros(0, object)

    def where(self, county: str, town: str | None, village: str | None = None) -> str:
        parts = [self.county.get(county, county), self.town.get(town or "", "")]
        if village:
            parts.append(self.village.get(village, village))
        return "/".join(p for p in parts if p)


def _row(pillar: str, name: str, nature: str, location: str, scale: str, unit_price: float | None, unit: str,
         wan: float, year: int, villages: int, people: float, county: str, pid: str) -> dict:
    return {"project_name": name, "pillar": PILLARS[pillar], "nature": NATURE[nature], "location": location,
            "scale": scale, "unit_price": None if unit_price is None else round(unit_price, 4), "unit": unit,
            "investment_wan": round(float(wan), 2), "target_year": year, "villages": int(villages),
            "people": int(round(float(people))), "county_code": county, "project_id": pid, "_pillar": pillar}


def sewage_rows(plan, places: _Places, year: int, pop: dict[str, float]) -> list[dict]:
    """One 项目库 row per sewage project."""
    rows = []
    for r in plan.projects.itertuples():
        codes = r.village_codes.split(",")
        county = places.county.get(r.county_code, r.county_code)
        town = places.town_of.get(codes[0])
        who = "、".join(places.village.get(c, c) for c in codes)
        if r.kind in SEWAGE_SCALE:
            size = f"{r.capacity_tpd:g}吨/日"
            scale = size + (f"，{zh('sewage_pipe')}{r.pipe_m:.0f}米" if r.pipe_m > 0 else "")
            unit_price, unit = r.capex_wan / r.capacity_tpd, "万元/(吨/日)"
        elif r.kind == "sewer_connect":
            size, scale = "", f"{zh('sewage_pipe')}{r.pipe_m:.0f}米"
            unit_price, unit = (r.capex_wan / (r.pipe_m / 1000) if r.pipe_m > 0 else None), "万元/公里"
        else:
            size, scale = "", f"{r.residents:.0f}人"
            unit_price, unit = None, ""
        label = zh("shared_plant") if len(codes) > 1 else ""
        rows.append(_row("sewage", f"{county}{who}{label}{zh('project_' + r.kind)}{size}", "new_build",
                         places.where(r.county_code, town, codes[0] if len(codes) == 1 else None), scale,
                         unit_price, unit, r.capex_wan, year, len(codes), sum(pop.get(c, 0.0) for c in codes),
                         r.county_code, r.project_id))
    return rows


def toilet_rows(plan, places: _Places, year: int) -> list[dict]:
    """One 项目库 row per village of the toilet plan."""
    rows = []
    for r in plan.projects.itertuples():
        county = places.county.get(r.county_code, r.county_code)
        rows.append(_row("toilets", f"{county}{places.village.get(r.village_code, r.name)}{zh('toilet_' + r.type)}"
                         f"改造{r.households}户", "upgrade", places.where(r.county_code, r.town_code, r.village_code),
                         f"{r.households}户", r.unit_cost_wan, "万元/户", r.capex_wan, year, 1, r.residents_served,
                         r.county_code, r.project_id))
    return rows


def waste_rows(fac, inp, places: _Places) -> list[dict]:
    """One 项目库 row per new site of the siting plan."""
    sites = fac.sites
    each = station_cost(fac.facility_type, inp.config)
    near = places.nearest_village(sites.geometry.array)
    rows = []
    for k, r in enumerate(sites.itertuples()):
        town = places.town_of.get(near[k])
        county = places.county.get(r.county_code, r.county_code)
        rows.append(_row("waste", f"{county}{places.town.get(town or '', '')}{zh(fac.facility_type)}（规划{r.rank}）",
                         "new_build", places.where(r.county_code, town), "1座", each, "万元/座", each, 2025,
                         r.villages_gained, r.population_gained, r.county_code, f"W{r.rank:04d}"))
    return rows


def road_rows(pav, inp, places: _Places, access_after: np.ndarray) -> list[dict]:
    """One 项目库 row per township: its pieces to pave, priced by grade."""
    p = pav.pieces
    if len(p) == 0:
        return []
    per_km = paving_cost_per_km(p["grade"].to_numpy(object) if "grade" in p else np.full(len(p), None),
                                p["highway"].to_numpy(object) if "highway" in p else np.full(len(p), None),
                                inp.config)
    near = places.nearest_village(shapely.line_interpolate_point(p.geometry.array, 0.5, normalized=True))
    v = inp.villages
    county_v, town_v = v["county_code"].astype(str).to_numpy(), v["town_code"].astype(str).to_numpy()
    gained = inp.road_scope() & access_after & ~inp.flag("hardened_access")
    pop = pd.to_numeric(v.get("population", pd.Series(np.nan, index=v.index)), errors="coerce").fillna(0).to_numpy()
    df = pd.DataFrame({"town": [places.town_of.get(c, "") for c in near],
                       "county": [county_v[np.flatnonzero(v["village_code"].astype(str).to_numpy() == c)[0]]
                                  for c in near],
                       "km": p["length_m"].to_numpy(float) / 1000, "wan": p["length_m"].to_numpy(float) / 1000 * per_km})
    rows = []
    for k, ((county, town), g) in enumerate(df.groupby(["county", "town"], sort=True)):
        mine = gained & (county_v == county) & (town_v == town)
        name = f"{places.county.get(county, county)}{places.town.get(town, '')}{zh('road_hardening')}"
        rows.append(_row("roads", name, "upgrade", places.where(county, town), f"{g['km'].sum():.2f}公里",
                         g["wan"].sum() / g["km"].sum(), "万元/公里", g["wan"].sum(), 2025, int(mine.sum()),
                         float(pop[mine].sum()), county, f"R{k + 1:04d}"))
    return rows


def class3_rows(plan, places: _Places) -> list[dict]:
    """The upgrade to 三级 (issue 27) as 道路 rows, one per county (its own project rows, priced there)."""
    rows = []
    for k, r in enumerate(class3_projects(plan, places.county).to_dict(orient="records")):
        km = float(r["quantity"])
        rows.append(_row("roads", r["name"], "upgrade", places.where(r["county_code"], None), f"{km:.2f}公里",
                         r["investment_wan"] / km if km else None, "万元/公里", r["investment_wan"], 2025, 0, 0.0,
                         r["county_code"], f"U{k + 1:04d}"))
    return rows


def project_list(outcome) -> pd.DataFrame:
    """The 项目库 of a plan: every project priced, numbered 1..n (toilets, sewage, waste, roads)."""
    inp = outcome.inputs
    places = _Places(inp)
    v = inp.villages
    col = "residents" if "residents" in v else "population"
    pop = dict(zip(v["village_code"].astype(str), pd.to_numeric(v.get(col), errors="coerce").fillna(0), strict=False)) \
        if col in v else {}
    rows: list[dict] = []
    if getattr(outcome, "toilets", None) is not None:
        rows += toilet_rows(outcome.toilets, places, outcome.year)
    if getattr(outcome, "sewage", None) is not None:
        rows += sewage_rows(outcome.sewage, places, outcome.sewage.year, pop)
    if outcome.facilities is not None:
        rows += waste_rows(outcome.facilities, inp, places)
    if outcome.paving is not None:
        rows += road_rows(outcome.paving, inp, places, outcome.villages["access_claimed"].to_numpy(bool))
    if getattr(outcome, "class3", None) is not None:
        rows += class3_rows(outcome.class3, places)
    df = pd.DataFrame(rows, columns=[*[k for k in PROJECT_HEADERS if k != "seq"], "_pillar"])
    df.insert(0, "seq", np.arange(1, len(df) + 1))
    return df


def investment(projects: pd.DataFrame, county_names: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """投资估算汇总 by county and pillar (万元), and the same for plan.json (by county, by pillar, total)."""
    t = projects.pivot_table(index="county_code", columns="_pillar", values="investment_wan", aggfunc="sum",
                             fill_value=0.0) if len(projects) else pd.DataFrame()
    t = t.reindex(columns=list(PILLARS), fill_value=0.0)
    t["total"] = t.sum(axis=1)
    t = t.round(2).reset_index() if len(t) else pd.DataFrame(columns=["county_code", *PILLARS, "total"])
    t.insert(1, "county", [county_names.get(c, c) for c in t["county_code"]])
    total = {k: round(float(t[k].sum()), 2) for k in (*PILLARS, "total")}
    table = pd.concat([t, pd.DataFrame([{"county_code": "合计 total", "county": "", **total}])], ignore_index=True)
    by_county = {r["county_code"]: {k: r[k] for k in (*PILLARS, "total")} for r in t.to_dict(orient="records")}
    return table, {"by_county": by_county, "by_pillar": {k: total[k] for k in PILLARS}, "total_wan": total["total"],
                   "unit": "万元 (10,000 CNY), capital cost"}
