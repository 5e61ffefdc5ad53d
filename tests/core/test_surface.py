"""Accessibility surfaces: known values on a hand-made road, consistency with the point analysis on the
sample, the GeoTIFF's CRS / nodata / layout, and zonal shares on a hand-made county."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from helpers import GK_111, X0, Y0
from ruralenv.core import Config
from ruralenv.core.surface.cost import NODATA, Grid, RoadSampler, values_at
from ruralenv.core.surface.run import SurfaceLayers, make_surface, read_results, write_surface
from ruralenv.core.surface.zonal import area_shares, weighted_shares
from shapely.geometry import LineString, Point, box


def _straight_road_layers(county_km=(-1, -3, 11, 3)) -> SurfaceLayers:
    """One 10 km 县道 along y = 0 from x = 0 to 10 km; a transfer station at its east end; two villages."""
    road = gpd.GeoDataFrame({"grade": ["县道"], "hardened": [True]},
                            geometry=[LineString([(X0, Y0), (X0 + 10_000, Y0)])], crs=GK_111)
    fac = gpd.GeoDataFrame({"facility_type": ["transfer_station"]}, geometry=[Point(X0 + 10_000, Y0)], crs=GK_111)
    villages = gpd.GeoDataFrame(
        {"village_code": ["v1", "v2"], "county_code": ["c1", "c1"], "town_code": ["t1", "t2"],
         "population": [100.0, 300.0]},
        geometry=[Point(X0 + 2_200, Y0 + 500), Point(X0 + 7_800, Y0 - 500)], crs=GK_111)
    x0, y0, x1, y1 = county_km
    county = gpd.GeoDataFrame({"county_code": ["c1"], "name": ["旗"]},
                              geometry=[box(X0 + x0 * 1000, Y0 + y0 * 1000, X0 + x1 * 1000, Y0 + y1 * 1000)],
                              crs=GK_111)
    return SurfaceLayers(crs=road.crs, roads=road, villages=villages, facilities=fac, counties=county,
                         source="hand-made")


def _expected_straight(grid: Grid, offroad_per_m: float, road_per_m: float, max_leg: float) -> np.ndarray:
    """Off-road leg to the segment y = 0, 0 ≤ x ≤ 10 km, plus the road cost from there to x = 10 km."""
    xs, ys = np.meshgrid(grid.centres_x() - X0, grid.centres_y() - Y0)
    px = np.clip(xs, 0, 10_000)
    leg = np.hypot(xs - px, ys)
    value = offroad_per_m * leg + road_per_m * (10_000 - px)
    return np.where(leg <= max_leg, value, NODATA)


def test_straight_road_distance_known_values(cfg):
    surf = make_surface(_straight_road_layers(), "transfer_station", "distance", cfg, res=100)
    expected = _expected_straight(surf.grid, 1.0, 1.0, cfg.max_snap_m)
    assert surf.grid.shape == (60, 120)
    assert np.array_equal(surf.values == NODATA, expected == NODATA)
    has = expected != NODATA
    # on the central meridian the GK scale factor is 1: projected metres are ground metres (to ~1e-6)
    assert np.max(np.abs(surf.values[has] - expected[has])) < 0.05
    # the cell whose centre is (9 950, 1 950): 50 m of road + 1 950 m off-road
    row, col = surf.grid.cell_of(np.array([X0 + 9_950]), np.array([Y0 + 1_950]))
    assert surf.values[row[0], col[0]] == pytest.approx(2_000, abs=0.05)


def test_straight_road_time_known_values(cfg):
    surf = make_surface(_straight_road_layers(), "transfer_station", "time", cfg, res=100)
    # 县道 at 40 km/h, off-road at speed_offroad_kmh (10 km/h): minutes per metre = 60 / (km/h × 1000)
    expected = _expected_straight(surf.grid, 60 / 10_000, 60 / 40_000, cfg.max_snap_m)
    has = expected != NODATA
    assert np.array_equal(surf.values == NODATA, ~has)
    assert np.max(np.abs(surf.values[has] - expected[has])) < 1e-3
    assert surf.unit == "min"


def test_far_cells_priced_off_road_when_set(cfg):
    surf = make_surface(_straight_road_layers(), "transfer_station", "distance",
                        cfg.replace(surface_far="offroad"), res=100)
    expected = _expected_straight(surf.grid, 1.0, 1.0, np.inf)
    assert (surf.values != NODATA).all()
    assert np.max(np.abs(surf.values - expected)) < 0.05


def test_zonal_shares_on_hand_made_county(cfg):
    # county = the 10 km × 2 km strip along the road; value = |y| + 10 000 − x there
    layers = _straight_road_layers(county_km=(0, -1, 10, 1))
    surf = make_surface(layers, "transfer_station", "distance", cfg.replace(surface_zonal_km=(5.0, 11.0)), res=50)
    county = surf.tables["county"].iloc[0]
    assert county["area_km2"] == pytest.approx(20.0)
    # within 5 km: x ≥ 5 000 + |y| → ∫(5 000 − |y|) dy over |y| ≤ 1 000 = 9e6 m² of 2e7 m²
    assert county["area_share_le_5km"] == pytest.approx(0.45, abs=0.005)
    assert county["area_share_le_11km"] == pytest.approx(1.0)
    # villages: v1 (100 people) at 500 + 7 800 m, v2 (300 people) at 500 + 2 200 m
    assert county["pop_share_le_5km"] == pytest.approx(0.75)
    towns = surf.tables["town"].set_index("code")
    # townships from the nearest village (on 1 km cells, whose centres put the split at x = 5 km):
    # t2 holds all the cells within 5 km
    assert towns.loc["t1", "area_share_le_5km"] == pytest.approx(0.0)
    assert towns.loc["t2", "area_share_le_5km"] == pytest.approx(0.9, abs=0.01)
    assert towns.loc["t1", "area_km2"] == pytest.approx(10.0, abs=0.3)


def test_zonal_functions_on_hand_made_arrays():
    values = np.array([[100, 6000, NODATA], [4000, 20000, 3000]], np.float32)
    zones = np.array([[0, 0, 0], [1, 1, -1]])
    t = area_shares(values, zones, 2, {"5km": 5000.0}, NODATA, 0.01)
    assert t["area_km2"].tolist() == [0.03, 0.02]
    assert t["area_share_le_5km"].tolist() == pytest.approx([1 / 3, 1 / 2])
    assert t["nodata_share"].tolist() == pytest.approx([1 / 3, 0.0])
    w = weighted_shares(values, zones, np.array([[1, 2, 3], [4, 5, 6]]), 2, {"5km": 5000.0}, NODATA)
    assert w["pop_total"].tolist() == [6.0, 9.0]
    assert w["pop_share_le_5km"].tolist() == pytest.approx([1 / 6, 4 / 9])


@pytest.fixture(scope="module")
def sample_surface(sample_results, tmp_path_factory):
    res, out = sample_results
    layers = read_results(out / "results.gpkg")
    config = Config(cache_dir=str(out / "cache"))
    surf = make_surface(layers, "transfer_station", "distance", config, res=100)
    tif = tmp_path_factory.mktemp("surface") / "station.tif"
    files = write_surface(surf, tif)
    return layers, config, surf, files


def test_sample_village_points_equal_the_point_analysis(sample_surface):
    from ruralenv.core.base.progress import NullProgress
    from ruralenv.core.model.prepare import get_network
    from ruralenv.core.surface.cost import road_cost
    from ruralenv.core.surface.run import make_targets

    layers, config, _, _ = sample_surface
    net = get_network(layers.roads, layers.crs, config, NullProgress())
    sampler = RoadSampler(net, layers.crs, 100)
    cost = road_cost(net, make_targets(layers, net, sampler, "transfer_station", config, NullProgress()),
                     np.ones(net.n_edges))
    v = gpd.read_file(layers.source, layer="villages")  # with the point analysis's columns
    got = values_at(sampler, cost, 1.0, config.max_snap_m, shapely.get_x(v.geometry.array),
                    shapely.get_y(v.geometry.array))
    expected = (v["net_dist_station_m"] + v["snap_dist_m"]).to_numpy(float)
    ok = np.isfinite(expected)
    assert ok.sum() > 300
    # the outputs are rounded to 0.1 m (distance) and 0.01 m (snap)
    assert np.max(np.abs(got[ok] - expected[ok])) < 0.06
    assert np.isnan(got[v["snap_dist_m"].to_numpy(float) > config.max_snap_m]).all()


def test_sample_village_cells_agree_with_the_point_analysis(sample_surface):
    layers, config, surf, _ = sample_surface
    v = gpd.read_file(layers.source, layer="villages")  # with the point analysis's columns
    expected = (v["net_dist_station_m"] + v["snap_dist_m"]).to_numpy(float)
    ok = np.isfinite(expected)
    diff = np.abs(surf.village_values[ok] - expected[ok])
    half_diag = surf.grid.res * np.sqrt(2) / 2
    assert not np.isnan(diff).any()
    # A cell centre is at most half a diagonal from its village. Near one road the value changes by at most
    # the move across plus the move along the road (√2 × the move: one cell width); where the centre's
    # nearest road is another one than the village's, it takes that road's network distance instead.
    assert np.mean(diff <= half_diag) >= 0.95
    assert np.median(diff) < half_diag / 2


def test_geotiff_crs_nodata_and_layout(sample_surface):
    layers, _, surf, files = sample_surface
    tif = files["station.tif"]
    with rasterio.open(tif) as ds:
        assert ds.crs.to_epsg() == layers.crs.to_epsg() == 4546
        assert ds.nodata == NODATA
        assert ds.dtypes[0] == "float32"
        assert ds.units[0] == "m"
        assert "transfer_station" in ds.descriptions[0]
        assert ds.tags()["target"] == "transfer_station"
        assert ds.profile["tiled"] and ds.profile["compress"] == "deflate"
        assert ds.overviews(1)
        assert ds.transform.a == 100 and ds.transform.e == -100
        data = ds.read(1)
    assert np.array_equal(data, surf.values)
    assert (data == NODATA).any() and (data != NODATA).any()
    info = subprocess.run(["gdalinfo", str(tif)], capture_output=True, text=True).stdout
    assert "LAYOUT=COG" in info
    summary = json.loads(files["station_summary.json"].read_text(encoding="utf-8"))
    assert summary["crs"] == "EPSG:4546"
    assert summary["zones"]["county"][0]["code"] == "150622"
    assert len(summary["zones"]["town"]) >= 10


def test_rasterio_is_debians_not_a_wheel():
    import rasterio as rio

    assert rio.__file__.startswith("/usr/lib/python3/dist-packages/"), rio.__file__


def test_cli_surface_and_bad_target(sample_results, tmp_path):
    _, out = sample_results
    cmd = [sys.executable, "-m", "ruralenv.core.cli", "surface", str(out / "results.gpkg"), "--to", "seat",
           "--res", "250", "--mode", "time", "--out", str(tmp_path / "seat.tif"), "--set",
           f"cache_dir={out / 'cache'}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with rasterio.open(tmp_path / "seat.tif") as ds:
        assert ds.units[0] == "min"
    missing = subprocess.run(cmd[:4] + [str(tmp_path / "nope.gpkg")] + cmd[5:], capture_output=True, text=True)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_map_shows_the_surface_with_its_legend(sample_surface, sample_results, tmp_path):
    from ruralenv.core.maps.overlay import RAMP, surface_overlay
    from ruralenv.core.maps.webmap import export_map

    layers, _, surf, files = sample_surface
    overlay = surface_overlay(files["station.tif"])
    (south, west), (north, east) = overlay["bounds"]
    assert 110.0 < west < east < 112.0 and 39.0 < south < north < 40.5  # 准格尔旗, in degrees
    assert [s["color"] for s in overlay["legend"]][0] == "#{:02x}{:02x}{:02x}".format(*RAMP[0])
    assert overlay["legend"][-1]["value"] == pytest.approx(surf.summary["max_value"], rel=0.01)
    page = export_map(sample_results[1] / "results.gpkg", tmp_path / "map.html",
                      surface=files["station.tif"]).read_text(encoding="utf-8")
    data = json.loads(page.split('<script type="application/json" id="re-data">')[1].split("</script>")[0])
    assert data["surface"]["png"].startswith("data:image/png;base64,")
    assert data["surface"]["legend"] == overlay["legend"]


def test_run_surfaces_reuse_the_runs_graph_and_match_the_file_route(sample_results, sample_surface, tmp_path):
    from ruralenv.core.surface.run import surfaces_of_run

    res = dataclasses.replace(sample_results[0], summary=dict(sample_results[0].summary))  # a run of our own
    _, config, surf, _ = sample_surface
    files = surfaces_of_run(res, ["transfer_station"], tmp_path, config)
    assert set(files) == {"surface_transfer_station.tif", "surface_transfer_station_summary.json",
                          "surface_transfer_station_report.xlsx"}
    with rasterio.open(files["surface_transfer_station.tif"]) as ds:
        assert np.array_equal(ds.read(1), surf.values)
    assert res.summary["surfaces"]["transfer_station"]["cells_with_value"] == surf.summary["cells_with_value"]


def test_without_county_polygons_the_grid_covers_roads_and_villages(cfg):
    layers = _straight_road_layers()
    layers.counties = None
    layers.towns = None
    surf = make_surface(layers, "transfer_station", "distance", cfg, res=100)
    # roads and villages span x 0…10 km, y −0.5…0.5 km: the grid covers exactly that, every cell near the road
    assert surf.grid.bounds == (X0, Y0 - 500, X0 + 10_000, Y0 + 500)
    assert (surf.values != NODATA).all()
    assert "county" not in surf.tables
    assert set(surf.tables["town"]["code"]) == {"t1", "t2"}


def test_no_target_is_a_clear_error(cfg):
    from ruralenv.core import ConfigError

    layers = _straight_road_layers()
    with pytest.raises(ConfigError, match="no facilities of type county_treatment"):
        make_surface(layers, "county_treatment", "distance", cfg)
