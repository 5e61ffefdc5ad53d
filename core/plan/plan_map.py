"""map.html of a plan: villages before/after (a toggle), the proposed sites and the roads to pave, offline.

Leaflet is inlined from :func:`..webmap.leaflet_dir` (``make vendor-js``); the data is inlined with
:func:`..webmap.json_for_script`. No tiles, no requests.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ..base import glossary
from ..base.crs import GEOGRAPHIC
from ..maps.webmap import json_for_script, leaflet_dir
from .run import PlanOutcome

_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<style>{css}</style>
<style>html,body,#map{{height:100%;margin:0}} #panel{{position:absolute;top:10px;right:10px;z-index:1000;
background:#fff;padding:8px 10px;font:13px sans-serif;box-shadow:0 1px 4px #888;max-width:340px}}
#panel p{{margin:4px 0}}</style></head>
<body><div id="map"></div><div id="panel"><b>{title}</b>
<p><label><input type="radio" name="when" value="before"> 规划前 before</label>
<label><input type="radio" name="when" value="after" checked> 规划后 after</label></p>
<p><label><input type="radio" name="what" value="covered" checked> {waste}</label>
<label><input type="radio" name="what" value="access"> {roads}</label>
<label><input type="radio" name="what" value="sewage"> {sewage}</label></p>
<p id="legend"></p><div id="lines"></div></div>
<script>{js}</script>
<script id="plan-data" type="application/json">{data}</script>
<script>
const D = JSON.parse(document.getElementById('plan-data').textContent);
const map = L.map('map', {{preferCanvas: true}});
map.fitBounds([[D.bounds[1], D.bounds[0]], [D.bounds[3], D.bounds[2]]]);
const villages = L.layerGroup().addTo(map), sites = L.layerGroup(), pave = L.layerGroup();
const sewage = L.layerGroup(), toilets = L.layerGroup();
D.pipes.forEach(r => L.polyline(r.c, {{color: '#7b3294', weight: 3, dashArray: '6 4'}})
  .bindPopup(r.p + ' 污水管网 sewer pipe ' + r.m + ' 米').addTo(sewage));
D.sewage.forEach(s => L.circleMarker(s.c, {{radius: 7, color: '#000', fillColor: '#7b3294', fillOpacity: 1}})
  .bindPopup(s.t).addTo(sewage));
D.toilets.forEach(s => L.circleMarker(s.c, {{radius: 3, weight: 1, color: '#a6611a', fillColor: '#dfc27d',
  fillOpacity: 1}}).bindPopup(s.t).addTo(toilets));
D.roads.forEach(r => L.polyline(r.c, {{color: '#d7191c', weight: 4}})
  .bindPopup('#' + r.rank + ' ' + (r.name || '') + '<br>' + D.words.road.split('{{m}}').join(r.m).split('{{g}}').join(r.g))
  .addTo(pave));
D.sites.forEach(s => L.circleMarker(s.c, {{radius: 8, color: '#000', fillColor: '#ffd700', fillOpacity: 1}})
  .bindPopup('#' + s.rank + ' ' + (s.name || '') + '<br>' + D.words.site.split('{{g}}').join(s.g)).addTo(sites));
function draw() {{
  const when = document.querySelector('input[name=when]:checked').value;
  const what = document.querySelector('input[name=what]:checked').value;
  villages.clearLayers();
  D.villages.forEach(v => {{
    if (!v.s[what]) return;
    const ok = v[what][when === 'before' ? 0 : 1];
    const gained = !v[what][0] && v[what][1];
    L.circleMarker(v.c, {{radius: 4, weight: 1, color: '#333',
      fillColor: ok ? (gained ? '#1a9641' : '#2c7bb6') : '#bbbbbb', fillOpacity: 0.9}})
      .bindPopup(v.n).addTo(villages);
  }});
  [sites, pave, sewage, toilets].forEach(g => when === 'after' ? g.addTo(map) : g.remove());
  const w = D.words.legend[what];
  document.getElementById('legend').innerHTML = '<span style="color:#2c7bb6">●</span> ' + w[0] +
    ' <span style="color:#1a9641">●</span> ' + w[1] + ' <span style="color:#bbb">●</span> ' + w[2] + '<br>' +
    '<span style="color:#ffd700">●</span> 新增站点 new site <span style="color:#d7191c">━</span> 待硬化 to pave ' +
    '<span style="color:#7b3294">●</span> 污水项目 sewage project <span style="color:#7b3294">┅</span> 管网 pipe ' +
    '<span style="color:#dfc27d">●</span> 改厕 toilets';
}}
document.querySelectorAll('input').forEach(i => i.addEventListener('change', draw));
document.getElementById('lines').innerHTML = D.lines.map(t => '<p>' + t + '</p>').join('');
draw();
window.ruralenvPlan = {{ready: true, villages: () => villages.getLayers().length,
  sites: () => map.hasLayer(sites) ? D.sites.length : 0}};
</script></body></html>
"""


