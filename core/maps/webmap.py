"""One self-contained, offline HTML map of a run that a planner can e-mail (``map.html``).

The file holds everything: Leaflet (inlined from the npm package installed by ``make vendor-js``, never
from a CDN), the project's own small script and stylesheet (``assets/``) and the data. Offline it
makes no request to any host; ``online=True`` adds basemap tiles.

Built for tens of thousands of villages: every layer is drawn on one canvas, each legend class as one
batch (``assets/map.js``); data travel as packed columns (:mod:`.webmap_pack`: coordinates as integer
micro-degree differences, repeated values as dictionary codes, codes front-coded, sentence-like texts as
patterns plus numbers, all integers as bit streams; the sewage and toilet views share the villages' and
counties' columns) rather than GeoJSON; roads travel in levels of detail (:mod:`.webmap_lod`: region-view
roads, and every road in tiles decoded when they come into view); far out, dense point layers are drawn as
small squares; popups are built only when a feature is clicked. Every user string reaches the page as JSON
data and is put into the DOM with ``textContent`` (or drawn on the canvas), never parsed as HTML, and a
Content-Security-Policy lets only the page's own two scripts run.

A plan draws on the same page (:class:`Overlay`): its layers go on top of the run's with their own legend entries
and popups, and a before/after switch shows the map as it is or with the plan built.

folium is not used: its element model writes one JavaScript object per feature and links its libraries
from CDNs, which serves neither the file size nor the offline rule.
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import html
import json
import math
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..base import contract, glossary, schema
from ..base._errors import RuralEnvError
from ..base.files import package_file, write_atomically
from ..base.glossary import label
from ..base.legend import plan_targets, village_category, village_classes
from ..base.progress import NullProgress, Progress, check_cancel
from ..base.values import flag_array, is_missing, yes_no
from ..io.runinfo import read_run_record
from ..model.prepare import point_xy
from .lod import road_levels
from .pack import codes, deltas, numbers, pack, same, templated, texts, zigzag

if TYPE_CHECKING:
    from ..model.results import Results

ASSETS_DIR = package_file("core", "maps", "assets")
JS_DIR_ENV = "RURALENV_JS_DIR"
LEAFLET_VERSION = "1.9.4"
DEFAULT_JS_DIR = package_file("vendor", "js")

#: Coordinates travel as integers in units of 1e-6 degree (about 0.1 m).
COORD_SCALE = 1_000_000
#: Below zoom DOT_BELOW_ZOOM points are small squares when there are more than DOT_MIN_POINTS villages, or more
#: than DOT_MIN_SEATS township seats, facilities or mines (county seats keep their stars).
DOT_MIN_POINTS = 20_000
DOT_MIN_SEATS = 300
DOT_BELOW_ZOOM = 8
#: County outlines are simplified to this tolerance (metres).
AREA_SIMPLIFY_M = 20.0
#: Overlay lines (a plan's roads and pipes) are simplified to this tolerance (metres).
LINE_SIMPLIFY_M = 2.0

ResultsInput = Union["Results", str, Path, Mapping[str, pd.DataFrame]]


class MapError(RuralEnvError):
    """The map cannot be made: Leaflet is not installed, a layer or field is missing, a bad option."""


@dataclass(frozen=True)
class Basemap:
    """A tile source for ``online=True``.

    Attributes
    ----------
    url : str
        Leaflet tile URL template.
    attribution : str
        Plain-text credit shown on the map.
    gcj02 : bool
        The tiles are drawn in GCJ-02, so the overlays are shifted to GCJ-02 to line up.
    subdomains : str
        Values of ``{s}`` in ``url``.
    max_zoom : int
    """

    url: str
    attribution: str
    gcj02: bool = False
    subdomains: str = "abc"
    max_zoom: int = 18


@dataclass(frozen=True)
class Overlay:
    """A layer drawn on top of a run's map (a plan's sites, pipes, projects), with its legend and popups.

    Attributes
    ----------
    layer_id : str
        Its id on the page (not one of :data:`LAYER_TITLES`).
    title : str
        Its name in the layer panel, in the map's language.
    frame : GeoDataFrame
        Points or lines, any CRS; a ``name`` column titles the popups.
    keys : sequence of str or None
        Each row's class (a key of ``classes``); None: the row is not drawn.
    classes : mapping
        Class key → (legend label, style), in legend order. Points take ``shape``, ``radius``, ``color``,
        ``weight``, ``fillColor``, ``fillOpacity``; lines ``color``, ``weight``, ``opacity`` and an optional
        ``dashArray``.
    fields : sequence of (column, kind, label)
        Popup rows (kinds as the run's layers': ``text``, ``num``, ``int``, ``metres``, ``pct``, ``bool``);
        columns the frame lacks are skipped.
    phase : {"before", "after"} or None
        Shown only in that state of the page's before/after switch (the switch appears when a layer has a
        phase); None: always.
    hidden : bool
        Off until switched on in the layer panel.
    same_points : str, optional
        A run layer (``villages``) whose rows these are, in the same order: the points and names are read
        from it on the page instead of travelling twice (checked on ``village_code``; otherwise they travel).
    """

    layer_id: str
    title: str
    frame: gpd.GeoDataFrame
    keys: Sequence[str | None]
    classes: Mapping[str, tuple[str, dict]]
    fields: Sequence[tuple[str, str, str]] = ()
    phase: str | None = None
    hidden: bool = False
    same_points: str | None = None


BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors",
                   max_zoom=19),
    "opentopomap": Basemap("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                           "© OpenStreetMap contributors, SRTM | © OpenTopoMap (CC-BY-SA)", max_zoom=17),
    "esri_imagery": Basemap("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/"
                            "tile/{z}/{y}/{x}", "Imagery © Esri, Maxar, Earthstar Geographics"),
    "amap": Basemap("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                    "&x={x}&y={y}&z={z}", "© 高德地图 AutoNavi", gcj02=True, subdomains="1234"),
    "amap_satellite": Basemap("https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
                              "© 高德地图 AutoNavi", gcj02=True, subdomains="1234"),
}
DEFAULT_BASEMAP = "osm"

#: Popup field labels (zh, en).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    **contract.headers(contract.VILLAGE_COLUMNS),
    **contract.headers(contract.TOWN_CLASS3_COLUMNS + contract.FACILITY_CAPACITY_COLUMNS),
    "name": ("名称", "Name"),
    "village_code": ("村代码", "Village code"),
    "population": ("人口", "Population"),
    "households": ("户数", "Households"),
    "town_code": ("苏木乡镇代码", "Township code"),
    "county_code": ("旗县代码", "County code"),
    "is_county_seat": ("旗县驻地", "County seat"),
    "facility_type": ("设施类型", "Facility type"),
    "capacity_tpd": ("处理能力（吨/日）", "Capacity (t/day)"),
    "issues": ("问题", "Issues"),
    "mineral": ("矿种", "Mineral"),
    "green_mine_level": ("绿色矿山级别", "Green-mine level"),
    "status": ("状态", "Status"),
    "villages_within_buffer": ("影响范围内村庄数", "Villages within buffer"),
    "population_within_buffer": ("影响范围内人口", "Population within buffer"),
    "waste_coverage_pct": (glossary.zh("waste_coverage"), "Waste coverage"),
    "road_coverage_pct": (glossary.zh("road_coverage"), "Hardened-road coverage"),
    "waste_gap_2025": ("2025年尚差行政村数", "Admin villages short of 2025 target"),
    "roads_gap_2025": ("2025年尚差自然村数", "Villages short of 2025 road target"),
    "pave_km_2025": (f"2025年目标{glossary.zh('pave_km_upper')}（公里）", "km to pave for 2025 (upper estimate)"),
    "sewage_mode": ("生活污水治理模式", "Sewage mode"),
    "sewage_reason": ("污水模式依据", "Why this mode"),
    "residents": ("常住人口", "Residents"),
    "design_flow_m3d": ("设计水量（吨/日）", "Design flow (t/day)"),
    "facility_size_tpd": ("设施规模（吨/日）", "Facility size (t/day)"),
    "fecal_route": ("厕所粪污处理方式", "Toilet waste route"),
    "toilet_rate_pct": (glossary.zh("toilet_rate"), "Sanitary toilet rate"),
    "toilets_needed": ("尚需改厕户数", "Households without a sanitary toilet"),
    "sewage_rate_pct": (glossary.zh("sewage_rate"), "Sewage treatment rate"),
    "toilets_target_2025": ("分摊2025年新建卫生厕所（户）", "Share of the 2025 toilet target"),
}

#: Display names of the canonical village classes (the data hold the Chinese canonical value).
VILLAGE_CLASS_EN: dict[str, str] = {glossary.zh(k): glossary.en(k) for k in (
    "class_cluster", "class_suburban", "class_heritage", "class_relocation", "class_hollow", "unclassified")}
FACILITY_LABELS: dict[str, tuple[str, str]] = {k: (glossary.zh(k), glossary.en(k)) for k in (
    "county_treatment", "town_treatment", "transfer_station", "village_treatment", "wastewater_plant",
    "fecal_treatment")}
MINE_LABELS: dict[str, tuple[str, str]] = {
    "national": ("国家级绿色矿山", "national green mine"),
    "regional": ("自治区级绿色矿山", "regional green mine"),
    "none": ("非绿色矿山", "not a green mine"),
}

#: Words of the page itself (zh, en).
UI_TEXT: dict[str, tuple[str, str]] = {
    "default_title": ("农村牧区人居环境整治提升规划图", "Rural living-environment plan map"),
    "layers": ("图层与图例", "Layers and legend"),
    "search": ("搜索村庄名称或代码", "Search a village name or code"),
    "no_match": ("未找到", "no match"),
    "more": ("仅显示前{n}条", "first {n} shown"),
    "indicators": ("旗县指标与规划目标", "County indicators against the plan targets"),
    "county": ("旗县", "County"),
    "waste": (glossary.zh("waste_coverage"), "Waste coverage"),
    "roads": (glossary.zh("road_coverage"), "Hardened-road coverage"),
    "target": ("目标", "target"),
    "gap_villages": ("2025年尚差自然村数", "Villages short (2025)"),
    "pave_km": (f"2025年目标{glossary.label('pave_km_upper', short=True)}（公里，估算上限）",
                "km to pave for 2025 (upper estimate)"),
    "sewage": (label("sewage_rate", "zh", short=True), "Sewage treated"),
    "zone_target": ("达到分区2025年目标", "zone target"),
    "toilets": (label("toilet_rate", "zh"), "Sanitary toilets"),
    "toilets_needed": ("尚需改厕户数", "Households lacking one"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "km": ("公里", "km"),
    "m": ("米", "m"),
    "basemap": ("底图", "Basemap"),
    "region": ("全部", "All"),
    "generated": ("生成日期", "Made on"),
    "lod_overview": ("当前为区域视图：放大到{z}级可见全部道路", "Region view now: zoom to {z} for every road"),
    "lod_detail": ("当前画出全部道路", "Every road is drawn now"),
    "before": ("规划前（现状）", "Before the plan (now)"),
    "after": ("规划后", "After the plan"),
    "phase": ("规划前后对比", "Before and after the plan"),
    "notes": ("规划结论", "What the plan achieves"),
}

LAYER_TITLES: dict[str, tuple[str, str]] = {
    "counties": (f"旗县（按{glossary.zh('waste_coverage')}）", "Counties (by waste coverage)"),
    "roads": ("道路", "Roads"),
    "villages": ("村庄（按收运处置模式）", "Villages (by collection model)"),
    "towns": (glossary.zh("town_seat"), "Township seats"),
    "facilities": (glossary.zh("facilities_layer"), glossary.en("facilities_layer").capitalize()),
    "mines": ("矿山", "Mines"),
    "toilets": ("旗县（按卫生厕所普及率）", "Counties (by sanitary toilet rate)"),
    "sewage": ("村庄（按生活污水治理模式）", "Villages (by sewage mode)"),
}
#: Map layers drawn from another layer's rows (their own column), hidden until switched on.
DERIVED_LAYERS: dict[str, tuple[str, str]] = {"toilets": ("counties", "toilet_rate_pct"),
                                              "sewage": ("villages", "sewage_mode")}

_FIELD_KINDS = ("text", "num", "int", "metres", "pct", "bool", "enum", "tpl", "wan")
#: Decimals kept (and shown) of each numeric field kind.
_DIGITS = {"bool": 0, "int": 0, "metres": 0, "num": 1, "pct": 1, "wan": 2}


# --------------------------------------------------------------------------------------------- loading
def _load(results: Any) -> tuple[dict[str, pd.DataFrame | None], dict]:
    """The layers to map and the run summary (``{}`` when unknown), from any accepted input."""
    from ..model.results import Results

    if isinstance(results, Results):
        summary = dict(results.summary)
        summary.setdefault("region", results.tables["region"].iloc[0].to_dict() if "region" in results.tables
                           else None)
        return results.layers(), summary
    if isinstance(results, (str, Path)):
        return _read_gpkg(Path(results))
    if isinstance(results, Mapping):
        return dict(results), {}
    raise MapError(f"export_map takes a Results object, a results.gpkg path or a dict of layers, "
                   f"not {type(results).__name__}")


def _read_gpkg(path: Path) -> tuple[dict[str, pd.DataFrame | None], dict]:
    if not path.exists():
        raise MapError(f"results file not found: {path}")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises its own DataSourceError hierarchy
        raise MapError(f"cannot read {path} as a GeoPackage: {exc}") from exc
    if "villages" not in names:
        raise MapError(f"{path} has no 'villages' layer; is it a results.gpkg written by ruralenv?")
    layers: dict[str, pd.DataFrame | None] = {
        name: pyogrio.read_dataframe(path, layer=name) if name in names else None for name in LAYER_TITLES}
    summary_path = path.with_name("summary.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    if "config" not in summary:  # a results.gpkg on its own: the targets come from the settings it records
        summary["config"] = read_run_record(path).get("settings", {})
    return layers, summary


# ------------------------------------------------------------------------------------------- geometry
def _geo(df: pd.DataFrame | None, name: str) -> gpd.GeoDataFrame | None:
    """The layer as a GeoDataFrame with geometry, or None when it has none (or no rows)."""
    if df is None or not isinstance(df, gpd.GeoDataFrame) or df.geometry.name not in df.columns or len(df) == 0:
        return None
    if df.crs is None:
        raise MapError(f"layer '{name}' has no coordinate reference system; cannot place it on the map")
    return df.reset_index(drop=True)


def _simplified(gdf: gpd.GeoDataFrame, tolerance_m: float, topology: bool) -> gpd.GeoSeries:
    """Geometries simplified to ``tolerance_m`` metres (in a metric CRS), returned in EPSG:4326."""
    metric = gdf.crs if gdf.crs.is_projected else gdf.estimate_utm_crs()
    geoms = gdf.geometry.to_crs(metric)
    geoms = gpd.GeoSeries(shapely.simplify(geoms.array, tolerance_m, preserve_topology=topology), crs=metric)
    return geoms.to_crs(4326)


def _representative_points(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of each feature (its point, or a point on its surface)."""
    return point_xy(gdf.to_crs(4326))


