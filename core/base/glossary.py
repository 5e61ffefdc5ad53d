"""The plan's own words: one table of the official terms every label, header and sentence reads.

Each :class:`Term` gives the Chinese term as the regional plan writes it (内蒙古自治区《农村牧区人居环境整治提升
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
    # indicators (§(三) 行动目标 sets the years' targets; the sections that say how)
    Term("waste_coverage", "生活垃圾收运处置体系覆盖行政村比例",
         "share of administrative villages covered by a household-waste collection, transfer and treatment system",
         "§(三) 行动目标; §(九); 分母为纳入整治提升范围的行政村", "垃圾收运覆盖率"),
    Term("road_coverage", "较大人口规模自然村通硬化路率",
         "share of larger natural villages connected by a hardened road",
         "§(三); §(十一); 分母为纳入整治提升范围的较大人口规模自然村", "通硬化路率"),
    Term("sewage_rate", "生活污水治理率", "rural household-sewage treatment rate", "§(三); §(七)"),
    Term("toilet_rate", "卫生厕所普及率", "sanitary-toilet coverage", "§(三); §(四)"),
    Term("new_toilets", "新建卫生厕所", "new sanitary toilets", "§(三)"),
    Term("fecal_waste", "厕所粪污", "toilet waste", "§(六)"),
    Term("covered", "已覆盖", "covered", "§(九): 纳入生活垃圾收运处置体系"),
    Term("not_covered", "未覆盖", "not covered", "§(九)"),
    Term("hardened_access", "通硬化路", "connected by a hardened road", "§(十一)"),
    Term("no_hardened_access", "未通硬化路", "no hardened road", "§(十一)"),
    Term("planned_gain", "规划新增", "gained by the plan", "本程序规划（ruralenv plan）"),
    Term("pave_km_upper", "逐村累计需硬化里程（共用路段重复计入，为估算上限）",
         "km to pave, summed village by village (shared stretches counted again: an upper estimate)",
         "本程序估算; 规划里程见 plan.xlsx 硬化道路", "需硬化里程"),
    Term("unreachable", "路网不可达", "unreachable by road", "本程序定义: 距道路过远或位于道路孤岛"),
    Term("far_from_road", "距道路过远", "far from any road", "本程序定义: 超过最大吸附距离 max_snap_m"),
    Term("isolated_island", "位于道路孤岛", "on a road island", "本程序定义: 所在路网与苏木乡镇驻地不连通"),
    # collection models (§(九)), never cut; the chain in brackets where there is room
    Term("county_process", "城乡一体化治理模式", "urban–rural integrated model", "§(九): 城镇周边"),
    Term("town_transfer", "苏木乡镇集中治理模式", "township-centred model", "§(九): 人口较密集地区"),
    Term("village_collect", "村庄分散治理模式", "dispersed village model", "§(九): 地处偏远、人口分散的嘎查村"),
    Term("county_process_chain", "农牧户集、嘎查村收、苏木乡镇转运、旗县处理",
         "household → village → township transfer → county treatment", "§(九)"),
    Term("town_transfer_chain", "农牧户集、嘎查村收、苏木乡镇处理", "household → village → township treatment",
         "§(九)"),
    Term("village_collect_chain", "农牧户集、嘎查村收、嘎查村处理", "household → village collection → village treatment",
         "§(九)"),
    # places and facilities
    Term("county", "旗县", "county (banner)", "行政区划; §(九)"),
    Term("town", "苏木乡镇", "township (sumu)", "行政区划; §(九)"),
    Term("village", "嘎查村", "village (gacha)", "行政区划; §(九)"),
    Term("region", "全部", "all", "本程序: 本次分析的全部村庄"),
    Term("admin_village", "行政村", "administrative village", "§(三)"),
    Term("larger_village", "较大人口规模自然村", "larger natural village", "§(十一)"),
    Term("town_seat", "苏木乡镇驻地", "township seat", "行政区划; §(七): 乡镇政府所在地"),
    Term("county_treatment", "旗县处理设施", "county treatment facility", "§(九): 旗县处理"),
    Term("town_treatment", "苏木乡镇处理设施", "township treatment facility", "§(九): 苏木乡镇处理"),
    Term("village_treatment", "嘎查村处理设施", "village treatment facility", "§(九): 嘎查村处理"),
    Term("transfer_station", "垃圾转运站", "transfer station", "§(九): 苏木乡镇转运", "转运站"),
    Term("wastewater_plant", "城镇污水处理厂", "town wastewater plant", "§(七): 纳入城镇污水管网集中处理"),
    Term("fecal_treatment", "粪污集中处理设施", "toilet-waste treatment facility", "§(六)", "粪污处理设施"),
    Term("facilities_layer", "垃圾、污水、粪污处理设施", "waste, sewage and toilet-waste facilities",
         "§(六)、§(七)、§(九)"),
    Term("town_sewer", "城镇污水管网", "town sewer", "§(七)"),
    # scope (§(二十五) 加强分类指导)
    Term("in_scope", "纳入整治提升范围", "in the programme's scope", "§(二十四); §(二十五)"),
    Term("out_of_scope", "不列入整治提升范围（“空心村”、已明确的搬迁撤并类村庄）",
         "outside the scope (hollow villages, villages to be relocated or merged)", "§(二十五)", "不列入整治提升范围"),
    Term("unclassified", "暂不分类", "not yet classified", "§(二十五): 对一时难以确定类别的村庄，可暂不作分类"),
    Term("class_cluster", "集聚提升类", "cluster and upgrade", "§(二十五)"),
    Term("class_suburban", "城郊融合类", "suburban integration", "§(二十五)"),
    Term("class_heritage", "特色保护类", "characteristic protection", "§(二十五)"),
    Term("class_relocation", "搬迁撤并类", "relocation and merger", "§(二十五)"),
    Term("class_hollow", "空心村", "hollow village", "§(二十五)"),
    # sewage zones (§(三))
    Term("zone_yellow_river", "沿黄流域及“一湖两海”周边", "along the Yellow River and around 一湖两海",
         "§(三): 2025年目标60%"),
    Term("zone_other", "其他地区", "other areas", "§(三): 2025年目标30%"),
    # sewage modes (§(七)): the plan's words for each tier
    Term("sewer_connect", "就近纳入城镇污水管网集中处理", "connect to the town sewer", "§(七): 城市近郊地区",
         "纳入城镇污水管网"),
    Term("central", "建设日处理能力20吨以上的污水集中处理设施", "central treatment plant (20 t/day or more)",
         "§(七): 常住人口1000人以上、居住集中"),
    Term("decentralised", "分散式处理设备或日处理能力5吨左右的小型污水处理设施",
         "decentralised units or a small plant (about 5 t/day)", "§(七): 常住人口300至1000人、居住分散",
         "分散式/小型处理设施"),
    Term("resource_use", "以粪污收集为主的生活污水资源化利用方式", "resource use, mainly by collecting toilet waste",
         "§(七): 常住人口300人以下的分散、偏远村庄"),
    Term("sewage_unknown", "暂不确定治理模式（常住人口未知）", "no mode (residents unknown)", "本程序"),
    Term("by_reference", "参照", "by analogy with", "本程序: 规划未明文列出的情形，参照最接近的一档"),
    # toilet-waste routes (§(六))
    Term("sewer", "接入污水处理系统统一处理", "into the sewage system, treated together", "§(六)"),
    Term("collect_and_haul", "建设粪污集中处理设施，定期掏运", "central toilet-waste facility, emptied regularly",
         "§(六)"),
    Term("on_site", "就地就近进行无害化消纳、综合利用", "made harmless and used on or near the spot", "§(六)"),
    # units (Chinese text says them in Chinese)
    Term("unit_km", "公里", "km", "计量单位"),
    Term("unit_m", "米", "m", "计量单位"),
    Term("unit_tpd", "吨/日", "t/day", "计量单位; §(七): 日处理能力"),
    Term("unit_wan", "万元", "10,000 CNY", "计量单位"),
    Term("unit_households", "户", "households", "计量单位"),
    Term("unit_people", "人", "people", "计量单位"),
    # the plan's deliverables and the planner's values (ruralenv plan)
    Term("project_list", "项目库", "project list", "实施方案附表"),
    Term("investment", "投资估算", "investment estimate", "实施方案附表"),
    Term("hardened_junction", "硬化路网交叉口", "junction of the hardened network", "本程序候选点"),
    Term("township_seat", "苏木乡镇驻地", "township seat", "本程序候选点"),
    Term("facility_site", "现有设施场址", "existing facility site", "本程序候选点"),
    Term("user", "用户提供的候选点", "candidate given by the user", "本程序候选点"),
    Term("optimal", "最优解", "optimal", "求解状态"),
    Term("time_limit_reached", "达到求解时限", "time limit reached", "求解状态"),
    Term("time_limit", "达到求解时限", "time limit reached", "求解状态"),
    Term("greedy", "贪心解（未调用求解器）", "greedy (no solver run)", "求解状态"),
    Term("infeasible", "无可行解", "infeasible", "求解状态"),
    Term("exact", "精确解（差距为0）", "exact (gap 0)", "求解方法"),
    Term("heuristic", "近似解（给出下界与差距）", "heuristic (bound and gap given)", "求解方法"),
    Term("target", "按覆盖目标求最少站点", "fewest sites for the target", "选址方式"),
    Term("budget", "按给定站点数或里程求最大覆盖", "most covered for a given budget", "选址方式"),
    Term("count", "按村数", "by villages", "覆盖权重"),
    Term("population", "按人口", "by people", "覆盖权重"),
    Term("sites", "站点数", "sites", "目标函数"),
    Term("count covered", "覆盖村数", "villages covered", "目标函数"),
    Term("population covered", "覆盖人口", "people covered", "目标函数"),
    Term("all", "全部", "all", "本程序: 全部村庄的合计行"),
    # input problems (the 问题 sheet of report.xlsx): severity
    Term("error", "错误（该行无法使用）", "error (the row cannot be used)", "本程序: 输入检查"),
    Term("doubt", "存疑（已按默认值处理）", "doubt (a default replaced the value)", "本程序: 输入检查"),
    Term("note", "提示（已自动修复）", "note (repaired automatically)", "本程序: 输入检查"),
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
    # monitoring the five-year programme (issue 25: ruralenv monitor); statuses after the Open SDG progress method
    Term("monitoring_report", "监测报告", "monitoring report", "§(二十三) 加强农村牧区人居环境监测，定期发布监测报告"),
    Term("acceptance", "检查验收", "inspection and acceptance", "§(二十七) 到2025年年底以旗县为单位进行检查验收"),
    Term("monitoring_year", "监测年度", "monitoring year", "§(二十三)"),
    Term("status_met", "已达到目标", "target achieved", "Open SDG progress method"),
    Term("status_on_track", "按期可达", "on track", "Open SDG progress method: R ≥ 95%"),
    Term("status_acceleration_needed", "需加快推进", "progress made but acceleration needed",
         "Open SDG progress method: 60% ≤ R < 95%"),
    Term("status_limited", "进展有限", "limited progress", "Open SDG progress method: 0 ≤ R < 60%"),
    Term("status_deterioration", "出现倒退", "deterioration", "Open SDG progress method: R < 0"),
    Term("status_not_met", "未达到目标", "target not achieved", "Open SDG progress method (target year passed)"),
    Term("status_unable_to_assess", "无法评估", "unable to assess", "Open SDG progress method (fewer than two years)"),
    Term("change_added", "新增", "added", "嘎查村名录变化"),
    Term("change_removed", "撤销", "removed", "嘎查村名录变化"),
    Term("change_recoded", "代码调整", "recoded", "行政区划代码调整"),
    Term("change_moved", "位置变动", "moved", "嘎查村名录变化"),
    Term("change_unchanged", "无变化", "unchanged", "嘎查村名录变化"),
    # the priced plan (issue 24): sewage projects, toilet types, pillars of the 项目库
    Term("project_sewer_connect", "就近纳入城镇污水管网工程", "connection to the town sewer", "§(七)"),
    Term("project_central", "生活污水集中处理设施", "central sewage plant", "§(七)"),
    Term("project_decentralised", "小型生活污水处理设施", "small (decentralised) sewage plant", "§(七)"),
    Term("project_resource_use", "生活污水资源化利用设施", "sewage resource use", "§(七)"),
    Term("road_hardening", "农村牧区道路硬化", "rural road hardening", "§(十一)"),
    Term("shared_plant", "连片治理", "shared plant of neighbouring villages", "§(七)"),
    Term("sewage_pipe", "污水管网", "sewer pipes", "§(七)"),
    Term("toilet_flush", "水冲式卫生厕所（接入污水管网）", "flush toilet into the sewer", "§(六): 宜水则水", "水冲厕所"),
    Term("toilet_septic", "三格化粪池（双瓮）式卫生厕所", "septic-tank toilet (three-compartment or double-urn)",
         "§(六)", "三格化粪池"),
    Term("toilet_dry", "粪尿分集（双坑交替）式卫生旱厕", "dry toilet (urine-diverting or double-pit)", "§(六): 宜旱则旱",
         "卫生旱厕"),
)

#: Every term by its key.
TERMS: dict[str, Term] = {t.key: t for t in _TERMS}
if len(TERMS) != len(_TERMS):  # a key added twice would silently hide the first term
    _keys = [t.key for t in _TERMS]
    raise ValueError(f"glossary keys defined twice: {sorted({k for k in _keys if _keys.count(k) > 1})}")


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


def value(code: object, lang: str | int = "zh") -> object:
    """The term of a coded value (``county``, ``optimal``, ``transfer_station`` …) in ``lang``; other values
    (numbers, names, codes the glossary does not hold) come back unchanged.
    """
    if isinstance(code, str) and code in TERMS:
        return label(code, lang)
    return code


def target(year: int, pct: float, more: bool = False) -> str:
    """A year's target as a header says it: ``2023年目标（50%）`` (``以上`` when ``more``)."""
    return f"{year}年目标（{number(pct)}%{'以上' if more else ''}）"


