"""Processing algorithm: waste collection model of each village by road distance to facilities."""
from __future__ import annotations

from .base import ACCESS_FIELDS, MINE_FIELDS, SANITATION_FIELDS, PipelineAlgorithm, Sink


class WasteCollectionModel(PipelineAlgorithm):
    """Villages + roads + facilities (+ township seats) → villages with distances, model and reason."""

    NAME = "collection_model"
    TITLE = "Waste collection model"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("Measures road distances from every village to transfer stations and to county, town and "
            "village treatment facilities, then chooses the collection model of the plan: county_process "
            "(transfer station within reach and a county treatment facility within haul distance of it), "
            "town_transfer (town treatment facility within reach, village not dispersed) or "
            "village_collect. model_reason states the rule that decided, with the distances.")
    INPUTS = (("villages", False), ("roads", False), ("facilities", False), ("towns", True))
    SETTING_KEYS = ("d_station_m", "d_haul_m", "d_town_m", "d_village_m", "max_snap_m", "dispersed_radius_m",
                    "dispersed_pop", "node_tolerance_m", "island_max_length_m")
    SWITCH_KEYS = ("capacity_aware",)
    SINKS = (Sink("villages", "Villages with collection model", "villages.qml",
                  drop=ACCESS_FIELDS + MINE_FIELDS + SANITATION_FIELDS),)
    NUMBERS = {
        "n_county_process": "Villages: county_process",
        "n_town_transfer": "Villages: town_transfer",
        "n_village_collect": "Villages: village_collect",
        "n_unreachable": "Unreachable villages",
        "n_admin_covered": "Administrative villages covered",
        "waste_coverage_pct": "Waste coverage (%)",
    }
