"""Match survey points to villages and propose village relocations for review.

A point is matched, in this order, by village code (confidence 1.0, or 0.8 when the point is farther
than the radius from the mapped village), by name (tolerant of 村/嘎查/村委会/居委会/社 suffixes;
0.9 for a unique name within the radius, 0.6 beyond it; 0.75/0.4 when several villages share the name
and the nearest is taken), or by distance alone within the radius (0.5 at the village, falling
linearly to 0.05 at the radius). A code match whose name disagrees loses 0.3.

Points identified by code or name (confidence ≥ :data:`PROPOSAL_MIN_CONFIDENCE`) that lie more than
:data:`RELOCATION_MIN_M` from their village propose a new position for it; one proposal per village
(the most confident point, the first in source order on ties). Track points never propose.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .villages import VillageIndex, normalise_name

RELOCATION_MIN_M = 100.0
PROPOSAL_MIN_CONFIDENCE = 0.6
_CODE_NEAR, _CODE_FAR, _CODE_NAME_CLASH = 1.0, 0.8, 0.3
_NAME_NEAR, _NAME_FAR = 0.9, 0.6
_SHARED_NEAR, _SHARED_FAR = 0.75, 0.4


def match_points(x: np.ndarray, y: np.ndarray, codes: pd.Series, names: pd.Series, villages: VillageIndex,
                 radius_m: float) -> pd.DataFrame:
    """Match points (metric coordinates in ``villages.crs``) to villages.

    Parameters
    ----------
    x, y : ndarray
        Point positions in the villages' CRS.
    codes, names : Series
        Village code and name given with each point (may be None).
    villages : VillageIndex
    radius_m : float
        Largest distance for a match by distance alone.

    Returns
    -------
    DataFrame
        ``village_index`` (-1 when unmatched), ``village_code``, ``village_name``, ``match_by``
        (``code``, ``name``, ``distance`` or ``none``), ``match_confidence``, ``match_dist_m`` and
        ``match_note``, one row per point in input order.
    """
    n = len(x)
    idx = np.full(n, -1, dtype=np.int64)
    how = np.full(n, "none", dtype=object)
    conf = np.zeros(n)
    note = np.full(n, None, dtype=object)
    keys = _normalised(names)
    code_idx = codes.map(lambda c: villages.by_code.get(str(c).strip(), -1) if pd.notna(c) else -1)
    code_idx = code_idx.to_numpy(dtype=np.int64)
    by_code = code_idx >= 0
    idx[by_code], how[by_code] = code_idx[by_code], "code"
    dist_code = _distance_to(villages, idx, x, y)
    conf[by_code] = np.where(dist_code[by_code] <= radius_m, _CODE_NEAR, _CODE_FAR)
    village_keys = np.array([normalise_name(v) for v in villages.names], dtype=object)
    clash = by_code & (keys != "") & (keys != village_keys[np.maximum(idx, 0)])
    conf[clash] -= _CODE_NAME_CLASH
    note[clash] = [f"name '{names.iloc[i]}' differs from the village's name '{villages.names[idx[i]]}'"
                   for i in np.flatnonzero(clash)]
    by_name = ~by_code & (keys != "")
    unique = {k: v[0] for k, v in villages.by_name.items() if len(v) == 1}
    single = pd.Series(keys).map(unique).to_numpy(dtype=np.float64)
    rows = np.flatnonzero(by_name & np.isfinite(single))
    idx[rows], how[rows] = single[rows].astype(np.int64), "name"
    near = _distance_to(villages, idx, x, y)[rows] <= radius_m
    conf[rows] = np.where(near, _NAME_NEAR, _NAME_FAR)
    for i in np.flatnonzero(by_name & np.isnan(single)):
        candidates = villages.by_name.get(keys[i])
        if not candidates:
            continue
        d = np.hypot(villages.xy[candidates, 0] - x[i], villages.xy[candidates, 1] - y[i])
        k = int(np.argmin(d))
        idx[i], how[i] = candidates[k], "name"
        conf[i] = _SHARED_NEAR if d[k] <= radius_m else _SHARED_FAR
        note[i] = f"{len(candidates)} villages are named '{villages.names[candidates[k]]}'; the nearest is taken"
    rest = idx < 0
    if rest.any():
        d, j = villages.nearest(x[rest], y[rest], radius_m)
        found = j >= 0
        rows = np.flatnonzero(rest)[found]
        idx[rows], how[rows] = j[found], "distance"
        conf[rows] = np.clip(0.5 * (1.0 - d[found] / radius_m), 0.05, 0.5)
    dist = _distance_to(villages, idx, x, y)
    matched = idx >= 0
    return pd.DataFrame({
        "village_index": idx,
        "village_code": _take(villages.codes, idx),
        "village_name": _take(villages.names, idx),
        "match_by": how,
        "match_confidence": np.round(conf, 3),
        "match_dist_m": np.where(matched, np.round(dist, 1), np.nan),
        "match_note": note,
    })


def _take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` with None where ``idx`` is -1."""
    out = np.full(len(idx), None, dtype=object)
    out[idx >= 0] = values[idx[idx >= 0]]
    return out


