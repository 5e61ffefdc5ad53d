"""The typed results of a run, built from the stage results: the layers of results.gpkg, the indicator
tables and summary.json (its keys are declared in :data:`.contract.SUMMARY_KEYS`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..base.values import flag_array
from ..io.read import with_excluded_roads
from ..network.graph import RoadNetwork
from ..notebook.explore import explore
from .prepare import Prepared
from .stage import Context
from .stages.capacity import Capacity
from .stages.class3 import Class3
from .stages.indicators import Indicators
from .stages.mines import Mines
from .stages.villages import VillageTable, move_issues_last


@dataclass
class Results:
    """Everything a run produced (the layers of results.gpkg, the indicator tables, the summary)."""

    villages: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    counties: pd.DataFrame
    towns: gpd.GeoDataFrame | None
    mines: gpd.GeoDataFrame | None
    unreachable: gpd.GeoDataFrame
    rejects: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    summary: dict
    network: RoadNetwork
    crs: CRS
    files: dict[str, Path] = field(default_factory=dict)

    def layers(self) -> dict[str, pd.DataFrame | None]:
        """The layers of results.gpkg by name."""
        return {"villages": self.villages, "roads": self.roads, "facilities": self.facilities,
                "counties": self.counties, "towns": self.towns, "mines": self.mines,
                "unreachable": self.unreachable, "rejects": self.rejects}

    def explore(self, **kwargs):
        """A folium map of this run for a notebook (the ``explore`` extra).

        See :func:`ruralenv.core.notebook.explore`; that renderer reads the run by duck typing and never
        imports this module (as geopandas wires ``GeoDataFrame.explore``).
        """
        return explore(self, **kwargs)


def roads_layer(p: Prepared) -> gpd.GeoDataFrame:
    """The roads with their length, network component and island flag."""
    net = p.net
    out = p.roads.copy()
    n = len(out)
    comp = np.full(n, -1, np.int64)
    hcomp = np.full(n, -1, np.int64)
    comp[net.edge_line] = net.component[net.edge_u]
    hcomp[net.edge_line] = np.where(net.edge_hardened, net.hard_component[net.edge_u], -1)
    out["length_m"] = np.round(np.bincount(net.edge_line, weights=net.edge_len_m, minlength=n), 2)
    out["component_id"] = comp
    out["hardened_component_id"] = hcomp
    out["on_island"] = (comp >= 0) & p.island[np.maximum(comp, 0)]
    zero = np.zeros(n, bool)
    zero[net.zero_length_lines] = True
    out.loc[zero, "issues"] = out.loc[zero, "issues"].map(lambda s: _append(s, "zero length: not in the graph"))
    return move_issues_last(with_excluded_roads(out, p.layers["roads"]))


def _append(issues: object, text: str) -> str:
    return f"{issues}; {text}" if issues else text


def facilities_layer(p: Prepared, progress: Any, capacity: Capacity | None = None) -> gpd.GeoDataFrame:
    """The facilities with their snap distance (and load against capacity); those with no road in reach are
    flagged as not used.
    """
    out = p.facilities
    out["snap_dist_m"] = np.round(p.facility_snap.dist_m, 2)
    if capacity is not None:
        for name, values in capacity.facility_columns().items():
            out[name] = values
    unsnapped = ~p.facility_snap.ok
    note = f"no road within {p.config.max_snap_m:.0f} m: not used"
    out.loc[unsnapped, "issues"] = out.loc[unsnapped, "issues"].map(lambda s: _append(s, note))
    for i in np.flatnonzero(unsnapped):
        progress.message(f"facility row {out['src_row'].iat[i]} ({out['facility_type'].iat[i]}) has no road "
                         f"within {p.config.max_snap_m:.0f} m and is not used", "warning")
    return out


def unreachable_layer(villages: gpd.GeoDataFrame, reachable: np.ndarray) -> gpd.GeoDataFrame:
    """One row per unreachable village with the reason, in both languages."""
    cols = ["village_code", "name", "county_code", "snap_dist_m", "unreachable_reason", "unreachable_reason_en",
            villages.geometry.name]
    return villages.loc[~reachable, cols].rename(columns={"unreachable_reason": "reason",
                                                          "unreachable_reason_en": "reason_en"})


def counties_layer(p: Prepared, table: pd.DataFrame) -> pd.DataFrame:
    """County indicators, on the county polygons when a counties layer was given."""
    ind = table.drop(columns=["level"]).rename(columns={"code": "county_code"})
    if "counties" not in p.layers:
        return ind
    gdf = p.layers["counties"].gdf
    merged = gdf[["county_code", "name", "geometry"]].merge(ind.drop(columns=["name"]), on="county_code", how="left")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs)


def towns_layer(p: Prepared, table: pd.DataFrame, class3: Class3 | None = None) -> gpd.GeoDataFrame | None:
    """The township seats with their Class III access (§(十一)) and their township's indicators."""
    if p.towns is None:
        return None
    towns = p.towns
    if "is_county_seat" in towns:
        towns["is_county_seat"] = flag_array(towns["is_county_seat"])
    if class3 is not None:
        for name, values in class3.town_columns().items():
            towns[name] = values
    if len(table):
        towns = towns.merge(table.drop(columns=["level", "name", "county_code"]), left_on="town_code",
                            right_on="code", how="left").drop(columns=["code"])
    return towns


