"""The web-map algorithm writes the core's HTML map, alone and after the full plan in a model."""
from __future__ import annotations

import pytest
from conftest import model_step, uri
from qgis.core import (
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelParameter,
    QgsProcessingParameterVectorLayer,
)

pytestmark = pytest.mark.usefixtures("qgis_app")

KINDS = ("villages", "roads", "facilities", "towns", "counties")




def test_full_plan_then_web_map_in_a_model(sample, tmp_path):
    import processing

    model = QgsProcessingModelAlgorithm("plan_and_map", "tests")
    for kind in KINDS:
        model.addModelParameter(QgsProcessingParameterVectorLayer(kind, kind), QgsProcessingModelParameter(kind))
    param = QgsProcessingModelChildParameterSource.fromModelParameter
    plan = model_step("ruralenv:full_plan", "plan", {k.upper(): param(k) for k in KINDS})
    plan.addParameterSources("OUTPUT_FOLDER", [QgsProcessingModelChildParameterSource.fromStaticValue(
        str(tmp_path / "report"))])
    model.addChildAlgorithm(plan)
    web = model_step("ruralenv:export_webmap", "map", {
        "RESULTS": QgsProcessingModelChildParameterSource.fromChildOutput("plan", "RESULTS_GPKG")},
        {"html": "OUTPUT_HTML"})
    model.addChildAlgorithm(web)
    model.updateDestinationParameters()
    ok, problems = model.validate()
    assert ok, problems
    out = tmp_path / "map.html"
    res = processing.run(model, {**{k: uri(sample, k) for k in KINDS}, "map:html": str(out)})
    assert res["map:html"] == str(out)
    page = out.read_text(encoding="utf-8")
    assert "准格尔旗" in page and "韩家塔村三社" in page
    assert (tmp_path / "report" / "results.gpkg").exists()
