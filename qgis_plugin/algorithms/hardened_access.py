"""Processing algorithm: hardened-road access of villages (roads target: ≥ 85 % of larger villages)."""
from __future__ import annotations

from .base import MINE_FIELDS, MODEL_FIELDS, SANITATION_FIELDS, PipelineAlgorithm, Sink


class HardenedRoadAccess(PipelineAlgorithm):
    """Villages + roads (+ township seats) → villages with access fields, roads with the hardened flag."""

    NAME = "hardened_access"
    TITLE = "Hardened-road access of villages"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("A village has hardened-road access when a hardened road lies within the access radius and "
            "that road reaches its township seat (or county seat) over hardened roads only. pave_gap_m "
            "gives the least metres of unpaved road to harden to connect it. Roads are classified as "
            "hardened from their surface, grade or OSM highway fields.")
    INPUTS = (("villages", False), ("roads", False), ("towns", True))
    SETTING_KEYS = ("access_radius_m", "max_snap_m", "larger_village_households", "node_tolerance_m",
                    "island_max_length_m")
    SINKS = (
        Sink("villages", "Villages with hardened-road access", "villages_access.qml",
             drop=MODEL_FIELDS + MINE_FIELDS + SANITATION_FIELDS),
        Sink("roads", "Roads with hardened flag", "roads.qml", geometry="LineString"),
    )
    NUMBERS = {
        "n_larger": "Larger natural villages",
        "n_larger_access": "Larger villages with hardened access",
        "road_coverage_pct": "Hardened road coverage (%)",
        "roads_gap_2025": "Villages short of the 2025 road target",
        "pave_km_2025": "km to pave for the 2025 target",
    }
