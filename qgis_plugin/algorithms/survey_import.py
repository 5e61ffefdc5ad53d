"""Processing algorithm: import field survey GPS points into the results GeoPackage of a full plan."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
    QgsUnitTypes,
)

from ...core import ConfigError
from ...core.survey import MATCH_KINDS, SurveyReport, import_survey, is_status_return, parse_crs_option
from ...core.survey.status import commit_status, read_status
from ..feedback import FeedbackProgress
from .base import Outcome, RuralEnvAlgorithm, tr

FILES = "FILES"
RESULTS = "RESULTS"
DATUM = "DATUM"
EPSG = "EPSG"
MATCH_RADIUS = "MATCH_RADIUS"
RESULTS_GPKG = "RESULTS_GPKG"

#: ``crs`` values of :func:`ruralenv.core.survey.import_survey`, in the order of the datum choice.
DATUMS = ("auto", "wgs84", "gcj02", "bd09", "cgcs2000")
#: Labels of the datum choice (English; translated).
DATUM_LABELS = (
    "Decide per file (reported)",
    "WGS 84 (GPS receivers)",
    "GCJ-02 (Gaode/AMap, Tencent, Ovital)",
    "BD-09 (Baidu)",
    "CGCS2000 (degrees)",
)

#: Progress stages of the import; each file read is one step of "read".
STAGES = ("read", "validate and match", "write")
#: Stage → text shown above the progress bar (English; translated).
STAGE_TEXTS = {"validate and match": "Checking the points and matching them to villages",
               "write": "Writing to the results GeoPackage"}
_READ = "read "


class SurveyProgress(FeedbackProgress):
    """The feedback adapter for the import: the core names a stage ``read <file>`` per file read."""

    def __init__(self, feedback, n_files: int):
        super().__init__(feedback, STAGES)
        self.n_files = max(n_files, 1)
        self._reading = False

    def stage(self, name: str, total: int | None = None) -> None:
        """Show the file being read (one step of the read band each) or the matching and writing stages."""
        if name.startswith(_READ):
            if self._reading:
                self.advance()
            else:
                super().stage("read", self.n_files)
                self._reading = True
            self.feedback.setProgressText(tr("Reading {0}").format(name[len(_READ):]))
            return
        super().stage(name, total)
        if name in STAGE_TEXTS:
            self.feedback.setProgressText(tr(STAGE_TEXTS[name]))


class SurveyImport(RuralEnvAlgorithm):
    """Survey files + results.gpkg → survey_points, survey_rejects, village_location_updates, survey_imports."""

    NAME = "survey_import"
    TITLE = "Import field survey points"
    GROUP = "Field survey"
    GROUP_ID = "survey"
    HELP = ("Imports GPS points of a field survey (GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage, "
            "Shapefile) into the results GeoPackage of a full plan: survey_points (matched to villages by "
            "code, name or distance), survey_rejects (each rejected row with its row number and reason), "
            "village_location_updates (proposed village moves, to review; villages are never changed) and "
            "survey_imports (one audit row per file). The datum of each file (WGS 84, GCJ-02, BD-09, "
            "CGCS2000 or projected metres) is decided from the file and the villages and written to the log, "
            "unless you choose it. A file imported before is skipped. Any unreadable or unsafe file stops the "
            "import and the GeoPackage stays unchanged. A returned village status form (form.gpkg, form.xlsx, or a CSV "
            "with village_code and obs_* columns) is recognised and its checked observations go to "
            "village_status_updates.")
    NUMBERS = {
        "imported": "Points imported",
        "rejected": "Rows rejected",
        "matched": "Points matched to a village",
        "skipped": "Files imported before (skipped)",
    }
    STAGES = STAGES

    def add_extra_parameters(self) -> None:
        """The survey files, the results GeoPackage, the datum, the match radius; the GeoPackage as output."""
        self.addParameter(QgsProcessingParameterMultipleLayers(
            FILES, tr("Survey files (GPX, KML, KMZ, CSV, TXT, XLSX, GeoJSON, GeoPackage, Shapefile)"),
            QgsProcessing.TypeFile))
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage of a full plan (results.gpkg)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterEnum(
            DATUM, tr("Coordinates of the files are in"), options=[tr(label) for label in DATUM_LABELS],
            defaultValue=0))
        epsg = QgsProcessingParameterString(
            EPSG, tr("EPSG code of the files (overrides the choice above, e.g. EPSG:4526)"), optional=True)
        epsg.setFlags(epsg.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(epsg)
        radius = QgsProcessingParameterDistance(
            MATCH_RADIUS, tr("Match a point to the nearest village within"), 1000.0, minValue=1.0)
        radius.setDefaultUnit(QgsUnitTypes.DistanceMeters)
        self.addParameter(radius)
        self.addOutput(QgsProcessingOutputFile(RESULTS_GPKG, tr("Results GeoPackage (results.gpkg)")))

    def crs_option(self, parameters, context) -> str:
        """The core's ``crs`` value: the EPSG code when given, else the chosen datum."""
        text = self.parameterAsString(parameters, EPSG, context).strip()
        if not text:
            return DATUMS[self.parameterAsEnum(parameters, DATUM, context)]
        if text.isdigit():
            text = f"EPSG:{text}"
        try:
            parse_crs_option(text)
        except ConfigError as exc:
            raise QgsProcessingException(
                tr("EPSG code {0} is not a coordinate system of the Earth").format(repr(text))) from exc
        return text

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.survey.import_survey` and log its report."""
        files = self.parameterAsFileList(parameters, FILES, context)
        if not files:
            raise QgsProcessingException(tr("No survey files given"))
        into = self.parameterAsFile(parameters, RESULTS, context)
        crs = self.crs_option(parameters, context)
        radius = self.parameterAsDouble(parameters, MATCH_RADIUS, context)
        status = [f for f in files if is_status_return(Path(f))]
        points = [f for f in files if f not in status]
        survey = SurveyProgress(progress.feedback, len(files))
        report = SurveyReport(Path(into), [], written=False)
        try:
            prepared = read_status(status, into) if status else None  # checked before anything is written
            if points:
                report = import_survey(points, into, crs=crs, match_radius_m=radius, progress=survey)
            lines = commit_status(prepared).lines() if prepared is not None else []
        except OSError as exc:  # e.g. another program holds the GeoPackage
            raise QgsProcessingException(
                tr("Could not update {0}: {1}. If another program has it open, close it there and run again; "
                   "it is unchanged.").format(into, exc)) from exc
        for line in lines + (report.lines(warnings=False) if points else []):  # warnings were logged as they came
            survey.message(line)
        return Outcome({}, None, numbers=counts(report), extra={RESULTS_GPKG: str(Path(into))})


def counts(report: SurveyReport) -> dict[str, float | None]:
    """Points imported, rows rejected, points matched to a village and files skipped in one import."""
    matched = sum(f.matched_by.get(kind, 0) for f in report.files for kind in MATCH_KINDS if kind != "none")
    return {"imported": report.imported, "rejected": report.rejected, "matched": matched,
            "skipped": sum(f.status == "skipped" for f in report.files)}
