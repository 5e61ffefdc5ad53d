"""Anchor: pysal spopt's maximal covering model (PuLP + CBC over a dense distance matrix) on the sample county
gives the same objective as the planner's sparse coverage sets + HiGHS. Needs the ``compare`` extra
(``pip install -e '.[compare]'``); skipped without it."""
from __future__ import annotations

import time

import numpy as np
import pytest

spopt_locate = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 3, 6])
def test_same_objective_as_spopt_mclp(sample_results, k, capsys):
    from ruralenv.core.base.progress import NullProgress
    from ruralenv.core.model.prepare import point_xy
    from ruralenv.core.plan.coverage import nearest_within
    from ruralenv.core.plan.facilities import coverage_matrix, default_candidates
    from ruralenv.core.plan.problem import load_results, road_network, snap_groups
    from ruralenv.core.plan.siting import max_cover
    from scipy.sparse.csgraph import dijkstra

    _, out = sample_results
    inp = load_results(out / "results.gpkg")
    c = inp.config
    targets = np.flatnonzero(inp.waste_scope() & inp.reachable & ~inp.flag("covered"))
    net = road_network(inp)
    cands = default_candidates(inp, net)
    t0 = time.perf_counter()
    a, usable = coverage_matrix(inp, net, cands, "transfer_station", targets, NullProgress())
    ours = max_cover(a, np.ones(len(targets)), k, time_limit=60)
    t_ours = time.perf_counter() - t0

    # the dense way: every usable candidate × every target village, by road
    t0 = time.perf_counter()
    county = inp.facilities["facility_type"].to_numpy(object) == "county_treatment"
    g = snap_groups(inp, net, {"v": (*point_xy(inp.villages.iloc[targets]), c.max_snap_m),
                               "c": (*point_xy(cands), c.max_snap_m),
                               "t": (*point_xy(inp.facilities.loc[county]), c.max_snap_m)})
    m = g.aug.matrix()
    haul = nearest_within(m, g.node["t"], c.d_haul_m)
    ok = (g.node["c"] >= 0) & np.isfinite(haul[np.maximum(g.node["c"], 0)])
    assert (ok == usable).all()
    d = dijkstra(m, directed=False, indices=g.node["c"][ok])[:, g.node["v"]].T  # villages × candidates
    d = np.where(np.isfinite(d), d, 1e12)
    model = spopt_locate.MCLP.from_cost_matrix(d, np.ones(len(targets)), service_radius=c.d_station_m,
                                               p_facilities=k)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = pulp.value(model.problem.objective)
    t_spopt = time.perf_counter() - t0
    assert ours.objective == pytest.approx(theirs)
    assert ours.gap == 0
    with capsys.disabled():
        print(f"\nK={k}: objective {ours.objective:g} (spopt {theirs:g}); ours {t_ours:.3f} s, spopt {t_spopt:.3f} s")