def number(x: float, digits: int = 1, fixed: bool = False) -> str:
    """A number as Chinese running text writes it, no spaces: without trailing zeros (``29.6``, ``60``), or with
    ``digits`` decimals when ``fixed`` (measured values, so that one sentence pattern holds them all).
    """
    text = f"{x:.{digits}f}"
    if not fixed and digits:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def with_unit(x: float, unit: str, digits: int = 1, fixed: bool = False) -> str:
    """A quantity in Chinese text, the number and its Chinese unit together: ``118.3公里``, ``20吨/日``."""
    return f"{number(x, digits, fixed)}{zh(unit) if unit in TERMS else unit}"


def model_label(model: str, covered: bool | None, lang: str | int = "zh") -> str:
    """A village's collection model in the plan's words with its chain, and whether it is covered:
    ``村庄分散治理模式（农牧户集、嘎查村收、嘎查村处理），未覆盖``.
    """
    if lang in ("en", 1):
        base = f"{en(model)}: {en(model + '_chain')}"
        return base if covered is None else f"{base}, {en('covered' if covered else 'not_covered')}"
    base = f"{zh(model)}（{zh(model + '_chain')}）"
    return base if covered is None else f"{base}，{zh('covered' if covered else 'not_covered')}"


#: The plan the terms come from, as the glossary page cites it.
PLAN_TITLE = "内蒙古自治区《农村牧区人居环境整治提升五年行动实施方案（2021—2025年）》"


