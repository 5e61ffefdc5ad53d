"""Hardened-road access (通硬化路) and the unpaved metres still to pave (``pave_gap_m``).

A village has hardened access when a hardened road lies within ``access_radius_m`` and that road reaches,
over hardened roads only, its own township seat or its county seat (any seat of its county when it has no
known township). ``pave_gap_m`` is the least unpaved road distance to a seat-connected hardened network,
plus the distance beyond ``access_radius_m`` when the village is off the road.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ...base.values import flag_array
from ...network.graph import EPS_WEIGHT, RoadNetwork, csr_from_edges
from ...network.snapping import Augmented, Snap
from ..stage import Context
from .attributes import column_or
from .distances import Seeds, at_nodes, multi_source

#: The search of the pave gap (unpaved metres to a seat-connected hardened network), by name in :class:`Seeds`.
UNPAVED = "unpaved"


@dataclass(frozen=True)
class Access:
    """Per village: hardened access and metres to pave (0 with access, NaN when unreachable)."""

    hardened_access: np.ndarray
    pave_gap_m: np.ndarray
    #: Villages whose gap was searched from their own seats' networks only (a partitioned run certifies these
    #: by the window's boundary alone; see :func:`own_network_gaps`).
    gap_own_search: np.ndarray | None = None

    def village_columns(self) -> dict[str, np.ndarray]:
        """The output columns of this stage."""
        return {"hardened_access": self.hardened_access, "pave_gap_m": self.pave_gap_m}


@dataclass(frozen=True)
class Seats:
    """Township seats: codes, county, county-seat flag and the hardened component of their road."""

    town_code: np.ndarray
    county_code: np.ndarray
    is_county_seat: np.ndarray
    hard_component: np.ndarray


@dataclass(frozen=True)
class HardSeeds:
    """A partitioned run's window: the whole network's hardened components, so that access is decided as on
    the whole network (:mod:`..partition_seeds`).

    Attributes
    ----------
    line_component : ndarray int64
        Per road row of the window: the whole network's hardened component of that line (-1: not hardened).
    seats : Seats or None
        Every township seat of the input with its hardened component on the whole network (None: no towns).
    components : frozenset of int
        The whole network's seat-connected hardened components.
    """

    line_component: np.ndarray
    seats: Seats | None
    components: frozenset[int]


def whole_components(net: RoadNetwork, line_component: np.ndarray) -> np.ndarray:
    """Per hardened component of a window's network: the whole network's component that holds it (-1: none).

    A window's hardened component is connected in the whole network too, so it lies in exactly one.
    """
    out = np.full(int(net.hard_component.max()) + 1 if net.n_nodes else 0, -1, np.int64)
    hard = net.edge_hardened
    out[net.hard_component[net.edge_u[hard]]] = line_component[net.edge_line[hard]]
    return out


def hard_component_of(net: RoadNetwork, snap: Snap) -> np.ndarray:
    """Hardened component of each snapped point's edge (-1 where not snapped)."""
    return np.where(snap.ok, net.hard_component[net.edge_u[np.maximum(snap.edge, 0)]], -1)


def access_by_seats(village_town: np.ndarray, village_county: np.ndarray, village_hc: np.ndarray,
                    seats: Seats) -> np.ndarray:
    """Access of each village from the hardened component of its road and of the seats.

    A village reaches its own township's seat, or its county seat; a village without a known township any
    seat of its county (:func:`allowed_components`).
    """
    return _has_allowed(village_hc, allowed_components(village_town, village_county, seats))


def _has_allowed(village_hc: np.ndarray, allowed: list[frozenset[int]]) -> np.ndarray:
    """True where a village's hardened component is one of its ``allowed`` ones."""
    return np.fromiter((hc >= 0 and int(hc) in a for hc, a in zip(village_hc, allowed, strict=True)), bool,
                       count=len(allowed))


def largest_hard_component(net: RoadNetwork) -> set[int]:
    """Without seats: the longest hardened component stands in for the seat-connected network."""
    if not net.n_nodes:
        return set()
    hard = net.edge_hardened
    length = np.bincount(net.hard_component[net.edge_u[hard]], weights=net.edge_len_m[hard],
                         minlength=int(net.hard_component.max()) + 1)
    return {int(np.argmax(length))} if len(length) and length.max() > 0 else set()


def seat_sources(net: RoadNetwork, seat_components: set[int]) -> np.ndarray:
    """The nodes of every hardened road of the seat-connected hardened networks."""
    src_edges = net.edge_hardened & np.isin(net.hard_component[net.edge_u], list(seat_components))
    return np.unique(np.r_[net.edge_u[src_edges], net.edge_v[src_edges]])