def _shift_gcj02(geoms: np.ndarray) -> np.ndarray:
    """Geometries moved from WGS 84 to GCJ-02 (no change outside mainland China)."""
    from ..base.datum import wgs84_to_gcj02

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, shift)


class _Coords:
    """Turns lon/lat into the integer micro-degree offsets the page decodes.

    Parameters
    ----------
    origin : (float, float)
        South-west corner of everything on the map; offsets are counted from it.
    gcj02 : bool
        Shift every coordinate to GCJ-02 first.
    """

    def __init__(self, origin: tuple[float, float], gcj02: bool):
        self.origin = (math.floor(origin[0] * COORD_SCALE), math.floor(origin[1] * COORD_SCALE))
        self.gcj02 = gcj02

    def _quantise(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        qx = np.rint(lon * COORD_SCALE) - self.origin[0]
        qy = np.rint(lat * COORD_SCALE) - self.origin[1]
        return qx, qy

    def points(self, lon: np.ndarray, lat: np.ndarray) -> dict[str, dict]:
        """``{"x": column, "y": column}`` of offsets (``delta`` columns); null where a coordinate is missing."""
        if self.gcj02:
            from ..base.datum import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(lon, lat)
        qx, qy = self._quantise(np.asarray(lon, float), np.asarray(lat, float))
        return {"x": deltas(qx), "y": deltas(qy)}

    def polygons(self, geoms: np.ndarray) -> list[list]:
        """Per feature: its polygons (``[[ring, hole, ...], ...]``).

        Each ring is a flat ``[x0, y0, dx1, dy1, ...]`` delta-encoded from its first vertex (roads travel in
        :mod:`.lod`'s chunks).
        """
        if self.gcj02:
            geoms = _shift_gcj02(geoms)
        parts, part_owner = shapely.get_parts(geoms, return_index=True)
        units, unit_owner = shapely.get_rings(parts, return_index=True)
        coords, vertex_owner = shapely.get_coordinates(units, return_index=True)
        qx, qy = self._quantise(coords[:, 0], coords[:, 1])
        q = np.column_stack([qx, qy]).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, vertex_owner[1:] != vertex_owner[:-1]]) if len(q) else np.array([], int)
        delta = q.copy()
        delta[1:] -= q[:-1]
        delta[starts] = q[starts]
        flat = np.split(delta.ravel(), 2 * starts[1:])
        unit_lists = [a.tolist() for a in flat] if len(q) else []
        present = vertex_owner[starts] if len(q) else np.array([], int)
        by_unit: list[list] = [[] for _ in range(len(units))]
        for u, lst in zip(present, unit_lists, strict=True):
            by_unit[u] = lst
        by_part: list[list] = [[] for _ in range(len(parts))]
        for u, owner in enumerate(unit_owner):
            by_part[owner].append(by_unit[u])
        features: list[list] = [[] for _ in range(len(geoms))]
        for p, owner in enumerate(part_owner):
            if by_part[p]:
                features[owner].append(by_part[p])
        return features


    def lines(self, geoms: np.ndarray) -> dict:
        """Lines as three streams (:mod:`.pack`): each feature's number of parts, each part's number of vertices,
        and every vertex as the zig-zag difference (x, y) from the one before it, in offsets from the origin.
        """
        if self.gcj02:
            geoms = _shift_gcj02(geoms)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        parts, owner = parts[shapely.get_num_coordinates(parts) >= 2], owner[shapely.get_num_coordinates(parts) >= 2]
        xy = shapely.get_coordinates(parts)
        qx, qy = self._quantise(xy[:, 0], xy[:, 1])
        q = np.column_stack([qx, qy]).astype(np.int64)
        step = np.diff(np.vstack([np.zeros((1, 2), np.int64), q]), axis=0)
        return {"parts": pack(np.bincount(owner, minlength=len(geoms))),
                "counts": pack(shapely.get_num_coordinates(parts)), "d": pack(zigzag(step.ravel()))}


