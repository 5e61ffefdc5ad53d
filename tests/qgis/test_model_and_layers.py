"""Algorithms chain in a Processing model, take layers of any provider and CRS, and style their outputs."""
from __future__ import annotations

import pytest
from conftest import model_step, uri
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelParameter,
    QgsProcessingParameterVectorLayer,
    QgsProject,
    QgsRenderContext,
    QgsVectorLayer,
)
from ruralenv.core import Config, run_pipeline

pytestmark = pytest.mark.usefixtures("qgis_app")




def chained_model() -> QgsProcessingModelAlgorithm:
    """hardened_access → collection_model: the second takes the first's villages and roads."""
    model = QgsProcessingModelAlgorithm("access_then_model", "tests")
    for name in ("villages", "roads", "facilities", "towns"):
        model.addModelParameter(QgsProcessingParameterVectorLayer(name, name), QgsProcessingModelParameter(name))
    param = QgsProcessingModelChildParameterSource.fromModelParameter
    output = QgsProcessingModelChildParameterSource.fromChildOutput
    model.addChildAlgorithm(model_step("ruralenv:hardened_access", "access", {
        "VILLAGES": param("villages"), "ROADS": param("roads"), "TOWNS": param("towns")}))
    collect = model_step("ruralenv:collection_model", "collect", {
        "VILLAGES": output("access", "OUTPUT_VILLAGES"), "ROADS": output("access", "OUTPUT_ROADS"),
        "FACILITIES": param("facilities"), "TOWNS": param("towns")}, {"villages_out": "OUTPUT_VILLAGES"})
    model.addChildAlgorithm(collect)
    model.updateDestinationParameters()
    return model


def test_model_chains_two_algorithms(sample):
    import processing

    model = chained_model()
    ok, problems = model.validate()
    assert ok, problems
    res = processing.run(model, {**{k: uri(sample, k) for k in ("villages", "roads", "facilities", "towns")},
                                 "collect:villages_out": "TEMPORARY_OUTPUT"})
    villages = res["collect:villages_out"]
    villages = villages if isinstance(villages, QgsVectorLayer) else QgsVectorLayer(villages, "v", "ogr")
    core = run_pipeline({k: f"{sample}:{k}" for k in ("villages", "roads", "facilities", "towns")}, Config())
    got = {f["village_code"]: f["collection_model"] for f in villages.getFeatures() if f["collection_model"]}
    expected = {c: m for c, m in zip(core.villages["village_code"], core.villages["collection_model"],
                                     strict=True) if m}
    assert got == expected


def test_layers_of_any_provider_and_crs(sample, tmp_path):
    import processing

    def reproject(kind: str, crs: str, output: str):
        return processing.run("native:reprojectlayer", {
            "INPUT": uri(sample, kind), "TARGET_CRS": QgsCoordinateReferenceSystem(crs), "OUTPUT": output})["OUTPUT"]

    villages = reproject("villages", "EPSG:4326", "TEMPORARY_OUTPUT")  # memory provider, WGS 84
    roads = reproject("roads", "EPSG:32649", str(tmp_path / "roads.shp"))  # shapefile, UTM 49N
    towns = reproject("towns", "EPSG:3857", str(tmp_path / "towns.geojson"))  # GeoJSON, Web Mercator
    res = processing.run("ruralenv:hardened_access", {"VILLAGES": villages, "ROADS": roads, "TOWNS": towns,
                                                       "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    direct = processing.run("ruralenv:hardened_access", {
        **{k.upper(): uri(sample, k) for k in ("villages", "roads", "towns")}, "OUTPUT_VILLAGES": "TEMPORARY_OUTPUT"})
    for key in ("N_LARGER", "N_LARGER_ACCESS", "ROADS_GAP_2025"):
        assert res[key] == direct[key]
    assert res["PAVE_KM_2025"] == pytest.approx(direct["PAVE_KM_2025"], rel=1e-3)


def test_outputs_are_styled_when_loaded(sample):
    import processing

    project = QgsProject.instance()
    project.clear()
    processing.runAndLoadResults("ruralenv:full_plan", {
        **{k.upper(): uri(sample, k) for k in ("villages", "roads", "facilities", "towns", "counties")},
        **{f"OUTPUT_{n}": "TEMPORARY_OUTPUT" for n in ("VILLAGES", "ROADS", "FACILITIES", "COUNTIES", "UNREACHABLE")}})
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    attrs = {"Villages with access and collection model": "collection_model", "Roads with hardened flag": "hardened",
             "Facilities": "facility_type", "County indicators": "waste_coverage_pct"}
    for name, attr in attrs.items():
        assert layers[name].renderer().classAttribute() == attr, name
    villages = layers["Villages with access and collection model"]
    renderer = villages.renderer().clone()
    context = QgsRenderContext()
    renderer.startRender(context, villages.fields())
    colours = {f["collection_model"] if f["collection_model"] else None:
               renderer.symbolForFeature(f, context).color().name() for f in villages.getFeatures()}
    renderer.stopRender(context)
    assert set(colours) == {"county_process", "town_transfer", "village_collect", None}
    assert len(set(colours.values())) == 4
    project.clear()


def test_menu_sample_loader_builds_a_styled_group(sample):
    from ruralenv.qgis_plugin.sample import DRAW_ORDER, load_sample_project

    project = QgsProject.instance()
    project.clear()
    loaded = load_sample_project(project, sample)
    assert [node.layer() for node in loaded.group.findLayers()] == [loaded.layers[n] for n in DRAW_ORDER]
    assert loaded.layers["counties"].renderer().type() == "graduatedSymbol"
    assert loaded.layers["villages"].renderer().classAttribute() == "collection_model"
    assert loaded.layers["counties"].labelsEnabled()
    assert not loaded.extent.isEmpty()
    project.clear()


def test_multipart_roads_from_a_geopackage_write_back(sample, tmp_path):
    """Multi-part roads are split by the core; their GeoPackage fid must not clash on the way out."""
    import processing

    roads = processing.run("native:collect", {"INPUT": uri(sample, "roads"), "FIELD": ["grade", "surface"],
                                              "OUTPUT": str(tmp_path / "multi.gpkg")})["OUTPUT"]
    res = processing.run("ruralenv:full_plan", {
        "VILLAGES": uri(sample, "villages"), "ROADS": roads, "FACILITIES": uri(sample, "facilities"),
        "OUTPUT_FOLDER": str(tmp_path / "report"), "OUTPUT_ROADS": str(tmp_path / "roads_out.gpkg")})
    out = QgsVectorLayer(res["OUTPUT_ROADS"], "roads", "ogr")
    assert out.featureCount() > QgsVectorLayer(roads, "multi", "ogr").featureCount()
    assert "src_fid" in out.fields().names()
    assert (tmp_path / "report" / "results.gpkg").exists()
