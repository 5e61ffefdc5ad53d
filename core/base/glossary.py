"""The plan's own words: one table of the official terms every label, header and sentence reads.

Each :class:`Term` gives the Chinese term as the regional plan writes it (《内蒙古自治区农村牧区人居环境整治提升
五年行动实施方案（2021—2025年）》, sections cited as §(九) and so on), an English rendering, where in the plan it
comes from, and an optional short form for narrow map labels only. Outputs never spell an official term
themselves: they call :func:`zh`, :func:`en` or :func:`label` with the term's key, so the glossary page of the
documentation and every output say the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One official term.

    Attributes
    ----------
    key : str
        The code the program uses (also a column value or a column-name stem).
    zh : str
        The term in the plan's words.
    en : str
        English beside it.
    source : str
        Where in the plan it comes from (section), or what defines it when the plan does not.
    short_zh : str or None
        A shorter form for narrow map labels only; never in tables or sentences.
    """

    key: str
    zh: str
    en: str
    source: str
    short_zh: str | None = None


_TERMS: tuple[Term, ...] = (
    # indicators (§(九), §(十一), §(七), §(六))
    Term("waste_coverage", "生活垃圾收运处置体系覆盖行政村比例",
         "share of administrative villages covered by a household-waste collection, transfer and treatment system",
         "§(九); 主要目标", "垃圾收运覆盖率"),
    Term("road_coverage", "较大人口规模自然村通硬化路率",
         "share of larger natural villages connected by a hardened road", "§(十一); 主要目标", "通硬化路率"),
    Term("sewage_rate", "农村牧区生活污水治理率", "rural household-sewage treatment rate", "§(七); 主要目标",
         "污水治理率"),
    Term("toilet_rate", "卫生厕所普及率", "sanitary-toilet coverage", "§(六); 主要目标"),
    Term("new_toilets", "新建卫生厕所", "new sanitary toilets", "§(六); 主要目标"),
    # collection models (§(九))
    Term("county_process", "城乡一体化治理模式", "urban–rural integrated model", "§(九)"),
    Term("town_transfer", "苏木乡镇集中治理模式", "township-centred model", "§(九)"),
    Term("village_collect", "村庄分散治理模式", "dispersed village model", "§(九)"),
    # places and facilities
    Term("county", "旗县", "county (banner)", "行政区划"),
    Term("town", "苏木乡镇", "township (sumu)", "行政区划"),
    Term("village", "嘎查村", "village (gacha)", "行政区划"),
    Term("town_seat", "苏木乡镇驻地", "township seat", "§(十一)"),
    Term("county_treatment", "旗县处理设施", "county treatment facility", "§(九)"),
    Term("town_treatment", "苏木乡镇处理设施", "township treatment facility", "§(九)"),
    Term("village_treatment", "嘎查村处理设施", "village treatment facility", "§(九)"),
    Term("transfer_station", "垃圾转运站", "transfer station", "§(九)"),
    Term("wastewater_plant", "城镇污水处理厂", "town wastewater plant", "§(七)"),
    Term("fecal_treatment", "粪污处理设施", "toilet-waste treatment facility", "§(六)"),
    # scope (§(三), 村庄分类)
    Term("in_scope", "整治提升范围", "in the programme's scope", "§(三)"),
    Term("out_of_scope", "不列入整治提升范围（“空心村”、已明确的搬迁撤并类村庄）",
         "outside the scope (hollow villages, villages to be relocated or merged)", "§(三)", "不列入整治范围"),
    Term("unclassified", "暂不分类", "not yet classified", "村庄分类"),
    # sewage zones (§(七))
    Term("zone_yellow_river", "沿黄流域及“一湖两海”周边", "along the Yellow River and around 一湖两海",
         "§(七): 2025年目标60%"),
    Term("zone_other", "其他地区", "other areas", "§(七): 2025年目标30%"),
    # the plan's deliverables
    Term("project_list", "项目库", "project list", "实施方案附表"),
    Term("investment", "投资估算", "investment estimate", "实施方案附表"),
    # the field loop (issue 26): the program's own words for the survey round, not the plan's
    Term("status_form", "村庄现状调查表", "village status form", "实地调查（本程序） field loop"),
    Term("observed_value", "调查值", "observed value", "实地调查（本程序） field loop"),
    Term("current_value", "现值", "current value", "实地调查（本程序） field loop"),
    Term("audit_trail", "变更记录", "audit trail", "实地调查（本程序） field loop"),
    Term("data_year", "数据年份", "data year", "监测（本程序） monitoring"),
    # roads and waste as the plan states them (issue 27)
    Term("town_class3", "苏木乡镇通三级公路率", "share of township seats on Class III roads", "§(十一)",
         "通三级公路率"),
    Term("class3_road", "三级及以上公路", "road of technical grade Class III or better", "JTG B01-2014 §3.1"),
    Term("admin_class", "行政等级", "administrative class (国道, 省道, 县道, 乡道, 村道, 专用公路)", "公路路线命名编号"),
    Term("tech_grade", "技术等级", "technical grade (高速公路, 一级 … 四级, 等外)", "JTG B01-2014 §3.1"),
    Term("waste_generated", "垃圾产生量", "waste generated", "§(九)"),
    Term("transport_distance", "转运距离", "transport distance", "§(九)"),
    Term("capacity", "处理能力", "treatment capacity (t/day)", "设施设计规模"),
    # the priced plan (issue 24): sewage projects, toilet types, pillars of the 项目库
    Term("sewer_connect", "就近纳入城镇污水管网", "connection to the town sewer", "§(七)", "纳管"),
    Term("central", "生活污水集中处理设施", "central sewage plant", "§(七)", "集中处理"),
    Term("decentralised", "小型生活污水处理设施", "small (decentralised) sewage plant", "§(七)", "分散处理"),
    Term("resource_use", "生活污水资源化利用", "sewage resource use", "§(七)", "资源化利用"),
    Term("shared_plant", "连片治理", "shared plant of neighbouring villages", "§(七)"),
    Term("sewage_pipe", "污水管网", "sewer pipes", "§(七)"),
    Term("toilet_flush", "水冲式卫生厕所（接入污水管网）", "flush toilet into the sewer", "§(六): 宜水则水", "水冲厕所"),
    Term("toilet_septic", "三格化粪池（双瓮）式卫生厕所", "septic-tank toilet (three-compartment or double-urn)",
         "§(六)", "三格化粪池"),
    Term("toilet_dry", "粪尿分集（双坑交替）式卫生旱厕", "dry toilet (urine-diverting or double-pit)", "§(六): 宜旱则旱",
         "卫生旱厕"),
    Term("pillar_toilets", "厕所", "toilets", "项目类别"),
    Term("pillar_sewage", "污水", "sewage", "项目类别"),
    Term("pillar_waste", "垃圾", "waste", "项目类别"),
    Term("pillar_roads", "道路", "roads", "项目类别"),
    Term("road_hardening", "农村牧区道路硬化", "rural road hardening", "§(十一)"),
    Term("new_build", "新建", "new", "建设性质"),
    Term("upgrade", "改造", "upgrade", "建设性质"),
)

#: Every term by its key.
TERMS: dict[str, Term] = {t.key: t for t in _TERMS}


def zh(key: str) -> str:
    """The Chinese term of ``key`` (raises ``KeyError`` naming an unknown key)."""
    return TERMS[key].zh


def en(key: str) -> str:
    """The English term of ``key``."""
    return TERMS[key].en


def label(key: str, lang: str | int = "zh", short: bool = False) -> str:
    """The term of ``key`` in ``lang`` (``"zh"``/0 or ``"en"``/1); ``short`` for narrow map labels only."""
    term = TERMS[key]
    if lang in ("en", 1):
        return term.en
    return (term.short_zh or term.zh) if short else term.zh


def bilingual(key: str) -> str:
    """``中文 English`` of ``key``, as headers and help lines show it."""
    return f"{zh(key)} {en(key)}"
