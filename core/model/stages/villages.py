"""The villages output layer, assembled from every stage's columns in the order the contract declares."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from ...base.contract import VILLAGE_COLUMNS
from ..stage import Context


@dataclass(frozen=True)
class VillageTable:
    """The villages layer of the results: input fields, then the contract's columns, ``issues``, geometry."""

    villages: gpd.GeoDataFrame


def move_issues_last(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns reordered so that ``issues`` and the geometry come last."""
    tail = [c for c in ("issues", gdf.geometry.name) if c in gdf.columns]
    return gdf[[c for c in gdf.columns if c not in tail] + tail]


def assemble(villages: gpd.GeoDataFrame, columns: dict[str, Any]) -> gpd.GeoDataFrame:
    """``villages`` with the stage columns set in contract order.

    Raises
    ------
    KeyError
        A stage produced a column the contract does not declare (declare it in :mod:`..contract`).
    """
    declared = [c.name for c in VILLAGE_COLUMNS]
    unknown = set(columns) - set(declared)
    if unknown:
        raise KeyError(f"village columns not in the output contract: {sorted(unknown)}")
    out = villages.copy()
    for name in declared:
        if name in columns:
            out[name] = columns[name]
    return move_issues_last(out)


def run(ctx: Context[Any]) -> VillageTable:
    """Collect ``village_columns()`` of every stage result so far into the villages layer."""
    columns: dict[str, Any] = {}
    for result in ctx.results.values():
        getter = getattr(result, "village_columns", None)
        if getter is not None:
            columns.update(getter())
    return VillageTable(assemble(ctx.prepared.villages, columns))
