"""检查验收 (§(二十七): 到2025年年底以旗县为单位进行检查验收): per county, each 2025 target met or not, and the gap.

The value is the latest year's; the gap is what is still missing in villages, households or km of road to
pave, from the latest run's own figures.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model.stages.indicators import villages_short
from .runs import Run
from .trajectories import Row


def _gap_of(name: str, row: Row, value: float | None, target: float) -> dict[str, Any]:
    """The gap to the 2025 target: ``gap_villages`` / ``gap_households`` / ``gap_km``."""
    if name == "waste_coverage":
        return {"gap_villages": row.get("waste_gap_2025")}
    if name == "road_coverage":
        return {"gap_villages": row.get("roads_gap_2025"), "gap_km": row.get("pave_km_2025")}
    if name == "sewage_rate":
        return {"gap_villages": row.get("sewage_gap_2025")}
    if name in ("sewage_rate_priority", "sewage_rate_other"):
        n_prio = int(row.get("n_admin_priority") or 0)
        n = n_prio if name == "sewage_rate_priority" else int(row.get("n_admin_in_scope") or 0) - n_prio
        treated = round((value or 0.0) * n / 100.0)
        return {"gap_villages": villages_short(target / 100.0, treated, n)}
    if name == "new_toilets":
        return {"gap_households": max(0, round(target - (value or 0.0)))}
    return {}


def acceptance_rows(place: dict[str, Any], row: Row | None, year: int) -> list[dict[str, Any]]:
    """The acceptance lines of one place: one per indicator with a 2025 target."""
    out = []
    for name, t in place["indicators"].items():
        target = t.get("target_2025")
        if target is None:
            continue
        value = t["values"][-1]
        met = value is not None and value >= target
        line = {"indicator": name, "name_zh": t["name_zh"], "name_en": t["name_en"], "unit": t["unit"], "year": year,
                "value": value, "target_2025": target, "met": met, "gap_villages": None, "gap_households": None,
                "gap_km": None}
        if row is not None and value is not None and not met:
            line.update(_gap_of(name, row, value, target))
        elif met:
            line.update({k: 0 for k in _gap_of(name, row or {}, value, target)})
        out.append(line)
    return out


def acceptance(runs: Sequence[Run], places: dict[str, Any]) -> dict[str, Any]:
    """monitor.json's ``acceptance``: the latest year, and per county (and the region) its lines."""
    last = runs[-1]
    rows = {str(r["code"]): r for r in last.summary["counties"]}
    counties = {}
    for code, place in places["counties"].items():
        lines = acceptance_rows(place, rows.get(code), last.year)
        counties[code] = {"name": place["name"], "met_all": bool(lines) and all(x["met"] for x in lines),
                          "lines": lines}
    region_lines = acceptance_rows(places["region"], last.summary["region"], last.year)
    return {"year": last.year, "region": {"name": places["region"]["name"], "lines": region_lines}, "counties": counties}
