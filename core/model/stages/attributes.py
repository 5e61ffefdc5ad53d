"""What a village is before any distance: its class and scope, administrative and "larger" flags, and why
it is unreachable (far from every road, or on a road island without a seat)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...base import glossary, schema
from ...base.config import Config
from ...base.values import flag_array
from ..stage import Context


@dataclass(frozen=True)
class VillageAttributes:
    """Per-village attributes from the inputs and the snapping (one entry per village)."""

    snap_dist_m: np.ndarray
    village_class: np.ndarray
    in_scope: np.ndarray
    is_admin_village: np.ndarray
    is_larger: np.ndarray
    population: np.ndarray
    unreachable_reason: np.ndarray
    unreachable_reason_en: np.ndarray

    def village_columns(self) -> dict[str, np.ndarray]:
        """The output columns of this stage."""
        return {"snap_dist_m": self.snap_dist_m, "village_class": self.village_class, "in_scope": self.in_scope,
                "is_admin_village": self.is_admin_village, "is_larger": self.is_larger,
                "unreachable_reason": self.unreachable_reason, "unreachable_reason_en": self.unreachable_reason_en}


def column_or(df: pd.DataFrame, col: str, default: object) -> pd.Series:
    """``df[col]``, or a column of ``default`` when the input has no such field."""
    return df[col] if col in df else pd.Series(default, index=df.index)


def is_larger(households: np.ndarray, population: np.ndarray, config: Config) -> np.ndarray:
    """较大人口规模自然村: at least ``larger_village_households`` households or ``larger_village_population`` people."""
    return (np.nan_to_num(households, nan=0.0) >= config.larger_village_households) | (
        population >= config.larger_village_population)


def unreachable_reasons(far: np.ndarray, on_island: np.ndarray, snap_dist_m: np.ndarray,
                        island_km: np.ndarray, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Why each village is unreachable, in Chinese and in English (None where it is reachable).

    The English text starts with the kind, ``far_from_road`` or ``isolated_island``; the Chinese one with the
    kind in the glossary's words, then the numbers in Chinese units.
    """
    n = len(far)
    zh = np.full(n, None, dtype=object)
    en = np.full(n, None, dtype=object)
    limit_km = config.max_snap_m / 1000
    for i in np.flatnonzero(far):
        d = snap_dist_m[i]
        zh[i] = (f"{glossary.zh('far_from_road')}：距最近道路{glossary.with_unit(d / 1000, 'unit_km', fixed=True)}，"
                 f"超过最大吸附距离{glossary.with_unit(limit_km, 'unit_km')}")
        en[i] = f"far_from_road: {d:.0f} m from the nearest road (max_snap_m {config.max_snap_m:.0f})"
    for i in np.flatnonzero(on_island):
        zh[i] = (f"{glossary.zh('isolated_island')}：所在道路孤岛长{glossary.with_unit(island_km[i], 'unit_km', fixed=True)}，"
                 f"与{glossary.zh('town_seat')}不连通")
        en[i] = f"isolated_island: on a road island of {island_km[i]:.1f} km not connected to any township seat"
    return zh, en


def run(ctx: Context[Any]) -> VillageAttributes:
    """The attributes stage of a run."""
    p = ctx.prepared
    v = p.villages
    if "is_admin_village" not in v:
        ctx.progress.message("villages have no is_admin_village field: every village is counted as "
                             "administrative", "warning")
        admin = np.ones(len(v), bool)
    else:
        admin = flag_array(v["is_admin_village"])
    population = column_or(v, "population", np.nan).fillna(0).to_numpy(float)
    households = column_or(v, "households", np.nan).to_numpy(float)
    klass = column_or(v, "village_class", None).fillna(glossary.zh("unclassified")).to_numpy(object)
    comp_km = p.net.component_lengths() / 1000
    island_km = np.where(p.village_component >= 0, comp_km[np.maximum(p.village_component, 0)], np.nan)
    zh, en = unreachable_reasons(p.far, p.on_island, p.village_snap.dist_m, island_km, p.config)
    for i in np.flatnonzero(~p.reachable):
        ctx.progress.message(f"village {v['village_code'].iat[i]} {v['name'].iat[i]}: {en[i]}", "warning")
    return VillageAttributes(
        snap_dist_m=np.round(p.village_snap.dist_m, 2), village_class=klass,
        in_scope=np.isin(klass, schema.IN_SCOPE_CLASSES), is_admin_village=admin,
        is_larger=is_larger(households, population, p.config), population=population,
        unreachable_reason=zh, unreachable_reason_en=en)
