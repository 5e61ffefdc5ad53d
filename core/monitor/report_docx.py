"""report.docx: the 监测报告 as counties send it up (python-docx; charts drawn by matplotlib).

A title page (地区, 监测年度, 生成日期), the summary in sentences, one section per county with its chart and
tables, then the 检查验收 table and the method. Runs name 宋体 (body) and 黑体 (headings) as their East Asian
font, so Word on Windows shows them; elsewhere the reader substitutes its own CJK font (LibreOffice on Debian:
WenQuanYi Micro Hei or Noto Sans CJK).
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from ..base.glossary import zh
from .changes import pair_key
from .chart_png import ChartMaker
from .run import MonitorOutcome
from .sentences import gap, number, status_label

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


def _east_asian(style_or_run: Any, font: str) -> None:
    """Name ``font`` as the East Asian font (w:eastAsia) of a style or a run."""
    from docx.oxml.ns import qn

    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), font)


def _setup(doc: Any) -> None:
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        _east_asian(style, HEADING_FONT)
    for name in ("Table Grid",):
        _east_asian(doc.styles[name], BODY_FONT)


def _para(doc: Any, text: str, bold: bool = False, size: float | None = None, align: str | None = None,
          font: str = BODY_FONT) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    _east_asian(run, font)
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _heading(doc: Any, text: str, level: int) -> None:
    h = doc.add_heading(level=level)
    run = h.add_run(text)
    _east_asian(run, HEADING_FONT)


def _table(doc: Any, header: list[str], rows: list[list[str]], wide: dict[int, float] | None = None) -> None:
    """A "Table Grid" table of 8-point text, the header row bold in 黑体 (the body inherits 宋体 from Normal);
    ``wide``: column → width in cm, the other columns share the rest of 16.6 cm.

    Written as one piece of WordprocessingML: python-docx's cell-by-cell calls take seconds for the hundreds of
    rows of a region's tables.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    n, total = len(header), 9412  # 16.6 cm in twentieths of a point
    wide = wide or {}
    fixed = {j: round(cm / 16.6 * total) for j, cm in wide.items()}
    rest = (total - sum(fixed.values())) // max(1, n - len(fixed))
    widths = [fixed.get(j, rest) for j in range(n)]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    body = "".join(_row(values, widths, i == 0) for i, values in enumerate([header, *rows]))
    tbl = parse_xml(f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" '
                    f'w:type="dxa"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>')
    doc.element.body.sectPr.addprevious(tbl)


def _row(values: list[str], widths: list[int], header: bool) -> str:
    """One ``<w:tr>`` of a :func:`_table`."""
    rpr = f'<w:rPr><w:rFonts w:eastAsia="{HEADING_FONT}"/><w:b/><w:sz w:val="16"/></w:rPr>' if header \
        else '<w:rPr><w:sz w:val="16"/></w:rPr>'
    cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p><w:r>{rpr}'
                    f'<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r></w:p></w:tc>'
                    for text, w in zip(values, widths, strict=True))
    return f"<w:tr>{cells}</w:tr>"


def _fmt(v: Any, unit: str = "", lang: str = "zh") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if unit:
        return number(float(v), unit, lang)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _words(lang: str) -> dict[str, str]:
    zh_words = {"title": "农村牧区人居环境" + zh("monitoring_report"), "region": "地区", "years": zh("monitoring_year"),
                "date": "生成日期", "summary": "一、总体情况", "counties": "二、分旗县情况",
                "acceptance": "三、" + zh("acceptance"), "method": "附：方法说明", "warnings": "提示",
                "indicator": "指标", "status": "2025年进度", "projected": "2025年预计", "gain": "每年尚需提高",
                "target": "目标", "changes": "村庄变化", "value": "现状值", "met": "是否达标", "gap": "差距",
                "county": zh("county"), "year_suffix": "年",
                "legend": "图例：蓝色实线为各年度实际值，灰色虚线为按当前进度推算的2025年预计值，橙色、红色菱形分别为2023年、"
                          "2025年目标。",
                "method_text": "进度评价采用Open SDG平台的进度评价方法（Statistics Canada制定，参照Eurostat）：以首个监测年度为"
                               "基期，计算实际年均复合增长率与2025年达到目标所需的年均复合增长率之比R；R≥95%为按期可达，"
                               "60%≤R<95%为需加快推进，0≤R<60%为进展有限，R<0为出现倒退；最新年度已达到目标的为已达到目标。"
                               "基期值为0的指标（如新建卫生厕所户数）按年均增量计算。2025年预计值按实际增速推算。方法来源："
                               "https://github.com/open-sdg/open-sdg/blob/master/docs/progress-methodology.md"}
    en_words = {"title": "Rural living environment monitoring report", "region": "Area", "years": "Monitoring years",
                "date": "Generated", "summary": "1. Summary", "counties": "2. Counties", "acceptance":
                "3. Inspection and acceptance", "method": "Method", "warnings": "Warnings", "indicator": "Indicator",
                "status": "Status to 2025", "projected": "Projected 2025", "gain": "Yearly gain needed",
                "target": "target", "changes": "Village changes", "value": "Value", "met": "Met", "gap": "Gap",
                "county": "County", "year_suffix": "",
                "legend": "Blue: observed values; grey dashes: projected to 2025 at the observed pace; orange and red "
                          "diamonds: the 2023 and 2025 targets.",
                "method_text": ""}
    return zh_words if lang == "zh" else en_words


