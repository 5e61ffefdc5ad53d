"""The Processing provider "RuralEnv 农村牧区人居环境"."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS
from .algorithms.base import ICON_PATH


class RuralEnvProvider(QgsProcessingProvider):
    """Registers the RuralEnv algorithms under the id ``ruralenv``."""

    def id(self) -> str:  # noqa: D102
        return "ruralenv"

    def name(self) -> str:  # noqa: D102
        return "RuralEnv 农村牧区人居环境"

    def longName(self) -> str:  # noqa: D102, N802
        return "RuralEnv Planner 农村牧区人居环境规划"

    def icon(self) -> QIcon:  # noqa: D102
        return QIcon(str(ICON_PATH))

    def loadAlgorithms(self) -> None:  # noqa: D102, N802
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
