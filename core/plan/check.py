"""Check a plan with the product's own rules: run the whole analysis again with the plan built.

The proposed sites are added to the facilities layer and the chosen road pieces are marked hardened,
then :func:`..pipeline.run_pipeline` runs on these in-memory layers. The coverage a plan reports is this
re-run's, and any village where the re-run and the plan's claim disagree is counted.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..base import schema
from ..base.progress import NullProgress, Progress
from .problem import PlanInputs


def input_columns(gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    """Only the input-contract columns of a results layer (what the run computed is dropped)."""
    keep = [c for c in (*schema.REQUIRED[kind], *schema.OPTIONAL[kind]) if c in gdf.columns]
    return gdf[keep + [gdf.geometry.name]].copy()


def plan_inputs(inp: PlanInputs, sites: gpd.GeoDataFrame | None = None,
                roads: gpd.GeoDataFrame | None = None, treated: np.ndarray | None = None,
                toilets: np.ndarray | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The run's input layers with the plan built: ``sites`` added to the facilities, ``roads`` replacing roads.

    Parameters
    ----------
    inp : PlanInputs
    sites : GeoDataFrame, optional
        New facilities with ``facility_type`` (and optionally ``name``).
    roads : GeoDataFrame, optional
        Roads with the planned pieces marked hardened (see :func:`.paving.paved_roads`).
    treated : ndarray of bool, optional
        Per village: sewage treated once the sewage plan is built (``sewage_treated`` set).
    toilets : ndarray, optional
        Per village: sanitary toilets the toilet plan adds (to ``sanitary_toilet_households``).

    Returns
    -------
    dict
        Layer kind → GeoDataFrame, as :func:`..pipeline.run_pipeline` takes them.
    """
    facilities = input_columns(inp.facilities, "facilities")
    if sites is not None and len(sites):
        new = input_columns(sites.to_crs(inp.crs), "facilities")
        facilities = gpd.GeoDataFrame(pd.concat([facilities, new], ignore_index=True), crs=inp.crs)
    villages = input_columns(inp.villages, "villages")
    if treated is not None:
        old = villages["sewage_treated"].to_numpy(object) if "sewage_treated" in villages \
            else np.full(len(villages), None, object)
        villages["sewage_treated"] = np.where(treated, True, old)
    if toilets is not None and "sanitary_toilet_households" in villages:
        villages["sanitary_toilet_households"] = (pd.to_numeric(villages["sanitary_toilet_households"],
                                                                errors="coerce") + toilets).to_numpy(float)
    layers = {"villages": villages,
              "roads": input_columns(inp.roads if roads is None else roads, "roads"),
              "facilities": facilities}
    for kind, gdf in (("towns", inp.towns), ("counties", inp.counties), ("mines", inp.mines)):
        if gdf is not None and len(gdf) and gdf.geometry.notna().any():  # a table without geometry was no input
            layers[kind] = input_columns(gdf, kind)
    for kind, gdf in inp.extra.items():  # sewer, urban areas, priority zones: as the run read them
        if gdf is not None and len(gdf):
            layers[kind] = gdf.copy()
    for kind, gdf in layers.items():
        gdf.attrs["source"] = f"{inp.source}:{kind} (plan built)"
    return layers


def rerun(inp: PlanInputs, sites: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None,
          progress: Progress | None = None, treated: np.ndarray | None = None, toilets: np.ndarray | None = None):
    """Run the analysis on the plan's layers; returns the :class:`..pipeline.Results` (nothing written)."""
    from ..pipeline import run_pipeline

    return run_pipeline(plan_inputs(inp, sites, roads, treated, toilets), inp.config, out_dir=None,
                        progress=progress or NullProgress(), write_map=False)


def agreement(claimed: np.ndarray, rerun_flags: np.ndarray, scope: np.ndarray) -> dict:
    """How the plan's claim compares with the re-run, over the villages in scope.

    Returns
    -------
    dict
        ``claimed``, ``rerun`` (villages flagged in scope by each), ``disagree`` (villages where they differ)
        and ``pct_claimed``, ``pct_rerun``.
    """
    n = max(int(scope.sum()), 1)
    c, r = int((claimed & scope).sum()), int((rerun_flags & scope).sum())
    return {"claimed": c, "rerun": r, "disagree": int(((claimed != rerun_flags) & scope).sum()),
            "pct_claimed": round(100 * c / n, 2), "pct_rerun": round(100 * r / n, 2)}