def unpaved_gap(net: RoadNetwork, graph: Augmented, seat_components: set[int], village_node: np.ndarray,
                seeds: Seeds | None = None) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix | None]:
    """Least unpaved road metres from each village node to a hardened network that reaches a seat
    (``seeds``: the unpaved metres known at some nodes, a partitioned run's window), the search's source
    node of each village (a node id past ``graph.n_nodes`` is the window's seed of that index), and the
    contracted matrix searched (None when seeds needed the whole one), for more searches on it.
    """
    known = None if seeds is None else seeds.of(UNPAVED)
    # a seed may sit on a pass-through node, which the contracted matrix leaves isolated
    matrix = unpaved_matrix(graph, contracted=known is None)
    d, src = multi_source(matrix, seat_sources(net, seat_components), graph.n_nodes, seeds=known)
    return _gap_at(d, village_node), at_nodes(src, village_node, -1).astype(np.int64), \
        matrix if known is None else None


def unpaved_matrix(graph: Augmented, contracted: bool = True) -> sp.csr_matrix:
    """The graph weighted by unpaved metres (a hardened edge weighs ``EPS_WEIGHT``): contracted, or
    whole where a search starts at nodes the contraction may leave isolated (seeds, a window's boundary).
    """
    weights = np.where(graph.hardened, EPS_WEIGHT, graph.length_m)
    return graph.matrix(weights) if contracted else csr_from_edges(graph.u, graph.v, weights, graph.n_nodes)


def _gap_at(d: np.ndarray, village_node: np.ndarray) -> np.ndarray:
    gap = at_nodes(d, village_node, np.nan)
    gap[~np.isfinite(gap)] = np.nan
    return np.where(gap < 0.01, 0.0, gap)  # hardened pieces weigh EPS_WEIGHT, not zero: round them away


def allowed_components(village_town: np.ndarray, village_county: np.ndarray, seats: Seats) -> list[frozenset[int]]:
    """Per village: the hardened components that would give it access (as :func:`access_by_seats` decides)."""
    ok = seats.hard_component >= 0
    town: dict[Any, set[int]] = {}
    county_seat: dict[Any, set[int]] = {}
    county_any: dict[Any, set[int]] = {}
    for tc, cc, hc, cs in zip(seats.town_code[ok], seats.county_code[ok], seats.hard_component[ok],
                              seats.is_county_seat[ok], strict=True):
        town.setdefault(tc, set()).add(int(hc))
        county_any.setdefault(cc, set()).add(int(hc))
        if cs:
            county_seat.setdefault(cc, set()).add(int(hc))
    known = set(seats.town_code)
    cache: dict[tuple[Any, Any], frozenset[int]] = {}
    out = []
    for tc, cc in zip(village_town, village_county, strict=True):
        key = (tc if tc in known else None, cc)
        if key not in cache:
            cache[key] = frozenset(town.get(tc, set()) | county_seat.get(cc, set())) if tc in known \
                else frozenset(county_any.get(cc, set()))
        out.append(cache[key])
    return out


