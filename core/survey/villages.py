"""The villages of RESULTS.gpkg as a lookup: by code, by normalised name and by distance.

The villages layer also defines the study area (its extent plus :data:`STUDY_MARGIN_M`) and the metric
CRS in which survey points are stored and distances measured.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from ..base.crs import choose_metric_crs, gk3_epsg, utm_epsg
from .safety import refuse

STUDY_MARGIN_M = 10_000.0
VILLAGES_LAYER = "villages"

#: Suffixes dropped when comparing village names (longest first).
NAME_SUFFIXES = ("村民委员会", "居民委员会", "嘎查委员会", "村委会", "居委会", "自然村", "行政村", "社区", "嘎查",
                 "村", "社", "组")
_PUNCT = re.compile(r"[\s()（）\[\]【】·.,，、'\"“”-]+")


def normalise_name(name: object) -> str:
    """A village name reduced for comparison: full-width folded, no spaces or brackets, suffixes dropped.

    Examples
    --------
    >>> normalise_name("沙圪堵村委会"), normalise_name("纳日松 嘎查"), normalise_name("新民社")
    ('沙圪堵', '纳日松', '新民')
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", str(name))).lower()
    changed = True
    while changed:
        changed = False
        for suffix in NAME_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
    return text


@dataclass
class VillageIndex:
    """Villages of a results GeoPackage, ready for matching.

    Attributes
    ----------
    crs : pyproj.CRS
        Metric CRS of the villages layer (survey points are stored in it).
    xy : ndarray, shape (n, 2)
        Village positions in ``crs``.
    codes, names : ndarray of object
        ``village_code`` and ``name`` per village.
    bounds : tuple
        Study area in ``crs``: villages' extent grown by :data:`STUDY_MARGIN_M`.
    """

    crs: CRS
    xy: np.ndarray
    codes: np.ndarray
    names: np.ndarray
    bounds: tuple[float, float, float, float]
    tree: cKDTree = field(repr=False)
    by_code: dict[str, int] = field(repr=False)
    by_name: dict[str, list[int]] = field(repr=False)
    _to_metric: Transformer = field(repr=False)
    _to_lonlat: Transformer = field(repr=False)

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS 84 degrees → metric ``crs``."""
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def unproject(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metric ``crs`` → WGS 84 degrees."""
        lon, lat = self._to_lonlat.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def contains_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether metric points lie in the study area."""
        minx, miny, maxx, maxy = self.bounds
        return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)

    def contains_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether WGS 84 points lie in the study area (False for impossible or missing values)."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        out = np.zeros(lon.shape, dtype=bool)
        if ok.any():
            x, y = self.project(lon[ok], lat[ok])
            out[ok] = self.contains_xy(x, y)
        return out

    def nearest(self, x: np.ndarray, y: np.ndarray, radius: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) to and index of the nearest village; ``inf`` and ``-1`` beyond ``radius``."""
        dist, idx = self.tree.query(np.column_stack([x, y]), distance_upper_bound=radius)
        idx = np.where(np.isfinite(dist), idx, -1)
        return np.asarray(dist, dtype=np.float64), idx.astype(np.int64)

    def centre_lonlat(self) -> tuple[float, float]:
        """WGS 84 centre of the villages' extent."""
        minx, miny, maxx, maxy = self.bounds
        lon, lat = self.unproject(np.array([(minx + maxx) / 2]), np.array([(miny + maxy) / 2]))
        return float(lon[0]), float(lat[0])

    def metric_candidates(self) -> list[tuple[CRS, str]]:
        """Projected CRSs a file of metres without a zone number may be in, most likely first."""
        lon, lat = self.centre_lonlat()
        cm6 = min(max(int(np.floor(lon / 6.0)) * 6 + 3, 75), 135)
        epsgs = [(self.crs.to_epsg(), "the villages layer's CRS"),
                 (gk3_epsg(lon), "CGCS2000 3° Gauss-Krüger zone at the villages"),
                 (4502 + (cm6 - 75) // 6, "CGCS2000 6° Gauss-Krüger zone at the villages"),
                 (utm_epsg(lon, lat), "WGS 84 UTM zone at the villages")]
        seen, out = set(), []
        for epsg, why in epsgs:
            if epsg and epsg not in seen:
                seen.add(epsg)
                out.append((CRS.from_epsg(epsg), why))
        return out


def load_villages(gpkg: Path) -> VillageIndex:
    """Read the ``villages`` layer of a results GeoPackage into a :class:`VillageIndex`.

    Raises
    ------
    InputError
        When the GeoPackage, its villages layer, its CRS or the village_code/name fields are missing.
    """
    if not gpkg.is_file():
        raise refuse(gpkg, "results GeoPackage does not exist; run the analysis first (ruralenv run/demo)")
    try:
        names = [str(n) for n in pyogrio.list_layers(gpkg)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise refuse(gpkg, f"cannot be read as a GeoPackage ({str(exc).strip().splitlines()[0]})") from None
    if VILLAGES_LAYER not in names:
        raise refuse(gpkg, f"has no '{VILLAGES_LAYER}' layer (layers: {', '.join(names)})")
    info = pyogrio.read_info(gpkg, layer=VILLAGES_LAYER)
    missing = [f for f in ("village_code", "name") if f not in list(info["fields"])]
    if missing:
        raise refuse(gpkg, f"villages layer lacks field(s) {', '.join(missing)}")
    gdf = pyogrio.read_dataframe(gpkg, layer=VILLAGES_LAYER, columns=["village_code", "name"])
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if gdf.crs is None or gdf.empty:
        raise refuse(gpkg, "villages layer has no CRS or no village with a position")
    crs = gdf.crs
    if crs.is_geographic:
        gdf = gdf.to_crs(choose_metric_crs(tuple(gdf.total_bounds)))
        crs = gdf.crs
    pts = shapely.get_coordinates(shapely.centroid(gdf.geometry.array))
    minx, miny = pts.min(axis=0) - STUDY_MARGIN_M
    maxx, maxy = pts.max(axis=0) + STUDY_MARGIN_M
    codes = gdf["village_code"].map(lambda v: None if pd.isna(v) else str(v).strip()).to_numpy(dtype=object)
    vnames = gdf["name"].to_numpy(dtype=object)
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(vnames):
        key = normalise_name(name)
        if key:
            by_name.setdefault(key, []).append(i)
    return VillageIndex(
        crs=crs, xy=pts, codes=codes, names=vnames, bounds=(minx, miny, maxx, maxy), tree=cKDTree(pts),
        by_code={c: i for i, c in enumerate(codes) if c}, by_name=by_name,
        _to_metric=Transformer.from_crs(4326, crs, always_xy=True),
        _to_lonlat=Transformer.from_crs(crs, 4326, always_xy=True))
