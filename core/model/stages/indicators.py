"""Plan indicators per county, township and for the whole input, against the 2023 and 2025 targets.

- waste: share of in-scope administrative villages covered by a collection–transfer–treatment chain
  (target 50 % by 2023, 60 % by 2025);
- roads: share of in-scope larger natural villages (较大人口规模自然村) with hardened access
  (target 83.5 % by 2023, 85 % by 2025), with the gap in villages and in km of road to pave.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ...base import glossary
from ...base.config import Config
from ...base.contract import (
    INDICATOR_COLUMNS,
    ROADS_WASTE_INDICATOR_COLUMNS,
    SANITATION_INDICATOR_COLUMNS,
    headers,
)
from ...base.values import flag_column, number_column
from ..stage import Context
from .capacity import capacity_indicators
from .class3 import Class3
from .sanitation import sanitation_indicators
from .villages import VillageTable

#: Column → (Chinese header, English header) for reports.
HEADERS: dict[str, tuple[str, str]] = headers(INDICATOR_COLUMNS + SANITATION_INDICATOR_COLUMNS
                                              + ROADS_WASTE_INDICATOR_COLUMNS)


def villages_short(target: float, ok: int, total: int) -> int:
    """How many more villages reach a ``target`` share of ``total`` when ``ok`` already do (0 when met)."""
    return max(0, math.ceil(round(target * total, 9)) - ok) if total else 0


def _cheapest_km(gaps: np.ndarray, need: int) -> float:
    """km of road to pave to connect the ``need`` cheapest villages (NaN when not enough are reachable)."""
    if need <= 0:
        return 0.0
    finite = np.sort(gaps[np.isfinite(gaps)])
    if len(finite) < need:
        return float("nan")
    return round(float(finite[:need].sum() / 1000.0), 2)


def summarise(villages: pd.DataFrame, config: Config) -> dict[str, Any]:
    """Indicators of one group of villages.

    Parameters
    ----------
    villages : DataFrame
        Output village rows with ``is_admin_village``, ``in_scope``, ``covered``, ``is_larger``,
        ``hardened_access``, ``pave_gap_m``, ``collection_model``, ``unreachable_reason``, ``near_non_green_mine``.
    config : Config

    Returns
    -------
    dict
        Keys of :data:`HEADERS` (except level/code/name).
    """
    v = villages
    scope = flag_column(v, "in_scope")
    admin = flag_column(v, "is_admin_village")
    covered = flag_column(v, "covered")
    larger = flag_column(v, "is_larger") & scope
    access = flag_column(v, "hardened_access")
    n_admin_scope = int((admin & scope).sum())
    n_cov = int((admin & scope & covered).sum())
    n_larger = int(larger.sum())
    n_acc = int((larger & access).sum())
    gaps = number_column(v, "pave_gap_m")[larger & ~access]
    out = {
        "n_villages": len(v),
        "n_admin": int(admin.sum()),
        "n_admin_in_scope": n_admin_scope,
        "n_admin_covered": n_cov,
        "waste_coverage_pct": round(100.0 * n_cov / n_admin_scope, 2) if n_admin_scope else None,
        "waste_meets_2023": bool(n_admin_scope) and n_cov >= config.target_waste_2023 * n_admin_scope,
        "waste_meets_2025": bool(n_admin_scope) and n_cov >= config.target_waste_2025 * n_admin_scope,
        "waste_gap_2023": villages_short(config.target_waste_2023, n_cov, n_admin_scope),
        "waste_gap_2025": villages_short(config.target_waste_2025, n_cov, n_admin_scope),
        "n_larger": n_larger,
        "n_larger_access": n_acc,
        "road_coverage_pct": round(100.0 * n_acc / n_larger, 2) if n_larger else None,
        "roads_meets_2023": bool(n_larger) and n_acc >= config.target_roads_2023 * n_larger,
        "roads_meets_2025": bool(n_larger) and n_acc >= config.target_roads_2025 * n_larger,
        "roads_gap_2023": villages_short(config.target_roads_2023, n_acc, n_larger),
        "roads_gap_2025": villages_short(config.target_roads_2025, n_acc, n_larger),
    }
    for year in (2023, 2025):
        out[f"pave_km_{year}"] = _cheapest_km(gaps, int(out[f"roads_gap_{year}"] or 0))
    model = v["collection_model"].to_numpy(object)
    for m in ("county_process", "town_transfer", "village_collect"):
        out[f"n_{m}"] = int((model == m).sum())
    dispersed = model == "village_collect"
    out["n_village_collect_covered"] = int((dispersed & covered).sum())
    out["n_village_collect_uncovered"] = int((dispersed & ~covered).sum())
    out["n_unreachable"] = int(pd.notna(v["unreachable_reason"].to_numpy(object)).sum())
    out["n_near_non_green_mine"] = int(flag_column(v, "near_non_green_mine").sum())
    return out


#: Functions that add indicator columns for a group of villages; a new analysis appends its own.
INDICATOR_FUNCTIONS: list[Callable[[pd.DataFrame, Config], dict]] = [summarise, sanitation_indicators,
                                                                     capacity_indicators]


def _indicators(villages: pd.DataFrame, config: Config) -> dict:
    out: dict = {}
    for fn in INDICATOR_FUNCTIONS:
        out.update(fn(villages, config))
    return out


def indicator_tables(
    villages: pd.DataFrame,
    config: Config,
    county_names: dict[str, str] | None = None,
    town_names: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Indicator tables for the region, each county and each township.

    Returns
    -------
    dict
        ``{"region": DataFrame (1 row), "county": DataFrame, "town": DataFrame}``.
    """
    county_names = county_names or {}
    town_names = town_names or {}
    if isinstance(villages, gpd.GeoDataFrame):  # the groups need no geometry (taking it costs more than the rest)
        villages = pd.DataFrame(villages.drop(columns=villages.geometry.name))
    region = pd.DataFrame([{"level": "region", "code": "all", "name": glossary.zh("region"), **_indicators(villages, config)}])
    rows = []
    for code, grp in villages.groupby("county_code", sort=True, dropna=False):
        rows.append({"level": "county", "code": code, "name": county_names.get(code, code),
                     **_indicators(grp, config)})
    county = pd.DataFrame(rows)
    rows = []
    if "town_code" in villages.columns:
        for (cc, tc), grp in villages.groupby(["county_code", "town_code"], sort=True, dropna=False):
            rows.append({"level": "town", "code": tc, "name": town_names.get(tc, tc) if tc else "（无苏木乡镇代码）",
                         "county_code": cc, **_indicators(grp, config)})
    town = pd.DataFrame(rows)
    return {"region": region, "county": county, "town": town}