def _lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return gdf.geometry.to_crs(GEOGRAPHIC)


def _latlng(geom: shapely.Geometry) -> list[list[float]]:
    xy = shapely.get_coordinates(geom)
    return np.round(xy[:, ::-1], 6).tolist()


def map_data(outcome: PlanOutcome) -> dict:
    """The page's data: villages with before/after flags, sites, road pieces, one line per county."""
    v = outcome.villages
    pts = _lonlat(v)
    inp = outcome.inputs
    scope = {"covered": inp.waste_scope(), "access": inp.road_scope(),
             "sewage": inp.flag("in_scope") & inp.flag("is_admin_village") & ("sewage_treated_after" in v)}
    sb = v["sewage_treated_before"] if "sewage_treated_before" in v else np.zeros(len(v), bool)
    sa = v["sewage_treated_after"] if "sewage_treated_after" in v else np.zeros(len(v), bool)
    vill = [{"c": [round(p.y, 6), round(p.x, 6)], "n": html.escape(str(n)),
             "s": {k: bool(scope[k][i]) for k in scope},
             "covered": [bool(cb), bool(ca)], "access": [bool(hb), bool(ha)], "sewage": [bool(b0), bool(b1)]}
            for i, (p, n, cb, ca, hb, ha, b0, b1) in enumerate(zip(
                pts, v["name"], v["covered_before"], v["covered_after"], v["hardened_access_before"],
                v["hardened_access_after"], sb, sa, strict=True))]
    sites, roads = [], []
    if outcome.facilities is not None and len(outcome.facilities.sites):
        s = outcome.facilities.sites
        for p, r, g, n in zip(_lonlat(s), s["rank"], s["villages_gained"], s.get("name", [None] * len(s)),
                              strict=True):
            sites.append({"c": [round(p.y, 6), round(p.x, 6)], "rank": int(r), "g": int(g),
                          "name": None if n is None or n != n else html.escape(str(n))})
    if outcome.paving is not None and len(outcome.paving.pieces):
        r = outcome.paving.pieces
        for geom, rank, m, g, n in zip(_lonlat(r), r["rank"], r["length_m"], r["villages_gained"],
                                       r.get("name", [None] * len(r)), strict=True):
            roads.append({"c": _latlng(geom), "rank": int(rank), "m": round(float(m)), "g": int(g),
                          "name": None if n is None or n != n else html.escape(str(n))})
    b = pts.total_bounds
    lines = [html.escape(t["zh"]) + "<br>" + html.escape(t["en"]) for t in outcome.summary["sentences"].values()]
    return {"bounds": [float(x) for x in b], "villages": vill, "sites": sites, "roads": roads, "lines": lines,
            "words": map_words(), **_sanitation_data(outcome)}