def summary_of(p: Prepared, tables: dict[str, pd.DataFrame], counts: dict[str, int],
               seconds: dict[str, float]) -> dict:
    """summary.json of a run (keys as declared in :data:`.contract.SUMMARY_KEYS`)."""
    net = p.net
    crs = p.crs
    rejects = p.rejects
    out = {
        "crs": f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_wkt(),
        "crs_name": crs.name,
        "region": tables["region"].iloc[0].to_dict(),
        "counties": tables["county"].to_dict(orient="records"),
        "network": {"nodes": net.n_nodes, "edges": net.n_edges,
                    "components": int(net.component.max()) + 1 if net.n_nodes else 0,
                    "islands": int(p.island.sum()), "duplicate_vertices_removed": net.duplicate_vertices,
                    "zero_length_lines": len(net.zero_length_lines), "dangles": len(net.dangles()),
                    "from_cache": bool(net.from_cache)},
        "counts": {**counts, "unreachable": int((~p.reachable).sum()),
                   "rejects": int((rejects["severity"] == "error").sum()) if len(rejects) else 0,
                   "warnings": len(rejects)},
        "inputs": {k: {"source": p.layers[k].source, "sha256": p.hashes.get(k)} for k in p.layers},
        "config": p.config.as_dict(),
        "timings_s": seconds,
    }
    return out


def class3_note(target_pct: float | None) -> dict:
    """summary.json ``class3``: the target used, and that the plan itself gives none."""
    plan = ("方案提出“提升苏木乡镇通三级公路率”（§（十一）），未给出数值目标 / the plan asks to raise the share of township "
            "seats on Class III roads (§(十一)) but gives no number")
    if target_pct is None:
        return {"target_town_class3_pct": None, "note": f"{plan}；未设目标 target_town_class3_pct / no target set"}
    return {"target_town_class3_pct": target_pct, "note": f"{plan}；目标 {target_pct:g}% 为本次运行设定 / set for this run"}


def build_results(ctx: Context[Prepared], seconds: dict[str, float],
                  roads: gpd.GeoDataFrame | None = None) -> Results:
    """The Results of a run from its prepared inputs and stage results (``roads``: :func:`roads_layer`, when
    it was made already).
    """
    p = ctx.prepared
    villages = ctx.need(VillageTable).villages
    tables = ctx.need(Indicators).tables
    mines = ctx.need(Mines).layer
    towns = towns_layer(p, tables["town"], ctx.get(Class3))
    counts = {"villages": len(villages), "roads": len(p.roads), "facilities": len(p.facilities),
              "towns": 0 if towns is None else len(towns), "mines": 0 if mines is None else len(mines)}
    capacity = ctx.get(Capacity)
    summary = summary_of(p, tables, counts, seconds)
    if capacity is not None and capacity.solve:
        summary["capacity_assignment"] = capacity.solve
    if ctx.get(Class3) is not None:
        summary["class3"] = class3_note(p.config.target_town_class3_pct)
    return Results(villages, roads_layer(p) if roads is None else roads, facilities_layer(p, ctx.progress, capacity),
                   counties_layer(p, tables["county"]),
                   towns, None if mines is None else move_issues_last(mines), unreachable_layer(villages, p.reachable),
                   p.rejects, tables, summary, p.net, p.crs)
