"""The toilet plan: households to give a sanitary toilet, per village, and of which type (宜水则水、宜旱则旱).

Each county gets its share of the region's new toilets (``toilet_target_share`` × 300,000 by 2023 or
450,000 by 2025), or enough households to reach a 卫生厕所普及率 target; the villages whose toilets cost
least per household are served first (a village at most its households still without one). The type
follows §(六):

* ``flush`` (水冲式, into the sewer): the village connects to the town sewer, or its sewage is treated by a
  plant (today, or one of the sewage plan's ``central`` / ``decentralised`` / ``sewer_connect`` projects);
* ``septic`` (三格化粪池 / 双瓮, emptied periodically): the toilet-waste route is ``collect_and_haul`` (or
  ``sewer`` with no plant yet);
* ``dry`` (粪尿分集 / 双坑交替): the route is ``on_site`` (or unknown).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .costs import toilet_cost
from .problem import PlanInputs

#: Sewage projects whose villages can flush into a sewer.
PIPED_KINDS = ("sewer_connect", "central", "decentralised")


@dataclass
class ToiletPlan:
    """Households per village and type, with the counties' before and after.

    Attributes
    ----------
    projects : GeoDataFrame
        ``toilet_projects``: ``project_id``, ``village_code``, ``name``, ``county_code``, ``town_code``,
        ``type``, ``households``, ``unit_cost_wan``, ``capex_wan``, ``residents_served``; village point.
    counties : DataFrame
        Per county: households, sanitary before, target, planned, rate before and after, capex.
    added : ndarray
        Per village: sanitary toilets added.
    kind : ndarray of object
        Per village: the toilet type the plan gives it (``flush``, ``septic``, ``dry``).
    mode : str
        ``share`` (the county's share of the region's target), ``rate`` (普及率 target) or ``share_unknown``
        (no share: one county and ``region_households_lacking_toilet`` not set; nothing is planned).
    """

    projects: gpd.GeoDataFrame
    counties: pd.DataFrame
    added: np.ndarray
    kind: np.ndarray
    mode: str


def toilet_types(inp: PlanInputs, sewage_kind: np.ndarray | None = None) -> np.ndarray:
    """Toilet type of each village: ``flush``, ``septic`` or ``dry`` (see the module's rule).

    Parameters
    ----------
    inp : PlanInputs
    sewage_kind : ndarray of object, optional
        Per village: the kind of the sewage-plan project treating it (None: none).
    """
    v = inp.villages
    n = len(v)
    mode = v["sewage_mode"].to_numpy(object) if "sewage_mode" in v else np.full(n, None, object)
    route = v["fecal_route"].to_numpy(object) if "fecal_route" in v else np.full(n, None, object)
    treated = inp.flag("sewage_treated") if "sewage_treated" in v else np.zeros(n, bool)
    planned = np.isin(sewage_kind, PIPED_KINDS) if sewage_kind is not None else np.zeros(n, bool)
    flush = (mode == "sewer_connect") | planned | (treated & (route == "sewer"))
    septic = ~flush & np.isin(route, ("collect_and_haul", "sewer"))
    return np.where(flush, "flush", np.where(septic, "septic", "dry")).astype(object)


def _numbers(v: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(v[col], errors="coerce").to_numpy(float) if col in v else np.full(len(v), np.nan)


def county_targets(inp: PlanInputs, scope: np.ndarray, year: int, target_rate: float | None) -> dict[str, int]:
    """New sanitary toilets each county needs: its share of the region's target, or to reach ``target_rate``."""
    v = inp.villages
    county = v["county_code"].astype(str).to_numpy()
    hh, needed = _numbers(v, "households"), _numbers(v, "toilets_needed")
    region = inp.config.region_households_lacking_toilet
    # the share as the run's sanitation stage gives it; recomputed when the region's total is set here
    share = needed / region if region > 0 else _numbers(v, "toilet_target_share")
    known = scope & np.isfinite(hh) & np.isfinite(needed)
    out = {}
    for code in sorted(set(county[scope])):
        m = known & (county == code)
        lacking = float(needed[m].sum())
        if target_rate is not None:
            want = math.ceil(round(target_rate * float(hh[m].sum()), 9)) - (float(hh[m].sum()) - lacking)
        else:
            total = inp.config.target_toilets_2023 if year == 2023 else inp.config.target_toilets_2025
            want = round(total * float(np.nansum(share[scope & (county == code)])))
        out[code] = int(max(0, min(want, lacking)))
    return out


def plan_toilets(inp: PlanInputs, sewage_kind: np.ndarray | None = None, year: int = 2025,
                 target_rate: float | None = None) -> ToiletPlan:
    """Households per village to reach each county's toilet target, cheapest villages first.

    Parameters
    ----------
    inp : PlanInputs
    sewage_kind : ndarray, optional
        Per village: kind of the sewage-plan project treating it (flush toilets where piped).
    year : int
        2023 or 2025 (which of the region's targets the county shares).
    target_rate : float, optional
        卫生厕所普及率 to reach in every county (fraction) instead of the share.

    Returns
    -------
    ToiletPlan
    """
    v, c = inp.villages, inp.config
    scope = inp.flag("in_scope")
    kind = toilet_types(inp, sewage_kind)
    unit = np.array([toilet_cost(k, c) for k in kind], float)
    hh, needed = _numbers(v, "households"), _numbers(v, "toilets_needed")
    county = v["county_code"].astype(str).to_numpy()
    added = np.zeros(len(v))
    want = county_targets(inp, scope, year, target_rate)
    rows = []
    for code, need in want.items():
        cand = np.flatnonzero(scope & (county == code) & (np.nan_to_num(needed) > 0))
        left = need
        for i in cand[np.lexsort((-needed[cand], unit[cand]))]:
            if left <= 0:
                break
            added[i] = min(needed[i], left)
            left -= added[i]
        m = scope & (county == code) & np.isfinite(hh) & np.isfinite(needed)
        total, lacking = float(hh[m].sum()), float(needed[m].sum())
        rows.append({"county_code": code, "households": int(total), "sanitary_before": int(total - lacking),
                     "target_households": need, "planned_households": int(added[m].sum()),
                     "rate_before_pct": round(100 * (total - lacking) / total, 2) if total else None,
                     "rate_after_pct": round(100 * (total - lacking + added[m].sum()) / total, 2) if total else None,
                     "capex_wan": round(float((added * unit)[m].sum()), 2)})
    unknown = target_rate is None and c.region_households_lacking_toilet <= 0 and \
        not np.isfinite(_numbers(v, "toilet_target_share")).any()
    return ToiletPlan(_layer(inp, kind, unit, added), pd.DataFrame(rows), added, kind,
                      "rate" if target_rate is not None else ("share_unknown" if unknown else "share"))


def _layer(inp: PlanInputs, kind: np.ndarray, unit: np.ndarray, added: np.ndarray) -> gpd.GeoDataFrame:
    v = inp.villages
    sel = np.flatnonzero(added > 0)
    pop = _numbers(v, "residents") if "residents" in v else _numbers(v, "population")
    hh = _numbers(v, "households")
    per_hh = np.where(hh > 0, pop / np.where(hh > 0, hh, 1), np.nan)
    df = pd.DataFrame({
        "project_id": [f"T{k + 1:04d}" for k in range(len(sel))],
        "village_code": v["village_code"].astype(str).to_numpy()[sel],
        "name": v["name"].astype(str).to_numpy()[sel] if "name" in v else None,
        "county_code": v["county_code"].astype(str).to_numpy()[sel],
        "town_code": v["town_code"].astype(str).to_numpy()[sel] if "town_code" in v else None,
        "type": kind[sel], "households": added[sel].astype(int), "unit_cost_wan": unit[sel],
        "capex_wan": np.round(added[sel] * unit[sel], 4),
        "residents_served": np.round(np.nan_to_num(per_hh[sel] * added[sel])),
    })
    return gpd.GeoDataFrame(df, geometry=v.geometry.iloc[sel].to_numpy(), crs=inp.crs)
