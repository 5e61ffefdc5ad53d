"""The input contract: canonical field names, accepted aliases and allowed values.

Field names are matched case-insensitively after trimming; Chinese aliases are the names planners'
spreadsheets and shapefiles commonly use. README lists the same tables.
"""
from __future__ import annotations

from . import glossary

#: Required fields per layer kind.
REQUIRED: dict[str, tuple[str, ...]] = {
    "villages": ("village_code", "name", "county_code"),
    "towns": ("town_code", "name", "county_code"),
    "counties": ("county_code", "name"),
    "roads": (),
    "facilities": ("facility_type",),
    "mines": ("name",),
    "sewer": (),
    "urban_areas": (),
    "priority_zones": ("zone",),
}

#: Optional fields per layer kind.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "villages": ("town_code", "population", "households", "village_class", "is_admin_village",
                 "admin_village_code", "resident_population", "sanitary_toilet_households", "sewage_treated"),
    "towns": ("is_county_seat",),
    "counties": (),
    "roads": ("surface", "grade", "highway", "name", "admin_class", "tech_grade", "ref"),
    "facilities": ("name", "capacity_tpd", "county_code"),
    "mines": ("mineral", "green_mine_level", "status"),
    "sewer": ("name",),
    "urban_areas": ("name",),
    "priority_zones": ("name", "sewage_target_pct"),
}

#: Geometry families allowed per layer kind.
GEOMETRY: dict[str, tuple[str, ...]] = {
    "villages": ("Point",),
    "towns": ("Point", "Polygon"),
    "counties": ("Polygon",),
    "roads": ("LineString",),
    "facilities": ("Point",),
    "mines": ("Point", "Polygon"),
    "sewer": ("LineString",),
    "urban_areas": ("Polygon",),
    "priority_zones": ("Polygon",),
}

#: Aliases (lower case) → canonical field name.
ALIASES: dict[str, str] = {
    # codes
    "村代码": "village_code", "村庄代码": "village_code", "村编码": "village_code", "村庄编码": "village_code",
    "行政区划代码": "village_code", "统计用区划代码": "village_code", "code": "village_code",
    "旗县代码": "county_code", "县代码": "county_code", "县级代码": "county_code", "旗县区代码": "county_code",
    "区县代码": "county_code", "county": "county_code",
    "乡镇代码": "town_code", "苏木乡镇代码": "town_code", "乡镇编码": "town_code", "town": "town_code",
    "所属行政村代码": "admin_village_code", "行政村代码": "admin_village_code",
    # names
    "名称": "name", "村名": "name", "村庄名称": "name", "村名称": "name", "乡镇名称": "name",
    "旗县名称": "name", "设施名称": "name", "矿山名称": "name", "道路名称": "name", "路名": "name",
    # villages
    "人口": "population", "户籍人口": "population", "总人口": "population", "pop": "population",
    "常住人口": "resident_population", "residents": "resident_population",
    "户数": "households", "总户数": "households", "hh": "households",
    "村庄分类": "village_class", "村庄类型": "village_class", "村庄类别": "village_class", "class": "village_class",
    "是否行政村": "is_admin_village", "行政村": "is_admin_village",
    "卫生厕所户数": "sanitary_toilet_households", "卫生户厕数": "sanitary_toilet_households",
    "卫厕户数": "sanitary_toilet_households", "已改厕户数": "sanitary_toilet_households",
    "生活污水已治理": "sewage_treated", "污水已治理": "sewage_treated", "生活污水是否治理": "sewage_treated",
    "污水治理": "sewage_treated",
    # towns
    "是否旗县驻地": "is_county_seat", "是否县城": "is_county_seat", "是否旗县政府驻地": "is_county_seat",
    # roads
    "路面类型": "surface", "路面": "surface", "路面材料": "surface", "路面结构": "surface",
    "道路等级": "grade", "等级": "grade", "公路等级": "grade",
    "行政等级": "admin_class", "行政等级代码": "admin_class", "技术等级": "tech_grade", "技术等级代码": "tech_grade",
    "路线编号": "ref", "路线编码": "ref", "路线代码": "ref", "路线号": "ref",
    # facilities
    "设施类型": "facility_type", "类型": "facility_type", "type": "facility_type",
    "处理能力": "capacity_tpd", "规模": "capacity_tpd", "设计规模": "capacity_tpd", "capacity": "capacity_tpd",
    # mines
    "矿种": "mineral", "开采矿种": "mineral", "绿色矿山级别": "green_mine_level", "绿色矿山": "green_mine_level",
    "状态": "status", "生产状态": "status",
    # priority zones
    "重点区域": "zone", "区域类型": "zone", "分区": "zone", "治理分区": "zone",
    "污水治理率目标": "sewage_target_pct", "生活污水治理率目标": "sewage_target_pct",
    "污水治理目标": "sewage_target_pct",
}

