"""Sanitation: each village's sewage mode, design flow, sanitary toilets and toilet-waste route.

The plan (内蒙古农村牧区人居环境整治提升五年行动实施方案（2021—2025年）) sets the rules:

- §(七) 分类推进治理: 城市近郊地区生活污水就近纳入城镇污水管网集中处理; 常住人口1000人以上、居住集中的
  村庄 … 日处理能力20吨以上的污水集中处理设施; 常住人口300至1000人、居住分散的村庄 … 分散式处理设备或
  … 日处理能力5吨左右的小型污水处理设施; 常住人口300人以下的分散、偏远村庄 … 以粪污收集为主的生活污水
  资源化利用. In order (first match wins), with the thresholds as settings:

  1. ``sewer_connect``: a sewer line, an urban area or a town wastewater plant lies within ``d_sewer_m``
     (straight line);
  2. ``central``: at least ``sewage_central_residents`` residents and living concentrated;
  3. ``resource_use``: fewer than ``sewage_small_residents`` residents and living scattered (and, having
     failed rule 1, remote from any sewer);
  4. ``decentralised``: every other village (300–1000 residents; 1000 or more but scattered; under 300 but
     concentrated).

  居住集中/分散 is measured on the administrative village when its natural villages are in the layer (the share
  of its residents near its centre, :func:`concentrated_flags`). Most village layers hold one point per
  administrative village: there the spread inside the village cannot be measured, and the run's 人口分散
  measure decides instead (at least ``dispersed_pop`` people within ``dispersed_radius_m``: concentrated,
  else scattered), never an assumption. ``sewage_reason`` says which measure decided.
- §(六) toilet waste: 具备纳入污水管网条件的户厕 → the sewage system (``sewer``: villages connected to the
  town sewer or served by a central plant with its village sewer); 不具备纳入污水管网条件但相对集中的户厕 →
  粪污集中处理设施，定期掏运 (``collect_and_haul``, with the road distance to the nearest ``fecal_treatment``
  facility); 偏远地区分散的户厕 → 就地就近 (``on_site``).

The array functions take no geometry; :func:`sewer_distance` and :func:`zone_of_points` turn layers into
arrays, and :func:`run` pulls everything from a prepared run.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ...base import glossary
from ...base.config import Config
from ...base.contract import SANITATION_INDICATOR_COLUMNS, names
from ...base.crs import pairs_on_ground, point_distances
from ...base.values import flag_column, number_column
from ..stage import Context
from .attributes import VillageAttributes
from .collection import Collection, population_within
from .distances import Distances

if TYPE_CHECKING:
    from pyproj import CRS

SEWAGE_MODES = ("sewer_connect", "central", "decentralised", "resource_use")
FECAL_ROUTES = ("sewer", "collect_and_haul", "on_site")


@dataclass(frozen=True)
class Sanitation:
    """The sanitation stage's result, one entry per village (NaN / None where the input is unknown)."""

    residents: np.ndarray
    sewage_mode: np.ndarray
    sewage_reason: np.ndarray
    sewage_reason_en: np.ndarray
    sewer_dist_m: np.ndarray
    concentrated: np.ndarray
    concentrated_share: np.ndarray
    design_flow_m3d: np.ndarray
    facility_size_tpd: np.ndarray
    facility_units: np.ndarray
    toilet_rate_pct: np.ndarray
    toilets_needed: np.ndarray
    toilet_target_share: np.ndarray
    fecal_route: np.ndarray
    fecal_dist_m: np.ndarray
    in_priority_zone: np.ndarray
    zone: np.ndarray
    zone_target_pct: np.ndarray

    def village_columns(self) -> dict[str, np.ndarray]:
        """Columns this stage adds to the villages layer, in output order."""
        return {
            "residents": self.residents,
            "sewage_mode": self.sewage_mode,
            "sewage_reason": self.sewage_reason,
            "sewage_reason_en": self.sewage_reason_en,
            "sewer_dist_m": _rounded(self.sewer_dist_m, 1),
            "concentrated": self.concentrated,
            "concentrated_share": _rounded(self.concentrated_share, 3),
            "design_flow_m3d": _rounded(self.design_flow_m3d, 2),
            "facility_size_tpd": self.facility_size_tpd,
            "facility_units": self.facility_units,
            "toilet_rate_pct": _rounded(self.toilet_rate_pct, 2),
            "toilets_needed": self.toilets_needed,
            "toilet_target_share": self.toilet_target_share,
            "fecal_route": self.fecal_route,
            "fecal_dist_m": _rounded(self.fecal_dist_m, 1),
            "in_priority_zone": self.in_priority_zone,
            "zone": self.zone,
            "zone_target_pct": self.zone_target_pct,
            "sewage_mode_label": _labels(self.sewage_mode),
            "fecal_route_label": _labels(self.fecal_route),
        }


