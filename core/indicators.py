"""Plan indicators per county, township and for the whole input, against the 2023 and 2025 targets.

- waste: share of in-scope administrative villages covered by a collection–transfer–treatment chain
  (target 50 % by 2023, 60 % by 2025);
- roads: share of in-scope larger natural villages (较大人口规模自然村) with hardened access
  (target 83.5 % by 2023, 85 % by 2025), with the gap in villages and in km of road to pave.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from .config import Config
from .stages.sanitation import HEADERS as SANITATION_HEADERS
from .stages.sanitation import VILLAGE_HEADERS as SANITATION_VILLAGE_HEADERS

#: Column → (Chinese header, English header) for reports.
HEADERS: dict[str, tuple[str, str]] = {
    "level": ("层级", "level"),
    "code": ("代码", "code"),
    "name": ("名称", "name"),
    "county_code": ("旗县代码", "county code"),
    "n_villages": ("村庄数", "villages"),
    "n_admin": ("行政村数", "administrative villages"),
    "n_admin_in_scope": ("纳入整治范围的行政村", "admin villages in scope"),
    "n_admin_covered": ("收运处置体系覆盖的行政村", "admin villages covered"),
    "waste_coverage_pct": ("垃圾收运处置体系覆盖率%", "waste coverage %"),
    "waste_meets_2023": ("达到2023年目标(50%)", "meets 2023 waste target"),
    "waste_meets_2025": ("达到2025年目标(60%)", "meets 2025 waste target"),
    "waste_gap_2023": ("2023年尚差行政村数", "admin villages short of 2023 target"),
    "waste_gap_2025": ("2025年尚差行政村数", "admin villages short of 2025 target"),
    "n_larger": ("较大人口规模自然村数", "larger natural villages"),
    "n_larger_access": ("通硬化路的较大人口规模自然村", "larger villages with hardened access"),
    "road_coverage_pct": ("较大人口规模自然村通硬化路率%", "hardened road coverage %"),
    "roads_meets_2023": ("达到2023年目标(83.5%)", "meets 2023 road target"),
    "roads_meets_2025": ("达到2025年目标(85%)", "meets 2025 road target"),
    "roads_gap_2023": ("2023年尚差自然村数", "villages short of 2023 target"),
    "roads_gap_2025": ("2025年尚差自然村数", "villages short of 2025 target"),
    "pave_km_2023": ("2023年目标需硬化里程km", "km to pave for 2023"),
    "pave_km_2025": ("2025年目标需硬化里程km", "km to pave for 2025"),
    "n_county_process": ("城乡一体化治理模式村数", "villages: county_process"),
    "n_town_transfer": ("苏木乡镇集中治理模式村数", "villages: town_transfer"),
    "n_village_collect": ("村庄分散治理模式村数", "villages: village_collect"),
    "n_unreachable": ("路网不可达村数", "unreachable villages"),
    "n_near_non_green_mine": ("临近非绿色矿山村数", "villages near non-green mines"),
    **SANITATION_HEADERS,
    **SANITATION_VILLAGE_HEADERS,
}


def _gap(target: float, ok: int, total: int) -> int:
    return max(0, math.ceil(round(target * total, 9)) - ok) if total else 0


def _cheapest_km(gaps: np.ndarray, need: int) -> float:
    """km of road to pave to connect the ``need`` cheapest villages (NaN when not enough are reachable)."""
    if need <= 0:
        return 0.0
    finite = np.sort(gaps[np.isfinite(gaps)])
    if len(finite) < need:
        return float("nan")
    return round(float(finite[:need].sum() / 1000.0), 2)


def summarise(villages: pd.DataFrame, config: Config) -> dict:
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
    scope = v["in_scope"].fillna(False).astype(bool)
    admin = v["is_admin_village"].fillna(False).astype(bool)
    covered = v["covered"].fillna(False).astype(bool)
    larger = v["is_larger"].fillna(False).astype(bool) & scope
    access = v["hardened_access"].fillna(False).astype(bool)
    n_admin_scope = int((admin & scope).sum())
    n_cov = int((admin & scope & covered).sum())
    n_larger = int(larger.sum())
    n_acc = int((larger & access).sum())
    gaps = v.loc[larger & ~access, "pave_gap_m"].astype(float).to_numpy()
    out = {
        "n_villages": len(v),
        "n_admin": int(admin.sum()),
        "n_admin_in_scope": n_admin_scope,
        "n_admin_covered": n_cov,
        "waste_coverage_pct": round(100.0 * n_cov / n_admin_scope, 2) if n_admin_scope else None,
        "waste_meets_2023": bool(n_admin_scope) and n_cov >= config.target_waste_2023 * n_admin_scope,
        "waste_meets_2025": bool(n_admin_scope) and n_cov >= config.target_waste_2025 * n_admin_scope,
        "waste_gap_2023": _gap(config.target_waste_2023, n_cov, n_admin_scope),
        "waste_gap_2025": _gap(config.target_waste_2025, n_cov, n_admin_scope),
        "n_larger": n_larger,
        "n_larger_access": n_acc,
        "road_coverage_pct": round(100.0 * n_acc / n_larger, 2) if n_larger else None,
        "roads_meets_2023": bool(n_larger) and n_acc >= config.target_roads_2023 * n_larger,
        "roads_meets_2025": bool(n_larger) and n_acc >= config.target_roads_2025 * n_larger,
        "roads_gap_2023": _gap(config.target_roads_2023, n_acc, n_larger),
        "roads_gap_2025": _gap(config.target_roads_2025, n_acc, n_larger),
    }
    out["pave_km_2023"] = _cheapest_km(gaps, out["roads_gap_2023"])
    out["pave_km_2025"] = _cheapest_km(gaps, out["roads_gap_2025"])
    model = v["collection_model"]
    for m in ("county_process", "town_transfer", "village_collect"):
        out[f"n_{m}"] = int((model == m).sum())
    out["n_unreachable"] = int(v["unreachable_reason"].notna().sum())
    out["n_near_non_green_mine"] = int(v["near_non_green_mine"].fillna(False).astype(bool).sum())
    return out


def indicator_tables(
    villages: pd.DataFrame,
    config: Config,
    county_names: dict[str, str] | None = None,
    town_names: dict[str, str] | None = None,
    extra: Callable[[pd.DataFrame], dict] | None = None,
) -> dict[str, pd.DataFrame]:
    """Indicator tables for the region, each county and each township.

    ``extra`` (a group of villages → more indicators, e.g. the sanitation ones) adds columns to every row.

    Returns
    -------
    dict
        ``{"region": DataFrame (1 row), "county": DataFrame, "town": DataFrame}``.
    """
    county_names = county_names or {}
    town_names = town_names or {}

    def row(grp: pd.DataFrame) -> dict:
        return {**summarise(grp, config), **(extra(grp) if extra else {})}

    region = pd.DataFrame([{"level": "region", "code": "all", "name": "全部 / all", **row(villages)}])
    rows = []
    for code, grp in villages.groupby("county_code", sort=True, dropna=False):
        rows.append({"level": "county", "code": code, "name": county_names.get(code, code),
                     **row(grp)})
    county = pd.DataFrame(rows)
    rows = []
    if "town_code" in villages.columns:
        for (cc, tc), grp in villages.groupby(["county_code", "town_code"], sort=True, dropna=False):
            rows.append({"level": "town", "code": tc, "name": town_names.get(tc, tc) if tc else "(无乡镇代码)",
                         "county_code": cc, **row(grp)})
    town = pd.DataFrame(rows)
    return {"region": region, "county": county, "town": town}
