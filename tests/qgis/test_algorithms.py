"""Each algorithm, run through ``processing.run`` on the bundled sample, gives the core's numbers."""
from __future__ import annotations

import json

import pytest
from conftest import uri
from ruralenv.core import Config, run_pipeline
from ruralenv.core.model.validate import validate_network

pytestmark = pytest.mark.usefixtures("qgis_app")


def core_inputs(sample, *kinds):
    return {kind: f"{sample}:{kind}" for kind in kinds}


def alg_inputs(sample, *kinds):
    return {kind.upper(): uri(sample, kind) for kind in kinds}


def plain(value):
    from qgis.PyQt.QtCore import QVariant

    return None if value is None or (isinstance(value, QVariant) and value.isNull()) else value


def by_code(layer, field):
    return {f["village_code"]: plain(f[field]) for f in layer.getFeatures()}


def assert_same_measures(got: dict, expected: dict) -> None:
    """Same villages without a value, and the same values (to float precision) for the others."""
    assert {c for c, v in got.items() if v is None} == {c for c, v in expected.items() if v is None}
    assert {c: v for c, v in got.items() if v is not None} == pytest.approx(
        {c: v for c, v in expected.items() if v is not None})


def core_by_code(df, field):
    return {code: (None if value is None or value != value else value)
            for code, value in zip(df["village_code"], df[field], strict=True)}


def test_validate_network_matches_core(sample):
    import processing

    res = processing.run("ruralenv:validate_network", {
        **alg_inputs(sample, "roads", "towns"), "OUTPUT_COMPONENTS": "TEMPORARY_OUTPUT",
        "OUTPUT_DANGLES": "TEMPORARY_OUTPUT", "OUTPUT_ISLANDS": "TEMPORARY_OUTPUT",
        "OUTPUT_DUPLICATES": "TEMPORARY_OUTPUT", "OUTPUT_ZERO_LENGTH": "TEMPORARY_OUTPUT"})
    check = validate_network(core_inputs(sample, "roads", "towns"), Config())
    for key in ("components", "islands", "dangles", "duplicate_segments", "zero_length_lines"):
        assert res[key.upper()] == check.summary[key]
    assert res["OUTPUT_DANGLES"].featureCount() == check.summary["dangles"]
    assert res["OUTPUT_ISLANDS"].featureCount() == check.summary["islands"] >= 1
    assert res["OUTPUT_ZERO_LENGTH"].featureCount() == check.summary["zero_length_lines"] >= 1
    assert res["OUTPUT_COMPONENTS"].featureCount() == check.summary["components"]


def test_hardened_access_matches_core(sample):
    import processing

    res = processing.run("ruralenv:hardened_access", {
        **alg_inputs(sample, "villages", "roads", "towns"),
        "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT", "OUTPUT_ROADS": "TEMPORARY_OUTPUT"})
    core = run_pipeline(core_inputs(sample, "villages", "roads", "towns"), Config())
    region = core.summary["region"]
    for key in ("n_larger", "n_larger_access", "road_coverage_pct", "roads_gap_2025"):
        assert res[key.upper()] == region[key]
    assert res["PAVE_KM_2025"] == pytest.approx(region["pave_km_2025"])
    villages = res["OUTPUT_VILLAGES"]
    assert by_code(villages, "hardened_access") == core_by_code(core.villages, "hardened_access")
    assert "collection_model" not in villages.fields().names()
    roads = res["OUTPUT_ROADS"]
    assert sum(bool(f["hardened"]) for f in roads.getFeatures()) == int(core.roads["hardened"].sum())


