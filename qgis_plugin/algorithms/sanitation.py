"""Processing algorithm: sewage mode and sanitary toilets of villages (plan §(六), §(七))."""
from __future__ import annotations

from .base import ACCESS_FIELDS, MINE_FIELDS, MODEL_FIELDS, PipelineAlgorithm, Sink


class Sanitation(PipelineAlgorithm):
    """Villages + roads (+ facilities, sewer, urban areas, priority zones) → villages with sewage and toilets."""

    NAME = "sanitation"
    TITLE = "Sewage and sanitary toilets of villages"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("Chooses each village's sewage mode by the plan: sewer_connect (a sewer line, urban area or town "
            "wastewater plant within the sewer distance), central (at least 1000 residents living "
            "concentrated; a plant of 20 t/d or more), resource_use (under 300 residents, scattered and "
            "remote) or decentralised (the others; units of about 5 t/d). Gives the design flow (residents × "
            "water use × discharge coefficient, GB/T 51347-2019), the facility size, the toilet-waste route "
            "(sewer, collect_and_haul to the nearest fecal treatment facility by road, or on_site), the "
            "sanitary toilet rate and the households still without one. Needs resident_population (else "
            "population), households, sanitary_toilet_households and sewage_treated on the villages.")
    INPUTS = (("villages", False), ("roads", False), ("facilities", True), ("sewer", True),
              ("urban_areas", True), ("priority_zones", True))
    SETTING_KEYS = ("d_sewer_m", "sewage_central_residents", "sewage_small_residents", "concentrated_radius_m",
                    "water_use_l_per_person_day", "max_snap_m", "node_tolerance_m")
    SINKS = (
        Sink("villages", "Villages with sewage mode and toilets", "villages_sewage.qml",
             drop=ACCESS_FIELDS + MODEL_FIELDS + MINE_FIELDS),
    )
    NUMBERS = {
        "sewage_rate_pct": "Sewage treatment rate (%)",
        "sewage_gap_2025": "Administrative villages short of the 2025 sewage target",
        "toilet_rate_pct": "Sanitary toilet rate (%)",
        "toilets_needed": "Households without a sanitary toilet",
        "n_central": "Villages needing a central sewage plant",
        "n_decentralised": "Villages needing decentralised sewage units",
    }
