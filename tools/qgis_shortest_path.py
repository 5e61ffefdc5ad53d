"""QGIS baseline of ``ruralenv bench``: time ``native:shortestpathlayertopoint`` in a real QGIS.

Run by Debian's python3 (the one QGIS's bindings belong to), outside ``core/`` so the core never imports
qgis. Usage: ``python3 qgis_shortest_path.py PLUGINS_DIR ROADS.gpkg STARTS.gpkg ENDS_JSON`` where ENDS_JSON is a
list of ``[call, x, y]`` (EPSG:4490). Prints one JSON line: the QGIS version and per-call seconds and costs.
"""
import json
import sys
import time


def main(plugins: str, roads_gpkg: str, starts_gpkg: str, ends_json: str) -> None:
    """Route the start points of each call to its end point and print the timings as JSON."""
    sys.path.append(plugins)
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    calls = _route_all(roads_gpkg, starts_gpkg, json.loads(ends_json))
    print(json.dumps({"version": Qgis.QGIS_VERSION, "calls": calls}), flush=True)
    app.exitQgis()


def _route_all(roads_gpkg: str, starts_gpkg: str, ends: list) -> list[dict]:
    """One shortest-path run per call; every QGIS object is released before QGIS exits."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    calls = []
    for call, x, y in ends:
        ctx = QgsProcessingContext()
        ctx.setProject(QgsProject.instance())
        ctx.setEllipsoid("EPSG:7019")
        t0 = time.perf_counter()
        res = processing.run("native:shortestpathlayertopoint", {
            "INPUT": roads_gpkg + "|layername=roads", "STRATEGY": 0,
            "START_POINTS": starts_gpkg + f'|layername=starts|subset="call" = {call}',
            "END_POINT": f"{x!r},{y!r} [EPSG:4490]", "TOLERANCE": 0, "OUTPUT": "TEMPORARY_OUTPUT",
        }, context=ctx, feedback=QgsProcessingFeedback())
        seconds = time.perf_counter() - t0
        layer = res["OUTPUT"]
        if isinstance(layer, str):
            layer = ctx.getMapLayer(layer)
        cost = {str(f["village_code"]): f["cost"] for f in layer.getFeatures()}
        calls.append({"call": call, "seconds": seconds, "cost": cost})
    return calls


if __name__ == "__main__":
    main(*sys.argv[1:5])