def _outline(extent: np.ndarray, steps: int = 64) -> np.ndarray:
    """Points along the edges of the box ``extent`` (minx, miny, maxx, maxy), ``steps`` per edge."""
    x0, y0, x1, y1 = (float(v) for v in extent)
    t = np.linspace(0.0, 1.0, steps + 1)
    xs, ys = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
    return shapely.points(np.r_[xs, xs, np.full_like(ys, x0), np.full_like(ys, x1)],
                          np.r_[np.full_like(xs, y0), np.full_like(xs, y1), ys, ys])


def _bounds(frames: list[gpd.GeoDataFrame], gcj02: bool) -> tuple[float, float, float, float]:
    """(west, south, east, north) of every layer in EPSG:4326 (shifted like the data with ``gcj02``)."""
    boxes = []
    for gdf in frames:
        extent = gdf.total_bounds
        if not np.all(np.isfinite(extent)):
            continue
        # Points along the outline of the layer's extent are projected, not every feature; an extent of zero
        # width or height (one feature, identical points, a north-south line) is a line or a point, no error.
        b = gpd.GeoSeries(_outline(extent), crs=gdf.crs).to_crs(4326).total_bounds
        if np.all(np.isfinite(b)):
            boxes.append(b)
    if not boxes:
        raise MapError("nothing to draw: every layer is empty or has no valid geometry")
    arr = np.array(boxes)
    lon = np.array([arr[:, 0].min(), arr[:, 2].max()])
    lat = np.array([arr[:, 1].min(), arr[:, 3].max()])
    if gcj02:
        from ..base.datum import wgs84_to_gcj02

        lon, lat = wgs84_to_gcj02(lon, lat)
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


# ------------------------------------------------------------------------------------------ attributes
def _column(df: pd.DataFrame, name: str, kind: str, lang: int, display: Mapping[str, str] | None = None) -> dict:
    """One popup field: label, kind and its values as a compact column (:mod:`.webmap_pack`).

    Kinds (how the page shows a value): ``text``; ``tpl`` (texts made from a few sentence patterns with numbers
    in them); ``enum`` (``display`` names of the values); ``bool`` (yes/no); ``int``; ``num`` (1 decimal);
    ``metres`` (whole metres, shown as m/km); ``pct``; ``wan`` (money, 2 decimals shown).
    """
    if kind not in _FIELD_KINDS:
        raise ValueError(f"unknown field kind {kind!r}")
    s = df[name]
    head = {"key": name, "label": FIELD_LABELS.get(name, (name, name))[lang], "kind": kind}
    if kind == "enum":
        index, uniques = pd.factorize(s.astype(object).where(s.notna(), None), use_na_sentinel=True)
        return {**head, **codes(index, [str(display.get(u, u)) if display else str(u) for u in uniques])}
    if kind in ("text", "tpl"):
        values = _strings(s)
        return {**head, **(templated(values) if kind == "tpl" else texts(values))}
    if kind == "bool":
        flags = s.to_numpy(float) if s.dtype == bool else np.array(
            [np.nan if (t := yes_no(v, strict=False)) is None else float(t) for v in s.tolist()])
        return {**head, **numbers(flags, 0)}
    return {**head, **numbers(pd.to_numeric(s, errors="coerce").to_numpy(float), _DIGITS[kind])}


def _fields(df: pd.DataFrame, spec: tuple[tuple[str, str], ...], lang: int,
            displays: Mapping[str, Mapping[str, str]] | None = None) -> list[dict]:
    displays = displays or {}
    return [_column(df, name, kind, lang, displays.get(name)) for name, kind in spec if name in df.columns]


