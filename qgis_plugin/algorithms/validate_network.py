"""Processing algorithm: check a road network for faults that make villages unreachable."""
from __future__ import annotations

from ...core.model import VALIDATE_STAGES, validate_network
from .base import Outcome, RuralEnvAlgorithm, Sink


class ValidateRoadNetwork(RuralEnvAlgorithm):
    """Roads (+ township seats) → components, dangles, isolated islands, duplicate and zero-length segments."""

    NAME = "validate_network"
    TITLE = "Validate road network"
    GROUP = "Road network"
    GROUP_ID = "network"
    HELP = ("Checks the road layer before any analysis. Lists the connected components of the network, "
            "the dead ends (dangles), the isolated islands (components with no township seat that are "
            "shorter than the island length), segments digitised twice and roads without length. "
            "Villages on islands or beyond the snapping distance are unreachable in the other algorithms.")
    INPUTS = (("roads", False), ("towns", True))
    SETTING_KEYS = ("node_tolerance_m", "max_snap_m", "island_max_length_m")
    SINKS = (
        Sink("components", "Road network components", "components.qml", geometry="LineString"),
        Sink("dangles", "Dangles (dead ends)", "problem_points.qml"),
        Sink("islands", "Isolated road islands", "problem_lines.qml", geometry="LineString"),
        Sink("duplicates", "Duplicate segments", "problem_lines.qml", geometry="LineString"),
        Sink("zero_length", "Zero-length roads", "problem_points.qml"),
    )
    NUMBERS = {
        "components": "Number of components",
        "islands": "Number of isolated islands",
        "dangles": "Number of dangles",
        "duplicate_segments": "Number of duplicate segments",
        "zero_length_lines": "Number of zero-length roads",
        "road_km": "Road length (km)",
        "hardened_km": "Hardened road length (km)",
    }
    STAGES = VALIDATE_STAGES

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Run :func:`ruralenv.core.model.validate.validate_network`."""
        check = validate_network(layers, config, progress)
        return Outcome(check.layers(), check.crs, dict(check.summary))
