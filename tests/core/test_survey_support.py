"""Shared builders of the survey tests: a results GeoPackage with villages and survey files of every format.

Every survey point has a known true WGS 84 position (30 m east, 20 m north of its village) and is
written in the datum and notation of the format under test.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook
from pyproj import Geod, Transformer
from ruralenv.core.base import datum

GK_111 = "EPSG:4546"
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    lon: float
    lat: float
    survey_name: str  # how a survey team writes its name


VILLAGES = (
    Village("150622100201", "沙圪堵村", 111.130, 39.860, "沙圪堵村委会"),
    Village("150622100202", "纳日松嘎查", 111.210, 39.800, "纳日松"),
    Village("150622100203", "准格尔召村", 110.950, 39.700, "准格尔召"),
    Village("150622100204", "布尔陶亥嘎查", 111.050, 39.930, "布尔陶亥 嘎查村委会"),
    Village("150622100205", "大路村", 111.300, 39.880, "大路"),
    Village("150622100206", "薛家湾居委会", 111.180, 39.900, "薛家湾社"),
)
OFFSET_E, OFFSET_N = 30.0, 20.0


def truth() -> pd.DataFrame:
    """True WGS 84 position of the survey point of each village, with the expected village code."""
    lon = np.array([v.lon for v in VILLAGES])
    lat = np.array([v.lat for v in VILLAGES])
    east_lon, east_lat, _ = GEOD.fwd(lon, lat, np.full(len(lon), 90.0), np.full(len(lon), OFFSET_E))
    tlon, tlat, _ = GEOD.fwd(east_lon, east_lat, np.zeros(len(lon)), np.full(len(lon), OFFSET_N))
    return pd.DataFrame({"code": [v.code for v in VILLAGES], "name": [v.survey_name for v in VILLAGES],
                         "lon": tlon, "lat": tlat})


def make_results(path: Path) -> Path:
    """A results GeoPackage with a ``villages`` layer (CGCS2000 GK CM 111°E) and a ``roads`` layer."""
    lonlat = gpd.GeoSeries(shapely.points([(v.lon, v.lat) for v in VILLAGES]), crs="EPSG:4490")
    villages = gpd.GeoDataFrame({
        "village_code": [v.code for v in VILLAGES], "name": [v.name for v in VILLAGES],
        "county_code": "150622", "town_code": "150622100"}, geometry=lonlat.to_crs(GK_111).array, crs=GK_111)
    pyogrio.write_dataframe(villages, path, layer="villages", driver="GPKG")
    roads = gpd.GeoDataFrame({"surface": ["沥青"]}, geometry=[shapely.LineString(
        villages.geometry.iloc[:2].map(lambda p: (p.x, p.y)).tolist())], crs=GK_111)
    pyogrio.write_dataframe(roads, path, layer="roads", driver="GPKG", append=True)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metres_apart(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                               np.asarray(lon2, float), np.asarray(lat2, float))[2])


def read_layer(gpkg: Path, layer: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(gpkg, layer=layer)


# --- writers: one per format; each returns the file written ------------------------------------


def write_gpx(path: Path) -> Path:
    t = truth()
    gpx = gpxpy.gpx.GPX()
    for r in t.itertuples():
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(r.lat, r.lon, elevation=1200.0, name=r.name))
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


def _dms(value: float, positive: str, negative: str) -> str:
    hemi = positive if value >= 0 else negative
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = (value - deg - minutes / 60) * 3600
    return f"{deg}°{minutes}'{seconds:.6f}\"{hemi}"


def _dms_cn(value: float) -> str:
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = (value - deg - minutes / 60) * 3600
    return f"{deg}度{minutes}分{seconds:.6f}秒"


def ovital_kml_text(with_codes: bool = True) -> str:
    """A KML as 奥维互动地图 exports it: GCJ-02 coordinates, folders, ExtendedData."""
    t = truth()
    glon, glat = datum.wgs84_to_gcj02(t["lon"].to_numpy(), t["lat"].to_numpy())
    marks = []
    for i, r in enumerate(t.itertuples()):
        ext = (f'<ExtendedData><Data name="村代码"><value>{r.code}</value></Data>'
               f'<Data name="调查人"><value>张三</value></Data></ExtendedData>') if with_codes and i % 2 == 0 else ""
        marks.append(f"<Placemark><name>{r.name}</name><description>入户调查</description>{ext}"
                     f"<Point><coordinates>{glon[i]:.9f},{glat[i]:.9f},0</coordinates></Point></Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- Created by Ovital Map 奥维互动地图 -->\n'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维互动地图</name>'
            f'<Folder><name>调查点</name>{"".join(marks)}</Folder></Document></kml>')


def write_kml(path: Path) -> Path:
    path.write_text(ovital_kml_text(), encoding="utf-8")
    return path


def write_kmz(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", ovital_kml_text(with_codes=False))
    return path


def write_gbk_csv(path: Path) -> Path:
    """GBK CSV with Chinese headers, latitude before longitude, DMS values in two notations."""
    t = truth()
    lines = ["村名,纬度,经度,备注"]
    for i, r in enumerate(t.itertuples()):
        lat = _dms(r.lat, "N", "S") if i % 2 else _dms_cn(r.lat)
        lon = _dms(r.lon, "E", "W") if i % 2 else _dms_cn(r.lon)
        lines.append(f"{r.name},{lat},{lon},入户调查")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def write_bd09_csv(path: Path) -> Path:
    """UTF-8 with BOM CSV of BD-09 positions whose headers say so (百度经度/百度纬度)."""
    import prcoords  # an independent BD-09 implementation (public domain), so a wrong formula here fails

    t = truth()
    bd = [prcoords.wgs_bd((lat, lon)) for lon, lat in zip(t["lon"], t["lat"], strict=True)]
    df = pd.DataFrame({"名称": t["name"], "百度经度": np.round([c.lon for c in bd], 9),
                       "百度纬度": np.round([c.lat for c in bd], 9)})
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_xlsx(path: Path) -> Path:
    """XLSX of CGCS2000 3° GK zone 37 metres, surveyors' convention: X = northing, Y = easting with zone."""
    t = truth()
    to_gk = Transformer.from_crs(4326, 4525, always_xy=True)
    east, north = to_gk.transform(t["lon"].to_numpy(), t["lat"].to_numpy())
    wb = Workbook()
    ws = wb.active
    ws.title = "调查点"
    ws.append(["序号", "名称", "村代码", "X", "Y"])
    for i, r in enumerate(t.itertuples()):
        ws.append([i + 1, r.name, r.code, round(float(north[i]), 4), round(float(east[i]), 4)])
    wb.save(path)
    return path