def _require(df: pd.DataFrame, layer: str, names: tuple[str, ...]) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise MapError(f"layer '{layer}' lacks field(s) {', '.join(missing)}; map a results.gpkg written by "
                       f"ruralenv run")


def _in(words: Mapping[str, tuple[str, str]], lang: int) -> dict[str, str]:
    """``{key: (zh, en)}`` → ``{key: word in the language}``."""
    return {k: v[lang] for k, v in words.items()}


def _strings(s: pd.Series) -> list[str | None]:
    """The values as text; None where missing or blank."""
    missing = s.isna().to_numpy(bool)
    return [None if m or v == "" else str(v) for v, m in zip(s.tolist(), missing, strict=True)]


def _names(df: pd.DataFrame) -> dict:
    """Feature names for titles, tooltips and search (null where missing or no ``name`` field)."""
    return texts(_strings(df["name"]) if "name" in df.columns else [None] * len(df), front=False)


def _classes(keys: list[str], styles: Mapping[str, dict], labels: Mapping[str, str],
             order: tuple[str, ...]) -> tuple[list[dict], list[int]]:
    """Legend classes present in the data (in ``order``) and each feature's class index (a ``num`` column
    of it in the layer's ``cls``).
    """
    present = [k for k in order if k in set(keys)]
    index = {k: i for i, k in enumerate(present)}
    cls = [index[k] for k in keys]
    counts = np.bincount(np.asarray(cls, dtype=np.int64), minlength=len(present)) if cls else np.zeros(len(present))
    return [{"key": k, "label": labels[k], "style": dict(styles[k]), "count": int(c)}
            for k, c in zip(present, counts, strict=True)], cls


def _class_column(cls: list[int]) -> dict:
    return numbers(np.asarray(cls, float), 0)


# ----------------------------------------------------------------------------------------------- layers
_VILLAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("village_code", "text"), ("village_class", "enum"), ("population", "int"), ("households", "int"),
    ("collection_model", "enum"), ("model_reason", "tpl"), ("covered", "bool"), ("hardened_access", "bool"),
    ("pave_gap_m", "metres"), ("net_dist_station_m", "metres"), ("net_dist_town_treatment_m", "metres"),
    ("net_dist_county_treatment_m", "metres"), ("net_dist_village_treatment_m", "metres"),
    ("unreachable_reason", "text"), ("snap_dist_m", "metres"), ("near_mine", "text"), ("in_scope", "bool"),
    ("is_admin_village", "bool"), ("is_larger", "bool"), ("issues", "text"),
)


def _villages_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int) -> dict:
    _require(gdf, "villages", ("name",))
    order, styles, labels = village_classes(lang)
    classes, cls = _classes(village_category(gdf), styles, labels, order)
    lon, lat = _representative_points(gdf)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if lang == 1:  # the contract's bilingual convention: <name> in Chinese, <name>_en in English
        for col in ("model_reason", "unreachable_reason"):
            if f"{col}_en" in df.columns:
                df[col] = df[f"{col}_en"]
    displays = {
        "collection_model": schema.MODEL_LABELS_ZH if lang == 0 else schema.MODEL_LABELS_EN,
        "village_class": {} if lang == 0 else VILLAGE_CLASS_EN,
    }
    layer = {"id": "villages", "geom": "point", "classes": classes, "cls": _class_column(cls),
             **coords.points(lon, lat), "name": _names(df), "fields": _fields(df, _VILLAGE_FIELDS, lang, displays),
             "search": True}
    return _dotted(layer, set(order) if len(df) > DOT_MIN_POINTS else set(), ("村庄", "villages"), lang)


def _dotted(layer: dict, keys: set[str], what: tuple[str, str], lang: int) -> dict:
    """Mark the classes ``keys`` to be drawn as small squares below :data:`DOT_BELOW_ZOOM`, and say so."""
    dotted = [c for c in layer["classes"] if c["key"] in keys]
    for c in dotted:
        c["dot_below_zoom"] = DOT_BELOW_ZOOM
    if dotted:
        layer["dot_note"] = (
            f"缩放{DOT_BELOW_ZOOM}级以下{what[0]}画成同色小方块（空心符号为空心方块），仍可点击；放大后为完整符号。",
            f"Below zoom {DOT_BELOW_ZOOM} {what[1]} are small squares of their class colour (hollow for hollow "
            "symbols), still clickable; closer in, the full symbols.")[lang]
    return layer


def _point_layer(layer_id: str, gdf: gpd.GeoDataFrame, coords: _Coords, lang: int, keys: list[str],
                 styles: Mapping[str, dict], labels: Mapping[str, tuple[str, str]],
                 spec: tuple[tuple[str, str], ...], displays: Mapping[str, Mapping[str, str]] | None = None,
                 labelled: bool = False) -> dict:
    classes, cls = _classes(keys, styles, _in(labels, lang), tuple(styles))
    lon, lat = _representative_points(gdf)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return {"id": layer_id, "geom": "point", "classes": classes, "cls": _class_column(cls),
            **coords.points(lon, lat), "name": _names(df), "fields": _fields(df, spec, lang, displays),
            "labelled": labelled}


def _towns_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int) -> dict:
    seat = gdf["is_county_seat"] if "is_county_seat" in gdf.columns else pd.Series(False, index=gdf.index)
    class3 = gdf["class3_access"] if "class3_access" in gdf.columns else pd.Series(None, index=gdf.index)
    keys = ["county_seat" if yes_no(v, strict=False) else "town_class3" if yes_no(c, strict=False) else "town_seat"
            for v, c in zip(seat, class3, strict=True)]
    square = {"shape": "square", "radius": 5, "color": "#000000", "weight": 1.5, "fillOpacity": 1}
    styles = {"county_seat": {"shape": "star", "radius": 9, "color": "#000000", "weight": 1.5,
                              "fillColor": "#ffd92f", "fillOpacity": 1},
              "town_class3": {**square, "fillColor": "#1a9850"},  # issue 27: 苏木乡镇通三级公路 (§(十一))
              "town_seat": {**square, "fillColor": "#ffffff"}}
    known = "class3_access" in gdf.columns
    labels = {"county_seat": ("旗县驻地", "county seat"),
              "town_class3": ("苏木乡镇驻地（通三级公路）", "township seat on a Class III road"),
              "town_seat": ("苏木乡镇驻地（未通三级公路）", "township seat, no Class III road") if known
              else ("苏木乡镇驻地", "township seat")}
    spec = (("town_code", "text"), ("county_code", "text"), ("is_county_seat", "bool"),
            ("waste_coverage_pct", "pct"), ("road_coverage_pct", "pct"), ("class3_access", "bool"),
            ("class3_gap_m", "metres"), ("class3_gap_unknown_m", "metres"))
    layer = _point_layer("towns", gdf, coords, lang, keys, styles, labels, spec, labelled=len(gdf) <= 600)
    many = {"town_seat", "town_class3"} if len(keys) - keys.count("county_seat") > DOT_MIN_SEATS else set()
    return _dotted(layer, many, ("苏木乡镇驻地", "township seats"), lang)


