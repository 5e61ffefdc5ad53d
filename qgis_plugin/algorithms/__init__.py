"""The Processing algorithms of RuralEnv Planner, one per module."""
from .collection_model import WasteCollectionModel
from .export_webmap import ExportWebMap
from .full_plan import FullPlan
from .hardened_access import HardenedRoadAccess
from .monitor import Monitor
from .plan_facilities import PlanFacilities
from .plan_paving import PlanPaving
from .plan_sanitation import PlanSanitation
from .sanitation import Sanitation
from .surface import AccessibilitySurface
from .survey_apply import SurveyApply
from .survey_form import SurveyForm
from .survey_import import SurveyImport
from .validate_network import ValidateRoadNetwork

ALGORITHMS = (ValidateRoadNetwork, HardenedRoadAccess, WasteCollectionModel, Sanitation, FullPlan, ExportWebMap,
              SurveyImport, PlanFacilities, PlanPaving, PlanSanitation, AccessibilitySurface, SurveyForm, SurveyApply,
              Monitor)

__all__ = ["ALGORITHMS", "AccessibilitySurface", "ExportWebMap", "FullPlan", "HardenedRoadAccess", "Monitor",
           "PlanFacilities", "PlanPaving", "PlanSanitation", "Sanitation", "SurveyApply", "SurveyForm", "SurveyImport",
           "ValidateRoadNetwork", "WasteCollectionModel"]
