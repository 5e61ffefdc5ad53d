"""The county charts of report.docx: every indicator's trajectory against its targets, one PNG per place.

Drawn by matplotlib (Agg, a bare :class:`~matplotlib.figure.Figure`: no pyplot, no GUI backend touched). A region
has a hundred counties, so the frame — axes, ticks, titles, grid — is drawn once per set of indicators and each
place only draws its lines and markers on a copy of it (matplotlib's blitting), about a hundred times faster than
drawing each figure whole. Every axis is therefore the same for every place: rates 0–100 %, new sanitary toilets as
a share of the place's 2025 target (the 2023 target then sits at 300,000 / 450,000 of it).
"""
from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from typing import Any

from .charts import OBSERVED, PROJECTED, TARGET_2023, TARGET_2025, span, wrap

#: CJK fonts tried, Debian's first (fonts-wqy-microhei, fonts-noto-cjk), then Windows' and macOS'.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "SimHei",
             "Microsoft YaHei", "PingFang SC", "Heiti SC")
#: The y range of the toilets chart (percent of the 2025 target).
TOILET_RANGE = (-10.0, 120.0)
DPI = 110


def _matplotlib() -> tuple[Any, Any]:
    """``Figure`` and ``FigureCanvasAgg`` (Debian's matplotlib beside pip's warns that it cannot import Axes3D)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    return Figure, FigureCanvasAgg


def cjk_font() -> str | None:
    """The first CJK font matplotlib can use, or None."""
    _matplotlib()
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in CJK_FONTS if f in names), None)


def scaled(ind: dict[str, Any], key: str) -> dict[str, Any]:
    """The indicator on its chart's axis: rates as they are, new toilets in percent of the 2025 target."""
    if key != "new_toilets":
        return ind
    target = ind.get("target_2025")
    if not target:
        return {**ind, "values": [None] * len(ind["values"]), "target_2023": None, "target_2025": None,
                "projected_2025": None}

    def pct(v: float | None) -> float | None:
        return None if v is None else 100.0 * v / target

    return {**ind, "values": [pct(v) for v in ind["values"]], "target_2023": pct(ind.get("target_2023")),
            "target_2025": 100.0, "projected_2025": pct(ind.get("projected_2025"))}


class _Sheet:
    """The frame of one set of indicators, drawn once; :meth:`png` draws a place's data on a copy."""

    def __init__(self, titles: list[tuple[str, str]], years: Sequence[int], font: str | None):
        figure, canvas = _matplotlib()
        cols = 4 if len(titles) > 6 else 3
        rows = max(1, math.ceil(len(titles) / cols))
        self.figure = figure(figsize=(6.7, 2.0 * rows + 0.3), dpi=DPI)
        self.canvas = canvas(self.figure)
        family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
        self.artists: dict[str, tuple[Any, dict[str, Any]]] = {}
        x0, x1 = span(years)
        for i, (key, title) in enumerate(titles):
            ax = self.figure.add_subplot(rows, cols, i + 1)
            low, high = TOILET_RANGE if key == "new_toilets" else (0.0, 100.0)
            ax.set_xlim(x0 - 0.4, x1 + 0.4)
            ax.set_ylim(low, high)
            ax.set_yticks([0, 50, 100], ["0", "50%", "100%"])
            ax.set_xticks(list(range(x0, x1 + 1)))
            ax.tick_params(labelsize=6)
            ax.set_title(wrap(title, 12 if font else 26), fontsize=6.5, family=family)
            ax.grid(alpha=0.3, lw=0.5)
            self.artists[key] = (ax, {
                "target_line": ax.axhline(0, color=TARGET_2025, lw=0.8, ls=":", animated=True),
                "projected": ax.plot([], [], ls="--", color=PROJECTED, lw=1.2, animated=True)[0],
                "observed": ax.plot([], [], marker="o", ms=3.5, color=OBSERVED, lw=1.8, animated=True)[0],
                "target_2023": ax.plot([], [], marker="D", ms=5, color=TARGET_2023, ls="none", animated=True)[0],
                "target_2025": ax.plot([], [], marker="D", ms=5, color=TARGET_2025, ls="none", animated=True)[0]})
        # fixed margins: tight_layout would measure every label first
        self.figure.subplots_adjust(left=0.07, right=0.99, bottom=0.08, top=0.9, wspace=0.4, hspace=0.6)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self, place: dict[str, Any], years: Sequence[int]) -> bytes:
        """The place's PNG."""
        from PIL import Image  # type: ignore[import-untyped]  # matplotlib's own dependency

        self.canvas.restore_region(self.background)
        for key, (ax, art) in self.artists.items():
            ind = scaled(place["indicators"][key], key)
            _set(art, ind, years)
            for artist in art.values():
                if artist.get_visible():
                    ax.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="PNG")
        return buf.getvalue()


def _set(art: dict[str, Any], ind: dict[str, Any], years: Sequence[int]) -> None:
    pts = [(y, v) for y, v in zip(years, ind["values"], strict=True) if v is not None]
    art["observed"].set_data([p[0] for p in pts], [p[1] for p in pts])
    proj = ind.get("projected_2025")
    show = proj is not None and bool(pts) and pts[-1][0] < 2025
    art["projected"].set_data([pts[-1][0], 2025] if show else [], [pts[-1][1], proj] if show else [])
    t25 = ind.get("target_2025")
    art["target_line"].set_visible(t25 is not None)
    if t25 is not None:
        art["target_line"].set_ydata([t25, t25])
    for year, key in ((2023, "target_2023"), (2025, "target_2025")):
        value = ind.get(key)
        art[key].set_data([year] if value is not None else [], [value] if value is not None else [])


class ChartMaker:
    """PNG charts of many places with the same indicators, each frame drawn once.

    Labels are Chinese when a CJK font is installed (Debian: fonts-wqy-microhei or fonts-noto-cjk), else English.
    """

    def __init__(self, years: Sequence[int], lang: str = "zh"):
        self.years = list(years)
        self.font = cjk_font()
        self.zh = lang == "zh" and self.font is not None
        self._sheets: dict[tuple[tuple[str, str], ...], _Sheet] = {}

    def png(self, place: dict[str, Any]) -> bytes:
        """Every indicator of ``place`` (an entry of monitor.json) in one PNG."""
        titles = tuple((key, _title(key, ind, self.zh)) for key, ind in place["indicators"].items())
        sheet = self._sheets.get(titles)
        if sheet is None:
            sheet = self._sheets[titles] = _Sheet(list(titles), self.years, self.font)
        return sheet.png(place, self.years)


def _title(key: str, ind: dict[str, Any], zh: bool) -> str:
    name = ind["name_zh"] if zh else ind["name_en"]
    if key == "new_toilets":
        return f"{name}（占2025年目标）" if zh else f"{name} (share of the 2025 target)"
    return name
