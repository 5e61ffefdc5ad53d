"""The sewage plan: least cost equals a brute force over every subset and grouping; 连片 only when it pays."""
from __future__ import annotations

import math

import numpy as np
import pytest
from ruralenv.core.base.config import Config
from ruralenv.core.plan.sewage import cheapest_alone, group_options, join, own_options, solve_sewage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree


def _plant(q: float, c: Config) -> float:
    """Capital + running over the horizon of a plant of q t/d, written out from the issue's formula."""
    capex = c.cost_plant_fixed_wan + c.cost_plant_wan_per_tpd * q ** c.cost_plant_scale_exp
    return capex + c.opex_plant_wan_per_tpd_year * q * c.cost_horizon_years


def _size(residents: float, flow: float, c: Config) -> float:
    if residents >= c.sewage_central_residents:
        return max(c.sewage_central_min_tpd, math.ceil(flow / c.sewage_size_step_tpd - 1e-9) * c.sewage_size_step_tpd)
    return max(1, math.ceil(flow / c.sewage_small_tpd - 1e-9)) * c.sewage_small_tpd


def _alone(i: int, res, hh, flow, conc, sewer, c: Config) -> float:
    costs = []
    if sewer[i] <= c.d_sewer_m:
        costs.append(c.cost_sewer_connect_fixed_wan + c.cost_pipe_wan_per_km * sewer[i] * c.pipe_route_factor / 1000)
    if res[i] < c.sewage_small_residents and not conc[i]:
        costs.append(c.cost_resource_use_wan_per_household * hh[i])
    elif res[i] >= c.sewage_central_residents and conc[i]:
        costs.append(_plant(_size(res[i], flow[i], c), c))
    else:
        costs.append(_plant(max(1, math.ceil(flow[i] / c.sewage_small_tpd - 1e-9)) * c.sewage_small_tpd, c))
    return min(costs)


def _block_cost(block: tuple[int, ...], dist: np.ndarray, res, flow, c: Config) -> float:
    """A shared plant for ``block``: inf unless its road links within the cap connect it; pipes on the MST."""
    idx = list(block)
    sub = np.where(dist[np.ix_(idx, idx)] <= c.cluster_max_pipe_m, dist[np.ix_(idx, idx)], 0)
    if connected_components(csr_matrix(sub), directed=False)[0] > 1:
        return math.inf
    pipe = minimum_spanning_tree(csr_matrix(sub)).sum()
    return _plant(_size(res[idx].sum(), flow[idx].sum(), c), c) + c.cost_pipe_wan_per_km * pipe / 1000


def _brute_force(n, dist, res, hh, flow, conc, sewer, quotas, c: Config) -> float:
    """Least cost over every subset treated × every grouping of it (a DP over subsets, every partition)."""
    block = {}
    for mask in range(1, 1 << n):
        members = tuple(i for i in range(n) if mask >> i & 1)
        block[mask] = (_alone(members[0], res, hh, flow, conc, sewer, c) if len(members) == 1
                       else _block_cost(members, dist, res, flow, c))
    best = [math.inf] * (1 << n)
    best[0] = 0.0
    for mask in range(1, 1 << n):
        low = mask & -mask
        sub = mask
        while sub:
            if sub & low:
                best[mask] = min(best[mask], block[sub] + best[mask ^ sub])
            sub = (sub - 1) & mask
    out = math.inf
    for mask in range(1 << n):
        if all(sum(mask >> i & 1 for i in v) >= k for v, k in quotas):
            out = min(out, best[mask])
    return out


def _instance(seed: int, n: int):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2500, (n, 2))
    dist = 1.2 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    res = rng.integers(150, 900, n).astype(float)
    hh = np.round(res / 2.5)
    flow = res * 0.036
    conc = rng.random(n) < 0.5
    sewer = np.where(rng.random(n) < 0.3, rng.uniform(300, 3000, n), np.inf)
    zone = rng.random(n) < 0.4
    quotas = [(np.flatnonzero(zone), int(rng.integers(0, zone.sum() + 1))), (np.arange(n), int(rng.integers(1, n)))]
    return dist, res, hh, flow, conc, sewer, quotas


def _options(n, dist, res, hh, flow, conc, sewer, c: Config):
    own = own_options(res, hh, flow, conc, sewer, c)
    i, j = np.triu_indices(n, 1)
    return join(own, group_options(res, flow, i, j, dist[i, j], cheapest_alone(n, own), c, max_size=n))


