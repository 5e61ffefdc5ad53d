"""Write the QML styles of the plugin's outputs into ``qgis_plugin/styles`` (run once after changing them).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/build_styles.py
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsClassificationRange,
    QgsGraduatedSymbolRenderer,
    QgsMapLayer,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleSymbolRenderer,
    QgsSymbol,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor, QFont

STYLES = Path(__file__).resolve().parent.parent / "qgis_plugin" / "styles"
CATEGORIES = QgsMapLayer.Symbology | QgsMapLayer.Labeling
_M = QgsSimpleMarkerSymbolLayerBase
SHAPES = {"circle": _M.Circle, "square": _M.Square, "triangle": _M.Triangle, "diamond": _M.Diamond,
          "cross": _M.Cross2, "star": _M.Star, "pentagon": _M.Pentagon}


def symbol(geometry: QgsWkbTypes.GeometryType, color: str, size: float, outline: str = "#ffffff",
           shape: str = "circle") -> QgsSymbol:
    """A simple marker, line or fill symbol."""
    sym = QgsSymbol.defaultSymbol(geometry)
    sym.setColor(QColor(color))
    layer = sym.symbolLayer(0)
    if geometry == QgsWkbTypes.PointGeometry:
        sym.setSize(size)
        layer.setStrokeColor(QColor(outline))
        layer.setStrokeWidth(0.25)
        layer.setShape(SHAPES[shape])
    elif geometry == QgsWkbTypes.LineGeometry:
        sym.setWidth(size)
    else:
        layer.setStrokeColor(QColor(outline))
        layer.setStrokeWidth(size)
    return sym


def memory_layer(geometry: str, fields: str) -> QgsVectorLayer:
    """An empty memory layer with the fields a style refers to."""
    return QgsVectorLayer(f"{geometry}?crs=EPSG:4546&{fields}", "style", "memory")


def categorized(attr: str, items: list[tuple[object, str, QgsSymbol]]) -> QgsCategorizedSymbolRenderer:
    """Categories ``(value, label, symbol)``; value ``""`` is the catch-all (NULL and anything else)."""
    return QgsCategorizedSymbolRenderer(attr, [QgsRendererCategory(v, s, label) for v, label, s in items])


def save(layer: QgsVectorLayer, renderer, name: str, labeling=None) -> None:
    """Set the renderer (and labels) and write ``styles/<name>``."""
    layer.setRenderer(renderer)
    if labeling is not None:
        layer.setLabeling(labeling)
        layer.setLabelsEnabled(True)
    message, ok = layer.saveNamedStyle(str(STYLES / name), categories=CATEGORIES)
    assert ok, message


def labels(expression: str, size: float) -> QgsVectorLayerSimpleLabeling:
    """Expression labels with a white buffer."""
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = True
    fmt = QgsTextFormat()
    fmt.setFont(QFont("Sans Serif"))
    fmt.setSize(size)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    return QgsVectorLayerSimpleLabeling(settings)


def main() -> None:
    """Write every style."""
    pt, ln, pg = QgsWkbTypes.PointGeometry, QgsWkbTypes.LineGeometry, QgsWkbTypes.PolygonGeometry
    v = memory_layer("Point", "field=collection_model:string&field=hardened_access:boolean&field=name:string")
    save(v, categorized("collection_model", [
        ("county_process", "城乡一体化治理模式 county_process", symbol(pt, "#1f78b4", 2.6)),
        ("town_transfer", "苏木乡镇集中治理模式 town_transfer", symbol(pt, "#33a02c", 2.6)),
        ("village_collect", "村庄分散治理模式 village_collect", symbol(pt, "#ff7f00", 2.6)),
        ("", "路网不可达 unreachable (NULL)", symbol(pt, "#e31a1c", 3.0, shape="cross", outline="#e31a1c")),
    ]), "villages.qml")
    save(v, categorized("hardened_access", [
        (True, "通硬化路 hardened access", symbol(pt, "#1a9641", 2.6)),
        (False, "未通硬化路 no hardened access", symbol(pt, "#d7191c", 2.6)),
        ("", "路网不可达 unreachable (NULL)", symbol(pt, "#7f7f7f", 2.6, shape="cross", outline="#7f7f7f")),
    ]), "villages_access.qml")
    r = memory_layer("LineString", "field=hardened:boolean&field=is_island:boolean")
    save(r, categorized("hardened", [
        (True, "硬化路 hardened", symbol(ln, "#404040", 0.7)),
        (False, "未硬化 not hardened", symbol(ln, "#c8a165", 0.35)),
    ]), "roads.qml")
    save(r, categorized("is_island", [
        (False, "连通路网 connected network", symbol(ln, "#7f7f7f", 0.4)),
        (True, "孤岛 isolated island", symbol(ln, "#e31a1c", 1.2)),
    ]), "components.qml")
    save(r, QgsSingleSymbolRenderer(symbol(ln, "#e31a1c", 1.2)), "problem_lines.qml")
    p = memory_layer("Point", "field=facility_type:string")
    save(p, categorized("facility_type", [
        ("transfer_station", "垃圾转运站 transfer station", symbol(pt, "#6a3d9a", 4.2, outline="#000000", shape="triangle")),
        ("town_treatment", "苏木乡镇处理设施 town treatment", symbol(pt, "#b15928", 4.2, outline="#000000",
                                                                     shape="square")),
        ("county_treatment", "旗县处理设施 county treatment", symbol(pt, "#000000", 5.0, outline="#ffffff",
                                                                  shape="star")),
        ("village_treatment", "嘎查村处理设施 village treatment", symbol(pt, "#fb9a99", 3.6, outline="#000000",
                                                                     shape="diamond")),
        ("wastewater_plant", "城镇污水处理厂 wastewater plant", symbol(pt, "#08519c", 4.6, outline="#000000",
                                                                   shape="square")),
        ("fecal_treatment", "粪污集中处理设施 toilet-waste treatment", symbol(pt, "#8c510a", 3.8, outline="#000000",
                                                                shape="diamond")),
    ]), "facilities.qml")
    save(p, QgsSingleSymbolRenderer(symbol(pt, "#e31a1c", 2.4, outline="#000000", shape="square")),
         "problem_points.qml")
    save(p, QgsSingleSymbolRenderer(symbol(pt, "#e31a1c", 4.0, outline="#e31a1c", shape="cross")),
         "unreachable.qml")
    t = memory_layer("Point", "field=name:string")
    save(t, QgsSingleSymbolRenderer(symbol(pt, "#ffffff", 3.4, outline="#000000")), "towns.qml",
         labels('"name"', 9))
    m = memory_layer("Point", "field=green_mine_level:string")
    save(m, categorized("green_mine_level", [
        ("national", "国家级绿色矿山 national green mine", symbol(pt, "#006d2c", 3.0, outline="#000000",
                                                              shape="pentagon")),
        ("regional", "自治区级绿色矿山 regional green mine", symbol(pt, "#74c476", 3.0, outline="#000000",
                                                               shape="pentagon")),
        ("", "非绿色矿山 not a green mine", symbol(pt, "#969696", 3.0, outline="#000000", shape="pentagon")),
    ]), "mines.qml")
    c = memory_layer("MultiPolygon", "field=waste_coverage_pct:double&field=name:string")
    bands = [(0, 30, "#fee5d9"), (30, 50, "#fcae91"), (50, 60, "#fb6a4a"), (60, 100, "#a1d99b")]
    ranges = []
    for low, high, color in bands:
        fill = symbol(pg, color, 0.6, outline="#636363")
        fill.setOpacity(0.55)
        ranges.append(QgsRendererRange(QgsClassificationRange(f"垃圾收运覆盖率{low}%至{high}% waste coverage {low}–{high} %", low, high), fill))
    graduated = QgsGraduatedSymbolRenderer("waste_coverage_pct", ranges)
    save(c, graduated, "counties.qml",
         labels("\"name\" || '\\n' || '垃圾收运覆盖率' || coalesce(format_number(\"waste_coverage_pct\", 1), '–') || '%'",
                14))

    sanitation_styles()


def sanitation_styles() -> None:
    """Villages by sewage mode (§(七)) and counties by sanitary-toilet rate."""
    pt, pg = QgsWkbTypes.PointGeometry, QgsWkbTypes.PolygonGeometry
    v = memory_layer("Point", "field=sewage_mode:string")
    save(v, categorized("sewage_mode", [
        ("sewer_connect", "纳入城镇污水管网 sewer_connect", symbol(pt, "#08519c", 2.8)),
        ("central", "建设日处理能力20吨以上的污水集中处理设施 central", symbol(pt, "#3182bd", 2.8, shape="square")),
        ("decentralised", "分散式处理设备或日处理能力5吨左右的小型污水处理设施 decentralised", symbol(pt, "#9ecae1", 2.6, outline="#3182bd",
                                                                     shape="diamond")),
        ("resource_use", "以粪污收集为主的生活污水资源化利用方式 resource_use", symbol(pt, "#a6761d", 2.4, shape="triangle")),
        ("", "暂不确定治理模式（常住人口未知） unknown (NULL)", symbol(pt, "#bdbdbd", 2.2, shape="cross", outline="#7f7f7f")),
    ]), "villages_sewage.qml")
    c = memory_layer("MultiPolygon", "field=toilet_rate_pct:double&field=name:string")
    bands = [(0, 50, "#fee6ce"), (50, 70, "#fdae6b"), (70, 85, "#e6550d"), (85, 100, "#a1d99b")]
    ranges = []
    for low, high, color in bands:
        fill = symbol(pg, color, 0.6, outline="#636363")
        fill.setOpacity(0.55)
        ranges.append(QgsRendererRange(QgsClassificationRange(f"卫生厕所普及率{low}%至{high}% sanitary toilets {low}–{high} %",
                                                              low, high), fill))
    save(c, QgsGraduatedSymbolRenderer("toilet_rate_pct", ranges), "counties_toilets.qml",
         labels("\"name\" || '\\n' || '卫生厕所普及率' || coalesce(format_number(\"toilet_rate_pct\", 1), '–') "
                "|| '%'", 14))


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    main()
