"""Every word a planner reads is the plan's own (issue 29): one glossary, read by every header and label;
every sheet of every spreadsheet the sample produces has a Chinese header row over its English one."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from ruralenv.core.base import contract, glossary, schema
from ruralenv.core.base.legend import village_classes
from ruralenv.core.maps import webmap

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

#: Spellings the plan does not use, with the plan's word (issue 29's list). A Chinese header, label or value
#: holding one of them fails.
NOT_THE_PLANS: dict[str, str] = {
    r"(?<!苏木)乡镇处理设施": "苏木乡镇处理设施",
    r"村级处理设施": "嘎查村处理设施",
    r"县级处理设施": "旗县处理设施",
    r"(?<!苏木)乡镇驻地": "苏木乡镇驻地",
    r"较大自然村": "较大人口规模自然村",
    r"垃圾收运覆盖率|垃圾收运处置体系覆盖率": "生活垃圾收运处置体系覆盖行政村比例",
    r"重点区域": "沿黄流域及“一湖两海”周边 / 其他地区",
    r"未分类": "暂不分类",
    r"不纳入整治": "不列入整治提升范围",
    r"纳管": "就近纳入城镇污水管网集中处理",
    r"(?<!采用生活污水)资源化利用村数": "采用生活污水资源化利用方式的村数",
    r"已达标|未达标": "已覆盖 / 规划新增 / 未覆盖",
}
#: Typography of Chinese text: no Latin units, no maths symbols, full-width brackets, no space before %.
TYPOGRAPHY: dict[str, str] = {
    r"\d\s*(km|m|t/d|m³)\b|m³|t/d|\bkm\b": "Chinese units (公里、米、吨/日)",
    r"[≥≤<>×]": "words, not maths symbols",
    r"[()]": "full-width brackets （）",
    r"\d\s+%|\d\s+[\u4e00-\u9fff]|[\u4e00-\u9fff]\s+\d": "no spaces around numbers",
}
#: The narrow-map short forms are allowed only on the map; the headers below are not narrow.
SANCTIONED = {t.short_zh for t in glossary.TERMS.values() if t.short_zh}


def _problems(texts: dict[str, str], rules: dict[str, str]) -> list[str]:
    out = []
    for where, text in texts.items():
        if not isinstance(text, str) or not CJK.search(text):
            continue
        out += [f"{where}: {text!r} → {fix}" for pattern, fix in rules.items() if re.search(pattern, text)]
    return out


def _contract_labels() -> dict[str, str]:
    cols = [c for group in (contract.VILLAGE_COLUMNS, contract.ROAD_COLUMNS, contract.FACILITY_COLUMNS,
                            contract.MINE_COLUMNS, contract.UNREACHABLE_COLUMNS, contract.REJECT_COLUMNS,
                            contract.INDICATOR_COLUMNS, contract.SANITATION_INDICATOR_COLUMNS,
                            contract.PLAN_VILLAGE_COLUMNS, contract.PLAN_COLUMNS, contract.PLAN_WASTE_COLUMNS,
                            contract.PLAN_ROAD_COLUMNS) for c in group]
    return {f"contract {c.name}": c.zh for c in cols}


def _labels() -> dict[str, str]:
    """Every Chinese label the program holds as data: contract headers, schema labels, the maps' words."""
    out = _contract_labels()
    for name, table in (("MODEL", schema.MODEL_LABELS_ZH), ("SEWAGE_MODE", schema.SEWAGE_MODE_LABELS_ZH),
                        ("FECAL_ROUTE", schema.FECAL_ROUTE_LABELS_ZH)):
        out.update({f"schema {name} {k}": v for k, v in table.items()})
    for name, table in (("FIELD_LABELS", webmap.FIELD_LABELS), ("UI_TEXT", webmap.UI_TEXT),
                        ("LAYER_TITLES", webmap.LAYER_TITLES), ("FACILITY_LABELS", webmap.FACILITY_LABELS)):
        out.update({f"webmap {name} {k}": v[0] for k, v in table.items()})
    out.update({f"legend {k}": v for k, v in village_classes(0)[2].items()})
    return out


