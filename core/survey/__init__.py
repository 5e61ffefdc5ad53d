"""Field survey import: GPS points in any common format and datum → points matched to villages."""
from .benchmark import benchmark_survey_import
from .importer import FileReport, SurveyReport, import_survey

__all__ = ["FileReport", "SurveyReport", "benchmark_survey_import", "import_survey"]