def _labels(codes: np.ndarray) -> np.ndarray:
    """The glossary's Chinese label of each coded value (None stays None)."""
    return np.array([glossary.zh(c) if isinstance(c, str) else None for c in codes], object)


def _rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """Rounded floats with infinities as NaN (a GeoPackage and a spreadsheet hold no infinity)."""
    out = np.round(values.astype(float), digits)
    out[~np.isfinite(out)] = np.nan
    return out


def _km(d: float) -> str:
    return "∞" if not np.isfinite(d) else f"{d / 1000:.1f} km"


# --------------------------------------------------------------------------------------------------
# Pure array functions


def concentrated_flags(
    x: np.ndarray, y: np.ndarray, residents: np.ndarray, group: np.ndarray, anchor: np.ndarray, config: Config,
    pop_within: np.ndarray | None = None, crs: CRS | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each village lives concentrated (居住集中), measured on its administrative village.

    The residents of one administrative village (the rows sharing ``group``: the administrative village
    and its natural villages) live concentrated when at least ``config.concentrated_share`` of them live
    within ``config.concentrated_radius_m`` (straight line) of the group's anchor point: the administrative
    village itself, or the most populous member when the group has none. A village alone in its group (no
    natural villages in the layer) has no measurable spread: its share is NaN and the run's dispersion
    measure decides (concentrated when ``pop_within`` ≥ ``config.dispersed_pop``).

    Parameters
    ----------
    x, y : ndarray
        Village points in metres.
    residents : ndarray
        Resident population (NaN counts as 0).
    group : ndarray
        Group key per village (administrative village code).
    anchor : ndarray of bool
        True for the row that is the administrative village of its group.
    config : Config
    pop_within : ndarray, optional
        People within ``config.dispersed_radius_m`` of each village (the collection stage's
        ``pop_within_radius``); computed from ``residents`` when not given.
    crs : pyproj.CRS, optional
        The points' metric CRS: the radii are ground metres (None: plain projected metres).

    Returns
    -------
    (concentrated, share) : tuple of ndarray
        The flag and the share of the group's residents living within the radius, per village (NaN where the
        group is one village and the dispersion measure decided).
    """
    n = len(x)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0)
    gid = pd.factorize(pd.Series(group, dtype=object), use_na_sentinel=False)[0]
    people = np.nan_to_num(np.asarray(residents, float))
    order = pd.DataFrame({"gid": gid, "anchor": ~np.asarray(anchor, bool), "people": -people,
                          "row": np.arange(n)}).sort_values(["gid", "anchor", "people", "row"])
    first = order.drop_duplicates("gid")
    anchor_row = np.empty(gid.max() + 1, np.int64)
    anchor_row[first["gid"].to_numpy()] = first["row"].to_numpy()
    a = anchor_row[gid]
    within = point_distances(crs, x, y, x[a], y[a]) <= config.concentrated_radius_m
    total = np.bincount(gid, weights=people)
    near = np.bincount(gid, weights=people * within)
    share = np.divide(near, total, out=np.ones_like(total), where=total > 0)[gid]
    alone = np.bincount(gid)[gid] == 1
    share[alone] = np.nan
    if pop_within is None:
        pop_within = population_within(x, y, people, config.dispersed_radius_m, crs)
    flag = np.where(alone, np.asarray(pop_within, float) >= config.dispersed_pop, share >= config.concentrated_share)
    return flag, share


def sewage_modes(
    residents: np.ndarray, concentrated: np.ndarray, share: np.ndarray, sewer_dist_m: np.ndarray, config: Config,
    pop_within: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each village's sewage mode by the §(七) rule, with the reason in Chinese and English.

    Parameters
    ----------
    residents : ndarray
        Resident population (NaN: unknown, no mode is chosen unless the village connects to a sewer).
    concentrated, share : ndarray
        From :func:`concentrated_flags` (share NaN: the dispersion measure decided).
    sewer_dist_m : ndarray
        Straight-line metres to the nearest sewer line, urban area or wastewater plant (inf: none).
    config : Config
    pop_within : ndarray, optional
        People within ``config.dispersed_radius_m``, quoted in the reason where the dispersion measure decided.

    Returns
    -------
    (mode, reason_zh, reason_en) : tuple of object ndarray
    """
    big, small = config.sewage_central_residents, config.sewage_small_residents
    known = np.isfinite(residents)
    near = sewer_dist_m <= config.d_sewer_m
    central = ~near & known & (residents >= big) & concentrated
    resource = ~near & known & (residents < small) & ~concentrated
    decentral = ~near & known & ~central & ~resource
    mode = np.full(len(residents), None, dtype=object)
    for mask, name in ((near, "sewer_connect"), (central, "central"), (resource, "resource_use"),
                       (decentral, "decentralised")):
        mode[mask] = name
    how = _spread_reasons(np.asarray(concentrated, bool), share, pop_within, config)
    zh, en = _mode_reasons(mode, residents, how, np.asarray(concentrated, bool), sewer_dist_m,
                           design_flow(residents, config), config)
    return mode, zh, en


