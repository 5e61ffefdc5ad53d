"""The output contract, declared once: every column a run adds to an output layer or table, with its type,
Chinese and English labels and the stage that fills it, and the keys of summary.json.

Writers, the web map, the QGIS plugin, the QML style generator and the tests read these tables instead of
spelling column names themselves. Bilingual text follows one convention: ``<name>`` holds the Chinese text
and ``<name>_en`` the English text of the same statement (``model_reason`` / ``model_reason_en``).
Input fields pass through unchanged (their names are the input contract's, :mod:`.schema`).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import glossary

_G = glossary.zh
_T = glossary.target


@dataclass(frozen=True)
class Column:
    """One output column.

    Attributes
    ----------
    name : str
    dtype : str
        ``bool``, ``int``, ``float``, ``metres`` (float, metres on the ground), ``pct`` (float, percent),
        ``km``, ``text`` or ``code`` (a value of a fixed vocabulary).
    zh, en : str
        Labels for reports, maps and QGIS.
    stage : str
        The stage that fills it.
    """

    name: str
    dtype: str
    zh: str
    en: str
    stage: str


def _cols(stage: str, *rows: tuple[str, str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, dtype, zh, en, stage) for name, dtype, zh, en in rows)


#: Columns a run adds to the villages layer, in output order (after the input fields; ``issues`` and the
#: geometry come last).
VILLAGE_COLUMNS: tuple[Column, ...] = (
    *_cols("attributes",
           ("snap_dist_m", "metres", "距道路（米）", "Distance to road (m)"),
           ("village_class", "code", "村庄分类", "Village class"),
           ("in_scope", "bool", _G("in_scope"), "In the plan's scope"),
           ("is_admin_village", "bool", _G("admin_village"), "Administrative village"),
           ("is_larger", "bool", _G("larger_village"), "Larger natural village")),
    *_cols("access",
           ("hardened_access", "bool", _G("hardened_access"), "Hardened road access"),
           ("pave_gap_m", "metres", "需硬化路段长度（米）", "Road still to pave (m)")),
    *_cols("distances",
           ("net_dist_station_m", "metres", f"至{_G('transfer_station')}路网距离（米）", "Road distance to transfer station (m)"),
           ("net_dist_town_treatment_m", "metres", f"至{_G('town_treatment')}路网距离（米）", "Road distance to township treatment (m)"),
           ("net_dist_county_treatment_m", "metres", f"至{_G('county_treatment')}路网距离（米）", "Road distance to county treatment (m)"),
           ("net_dist_village_treatment_m", "metres", f"至{_G('village_treatment')}路网距离（米）", "Road distance to village treatment (m)")),
    *_cols("collection",
           ("pop_within_radius", "float", "半径内人口", "People within the dispersed radius"),
           ("dispersed", "bool", "人口分散", "Dispersed"),
           ("collection_model", "code", "收运处置模式", "Collection model"),
           ("model_label", "text", "收运处置模式名称（是否覆盖）", "Collection model (plan wording, covered or not)"),
           ("model_reason", "text", "模式依据", "Why this model"),
           ("model_reason_en", "text", "模式依据（英文）", "Why this model"),
           ("covered", "bool", "纳入生活垃圾收运处置体系", "Covered by the waste system")),
    *_cols("attributes",
           ("unreachable_reason", "text", "路网不可达原因", "Unreachable because"),
           ("unreachable_reason_en", "text", "路网不可达原因（英文）", "Unreachable because (English)")),
    *_cols("mines",
           ("near_mine", "text", "临近矿山", "Near mine"),
           ("near_mine_dist_m", "metres", "至矿山距离（米）", "Distance to the mine (m)"),
           ("near_non_green_mine", "bool", "临近非绿色矿山", "Near a non-green mine")),
    *_cols("sanitation",
           ("residents", "float", "常住人口", "Residents"),
           ("sewage_mode", "code", "生活污水治理模式", "Sewage mode"),
           ("sewage_reason", "text", "污水模式依据", "Why this sewage mode"),
           ("sewage_reason_en", "text", "污水模式依据（英文）", "Why this sewage mode"),
           ("sewer_dist_m", "metres", f"距{_G('town_sewer')}直线距离（米）", "Straight distance to the sewer (m)"),
           ("concentrated", "bool", "居住集中", "Living concentrated"),
           ("concentrated_share", "float", "半径内居民占比", "Share of residents within the radius"),
           ("design_flow_m3d", "float", "设计水量（吨/日）", "Design flow (t/day, 1 t ≈ 1 m³)"),
           ("facility_size_tpd", "float", "设施规模（吨/日）", "Facility size (t/day)"),
           ("facility_units", "int", "设施套数", "Facility units"),
           ("toilet_rate_pct", "pct", f"{_G('toilet_rate')}（%）", "Sanitary toilet rate %"),
           ("toilets_needed", "float", "尚需改厕户数", "Households without a sanitary toilet"),
           ("toilet_target_share", "float", "占全区未改厕户数比例", "Share of the region's households without one"),
           ("fecal_route", "code", f"{_G('fecal_waste')}处理方式", "Toilet waste route"),
           ("fecal_dist_m", "metres", f"至{_G('fecal_treatment')}路网距离（米）", "Road distance to fecal treatment (m)"),
           ("in_priority_zone", "bool", f"位于{_G('zone_yellow_river')}", "Along the Yellow River or around 一湖两海"),
           ("zone", "code", "所在治理分区", "Sewage zone"),
           ("zone_target_pct", "pct", f"2025年{_G('sewage_rate')}目标（%）", "2025 sewage target %")),
    # glossary (issue 29): the Chinese label beside each coded value, in the plan's words
    *_cols("sanitation",
           ("sewage_mode_label", "text", "生活污水治理模式名称", "Sewage mode (plan wording)"),
           ("fecal_route_label", "text", f"{_G('fecal_waste')}处理方式名称", "Toilet waste route (plan wording)")),
    *_cols("capacity",  # issue 27: facilities have a capacity (§(九))
           ("waste_tpd", "float", "日产生活垃圾（吨/日）", "Household waste t/day"),
           ("station_name", "text", f"服务{_G('transfer_station')}", "Transfer station serving it"),
           ("station_dist_m", "metres", f"至服务{_G('transfer_station')}路网距离（米）", "Road distance to that station"),
           ("treatment_name", "text", "服务处理设施", "Treatment facility serving it"),
           ("treatment_dist_m", "metres", "至服务处理设施路网距离（米）", "Road distance to that treatment"),
           ("served_over_capacity", "bool", "服务设施超出处理能力", "Served by a facility over capacity")),
)

#: Columns added to the roads layer.
ROAD_COLUMNS: tuple[Column, ...] = _cols(
    "graph",
    ("hardened", "bool", "硬化路", "Hardened"),
    ("collection_route", "bool", "可通行垃圾收运车", "Open to waste trucks"),
    ("length_m", "metres", "长度（米）", "Length (m)"),
    ("component_id", "int", "连通分量", "Network component"),
    ("hardened_component_id", "int", "硬化路连通分量", "Hardened-road component"),
    ("on_island", "bool", "道路孤岛", "On a road island"),
)

#: Columns added to the facilities layer.
FACILITY_COLUMNS: tuple[Column, ...] = _cols("snapping", ("snap_dist_m", "metres", "距道路（米）", "Distance to road (m)"))

#: Columns added to the mines layer.
MINE_COLUMNS: tuple[Column, ...] = _cols(
    "mines",
    ("villages_within_buffer", "int", "缓冲区内村庄数", "Villages within the buffer"),
    ("population_within_buffer", "float", "缓冲区内人口", "People within the buffer"),
    ("is_green_mine", "bool", "绿色矿山", "Green mine"),
)

#: Columns of the unreachable layer (geometry last).
UNREACHABLE_COLUMNS: tuple[Column, ...] = _cols(
    "attributes",
    ("village_code", "code", "村代码", "Village code"),
    ("name", "text", "名称", "Name"),
    ("county_code", "code", "旗县代码", "County code"),
    ("snap_dist_m", "metres", "距道路（米）", "Distance to road (m)"),
    ("reason", "text", "路网不可达原因", "Unreachable because"),
    ("reason_en", "text", "路网不可达原因（英文）", "Unreachable because (English)"),
)

#: Columns of the rejects layer.
REJECT_COLUMNS: tuple[Column, ...] = _cols(
    "read",
    ("kind", "code", "图层类型", "Layer kind"),
    ("file", "text", "文件", "File"),
    ("layer", "text", "图层", "Layer"),
    ("row", "int", "行号", "Row"),
    ("code", "text", "代码", "Code"),
    ("name", "text", "名称", "Name"),
    ("coordinates", "text", "原始坐标", "Coordinates as given"),
    ("field", "text", "字段", "Field"),
    ("severity", "code", "级别", "Severity"),
    ("reason", "text", "问题", "Problem"),
)

#: Columns of the indicator tables (region, county, town) and of the counties/towns layers.
INDICATOR_COLUMNS: tuple[Column, ...] = _cols(
    "indicators",
    ("level", "code", "层级", "level"),
    ("code", "code", "代码", "code"),
    ("name", "text", "名称", "name"),
    ("county_code", "code", "旗县代码", "county code"),
    ("n_villages", "int", "村庄数", "villages"),
    ("n_admin", "int", f"{_G('admin_village')}数", "administrative villages"),
    ("n_admin_in_scope", "int", f"{_G('in_scope')}的{_G('admin_village')}数", "admin villages in scope"),
    ("n_admin_covered", "int", "生活垃圾收运处置体系覆盖的行政村数", "admin villages covered"),
    ("waste_coverage_pct", "pct", f"{_G('waste_coverage')}（%）", "waste coverage %"),
    ("waste_meets_2023", "bool", f"达到{_T(2023, 50)}", "meets 2023 waste target"),
    ("waste_meets_2025", "bool", f"达到{_T(2025, 60, True)}", "meets 2025 waste target"),
    ("waste_gap_2023", "int", "2023年尚差行政村数", "admin villages short of 2023 target"),
    ("waste_gap_2025", "int", "2025年尚差行政村数", "admin villages short of 2025 target"),
    ("n_larger", "int", f"{_G('larger_village')}数", "larger natural villages"),
    ("n_larger_access", "int", f"{_G('hardened_access')}的{_G('larger_village')}数", "larger villages with hardened access"),
    ("road_coverage_pct", "pct", f"{_G('road_coverage')}（%）", "hardened road coverage %"),
    ("roads_meets_2023", "bool", f"达到{_T(2023, 83.5, True)}", "meets 2023 road target"),
    ("roads_meets_2025", "bool", f"达到{_T(2025, 85, True)}", "meets 2025 road target"),
    ("roads_gap_2023", "int", "2023年尚差自然村数", "villages short of 2023 target"),
    ("roads_gap_2025", "int", "2025年尚差自然村数", "villages short of 2025 target"),
    ("pave_km_2023", "km", f"2023年目标{_G('pave_km_upper')}（公里）", f"{glossary.en('pave_km_upper')} for 2023"),
    ("pave_km_2025", "km", f"2025年目标{_G('pave_km_upper')}（公里）", f"{glossary.en('pave_km_upper')} for 2025"),
    ("n_county_process", "int", f"{_G('county_process')}村数", f"villages: {glossary.en('county_process')}"),
    ("n_town_transfer", "int", f"{_G('town_transfer')}村数", f"villages: {glossary.en('town_transfer')}"),
    ("n_village_collect", "int", f"{_G('village_collect')}村数", f"villages: {glossary.en('village_collect')}"),
    ("n_unreachable", "int", f"{_G('unreachable')}村数", "unreachable villages"),
    ("n_near_non_green_mine", "int", "临近非绿色矿山村数", "villages near non-green mines"),
    # glossary (issue 29): 村庄分散治理模式 split by coverage
    ("n_village_collect_covered", "int", f"{_G('village_collect')}村数（{_G('covered')}）",
     f"villages: {glossary.en('village_collect')}, covered"),
    ("n_village_collect_uncovered", "int", f"{_G('village_collect')}村数（{_G('not_covered')}）",
     f"villages: {glossary.en('village_collect')}, not covered"),
)

#: Sanitation indicator columns (生活污水治理率, 卫生厕所普及率, facilities to build), in the same tables.
SANITATION_INDICATOR_COLUMNS: tuple[Column, ...] = _cols(
    "sanitation",
    ("n_sewage_treated", "int", "生活污水已治理的行政村数", "admin villages with sewage treated"),
    ("n_sewage_unknown", "int", "生活污水治理情况未知的行政村数", "admin villages, sewage status unknown"),
    ("sewage_rate_pct", "pct", f"{_G('sewage_rate')}（%）", "sewage treatment rate %"),
    ("sewage_meets_2023", "bool", f"{_G('sewage_rate')}达到{_T(2023, 26)}", "meets 2023 sewage target"),
    ("sewage_meets_2025", "bool", f"{_G('sewage_rate')}达到{_T(2025, 32)}", "meets 2025 sewage target"),
    ("sewage_gap_2023", "int", f"2023年{_G('sewage_rate')}尚差行政村数", "admin villages short of 2023 sewage target"),
    ("sewage_gap_2025", "int", f"2025年{_G('sewage_rate')}尚差行政村数", "admin villages short of 2025 sewage target"),
    ("n_admin_priority", "int", f"{_G('zone_yellow_river')}行政村数", "admin villages along the Yellow River and around 一湖两海"),
    ("sewage_rate_priority_pct", "pct", f"{_G('zone_yellow_river')}{_G('sewage_rate')}（%，2025年目标60%）", "sewage rate along the Yellow River and around 一湖两海 %"),
    ("sewage_rate_other_pct", "pct", f"{_G('zone_other')}{_G('sewage_rate')}（%，2025年目标30%）", "sewage rate in other areas %"),
    ("sewage_meets_zone", "bool", "达到分区2025年目标", "meets zone targets"),
    ("sewage_gap_zone", "int", "分区目标尚差行政村数", "admin villages short of zone targets"),
    ("households", "int", "户数（户）", "households"),
    ("sanitary_households", "int", "卫生厕所户数（户）", "households with a sanitary toilet"),
    ("toilet_rate_pct", "pct", f"{_G('toilet_rate')}（%）", "sanitary toilet rate %"),
    ("toilets_needed", "int", "尚需改厕户数（户）", "households still without a sanitary toilet"),
    ("toilet_share_pct", "pct", "占全区未改厕户数%", "share of the region's households without one %"),
    ("toilets_target_2023", "int", "分摊2023年新建卫生厕所（户）", "share of 2023 new-toilet target"),
    ("toilets_target_2025", "int", "分摊2025年新建卫生厕所（户）", "share of 2025 new-toilet target"),
    ("n_sewer_connect", "int", f"{_G('sewer_connect')}的村数", "villages to connect to the sewer"),
    ("n_central", "int", "需建污水集中处理设施的村数", "villages needing a central plant"),
    ("central_tpd", "float", "污水集中处理设施规模（吨/日）", "central plant capacity (t/day)"),
    ("n_decentralised", "int", "需建分散式处理设备或小型污水处理设施的村数", "villages needing decentralised units"),
    ("decentralised_units", "int", "分散式处理设备或小型污水处理设施套数", "decentralised units"),
    ("decentralised_tpd", "float", "分散式处理设备或小型污水处理设施规模（吨/日）", "decentralised capacity (t/day)"),
    ("n_resource_use", "int", "采用生活污水资源化利用方式的村数", "villages: resource use"),
    ("n_collect_and_haul", "int", "厕所粪污定期掏运的村数", "villages hauling toilet waste"),
)

# --- Roads and waste as the plan states them (issue 27) ----------------------------------------------------
#: Columns the roads layer gains from the two gradings (:mod:`ruralenv.core.io.grades`).
ROAD_GRADE_COLUMNS: tuple[Column, ...] = _cols(
    "read",
    ("admin_class", "code", "行政等级", "Administrative class"),
    ("tech_grade", "code", "技术等级", "Technical grade"),
    ("class3_road", "bool", "三级及以上公路", "Class III or better"),
)
#: Columns the towns layer gains: 苏木乡镇通三级公路 (§(十一)).
TOWN_CLASS3_COLUMNS: tuple[Column, ...] = _cols(
    "class3",
    ("class3_access", "bool", "通三级公路", "On a Class III road network"),
    ("class3_gap_m", "metres", "需升级为三级的路段长度（米）", "Road below Class III to upgrade"),
    ("class3_gap_unknown_m", "metres", "其中技术等级未知的路段长度（米）", "Road of unknown grade on that path"),
)
#: Columns the facilities layer gains: load against capacity (§(九)).
FACILITY_CAPACITY_COLUMNS: tuple[Column, ...] = _cols(
    "capacity",
    ("load_tpd", "float", "收运量（吨/日）", "Load t/day"),
    ("utilisation_pct", "pct", "负荷率（%）", "Utilisation %"),
    ("over_capacity", "bool", "超出处理能力", "Over capacity"),
)
#: Indicator columns of counties and the region: township seats on Class III roads, coverage within capacity.
ROADS_WASTE_INDICATOR_COLUMNS: tuple[Column, ...] = (
    *_cols("class3",
           ("n_town_seats", "int", "苏木乡镇驻地数（不含旗县驻地）", "township seats (county seat excluded)"),
           ("n_town_seats_class3", "int", "通三级公路的苏木乡镇驻地数", "township seats on a Class III network"),
           ("town_class3_pct", "pct", "苏木乡镇通三级公路率（%）", "township seats on Class III roads %"),
           ("town_class3_target_pct", "pct", "苏木乡镇通三级公路率目标（%，方案未定）", "Class III target % (none in the plan)"),
           ("town_class3_meets", "bool", "达到通三级公路率目标", "meets the Class III target")),
    *_cols("capacity",
           ("n_admin_covered_within_capacity", "int", "处理能力内覆盖的行政村数", "admin villages covered within capacity"),
           ("waste_coverage_within_capacity_pct", "pct", f"处理能力内{_G('waste_coverage')}（%）",
            "waste coverage within capacity %")),
)
#: summary.json keys of issue 27: ``class3`` with a towns layer, ``capacity_assignment`` with ``capacity_aware``.
ROADS_WASTE_SUMMARY_KEYS: dict[str, str] = {
    "class3": "the Class III target used (target_town_class3_pct) and that the plan gives no number",
    "capacity_assignment": "per tier: village–facility pairs, parts, parts solved exactly by HiGHS, status, seconds",
}

# --- glossary (issue 29): plan outputs' columns and the coded values spreadsheets show in Chinese ---------

#: Columns of plan.gpkg's villages layer that carry labels beside codes.
PLAN_VILLAGE_COLUMNS: tuple[Column, ...] = _cols(
    "plan",
    ("model_before", "code", "规划前收运处置模式", "Collection model before"),
    ("model_before_label", "text", "规划前收运处置模式名称", "Collection model before (plan wording)"),
    ("model_after", "code", "规划后收运处置模式", "Collection model after"),
    ("model_after_label", "text", "规划后收运处置模式名称", "Collection model after (plan wording)"),
)

#: Columns of the plan.xlsx sheets (the sheets add :data:`PLAN_WASTE_COLUMNS` or :data:`PLAN_ROAD_COLUMNS`).
PLAN_COLUMNS: tuple[Column, ...] = _cols(
    "plan",
    ("county_code", "code", "旗县代码", "County code"),
    ("name", "text", "名称", "Name"),
    ("sentence_zh", "text", "规划结论", "Plan (Chinese)"),
    ("sentence_en", "text", "规划结论（英文）", "Plan (English)"),
    ("rank", "int", "序号", "Rank"),
    ("facility_type", "code", "设施类型", "Facility type"),
    ("mode", "code", "选址方式", "Siting mode"),
    ("weight", "code", "覆盖权重", "Weight"),
    ("sites_budget", "int", "给定站点数", "Sites given"),
    ("candidates", "int", "候选点数", "Candidates"),
    ("candidates_usable", "int", "可用候选点数", "Usable candidates"),
    ("candidate_source", "code", "候选点来源", "Candidate source"),
    ("sites", "int", "新增站点数（座）", "New sites"),
    ("objective", "float", "目标函数值", "Objective"),
    ("objective_is", "code", "目标函数含义", "Objective is"),
    ("bound", "float", "下界", "Bound"),
    ("gap", "float", "相对差距", "Gap"),
    ("status", "code", "求解状态", "Solver status"),
    ("method", "code", "求解方法", "Method"),
    ("greedy_objective", "float", "贪心解目标函数值", "Greedy objective"),
    ("solve_seconds", "float", "求解耗时（秒）", "Solve seconds"),
    ("population_gained", "float", "新增覆盖人口（人）", "People gained"),
    ("reachable_pct", "pct", "可达到比例（%）", "Reached %"),
    ("km", "km", "规划硬化里程（公里）", "km to pave (plan)"),
    ("bound_km", "km", "里程下界（公里）", "Lower bound km"),
    ("road_id", "code", "路段编号", "Road id"),
    ("grade", "text", "道路等级", "Grade"),
    ("surface", "text", "路面类型", "Surface"),
    ("synthetic", "bool", "样例合成路段", "Synthetic (sample)"),
    ("defect", "text", "样例数据缺陷", "Defect (sample)"),
    ("src_row", "int", "源数据行号", "Source row"),
    ("collection_route", "bool", "可通行垃圾收运车", "Open to waste trucks"),
    ("issues", "text", "问题", "Issues"),
    ("length_m", "metres", "长度（米）", "Length (m)"),
    ("n_admin_in_scope", "int", f"{_G('in_scope')}的{_G('admin_village')}数", "admin villages in scope"),
    ("n_larger", "int", f"{_G('larger_village')}数", "larger natural villages"),
    ("n_town_seats", "int", "苏木乡镇驻地数（不含旗县驻地）", "township seats (county seat excluded)"),
    ("class3_before", "int", "规划前通三级公路的苏木乡镇驻地数", "township seats on Class III roads before"),
    ("class3_after", "int", "规划后通三级公路的苏木乡镇驻地数", "township seats on Class III roads after"),
    ("km_unknown_grade", "km", "其中技术等级未知的里程（公里）", "of which km of unknown grade"),
    ("cost_wan", "float", "投资估算（万元）", "investment (10k yuan)"),
)
#: The waste sheets' before/after columns.
PLAN_WASTE_COLUMNS: tuple[Column, ...] = _cols(
    "plan",
    ("covered_before", "int", "规划前覆盖的行政村数", "Admin villages covered before"),
    ("covered_after", "int", "规划后覆盖的行政村数", "Admin villages covered after"),
    ("coverage_before_pct", "pct", f"规划前{_G('waste_coverage')}（%）", "Waste coverage before %"),
    ("coverage_after_pct", "pct", f"规划后{_G('waste_coverage')}（%）", "Waste coverage after %"),
    ("coverage_claimed_pct", "pct", f"规划测算{_G('waste_coverage')}（%）", "Waste coverage claimed %"),
    ("villages_gained", "int", f"新增覆盖的{_G('admin_village')}数", "Admin villages gained"),
    ("target_pct", "pct", f"{_G('waste_coverage')}目标（%）", "Waste coverage target %"),
)
#: The paving sheets' before/after columns.
PLAN_ROAD_COLUMNS: tuple[Column, ...] = _cols(
    "plan",
    ("access_before", "int", f"规划前{_G('hardened_access')}的{_G('larger_village')}数", "Access before"),
    ("access_after", "int", f"规划后{_G('hardened_access')}的{_G('larger_village')}数", "Access after"),
    ("coverage_before_pct", "pct", f"规划前{_G('road_coverage')}（%）", "Hardened access before %"),
    ("coverage_after_pct", "pct", f"规划后{_G('road_coverage')}（%）", "Hardened access after %"),
    ("coverage_claimed_pct", "pct", f"规划测算{_G('road_coverage')}（%）", "Hardened access claimed %"),
    ("villages_gained", "int", f"新增{_G('hardened_access')}的{_G('larger_village')}数", "Larger villages gained"),
    ("villages_needed", "int", f"需新增{_G('hardened_access')}的{_G('larger_village')}数", "Larger villages needed"),
    ("target_pct", "pct", f"{_G('road_coverage')}目标（%）", "Hardened access target %"),
    ("pave_km_2025", "km", f"对照：分析结果2025年目标{_G('pave_km_upper')}（公里）",
     f"for comparison: the run's {glossary.en('pave_km_upper')} for 2025"),
)

#: Columns whose values are glossary keys (``county``, ``transfer_station``, ``optimal`` …): spreadsheets show
#: them in the plan's Chinese words.
CODED_COLUMNS: frozenset[str] = frozenset({
    "level", "code", "facility_type", "candidate_source", "mode", "weight", "objective_is", "status", "method",
    "collection_model", "sewage_mode", "fecal_route", "model_before", "model_after", "severity"})

#: Top-level keys of summary.json, with what each holds.
SUMMARY_KEYS: dict[str, str] = {
    "crs": "the run's metric CRS (EPSG code, or WKT)",
    "crs_name": "its name",
    "region": "indicators of all villages together (keys of INDICATOR_COLUMNS and SANITATION_INDICATOR_COLUMNS)",
    "counties": "indicators per county",
    "network": "road graph statistics: nodes, edges, components, islands, repairs, cache use",
    "counts": "features per layer, unreachable villages, rejected rows, warnings",
    "inputs": "source and sha256 of each input",
    "config": "every setting of the run",
    "timings_s": "wall seconds per stage",
}
#: summary.json keys that only a partitioned run (``ruralenv run --partition``) writes.
PARTITION_SUMMARY_KEYS: dict[str, str] = {
    "partition": "unit, halo, partitions, rounds, villages recomputed with a wider halo, villages flagged as not "
                 "certified (uncertified: village code and failed checks), the workers' warnings; per task its "
                 "round, halo, own villages, certified villages, roads in the window, seconds and worker peak memory",
}

#: Output layers of results.gpkg, in write order.
LAYERS: tuple[str, ...] = ("villages", "roads", "facilities", "counties", "towns", "mines", "unreachable", "rejects")

#: The columns each layer gains from a run.
LAYER_COLUMNS: dict[str, tuple[Column, ...]] = {
    "villages": VILLAGE_COLUMNS, "roads": ROAD_COLUMNS + ROAD_GRADE_COLUMNS,
    "facilities": FACILITY_COLUMNS + FACILITY_CAPACITY_COLUMNS, "mines": MINE_COLUMNS,
    "unreachable": UNREACHABLE_COLUMNS, "rejects": REJECT_COLUMNS,
    "counties": INDICATOR_COLUMNS[4:] + SANITATION_INDICATOR_COLUMNS + ROADS_WASTE_INDICATOR_COLUMNS,
    "towns": INDICATOR_COLUMNS[4:] + SANITATION_INDICATOR_COLUMNS + TOWN_CLASS3_COLUMNS
    + ROADS_WASTE_INDICATOR_COLUMNS[5:],
}


def names(columns: tuple[Column, ...], stage: str | None = None) -> tuple[str, ...]:
    """Column names, optionally of one stage only."""
    return tuple(c.name for c in columns if stage is None or c.stage == stage)


def labels(columns: tuple[Column, ...] = (), lang: str = "zh") -> dict[str, str]:
    """Column name → label in ``lang`` (``zh`` or ``en``), over every declared column when none are given."""
    cols = columns or tuple(c for layer in LAYER_COLUMNS.values() for c in layer)
    return {c.name: (c.zh if lang == "zh" else c.en) for c in cols}


def headers(columns: tuple[Column, ...]) -> dict[str, tuple[str, str]]:
    """Column name → (Chinese, English) header, for reports."""
    return {c.name: (c.zh, c.en) for c in columns}
