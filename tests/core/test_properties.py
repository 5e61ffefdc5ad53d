"""Property-based tests (issue 12, item 7): on random small road graphs, road distances equal a networkx
reference and obey the triangle inequality; the collection model is monotone in its distance thresholds;
results depend neither on the order of the input rows nor on the CRS the inputs come in."""
from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import GK_111, X0, Y0
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from ruralenv.core import Config, run_pipeline
from ruralenv.core.assignment import assign_models
from ruralenv.core.network import build_network
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

GEOD = Geod(ellps="GRS80")
TO_LONLAT = Transformer.from_crs(GK_111, "EPSG:4490", always_xy=True)
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


@st.composite
def road_graphs(draw) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Node coordinates (metres, GK zone CM 111°E) and straight edges between them, in general position."""
    n = draw(st.integers(3, 9))
    xy = np.array(draw(st.lists(st.tuples(st.floats(0, 20000), st.floats(0, 20000)), min_size=n, max_size=n)))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1])
    edges = sorted(set(draw(st.lists(pairs, min_size=1, max_size=3 * n))))
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assume(gaps[np.triu_indices(n, 1)].min() > 50)
    lines = shapely.linestrings([[xy[a], xy[b]] for a, b in edges])
    for k, (a, b) in enumerate(edges):  # no node on, or within 5 m of, an edge it does not end
        others = [i for i in range(n) if i not in (a, b)]
        assume(not others or shapely.distance(lines[k], shapely.points(xy[others])).min() > 5)
    return xy + [X0, Y0], edges


def geodesic_m(xy: np.ndarray, a: int, b: int) -> float:
    (lon1, lon2), (lat1, lat2) = TO_LONLAT.transform(xy[[a, b], 0], xy[[a, b], 1])
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def reference(xy: np.ndarray, edges: list[tuple[int, int]], source: int) -> dict[int, float]:
    g = nx.Graph()
    g.add_nodes_from(range(len(xy)))
    for a, b in edges:
        g.add_edge(a, b, weight=geodesic_m(xy, a, b))
    return nx.single_source_dijkstra_path_length(g, source)


def layers(xy: np.ndarray, edges: list[tuple[int, int]]) -> dict[str, gpd.GeoDataFrame]:
    """Roads, a village on every node and a county treatment plant on node 0."""
    roads = gpd.GeoDataFrame({"road_id": [f"{a}-{b}" for a, b in edges], "surface": "沥青"},
                             geometry=[LineString([xy[a], xy[b]]) for a, b in edges], crs=GK_111)
    villages = gpd.GeoDataFrame({"village_code": [f"v{i}" for i in range(len(xy))], "name": "村",
                                 "county_code": "150622", "population": 300.0},
                                geometry=[Point(p) for p in xy], crs=GK_111)
    plant = gpd.GeoDataFrame({"facility_type": ["county_treatment"]}, geometry=[Point(xy[0])], crs=GK_111)
    return {"villages": villages, "roads": roads, "facilities": plant}


def distances(res) -> dict[str, float]:
    d = res.villages.set_index("village_code")["net_dist_county_treatment_m"]
    return {k: (np.inf if np.isnan(v) else float(v)) for k, v in d.items()}


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(cache_dir=str(tmp_path / "cache"), island_max_length_m=0.0, max_snap_m=1e6)


@SETTINGS
@given(graph=road_graphs())
def test_road_distances_equal_a_networkx_reference(config, graph):
    xy, edges = graph
    assume(any(0 in e for e in edges))  # the plant on a road node (a plant off the roads snaps to one)
    got = distances(run_pipeline(layers(xy, edges), config))
    want = reference(xy, edges, 0)
    on_a_road = {i for e in edges for i in e}  # a village on a lone node snaps to the nearest road instead
    for i in sorted(on_a_road):
        expected = want.get(i, np.inf)
        if np.isinf(expected):
            assert np.isinf(got[f"v{i}"])
        else:
            assert got[f"v{i}"] == pytest.approx(expected, abs=0.06)  # the output is rounded to 0.1 m


@SETTINGS
@given(graph=road_graphs())
def test_road_distances_obey_the_triangle_inequality(graph):
    xy, edges = graph
    lines = np.array([LineString([xy[a], xy[b]]) for a, b in edges], dtype=object)
    net = build_network(lines, np.ones(len(lines), bool), CRS.from_user_input(GK_111), 1.0)
    d = dijkstra(net.matrix(), directed=False)
    assert np.allclose(d, d.T, equal_nan=True)
    via = d[:, :, None] + d[None, :, :]  # via[i, j, k] = d(i, j) + d(j, k)
    assert (d[:, None, :] <= via + 1e-6).all()


@st.composite
def village_distances(draw) -> tuple:
    n = draw(st.integers(1, 30))
    metres = st.one_of(st.floats(0, 200_000), st.just(np.inf))
    arrays = [np.array(draw(st.lists(metres, min_size=n, max_size=n))) for _ in range(5)]
    pop = np.array(draw(st.lists(st.floats(0, 5000), min_size=n, max_size=n)))
    reachable = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return (*arrays, pop, reachable)


RANK = {None: 0, "village_collect": 1, "town_transfer": 2, "county_process": 3}


@settings(max_examples=200, deadline=None)
@given(data=village_distances(), setting=st.sampled_from(["d_station_m", "d_town_m", "d_village_m"]),
       low=st.floats(0, 100_000), extra=st.floats(0, 100_000))
def test_the_collection_model_is_monotone_in_its_distance_thresholds(data, setting, low, extra):
    d_station, d_valid, haul, d_town, d_village, pop, reachable = data
    d_valid = np.maximum(d_valid, d_station)  # the nearest usable station is never nearer than the nearest
    near = assign_models(d_station, d_valid, haul, d_town, d_village, pop, reachable,
                         Config().replace(**{setting: low}))
    far = assign_models(d_station, d_valid, haul, d_town, d_village, pop, reachable,
                        Config().replace(**{setting: low + extra}))
    assert (far.covered >= near.covered).all()  # a larger threshold never uncovers a village
    if setting != "d_village_m":
        assert all(RANK[b] >= RANK[a] for a, b in zip(near.model, far.model, strict=True))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=road_graphs(), seed=st.integers(0, 2**32 - 1),
       crs=st.sampled_from(["EPSG:4490", "EPSG:4326", "EPSG:32649", "EPSG:4546", "EPSG:4526"]))
def test_results_do_not_depend_on_row_order_or_the_inputs_crs(config, graph, seed, crs):
    xy, edges = graph
    base = layers(xy, edges)
    rng = np.random.default_rng(seed)
    shuffled = {k: gdf.iloc[rng.permutation(len(gdf))].reset_index(drop=True).to_crs(crs)
                for k, gdf in base.items()}
    want = distances(run_pipeline(base, config))
    got = distances(run_pipeline(shuffled, config))
    assert want.keys() == got.keys()
    for code, d in want.items():
        assert got[code] == pytest.approx(d, abs=0.11) or (np.isinf(d) and np.isinf(got[code]))
