"""Exact distances, models and pave gaps on tiny hand-built networks."""
from __future__ import annotations

import math

import pytest
from helpers import facility, points, roads, town, village
from ruralenv.core import run_pipeline


def run(cfg, vrows, road_list, frows=None, trows=None, **settings):
    inputs = {"villages": points(vrows), "roads": roads(*road_list)}
    if frows:
        inputs["facilities"] = points(frows)
    if trows:
        inputs["towns"] = points(trows)
    res = run_pipeline(inputs, cfg.replace(**settings) if settings else cfg)
    return res.villages.set_index("village_code")


MAIN = ([(0, 0), (10, 0), (30, 0)], "沥青")


def test_snaps_onto_edge_not_vertex(cfg):
    # The line's vertices are 10 and 20 km away; the nearest point on the edge is 200 m away.
    v = run(cfg, [village("a", 3, 0.2)], [MAIN], [facility("transfer_station", 0, 0)], [town("t1", 0, 0, 1)])
    assert v.at["a", "snap_dist_m"] == pytest.approx(200.0, abs=0.05)
    assert v.at["a", "net_dist_station_m"] == pytest.approx(3000.0, abs=0.1)


def test_two_villages_on_one_edge_reach_each_other_along_it(cfg):
    v = run(cfg, [village("a", 4, 0.1), village("b", 6, 0.1)], [MAIN],
            [facility("village_treatment", 5, 0)], [town("t1", 0, 0, 1)])
    assert v.at["a", "net_dist_village_treatment_m"] == pytest.approx(1000.0, abs=0.1)
    assert v.at["b", "net_dist_village_treatment_m"] == pytest.approx(1000.0, abs=0.1)


@pytest.mark.parametrize("station_x, expected", [(19.999, "county_process"), (20.001, "village_collect")])
def test_station_distance_threshold(cfg, station_x, expected):
    # village at 0 km, station at ~20 km along the road, county treatment right next to the station
    v = run(cfg, [village("a", 0, 0)], [MAIN],
            [facility("transfer_station", station_x, 0), facility("county_treatment", 25, 0)],
            [town("t1", 0, 0, 1)])
    assert v.at["a", "net_dist_station_m"] == pytest.approx(station_x * 1000, abs=0.1)
    assert v.at["a", "collection_model"] == expected


def test_station_without_county_treatment_in_haul_range_is_not_used(cfg):
    # station 5 km away, but its county treatment is 25 km further: d_haul_m = 20 km makes it unusable
    v = run(cfg, [village("a", 0, 0)], [MAIN],
            [facility("transfer_station", 5, 0), facility("county_treatment", 30, 0)],
            [town("t1", 0, 0, 1)], d_haul_m=20000)
    assert v.at["a", "collection_model"] == "village_collect"
    assert "无旗县处理设施" in v.at["a", "model_reason"]
    assert "no county treatment" in v.at["a", "model_reason_en"]
    v = run(cfg, [village("a", 0, 0)], [MAIN],
            [facility("transfer_station", 5, 0), facility("county_treatment", 30, 0)],
            [town("t1", 0, 0, 1)], d_haul_m=25001)
    assert v.at["a", "collection_model"] == "county_process"
    assert "该站至旗县处理设施25.0公里，不超过25公里" in v.at["a", "model_reason"] and "25.0 km" in v.at["a", "model_reason_en"]


def test_town_transfer_needs_a_dense_area(cfg):
    fac = [facility("town_treatment", 10, 0)]
    dense = run(cfg, [village("a", 0, 0, population=2000)], [MAIN], fac, [town("t1", 0, 0, 1)])
    assert dense.at["a", "collection_model"] == "town_transfer"
    assert bool(dense.at["a", "covered"])
    sparse = run(cfg, [village("a", 0, 0, population=300)], [MAIN], fac, [town("t1", 0, 0, 1)])
    assert sparse.at["a", "collection_model"] == "village_collect"
    assert not bool(sparse.at["a", "covered"])
    assert "人口分散" in sparse.at["a", "model_reason"]
    assert sparse.at["a", "pop_within_radius"] == 300
    # a neighbour within 5 km adds its people: 300 + 1300 = 1600 >= 1500
    both = run(cfg, [village("a", 0, 0, population=300), village("b", 4, 0, population=1300)], [MAIN], fac,
               [town("t1", 0, 0, 1)])
    assert both.at["a", "pop_within_radius"] == 1600
    assert both.at["a", "collection_model"] == "town_transfer"


