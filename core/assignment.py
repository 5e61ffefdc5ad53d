"""Choose each village's waste collection model from network distances (no geometry here).

The plan (§（九）) chooses by village distribution, waste generated, transport distance and economics:
城镇周边 城乡一体化治理模式, 人口较密集地区 苏木乡镇集中治理模式, 偏远分散 村庄分散治理模式. The rules, in order:

1. ``county_process`` when a transfer station lies within ``d_station_m`` by road and that station reaches a
   county treatment facility within ``d_haul_m``;
2. ``town_transfer`` when a town treatment facility lies within ``d_town_m`` and the village is not dispersed;
3. ``village_collect`` otherwise; covered only with a village treatment facility within ``d_village_m``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Config


@dataclass
class Assignment:
    """Result of :func:`assign_models`, one entry per village."""

    model: np.ndarray  # object: county_process / town_transfer / village_collect / None
    covered: np.ndarray  # bool
    dispersed: np.ndarray  # bool
    reason_zh: np.ndarray  # object
    reason_en: np.ndarray  # object


def _km(d: float) -> str:
    return "∞" if not np.isfinite(d) else f"{d / 1000:.1f} km"


def assign_models(
    d_station: np.ndarray,
    d_valid_station: np.ndarray,
    haul_of_station: np.ndarray,
    d_town: np.ndarray,
    d_village_treatment: np.ndarray,
    pop_within_radius: np.ndarray,
    reachable: np.ndarray,
    config: Config,
) -> Assignment:
    """Assign the collection model of each village from distance arrays.

    Parameters
    ----------
    d_station : ndarray
        Road metres to the nearest transfer station (inf when none is reachable).
    d_valid_station : ndarray
        Road metres to the nearest transfer station that reaches a county treatment facility within
        ``config.d_haul_m``.
    haul_of_station : ndarray
        Road metres from that valid station to its nearest county treatment facility.
    d_town, d_village_treatment : ndarray
        Road metres to the nearest town / village treatment facility.
    pop_within_radius : ndarray
        People living within ``config.dispersed_radius_m`` (straight line), the village included.
    reachable : ndarray of bool
        False for villages not on the served road network (no model is assigned to them).
    config : Config

    Returns
    -------
    Assignment
    """
    n = len(d_station)
    dispersed = pop_within_radius < config.dispersed_pop
    is_county = reachable & (d_valid_station <= config.d_station_m)
    is_town = reachable & ~is_county & (d_town <= config.d_town_m) & ~dispersed
    is_village = reachable & ~is_county & ~is_town
    model = np.full(n, None, dtype=object)
    model[is_county] = "county_process"
    model[is_town] = "town_transfer"
    model[is_village] = "village_collect"
    covered = is_county | is_town | (is_village & (d_village_treatment <= config.d_village_m))
    waste = pop_within_radius * config.waste_kg_per_person_day
    zh = np.full(n, None, dtype=object)
    en = np.full(n, None, dtype=object)
    c = config
    for i in np.flatnonzero(reachable):
        if is_county[i]:
            zh[i] = (f"转运站路网距离 {_km(d_valid_station[i])} ≤ {_km(c.d_station_m)}，"
                     f"该站至旗县处理设施 {_km(haul_of_station[i])} ≤ {_km(c.d_haul_m)}")
            en[i] = (f"transfer station {_km(d_valid_station[i])} by road ≤ {_km(c.d_station_m)}; "
                     f"it hauls {_km(haul_of_station[i])} ≤ {_km(c.d_haul_m)} to county treatment")
            continue
        if np.isfinite(d_station[i]) and d_station[i] <= c.d_station_m:
            why_zh = f"最近转运站 {_km(d_station[i])}，但其 {_km(c.d_haul_m)} 内无旗县处理设施"
            why_en = f"nearest transfer station {_km(d_station[i])} has no county treatment within {_km(c.d_haul_m)}"
        else:
            why_zh = f"最近可用转运站 {_km(d_valid_station[i])} > {_km(c.d_station_m)}"
            why_en = f"nearest usable transfer station {_km(d_valid_station[i])} > {_km(c.d_station_m)}"
        density_zh = (f"{c.dispersed_radius_m / 1000:g} km 内人口 {int(pop_within_radius[i])} 人"
                      f"（日产垃圾约 {waste[i]:.0f} kg）")
        density_en = (f"{int(pop_within_radius[i])} people within {c.dispersed_radius_m / 1000:g} km "
                      f"(~{waste[i]:.0f} kg waste/day)")
        if is_town[i]:
            zh[i] = (f"{why_zh}；乡镇处理设施 {_km(d_town[i])} ≤ {_km(c.d_town_m)}，"
                     f"{density_zh} ≥ {c.dispersed_pop} 人")
            en[i] = (f"{why_en}; town treatment {_km(d_town[i])} ≤ {_km(c.d_town_m)} and "
                     f"{density_en} ≥ {c.dispersed_pop}")
            continue
        if d_town[i] <= c.d_town_m:
            town_zh = f"乡镇处理设施 {_km(d_town[i])} 但人口分散：{density_zh} < {c.dispersed_pop} 人"
            town_en = f"town treatment {_km(d_town[i])} but dispersed: {density_en} < {c.dispersed_pop}"
        else:
            town_zh = f"最近乡镇处理设施 {_km(d_town[i])} > {_km(c.d_town_m)}"
            town_en = f"nearest town treatment {_km(d_town[i])} > {_km(c.d_town_m)}"
        if covered[i]:
            vil_zh = f"村级处理设施 {_km(d_village_treatment[i])} ≤ {_km(c.d_village_m)}，已覆盖"
            vil_en = f"village treatment {_km(d_village_treatment[i])} ≤ {_km(c.d_village_m)}: covered"
        else:
            vil_zh = f"{_km(c.d_village_m)} 内无村级处理设施，未覆盖"
            vil_en = f"no village treatment within {_km(c.d_village_m)}: not covered"
        zh[i] = f"{why_zh}；{town_zh}；{vil_zh}"
        en[i] = f"{why_en}; {town_en}; {vil_en}"
    return Assignment(model, covered, dispersed, zh, en)
