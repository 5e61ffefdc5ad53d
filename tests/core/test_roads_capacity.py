"""Issue 27: the two road gradings, township seats on Class III roads, and facilities with a capacity.

Class III access and gaps are checked against networkx on the subgraph of roads of 三级 or better; the
capacity-aware assignment against brute force; the loads against the villages' waste.
"""
from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from helpers import GK_111, X0, Y0, points, town, village
from ruralenv.core import Config
from ruralenv.core.io.grades import admin_from_ref, road_gradings
from ruralenv.core.model.analysis import analyse
from ruralenv.core.model.assign import assign_within_capacity
from shapely.geometry import LineString

GRADES = ("二级", "三级", "四级", "等外", None)


# --- gradings ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("ref", "admin"), [("G109", "国道"), ("S215", "省道"), ("X601", "县道"), ("Y012", "乡道"),
                                            ("C003", "村道"), ("Z101", "专用公路"), ("g6;S31", "国道"),
                                            ("109", None), ("Gxx", None), (None, None)])
def test_ref_prefix_gives_the_administrative_class(ref, admin):
    assert admin_from_ref(pd.Series([ref], dtype=object))[0] == admin


def test_one_grade_field_is_split_into_the_two_gradings():
    roads = pd.DataFrame({"grade": ["县道", "三级公路", "高速", "机耕路", None],
                          "ref": [None, "X601", None, None, "Y012"]})
    g = road_gradings(roads)
    assert list(g.admin_class) == ["县道", "县道", None, None, "乡道"]
    assert list(g.tech_grade) == [None, "三级", "高速公路", None, None]
    assert list(g.from_ref) == [False, True, False, False, True]
    assert list(g.class3) == [False, True, True, False, False]


def test_unknown_values_are_reported_and_highway_maps_only_with_the_setting():
    roads = pd.DataFrame({"tech_grade": ["三级", "很好"], "highway": ["primary", "secondary"]})
    g = road_gradings(roads)
    assert g.unknown == [(1, "tech_grade", "很好")]
    assert list(g.tech_grade) == ["三级", None]
    assert list(road_gradings(roads, tech_grade_from_highway=True).tech_grade) == ["三级", "三级"]


def _sample_roads_named(field: str) -> gpd.GeoDataFrame:
    from conftest import SAMPLE

    return gpd.read_file(SAMPLE, layer="roads").rename(columns={"grade": field})


@pytest.mark.parametrize("field", ["技术等级", "行政等级", "等级"])
def test_old_grade_fields_read_as_before(field, cfg):
    """Files that named today's grade field 技术等级 or 行政等级 harden the same roads and keep ``grade``."""
    from conftest import SAMPLE
    from ruralenv.core.model.prepare import read_inputs

    layers, _, _ = read_inputs({"roads": _sample_roads_named(field)}, cfg, required=("roads",))
    before, _, _ = read_inputs({"roads": f"{SAMPLE}:roads"}, cfg, required=("roads",))
    got, want = layers["roads"].gdf, before["roads"].gdf
    assert list(got["hardened"]) == list(want["hardened"])
    assert list(got["grade"]) == list(want["grade"])
    assert list(got["admin_class"]) == list(want["admin_class"])
    assert set(want["admin_class"].dropna()) == {"乡道", "村道", "县道"}
    assert got["tech_grade"].isna().all()


# --- township seats on Class III roads ------------------------------------------------------------------------
def _grid(rng: np.random.Generator, n: int = 5, spacing_km: float = 2.0, jitter_km: float = 0.3):
    """A jittered n×n grid of roads, one line per edge, each of a random technical grade."""
    xy = {(i, j): (i * spacing_km + rng.uniform(-jitter_km, jitter_km), j * spacing_km +
                   rng.uniform(-jitter_km, jitter_km)) for i in range(n) for j in range(n)}
    edges = [((i, j), (i + 1, j)) for i in range(n - 1) for j in range(n)] + \
            [((i, j), (i, j + 1)) for i in range(n) for j in range(n - 1)]
    grades = [GRADES[k] for k in rng.integers(0, len(GRADES), len(edges))]
    geoms = [LineString([(X0 + xy[a][0] * 1000, Y0 + xy[a][1] * 1000), (X0 + xy[b][0] * 1000, Y0 + xy[b][1] * 1000)])
             for a, b in edges]
    roads = gpd.GeoDataFrame({"surface": "沥青", "tech_grade": grades}, geometry=geoms, crs=GK_111)
    return xy, edges, grades, roads