def _facilities_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int) -> dict:
    _require(gdf, "facilities", ("facility_type",))
    base = {"weight": 1.5, "color": "#000000", "fillOpacity": 1}
    styles = {
        "county_treatment": {**base, "shape": "square", "radius": 7, "fillColor": "#6a3d9a"},
        "town_treatment": {**base, "shape": "diamond", "radius": 7, "fillColor": "#b15928"},
        "transfer_station": {**base, "shape": "triangle", "radius": 7, "fillColor": "#a6cee3"},
        "village_treatment": {**base, "shape": "diamond", "radius": 5, "fillColor": "#fb9a99"},
        "wastewater_plant": {**base, "shape": "square", "radius": 6, "fillColor": "#08519c"},
        "fecal_treatment": {**base, "shape": "diamond", "radius": 5, "fillColor": "#8c510a"},
        "other": {**base, "shape": "square", "radius": 5, "fillColor": "#cccccc"},
    }
    labels = {**FACILITY_LABELS, "other": ("其他", "other")}
    keys = [t if t in FACILITY_LABELS else "other" for t in gdf["facility_type"]]
    spec = (("facility_type", "enum"), ("capacity_tpd", "num"), ("load_tpd", "num"), ("utilisation_pct", "pct"),
            ("over_capacity", "bool"), ("county_code", "text"), ("snap_dist_m", "metres"), ("issues", "text"))
    displays = {"facility_type": _in(FACILITY_LABELS, lang)}
    layer = _point_layer("facilities", gdf, coords, lang, keys, styles, labels, spec, displays)
    return _dotted(layer, set(keys) if len(keys) > DOT_MIN_SEATS else set(), (glossary.zh("facilities_layer"), "facilities"), lang)


def _mines_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int) -> dict:
    level = gdf["green_mine_level"] if "green_mine_level" in gdf.columns else pd.Series(None, index=gdf.index)
    keys = [v if v in MINE_LABELS else "unknown" for v in level]
    base = {"shape": "star", "radius": 7, "color": "#000000", "weight": 1, "fillOpacity": 1}
    styles = {"national": {**base, "fillColor": "#1a9850"}, "regional": {**base, "fillColor": "#a6d96a"},
              "none": {**base, "fillColor": "#d73027"}, "unknown": {**base, "fillColor": "#bababa"}}
    labels = {**MINE_LABELS, "unknown": ("级别未知", "level unknown")}
    spec = (("mineral", "text"), ("green_mine_level", "enum"), ("status", "text"),
            ("villages_within_buffer", "int"), ("population_within_buffer", "int"))
    displays = {"green_mine_level": _in(MINE_LABELS, lang)}
    layer = _point_layer("mines", gdf, coords, lang, keys, styles, labels, spec, displays)
    return _dotted(layer, set(keys) if len(keys) > DOT_MIN_SEATS else set(), ("矿山", "mines"), lang)


def _roads_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int) -> dict:
    """Roads in two levels of detail (:mod:`.webmap_lod`): the region view and per-tile full detail."""
    _require(gdf, "roads", ("hardened",))
    hardened = _flag_array(gdf["hardened"])
    keys = np.where(hardened, "hardened", "unhardened").tolist()
    # Solid lines only: dashed strokes of 100 000 roads cost seconds per redraw in a software canvas.
    styles = {"hardened": {"color": "#333333", "weight": 2.2, "opacity": 0.9},
              "unhardened": {"color": "#b8733d", "weight": 1.2, "opacity": 0.9}}
    labels = {"hardened": ("硬化路", "hardened road"), "unhardened": ("未硬化路", "unhardened road")}
    classes, cls = _classes(keys, styles, _in(labels, lang), tuple(styles))
    lod = road_levels(gdf, np.asarray(cls, np.int64), hardened, coords.origin, coords.gcj02, lang)
    return {"id": "roads", "geom": "lod_line", "classes": classes, "lod": lod, "fields": []}


def _flag_array(s: pd.Series) -> np.ndarray:
    """A flag column as booleans (null → False) without a Python call per row for bool columns."""
    if s.dtype == bool:
        return s.to_numpy(bool)
    return flag_array(s.tolist())


def _counties_layer(gdf: gpd.GeoDataFrame, coords: _Coords, lang: int, targets: Mapping[str, float]) -> dict:
    pct = (pd.to_numeric(gdf["waste_coverage_pct"], errors="coerce") if "waste_coverage_pct" in gdf.columns
           else pd.Series(np.nan, index=gdf.index))
    keys = ["no_data" if not math.isfinite(p) else "meets_2025" if p >= targets["waste_2025"]
            else "meets_2023" if p >= targets["waste_2023"] else "below_2023" for p in pct.to_numpy(float)]
    base = {"color": "#4d4d4d", "weight": 1.5, "fillOpacity": 0.28}
    styles = {"below_2023": {**base, "fillColor": "#d7301f"}, "meets_2023": {**base, "fillColor": "#fdae61"},
              "meets_2025": {**base, "fillColor": "#1a9641"}, "no_data": {**base, "fillColor": "#bdbdbd"}}
    w23, w25 = f"{targets['waste_2023']:g}%", f"{targets['waste_2025']:g}%"
    labels = {"below_2023": (f"未达到2023年目标（低于{w23}）", f"below the 2023 target (<{w23})"),
              "meets_2023": (f"达到2023年目标，未达到2025年目标（{w23}至{w25}）", f"meets 2023, not 2025 ({w23}–{w25})"),
              "meets_2025": (f"达到2025年目标（{w25}以上）", f"meets the 2025 target (≥{w25})"),
              "no_data": (f"无{glossary.zh('in_scope')}的行政村", "no admin villages in scope")}
    classes, cls = _classes(keys, styles, _in(labels, lang), tuple(styles))
    geoms = _simplified(gdf, AREA_SIMPLIFY_M, topology=True).array
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    spec = (("county_code", "text"), ("waste_coverage_pct", "pct"), ("road_coverage_pct", "pct"),
            ("waste_gap_2025", "int"), ("roads_gap_2025", "int"), ("pave_km_2025", "num"))
    return {"id": "counties", "geom": "polygon", "classes": classes, "cls": _class_column(cls),
            "paths": coords.polygons(geoms), "name": _names(df), "fields": _fields(df, spec, lang)}


def _shared_fields(df: pd.DataFrame, spec: tuple[tuple[str, str], ...], lang: int, layer: str) -> list[dict]:
    """Popup fields whose values are those of the same fields of ``layer`` (a view of the same rows)."""
    return [{"key": name, "label": FIELD_LABELS.get(name, (name, name))[lang], "kind": kind, **same(layer)}
            for name, kind in spec if name in df.columns]


def _sewage_layer(gdf: gpd.GeoDataFrame, lang: int) -> dict:
    """Villages by §(七) sewage mode (a second view of the villages, off until switched on); the position,
    name and code are the villages' own (read from that layer by the page).
    """
    base = {"radius": 4.5, "color": "#08306b", "weight": 1, "fillOpacity": 0.9}
    styles = {"sewer_connect": {**base, "shape": "circle", "fillColor": "#08519c"},
              "central": {**base, "shape": "square", "fillColor": "#3182bd"},
              "decentralised": {**base, "shape": "diamond", "fillColor": "#9ecae1"},
              "resource_use": {**base, "shape": "triangle", "fillColor": "#a6761d"},
              "unknown": {**base, "shape": "circle", "radius": 3, "fillColor": "#bdbdbd"}}
    names = schema.SEWAGE_MODE_LABELS_ZH if lang == 0 else schema.SEWAGE_MODE_LABELS_EN
    routes = schema.FECAL_ROUTE_LABELS_ZH if lang == 0 else schema.FECAL_ROUTE_LABELS_EN
    labels = {k: (schema.SEWAGE_MODE_LABELS_ZH[k], schema.SEWAGE_MODE_LABELS_EN[k]) for k in names}
    labels["unknown"] = (glossary.zh("sewage_unknown"), glossary.en("sewage_unknown"))
    keys = [m if m in names else "unknown" for m in gdf["sewage_mode"]]
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if lang == 1 and "sewage_reason_en" in df.columns:
        df["sewage_reason"] = df["sewage_reason_en"]
    spec = (("residents", "int"), ("sewage_mode", "enum"), ("sewage_reason", "tpl"), ("design_flow_m3d", "num"),
            ("facility_size_tpd", "num"), ("fecal_route", "enum"), ("toilet_rate_pct", "pct"),
            ("toilets_needed", "int"))
    classes, cls = _classes(keys, styles, _in(labels, lang), tuple(styles))
    fields = [*_shared_fields(df, (("village_code", "text"),), lang, "villages"),
              *_fields(df, spec, lang, {"sewage_mode": names, "fecal_route": routes})]
    return {"id": "sewage", "geom": "point", "classes": classes, "cls": _class_column(cls), "x": same("villages"),
            "y": same("villages"), "name": same("villages"), "fields": fields, "labelled": False, "hidden": True}