def _normalised(names: pd.Series) -> np.ndarray:
    """:func:`normalise_name` of each value, computed once per distinct value."""
    lookup = {v: normalise_name(v) for v in pd.unique(names)}
    return names.map(lookup).fillna("").to_numpy(dtype=object)


def _distance_to(villages: VillageIndex, idx: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    safe = np.maximum(idx, 0)
    d = np.hypot(villages.xy[safe, 0] - x, villages.xy[safe, 1] - y)
    return np.where(idx >= 0, d, np.inf)


def relocation_proposals(points: pd.DataFrame, villages: VillageIndex) -> pd.DataFrame:
    """One proposed new position per village identified far from where the villages layer puts it.

    Parameters
    ----------
    points : DataFrame
        Imported points with the columns of :func:`match_points` plus ``x``, ``y``, ``kind``,
        ``source_file``, ``src_row``, ``name``, ``import_sha256``.
    villages : VillageIndex

    Returns
    -------
    DataFrame
        ``village_code``, ``village_name``, ``current_x``, ``current_y``, ``x``, ``y`` (proposed, in
        ``villages.crs``), ``shift_m``, ``match_by``, ``match_confidence``, ``source_file``, ``src_row``,
        ``point_name``, ``import_sha256``, ``status`` (``proposed``).
    """
    pick = points[points["match_by"].isin(["code", "name"])
                  & (points["match_confidence"] >= PROPOSAL_MIN_CONFIDENCE)
                  & (points["match_dist_m"] > RELOCATION_MIN_M)
                  & (points["kind"] != "trackpoint")]
    pick = pick.sort_values(["match_confidence"], ascending=False, kind="stable")
    pick = pick.drop_duplicates("village_index", keep="first").sort_index()
    current = villages.xy[pick["village_index"].to_numpy(dtype=np.int64)] if len(pick) else np.zeros((0, 2))
    return pd.DataFrame({
        "village_code": pick["village_code"].to_numpy(dtype=object),
        "village_name": pick["village_name"].to_numpy(dtype=object),
        "current_x": current[:, 0], "current_y": current[:, 1],
        "x": pick["x"].to_numpy(float), "y": pick["y"].to_numpy(float),
        "shift_m": pick["match_dist_m"].to_numpy(float),
        "match_by": pick["match_by"].to_numpy(dtype=object),
        "match_confidence": pick["match_confidence"].to_numpy(float),
        "source_file": pick["source_file"].to_numpy(dtype=object),
        "src_row": pick["src_row"].to_numpy(dtype=np.int64),
        "point_name": pick["name"].to_numpy(dtype=object),
        "import_sha256": pick["import_sha256"].to_numpy(dtype=object),
        "status": "proposed",
    })
