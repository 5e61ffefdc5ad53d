"""The planning algorithms, run through ``processing.run`` on the sample's results.gpkg, give the core's plan."""
from __future__ import annotations

import json

import pytest
from conftest import uri
from ruralenv.core import Config, run_pipeline
from ruralenv.core.plan.run import PlanOptions, make_plan

pytestmark = pytest.mark.usefixtures("qgis_app")
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")


@pytest.fixture(scope="module")
def results_gpkg(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run_pipeline({k: f"{sample}:{k}" for k in KINDS}, Config(), out_dir=out, write_map=False)
    return out / "results.gpkg"


def test_plan_facilities_matches_core(results_gpkg, tmp_path):
    import processing

    res = processing.run("ruralenv:plan_facilities", {
        "RESULTS": str(results_gpkg), "SITES": 3, "TIME_LIMIT": 10, "OUTPUT_FOLDER": str(tmp_path / "plan"),
        "OUTPUT_PROPOSED_SITES": "TEMPORARY_OUTPUT", "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    core = make_plan(results_gpkg, PlanOptions(sites=3, roads=False, time_limit=10)).summary["waste"]
    assert res["SITES"] == core["sites"] == res["OUTPUT_PROPOSED_SITES"].featureCount()
    assert res["COVERAGE_AFTER_PCT"] == core["coverage_after_pct"] > res["COVERAGE_BEFORE_PCT"]
    assert res["GAP"] == core["gap"]
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert plan["waste"]["check"]["disagree"] == 0
    assert [f["rank"] for f in res["OUTPUT_PROPOSED_SITES"].getFeatures()] == [1, 2, 3]


def test_plan_facilities_with_site_capacity_matches_core(results_gpkg, tmp_path):
    """Each proposed site takes at most the given t/d, as ``ruralenv plan --site-capacity-tpd`` (issue 27)."""
    import processing

    res = processing.run("ruralenv:plan_facilities", {
        "RESULTS": str(results_gpkg), "SITES": 3, "TIME_LIMIT": 10, "SITE_CAPACITY_TPD": 0.3, "CHECK": False,
        "OUTPUT_FOLDER": str(tmp_path / "plan"), "OUTPUT_PROPOSED_SITES": "TEMPORARY_OUTPUT",
        "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    opt = PlanOptions(sites=3, roads=False, sewage=False, toilets=False, time_limit=10, check=False)
    free = make_plan(results_gpkg, opt).summary["waste"]
    opt.site_capacity_tpd = 0.3
    capped = make_plan(results_gpkg, opt).summary["waste"]
    assert res["COVERAGE_AFTER_PCT"] == capped["coverage_after_pct"] < free["coverage_after_pct"]


def test_plan_paving_matches_core(results_gpkg, tmp_path):
    import processing

    res = processing.run("ruralenv:plan_paving", {
        "RESULTS": str(results_gpkg), "BUDGET_KM": 40, "TIME_LIMIT": 5, "OUTPUT_FOLDER": str(tmp_path / "plan"),
        "OUTPUT_ROADS_TO_PAVE": "TEMPORARY_OUTPUT", "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    core = make_plan(results_gpkg, PlanOptions(budget_km=40, waste=False, time_limit=5)).summary["roads"]
    assert res["KM"] == pytest.approx(core["km"]) and res["KM"] <= 40
    assert res["COVERAGE_AFTER_PCT"] == core["coverage_after_pct"] > res["COVERAGE_BEFORE_PCT"]
    lengths = [f["length_m"] for f in res["OUTPUT_ROADS_TO_PAVE"].getFeatures()]
    assert sum(lengths) / 1000 == pytest.approx(res["KM"], abs=0.01)


def test_full_plan_option_writes_the_plan(sample, tmp_path):
    import processing

    processing.run("ruralenv:full_plan", {**{k.upper(): uri(sample, k) for k in KINDS}, "PLAN": True,
                                          "OUTPUT_FOLDER": str(tmp_path / "report")})
    plan = json.loads((tmp_path / "report" / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert plan["waste"]["coverage_after_pct"] >= 60 and plan["roads"]["coverage_after_pct"] >= 85
    assert plan["sewage"]["rate_after_pct"] >= plan["sewage"]["target_pct"]
    # one county and no region total: no share of the region's toilets to plan, and plan.json says so
    assert plan["toilets"]["mode"] == "share_unknown" and plan["toilets"]["households"] == 0


def test_plan_sanitation_matches_core(results_gpkg, tmp_path):
    import processing

    res = processing.run("ruralenv:plan_sanitation", {
        "RESULTS": str(results_gpkg), "TIME_LIMIT": 10, "OUTPUT_FOLDER": str(tmp_path / "plan"),
        "OUTPUT_SEWAGE_PROJECTS": "TEMPORARY_OUTPUT", "OUTPUT_SEWAGE_PIPES": "TEMPORARY_OUTPUT",
        "OUTPUT_TOILET_PROJECTS": "TEMPORARY_OUTPUT", "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    core = make_plan(results_gpkg, PlanOptions(waste=False, roads=False, time_limit=10)).summary
    assert res["RATE_AFTER_PCT"] == core["sewage"]["rate_after_pct"] >= core["sewage"]["target_pct"]
    assert res["COST_WAN"] == pytest.approx(core["sewage"]["cost_wan"]) and res["BOUND_WAN"] <= res["COST_WAN"]
    assert res["OUTPUT_SEWAGE_PROJECTS"].featureCount() == core["sewage"]["projects"]
    assert res["TOILETS"] == core["toilets"]["households"]
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert set(plan["investment"]["by_pillar"]) == {"toilets", "sewage", "waste", "roads"}
    assert plan["investment"]["by_pillar"]["roads"] == 0 and plan["sewage"]["check"]["disagree"] == 0
