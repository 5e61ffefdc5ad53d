"""The report's sentences, generated from the numbers: Chinese (the 监测报告's language) or English.

e.g. 准格尔旗生活垃圾收运处置体系覆盖行政村比例由2022年的29.6%提高到2024年的41.0%，按当前进度2025年预计达到48.3%，
低于60.0%的目标，需加快推进。
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base.glossary import en as en_term
from ..base.glossary import zh as zh_term


def number(value: float, unit: str, lang: str = "zh") -> str:
    """A value with its unit: ``41.0%``, ``1234户``, ``45万户`` / ``1,234 households``."""
    if unit == "%":
        return f"{value:.1f}%"
    if lang != "zh":
        return f"{round(value):,} households"
    if abs(value) >= 100_000:  # 45万户, as the plan writes its toilet targets
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万户"
    return f"{round(value)}户"


def gap(value: float, unit: str, lang: str = "zh") -> str:
    """A difference: percentage points for a rate (``46.6个百分点``), else like :func:`number`."""
    if unit == "%":
        return f"{value:.1f}个百分点" if lang == "zh" else f"{value:.1f} percentage points"
    return number(value, unit, lang)


def status_label(status: str | None, lang: str = "zh") -> str:
    """The status in words (glossary terms ``status_*``)."""
    if status is None:
        return "—" if lang == "zh" else "no target"
    return (zh_term if lang == "zh" else en_term)(f"status_{status}")


def _points(years: Sequence[int], values: Sequence[float | None]) -> list[tuple[int, float]]:
    return [(y, float(v)) for y, v in zip(years, values, strict=True) if v is not None]


def _zh_trend(ind: dict[str, Any], pts: list[tuple[int, float]]) -> str:
    (y0, v0), (yl, vl) = pts[0], pts[-1]
    u = ind["unit"]
    if ind.get("name_zh") == zh_term("new_toilets"):
        if vl < 0:
            return f"自{y0}年以来有卫生厕所的户数减少{number(-vl, u)}"
        return f"自{y0}年以来{ind['name_zh']}{number(vl, u)}"
    if len(pts) == 1:
        return f"{ind['name_zh']}{yl}年为{number(vl, u)}"
    verb = "提高到" if vl > v0 else "下降到" if vl < v0 else "保持在"
    if verb == "保持在":
        return f"{ind['name_zh']}{y0}年至{yl}年保持在{number(vl, u)}"
    return f"{ind['name_zh']}由{y0}年的{number(v0, u)}{verb}{yl}年的{number(vl, u)}"


def _zh_outlook(ind: dict[str, Any], pts: list[tuple[int, float]]) -> str:
    u, st = ind["unit"], ind["status"]
    t, p = number(ind["target_2025"], u), ind.get("projected_2025")
    proj = number(p, u) if p is not None else "—"
    if st == "met":
        return f"已达到2025年{t}的目标"
    if st == "on_track":
        return f"按当前进度2025年预计达到{proj}，可按期实现{t}的目标"
    if st == "acceleration_needed":
        return f"按当前进度2025年预计达到{proj}，低于{t}的目标，需加快推进"
    if st == "limited":
        return f"按当前进度2025年预计仅达到{proj}，远低于{t}的目标，进展有限，需大力推进"
    if st == "deterioration":
        return f"较{pts[0][0]}年出现倒退，距2025年{t}的目标仍差{gap(ind['target_2025'] - pts[-1][1], u)}，需扭转下降趋势"
    if st == "not_met":
        return f"未达到2025年{t}的目标"
    return f"仅有一个年度的数据，暂无法评估进度（2025年目标{t}）"


def _en_trend(ind: dict[str, Any], pts: list[tuple[int, float]]) -> str:
    (y0, v0), (yl, vl) = pts[0], pts[-1]
    u, name = ind["unit"], ind["name_en"]
    if ind.get("name_zh") == zh_term("new_toilets"):
        if vl < 0:
            return f"households with a sanitary toilet fell by {number(-vl, u, 'en')} since {y0}"
        return f"{name} since {y0}: {number(vl, u, 'en')}"
    if len(pts) == 1:
        return f"{name} was {number(vl, u, 'en')} in {yl}"
    if vl == v0:
        return f"{name} stayed at {number(vl, u, 'en')} from {y0} to {yl}"
    verb = "rose" if vl > v0 else "fell"
    return f"{name} {verb} from {number(v0, u, 'en')} in {y0} to {number(vl, u, 'en')} in {yl}"


def _en_outlook(ind: dict[str, Any], pts: list[tuple[int, float]]) -> str:
    u, st = ind["unit"], ind["status"]
    t, p = number(ind["target_2025"], u, "en"), ind.get("projected_2025")
    proj = number(p, u, "en") if p is not None else "—"
    if st == "met":
        return f"the 2025 target of {t} is already met"
    if st in ("on_track", "acceleration_needed", "limited"):
        tail = {"on_track": f"reaching the target of {t}: on track",
                "acceleration_needed": f"below the target of {t}: acceleration needed",
                "limited": f"far below the target of {t}: limited progress"}[st]
        return f"at the current pace it is projected to reach {proj} in 2025, {tail}"
    if st == "deterioration":
        short = gap(ind["target_2025"] - pts[-1][1], u, "en")
        return f"it has deteriorated since {pts[0][0]} and is {short} short of the 2025 target of {t}: reverse the trend"
    if st == "not_met":
        return f"the 2025 target of {t} was not met"
    return f"one year of data only, progress cannot be assessed yet (2025 target {t})"


def sentence(place: str, ind: dict[str, Any], years: Sequence[int], lang: str = "zh") -> str | None:
    """One sentence on one indicator of one place; None when it has no 2025 target or no value.

    Parameters
    ----------
    place : str
        The place's name.
    ind : dict
        The indicator's entry in monitor.json (values, targets, status, projection).
    years : sequence of int
    lang : str
        ``"zh"`` or ``"en"``.
    """
    pts = _points(years, ind["values"])
    if not pts or ind.get("target_2025") is None:
        return None
    if lang == "zh":
        return f"{place}{_zh_trend(ind, pts)}，{_zh_outlook(ind, pts)}。"
    return f"{place}: {_en_trend(ind, pts)}; {_en_outlook(ind, pts)}."


def place_sentences(place: dict[str, Any], years: Sequence[int], lang: str = "zh") -> list[str]:
    """The sentences of every indicator of one place (region or county), in indicator order."""
    out = []
    for ind in place["indicators"].values():
        s = sentence(place["name"], ind, years, lang)
        if s:
            out.append(s)
    return out


def missing_sentence(place: dict[str, Any], lang: str = "zh") -> str | None:
    """A sentence naming the years a place has no data, or None."""
    missing = place.get("missing_years") or []
    if not missing:
        return None
    if lang == "zh":
        return f"{place['name']}缺少{'、'.join(f'{y}年' for y in missing)}的数据。"
    return f"{place['name']}: no data for {', '.join(map(str, missing))}."


def status_count_sentences(counties: dict[str, Any], lang: str = "zh") -> list[str]:
    """With several counties: per indicator, how many counties are in each status (best first).

    e.g. 103个旗县中，生活垃圾收运处置体系覆盖行政村比例已达到目标的12个，按期可达的30个，需加快推进的41个，进展有限的20个。
    """
    from .status import STATUSES

    if len(counties) < 2:
        return []
    first = next(iter(counties.values()))["indicators"]
    out = []
    for key, ind in first.items():
        if ind.get("target_2025") is None:
            continue
        counts = {s: 0 for s in STATUSES}
        for place in counties.values():
            st = place["indicators"].get(key, {}).get("status") or "unable_to_assess"
            counts[st] += 1
        parts = [(status_label(s, lang), n) for s, n in counts.items() if n]
        if lang == "zh":
            out.append(f"{len(counties)}个{zh_term('county')}中，{ind['name_zh']}"
                       + "，".join(f"{label}的{n}个" for label, n in parts) + "。")
        else:
            out.append(f"Of {len(counties)} counties, {ind['name_en']}: "
                       + ", ".join(f"{label} {n}" for label, n in parts) + ".")
    return out


def change_sentence(pair: str, counts: dict[str, int], lang: str = "zh") -> str:
    """What changed village by village in one year pair, in one sentence (losses as visible as gains)."""
    a, b = pair.split("-")
    if lang == "zh":
        return (f"{a}—{b}年：新增嘎查村{counts['added']}个，撤销{counts['removed']}个，代码调整{counts['recoded']}个，"
                f"位置变动{counts['moved']}个；新增垃圾收运覆盖{counts['covered_gained']}个、失去{counts['covered_lost']}个；"
                f"新通硬化路{counts['access_gained']}个、失去{counts['access_lost']}个；污水新治理{counts['sewage_treated_gained']}个、"
                f"退出{counts['sewage_treated_lost']}个；新增卫生厕所{counts['toilets_added']}户、减少{counts['toilets_lost']}户；"
                f"新建设施{counts['facilities_added']}座、关停{counts['facilities_closed']}座。")
    return (f"{a}–{b}: villages added {counts['added']}, removed {counts['removed']}, recoded {counts['recoded']}, "
            f"moved {counts['moved']}; waste coverage gained {counts['covered_gained']}, lost {counts['covered_lost']}; "
            f"hardened access gained {counts['access_gained']}, lost {counts['access_lost']}; sewage treatment gained "
            f"{counts['sewage_treated_gained']}, lost {counts['sewage_treated_lost']}; sanitary toilets added "
            f"{counts['toilets_added']:,}, lost {counts['toilets_lost']:,} households; facilities added "
            f"{counts['facilities_added']}, closed {counts['facilities_closed']}.")
