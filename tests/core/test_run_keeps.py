"""A run never destroys what it did not write, and records its settings inside results.gpkg."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import SAMPLE
from ruralenv.core import Config, InputError, run_pipeline
from ruralenv.core.io import read_run_record, read_run_settings
from ruralenv.core.survey import import_survey

KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
CLI = [sys.executable, "-c", "import sys; from ruralenv.core.cli.main import main; sys.exit(main())"]


def _run(out, **settings):
    cfg = Config(cache_dir=str(out.parent / "cache"), **settings)
    return run_pipeline({k: f"{SAMPLE}:{k}" for k in KINDS}, cfg, out_dir=out, write_map=False)


def _survey_csv(results, path):
    v = results.villages.to_crs(4326).head(6)
    rows = [f"{r.name},{r.geometry.x:.7f},{r.geometry.y:.7f}" for r in v.itertuples()]
    path.write_text("名称,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _layers(gpkg):
    return {str(n) for n, _ in pyogrio.list_layers(gpkg)}


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory):
    """A run, then a survey import and a layer of another tool in its results.gpkg."""
    out = tmp_path_factory.mktemp("keep") / "out"
    res = _run(out)
    gpkg = out / "results.gpkg"
    report = import_survey([_survey_csv(res, out.parent / "field.csv")], gpkg)
    assert report.imported == 6
    status = gpd.GeoDataFrame({"village_code": res.villages["village_code"].head(3).to_numpy(),
                               "status": ["已完成", "在建", "未开工"]},
                              geometry=shapely.points([(1, 2), (3, 4), (5, 6)]), crs="EPSG:4490")
    pyogrio.write_dataframe(status, gpkg, layer="village_status_updates", driver="GPKG", append=True)
    before = {n: pyogrio.read_dataframe(gpkg, layer=n) for n in ("survey_points", "survey_rejects", "survey_imports",
                                                                  "village_location_updates", "village_status_updates")}
    return out, before


def test_a_second_run_carries_over_every_layer_it_does_not_write(surveyed):
    out, before = surveyed
    res = _run(out, d_station_m=25000.0)
    gpkg = out / "results.gpkg"
    assert set(before) <= _layers(gpkg)
    for name, old in before.items():
        new = pyogrio.read_dataframe(gpkg, layer=name)
        pd.testing.assert_frame_equal(pd.DataFrame(new.drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(old.drop(columns="geometry", errors="ignore")))
        if "geometry" in old:
            assert new.crs == old.crs and new.geometry.equals(old.geometry)
    line = next(w for w in res.summary["warnings"] if "survey_points" in w)
    assert line.startswith("kept 5 layer(s) of the previous results.gpkg") and "survey_points (6)" in line
    assert "village_status_updates (3)" in line
    # the run's own layers are replaced, not duplicated
    assert len(pyogrio.read_dataframe(gpkg, layer="villages")) == len(res.villages)
    assert read_run_settings(gpkg)["d_station_m"] == 25000.0


def test_an_unreadable_previous_file_is_kept_aside(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.gpkg").write_bytes(b"a planner's own notes, not a GeoPackage")
    res = _run(out)
    assert "data_year" not in read_run_record(out / "results.gpkg")  # not given: not recorded
    kept = [p for p in out.iterdir() if p.name.startswith("results.previous-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"a planner's own notes, not a GeoPackage"
    assert any(kept[0].name in w for w in res.summary["warnings"])
    assert "villages" in _layers(out / "results.gpkg")


def test_the_geopackage_alone_records_the_run(tmp_path):
    out = tmp_path / "out"
    _run(out, d_station_m=30000.0, target_waste_2025=0.7, data_year=2026)
    (out / "summary.json").unlink()
    record = read_run_record(out / "results.gpkg")
    assert record["data_year"] == 2026
    assert record["settings"]["d_station_m"] == 30000.0
    version = next(line.split("=", 1)[1] for line in (SAMPLE.parents[2] / "metadata.txt").read_text(
        encoding="utf-8").splitlines() if line.startswith("version="))
    assert record["crs"].startswith("EPSG:") and record["version"] == version
    assert set(record["inputs"]) >= {"villages", "roads"} and len(record["inputs"]["villages"]["sha256"]) == 64
    from ruralenv.core.plan.problem import load_results

    assert load_results(out / "results.gpkg").config.d_station_m == 30000.0
    from ruralenv.core.maps.webmap import build_map_data

    assert build_map_data(out / "results.gpkg")["targets"]["waste_2025"] == 70.0  # `ruralenv map` on the file alone


def test_results_without_any_record_of_settings_are_refused(tmp_path):
    out = tmp_path / "out"
    _run(out)
    (out / "summary.json").unlink()
    gpkg = out / "results.gpkg"
    con = sqlite3.connect(gpkg)
    con.execute("DROP TABLE ruralenv_run")
    con.execute("DELETE FROM gpkg_contents WHERE table_name = 'ruralenv_run'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="ruralenv_run"):
        read_run_settings(gpkg)
    proc = subprocess.run([*CLI, "plan", str(gpkg), "--out", str(tmp_path / "plan"), "-q", "--no-check"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "ruralenv run" in proc.stderr and not (tmp_path / "plan").exists()
    proc = subprocess.run([*CLI, "surface", str(gpkg), "--to", "seat", "--res", "1000", "--out",
                           str(tmp_path / "s.tif")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("using the default settings") == 1 and (tmp_path / "s.tif").exists()


def test_older_results_read_their_settings_from_summary_json(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    gpkg = folder / "results.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4490), gpkg)
    (folder / "summary.json").write_text(json.dumps({"config": {"d_station_m": 12345.0}}), encoding="utf-8")
    assert read_run_settings(gpkg) == {"d_station_m": 12345.0}
