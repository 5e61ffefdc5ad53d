"""Adapt ``QgsProcessingFeedback`` to the core's :class:`ruralenv.core.base.progress.Progress` protocol."""
from __future__ import annotations

from collections.abc import Sequence

from qgis.core import QgsProcessingFeedback

from ..core import PIPELINE_STAGES
from .i18n import tr

#: Stage → text shown above the progress bar (English; translated when shown).
STAGE_LABELS = {
    "read": "Reading and checking the input layers",
    "crs": "Choosing a metric coordinate system",
    "graph": "Building the road network",
    "snapping": "Snapping villages and facilities to roads",
    "distances": "Measuring road distances",
    "attributes": "Village classes and reachability",
    "access": "Hardened-road access",
    "collection": "Choosing collection models",
    "sanitation": "Sewage modes and sanitary toilets",
    "mines": "Villages near mines",
    "villages": "Assembling the villages layer",
    "indicators": "County indicators",
    "write": "Writing the report files",
    "check": "Checking the network",
    "web map": "Drawing the web map",
}


class FeedbackProgress:
    """Report core progress to a Processing feedback: text per stage, one progress bar, cancel.

    Parameters
    ----------
    feedback : QgsProcessingFeedback
        The feedback of the running algorithm.
    stages : sequence of str
        The stage names the core will report, in order; they split the bar into equal bands.
    """

    def __init__(self, feedback: QgsProcessingFeedback, stages: Sequence[str] = PIPELINE_STAGES):
        self.feedback = feedback
        self.stages = list(stages)
        self._band = 0
        self._total: int | None = None
        self._done = 0

    def stage(self, name: str, total: int | None = None) -> None:
        """Start stage ``name``: show its label and move the bar to the start of its band."""
        if name in self.stages:
            self._band = self.stages.index(name)
        self._total, self._done = total, 0
        self.feedback.setProgressText(tr(STAGE_LABELS[name]) if name in STAGE_LABELS else name)
        self._show()

    def advance(self, n: int = 1) -> None:
        """Move the bar ``n`` steps within the current stage."""
        self._done += n
        self._show()

    def message(self, text: str, level: str = "info") -> None:
        """Log ``text``: warnings with ``pushWarning``, the rest with ``pushInfo``."""
        if level == "warning":
            self.feedback.pushWarning(text)
        else:
            self.feedback.pushInfo(text)

    def cancelled(self) -> bool:
        """True once the user pressed Cancel."""
        return self.feedback.isCanceled()

    def _show(self) -> None:
        within = min(self._done / self._total, 1.0) if self._total else 0.0
        self.feedback.setProgress(100.0 * (self._band + within) / max(len(self.stages), 1))
