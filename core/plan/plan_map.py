"""map.html of a plan: the run's own map (county outlines, roads, seats and names, the indicator panel) with the
plan on top — villages before/after, new sites, roads to pave and to upgrade to 三级, sewage projects and their
pipes, toilets — each with its legend entry and popup (what, where, size, 万元), and a before/after switch.

The page is :mod:`..maps.webmap`'s: the run's layers are read from the results.gpkg the plan read, the plan's
layers travel as :class:`..maps.webmap.Overlay` (shown in the 规划后 state only; the villages' status in both).
Offline: Leaflet inlined, no tiles, no requests.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base import glossary
from ..base.glossary import zh
from ..maps.webmap import UI_TEXT, Overlay, build_map_data, render_html
from .costs import paving_cost_per_km
from .run import PlanOutcome, county_names

#: Popup rows shared by the plan's layers: (column, kind, label). Money in 万元, sizes in the plan's units.
WHERE = ("where", "text", "建设地点 location")
SCALE = ("scale", "text", "建设规模 scale")
COST = ("investment_wan", "wan", "投资估算（万元） investment (10,000 CNY)")
LENGTH = ("length_m", "metres", "路段长度 length")
#: The two states of the page's switch, as the plan's layers name them.
PHASE_WORDS = {"before": ("规划前", "before"), "after": ("规划后", "after")}

_POINT = {"weight": 1.5, "color": "#000000", "fillOpacity": 1}
_SEWAGE_STYLES = {
    "central": {**_POINT, "shape": "square", "radius": 8, "fillColor": "#6a3d9a"},
    "decentralised": {**_POINT, "shape": "diamond", "radius": 7, "fillColor": "#9e9ac8"},
    "sewer_connect": {**_POINT, "shape": "circle", "radius": 6, "fillColor": "#08519c"},
    "resource_use": {**_POINT, "shape": "triangle", "radius": 7, "fillColor": "#a6761d"},
}
_TOILET_STYLES = {  # rings around the village's own point (the status symbol stays visible inside; hollow dots far out)
    k: {"shape": "circle", "radius": 7, "color": c, "weight": 2, "fillColor": "#ffffff", "fillOpacity": 0}
    for k, c in (("flush", "#1f78b4"), ("septic", "#b15928"), ("dry", "#8c6d31"))}


def _both(key: str) -> str:
    """``中文 English`` of a glossary term."""
    return f"{zh(key)} {glossary.en(key)}"


class _Places:
    """County and township names of any geometry, by its nearest village (the 建设地点 of a piece of road)."""

    def __init__(self, outcome: PlanOutcome):
        inp = outcome.inputs
        v = inp.villages
        self.crs = v.crs
        self.tree = shapely.STRtree(v.geometry.array)
        self.county_code = v["county_code"].astype(str).to_numpy()
        self.town_code = v["town_code"].astype(str).to_numpy() if "town_code" in v else np.full(len(v), "")
        self.village = v["name"].astype(str).to_numpy() if "name" in v else v["village_code"].astype(str).to_numpy()
        self.county = county_names(inp)
        t = inp.towns
        self.town = dict(zip(t["town_code"].astype(str), t["name"].astype(str), strict=False)) \
            if t is not None and "town_code" in t and "name" in t else {}

    def of_rows(self, rows: np.ndarray, village: bool = True) -> list[str]:
        """旗县/苏木乡镇(/嘎查村) of the villages ``rows``."""
        out = []
        for i in rows:
            parts = [self.county.get(self.county_code[i], self.county_code[i]), self.town.get(self.town_code[i], "")]
            out.append("/".join(p for p in [*parts, self.village[i] if village else ""] if p))
        return out

    def of(self, gdf: gpd.GeoDataFrame, village: bool = False) -> list[str]:
        """旗县/苏木乡镇 of each feature (its middle's nearest village)."""
        if not len(gdf):
            return []
        geoms = gdf.to_crs(self.crs).geometry.array
        middle = shapely.line_interpolate_point(geoms, 0.5, normalized=True) \
            if gdf.geom_type.isin(["LineString", "MultiLineString"]).all() else shapely.centroid(geoms)
        return self.of_rows(self.tree.nearest(middle), village)


def _project_columns(outcome: PlanOutcome, frame: gpd.GeoDataFrame, ids: Sequence[str],
                     titled: bool = True) -> gpd.GeoDataFrame:
    """``frame`` with the 项目库's 建设地点, 建设规模 and 投资估算 of each row's project (and its name as the popup's
    title when ``titled``; a toilet project keeps its village's name, the type and size being in the popup).
    """
    p = outcome.projects
    out = frame.copy()
    if p is None or not len(p):
        return out
    by_id = p.set_index("project_id")
    for col, src in (("name", "project_name"), ("where", "location"), ("scale", "scale"),
                     ("investment_wan", "investment_wan")):
        if col != "name" or titled:
            out[col] = [by_id[src].get(i) for i in ids]
    return out


class _View(NamedTuple):
    """One indicator's villages: its key, title (zh, en), scope, flags before and after, words, shown at first."""

    key: str
    title: tuple[str, str]
    scope: np.ndarray
    before: np.ndarray
    after: np.ndarray
    words: tuple[str, str]
    shown: bool


def _views(outcome: PlanOutcome) -> list[_View]:
    """The indicators the plan moves: waste coverage, hardened access, sewage treated (the first one shown)."""
    v, inp = outcome.villages, outcome.inputs
    views = []
    if outcome.facilities is not None:
        views.append(_View("waste", (f"{zh('admin_village')}生活垃圾收运处置", "administrative villages: waste"),
                           inp.waste_scope(), v["covered_before"].to_numpy(bool), v["covered_after"].to_numpy(bool),
                           (_both("covered"), _both("not_covered")), True))
    if outcome.paving is not None:
        views.append(_View("roads", (f"{zh('larger_village')}{zh('hardened_access')}", "larger villages: hardened road"),
                           inp.road_scope(), v["hardened_access_before"].to_numpy(bool),
                           v["hardened_access_after"].to_numpy(bool),
                           (_both("hardened_access"), _both("no_hardened_access")), not views))
    if outcome.sewage is not None and "sewage_treated_after" in v:
        views.append(_View("sewage", (f"{zh('admin_village')}生活污水治理", "administrative villages: sewage"),
                           inp.flag("in_scope") & inp.flag("is_admin_village"),
                           v["sewage_treated_before"].to_numpy(bool), v["sewage_treated_after"].to_numpy(bool),
                           ("生活污水已治理 sewage treated", "生活污水未治理 sewage not treated"), not views))
    return views


def _status_overlays(outcome: PlanOutcome, places: _Places) -> list[Overlay]:
    """Each indicator's villages (in scope) before the plan (已覆盖 / 未覆盖 and the like) and after it (the plan's
    gains a class of their own, 规划新增), on the villages' own points.
    """
    v = outcome.villages
    frame = gpd.GeoDataFrame(v[[c for c in ("village_code", "name") if c in v]], geometry=v.geometry, crs=v.crs)
    frame["where"] = places.of_rows(np.arange(len(v)), village=False)
    base = {"shape": "circle", "radius": 4.5, "color": "#333333", "weight": 1, "fillOpacity": 0.95}
    out = []
    for view in _views(outcome):
        yes, no = view.words
        classes = {"yes": (yes, {**base, "fillColor": "#2c7bb6"}),
                   "gain": (_both("planned_gain"), {**base, "radius": 5.5, "fillColor": "#1a9641"}),
                   "no": (no, {**base, "fillColor": "#d9d9d9"})}
        f = frame.assign(before=view.before, after=view.after)
        fields = [("village_code", "text", "村代码 village code"), ("where", "text", "所在地 where"),
                  *((w, "bool", f"{PHASE_WORDS[w][0]}：{yes}") for w in ("before", "after"))]
        for phase, flags in (("before", view.before), ("after", view.after)):
            gain = flags & ~view.before
            keys = [None if not s else "gain" if g else "yes" if ok else "no"
                    for s, ok, g in zip(view.scope, flags, gain, strict=True)]
            name = f"{view.title[0]}（{PHASE_WORDS[phase][0]}） {view.title[1]} ({PHASE_WORDS[phase][1]})"
            out.append(Overlay(f"status_{view.key}_{phase}", name, f, keys, classes, fields,
                               phase=phase, hidden=not view.shown, same_points="villages"))
    return out


def _road_overlays(outcome: PlanOutcome, places: _Places) -> list[Overlay]:
    """The pieces to pave (priced by grade) and, with issue 27's plan, the pieces to upgrade to 三级."""
    out = []
    cfg = outcome.inputs.config
    if outcome.paving is not None and len(outcome.paving.pieces):
        p = outcome.paving.pieces.copy()
        per_km = paving_cost_per_km(p["grade"].to_numpy(object) if "grade" in p else np.full(len(p), None),
                                    p["highway"].to_numpy(object) if "highway" in p else np.full(len(p), None), cfg)
        p["investment_wan"] = p["length_m"].to_numpy(float) / 1000 * per_km
        p["where"] = places.of(p)
        p["name"] = [n if isinstance(n, str) and n else zh("road_hardening")
                     for n in p.get("name", pd.Series([None] * len(p)))]
        style = {"color": "#d7191c", "weight": 4, "opacity": 0.95}
        fields = (("rank", "int", "优先序 rank"), WHERE, LENGTH, ("grade", "text", "道路等级 grade"),
                  ("villages_gained", "int", f"{zh('planned_gain')}{zh('hardened_access')}的{zh('larger_village')}数 "
                   "villages gaining a hardened road"), COST)
        out.append(Overlay("plan_pave", "待硬化路段 roads to pave", p, ["pave"] * len(p),
                           {"pave": ("待硬化路段 road to pave", style)}, fields, phase="after"))
    if outcome.class3 is not None and len(outcome.class3.pieces):
        c = outcome.class3.pieces.rename(columns={"cost_wan": "investment_wan"})
        c["where"] = places.of(c)
        c["name"] = [n if isinstance(n, str) and n else "升级为三级公路"
                     for n in c.get("name", pd.Series([None] * len(c)))]
        style = {"color": "#ff7f00", "weight": 2.5, "opacity": 0.85}
        up_fields = (WHERE, LENGTH, ("tech_grade", "text", f"{zh('tech_grade')} technical grade"), COST)
        out.append(Overlay("plan_class3", "升级为三级公路的路段 roads to upgrade to Class III", c, ["class3"] * len(c),
                           {"class3": ("升级为三级公路 upgrade to Class III", style)}, up_fields, phase="after"))
    return out


def _sewage_overlays(outcome: PlanOutcome, places: _Places) -> list[Overlay]:
    """Sewage projects by kind (what, where, size, 万元) and the pipes of the shared plants."""
    if outcome.sewage is None:
        return []
    out = []
    pipes = outcome.sewage.pipes
    if len(pipes):
        pp = _project_columns(outcome, pipes, pipes["project_id"].astype(str).tolist())
        pp = pp.rename(columns={"name": "project_name"}).assign(
            name=f"{zh('sewage_pipe')} sewer pipe").drop(columns=["investment_wan"], errors="ignore")
        style = {"color": "#6a3d9a", "weight": 4, "opacity": 0.95, "dashArray": "8 5"}
        fields = (("project_id", "text", "项目编号 project id"), ("project_name", "text", "所属项目 project"),
                  ("where", "text", "建设地点 location"), ("length_m", "metres", "管网长度 pipe length"))
        out.append(Overlay("plan_sewage_pipes", f"{zh('sewage_pipe')} sewer pipes", pp, ["pipe"] * len(pp),
                           {"pipe": (f"{zh('sewage_pipe')}（{zh('shared_plant')}） sewer pipe", style)}, fields,
                           phase="after"))
    s = outcome.sewage.projects
    if len(s):
        f = _project_columns(outcome, s, s["project_id"].astype(str).tolist())
        f["pipe_m"] = f["pipe_m"].where(f["pipe_m"] > 0)  # no pipe: — rather than 0米
        names = dict(zip(outcome.inputs.villages["village_code"].astype(str), places.village, strict=True))
        f["village_names"] = ["、".join(names.get(c, c) for c in str(codes).split(",")) for codes in f["village_codes"]]
        classes = {k: (f"{zh('project_' + k)} {glossary.en('project_' + k)}", st) for k, st in _SEWAGE_STYLES.items()}
        project_fields = (("project_id", "text", "项目编号 project id"), WHERE, SCALE,
                  ("village_names", "text", "受益嘎查村 villages served"), ("residents", "int", "常住人口 residents"),
                  ("capacity_tpd", "num", "处理能力（吨/日） capacity (t/day)"),
                  ("pipe_m", "metres", f"{zh('sewage_pipe')} sewer pipes"), COST,
                  ("opex_wan_per_year", "wan", "运行费用（万元/年） running cost (10,000 CNY/year)"))
        keys = [k if k in classes else None for k in f["kind"]]
        out.append(Overlay("plan_sewage", "生活污水治理项目 sewage projects", f, keys, classes, project_fields,
                           phase="after"))
    return out


def _toilet_overlay(outcome: PlanOutcome) -> list[Overlay]:
    if outcome.toilets is None or not len(outcome.toilets.projects):
        return []
    t = outcome.toilets.projects
    f = _project_columns(outcome, t, t["project_id"].astype(str).tolist(), titled=False)
    classes = {k: (f"{zh('toilet_' + k)} {glossary.en('toilet_' + k)}", st) for k, st in _TOILET_STYLES.items()}
    fields = (("project_id", "text", "项目编号 project id"), WHERE, SCALE,
              ("households", "int", "改厕户数 households"), ("unit_cost_wan", "wan", "单价（万元/户） unit price"), COST)
    keys = [k if k in classes else None for k in f["type"]]
    return [Overlay("plan_toilets", "农村牧区户厕改造 toilets", f, keys, classes, fields, phase="after")]


def _sites_overlay(outcome: PlanOutcome, places: _Places) -> list[Overlay]:
    fac = outcome.facilities
    if fac is None or not len(fac.sites):
        return []
    s = fac.sites
    f = _project_columns(outcome, s, [f"W{int(r):04d}" for r in s["rank"]])
    kind = fac.facility_type
    # not a star: the county seat is one (a yellow star) on the run's map
    style = {"shape": "triangle", "radius": 11 if len(s) <= 40 else 7, "color": "#000000", "weight": 2 if len(s) <= 40 else 1,
             "fillColor": "#e7298a", "fillOpacity": 1}
    fields = (("rank", "int", "优先序 rank"), WHERE, SCALE,
              ("villages_gained", "int", f"{zh('planned_gain')}{zh('covered')}{zh('admin_village')}数 villages gained"),
              ("coverage_after_pct", "pct", f"建成后{zh('waste_coverage')} coverage after"), COST)
    return [Overlay("plan_sites", f"新增{zh(kind)} new {glossary.en(kind)}s", f, ["site"] * len(f),
                    {"site": (f"规划新增{zh(kind)} planned {glossary.en(kind)}", style)}, fields, phase="after")]


def plan_overlays(outcome: PlanOutcome) -> list[Overlay]:
    """The plan's layers for the run's map, bottom to top: the villages' status before and after, the roads to
    upgrade and to pave, the sewer pipes, toilets, sewage projects and new sites.
    """
    places = _Places(outcome)
    return [*_status_overlays(outcome, places), *_road_overlays(outcome, places), *_sewage_overlays(outcome, places),
            *_toilet_overlay(outcome), *_sites_overlay(outcome, places)]


def plan_map_data(outcome: PlanOutcome, title: str | None = None) -> dict:
    """The page's data: the run's map of the results.gpkg the plan read, the plan's overlays, its sentences."""
    if title is None:
        names = [t["name"] for t in outcome.summary["sentences"].values()]
        who = "、".join(names) if len(names) <= 3 else f"{'、'.join(names[:3])}等{len(names)}个{zh('county')}"
        title = f"{who}{UI_TEXT['default_title'][0]} plan map"
    notes = [line for t in outcome.summary["sentences"].values() for line in (t["zh"], t["en"])]
    return build_map_data(outcome.inputs.source, title=title, overlays=plan_overlays(outcome), hidden=("villages", "mines"),
                          notes=notes, restyle={"counties": {"fillOpacity": 0.1}},
                          indicators_after=None if outcome.rerun_summary is None
                          else (outcome.rerun_counties, outcome.rerun_summary))


def write_plan_map(outcome: PlanOutcome, path: str | Path, title: str | None = None) -> None:
    """Write the plan's offline map.html (titled with the counties' names and 农村牧区人居环境整治提升规划图)."""
    Path(path).write_text(render_html(plan_map_data(outcome, title)), encoding="utf-8")
