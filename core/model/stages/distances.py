"""Road-network distances from every village to the nearest facility of each type.

One multi-source Dijkstra per facility type over the prepared graph (``scipy.sparse.csgraph``); the
per-node arrays are kept so later stages (the haul rule, sanitation) read distances at any node.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ...base import schema
from ...base.progress import check_cancel
from ...network.graph import EPS_WEIGHT
from ..stage import Context

#: Village column of each facility type's distance.
COLUMN_OF_TYPE: dict[str, str] = {
    "transfer_station": "net_dist_station_m",
    "town_treatment": "net_dist_town_treatment_m",
    "county_treatment": "net_dist_county_treatment_m",
    "village_treatment": "net_dist_village_treatment_m",
}


@dataclass(frozen=True)
class Seeds:
    """Road metres already known at some nodes, per search: where a search starts besides its own sources.

    A partitioned run's window puts these in its context: the exact distances, measured on the whole
    network, at the window's nodes where a path from outside can enter (:mod:`..partition`).

    Attributes
    ----------
    node : ndarray int64
        Graph nodes (repeats allowed).
    dist : dict
        Search (facility type, or ``valid_station``) → metres at each node (inf: nothing reachable).
    haul : ndarray
        Per node: the county-treatment haul of the valid station its ``valid_station`` distance leads to.
    source : dict
        Search → per node the global facility row its distance leads to (-1: none), for the searches whose
        facility a village names (the capacity stage).
    """

    node: np.ndarray
    dist: dict[str, np.ndarray]
    haul: np.ndarray
    source: dict[str, np.ndarray] = field(default_factory=dict)

    def of(self, search: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(nodes, metres) of one search, or None when nothing is known for it."""
        if search not in self.dist:
            return None
        d = self.dist[search]
        ok = np.isfinite(d) & (self.node >= 0)
        return self.node[ok], d[ok]

    def source_of(self, search: str) -> np.ndarray | None:
        """The facility (global row) of each seed of :meth:`of`, in its order; None when not known."""
        if search not in self.source:
            return None
        ok = np.isfinite(self.dist[search]) & (self.node >= 0)
        return self.source[search][ok]


