"""Zonal statistics of a surface: per zone, the share of its area (and people) within given reaches.

Pure numpy on labelled cells: one :func:`numpy.bincount` per threshold, so a region-sized grid costs
a few passes over its cells.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def area_shares(values: np.ndarray, zones: np.ndarray, n_zones: int, thresholds: dict[str, float],
                nodata: float, cell_area_km2: float) -> pd.DataFrame:
    """Share of each zone's cells whose value is within each threshold.

    Parameters
    ----------
    values : ndarray
        The surface (any shape); cells equal to ``nodata`` are beyond every threshold.
    zones : ndarray of int
        Zone index of each cell (same shape), -1 outside every zone.
    n_zones : int
    thresholds : dict
        Label (e.g. ``5km``) → threshold in the surface's unit.
    nodata : float
    cell_area_km2 : float

    Returns
    -------
    DataFrame
        One row per zone: ``area_km2``, ``nodata_share`` and ``area_share_le_<label>`` per threshold
        (fractions 0–1; NaN for a zone with no cell).
    """
    z = zones.ravel()
    v = values.ravel()
    inside = z >= 0
    z, v = z[inside], v[inside]
    cells = np.bincount(z, minlength=n_zones).astype(float)
    denom = np.where(cells > 0, cells, np.nan)
    valid = v != nodata
    out = {"area_km2": cells * cell_area_km2,
           "nodata_share": np.bincount(z[~valid], minlength=n_zones) / denom}
    for label, t in thresholds.items():
        out[f"area_share_le_{label}"] = np.bincount(z[valid & (v <= t)], minlength=n_zones) / denom
    return pd.DataFrame(out)


def weighted_shares(values: np.ndarray, zones: np.ndarray, weights: np.ndarray, n_zones: int,
                    thresholds: dict[str, float], nodata: float, prefix: str = "pop") -> pd.DataFrame:
    """Share of each zone's weight (people) at values within each threshold.

    Works on cells (a population raster on the grid) or on points (villages: their value, zone and
    population), since each item is just a value, a zone and a weight.

    Parameters
    ----------
    values, zones, weights : ndarray
        Same length (or shape); zone -1 is outside every zone; NaN weights count as 0.
    n_zones : int
    thresholds : dict
        Label → threshold in the surface's unit.
    nodata : float
        Values equal to it (or NaN) are beyond every threshold.
    prefix : str
        Column prefix.

    Returns
    -------
    DataFrame
        ``<prefix>_total`` and ``<prefix>_share_le_<label>`` per threshold.
    """
    z, v = zones.ravel(), values.ravel().astype(float)
    w = np.nan_to_num(weights.ravel().astype(float))
    inside = z >= 0
    z, v, w = z[inside], v[inside], w[inside]
    total = np.bincount(z, weights=w, minlength=n_zones)
    denom = np.where(total > 0, total, np.nan)
    valid = (v != nodata) & np.isfinite(v)
    out = {f"{prefix}_total": total}
    for label, t in thresholds.items():
        sel = valid & (v <= t)
        out[f"{prefix}_share_le_{label}"] = np.bincount(z[sel], weights=w[sel], minlength=n_zones) / denom
    return pd.DataFrame(out)
