"""Real-world inputs never crash (issue 12): OSM roads, swapped coordinates, bad settings, actionable rejects."""
from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from conftest import SAMPLE
from osm_extract import NON_TRUCK, ROADS, truck_route_m, write_extract
from ruralenv.core import InputError, run_pipeline
from ruralenv.core.cli.main import main

RUN = [sys.executable, "-m", "ruralenv.core.cli", "run"]


@pytest.fixture
def osm(tmp_path):
    path = write_extract(tmp_path)
    return {k: f"{path}:{k}" for k in ("villages", "roads", "facilities")}


def test_osm_extract_runs_by_default_and_trucks_keep_off_footways(osm, cfg):
    res = run_pipeline(osm, cfg)
    roads = res.roads.set_index("osm_id")
    assert sorted(roads.index) == [r[0] for r in ROADS]  # every way is in the output
    assert set(roads.index[~roads["collection_route"]]) == NON_TRUCK
    assert (roads.loc[sorted(NON_TRUCK), "component_id"] == -1).all()
    assert res.villages.at[0, "net_dist_county_treatment_m"] == pytest.approx(truck_route_m(), abs=1.0)
    notes = res.rejects[res.rejects["severity"] == "note"]
    assert (res.rejects["severity"] == "note").all()
    reasons = " | ".join(notes["reason"])
    assert "unknown road class 'trail'" in reasons and "unknown surface 'stone'" in reasons
    assert "paved;cobblestone" not in reasons and "gravel;ground" not in reasons
    assert roads.at[1001, "hardened"] and not roads.at[1013, "hardened"]  # lists: every part decides


def test_osm_footways_join_the_graph_when_the_setting_is_off(osm, cfg):
    res = run_pipeline(osm, cfg.replace(exclude_non_truck_roads=False))
    assert res.roads["collection_route"].sum() == len(ROADS) - len(NON_TRUCK)
    assert res.villages.at[0, "net_dist_county_treatment_m"] < truck_route_m() - 2000