def multi_source(matrix: sp.csr_matrix, nodes: np.ndarray, n: int, limit: float = np.inf,
                 seeds: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Road metres from the nearest of ``nodes`` to every node, and which source node that was.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Undirected graph, edge weights in metres.
    nodes : ndarray int
        Source nodes; negative ids (points not on the graph) are ignored.
    n : int
        Number of nodes.
    limit : float
        Stop searching beyond this distance (nodes farther are ``inf``).
    seeds : (ndarray int, ndarray float), optional
        Nodes whose distance starts at the given metres instead of infinity. Each becomes a pendant source
        node ``n + i`` joined to its node by an edge of that length; ``source`` names it as ``n + i``.

    Returns
    -------
    (distance, source) : ndarray float64, ndarray int64
        ``inf`` and -1 where no source is reachable.
    """
    nodes = np.unique(nodes[nodes >= 0])
    k = 0 if seeds is None else len(seeds[0])
    if len(nodes) + k == 0:
        return np.full(n, np.inf), np.full(n, -1)
    if k:
        seed_node, seed_m = seeds  # type: ignore[misc]
        pendant = n + np.arange(k)
        # csgraph drops stored zeros: a seed at 0 m weighs EPS_WEIGHT (far below the 0.1 m of the outputs)
        extra = sp.coo_matrix((np.maximum(seed_m, EPS_WEIGHT), (pendant, seed_node)), shape=(n + k, n + k))
        matrix = sp.bmat([[matrix, None], [None, sp.csr_matrix((k, k))]], format="csr") + extra.tocsr()
        nodes = np.r_[nodes, pendant]
    dist, _, src = dijkstra(matrix, directed=False, indices=nodes, min_only=True, return_predecessors=True,
                            limit=limit)
    return dist[:n], src[:n]


def at_nodes(values: np.ndarray, nodes: np.ndarray, fill: float = np.inf) -> np.ndarray:
    """``values[nodes]`` with ``fill`` where a node id is negative."""
    out = np.full(len(nodes), fill, dtype=np.result_type(values.dtype, type(fill)))
    ok = nodes >= 0
    out[ok] = values[nodes[ok]]
    return out


@dataclass(frozen=True)
class Distances:
    """Per-node distance to the nearest facility of each type, read at the villages.

    Attributes
    ----------
    node_dist : dict
        Facility type → road metres from every graph node to the nearest facility of that type.
    node_source : dict
        Facility type → the facility node each node's distance leads to (-1: none).
    facility_nodes : dict
        Facility type → graph nodes of the facilities of that type (snapped ones only).
    village_node : ndarray int64
        Graph node of each village (-1: unreachable).
    matrix : scipy.sparse.csr_matrix or None
        The graph searched, when no search was seeded (a later search from the same sources on the same
        matrix can take its result from here: :meth:`search_from`).
    """

    node_dist: dict[str, np.ndarray]
    node_source: dict[str, np.ndarray]
    facility_nodes: dict[str, np.ndarray]
    village_node: np.ndarray
    matrix: sp.csr_matrix | None = None

    def search_from(self, matrix: sp.csr_matrix, nodes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """:func:`multi_source` ``(matrix, nodes, n)`` when a search of this run already made it (the same
        matrix object, the same source nodes, no seeds), else None.
        """
        if self.matrix is not matrix:
            return None
        wanted = np.unique(nodes[nodes >= 0])
        for kind, done in self.facility_nodes.items():
            if kind in self.node_dist and len(self.node_dist[kind]) == n and np.array_equal(np.unique(done), wanted):
                return self.node_dist[kind], self.node_source[kind]
        return None

    def to_villages(self, facility_type: str) -> np.ndarray:
        """Road metres from each village to the nearest facility of ``facility_type`` (inf: none)."""
        return at_nodes(self.node_dist[facility_type], self.village_node)

    def village_columns(self) -> dict[str, np.ndarray]:
        """``net_dist_*_m`` of each village, to 0.1 m (NaN where no facility of the type is reachable)."""
        out = {}
        for kind, col in COLUMN_OF_TYPE.items():
            d = self.to_villages(kind)
            out[col] = np.where(np.isfinite(d), np.round(d, 1), np.nan)
        return out


def facility_distances(matrix: sp.csr_matrix, facility_node: np.ndarray, facility_type: np.ndarray,
                       village_node: np.ndarray, n_nodes: int, types: tuple[str, ...] = schema.FACILITY_TYPES,
                       check: Any = None, seeds: Seeds | None = None) -> Distances:
    """One multi-source search per facility type.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
    facility_node, facility_type : ndarray
        Graph node (-1: not snapped) and type of each facility.
    village_node : ndarray int64
    n_nodes : int
    types : tuple of str
    check : callable, optional
        Called before each search (raises to cancel).
    seeds : Seeds, optional
        Distances known at some nodes (a partitioned run's window).
    """
    node_dist, node_source, nodes_of = {}, {}, {}
    for t in types:
        if check is not None:
            check()
        nodes = facility_node[(facility_type == t) & (facility_node >= 0)]
        nodes_of[t] = nodes
        node_dist[t], node_source[t] = multi_source(matrix, nodes, n_nodes,
                                                    seeds=None if seeds is None else seeds.of(t))
    return Distances(node_dist, node_source, nodes_of, village_node, matrix if seeds is None else None)


def run(ctx: Context[Any]) -> Distances:
    """The distance stage of a run."""
    p = ctx.prepared

    def check() -> None:
        check_cancel(ctx.progress)
        ctx.progress.advance()

    return facility_distances(p.matrix, p.facility_node, p.facilities["facility_type"].to_numpy(object),
                              p.village_node, p.graph.n_nodes, check=check, seeds=ctx.get(Seeds))
