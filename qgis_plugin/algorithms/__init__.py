"""The Processing algorithms of RuralEnv Planner, one per module."""
from .collection_model import WasteCollectionModel
from .export_webmap import ExportWebMap
from .full_plan import FullPlan
from .hardened_access import HardenedRoadAccess
from .validate_network import ValidateRoadNetwork

ALGORITHMS = (ValidateRoadNetwork, HardenedRoadAccess, WasteCollectionModel, FullPlan, ExportWebMap)

__all__ = ["ALGORITHMS", "ExportWebMap", "FullPlan", "HardenedRoadAccess", "ValidateRoadNetwork", "WasteCollectionModel"]
