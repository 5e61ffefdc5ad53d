"""Sanitation stage on hand-made arrays: the §(七) sewage rule, §(六) toilet-waste routes, sizes, toilets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from ruralenv.core import Config
from ruralenv.core.model.stages.sanitation import (
    concentrated_flags,
    design_flow,
    facility_sizes,
    fecal_routes,
    sanitation,
    sanitation_indicators,
    sewage_modes,
    sewer_distance,
    toilet_counts,
    toilet_shares,
    zone_of_points,
)
from test_bad_inputs import check_fails, previous_out, write  # noqa: F401  (previous_out: a fixture)

CFG = Config()
INF = np.inf


def modes(residents, concentrated, sewer_m=INF, config=CFG):
    r = np.asarray(residents, float)
    conc = np.broadcast_to(np.asarray(concentrated, bool), r.shape)
    d = np.broadcast_to(np.asarray(sewer_m, float), r.shape)
    return sewage_modes(r, conc, np.where(conc, 1.0, 0.5), d, config)


def test_population_thresholds_for_concentrated_villages():
    mode, zh, en = modes([299, 300, 999, 1000, 1001], True)
    assert list(mode) == ["decentralised", "decentralised", "decentralised", "central", "central"]
    assert "选定：建设日处理能力20吨以上的污水集中处理设施。" in zh[3] and "常住人口1000人（1000人以上），居住集中" in zh[3]
    assert "299 residents (< 300), concentrated" in en[0]


def test_population_thresholds_for_scattered_villages():
    mode, zh, _ = modes([299, 300, 999, 1000, 1001], False)
    assert list(mode) == ["resource_use", "decentralised", "decentralised", "decentralised", "decentralised"]
    assert "常住人口1001人（1000人以上），居住分散（50%的居民在1公里内）" in zh[4]
    assert "参照实施方案（七）" in zh[4]  # decentralised beyond the plan's 300–1000 scattered case
    assert "参照" not in zh[1] and "参照" not in zh[0]  # the plan's own cases say no 参照


def test_thresholds_are_settings():
    cfg = CFG.replace(sewage_central_residents=800, sewage_small_residents=100)
    mode, _, _ = modes([99, 100, 799, 800], [False, False, True, True], config=cfg)
    assert list(mode) == ["resource_use", "decentralised", "decentralised", "central"]


def test_sewer_just_inside_and_just_outside_d_sewer_m():
    d = CFG.d_sewer_m
    mode, zh, en = modes([50, 50, 5000, 5000], [False, False, True, True], [d, d + 0.5, d - 0.5, d + 0.5])
    assert list(mode) == ["sewer_connect", "resource_use", "sewer_connect", "central"]
    assert "选定：就近纳入城镇污水管网集中处理" in zh[0] and "3.0 km away ≤ 3.0 km" in en[0]
    assert "距城镇污水管网3.0公里，超过3公里" in zh[1]


def test_unknown_residents_get_no_mode_unless_near_a_sewer():
    mode, zh, _ = modes([np.nan, np.nan], False, [10.0, INF])
    assert list(mode) == ["sewer_connect", None]
    assert "常住人口未知" in zh[1]


def test_concentrated_is_measured_on_the_administrative_village():
    # group A: admin village 900 people, natural village 100 people 2 km away → 90 % within 1 km
    # group B: admin village 500, natural village 500 people 3 km away → 50 %
    # group C: natural villages only, no admin row: anchor is the most populous one (300 of 400 near)
    x = np.array([0.0, 2000, 10000, 13000, 20000, 20500, 25000])
    y = np.zeros(7)
    res = np.array([900.0, 100, 500, 500, 300, 0, 100])
    group = np.array(["A", "A", "B", "B", "C", "C", "C"], dtype=object)
    anchor = np.array([True, False, True, False, False, False, False])
    flag, share = concentrated_flags(x, y, res, group, anchor, CFG)
    np.testing.assert_allclose(share, [0.9, 0.9, 0.5, 0.5, 0.75, 0.75, 0.75])
    assert list(flag) == [True, True, False, False, False, False, False]
    flag, _ = concentrated_flags(x, y, res, group, anchor, CFG.replace(concentrated_share=0.7))
    assert list(flag) == [True, True, False, False, True, True, True]


def test_a_lone_village_is_decided_by_the_dispersion_measure_never_assumed_concentrated():
    """One point per administrative village (most layers): its spread cannot be measured; the run's 人口分散
    measure (people within dispersed_radius_m) decides, for every tier that asks 集中 or 分散."""
    x, y = np.array([0.0, 25_000.0, 60_000.0]), np.zeros(3)
    residents = np.array([150.0, 1200.0, 1200.0])
    pop_within = np.array([150.0, 1200.0, 2600.0])  # the third has neighbours within 5 km
    flag, share = concentrated_flags(x, y, residents, np.array(["A", "B", "C"], dtype=object),
                                     np.ones(3, bool), CFG, pop_within)
    assert list(flag) == [False, False, True] and np.isnan(share).all()
    mode, zh, en = sewage_modes(residents, flag, share, np.full(3, INF), CFG, pop_within)
    assert list(mode) == ["resource_use", "decentralised", "central"]
    assert "按人口分散程度衡量：5公里内人口150人，不足1500人" in zh[0]
    assert "by the dispersion measure: 2600 people within 5 km ≥ 1500" in en[2]
    # without the run's measure, the residents around the village are counted
    flag, _ = concentrated_flags(x, y, residents, np.array(["A", "B", "C"], dtype=object), np.ones(3, bool), CFG)
    assert not flag.any()


def test_a_small_remote_village_of_the_issue_gets_resource_use_in_a_run(tmp_path):
    """150 residents, 25 km from any sewer and any other village, one point per administrative village."""
    from helpers import facility, points, roads, village
    from ruralenv.core import run_pipeline

    layers = {
        "villages": points([village("150622100001", 0, 0, population=150, resident_population=150, households=50),
                            village("150622100002", 25, 0, population=2000, resident_population=2000,
                                    households=600)]),
        "roads": roads(([(0, 0), (25, 0)], "沥青")),
        "facilities": points([facility("county_treatment", 25, 0)]),
    }
    res = run_pipeline(layers, Config(cache_dir=str(tmp_path / "c")), write_map=False)
    v = res.villages.set_index("village_code")
    assert v.at["150622100001", "sewage_mode"] == "resource_use"
    assert "人口分散" in v.at["150622100001", "sewage_reason"]
    assert v.at["150622100002", "sewage_mode"] == "central"
    assert v.at["150622100001", "fecal_route"] == "on_site"


def test_design_flow_is_residents_times_water_use_times_discharge():
    flow = design_flow(np.array([1000.0, 300.0]), CFG.replace(water_use_l_per_person_day=80,
                                                               sewage_discharge_coefficient=0.5))
    np.testing.assert_allclose(flow, [40.0, 12.0])


def test_facility_sizes_round_up():
    mode = np.array(["central", "central", "central", "decentralised", "decentralised", "decentralised",
                     "resource_use", "sewer_connect"], dtype=object)
    flow = np.array([12.0, 20.0, 20.1, 0.4, 5.0, 5.01, 3.0, 99.0])
    size, units = facility_sizes(mode, flow, CFG)
    np.testing.assert_array_equal(size[:6], [20, 20, 25, 5, 5, 10])
    assert np.isnan(size[6:]).all()
    assert list(units) == [1, 1, 1, 1, 1, 2, 0, 0]


def test_fecal_routes_follow_section_six():
    mode = np.array(["sewer_connect", "central", "decentralised", "decentralised", "resource_use", None],
                    dtype=object)
    conc = np.array([False, True, True, False, False, True])
    d = np.array([1.0, 2.0, 8000.0, 3.0, 4.0, 5.0])
    route, haul = fecal_routes(mode, conc, d)
    assert list(route) == ["sewer", "sewer", "collect_and_haul", "on_site", "on_site", None]
    assert haul[2] == 8000.0 and np.isnan(np.delete(haul, 2)).all()
    _, haul = fecal_routes(mode[2:3], conc[2:3], np.array([INF]))
    assert np.isnan(haul[0])


def test_toilet_counts():
    rate, needed = toilet_counts(np.array([100, 100, 0, np.nan, 50]), np.array([40, 100, 0, 10, np.nan]))
    np.testing.assert_allclose(rate, [40, 100, np.nan, np.nan, np.nan])
    np.testing.assert_allclose(needed, [60, 0, 0, np.nan, np.nan])


def test_zone_membership_and_targets():
    zones = np.array([shapely.box(0, 0, 10, 10), shapely.box(5, 0, 20, 10)], dtype=object)
    pts = shapely.points([(1, 1), (7, 5), (15, 5), (30, 5), (10, 10)])
    zone, pct = zone_of_points(pts, zones, np.array(["沿黄流域", "一湖两海"], dtype=object),
                               np.array([np.nan, 70.0]))
    assert list(zone) == ["沿黄流域", "一湖两海", "一湖两海", None, None]
    res = sanitation(np.full(5, 100.0), np.full(5, 10.0), np.full(5, 5.0), (np.ones(5, bool), np.ones(5)),
                     np.full(5, INF), np.full(5, INF), (zone, pct), np.ones(5, bool), CFG)
    assert list(res.zone_target_pct) == [60.0, 70.0, 70.0, 30.0, 30.0]
    assert list(res.in_priority_zone) == [True, True, True, False, False]


def test_sewer_distance_to_lines_polygons_and_plants():
    pts = shapely.points([(0, 0), (2050, 50), (500, 0)])
    d = sewer_distance(pts, [np.array([shapely.linestrings([(0, 100), (1000, 100)])]),
                             np.array([shapely.box(2000, 0, 2100, 100)]), np.array([shapely.points(500, 30)])])
    np.testing.assert_allclose(d, [100, 0, 30])
    assert np.isinf(sewer_distance(pts, [np.zeros(0, object)])).all()


def _villages(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"in_scope": [True] * n, "is_admin_village": [True] * n, "in_priority_zone": [False] * n,
            "zone_target_pct": [30.0] * n, "households": [100.0] * n, "toilets_needed": [50.0] * n,
            "sewage_mode": ["decentralised"] * n, "facility_size_tpd": [5.0] * n, "facility_units": [1] * n,
            "fecal_route": ["on_site"] * n, "sewage_treated": [False] * n, "toilet_target_share": [0.0] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_indicators_sewage_rate_targets_and_zone_gaps():
    v = _villages(sewage_treated=[True, True, False, False, False, None, True, False, False, False],
                  in_priority_zone=[True] * 5 + [False] * 5, zone_target_pct=[60.0] * 5 + [30.0] * 5,
                  in_scope=[True] * 9 + [False])
    out = sanitation_indicators(v, CFG)
    assert out["n_sewage_treated"] == 3 and out["n_sewage_unknown"] == 1
    assert out["sewage_rate_pct"] == pytest.approx(33.33)
    assert out["sewage_meets_2023"] and out["sewage_meets_2025"]
    assert out["sewage_rate_priority_pct"] == 40.0 and out["sewage_rate_other_pct"] == 25.0
    # priority: ceil(0.6*5)=3, 2 treated → 1; other (4 in scope): ceil(0.3*4)=2, 1 treated → 1
    assert out["sewage_gap_zone"] == 2 and not out["sewage_meets_zone"]


def test_indicators_toilets_and_the_regional_targets():
    needed = np.array([20.0, 50.0, np.nan])
    v = _villages(households=[100.0, 200.0, 50.0], toilets_needed=needed,
                  toilet_target_share=toilet_shares(needed, np.ones(3, bool), CFG.replace(
                      region_households_lacking_toilet=700)))
    out = sanitation_indicators(v, CFG)
    assert out["households"] == 300 and out["sanitary_households"] == 230 and out["toilets_needed"] == 70
    assert out["toilet_rate_pct"] == pytest.approx(76.67)
    assert out["toilet_share_pct"] == 10.0
    # 10 % of 300,000 would be 30,000 toilets for 70 households: a share is never more than those lacking one
    assert out["toilets_target_2023"] == 70 and out["toilets_target_2025"] == 70
    v["toilet_target_share"] = toilet_shares(needed, np.ones(3, bool), CFG.replace(
        region_households_lacking_toilet=1_000_000))
    out = sanitation_indicators(v, CFG)
    assert out["toilets_target_2023"] == 21 and out["toilets_target_2025"] == 32  # 70 × 0.3 and 70 × 0.45
    # without the setting the input is the region: in-scope villages' own total (out-of-scope ones excluded)
    share = toilet_shares(np.array([20.0, 60.0, 30.0, np.nan]), np.array([True, True, False, True]), CFG)
    np.testing.assert_allclose(share, [0.25, 0.75, 0.375, np.nan])
    assert list(toilet_shares(np.array([0.0, np.nan]), np.ones(2, bool), CFG)[:1]) == [0.0]


def test_one_county_without_the_region_total_gets_no_share_of_the_region_target(tmp_path):
    """The issue's case: a one-county run handed a township 6,192 toilets where 550 households lacked one."""
    import openpyxl
    from conftest import SAMPLE
    from ruralenv.core import run_pipeline

    needed = np.array([20.0, 50.0])
    assert np.isnan(toilet_shares(needed, np.ones(2, bool), CFG, whole_region=False)).all()
    out = tmp_path / "out"
    res = run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")},
                       CFG.replace(cache_dir=str(tmp_path / "c")), out_dir=out, write_map=False)
    assert res.tables["town"]["toilets_target_2025"].isna().all()
    assert res.villages["toilet_target_share"].isna().all()
    sheet = openpyxl.load_workbook(out / "report.xlsx")["污水厕所 苏木乡镇 sanitation town"]
    head = [c.value for c in sheet[2]]
    cells = [row[head.index("share of 2025 new-toilet target")] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert cells and all(str(c).startswith("全区目标（未分摊）") for c in cells)
    given = run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")},
                         CFG.replace(cache_dir=str(tmp_path / "c"), region_households_lacking_toilet=1_500_000))
    town = given.tables["town"]
    assert (town["toilets_target_2025"] <= town["toilets_needed"]).all() and town["toilets_target_2025"].sum() > 0