@pytest.mark.parametrize("seed", range(8))
def test_sewage_plan_equals_brute_force(seed):
    n = 8
    c = Config(cost_pipe_wan_per_km=8.0 if seed % 2 else 25.0)
    dist, res, hh, flow, conc, sewer, quotas = _instance(seed, n)
    opt = _options(n, dist, res, hh, flow, conc, sewer, c)
    r = solve_sewage(n, opt, quotas, time_limit=20)
    assert r.cost == pytest.approx(_brute_force(n, dist, res, hh, flow, conc, sewer, quotas, c), rel=1e-9, abs=1e-6)
    assert r.method == "exact" and r.gap == 0 and r.bound <= r.cost + 1e-9
    treated = np.zeros(n, int)
    for k in r.chosen:
        treated[list(opt.members[k])] += 1
    assert treated.max() <= 1
    assert all(treated[v].sum() >= k for v, k in quotas)


def _pair(metres: float, c: Config):
    """Two villages of 400 residents each, ``metres`` apart by road, one must... both must be treated."""
    res, hh = np.array([400.0, 400.0]), np.array([160.0, 160.0])
    flow = res * c.water_use_l_per_person_day * c.sewage_discharge_coefficient / 1000
    own = own_options(res, hh, flow, np.array([True, True]), np.full(2, np.inf), c)
    opt = join(own, group_options(res, flow, np.array([0]), np.array([1]), np.array([metres]),
                                  cheapest_alone(2, own), c))
    return opt, solve_sewage(2, opt, [(np.arange(2), 2)], time_limit=5)


def test_shared_plant_when_cheaper_apart_when_pipes_dear():
    c = Config()
    opt, r = _pair(200.0, c)
    assert [len(opt.members[k]) for k in r.chosen] == [2]  # 连片: one plant of 30 t/d and 200 m of pipe
    assert opt.pipe_m[r.chosen[0]] == 200.0 and opt.capacity_tpd[r.chosen[0]] == 30.0
    dear = c.replace(cost_pipe_wan_per_km=200.0)
    opt, r = _pair(200.0, dear)
    assert sorted(len(opt.members[k]) for k in r.chosen) == [1, 1]
    far = c.replace(cluster_max_pipe_m=150.0)  # beyond the cap the group is not even a candidate
    opt, r = _pair(200.0, far)
    assert all(len(m) == 1 for m in opt.members)


def test_budget_treats_most_villages_zone_first():
    c = Config()
    n = 6
    res = np.full(n, 500.0)
    flow = res * 0.036
    own = own_options(res, res / 2.5, flow, np.ones(n, bool), np.full(n, np.inf), c)
    one = float(own.cost[0])
    r = solve_sewage(n, own, [(np.array([4, 5]), 2), (np.arange(n), 3)], time_limit=5, budget=2.5 * one)
    chosen = sorted(own.members[k][0] for k in r.chosen)
    assert chosen == [4, 5]  # two fit; the zone's villages first


@pytest.fixture(scope="module")
def sample_sewage(sample_results, tmp_path_factory):
    """``ruralenv plan --only sewage`` on the sample with pipes cheap enough for shared plants."""
    import json

    from ruralenv.core.cli.main import main

    _, out = sample_results
    dest = tmp_path_factory.mktemp("sewage") / "p"
    assert main(["plan", str(out / "results.gpkg"), "--out", str(dest), "--only", "sewage", "--no-map", "-q",
                 "--set", "cost_pipe_wan_per_km=2", "--set", "cluster_max_pipe_m=5000"]) == 0
    return out, dest, json.loads((dest / "plan.json").read_text(encoding="utf-8"))


