"""Load the bundled sample county (准格尔旗 150622) into a project: the full plan's styled results."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsLayerTreeGroup, QgsProject, QgsRectangle, QgsVectorLayer

from ..core.base import SAMPLE_GPKG
from .algorithms.base import STYLES_DIR
from .algorithms.full_plan import OUTPUT_FOLDER, FullPlan
from .i18n import tr

#: Input layers shown beside the results: name → (label, style).
CONTEXT_LAYERS: dict[str, tuple[str, str | None]] = {"towns": ("Township seats", "towns.qml"), "mines": ("Mines", "mines.qml")}
#: Layers from top to bottom of the layer tree.
DRAW_ORDER = ("unreachable", "facilities", "towns", "villages", "mines", "roads", "counties")


@dataclass
class SampleProject:
    """What :func:`load_sample_project` added."""

    group: QgsLayerTreeGroup
    layers: dict[str, QgsVectorLayer]
    extent: QgsRectangle  # in the CRS of the result layers
    results: dict


def sample_parameters(gpkg: Path = SAMPLE_GPKG) -> dict:
    """Parameters of ``ruralenv:full_plan`` on every layer of the sample, outputs temporary."""
    params: dict = {kind.upper(): f"{gpkg}|layername={kind}" for kind, _ in FullPlan.INPUTS}
    for sink in FullPlan.SINKS:
        params[sink.parameter] = "TEMPORARY_OUTPUT"
    params[OUTPUT_FOLDER] = "TEMPORARY_OUTPUT"
    return params


def load_sample_project(project: QgsProject, gpkg: Path = SAMPLE_GPKG) -> SampleProject:
    """Run the full plan on the sample; add its styled results, towns and mines to ``project`` in one group.

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
        if name in CONTEXT_LAYERS:
            label, style = CONTEXT_LAYERS[name]
            layer = QgsVectorLayer(f"{gpkg}|layername={name}", tr(label), "ogr")
        else:
            layer, label, style = results[sinks[name].parameter], sinks[name].label, sinks[name].style
            layer.setName(tr(label))
        if style:
            layer.loadNamedStyle(str(STYLES_DIR / style))
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        layers[name] = layer
        if name not in CONTEXT_LAYERS:  # the results share one CRS; the inputs keep their own
            extent.combineExtentWith(layer.extent())
    return SampleProject(group, layers, extent, results)