def test_village_collect_is_covered_only_with_village_treatment_in_range(cfg):
    v = run(cfg, [village("a", 0, 0, population=100), village("b", 20, 0, population=100)], [MAIN],
            [facility("village_treatment", 4.9, 0)], [town("t1", 0, 0, 1)])
    assert v.at["a", "collection_model"] == "village_collect" and bool(v.at["a", "covered"])
    assert v.at["b", "collection_model"] == "village_collect" and not bool(v.at["b", "covered"])


def test_isolated_island_is_unreachable_with_reason(cfg):
    island = ([(50, 50), (51, 50)], "水泥")
    res = run_pipeline({"villages": points([village("a", 0, 0), village("i", 50.5, 50.1)]),
                        "roads": roads(MAIN, island),
                        "facilities": points([facility("village_treatment", 50.6, 50)]),
                        "towns": points([town("t1", 0, 0, 1)])}, cfg)
    v = res.villages.set_index("village_code")
    assert v.at["i", "unreachable_reason_en"].startswith("isolated_island")
    assert v.at["i", "unreachable_reason"].startswith("位于道路孤岛：")
    assert v.at["i", "collection_model"] is None and not bool(v.at["i", "covered"])
    # distances on the island itself stay honest
    assert v.at["i", "net_dist_village_treatment_m"] == pytest.approx(100.0, abs=0.1)
    assert list(res.unreachable["village_code"]) == ["i"]
    assert res.summary["network"]["islands"] == 1


def test_village_far_from_any_road_is_flagged_not_assigned(cfg):
    res = run_pipeline({"villages": points([village("a", 0, 0), village("far", 5, 5)]),
                        "roads": roads(MAIN), "facilities": points([facility("transfer_station", 0, 0),
                                                                     facility("county_treatment", 1, 0)]),
                        "towns": points([town("t1", 0, 0, 1)])}, cfg)
    v = res.villages.set_index("village_code")
    assert v.at["far", "snap_dist_m"] == pytest.approx(5000.0, abs=0.1)
    assert v.at["far", "unreachable_reason_en"].startswith("far_from_road")
    assert v.at["far", "unreachable_reason"] == "距道路过远：距最近道路5.0公里，超过最大吸附距离2公里"
    assert v.at["far", "collection_model"] is None
    assert not bool(v.at["far", "covered"]) and not bool(v.at["far", "hardened_access"])
    assert "far" in set(res.unreachable["village_code"])
    assert v.at["a", "collection_model"] == "county_process"


def test_hardened_only_connectivity_and_pave_gap(cfg):
    # seat at 0; paved road 0→10 km; gravel 10→12 km; paved 12→20 km (a paved piece cut off by gravel)
    net = [([(0, 0), (10, 0)], "沥青"), ([(10, 0), (12, 0)], "砂石"), ([(12, 0), (20, 0)], "水泥"),
           ([(20, 0), (20, 3)], "土路")]
    v = run(cfg, [village("on", 5, 0.3), village("cut", 16, 0.1), village("end", 20, 3), village("gap", 11, 0.6)],
            net, None, [town("t1", 0, 0, 1)])
    assert bool(v.at["on", "hardened_access"]) and v.at["on", "pave_gap_m"] == 0
    # connected to the seat by road, but only through 2 km of gravel
    assert not bool(v.at["cut", "hardened_access"])
    assert v.at["cut", "pave_gap_m"] == pytest.approx(2000.0, abs=0.5)
    # 3 km of dirt to the cut-off paved piece, then 2 km of gravel
    assert v.at["end", "pave_gap_m"] == pytest.approx(5000.0, abs=0.5)
    # 600 m off the gravel road: 1 km of gravel to paved, plus 100 m beyond the 500 m access radius
    assert not bool(v.at["gap", "hardened_access"])
    assert v.at["gap", "pave_gap_m"] == pytest.approx(1100.0, abs=0.5)
    # paving the gravel link connects the cut-off piece
    net[1] = ([(10, 0), (12, 0)], "沥青")
    v = run(cfg, [village("cut", 16, 0.1)], net, None, [town("t1", 0, 0, 1)])
    assert bool(v.at["cut", "hardened_access"]) and v.at["cut", "pave_gap_m"] == 0


