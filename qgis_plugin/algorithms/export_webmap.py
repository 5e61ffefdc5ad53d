"""Processing algorithm: one self-contained interactive HTML map of a full-plan run."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ...core.maps import BASEMAPS, export_map
from .base import Outcome, RuralEnvAlgorithm, tr

RESULTS = "RESULTS"
ONLINE = "ONLINE"
BASEMAP = "BASEMAP"
TITLE = "TITLE"
LANGUAGE = "LANGUAGE"
OUTPUT_HTML = "OUTPUT_HTML"
LANGUAGES = ("zh", "en")


class ExportWebMap(RuralEnvAlgorithm):
    """results.gpkg of a full plan → one HTML file that opens in any browser, offline by default."""

    NAME = "export_webmap"
    TITLE = "Export interactive web map"
    GROUP = "Reports"
    GROUP_ID = "reports"
    HELP = ("Writes one self-contained HTML map of a full plan run (its results.gpkg): villages by "
            "collection model, roads hardened or not, facilities and county indicators, with pop-ups. The "
            "page works offline and requests nothing; with basemap tiles switched on it requests only the "
            "tiles.")
    STAGES = ("web map",)

    def add_extra_parameters(self) -> None:
        """The results file, the map options and the HTML file."""
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage of a full plan (results.gpkg)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterBoolean(ONLINE, tr("Add basemap tiles (needs internet)"), False))
        self.addParameter(QgsProcessingParameterEnum(BASEMAP, tr("Basemap"), options=list(BASEMAPS),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterString(TITLE, tr("Title"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(LANGUAGE, tr("Language of the map"),
                                                     options=["中文", "English"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(OUTPUT_HTML, tr("Web map"),
                                                                fileFilter=tr("HTML files (*.html)")))

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.maps.webmap.export_map`."""
        online = self.parameterAsBoolean(parameters, ONLINE, context)
        html = export_map(
            self.parameterAsFile(parameters, RESULTS, context),
            self.parameterAsFileOutput(parameters, OUTPUT_HTML, context),
            online=online,
            basemap=list(BASEMAPS)[self.parameterAsEnum(parameters, BASEMAP, context)] if online else None,
            title=self.parameterAsString(parameters, TITLE, context) or None,
            lang=LANGUAGES[self.parameterAsEnum(parameters, LANGUAGE, context)],
            progress=progress,
        )
        return Outcome({}, None, extra={OUTPUT_HTML: str(html)})
