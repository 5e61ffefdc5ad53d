"""Render the styled sample county to ``docs/styled_sample.png`` (headless QGIS, offscreen).

Runs ``ruralenv:full_plan`` on the bundled sample through the plugin's own sample loader, draws the
styled result layers with ``QgsMapRendererParallelJob`` and adds a legend of their categories.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_sample.py [--out docs/styled_sample.png]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsSymbolLayerUtils,
)
from qgis.PyQt.QtCore import QPoint, QSize
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter

ROOT = Path(__file__).resolve().parent.parent
MAP_SIZE = QSize(1100, 1100)
LEGEND_WIDTH = 520
LEGEND_LAYERS = ("villages", "facilities", "roads", "counties", "mines", "towns")


def render_map(layers: list, extent, crs) -> QImage:
    """Draw ``layers`` (top first) over ``extent`` in ``crs``."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setOutputSize(MAP_SIZE)
    settings.setBackgroundColor(QColor("white"))
    settings.setExtent(extent.buffered(extent.width() * 0.02))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def draw_legend(painter: QPainter, layers: dict, left: int, title: list[str]) -> None:
    """Title lines, then per layer its name and one line per category (one line when it has one symbol)."""
    y = 20
    painter.setPen(QColor("black"))
    painter.setFont(QFont("Sans Serif", 17, QFont.Bold))
    for line in title:
        y += 34
        painter.drawText(left, y, line)
    y += 10
    for name in LEGEND_LAYERS:
        layer = layers[name]
        items = layer.renderer().legendSymbolItems()
        if len(items) > 1:
            y += 34
            painter.setFont(QFont("Sans Serif", 13, QFont.Bold))
            painter.drawText(left, y, layer.name())
        painter.setFont(QFont("Sans Serif", 12))
        for item in items:
            y += 30
            icon = QgsSymbolLayerUtils.symbolPreviewPixmap(item.symbol(), QSize(24, 24))
            painter.drawPixmap(QPoint(left + 6, y - 19), icon)
            painter.drawText(left + 40, y, item.label() or layer.name())


def main() -> None:
    """Load the sample, render it, write the PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "styled_sample.png")
    out = parser.parse_args().out
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    import ruralenv
    from ruralenv.qgis_plugin.sample import DRAW_ORDER, load_sample_project

    plugin = ruralenv.classFactory(None)
    plugin.initProcessing()
    sample = load_sample_project(QgsProject.instance())
    drawn = render_map([sample.layers[name] for name in DRAW_ORDER], sample.extent,
                       sample.layers["villages"].crs())
    image = QImage(MAP_SIZE.width() + LEGEND_WIDTH, MAP_SIZE.height(), QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.drawImage(0, 0, drawn)
    painter.setPen(QColor("#999999"))
    painter.drawLine(MAP_SIZE.width(), 20, MAP_SIZE.width(), MAP_SIZE.height() - 20)
    draw_legend(painter, sample.layers, MAP_SIZE.width() + 24, ["准格尔旗 (150622)", "RuralEnv Planner 示例 sample"])
    painter.setFont(QFont("Sans Serif", 10))
    painter.setPen(QColor("#555555"))
    for i, line in enumerate(("Sample data: real boundary and names;", "synthetic roads, villages and facilities.")):
        painter.drawText(MAP_SIZE.width() + 24, MAP_SIZE.height() - 44 + 20 * i, line)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(out)), f"could not write {out}"
    plugin.unload()
    print(out)


if __name__ == "__main__":
    main()