def test_indicators_count_facilities_to_build_by_mode():
    v = _villages(sewage_mode=["central", "central", "decentralised", "sewer_connect", "resource_use"],
                  facility_size_tpd=[25.0, 20.0, 10.0, np.nan, np.nan], facility_units=[1, 1, 2, 0, 0],
                  sewage_treated=[False, True, False, False, False],
                  fecal_route=["sewer", "sewer", "collect_and_haul", "sewer", "on_site"])
    out = sanitation_indicators(v, CFG)
    assert (out["n_central"], out["central_tpd"]) == (1, 25.0)
    assert (out["n_decentralised"], out["decentralised_units"], out["decentralised_tpd"]) == (1, 2, 10.0)
    assert out["n_sewer_connect"] == 1 and out["n_resource_use"] == 1 and out["n_collect_and_haul"] == 1


# --------------------------------------------------------------------------------------------------
# Bad sanitation input on real files: the row named, exit 2, nothing written; or rejects


@pytest.fixture(scope="module")
def sample_layers():
    import geopandas as gpd
    from conftest import SAMPLE

    return {k: gpd.read_file(SAMPLE, layer=k) for k in ("villages", "roads", "facilities", "priority_zones")}


def test_bad_sanitation_values_name_the_row(tmp_path, sample_layers, previous_out):  # noqa: F811
    v = sample_layers["villages"].copy()
    v.loc[2, "sanitary_toilet_households"] = v.loc[2, "households"] + 1
    v["resident_population"] = v["resident_population"].astype(object)
    v.loc[4, "resident_population"] = "约500"
    v.loc[6, "sanitary_toilet_households"] = -3
    v["sewage_treated"] = v["sewage_treated"].astype(object)
    v.loc[8, "sewage_treated"] = "部分"
    z = sample_layers["priority_zones"].copy()
    z.loc[0, "zone"] = "黄土高原"
    err = check_fails(tmp_path, previous_out, write(tmp_path, sample_layers, villages=v, priority_zones=z),
                      f"row 3 field 'sanitary_toilet_households': {v.loc[2, 'households'] + 1:g} households with a "
                      f"sanitary toilet but only {v.loc[2, 'households']:g} households",
                      "row 5 field 'resident_population': '约500' is not a number",
                      "row 7 field 'sanitary_toilet_households': -3",
                      "row 9 field 'sewage_treated': '部分' is not yes/no",
                      "[layer priority_zones] row 1 field 'zone': unknown value '黄土高原'")
    assert err.count("error:") == 5


