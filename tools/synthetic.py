"""A deterministic synthetic Inner Mongolia for benchmarks: counties → township seats → villages → roads.

Everything is drawn from one seeded generator with numpy, so the region (about 1 000 township seats,
11 000 administrative and 50 000 natural villages, over a million road segments) is generated in
seconds. County outlines are the real ones of ``data/region/inner_mongolia_counties.gpkg`` when that
file exists, else a grid of rectangles over the region's extent.

Roads follow the administrative hierarchy: 县道 join county seats to each other and to their township
seats, 乡道 join administrative villages to their township seat, 村道 join natural villages to their
administrative village, and 机耕路 add loops between neighbouring natural villages and dead-end tracks
into the pasture. Every road is cut into short segments whose ends coincide exactly with the ends of
the next segment and with the nodes they join.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

from ..core.base.files import package_file

COUNTIES_GPKG = package_file("data", "region", "inner_mongolia_counties.gpkg")
GEOGRAPHIC = CRS.from_epsg(4490)
#: Equal-area working CRS for generation (km-accurate everywhere in the region).
WORK_CRS = CRS.from_proj4("+proj=aea +lat_0=40 +lat_1=38 +lat_2=50 +lon_0=112 +ellps=GRS80 +units=m +no_defs")

#: Whole-region totals; a scale takes a fraction of them.
REGION_TOTALS = {"towns": 1000, "admin_villages": 11000, "natural_villages": 50000, "segments": 1_000_000,
                 "mines": 1200}
SCALES = {"few": 0.004, "county": 0.01, "league": 0.1, "region": 1.0, "china": 10.0}
#: Name of the mesh input (:func:`generate_mesh_region`) where a scale is expected.
MESH_SCALE = "region-mesh"
#: Counties of the ``few`` scale (a handful of neighbours: small tests of partitioned runs).
FEW_COUNTIES = 4

#: Per road grade: probability that a whole road is hardened, its hardened and unpaved surfaces (with weights).
GRADES = {
    "县道": (1.00, {"沥青": 1.0}, {"砂石": 1.0}),
    "乡道": (0.95, {"沥青": 0.4, "水泥": 0.6}, {"砂石": 0.8, "土路": 0.2}),
    "村道": (0.85, {"水泥": 1.0}, {"砂石": 0.6, "土路": 0.4}),
    "机耕路": (0.03, {"水泥": 1.0}, {"土路": 0.7, "砂石": 0.3}),
}
#: Chance that one segment of a hardened 乡道/村道 is an unpaved gap.
GAP_SEGMENT_SHARE = 0.001
VILLAGE_CLASSES = {"集聚提升类": 0.60, "城郊融合类": 0.14, "特色保护类": 0.15, "搬迁撤并类": 0.07, "空心村": 0.04}
NAME_HEADS = np.array(["巴彦", "乌兰", "哈日", "宝力", "查干", "额尔", "阿拉", "呼和", "达来", "新发",
                       "红旗", "太平", "永兴", "东风", "德胜", "沙巴", "图门", "朝阳", "锡林", "白音"])
NAME_TAILS = np.array(["淖尔", "敖包", "塔拉", "格日", "胡都", "希勒", "温都", "浩特", "营子", "沟门",
                       "台子", "召", "井", "河", "屯", "滩", "梁", "湾", "庙", "图"])


@dataclass
class SyntheticRegion:
    """The generated input layers (EPSG:4490) and what they were made from.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        ``counties``, ``towns``, ``villages``, ``roads``, ``facilities``, ``mines``.
    counties_source : str
        Where the county outlines came from (the real file, or a synthetic grid and why).
    scale : str
    seed : int
    """

    layers: dict[str, gpd.GeoDataFrame]
    counties_source: str
    scale: str
    seed: int

    def counts(self) -> dict[str, int]:
        """Number of features per layer, plus administrative and natural villages."""
        out = {k: len(v) for k, v in self.layers.items()}
        admin = self.layers["villages"]["is_admin_village"].to_numpy() == 1
        out["admin_villages"] = int(admin.sum())
        out["natural_villages"] = int((~admin).sum())
        return out

    def write(self, path: Path) -> Path:
        """Write every layer to one GeoPackage (replacing it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        for name, gdf in self.layers.items():
            pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
        return path


def generate_region(scale: str = "region", seed: int = 7, counties_path: Path = COUNTIES_GPKG) -> SyntheticRegion:
    """Generate the synthetic region at one of :data:`SCALES`.

    Parameters
    ----------
    scale : {"county", "league", "region"}
        ``region`` is all of Inner Mongolia; ``league`` one 盟市 with a tenth of the region's villages and
        roads; ``county`` one 旗县 with a hundredth.
    seed : int
        Same seed and scale, same data.
    counties_path : Path
        County outlines (layer ``counties``: county_code, name, league_code, league_name).

    Returns
    -------
    SyntheticRegion
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    rng = np.random.default_rng(seed)
    counties, source = _counties(counties_path)
    counties = _subset(counties, scale).to_crs(WORK_CRS).reset_index(drop=True)
    totals = {k: max(1, round(v * SCALES[scale])) for k, v in REGION_TOTALS.items()}
    towns = _towns(counties, totals["towns"], rng)
    admin = _children(towns, counties, totals["admin_villages"], spread=0.5, rng=rng,
                      weights=np.where(towns["is_county_seat"], 2.0, 1.0))
    natural = _children(admin, counties, totals["natural_villages"], spread=0.3, rng=rng)
    villages = _villages(counties, towns, admin, natural, rng)
    roads = _roads(towns, admin, natural, totals["segments"], rng)
    facilities = _facilities(towns, admin, rng)
    mines = _mines(villages, totals["mines"], rng)
    layers = {"counties": counties, "towns": _town_layer(towns), "villages": villages, "roads": roads,
              "facilities": facilities, "mines": mines}
    return SyntheticRegion({k: v.to_crs(GEOGRAPHIC) for k, v in layers.items()}, source, scale, seed)


def generate_inputs(scale: str, seed: int = 7) -> SyntheticRegion:
    """The synthetic region at one of :data:`SCALES`, or the mesh input when ``scale`` is :data:`MESH_SCALE`."""
    return generate_mesh_region(seed) if scale == MESH_SCALE else generate_region(scale, seed)


def _counties(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    if path.exists():
        gdf = pyogrio.read_dataframe(path, layer="counties")
        cols = ["county_code", "name", "league_code", "league_name", "geometry"]
        return gdf[cols].sort_values("county_code").reset_index(drop=True), f"real county outlines ({path})"
    return _grid_counties(), f"synthetic grid of 103 counties ({path} not found)"


def _grid_counties() -> gpd.GeoDataFrame:
    """103 rectangles over Inner Mongolia's extent, 12 leagues of about 9 counties each."""
    lon = np.linspace(106.0, 124.0, 14)
    lat = np.linspace(38.5, 49.5, 9)
    boxes = [shapely.box(lon[i], lat[j], lon[i + 1], lat[j + 1]) for j in range(8) for i in range(13)][:103]
    league = np.arange(103) // 9
    codes = [f"15{lg + 1:02d}{k + 21:02d}" for k, lg in enumerate(league)]
    return gpd.GeoDataFrame({
        "county_code": codes, "name": [f"合成旗{k + 1}" for k in range(103)],
        "league_code": [f"15{lg + 1:02d}00" for lg in league], "league_name": [f"合成盟{lg + 1}" for lg in league],
    }, geometry=boxes, crs=GEOGRAPHIC)


def _subset(counties: gpd.GeoDataFrame, scale: str) -> gpd.GeoDataFrame:
    """All counties; the league with the number of counties nearest a tenth; a few neighbouring counties of
    that league (the smallest one and its nearest); or the median-area county. ``china`` keeps every county at
    ten times the region's density (a China-size case: 600,000 villages, 10 million road segments)."""
    if scale in ("region", "china"):
        return counties
    if scale == "league":
        size = counties.groupby("league_code").size()
        best = (size - len(counties) / 10).abs().sort_index().idxmin()
        return counties[counties["league_code"] == best]
    if scale == "few":
        league = _subset(counties, "league")
        area = league.to_crs(WORK_CRS)
        first = area.area.idxmin()
        dist = area.distance(area.geometry.loc[first])
        return league.loc[dist.sort_values(kind="stable").index[:FEW_COUNTIES]].sort_values("county_code")
    area = counties.to_crs(WORK_CRS).area
    return counties[area == area.sort_values().iloc[len(area) // 2]].iloc[:1]


def _sample_in(poly: shapely.Geometry, cx: np.ndarray, cy: np.ndarray, sigma: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian points around (cx, cy) kept inside ``poly``; points that keep falling outside stay at the centre."""
    x, y = cx.copy(), cy.copy()
    todo = np.arange(len(cx))
    for _ in range(12):
        if len(todo) == 0:
            break
        px = cx[todo] + rng.normal(0.0, 1.0, len(todo)) * sigma[todo]
        py = cy[todo] + rng.normal(0.0, 1.0, len(todo)) * sigma[todo]
        inside = shapely.contains_xy(poly, px, py)
        x[todo[inside]], y[todo[inside]] = px[inside], py[inside]
        todo = todo[~inside]
    return x, y


def _towns(counties: gpd.GeoDataFrame, total: int, rng: np.random.Generator) -> pd.DataFrame:
    """Township seats: the county seat at the county's point-on-surface, the others uniform inside it."""
    area = counties.area.to_numpy()
    share = np.sqrt(area) / np.sqrt(area).sum()
    n = np.maximum(3, np.round(share * total)).astype(int) if len(counties) > 1 else np.array([total])
    parts = []
    for c, (poly, k) in enumerate(zip(counties.geometry, n, strict=True)):
        seat = shapely.point_on_surface(poly)
        xmin, ymin, xmax, ymax = poly.bounds
        cx = np.full(k, (xmin + xmax) / 2)
        cy = np.full(k, (ymin + ymax) / 2)
        sigma = np.full(k, max(xmax - xmin, ymax - ymin) / 3)
        x, y = _sample_in(poly, cx, cy, sigma, rng)
        x[0], y[0] = seat.x, seat.y
        parts.append(pd.DataFrame({"county": c, "serial": np.arange(1, k + 1), "x": x, "y": y,
                                   "is_county_seat": np.arange(k) == 0,
                                   "reach_m": np.sqrt(area[c] / k) / 2}))
    towns = pd.concat(parts, ignore_index=True)
    towns["county_code"] = counties["county_code"].to_numpy()[towns["county"]]
    towns["code"] = towns["county_code"] + np.char.mod("%03d", towns["serial"].to_numpy())
    return towns


def _children(parents: pd.DataFrame, counties: gpd.GeoDataFrame, total: int, spread: float,
              rng: np.random.Generator, weights: np.ndarray | None = None) -> pd.DataFrame:
    """Places spread around their parent (a fraction ``spread`` of its reach), inside the parent's county."""
    w = np.ones(len(parents)) if weights is None else np.asarray(weights, float)
    per_parent = rng.multinomial(total, w / w.sum())
    parent = np.repeat(np.arange(len(parents)), per_parent)
    px, py = parents["x"].to_numpy()[parent], parents["y"].to_numpy()[parent]
    reach = parents["reach_m"].to_numpy()[parent]
    county = parents["county"].to_numpy()[parent]
    x, y = px.copy(), py.copy()
    for c in np.unique(county):
        sel = np.flatnonzero(county == c)
        x[sel], y[sel] = _sample_in(counties.geometry.iloc[c], px[sel], py[sel], reach[sel] * spread, rng)
    rank = np.arange(len(parent)) - np.repeat(np.cumsum(per_parent) - per_parent, per_parent)
    return pd.DataFrame({"parent": parent, "rank": rank, "county": county, "x": x, "y": y,
                         "reach_m": reach * spread})


def _names(n: int, suffix: np.ndarray | str, rng: np.random.Generator) -> np.ndarray:
    head = NAME_HEADS[rng.integers(0, len(NAME_HEADS), n)]
    tail = NAME_TAILS[rng.integers(0, len(NAME_TAILS), n)]
    return np.char.add(np.char.add(head, tail), suffix).astype(object)


def _town_layer(towns: pd.DataFrame) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(len(towns))
    suffix = np.where(towns["is_county_seat"], "镇", np.where(rng.random(len(towns)) < 0.5, "苏木", "乡"))
    return gpd.GeoDataFrame({
        "town_code": towns["code"].to_numpy(object), "name": _names(len(towns), suffix, rng),
        "county_code": towns["county_code"].to_numpy(object),
        "is_county_seat": towns["is_county_seat"].astype(int).to_numpy(),
    }, geometry=shapely.points(towns["x"].to_numpy(), towns["y"].to_numpy()), crs=WORK_CRS)


def _villages(counties: gpd.GeoDataFrame, towns: pd.DataFrame, admin: pd.DataFrame, natural: pd.DataFrame,
              rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Administrative villages (codes …2xx) and natural villages (codes …5xx); points near their road node."""
    town_code = towns["code"].to_numpy(object)
    a_town = admin["parent"].to_numpy()
    n_town = natural.groupby(a_town[natural["parent"]]).cumcount().to_numpy()
    if admin["rank"].max() >= 300 or n_town.max() >= 500:
        raise ValueError("too many villages per township for 12-digit codes; lower the totals")
    a_code = town_code[a_town] + np.char.mod("%03d", 200 + admin["rank"].to_numpy())
    n_parent = natural["parent"].to_numpy()
    n_code = town_code[a_town[n_parent]] + np.char.mod("%03d", 500 + n_town)
    n_a, n_n = len(admin), len(natural)
    pop_n = np.round(rng.lognormal(np.log(160), 0.7, n_n)).astype(int)
    pop_a = np.bincount(n_parent, weights=pop_n, minlength=n_a).astype(int) + rng.integers(50, 400, n_a)
    pop = np.r_[pop_a, pop_n]
    households = np.maximum(1, np.round(pop / rng.uniform(2.3, 3.1, len(pop)))).astype(int)
    klass = rng.choice(list(VILLAGE_CLASSES), size=len(pop), p=list(VILLAGE_CLASSES.values()))
    x = np.r_[admin["x"].to_numpy(), natural["x"].to_numpy()]
    y = np.r_[admin["y"].to_numpy(), natural["y"].to_numpy()]
    x, y = _offset(x, y, rng.exponential(120.0, len(x)), rng)
    far = rng.random(len(x)) < 0.002
    x[far], y[far] = _offset(x[far], y[far], rng.uniform(2500.0, 4000.0, int(far.sum())), rng)
    county_code = counties["county_code"].to_numpy(object)
    return gpd.GeoDataFrame({
        "village_code": np.r_[a_code, n_code].astype(object),
        "name": _names(n_a + n_n, np.where(np.arange(n_a + n_n) < n_a, "嘎查", "村"), rng),
        "county_code": county_code[np.r_[admin["county"], natural["county"]]],
        "town_code": np.r_[town_code[a_town], town_code[a_town[n_parent]]],
        "population": pop, "households": households, "village_class": klass.astype(object),
        "is_admin_village": (np.arange(n_a + n_n) < n_a).astype(int),
        "admin_village_code": np.r_[a_code, a_code[n_parent]].astype(object),
    }, geometry=shapely.points(x, y), crs=WORK_CRS)


def _offset(x: np.ndarray, y: np.ndarray, dist: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    angle = rng.uniform(0.0, 2 * np.pi, len(x))
    return x + dist * np.cos(angle), y + dist * np.sin(angle)


def _forest(xy: np.ndarray, group: np.ndarray, root: np.ndarray, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a short spanning tree of each group of points (points sharing ``group``; ``root`` in it).

    The k nearest neighbours within the group are candidate edges; an edge to the group's root, made
    costlier, keeps every group connected.
    """
    n = len(xy)
    k = min(k, n)
    dist, nb = cKDTree(xy).query(xy, k)
    dist, nb = np.asarray(dist).reshape(n, k), np.asarray(nb).reshape(n, k)
    a = np.repeat(np.arange(n), k)
    b = nb.ravel()
    w = dist.ravel()
    same = group[a] == group[b]
    star = np.hypot(*(xy - xy[root]).T) * 3.0
    a, b, w = np.r_[a[same], np.arange(n)], np.r_[b[same], root], np.r_[w[same], star]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi, w = lo[keep], hi[keep], np.maximum(w[keep], 1e-3)
    if len(lo) == 0:
        return lo, hi
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    tree = minimum_spanning_tree(coo_matrix((w[first], (lo[first], hi[first])), shape=(n, n))).tocoo()
    return tree.row.astype(np.int64), tree.col.astype(np.int64)


def _roads(towns: pd.DataFrame, admin: pd.DataFrame, natural: pd.DataFrame,
           segments: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Hierarchical roads cut into about ``segments`` pieces (at least that many)."""
    nt, na = len(towns), len(admin)
    xy = np.r_[towns[["x", "y"]].to_numpy(), admin[["x", "y"]].to_numpy(), natural[["x", "y"]].to_numpy()]
    t_id = np.arange(nt)
    a_id = nt + np.arange(na)
    n_id = nt + na + np.arange(len(natural))
    seats = np.flatnonzero(towns["is_county_seat"].to_numpy())
    edges = []
    # 县道: county seats to each other, and each county's townships to its seat
    a, b = _forest(xy[seats], np.zeros(len(seats), int), np.zeros(len(seats), int))
    edges.append((seats[a], seats[b], "县道"))
    county = towns["county"].to_numpy()
    a, b = _forest(xy[t_id], county, seats[county])
    edges.append((a, b, "县道"))
    # 乡道: administrative villages to their township seat
    grp = np.r_[t_id, admin["parent"].to_numpy()]
    ids = np.r_[t_id, a_id]
    a, b = _forest(xy[ids], grp, grp)
    edges.append((ids[a], ids[b], "乡道"))
    # 村道: natural villages to their administrative village
    grp = np.r_[np.arange(na), natural["parent"].to_numpy()]
    ids = np.r_[a_id, n_id]
    a, b = _forest(xy[ids], grp, grp)
    edges.append((ids[a], ids[b], "村道"))
    # 机耕路: loops to a near natural village, and dead-end tracks into the pasture
    d, nb = cKDTree(xy[n_id]).query(xy[n_id], 3)
    near = d[:, 2] < 6000.0
    edges.append((n_id[near], n_id[nb[near, 2]], "机耕路"))
    track_from = np.repeat(np.r_[a_id, n_id], rng.poisson(0.6, na + len(natural)))
    ex, ey = _offset(xy[track_from, 0], xy[track_from, 1], rng.uniform(500.0, 3000.0, len(track_from)), rng)
    end_id = len(xy) + np.arange(len(track_from))
    xy = np.r_[xy, np.c_[ex, ey]]
    edges.append((track_from, end_id, "机耕路"))
    u = np.concatenate([e[0] for e in edges])
    v = np.concatenate([e[1] for e in edges])
    grade = np.concatenate([np.full(len(e[0]), e[2], dtype=object) for e in edges])
    return _cut(xy, u, v, grade, segments, rng)


def _cut(xy: np.ndarray, u: np.ndarray, v: np.ndarray, grade: np.ndarray, segments: int,
         rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Bend each road gently and cut it into segments of 4 vertices; neighbours share their end points."""
    p, q = xy[u], xy[v]
    length = np.hypot(*(q - p).T)
    piece = length.sum() / segments
    n_piece = np.maximum(1, np.ceil(length / piece)).astype(np.int64)
    road = np.repeat(np.arange(len(u)), n_piece)
    first = np.repeat(np.cumsum(n_piece) - n_piece, n_piece)
    k = np.arange(len(road)) - first
    sub = 3  # vertices per segment minus one
    t = (k[:, None] * sub + np.arange(sub + 1)[None, :]) / (n_piece[road][:, None] * sub)
    bend = rng.uniform(-0.08, 0.08, len(u))[road][:, None] * np.sin(np.pi * t)
    wiggle = rng.normal(0.0, 0.004, t.shape) * (t > 0) * (t < 1) * (k[:, None] * sub + np.arange(sub + 1) > 0)
    # interior vertices shared by two segments must get the same wiggle
    wiggle[:, 0] = np.r_[0.0, wiggle[:-1, -1]] * (k > 0)
    off = (bend + wiggle) * length[road][:, None]
    d = (q - p)[road] / np.maximum(length[road], 1e-9)[:, None]
    x = p[road, 0][:, None] + t * (q - p)[road, 0][:, None] - off * d[:, 1][:, None]
    y = p[road, 1][:, None] + t * (q - p)[road, 1][:, None] + off * d[:, 0][:, None]
    # road ends exactly on their nodes, so that roads meeting there share the coordinate
    start, end = k == 0, k == n_piece[road] - 1
    x[start, 0], y[start, 0] = p[road[start], 0], p[road[start], 1]
    x[end, -1], y[end, -1] = q[road[end], 0], q[road[end], 1]
    geoms = shapely.linestrings(np.c_[x.ravel(), y.ravel()], indices=np.repeat(np.arange(len(road)), sub + 1))
    surface = _surfaces(grade, road, rng)
    return gpd.GeoDataFrame({
        "road_id": np.arange(1, len(road) + 1), "grade": grade[road], "surface": surface,
    }, geometry=geoms, crs=WORK_CRS)


def _surfaces(grade: np.ndarray, road: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Surface per segment: whole roads hardened by grade, with rare unpaved gaps on hardened 乡道/村道."""
    n_road = len(grade)
    hard_p = np.array([GRADES[g][0] for g in grade])
    road_hard = rng.random(n_road) < hard_p
    seg_grade = grade[road]
    gap = (rng.random(len(road)) < GAP_SEGMENT_SHARE) & np.isin(seg_grade, ["乡道", "村道"])
    hard = road_hard[road] & ~gap
    out = np.empty(len(road), dtype=object)
    for g, (_, hard_kinds, soft_kinds) in GRADES.items():
        for flag, kinds in ((True, hard_kinds), (False, soft_kinds)):
            sel = np.flatnonzero((seg_grade == g) & (hard == flag))
            out[sel] = rng.choice(np.array(list(kinds), dtype=object), size=len(sel), p=list(kinds.values()))
    return out


def _facilities(towns: pd.DataFrame, admin: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Treatment at every county seat, transfer stations at most townships, some town and village plants."""
    seat = towns["is_county_seat"].to_numpy()
    tx, ty = towns["x"].to_numpy(), towns["y"].to_numpy()
    station = ~seat & (rng.random(len(towns)) < 0.75)
    town_treat = ~seat & (rng.random(len(towns)) < 0.25)
    village_treat = rng.random(len(admin)) < 0.08
    parts = [("county_treatment", tx[seat], ty[seat], towns["county_code"].to_numpy()[seat]),
             ("transfer_station", tx[station], ty[station], towns["county_code"].to_numpy()[station]),
             ("town_treatment", tx[town_treat], ty[town_treat], towns["county_code"].to_numpy()[town_treat]),
             ("village_treatment", admin["x"].to_numpy()[village_treat], admin["y"].to_numpy()[village_treat],
              towns["county_code"].to_numpy()[admin["parent"].to_numpy()[village_treat]])]
    kind = np.concatenate([np.full(len(p[1]), p[0], dtype=object) for p in parts])
    x, y = np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])
    x, y = _offset(x, y, rng.uniform(100.0, 600.0, len(x)), rng)
    capacity = {"county_treatment": 300.0, "transfer_station": 30.0, "town_treatment": 20.0, "village_treatment": 2.0}
    return gpd.GeoDataFrame({
        "facility_id": [f"F{i + 1:05d}" for i in range(len(x))], "name": _names(len(x), "垃圾处理设施", rng),
        "facility_type": kind, "capacity_tpd": np.array([capacity[k] for k in kind]),
        "county_code": np.concatenate([p[3] for p in parts]).astype(object),
    }, geometry=shapely.points(x, y), crs=WORK_CRS)


def _mines(villages: gpd.GeoDataFrame, total: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Mines a few kilometres from randomly chosen villages."""
    near = rng.integers(0, len(villages), total)
    vx, vy = shapely.get_x(villages.geometry.array)[near], shapely.get_y(villages.geometry.array)[near]
    x, y = _offset(vx, vy, rng.uniform(500.0, 6000.0, total), rng)
    return gpd.GeoDataFrame({
        "name": _names(total, "矿", rng), "mineral": rng.choice(["煤", "萤石", "铁", "石墨", "砂石"], total).astype(object),
        "green_mine_level": rng.choice(["national", "regional", "none"], total, p=[0.2, 0.3, 0.5]).astype(object),
        "status": rng.choice(["生产", "停产", "在建"], total, p=[0.7, 0.2, 0.1]).astype(object),
    }, geometry=shapely.points(x, y), crs=WORK_CRS)



#: The mesh input (issue 23 item 8): graph nodes aimed at, share of grid edges dropped, facilities kept.
MESH_NODES = 780_000
MESH_DROP_SHARE = 0.11
MESH_FACILITIES = 900
#: The mesh input is written as most user files come: plain WGS 84 longitude/latitude.
MESH_CRS = CRS.from_epsg(4326)
#: Grades of the mesh's segments (with weights).
MESH_GRADES = {"村道": 0.55, "乡道": 0.25, "机耕路": 0.15, "县道": 0.05}


def generate_mesh_region(seed: int = 7, counties_path: Path = COUNTIES_GPKG, scale: str = "region") -> SyntheticRegion:
    """A region-size input unlike :func:`generate_region`'s: roads a dense mesh of two-point segments.

    Villages, township seats, counties and mines are those of the ``region`` scale; the roads are a jittered
    square grid over the counties (about :data:`MESH_NODES` nodes, most of them junctions of three or four
    roads, so contracting pass-through nodes removes almost nothing) with :data:`MESH_DROP_SHARE` of its
    edges left out, every edge one two-point row; about :data:`MESH_FACILITIES` facilities. Every layer is
    in EPSG:4326.

    Parameters
    ----------
    seed : int
        Same seed, same data.
    counties_path : Path
        County outlines, as for :func:`generate_region`.
    scale : str
        ``region`` (the input of the bench), or a smaller one of :data:`SCALES` with nodes and facilities
        scaled alike (for tests).

    Returns
    -------
    SyntheticRegion
        Scale :data:`MESH_SCALE` (``<scale>-mesh`` below the region).
    """
    base = generate_region(scale, seed, counties_path)
    rng = np.random.default_rng(seed + 1)
    layers = dict(base.layers)
    counties = layers["counties"].to_crs(WORK_CRS)
    share = SCALES[scale]
    layers["roads"] = _mesh_roads(counties, round(MESH_NODES * share), rng).to_crs(MESH_CRS)
    layers["facilities"] = _fewer_facilities(layers["facilities"], max(8, round(MESH_FACILITIES * share)), rng)
    name = MESH_SCALE if scale == "region" else f"{scale}-mesh"
    return SyntheticRegion({k: v.to_crs(MESH_CRS) for k, v in layers.items()}, base.counties_source, name, seed)


def _mesh_roads(counties: gpd.GeoDataFrame, n_nodes: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A jittered grid of about ``n_nodes`` nodes inside the counties; each kept grid edge one segment."""
    area = float(counties.area.sum())
    step = np.sqrt(area / n_nodes)
    xmin, ymin, xmax, ymax = counties.total_bounds
    nx, ny = int((xmax - xmin) / step) + 1, int((ymax - ymin) / step) + 1
    gx, gy = np.meshgrid(xmin + step * np.arange(nx), ymin + step * np.arange(ny))
    x = gx.ravel() + rng.uniform(-0.3, 0.3, gx.size) * step
    y = gy.ravel() + rng.uniform(-0.3, 0.3, gx.size) * step
    inside = shapely.contains_xy(shapely.union_all(counties.geometry.array), x, y)
    cell = np.arange(gx.size).reshape(ny, nx)
    pairs = np.r_[np.c_[cell[:, :-1].ravel(), cell[:, 1:].ravel()], np.c_[cell[:-1, :].ravel(), cell[1:, :].ravel()]]
    keep = inside[pairs[:, 0]] & inside[pairs[:, 1]] & (rng.random(len(pairs)) >= MESH_DROP_SHARE)
    a, b = pairs[keep, 0], pairs[keep, 1]
    geoms = shapely.linestrings(np.c_[np.c_[x[a], x[b]].ravel(), np.c_[y[a], y[b]].ravel()],
                                indices=np.repeat(np.arange(len(a)), 2))
    grade = rng.choice(np.array(list(MESH_GRADES), dtype=object), size=len(a), p=list(MESH_GRADES.values()))
    return gpd.GeoDataFrame({"road_id": np.arange(1, len(a) + 1), "grade": grade,
                             "surface": _surfaces(grade, np.arange(len(a)), rng)}, geometry=geoms, crs=WORK_CRS)


def _fewer_facilities(facilities: gpd.GeoDataFrame, total: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Every county treatment facility and a random share of the others, ``total`` in all (order kept)."""
    county = np.flatnonzero(facilities["facility_type"].to_numpy(object) == "county_treatment")
    others = np.setdiff1d(np.arange(len(facilities)), county)
    pick = rng.choice(others, size=max(0, min(len(others), total - len(county))), replace=False)
    return facilities.iloc[np.sort(np.r_[county, pick])].reset_index(drop=True)