def _gdf(crs: str) -> gpd.GeoDataFrame:
    t = truth()
    pts = gpd.GeoSeries(shapely.points(t["lon"], t["lat"]), crs="EPSG:4326").to_crs(crs)
    return gpd.GeoDataFrame({"name": t["name"], "code": t["code"]}, geometry=pts.array, crs=crs)


def write_geojson(path: Path) -> Path:
    pyogrio.write_dataframe(_gdf("EPSG:4326"), path, driver="GeoJSON")
    return path


def write_gpkg(path: Path) -> Path:
    pyogrio.write_dataframe(_gdf("EPSG:32649"), path, layer="调查点", driver="GPKG")
    return path


def write_shapefile(path: Path) -> Path:
    gdf = _gdf("EPSG:4490").rename(columns={"name": "村名", "code": "村代码"})
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding="GBK")
    return path


WRITERS = {  # format → (writer, file name, expected datum label fragment)
    "gpx": (write_gpx, "waypoints.gpx", "WGS 84"),
    "kml": (write_kml, "ovital.kml", "GCJ-02"),
    "kmz": (write_kmz, "ovital.kmz", "GCJ-02"),
    "gbk_csv": (write_gbk_csv, "调查_gbk.csv", "WGS 84"),
    "bd09_csv": (write_bd09_csv, "baidu.csv", "BD-09"),
    "xlsx": (write_xlsx, "测量.xlsx", "EPSG:4525"),
    "geojson": (write_geojson, "points.geojson", "WGS 84"),
    "gpkg": (write_gpkg, "points.gpkg", "WGS 84"),
    "shp": (write_shapefile, "points.shp", "CGCS2000"),
}
