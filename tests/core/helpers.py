"""Builders of tiny hand-made layers for the core tests (coordinates in metres in a GK zone)."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point

GK_111 = "EPSG:4546"  # CGCS2000 3-degree Gauss-Kruger CM 111E: scale factor 1 on the central meridian
X0, Y0 = 500000.0, 4400000.0  # on the central meridian, about 39.7°N


def roads(*lines: tuple[list[tuple[float, float]], str], crs: str = GK_111) -> gpd.GeoDataFrame:
    """Roads from ``([(x_km, y_km), ...], surface)`` pairs, coordinates relative to (X0, Y0) in km."""
    geoms = [LineString([(X0 + x * 1000, Y0 + y * 1000) for x, y in pts]) for pts, _ in lines]
    return gpd.GeoDataFrame({"surface": [s for _, s in lines]}, geometry=geoms, crs=crs)


def points(rows: list[dict], crs: str = GK_111) -> gpd.GeoDataFrame:
    """Point layer from dicts with ``x``/``y`` in km relative to (X0, Y0) plus attributes."""
    geoms = [Point(X0 + r["x"] * 1000, Y0 + r["y"] * 1000) for r in rows]
    attrs = [{k: v for k, v in r.items() if k not in ("x", "y")} for r in rows]
    return gpd.GeoDataFrame(attrs, geometry=geoms, crs=crs)


def village(code: str, x: float, y: float, **kw) -> dict:
    """One village row with sensible defaults (in scope, administrative, 500 people)."""
    row = {"village_code": code, "name": f"村{code}", "county_code": "150622", "town_code": "t1",
           "population": 500, "households": 150, "village_class": "集聚提升类", "is_admin_village": 1,
           "x": x, "y": y}
    row.update(kw)
    return row


def town(code: str, x: float, y: float, seat: int = 0) -> dict:
    """One township seat row."""
    return {"town_code": code, "name": f"镇{code}", "county_code": "150622", "is_county_seat": seat, "x": x, "y": y}


def facility(kind: str, x: float, y: float) -> dict:
    """One facility row."""
    return {"facility_type": kind, "name": kind, "x": x, "y": y}