def _expected(edges, grades, lengths, seats, county_seat):
    """networkx: access through the subgraph of ≥ 三级 roads, gaps by a 0-weight search from that network."""
    good = {"二级", "三级"}
    g3 = nx.Graph([(a, b) for (a, b), gr in zip(edges, grades, strict=True) if gr in good])
    full = nx.Graph()
    for (a, b), gr, length in zip(edges, grades, lengths, strict=True):
        full.add_edge(a, b, w=0.0 if gr in good else length, unknown=gr is None, length=length)
    target = nx.node_connected_component(g3, county_seat) if county_seat in g3 else set()
    out = []
    for s in seats:
        if s in target:
            out.append((True, 0.0, 0.0))
            continue
        if not target:
            out.append((False, np.nan, np.nan))
            continue
        _, path = nx.multi_source_dijkstra(full, target, s, weight="w")
        below = unknown = 0.0
        for a, b in itertools.pairwise(path):
            e = full.edges[a, b]
            if e["w"] > 0:
                unknown += e["length"] if e["unknown"] else 0.0
                below += 0.0 if e["unknown"] else e["length"]
        out.append((False, below, unknown))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_class3_access_and_gaps_equal_networkx(seed, cfg):
    rng = np.random.default_rng(seed)
    xy, edges, grades, roads = _grid(rng)
    nodes = list(xy)
    picks = [nodes[k] for k in rng.choice(len(nodes), 6, replace=False)]
    towns = points([town(f"t{k}", *xy[node], seat=int(k == 0)) for k, node in enumerate(picks)])
    villages = points([village("v1", *xy[nodes[0]])])
    res = analyse({"villages": villages, "roads": roads, "towns": towns}, cfg)
    lengths = res.roads["length_m"].to_numpy()
    want = _expected(edges, grades, lengths, picks, picks[0])
    got = res.towns[["class3_access", "class3_gap_m", "class3_gap_unknown_m"]].to_numpy()
    for (acc, below, unknown), row in zip(want, got, strict=True):
        assert bool(row[0]) == acc
        np.testing.assert_allclose([row[1], row[2]], [below, unknown], atol=0.15, equal_nan=True)
    county = res.tables["county"].iloc[0]
    assert county["n_town_seats"] == 5
    assert county["n_town_seats_class3"] == sum(acc for acc, _, _ in want[1:])
    assert county["town_class3_target_pct"] is None or pd.isna(county["town_class3_target_pct"])


def test_class3_target_is_compared_when_set(cfg):
    rng = np.random.default_rng(3)
    xy, _, _, roads = _grid(rng)
    nodes = list(xy)
    towns = points([town("a", *xy[nodes[0]], seat=1), town("b", *xy[nodes[-1]])])
    res = analyse({"villages": points([village("v1", *xy[nodes[0]])]), "roads": roads, "towns": towns},
                  cfg.replace(target_town_class3_pct=50.0))
    region = res.tables["region"].iloc[0]
    assert region["town_class3_target_pct"] == 50.0
    assert region["town_class3_meets"] == (region["town_class3_pct"] >= 50.0)


# --- capacity ---------------------------------------------------------------------------------------------------
def _brute(vi, fi, dd, waste, cap, groups):
    """Best (villages assigned, -metres) over every assignment of each village to one of its pairs or none."""
    options = {}
    for k, v in enumerate(vi):
        options.setdefault(int(v), [None]).append(k)
    best = None
    for combo in itertools.product(*options.values()):
        load = np.zeros(len(cap))
        metres = 0.0
        for k in combo:
            if k is None:
                continue
            load[fi[k]] += waste[vi[k]]
            if groups is not None and groups[k] >= 0:
                load[groups[k]] += waste[vi[k]]
            metres += dd[k]
        if (load <= cap + 1e-9).all():
            score = (sum(k is not None for k in combo), -round(metres, 6))
            best = score if best is None or score > best else best
    return best


@pytest.mark.parametrize("seed", range(12))
def test_capacity_assignment_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_v, n_f = 6, 3
    pairs = [(v, f) for v in range(n_v) for f in range(n_f) if rng.random() < 0.6]
    vi = np.array([v for v, _ in pairs], np.int64)
    fi = np.array([f for _, f in pairs], np.int64)
    dd = rng.uniform(100, 20000, len(pairs)).round(1)
    waste = rng.uniform(0.1, 2.0, n_v).round(2)
    cap = np.r_[rng.uniform(0.5, 4.0, n_f).round(2), [3.0]]  # the last row is a plant all stations haul to
    groups = np.full(len(pairs), n_f) if seed % 2 else None
    chosen, _ = assign_within_capacity(vi, fi, dd, waste, cap, groups)
    load = np.bincount(chosen[chosen >= 0], weights=waste[chosen >= 0], minlength=len(cap))
    assert (load[:n_f] <= cap[:n_f] + 1e-9).all()
    if groups is not None:
        assert load[:n_f].sum() <= cap[n_f] + 1e-9
    metres = sum(dd[k] for k in range(len(pairs)) if chosen[vi[k]] == fi[k])
    assert (int((chosen >= 0).sum()), -round(metres, 6)) == _brute(vi, fi, dd, waste, cap, groups)


