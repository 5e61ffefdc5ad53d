"""The output contract, declared once: every column a run adds to an output layer or table, with its type,
Chinese and English labels and the stage that fills it, and the keys of summary.json.

Writers, the web map, the QGIS plugin, the QML style generator and the tests read these tables instead of
spelling column names themselves. Bilingual text follows one convention: ``<name>`` holds the Chinese text
and ``<name>_en`` the English text of the same statement (``model_reason`` / ``model_reason_en``).
Input fields pass through unchanged (their names are the input contract's, :mod:`.schema`).
"""
from __future__ import annotations

from dataclasses import dataclass


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
           ("snap_dist_m", "metres", "距道路", "Distance to road"),
           ("village_class", "code", "村庄分类", "Village class"),
           ("in_scope", "bool", "纳入整治范围", "In the plan's scope"),
           ("is_admin_village", "bool", "行政村", "Administrative village"),
           ("is_larger", "bool", "较大人口规模自然村", "Larger natural village")),
    *_cols("access",
           ("hardened_access", "bool", "通硬化路", "Hardened road access"),
           ("pave_gap_m", "metres", "需硬化路段长度", "Road still to pave")),
    *_cols("distances",
           ("net_dist_station_m", "metres", "至转运站路网距离", "Road distance to transfer station"),
           ("net_dist_town_treatment_m", "metres", "至苏木乡镇处理设施路网距离", "Road distance to township treatment"),
           ("net_dist_county_treatment_m", "metres", "至旗县处理设施路网距离", "Road distance to county treatment"),
           ("net_dist_village_treatment_m", "metres", "至嘎查村处理设施路网距离", "Road distance to village treatment")),
    *_cols("collection",
           ("pop_within_radius", "float", "半径内人口", "People within the dispersed radius"),
           ("dispersed", "bool", "人口分散", "Dispersed"),
           ("collection_model", "code", "收运处置模式", "Collection model"),
           ("model_label", "text", "收运处置模式名称", "Collection model (plan wording)"),
           ("model_reason", "text", "模式依据", "Why this model"),
           ("model_reason_en", "text", "模式依据（英文）", "Why this model"),
           ("covered", "bool", "纳入收运处置体系", "Covered by the waste system")),
    *_cols("attributes",
           ("unreachable_reason", "text", "路网不可达原因", "Unreachable because"),
           ("unreachable_reason_en", "text", "路网不可达原因（英文）", "Unreachable because")),
    *_cols("mines",
           ("near_mine", "text", "临近矿山", "Near mine"),
           ("near_mine_dist_m", "metres", "至矿山距离", "Distance to the mine"),
           ("near_non_green_mine", "bool", "临近非绿色矿山", "Near a non-green mine")),
    *_cols("sanitation",
           ("residents", "float", "常住人口", "Residents"),
           ("sewage_mode", "code", "生活污水治理模式", "Sewage mode"),
           ("sewage_reason", "text", "污水模式依据", "Why this sewage mode"),
           ("sewage_reason_en", "text", "污水模式依据（英文）", "Why this sewage mode"),
           ("sewer_dist_m", "metres", "距城镇污水管网（直线）", "Straight distance to the sewer"),
           ("concentrated", "bool", "居住集中", "Living concentrated"),
           ("concentrated_share", "float", "半径内居民占比", "Share of residents within the radius"),
           ("design_flow_m3d", "float", "设计水量m³/d", "Design flow m³/day"),
           ("facility_size_tpd", "float", "设施规模t/d", "Facility size t/day"),
           ("facility_units", "int", "设施套数", "Facility units"),
           ("toilet_rate_pct", "pct", "卫生厕所普及率%", "Sanitary toilet rate %"),
           ("toilets_needed", "float", "尚需改厕户数", "Households without a sanitary toilet"),
           ("toilet_target_share", "float", "占全区未改厕户数比例", "Share of the region's households without one"),
           ("fecal_route", "code", "厕所粪污去向", "Toilet waste route"),
           ("fecal_dist_m", "metres", "至粪污处理设施路网距离", "Road distance to fecal treatment"),
           ("in_priority_zone", "bool", "位于重点区域", "In a priority zone"),
           ("zone", "code", "重点区域", "Priority zone"),
           ("zone_target_pct", "pct", "2025年污水治理率目标%", "2025 sewage target %")),
    *_cols("capacity",  # issue 27: facilities have a capacity (§(九))
           ("waste_tpd", "float", "日产生活垃圾(吨/日)", "Household waste t/day"),
           ("station_name", "text", "服务转运站", "Transfer station serving it"),
           ("station_dist_m", "metres", "至服务转运站路网距离", "Road distance to that station"),
           ("treatment_name", "text", "服务处理设施", "Treatment facility serving it"),
           ("treatment_dist_m", "metres", "至服务处理设施路网距离", "Road distance to that treatment"),
           ("served_over_capacity", "bool", "服务设施超出处理能力", "Served by a facility over capacity")),
)

