"""The stages on hand-made arrays, without files (the spopt way: models from cost arrays)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from ruralenv.core import Config, contract
from ruralenv.core.model.stages.access import Seats, access_by_seats, pave_gap
from ruralenv.core.model.stages.collection import assign_models, population_within, valid_stations
from ruralenv.core.model.stages.distances import multi_source
from ruralenv.core.model.stages.indicators import indicator_tables, summarise
from ruralenv.core.model.stages.villages import assemble
from ruralenv.core.network.graph import build_network
from ruralenv.core.network.snapping import Snapper, augmented_graph

INF = np.inf
CFG = Config()


def models(d_station, d_valid, haul, d_town, d_vtreat, pop, reachable=None, config=CFG):
    arrays = [np.asarray(a, float) for a in (d_station, d_valid, haul, d_town, d_vtreat, pop)]
    reach = np.ones(len(arrays[0]), bool) if reachable is None else np.asarray(reachable)
    return assign_models(*arrays, reach, config)


def test_collection_rule_in_order_from_distance_arrays():
    a = models(d_station=[5_000, 5_000, INF, INF, INF, INF],
               d_valid=[5_000, INF, INF, INF, INF, INF],
               haul=[40_000, INF, INF, INF, INF, INF],
               d_town=[1_000, 10_000, 10_000, 10_000, 90_000, 90_000],
               d_vtreat=[INF, INF, INF, INF, 2_000, INF],
               pop=[5_000, 5_000, 5_000, 100, 100, 100])
    assert list(a.model) == ["county_process", "town_transfer", "town_transfer", "village_collect",
                             "village_collect", "village_collect"]
    assert list(a.covered) == [True, True, True, False, True, False]
    # a station in reach whose haul is too long is named as the reason rule 1 failed
    assert "无旗县处理设施" in a.reason_zh[1] and "no county treatment" in a.reason_en[1]
    assert list(a.dispersed) == [False, False, False, True, True, True]


def test_unreachable_villages_get_no_model():
    a = models([0.0], [0.0], [0.0], [0.0], [0.0], [10_000], reachable=[False])
    assert a.model[0] is None and not a.covered[0] and a.reason_zh[0] is None


@pytest.mark.parametrize("setting, lower, upper", [("d_station_m", 5_000, 50_000), ("d_town_m", 5_000, 50_000),
                                                   ("d_village_m", 100, 10_000)])
def test_coverage_grows_with_each_distance_threshold(setting, lower, upper):
    rng = np.random.default_rng(4)
    n = 300
    d = [rng.uniform(0, 60_000, n) for _ in range(5)]
    pop = rng.uniform(0, 4_000, n)
    small = models(*d, pop, config=CFG.replace(**{setting: lower})).covered
    large = models(*d, pop, config=CFG.replace(**{setting: upper})).covered
    assert (large >= small).all() and large.sum() > small.sum()


def test_only_stations_within_the_haul_limit_are_valid():
    county_dist = np.array([0.0, 79_999.0, 80_001.0, INF])
    assert list(valid_stations(np.array([1, 2, 3]), county_dist, 80_000)) == [1]


def test_population_within_radius_counts_neighbours_once_and_itself():
    x = np.array([0.0, 3_000.0, 4_999.0, 20_000.0])
    pop = np.array([100.0, 200.0, 400.0, 800.0])
    got = population_within(x, np.zeros(4), pop, 5_000)
    assert list(got) == [700.0, 700.0, 700.0, 800.0]


def test_multi_source_distances_and_limit():
    import scipy.sparse as sp
    # a path 0 - 1 - 2 - 3 with 10 m edges
    m = sp.csr_matrix((np.full(3, 10.0), ([0, 1, 2], [1, 2, 3])), shape=(4, 4))
    d, src = multi_source(m, np.array([0, -1]), 4)
    assert list(d) == [0, 10, 20, 30] and list(src) == [0, 0, 0, 0]
    d, _ = multi_source(m, np.array([3]), 4, limit=15)
    assert list(d) == [INF, INF, 10, 0]
    d, src = multi_source(m, np.array([-1]), 4)
    assert np.isinf(d).all() and (src == -1).all()


def test_access_by_own_township_or_county_seat_only():
    seats = Seats(town_code=np.array(["t1", "t2"], object), county_code=np.array(["c", "c"], object),
                  is_county_seat=np.array([True, False]), hard_component=np.array([0, 1]))
    access = access_by_seats(np.array(["t2", "t2", "t1", None], object), np.array(["c"] * 4, object),
                             np.array([1, 0, 1, 1]), seats)
    # own seat's network; the county seat's network; another township's network (no); no township → any seat
    assert list(access) == [True, True, False, True]


def test_pave_gap_adds_the_off_road_metres_beyond_the_radius():
    gap = pave_gap(np.array([1_000.0, 1_000.0, 1_000.0]), np.array([False, True, False]),
                   np.array([True, True, False]), np.array([700.0, 10.0, 100.0]), 500.0)
    assert gap[0] == 1_200.0 and gap[1] == 0.0 and np.isnan(gap[2])


def village_table(**cols):
    n = len(next(iter(cols.values())))
    base = {"county_code": ["c"] * n, "is_admin_village": [True] * n, "in_scope": [True] * n,
            "covered": [False] * n, "is_larger": [True] * n, "hardened_access": [False] * n,
            "pave_gap_m": [np.nan] * n, "collection_model": [None] * n, "unreachable_reason": [None] * n,
            "near_non_green_mine": [False] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_indicators_count_in_scope_villages_only():
    v = village_table(covered=[True, True, False, True], in_scope=[True, True, True, False],
                      hardened_access=[True, False, False, True], pave_gap_m=[0.0, 300.0, 1_200.0, 0.0])
    s = summarise(v, CFG)
    assert (s["n_admin_in_scope"], s["n_admin_covered"]) == (3, 2)
    assert s["waste_coverage_pct"] == pytest.approx(66.67)
    assert s["waste_meets_2025"] and not s["roads_meets_2023"]
    # 1 of 3 larger in-scope villages has access; 85 % needs 3, so 2 more: the cheapest gaps 0.3 + 1.2 km
    assert (s["n_larger"], s["n_larger_access"], s["roads_gap_2025"]) == (3, 1, 2)
    assert s["pave_km_2025"] == pytest.approx(1.5)


def test_indicator_tables_per_county_and_township():
    v = village_table(county_code=["a", "a", "b"], town_code=["a1", "a2", "b1"], covered=[True, False, False])
    tables = indicator_tables(v, CFG, {"a": "甲旗"}, {"a1": "一镇"})
    assert list(tables["county"]["name"]) == ["甲旗", "b"]
    assert list(tables["county"]["n_admin_covered"]) == [1, 0]
    assert len(tables["town"]) == 3 and tables["region"]["n_villages"].iat[0] == 3
    assert set(tables["county"].columns) <= {c.name for c in contract.INDICATOR_COLUMNS
                                             + contract.SANITATION_INDICATOR_COLUMNS
                                             + contract.ROADS_WASTE_INDICATOR_COLUMNS}


def test_snapper_on_hand_made_lines():
    # on the zone's central meridian (scale factor 1), about 39.7°N
    x0, y0 = 500_000.0, 4_400_000.0
    lines = np.array([shapely.LineString([(x0, y0), (x0 + 1_000, y0)]),
                      shapely.LineString([(x0 + 1_000, y0), (x0 + 1_000, y0 + 1_000)])])
    net = build_network(lines, np.array([True, False]), "EPSG:4546", 1.0)
    snap = Snapper(net, lines, "EPSG:4546").snap(x0 + np.array([300.0, 1_010.0, 5_000.0]),
                                                 y0 + np.array([40.0, 600.0, 0.0]), max_dist_m=100)
    assert list(snap.ok) == [True, True, False]
    np.testing.assert_allclose(snap.dist_m[:2], [40.0, 10.0], rtol=1e-3)
    aug = augmented_graph(net, snap)
    d, _ = multi_source(aug.matrix(), aug.point_node[:1], aug.n_nodes)
    # 700 m to the corner, then 600 m up the second road (metres on the ellipsoid, so within 0.1 %)
    assert d[aug.point_node[1]] == pytest.approx(1_300.0, rel=1e-3)


def test_assembly_refuses_a_column_the_contract_does_not_declare():
    import geopandas as gpd
    v = gpd.GeoDataFrame({"village_code": ["1"]}, geometry=[shapely.Point(0, 0)])
    out = assemble(v, {"covered": np.array([True])})
    assert list(out.columns) == ["village_code", "covered", "geometry"]
    with pytest.raises(KeyError, match="not in the output contract"):
        assemble(v, {"covered_typo": np.array([True])})
