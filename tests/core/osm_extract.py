"""An OpenStreetMap-like extract for the tests: roads with the real ``highway`` and ``surface`` tag values.

The roads are laid out near 准格尔旗 (111°E, 39.8°N) in CGCS2000 longitude/latitude, as a planner gets them
from an OSM download: classes closed to trucks (steps, footway, corridor, elevator, pedestrian, path,
cycleway, bridleway), ``;``-joined lists (``paved;cobblestone``) and values no table knows (``trail``,
``stone``). The truck route from the village to the treatment plant is 0.10° of longitude plus 0.02° of
latitude; a footway shortcut straight across is 2.2 km shorter.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import LineString, Point

LON0, LAT0 = 111.0, 39.80
VILLAGE = (LON0, LAT0 + 0.01)
PLANT = (LON0 + 0.10, LAT0 + 0.01)
TRUCK_ROUTE = [VILLAGE, (LON0, LAT0), (LON0 + 0.10, LAT0), PLANT]

#: (osm_id, highway, surface, coordinates): the truck route first, then the rest of the extract.
ROADS: list[tuple[int, str | None, str | None, list[tuple[float, float]]]] = [
    (1001, "residential", "paved;cobblestone", TRUCK_ROUTE[:2]),
    (1002, "tertiary", "asphalt", TRUCK_ROUTE[1:3]),
    (1003, "service", None, TRUCK_ROUTE[2:]),
    (1004, "footway", "paving_stones", [VILLAGE, PLANT]),
    (1005, "steps", "stone", [(LON0 + 0.05, LAT0), (LON0 + 0.05, LAT0 + 0.002)]),
    (1006, "corridor", None, [(LON0 + 0.05, LAT0 + 0.002), (LON0 + 0.051, LAT0 + 0.002)]),
    (1007, "elevator", None, [(LON0 + 0.051, LAT0 + 0.002), (LON0 + 0.051, LAT0 + 0.0021)]),
    (1008, "pedestrian", "sett", [(LON0 + 0.02, LAT0), (LON0 + 0.02, LAT0 - 0.003)]),
    (1009, "path", "dirt", [(LON0 + 0.03, LAT0), (LON0 + 0.03, LAT0 - 0.01)]),
    (1010, "cycleway", "asphalt", [(LON0 + 0.04, LAT0), (LON0 + 0.04, LAT0 - 0.01)]),
    (1011, "bridleway", "grass", [(LON0 + 0.06, LAT0), (LON0 + 0.06, LAT0 - 0.01)]),
    (1012, "trail", None, [(LON0 + 0.07, LAT0), (LON0 + 0.07, LAT0 - 0.01)]),
    (1013, "track", "gravel;ground", [(LON0 + 0.08, LAT0), (LON0 + 0.08, LAT0 - 0.02)]),
    (1014, "unclassified", "stone", [(LON0 + 0.09, LAT0), (LON0 + 0.09, LAT0 - 0.02)]),
    (1015, "footway;cycleway", "concrete", [(LON0 + 0.01, LAT0), (LON0 + 0.01, LAT0 + 0.005)]),
    (1016, "primary", None, [(LON0 + 0.10, LAT0), (LON0 + 0.15, LAT0)]),
    (1017, "living_street", "concrete:plates", [(LON0 + 0.15, LAT0), (LON0 + 0.15, LAT0 + 0.01)]),
]
NON_TRUCK = {1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1015}


def truck_route_m() -> float:
    """Ellipsoidal length of the truck route from the village to the plant, in metres."""
    return float(Geod(ellps="GRS80").line_length(*zip(*TRUCK_ROUTE, strict=True)))


def write_extract(folder: Path) -> Path:
    """Write ``osm.gpkg`` (layers roads, villages, facilities) into ``folder`` and return its path."""
    path = folder / "osm.gpkg"
    roads = gpd.GeoDataFrame({"osm_id": [r[0] for r in ROADS], "highway": [r[1] for r in ROADS],
                              "surface": [r[2] for r in ROADS], "name": [f"way {r[0]}" for r in ROADS]},
                             geometry=[LineString(r[3]) for r in ROADS], crs="EPSG:4490")
    villages = gpd.GeoDataFrame({"village_code": ["150622100001"], "name": ["乌兰村"], "county_code": ["150622"],
                                 "population": [420]}, geometry=[Point(VILLAGE)], crs="EPSG:4490")
    facilities = gpd.GeoDataFrame({"facility_type": ["county_treatment"], "name": ["旗处理厂"]},
                                  geometry=[Point(PLANT)], crs="EPSG:4490")
    for name, gdf in (("roads", roads), ("villages", villages), ("facilities", facilities)):
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path
