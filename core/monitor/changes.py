"""What changed, village by village, between consecutive years (changes.gpkg, layer ``village_changes``).

Villages are matched by ``village_code``. A code that disappears while a new code of the same name appears
within ``recode_radius_m`` is ``recoded`` (行政区划代码调整; nearest pairs first, each village once); the other
codes are ``removed`` or ``added``. A matched village whose point moved more than ``moved_m`` is ``moved``.
For every matched village the flags ``covered_gained``/``covered_lost``, ``access_gained``/``access_lost``,
``sewage_treated_gained``/``sewage_treated_lost``, ``toilets_added`` (households, negative when fewer) and the
collection model or sewage mode that changed, old and new. Facilities are matched by type within ``moved_m``:
the others are ``added`` or ``closed`` (layer ``facility_changes``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base.config import Config
from ..base.values import flag_column, number_column
from .runs import Run

#: Flags of a matched village (gained / lost pairs) and the columns they compare.
FLAG_COLUMNS = {"covered": "covered", "access": "hardened_access", "sewage_treated": "sewage_treated"}
#: Keys of the change counts, in report order.
COUNT_KEYS = ("villages", "added", "removed", "recoded", "moved", "covered_gained", "covered_lost", "access_gained",
              "access_lost", "sewage_treated_gained", "sewage_treated_lost", "toilets_added", "toilets_lost",
              "villages_toilets_added", "model_changed", "mode_changed", "facilities_added", "facilities_closed")
#: Columns of the village_changes layer (before the geometry).
CHANGE_COLUMNS = ("year_from", "year_to", "village_code", "old_code", "name", "county_code", "town_code", "change",
                  "moved", "moved_m", "covered_gained", "covered_lost", "access_gained", "access_lost",
                  "sewage_treated_gained", "sewage_treated_lost", "toilets_added", "model_changed", "model_old",
                  "model_new", "mode_changed", "mode_old", "mode_new")


def pair_key(a: int, b: int) -> str:
    """The key of a year pair in monitor.json (``"2022-2024"``)."""
    return f"{a}-{b}"


def _prepared(run: Run, crs: Any) -> pd.DataFrame:
    v = run.villages
    if crs is not None and v.crs is not None and v.crs != crs:
        v = v.to_crs(crs)
    pts = v.geometry.to_numpy()
    out = pd.DataFrame({"code": v["village_code"].to_numpy(object), "name": v["name"].fillna("").to_numpy(object),
                        "county_code": v["county_code"].to_numpy(object),
                        "town_code": v["town_code"].to_numpy(object) if "town_code" in v else None,
                        "x": shapely.get_x(pts), "y": shapely.get_y(pts),
                        "toilets": number_column(v, "sanitary_toilet_households")})
    for key, col in FLAG_COLUMNS.items():
        out[key] = flag_column(v, col) if col in v else np.zeros(len(v), bool)
    for col in ("collection_model", "sewage_mode"):
        out[col] = v[col].to_numpy(object) if col in v else None
    return out.drop_duplicates("code", keep="first").reset_index(drop=True)


def _recode_pairs(gone: pd.DataFrame, new: pd.DataFrame, radius: float) -> list[tuple[int, int]]:
    """(index in gone, index in new) of recoded villages: same name, within ``radius``, nearest first."""
    if gone.empty or new.empty:
        return []
    cand = gone.reset_index().merge(new.reset_index(), on="name", suffixes=("_a", "_b"))
    cand = cand[cand["name"] != ""]
    if cand.empty:
        return []
    d = np.hypot(cand["x_a"].to_numpy() - cand["x_b"].to_numpy(), cand["y_a"].to_numpy() - cand["y_b"].to_numpy())
    cand = cand.assign(d=d)[d <= radius].sort_values("d", kind="stable")
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for ia, ib in zip(cand["index_a"], cand["index_b"], strict=True):
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
            pairs.append((int(ia), int(ib)))
    return pairs


def village_changes(a: Run, b: Run, config: Config, crs: Any = None) -> gpd.GeoDataFrame:
    """One row per village of either year of the pair ``a`` → ``b`` (see the module's description), in ``crs``
    (default: ``b``'s)."""
    crs = crs if crs is not None else b.villages.crs
    table = _pair_table(_prepared(a, crs), _prepared(b, crs), a.year, b.year, config)
    geometry = gpd.points_from_xy(table["x"].to_numpy(float), table["y"].to_numpy(float), crs=crs)
    return gpd.GeoDataFrame(table[list(CHANGE_COLUMNS)], geometry=geometry, crs=crs)


def _pair_table(va: pd.DataFrame, vb: pd.DataFrame, year_a: int, year_b: int, config: Config) -> pd.DataFrame:
    """The rows of :func:`village_changes` with the point as ``x``, ``y`` (from :func:`_prepared` tables)."""
    common = va.merge(vb, on="code", suffixes=("_a", "_b"))
    gone = va[~va["code"].isin(vb["code"])].reset_index(drop=True)
    new = vb[~vb["code"].isin(va["code"])].reset_index(drop=True)
    pairs = _recode_pairs(gone, new, config.recode_radius_m)
    ia = [p[0] for p in pairs]
    ib = [p[1] for p in pairs]
    recoded = gone.iloc[ia].reset_index(drop=True).add_suffix("_a").join(new.iloc[ib].reset_index(drop=True).add_suffix("_b"))
    recoded = recoded.assign(code=recoded["code_b"], old_code=recoded["code_a"], change="recoded")
    common = common.assign(change="unchanged", old_code=None)
    matched = stack([common, recoded[list(common.columns)]]) if len(recoded) else common
    table = stack([_matched_rows(matched, config.moved_m), _one_side(gone.drop(index=ia), "removed"),
                   _one_side(new.drop(index=ib), "added")])
    n = len(table)
    table["year_from"], table["year_to"] = np.full(n, year_a), np.full(n, year_b)
    return table


def stack(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Rows of frames with the same columns, one after another (``pd.concat`` checks every missing value of an
    object column one by one, seconds at region scale)."""
    cols = list(parts[0].columns)
    return pd.DataFrame({c: np.concatenate([p[c].to_numpy() for p in parts]) for c in cols})


def _matched_rows(m: pd.DataFrame, moved_m: float) -> pd.DataFrame:
    dist = np.hypot(m["x_b"].to_numpy(float) - m["x_a"].to_numpy(float), m["y_b"].to_numpy(float) - m["y_a"].to_numpy(float))
    out = pd.DataFrame({"village_code": m["code"].to_numpy(object), "old_code": m["old_code"].to_numpy(object),
                        "name": m["name_b"].to_numpy(object), "county_code": m["county_code_b"].to_numpy(object),
                        "town_code": m["town_code_b"].to_numpy(object), "change": m["change"].to_numpy(object),
                        "moved": dist > moved_m, "moved_m": np.round(dist, 1)})
    for key in FLAG_COLUMNS:
        before, after = m[f"{key}_a"].to_numpy(bool), m[f"{key}_b"].to_numpy(bool)
        out[f"{key}_gained"] = ~before & after
        out[f"{key}_lost"] = before & ~after
    out["toilets_added"] = m["toilets_b"].to_numpy(float) - m["toilets_a"].to_numpy(float)
    for what, col in (("model", "collection_model"), ("mode", "sewage_mode")):
        old, new = m[f"{col}_a"].to_numpy(object), m[f"{col}_b"].to_numpy(object)
        changed = _differs(old, new)
        out[f"{what}_changed"] = changed
        out[f"{what}_old"] = np.where(changed, old, np.full(len(old), None, object))
        out[f"{what}_new"] = np.where(changed, new, np.full(len(new), None, object))
    out["x"], out["y"] = m["x_b"].to_numpy(float), m["y_b"].to_numpy(float)
    return out


def _differs(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Where two text columns differ (missing and empty text are the same)."""
    old_none = pd.isna(old) | (old == "")
    new_none = pd.isna(new) | (new == "")
    return (old_none != new_none) | (~old_none & ~new_none & (old != new))


def _one_side(v: pd.DataFrame, change: str) -> pd.DataFrame:
    n = len(v)
    out = pd.DataFrame({"village_code": v["code"].to_numpy(object), "old_code": np.full(n, None, object),
                        "name": v["name"].to_numpy(object), "county_code": v["county_code"].to_numpy(object),
                        "town_code": v["town_code"].to_numpy(object), "change": np.full(n, change, object),
                        "moved": np.zeros(n, bool), "moved_m": np.full(n, np.nan)})
    for key in FLAG_COLUMNS:
        out[f"{key}_gained"] = np.zeros(n, bool)
        out[f"{key}_lost"] = np.zeros(n, bool)
    out["toilets_added"] = np.full(n, np.nan)
    for what in ("model", "mode"):
        out[f"{what}_changed"] = np.zeros(n, bool)
        out[f"{what}_old"] = np.full(n, None, object)
        out[f"{what}_new"] = np.full(n, None, object)
    out["x"], out["y"] = v["x"].to_numpy(float), v["y"].to_numpy(float)
    return out


def facility_changes(a: Run, b: Run, config: Config, crs: Any = None) -> gpd.GeoDataFrame:
    """Facilities of ``b`` with no facility of the same type within ``moved_m`` in ``a`` (``added``), and the
    reverse (``closed``), in ``crs`` (default: ``b``'s)."""
    crs = crs if crs is not None else b.villages.crs
    fa, fb = (_facilities(r, crs) for r in (a, b))
    rows = []
    either = fa if fa is not None else fb
    if either is not None:
        fa = fa if fa is not None else either.iloc[:0]
        fb = fb if fb is not None else either.iloc[:0]
        for change, this, other in (("closed", fa, fb), ("added", fb, fa)):
            lone = this[~_has_twin(this, other, config.moved_m)]
            rows.append(lone.assign(change=change))
    cols = ["facility_type", "name", "county_code"]
    if not rows:
        return gpd.GeoDataFrame({"year_from": [], "year_to": [], **{c: [] for c in cols}, "change": []},
                                geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "year_to", b.year)
    out.insert(0, "year_from", a.year)
    return gpd.GeoDataFrame(out[["year_from", "year_to", *cols, "change"]], geometry=out.geometry.to_numpy(), crs=crs)


def _facilities(run: Run, crs: Any) -> gpd.GeoDataFrame | None:
    f = run.facilities
    if f is None:
        return None
    if crs is not None and f.crs is not None and f.crs != crs:
        f = f.to_crs(crs)
    f = f[~f.geometry.is_empty & f.geometry.notna()].reset_index(drop=True)
    f = f.set_geometry(shapely.centroid(f.geometry.to_numpy()))
    counties = run.counties
    if f["county_code"].isna().any() and counties is not None and len(counties):
        # a facility without its county code counts in the county it lies in
        if crs is not None and counties.crs is not None and counties.crs != crs:
            counties = counties.to_crs(crs)
        pts, polys = shapely.STRtree(counties.geometry.to_numpy()).query(f.geometry.to_numpy(), predicate="within")
        found = pd.Series(counties["county_code"].to_numpy(object)[polys], index=pts)
        found = found[~found.index.duplicated()]
        missing = f["county_code"].isna().to_numpy()
        f.loc[missing, "county_code"] = found.reindex(np.flatnonzero(missing)).to_numpy(object)
    return f


def _has_twin(this: gpd.GeoDataFrame, other: gpd.GeoDataFrame, radius: float) -> np.ndarray:
    """Whether each facility of ``this`` has one of the same type within ``radius`` in ``other``."""
    out = np.zeros(len(this), bool)
    for kind, idx in this.groupby("facility_type", dropna=False).groups.items():
        there = other[other["facility_type"] == kind]
        if there.empty:
            continue
        pts = this.geometry.loc[idx].to_numpy()
        tree = shapely.STRtree(there.geometry.to_numpy())
        hit = tree.query(pts, predicate="dwithin", distance=radius)
        out[np.asarray(list(idx))[np.unique(hit[0])]] = True
    return out


def change_counts(villages: pd.DataFrame, facilities: pd.DataFrame) -> dict[str, int]:
    """Counts of every change of one place in one year pair (keys :data:`COUNT_KEYS`)."""
    ch = villages["change"].to_numpy(object)
    added = villages["toilets_added"].to_numpy(float)
    counts: dict[str, int] = {"villages": int(len(villages))}
    for c in ("added", "removed", "recoded"):
        counts[c] = int((ch == c).sum())
    for flag in COUNT_KEYS[4:11]:
        counts[flag] = int(villages[flag].to_numpy(bool).sum())
    counts["toilets_added"] = int(np.nansum(np.where(added > 0, added, 0)))
    counts["toilets_lost"] = int(-np.nansum(np.where(added < 0, added, 0)))
    counts["villages_toilets_added"] = int((added > 0).sum())
    counts["model_changed"] = int(villages["model_changed"].to_numpy(bool).sum())
    counts["mode_changed"] = int(villages["mode_changed"].to_numpy(bool).sum())
    fch = facilities["change"].to_numpy(object) if len(facilities) else np.array([], object)
    counts["facilities_added"] = int((fch == "added").sum())
    counts["facilities_closed"] = int((fch == "closed").sum())
    return counts


def all_changes(runs: Sequence[Run], config: Config) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, Any]]:
    """The village and facility changes of every consecutive pair, and their counts.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame, dict)
        ``village_changes``, ``facility_changes`` and monitor.json's ``changes``: pair → ``region`` counts and
        ``counties`` → code → counts.
    """
    v_parts, f_parts, counts = [], [], {}
    crs = runs[-1].villages.crs  # every pair in the latest run's CRS
    prepared = [_prepared(r, crs) for r in runs]
    for (a, b), (va, vb) in zip(zip(runs[:-1], runs[1:], strict=True), zip(prepared[:-1], prepared[1:], strict=True),
                                strict=True):
        v, f = _pair_table(va, vb, a.year, b.year, config), facility_changes(a, b, config, crs)
        v_parts.append(v)
        f_parts.append(f)
        by_county = {}
        v_groups = v.groupby("county_code", sort=True).indices
        f_groups = f.groupby("county_code", sort=True).indices if len(f) else {}
        for code in sorted(set(v_groups) | set(f_groups)):
            by_county[str(code)] = change_counts(v.iloc[v_groups.get(code, [])], f.iloc[f_groups.get(code, [])])
        counts[pair_key(a.year, b.year)] = {"region": change_counts(v, f), "counties": by_county}
    table = stack(v_parts)
    geometry = gpd.points_from_xy(table["x"].to_numpy(float), table["y"].to_numpy(float), crs=crs)
    villages = gpd.GeoDataFrame(table[list(CHANGE_COLUMNS)], geometry=geometry, crs=crs)
    facilities = gpd.GeoDataFrame(stack([pd.DataFrame(f) for f in f_parts]), geometry="geometry", crs=crs)
    return villages, facilities, counts
