"""Write a plan: plan.gpkg, plan.json, plan.xlsx and map.html, atomically into one folder."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..base.contract import PLAN_COLUMNS, PLAN_ROAD_COLUMNS, PLAN_WASTE_COLUMNS, ROAD_GRADE_COLUMNS, headers
from ..base.files import write_atomically
from ..base.glossary import zh
from ..base.progress import Progress
from ..io.write import write_gpkg, write_json, write_report
from .class3 import PROJECT_HEADERS as CLASS3_HEADERS
from .class3 import class3_projects
from .projects import PROJECT_HEADERS, SANITATION_HEADERS, SUMMARY_HEADERS
from .run import PlanOutcome, county_names

#: Sheets of plan.xlsx with their own headers (Chinese row above English).
SHEET_PROJECTS = "项目库 projects"
SHEET_INVESTMENT = "投资估算汇总 investment"
SANITATION_SHEETS = {sheet: SANITATION_HEADERS for sheet in ("污水治理 sewage", "污水项目 sewage projects", "改厕 toilets")}


def plan_layers(outcome: PlanOutcome) -> dict[str, pd.DataFrame | None]:
    """The layers of plan.gpkg."""
    layers: dict[str, pd.DataFrame | None] = {"villages": outcome.villages}
    if outcome.facilities is not None:
        layers["proposed_sites"] = outcome.facilities.sites
    if outcome.paving is not None:
        layers["roads_to_pave"] = outcome.paving.pieces
    if outcome.class3 is not None:
        layers["roads_to_class3"] = outcome.class3.pieces
    if outcome.sewage is not None:
        layers["sewage_projects"] = outcome.sewage.projects
        layers["sewage_pipes"] = outcome.sewage.pipes
    if outcome.toilets is not None:
        layers["toilet_projects"] = outcome.toilets.projects
    return layers


def plan_tables(outcome: PlanOutcome) -> dict[str, pd.DataFrame]:
    """The sheets of plan.xlsx."""
    s = outcome.summary
    tables = {"结论 summary": pd.DataFrame([{"county_code": k, "name": v["name"], "sentence_zh": v["zh"],
                                           "sentence_en": v["en"]} for k, v in s["sentences"].items()])}
    if outcome.facilities is not None:
        tables["收运设施 waste"] = pd.DataFrame(s["waste"]["counties"])
        solver = {k: v for k, v in s["waste"].items() if not isinstance(v, list | dict)}
        tables["选址求解 siting"] = pd.DataFrame([solver])
        tables["新增站点 sites"] = pd.DataFrame(outcome.facilities.sites.drop(columns="geometry"))
    if outcome.paving is not None:
        tables["硬化道路 roads"] = _beside_the_estimate(pd.DataFrame(s["roads"]["counties"]), outcome)
        tables["里程曲线 curves"] = pd.DataFrame([{"county_code": c, **row} for c, rows in s["roads"]["curves"].items()
                                              for row in rows])
        tables["待硬化路段 pieces"] = pd.DataFrame(outcome.paving.pieces.drop(columns="geometry"))
    if outcome.class3 is not None:  # issue 27: the upgrade to 三级; class3_projects gives its 项目库 rows
        tables["三级公路升级 class3"] = pd.DataFrame(s["class3"]["counties"])
        tables["升级路段 class3 pieces"] = pd.DataFrame(outcome.class3.pieces.drop(columns="geometry"))
        tables["三级公路项目 class3 projects"] = class3_projects(outcome.class3, county_names(outcome.inputs))
    if outcome.sewage is not None:
        tables["污水治理 sewage"] = pd.DataFrame([{k: v for k, v in r.items() if k != "zones"}
                                              for r in s["sewage"]["counties"]])
        projects = pd.DataFrame(outcome.sewage.projects.drop(columns="geometry"))
        projects["kind"] = [zh("project_" + k) for k in projects["kind"]]
        tables["污水项目 sewage projects"] = projects
    if outcome.toilets is not None:
        tables["改厕 toilets"] = pd.DataFrame(s["toilets"]["counties"])
    if outcome.projects is not None:
        tables[SHEET_PROJECTS] = outcome.projects.drop(columns="_pillar")
        tables[SHEET_INVESTMENT] = outcome.investment
    return tables


def _beside_the_estimate(roads: pd.DataFrame, outcome: PlanOutcome) -> pd.DataFrame:
    """The paving plan's km with the run's village-by-village estimate beside it (``pave_km_2025``: shared
    stretches counted again, an upper estimate), so the reader sees which figure is the plan's.
    """
    counties = outcome.inputs.counties
    if counties is None or "pave_km_2025" not in counties or "km" not in roads or not len(roads):
        return roads
    upper = dict(zip(counties["county_code"].astype(str), counties["pave_km_2025"], strict=False))
    roads.insert(roads.columns.get_loc("km") + 1, "pave_km_2025", roads["county_code"].astype(str).map(upper))
    return roads


def plan_headers(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, tuple[str, str]]]:
    """The (Chinese, English) headers of each plan.xlsx sheet, from the output contract: the waste sheets' and
    the paving sheets' before/after columns say which indicator they measure.
    """
    waste = headers(ROAD_GRADE_COLUMNS + PLAN_COLUMNS + PLAN_WASTE_COLUMNS)
    roads = headers(ROAD_GRADE_COLUMNS + PLAN_COLUMNS + PLAN_ROAD_COLUMNS)
    out = {sheet: roads if sheet.startswith(("硬化道路", "里程曲线", "待硬化路段", "三级公路", "升级路段")) else waste
           for sheet in tables}
    out["三级公路项目 class3 projects"] = {**roads, **CLASS3_HEADERS}
    return out


def write_plan(outcome: PlanOutcome, out_dir: str | Path, write_map: bool = True,
               progress: Progress | None = None) -> dict[str, Path]:
    """Write plan.gpkg, plan.json, plan.xlsx (and map.html) into ``out_dir``, all or nothing."""
    tables = plan_tables(outcome)
    writers: dict[str, Callable[[Path], object]] = {
        "plan.gpkg": lambda p: write_gpkg(plan_layers(outcome), p),
        "plan.json": lambda p: write_json(outcome.summary, p),
        "plan.xlsx": lambda p: write_report(tables, p, {**plan_headers(tables), **SANITATION_SHEETS,
                                                        SHEET_PROJECTS: PROJECT_HEADERS,
                                                        SHEET_INVESTMENT: SUMMARY_HEADERS}),
    }
    if write_map:
        from ..maps.webmap import map_writer
        from .plan_map import write_plan_map

        writers.update(map_writer(lambda p: write_plan_map(outcome, p), progress)[0])
    return write_atomically(Path(out_dir), writers)