def test_collection_model_matches_core(sample):
    import processing

    res = processing.run("ruralenv:collection_model", {
        **alg_inputs(sample, "villages", "roads", "facilities", "towns"), "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    core = run_pipeline(core_inputs(sample, "villages", "roads", "facilities", "towns"), Config())
    region = core.summary["region"]
    for key in ("n_county_process", "n_town_transfer", "n_village_collect", "n_unreachable", "n_admin_covered",
                "waste_coverage_pct"):
        assert res[key.upper()] == region[key]
    villages = res["OUTPUT_VILLAGES"]
    assert by_code(villages, "collection_model") == core_by_code(core.villages, "collection_model")
    assert by_code(villages, "model_reason") == core_by_code(core.villages, "model_reason")
    assert_same_measures(by_code(villages, "net_dist_station_m"), core_by_code(core.villages, "net_dist_station_m"))


def test_collection_model_within_capacity_matches_core(sample, tmp_path):
    """The capacity_aware switch reaches the core: with full facilities villages move to the next tier, as in
    the core's capacity-aware run (issue 27)."""
    import geopandas as gpd
    import processing

    facilities = gpd.read_file(sample, layer="facilities")
    for kind, tpd in (("transfer_station", 0.6), ("village_treatment", 0.3)):
        facilities.loc[facilities["facility_type"] == kind, "capacity_tpd"] = tpd
    tight = tmp_path / "facilities.gpkg"
    facilities.to_file(tight, layer="facilities")
    params = {**alg_inputs(sample, "villages", "roads", "towns"), "FACILITIES": uri(tight, "facilities"),
              "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"}
    inputs = {**core_inputs(sample, "villages", "roads", "towns"), "facilities": f"{tight}:facilities"}
    plain_run = processing.run("ruralenv:collection_model", params)["OUTPUT_VILLAGES"]
    res = processing.run("ruralenv:collection_model", {**params, "CAPACITY_AWARE": True})
    core = run_pipeline(inputs, Config(capacity_aware=True))
    villages = res["OUTPUT_VILLAGES"]
    for field in ("collection_model", "model_reason", "station_name", "treatment_name", "served_over_capacity"):
        assert by_code(villages, field) == core_by_code(core.villages, field), field
    assert by_code(villages, "collection_model") != by_code(plain_run, "collection_model")
    assert res["WASTE_COVERAGE_PCT"] == core.summary["region"]["waste_coverage_pct"]


def test_sanitation_matches_core(sample):
    import processing

    kinds = ("villages", "roads", "facilities", "sewer", "urban_areas", "priority_zones")
    res = processing.run("ruralenv:sanitation", {**alg_inputs(sample, *kinds), "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    core = run_pipeline(core_inputs(sample, *kinds), Config())
    region = core.summary["region"]
    for key in ("sewage_rate_pct", "sewage_gap_2025", "toilet_rate_pct", "toilets_needed", "n_central",
                "n_decentralised"):
        assert res[key.upper()] == region[key], key
    villages = res["OUTPUT_VILLAGES"]
    for field in ("sewage_mode", "sewage_reason", "fecal_route", "zone"):
        assert by_code(villages, field) == core_by_code(core.villages, field), field
    for field in ("design_flow_m3d", "facility_size_tpd", "fecal_dist_m", "toilets_needed"):
        assert_same_measures(by_code(villages, field), core_by_code(core.villages, field))
    assert {"collection_model", "hardened_access", "near_mine"}.isdisjoint(villages.fields().names())


def assert_full_plan_matches(res: dict, core) -> None:
    """The full_plan algorithm's numbers, village fields and sink sizes equal the core's run."""
    region = core.summary["region"]
    for key in ("waste_coverage_pct", "waste_gap_2025", "road_coverage_pct", "roads_gap_2025", "n_unreachable",
                "sewage_rate_pct", "toilet_rate_pct"):
        assert res[key.upper()] == region[key], key
    villages = res["OUTPUT_VILLAGES"]
    assert villages.featureCount() == len(core.villages)
    for field in ("hardened_access", "collection_model", "covered", "unreachable_reason", "near_non_green_mine",
                  "sewage_mode", "fecal_route"):
        assert by_code(villages, field) == core_by_code(core.villages, field), field
    for field in ("pave_gap_m", "net_dist_county_treatment_m"):
        assert_same_measures(by_code(villages, field), core_by_code(core.villages, field))
    assert res["OUTPUT_ROADS"].featureCount() == len(core.roads)
    assert res["OUTPUT_FACILITIES"].featureCount() == len(core.facilities)
    assert res["OUTPUT_UNREACHABLE"].featureCount() == len(core.unreachable) == region["n_unreachable"]
    county = next(res["OUTPUT_COUNTIES"].getFeatures())
    assert county["waste_coverage_pct"] == core.counties["waste_coverage_pct"].iloc[0]
    assert county["road_coverage_pct"] == core.counties["road_coverage_pct"].iloc[0]


def test_full_plan_matches_core_and_writes_reports(sample, tmp_path):
    import processing

    kinds = ("villages", "roads", "facilities", "towns", "counties", "mines", "sewer", "urban_areas", "priority_zones")
    sinks = {f"OUTPUT_{n}": "TEMPORARY_OUTPUT" for n in ("VILLAGES", "ROADS", "FACILITIES", "COUNTIES",
                                                          "UNREACHABLE")}
    res = processing.run("ruralenv:full_plan", {**alg_inputs(sample, *kinds), **sinks,
                                                 "OUTPUT_FOLDER": str(tmp_path / "report")})
    core = run_pipeline(core_inputs(sample, *kinds), Config())
    region = core.summary["region"]
    assert_full_plan_matches(res, core)
    folder = tmp_path / "report"
    assert {"report.xlsx", "summary.json", "results.gpkg"} <= {p.name for p in folder.iterdir()}
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["region"]["waste_coverage_pct"] == region["waste_coverage_pct"]


def test_file_outputs_in_any_format(sample, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer

    out = {"OUTPUT_VILLAGES": str(tmp_path / "villages.gpkg"), "OUTPUT_ROADS": str(tmp_path / "roads.shp")}
    processing.run("ruralenv:hardened_access", {**alg_inputs(sample, "villages", "roads", "towns"), **out})
    villages = QgsVectorLayer(out["OUTPUT_VILLAGES"], "v", "ogr")
    roads = QgsVectorLayer(out["OUTPUT_ROADS"], "r", "ogr")
    assert villages.isValid() and villages.featureCount() == 388
    assert roads.isValid() and roads.featureCount() == 4561
