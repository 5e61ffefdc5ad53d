"""Chinese web-map datums: GCJ-02 (高德/腾讯/奥维, "火星坐标") and BD-09 (百度) to and from WGS 84.

GCJ-02 is WGS 84 plus a deliberate, smooth, position-dependent offset (a few hundred metres) that the
Chinese mapping regulations require of maps of mainland China; BD-09 adds Baidu's own rotation and
stretch on top of GCJ-02. Only the forward formulas are published, so the inverses here iterate the
forward transform until it reproduces the given point to 1e-9° (≈ 0.1 mm), far inside the 0.5 m
required for survey points.

Where the offset applies: points inside mainland China, taken from a real outline
(``data/china_outline/mainland.geojson``, derived by ``data/china_outline/build.py``). Hong Kong,
Macau and Taiwan are outside it, as in most implementations and in Gaode's and Baidu's own behaviour
for those areas. Points outside are returned unchanged by every function here, BD-09 included (Baidu's
maps outside China use WGS 84).

All functions accept scalars or arrays of longitudes and latitudes (degrees) and return float64
arrays of the broadcast shape.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import shapely

from .files import package_file

OUTLINE_PATH = package_file("data", "china_outline", "mainland.geojson")

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_E2 = 0.00669342162296594323
_BD_FACTOR = np.pi * 3000.0 / 180.0
_BD_DLON, _BD_DLAT = 0.0065, 0.006
Pair = tuple[np.ndarray, np.ndarray]
_TOL_DEG = 1e-9
_MAX_ITER = 30


@lru_cache(maxsize=1)
def china_outline() -> shapely.Geometry:
    """The mainland-China outline (MultiPolygon, degrees), prepared for fast point-in-polygon tests."""
    data = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))
    geom = shapely.from_geojson(json.dumps(data["features"][0]["geometry"]))
    shapely.prepare(geom)
    return geom


def in_china(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    """Whether points lie in mainland China, where GCJ-02 offsets apply.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees.

    Returns
    -------
    ndarray of bool
        True inside the mainland outline (Hainan and the coastal islands included; Hong Kong, Macau and
        Taiwan excluded). Non-finite coordinates are False.
    """
    lon, lat = _arrays(lon, lat)
    inside = np.zeros(lon.shape, dtype=bool)
    finite = np.isfinite(lon) & np.isfinite(lat)
    box = finite & (lon >= 73.0) & (lon <= 136.0) & (lat >= 3.0) & (lat <= 54.0)
    if box.any():
        inside[box] = shapely.contains_xy(china_outline(), lon[box], lat[box])
    return inside


def _arrays(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return lon_a.copy(), lat_a.copy()


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) added to a WGS 84 point."""
    x, y = lon - 105.0, lat - 35.0
    waves = 20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)
    d_north = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
               + (waves + 20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)
                  + 160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0)
    d_east = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
              + (waves + 20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)
                 + 150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0)
    phi = np.radians(lat)
    w = 1.0 - _KRASOVSKY_E2 * np.sin(phi) ** 2
    meridian_radius = _KRASOVSKY_A * (1.0 - _KRASOVSKY_E2) / (w * np.sqrt(w))
    normal_radius = _KRASOVSKY_A / np.sqrt(w)
    dlat = np.degrees(d_north / meridian_radius)
    dlon = np.degrees(d_east / (normal_radius * np.cos(phi)))
    return dlon, dlat


def _gcj_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _bd_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Baidu's rotation/stretch of a GCJ-02 point into BD-09."""
    radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_FACTOR)
    angle = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_FACTOR)
    return radius * np.cos(angle) + _BD_DLON, radius * np.sin(angle) + _BD_DLAT


def _invert(forward: Callable[[np.ndarray, np.ndarray], Pair], lon: np.ndarray, lat: np.ndarray) -> Pair:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration (the forward maps are near-translations)."""
    x, y = lon.copy(), lat.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        err = np.maximum(np.abs(ex), np.abs(ey))
        if not np.any(err[np.isfinite(err)] > _TOL_DEG):
            break
    return x, y


def _where_china(lon: np.ndarray, lat: np.ndarray, func: Callable[[np.ndarray, np.ndarray], Pair]) -> Pair:
    """Apply the forward ``func`` to the points whose WGS 84 position is in mainland China."""
    mask = in_china(lon, lat)
    if mask.any():
        lon[mask], lat[mask] = func(lon[mask], lat[mask])
    return lon, lat


def _unshift_china(lon: np.ndarray, lat: np.ndarray, forward: Callable[[np.ndarray, np.ndarray], Pair]) -> Pair:
    """Invert ``forward`` where the *solution* lies in mainland China, so round trips hold up to the border.

    Within a few hundred metres outside the border a shifted position can be read either way; there
    the shifted reading is chosen when it falls inside China.
    """
    finite = np.isfinite(lon) & np.isfinite(lat)
    x, y = lon.copy(), lat.copy()
    x[finite], y[finite] = _invert(forward, lon[finite], lat[finite])
    use = in_china(x, y)
    return np.where(use, x, lon), np.where(use, y, lat)


def _bd_from_wgs(lon: np.ndarray, lat: np.ndarray) -> Pair:
    return _bd_forward(*_gcj_forward(lon, lat))


def wgs84_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS 84 longitude/latitude to GCJ-02 (points outside mainland China unchanged).

    Parameters
    ----------
    lon, lat : array_like
        WGS 84 degrees.

    Returns
    -------
    (ndarray, ndarray)
        GCJ-02 longitude and latitude.
    """
    return _where_china(*_arrays(lon, lat), _gcj_forward)


def gcj02_to_wgs84(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude to WGS 84 by iterating the forward transform (error < 1e-9°).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees.

    Returns
    -------
    (ndarray, ndarray)
        WGS 84 longitude and latitude; points outside mainland China unchanged.
    """
    return _unshift_china(*_arrays(lon, lat), _gcj_forward)


def wgs84_to_bd09(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS 84 longitude/latitude to BD-09 (GCJ-02, then Baidu's step; unchanged outside mainland China).

    Parameters
    ----------
    lon, lat : array_like
        WGS 84 degrees.

    Returns
    -------
    (ndarray, ndarray)
        BD-09 longitude and latitude.
    """
    return _where_china(*_arrays(lon, lat), _bd_from_wgs)


def bd09_to_wgs84(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 longitude/latitude to WGS 84 by iterating the forward transform (error < 1e-9°).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    (ndarray, ndarray)
        WGS 84 longitude and latitude; points outside mainland China unchanged.
    """
    return _unshift_china(*_arrays(lon, lat), _bd_from_wgs)


def to_wgs84(datum: str, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert from ``datum`` (``"wgs84"``, ``"cgcs2000"``, ``"gcj02"`` or ``"bd09"``) to WGS 84.

    CGCS2000 and WGS 84 agree to a few centimetres, so CGCS2000 degrees are returned unchanged.

    Raises
    ------
    ValueError
        For any other datum name.
    """
    converters = {"wgs84": _arrays, "cgcs2000": _arrays, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
    if datum not in converters:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(converters)}")
    return converters[datum](lon, lat)
