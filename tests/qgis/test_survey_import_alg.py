"""The survey import algorithm: GPX and GCJ-02 CSV into a full plan's results.gpkg, once; hostile files refused."""
from __future__ import annotations

import hashlib
import json
import shutil

import gpxpy
import gpxpy.gpx
import numpy as np
import pyogrio
import pytest
from conftest import QGIS_PROCESS, ROOT, install_plugin, model_step, subprocess_env, uri
from pyproj import Geod, Transformer
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelParameter,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterVectorLayer,
)
from ruralenv.core import run_pipeline
from ruralenv.core.base import datum

pytestmark = pytest.mark.usefixtures("qgis_app")

ALG = "ruralenv:survey_import"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
GEOD = Geod(ellps="WGS84")
GPX_VILLAGES = (0, 1, 2, 6)  # rows of the sample's villages surveyed with a GPS receiver
CSV_VILLAGES = (7, 8, 9)  # rows surveyed with a GCJ-02 phone app


@pytest.fixture(scope="module")
def plan(sample, tmp_path_factory):
    """results.gpkg of the core pipeline on the sample, and its villages in WGS 84."""
    out = tmp_path_factory.mktemp("plan")
    run_pipeline({k: f"{sample}:{k}" for k in KINDS}, out_dir=out)
    villages = pyogrio.read_dataframe(out / "results.gpkg", layer="villages").to_crs(4326)
    return out / "results.gpkg", villages


@pytest.fixture
def results(plan, tmp_path):
    """A fresh copy of the plan's results.gpkg for one test."""
    return shutil.copyfile(plan[0], tmp_path / "results.gpkg")


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truth(villages, rows) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """WGS 84 survey positions 30 m east of the given villages, with their names and codes."""
    picked = villages.iloc[list(rows)]
    lon, lat, _ = GEOD.fwd(picked.geometry.x.to_numpy(), picked.geometry.y.to_numpy(),
                           np.full(len(picked), 90.0), np.full(len(picked), 30.0))
    return lon, lat, picked["name"].tolist(), picked["village_code"].tolist()


def write_gpx(path, villages):
    lon, lat, names, _ = truth(villages, GPX_VILLAGES)
    gpx = gpxpy.gpx.GPX()
    for x, y, name in zip(lon, lat, names, strict=True):
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(y, x, elevation=1100.0, name=name))
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


def write_csv(path, villages, header="名称,高德经度,高德纬度", bad_row=True):
    """GCJ-02 positions of the CSV villages (the header names 高德, i.e. GCJ-02), plus one unreadable row."""
    lon, lat, names, _ = truth(villages, CSV_VILLAGES)
    glon, glat = datum.wgs84_to_gcj02(lon, lat)
    lines = [header] + [f"{n},{x:.8f},{y:.8f}" for n, x, y in zip(names, glon, glat, strict=True)]
    if bad_row:
        lines.append("坏点,abc,39.8")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(gpkg, layer) -> int:
    return int(pyogrio.read_info(gpkg, layer=layer)["features"])


def test_gpx_and_gcj02_csv_are_imported_once(plan, results, tmp_path):
    import processing

    villages = plan[1]
    files = [str(write_gpx(tmp_path / "gps.gpx", villages)), str(write_csv(tmp_path / "phone.csv", villages))]
    params = {"FILES": files, "RESULTS": str(results)}
    log = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info):  # noqa: N802 (QGIS API)
            log.append(info)

    res = processing.run(ALG, params, feedback=Feedback())

    assert (res["IMPORTED"], res["REJECTED"], res["MATCHED"], res["SKIPPED"]) == (7, 1, 7, 0)
    assert res["RESULTS_GPKG"] == str(results)
    layers = set(pyogrio.list_layers(results)[:, 0])
    assert {"villages", "survey_points", "survey_rejects", "survey_imports", "village_location_updates"} <= layers
    assert (rows(results, "survey_points"), rows(results, "survey_rejects"), rows(results, "survey_imports")) == (7, 1, 2)
    points = pyogrio.read_dataframe(results, layer="survey_points")
    expected = dict(zip(*truth(villages, GPX_VILLAGES + CSV_VILLAGES)[2:], strict=True))
    assert dict(zip(points["name"], points["village_code"], strict=True)) == expected
    lon, lat, names, _ = truth(villages, GPX_VILLAGES + CSV_VILLAGES)
    points = points.set_index("name").loc[names]
    error = GEOD.inv(points["lon_wgs84"].to_numpy(), points["lat_wgs84"].to_numpy(), lon, lat)[2]
    assert np.all(error < 1.0), error  # the GCJ-02 offset (hundreds of metres) was removed
    audit = pyogrio.read_dataframe(results, layer="survey_imports").set_index("file_name")
    assert audit.loc["gps.gpx", "datum"] == "WGS 84" and audit.loc["phone.csv", "datum"] == "GCJ-02"
    assert json.loads(audit.loc["phone.csv", "rejects_by_reason"])["unparseable"] == 1
    assert any(line.startswith("phone.csv [csv]: read as GCJ-02") for line in log), log
    assert any(line.startswith("total: rows read 8 = imported 7 + rejected 1") for line in log), log

    before = sha256(results)
    again = processing.run(ALG, params)

    assert (again["IMPORTED"], again["REJECTED"], again["MATCHED"], again["SKIPPED"]) == (0, 0, 0, 2)
    assert sha256(results) == before
    assert rows(results, "survey_points") == 7