def test_bad_sanitation_rows_are_rejected_with_on_bad_rows_reject(sample_layers, cfg):
    from ruralenv.core import run_pipeline

    v = sample_layers["villages"].copy()
    v.loc[2, "sanitary_toilet_households"] = v.loc[2, "households"] + 1
    res = run_pipeline({**{k: g for k, g in sample_layers.items() if k != "priority_zones"}, "villages": v},
                       cfg.replace(on_bad_rows="reject"))
    assert len(res.villages) == len(v) - 1
    bad = res.rejects[res.rejects["field"] == "sanitary_toilet_households"]
    assert list(bad["row"]) == [3] and list(bad["severity"]) == ["error"]


# --------------------------------------------------------------------------------------------------
# The whole run on the sample county with its sanitation layers


@pytest.fixture(scope="module")
def sanitation_run(tmp_path_factory):
    from conftest import SAMPLE
    from ruralenv.core import run_pipeline
    from ruralenv.core.base.config import LAYER_KINDS

    out = tmp_path_factory.mktemp("sanitation_out")
    res = run_pipeline({k: f"{SAMPLE}:{k}" for k in LAYER_KINDS}, Config(cache_dir=str(out / "cache")), out_dir=out)
    return res, out


def test_sample_villages_get_modes_that_follow_the_rule(sanitation_run):
    res, _ = sanitation_run
    v = res.villages
    assert set(v["sewage_mode"]) == {"sewer_connect", "central", "decentralised", "resource_use"}
    near = v["sewer_dist_m"] <= CFG.d_sewer_m
    assert (v.loc[near, "sewage_mode"] == "sewer_connect").all()
    far = v[~near]
    central = far["sewage_mode"] == "central"
    assert (far.loc[central, "residents"] >= 1000).all() and far.loc[central, "concentrated"].all()
    resource = far["sewage_mode"] == "resource_use"
    assert (far.loc[resource, "residents"] < 300).all() and not far.loc[resource, "concentrated"].any()
    hauled = v["fecal_route"] == "collect_and_haul"
    assert v.loc[hauled, "fecal_dist_m"].notna().any() and v.loc[~hauled, "fecal_dist_m"].isna().all()
    np.testing.assert_allclose(v["toilets_needed"], v["households"] - v["sanitary_toilet_households"])


