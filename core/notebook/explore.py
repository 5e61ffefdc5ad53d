"""``Results.explore()``: a folium map of a run for a Jupyter notebook, styled like ``map.html``.

folium is an optional extra (``pip install ruralenv[explore]``). The file a planner e-mails stays the
offline, inlined-Leaflet ``map.html`` of :mod:`ruralenv.core.maps.webmap`; this map is for looking at a run from Python, and
like folium itself it loads Leaflet and the basemap from the internet.

Villages are coloured by the same classes as ``map.html`` (:mod:`ruralenv.core.base.legend`), roads by
surface, counties by waste coverage against the plan targets. Above :data:`MAX_ROADS` road segments only the
region-view roads of the web map are drawn (hardened and major grades, :func:`ruralenv.core.base.legend.major_roads`), and the
layer's name says so.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base import glossary
from ..base._errors import RuralEnvError
from ..base.legend import OVERVIEW_SIMPLIFY_M, major_roads, plan_targets, village_category, village_classes
from ..base.values import flag_array

if TYPE_CHECKING:
    import folium

#: More road segments than this: only the hardened and major roads (as the web map's region view).
MAX_ROADS = 50_000
_ROAD_STYLES = {True: {"color": "#333333", "weight": 2.2, "opacity": 0.9},
                False: {"color": "#b8733d", "weight": 1.2, "opacity": 0.9}}
_COUNTY_FILL = {"below_2023": "#d7301f", "meets_2023": "#fdae61", "meets_2025": "#1a9641", "no_data": "#bdbdbd"}
_VILLAGE_TIP = ("name", "village_code", "collection_model", "covered", "hardened_access", "net_dist_station_m")


def explore(results: Any, lang: str = "zh", tiles: str | None = "OpenStreetMap") -> folium.Map:
    """A folium map of a run: counties, roads, villages and township seats, with a layer control.

    Parameters
    ----------
    results : Results
        What :func:`.pipeline.run_pipeline` returned.
    lang : {"zh", "en"}
        Language of the legend classes.
    tiles : str or None
        folium basemap name; None for none.

    Returns
    -------
    folium.Map

    Raises
    ------
    RuralEnvError
        folium is not installed.
    """
    try:
        import folium
    except ImportError as exc:
        raise RuralEnvError("Results.explore() needs folium: pip install 'ruralenv[explore]'") from exc
    li = 0 if lang == "zh" else 1
    villages = results.villages.to_crs(4326)
    west, south, east, north = villages.total_bounds
    fmap = folium.Map(tiles=tiles, control_scale=True)
    fmap.fit_bounds([[south, west], [north, east]])
    counties = results.counties
    if isinstance(counties, gpd.GeoDataFrame) and len(counties):
        _counties(counties, plan_targets(results.summary), li).add_to(fmap)
    _roads(results.roads, li).add_to(fmap)
    _villages(villages, li).add_to(fmap)
    if results.towns is not None and len(results.towns):
        _towns(results.towns.to_crs(4326), li).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def county_class(pct: float, targets: dict[str, float]) -> str:
    """The map.html class of a county's waste coverage."""
    if not np.isfinite(pct):
        return "no_data"
    return "meets_2025" if pct >= targets["waste_2025"] else "meets_2023" if pct >= targets["waste_2023"] \
        else "below_2023"


def _counties(counties: gpd.GeoDataFrame, targets: dict[str, float], li: int) -> folium.FeatureGroup:
    import folium

    gdf = counties[["county_code", "name", "waste_coverage_pct", "road_coverage_pct", "geometry"]].to_crs(4326)
    pct = pd.to_numeric(gdf["waste_coverage_pct"], errors="coerce").to_numpy(float)
    gdf["fill"] = [_COUNTY_FILL[county_class(p, targets)] for p in pct]
    group = folium.FeatureGroup(name=(f"旗县（按{glossary.zh('waste_coverage')}）", "Counties (by waste coverage)")[li])
    folium.GeoJson(gdf, style_function=lambda f: {"color": "#4d4d4d", "weight": 1.5, "fillOpacity": 0.28,
                                                  "fillColor": f["properties"]["fill"]},
                   tooltip=folium.GeoJsonTooltip(["name", "waste_coverage_pct", "road_coverage_pct"])).add_to(group)
    return group


def _roads(roads: gpd.GeoDataFrame, li: int) -> folium.FeatureGroup:
    import folium

    hardened = flag_array(roads["hardened"].tolist())
    name = ("道路", "Roads")[li]
    keep = np.ones(len(roads), bool)
    tolerance = 5.0
    if len(roads) > MAX_ROADS:
        keep = hardened | major_roads(roads)
        tolerance = OVERVIEW_SIMPLIFY_M
        name += ("（仅硬化路和国省县乡道）", " (hardened and major roads only)")[li]
    geoms = shapely.simplify(roads.geometry.array[keep], tolerance) if roads.crs.is_projected \
        else roads.geometry.array[keep]
    gdf = gpd.GeoDataFrame({"hardened": hardened[keep]}, geometry=gpd.GeoSeries(geoms, crs=roads.crs)).to_crs(4326)
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(gdf, style_function=lambda f: _ROAD_STYLES[bool(f["properties"]["hardened"])]).add_to(group)
    return group


def _villages(villages: gpd.GeoDataFrame, li: int) -> folium.FeatureGroup:
    import folium

    _, styles, labels = village_classes(li)
    keys = village_category(villages)
    cols = [c for c in _VILLAGE_TIP if c in villages.columns]
    gdf = gpd.GeoDataFrame(villages[cols].astype(object).where(villages[cols].notna(), None),
                           geometry=villages.geometry.array, crs=4326)
    gdf["class"] = [labels[k] for k in keys]
    gdf["colour"] = [styles[k]["color"] for k in keys]
    gdf["fill"] = [styles[k]["fillColor"] for k in keys]
    group = folium.FeatureGroup(name=("村庄（按收运处置模式）", "Villages (by collection model)")[li])
    folium.GeoJson(
        gdf, marker=folium.CircleMarker(radius=4.5, weight=1.5, fill=True, fill_opacity=0.9),
        style_function=lambda f: {"color": f["properties"]["colour"], "fillColor": f["properties"]["fill"]},
        tooltip=folium.GeoJsonTooltip(["class", *cols])).add_to(group)
    return group


def _towns(towns: gpd.GeoDataFrame, li: int) -> folium.FeatureGroup:
    import folium

    seat = towns["is_county_seat"] if "is_county_seat" in towns.columns else pd.Series(False, index=towns.index)
    gdf = gpd.GeoDataFrame({"name": towns["name"].astype(str),
                            "county_seat": flag_array(seat.tolist())}, geometry=towns.geometry.array, crs=4326)
    group = folium.FeatureGroup(name=("苏木乡镇驻地", "Township seats")[li])
    folium.GeoJson(
        gdf, marker=folium.CircleMarker(radius=6, weight=1.5, fill=True, fill_opacity=1, color="#000000"),
        style_function=lambda f: {"fillColor": "#ffd92f" if f["properties"]["county_seat"] else "#ffffff",
                                  "radius": 9 if f["properties"]["county_seat"] else 5},
        tooltip=folium.GeoJsonTooltip(["name"])).add_to(group)
    return group
