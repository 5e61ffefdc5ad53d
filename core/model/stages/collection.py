"""The waste collection model of each village: the whole three-tier rule, from road distances.

The plan (§（九）) chooses by village distribution, waste generated, transport distance and economics:
城镇周边 城乡一体化治理模式, 人口较密集地区 苏木乡镇集中治理模式, 偏远分散 村庄分散治理模式. The rules, in order:

1. ``county_process`` when a transfer station lies within ``d_station_m`` by road and that station reaches a
   county treatment facility within ``d_haul_m``;
2. ``town_transfer`` when a town treatment facility lies within ``d_town_m`` and the village is not dispersed;
3. ``village_collect`` otherwise; covered only with a village treatment facility within ``d_village_m``.

"Dispersed" means fewer than ``dispersed_pop`` people within ``dispersed_radius_m`` (straight line).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ...base import glossary, schema
from ...base.config import Config
from ...base.crs import grid_band, point_distances
from ..stage import Context
from .attributes import VillageAttributes
from .distances import Distances, Seeds, at_nodes, multi_source

if TYPE_CHECKING:
    from pyproj import CRS

#: The search from every usable transfer station (one whose haul to county treatment is within ``d_haul_m``).
VALID_STATION = "valid_station"


@dataclass(frozen=True)
class Assignment:
    """Result of :func:`assign_models`, one entry per village."""

    model: np.ndarray  # object: county_process / town_transfer / village_collect / None
    covered: np.ndarray  # bool
    dispersed: np.ndarray  # bool
    reason_zh: np.ndarray  # object
    reason_en: np.ndarray  # object


@dataclass(frozen=True)
class Collection:
    """The collection stage's result: the model of each village and the numbers behind it."""

    assignment: Assignment
    pop_within_radius: np.ndarray
    d_valid_station: np.ndarray
    haul_of_station: np.ndarray
    station_node: np.ndarray | None = None  # per village: graph node of that valid station (-1: none)

    def village_columns(self) -> dict[str, np.ndarray]:
        """The output columns of this stage."""
        a = self.assignment
        return {"pop_within_radius": self.pop_within_radius, "dispersed": a.dispersed,
                "collection_model": a.model,
                "model_label": model_labels(a.model, a.covered),
                "model_reason": a.reason_zh, "model_reason_en": a.reason_en, "covered": a.covered}