def _toilets_layer(gdf: gpd.GeoDataFrame, lang: int) -> dict:
    """Counties shaded by 卫生厕所普及率 (off until switched on); outlines, names and codes are the counties'."""
    bands = ((0.0, 50.0, "#fee6ce"), (50.0, 70.0, "#fdae6b"), (70.0, 85.0, "#e6550d"), (85.0, 100.01, "#31a354"))
    pct = pd.to_numeric(gdf["toilet_rate_pct"], errors="coerce").to_numpy(float)
    keys = [next((f"{lo:g}" for lo, hi, _ in bands if lo <= p < hi), "no_data") if math.isfinite(p) else "no_data"
            for p in pct]
    base = {"color": "#4d4d4d", "weight": 1.5, "fillOpacity": 0.35}
    styles = {f"{lo:g}": {**base, "fillColor": c} for lo, _, c in bands}
    styles["no_data"] = {**base, "fillColor": "#bdbdbd"}
    labels = {f"{lo:g}": (f"{glossary.zh('toilet_rate')}{lo:g}%至{min(hi, 100):g}%", f"sanitary toilets {lo:g}–{min(hi, 100):g} %")
              for lo, hi, _ in bands}
    labels["no_data"] = ("无户数数据", "no household data")
    classes, cls = _classes(keys, styles, _in(labels, lang), tuple(styles))
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    spec = (("toilet_rate_pct", "pct"), ("toilets_needed", "int"), ("toilets_target_2025", "int"),
            ("sewage_rate_pct", "pct"))
    fields = [*_shared_fields(df, (("county_code", "text"),), lang, "counties"), *_fields(df, spec, lang)]
    return {"id": "toilets", "geom": "polygon", "classes": classes, "cls": _class_column(cls), "hidden": True,
            "paths": same("counties"), "name": same("counties"), "fields": fields}


def _indicators(counties: pd.DataFrame | None, summary: dict, lang: int) -> dict:
    """Rows of the indicator panel: each county, then the whole region when known."""
    cols = ("name", "county_code", "waste_coverage_pct", "waste_meets_2023", "waste_meets_2025", "road_coverage_pct",
            "roads_meets_2023", "roads_meets_2025", "roads_gap_2025", "pave_km_2025",
            # the plan's other two targets: 生活污水治理率 (26 % / 32 % and the zone's) and 卫生厕所普及率
            "sewage_rate_pct", "sewage_meets_2023", "sewage_meets_2025", "sewage_meets_zone", "toilet_rate_pct",
            "toilets_needed")
    rows = []
    if counties is not None and len(counties):
        for rec in pd.DataFrame(counties).to_dict(orient="records"):
            rows.append(_indicator_row(rec, cols))
    region = summary.get("region")
    if region:
        rows.append({**_indicator_row(region, cols), "name": UI_TEXT["region"][lang], "region": True})
    return {"rows": rows}


def _indicator_row(rec: Mapping[str, Any], cols: tuple[str, ...]) -> dict:
    out: dict[str, Any] = {}
    for c in cols:
        v = rec.get(c)
        if isinstance(v, np.generic):
            v = v.item()
        if is_missing(v) or (isinstance(v, float) and not math.isfinite(v)):
            v = None
        elif "_meets_" in c:
            v = yes_no(v, strict=False)
        out[c] = None if v is None else (v if isinstance(v, (bool, int, float)) else str(v))
    return out


def _overlay_layer(ov: Overlay, coords: _Coords, frames: Mapping[str, gpd.GeoDataFrame | None], lang: int) -> dict:
    """The page layer of an :class:`Overlay`: its classes, geometry (points or lines) and popup fields."""
    gdf = _geo(ov.frame, ov.layer_id)
    if gdf is None or len(ov.keys) != len(gdf):
        raise MapError(f"overlay '{ov.layer_id}' has no rows to draw or {len(ov.keys)} classes for {len(ov.frame)} rows")
    unknown = {k for k in ov.keys if k is not None} - set(ov.classes)
    if unknown or (ov.phase not in (None, "before", "after")):
        raise MapError(f"overlay '{ov.layer_id}': unknown class(es) {sorted(unknown)} or phase {ov.phase!r}")
    present = [k for k in ov.classes if k in set(ov.keys)]
    index = {k: i for i, k in enumerate(present)}
    cls = np.array([np.nan if k is None else index[k] for k in ov.keys], float)
    counts = np.bincount(cls[np.isfinite(cls)].astype(np.int64), minlength=len(present))
    classes = [{"key": k, "label": ov.classes[k][0], "style": dict(ov.classes[k][1]), "count": int(c)}
               for k, c in zip(present, counts, strict=True)]
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    fields = [{**(_column(df, col, kind, lang) if kind != "text" else {"key": col, "kind": kind, **_repeated(df[col])}),
               "label": text} for col, kind, text in ov.fields if col in df.columns]
    layer: dict[str, Any] = {"id": ov.layer_id, "title": ov.title, "classes": classes, "cls": numbers(cls, 0),
                             "fields": fields, "hidden": ov.hidden, "phase": ov.phase, "labelled": False}
    lines = set(gdf.geom_type.dropna()) <= {"LineString", "MultiLineString"}
    if lines:
        return {**layer, "geom": "line", "lines": coords.lines(_simplified(gdf, LINE_SIMPLIFY_M, topology=False).array),
                "name": _repeated(df["name"], front=False) if "name" in df else _names(df)}
    source = frames.get(ov.same_points) if ov.same_points else None
    if source is not None and len(source) == len(gdf) and "village_code" in gdf and "village_code" in source \
            and np.array_equal(source["village_code"].astype(str).to_numpy(), gdf["village_code"].astype(str).to_numpy()):
        return {**layer, "geom": "point", "x": same(str(ov.same_points)), "y": same(str(ov.same_points)),
                "name": same(str(ov.same_points))}
    lon, lat = _representative_points(gdf)
    layer = {**layer, "geom": "point", **coords.points(lon, lat), "name": _repeated(df["name"], front=False)
             if "name" in df else _names(df)}
    many = {str(c["key"]) for c in classes} if len(gdf) > DOT_MIN_SEATS else set()  # a region's projects: dots far out
    zh_title, _, en_title = ov.title.partition(" ")
    return _dotted(layer, many, (zh_title, en_title or zh_title), lang)


def _repeated(s: pd.Series, front: bool = True) -> dict:
    """A text column as dictionary codes when its values repeat (a plan's road names, townships), else as
    :func:`.pack.texts` codes it (as the run's layers do, so that a column they carry is recognised as the same).
    """
    values = _strings(s)
    index, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    if 2 * len(uniques) <= len(values):
        return codes(index, [str(u) for u in uniques])
    return texts(values, front=front)


