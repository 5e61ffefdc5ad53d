"""The terminal progress display: a bar with an ETA for stages that run long, nothing with -q."""
from __future__ import annotations

import io
import time

from ruralenv.core import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_stage(monkeypatch, quiet: bool, seconds: float) -> str:
    term = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", term)
    monkeypatch.setattr(cli, "BAR_DELAY_S", 0.2)
    progress = cli.ConsoleProgress(quiet=quiet)
    progress.stage("distances", total=4)
    for _ in range(4):
        time.sleep(seconds / 4)
        progress.advance()
    progress.done()
    return term.getvalue()


def test_a_long_stage_shows_a_bar_with_an_eta(monkeypatch):
    text = _run_stage(monkeypatch, quiet=False, seconds=0.6)
    assert "distances" in text
    bar = [line for line in text.replace("\r", "\n").splitlines() if "%|" in line]
    assert bar and "/4 [" in bar[-1] and "<" in bar[-1]  # elapsed<remaining


def test_a_short_stage_is_one_line(monkeypatch):
    text = _run_stage(monkeypatch, quiet=False, seconds=0.0)
    assert "distances" in text and "%|" not in text


def test_quiet_prints_nothing(monkeypatch):
    assert _run_stage(monkeypatch, quiet=True, seconds=0.6) == ""