def model_labels(model: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Each village's model in the plan's words and whether it is covered (``…，未覆盖``); None without a model."""
    labels = {(m, c): glossary.model_label(m, c) for m in schema.MODELS for c in (False, True)}
    return np.array([labels[(m, bool(c))] if m else None for m, c in zip(model, covered, strict=True)], object)


def population_within(x: np.ndarray, y: np.ndarray, population: np.ndarray, radius_m: float,
                      crs: CRS | None = None) -> np.ndarray:
    """People living within ``radius_m`` ground metres (straight line) of each village, itself included.

    A pair's grid distance is its ground distance times a scale factor between the lowest and the highest
    over the data (:func:`...base.crs.grid_band`): pairs nearer than ``radius_m`` times the lowest are in, those farther
    than ``radius_m`` times the highest are out, and only the pairs between are measured on the ellipsoid
    (``crs`` None: plain projected metres).
    """
    out = population.astype(float).copy()
    if len(x) == 0:
        return out
    k_lo, k_hi = grid_band(crs, x, y)
    tree = cKDTree(np.c_[x, y])
    pairs = tree.sparse_distance_matrix(tree, radius_m * k_hi, output_type="coo_matrix")
    off = pairs.row != pairs.col
    row, col, grid = pairs.row[off], pairs.col[off], pairs.data[off]
    near = grid <= radius_m * k_lo
    unsure = np.flatnonzero(~near)
    near[unsure] = point_distances(crs, x[row[unsure]], y[row[unsure]], x[col[unsure]], y[col[unsure]]) <= radius_m
    out += np.bincount(row[near], weights=population[col[near]], minlength=len(x))
    return out


def valid_stations(station_nodes: np.ndarray, county_dist: np.ndarray, d_haul_m: float) -> np.ndarray:
    """The transfer-station nodes that reach a county treatment facility within ``d_haul_m`` by road."""
    return station_nodes[county_dist[station_nodes] <= d_haul_m]


def haul_chain(matrix: sp.csr_matrix, distances: Distances, n_nodes: int,
               config: Config, seeds: Seeds | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per village: road metres to the nearest valid station, that station's haul to county treatment, and the
    station's graph node (-1: none; a node id past ``n_nodes`` is a window's seed, not a station).

    ``seeds`` (a partitioned run's window): the distance to a valid station and its haul known at some nodes.
    """
    haul = distances.node_dist["county_treatment"]
    stations = valid_stations(distances.facility_nodes["transfer_station"], haul, config.d_haul_m)
    known = None if seeds is None else seeds.of(VALID_STATION)
    # every station valid (usual): the search from them was the distance stage's transfer-station search
    done = distances.search_from(matrix, stations, n_nodes) if known is None else None
    d_valid, src = done if done is not None else multi_source(matrix, stations, n_nodes, seeds=known)
    if known is not None:  # a pendant seed n + i carries the haul of the station its distance leads to
        ok = np.isfinite(seeds.dist[VALID_STATION]) & (seeds.node >= 0)  # type: ignore[union-attr]
        haul = np.r_[haul[:n_nodes], seeds.haul[ok]]  # type: ignore[union-attr]
    source = at_nodes(src, distances.village_node, -1).astype(np.int64)
    haul_of = np.where(source >= 0, haul[np.maximum(source, 0)], np.inf)
    return at_nodes(d_valid, distances.village_node), haul_of, source


def _km(d: float) -> str:
    return "∞" if not math.isfinite(d) else f"{d / 1000:.1f} km"


def _gongli(d: float, fixed: bool = True) -> str:
    """Road metres as Chinese text says them (``12.3公里``; ``无可达设施`` when none is reachable); a threshold
    (not ``fixed``) without trailing zeros (``20公里``).
    """
    return "无可达设施" if not math.isfinite(d) else glossary.with_unit(d / 1000, "unit_km", fixed=fixed)


def _km_all(d: np.ndarray) -> list[tuple[str, str]]:
    """(Chinese, English) distance text of every value (one Python float each, not a numpy scalar: a region has
    60,000 villages).
    """
    return [(_gongli(v), _km(v)) for v in np.asarray(d, float).tolist()]


def _texts_where(d: np.ndarray, need: np.ndarray) -> np.ndarray:
    """:func:`_km_all` of the values where ``need`` holds (None elsewhere: texts no reason uses are not made)."""
    out = np.full(len(d), None, dtype=object)
    rows = np.flatnonzero(need)
    texts = np.empty(len(rows), dtype=object)
    texts[:] = _km_all(d[rows])
    out[rows] = texts
    return out


@dataclass(frozen=True)
class _Limits:
    """The rule thresholds as (Chinese, English) text, formatted once per run rather than once per village."""

    station: tuple[str, str]
    haul: tuple[str, str]
    town: tuple[str, str]
    village: tuple[str, str]
    radius: tuple[str, str]

    @classmethod
    def of(cls, c: Config) -> _Limits:
        station, haul, town, village = ((_gongli(d, False), _km(d))
                                        for d in (c.d_station_m, c.d_haul_m, c.d_town_m, c.d_village_m))
        return cls(station, haul, town, village,
                   (_gongli(c.dispersed_radius_m, False), f"{c.dispersed_radius_m / 1000:g} km"))


_T = tuple[str, str]
_G = glossary.zh


def _county_reason(d_valid: _T, haul: _T, k: _Limits) -> tuple[str, str]:
    return (f"至{_G('transfer_station')}路网距离{d_valid[0]}，不超过{k.station[0]}；该站至{_G('county_treatment')}"
            f"{haul[0]}，不超过{k.haul[0]}",
            f"transfer station {d_valid[1]} by road ≤ {k.station[1]}; it hauls {haul[1]} ≤ {k.haul[1]} to county "
            "treatment")


def _station_reason(near: bool, d_station: _T, d_valid: _T, k: _Limits) -> tuple[str, str]:
    if near:
        return (f"最近{_G('transfer_station')}{d_station[0]}，但该站{k.haul[0]}内无{_G('county_treatment')}",
                f"nearest transfer station {d_station[1]} has no county treatment within {k.haul[1]}")
    return (f"最近可用{_G('transfer_station')}{d_valid[0]}，超过{k.station[0]}",
            f"nearest usable transfer station {d_valid[1]} > {k.station[1]}")


def _town_reason(d_town: _T, town_near: bool, pop_r: float, is_town: bool, k: _Limits,
                 c: Config) -> tuple[str, str]:
    waste = pop_r * c.waste_kg_per_person_day
    density_zh = f"{k.radius[0]}内人口{int(pop_r)}人（日产垃圾约{waste:.0f}千克）"
    density_en = f"{int(pop_r)} people within {k.radius[1]} (~{waste:.0f} kg waste/day)"
    if is_town:
        return (f"{_G('town_treatment')}{d_town[0]}，不超过{k.town[0]}；{density_zh}，不少于{c.dispersed_pop}人",
                f"town treatment {d_town[1]} ≤ {k.town[1]} and {density_en} ≥ {c.dispersed_pop}")
    if town_near:
        return (f"{_G('town_treatment')}{d_town[0]}，但人口分散：{density_zh}，不足{c.dispersed_pop}人",
                f"town treatment {d_town[1]} but dispersed: {density_en} < {c.dispersed_pop}")
    return (f"最近{_G('town_treatment')}{d_town[0]}，超过{k.town[0]}",
            f"nearest town treatment {d_town[1]} > {k.town[1]}")


def _village_reason(d_village: _T, covered: bool, k: _Limits) -> tuple[str, str]:
    if covered:
        return (f"{_G('village_treatment')}{d_village[0]}，不超过{k.village[0]}，{_G('covered')}",
                f"village treatment {d_village[1]} ≤ {k.village[1]}: covered")
    return (f"{k.village[0]}内无{_G('village_treatment')}，{_G('not_covered')}",
            f"no village treatment within {k.village[1]}: not covered")


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
    zh = np.full(n, None, dtype=object)
    en = np.full(n, None, dtype=object)
    rows = np.flatnonzero(reachable)
    k = _Limits.of(config)
    station_near = d_station <= config.d_station_m
    town_near = d_town <= config.d_town_m
    other = reachable & ~is_county
    texts = zip(*(_texts_where(d, need)[rows] for d, need in (
        (d_station, other & station_near), (d_valid_station, is_county | (other & ~station_near)),
        (haul_of_station, is_county), (d_town, other), (d_village_treatment, is_village & covered))), strict=True)
    for i, (s_km, valid_km, haul_km, town_km, village_km) in zip(rows.tolist(), texts, strict=True):
        if is_county[i]:
            zh[i], en[i] = _county_reason(valid_km, haul_km, k)
            continue
        parts = [_station_reason(bool(station_near[i]), s_km, valid_km, k),
                 _town_reason(town_km, bool(town_near[i]), float(pop_within_radius[i]), bool(is_town[i]), k, config)]
        if not is_town[i]:
            parts.append(_village_reason(village_km, bool(covered[i]), k))
        zh[i] = "；".join(p[0] for p in parts)
        en[i] = "; ".join(p[1] for p in parts)
    return Assignment(model, covered, dispersed, zh, en)


def run(ctx: Context[Any]) -> Collection:
    """The collection stage of a run: the haul rule, the population around each village, then the models."""
    p = ctx.prepared
    dist = ctx.need(Distances)
    attrs = ctx.need(VillageAttributes)
    d_valid, haul_of, station = haul_chain(p.matrix, dist, p.graph.n_nodes, p.config, ctx.get(Seeds))
    x, y = p.village_xy
    pop_r = population_within(x, y, attrs.population, p.config.dispersed_radius_m, p.crs)
    assignment = assign_models(dist.to_villages("transfer_station"), d_valid, haul_of,
                               dist.to_villages("town_treatment"), dist.to_villages("village_treatment"), pop_r,
                               p.reachable & p.has_facilities, p.config)
    return Collection(assignment, pop_r, d_valid, haul_of, station)