def test_the_glossary_is_complete_and_cites_the_plan():
    assert len(glossary.TERMS) > 80 and all(k == t.key for k, t in glossary.TERMS.items())
    for t in glossary.TERMS.values():
        assert CJK.search(t.zh) and re.search("[A-Za-z]", t.en), t.key
        assert t.source, t.key
        assert t.short_zh is None or len(t.short_zh) < len(t.zh), t.key
    # every section cited is one the plan has (the plan's own numbering, （一） to （二十八）)
    plan = (ROOT.parent.parent / "shared" / "seeds" / "000_b6513310fc34f235.txt")
    sections = set(re.findall(r"§\(([一二三四五六七八九十]+)\)", " ".join(t.source for t in glossary.TERMS.values())))
    assert sections >= {"三", "六", "七", "九", "十一", "二十五"}
    if plan.exists():
        text = plan.read_text(encoding="utf-8")
        assert all(f"（{s}）" in text for s in sections), sections
        assert "生活垃圾收运处置体系覆盖" in text.replace("\n", "")
        for key in ("road_coverage", "county_process", "town_transfer", "village_collect",
                    "zone_other", "sewer_connect", "town_sewer", "larger_village"):
            assert glossary.zh(key) in text.replace("\n", ""), key  # the plan's words, verbatim


def test_api_reads_the_table():
    assert glossary.zh("county_process") == "城乡一体化治理模式"
    assert glossary.label("waste_coverage", short=True) == "垃圾收运覆盖率"
    assert glossary.label("waste_coverage", "en") == glossary.en("waste_coverage")
    assert glossary.bilingual("county") == "旗县 county (banner)"
    assert glossary.value("time_limit_reached") == "达到求解时限" and glossary.value(150622) == 150622
    assert glossary.target(2023, 50) == "2023年目标（50%）" and glossary.target(2025, 85, True) == "2025年目标（85%以上）"
    assert glossary.with_unit(118.3, "unit_km") == "118.3公里" and glossary.with_unit(20.0, "unit_tpd") == "20吨/日"
    assert glossary.model_label("village_collect", False) == "村庄分散治理模式（农牧户集、嘎查村收、嘎查村处理），未覆盖"
    with pytest.raises(KeyError):
        glossary.zh("no_such_term")


def test_every_chinese_label_uses_the_plans_words():
    labels = _labels()
    assert not _problems(labels, NOT_THE_PLANS)
    # the map's narrow labels may use the sanctioned short forms; headers and labels elsewhere may not
    full = sorted({t.zh for t in glossary.TERMS.values()}, key=len, reverse=True)
    bare = {}  # each label with the full terms taken out: what is left must hold no short form
    for k, v in labels.items():
        if not k.startswith(("webmap", "legend")):
            for term in full:
                v = v.replace(term, "※")
            bare[k] = v
    assert not _problems(bare, {re.escape(s): "the full term" for s in SANCTIONED})
    assert not _problems(_contract_labels(), TYPOGRAPHY)
    # the official terms are read from the glossary, so a change there reaches every header
    headers = " ".join(_contract_labels().values())
    for key in ("waste_coverage", "road_coverage", "sewage_rate", "toilet_rate", "county_process", "town_transfer",
                "village_collect", "zone_yellow_river", "zone_other", "pave_km_upper", "in_scope", "transfer_station",
                "town_treatment", "county_treatment", "village_treatment", "fecal_treatment"):
        assert glossary.zh(key) in headers, key
    assert webmap.LAYER_TITLES["facilities"][0] == "垃圾、污水、粪污处理设施"


def test_the_docs_page_is_generated_from_the_table():
    page = ROOT / "docs" / "manual" / "glossary.md"
    assert page.read_text(encoding="utf-8") == glossary.markdown(), (
        "docs/manual/glossary.md is stale: regenerate it from ruralenv.core.base.glossary.markdown()")
    for t in glossary.TERMS.values():
        assert f"`{t.key}`" in page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_plan_xlsx(sample_results, tmp_path_factory):
    from ruralenv.core.cli import main

    _, out = sample_results
    plan_dir = tmp_path_factory.mktemp("glossary_plan")
    assert main(["plan", str(out / "results.gpkg"), "--out", str(plan_dir), "--time-limit", "2", "-q",
                 "--no-map"]) == 0
    return plan_dir


