"""The tables of a monitoring (monitor.xlsx sheets, report tables), with their Chinese and English headers."""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..base.glossary import en, zh
from .changes import COUNT_KEYS
from .sentences import status_label

#: Column → (中文, English) of the indicator tables.
INDICATOR_HEADERS: dict[str, tuple[str, str]] = {
    "level": ("层级", "level"), "code": ("代码", "code"), "name": ("名称", "name"),
    "county_code": ("旗县代码", "county code"), "indicator": ("指标", "indicator"), "key": ("指标代码", "indicator key"),
    "unit": ("单位", "unit"), "target_2023": ("2023年目标", "target 2023"), "target_2025": ("2025年目标", "target 2025"),
    "status": ("2025年进度", "status to 2025"), "status_code": ("进度代码", "status code"),
    "ratio": ("实际/所需增速", "observed ÷ needed growth"), "method": ("增速算法", "growth measure"),
    "projected_2025": ("2025年预计", "projected 2025"),
    "gain_needed_per_year": ("每年尚需提高", "yearly gain needed"),
}
#: Column → (中文, English) of the change counts.
CHANGE_HEADERS: dict[str, tuple[str, str]] = {
    "pair": ("年度", "years"), "level": ("层级", "level"), "code": ("代码", "code"), "name": ("名称", "name"),
    "villages": ("村庄数", "villages"),
    **{c: (zh(f"change_{c}"), en(f"change_{c}")) for c in ("added", "removed", "recoded", "moved")},
    "covered_gained": ("新增垃圾收运覆盖", "coverage gained"), "covered_lost": ("失去垃圾收运覆盖", "coverage lost"),
    "access_gained": ("新通硬化路", "access gained"), "access_lost": ("失去硬化路连通", "access lost"),
    "sewage_treated_gained": ("污水新治理", "sewage treated gained"),
    "sewage_treated_lost": ("污水治理退出", "sewage treatment lost"),
    "toilets_added": ("新增卫生厕所（户）", "sanitary toilets added (households)"),
    "toilets_lost": ("减少卫生厕所（户）", "sanitary toilets lost (households)"),
    "villages_toilets_added": ("新增卫生厕所村数", "villages with toilets added"),
    "model_changed": ("治理模式变化", "collection model changed"), "mode_changed": ("污水治理方式变化", "sewage mode changed"),
    "facilities_added": ("新增设施", "facilities added"), "facilities_closed": ("关停设施", "facilities closed"),
}
#: Column → (中文, English) of the 检查验收 table.
ACCEPTANCE_HEADERS: dict[str, tuple[str, str]] = {
    "county": ("旗县", "county"), "code": ("代码", "code"), "indicator": ("指标", "indicator"),
    "year": ("年度", "year"), "unit": ("单位", "unit"), "value": ("现状值", "value"),
    "target_2025": ("2025年目标", "target 2025"), "met": ("是否达标", "met"),
    "gap_villages": ("差距（村）", "gap (villages)"), "gap_households": ("差距（户）", "gap (households)"),
    "gap_km": ("需硬化（公里）", "road to pave (km)"),
}


def indicator_table(places: dict[str, dict[str, Any]], years: list[int], level: str) -> pd.DataFrame:
    """One row per place and indicator: values per year, targets, status, projection, gain needed."""
    rows = []
    for code, place in places.items():
        for key, ind in place["indicators"].items():
            row: dict[str, Any] = {"level": level, "code": code, "name": place["name"]}
            if "county_code" in place:
                row["county_code"] = place["county_code"]
            row.update({"key": key, "indicator": ind["name_zh"], "unit": ind["unit"]})
            row.update({str(y): v for y, v in zip(years, ind["values"], strict=True)})
            row.update({"target_2023": ind["target_2023"], "target_2025": ind["target_2025"],
                        "status": status_label(ind["status"]), "status_code": ind["status"], "ratio": ind["ratio"],
                        "method": ind["method"], "projected_2025": ind["projected_2025"],
                        "gain_needed_per_year": ind["gain_needed_per_year"]})
            rows.append(row)
    return pd.DataFrame(rows)


def change_table(changes: dict[str, Any], names: dict[str, str]) -> pd.DataFrame:
    """One row per year pair and place (the region, then each county) with every change count."""
    rows = []
    for pair, part in changes.items():
        rows.append({"pair": pair, "level": "region", "code": "all", "name": names.get("all", ""), **part["region"]})
        for code, counts in part["counties"].items():
            rows.append({"pair": pair, "level": "county", "code": code, "name": names.get(code, code), **counts})
    cols = ["pair", "level", "code", "name", *COUNT_KEYS]
    return pd.DataFrame(rows, columns=cols)


def acceptance_table(acc: dict[str, Any] | None) -> pd.DataFrame:
    """One row per county and 2025 target of the 检查验收."""
    if not acc:
        return pd.DataFrame(columns=list(ACCEPTANCE_HEADERS))
    rows = []
    for code, county in acc["counties"].items():
        for line in county["lines"]:
            rows.append({"county": county["name"], "code": code, "indicator": line["name_zh"], "year": line["year"],
                         "unit": line["unit"], "value": line["value"], "target_2025": line["target_2025"],
                         "met": line["met"], "gap_villages": line["gap_villages"],
                         "gap_households": line["gap_households"], "gap_km": line["gap_km"]})
    return pd.DataFrame(rows, columns=list(ACCEPTANCE_HEADERS))


def monitor_sheets(summary: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, tuple[str, str]]]]:
    """The sheets of monitor.xlsx and their headers (Chinese row above English)."""
    years = summary["years"]
    ind_headers = {**INDICATOR_HEADERS, **{str(y): (f"{y}年", str(y)) for y in years}}
    names = {"all": summary["region"]["name"], **{c: p["name"] for c, p in summary["counties"].items()}}
    sheets = {
        "全区 region": indicator_table({"all": summary["region"]}, years, "region"),
        "旗县 counties": indicator_table(summary["counties"], years, "county"),
        "苏木乡镇 townships": indicator_table(summary["townships"], years, "town"),
        "村庄变化 changes": change_table(summary["changes"], names),
        "检查验收 acceptance": acceptance_table(summary.get("acceptance")),
        "结论 summary": pd.DataFrame([{"code": k, "sentence": t} for k, lines in summary["sentences"].items()
                                      for t in lines], columns=["code", "sentence"]),
        "提示 warnings": pd.DataFrame({"warning": summary["warnings"]}, columns=["warning"]),
    }
    headers = {name: ind_headers for name in ("全区 region", "旗县 counties", "苏木乡镇 townships")}
    headers["村庄变化 changes"] = CHANGE_HEADERS
    headers["检查验收 acceptance"] = ACCEPTANCE_HEADERS
    headers["结论 summary"] = {"code": ("代码", "code"), "sentence": ("结论", "sentence")}
    headers["提示 warnings"] = {"warning": ("提示", "warning")}
    return sheets, headers
