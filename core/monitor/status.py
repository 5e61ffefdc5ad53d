"""Status to 2025 of one indicator's series: the Open SDG progress method.

Open SDG (the platform of the national SDG reporting sites; its method comes from Statistics Canada, after
Eurostat) measures progress towards a quantitative target as the ratio of the observed compound annual growth
rate since the base year to the growth rate needed to reach the target in the target year
(https://github.com/open-sdg/open-sdg/blob/master/docs/progress-methodology.md, "Indicators with quantitative
targets"):

    CAGR_obs = (y_last / y_0) ** (1 / (t_last - t_0)) - 1
    CAGR_need = (y_target / y_0) ** (1 / (t_target - t_0)) - 1
    R = CAGR_obs / CAGR_need

R ≥ 95 % is ``on_track``, 60–95 % ``acceleration_needed``, 0–60 % ``limited``, below 0 ``deterioration``;
a series whose latest value reaches the target is ``met`` whatever its trend; fewer than two values is
``unable_to_assess``. Here the base year is the first monitored year and the target year 2025.

Two departures, both where the exponential model says nothing useful: Open SDG replaces a zero base value by
0.001, which makes the growth of a count that starts at zero (new sanitary toilets since the first year) or of a
rate that starts at 0 % meaningless, so such series are measured by their linear pace (observed yearly gain ÷
yearly gain needed) against the same thresholds; and once the target year has passed without the target, the
status is ``not_met``. ``projected_2025`` continues the observed pace (the same pace R measures, so
R ≥ 1 exactly when the projection reaches the target); the yearly gain still needed is the gap left divided by
the years left.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

#: Status values, best first.
STATUSES = ("met", "on_track", "acceleration_needed", "limited", "deterioration", "not_met", "unable_to_assess")
#: Ratio thresholds of Open SDG (observed ÷ needed growth).
ON_TRACK, ACCELERATION = 0.95, 0.60
TARGET_YEAR = 2025


@dataclass(frozen=True)
class Status:
    """The status of one series to the target year.

    Attributes
    ----------
    status : str or None
        One of :data:`STATUSES`; None when the indicator has no target.
    ratio : float or None
        Observed ÷ needed growth (R).
    method : str or None
        ``"cagr"`` (compound growth) or ``"linear"`` (a series starting at zero).
    projected_2025 : float or None
        The value in the target year at the observed pace.
    gain_needed_per_year : float or None
        What each remaining year must add to reach the target (0 when met).
    """

    status: str | None
    ratio: float | None = None
    method: str | None = None
    projected_2025: float | None = None
    gain_needed_per_year: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (for monitor.json)."""
        return asdict(self)


def category(ratio: float) -> str:
    """The Open SDG category of a ratio R of observed to needed growth."""
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "acceleration_needed"
    if ratio >= 0:
        return "limited"
    return "deterioration"


def progress_status(years: Sequence[int], values: Sequence[float | None], target: float | None,
                    target_year: int = TARGET_YEAR, cap: float | None = None) -> Status:
    """Status of a series against its target (see the module's description).

    Parameters
    ----------
    years : sequence of int
        Years, ascending.
    values : sequence of float or None
        The indicator each year (None or NaN: missing that year).
    target : float or None
        The value to reach by ``target_year`` (None: no target, no status).
    target_year : int
    cap : float, optional
        Upper bound of the indicator (100 for a percentage): the projection never passes it.

    Returns
    -------
    Status
    """
    if target is None:
        return Status(None)
    points = [(int(y), float(v)) for y, v in zip(years, values, strict=True)
              if v is not None and math.isfinite(float(v))]
    if not points:
        return Status("unable_to_assess")
    (t0, y0), (tl, yl) = points[0], points[-1]
    left = target_year - tl
    if yl >= target:
        return Status("met", projected_2025=_round(yl if left <= 0 else _project(points, left, cap)),
                      gain_needed_per_year=0.0)
    gain = (target - yl) / left if left > 0 else target - yl
    if len(points) < 2 or tl == t0:
        return Status("unable_to_assess", gain_needed_per_year=_round(gain))
    if left <= 0:
        return Status("not_met", projected_2025=_round(_value_in(points, target_year)), gain_needed_per_year=_round(gain))
    linear = y0 <= 0
    if linear:
        observed = (yl - y0) / (tl - t0)
        needed = (target - y0) / (target_year - t0)
    else:
        observed = (yl / y0) ** (1.0 / (tl - t0)) - 1.0
        needed = (target / y0) ** (1.0 / (target_year - t0)) - 1.0 if target > 0 else -1.0
    # a base already past the target that has since fallen below it needs no growth but is deteriorating
    ratio = observed / needed if needed > 0 else (-1.0 if observed < 0 else 0.0)
    return Status(category(ratio), round(ratio, 4), "linear" if linear else "cagr",
                  _round(_project(points, left, cap)), _round(gain))


def _project(points: list[tuple[int, float]], years_ahead: int, cap: float | None) -> float:
    """The last value carried ``years_ahead`` years on at the observed pace (linear from a zero base)."""
    (t0, y0), (tl, yl) = points[0], points[-1]
    if tl == t0:
        return yl
    if y0 <= 0:
        value = yl + (yl - y0) / (tl - t0) * years_ahead
    else:
        value = yl * (yl / y0) ** (years_ahead / (tl - t0))
    return min(value, cap) if cap is not None else value


def _value_in(points: list[tuple[int, float]], year: int) -> float:
    """The observed value of ``year``, else of the last year before it, else the first value."""
    before = [v for t, v in points if t <= year]
    return before[-1] if before else points[0][1]


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 2)