#: Columns added to the roads layer.
ROAD_COLUMNS: tuple[Column, ...] = _cols(
    "graph",
    ("hardened", "bool", "硬化路", "Hardened"),
    ("collection_route", "bool", "可通行垃圾收运车", "Open to waste trucks"),
    ("length_m", "metres", "长度", "Length"),
    ("component_id", "int", "连通分量", "Network component"),
    ("hardened_component_id", "int", "硬化路连通分量", "Hardened-road component"),
    ("on_island", "bool", "道路孤岛", "On a road island"),
)

#: Columns added to the facilities layer.
FACILITY_COLUMNS: tuple[Column, ...] = _cols("snapping", ("snap_dist_m", "metres", "距道路", "Distance to road"))

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
    ("snap_dist_m", "metres", "距道路", "Distance to road"),
    ("reason", "text", "路网不可达原因", "Unreachable because"),
    ("reason_en", "text", "路网不可达原因（英文）", "Unreachable because"),
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
    ("n_admin", "int", "行政村数", "administrative villages"),
    ("n_admin_in_scope", "int", "纳入整治范围的行政村", "admin villages in scope"),
    ("n_admin_covered", "int", "收运处置体系覆盖的行政村", "admin villages covered"),
    ("waste_coverage_pct", "pct", "垃圾收运处置体系覆盖率%", "waste coverage %"),
    ("waste_meets_2023", "bool", "达到2023年目标(50%)", "meets 2023 waste target"),
    ("waste_meets_2025", "bool", "达到2025年目标(60%)", "meets 2025 waste target"),
    ("waste_gap_2023", "int", "2023年尚差行政村数", "admin villages short of 2023 target"),
    ("waste_gap_2025", "int", "2025年尚差行政村数", "admin villages short of 2025 target"),
    ("n_larger", "int", "较大人口规模自然村数", "larger natural villages"),
    ("n_larger_access", "int", "通硬化路的较大人口规模自然村", "larger villages with hardened access"),
    ("road_coverage_pct", "pct", "较大人口规模自然村通硬化路率%", "hardened road coverage %"),
    ("roads_meets_2023", "bool", "达到2023年目标(83.5%)", "meets 2023 road target"),
    ("roads_meets_2025", "bool", "达到2025年目标(85%)", "meets 2025 road target"),
    ("roads_gap_2023", "int", "2023年尚差自然村数", "villages short of 2023 target"),
    ("roads_gap_2025", "int", "2025年尚差自然村数", "villages short of 2025 target"),
    ("pave_km_2023", "km", "2023年目标需硬化里程km", "km to pave for 2023"),
    ("pave_km_2025", "km", "2025年目标需硬化里程km", "km to pave for 2025"),
    ("n_county_process", "int", "城乡一体化治理模式村数", "villages: county_process"),
    ("n_town_transfer", "int", "苏木乡镇集中治理模式村数", "villages: town_transfer"),
    ("n_village_collect", "int", "村庄分散治理模式村数", "villages: village_collect"),
    ("n_unreachable", "int", "路网不可达村数", "unreachable villages"),
    ("n_near_non_green_mine", "int", "临近非绿色矿山村数", "villages near non-green mines"),
)