def _spread_reasons(concentrated: np.ndarray, share: np.ndarray, pop_within: np.ndarray | None,
                    c: Config) -> tuple[list[str], list[str]]:
    """居住集中/分散 of each village and the measure that decided it, in Chinese and English."""
    radius, wide = glossary.with_unit(c.concentrated_radius_m / 1000, "unit_km"), \
        glossary.with_unit(c.dispersed_radius_m / 1000, "unit_km")
    radius_en, wide_en = f"{c.concentrated_radius_m / 1000:g} km", f"{c.dispersed_radius_m / 1000:g} km"
    pw = np.full(len(share), np.nan) if pop_within is None else np.asarray(pop_within, float)
    zh, en = [], []
    for k, sh, p in zip(concentrated.tolist(), np.asarray(share, float).tolist(), pw.tolist(), strict=True):
        how_zh, how_en = ("居住集中", "concentrated") if k else ("居住分散", "scattered")
        if np.isfinite(sh):
            zh.append(f"{how_zh}（{sh:.0%}的居民在{radius}内）")
            en.append(f"{how_en} ({sh:.0%} of residents within {radius_en})")
        else:
            op, op_zh = ("≥", "不少于") if k else ("<", "不足")
            people = f"{p:.0f}" if np.isfinite(p) else "?"
            zh.append(f"{how_zh}（图层中无所属自然村，按人口分散程度衡量：{wide}内人口{people}人，{op_zh}"
                      f"{c.dispersed_pop}人）")
            en.append(f"{how_en} (no natural villages in the layer; by the dispersion measure: {people} people "
                      f"within {wide_en} {op} {c.dispersed_pop})")
    return zh, en


def _mode_reasons(mode: np.ndarray, r: np.ndarray, how: tuple[list[str], list[str]], concentrated: np.ndarray,
                  d: np.ndarray, flow: np.ndarray, c: Config) -> tuple[np.ndarray, np.ndarray]:
    """The mode chosen for each village and the numbers behind it, in Chinese and English.

    The Chinese text names the mode in the plan's words (选定：…), says ``参照`` when the plan's rule for that
    tier does not literally describe the village (a decentralised facility for a village the §(七) sentence
    of 300–1000 people living scattered does not cover), then the numbers, in Chinese units.
    """
    big, small = c.sewage_central_residents, c.sewage_small_residents
    g = glossary
    limit, limit_en = g.with_unit(c.d_sewer_m / 1000, "unit_km"), _km(c.d_sewer_m)
    dist = [(g.with_unit(x / 1000, "unit_km", fixed=True) if np.isfinite(x) else None, _km(x)) for x in d]
    band = np.where(r >= big, 0, np.where(r >= small, 1, 2))
    rule_zh = (f"{big}人以上", f"{small}至{big}人", f"{small}人以下")
    rule_en = (f"≥ {big}", f"{small}–{big}", f"< {small}")
    literal = f"，{g.zh('by_reference')}实施方案（七）对常住人口{small}至{big}人、居住分散村庄的要求"
    zh = np.full(len(mode), None, dtype=object)
    en = np.full(len(mode), None, dtype=object)
    rows = zip(mode, dist, r, band, concentrated.astype(int), how[0], how[1], flow, strict=True)
    for i, (m, (dk, dk_en), x, b, k, hz, he, fl) in enumerate(rows):
        if m == "sewer_connect":
            zh[i] = f"选定：{g.zh(m)}。依据：距城镇污水管网或建成区{dk}，不超过{limit}（城市近郊地区）"
            en[i] = f"sewer or urban area {dk_en} away ≤ {limit_en}: connect to the town sewer"
            continue
        far_zh = f"距城镇污水管网{dk}，超过{limit}" if dk else f"{limit}内无城镇污水管网"
        far_en = f"sewer {dk_en} away > {limit_en}"
        if m is None:
            zh[i] = f"{g.zh('sewage_unknown')}。依据：{far_zh}；常住人口未知"
            en[i] = f"{far_en}; residents unknown: no mode"
            continue
        beyond = m == "decentralised" and not (b == 1 and k == 0)
        zh[i] = (f"选定：{g.zh(m)}{literal if beyond else ''}。依据：{far_zh}；常住人口{x:.0f}人（{rule_zh[b]}），"
                 f"{hz}；设计水量{g.with_unit(fl, 'unit_tpd', fixed=True)}")
        en[i] = (f"{g.en(m)}{' (by analogy)' if beyond else ''}: {far_en}; {x:.0f} residents ({rule_en[b]}), "
                 f"{he}; design flow {fl:.1f} t/day")
    return zh, en


