"""The terminal progress display: a bar with an ETA for stages that run long, nothing with -q."""
from __future__ import annotations

import io

from ruralenv.core.base import console


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_stage(monkeypatch, quiet: bool, bar_delay_s: float) -> str:
    """A four-step stage on a fake terminal; the bar's delay decides alone whether a bar shows (no clock)."""
    term = Terminal()
    monkeypatch.setattr(console.sys, "stderr", term)
    monkeypatch.setattr(console, "BAR_DELAY_S", bar_delay_s)
    progress = console.ConsoleProgress(quiet=quiet)
    progress.stage("distances", total=4)
    for _ in range(4):
        progress.advance()
    progress.done()
    return term.getvalue()


def test_a_long_stage_shows_a_bar_with_an_eta(monkeypatch):
    text = _run_stage(monkeypatch, quiet=False, bar_delay_s=0.0)
    assert "distances" in text
    bar = [line for line in text.replace("\r", "\n").splitlines() if "%|" in line]
    assert bar and "/4 [" in bar[-1] and "<" in bar[-1]  # elapsed<remaining


def test_a_short_stage_is_one_line(monkeypatch):
    text = _run_stage(monkeypatch, quiet=False, bar_delay_s=1e9)
    assert "distances" in text and "%|" not in text


def test_quiet_prints_nothing(monkeypatch):
    assert _run_stage(monkeypatch, quiet=True, bar_delay_s=0.0) == ""


class Recorder:
    """A progress sink (the protocol QGIS adapts too) that records each stage's size and steps."""

    def __init__(self) -> None:
        self.stages: list[list] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.stages.append([name, total, 0])

    def advance(self, n: int = 1) -> None:
        self.stages[-1][2] += n

    def message(self, text: str, level: str = "info") -> None:
        pass

    def cancelled(self) -> bool:
        return False


def test_long_stages_report_their_size_and_every_step(tmp_path):
    from conftest import SAMPLE
    from ruralenv.core import Config, run_pipeline

    rec = Recorder()
    kinds = ("villages", "roads", "facilities", "towns", "counties")
    run_pipeline({k: f"{SAMPLE}:{k}" for k in kinds}, Config(cache_dir=str(tmp_path / "cache")),
                 out_dir=tmp_path / "out", progress=rec, write_map=False)
    sizes = {name: (total, steps) for name, total, steps in rec.stages}
    assert sizes["read"] == (len(kinds), len(kinds))
    assert sizes["write"] == (3, 3)  # results.gpkg, summary.json, report.xlsx
    assert sizes["distances"][0] == sizes["distances"][1] > 0
