"""The whole pipeline on the bundled sample: outputs and cache reuse (its distances against an independent
computation: test_sample_oracle.py)."""
from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from conftest import SAMPLE
from openpyxl import load_workbook
from ruralenv.core import Config, InputError, run_pipeline

LAYERS = ("villages", "roads", "facilities", "counties", "towns", "mines", "unreachable", "rejects")


def test_outputs_follow_the_contract(sample_results):
    res, out = sample_results
    names = {row[0] for row in pyogrio.list_layers(out / "results.gpkg")}
    assert set(LAYERS) <= names
    v = gpd.read_file(out / "results.gpkg", layer="villages")
    n_in = len(gpd.read_file(SAMPLE, layer="villages"))
    assert len(v) == n_in  # nothing silently dropped
    for col in ("snap_dist_m", "in_scope", "hardened_access", "pave_gap_m", "net_dist_station_m",
                "net_dist_town_treatment_m", "net_dist_county_treatment_m", "collection_model", "model_reason",
                "covered", "issues"):
        assert col in v.columns, col
    assert set(v["collection_model"].dropna()) <= {"county_process", "town_transfer", "village_collect"}
    assert v["model_reason"].notna().sum() == v["collection_model"].notna().sum()
    unreachable = gpd.read_file(out / "results.gpkg", layer="unreachable")
    assert set(unreachable["village_code"]) == {"150622104701", "150622201717"}  # the sample's two defects
    assert len(unreachable) == v["collection_model"].isna().sum()
    roads = gpd.read_file(out / "results.gpkg", layer="roads")
    assert {"hardened", "component_id"} <= set(roads.columns)
    assert roads.loc[roads["road_id"] == 4561, "issues"].str.contains("zero length").all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["network"]["duplicate_vertices_removed"] >= 5
    assert summary["network"]["islands"] == 1
    assert summary["counties"][0]["name"] == "准格尔旗"
    assert all(len(h["sha256"]) == 64 for h in summary["inputs"].values())
    wb = load_workbook(out / "report.xlsx")
    ws = wb["旗县 county"]
    assert ws["A1"].value == "层级" and ws["A2"].value == "level"
    headers_zh = [c.value for c in ws[1]]
    assert "生活垃圾收运处置体系覆盖行政村比例（%）" in headers_zh and "较大人口规模自然村通硬化路率（%）" in headers_zh
    assert ws.cell(row=3, column=headers_zh.index("名称") + 1).value == "准格尔旗"


def test_indicators_add_up(sample_results):
    res, _ = sample_results
    v = res.villages
    region = res.tables["region"].iloc[0]
    scope_admin = v["in_scope"] & v["is_admin_village"]
    assert region["n_admin_in_scope"] == scope_admin.sum()
    assert region["n_admin_covered"] == (scope_admin & v["covered"]).sum()
    larger = v["in_scope"] & v["is_larger"]
    assert region["n_larger"] == larger.sum()
    assert region["n_larger_access"] == (larger & v["hardened_access"]).sum()
    assert (region["n_county_process"] + region["n_town_transfer"] + region["n_village_collect"]
            + region["n_unreachable"]) == len(v)
    expect_gap = max(0, int(np.ceil(0.85 * region["n_larger"] - 1e-9)) - region["n_larger_access"])
    assert region["roads_gap_2025"] == expect_gap
    county = res.tables["county"].iloc[0]
    assert county["n_admin_covered"] == region["n_admin_covered"]


def test_failed_run_leaves_previous_outputs(tmp_path, sample_results):
    _, out = sample_results
    before = (out / "results.gpkg").read_bytes()
    bad = gpd.read_file(SAMPLE, layer="villages")
    bad.loc[0, "geometry"] = None
    with pytest.raises(InputError):
        run_pipeline({"villages": bad, "roads": f"{SAMPLE}:roads"}, Config(cache_dir=str(tmp_path)), out_dir=out)
    assert (out / "results.gpkg").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".ruralenv-tmp")]


def test_second_run_reuses_the_cached_graph(tmp_path, caplog):
    inputs = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")}
    cfg = Config(cache_dir=str(tmp_path))
    with caplog.at_level(logging.INFO, logger="ruralenv"):
        first = run_pipeline(inputs, cfg)
        second = run_pipeline(inputs, cfg)
    assert not first.network.from_cache and second.network.from_cache
    assert any("loaded from cache" in r.message for r in caplog.records)
    assert len(list((tmp_path / "graphs").glob("*.npz"))) == 1
    np.testing.assert_array_equal(first.villages["net_dist_station_m"], second.villages["net_dist_station_m"])
    changed = run_pipeline(inputs, cfg.replace(node_tolerance_m=0.1))
    assert not changed.network.from_cache  # a graph setting changes the key


def test_map_is_skipped_with_a_warning_when_leaflet_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("RURALENV_JS_DIR", str(tmp_path / "no-leaflet"))
    inputs = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")}
    res = run_pipeline(inputs, Config(cache_dir=str(tmp_path / "c")), out_dir=tmp_path / "out")
    assert set(res.files) == {"results.gpkg", "summary.json", "report.xlsx"}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert any("make vendor-js" in w for w in summary["warnings"])


def test_input_fid_column_survives_split_multipart_roads(tmp_path):
    roads = gpd.read_file(SAMPLE, layer="roads").iloc[:200].copy()
    roads["fid"] = np.arange(1, len(roads) + 1)
    roads.loc[0, "geometry"] = shapely.MultiLineString([roads.geometry.iloc[0], roads.geometry.iloc[1]])
    villages = gpd.read_file(SAMPLE, layer="villages").iloc[:20]
    res = run_pipeline({"villages": villages, "roads": roads}, Config(cache_dir=str(tmp_path / "c")),
                       out_dir=tmp_path / "out", write_map=False)
    out = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="roads")
    assert len(out) == len(roads) + 1
    assert list(out["src_fid"][:2]) == [1, 1]
    assert res.roads["src_fid"].iloc[2] == 2


def test_towns_output_keeps_county_seat_as_boolean(sample_results):
    _, out = sample_results
    towns = gpd.read_file(out / "results.gpkg", layer="towns")
    assert towns["is_county_seat"].dtype == bool and towns["is_county_seat"].sum() == 1
