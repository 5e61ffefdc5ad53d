"""Every distance column of the sample's villages and towns against an independent computation
(:mod:`oracle`: networkx on the roads as stored, pyproj.Geod lengths, its own noding and snapping).

Two runs: the bundled sample as it is (its villages lie on the roads), and the sample with every village moved
0–900 m off (segment interiors, beyond ``access_radius_m``), the roads given technical grades (Class III gaps)
and the sanitation layers given (sewer distances).

Tolerances. The product rounds metres to 0.1 m (``snap_dist_m`` to 0.01 m): half of that is the rounding. On
top of it the product measures short segments by radii of curvature (< 0.1 mm per 6 km, so < 2 mm on the
sample's longest paths), gives its 0-cost edges 1e-6 m each (a few hundred on a path: < 1 mm), and its
snapped foot sits on the projected segment at the fraction of the segment's geodesic length (mm). So 0.05 m
of rounding + 0.01 m; a wrong segment, a missed junction or a wrong snap costs metres and fails. Which villages
are reachable, have access, a zero gap or a finite distance must be exactly the same.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import SAMPLE
from oracle import GEOD, SampleOracle
from ruralenv.core import Config

pytestmark = pytest.mark.slow  # one more run of the sample and some thirty networkx searches: about 25 s

CFG = Config()
#: rounding of 0.1 m outputs (0.05) plus the product's 1e-6 m edges and curvature formula (< 0.01 m).
TOL_M = 0.05 + 0.01
#: Road-distance columns and the facility type each measures to.
ROAD_COLUMNS = {"net_dist_station_m": "transfer_station", "net_dist_town_treatment_m": "town_treatment",
                "net_dist_county_treatment_m": "county_treatment",
                "net_dist_village_treatment_m": "village_treatment", "fecal_dist_m": "fecal_treatment"}


def _lonlat(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer=layer)


def _measured(name: str, ours: np.ndarray, theirs: np.ndarray, tol: float, rel: float = 0.0) -> None:
    """Assert equal finiteness and |ours − theirs| ≤ tol + rel·theirs; print max and median (``pytest -s``)."""
    assert np.array_equal(np.isfinite(ours), np.isfinite(theirs)), (
        name, np.flatnonzero(np.isfinite(ours) != np.isfinite(theirs)))
    ok = np.isfinite(ours)
    err = np.abs(ours[ok] - theirs[ok])
    print(f"{name}: n={ok.sum()} max={err.max():.4f} m median={np.median(err):.4f} m")
    excess = err - (tol + rel * np.abs(theirs[ok]))
    assert excess.max() <= 0, (name, float(err.max()), np.flatnonzero(ok)[np.argmax(excess)])


@pytest.fixture(scope="module")
def oracle(sample_results):
    """The oracle's graph of the sample's roads, in the run's metric CRS."""
    return SampleOracle(_lonlat("roads"), sample_results[0].crs, CFG.node_tolerance_m)


def _snapped(o: SampleOracle, res, v: gpd.GeoDataFrame, name: str) -> dict:
    """A run with the oracle's snapping of its villages, facilities and seats and its reachable villages."""
    f, t = _lonlat("facilities"), _lonlat("towns")
    assert list(v["village_code"]) == list(res.villages["village_code"])
    assert list(f["name"]) == list(res.facilities["name"]) and list(t["town_code"]) == list(res.towns["town_code"])
    vfeet = [o.foot(p.x, p.y) for p in v.geometry]
    ffeet = [o.foot(p.x, p.y, max_m=CFG.max_snap_m) for p in f.geometry]
    tfeet = [o.foot(p.x, p.y, max_m=CFG.max_snap_m) for p in t.geometry]
    comp = o.component_of()
    length = np.zeros(max(comp.values()) + 1)
    for a, _, d in o.graph.edges(data=True):
        length[comp[a]] += d["length"]
    served = {comp[(ft.line, ft.seg)] for ft in tfeet if ft is not None}
    island = {c for c in range(len(length)) if c not in served and length[c] < CFG.island_max_length_m}
    far = np.array([ft.dist_m > CFG.max_snap_m for ft in vfeet])
    reachable = ~far & np.array([comp[(ft.line, ft.seg)] not in island for ft in vfeet])
    return {"name": name, "res": res, "o": o, "v": v, "f": f, "t": t, "vfeet": vfeet, "ffeet": ffeet,
            "tfeet": tfeet, "reachable": reachable}