def _title_page(doc: Any, s: dict[str, Any], w: dict[str, str], lang: str) -> None:
    from docx.enum.text import WD_BREAK

    years = s["years"]
    for _ in range(6):
        doc.add_paragraph()
    _para(doc, s["region"]["name"], bold=True, size=22, align="center", font=HEADING_FONT)
    _para(doc, w["title"], bold=True, size=22, align="center", font=HEADING_FONT)
    for _ in range(4):
        doc.add_paragraph()
    span = f"{years[0]}—{years[-1]}{w['year_suffix']}"
    day = dt.date.fromisoformat(s["generated"])
    date = f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()
    for label, value in ((w["region"], s["region"]["name"]), (w["years"], span), (w["date"], date)):
        _para(doc, f"{label}{'：' if lang == 'zh' else ': '}{value}", size=14, align="center")
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _indicator_table(doc: Any, place: dict[str, Any], years: list[int], w: dict[str, str], lang: str) -> None:
    header = [w["indicator"], *[f"{y}{w['year_suffix']}" for y in years], f"2023{w['target']}",
              f"2025{w['target']}", w["status"], w["projected"], w["gain"]]
    rows = []
    for ind in place["indicators"].values():
        u = ind["unit"]
        rows.append([ind["name_zh"] if lang == "zh" else ind["name_en"], *[_fmt(v, u, lang) for v in ind["values"]],
                     _fmt(ind["target_2023"], u, lang), _fmt(ind["target_2025"], u, lang),
                     status_label(ind["status"], lang), _fmt(ind["projected_2025"], u, lang),
                     "—" if ind["gain_needed_per_year"] is None else gap(ind["gain_needed_per_year"], u, lang)])
    _table(doc, header, rows, wide={0: 4.0})


def _county(doc: Any, outcome: MonitorOutcome, code: str, place: dict[str, Any], w: dict[str, str],
            charts: ChartMaker) -> None:
    from docx.shared import Cm

    s, lang = outcome.summary, outcome.lang
    _heading(doc, f"{place['name']}（{code}）" if lang == "zh" else f"{place['name']} ({code})", 2)
    for text in s["sentences"].get(code, []):
        _para(doc, text)
    if place["indicators"]:
        doc.add_picture(io.BytesIO(charts.png(place)), width=Cm(16))
        _para(doc, w["legend"], size=8)
    _indicator_table(doc, place, s["years"], w, lang)
    years = s["years"]
    counts = s["changes"].get(pair_key(years[-2], years[-1]), {}).get("counties", {}).get(code)
    if counts:
        _para(doc, f"{w['changes']} {pair_key(years[-2], years[-1])}", bold=True)
        keys = ("added", "removed", "recoded", "moved", "covered_gained", "covered_lost", "access_gained",
                "access_lost", "sewage_treated_gained", "sewage_treated_lost", "toilets_added", "facilities_added",
                "facilities_closed")
        from .tables import CHANGE_HEADERS

        _table(doc, [CHANGE_HEADERS[k][0 if lang == "zh" else 1] for k in keys], [[str(counts.get(k, 0)) for k in keys]])


def _acceptance(doc: Any, s: dict[str, Any], w: dict[str, str], lang: str) -> None:
    acc = s.get("acceptance")
    if not acc:
        return
    _heading(doc, f"{w['acceptance']}（{acc['year']}）" if lang == "zh" else f"{w['acceptance']} ({acc['year']})", 1)
    header = [w["county"], w["indicator"], w["value"], f"2025{w['target']}", w["met"],
              f"{w['gap']}({'村' if lang == 'zh' else 'villages'})", f"{w['gap']}({'户' if lang == 'zh' else 'households'})",
              f"{w['gap']}({'公里' if lang == 'zh' else 'km'})"]
    rows = []
    for county in acc["counties"].values():
        for line in county["lines"]:
            u = line["unit"]
            rows.append([county["name"], line["name_zh"] if lang == "zh" else line["name_en"],
                         _fmt(line["value"], u, lang), _fmt(line["target_2025"], u, lang), _fmt(line["met"], lang=lang),
                         _fmt(line["gap_villages"]), _fmt(line["gap_households"]), _fmt(line["gap_km"])])
    _table(doc, header, rows, wide={0: 2.4, 1: 4.0})


def write_report_docx(outcome: MonitorOutcome, path: Path) -> None:
    """Write report.docx at ``path``."""
    import docx
    from docx.shared import Cm

    s, lang = outcome.summary, outcome.lang
    w = _words(lang)
    doc = docx.Document()
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    _setup(doc)
    _title_page(doc, s, w, lang)
    _heading(doc, w["summary"], 1)
    for text in s["sentences"]["region"]:
        _para(doc, text)
    for text in s["warnings"]:
        _para(doc, f"{w['warnings']}：{text}" if lang == "zh" else f"{w['warnings']}: {text}")
    _heading(doc, w["counties"], 1)
    charts = ChartMaker(s["years"], lang)
    for code, place in s["counties"].items():
        _county(doc, outcome, code, place, w, charts)
    _acceptance(doc, s, w, lang)
    _heading(doc, w["method"], 1)
    _para(doc, w["method_text"] or s["method"])
    doc.core_properties.title = f"{s['region']['name']}{w['title']}"
    doc.save(str(path))