def markdown() -> str:
    """The glossary page of the documentation (MyST Markdown), generated from :data:`TERMS`.

    ``docs/manual/glossary.md`` is this text (a test keeps the two equal); rewrite it with
    ``python -c "from ruralenv.core.base import glossary; print(glossary.markdown(), end='')" > docs/manual/glossary.md``.
    """
    def cell(text: str | None) -> str:
        return (text or "").replace("|", "\\|")

    lines = [
        "# 术语表 Glossary",
        "",
        f"输出中的每个正式术语都取自{PLAN_TITLE}（下表“出处”一栏给出条目，如§(九)即第（九）条），"
        "程序的每个表头、标签和句子都从同一张术语表（`ruralenv.core.base.glossary`）读取，本页也由它生成。"
        "“地图简称”只用于地图上较窄的标签，表格和句子中一律使用全称。",
        "",
        f"Every official term in the outputs is the plan's own ({PLAN_TITLE}; *出处* gives the section, §(九) is "
        "item (九)). Every header, label and sentence the program writes reads the same table "
        "(`ruralenv.core.base.glossary`), and this page is generated from it. The short form is for narrow map "
        "labels only; tables and sentences use the full term.",
        "",
        "| 术语 Term | English | 出处 Source | 代码 Code | 地图简称 Short |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {cell(t.zh)} | {cell(t.en)} | {cell(t.source)} | `{t.key}` | {cell(t.short_zh)} |" for t in _TERMS]
    lines += ["", "写法 Writing rules: 中文句子中数字与单位之间、数字与%之间不加空格（29.6%、118.3公里）；单位用中文"
              "（公里、米、吨/日、万元）；正文不用数学符号（超过20公里、不少于1500人）；目标写作2023年目标（50%）；"
              "中文表头用全角括号。 / Chinese text: no spaces around numbers, Chinese units, no maths symbols, "
              "targets as 2023年目标（50%）, full-width brackets in Chinese headers.", ""]
    return "\n".join(lines)