def test_osm_extract_through_the_cli_exits_zero(osm, tmp_path):
    args = sum(([f"--{k}", v] for k, v in osm.items()), [])
    proc = subprocess.run([*RUN, *args, "--out", str(tmp_path / "out"), "--no-map", "-q",
                           "--set", f"cache_dir={tmp_path / 'c'}"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "unknown road class 'trail'" in proc.stderr
    out = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="roads")
    assert len(out) == len(ROADS) and out["collection_route"].sum() == len(ROADS) - len(NON_TRUCK)


@pytest.fixture(scope="module")
def sample_villages():
    v = gpd.read_file(SAMPLE, layer="villages").iloc[:40]
    return v.assign(lon=v.geometry.x.round(7).astype(str), lat=v.geometry.y.round(7).astype(str))


def _csv(path, v: pd.DataFrame, lon: str, lat: str):
    table = pd.DataFrame({"村代码": v["village_code"], "村名": v["name"], "旗县代码": v["county_code"],
                          "人口": v["population"], "经度": v[lon], "纬度": v[lat]})
    table.to_csv(path, index=False, encoding="utf-8")
    return str(path)


def test_every_village_with_swapped_columns_is_corrected_with_a_warning(tmp_path, sample_villages, cfg):
    roads = f"{SAMPLE}:roads"
    right = run_pipeline({"villages": _csv(tmp_path / "ok.csv", sample_villages, "lon", "lat"), "roads": roads}, cfg)
    swapped = run_pipeline({"villages": _csv(tmp_path / "sw.csv", sample_villages, "lat", "lon"), "roads": roads},
                           cfg)
    pd.testing.assert_series_equal(swapped.villages["snap_dist_m"], right.villages["snap_dist_m"])
    note = swapped.rejects[swapped.rejects["field"] == "geometry"]
    assert len(note) == 1 and note["row"].isna().all() and "every point had x and y swapped" in note["reason"].iloc[0]


def test_one_swapped_village_is_corrected_and_named(tmp_path, sample_villages, cfg):
    v = sample_villages.copy()
    v.loc[5, ["lon", "lat"]] = v.loc[5, ["lat", "lon"]].to_numpy()
    res = run_pipeline({"villages": _csv(tmp_path / "v.csv", v, "lon", "lat"), "roads": f"{SAMPLE}:roads"}, cfg)
    note = res.rejects[res.rejects["field"] == "geometry"]
    assert list(note["row"]) == [7]  # header is row 1
    assert note["code"].iloc[0] == v.at[5, "village_code"] and note["name"].iloc[0] == v.at[5, "name"]
    assert note["coordinates"].iloc[0] == f"{v.at[5, 'lon']}, {v.at[5, 'lat']}"
    assert res.villages.to_crs(4490).geometry.x.between(110, 112).all()


def test_villages_off_the_planet_with_no_fix_exit_2_with_one_line(tmp_path, sample_villages, capsys):
    v = sample_villages.assign(lat=(sample_villages.geometry.y + 150).astype(str))
    code = main(["run", "--villages", _csv(tmp_path / "v.csv", v, "lon", "lat"), "--roads", f"{SAMPLE}:roads",
                 "--out", str(tmp_path / "out"), "-q", "--set", f"cache_dir={tmp_path / 'c'}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error:") == 1 and "no point lies near the roads" in err
    assert not (tmp_path / "out").exists()


def test_one_village_on_another_continent_is_a_named_bad_row(tmp_path, sample_villages, cfg):
    v = sample_villages.copy()
    v.loc[3, ["lon", "lat"]] = ["-74.0", "40.7"]  # New York
    with pytest.raises(InputError) as exc:
        run_pipeline({"villages": _csv(tmp_path / "v.csv", v, "lon", "lat"), "roads": f"{SAMPLE}:roads"}, cfg)
    assert [(p.row, p.field) for p in exc.value.problems] == [(5, "geometry")]
    assert "outside the roads' extent" in exc.value.problems[0].message


@pytest.mark.parametrize("setting, words", [
    ("crs=notacrs", "setting crs: 'notacrs' is not a coordinate reference system"),
    ("crs=EPSG:99999", "setting crs: 'EPSG:99999' is not a coordinate reference system"),
    ("crs=EPSG:4490", "setting crs: 'EPSG:4490'"),
    ("crs=EPSG:3857", "does not measure metres"),
    ("d_station_m=-5", "setting d_station_m must be >= 0 metres"),
    ("d_station_m=nan", "setting d_station_m must be a finite number"),
    ("dispersed_pop=many", "setting dispersed_pop expects a int"),
    ("use_cache=perhaps", "setting use_cache expects a bool"),
    ("target_waste_2025=1.5", "target_waste_2025 is a fraction"),
    ("on_bad_rows=ignore", "on_bad_rows must be"),
])
def test_every_bad_setting_exits_2_with_one_line_naming_it(tmp_path, capsys, setting, words):
    code = main(["run", "--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads",
                 "--out", str(tmp_path / "out"), "-q", "--set", setting])
    err = capsys.readouterr().err
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_bad_crs_setting_through_the_real_cli_has_no_traceback(tmp_path):
    proc = subprocess.run([*RUN, "--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads",
                           "--out", str(tmp_path / "o"), "--set", "crs=EPSG:99999"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "setting crs" in proc.stderr


def test_rejects_keep_code_name_and_coordinates_of_the_row(tmp_path, sample_villages, cfg):
    v = sample_villages.copy()
    v["population"] = v["population"].astype(object)
    v.loc[2, "population"] = "约三百"
    v.loc[9, "lon"] = "东经111度"
    path = _csv(tmp_path / "v.csv", v, "lon", "lat")
    res = run_pipeline({"villages": path, "roads": f"{SAMPLE}:roads"}, cfg.replace(on_bad_rows="reject"))
    errors = res.rejects[res.rejects["severity"] == "error"].set_index("row")
    assert sorted(errors.index) == [4, 11]
    assert errors.at[4, "code"] == v.at[2, "village_code"] and errors.at[4, "name"] == v.at[2, "name"]
    assert errors.at[4, "coordinates"] == f"{v.at[2, 'lon']}, {v.at[2, 'lat']}"
    assert errors.at[11, "coordinates"] == f"东经111度, {v.at[9, 'lat']}"
    assert len(res.villages) == len(v) - 2


@pytest.mark.parametrize("crs", ["auto", "EPSG:4525"])
def test_surveyors_table_with_an_explicit_gk_crs_reads_like_auto(tmp_path, crs):
    """X = northing, Y = easting with the zone number (CGCS2000 3° GK zone 37), imported with --crs given."""
    from ruralenv.core.survey import import_survey
    from test_survey_support import make_results, read_layer, write_xlsx

    gpkg = make_results(tmp_path / "results.gpkg")
    report = import_survey([write_xlsx(tmp_path / "测量.xlsx")], gpkg, crs=crs)
    (file,) = report.files
    assert file.rejected == 0 and file.imported == file.rows_read == 6, file.rejects_by_reason
    assert any("northings" in w for w in file.warnings)
    points = read_layer(gpkg, "survey_points")
    assert (points["match_confidence"] >= 0.9).all()
