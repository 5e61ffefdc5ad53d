"""Field survey: GPS points in any common format and datum → points matched to villages; the field loop
(village status form out, returned forms checked in, next year's villages written with an audit trail)."""
from .apply import ApplyReport, apply_status
from .decide import parse_crs_option
from .form import FormReport, write_form
from .importer import MATCH_KINDS, FileReport, SurveyReport, import_survey
from .status import StatusReport, import_status, is_status_return

__all__ = ["MATCH_KINDS", "ApplyReport", "FileReport", "FormReport", "StatusReport", "SurveyReport", "apply_status",
           "import_status", "import_survey", "is_status_return", "parse_crs_option", "write_form"]
