"""Load the bundled sample county (准格尔旗 150622) into a project: the full plan's styled results."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsLayerTreeGroup, QgsProject, QgsRectangle, QgsVectorLayer

from .algorithms.base import STYLES_DIR
from .algorithms.full_plan import OUTPUT_FOLDER, FullPlan
from .i18n import tr

SAMPLE_GPKG = Path(__file__).resolve().parent.parent / "data" / "sample" / "zhungeer_150622.gpkg"
#: Result layers from top to bottom of the layer tree.
DRAW_ORDER = ("unreachable", "facilities", "villages", "roads", "counties")


@dataclass
class SampleProject:
    """What :func:`load_sample_project` added."""

    group: QgsLayerTreeGroup
    layers: dict[str, QgsVectorLayer]
    extent: QgsRectangle
    results: dict


def sample_parameters(gpkg: Path = SAMPLE_GPKG) -> dict:
    """Parameters of ``ruralenv:full_plan`` on every layer of the sample, outputs temporary."""
    params: dict = {kind.upper(): f"{gpkg}|layername={kind}" for kind, _ in FullPlan.INPUTS}
    for sink in FullPlan.SINKS:
        params[sink.parameter] = "TEMPORARY_OUTPUT"
    params[OUTPUT_FOLDER] = "TEMPORARY_OUTPUT"
    return params


def load_sample_project(project: QgsProject, gpkg: Path = SAMPLE_GPKG) -> SampleProject:
    """Run the full plan on the sample and add its styled results to ``project`` in one group.

    Parameters
    ----------
    project : QgsProject
    gpkg : Path
        The sample GeoPackage (layers counties, towns, villages, roads, facilities, mines).

    Returns
    -------
    SampleProject
    """
    import processing

    if not gpkg.exists():
        raise FileNotFoundError(tr("The sample data is missing: {0}").format(gpkg))
    results = processing.run("ruralenv:full_plan", sample_parameters(gpkg))
    sinks = {sink.layer: sink for sink in FullPlan.SINKS}
    group = project.layerTreeRoot().insertGroup(0, tr("Sample county 准格尔旗 (150622)"))
    layers: dict[str, QgsVectorLayer] = {}
    extent = QgsRectangle()
    for name in DRAW_ORDER:
        sink = sinks[name]
        layer = results[sink.parameter]
        layer.setName(tr(sink.label))
        if sink.style:
            layer.loadNamedStyle(str(STYLES_DIR / sink.style))
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        layers[name] = layer
        if layer.isSpatial():
            extent.combineExtentWith(layer.extent())
    return SampleProject(group, layers, extent, results)
