"""report.html: the monitoring report as one self-contained page (inline SVG charts and maps, no script, no
network): the summary sentences, per county each indicator's trajectory against its targets, a small map of the
village changes and the tables, then the 检查验收."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from ..base.glossary import bilingual, zh
from .change_map import change_map_svg, legend_html
from .changes import COUNT_KEYS, pair_key
from .charts import svg_chart
from .run import MonitorOutcome
from .sentences import number, status_label
from .tables import ACCEPTANCE_HEADERS, CHANGE_HEADERS, INDICATOR_HEADERS

CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:24px;
color:#222;max-width:1280px}
h1{font-size:24px}h2{font-size:19px;border-bottom:2px solid #1f78b4;padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #bbb;padding:3px 6px;text-align:right}
th{background:#ddebf7}td.l,th.l{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}
.chart .t{font-size:11px}.chart .a{font-size:9px;fill:#555}.meta{color:#555}
.s-met,.s-on_track{color:#1a7f37}.s-acceleration_needed{color:#b35900}.s-limited,.s-not_met{color:#c62828}
.s-deterioration{color:#fff;background:#c62828}.legend{font-size:11px;margin:4px 0}.lg{margin-right:10px}
.lg i{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:3px}
.row{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}.warn{color:#b35900}
"""


def _table(rows: list[dict[str, Any]], headers: dict[str, tuple[str, str]], left: tuple[str, ...] = ()) -> str:
    """An HTML table of ``rows`` (the columns of the first row), a Chinese header above an English one."""
    if not rows:
        return ""
    cols = list(rows[0])
    cls = {c: ' class="l"' if c in left else "" for c in cols}
    head = "".join(f'<th{cls[c]}>{escape(headers.get(c, (c, c))[0])}<br>{escape(headers.get(c, (c, c))[1])}</th>'
                   for c in cols)
    body = "".join("<tr>" + "".join(f"<td{cls[c]}>{escape(_cell(row.get(c)))}</td>" for c in cols) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) >= 1000 else f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


def _indicator_rows(place: dict[str, Any], years: list[int], lang: str) -> list[dict[str, Any]]:
    rows = []
    for ind in place["indicators"].values():
        row = {"indicator": ind["name_zh"] if lang == "zh" else ind["name_en"], "unit": ind["unit"]}
        row.update({str(y): v for y, v in zip(years, ind["values"], strict=True)})
        row.update({"target_2023": ind["target_2023"], "target_2025": ind["target_2025"],
                    "status": status_label(ind["status"], lang), "projected_2025": ind["projected_2025"],
                    "gain_needed_per_year": ind["gain_needed_per_year"]})
        rows.append(row)
    return rows


def _status_list(place: dict[str, Any], lang: str) -> str:
    items = []
    for ind in place["indicators"].values():
        if ind["status"] is None:
            continue
        items.append(f'<li>{escape(ind["name_zh"] if lang == "zh" else ind["name_en"])}：'
                     f'<b class="s-{ind["status"]}">{escape(status_label(ind["status"], lang))}</b></li>')
    return f"<ul>{''.join(items)}</ul>"


