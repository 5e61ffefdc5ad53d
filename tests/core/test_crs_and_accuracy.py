"""Metric distances against pyproj.Geod, and the same results whatever CRS the inputs come in."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from ruralenv.core import run_pipeline
from ruralenv.core.base.crs import (
    PARALLEL_POINTS,
    gk3_epsg,
    project_geometries,
    resolve_crs,
    transform_xy,
    utm_epsg,
)
from shapely.geometry import LineString, Point

GEOD = Geod(ellps="GRS80")


@pytest.mark.parametrize("lon, zone_epsg", [(97.2, 4541), (111.0, 4546), (126.4, 4551), (75.0, 4534), (135.0, 4554)])
def test_gk_zone_by_longitude(lon, zone_epsg):
    assert gk3_epsg(lon) == zone_epsg


def test_utm_zone():
    assert utm_epsg(111.0, 39.8) == 32649
    assert utm_epsg(97.2, 41.0) == 32647


def test_web_mercator_and_degrees_refused():
    with pytest.raises(ValueError):
        resolve_crs("EPSG:3857", (110, 39, 111, 40), "gk3")
    with pytest.raises(ValueError):
        resolve_crs("EPSG:4326", (110, 39, 111, 40), "gk3")


def _zigzag(lon0: float, lat0: float, n: int = 12) -> list[tuple[float, float]]:
    """A road wandering ~40 km north-east in steps of ~3–4 km (lon/lat)."""
    rng = np.random.default_rng(int(lon0 * 10))
    pts = [(lon0, lat0)]
    for _ in range(n):
        lon, lat = pts[-1]
        pts.append((lon + 0.03 + rng.uniform(-0.01, 0.01), lat + 0.02 + rng.uniform(-0.01, 0.01)))
    return pts


@pytest.mark.parametrize("lon0, lat0", [(97.0, 41.5), (111.0, 39.8), (126.0, 47.5)])
@pytest.mark.parametrize("family", ["gk3", "utm"])
def test_network_distance_matches_geod(cfg, lon0, lat0, family):
    pts = _zigzag(lon0, lat0)
    roads = gpd.GeoDataFrame({"surface": ["沥青"]}, geometry=[LineString(pts)], crs="EPSG:4490")
    villages = gpd.GeoDataFrame({"village_code": ["v"], "name": ["终点村"], "county_code": ["c"]},
                                geometry=[Point(pts[-1])], crs="EPSG:4490")
    fac = gpd.GeoDataFrame({"facility_type": ["village_treatment"]}, geometry=[Point(pts[0])], crs="EPSG:4490")
    res = run_pipeline({"villages": villages, "roads": roads, "facilities": fac}, cfg.replace(crs_family=family))
    lon, lat = np.array(pts).T
    truth = GEOD.line_length(lon, lat)
    got = res.villages.at[0, "net_dist_village_treatment_m"]
    # geodesic per segment (the projected grid would err by 1.2e-4 to 4e-4 here); outputs are rounded to 0.1 m
    assert abs(got - truth) <= 0.05 + 1e-6 * truth
    assert res.summary["crs"] == (f"EPSG:{gk3_epsg(lon0 + 0.18)}" if family == "gk3" else
                                  f"EPSG:{utm_epsg(lon0 + 0.18, lat0)}")


def test_snap_distance_is_ground_metres_far_from_the_central_meridian(cfg):
    # 1.4° east of the 111°E meridian the GK scale factor is ~1.00018: snap distance must not show it
    lon, lat = 112.4, 40.0
    north = GEOD.fwd(lon, lat, 0, 300.0)
    roads = gpd.GeoDataFrame({"surface": ["沥青"]}, geometry=[LineString([(lon - 0.005, lat), (lon + 0.005, lat)])],
                             crs="EPSG:4490")
    villages = gpd.GeoDataFrame({"village_code": ["v"], "name": ["北村"], "county_code": ["c"]},
                                geometry=[Point(north[0], north[1])], crs="EPSG:4490")
    res = run_pipeline({"villages": villages, "roads": roads}, cfg.replace(crs="EPSG:4546"))
    # the off-road leg is scaled by the point scale factor (within 5e-5; uncorrected it errs by 1.8e-4)
    assert abs(res.villages.at[0, "snap_dist_m"] - 300.0) <= 0.005 + 300.0 * 5e-5


def test_mine_and_sewer_distances_are_ground_metres_far_from_the_central_meridian(cfg):
    """9° east of the run's 111°E meridian the GK grid is 0.73 % too long: a mine 1995 m away on the ground is
    2010 m on the grid, beyond the 2000 m buffer, and a sewer 2990 m away 3012 m, beyond ``d_sewer_m``.
    """
    lon, lat = 120.0, 40.0
    mine_near, mine_far = GEOD.fwd(lon, lat, 0, 1995.0)[:2], GEOD.fwd(lon, lat, 90, 2010.0)[:2]
    south = GEOD.fwd(lon, lat, 180, 2990.0)[1]
    roads = gpd.GeoDataFrame({"surface": ["沥青"]}, geometry=[LineString([(lon - 0.01, lat), (lon + 0.01, lat)])],
                             crs="EPSG:4490")
    villages = gpd.GeoDataFrame({"village_code": ["v"], "name": ["村"], "county_code": ["c"], "population": [500]},
                                geometry=[Point(lon, lat)], crs="EPSG:4490")
    mines = gpd.GeoDataFrame({"name": ["近矿", "远矿"], "green_mine_level": ["none", "none"]},
                             geometry=[Point(*mine_near), Point(*mine_far)], crs="EPSG:4490")
    sewer = gpd.GeoDataFrame({"name": ["管网"]}, geometry=[LineString([(lon - 0.001, south), (lon + 0.001, south)])],
                             crs="EPSG:4490")
    res = run_pipeline({"villages": villages, "roads": roads, "mines": mines, "sewer": sewer}, cfg.replace(crs="EPSG:4546"))
    v = res.villages.iloc[0]
    assert v["near_mine"] == "近矿" and bool(v["near_non_green_mine"])
    assert abs(v["near_mine_dist_m"] - 1995.0) <= 0.05 + 1e-6 * 1995.0
    assert list(res.mines["villages_within_buffer"]) == [1, 0]
    # a short sewer (170 m): its straight chord on the grid stays within a mm of the parallel
    assert abs(v["sewer_dist_m"] - 2990.0) <= 0.05 + 0.005


@pytest.mark.parametrize("target", ["EPSG:4326", "EPSG:32649", "EPSG:4546", "EPSG:4500"])
def test_same_results_whatever_the_input_crs(cfg, target):
    from conftest import SAMPLE

    layers = {k: gpd.read_file(SAMPLE, layer=k) for k in ("villages", "roads", "facilities", "towns")}
    base = run_pipeline(layers, cfg).villages
    moved = run_pipeline({k: v.to_crs(target) for k, v in layers.items()}, cfg).villages
    assert list(base["collection_model"]) == list(moved["collection_model"])
    assert list(base["hardened_access"]) == list(moved["hardened_access"])
    for col in ("net_dist_station_m", "net_dist_town_treatment_m", "pave_gap_m", "snap_dist_m"):
        a, b = base[col].to_numpy(float), moved[col].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b))
        ok = ~np.isnan(a)
        assert np.allclose(a[ok], b[ok], rtol=1e-5, atol=0.2), col


def test_two_thread_projection_equals_geopandas_and_pyproj():
    """Large arrays are projected in two halves on two threads: the same numbers as in one piece."""
    rng = np.random.default_rng(3)
    n = PARALLEL_POINTS + 1000  # lines of five points
    lon, lat = rng.uniform(108, 120, n), rng.uniform(38, 45, n)
    x, y = transform_xy(CRS.from_epsg(4490), CRS.from_epsg(4546), lon, lat)
    ex, ey = Transformer.from_crs(4490, 4546, always_xy=True).transform(lon, lat)
    assert np.array_equal(x, ex) and np.array_equal(y, ey)
    lines = shapely.linestrings(np.column_stack([lon, lat]), indices=np.arange(n) // 5)
    got = project_geometries(lines, CRS.from_epsg(4490), CRS.from_epsg(4546))
    want = gpd.GeoSeries(lines, crs=4490).to_crs(4546).array
    assert shapely.equals_exact(got, np.asarray(want), tolerance=0).all()
    assert project_geometries(shapely.force_3d(lines[:3]), CRS.from_epsg(4490), CRS.from_epsg(4546)) is None


def test_two_thread_segment_lengths_and_grid_ids_equal_the_one_piece_ones(monkeypatch):
    from ruralenv.core.base import crs as crs_module
    from ruralenv.core.network.graph import grid_ids

    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(108, 120, PARALLEL_POINTS + 7), rng.uniform(38, 45, PARALLEL_POINTS + 7)
    two = crs_module.geodesic_segment_lengths(lon, lat)
    monkeypatch.setattr(crs_module, "PARALLEL_POINTS", 10**9)
    assert np.array_equal(two, crs_module.geodesic_segment_lengths(lon, lat))
    xy = np.round(rng.uniform(0, 5e5, (50_000, 2)), 2)
    xy[::4] = xy[1::4]
    ids = grid_ids(xy, 1e-3)
    _, expected = np.unique(xy, axis=0, return_inverse=True)  # cells ordered by x, then y
    assert np.array_equal(ids, expected.ravel())


def test_population_and_concentration_radii_are_ground_metres_far_from_the_central_meridian(cfg):
    """The 人口分散 radius (``dispersed_radius_m``) and the 居住集中 radius (``concentrated_radius_m``) are
    ground metres: 9° east of the 111°E meridian a neighbour 4,980 m away on the ground (about 5,016 m on the
    grid) counts, one 5,020 m away does not; a natural village 995 m from its administrative village (1,002 m on
    the grid) lives within the 1 km radius.
    """
    from pyproj import CRS
    from ruralenv.core.model.stages.collection import population_within
    from ruralenv.core.model.stages.sanitation import concentrated_flags

    lon, lat = 120.0, 40.0
    pts = [(lon, lat), GEOD.fwd(lon, lat, 90, 4980.0)[:2], GEOD.fwd(lon, lat, 270, 5020.0)[:2],
           GEOD.fwd(lon, lat, 0, 995.0)[:2]]
    crs = CRS.from_user_input("EPSG:4546")
    xy = gpd.GeoSeries([Point(p) for p in pts], crs="EPSG:4490").to_crs(crs)
    x, y = xy.x.to_numpy(), xy.y.to_numpy()
    assert np.hypot(x[1] - x[0], y[1] - y[0]) > 5000.0 > cfg.dispersed_radius_m - 1  # the grid would drop it
    assert np.hypot(x[3] - x[0], y[3] - y[0]) > 1000.0
    people = np.array([100.0, 10.0, 1000.0, 5.0])
    assert population_within(x, y, people, cfg.dispersed_radius_m, crs)[0] == 115.0
    assert population_within(x[:3], y[:3], people[:3], cfg.dispersed_radius_m, None)[0] == 100.0  # plain metres
    group = np.array(["a", "b", "c", "a"], dtype=object)
    anchor = np.array([True, True, True, False])
    c = cfg.replace(concentrated_radius_m=1000.0, concentrated_share=0.99)
    flag, share = concentrated_flags(x, y, people, group, anchor, c, crs=crs)
    assert share[0] == 1.0 and bool(flag[0])
    assert concentrated_flags(x, y, people, group, anchor, c)[1][0] < 1.0  # on the grid it would not be
