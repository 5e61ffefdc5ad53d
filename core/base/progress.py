"""The small progress protocol the core reports through.

The core never sees QGIS's ``QgsProcessingFeedback`` nor a terminal: it talks to any object with
these four methods. :class:`NullProgress` ignores everything; the CLI and the QGIS plugin adapt
their own progress displays to it.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Protocol, runtime_checkable

from ._errors import Cancelled

log = logging.getLogger("ruralenv")


@runtime_checkable
class Progress(Protocol):
    """What the core calls while it works."""

    def stage(self, name: str, total: int | None = None) -> None:
        """Start a named stage; ``total`` is the number of steps when known."""

    def advance(self, n: int = 1) -> None:
        """Mark ``n`` steps of the current stage as done."""

    def message(self, text: str, level: str = "info") -> None:
        """Report a line of text; ``level`` is ``"info"`` or ``"warning"``."""

    def cancelled(self) -> bool:
        """Return True once the user asked to stop."""


class NullProgress:
    """Progress sink that only forwards messages to the ``ruralenv`` logger."""

    def stage(self, name: str, total: int | None = None) -> None:
        """Log the stage's name (debug)."""
        log.debug("stage %s", name)

    def advance(self, n: int = 1) -> None:
        """Nothing to show."""

    def message(self, text: str, level: str = "info") -> None:
        """Log the message at its level."""
        log.log(logging.WARNING if level == "warning" else logging.INFO, text)

    def cancelled(self) -> bool:
        """Never."""
        return False


def check_cancel(progress: Progress) -> None:
    """Raise :class:`Cancelled` when the user asked to stop.

    Parameters
    ----------
    progress : Progress
        The progress sink of the current run.
    """
    if progress.cancelled():
        raise Cancelled("cancelled by the user; no output was written")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux: ``VmHWM`` of /proc/self/status, which starts afresh at exec (``ru_maxrss`` may carry the
    parent's memory over fork). Elsewhere ``ru_maxrss`` (kB on Linux, bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)