def test_sample_indicators_match_the_villages_layer(sanitation_run):
    res, _ = sanitation_run
    v = res.villages
    scope = v["in_scope"] & v["is_admin_village"]
    treated = scope & (v["sewage_treated"] == True)  # noqa: E712 (object column of True/False)
    region = res.summary["region"]
    assert region["n_sewage_treated"] == int(treated.sum())
    assert region["sewage_rate_pct"] == pytest.approx(100 * treated.sum() / scope.sum(), abs=0.01)
    prio = scope & v["in_priority_zone"]
    assert region["n_admin_priority"] == int(prio.sum()) > 0
    assert region["toilets_needed"] == int(v.loc[v["in_scope"], "toilets_needed"].sum())
    county = res.tables["county"].iloc[0]
    assert county["toilets_target_2025"] is None  # one county, no region total: the region target is not shared
    assert sanitation_indicators(v.drop(columns="sewage_mode"), CFG) == {}


def test_sample_outputs_carry_the_sanitation_results(sanitation_run):
    import json

    import openpyxl
    import pyogrio

    res, out = sanitation_run
    cols = pyogrio.read_info(out / "results.gpkg", layer="villages")["fields"]
    assert {"sewage_mode", "sewage_reason", "design_flow_m3d", "facility_size_tpd", "fecal_route",
            "toilet_rate_pct", "zone_target_pct"} <= set(cols)
    assert "toilet_rate_pct" in pyogrio.read_info(out / "results.gpkg", layer="counties")["fields"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counties"][0]["sewage_rate_pct"] == res.summary["region"]["sewage_rate_pct"]
    wb = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    assert {"污水厕所 旗县 sanitation county", "污水厕所 苏木乡镇 sanitation town", "污水厕所 全部 sanitation region"} <= set(
        wb.sheetnames)
    sheet = wb["污水厕所 旗县 sanitation county"]
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert "生活污水治理率（%）" in header and "卫生厕所普及率（%）" in header
    assert "生活污水治理率（%）" not in [c.value for c in next(wb["旗县 county"].iter_rows(min_row=1, max_row=1))]
    html = (out / "map.html").read_text(encoding="utf-8")
    assert '"id":"sewage"' in html and '"id":"toilets"' in html and html.count('"hidden":true') == 2