def _share_repeated_fields(layers: list[dict]) -> None:
    """Popup fields of an overlay whose values an earlier layer already carries (same key, same values: the
    villages' codes in each before/after view) are read from that layer on the page instead of travelling again.
    """
    seen: dict[tuple[str, str], str] = {}
    for layer in layers:
        for k, field in enumerate(layer["fields"]):
            if field.get("enc") == "same":
                continue
            payload = {n: v for n, v in field.items() if n != "label"}
            digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()
            first = seen.setdefault((field["key"], digest), layer["id"])
            if first != layer["id"] and "phase" in layer:  # overlays only: the run's layers stay as they are
                layer["fields"][k] = {"key": field["key"], "label": field["label"], "kind": field["kind"], **same(first)}


# ----------------------------------------------------------------------------------------------- assets
def leaflet_dir() -> Path:
    """Where Leaflet's ``leaflet.js`` and ``leaflet.css`` are read from.

    ``$RURALENV_JS_DIR`` when set (a folder holding ``node_modules/leaflet/dist``, or ``dist`` itself),
    otherwise ``<repository>/vendor/js``, filled by ``make vendor-js``.

    Raises
    ------
    MapError
        When Leaflet is not installed there, with the command that installs it.
    """
    base = Path(os.environ.get(JS_DIR_ENV) or DEFAULT_JS_DIR)
    for candidate in (base / "node_modules" / "leaflet" / "dist", base):
        if (candidate / "leaflet.js").is_file() and (candidate / "leaflet.css").is_file():
            return candidate
    raise MapError(
        f"Leaflet {LEAFLET_VERSION} was not found in {base}. Run `make vendor-js` in the RuralEnv folder "
        f"(it runs `npm install --prefix vendor/js leaflet@{LEAFLET_VERSION}`), or point ${JS_DIR_ENV} at a "
        f"folder holding node_modules/leaflet/dist.")


def map_writer(write: Callable[[Path], object],
               progress: Progress | None = None) -> tuple[dict[str, Callable[[Path], object]], str | None]:
    """``({"map.html": write}, None)``, or ``({}, warning)`` when Leaflet is not installed.

    The other outputs of a run go on without the map; the warning is reported to ``progress`` and returned for
    the run's summary.
    """
    try:
        leaflet_dir()
    except MapError as exc:
        warning = f"map.html not written: {exc}"
        (progress or NullProgress()).message(warning, "warning")
        return {}, warning
    return {"map.html": write}, None


def _script_safe(text: str, closing: str) -> str:
    """Text that can sit inside ``<script>``/``<style>``: it must not close the element early."""
    if closing in text.lower():
        raise MapError(f"an inlined asset contains '{closing}' and cannot be embedded safely")
    return text