@pytest.fixture(scope="module")
def sample(sample_results, oracle):
    """The bundled sample as it is (its villages lie on the roads)."""
    return _snapped(oracle, sample_results[0], _lonlat("villages"), "sample")


# --- the sample with its villages moved off the roads and its roads given technical grades ----------------
CLASS3 = {"高速公路", "一级", "二级", "三级"}


def graded_roads() -> gpd.GeoDataFrame:
    """The sample's roads with a 技术等级 of their own: asphalt 县道 三级 (one in three left unknown), other 县道
    and 乡道 四级, 机耕路 等外, 村道 and every fourth road unknown; a 三级 network that reaches few seats.
    """
    roads = _lonlat("roads")
    grade = roads["grade"].map({"县道": "四级", "乡道": "四级", "机耕路": "等外"}).astype(object)
    grade[(roads["grade"] == "县道") & (roads["surface"] == "沥青") & (roads["road_id"] % 3 > 0)] = "三级"
    grade[(roads["grade"] != "机耕路") & (roads["road_id"] % 4 == 0)] = None
    return roads.assign(tech_grade=grade.where(grade.notna(), None))


def moved_villages() -> gpd.GeoDataFrame:
    """The sample's villages each moved 0–900 m in a random direction (seeded): off the road, onto segment
    interiors, some beyond ``access_radius_m`` from every road or from every hardened one.
    """
    v = _lonlat("villages")
    rng = np.random.default_rng(150622)
    lon, lat, _ = GEOD.fwd(v.geometry.x, v.geometry.y, rng.uniform(0, 360, len(v)), rng.uniform(0, 900, len(v)))
    return v.set_geometry(gpd.points_from_xy(lon, lat, crs=v.crs))


@pytest.fixture(scope="module")
def moved(tmp_path_factory, oracle):
    """The whole sample (sanitation layers too) run with :func:`moved_villages` and :func:`graded_roads`."""
    from ruralenv.core import run_pipeline

    kinds = ("facilities", "towns", "counties", "mines", "sewer", "urban_areas", "priority_zones")
    inputs = {k: f"{SAMPLE}:{k}" for k in kinds}
    inputs["roads"], inputs["villages"] = graded_roads(), moved_villages()
    res = run_pipeline(inputs, Config(cache_dir=str(tmp_path_factory.mktemp("moved"))), write_map=False)
    out = _snapped(oracle, res, inputs["villages"], "moved")
    off = np.array([ft.dist_m for ft in out["vfeet"]])
    assert (off > 1).sum() > 300 and (out["reachable"] & (off > CFG.access_radius_m)).sum() > 20
    out["roads"] = inputs["roads"]
    return out


@pytest.fixture(params=["sample", "moved"])
def run(request):
    """Each of the two runs in turn."""
    return request.getfixturevalue(request.param)


