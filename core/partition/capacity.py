"""Facility loads and the capacity-aware assignment of a partitioned run, computed after the partitions meet.

A facility's villages may lie in several partitions, so no window can sum its load nor decide who it takes
within its capacity. Each window reports, for its own villages, the facility of each tier's nearest-facility
search as a global row — a seeded search names the facility its seed came from
(:func:`.seeds.whole_network_labels`) — with the road metres, and with ``capacity_aware`` every
village–facility pair within each tier's distance (:func:`..model.stages.capacity.window_facts`; the window's
certificate checks that no such pair can leave it). The client then builds the chains of the rule, or solves
the tiers' transportation problems over the pairs of every partition at once, with the single run's code
(:func:`..model.stages.capacity.assign_tiers`): the same loads, flags and assignment as a single run.
"""
from __future__ import annotations

import pickle
import zlib
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..base.config import Config
from ..model.stages.attributes import column_or
from ..model.stages.capacity import (
    TIERS,
    Capacity,
    Tier,
    assign_tiers,
    capacity_of,
    facility_capacity,
    nearest_chain,
)
from ..model.stages.collection import Assignment
from .seeds import Labels

#: Per-village facts of the windows (the pairs of the tiers travel beside them).
FACTS = ("waste", "station", "station_m", "town_treatment", "town_treatment_m", "village_treatment",
         "village_treatment_m")


def station_plants(labels: Labels, facilities: gpd.GeoDataFrame, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Per facility row (whole input): the county plant its station hauls to (-1: none) and the road metres
    from its node to the nearest county plant, as the single run's capacity stage finds them.
    """
    node = labels.facility_node
    on = node >= 0
    haul = np.full(len(node), np.nan)
    haul[on] = labels.dist["county_treatment"][node[on]]
    station = on & (facilities["facility_type"].to_numpy(object) == "transfer_station")
    usable = station & np.isfinite(haul) & (np.nan_to_num(haul, nan=np.inf) <= config.d_haul_m)
    plant = np.full(len(node), -1, np.int64)
    plant[usable] = labels.source["county_treatment"][node[usable]]
    return plant, haul


def merged_facts(parts: Sequence[Any], n: int) -> dict[str, Any]:
    """The facts of every village from the partition that keeps it (certified, or flagged in the widest window),
    indexed by the village's global row.
    """
    out: dict[str, Any] = {}
    pairs: dict[str, list[tuple[np.ndarray, ...]]] = {}
    for p in parts:
        keep = p.certified if p.flagged is None else p.certified | p.flagged
        if not keep.any() or not p.capacity:
            continue
        facts = pickle.loads(zlib.decompress(p.capacity))  # noqa: S301 - produced by this run's tasks
        kept = np.zeros(n, bool)
        kept[p.vid[keep]] = True
        for key, value in facts.items():
            if isinstance(value, tuple):
                sel = kept[value[0]]
                pairs.setdefault(key, []).append(tuple(v[sel] for v in value))
            else:
                if key not in out:
                    out[key] = np.full(n, -1 if value.dtype.kind == "i" else np.nan, value.dtype)
                out[key][p.vid[keep]] = value[keep]
    for key, chunks in pairs.items():
        out[key] = tuple(np.concatenate([c[k] for c in chunks]) for k in range(3))
    return out


def whole_capacity(villages: pd.DataFrame, facilities: gpd.GeoDataFrame, facts: dict[str, Any], plant: np.ndarray,
                   haul: np.ndarray, facility_node: np.ndarray, config: Config) -> Capacity:
    """The capacity stage over the merged villages: the rule's chains, or with ``capacity_aware`` the tiers
    solved over the pairs of every partition.

    Parameters
    ----------
    villages : DataFrame
        The merged villages in input order, with the rule's ``collection_model``, ``covered``, ``dispersed``
        and reasons.
    facilities : GeoDataFrame
        The whole input's facilities.
    facts : dict
        :func:`merged_facts`.
    plant, haul : ndarray
        :func:`station_plants`.
    facility_node : ndarray
        Node of each facility on the whole network (-1: not snapped).
    config : Config
    """
    ftype = facilities["facility_type"].to_numpy(object)
    cap = facility_capacity(facilities)
    names = column_or(facilities, "name", None).to_numpy(object)
    names = np.where(pd.isna(names), ftype, names).astype(object) if len(names) else names
    n = len(villages)
    given = villages["collection_model"].astype(object)
    model = given.where(given.notna(), None).to_numpy(object)
    covered = villages["covered"].fillna(False).to_numpy(bool)
    waste = facts.get("waste", np.zeros(n))
    if not config.capacity_aware:
        near = {"transfer_station": (facts["station"], facts["station_m"])} if "station" in facts else {}
        near.update({k: (facts[k], facts[f"{k}_m"]) for k in ("town_treatment", "village_treatment") if k in facts})
        if len(near) < 3:
            near = {k: (np.full(n, -1, np.int64), np.full(n, np.nan))
                    for k in ("transfer_station", "town_treatment", "village_treatment")}
        return capacity_of(waste, nearest_chain(model, covered, near, plant, haul), cap, ftype, names)
    rule = Assignment(model, covered, villages["dispersed"].fillna(False).to_numpy(bool),
                      villages["model_reason"].to_numpy(object), villages["model_reason_en"].to_numpy(object))
    on = facility_node >= 0
    tiers = [Tier(m, kind, getattr(config, setting), np.flatnonzero((ftype == kind) & on & (
        plant >= 0 if kind == "transfer_station" else True))) for m, kind, setting in TIERS]
    usable = np.zeros(len(ftype), bool)
    for tier in tiers:
        usable[tier.rows] = True
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def pairs_of(tier: Tier, elig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        vi, fi, dd = facts.get(tier.model, empty)
        keep = elig[vi] & usable[fi]
        return vi[keep], fi[keep], dd[keep]

    assignment, chain, solve = assign_tiers(rule, pd.notna(villages["collection_model"]).to_numpy(), tiers, pairs_of,
                                            waste, cap, plant, haul)
    return capacity_of(waste, chain, cap, ftype, names, assignment, solve)