#: Sanitation indicator columns (生活污水治理率, 卫生厕所普及率, facilities to build), in the same tables.
SANITATION_INDICATOR_COLUMNS: tuple[Column, ...] = _cols(
    "sanitation",
    ("n_sewage_treated", "int", "生活污水已治理的行政村", "admin villages with sewage treated"),
    ("n_sewage_unknown", "int", "污水治理情况未知的行政村", "admin villages, sewage status unknown"),
    ("sewage_rate_pct", "pct", "生活污水治理率%", "sewage treatment rate %"),
    ("sewage_meets_2023", "bool", "达到2023年污水目标(26%)", "meets 2023 sewage target"),
    ("sewage_meets_2025", "bool", "达到2025年污水目标(32%)", "meets 2025 sewage target"),
    ("sewage_gap_2023", "int", "2023年污水治理尚差行政村数", "admin villages short of 2023 sewage target"),
    ("sewage_gap_2025", "int", "2025年污水治理尚差行政村数", "admin villages short of 2025 sewage target"),
    ("n_admin_priority", "int", "重点区域行政村数", "admin villages in priority zones"),
    ("sewage_rate_priority_pct", "pct", "重点区域生活污水治理率%(目标60%)", "sewage rate in priority zones %"),
    ("sewage_rate_other_pct", "pct", "其他地区生活污水治理率%(目标30%)", "sewage rate elsewhere %"),
    ("sewage_meets_zone", "bool", "达到分区目标", "meets zone targets"),
    ("sewage_gap_zone", "int", "分区目标尚差行政村数", "admin villages short of zone targets"),
    ("households", "int", "户数", "households"),
    ("sanitary_households", "int", "卫生厕所户数", "households with a sanitary toilet"),
    ("toilet_rate_pct", "pct", "卫生厕所普及率%", "sanitary toilet rate %"),
    ("toilets_needed", "int", "尚需改厕户数", "households still without a sanitary toilet"),
    ("toilet_share_pct", "pct", "占全区未改厕户数%", "share of the region's households without one %"),
    ("toilets_target_2023", "int", "分摊2023年新建卫生厕所(户)", "share of 2023 new-toilet target"),
    ("toilets_target_2025", "int", "分摊2025年新建卫生厕所(户)", "share of 2025 new-toilet target"),
    ("n_sewer_connect", "int", "纳入城镇管网村数", "villages to connect to the sewer"),
    ("n_central", "int", "需建集中处理设施村数", "villages needing a central plant"),
    ("central_tpd", "float", "集中处理设施规模t/d", "central plant capacity t/d"),
    ("n_decentralised", "int", "需建分散/小型设施村数", "villages needing decentralised units"),
    ("decentralised_units", "int", "分散/小型设施套数", "decentralised units"),
    ("decentralised_tpd", "float", "分散/小型设施规模t/d", "decentralised capacity t/d"),
    ("n_resource_use", "int", "资源化利用村数", "villages: resource use"),
    ("n_collect_and_haul", "int", "粪污定期掏运村数", "villages hauling toilet waste"),
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
    ("class3_gap_m", "metres", "需升级为三级的路段长度", "Road below Class III to upgrade"),
    ("class3_gap_unknown_m", "metres", "其中技术等级未知的路段长度", "Road of unknown grade on that path"),
)
#: Columns the facilities layer gains: load against capacity (§(九)).
FACILITY_CAPACITY_COLUMNS: tuple[Column, ...] = _cols(
    "capacity",
    ("load_tpd", "float", "收运量(吨/日)", "Load t/day"),
    ("utilisation_pct", "pct", "负荷率%", "Utilisation %"),
    ("over_capacity", "bool", "超出处理能力", "Over capacity"),
)
#: Indicator columns of counties and the region: township seats on Class III roads, coverage within capacity.
ROADS_WASTE_INDICATOR_COLUMNS: tuple[Column, ...] = (
    *_cols("class3",
           ("n_town_seats", "int", "苏木乡镇驻地数(不含旗县驻地)", "township seats (county seat excluded)"),
           ("n_town_seats_class3", "int", "通三级公路的苏木乡镇", "township seats on a Class III network"),
           ("town_class3_pct", "pct", "苏木乡镇通三级公路率%", "township seats on Class III roads %"),
           ("town_class3_target_pct", "pct", "通三级公路率目标%(方案未定)", "Class III target % (none in the plan)"),
           ("town_class3_meets", "bool", "达到通三级公路率目标", "meets the Class III target")),
    *_cols("capacity",
           ("n_admin_covered_within_capacity", "int", "处理能力内覆盖的行政村", "admin villages covered within capacity"),
           ("waste_coverage_within_capacity_pct", "pct", "处理能力内垃圾收运处置体系覆盖率%",
            "waste coverage within capacity %")),
)
#: summary.json keys of issue 27: ``class3`` with a towns layer, ``capacity_assignment`` with ``capacity_aware``.
ROADS_WASTE_SUMMARY_KEYS: dict[str, str] = {
    "class3": "the Class III target used (target_town_class3_pct) and that the plan gives no number",
    "capacity_assignment": "per tier: village–facility pairs, parts, parts solved exactly by HiGHS, status, seconds",
}

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
