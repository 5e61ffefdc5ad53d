"""Road-network distances from every village to the nearest facility of each type.

One multi-source Dijkstra per facility type over the prepared graph (``scipy.sparse.csgraph``); the
per-node arrays are kept so later stages (the haul rule, sanitation) read distances at any node.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .. import schema
from ..progress import check_cancel
from ..stage import Context

#: Village column of each facility type's distance.
COLUMN_OF_TYPE: dict[str, str] = {
    "transfer_station": "net_dist_station_m",
    "town_treatment": "net_dist_town_treatment_m",
    "county_treatment": "net_dist_county_treatment_m",
    "village_treatment": "net_dist_village_treatment_m",
}


def multi_source(matrix: sp.csr_matrix, nodes: np.ndarray, n: int,
                 limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
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

    Returns
    -------
    (distance, source) : ndarray float64, ndarray int64
        ``inf`` and -1 where no source is reachable.
    """
    nodes = np.unique(nodes[nodes >= 0])
    if len(nodes) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    dist, _, src = dijkstra(matrix, directed=False, indices=nodes, min_only=True, return_predecessors=True,
                            limit=limit)
    return dist, src


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
    """

    node_dist: dict[str, np.ndarray]
    node_source: dict[str, np.ndarray]
    facility_nodes: dict[str, np.ndarray]
    village_node: np.ndarray

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
                       check: Any = None) -> Distances:
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
    """
    node_dist, node_source, nodes_of = {}, {}, {}
    for t in types:
        if check is not None:
            check()
        nodes = facility_node[(facility_type == t) & (facility_node >= 0)]
        nodes_of[t] = nodes
        node_dist[t], node_source[t] = multi_source(matrix, nodes, n_nodes)
    return Distances(node_dist, node_source, nodes_of, village_node)


def run(ctx: Context[Any]) -> Distances:
    """The distance stage of a run."""
    p = ctx.prepared

    def check() -> None:
        check_cancel(ctx.progress)
        ctx.progress.advance()

    return facility_distances(p.matrix, p.facility_node, p.facilities["facility_type"].to_numpy(object),
                              p.village_node, p.graph.n_nodes, check=check)
