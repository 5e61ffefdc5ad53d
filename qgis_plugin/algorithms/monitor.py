"""Processing algorithm: the monitoring report of runs of several years (``ruralenv monitor``)."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
)

from ...core import ConfigError
from ..dependencies import REPORTS, missing_message, missing_modules
from .base import Outcome, RuralEnvAlgorithm, tr

RUNS = "RUNS"
YEARS = "YEARS"
LANG = "LANG"
ACCEPTANCE = "ACCEPTANCE"
OUTPUT_FOLDER = "OUTPUT_FOLDER"
LANGS = ("zh", "en")
LANG_LABELS = ("Chinese", "English")
#: The 检查验收 choice: automatic (when the last year is 2025 or later), always, never.
ACCEPTANCE_CHOICES = (None, True, False)
ACCEPTANCE_LABELS = ("When the last year is 2025 or later", "Yes", "No")
#: Output name → (file, label).
FILES = {"REPORT_DOCX": ("report.docx", "Monitoring report (report.docx)"),
         "REPORT_HTML": ("report.html", "Monitoring report (report.html)"),
         "MONITOR_JSON": ("monitor.json", "Monitoring figures (monitor.json)"),
         "CHANGES_GPKG": ("changes.gpkg", "Village changes (changes.gpkg)"),
         "MONITOR_XLSX": ("monitor.xlsx", "Monitoring tables (monitor.xlsx)")}


def parse_years(text: str) -> list[int] | None:
    """``"2022, 2024"`` → [2022, 2024]; empty → None (each run's data_year)."""
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        return None
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise QgsProcessingException(tr("Years must be whole numbers separated by commas, e.g. 2022,2024")) from None


class Monitor(RuralEnvAlgorithm):
    """results.gpkg of several years → trajectories, status to 2025, village changes, 监测报告, 检查验收."""

    NAME = "monitor"
    TITLE = "Monitoring report of several years"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("Compares the results of full plans of several years (one results.gpkg per year, with its "
            "summary.json beside it). The year of each comes from the Years field (same order), else from the "
            "run's data_year setting. Writes into the folder: monitor.json (every indicator per year against its "
            "2023 and 2025 targets, for the region, each county and township, with the status to 2025 by the "
            "Open SDG progress method and the value projected for 2025), changes.gpkg (villages added, removed, "
            "recoded or moved; coverage, access, sewage and toilets gained or lost), monitor.xlsx, report.html "
            "and report.docx (the monitoring report, with the inspection and acceptance table when the last "
            "year is 2025 or later). Settings that differ between the runs and counties missing in a year are "
            "reported.")
    STAGES = ("monitor: read runs", "monitor: trajectories", "monitor: village changes", "monitor: write")

    def add_extra_parameters(self) -> None:
        """The runs, their years, the language, the acceptance choice and the output folder."""
        self.addParameter(QgsProcessingParameterMultipleLayers(
            RUNS, tr("Results of full plans, one per year (results.gpkg)"), QgsProcessing.TypeFile))
        self.addParameter(QgsProcessingParameterString(
            YEARS, tr("Years of the results, same order, e.g. 2022,2024 (default: their data_year setting)"),
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(LANG, tr("Language of the report"),
                                                     options=[tr(x) for x in LANG_LABELS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            ACCEPTANCE, tr("Inspection and acceptance table"), options=[tr(x) for x in ACCEPTANCE_LABELS],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFolderDestination(OUTPUT_FOLDER, tr("Monitoring folder")))
        for key, (_, label) in FILES.items():
            self.addOutput(QgsProcessingOutputFile(key, tr(label)))

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Call :func:`ruralenv.core.monitor.monitor` and write the files."""
        missing = missing_modules(REPORTS)
        if missing:
            raise QgsProcessingException(missing_message(missing))
        from ...core.monitor import MonitorOptions, monitor
        from ...core.monitor.writers import write_monitor

        runs = [Path(p.split("|")[0]) for p in self.parameterAsFileList(parameters, RUNS, context)]
        options = MonitorOptions(parse_years(self.parameterAsString(parameters, YEARS, context)),
                                 LANGS[self.parameterAsEnum(parameters, LANG, context)],
                                 ACCEPTANCE_CHOICES[self.parameterAsEnum(parameters, ACCEPTANCE, context)])
        folder = self.parameterAsString(parameters, OUTPUT_FOLDER, context)
        try:
            outcome = monitor(runs, options, progress)
            progress.stage("monitor: write")
            files = write_monitor(outcome, folder)
        except ConfigError as exc:
            raise QgsProcessingException(str(exc)) from exc
        for line in outcome.summary["warnings"]:
            progress.message(line, "warning")
        for line in outcome.summary["sentences"]["region"]:
            progress.message(line)
        return Outcome({}, None, extra={OUTPUT_FOLDER: folder,
                                        **{key: str(files[name]) for key, (name, _) in FILES.items()}})