def test_unlimited_capacities_choose_the_nearest():
    vi, fi = np.array([0, 0, 1]), np.array([0, 1, 1])
    chosen, info = assign_within_capacity(vi, fi, np.array([5.0, 3.0, 9.0]), np.ones(2), np.full(2, np.inf))
    assert list(chosen) == [1, 1]
    assert info["parts_solved_exactly"] == 0


def test_loads_add_up_on_the_sample(sample_results):
    res = sample_results[0]
    v, f = res.villages, res.facilities
    waste = v["waste_tpd"].to_numpy(float)
    served = v["treatment_name"].notna().to_numpy()
    assert served.sum() == int(v["covered"].sum())
    by_type = f.groupby("facility_type")["load_tpd"].sum()
    assert by_type["county_treatment"] == pytest.approx(by_type["transfer_station"], abs=1e-3)
    treated = by_type[["county_treatment", "town_treatment", "village_treatment"]].sum()
    assert treated == pytest.approx(waste[served].sum(), abs=1e-3)
    residents = v["resident_population"].fillna(v["population"]).fillna(0)
    assert waste.sum() == pytest.approx((residents * 0.2 / 1000).sum(), rel=1e-6)


def test_capacity_aware_with_unlimited_capacities_gives_the_plain_run(tmp_path):
    """Every value of the villages and counties equals the plain run's (which test_golden pins)."""
    from conftest import SAMPLE
    from golden.make_golden import KINDS, golden_layers

    inputs: dict = {k: f"{SAMPLE}:{k}" for k in KINDS}
    inputs["facilities"] = gpd.read_file(SAMPLE, layer="facilities").assign(capacity_tpd=np.nan)
    plain = golden_layers(analyse(inputs, Config(cache_dir=str(tmp_path / "c"))))
    res = analyse(inputs, Config(cache_dir=str(tmp_path / "c"), capacity_aware=True))
    aware = golden_layers(res)
    for name in ("villages", "counties", "facilities"):
        pd.testing.assert_frame_equal(aware[name], plain[name], obj=name)
    assert res.summary["capacity_assignment"]["county_process"]["parts_solved_exactly"] == 0


def test_capacity_aware_keeps_every_facility_within_capacity(tmp_path):
    from conftest import SAMPLE
    from golden.make_golden import KINDS

    inputs = {k: f"{SAMPLE}:{k}" for k in KINDS}
    facilities = gpd.read_file(SAMPLE, layer="facilities")
    facilities.loc[facilities["facility_type"] == "transfer_station", "capacity_tpd"] = 0.6
    facilities.loc[facilities["facility_type"] == "village_treatment", "capacity_tpd"] = 0.3
    inputs["facilities"] = facilities
    plain = analyse(inputs, Config(cache_dir=str(tmp_path / "c")))
    aware = analyse(inputs, Config(cache_dir=str(tmp_path / "c"), capacity_aware=True))
    assert plain.facilities["over_capacity"].any()
    assert plain.villages["served_over_capacity"].any()
    assert not aware.facilities["over_capacity"].any()
    assert not aware.villages["served_over_capacity"].any()
    pushed = aware.villages["model_reason"].fillna("").str.contains("capacity")
    assert pushed.any()
    before = plain.villages["collection_model"].to_numpy(object)
    after = aware.villages["collection_model"].to_numpy(object)
    tiers = {"county_process": 0, "town_transfer": 1, "village_collect": 2}
    assert all(tiers[a] >= tiers[b] for a, b in zip(after[pushed], before[pushed], strict=True))
    assert aware.summary["capacity_assignment"]["county_process"]["status"] == "optimal"
    region = plain.tables["region"].iloc[0]
    assert region["waste_coverage_within_capacity_pct"] < region["waste_coverage_pct"]


def _tight_inputs():
    from conftest import SAMPLE
    from golden.make_golden import KINDS

    inputs = {k: f"{SAMPLE}:{k}" for k in KINDS}
    facilities = gpd.read_file(SAMPLE, layer="facilities")
    for kind, tpd in (("transfer_station", 0.6), ("town_treatment", 100.0), ("village_treatment", 0.3)):
        facilities.loc[facilities["facility_type"] == kind, "capacity_tpd"] = tpd
    inputs["facilities"] = facilities
    return inputs


