"""Levels of detail of the roads on the web map, so that a whole region stays light (``map.html``).

Above :data:`LOD_MIN_ROADS` road segments, two levels, both in the same file (fewer roads: every road at
every zoom, as the detail level):

* **region view** (zoom below :data:`DETAIL_ZOOM`): the hardened roads and the major grades
  (:data:`MAJOR_GRADES`, any surface), joined end to end per legend class and simplified to
  :data:`OVERVIEW_SIMPLIFY_M`;
* **full detail** (zoom :data:`DETAIL_ZOOM` and closer, about one county across the screen): every road,
  simplified to :data:`DETAIL_SIMPLIFY_M`, cut into square tiles of :data:`TILE_M` metres (in the metric CRS
  of the roads) by the first vertex of each road; the page decodes a tile only when it first comes into view.

Each chunk (one legend class of one tile) travels as two integer streams (:mod:`.webmap_pack`): the vertex
count of each line, and every vertex as the zig-zag difference from the previous one in units of ``unit``
millionths of a degree (the first vertex of a chunk from the page's origin): :data:`UNIT` (about 1 m) in the
tiles, :data:`OVERVIEW_UNIT` (about 10 m, a fifteenth of a pixel where the region view is drawn) in the
region view. Villages, seats, facilities and county outlines are not thinned: they are drawn at every zoom.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ..base.legend import OVERVIEW_SIMPLIFY_M, major_roads
from .pack import pack_groups, zigzag

#: From this zoom on the map draws every road (at zoom 10 the screen spans about 150 km: a county).
DETAIL_ZOOM = 10
#: Up to this many road segments the map draws every road at every zoom (one level, as a county map).
LOD_MIN_ROADS = 100_000
#: Side of a detail tile in metres (about half a degree).
TILE_M = 50_000.0
#: Simplification of the full-detail roads (metres).
DETAIL_SIMPLIFY_M = 5.0
#: Full-detail road vertices are stored in units of UNIT × 1e-6 degree (about 1 m).
UNIT = 10
#: Region-view road vertices in units of 1e-4 degree (8 to 11 m; at zoom 9.5, the closest region view, a
#: pixel is about 160 m in Inner Mongolia).
OVERVIEW_UNIT = 100
def road_levels(gdf: gpd.GeoDataFrame, cls: np.ndarray, hardened: np.ndarray, origin: tuple[int, int],
                gcj02: bool, lang: int, min_roads: int = LOD_MIN_ROADS) -> dict:
    """The roads of a run as the two levels the page draws.

    Parameters
    ----------
    gdf : GeoDataFrame
        The ``roads`` layer (any CRS; projected ones are simplified in place, others in their UTM zone).
    cls : ndarray of int
        Legend class of each road.
    hardened : ndarray of bool
    origin : (int, int)
        The page's origin in millionths of a degree.
    gcj02 : bool
        Shift the vertices to GCJ-02 (as the other layers are).
    lang : int
        0 Chinese, 1 English (the note on what is drawn at which zoom).
    min_roads : int
        With at most this many roads there is one level: every road at every zoom.

    Returns
    -------
    dict
        ``detail_zoom``, ``overview`` and ``tiles`` (lists of chunks: ``cls``, ``bbox`` in the page's integer
        coordinates, ``unit``, ``counts`` and ``deltas`` streams), ``overview_roads`` and ``note``.
    """
    metric = gdf.crs if gdf.crs.is_projected else gdf.estimate_utm_crs()
    lines = _Lines(gdf.geometry.to_crs(metric).array)
    ok = lines.counts >= 2
    cls = np.asarray(cls, np.int64)
    n_cls = int(cls.max()) + 1 if len(cls) else 1
    pack = _Packer(lines, Transformer.from_crs(metric, 4326, always_xy=True), origin, gcj02)
    tiles = pack.chunks(np.flatnonzero(ok), (lines.tile() * n_cls + cls)[ok], n_cls, DETAIL_SIMPLIFY_M, UNIT)
    if ok.sum() <= min_roads:
        return {"detail_zoom": 0, "overview": [], "tiles": tiles, "overview_roads": 0,
                "note": lod_note(None, int(ok.sum()), lang)}
    over = ok & (hardened | major_roads(gdf))
    overview = pack.chunks(np.flatnonzero(over), cls[over], n_cls, OVERVIEW_SIMPLIFY_M, OVERVIEW_UNIT)
    return {"detail_zoom": DETAIL_ZOOM, "overview": overview, "tiles": tiles,
            "overview_roads": int(over.sum()), "note": lod_note(int(over.sum()), int(ok.sum()), lang)}


def lod_note(n_overview: int | None, n_roads: int, lang: int) -> str:
    """The legend line saying which roads are drawn at which zoom (``n_overview`` None: one level)."""
    if n_overview is None:
        return (f"全部 {n_roads:,} 段道路各级都画（简化至 {DETAIL_SIMPLIFY_M:g} 米）。",
                f"All {n_roads:,} road segments at every zoom (simplified to {DETAIL_SIMPLIFY_M:g} m).")[lang]
    if lang == 0:
        return (f"道路分级显示：缩放 {DETAIL_ZOOM} 级以下（区域视图）只画硬化路和国省县乡道 {n_overview:,} 段"
                f"（简化至 {OVERVIEW_SIMPLIFY_M:g} 米）；放大到 {DETAIL_ZOOM} 级及以上（约一个旗县）画全部 "
                f"{n_roads:,} 段道路。旗县、驻地、设施和全部村庄各级都画。")
    return (f"Roads by zoom: below zoom {DETAIL_ZOOM} (region view) only the hardened roads and the national to "
            f"township roads, {n_overview:,} segments simplified to {OVERVIEW_SIMPLIFY_M:g} m; from zoom "
            f"{DETAIL_ZOOM} on (about one county) all {n_roads:,} segments. Counties, seats, facilities and every "
            "village are drawn at every zoom.")


class _Lines:
    """The vertices of every road, read once (in metres): ``xy``, and per road ``first`` and ``counts``."""

    def __init__(self, geoms: np.ndarray):
        self.xy, owner = shapely.get_coordinates(geoms, return_index=True)
        self.counts = np.bincount(owner, minlength=len(geoms))
        self.first = np.r_[0, np.cumsum(self.counts)[:-1]]

    def tile(self) -> np.ndarray:
        """Tile number of each road from its first vertex (any number for roads without vertices)."""
        if len(self.xy) == 0:
            return np.zeros(len(self.counts), np.int64)
        t = np.floor(self.xy[np.minimum(self.first, len(self.xy) - 1)] / TILE_M).astype(np.int64)
        t -= t.min(axis=0)
        return t[:, 0] * (int(t[:, 1].max()) + 1) + t[:, 1]

    def chains(self, roads: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Roads joined where one starts exactly where the one before it (in the given order, same key) ends.

        Roads cut into segments usually come in order along each road; joining them in numpy is much faster
        than a general line merge and removes the repeated end vertices before simplification.

        Parameters
        ----------
        roads : ndarray of int
            Road numbers in the order to join (each with at least two vertices).
        key : ndarray of int
            Group of each; roads of different groups are never joined.

        Returns
        -------
        (xy, line_of_vertex, key)
            The vertices of the joined lines, one line after another, the line of each vertex and the key
            of each line.
        """
        counts = self.counts[roads]
        first = np.r_[0, np.cumsum(counts)[:-1]]
        vertex = np.repeat(self.first[roads] - first, counts) + np.arange(int(counts.sum()))
        xy = self.xy[vertex]
        last = first + counts - 1
        cont = np.zeros(len(roads), bool)
        cont[1:] = (key[1:] == key[:-1]) & np.all(xy[first[1:]] == xy[last[:-1]], axis=1)
        line_of = np.repeat(np.cumsum(~cont) - 1, counts)
        keep = np.ones(len(xy), bool)
        keep[first[cont]] = False
        return xy[keep], line_of[keep], key[~cont]


