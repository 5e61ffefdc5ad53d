"""Field survey import: GPS points in any common format and datum → points matched to villages."""
from .decide import parse_crs_option
from .importer import MATCH_KINDS, FileReport, SurveyReport, import_survey

__all__ = ["MATCH_KINDS", "FileReport", "SurveyReport", "import_survey", "parse_crs_option"]
