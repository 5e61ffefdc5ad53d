"""Villages and people near mines, and the green-mine level of each mine (绿色矿山名录)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from ...base.config import Config
from ...base.crs import pairs_on_ground
from ..stage import Context
from .attributes import VillageAttributes


@dataclass(frozen=True)
class Mines:
    """Per village: the nearest mine within the buffer and whether a non-green mine is within it.

    ``layer`` is the mines output layer (None without a mines input).
    """

    near_mine: np.ndarray
    near_mine_dist_m: np.ndarray
    near_non_green_mine: np.ndarray
    layer: gpd.GeoDataFrame | None

    def village_columns(self) -> dict[str, np.ndarray]:
        """The output columns of this stage."""
        return {"near_mine": self.near_mine, "near_mine_dist_m": self.near_mine_dist_m,
                "near_non_green_mine": self.near_non_green_mine}


def village_mine_pairs(villages: gpd.GeoSeries, mines: gpd.GeoDataFrame,
                       buffer_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest mine of each village within ``buffer_m`` and every (village, mine) pair within it, in metres on
    the ground (:func:`...base.crs.pairs_on_ground`; the villages' CRS, plain metres without one).

    Returns
    -------
    (nearest_village, nearest_mine, nearest_dist, pairs) : the nearest matches and a (2, k) array of pairs.
    """
    vp, mp, d = pairs_on_ground(villages.crs, villages.array, mines.geometry.array, buffer_m)
    order = np.lexsort((mp, d, vp))
    first = order[np.r_[True, vp[order][1:] != vp[order][:-1]]] if len(order) else order
    return vp[first], mp[first], d[first], np.array([vp, mp])


def mines_layer(mines: gpd.GeoDataFrame, population: np.ndarray, pairs: np.ndarray) -> gpd.GeoDataFrame:
    """The mines output layer: villages and people within the buffer of each mine, and its green status."""
    vp, mp = pairs
    out = mines.copy()
    out["villages_within_buffer"] = np.bincount(mp, minlength=len(out))
    out["population_within_buffer"] = np.bincount(mp, weights=population[vp], minlength=len(out))
    out["is_green_mine"] = out["green_mine_level"].isin(["national", "regional"])
    return out


def near_mines(villages: gpd.GeoSeries, mines: gpd.GeoDataFrame | None, population: np.ndarray,
               config: Config) -> Mines:
    """The mines stage from the village points, the mines layer and the village populations."""
    n = len(villages)
    name = np.full(n, None, dtype=object)
    dist = np.full(n, np.nan)
    bad = np.zeros(n, bool)
    if mines is None or len(mines) == 0:
        return Mines(name, dist, bad, mines)
    vi, mi, d, (vp, mp) = village_mine_pairs(villages, mines, config.mine_buffer_m)
    name[vi] = mines["name"].to_numpy(object)[mi]
    dist[vi] = np.round(d, 1)
    nongreen = mines["green_mine_level"].to_numpy(object)[mp] == "none"
    bad[np.unique(vp[nongreen])] = True
    return Mines(name, dist, bad, mines_layer(mines, population, np.array([vp, mp])))


def run(ctx: Context[Any]) -> Mines:
    """The mines stage of a run."""
    p = ctx.prepared
    return near_mines(p.villages.geometry, p.layer("mines"), ctx.need(VillageAttributes).population, p.config)