def simplified(xy: np.ndarray, line_of: np.ndarray, n_lines: int, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Lines (vertices ``xy`` in line order, ``line_of`` each vertex's line) simplified (Douglas–Peucker).

    A two-vertex line is its own simplification: only longer lines become shapely geometries (on a mesh of
    two-point segments, none do).

    Returns
    -------
    (xy, line_of)
        The simplified lines' vertices, in line order, and the line of each.
    """
    counts = np.bincount(line_of, minlength=n_lines)
    long = counts > 2
    if not long.any():
        return xy, line_of
    on_long = long[line_of]
    long_id = np.cumsum(long) - 1
    simple = shapely.simplify(shapely.linestrings(xy[on_long], indices=long_id[line_of[on_long]]), tolerance_m,
                              preserve_topology=False)
    s_xy, s_of = shapely.get_coordinates(simple, return_index=True)
    new_counts = counts.copy()
    new_counts[long] = np.bincount(s_of, minlength=int(long.sum()))
    out_of = np.repeat(np.arange(n_lines), new_counts)
    out = np.empty((len(out_of), 2))
    from_long = long[out_of]
    out[from_long] = s_xy
    out[~from_long] = xy[~on_long]
    return out, out_of


#: Roads merged, simplified and encoded at a time (whole chunks; bounds the export's memory at region scale).
BATCH_ROADS = 250_000


class _Packer:
    """Merges, simplifies and encodes groups of roads into the page's chunks."""

    def __init__(self, lines: _Lines, to_lonlat: Transformer, origin: tuple[int, int], gcj02: bool):
        self.lines = lines
        self.to_lonlat = to_lonlat
        self.origin = origin
        self.gcj02 = gcj02

    def chunks(self, roads: np.ndarray, key: np.ndarray, n_cls: int, tolerance_m: float, unit: int) -> list[dict]:
        """One chunk per distinct ``key`` of ``roads`` (class = key mod ``n_cls``): its roads joined end to end,
        simplified to ``tolerance_m`` and stored in units of ``unit`` millionths of a degree.
        """
        if len(roads) == 0:
            return []
        order = np.argsort(key, kind="stable")
        roads, key = roads[order], key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])  # where each key's roads begin
        out: list[dict] = []
        begin = 0
        while begin < len(roads):  # whole keys at a time, about BATCH_ROADS roads: a region's roads in a few
            after = starts[starts > begin]
            fit = after[after <= begin + BATCH_ROADS]
            end = int(fit[-1]) if len(fit) else int(after[0]) if len(after) else len(roads)
            out += self._batch(roads[begin:end], key[begin:end], n_cls, tolerance_m, unit)
            begin = end
        return out

    def _batch(self, roads: np.ndarray, key: np.ndarray, n_cls: int, tolerance_m: float, unit: int) -> list[dict]:
        """The chunks of roads sorted by key, every road of each key among them."""
        xy, line_of, line_key = self.lines.chains(roads, key)
        keys, group = np.unique(line_key, return_inverse=True)
        xy, line_of = simplified(xy, line_of, len(line_key), tolerance_m)
        drawn = np.bincount(line_of, minlength=len(line_key)) >= 2
        on_drawn = drawn[line_of]
        xy, line_of_vertex = xy[on_drawn], (np.cumsum(drawn) - 1)[line_of[on_drawn]]
        lon, lat = self.to_lonlat.transform(xy[:, 0], xy[:, 1])
        lon, lat = np.asarray(lon), np.asarray(lat)
        if self.gcj02:
            from ..base.datum import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(lon, lat)
        qx = np.rint((lon * 1e6 - self.origin[0]) / unit).astype(np.int64)
        qy = np.rint((lat * 1e6 - self.origin[1]) / unit).astype(np.int64)
        return self._encode(keys % n_cls, group[drawn], line_of_vertex, qx, qy, unit)

    @staticmethod
    def _encode(cls: np.ndarray, chunk_of_part: np.ndarray, part_of_vertex: np.ndarray, qx: np.ndarray,
                qy: np.ndarray, unit: int) -> list[dict]:
        """The chunks as streams (``chunk_of_part``: the chunk of each line, in order)."""
        n_chunks = len(cls)
        chunk_of_vertex = chunk_of_part[part_of_vertex]
        v_start = np.searchsorted(chunk_of_vertex, np.arange(n_chunks + 1))
        d = np.column_stack([qx, qy])
        d[1:] -= np.column_stack([qx[:-1], qy[:-1]])
        firsts = v_start[:-1][v_start[:-1] < len(qx)]
        d[firsts] = np.column_stack([qx[firsts], qy[firsts]])
        counts = np.bincount(part_of_vertex, minlength=len(chunk_of_part))
        deltas = pack_groups(zigzag(d.ravel()), np.repeat(chunk_of_vertex, 2), n_chunks)
        sizes = pack_groups(counts, chunk_of_part, n_chunks)
        out = []
        for c in range(n_chunks):
            a, b = v_start[c], v_start[c + 1]
            if a == b:
                continue
            out.append({"cls": int(cls[c]), "unit": unit,
                        "bbox": [int(qx[a:b].min()) * unit, int(qy[a:b].min()) * unit,
                                 int(qx[a:b].max()) * unit, int(qy[a:b].max()) * unit],
                        "counts": sizes[c], "deltas": deltas[c]})
        return out
