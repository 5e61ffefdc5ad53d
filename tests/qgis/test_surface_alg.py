"""``ruralenv:surface`` in real QGIS: the GeoTIFF equals the core's surface, and it loads with a colour ramp."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("qgis_app")


@pytest.fixture(scope="module")
def results_gpkg(sample, tmp_path_factory):
    from ruralenv.core import Config, run_pipeline

    out = tmp_path_factory.mktemp("plan")
    inputs = {k: f"{sample}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties")}
    run_pipeline(inputs, Config(cache_dir=str(out / "cache")), out_dir=out, write_map=False)
    return out / "results.gpkg"


def test_surface_algorithm_matches_core_and_loads_styled(results_gpkg, tmp_path):
    import processing
    import rasterio
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsRasterLayer
    from ruralenv.core import Config
    from ruralenv.core.surface.run import make_surface, read_results
    from ruralenv.qgis_plugin.algorithms.surface import RampLoader

    out = tmp_path / "seat.tif"
    res = processing.run("ruralenv:surface", {"RESULTS": str(results_gpkg), "TARGET": 5, "MODE": 0, "RES": 250,
                                              "OUTPUT": str(out)})
    assert res["OUTPUT"] == str(out)
    core = make_surface(read_results(results_gpkg), "seat", "distance", Config(), 250)
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 4546
        assert np.array_equal(ds.read(1), core.values)
    import json

    from openpyxl import load_workbook

    summary = json.loads((tmp_path / "seat_summary.json").read_text(encoding="utf-8"))
    assert summary["target"] == core.summary["target"] and summary["mode"] == "distance"
    assert load_workbook(tmp_path / "seat_report.xlsx", read_only=True).worksheets[0].max_row >= 3

    layer = QgsRasterLayer(str(out), "seat")
    assert layer.isValid()
    RampLoader.create().postProcessLayer(layer, QgsProcessingContext(), QgsProcessingFeedback())
    renderer = layer.renderer()
    assert renderer.type() == "singlebandpseudocolor"
    items = renderer.shader().rasterShaderFunction().colorRampItemList()
    stats = layer.dataProvider().bandStatistics(1)
    assert items[0].value == pytest.approx(stats.minimumValue) and items[-1].value == pytest.approx(stats.maximumValue)
    near, far = items[0].color, items[-1].color
    assert near.green() > near.red() and far.red() > far.green()  # near places green, far ones red
    QgsProject.instance().removeAllMapLayers()


def test_full_plan_option_writes_a_surface(sample, tmp_path):
    import processing
    import rasterio
    from conftest import uri
    from ruralenv.core import Config
    from ruralenv.core.surface.run import make_surface, read_results

    kinds = ("villages", "roads", "facilities", "towns", "counties")
    res = processing.run("ruralenv:full_plan", {**{k.upper(): uri(sample, k) for k in kinds},
                                                "OUTPUT_FOLDER": str(tmp_path / "report"), "SURFACE": 6})
    tif = tmp_path / "report" / "surface_seat.tif"
    assert res["SURFACE_TIF"] == str(tif)
    core = make_surface(read_results(tmp_path / "report" / "results.gpkg"), "seat", "distance", Config())
    with rasterio.open(tif) as ds:
        assert np.array_equal(ds.read(1), core.values)
