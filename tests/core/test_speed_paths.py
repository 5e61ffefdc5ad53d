"""The faster paths of issue 23 item 8 give what the plain ones give: lengths on the coordinates as read, nodes
and components without sorting, two-point lines skipping simplification."""
from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS
from ruralenv.core.base.crs import lonlat_as_read
from ruralenv.core.maps.lod import simplified
from ruralenv.core.network.graph import build_network, csr_from_edges
from scipy.sparse.csgraph import connected_components

GK = CRS.from_epsg(4546)  # CGCS2000 3° GK, CM 111°E


def _roads(n: int = 400, seed: int = 5) -> np.ndarray:
    """Lines in longitude/latitude: a small mesh of two-point segments, bent roads of several vertices crossing
    it, a closed loop and a repeated vertex."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n))
    x = 111.0 + np.arange(side) * 0.01
    y = 40.0 + np.arange(side) * 0.01
    gx, gy = np.meshgrid(x, y)
    pts = np.c_[gx.ravel(), gy.ravel()]
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.r_[np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()], np.c_[idx[:-1].ravel(), idx[1:].ravel()]]
    lines = [shapely.linestrings(pts[[a, b]]) for a, b in pairs if rng.random() > 0.1]
    for k in range(5):  # roads of many vertices, sharing some mesh vertices
        lines.append(shapely.linestrings(np.c_[x, y[k] + 0.003 * np.sin(np.arange(side))]))
    lines.append(shapely.linestrings([(111.0, 40.0), (111.02, 40.0), (111.02, 40.02), (111.0, 40.0)]))
    lines.append(shapely.linestrings([(111.05, 40.05), (111.05, 40.05), (111.06, 40.06)]))
    lines.append(shapely.linestrings([(111.07, 40.07), (111.0700000001, 40.07)]))  # ends within 1 m
    return np.array(lines, dtype=object)


def test_lonlat_as_read_only_when_the_crs_gives_lonlat_unchanged():
    geoms = _roads()
    got = lonlat_as_read(geoms, CRS.from_epsg(4326))
    assert got is not None and np.array_equal(got, shapely.get_coordinates(geoms))
    assert lonlat_as_read(geoms, CRS.from_epsg(4490)) is not None
    assert lonlat_as_read(geoms, GK) is None and lonlat_as_read(geoms, None) is None


def test_lengths_on_the_coordinates_as_read_equal_the_transformed_ones():
    geoms = _roads()
    xy = shapely.get_coordinates(geoms)
    from pyproj import Transformer

    px, py = Transformer.from_crs(4326, GK, always_xy=True).transform(xy[:, 0], xy[:, 1])
    metric = shapely.set_coordinates(geoms.copy(), np.c_[px, py])
    hard = np.arange(len(geoms)) % 3 > 0
    plain = build_network(metric, hard, GK, 1.0)
    fast = build_network(metric, hard, GK, 1.0, lonlat=lonlat_as_read(geoms, CRS.from_epsg(4326)))
    np.testing.assert_allclose(fast.edge_len_m, plain.edge_len_m, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fast.v_cum_m, plain.v_cum_m, rtol=0, atol=1e-6)
    for name in ("edge_u", "edge_v", "node_x", "node_y", "component", "hard_component", "v_line"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name


def test_nodes_and_components_match_a_sorting_reference():
    """Nodes are line ends and positions two lines share; components are those of the weighted matrix."""
    geoms = _roads(seed=9)
    xy = shapely.get_coordinates(geoms)
    from pyproj import Transformer

    px, py = Transformer.from_crs(4326, GK, always_xy=True).transform(xy[:, 0], xy[:, 1])
    metric = shapely.set_coordinates(geoms.copy(), np.c_[px, py])
    net = build_network(metric, np.ones(len(geoms), bool), GK, 0.0)
    coords, line = shapely.get_coordinates(metric, return_index=True)
    keys = np.round(coords / 1e-3).astype(np.int64)
    lines_at = {}
    for k, ln in zip(map(tuple, keys), line, strict=True):
        lines_at.setdefault(k, set()).add(ln)
    ends = {tuple(keys[i]) for i in np.r_[0, np.flatnonzero(np.diff(line)) + 1,
                                          np.flatnonzero(np.diff(line)), len(line) - 1]}
    expected = {k for k, s in lines_at.items() if len(s) >= 2} | ends
    got = {tuple(k) for k in np.round(np.c_[net.node_x, net.node_y] / 1e-3).astype(np.int64)}
    assert got == expected
    _, comp = connected_components(csr_from_edges(net.edge_u, net.edge_v, net.edge_len_m, net.n_nodes),
                                   directed=False)
    assert np.array_equal(comp, net.component)


def test_simplified_equals_shapely_simplify_line_by_line():
    rng = np.random.default_rng(2)
    counts = np.r_[2, 2, 5, 2, 3, 40, 2, 2, 7]
    line_of = np.repeat(np.arange(len(counts)), counts)
    xy = np.cumsum(rng.normal(0, 20, (len(line_of), 2)), axis=0)
    xy[:2] = [[0, 0], [0, 0]]  # a line of no length
    out, out_of = simplified(xy, line_of, len(counts), 5.0)
    for i in range(len(counts)):
        want = shapely.get_coordinates(shapely.simplify(shapely.linestrings(xy[line_of == i]), 5.0,
                                                        preserve_topology=False))
        assert np.array_equal(out[out_of == i], want), i
    same, same_of = simplified(xy[line_of < 2], line_of[line_of < 2], 2, 5.0)
    assert same is not None and np.array_equal(same_of, line_of[line_of < 2])


def test_blobs_laid_out_by_numpy_equal_shapely_wkb():
    """GeoPackage blobs of point and LineString layers (numpy layout) are byte for byte the header + WKB ones."""
    from ruralenv.core.io import write

    rng = np.random.default_rng(3)
    counts = rng.integers(2, 7, 300)
    lines = np.array([shapely.linestrings(rng.normal(size=(c, 2)) * 1e5) for c in counts], dtype=object)
    points = shapely.points(rng.normal(size=(300, 2)) * 1e5)
    polygons = shapely.buffer(points[:20], 10.0)
    for geoms in (lines, points, polygons, np.r_[lines[:5], points[:5]], _roads()):
        bounds = shapely.bounds(geoms)
        head = write._blob_headers(bounds, 4547).tobytes()
        size = len(head) // len(geoms)
        wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
        assert write._blobs(geoms, bounds, 4547) == [head[i * size:(i + 1) * size] + w for i, w in enumerate(wkb)]


def test_plain_lines_projected_anew_equal_set_coordinates():
    from ruralenv.core.base.crs import project_geometries, transform_xy

    geoms = _roads()
    got = project_geometries(geoms, CRS.from_epsg(4326), GK)
    xy = shapely.get_coordinates(geoms)
    tx, ty = transform_xy(CRS.from_epsg(4326), GK, xy[:, 0], xy[:, 1])
    want = shapely.set_coordinates(geoms.copy(), np.c_[tx, ty])
    assert got is not None and shapely.equals_exact(got, want, 0).all()
    assert np.array_equal(shapely.get_coordinates(got), shapely.get_coordinates(want))


def test_valid_station_search_reused_only_when_it_is_the_same_search(monkeypatch):
    """With every transfer station valid the haul chain takes the distance stage's search (same numbers as a
    search of its own); with one station invalid it searches."""
    from ruralenv.core import Config
    from ruralenv.core.model.stages import collection, distances

    net = build_network(np.asarray(project_geometries_of(_roads())), np.ones(len(_roads()), bool), GK, 1.0)
    matrix = csr_from_edges(net.edge_u, net.edge_v, net.edge_len_m, net.n_nodes)
    n = net.n_nodes
    kind = np.array(["transfer_station"] * 3 + ["county_treatment"] * 2, dtype=object)
    node = np.array([0, n // 2, n - 1, 5, n // 3])
    dist = distances.facility_distances(matrix, node, kind, np.arange(0, n, 7), n)
    searched = []
    monkeypatch.setattr(collection, "multi_source",
                        lambda *a, **k: searched.append(a[1]) or distances.multi_source(*a, **k))
    far = Config().replace(d_haul_m=1e12)
    d_valid, haul, station = collection.haul_chain(matrix, dist, n, far)
    assert searched == []
    want, src = distances.multi_source(matrix, node[:3], n)
    assert np.array_equal(d_valid, distances.at_nodes(want, dist.village_node))
    assert np.array_equal(station, distances.at_nodes(src, dist.village_node, -1))
    near = Config().replace(d_haul_m=float(np.sort(dist.node_dist["county_treatment"][node[:3]])[1]))
    collection.haul_chain(matrix, dist, n, near)
    assert len(searched) == 1 and len(searched[0]) == 2


def project_geometries_of(geoms: np.ndarray) -> np.ndarray:
    from ruralenv.core.base.crs import project_geometries

    out = project_geometries(geoms, CRS.from_epsg(4326), GK)
    assert out is not None
    return out
