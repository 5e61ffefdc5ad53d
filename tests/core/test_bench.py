"""``ruralenv bench`` (ruralenv.tools) at county scale, the synthetic region it generates and its survey
case (no speed assertions)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from ruralenv.core.base.config import Config
from ruralenv.core.io.read import check_layer, classify_roads
from ruralenv.core.network.graph import build_network
from ruralenv.tools import bench
from ruralenv.tools.map_bench import chromium_path
from ruralenv.tools.survey_bench import benchmark_survey_import
from ruralenv.tools.synthetic import MESH_NODES, SCALES, generate_mesh_region, generate_region

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(scope="module")
def county_bench(tmp_path_factory) -> Path:
    """The CLI run once at county scale without baselines."""
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "ruralenv.core.cli", "bench", "--scale", "county", "--out", str(out),
                           "--no-baselines"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "total s" in proc.stdout
    return out


@pytest.fixture(scope="module")
def county_region():
    return generate_region("county", seed=3)


def test_cli_writes_every_stage(county_bench):
    report = json.loads((county_bench / "bench.json").read_text(encoding="utf-8"))
    (run,) = report["runs"]
    assert run["scale"] == "county"
    for stage in (*bench.STAGES, "graph_load_from_cache", "map"):
        assert stage in run["stages_s"]
    assert all(run["stages_s"][s] is not None and run["stages_s"][s] >= 0 for s in bench.STAGES)
    assert run["warm_graph_from_cache"] is True
    assert run["peak_rss_mb"] > 0 and run["total_s"] > 0 and run["villages_per_s"] > 0
    assert "baselines" not in run
    assert (county_bench / "bench.md").read_text(encoding="utf-8").startswith("| | county |")
    surface = run["surface"]
    assert surface["res_m"] == bench.SURFACE_RES_M["county"]
    assert 0 < surface["cells_with_value"] < surface["cells"] and surface["compute_s"] > 0
    assert (county_bench / "county" / "surface.tif").exists()


def test_plan_is_measured_and_checked(county_bench):
    plan = json.loads((county_bench / "bench.json").read_text(encoding="utf-8"))["runs"][0]["plan"]
    assert plan["siting"]["candidates"] >= plan["siting"]["candidates_usable"] > 0
    assert plan["siting_k"]["bound"] >= plan["siting_k"]["objective"] >= plan["siting_k"]["greedy_objective"]
    assert plan["paving"]["km"] >= plan["paving"]["bound_km"] >= 0
    assert plan["check"]["waste"]["disagree"] == 0 and plan["check"]["roads"]["disagree"] == 0
    assert "plan: siting s" in (county_bench / "bench.md").read_text(encoding="utf-8")
    sewage = plan["sewage"]
    assert sewage["counties_exact"] == sewage["counties"] and sewage["bound_wan"] == sewage["cost_wan"]
    assert "plan: sewage plan s" in (county_bench / "bench.md").read_text(encoding="utf-8")


def test_results_gpkg_matches_inputs(county_bench):
    inputs = county_bench / "county" / "inputs.gpkg"
    results = county_bench / "county" / "results" / "results.gpkg"
    layers = set(pyogrio.list_layers(results)[:, 0])
    assert {"villages", "roads", "facilities", "counties", "towns", "mines", "unreachable"} <= layers
    run = json.loads((county_bench / "bench.json").read_text(encoding="utf-8"))["runs"][0]
    for layer in ("villages", "roads", "towns"):
        n_in = pyogrio.read_info(inputs, layer=layer)["features"]
        assert pyogrio.read_info(results, layer=layer)["features"] == n_in == run["counts"][layer]
    villages = pyogrio.read_dataframe(results, layer="villages")
    assert villages["collection_model"].notna().mean() > 0.9
    assert villages["net_dist_station_m"].notna().any()


def test_generation_is_deterministic(county_region):
    again = generate_region("county", seed=3)
    for name, gdf in county_region.layers.items():
        other = again.layers[name]
        assert gdf.drop(columns="geometry").equals(other.drop(columns="geometry")), name
        assert np.array_equal(gdf.geometry.to_wkb(), other.geometry.to_wkb()), name


def test_synthetic_county_follows_the_contract(county_region):
    counts = county_region.counts()
    assert counts["counties"] == 1 and counts["towns"] == 10
    assert counts["admin_villages"] == 110 and counts["natural_villages"] == 500
    assert counts["roads"] >= 10_000
    villages = county_region.layers["villages"]
    assert villages["village_code"].is_unique
    admin = set(villages.loc[villages["is_admin_village"] == 1, "village_code"])
    assert set(villages["admin_village_code"]) <= admin
    assert set(villages["town_code"]) <= set(county_region.layers["towns"]["town_code"])
    towns = county_region.layers["towns"]
    assert towns["is_county_seat"].sum() == 1
    assert set(county_region.layers["facilities"]["facility_type"]) == {
        "transfer_station", "town_treatment", "county_treatment", "village_treatment"}
    roads = county_region.layers["roads"]
    assert set(roads["grade"]) == {"县道", "乡道", "村道", "机耕路"}
    assert set(roads["surface"]) == {"沥青", "水泥", "砂石", "土路"}
    for name, gdf in county_region.layers.items():
        check_layer(gdf, name, name)  # raises on a broken contract


def test_roads_join_at_shared_end_points(county_region):
    """Segments meet exactly at their ends: the graph is one component and hardened share is realistic."""
    roads = check_layer(county_region.layers["roads"], "roads", "roads")
    classify_roads(roads, Config())
    metric = roads.gdf.to_crs(4545)
    net = build_network(metric.geometry.array, roads.gdf["hardened"].to_numpy(bool), metric.crs, 0.0)
    assert net.component.max() == 0
    share = net.edge_len_m[net.edge_hardened].sum() / net.edge_len_m.sum()
    assert 0.3 < share < 0.8


def test_mesh_input_is_a_mesh_of_two_point_segments_in_wgs84(tmp_path):
    """The bench's mesh input (issue 23 item 8) at county size: read back from its file as a user's would be,
    every road row one two-point segment, most graph nodes junctions of three or more roads, same seed same
    data."""
    region = generate_mesh_region(seed=3, scale="county")
    assert region.scale == "county-mesh"
    path = region.write(tmp_path / "mesh.gpkg")
    roads = pyogrio.read_dataframe(path, layer="roads")
    assert roads.crs.to_epsg() == 4326 and pyogrio.read_dataframe(path, layer="villages").crs.to_epsg() == 4326
    assert (shapely.get_num_coordinates(roads.geometry.array) == 2).all()
    layer = check_layer(roads, "roads", "roads")
    classify_roads(layer, Config())
    metric = layer.gdf.to_crs(4545)
    net = build_network(metric.geometry.array, layer.gdf["hardened"].to_numpy(bool), metric.crs, 1.0)
    degree = np.bincount(np.r_[net.edge_u, net.edge_v], minlength=net.n_nodes)
    assert abs(net.n_nodes - round(MESH_NODES * SCALES["county"])) < 0.1 * MESH_NODES * SCALES["county"]
    assert (degree >= 3).mean() > 0.85
    assert 1.6 < net.n_edges / net.n_nodes < 1.9
    facilities = region.layers["facilities"]
    assert "county_treatment" in set(facilities["facility_type"]) and len(facilities) >= 8
    again = generate_mesh_region(seed=3, scale="county").layers["roads"]
    assert np.array_equal(again.geometry.to_wkb(), region.layers["roads"].geometry.to_wkb())


def test_grid_counties_when_outlines_are_missing(tmp_path):
    region = generate_region("county", seed=1, counties_path=tmp_path / "absent.gpkg")
    assert "synthetic grid" in region.counties_source
    assert region.counts()["villages"] == 610


def test_growth_exponent_is_fitted():
    runs = [{"counts": {"roads": n}, "total_s": 2e-5 * n, "peak_rss_mb": 50 * n ** 0.5, "import_rss_mb": 0.0,
             "stages_s": {s: 1e-6 * n for s in bench.STAGES}} for n in (1e4, 1e5, 1e6)]
    g = bench.growth(runs)
    assert g["total_s_exponent"] == pytest.approx(1.0)
    assert g["peak_rss_mb_exponent"] == g["rss_above_imports_exponent"] == pytest.approx(0.5)
    assert g["stage_exponents"]["graph"] == pytest.approx(1.0)
    assert "note" in bench.growth(runs[:1])


def test_baselines_agree_with_the_pipeline(county_bench):
    """The scipy floor and networkx search the same graph; networkx finds the same distances."""
    folder = county_bench / "county"
    run = json.loads((county_bench / "bench.json").read_text(encoding="utf-8"))["runs"][0]
    problem = bench.distance_problem(str(folder / "inputs.gpkg"), str(folder / "cache"), run["crs"])
    assert problem["n_villages"] == run["counts"]["villages"]
    floor = bench.scipy_floor(problem)
    assert floor["runs"] == bench.DISTANCE_RUNS
    assert bench.networkx_baseline(problem)["agrees_with_scipy"] is True


def _qgis_usable() -> bool:
    qgis = bench.qgis_installation()
    return not isinstance(qgis, str) and subprocess.run([qgis[0], "-c", "import qgis.core"],
                                                        capture_output=True).returncode == 0


@pytest.mark.skipif(not _qgis_usable(), reason="no QGIS installation with Python bindings found")
def test_qgis_routes_agree_with_ours(county_bench):
    folder = county_bench / "county"
    run = json.loads((county_bench / "bench.json").read_text(encoding="utf-8"))["runs"][0]
    problem = bench.distance_problem(str(folder / "inputs.gpkg"), str(folder / "cache"), run["crs"])
    got = bench.qgis_baseline(problem, str(folder / "inputs.gpkg"), folder / "results" / "results.gpkg", 4, folder)
    assert got.get("villages") == 4, got
    assert got["median_rel_diff_to_ours"] < 0.02


def test_extra_cases_report_map_render_and_survey_import(tmp_path):
    cases = bench.extra_cases(tmp_path, map_case=(300, 900), survey_points=500, field_villages=200)
    assert "error" not in cases["map"], cases["map"]
    assert cases["map"]["size_bytes"] > 10_000
    if chromium_path() or os.environ.get("RURALENV_REQUIRE_BROWSER"):
        assert cases["map"]["first_render_s"] > 0 and not cases["map"]["js_errors"]
    assert cases["survey"]["n_points"] == 500
    assert cases["survey"]["imported"] + cases["survey"]["rejected"] == 500
    text = bench.format_cases(cases)
    assert "Map case (300 villages, 900 road segments)" in text and "500-point CSV" in text
    loop = cases["field_loop"]
    assert (loop["n_villages"], loop["observations"], loop["ok"]) == (200, 600, 600) and loop["changes"] > 0
    assert "returned form of 200 villages" in text


def test_benchmark_helper_counts_add_up(tmp_path):
    result = benchmark_survey_import(2000, tmp_path, n_villages=200)
    assert result["imported"] + result["rejected"] == 2000
    assert result["rejected"] > 0  # 1 % of the rows carry an unreadable latitude
    assert result["matched_by"]["name"] == result["imported"]
    assert set(result["stage_seconds"]) == {"read", "validate", "write"}


def test_qgis_installation_is_found_from_the_prefix(tmp_path, monkeypatch):
    (tmp_path / "share" / "qgis" / "python" / "plugins").mkdir(parents=True)
    monkeypatch.setenv("QGIS_PREFIX_PATH", str(tmp_path))
    monkeypatch.setenv("RURALENV_QGIS_PYTHON", sys.executable)
    assert bench.qgis_installation() == (sys.executable, str(tmp_path / "share" / "qgis" / "python" / "plugins"))
    monkeypatch.setenv("QGIS_PREFIX_PATH", str(tmp_path / "absent"))
    assert "no QGIS Python or Processing plugins under" in bench.qgis_installation()


def test_bench_command_needs_the_bench_extra(monkeypatch):
    """Without networkx or Playwright, ruralenv.tools does not import and `ruralenv` has no bench command."""
    import importlib.util

    from ruralenv.core.cli.main import build_parser

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "networkx" else
                        real_find_spec(name, *a))
    for name in [m for m in sys.modules if m.startswith("ruralenv.tools")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"pip install 'ruralenv\[bench\]'"):
        importlib.import_module("ruralenv.tools")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--scale", "county"])
