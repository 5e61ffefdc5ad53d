"""Zonal statistics of a surface: per zone, the share of its area (and people) within given reaches.

Pure numpy on labelled cells: :func:`numpy.bincount` per threshold over blocks of cells, so a region grid
(~60 M cells) costs a few passes and little memory beyond the grid itself.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

#: Cells summed per block.
BLOCK = 1 << 22


def _blocks(zones: np.ndarray, values: np.ndarray, weights: np.ndarray | None
            ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """(zone, value, weight) of the cells inside a zone, block by block."""
    z_all, v_all = zones.ravel(), values.ravel()
    w_all = None if weights is None else weights.ravel()
    for start in range(0, len(z_all), BLOCK):
        z = z_all[start:start + BLOCK]
        inside = z >= 0
        w = None if w_all is None else np.nan_to_num(w_all[start:start + BLOCK][inside].astype(float))
        yield z[inside].astype(np.intp), v_all[start:start + BLOCK][inside].astype(float), w


def _sums(zones: np.ndarray, values: np.ndarray, weights: np.ndarray | None, n_zones: int,
          thresholds: dict[str, float], nodata: float) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per zone: total weight (or cells), weight with no value, weight within each threshold."""
    total, missing = np.zeros(n_zones), np.zeros(n_zones)
    within = {label: np.zeros(n_zones) for label in thresholds}
    for z, v, w in _blocks(zones, values, weights):
        total += np.bincount(z, weights=w, minlength=n_zones)
        valid = (v != nodata) & np.isfinite(v)
        missing += np.bincount(z[~valid], weights=None if w is None else w[~valid], minlength=n_zones)
        for label, t in thresholds.items():
            sel = valid & (v <= t)
            within[label] += np.bincount(z[sel], weights=None if w is None else w[sel], minlength=n_zones)
    return total, missing, within


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
    cells, missing, within = _sums(zones, values, None, n_zones, thresholds, nodata)
    denom = np.where(cells > 0, cells, np.nan)
    out = {"area_km2": cells * cell_area_km2, "nodata_share": missing / denom}
    out.update({f"area_share_le_{label}": w / denom for label, w in within.items()})
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
    total, _, within = _sums(zones, values, weights, n_zones, thresholds, nodata)
    denom = np.where(total > 0, total, np.nan)
    out = {f"{prefix}_total": total}
    out.update({f"{prefix}_share_le_{label}": w / denom for label, w in within.items()})
    return pd.DataFrame(out)