def test_sample_sewage_plan_meets_targets_and_prices_every_row(sample_sewage):
    import geopandas as gpd

    out, dest, plan = sample_sewage
    c = Config(cost_pipe_wan_per_km=2.0, cluster_max_pipe_m=5000.0)
    s = plan["sewage"]
    assert s["method"] == "exact" and s["gap_pct"] == 0 and s["bound_wan"] <= s["cost_wan"] + 1e-6
    assert s["check"]["disagree"] == 0 and s["rate_after_pct"] >= s["target_pct"] > s["rate_before_pct"]
    for zone in s["zones"]:
        assert zone["rate_after_pct"] >= zone["target_pct"]
    assert s["groups"] >= 1 and s["pipe_km"] > 0  # with pipes this cheap some neighbours share a plant
    p = gpd.read_file(dest / "plan.gpkg", layer="sewage_projects")
    q, pipe = p["capacity_tpd"].to_numpy(float), p["pipe_m"].to_numpy(float)
    plant = np.where(q > 0, c.cost_plant_fixed_wan + c.cost_plant_wan_per_tpd * q ** c.cost_plant_scale_exp, 0.0)
    fixed = np.where(p["kind"] == "sewer_connect", c.cost_sewer_connect_fixed_wan, 0.0)
    v = gpd.read_file(out / "results.gpkg", layer="villages").set_index("village_code")
    hh = np.array([v.loc[codes, "households"] if k == "resource_use" else 0.0
                   for codes, k in zip(p["village_codes"], p["kind"], strict=True)], float)
    expect = plant + c.cost_pipe_wan_per_km * pipe / 1000 + fixed + c.cost_resource_use_wan_per_household * hh
    assert p["capex_wan"].to_numpy() == pytest.approx(expect, abs=1e-3)
    assert p["opex_wan_per_year"].to_numpy() == pytest.approx(c.opex_plant_wan_per_tpd_year * q, abs=1e-3)
    shared = p[p["village_codes"].str.contains(",")]
    pipes = gpd.read_file(dest / "plan.gpkg", layer="sewage_pipes")
    assert set(pipes["project_id"]) == set(shared["project_id"])
    assert pipes.groupby("project_id")["length_m"].sum().to_numpy() == pytest.approx(
        shared.set_index("project_id").loc[sorted(set(pipes["project_id"])), "pipe_m"].to_numpy(), abs=0.5)
    # the pipes are drawn along the roads: each line's drawn length is its road metres (up to the grid's
    # scale factor, under 1e-3 in the run's transverse Mercator), not the chord between graph nodes
    drawn = pipes.geometry.length.to_numpy()
    assert drawn == pytest.approx(pipes["length_m"].to_numpy(), rel=1e-3, abs=0.2)
    roads = gpd.read_file(out / "results.gpkg", layer="roads").to_crs(pipes.crs)
    assert pipes.geometry.buffer(0.5).within(roads.geometry.buffer(1.0).union_all()).all()
    villages = gpd.read_file(dest / "plan.gpkg", layer="villages")
    assert villages["sewage_project_id"].notna().sum() == s["villages_treated"] == p["villages"].sum()


def test_project_list_sums_to_investment_and_plan_json(sample_results, tmp_path):
    import json

    import pandas as pd
    from ruralenv.core.cli.main import main

    _, out = sample_results
    assert main(["plan", str(out / "results.gpkg"), "--out", str(tmp_path / "p"), "--no-map", "-q",
                 "--time-limit", "3", "--sites", "2", "--budget-km", "20",
                 "--set", "region_households_lacking_toilet=400000"]) == 0
    plan = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    books = pd.read_excel(tmp_path / "p" / "plan.xlsx", sheet_name=None, header=1)
    items, totals = books["项目库 projects"], books["投资估算汇总 investment"]
    assert set(items["pillar"]) == {"厕所", "污水", "垃圾", "道路"}
    pillars = {"厕所": "toilets", "污水": "sewage", "垃圾": "waste", "道路": "roads"}
    by = items.groupby("pillar")["investment (10,000 CNY)"].sum()
    last = totals.iloc[-1]
    for zh_name, key in pillars.items():
        assert by[zh_name] == pytest.approx(plan["investment"]["by_pillar"][key], abs=0.01)
        assert last[f"{key} (10,000 CNY)"] == pytest.approx(by[zh_name], abs=0.01)
    assert plan["investment"]["total_wan"] == pytest.approx(items["investment (10,000 CNY)"].sum(), abs=0.01)
    sentence = next(iter(plan["sentences"].values()))["zh"]
    assert sentence.endswith(f"共需投资约{plan['investment']['total_wan']:.0f}万元。")
    t = plan["toilets"]
    assert t["households"] == items.loc[items["pillar"] == "厕所", "scale"].str.rstrip("户").astype(int).sum()
    assert t["rate_after_pct"] > t["rate_before_pct"]