def own_network_gaps(net: RoadNetwork, graph: Augmented, village_node: np.ndarray, gap: np.ndarray,
                     src_component: np.ndarray, allowed: list[frozenset[int]], access: np.ndarray,
                     to_local: Any = None, matrix: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The gaps of the villages whose nearest seat-connected network is not one that gives them access.

    The first search measures to every seat-connected hardened network; a village whose road joins only a
    neighbouring township's network would get 0 m and still no access. For those villages (the nearest
    network's component ``src_component`` not in their ``allowed`` set) one more search runs per distinct set,
    from that set's networks only. A village with an empty set keeps the first search's gap.

    Parameters
    ----------
    to_local : callable, optional
        Set of components (as ``allowed`` names them) → this graph's component ids (a window's).
    matrix : scipy.sparse.csr_matrix, optional
        :func:`unpaved_matrix` of ``graph`` (contracted), when the caller has it.

    Returns
    -------
    (gap, searched) : ndarray float64, ndarray bool
        The corrected gaps and which villages got one from their own set's search.
    """
    gap = gap.copy()
    searched = np.zeros(len(gap), bool)
    wrong = [i for i in np.flatnonzero(~access & (village_node >= 0) & np.isfinite(gap))
             if allowed[i] and int(src_component[i]) not in allowed[i]]
    groups: dict[frozenset[int], list[int]] = {}
    for i in wrong:
        groups.setdefault(allowed[i], []).append(i)
    if groups and matrix is None:
        matrix = unpaved_matrix(graph)
    for comps, rows in sorted(groups.items(), key=lambda kv: sorted(kv[0])):
        local = set(comps) if to_local is None else to_local(comps)
        d, _ = multi_source(matrix, seat_sources(net, local), graph.n_nodes)
        gap[rows] = _gap_at(d, village_node[rows])
        searched[rows] = True
    return gap, searched


def pave_gap(gap: np.ndarray, access: np.ndarray, reachable: np.ndarray, snap_dist_m: np.ndarray,
             radius_m: float) -> np.ndarray:
    """``pave_gap_m``: 0 with access; unreachable NaN; else the road gap plus the off-road metres beyond the radius."""
    beyond = np.where(np.isfinite(snap_dist_m), np.maximum(snap_dist_m - radius_m, 0), np.nan)
    return np.round(np.where(access, 0.0, np.where(reachable, gap, np.nan) + beyond), 1)


def seats_of(net: RoadNetwork, towns: Any, hard_snap: Snap) -> Seats:
    """Each township seat with the hardened component of its nearest hardened road (``hard_snap``; -1 where
    none lies within ``access_radius_m``).
    """
    return Seats(towns["town_code"].to_numpy(object), towns["county_code"].to_numpy(object),
                 flag_array(column_or(towns, "is_county_seat", None)), hard_component_of(net, hard_snap))


def run(ctx: Context[Any]) -> Access:
    """The hardened-access stage of a run."""
    p = ctx.prepared
    village_hc = hard_component_of(p.net, p.village_hard_snap)
    whole = ctx.get(HardSeeds)
    to_whole: np.ndarray | None = None
    if whole is not None:  # a partitioned run's window: components and seats of the whole network
        to_whole = whole_components(p.net, whole.line_component)
        village_hc = np.where(village_hc >= 0, to_whole[np.maximum(village_hc, 0)], -1)
        seat_components = _local_components(to_whole, whole.components)
        seats, components = whole.seats, set(whole.components)
    else:
        seats = seats_of(p.net, p.towns, p.town_hard_snap) if p.towns is not None else None
        if seats is not None and not p.town_hard_snap.ok.any():
            ctx.progress.message(
                f"no township seat lies within access_radius_m ({p.config.access_radius_m:.0f} m) of a hardened "
                "road: no village can have hardened access; check the towns layer and the road surfaces", "warning")
        seat_components = ({int(c) for c in seats.hard_component if c >= 0} if seats is not None
                           else largest_hard_component(p.net))
        components = seat_components
    seeds = ctx.get(Seeds)
    gap, src, matrix = unpaved_gap(p.net, p.graph, seat_components, p.village_node, seeds)
    searched = np.zeros(len(gap), bool)
    if seats is None:  # no towns layer: the seat-connected components stand in for every village's own
        access = (village_hc >= 0) & np.isin(village_hc, list(components))
    else:
        town = column_or(p.villages, "town_code", None).to_numpy(object)
        allowed = allowed_components(town, p.villages["county_code"].to_numpy(object), seats)
        access = _has_allowed(village_hc, allowed)
        local = to_whole
        to_local = None if local is None else (lambda comps: _local_components(local, comps))
        gap, searched = own_network_gaps(p.net, p.graph, p.village_node, gap, _source_components(p, src, seeds, local),
                                         allowed, access, to_local, matrix)
    return Access(access, pave_gap(gap, access, p.reachable, p.village_snap.dist_m, p.config.access_radius_m),
                  searched)


def _local_components(to_whole: np.ndarray, components: Any) -> set[int]:
    """A window's own ids of the whole network's hardened ``components`` (``to_whole``: local id → whole id)."""
    return {int(c) for c in np.flatnonzero(np.isin(to_whole, list(components)))}


def _source_components(p: Any, src: np.ndarray, seeds: Seeds | None, to_whole: np.ndarray | None) -> np.ndarray:
    """The hardened component (the whole network's in a window) each village's gap search came from (-1: none
    or unknown).
    """
    net, n = p.net, p.graph.n_nodes
    comp = np.full(len(src), -1, np.int64)
    on_net = (src >= 0) & (src < net.n_nodes)
    comp[on_net] = net.hard_component[src[on_net]]
    if to_whole is not None:
        comp[on_net] = to_whole[comp[on_net]]
    seeded = src >= n
    if seeded.any() and seeds is not None:
        labels = seeds.source_of(UNPAVED)
        if labels is not None:
            comp[seeded] = labels[src[seeded] - n]
    return comp