def _sanitation_data(outcome: PlanOutcome) -> dict:
    """Sewage projects (with a popup: what, where, size, 万元), their pipes and the toilet projects."""
    from ..base.glossary import zh

    out: dict = {"sewage": [], "pipes": [], "toilets": []}
    if outcome.sewage is not None and len(outcome.sewage.projects):
        s = outcome.sewage.projects
        for pt, r in zip(_lonlat(s), s.itertuples(), strict=True):
            size = f"{r.capacity_tpd:g}吨/日，" if r.capacity_tpd > 0 else ""
            pipe = f"管网{r.pipe_m:.0f}米，" if r.pipe_m > 0 else ""
            text = (f"{r.project_id} {zh('project_' + r.kind)}<br>{r.village_codes}<br>{size}{pipe}"
                    f"投资{r.capex_wan:.1f}万元，运行{r.opex_wan_per_year:.2f}万元/年")
            out["sewage"].append({"c": [round(pt.y, 6), round(pt.x, 6)], "t": html.escape(text, quote=False)
                                  .replace("&lt;br&gt;", "<br>")})
        p = outcome.sewage.pipes
        for geom, pid, m in zip(_lonlat(p), p["project_id"], p["length_m"], strict=True):
            out["pipes"].append({"c": _latlng(geom), "p": html.escape(str(pid)), "m": float(m)})
    if outcome.toilets is not None and len(outcome.toilets.projects):
        t = outcome.toilets.projects
        for pt, r in zip(_lonlat(t), t.itertuples(), strict=True):
            text = f"{r.name}<br>{zh('toilet_' + r.type)} {r.households}户，{r.capex_wan:.1f}万元"
            out["toilets"].append({"c": [round(pt.y, 6), round(pt.x, 6)], "t": html.escape(text, quote=False)
                                   .replace("&lt;br&gt;", "<br>")})
    return out


def map_words() -> dict:
    """The page's words in the plan's terms (Chinese, then English): legend of each view, popup lines."""
    g = glossary

    def both(zh: str, en: str) -> str:
        return html.escape(f"{zh} {en}")
    larger = g.zh("larger_village")
    return {
        "legend": {
            "covered": [both(g.zh("covered"), g.en("covered")), both(g.zh("planned_gain"), g.en("planned_gain")),
                        both(g.zh("not_covered"), g.en("not_covered"))],
            "access": [both("已" + g.zh("hardened_access"), "hardened road"), both(g.zh("planned_gain"), g.en("planned_gain")),
                       both(g.zh("no_hardened_access"), g.en("no_hardened_access"))],
            "sewage": [both("生活污水已治理", "sewage treated"), both(g.zh("planned_gain"), g.en("planned_gain")),
                       both("生活污水未治理", "not treated")],
        },
        "road": html.escape(f"长度{{m}}米，新增{g.zh('hardened_access')}的{larger}{{g}}个 / {{m}} m, "
                            "{g} more larger villages reached"),
        "site": html.escape("新增覆盖行政村{g}个 / {g} more administrative villages covered"),
    }



def write_plan_map(outcome: PlanOutcome, path: str | Path, title: str | None = None) -> None:
    """Write the plan's offline map.html (titled with the counties' names and 农村牧区人居环境整治提升规划图)."""
    if title is None:
        names = "、".join(t["name"] for t in outcome.summary["sentences"].values())
        title = f"{names}农村牧区人居环境整治提升规划图 plan map".lstrip()
    dist = leaflet_dir()
    js = re.sub(r"//# sourceMappingURL=\S+", "", (dist / "leaflet.js").read_text(encoding="utf-8"))
    css = re.sub(r"url\((?!#)[^)]*\)", "none", (dist / "leaflet.css").read_text(encoding="utf-8"))
    waste = f"{glossary.zh('waste_coverage')} waste"
    roads = f"{glossary.zh('road_coverage')} roads"
    page = _PAGE.format(title=html.escape(title), css=css, js=js, data=json_for_script(map_data(outcome)),
                        waste=html.escape(waste), roads=html.escape(roads),
                        sewage=html.escape(f"{glossary.zh('sewage_rate')} sewage"))
    Path(path).write_text(page, encoding="utf-8")