def design_flow(residents: np.ndarray, config: Config) -> np.ndarray:
    """Design sewage flow in m³/d: residents × water use (L/person/day) × discharge coefficient / 1000."""
    return residents * config.water_use_l_per_person_day * config.sewage_discharge_coefficient / 1000.0


def _ceil_to(values: np.ndarray, step: float) -> np.ndarray:
    """Round up to a multiple of ``step`` (a flow of exactly 20.000000001 t/d stays 20)."""
    return np.ceil(np.round(values / step, 6)) * step


def facility_sizes(mode: np.ndarray, flow: np.ndarray, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Capacity to build (t/d, 1 t ≈ 1 m³ of sewage) and number of units, per village.

    A ``central`` plant is at least ``sewage_central_min_tpd`` and rounded up to ``sewage_size_step_tpd``;
    ``decentralised`` villages get as many units of ``sewage_small_tpd`` as the flow needs (at least one).
    Other modes build nothing here (NaN size, 0 units).

    Parameters
    ----------
    mode : ndarray
        From :func:`sewage_modes`.
    flow : ndarray
        From :func:`design_flow`.
    config : Config

    Returns
    -------
    (size_tpd, units) : tuple of ndarray
    """
    c = config
    size = np.full(len(mode), np.nan)
    units = np.zeros(len(mode), np.int64)
    central = (mode == "central") & np.isfinite(flow)
    size[central] = np.maximum(c.sewage_central_min_tpd, _ceil_to(flow[central], c.sewage_size_step_tpd))
    units[central] = 1
    small = (mode == "decentralised") & np.isfinite(flow)
    units[small] = np.maximum(1, _ceil_to(flow[small], c.sewage_small_tpd) / c.sewage_small_tpd).astype(np.int64)
    size[small] = units[small] * c.sewage_small_tpd
    return size, units


def fecal_routes(mode: np.ndarray, concentrated: np.ndarray, fecal_dist_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Toilet-waste route per village by §(六), and the haul distance where waste is hauled.

    Parameters
    ----------
    mode : ndarray
        Sewage modes; ``sewer_connect`` and ``central`` villages have a sewer for their toilets.
    concentrated : ndarray of bool
    fecal_dist_m : ndarray
        Road metres to the nearest ``fecal_treatment`` facility (inf: none reachable).

    Returns
    -------
    (route, haul_m) : tuple of ndarray
        ``route`` is None where the mode is unknown; ``haul_m`` is NaN unless the route is
        ``collect_and_haul`` and a facility is reachable.
    """
    sewer = np.isin(mode, ("sewer_connect", "central"))
    known = np.array([m is not None for m in mode], dtype=bool)
    haul = known & ~sewer & np.asarray(concentrated, bool)
    route = np.full(len(mode), None, dtype=object)
    route[known] = "on_site"
    route[haul] = "collect_and_haul"
    route[sewer] = "sewer"
    dist = np.where(haul & np.isfinite(fecal_dist_m), fecal_dist_m, np.nan)
    return route, dist


def toilet_counts(households: np.ndarray, sanitary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """卫生厕所普及率 (%) and households still without a sanitary toilet (NaN where either is unknown)."""
    hh = np.asarray(households, float)
    san = np.asarray(sanitary, float)
    ok = np.isfinite(hh) & np.isfinite(san)
    rate = np.full(len(hh), np.nan)
    has = ok & (hh > 0)
    rate[has] = 100.0 * san[has] / hh[has]
    needed = np.where(ok, np.maximum(hh - san, 0.0), np.nan)
    return rate, needed


def toilet_shares(needed: np.ndarray, in_scope: np.ndarray, config: Config, whole_region: bool = True) -> np.ndarray:
    """Each village's share of the region's households without a sanitary toilet (NaN: unknown).

    The denominator is ``region_households_lacking_toilet`` when set, otherwise the in-scope villages' own
    total when the input is the whole region (``whole_region``: several counties). Summed over a county, the
    share apportions the region's new-toilet targets to it. With neither (one county, no region total) no
    share can be given: NaN everywhere, and the report says the targets are not apportioned.
    """
    if config.region_households_lacking_toilet <= 0 and not whole_region:
        return np.full(len(needed), np.nan)
    total = (float(config.region_households_lacking_toilet) if config.region_households_lacking_toilet > 0
             else float(np.nansum(np.where(in_scope, needed, np.nan))))
    if total <= 0:
        return np.where(np.isfinite(needed), 0.0, np.nan)
    return needed / total


def zone_targets(zone: np.ndarray, zone_pct: np.ndarray, config: Config) -> np.ndarray:
    """Each village's 2025 生活污水治理率 target (%): its zone's own target, the priority default, or other."""
    inside = np.array([z is not None for z in zone], dtype=bool)
    default = np.where(inside, 100.0 * config.target_sewage_priority, 100.0 * config.target_sewage_other)
    return np.where(inside & np.isfinite(zone_pct), zone_pct, default)


def sanitation(
    residents: np.ndarray,
    households: np.ndarray,
    sanitary: np.ndarray,
    concentrated: tuple[np.ndarray, np.ndarray],
    sewer_dist_m: np.ndarray,
    fecal_dist_m: np.ndarray,
    zone: tuple[np.ndarray, np.ndarray],
    in_scope: np.ndarray,
    config: Config,
    pop_within: np.ndarray | None = None,
    whole_region: bool = True,
) -> Sanitation:
    """The whole stage from arrays.

    Parameters
    ----------
    residents, households, sanitary : ndarray
        Resident population, households and households with a sanitary toilet (NaN: unknown).
    concentrated : (flag, share)
        From :func:`concentrated_flags`.
    sewer_dist_m, fecal_dist_m : ndarray
        Straight-line metres to a sewer / urban area / wastewater plant; road metres to a fecal facility.
    zone : (name, target_pct)
        Priority zone of each village (None outside) and that zone's own target (NaN: the default).
    in_scope : ndarray of bool
        Villages the plan covers (their households without a sanitary toilet make the region's total).
    config : Config
    pop_within : ndarray, optional
        People within ``config.dispersed_radius_m``, quoted where the dispersion measure decided.
    whole_region : bool
        The input is the whole region (see :func:`toilet_shares`).

    Returns
    -------
    Sanitation
    """
    flag, share = concentrated
    mode, zh, en = sewage_modes(residents, flag, share, sewer_dist_m, config, pop_within)
    flow = design_flow(residents, config)
    size, units = facility_sizes(mode, flow, config)
    rate, needed = toilet_counts(households, sanitary)
    route, haul = fecal_routes(mode, flag, fecal_dist_m)
    names, pct = zone
    return Sanitation(
        residents=residents, sewage_mode=mode, sewage_reason=zh, sewage_reason_en=en, sewer_dist_m=sewer_dist_m,
        concentrated=flag, concentrated_share=share, design_flow_m3d=flow, facility_size_tpd=size,
        facility_units=units, toilet_rate_pct=rate, toilets_needed=needed,
        toilet_target_share=toilet_shares(needed, in_scope, config, whole_region), fecal_route=route, fecal_dist_m=haul,
        in_priority_zone=np.array([z is not None for z in names], dtype=bool), zone=names,
        zone_target_pct=zone_targets(names, pct, config),
    )


# --------------------------------------------------------------------------------------------------
# Layers → arrays


def sewer_distance(points: np.ndarray, targets: list[np.ndarray], crs: Any = None) -> np.ndarray:
    """Straight-line metres on the ground from each point to the nearest of the target geometries (0 inside a
    polygon).

    Straight line, not road distance: a sewer is a line of its own, not reached along the roads, and
    城市近郊 is a matter of proximity; ``d_sewer_m`` is set with that in mind.

    Parameters
    ----------
    points : ndarray of shapely Points
        Villages, in a metric CRS.
    targets : list of ndarray of shapely geometries
        Sewer lines, urban-area polygons and wastewater-plant points, in the same CRS.
    crs : pyproj.CRS, optional
        That CRS: distances are measured on the ellipsoid (:func:`...base.crs.pairs_on_ground`); without it in
        plain projected metres.

    Returns
    -------
    ndarray
        Metres; inf when no target is given.
    """
    geoms = np.concatenate([np.asarray(t, dtype=object) for t in targets]) if targets else np.zeros(0, object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    out = np.full(len(points), np.inf)
    pi, _, d = pairs_on_ground(crs, points, geoms)
    out[pi] = d
    return out


def zone_of_points(points: np.ndarray, zones: np.ndarray, names: np.ndarray,
                   target_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The priority zone each point lies in (the one with the highest target where zones overlap).

    Parameters
    ----------
    points : ndarray of shapely Points
    zones : ndarray of shapely Polygons
    names, target_pct : ndarray
        Canonical zone name and own target (NaN: default) of each polygon.

    Returns
    -------
    (zone, target_pct) : tuple of ndarray
        None / NaN for points outside every zone.
    """
    zone = np.full(len(points), None, dtype=object)
    pct = np.full(len(points), np.nan)
    if len(zones) == 0 or len(points) == 0:
        return zone, pct
    pi, zi = shapely.STRtree(zones).query(points, predicate="within")
    rank = np.where(np.isfinite(target_pct), target_pct, -1.0)
    order = np.lexsort((-rank[zi], pi))
    pi, zi = pi[order], zi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, bool)
    zone[pi[first]] = names[zi[first]]
    pct[pi[first]] = target_pct[zi[first]]
    return zone, pct


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(float) if name in df else np.full(len(df), np.nan)


def resident_counts(villages: pd.DataFrame, warn: Callable[[str], None]) -> np.ndarray:
    """``resident_population`` (常住人口), falling back to ``population`` with a warning."""
    pop = _column(villages, "population")
    if "resident_population" not in villages:
        warn("villages have no resident_population (常住人口): the sewage mode uses population instead")
        return pop
    res = _column(villages, "resident_population")
    missing = ~np.isfinite(res) & np.isfinite(pop)
    if missing.any():
        warn(f"{int(missing.sum())} villages have no resident_population (常住人口): their population is used")
    return np.where(np.isfinite(res), res, pop)


def admin_groups(villages: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per village: its administrative village's code (its group for :func:`concentrated_flags`) and
    whether it is that administrative village.
    """
    codes = villages["village_code"].to_numpy(object)
    if "admin_village_code" not in villages:
        return codes, np.ones(len(codes), bool)
    parent = villages["admin_village_code"].to_numpy(object)
    group = np.where(pd.isna(parent), codes, parent)
    return group, group == codes


def from_layers(
    villages: pd.DataFrame,
    layers: dict[str, pd.DataFrame],
    facilities: pd.DataFrame,
    fecal_dist_m: np.ndarray,
    in_scope: np.ndarray,
    config: Config,
    warn: Callable[[str], None],
    pop_within: np.ndarray | None = None,
) -> Sanitation:
    """The stage from GeoDataFrames in one metric CRS.

    Parameters
    ----------
    villages : GeoDataFrame
        Checked villages (points).
    layers : dict
        Optional ``sewer``, ``urban_areas`` and ``priority_zones`` GeoDataFrames by kind.
    facilities : GeoDataFrame
        Facilities; ``wastewater_plant`` points count as sewer.
    fecal_dist_m : ndarray
        Road metres from each village to the nearest ``fecal_treatment`` facility.
    in_scope : ndarray of bool
    config : Config
    warn : callable
        Receives a warning text (no resident_population; the toilet targets given whole to one county).
    pop_within : ndarray, optional
        The run's 人口分散 measure (people within ``config.dispersed_radius_m``): it decides 居住集中/分散 of a
        village alone in its administrative village (computed from the residents when not given).

    Returns
    -------
    Sanitation
    """
    points = np.asarray(villages.geometry.array, dtype=object)
    residents = resident_counts(villages, warn)
    targets = [np.asarray(layers[k].geometry.array) for k in ("sewer", "urban_areas") if k in layers]
    plants = facilities["facility_type"].to_numpy(object) == "wastewater_plant"
    targets.append(np.asarray(facilities.geometry.array)[plants])
    zones = layers.get("priority_zones")
    if zones is None:
        zone = (np.full(len(points), None, dtype=object), np.full(len(points), np.nan))
    else:
        zone = zone_of_points(points, np.asarray(zones.geometry.array), zones["zone"].to_numpy(object),
                              _column(zones, "sewage_target_pct"))
    group, anchor = admin_groups(villages)
    x, y = shapely.get_x(points), shapely.get_y(points)
    if pop_within is None:
        pop_within = population_within(x, y, np.nan_to_num(residents), config.dispersed_radius_m, villages.crs)
    flags = concentrated_flags(x, y, residents, group, anchor, config, pop_within, villages.crs)
    whole_region = villages["county_code"].nunique() > 1
    if config.region_households_lacking_toilet <= 0 and not whole_region:
        warn("one county only and region_households_lacking_toilet not set: the region's new-toilet targets "
             f"({config.target_toilets_2023:,} / {config.target_toilets_2025:,}) are not apportioned to it; set "
             "region_households_lacking_toilet to the region's households without a sanitary toilet")
    return sanitation(residents, _column(villages, "households"), _column(villages, "sanitary_toilet_households"),
                      flags, sewer_distance(points, targets, villages.crs), fecal_dist_m, zone, in_scope, config, pop_within,
                      whole_region)


def run(ctx: Context[Any]) -> Sanitation:
    """The sanitation stage of a run: sewage mode, design flow, toilets and toilet-waste route per village."""
    p = ctx.prepared
    layers = {k: gdf for k in ("sewer", "urban_areas", "priority_zones") if (gdf := p.layer(k)) is not None}
    fecal = np.where(p.reachable, ctx.need(Distances).to_villages("fecal_treatment"), np.inf)

    def warn(text: str) -> None:
        ctx.progress.message(text, "warning")

    collection = ctx.get(Collection)
    return from_layers(p.villages, layers, p.facilities, fecal, ctx.need(VillageAttributes).in_scope, p.config,
                       warn, None if collection is None else collection.pop_within_radius)


# --------------------------------------------------------------------------------------------------
# Indicators


def _gap(target: float, ok: int, total: int) -> int:
    return max(0, math.ceil(round(target * total, 9)) - ok) if total else 0


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _sewage_indicators(v: pd.DataFrame, scope: np.ndarray, treated: np.ndarray, config: Config) -> dict:
    admin = scope & flag_column(v, "is_admin_village")
    treated = admin & treated
    n, ok = int(admin.sum()), int(treated.sum())
    prio = admin & flag_column(v, "in_priority_zone")
    unknown = admin & pd.isna(v["sewage_treated"]).to_numpy() if "sewage_treated" in v else admin
    out = {
        "n_sewage_treated": ok,
        "n_sewage_unknown": int(unknown.sum()),
        "sewage_rate_pct": _pct(ok, n),
        "sewage_meets_2023": bool(n) and ok >= config.target_sewage_2023 * n,
        "sewage_meets_2025": bool(n) and ok >= config.target_sewage_2025 * n,
        "sewage_gap_2023": _gap(config.target_sewage_2023, ok, n),
        "sewage_gap_2025": _gap(config.target_sewage_2025, ok, n),
        "n_admin_priority": int(prio.sum()),
        "sewage_rate_priority_pct": _pct(int((treated & prio).sum()), int(prio.sum())),
        "sewage_rate_other_pct": _pct(int((treated & ~prio).sum()), int((admin & ~prio).sum())),
    }
    target = number_column(v, "zone_target_pct")
    gap = 0
    for pct in np.unique(target[admin]):
        same = admin & (target == pct)
        gap += _gap(pct / 100.0, int((treated & same).sum()), int(same.sum()))
    out["sewage_gap_zone"] = gap
    out["sewage_meets_zone"] = bool(n) and gap == 0
    return out


def _toilet_indicators(v: pd.DataFrame, scope: np.ndarray, config: Config) -> dict:
    hh = number_column(v, "households")[scope]
    needed = number_column(v, "toilets_needed")[scope]
    known = np.isfinite(hh) & np.isfinite(needed)
    households, lacking = float(hh[known].sum()), float(needed[known].sum())
    shares = number_column(v, "toilet_target_share")[scope]
    apportioned = bool(np.isfinite(shares).any()) or not len(shares)
    share = float(np.nansum(shares))
    return {
        "households": int(households),
        "sanitary_households": int(households - lacking),
        "toilet_rate_pct": _pct(int(households - lacking), int(households)),
        "toilets_needed": int(lacking),
        "toilet_share_pct": round(100.0 * share, 3) if apportioned else None,
        # a share of the region's target, never more than the households that still lack a sanitary toilet
        "toilets_target_2023": min(int(round(config.target_toilets_2023 * share)), int(lacking)) if apportioned
        else None,
        "toilets_target_2025": min(int(round(config.target_toilets_2025 * share)), int(lacking)) if apportioned
        else None,
    }


def sanitation_indicators(villages: pd.DataFrame, config: Config) -> dict:
    """Sanitation indicators of one group of villages (a township, a county or the region).

    Only in-scope villages count (as for every indicator); 生活污水治理率 is the share of in-scope
    administrative villages with ``sewage_treated`` (the plan's own measure; unknown counts as not treated).
    Facilities to build are those of in-scope villages whose sewage is not treated yet.

    Parameters
    ----------
    villages : DataFrame
        Output village rows with ``in_scope``, ``is_admin_village``, ``sewage_treated`` (optional),
        ``in_priority_zone``, ``zone_target_pct``, ``households``, ``toilets_needed``, ``toilet_target_share``,
        ``sewage_mode``, ``fecal_route``, ``facility_size_tpd``, ``facility_units``.
    config : Config

    Returns
    -------
    dict
        Keys of :data:`..contract.SANITATION_INDICATOR_COLUMNS`; none when the villages have no sanitation
        columns (the stage did not run).
    """
    v = villages
    if "sewage_mode" not in v:
        return {}
    scope = flag_column(v, "in_scope")
    treated = flag_column(v, "sewage_treated")
    out = {**_sewage_indicators(v, scope, treated, config), **_toilet_indicators(v, scope, config)}
    build = scope & ~treated
    mode = v["sewage_mode"].to_numpy(object)
    size = number_column(v, "facility_size_tpd")
    for m in SEWAGE_MODES:
        out[f"n_{m}"] = int((build & (mode == m)).sum())
    central, small = build & (mode == "central"), build & (mode == "decentralised")
    out["central_tpd"] = float(size[central].sum())
    out["decentralised_units"] = int(number_column(v, "facility_units")[small].sum())
    out["decentralised_tpd"] = float(size[small].sum())
    out["n_collect_and_haul"] = int((scope & (v["fecal_route"].to_numpy(object) == "collect_and_haul")).sum())
    return out


def report_sheets(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sanitation sheets of report.xlsx: indicators per county, township and region.

    Each village's mode, size and toilets are in the villages layer of results.gpkg (a sheet of every
    village would cost seconds per run at region scale).

    Parameters
    ----------
    tables : dict
        The run's indicator tables by level (``county``, ``town``, ``region``), with the sanitation columns.

    Returns
    -------
    dict
        Sheet name → table (empty when the run has no sanitation columns).
    """
    keys = ("level", "code", "name", "county_code")
    indicators = names(SANITATION_INDICATOR_COLUMNS)
    sheets = {}
    for level, sheet in (("county", "污水厕所 旗县 sanitation county"), ("town", "污水厕所 苏木乡镇 sanitation town"),
                         ("region", "污水厕所 全部 sanitation region")):
        t = tables.get(level)
        if t is not None and len(t) and "sewage_rate_pct" in t:
            sheets[sheet] = _not_apportioned(t[[c for c in keys if c in t] + [c for c in indicators if c in t]])
    return sheets


#: What report.xlsx says where the region's new-toilet targets could not be apportioned.
NOT_APPORTIONED = "全区目标（未分摊）/ region target, not apportioned: set region_households_lacking_toilet"


def _not_apportioned(table: pd.DataFrame) -> pd.DataFrame:
    """The toilet-target cells without a share say why they are empty."""
    cols = [c for c in ("toilet_share_pct", "toilets_target_2023", "toilets_target_2025") if c in table]
    if not cols or not table[cols].isna().any().any():
        return table
    out = table.copy()
    for c in cols:
        out[c] = out[c].astype(object).where(out[c].notna(), NOT_APPORTIONED)
    return out


def without_sanitation(table: pd.DataFrame) -> pd.DataFrame:
    """An indicator table without the sanitation columns (they have their own sheets)."""
    return table.drop(columns=[c for c in names(SANITATION_INDICATOR_COLUMNS) if c in table])