def _leaflet_assets() -> tuple[str, str, str]:
    """Leaflet's JS (source-map link removed), CSS (image URLs removed) and licence text."""
    dist = leaflet_dir()
    js = (dist / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (dist / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\((?!#)[^)]*\)", "none", css)
    licence_file = dist.parent / "LICENSE"
    licence = licence_file.read_text(encoding="utf-8") if licence_file.is_file() else "BSD-2-Clause"
    return js, css, licence.replace("*/", "* /")


def json_for_script(data: Any) -> str:
    r"""JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c`` … so no string can close the element or open a comment, and
    U+2028/U+2029 are escaped for old JavaScript parsers. The page reads it with ``JSON.parse``.

    Parameters
    ----------
    data : object
        Anything :func:`json.dumps` accepts (NaN is refused; give None instead).

    Returns
    -------
    str
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


# ------------------------------------------------------------------------------------------------ build
def _basemap(online: bool, basemap: str | None) -> Basemap | None:
    if not online:
        if basemap is not None:
            raise MapError(f"basemap {basemap!r} needs online=True (command line: --online); offline maps "
                           f"have no tiles")
        return None
    name = (basemap or DEFAULT_BASEMAP).lower()
    if name not in BASEMAPS:
        raise MapError(f"unknown basemap {basemap!r}; choose one of {', '.join(BASEMAPS)}")
    return BASEMAPS[name]


def _datum_note(tiles: Basemap | None, lang: int) -> str:
    if tiles is not None and tiles.gcj02:
        return ("坐标：GCJ-02（与高德底图一致；中国境内的要素已由 WGS 84 偏移对齐）",
                "Coordinates: GCJ-02 (matching the AutoNavi basemap; features in China shifted from WGS 84)")[lang]
    return ("坐标：WGS 84 / CGCS2000 经纬度", "Coordinates: WGS 84 / CGCS2000 longitude-latitude")[lang]


def build_map_data(
    results: ResultsInput,
    *,
    online: bool = False,
    basemap: str | None = None,
    title: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    overlays: Sequence[Overlay] = (),
    hidden: Collection[str] = (),
    notes: Sequence[str] = (),
    restyle: Mapping[str, Mapping[str, Any]] | None = None,
    indicators_after: tuple[pd.DataFrame | None, dict] | None = None,
) -> dict:
    """Everything the page needs, as the plain data structure embedded in ``map.html``.

    Parameters are those of :func:`export_map`, and:

    overlays : sequence of Overlay
        Layers drawn on top of the run's (a plan's), each with its legend entries and popups; one with a
        ``phase`` adds the page's before/after switch.
    hidden : collection of str
        Run layers (``villages``, ``facilities`` …) off until switched on.
    notes : sequence of str
        Lines of a box of conclusions (a plan's county sentences), shown on the map.
    restyle : mapping, optional
        Run layer → style values set on each of its classes (``{"counties": {"fillOpacity": 0.1}}`` lets a
        plan's layers stand out).
    indicators_after : (DataFrame, dict), optional
        County indicators and summary with the plan built (a plan's re-run): the indicator panel shows them
        in the switch's "after" state.

    Returns
    -------
    dict
        ``layers`` (drawing order), ``indicators``, ``targets``, ``bounds``, ``ui`` words, ``basemap``…
    """
    if lang not in ("zh", "en"):
        raise MapError(f"lang must be 'zh' or 'en', got {lang!r}")
    li = 0 if lang == "zh" else 1
    progress = progress or NullProgress()
    tiles = _basemap(online, basemap)
    layers, summary = _load(results)
    frames = {name: _geo(layers.get(name), name) for name in LAYER_TITLES}
    for name, (source, column) in DERIVED_LAYERS.items():
        base = frames[source]
        frames[name] = base if base is not None and column in base.columns else None
    if frames["villages"] is None:
        raise MapError("the results hold no villages to map")
    present = [g for g in [*frames.values(), *(_geo(ov.frame, ov.layer_id) for ov in overlays)] if g is not None]
    gcj02 = bool(tiles and tiles.gcj02)
    west, south, east, north = _bounds(present, gcj02)
    coords = _Coords((west - 0.01, south - 0.01), gcj02)
    targets = plan_targets(summary)
    progress.stage("web map", total=len(LAYER_TITLES) + len(overlays))
    out_layers = _run_layers(frames, coords, li, targets, hidden, restyle or {}, progress)
    for ov in overlays:
        check_cancel(progress)
        out_layers.append(_overlay_layer(ov, coords, frames, li))
        progress.advance()
    _share_repeated_fields(out_layers)
    phased = any(ov.phase for ov in overlays)
    title = title or _default_title(layers.get("counties"), li)
    return {
        "lang": lang,
        "title": title,
        "ui": {**{k: v[li] for k, v in UI_TEXT.items()}, **_target_words(targets, li)},
        "origin": list(coords.origin),
        "scale": COORD_SCALE,
        "bounds": [[south, west], [north, east]],
        "datum": _datum_note(tiles, li),
        "basemap": None if tiles is None else {"url": tiles.url, "attribution": tiles.attribution,
                                               "subdomains": tiles.subdomains, "maxZoom": tiles.max_zoom},
        "targets": targets,
        "layers": out_layers,
        "indicators": {**_indicators(layers.get("counties"), summary, li),
                       "after": None if indicators_after is None else _indicators(*indicators_after, li)["rows"]},
        "generated": _dt.date.today().isoformat(),
        "phases": {"now": "after", "before": UI_TEXT["before"][li], "after": UI_TEXT["after"][li]} if phased else None,
        "notes": list(notes),
    }


def _run_layers(frames: Mapping[str, gpd.GeoDataFrame | None], coords: _Coords, li: int,
                targets: Mapping[str, float], hidden: Collection[str], restyle: Mapping[str, Mapping[str, Any]],
                progress: Progress) -> list[dict]:
    """The run's layers in drawing order (those ``hidden`` off at first, ``restyle`` set on their classes)."""
    builders = {
        "counties": lambda g: _counties_layer(g, coords, li, targets),
        "toilets": lambda g: _toilets_layer(g, li),
        "roads": lambda g: _roads_layer(g, coords, li),
        "villages": lambda g: _villages_layer(g, coords, li),
        "sewage": lambda g: _sewage_layer(g, li),
        "mines": lambda g: _mines_layer(g, coords, li),
        "facilities": lambda g: _facilities_layer(g, coords, li),
        "towns": lambda g: _towns_layer(g, coords, li),
    }
    out_layers = []
    for name, build in builders.items():
        check_cancel(progress)
        frame = frames[name]
        if frame is not None:
            out_layers.append({**build(frame), "title": LAYER_TITLES[name][li],
                               **({"hidden": True} if name in hidden else {})})
            for c in out_layers[-1]["classes"]:
                c["style"].update(restyle.get(name, {}))
        progress.advance()
    return out_layers


def _target_words(targets: Mapping[str, float], lang: int) -> dict[str, str]:
    """The indicator panel's target headers (``2023年目标（50%）``) and the space a unit takes before it (none in
    Chinese).
    """
    out = {"sp": ("", " ")[lang]}
    for key in ("waste_2023", "waste_2025", "roads_2023", "roads_2025", "sewage_2023", "sewage_2025"):
        if key not in targets:
            continue
        year, pct = int(key[-4:]), targets[key]
        more = key in ("waste_2025", "roads_2023", "roads_2025")  # the plan's 以上 (覆盖50%的行政村, 达到26%)
        out[f"t_{key}"] = glossary.target(year, pct, more) if lang == 0 else f"{year} ≥{pct:g}%"
    return out


def _default_title(counties: pd.DataFrame | None, lang: int) -> str:
    base = UI_TEXT["default_title"][lang]
    if counties is None or "name" not in counties.columns or len(counties) == 0:
        return base
    names = [str(n) for n in counties["name"].dropna().unique()[:3]]
    more = "…" if counties["name"].nunique() > 3 else ""
    return f"{base} — {'、'.join(names) if lang == 0 else ', '.join(names)}{more}"


def _csp(scripts: list[str], online: bool) -> str:
    """Content-Security-Policy: only the page's own scripts run (by hash, so no injected inline handler
    could), nothing is fetched except, online, the basemap tiles.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                      for s in scripts)
    images = "data: https:" if online else "data:"
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src {images}; "
            f"base-uri 'none'; form-action 'none'")


def render_html(data: dict) -> str:
    """The complete page for ``data`` (from :func:`build_map_data`), every asset inlined."""
    leaflet_js, leaflet_css, licence = _leaflet_assets()
    leaflet_script = _script_safe(f"/* Leaflet {LEAFLET_VERSION}\n{licence}*/\n{leaflet_js}", "</script")
    own_script = _script_safe((ASSETS_DIR / "map.js").read_text(encoding="utf-8"), "</script")
    page = Template((ASSETS_DIR / "template.html").read_text(encoding="utf-8"))
    return page.substitute(
        lang="zh-CN" if data["lang"] == "zh" else "en",
        csp=_csp([leaflet_script, own_script], online=data["basemap"] is not None),
        title=html.escape(data["title"]),
        leaflet_css=_script_safe(leaflet_css, "</style"),
        own_css=_script_safe((ASSETS_DIR / "map.css").read_text(encoding="utf-8"), "</style"),
        leaflet_js=leaflet_script,
        own_js=own_script,
        data=json_for_script(data),
    )


def export_map(
    results: ResultsInput,
    out_html: str | Path,
    *,
    online: bool = False,
    basemap: str | None = None,
    title: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    surface: str | Path | None = None,
) -> Path:
    """Write one self-contained HTML map of a run.

    Parameters
    ----------
    results : Results, path or mapping
        A :class:`ruralenv.core.pipeline.Results`, the path of a ``results.gpkg`` (its ``summary.json``
        beside it is read for the targets when present) or a dict of layers named as in results.gpkg.
    out_html : path
        The file to write (replaced atomically).
    online : bool
        Add basemap tiles (the only requests the page then makes). Default: no tiles, no requests.
    basemap : str, optional
        With ``online``: a key of :data:`BASEMAPS` (default ``osm``). GCJ-02 basemaps (``amap``,
        ``amap_satellite``) shift the overlays to GCJ-02 inside China so they line up.
    title : str, optional
        Page title; default names the plan and the counties.
    lang : {"zh", "en"}
        Language of labels, legend and popups.
    progress : Progress, optional
    surface : path, optional
        A surface GeoTIFF (``ruralenv surface``) shown as an image overlay with its legend.

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    MapError
        Leaflet not installed (run ``make vendor-js``), bad option, missing layer or field.
    """
    out = Path(out_html)
    data = build_map_data(results, online=online, basemap=basemap, title=title, lang=lang, progress=progress)
    if surface is not None:
        from .overlay import surface_overlay

        data["surface"] = surface_overlay(surface)
    page = render_html(data)
    write_atomically(out.parent, {out.name: lambda tmp: tmp.write_text(page, encoding="utf-8")})
    return out


# ------------------------------------------------------------------------------------------------- CLI
def cmd_map(args: argparse.Namespace) -> int:
    """``ruralenv map RESULTS.gpkg``: write the HTML map of an earlier run."""
    out = args.out or Path(args.results).with_name("map.html")
    path = export_map(args.results, out, online=args.online, basemap=args.basemap, title=args.title,
                      lang=args.lang, surface=args.surface)
    print(f"map.html      {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``map`` subcommand to the ``ruralenv`` command line."""
    p = subparsers.add_parser("map", help="write the offline HTML map of a results.gpkg")
    p.add_argument("results", type=Path, help="results.gpkg written by `ruralenv run` or `ruralenv demo`")
    p.add_argument("--out", type=Path, help="HTML file to write (default: map.html beside RESULTS)")
    p.add_argument("--online", action="store_true", help="add basemap tiles (the page then loads them from the "
                                                         "internet); default: no tiles, no requests")
    p.add_argument("--basemap", choices=sorted(BASEMAPS), help=f"with --online: tile source (default "
                   f"{DEFAULT_BASEMAP}); amap* are GCJ-02 and shift the overlays to match")
    p.add_argument("--title", help="page title")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the map (default zh)")
    p.add_argument("--surface", type=Path, help="a surface GeoTIFF (`ruralenv surface`) to show with its legend")
    p.set_defaults(func=cmd_map)
