"""Screenshot of the village status form as QGIS (and QField) shows it: ``form.qgz`` opened, one village's
attribute form rendered offscreen in edit mode with an example observation typed in.

Run in QGIS's Python (``QT_QPA_PLATFORM=offscreen``)::

    python -m ruralenv.tools.field_form_shot FORM_DIR OUT.png

It never saves the edit: form.gpkg is left as it was.
"""
from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

#: Example values typed into the form for the picture.
EXAMPLE = {"obs_households": 450, "obs_sanitary_toilet_households": 320, "obs_sewage_treated": "是",
           "obs_waste_collected": "是", "obs_road_surface": "水泥", "surveyor": "张三",
           "remarks": "村委会核实 checked with the village committee"}


def shoot(form_dir: Path, out: Path, width: int = 760, height: int = 1560) -> None:
    """Open ``form_dir/form.qgz`` and save the first village's attribute form (edit mode) as ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsProject
    from qgis.gui import QgsAttributeEditorContext, QgsAttributeForm, QgsGui
    from qgis.PyQt.QtWidgets import QApplication

    app = QgsApplication([], True)
    app.initQgis()
    QgsGui.editorWidgetRegistry().initEditors()
    project = QgsProject.instance()
    if not project.read(str(form_dir / "form.qgz")):
        raise SystemExit(f"cannot open {form_dir / 'form.qgz'}")
    layer = next(iter(project.mapLayers().values()))
    feature = next(layer.getFeatures())
    layer.startEditing()
    for name, value in {**EXAMPLE, "survey_date": date.today().isoformat()}.items():
        feature[name] = value
    form = QgsAttributeForm(layer, feature, QgsAttributeEditorContext())
    form.resize(width, height)
    form.show()
    for _ in range(5):
        QApplication.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not form.grab().save(str(out)):
        raise SystemExit(f"cannot write {out}")
    layer.rollBack()
    form.close()
    del form  # the form's widgets go before the layer and the application they refer to
    project.clear()
    app.exitQgis()


if __name__ == "__main__":
    shoot(Path(sys.argv[1]), Path(sys.argv[2]))