def _to_facilities(s: dict, rows: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """Road metres from each village in ``villages`` (row numbers) to the nearest facility of ``rows``."""
    o = s["o"]
    sources = [s["ffeet"][r] for r in rows if s["ffeet"][r] is not None]
    out = np.full(len(s["v"]), np.nan)
    if not sources:
        return out
    dist = o.search(sources)
    for k in villages:
        out[k] = o.at_foot(dist, s["vfeet"][k], sources)
    return np.where(np.isfinite(out), out, np.nan)


def test_reachable_villages_and_snap_distances_match_the_oracle(run):
    res = run["res"]
    assert set(res.villages["village_code"][~run["reachable"]]) == set(res.unreachable["village_code"])
    ours = res.villages["snap_dist_m"].to_numpy(float)
    theirs = np.array([ft.dist_m for ft in run["vfeet"]])
    # rounded to 0.01 m; the product divides the projected distance by the scale factor at the village, Geod
    # integrates it along the way: equal to 1 mm within max_snap_m, 3 cm at the far village's 11.5 km (3e-6)
    _measured(f"{run['name']} " + "snap_dist_m", ours, theirs, 0.005 + 0.001, rel=3e-6)


@pytest.mark.parametrize("column", sorted(ROAD_COLUMNS))
def test_road_distances_match_the_oracle(run, column):
    res = run["res"]
    rows = np.flatnonzero(run["f"]["facility_type"] == ROAD_COLUMNS[column])
    theirs = _to_facilities(run, rows, np.flatnonzero(run["reachable"]))
    ours = res.villages[column].to_numpy(float)
    if column == "fecal_dist_m":  # given only where toilet waste is hauled: compare there
        hauled = res.villages["fecal_route"].to_numpy(object) == "collect_and_haul"
        assert hauled.sum() > 100
        theirs = np.where(hauled, theirs, np.nan)
    assert np.isfinite(ours).sum() > (100 if column == "fecal_dist_m" else 300)
    _measured(f"{run['name']} " + column, ours, theirs, TOL_M)


def _hardened_component(s: dict, hcomp: dict, lon: float, lat: float) -> int | None:
    """Hardened component of the nearest hardened road within ``access_radius_m`` of a point (None: none)."""
    o = s["o"]
    ft = o.foot(lon, lat, line_ok=o.hardened, max_m=CFG.access_radius_m)
    return None if ft is None else hcomp[(ft.line, ft.seg)]


def _access(s: dict, hcomp: dict) -> tuple[np.ndarray, set[int], list[frozenset]]:
    """Hardened access of each village (own township seat or county seat; any seat of the county when its
    township is not in the towns layer), the seat-connected hardened components, and per village the
    components that would give it access.
    """
    t, v = s["t"], s["v"]
    seat = {row.town_code: _hardened_component(s, hcomp, row.geometry.x, row.geometry.y) for row in t.itertuples()}
    county_seat = {row.county_code: seat[row.town_code] for row in t.itertuples() if row.is_county_seat}
    any_seat: dict = {}
    for row in t.itertuples():
        any_seat.setdefault(row.county_code, set()).add(seat[row.town_code])
    access = np.zeros(len(v), bool)
    allowed = []
    for k, row in enumerate(v.itertuples()):
        own = {seat[row.town_code], county_seat.get(row.county_code)} if row.town_code in seat \
            else any_seat.get(row.county_code, set())
        allowed.append(frozenset(c for c in own if c is not None))
        hc = _hardened_component(s, hcomp, row.geometry.x, row.geometry.y)
        access[k] = hc is not None and hc in own
    return access, {c for c in seat.values() if c is not None}, allowed


def test_access_and_pave_gap_match_the_oracle(run):
    """``pave_gap_m``: least unhardened metres from the village's foot on its nearest road to a hardened road of a
    hardened network that would give it access (its own township seat's or county seat's; any seat-connected
    one when neither has a hardened road), plus the metres beyond ``access_radius_m`` off the road; 0 with access.
    """
    res, o = run["res"], run["o"]
    hcomp = o.class_components(o.hardened)
    access, seat_components, allowed = _access(run, hcomp)
    assert np.array_equal(res.villages["hardened_access"].to_numpy(bool), access)
    assert 100 < access.sum() < len(access) - 100  # both kinds, plenty of each

    def unpaved(d: dict) -> float:
        return 0.0 if d["hardened"] is not False else d["length"]

    searches: dict = {}
    gap = np.full(len(access), np.nan)
    for k in np.flatnonzero(run["reachable"]):
        comps = allowed[k] or frozenset(seat_components)
        if comps not in searches:
            searches[comps] = o.search([n for n, d in o.graph.nodes(data=True) if hcomp.get(n) in comps and any(
                e["hardened"] for e in o.graph[n].values())], unpaved)
        ft = run["vfeet"][k]
        gap[k] = o.at_foot(searches[comps], ft, (), unpaved) + max(ft.dist_m - CFG.access_radius_m, 0.0)
    theirs = np.where(access, 0.0, np.where(np.isfinite(gap), gap, np.nan))
    ours = res.villages["pave_gap_m"].to_numpy(float)
    assert np.array_equal(ours == 0, np.round(theirs, 1) == 0)
    assert (np.isfinite(ours) & (ours > 1000)).sum() > 100
    _measured(f"{run['name']} " + "pave_gap_m", ours, theirs, TOL_M)


def test_station_and_treatment_distances_match_the_oracle(run):
    """``station_dist_m``: road metres to the station named in ``station_name``; ``treatment_dist_m``: to the
    named treatment facility, through the station (station + the station's haul) for 城乡一体化.
    """
    res, o, f = run["res"], run["o"], run["f"]
    v = res.villages
    row_of = {name: k for k, name in enumerate(f["name"])}
    searches: dict[int, dict] = {}

    def metres(frm: int, foot) -> float:
        src = run["ffeet"][frm]
        if frm not in searches:
            searches[frm] = o.search([src])
        return o.at_foot(searches[frm], foot, [src])

    station = np.full(len(v), np.nan)
    treatment = np.full(len(v), np.nan)
    for k, (s, t, model) in enumerate(zip(v["station_name"], v["treatment_name"], v["collection_model"],
                                          strict=True)):
        foot = run["vfeet"][k]
        if isinstance(s, str):
            station[k] = metres(row_of[s], foot)
        if isinstance(t, str):
            treatment[k] = metres(row_of[t], foot) if model != "county_process" else (
                station[k] + metres(row_of[t], run["ffeet"][row_of[s]]))
    assert np.isfinite(station).sum() > 20 and np.isfinite(treatment).sum() > 50
    assert set(v.loc[np.isfinite(treatment), "collection_model"]) == {"county_process", "town_transfer",
                                                                      "village_collect"}
    _measured(f"{run['name']} " + "station_dist_m", v["station_dist_m"].to_numpy(float), station, TOL_M)
    _measured(f"{run['name']} " + "treatment_dist_m", v["treatment_dist_m"].to_numpy(float), treatment, TOL_M)


# --- Class III (苏木乡镇通三级公路) on the sample with technical grades given ---------------------------------
def _class3_gaps(s: dict, class3: np.ndarray, unknown: np.ndarray, targets: set[int], c3comp: dict,
                 feet: list) -> np.ndarray:
    """Per foot: (metres below 三级, metres of unknown grade) on the cheapest path to ``targets``, where the
    cost is the metres below 三级 of either kind (both together, as the product minimises them).
    """
    o = s["o"]

    def below(d: dict) -> float:
        return 0.0 if d["line"] < 0 or class3[d["line"]] else d["length"]

    sources = [n for n, d in o.graph.nodes(data=True) if c3comp.get(n) in targets and any(
        e["line"] >= 0 and class3[e["line"]] for e in o.graph[n].values())]
    dist, path = o.search(sources, below, paths=True)
    out = np.full((len(feet), 2), np.nan)
    for k, foot in enumerate(feet):
        ends = [((foot.line, foot.seg), foot.to_start), ((foot.line, foot.seg + 1), foot.to_end)]
        rate = below(o.piece(foot.line))
        end, piece = min(ends, key=lambda e: dist.get(e[0], np.inf) + rate * e[1])
        if not np.isfinite(dist.get(end, np.inf)):
            continue
        out[k] = 0.0
        for a, b in zip(path[end][1:-1], path[end][2:], strict=True):
            d = o.graph.edges[a, b]
            if below(d) > 0:
                out[k, int(unknown[d["line"]])] += d["length"]
        out[k, int(unknown[foot.line])] += rate * piece
    return out


def test_class3_access_and_gaps_match_the_oracle(moved):
    res, roads = moved["res"], moved["roads"]
    o, t = moved["o"], moved["t"]
    class3 = roads["tech_grade"].isin(CLASS3).to_numpy()
    unknown = roads["tech_grade"].isna().to_numpy() & ~class3
    c3comp = o.class_components(class3)
    seat_comp = []
    for p in t.geometry:
        ft = o.foot(p.x, p.y, line_ok=class3, max_m=CFG.access_radius_m)
        seat_comp.append(None if ft is None else c3comp[(ft.line, ft.seg)])
    targets = {c for c, seat in zip(seat_comp, t["is_county_seat"], strict=True) if seat and c is not None}
    access = np.array([c is not None and c in targets for c in seat_comp])
    assert np.array_equal(res.towns["class3_access"].to_numpy(bool), access)
    gaps = _class3_gaps(moved, class3, unknown, targets, c3comp, moved["tfeet"])
    gaps[:, 0] += [max(ft.dist_m - CFG.access_radius_m, 0.0) for ft in moved["tfeet"]]  # off the road, beyond reach
    gaps[access] = 0.0
    assert (gaps[:, 0] > 1000).sum() >= 5 and (gaps[:, 1] > 1000).sum() >= 5  # both kinds of gap, real ones
    _measured("class3_gap_m", res.towns["class3_gap_m"].to_numpy(float), gaps[:, 0], TOL_M)
    _measured("class3_gap_unknown_m", res.towns["class3_gap_unknown_m"].to_numpy(float), gaps[:, 1], TOL_M)


# --- straight-line distances: metres on the ellipsoid ----------------------------------------------------------
def _geodesic_to(o: SampleOracle, targets: list, lon: float, lat: float) -> float:
    """Least geodesic metres from a point to any of ``targets`` (metric-CRS geometries; 0 inside a polygon): the
    nearest point of each found in the metric CRS, the distance to it measured by Geod.
    """
    pt = shapely.Point(*o.to_xy.transform(lon, lat))
    best = np.inf
    for g in targets:
        if g.geom_type == "Polygon" and g.covers(pt):
            return 0.0
        edge = g.exterior if g.geom_type == "Polygon" else g
        near = edge.interpolate(edge.project(pt)) if edge.geom_type != "Point" else edge
        best = min(best, float(GEOD.inv(lon, lat, *o.to_ll.transform(near.x, near.y))[2]))
    return best


def test_mine_and_sewer_distances_are_geodesic(moved):
    """``near_mine_dist_m`` (nearest mine within ``mine_buffer_m``) and ``sewer_dist_m`` (nearest sewer line,
    urban area or wastewater plant) are metres on the ground: Geod, not the projected grid (whose scale is
    1 + 1.3e-4 at the sample's western edge, 0.85° from the central meridian, and 1.7 % across a region).
    """
    res, o, v, f = moved["res"], moved["o"], moved["v"], moved["f"]
    mines = _lonlat("mines")
    mine_d = np.array([[GEOD.inv(p.x, p.y, m.x, m.y)[2] for m in mines.geometry] for p in v.geometry])
    nearest = np.where(mine_d.min(axis=1) <= CFG.mine_buffer_m, mine_d.min(axis=1), np.nan)
    name = np.where(np.isfinite(nearest), mines["name"].to_numpy(object)[mine_d.argmin(axis=1)], None)
    assert list(res.villages["near_mine"]) == list(name)
    bad = ((mine_d <= CFG.mine_buffer_m) & (mines["green_mine_level"].to_numpy(object) == "none")).any(axis=1)
    assert np.array_equal(res.villages["near_non_green_mine"].to_numpy(bool), bad)
    _measured("near_mine_dist_m", res.villages["near_mine_dist_m"].to_numpy(float), nearest, TOL_M)
    targets = [*_lonlat("sewer").to_crs(res.crs).geometry, *_lonlat("urban_areas").to_crs(res.crs).geometry,
               *f.to_crs(res.crs).geometry[f["facility_type"] == "wastewater_plant"]]
    sewer = np.array([_geodesic_to(o, targets, p.x, p.y) for p in v.geometry])
    assert (sewer == 0).sum() >= 1 and (sewer < 3000).sum() >= 10 and (sewer > 10_000).sum() > 100  # in, near, far
    # 0.05 m rounding; the nearest point is found on the grid, which moves it along a line by a hair (< 1e-6)
    _measured("sewer_dist_m", res.villages["sewer_dist_m"].to_numpy(float), sewer, TOL_M, rel=1e-6)
