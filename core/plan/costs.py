"""Unit costs of the plan in 万元: sewage plants and pipes, toilets, transfer stations and paving.

Every number is a setting of :class:`..base.config.Config` (block "Plan costs"), with its source and price
year there. A plant of ``Q`` t/d costs ``F + a·Q^b`` to build (the SNIP form, Eggimann et al. 2015,
fitted to the RuST_OM price table) and ``opex × Q`` per year to run; a plan's total counts the running
cost over ``cost_horizon_years``.
"""
from __future__ import annotations

import numpy as np

from ..base._errors import ConfigError
from ..base.config import Config
from ..base.values import key_numbers

#: Toilet types of the toilet plan (宜水则水、宜旱则旱, §(六)) and their cost settings.
TOILET_COST_SETTING = {"flush": "cost_toilet_flush_wan_per_household",
                       "septic": "cost_toilet_septic_wan_per_household",
                       "dry": "cost_toilet_dry_wan_per_household"}


def plant_capex(capacity_tpd: np.ndarray | float, config: Config) -> np.ndarray:
    """Capital cost (万元) of plants of ``capacity_tpd``; 0 where the capacity is 0 (no plant)."""
    q = np.asarray(capacity_tpd, float)
    c = config
    return np.where(q > 0, c.cost_plant_fixed_wan + c.cost_plant_wan_per_tpd * np.maximum(q, 0) ** c.cost_plant_scale_exp,
                    0.0)


def plant_opex(capacity_tpd: np.ndarray | float, config: Config) -> np.ndarray:
    """Running cost (万元 per year) of plants of ``capacity_tpd``."""
    return config.opex_plant_wan_per_tpd_year * np.asarray(capacity_tpd, float)


def pipe_capex(pipe_m: np.ndarray | float, config: Config) -> np.ndarray:
    """Cost (万元) of ``pipe_m`` metres of sewer pipe."""
    return config.cost_pipe_wan_per_km * np.asarray(pipe_m, float) / 1000.0


def total_cost(capex: np.ndarray | float, opex_per_year: np.ndarray | float, config: Config) -> np.ndarray:
    """Capital plus running cost over ``cost_horizon_years`` (万元): what the sewage plan minimises."""
    return np.asarray(capex, float) + config.cost_horizon_years * np.asarray(opex_per_year, float)


def cost_table(pairs: tuple[str, ...], setting: str) -> dict[str, float]:
    """``key=value`` pairs of a cost setting as a dict (万元).

    Raises
    ------
    ConfigError
        A pair is not ``key=number`` with a number >= 0.
    """
    out, bad = key_numbers(pairs)
    bad += [f"{k}={v:g}" for k, v in out.items() if v < 0]
    if bad:
        raise ConfigError(f"{setting}: {bad[0]!r} is not key=万元 with a number >= 0")
    return out


def station_cost(facility_type: str, config: Config) -> float:
    """Cost (万元) of one new site of ``facility_type`` (``cost_station_wan``)."""
    table = cost_table(config.cost_station_wan, "cost_station_wan")
    if facility_type not in table:
        raise ConfigError(f"cost_station_wan has no price for {facility_type!r}; add {facility_type}=万元")
    return table[facility_type]


def paving_cost_per_km(grade: np.ndarray, highway: np.ndarray, config: Config) -> np.ndarray:
    """万元 per km of each road piece: by its ``grade``, else its OSM ``highway``, else ``default``."""
    table = cost_table(config.cost_paving_wan_per_km, "cost_paving_wan_per_km")
    if "default" not in table:
        raise ConfigError("cost_paving_wan_per_km needs a default=万元 entry for roads of no listed grade")
    out = np.full(len(grade), table["default"])
    for i, (g, h) in enumerate(zip(grade, highway, strict=True)):
        for key in (g, h):
            if isinstance(key, str) and key.strip() in table:
                out[i] = table[key.strip()]
                break
    return out


def toilet_cost(kind: str, config: Config) -> float:
    """Cost (万元) of one household's sanitary toilet of ``kind`` (``flush``, ``septic`` or ``dry``)."""
    return float(getattr(config, TOILET_COST_SETTING[kind]))
