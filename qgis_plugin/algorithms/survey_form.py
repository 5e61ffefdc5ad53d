"""Processing algorithm: the village status form for field teams (form.gpkg, form.qgz for QField, form.xlsx, form.kml)."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ...core.survey import write_form
from .base import Outcome, RuralEnvAlgorithm, tr

RESULTS = "RESULTS"
COUNTY = "COUNTY"
TOWN = "TOWN"
OUTPUT_FOLDER = "OUTPUT_FOLDER"
FORM_PROJECT = "FORM_PROJECT"


class SurveyForm(RuralEnvAlgorithm):
    """results.gpkg → form.gpkg, form.qgz, form.xlsx and form.kml in a folder."""

    NAME = "survey_form"
    TITLE = "Write the village status form"
    GROUP = "Field survey"
    GROUP_ID = "survey"
    HELP = ("Writes the village status form for field teams from the results GeoPackage of a full plan: "
            "form.gpkg (one point per village with its current values and empty observation fields; the allowed "
            "values are declared in the GeoPackage), form.qgz (a QGIS project with drop-down lists, ranges and "
            "read-only current values that QField opens offline), form.xlsx (for teams without QField) and "
            "form.kml (the villages for phone map apps). Give a county or township code to write the form of "
            "that area only. Bring the filled form back with Import field survey points.")
    NUMBERS = {"villages": "Villages in the form"}

    def add_extra_parameters(self) -> None:
        """The results GeoPackage, the area, the output folder; the project file as output."""
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage of a full plan (results.gpkg)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterString(COUNTY, tr("Only the villages of county code"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(TOWN, tr("Only the villages of township code"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(OUTPUT_FOLDER, tr("Form folder")))
        self.addOutput(QgsProcessingOutputFile(FORM_PROJECT, tr("Form project for QField (form.qgz)")))

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.survey.write_form` and log its report."""
        folder = Path(self.parameterAsString(parameters, OUTPUT_FOLDER, context))
        report = write_form(self.parameterAsFile(parameters, RESULTS, context), folder,
                            county=self.parameterAsString(parameters, COUNTY, context).strip() or None,
                            town=self.parameterAsString(parameters, TOWN, context).strip() or None)
        for line in report.lines():
            progress.message(line)
        return Outcome({}, None, numbers={"villages": report.villages},
                       extra={OUTPUT_FOLDER: str(folder), FORM_PROJECT: str(folder / "form.qgz")})