@dataclass(frozen=True)
class Indicators:
    """The indicator tables of a run: ``region`` (one row), ``county`` and ``town``."""

    tables: dict[str, pd.DataFrame]


def run(ctx: Context[Any]) -> Indicators:
    """The indicators stage: tables over the assembled villages layer."""
    p = ctx.prepared
    villages = ctx.need(VillageTable).villages
    counties, towns = p.layers.get("counties"), p.layers.get("towns")
    county_names = dict(zip(counties.gdf["county_code"], counties.gdf["name"], strict=False)) if counties else {}
    town_names = dict(zip(towns.gdf["town_code"], towns.gdf["name"], strict=False)) if towns else {}
    tables = indicator_tables(villages, p.config, county_names, town_names)
    return Indicators(with_class3(tables, ctx.get(Class3), p.config.target_town_class3_pct))


def with_class3(tables: dict[str, pd.DataFrame], class3: Class3 | None, target_pct: float | None
                ) -> dict[str, pd.DataFrame]:
    """The county and region tables with the share of township seats on a 三级 network (§(十一)); unchanged
    without a towns layer."""
    if class3 is None:
        return tables
    county, region = class3.shares(target_pct)
    empty = {k: None for k in region} | {"n_town_seats": 0, "n_town_seats_class3": 0}
    by_county = county.to_dict(orient="index")
    rows = [by_county.get(c, empty) for c in tables["county"]["code"]]
    out = dict(tables)
    out["county"] = pd.concat([tables["county"], pd.DataFrame(rows, index=tables["county"].index)], axis=1)
    out["region"] = tables["region"].assign(**{k: [v] for k, v in region.items()})
    return out
