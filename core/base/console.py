"""What the ``ruralenv`` commands share: progress on the terminal, in the user's language
(:mod:`ruralenv.core.base.i18n`)."""
from __future__ import annotations

import sys
import time

from .i18n import language, translate

#: A stage's bar appears only once the stage has run this long (seconds); short stages stay one line.
BAR_DELAY_S = 2.0


class ConsoleProgress:
    """Progress on the terminal: a line per stage and, on a terminal, a tqdm bar with an ETA for stages
    with a known size that last longer than :data:`BAR_DELAY_S` (none with ``quiet``)."""

    def __init__(self, quiet: bool = False, max_warnings: int = 20):
        self.quiet = quiet
        self.max_warnings = max_warnings
        self.warnings = 0
        self._bar = None
        self._t0 = time.perf_counter()

    def stage(self, name: str, total: int | None = None) -> None:
        self._close()
        if self.quiet:
            return
        name = translate(name)
        print(f"[{time.perf_counter() - self._t0:6.1f}s] {name}", file=sys.stderr, flush=True)
        if total and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, leave=False, file=sys.stderr, unit="step", desc=name, delay=BAR_DELAY_S,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]")

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def message(self, text: str, level: str = "info") -> None:
        if level == "warning":
            self.warnings += 1
            if self.warnings <= self.max_warnings:
                print(f"{translate('warning')}{_colon()}{translate(text)}", file=sys.stderr)
            elif self.warnings == self.max_warnings + 1:
                print(f"{translate('warning')}{_colon()}"
                      f"{translate('more warnings follow; all are listed in results.gpkg (rejects, unreachable)')}",
                      file=sys.stderr)
        elif not self.quiet:
            print(f"         {translate(text)}", file=sys.stderr)

    def cancelled(self) -> bool:
        return False

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def done(self) -> None:
        """Close any open progress bar."""
        self._close()


def _colon() -> str:
    """The colon after a label: full width in Chinese."""
    return "：" if language() == "zh" else ": "