def _county_section(outcome: MonitorOutcome, code: str, place: dict[str, Any], lang: int,
                    maps: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> str:
    s = outcome.summary
    years = s["years"]
    lg = "zh" if lang == 0 else "en"
    charts = "".join(svg_chart(ind, years, ind["name_zh"] if lang == 0 else ind["name_en"])
                     for ind in place["indicators"].values())
    headers = {**INDICATOR_HEADERS, **{str(y): (f"{y}年", str(y)) for y in years}}
    parts = [f'<section class="county" id="county-{escape(code)}"><h2>{escape(place["name"])} '
             f'<span class="meta">({escape(code)})</span></h2>',
             "".join(f"<p>{escape(t)}</p>" for t in s["sentences"].get(code, [])),
             f'<div class="charts">{charts}</div>',
             _table(_indicator_rows(place, years, lg), headers, left=("indicator",))]
    parts.append(_changes_block(outcome, code, lang, maps))
    towns = {c: t for c, t in s["townships"].items() if t.get("county_code") == code}
    if towns:
        parts.append(f"<details><summary>{escape(bilingual('town'))}: {len(towns)}</summary>")
        for tcode, town in towns.items():
            parts.append(f"<h3>{escape(town['name'])} ({escape(tcode)})</h3>")
            parts.append(_table(_indicator_rows(town, years, lg), headers, left=("indicator",)))
        parts.append("</details>")
    parts.append("</section>")
    return "".join(parts)


def _changes_block(outcome: MonitorOutcome, code: str, lang: int, maps: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> str:
    s = outcome.summary
    years = s["years"]
    last = pair_key(years[-2], years[-1])
    rows = maps[0].get(code, outcome.village_changes.iloc[:0])
    outline = maps[1].get(code)
    counts = [{"pair": k, **{c: v["counties"].get(code, {}).get(c) for c in COUNT_KEYS}} for k, v in s["changes"].items()]
    return (f"<h3>村庄变化 Village changes {escape(last)}</h3><div class=\"row\"><div>"
            f"{change_map_svg(rows, outline, lang, facilities=maps[2].get(code))}{legend_html(lang)}</div><div>"
            f"{_table(counts, CHANGE_HEADERS, left=('pair',))}</div></div>")


def _map_parts(outcome: MonitorOutcome) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Each county's rows of ``village_changes`` and ``facility_changes`` in the last year pair, and its outline
    (in the same CRS)."""
    vc, fc = outcome.village_changes, outcome.facility_changes
    year = outcome.summary["years"][-1]
    last = vc[vc["year_to"].to_numpy() == year]
    rows = {str(code): last.iloc[idx] for code, idx in last.groupby("county_code").indices.items()}
    f_last = fc[fc["year_to"].to_numpy() == year] if len(fc) else fc
    facilities = {str(code): f_last.iloc[idx] for code, idx in f_last.groupby("county_code").indices.items()} \
        if len(f_last) else {}
    outlines: dict[str, Any] = {}
    counties = outcome.runs[-1].counties
    if counties is not None:
        if vc.crs is not None and counties.crs is not None and counties.crs != vc.crs:
            counties = counties.to_crs(vc.crs)
        for code, idx in counties.groupby("county_code").indices.items():
            outlines[str(code)] = counties.geometry.iloc[idx].union_all()
    return rows, outlines, facilities


def _acceptance_html(s: dict[str, Any], lang: str) -> str:
    acc = s.get("acceptance")
    if not acc:
        return ""
    rows = []
    for code, county in acc["counties"].items():
        for line in county["lines"]:
            rows.append({"county": county["name"], "code": code,
                         "indicator": line["name_zh"] if lang == "zh" else line["name_en"],
                         "value": None if line["value"] is None else number(line["value"], line["unit"], lang),
                         "target_2025": number(line["target_2025"], line["unit"], lang),
                         "met": line["met"], "gap_villages": line["gap_villages"],
                         "gap_households": line["gap_households"], "gap_km": line["gap_km"]})
    return (f'<section id="acceptance"><h2>{escape(bilingual("acceptance"))} ({acc["year"]})</h2>'
            f'{_table(rows, ACCEPTANCE_HEADERS, left=("county", "indicator"))}</section>')


def report_html(outcome: MonitorOutcome) -> str:
    """The whole report.html of a monitoring."""
    s = outcome.summary
    lang = 0 if outcome.lang == "zh" else 1
    years = s["years"]
    title = f"{s['region']['name']}农村牧区人居环境{zh('monitoring_report')}"
    warnings = "".join(f'<li class="warn">{escape(w)}</li>' for w in s["warnings"])
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == 0 else "en"}"><head><meta charset="utf-8">',
             f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>',
             f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(title)}<br><small>Rural living environment monitoring report</small></h1>",
             f'<p class="meta">{escape(zh("monitoring_year"))} Years: {years[0]}—{years[-1]}年 '
             f'({", ".join(map(str, years))}) · 生成日期 Generated: {escape(s["generated"])}</p>',
             '<section id="summary"><h2>总体情况 Summary</h2>',
             "".join(f"<p>{escape(t)}</p>" for t in s["sentences"]["region"]),
             _status_list(s["region"], outcome.lang), "</section>"]
    if warnings:
        parts.append(f'<section id="warnings"><h2>提示 Warnings</h2><ul>{warnings}</ul></section>')
    maps = _map_parts(outcome)
    for code, place in s["counties"].items():
        parts.append(_county_section(outcome, code, place, lang, maps))
    parts.append(_acceptance_html(s, outcome.lang))
    parts.append(f'<p class="meta">方法 Method: {escape(s["method"])}</p></body></html>')
    return "".join(parts)


def write_report_html(outcome: MonitorOutcome, path: Path) -> None:
    """Write report.html at ``path``."""
    Path(path).write_text(report_html(outcome), encoding="utf-8")