IN_SCOPE_CLASSES = ("集聚提升类", "城郊融合类", "特色保护类", "暂不分类")
OUT_OF_SCOPE_CLASSES = ("搬迁撤并类", "空心村")

#: Accepted spellings (lower case) → canonical village class.
VILLAGE_CLASS_VALUES: dict[str, str] = {
    "集聚提升类": "集聚提升类", "集聚提升": "集聚提升类", "集聚提升型": "集聚提升类",
    "cluster": "集聚提升类", "cluster_upgrade": "集聚提升类", "upgrade": "集聚提升类",
    "城郊融合类": "城郊融合类", "城郊融合": "城郊融合类", "城郊融合型": "城郊融合类",
    "suburban": "城郊融合类", "suburban_integration": "城郊融合类",
    "特色保护类": "特色保护类", "特色保护": "特色保护类", "特色保护型": "特色保护类",
    "heritage": "特色保护类", "characteristic_protection": "特色保护类", "protected": "特色保护类",
    "搬迁撤并类": "搬迁撤并类", "搬迁撤并": "搬迁撤并类", "搬迁撤并型": "搬迁撤并类",
    "relocation": "搬迁撤并类", "relocation_merge": "搬迁撤并类",
    "空心村": "空心村", "hollow": "空心村", "hollow_village": "空心村",
    "未分类": "暂不分类", "暂不分类": "暂不分类", "其他": "暂不分类", "unclassified": "暂不分类",
}

FACILITY_TYPES = ("transfer_station", "town_treatment", "county_treatment", "village_treatment",
                  "wastewater_plant", "fecal_treatment")

#: Accepted spellings (lower case) → canonical facility type.
FACILITY_TYPE_VALUES: dict[str, str] = {
    **{t: t for t in FACILITY_TYPES},
    "转运站": "transfer_station", "垃圾转运站": "transfer_station", "中转站": "transfer_station",
    "苏木乡镇转运站": "transfer_station",
    "乡镇处理": "town_treatment", "乡镇处理设施": "town_treatment", "苏木乡镇处理设施": "town_treatment",
    "乡镇垃圾处理站": "town_treatment",
    "旗县处理": "county_treatment", "县处理": "county_treatment", "旗县处理设施": "county_treatment",
    "垃圾处理场": "county_treatment", "填埋场": "county_treatment", "焚烧厂": "county_treatment",
    "垃圾焚烧发电厂": "county_treatment", "卫生填埋场": "county_treatment",
    "村处理": "village_treatment", "村级处理": "village_treatment", "嘎查村处理设施": "village_treatment",
    "村级处理设施": "village_treatment",
    "城镇污水处理厂": "wastewater_plant", "污水处理厂": "wastewater_plant", "污水厂": "wastewater_plant",
    "粪污处理设施": "fecal_treatment", "粪污集中处理设施": "fecal_treatment", "粪污处理站": "fecal_treatment",
    "厕所粪污处理设施": "fecal_treatment",
}

#: The plan's priority zones for sewage (§(三) 行动目标): 沿黄流域 and the surroundings of 一湖两海
#: (呼伦湖、乌梁素海、岱海), 60 % by 2025. Accepted spellings (lower case) → canonical zone.
ZONE_VALUES: dict[str, str] = {
    "沿黄流域": "沿黄流域", "沿黄": "沿黄流域", "黄河流域": "沿黄流域", "yellow_river": "沿黄流域",
    "一湖两海": "一湖两海", "呼伦湖": "一湖两海", "乌梁素海": "一湖两海", "岱海": "一湖两海",
    "one_lake_two_seas": "一湖两海",
}

#: Accepted spellings (lower case) → green-mine level.
GREEN_MINE_VALUES: dict[str, str] = {
    "national": "national", "国家级": "national", "国家": "national", "国家级绿色矿山": "national",
    "regional": "regional", "自治区级": "regional", "省级": "regional", "自治区": "regional",
    "自治区级绿色矿山": "regional",
    "none": "none", "无": "none", "否": "none", "非绿色矿山": "none", "": "none", "no": "none",
}

