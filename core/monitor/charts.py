"""Charts of the report: each indicator's trajectory against its 2023 and 2025 targets.

The same picture twice: inline SVG for report.html (no library, no network) and, in :mod:`.chart_png`, a PNG per
county drawn by matplotlib for report.docx. Observed values are a solid line, the projection to 2025 at the observed pace a
dashed one, the targets diamonds (2023 orange, 2025 red) with the 2025 level as a dotted line.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

OBSERVED, PROJECTED, TARGET_2023, TARGET_2025 = "#1f78b4", "#7f7f7f", "#ff7f00", "#e31a1c"


def span(years: Sequence[int]) -> tuple[int, int]:
    """The years a chart shows: the monitored years and 2023–2025."""
    return min(years[0], 2023), max(years[-1], 2025)


def _ymin(ind: dict[str, Any]) -> float:
    """0, or below it when a count fell under its first year's (fewer sanitary toilets than at the start)."""
    low = min((v for v in ind["values"] if v is not None), default=0.0)
    return 0.0 if low >= 0 else -_nice(-low * 1.1)


def _ymax(ind: dict[str, Any]) -> float:
    if ind["unit"] == "%":
        return 100.0
    vals = [v for v in (*ind["values"], ind.get("target_2025"), ind.get("target_2023"), ind.get("projected_2025"))
            if v is not None]
    top = max(vals, default=1.0)
    return _nice(top * 1.1 if top > 0 else 1.0)


def _nice(x: float) -> float:
    """A round number at least ``x`` (1, 2, 2.5, 5 × a power of ten)."""
    p = 10 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 2.5, 5, 10) if m * p >= x)


def svg_chart(ind: dict[str, Any], years: Sequence[int], title: str, width: int = 300, height: int = 180) -> str:
    """One indicator's trajectory as an inline ``<svg>`` element.

    Parameters
    ----------
    ind : dict
        The indicator's entry in monitor.json.
    years : sequence of int
    title : str
        Drawn above the plot (escaped).
    """
    left, right, top, bottom = 40, 10, 24, 24
    x0, x1 = span(years)
    ymin, ymax = _ymin(ind), _ymax(ind)
    pw, ph = width - left - right, height - top - bottom

    def sx(year: float) -> float:
        return round(left + (year - x0) / max(1, x1 - x0) * pw, 1)

    def sy(value: float) -> float:
        return round(top + ph - (max(ymin, min(value, ymax)) - ymin) / (ymax - ymin) * ph, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{width / 2}" y="14" text-anchor="middle" class="t">{escape(title)}</text>',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>']
    for v in _yticks(ymin, ymax):
        label = _tick(v, ind["unit"]) if ind["unit"] == "%" else _short(v, ind["unit"])
        parts.append(f'<text x="{left - 4}" y="{sy(v) + 4}" text-anchor="end" class="a">{label}</text>')
    for year in range(x0, x1 + 1):
        parts.append(f'<text x="{sx(year)}" y="{height - 8}" text-anchor="middle" class="a">{year}</text>')
    parts += _svg_targets(ind, sx, sy, left, pw)
    pts = [(y, v) for y, v in zip(years, ind["values"], strict=True) if v is not None]
    if pts and ind.get("projected_2025") is not None and pts[-1][0] < 2025:
        parts.append(f'<line x1="{sx(pts[-1][0])}" y1="{sy(pts[-1][1])}" x2="{sx(2025)}" '
                     f'y2="{sy(ind["projected_2025"])}" stroke="{PROJECTED}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    if len(pts) > 1:
        line = " ".join(f"{sx(y)},{sy(v)}" for y, v in pts)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{OBSERVED}" stroke-width="2"/>')
    for y, v in pts:
        parts.append(f'<circle cx="{sx(y)}" cy="{sy(v)}" r="3" fill="{OBSERVED}"><title>{y}: '
                     f'{_tick(v, ind["unit"], 1)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_targets(ind: dict[str, Any], sx, sy, left: float, pw: float) -> list[str]:
    out = []
    t25 = ind.get("target_2025")
    if t25 is not None:
        out.append(f'<line x1="{left}" y1="{sy(t25)}" x2="{left + pw}" y2="{sy(t25)}" stroke="{TARGET_2025}" '
                   'stroke-width="1" stroke-dasharray="1 3"/>')
    for year, value, colour in ((2023, ind.get("target_2023"), TARGET_2023), (2025, t25, TARGET_2025)):
        if value is not None:
            x, y = sx(year), sy(value)
            out.append(f'<path d="M{x} {y - 5}L{x + 5} {y}L{x} {y + 5}L{x - 5} {y}Z" fill="{colour}">'
                       f'<title>{year}: {_tick(value, ind["unit"], 1)}</title></path>')
    return out


def _yticks(low: float, high: float) -> list[float]:
    """0, half and the top; the bottom too when it lies well below 0."""
    return sorted({0.0, high / 2, high} | ({low} if low < -0.1 * high else set()))


def _short(v: float, unit: str) -> str:
    """A compact axis label: ``50``, ``45万``."""
    if unit != "%" and abs(v) >= 10_000:
        return f"{v / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return f"{v:g}"


def _tick(v: float, unit: str, digits: int = 0) -> str:
    if unit == "%":
        return f"{v:.{digits}f}%"
    return f"{v:,.0f}"


def wrap(text: str, width: int) -> str:
    """Break a long title into lines of ``width`` characters (Chinese titles have no spaces to break at)."""
    if len(text) <= width:
        return text
    if " " in text:
        import textwrap

        return "\n".join(textwrap.wrap(text, width + 6)[:3])
    return "\n".join(text[i:i + width] for i in range(0, min(len(text), 3 * width), width))
