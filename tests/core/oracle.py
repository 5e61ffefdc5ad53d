"""An independent road-network oracle for the bundled sample: every distance column recomputed from the
input file with networkx and pyproj.Geod, sharing no code with ``ruralenv.core.network`` or the stages.

What it does on its own, following the product's *definitions* (docs/manual/methods.md, roads-and-capacity.md):

- reads the roads as stored (longitude/latitude) and measures every segment with :meth:`pyproj.Geod.inv`
  (the product uses a radius-of-curvature formula for short segments: a different computation);
- nodes the roads itself: every vertex is a networkx node joined to the next vertex of its line; line ends and
  vertices two lines share (same stored coordinate) are junction candidates, and candidates within
  ``node_tolerance_m`` of each other (in the run's metric CRS, transitively) are joined by 0-metre edges;
  lines with no length are left out;
- snaps a point to the nearest point of the nearest road line (projected plane, the run's metric CRS, as the
  product does), measures the point's distance to the road on the ellipsoid (Geod between the point and its
  foot, both taken back to longitude/latitude), and joins the foot to the two ends of its segment by their
  geodesic distances; points on the same segment also reach each other directly along it;
- islands, hardened components, seats, access and the paving and Class III gaps from those.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

GEOD = Geod(ellps="GRS80")  # CGCS2000 uses the GRS80 ellipsoid's a and f
#: Surfaces of the sample's roads (docs/manual/methods.md): hardened or not. Any other value stops the oracle.
SURFACE_HARDENED = {"沥青": True, "水泥": True, "砂石": False, "土路": False}


@dataclass(frozen=True)
class Foot:
    """Where a point meets a road: line ``line``, segment ``seg`` (vertex ``seg`` to ``seg + 1``), the foot's
    geodesic metres to those two vertices, the point's geodesic metres to the road and the foot in lon/lat.
    """

    line: int
    seg: int
    to_start: float
    to_end: float
    dist_m: float
    lonlat: tuple[float, float]


class SampleOracle:
    """The road graph of a roads layer, built with networkx only.

    Parameters
    ----------
    roads_lonlat : GeoDataFrame
        The roads as stored (EPSG:4490), with ``surface`` and optionally ``class3``/``unknown_grade`` flags.
    crs : pyproj.CRS
        The run's metric CRS (for snapping and the node tolerance, as the product).
    node_tolerance_m : float
    """

    def __init__(self, roads_lonlat: gpd.GeoDataFrame, crs: CRS, node_tolerance_m: float = 1.0):
        self.crs = CRS(crs)
        self.to_ll = Transformer.from_crs(self.crs, roads_lonlat.crs, always_xy=True)
        self.to_xy = Transformer.from_crs(roads_lonlat.crs, self.crs, always_xy=True)
        surfaces = set(roads_lonlat["surface"])
        assert surfaces <= set(SURFACE_HARDENED), surfaces - set(SURFACE_HARDENED)
        self.hardened = np.array([SURFACE_HARDENED[s] for s in roads_lonlat["surface"]])
        self.lonlat = [np.asarray(g.coords) for g in roads_lonlat.geometry]
        self.xy = [np.column_stack(self.to_xy.transform(c[:, 0], c[:, 1])) for c in self.lonlat]
        # a line with fewer than two distinct vertices has no length and is not a road
        self.usable = np.array([len(np.unique(c, axis=0)) >= 2 for c in self.lonlat])
        self.seg_m = [GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])[2] for c in self.lonlat]
        self.lines = np.array([shapely.LineString(c) for c in self.xy], dtype=object)
        self.graph = self._build(node_tolerance_m)
        self._segments: dict[int, np.ndarray] = {}

    # --- the graph --------------------------------------------------------------------------------------
    def _build(self, tol: float) -> nx.Graph:
        g = nx.Graph()
        for i in np.flatnonzero(self.usable):
            for j, metres in enumerate(self.seg_m[i]):
                g.add_edge((i, j), (i, j + 1), length=float(metres), hardened=bool(self.hardened[i]), line=int(i))
        at: dict[tuple[float, float], list[tuple[int, int]]] = defaultdict(list)
        for i in np.flatnonzero(self.usable):
            for j, (lon, lat) in enumerate(self.lonlat[i]):
                at[(lon, lat)].append((int(i), j))
        candidates = set()
        for i in np.flatnonzero(self.usable):
            candidates |= {(int(i), 0), (int(i), len(self.lonlat[i]) - 1)}
        for keys in at.values():
            if len({k[0] for k in keys}) > 1:  # a vertex two lines share
                candidates |= set(keys)
        cand = sorted(candidates)
        pts = shapely.points([self.xy[i][j] for i, j in cand])
        a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=tol)
        for p, q in zip(a, b, strict=True):
            if p < q:
                g.add_edge(cand[p], cand[q], length=0.0, hardened=None, line=-1)
        for keys in at.values():  # the same stored position is one place, whatever the tolerance
            for k in keys[1:]:
                if k in candidates and keys[0] in candidates:
                    g.add_edge(keys[0], k, length=0.0, hardened=None, line=-1)
        return g

    def component_of(self) -> dict:
        """Node → id of its connected component (any road)."""
        return {n: k for k, comp in enumerate(nx.connected_components(self.graph)) for n in comp}

    def class_components(self, line_ok: np.ndarray) -> dict:
        """Node → component through edges of lines with ``line_ok`` (and 0-metre junctions) only."""
        keep = [(u, v) for u, v, d in self.graph.edges(data=True) if d["line"] < 0 or line_ok[d["line"]]]
        sub = nx.Graph(keep)
        return {n: k for k, comp in enumerate(nx.connected_components(sub)) for n in comp}

    # --- snapping ---------------------------------------------------------------------------------------
    def _segs(self, i: int) -> np.ndarray:
        if i not in self._segments:
            c = self.xy[i]
            self._segments[i] = shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1))
        return self._segments[i]

    def foot(self, lon: float, lat: float, line_ok: np.ndarray | None = None, max_m: float = np.inf) -> Foot | None:
        """Nearest road (among ``line_ok``) of a point given in lon/lat, or None beyond ``max_m`` ground metres."""
        ok = self.usable if line_ok is None else self.usable & line_ok
        x, y = self.to_xy.transform(lon, lat)
        pt = shapely.Point(x, y)
        d = np.full(len(self.lines), np.inf)
        d[ok] = shapely.distance(self.lines[ok], pt)
        i = int(np.argmin(d))
        if not np.isfinite(d[i]):
            return None
        with np.errstate(invalid="ignore"):  # a repeated vertex makes a segment of no length: GEOS gives NaN
            j = int(np.argmin(np.nan_to_num(shapely.distance(self._segs(i), pt), nan=np.inf)))
        seg = self._segs(i)[j]
        fx, fy = shapely.get_coordinates(shapely.line_interpolate_point(seg, shapely.line_locate_point(seg, pt)))[0]
        flon, flat = self.to_ll.transform(fx, fy)
        dist = float(GEOD.inv(lon, lat, flon, flat)[2])
        if dist > max_m:
            return None
        c = self.lonlat[i]
        to_start = float(GEOD.inv(flon, flat, c[j, 0], c[j, 1])[2])
        to_end = float(GEOD.inv(flon, flat, c[j + 1, 0], c[j + 1, 1])[2])
        return Foot(i, j, to_start, to_end, dist, (flon, flat))

    # --- searches ---------------------------------------------------------------------------------------
    def piece(self, line: int) -> dict:
        """The attributes of one metre of road line ``line`` (what a weight function is given)."""
        return {"length": 1.0, "hardened": bool(self.hardened[line]), "line": line}

    def search(self, sources: Iterable[Foot | tuple[int, int]],
               weight: Callable[[dict], float] | None = None, paths: bool = False) -> Any:
        """Metres (or ``weight``) from the nearest source to every node; sources are feet or graph nodes.
        With ``paths``: (metres, path from the search's start ``"S"`` to each node).
        """
        weight = weight or (lambda d: d["length"])
        g = self.graph
        g.add_node("S")
        try:
            for s in sources:
                if isinstance(s, Foot):
                    w = weight(self.piece(s.line))
                    for node, piece in (((s.line, s.seg), s.to_start), ((s.line, s.seg + 1), s.to_end)):
                        old = g.edges[("S", node)]["w"] if g.has_edge("S", node) else np.inf
                        g.add_edge("S", node, w=min(old, w * piece))
                else:
                    g.add_edge("S", s, w=0.0)
            def w(u: Any, v: Any, d: dict) -> float:
                return d["w"] if "w" in d else weight(d)

            if paths:
                return nx.single_source_dijkstra(g, "S", weight=w)
            return nx.single_source_dijkstra_path_length(g, "S", weight=w)
        finally:
            g.remove_node("S")

    def at_foot(self, dist: dict, foot: Foot, sources: Iterable[Foot] = (),
                weight: Callable[[dict], float] | None = None) -> float:
        """Distance of a search at a point's foot (through its segment's ends, or along the segment from a
        source foot on the same segment).
        """
        rate = (weight or (lambda d: d["length"]))(self.piece(foot.line))
        best = min(dist.get((foot.line, foot.seg), np.inf) + rate * foot.to_start,
                   dist.get((foot.line, foot.seg + 1), np.inf) + rate * foot.to_end)
        for s in sources:
            if (s.line, s.seg) == (foot.line, foot.seg):
                best = min(best, rate * float(GEOD.inv(*s.lonlat, *foot.lonlat)[2]))
        return best