#: Labels of the sewage modes (§(七)) and the toilet-waste routes (§(六)), in the plan's own words (the glossary's).
SEWAGE_MODES = ("sewer_connect", "central", "decentralised", "resource_use")
FECAL_ROUTES = ("sewer", "collect_and_haul", "on_site")
SEWAGE_MODE_LABELS_ZH: dict[str, str] = {k: glossary.zh(k) for k in SEWAGE_MODES}
SEWAGE_MODE_LABELS_EN: dict[str, str] = {k: glossary.en(k) for k in SEWAGE_MODES}
FECAL_ROUTE_LABELS_ZH: dict[str, str] = {k: glossary.zh(k) for k in FECAL_ROUTES}
FECAL_ROUTE_LABELS_EN: dict[str, str] = {k: glossary.en(k) for k in FECAL_ROUTES}

#: Labels of the collection models (§(九)), in the plan's own words with their chain.
MODELS = ("county_process", "town_transfer", "village_collect")
MODEL_LABELS_ZH: dict[str, str] = {m: glossary.model_label(m, None) for m in MODELS}
MODEL_LABELS_EN: dict[str, str] = {m: glossary.model_label(m, None, "en") for m in MODELS}

TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "对", "√"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "不是", ""}

# --- Roads as the plan states them (issue 27): 行政等级 and 技术等级 are two different gradings ---------------
#: 行政等级 (administrative class) of Chinese road data. Accepted spellings (lower case) → canonical class.
ADMIN_CLASS_VALUES: dict[str, str] = {
    "国道": "国道", "国家干线公路": "国道", "national": "国道",
    "省道": "省道", "省级干线公路": "省道", "provincial": "省道",
    "县道": "县道", "旗县道": "县道", "县公路": "县道", "county": "县道",
    "乡道": "乡道", "苏木乡镇道": "乡道", "乡公路": "乡道", "township": "乡道",
    "村道": "村道", "嘎查村道": "村道", "village": "村道",
    "专用公路": "专用公路", "专用道路": "专用公路", "special": "专用公路",
}
#: 技术等级 (technical grade, JTG B01-2014 §3.1). Accepted spellings (lower case) → canonical grade.
TECH_GRADE_VALUES: dict[str, str] = {
    "高速公路": "高速公路", "高速": "高速公路", "expressway": "高速公路",
    "一级": "一级", "一级公路": "一级", "1级": "一级", "1": "一级", "i": "一级", "class1": "一级", "class 1": "一级",
    "二级": "二级", "二级公路": "二级", "2级": "二级", "2": "二级", "ii": "二级", "class2": "二级", "class 2": "二级",
    "三级": "三级", "三级公路": "三级", "3级": "三级", "3": "三级", "iii": "三级", "class3": "三级", "class 3": "三级",
    "四级": "四级", "四级公路": "四级", "4级": "四级", "4": "四级", "iv": "四级", "class4": "四级", "class 4": "四级",
    "等外": "等外", "等外公路": "等外", "等外路": "等外", "substandard": "等外",
}
#: Technical grades from best to worst; 三级 or better is what §(十一) asks of township seats.
TECH_GRADE_ORDER: tuple[str, ...] = ("高速公路", "一级", "二级", "三级", "四级", "等外")
CLASS3_OR_BETTER: frozenset[str] = frozenset(TECH_GRADE_ORDER[:4])
#: First letter of a Chinese route number (路线编号, OSM ``ref``: G109, S215, X601, Y012, C003, Z…) → 行政等级.
REF_PREFIX_ADMIN: dict[str, str] = {"G": "国道", "S": "省道", "X": "县道", "Y": "乡道", "C": "村道", "Z": "专用公路"}
#: OSM ``highway`` → 技术等级, used only with ``tech_grade_from_highway`` (an assumption: OSM classes are
#: functional, not technical grades).
HIGHWAY_TECH_GRADE: dict[str, str] = {
    "motorway": "高速公路", "motorway_link": "高速公路", "trunk": "一级", "trunk_link": "一级",
    "primary": "二级", "primary_link": "二级", "secondary": "三级", "secondary_link": "三级",
    "tertiary": "四级", "tertiary_link": "四级",
}
