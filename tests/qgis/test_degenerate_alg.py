"""The QGIS algorithms on layers of one feature, identical points and zero-width extents: a result or one clear
error in the Processing log, never a Python traceback (issue 23, item 1)."""
from __future__ import annotations

import sys
from pathlib import Path

import pyogrio
import pytest
from conftest import uri

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from test_degenerate_layers import make_layers  # noqa: E402 - the core tests' builder of degenerate layers

pytestmark = pytest.mark.usefixtures("qgis_app")


@pytest.mark.parametrize("shape, n", [("spread", 1), ("same_point", 2), ("north_south", 2), ("east_west", 1)])
def test_full_plan_and_map_on_degenerate_layers(tmp_path, shape, n):
    import processing

    gpkg = tmp_path / "in.gpkg"
    for kind, gdf in make_layers(shape, n, 1, 1, n).items():
        pyogrio.write_dataframe(gdf, gpkg, layer=kind, driver="GPKG", append=gpkg.exists())
    folder = tmp_path / "report"
    sinks = {f"OUTPUT_{k}": "TEMPORARY_OUTPUT" for k in ("VILLAGES", "ROADS", "FACILITIES", "COUNTIES", "UNREACHABLE")}
    res = processing.run("ruralenv:full_plan", {**{k.upper(): uri(gpkg, k) for k in ("villages", "roads", "facilities",
                                                                                       "towns")},
                                                 **sinks, "OUTPUT_FOLDER": str(folder)})
    assert res["OUTPUT_VILLAGES"].featureCount() == n
    html = tmp_path / "map.html"
    processing.run("ruralenv:export_webmap", {"RESULTS": str(folder / "results.gpkg"), "OUTPUT_HTML": str(html)})
    assert html.stat().st_size > 10_000


@pytest.mark.parametrize("alg_id", ["ruralenv:validate_network", "ruralenv:hardened_access",
                                    "ruralenv:collection_model", "ruralenv:sanitation"])
def test_every_sink_of_the_analysis_algorithms_on_one_feature(tmp_path, alg_id):
    """Every output asked for, from layers of one feature on one point: empty outputs included."""
    import processing
    from qgis.core import QgsApplication, QgsProcessingParameterFeatureSink

    gpkg = tmp_path / "in.gpkg"
    for kind, gdf in make_layers("same_point", 1, 1, 1, 1).items():
        pyogrio.write_dataframe(gdf, gpkg, layer=kind, driver="GPKG", append=gpkg.exists())
    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    names = {p.name() for p in alg.parameterDefinitions()}
    params = {k.upper(): uri(gpkg, k) for k in ("villages", "roads", "facilities", "towns") if k.upper() in names}
    sinks = [p.name() for p in alg.destinationParameterDefinitions()
             if isinstance(p, QgsProcessingParameterFeatureSink)]
    res = processing.run(alg_id, {**params, **dict.fromkeys(sinks, "TEMPORARY_OUTPUT")})
    assert all(res[s] is not None for s in sinks)
