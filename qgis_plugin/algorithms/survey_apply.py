"""Processing algorithm: next year's villages with the field observations applied, and their audit trail."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...core.survey import apply_status
from .base import Outcome, RuralEnvAlgorithm, tr

RESULTS = "RESULTS"
YEAR = "YEAR"
TAKE = "TAKE"
OUTPUT = "OUTPUT"
#: ``take`` values of :func:`ruralenv.core.survey.apply_status`, in the order of the choice.
TAKES = ("none", "latest")
TAKE_LABELS = ("Leave them unchanged and list them", "Take the later survey date")


class SurveyApply(RuralEnvAlgorithm):
    """results.gpkg with imported status forms → villages_YEAR.gpkg (villages, audit, metadata)."""

    NAME = "survey_apply"
    TITLE = "Write next year's villages from the survey"
    GROUP = "Field survey"
    GROUP_ID = "survey"
    HELP = ("Writes a new villages GeoPackage: the villages the full plan read, with every accepted observation of "
            "the imported status forms applied (and every village_location_updates row whose status you set to "
            "accepted), a layer audit with one row per value changed (village, field, old, new, surveyor, date, "
            "source file and its SHA-256) and the data year. Observations that disagree are left unchanged and "
            "listed, or the later survey date is taken. The results GeoPackage and the input files are not "
            "changed. Run the full plan on the new villages for the year's indicators.")
    NUMBERS = {"changes": "Values changed", "conflicts_left": "Conflicts left unchanged", "moved": "Villages moved"}

    def add_extra_parameters(self) -> None:
        """The results GeoPackage, the data year, the conflict rule and the new GeoPackage."""
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage with imported status forms (results.gpkg)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterNumber(
            YEAR, tr("Data year (0: the year of the latest survey)"), QgsProcessingParameterNumber.Integer, 0,
            minValue=0, maxValue=2100))
        self.addParameter(QgsProcessingParameterEnum(
            TAKE, tr("Observations that disagree"), options=[tr(label) for label in TAKE_LABELS], defaultValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            OUTPUT, tr("Villages of the new year"), tr("GeoPackage (*.gpkg)")))

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.survey.apply_status` and log its report."""
        out = Path(self.parameterAsFileOutput(parameters, OUTPUT, context))
        year = self.parameterAsInt(parameters, YEAR, context) or None
        report = apply_status(self.parameterAsFile(parameters, RESULTS, context), out, year=year,
                              take=TAKES[self.parameterAsEnum(parameters, TAKE, context)])
        for line in report.lines():
            progress.message(line)
        return Outcome({}, None, numbers={"changes": report.changes, "conflicts_left": report.conflicts_left,
                                          "moved": report.moved}, extra={OUTPUT: str(out)})