def _sheets(path: Path):
    wb = load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(min_row=1, max_row=3, values_only=True))
        yield ws.title, rows


def test_every_sheet_has_a_chinese_header_row_over_an_english_one(sample_results, sample_plan_xlsx):
    _, out = sample_results
    books = [out / "report.xlsx", sample_plan_xlsx / "plan.xlsx"]
    seen = 0
    for book in books:
        for title, rows in _sheets(book):
            zh, en = rows[0], rows[1]
            assert CJK.search(title), (book.name, title)
            for j, (z, e) in enumerate(zip(zh, en, strict=True)):
                assert z and CJK.search(str(z)), f"{book.name} / {title} column {j + 1}: {z!r} is not Chinese"
                assert e and re.search("[A-Za-z]", str(e)), f"{book.name} / {title} column {j + 1}: {e!r}"
                assert not CJK.search(str(e).replace("一湖两海", "")), f"{book.name} / {title}: {e!r}"
            heads = {f"{book.name} / {title} / {z}": str(z) for z in zh}
            assert not _problems(heads, NOT_THE_PLANS)
            assert not _problems(heads, TYPOGRAPHY)
            seen += 1
    assert seen >= 12  # report.xlsx: 7 sheets (with 不可达), plan.xlsx: 7 sheets


def test_coded_values_and_reasons_read_in_chinese(sample_results, sample_plan_xlsx):
    _, out = sample_results
    coded = {glossary.en(k) for k in glossary.TERMS} | set(glossary.TERMS)
    for book in (out / "report.xlsx", sample_plan_xlsx / "plan.xlsx"):
        wb = load_workbook(book, read_only=True)
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            for j, head in enumerate(rows[1]):
                if "English" in str(head) or "because" in str(head):
                    continue  # the English twin of a Chinese column
                values = {r[j] for r in rows[2:] if isinstance(r[j], str)}
                assert not values & coded - {"全部"}, (book.name, ws.title, head, values & coded)
    report = load_workbook(out / "report.xlsx", read_only=True)
    rows = list(report["不可达 unreachable"].iter_rows(min_row=3, values_only=True))
    reasons = [r[4] for r in rows]
    assert reasons and all(CJK.search(r) and not re.search("[a-z_]{4,}", r) for r in reasons), reasons
    assert not _problems({str(i): r for i, r in enumerate(reasons)}, TYPOGRAPHY)
    county = list(report["旗县 county"].iter_rows(values_only=True))
    assert county[2][0] == "旗县"
    region = list(report["全部 region"].iter_rows(values_only=True))
    assert region[2][0] == "全部" and region[2][2] == "全部"


def test_village_reasons_and_labels_in_the_results(sample_results):
    res, _ = sample_results
    v = res.villages
    texts = {}
    for col in ("model_reason", "unreachable_reason", "sewage_reason", "model_label", "sewage_mode_label",
                "fecal_route_label"):
        texts.update({f"{col} {i}": t for i, t in v[col].dropna().drop_duplicates().head(400).items()})
    assert not _problems(texts, NOT_THE_PLANS)
    assert not _problems({k: t for k, t in texts.items() if not k.startswith("model_label")},
                         {**TYPOGRAPHY, r"[()]": "full-width brackets （）"})
    # the label beside each code is the glossary's
    for code, label in zip(v["sewage_mode"], v["sewage_mode_label"], strict=True):
        assert (code is None and label is None) or label == glossary.zh(code)
    dispersed = v[v["collection_model"] == "village_collect"]
    assert set(dispersed["model_label"]) == {glossary.model_label("village_collect", True),
                                             glossary.model_label("village_collect", False)}
    # the sewage reason names the mode chosen, and says 参照 beyond the plan's literal case
    assert v["sewage_reason"].dropna().str.startswith(("选定：", glossary.zh("sewage_unknown"))).all()
    beyond = v[(v["sewage_mode"] == "decentralised") & v["concentrated"].astype(bool)]
    assert len(beyond) and beyond["sewage_reason"].str.contains("参照").all()
