"""Trajectories: every indicator the runs report against a target, year by year, per region, county and township.

The values are each run's own: the region and each county from its summary.json, each township from its towns
layer (without one, from the run's indicator function over its villages layer). New sanitary toilets are the households with a sanitary toilet gained since the first
year, against the place's share of the region's 300,000 / 450,000.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.config import Config
from ..base.glossary import en, zh
from ..model.stages.indicators import indicator_tables
from .runs import Run, village_table
from .status import progress_status

Row = dict[str, Any]


@dataclass(frozen=True)
class Indicator:
    """One monitored indicator.

    Attributes
    ----------
    name : str
        Its key in monitor.json.
    zh, en : str
        Its name (from the glossary).
    field : str
        The summary.json field it reads (``new_toilets`` is derived from ``sanitary_households``).
    unit : str
        ``"%"`` or ``"户"`` (households).
    targets : callable
        (settings, the place's first row) → (target 2023, target 2025), None where the plan sets none.
    """

    name: str
    zh: str
    en: str
    field: str
    unit: str
    targets: Callable[[Config, Row], tuple[float | None, float | None]]

    @property
    def cap(self) -> float | None:
        """Upper bound of the indicator (100 for a percentage)."""
        return 100.0 if self.unit == "%" else None


def _pct(a: float, b: float) -> tuple[float | None, float | None]:
    return round(100.0 * a, 2), round(100.0 * b, 2)


def _toilet_targets(row: Row) -> tuple[float | None, float | None]:
    """The place's share of the region's new-toilet targets; none when its share is 0 (no household known to
    lack a sanitary toilet, e.g. data without households)."""
    a, b = _number(row.get("toilets_target_2023")), _number(row.get("toilets_target_2025"))
    if not b:
        return None, None
    return a, b


def _zone(key: str) -> tuple[str, str]:
    return f"{zh('sewage_rate')}（{zh(key)}）", f"{en('sewage_rate')} ({en(key)})"


INDICATORS: tuple[Indicator, ...] = (
    Indicator("waste_coverage", zh("waste_coverage"), en("waste_coverage"), "waste_coverage_pct", "%",
              lambda c, r: _pct(c.target_waste_2023, c.target_waste_2025)),
    Indicator("road_coverage", zh("road_coverage"), en("road_coverage"), "road_coverage_pct", "%",
              lambda c, r: _pct(c.target_roads_2023, c.target_roads_2025)),
    Indicator("sewage_rate", zh("sewage_rate"), en("sewage_rate"), "sewage_rate_pct", "%",
              lambda c, r: _pct(c.target_sewage_2023, c.target_sewage_2025)),
    Indicator("sewage_rate_priority", *_zone("zone_yellow_river"), "sewage_rate_priority_pct", "%",
              lambda c, r: (None, round(100.0 * c.target_sewage_priority, 2))),
    Indicator("sewage_rate_other", *_zone("zone_other"), "sewage_rate_other_pct", "%",
              lambda c, r: (None, round(100.0 * c.target_sewage_other, 2))),
    Indicator("toilet_rate", zh("toilet_rate"), en("toilet_rate"), "toilet_rate_pct", "%", lambda c, r: (None, None)),
    Indicator("new_toilets", zh("new_toilets"), en("new_toilets"), "sanitary_households", "户",
              lambda c, r: _toilet_targets(r)),
)
#: Indicators by key.
BY_NAME = {i.name: i for i in INDICATORS}


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def series(ind: Indicator, rows: Sequence[Row | None]) -> list[float | None]:
    """The indicator's value in each year (None where the place has no row that year)."""
    raw = [None if r is None else _number(r.get(ind.field)) for r in rows]
    if ind.name != "new_toilets":
        return raw
    base = next((v for v in raw if v is not None), None)
    return [None if v is None or base is None else v - base for v in raw]


def trajectory(years: Sequence[int], rows: Sequence[Row | None], config: Config) -> dict[str, Any]:
    """Every indicator of one place: values per year, the 2023/2025 targets and the status to 2025.

    Parameters
    ----------
    years : sequence of int
    rows : sequence of dict or None
        The place's indicator row of each year (None: missing that year).
    config : Config
        The settings whose targets apply (the latest run's).

    Returns
    -------
    dict
        Indicator name → ``values``, ``target_2023``, ``target_2025``, ``status``, ``ratio``, ``method``,
        ``projected_2025``, ``gain_needed_per_year``, ``unit``, ``name_zh``, ``name_en``.
    """
    first = next((r for r in rows if r is not None), {})
    out = {}
    for ind in INDICATORS:
        values = series(ind, rows)
        if all(v is None for v in values):
            continue
        t23, t25 = ind.targets(config, first)
        st = progress_status(years, values, t25, cap=ind.cap)
        out[ind.name] = {"name_zh": ind.zh, "name_en": ind.en, "unit": ind.unit, "values": values,
                         "target_2023": t23, "target_2025": t25, **st.as_dict()}
    return out


def _rows_by_code(table: Sequence[Row], key: str = "code") -> dict[str, Row]:
    return {str(r[key]): r for r in table}


def town_rows(run: Run) -> dict[str, Row]:
    """Township code → indicator row of one run.

    The run's own numbers: its towns layer (each township seat with its township's indicators). A run without
    indicators there (no towns layer) has them computed by the run's indicator function over its villages.
    """
    t = run.towns
    if t is not None and "waste_coverage_pct" in t and "town_code" in t:
        t = t[t["town_code"].notna() & t["n_villages"].notna()]
        return {str(r["town_code"]): {**r, "code": r["town_code"]} for r in t.to_dict(orient="records")}
    v = village_table(run)
    if "town_code" not in v or v["town_code"].isna().all():
        return {}
    towns = indicator_tables(v, run.config, run.county_names(), run.town_names())["town"]
    rows = towns.to_dict(orient="records")
    return {str(r["code"]): r for r in rows if r.get("code") is not None}


def trajectories(runs: Sequence[Run]) -> dict[str, Any]:
    """The ``region``, ``counties`` and ``townships`` parts of monitor.json.

    Townships are those of the runs' towns layers (or, without one, of the villages' town codes). Each place: ``name`` (``county_code`` for a township), ``missing_years`` and ``indicators`` (see
    :func:`trajectory`). Targets are the latest run's settings.
    """
    years = [r.year for r in runs]
    config = runs[-1].config
    region = {"name": _region_name(runs), "missing_years": [],
              "indicators": trajectory(years, [r.summary["region"] for r in runs], config)}
    counties = _places(years, [_rows_by_code(r.summary["counties"]) for r in runs], config)
    towns = _places(years, [town_rows(r) for r in runs], config)
    return {"region": region, "counties": counties, "townships": towns}


def _places(years: list[int], by_year: list[dict[str, Row]], config: Config) -> dict[str, Any]:
    codes = sorted({c for rows in by_year for c in rows})
    out = {}
    for code in codes:
        rows = [rows.get(code) for rows in by_year]
        latest = next(r for r in reversed(rows) if r is not None)
        place: dict[str, Any] = {"name": str(latest.get("name") or code)}
        if latest.get("county_code") is not None:
            place["county_code"] = str(latest["county_code"])
        place["missing_years"] = [y for y, r in zip(years, rows, strict=True) if r is None]
        place["indicators"] = trajectory(years, rows, config)
        out[code] = place
    return out


def _region_name(runs: Sequence[Run]) -> str:
    """The area the runs cover: its county when there is one, else the first county and how many."""
    names: dict[str, str] = {}
    for r in runs:
        names.update(r.county_names())
    ordered = [names[c] for c in sorted(names)]
    if len(ordered) == 1:
        return ordered[0]
    if len(ordered) <= 3:
        return "、".join(ordered)
    return f"{ordered[0]}等{len(ordered)}个{zh('county')}"
