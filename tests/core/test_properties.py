"""Property-based tests (hypothesis) on random small road networks.

- distances equal a networkx reference and obey the triangle inequality along every edge;
- the collection model is monotone in its distance thresholds;
- results do not depend on input row order or on the input CRS.
"""
from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruralenv.core import Config, analyse, prepare
from ruralenv.core.model.stages.collection import assign_models
from ruralenv.core.model.stages.distances import facility_distances
from shapely.geometry import LineString, Point

GK = "EPSG:4546"  # CGCS2000 3° GK, central meridian 111°E: scale factor 1 on it
X0, Y0 = 500_000.0, 4_400_000.0
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: A random network: segments between points of a 6 × 6 km grid (1 km apart), so ends meet exactly. A segment
#: never passes through another grid point (its steps are coprime): a village placed on a grid point then lies
#: on its own roads only, as in the reference graph (lines that cross without a shared vertex do not meet).
grid_point = st.tuples(st.integers(0, 5), st.integers(0, 5))
segments = st.lists(st.tuples(grid_point, grid_point).filter(
    lambda s: math.gcd(abs(s[0][0] - s[1][0]), abs(s[0][1] - s[1][1])) == 1),
    min_size=3, max_size=25, unique_by=lambda s: frozenset(s))


def layers(segs, village_nodes, facility_nodes, crs=GK):
    def xy(p):
        return X0 + p[0] * 1000.0, Y0 + p[1] * 1000.0

    roads = gpd.GeoDataFrame({"surface": ["沥青"] * len(segs)}, geometry=[LineString([xy(a), xy(b)]) for a, b in segs],
                             crs=GK)
    villages = gpd.GeoDataFrame(
        {"village_code": [f"v{i}" for i in range(len(village_nodes))], "name": "村", "county_code": "150622",
         "population": 500, "households": 150, "village_class": "集聚提升类", "is_admin_village": 1},
        geometry=[Point(xy(p)) for p in village_nodes], crs=GK)
    facilities = gpd.GeoDataFrame({"facility_type": ["transfer_station"] * len(facility_nodes)},
                                  geometry=[Point(xy(p)) for p in facility_nodes], crs=GK)
    out = {"roads": roads, "villages": villages, "facilities": facilities}
    return {k: v.to_crs(crs) for k, v in out.items()}


def reference(segs, village_nodes, facility_nodes):
    """Road metres from each village to the nearest facility, by networkx on the grid (inf: none)."""
    g = nx.Graph()
    for a, b in segs:
        g.add_edge(a, b, weight=1000.0 * float(np.hypot(a[0] - b[0], a[1] - b[1])))
    sources = [f for f in facility_nodes if f in g]
    dist = nx.multi_source_dijkstra_path_length(g, sources, weight="weight") if sources else {}
    return np.array([dist.get(v, np.inf) for v in village_nodes])


def nodes_of(segs, draw):
    pts = sorted({p for s in segs for p in s})
    return draw(st.lists(st.sampled_from(pts), min_size=1, max_size=6))


@st.composite
def networks(draw):
    segs = draw(segments)
    return segs, nodes_of(segs, draw), nodes_of(segs, draw)


def cfg(tmp_path_factory):
    return Config(use_cache=False, cache_dir=str(tmp_path_factory.mktemp("cache")), island_max_length_m=0)


@SETTINGS
@given(networks())
def test_distances_equal_networkx(tmp_path_factory, net):
    segs, vnodes, fnodes = net
    res = analyse(layers(segs, vnodes, fnodes), cfg(tmp_path_factory))
    got = res.villages["net_dist_station_m"].to_numpy(float)
    want = reference(segs, vnodes, fnodes)
    np.testing.assert_allclose(np.nan_to_num(got, nan=np.inf), want, rtol=1e-4, atol=0.2)


@SETTINGS
@given(networks())
def test_distance_field_obeys_the_triangle_inequality(tmp_path_factory, net):
    segs, vnodes, fnodes = net
    p = prepare(layers(segs, vnodes, fnodes), cfg(tmp_path_factory))
    d = facility_distances(p.matrix, p.facility_node, p.facilities["facility_type"].to_numpy(object),
                           p.village_node, p.graph.n_nodes).node_dist["transfer_station"]
    searched = p.matrix.tocoo()  # the graph the searches run on (pass-through nodes contracted)
    u, v, length = searched.row, searched.col, searched.data
    assert (np.isfinite(d[u]) == np.isfinite(d[v])).all()  # an edge never joins reached and unreached nodes
    both = np.isfinite(d[u])
    assert (np.abs(d[u] - d[v])[both] <= length[both] * (1 + 1e-9) + 1e-6).all()


distance = st.floats(0, 100_000) | st.just(np.inf)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(distance, distance, distance, distance, st.floats(0, 5_000)), min_size=1, max_size=30),
       st.sampled_from(["d_station_m", "d_haul_m", "d_town_m", "d_village_m"]),
       st.floats(0, 50_000), st.floats(0, 50_000))
def test_collection_coverage_is_monotone_in_each_threshold(rows, setting, t1, t2):
    d_station, haul, d_town, d_village, pop = (np.array(c, float) for c in zip(*rows, strict=True))
    lo, hi = sorted((t1, t2))

    def covered(threshold):
        c = Config().replace(**{setting: threshold})
        d_valid = np.where(haul <= c.d_haul_m, d_station, np.inf)
        return assign_models(d_station, d_valid, haul, d_town, d_village, pop, np.ones(len(pop), bool), c).covered

    assert (covered(hi) >= covered(lo)).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.randoms(use_true_random=False), st.sampled_from(["EPSG:4326", "EPSG:4490", "EPSG:32649"]))
def test_results_do_not_depend_on_row_order_or_crs(tmp_path_factory, net, rnd, crs):
    segs, vnodes, fnodes = net
    base = analyse(layers(segs, vnodes, fnodes), cfg(tmp_path_factory)).villages.set_index("village_code")
    shuffled = layers(segs, vnodes, fnodes, crs)
    for kind in ("roads", "villages", "facilities"):
        order = list(range(len(shuffled[kind])))
        rnd.shuffle(order)
        shuffled[kind] = shuffled[kind].iloc[order].reset_index(drop=True)
    other = analyse(shuffled, cfg(tmp_path_factory).replace(crs=GK)).villages.set_index("village_code")
    other = other.loc[base.index]
    np.testing.assert_allclose(other["net_dist_station_m"], base["net_dist_station_m"], rtol=1e-5, atol=0.2)
    assert list(other["collection_model"]) == list(base["collection_model"])
    assert list(other["covered"]) == list(base["covered"])
    assert list(other["hardened_access"]) == list(base["hardened_access"])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q"]))
