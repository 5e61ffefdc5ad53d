"""The object QGIS creates through ``classFactory``: registers the provider, adds the menu entry.

When a Python dependency is missing the plugin still loads, registers nothing and says what to install
(in the message bar with a GUI, in the message log headless) — never a modal dialog.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication

from .dependencies import missing_message, missing_modules
from .i18n import install_translator, tr

if TYPE_CHECKING:
    from qgis.gui import QgisInterface

MENU = "&RuralEnv Planner"
LOG_TAG = "RuralEnv"
ICON = Path(__file__).resolve().parent / "icons" / "ruralenv.svg"


class RuralEnvPlugin:
    """RuralEnv Planner inside QGIS.

    Parameters
    ----------
    iface : QgisInterface or None
        None when QGIS runs without a GUI (``qgis_process``, scripts).
    """

    def __init__(self, iface: QgisInterface | None) -> None:
        self.iface = iface
        self.provider: QgsProcessingProvider | None = None
        self.actions: list = []
        self.translator = install_translator()
        self.missing = missing_modules()
        if self.missing:
            QgsMessageLog.logMessage(missing_message(self.missing), LOG_TAG, Qgis.Critical)

    def initProcessing(self) -> None:  # noqa: N802 (QGIS API)
        """Register the Processing provider (also called by ``qgis_process``)."""
        if self.missing or self.provider is not None:
            return
        from .provider import RuralEnvProvider

        self.provider = RuralEnvProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 (QGIS API)
        """Register the provider and add the menu entry that loads the sample county."""
        self.initProcessing()
        if self.iface is None:
            return
        if self.missing:
            self.iface.messageBar().pushMessage(LOG_TAG, missing_message(self.missing), Qgis.Critical, 0)
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        action = QAction(QIcon(str(ICON)), tr("Load the sample county as a styled project"),
                         self.iface.mainWindow())
        iface = self.iface
        action.triggered.connect(lambda _checked=False: show_sample(iface))
        self.iface.addPluginToMenu(MENU, action)
        self.actions.append(action)

    def unload(self) -> None:
        """Remove the menu entry, the provider and the translator."""
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginMenu(MENU, action)
        self.actions.clear()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None


def show_sample(iface: QgisInterface) -> None:
    """Run the full plan on the bundled sample, add the styled results and zoom to them."""
    from qgis.core import QgsCoordinateTransform, QgsProject

    from .sample import load_sample_project

    project = QgsProject.instance()
    try:
        sample = load_sample_project(project)
    except Exception as exc:  # shown to the user, never raised into the Qt event loop
        iface.messageBar().pushMessage(LOG_TAG, str(exc), Qgis.Critical, 0)
        return
    canvas = iface.mapCanvas()
    to_canvas = QgsCoordinateTransform(sample.layers["villages"].crs(), canvas.mapSettings().destinationCrs(),
                                       project)
    canvas.setExtent(to_canvas.transformBoundingBox(sample.extent))
    canvas.refresh()