def test_access_requires_own_township_or_county_seat(cfg):
    # two paved networks; t2's seat is on the second, the county seat on the first
    net = [([(0, 0), (10, 0)], "沥青"), ([(0, 20), (10, 20)], "沥青"), ([(10, 0), (10, 20)], "土路")]
    towns = [town("t1", 0, 0, 1), town("t2", 0, 20, 0)]
    v = run(cfg, [village("a", 5, 20.1, town_code="t2"), village("b", 5, 0.1, town_code="t2"),
                  village("c", 5, 20.1, town_code="t1")], net, None, towns)
    assert bool(v.at["a", "hardened_access"])  # its own township seat
    assert bool(v.at["b", "hardened_access"])  # the county seat
    assert not bool(v.at["c", "hardened_access"])  # t1's seat is on the other paved network


def test_pave_gap_leads_to_the_network_that_gives_access(cfg):
    # two paved networks joined by 20 km of dirt; the county seat t1 on the first, t2's seat on the second
    net = [([(0, 0), (10, 0)], "沥青"), ([(0, 20), (10, 20)], "沥青"), ([(10, 0), (10, 20)], "土路")]
    v = run(cfg, [village("c", 5, 20.1, town_code="t1")], net, None, [town("t1", 0, 0, 1), town("t2", 0, 20, 0)])
    assert not bool(v.at["c", "hardened_access"])
    # access needs the 20 km of dirt paved; 0 m to pave would promise access for nothing
    assert v.at["c", "pave_gap_m"] == pytest.approx(20000.0, abs=0.5)


def test_node_tolerance_joins_near_miss_ends(cfg):
    near = [([(0, 0), (10, 0)], "沥青"), ([(10.0003, 0), (20, 0)], "沥青")]  # 0.3 m apart
    v = run(cfg, [village("a", 19, 0)], near, [facility("village_treatment", 0, 0)], [town("t1", 0, 0, 1)],
            d_village_m=30000)
    assert v.at["a", "net_dist_village_treatment_m"] == pytest.approx(19000.0, abs=1.0)
    apart = [([(0, 0), (10, 0)], "沥青"), ([(10.0015, 0), (20, 0)], "沥青")]  # 1.5 m apart: not joined
    res = run_pipeline({"villages": points([village("a", 19, 0)]), "roads": roads(*apart),
                        "facilities": points([facility("village_treatment", 0, 0)]),
                        "towns": points([town("t1", 0, 0, 1)])}, cfg.replace(island_max_length_m=1))
    assert math.isnan(res.villages.at[0, "net_dist_village_treatment_m"])


def test_parallel_roads_keep_the_shorter(cfg):
    net = [([(0, 0), (10, 0)], "沥青"), ([(0, 0), (5, 5), (10, 0)], "沥青")]
    v = run(cfg, [village("a", 10, 0)], net, [facility("village_treatment", 0, 0)], [town("t1", 0, 0, 1)],
            d_village_m=30000)
    assert v.at["a", "net_dist_village_treatment_m"] == pytest.approx(10000.0, abs=0.1)


def test_roads_join_at_shared_interior_vertex_but_not_at_crossings(cfg):
    # the branch ends on an interior vertex (5, 0) of the main road: a junction
    net = [([(0, 0), (5, 0), (10, 0)], "沥青"), ([(5, 0), (5, 5)], "沥青"),
           # crosses the main road at (7, 0) without a shared vertex: a bridge, no junction
           ([(7, -3), (7, 3)], "沥青")]
    v = run(cfg, [village("a", 5, 5), village("b", 7, 3)], net, [facility("village_treatment", 0, 0)],
            [town("t1", 0, 0, 1)], d_village_m=30000, island_max_length_m=1)
    assert v.at["a", "net_dist_village_treatment_m"] == pytest.approx(10000.0, abs=0.1)
    assert math.isnan(v.at["b", "net_dist_village_treatment_m"])


def test_out_of_scope_villages_are_not_counted(cfg):
    res = run_pipeline({"villages": points([village("a", 1, 0), village("b", 2, 0, village_class="搬迁撤并类"),
                                            village("c", 3, 0, village_class="空心村")]),
                        "roads": roads(MAIN), "facilities": points([facility("transfer_station", 0, 0),
                                                                     facility("county_treatment", 1, 0)]),
                        "towns": points([town("t1", 0, 0, 1)])}, cfg)
    assert list(res.villages["in_scope"]) == [True, False, False]
    region = res.tables["region"].iloc[0]
    assert region["n_admin"] == 3 and region["n_admin_in_scope"] == 1 and region["n_admin_covered"] == 1
    assert region["waste_coverage_pct"] == 100.0
