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
<label><input type="radio" name="what" value="access"> {roads}</label></p>
<p id="legend"></p><div id="lines"></div></div>
<script>{js}</script>
<script id="plan-data" type="application/json">{data}</script>
<script>
const D = JSON.parse(document.getElementById('plan-data').textContent);
const map = L.map('map', {{preferCanvas: true}});
map.fitBounds([[D.bounds[1], D.bounds[0]], [D.bounds[3], D.bounds[2]]]);
const villages = L.layerGroup().addTo(map), sites = L.layerGroup(), pave = L.layerGroup();
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
  [sites, pave].forEach(g => when === 'after' ? g.addTo(map) : g.remove());
  const w = D.words.legend[what];
  document.getElementById('legend').innerHTML = '<span style="color:#2c7bb6">●</span> ' + w[0] +
    ' <span style="color:#1a9641">●</span> ' + w[1] + ' <span style="color:#bbb">●</span> ' + w[2];
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
    scope = {"covered": inp.waste_scope(), "access": inp.road_scope()}
    vill = [{"c": [round(p.y, 6), round(p.x, 6)], "n": html.escape(str(n)),
             "s": {"covered": bool(scope["covered"][i]), "access": bool(scope["access"][i])},
             "covered": [bool(cb), bool(ca)], "access": [bool(hb), bool(ha)]}
            for i, (p, n, cb, ca, hb, ha) in enumerate(zip(pts, v["name"], v["covered_before"], v["covered_after"],
                                                           v["hardened_access_before"], v["hardened_access_after"],
                                                           strict=True))]
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
            "words": map_words()}


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
                        waste=html.escape(waste), roads=html.escape(roads))
    Path(path).write_text(page, encoding="utf-8")