def _whole_graph_pairs(matrix, sources, village_node, limit, part):
    """The pairs searched on the whole graph from every source (no parts), as an independent reference."""
    from scipy.sparse.csgraph import dijkstra

    ok = np.flatnonzero(village_node >= 0)
    d = np.atleast_2d(dijkstra(matrix, directed=False, indices=sources, limit=limit))[:, village_node[ok]]
    f, v = np.nonzero(d <= limit)
    return ok[v], f, d[f, v]


CAPACITY_COLUMNS = ("collection_model", "covered", "model_reason", "model_reason_en", "station_name",
                    "station_dist_m", "treatment_name", "treatment_dist_m", "served_over_capacity")


def test_searching_only_where_capacity_binds_gives_the_whole_graph_assignment(tmp_path, monkeypatch):
    """The capacity-aware run searches pairs part by part and only where a capacity may bind (nearest facility
    elsewhere); every village–facility pair searched on the whole graph gives the same assignment."""
    from ruralenv.core.model.stages import capacity

    inputs = _tight_inputs()
    cfg = Config(cache_dir=str(tmp_path / "c"), capacity_aware=True)
    searched = []
    search = capacity.pair_distances
    monkeypatch.setattr(capacity, "pair_distances", lambda *a: searched.append(search(*a)) or searched[-1])
    fast = analyse(inputs, cfg)
    solve = fast.summary["capacity_assignment"]
    assert sum(t["parts_solved_exactly"] for t in solve.values()) > 0
    # no town plant can fill up: that tier searches nothing, its villages take their nearest plant
    assert [len(vi) > 0 for vi, _, _ in searched] == [True, False, True]
    assert solve["town_transfer"]["pairs"] > 0
    monkeypatch.setattr(capacity, "pair_distances", _whole_graph_pairs)
    monkeypatch.setattr(capacity, "binding_parts", lambda part, *a: np.ones(int(part.max()) + 1, bool))
    ref = analyse(inputs, cfg)
    pd.testing.assert_frame_equal(fast.villages[list(CAPACITY_COLUMNS)], ref.villages[list(CAPACITY_COLUMNS)])
    pd.testing.assert_frame_equal(fast.facilities, ref.facilities)


# --- plans ------------------------------------------------------------------------------------------------------
def test_class3_upgrade_plan_connects_every_seat_when_built(sample_results):
    from ruralenv.core.model.stages.class3 import class3_of_towns
    from ruralenv.core.plan.class3 import class3_projects, plan_class3
    from ruralenv.core.plan.problem import load_results, road_network

    inp = load_results(sample_results[1] / "results.gpkg")
    assert not inp.towns["class3_access"].any()  # the sample gives no 技术等级
    up = plan_class3(inp, time_limit=5.0)
    assert up.access_after.all()
    row = up.counties.iloc[0]
    assert row["bound_km"] <= row["km"] == pytest.approx(up.pieces["length_m"].sum() / 1000, abs=0.01)
    assert row["cost_wan"] == pytest.approx(row["km"] * inp.config.cost_upgrade_class3_wan_per_km, abs=0.1)
    net = road_network(inp)
    built = inp.roads.copy()
    lines = np.unique(net.edge_line[up.edges])
    built.loc[lines, "class3_road"] = True
    built.loc[lines, "tech_grade"] = "三级"
    after = class3_of_towns(net, built, inp.towns, inp.crs, inp.config.access_radius_m, inp.config.max_snap_m)
    assert after.class3_access.all()
    projects = class3_projects(up)
    assert projects["investment_wan"].sum() == pytest.approx(row["cost_wan"])


def test_site_capacity_limits_what_new_sites_cover(sample_results):
    from ruralenv.core.plan.facilities import plan_facilities
    from ruralenv.core.plan.problem import load_results

    inp = load_results(sample_results[1] / "results.gpkg")
    free = plan_facilities(inp, sites=3, time_limit=5.0)
    capped = plan_facilities(inp, sites=3, time_limit=5.0, site_capacity_tpd=0.3)
    gained_free = int((free.covered_after & ~inp.flag("covered")).sum())
    gained = capped.covered_after & ~inp.flag("covered")
    assert 0 < gained.sum() < gained_free
    residents = inp.villages["resident_population"].fillna(inp.villages["population"]).fillna(0).to_numpy(float)
    assert (residents[gained] * inp.config.waste_kg_per_person_day / 1000).sum() <= 3 * 0.3 + 1e-9
