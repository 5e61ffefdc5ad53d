"""The field loop in QGIS: form.qgz opens with the widgets it declares; the form and apply algorithms run; the
attribute form renders offscreen."""
from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import SITE_PACKAGES, subprocess_env
from qgis.core import QgsProcessingFeedback, QgsProject
from ruralenv.core import run_pipeline

pytestmark = pytest.mark.usefixtures("qgis_app")

KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")


@pytest.fixture(scope="module")
def results(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("loop")
    run_pipeline({k: f"{sample}:{k}" for k in KINDS}, out_dir=out)
    return out / "results.gpkg"


def _run(alg: str, params: dict) -> dict:
    import processing

    return processing.run(alg, params, feedback=QgsProcessingFeedback())


def _declared(gpkg) -> dict[str, list[str]]:
    """Enum values per field as the GeoPackage declares them."""
    with sqlite3.connect(gpkg) as db:
        rows = db.execute("SELECT c.column_name, k.value FROM gpkg_data_columns c JOIN gpkg_data_column_constraints k "
                          "ON k.constraint_name = c.constraint_name WHERE k.constraint_type = 'enum' "
                          "AND c.column_name LIKE 'obs_%' ORDER BY c.column_name, k.rowid").fetchall()
    out: dict[str, list[str]] = {}
    for column, value in rows:
        out.setdefault(column, []).append(value)
    return out


def test_form_project_opens_with_the_declared_widgets(results, tmp_path):
    folder = tmp_path / "form"
    out = _run("ruralenv:survey_form", {"RESULTS": str(results), "OUTPUT_FOLDER": str(folder)})
    assert out["VILLAGES"] == pyogrio.read_info(results, layer="villages")["features"]
    moved = tmp_path / "on the phone"  # the folder copied elsewhere: the project finds form.gpkg beside it
    moved.mkdir()
    for name in ("form.qgz", "form.gpkg"):
        (moved / name).write_bytes((folder / name).read_bytes())
    project = QgsProject()
    assert project.read(str(moved / "form.qgz"))
    (layer,) = project.mapLayers().values()
    assert layer.isValid() and layer.featureCount() == out["VILLAGES"] and layer.labelsEnabled()
    assert layer.source().startswith(str(moved / "form.gpkg"))
    fields = layer.fields()
    declared = _declared(moved / "form.gpkg")
    assert set(declared) == {"obs_sewage_treated", "obs_waste_collected", "obs_road_surface"}
    for name, allowed in declared.items():
        setup = layer.editorWidgetSetup(fields.indexOf(name))
        assert setup.type() == "ValueMap", name
        assert [next(iter(m.values())) for m in setup.config()["map"]] == allowed, name
    for name, top in (("obs_households", 20000), ("obs_resident_population", 100000),
                      ("obs_sanitary_toilet_households", 20000)):
        setup = layer.editorWidgetSetup(fields.indexOf(name))
        assert (setup.type(), setup.config()["Min"], setup.config()["Max"]) == ("Range", 0, top)
        assert fields.field(name).constraints().constraintExpression()
    config = layer.editFormConfig()
    for name in ("village_code", "households", "sewage_treated", "covered", "hardened_access"):
        assert config.readOnly(fields.indexOf(name)), name
    assert not config.readOnly(fields.indexOf("obs_households"))
    date_field = fields.indexOf("survey_date")
    assert layer.editorWidgetSetup(date_field).type() == "DateTime"
    assert layer.defaultValueDefinition(date_field).expression() == "format_date(now(), 'yyyy-MM-dd')"
    feature = layer.getFeature(1)
    assert layer.defaultValue(date_field, feature) == date.today().isoformat()
    assert fields.field("obs_households").alias().startswith("户数（调查）")


def test_apply_algorithm_writes_next_years_villages(results, tmp_path):
    code = pyogrio.read_dataframe(results, layer="villages", read_geometry=False)["village_code"].iloc[5]
    csv = tmp_path / "returned.csv"
    pd.DataFrame({"村代码": [code], "户数（调查）": [321], "调查人": ["张三"],
                  "调查日期": [date.today().isoformat()]}).to_csv(csv, index=False, encoding="utf-8")
    before = hashlib.sha256(results.read_bytes()).hexdigest()
    _run("ruralenv:survey_import", {"FILES": [str(csv)], "RESULTS": str(results)})
    assert hashlib.sha256(results.read_bytes()).hexdigest() != before
    out = tmp_path / "villages_2026.gpkg"
    done = _run("ruralenv:survey_apply", {"RESULTS": str(results), "YEAR": 2026, "TAKE": 0, "OUTPUT": str(out)})
    assert done["CHANGES"] == 1 and done["OUTPUT"] == str(out)
    villages = pyogrio.read_dataframe(out, layer="villages").set_index("village_code")
    assert villages.loc[code, "households"] == 321
    assert dict(pyogrio.read_dataframe(out, layer="metadata").values)["data_year"] == "2026"


def test_attribute_form_renders_offscreen(results, tmp_path):
    import ruralenv
    from ruralenv.core.survey import write_form

    write_form(results, tmp_path / "form")
    png = tmp_path / "form.png"
    package_parent = Path(ruralenv.__file__).parent.parent  # wherever this ruralenv is imported from
    env = subprocess_env(tmp_path / "profile", PYTHONPATH=f"{package_parent}:{SITE_PACKAGES}")
    done = subprocess.run([sys.executable, "-m", "ruralenv.tools.field_form_shot", str(tmp_path / "form"), str(png)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(png))
    assert image.width() > 700 and image.height() > 1000
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # a drawn form (labels, fields, yellow and grey), not a blank canvas
