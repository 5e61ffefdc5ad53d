"""``ruralenv plan``: siting and paving equal brute-force optima on small instances; the plan, built and run
again through the product, gives the coverage it claims; curves are monotone; bounds and gaps are reported."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import GK_111, X0, Y0
from ruralenv.core.plan.paving import CURVE_TARGETS, instance, solve
from ruralenv.core.plan.siting import max_cover, min_sites

pytest.importorskip("highspy")


def _covered(a: sp.csr_matrix, sites) -> np.ndarray:
    return np.asarray(a[list(sites)].sum(axis=0)).ravel() > 0 if len(sites) else np.zeros(a.shape[1], bool)


def _random_cover(rng: np.random.Generator) -> tuple[sp.csr_matrix, np.ndarray]:
    nc, nv = int(rng.integers(4, 13)), int(rng.integers(8, 60))
    a = sp.csr_matrix(rng.random((nc, nv)) < rng.uniform(0.05, 0.35))
    return a, rng.integers(1, 60, nv).astype(float)


@pytest.mark.parametrize("seed", range(12))
def test_max_cover_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    a, w = _random_cover(rng)
    k = int(rng.integers(1, 5))
    best = max(w[_covered(a, s)].sum() for s in itertools.combinations(range(a.shape[0]), min(k, a.shape[0])))
    r = max_cover(a, w, k, time_limit=20)
    assert r.objective == pytest.approx(best)
    assert w[_covered(a, r.chosen)].sum() == pytest.approx(best)  # the sites deliver what is claimed
    assert len(r.chosen) <= k
    assert r.bound == pytest.approx(best) and r.gap == 0 and r.method == "exact"
    assert r.greedy_objective <= best + 1e-9
    assert np.all(np.diff(r.gained) <= 1e-9)  # ranked: each next site adds no more than the one before


@pytest.mark.parametrize("seed", range(12))
def test_min_sites_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    a, w = _random_cover(rng)
    group = rng.integers(0, 2, a.shape[1])
    reach = _covered(a, range(a.shape[0]))
    need = np.array([int(0.7 * ((group == g) & reach).sum()) for g in range(2)])

    def ok(s):
        cov = _covered(a, s)
        return all(((group == g) & cov).sum() >= need[g] for g in range(2))

    best = next(n for n in range(a.shape[0] + 1) if any(ok(s) for s in itertools.combinations(range(a.shape[0]), n)))
    r = min_sites(a, w, group, need, time_limit=20)
    assert r.objective == best == len(r.chosen)
    assert ok(r.chosen)
    assert r.bound == best and r.gap == 0


def _grid_network(rng: np.random.Generator, n_soft: int):
    """A 4 × 4 grid of 1-km roads (24 edges), ``n_soft`` of them unhardened, as a RoadNetwork."""
    import shapely
    from pyproj import CRS
    from ruralenv.core.network.graph import build_network

    lines, step = [], 1000.0
    for i in range(4):
        for j in range(3):
            lines.append(shapely.LineString([(X0 + j * step, Y0 + i * step), (X0 + (j + 1) * step, Y0 + i * step)]))
            lines.append(shapely.LineString([(X0 + i * step, Y0 + j * step), (X0 + i * step, Y0 + (j + 1) * step)]))
    # some lines bend so that lengths differ
    lines = [shapely.LineString([ln.coords[0], (np.mean([ln.coords[0][0], ln.coords[1][0]]) + rng.uniform(0, 400),
                                                np.mean([ln.coords[0][1], ln.coords[1][1]]) + rng.uniform(0, 400)),
                                 ln.coords[1]]) for ln in lines]
    hardened = np.ones(len(lines), bool)
    hardened[rng.choice(len(lines), n_soft, replace=False)] = False
    return build_network(np.array(lines, dtype=object), hardened, CRS(GK_111), 1.0)


@pytest.mark.parametrize("seed", range(4))
def test_paving_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    net = _grid_network(rng, n_soft=int(rng.integers(10, 15)))
    soft = np.flatnonzero(~net.edge_hardened)
    village_edge = rng.choice(net.n_edges, size=int(rng.integers(4, 9)), replace=True)
    root = np.array([int(np.argmin(net.node_x + net.node_y))])
    hard = np.flatnonzero(net.edge_hardened)
    # some villages also lie within reach of a hardened road of another network
    village_hard = np.where(rng.random(len(village_edge)) < 0.4, rng.choice(hard, len(village_edge)), -1)
    inst = instance(net, village_edge, root, have=0, total=len(village_edge), village_hard_edge=village_hard)
    results = solve(inst, CURVE_TARGETS, time_limit=20)
    best = {}
    for bits in range(1 << len(soft)):
        paved = np.array([(bits >> k) & 1 for k in range(len(soft))], bool)
        got, km = int(inst.satisfied(paved).sum()), inst.km(paved)
        best[got] = min(best.get(got, np.inf), km)
    for r in results:
        optimum = min(km for got, km in best.items() if got >= r.need)
        assert r.km == pytest.approx(optimum, abs=1e-3), (r.target, r.need)
        assert inst.satisfied(r.paved).sum() >= r.need
        assert r.bound_km <= r.km + 1e-9 and r.gap == 0 and r.method == "exact"
    assert [r.km for r in results] == sorted(r.km for r in results)  # monotone in the target


@pytest.fixture(scope="module")
def sample_plan(sample_results):
    from ruralenv.core.plan.run import PlanOptions, make_plan

    res, out = sample_results
    return res, out, make_plan(out / "results.gpkg", PlanOptions(time_limit=5))


def test_sample_plan_reaches_targets_and_rerun_agrees(sample_plan):
    res, _, outcome = sample_plan
    s = outcome.summary
    w, r = s["waste"], s["roads"]
    assert s["checked_by_rerun"]
    assert w["check"]["disagree"] == 0 and w["coverage_after_pct"] == w["coverage_claimed_pct"]
    assert r["check"]["disagree"] == 0 and r["coverage_after_pct"] == r["coverage_claimed_pct"]
    assert w["coverage_before_pct"] == res.tables["county"]["waste_coverage_pct"].iloc[0]
    assert w["coverage_after_pct"] >= 60.0 and r["coverage_after_pct"] >= 85.0
    assert w["sites"] == len(outcome.facilities.sites) == w["objective"] >= w["bound"]
    # the plan never needs more km than the sum of each village's cheapest gap, and fewer when stretches are shared
    assert r["km"] < res.tables["county"]["pave_km_2025"].iloc[0]
    for curve in r["curves"].values():
        kms = [row["km"] for row in curve]
        assert kms == sorted(kms)
        assert all(row["bound_km"] <= row["km"] + 1e-9 and row["gap"] >= 0 for row in curve)
    assert all("gap" in c and "bound_km" in c for c in r["counties"])
    zh = next(iter(s["sentences"].values()))["zh"]
    assert f"新增垃圾转运站{w['sites']}座，生活垃圾收运处置体系覆盖行政村比例由" in zh
    assert f"提高到{w['coverage_after_pct']:.1f}%，达到2025年60%以上目标" in zh
    assert f"新硬化道路{r['km']:.1f}公里，较大人口规模自然村通硬化路率由" in zh


def test_plan_fed_back_through_ruralenv_run(sample_plan, tmp_path):
    """Write the plan's layers to a GeoPackage and run the CLI on it: the coverage is the plan's claim."""
    import geopandas as gpd
    from ruralenv.core.cli.main import main
    from ruralenv.core.plan.check import plan_inputs
    from ruralenv.core.plan.roads import paved_roads

    _, _, outcome = sample_plan
    inp = outcome.inputs
    sites = outcome.facilities.sites.assign(name="planned")
    layers = plan_inputs(inp, sites, paved_roads(inp, outcome.paving.net, outcome.paving.edges))
    gpkg = tmp_path / "planned.gpkg"
    for kind, gdf in layers.items():
        gdf.to_file(gpkg, layer=kind, driver="GPKG")
    args = ["run", "--out", str(tmp_path / "out"), "--no-map", "-q", "--set", f"cache_dir={tmp_path / 'c'}"]
    for kind in layers:
        args += [f"--{kind}", f"{gpkg}:{kind}"]
    assert main(args) == 0
    v = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="villages")
    covered = v["covered"].fillna(False).astype(bool).to_numpy()
    access = v["hardened_access"].fillna(False).astype(bool).to_numpy()
    # the claim is made over the villages each indicator counts
    waste, roads = inp.waste_scope(), inp.road_scope()
    assert (covered[waste] == outcome.facilities.covered_after[waste]).all()
    assert (access[roads] == outcome.paving.access_after[roads]).all()
    assert covered[waste].sum() > inp.flag("covered")[waste].sum()


def test_cli_writes_plan_files(sample_results, tmp_path, capsys):
    import pyogrio
    from ruralenv.core.cli.main import main

    _, out = sample_results
    assert main(["plan", str(out / "results.gpkg"), "--out", str(tmp_path / "p"), "--sites", "2",
                 "--budget-km", "50", "--time-limit", "3", "-q", "--no-map"]) == 0
    names = {n for n, _ in pyogrio.list_layers(tmp_path / "p" / "plan.gpkg")}
    assert names == {"villages", "proposed_sites", "roads_to_pave", "roads_to_class3",  # 三级: issue 27
                     "sewage_projects", "sewage_pipes", "toilet_projects"}
    plan = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    assert plan["class3"]["seats_after_claimed"] >= plan["class3"]["seats_before"]
    assert plan["waste"]["sites"] <= 2 and plan["waste"]["mode"] == "sites"
    assert all(c["km"] <= 50 for c in plan["roads"]["counties"])
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "p" / "plan.xlsx", read_only=True)
    cells = {v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row}
    assert plan["waste"]["coverage_after_pct"] in cells or round(plan["waste"]["coverage_after_pct"], 2) in cells
    sites = pyogrio.read_dataframe(tmp_path / "p" / "plan.gpkg", layer="proposed_sites")
    assert list(sites["rank"]) == list(range(1, len(sites) + 1))
    assert {"facility_type", "villages_gained", "population_gained", "coverage_after_pct", "county_code"} <= set(sites)


def test_cli_bad_input_exits_2(tmp_path, capsys):
    from ruralenv.core.cli.main import main

    assert main(["plan", str(tmp_path / "nope.gpkg"), "--out", str(tmp_path / "p")]) == 2
    assert "nope.gpkg" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
