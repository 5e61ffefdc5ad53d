"""Every distance column of the sample's villages and towns against an independent computation
(:mod:`oracle`: networkx on the roads as stored, pyproj.Geod lengths, its own noding and snapping).

Tolerances. The product rounds metres to 0.1 m (``snap_dist_m`` to 0.01 m): half of that is the rounding. On
top of it the product measures short segments by radii of curvature (< 0.1 mm per 6 km, so < 2 mm on the
sample's longest paths), gives its 0-cost edges 1e-6 m each (a few hundred on a path: < 1 mm), and its
snapped foot sits on the projected segment at the fraction of the segment's geodesic length (mm). So 0.05 m
of rounding + 0.01 m; a wrong segment, a missed junction or a wrong snap costs metres and fails. Which villages
are reachable, have access, a zero gap or a finite distance must be exactly the same.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from conftest import SAMPLE
from oracle import GEOD, SampleOracle
from ruralenv.core import Config

CFG = Config()
#: rounding of 0.1 m outputs (0.05) plus the product's 1e-6 m edges and curvature formula (< 0.01 m).
TOL_M = 0.05 + 0.01
#: Road-distance columns and the facility type each measures to.
ROAD_COLUMNS = {"net_dist_station_m": "transfer_station", "net_dist_town_treatment_m": "town_treatment",
                "net_dist_county_treatment_m": "county_treatment",
                "net_dist_village_treatment_m": "village_treatment", "fecal_dist_m": "fecal_treatment"}


def _lonlat(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer=layer)


def _measured(name: str, ours: np.ndarray, theirs: np.ndarray, tol: float, rel: float = 0.0) -> None:
    """Assert equal finiteness and |ours − theirs| ≤ tol + rel·theirs; print max and median (``pytest -s``)."""
    assert np.array_equal(np.isfinite(ours), np.isfinite(theirs)), (
        name, np.flatnonzero(np.isfinite(ours) != np.isfinite(theirs)))
    ok = np.isfinite(ours)
    err = np.abs(ours[ok] - theirs[ok])
    print(f"{name}: n={ok.sum()} max={err.max():.4f} m median={np.median(err):.4f} m")
    excess = err - (tol + rel * np.abs(theirs[ok]))
    assert excess.max() <= 0, (name, float(err.max()), np.flatnonzero(ok)[np.argmax(excess)])


@pytest.fixture(scope="module")
def sample(sample_results):
    """The run, the oracle and the oracle's snapping of villages, facilities and township seats."""
    res, _ = sample_results
    o = SampleOracle(_lonlat("roads"), res.crs, CFG.node_tolerance_m)
    v, f, t = _lonlat("villages"), _lonlat("facilities"), _lonlat("towns")
    assert list(v["village_code"]) == list(res.villages["village_code"])
    assert list(f["name"]) == list(res.facilities["name"])
    vfeet = [o.foot(p.x, p.y) for p in v.geometry]
    ffeet = [o.foot(p.x, p.y, max_m=CFG.max_snap_m) for p in f.geometry]
    tfeet = [o.foot(p.x, p.y, max_m=CFG.max_snap_m) for p in t.geometry]
    comp = o.component_of()
    length = np.zeros(max(comp.values()) + 1)
    for a, _, d in o.graph.edges(data=True):
        length[comp[a]] += d["length"]
    served = {comp[(ft.line, ft.seg)] for ft in tfeet if ft is not None}
    island = {c for c in range(len(length)) if c not in served and length[c] < CFG.island_max_length_m}
    far = np.array([ft.dist_m > CFG.max_snap_m for ft in vfeet])
    reachable = ~far & np.array([comp[(ft.line, ft.seg)] not in island for ft in vfeet])
    return {"res": res, "o": o, "v": v, "f": f, "t": t, "vfeet": vfeet, "ffeet": ffeet, "tfeet": tfeet,
            "reachable": reachable}


def _to_facilities(s: dict, rows: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """Road metres from each village in ``villages`` (row numbers) to the nearest facility of ``rows``."""
    o = s["o"]
    sources = [s["ffeet"][r] for r in rows if s["ffeet"][r] is not None]
    out = np.full(len(s["v"]), np.nan)
    if not sources:
        return out
    dist = o.search(sources)
    for k in villages:
        out[k] = o.at_foot(dist, s["vfeet"][k], sources)
    return np.where(np.isfinite(out), out, np.nan)


def test_reachable_villages_and_snap_distances_match_the_oracle(sample):
    res = sample["res"]
    assert set(res.villages["village_code"][~sample["reachable"]]) == set(res.unreachable["village_code"])
    ours = res.villages["snap_dist_m"].to_numpy(float)
    theirs = np.array([ft.dist_m for ft in sample["vfeet"]])
    # rounded to 0.01 m; the product divides the projected distance by the scale factor at the village, Geod
    # integrates it along the way: equal to 1 mm within max_snap_m, 3 cm at the far village's 11.5 km (3e-6)
    _measured("snap_dist_m", ours, theirs, 0.005 + 0.001, rel=3e-6)


@pytest.mark.parametrize("column", sorted(ROAD_COLUMNS))
def test_road_distances_match_the_oracle(sample, column):
    res = sample["res"]
    rows = np.flatnonzero(sample["f"]["facility_type"] == ROAD_COLUMNS[column])
    theirs = _to_facilities(sample, rows, np.flatnonzero(sample["reachable"]))
    ours = res.villages[column].to_numpy(float)
    if column == "fecal_dist_m":  # given only where toilet waste is hauled: compare there
        hauled = res.villages["fecal_route"].to_numpy(object) == "collect_and_haul"
        assert hauled.sum() > 100
        theirs = np.where(hauled, theirs, np.nan)
    assert np.isfinite(ours).sum() > (100 if column == "fecal_dist_m" else 300)
    _measured(column, ours, theirs, TOL_M)