def test_hostile_file_stops_the_import_and_leaves_the_geopackage_unchanged(plan, results, tmp_path):
    import processing

    good = write_gpx(tmp_path / "gps.gpx", plan[1])
    hostile = tmp_path / "xxe.gpx"
    hostile.write_text('<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                       '<gpx version="1.1"><wpt lat="39.8" lon="111.2"><name>&xxe;</name></wpt></gpx>\n',
                       encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    before = sha256(results)

    with pytest.raises(QgsProcessingException) as caught:
        processing.run(ALG, {"FILES": [str(good), str(hostile), str(empty)], "RESULTS": str(results)})

    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "xxe.gpx" in message and "DTD" in message and "empty.csv" in message and "gps.gpx" not in message
    assert sha256(results) == before
    assert "survey_points" not in set(pyogrio.list_layers(results)[:, 0])


def test_datum_choice_and_epsg_code(plan, results, tmp_path):
    import processing

    villages = plan[1]
    plain = write_csv(tmp_path / "plain.csv", villages, header="名称,经度,纬度", bad_row=False)
    res = processing.run(ALG, {"FILES": [str(plain)], "RESULTS": str(results), "DATUM": 2,  # GCJ-02
                               "MATCH_RADIUS": 200})
    assert (res["IMPORTED"], res["MATCHED"]) == (3, 3)
    audit = pyogrio.read_dataframe(results, layer="survey_imports")
    assert audit.loc[0, "datum"] == "GCJ-02" and audit.loc[0, "crs_option"] == "gcj02"
    assert audit.loc[0, "match_radius_m"] == 200

    lon, lat, names, _ = truth(villages, GPX_VILLAGES)
    epsg = pyogrio.read_dataframe(results, layer="villages").crs.to_epsg()  # the plan's metric CRS
    east, north = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    metres = tmp_path / "metres.csv"
    metres.write_text("name,x,y\n" + "".join(f"{n},{e:.3f},{n_:.3f}\n" for n, e, n_ in
                                            zip(names, east, north, strict=True)), encoding="utf-8")
    res = processing.run(ALG, {"FILES": [str(metres)], "RESULTS": str(results), "EPSG": str(epsg)})
    assert (res["IMPORTED"], res["MATCHED"]) == (4, 4)
    audit = pyogrio.read_dataframe(results, layer="survey_imports")
    assert audit.loc[1, "crs_option"] == f"EPSG:{epsg}" and f"EPSG:{epsg}" in audit.loc[1, "datum"]

    before = sha256(results)
    with pytest.raises(QgsProcessingException, match="EPSG code 'EPSG:1' is not"):
        processing.run(ALG, {"FILES": [str(metres)], "RESULTS": str(results), "EPSG": "EPSG:1"})
    assert sha256(results) == before


def test_full_plan_then_survey_import_in_a_model(sample, plan, tmp_path):
    import processing

    model = QgsProcessingModelAlgorithm("plan_and_survey", "tests")
    for kind in KINDS[:5]:
        model.addModelParameter(QgsProcessingParameterVectorLayer(kind, kind), QgsProcessingModelParameter(kind))
    model.addModelParameter(QgsProcessingParameterMultipleLayers("files", "files", QgsProcessing.TypeFile),
                            QgsProcessingModelParameter("files"))
    param = QgsProcessingModelChildParameterSource.fromModelParameter
    step = model_step("ruralenv:full_plan", "plan", {k.upper(): param(k) for k in KINDS[:5]})
    step.addParameterSources("OUTPUT_FOLDER", [QgsProcessingModelChildParameterSource.fromStaticValue(
        str(tmp_path / "report"))])
    model.addChildAlgorithm(step)
    survey = model_step(ALG, "survey", {
        "FILES": param("files"),
        "RESULTS": QgsProcessingModelChildParameterSource.fromChildOutput("plan", "RESULTS_GPKG")},
        {"imported": "IMPORTED"})
    model.addChildAlgorithm(survey)
    web = model_step("ruralenv:export_webmap", "map", {
        "RESULTS": QgsProcessingModelChildParameterSource.fromChildOutput("survey", "RESULTS_GPKG")},
        {"html": "OUTPUT_HTML"})
    model.addChildAlgorithm(web)
    model.updateDestinationParameters()
    assert model.dependsOnChildAlgorithms("map") == {"plan", "survey"}
    ok, problems = model.validate()
    assert ok, problems

    gpx = write_gpx(tmp_path / "gps.gpx", plan[1])
    res = processing.run(model, {**{k: uri(sample, k) for k in KINDS[:5]}, "files": [str(gpx)],
                                "map:html": str(tmp_path / "map.html")})

    gpkg = tmp_path / "report" / "results.gpkg"
    assert rows(gpkg, "survey_points") == len(GPX_VILLAGES)
    assert res["survey:imported"] == len(GPX_VILLAGES)
    assert res["map:html"] == str(tmp_path / "map.html") and (tmp_path / "map.html").exists()


def test_qgis_process_takes_several_files(plan, results, tmp_path):
    import subprocess

    install_plugin(tmp_path / "profile", ROOT)
    env = subprocess_env(tmp_path / "profile")
    subprocess.run([QGIS_PROCESS, "plugins", "enable", "ruralenv"], env=env, capture_output=True, check=True)
    gpx = write_gpx(tmp_path / "gps.gpx", plan[1])
    csv = write_csv(tmp_path / "phone.csv", plan[1])
    done = subprocess.run([QGIS_PROCESS, "--json", "run", ALG, "--", f"FILES={gpx}", f"FILES={csv}",
                           f"RESULTS={results}", "DATUM=0", "MATCH_RADIUS=1000"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    assert (out["IMPORTED"], out["REJECTED"], out["MATCHED"]) == (7, 1, 7)
    assert out["RESULTS_GPKG"] == str(results)
    assert rows(results, "survey_points") == 7
