"""The Processing provider "RuralEnv 农村牧区人居环境"."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS
from .algorithms.base import ICON_PATH


class RuralEnvProvider(QgsProcessingProvider):
    """Registers the RuralEnv algorithms under the id ``ruralenv``."""

    def id(self) -> str:
        """Provider id: algorithms are ``ruralenv:<name>``."""
        return "ruralenv"

    def name(self) -> str:
        """Name shown in the toolbox."""
        return "RuralEnv 农村牧区人居环境"

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        """Full name."""
        return "RuralEnv Planner 农村牧区人居环境规划"

    def icon(self) -> QIcon:
        """The plugin icon."""
        return QIcon(str(ICON_PATH))

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API)
        """Add one instance of each algorithm."""
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
