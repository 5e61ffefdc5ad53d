"""Field survey import: GPS points in any common format and datum → points matched to villages."""
from .importer import FileReport, SurveyReport, import_survey

__all__ = ["FileReport", "SurveyReport", "import_survey"]
