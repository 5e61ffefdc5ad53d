"""The road network: the graph built from road lines (cached on disk) and points snapped onto its edges."""
from .graph import RoadNetwork, build_network, csr_from_edges
from .snapping import Snap, Snapper

__all__ = ["RoadNetwork", "Snap", "Snapper", "build_network", "csr_from_edges"]
