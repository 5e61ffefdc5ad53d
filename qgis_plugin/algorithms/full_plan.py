"""Processing algorithm: the whole plan analysis with county indicators and report files."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
)

from ...core.surface import SURFACE_TARGETS, make_surface, read_results, write_surface
from .base import SETTINGS, Outcome, PipelineAlgorithm, Sink, tr
from .surface import TARGET_LABELS

OUTPUT_FOLDER = "OUTPUT_FOLDER"
RESULTS_GPKG = "RESULTS_GPKG"
SURFACE = "SURFACE"
SURFACE_TIF = "SURFACE_TIF"
PLAN = "PLAN"


class FullPlan(PipelineAlgorithm):
    """All layers → villages, roads, facilities, counties, unreachable + report.xlsx, summary.json, results.gpkg."""

    NAME = "full_plan"
    TITLE = "Full plan and county indicators"
    GROUP = "Plan analyses"
    GROUP_ID = "analyses"
    HELP = ("Runs every analysis: hardened-road access, waste collection model, sewage mode and sanitary "
            "toilets, mines near villages and the indicators per county against the 2023 and 2025 targets of "
            "the plan (waste collection covering 50 % and 60 % of administrative villages; hardened roads to "
            "83.5 % and 85 % of larger natural villages; sewage treated in 26 % and 32 % of administrative "
            "villages). Also writes report.xlsx, summary.json and results.gpkg into the report folder.")
    INPUTS = (("villages", False), ("roads", False), ("facilities", False), ("towns", True),
              ("counties", True), ("mines", True), ("sewer", True), ("urban_areas", True), ("priority_zones", True))
    SETTING_KEYS = tuple(SETTINGS)
    SWITCH_KEYS = ("capacity_aware",)
    SINKS = (
        Sink("villages", "Villages with access and collection model", "villages.qml"),
        Sink("roads", "Roads with hardened flag", "roads.qml", geometry="LineString"),
        Sink("facilities", "Facilities", "facilities.qml"),
        Sink("counties", "County indicators", "counties.qml", geometry="MultiPolygon"),
        Sink("unreachable", "Unreachable villages", "unreachable.qml"),
    )
    NUMBERS = {
        "waste_coverage_pct": "Waste coverage (%)",
        "waste_gap_2025": "Administrative villages short of the 2025 waste target",
        "road_coverage_pct": "Hardened road coverage (%)",
        "roads_gap_2025": "Villages short of the 2025 road target",
        "pave_km_2025": "km to pave for the 2025 target",
        "n_unreachable": "Unreachable villages",
        "sewage_rate_pct": "Sewage treatment rate (%)",
        "toilet_rate_pct": "Sanitary toilet rate (%)",
    }

    def add_extra_parameters(self) -> None:
        """The report folder."""
        self.addParameter(QgsProcessingParameterFolderDestination(
            OUTPUT_FOLDER, tr("Report folder (report.xlsx, summary.json, results.gpkg)"), optional=True,
            createByDefault=True))
        self.addOutput(QgsProcessingOutputFile(RESULTS_GPKG, tr("Results GeoPackage (results.gpkg)")))
        self.addParameter(QgsProcessingParameterEnum(
            SURFACE, tr("Also write a distance surface to (into the report folder)"),
            options=[tr("None")] + [tr(t) for t in TARGET_LABELS], defaultValue=0))
        self.addOutput(QgsProcessingOutputFile(SURFACE_TIF, tr("Accessibility surface")))
        self.addParameter(QgsProcessingParameterBoolean(
            PLAN, tr("Also plan transfer stations, roads to pave, sewage treatment and toilets for the 2025 targets, "
                     "priced (report folder/plan)"),
            False))

    def output_folder(self, parameters, context) -> str | None:
        """The chosen report folder."""
        return self.parameterAsString(parameters, OUTPUT_FOLDER, context) or None

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Run the pipeline; also report where results.gpkg was written, for a following step."""
        outcome = super().analyse(layers, config, progress, parameters, context)
        folder = outcome.extra.get(OUTPUT_FOLDER)
        outcome.extra[RESULTS_GPKG] = str(Path(folder) / "results.gpkg") if folder else None
        choice = self.parameterAsEnum(parameters, SURFACE, context)
        if choice and folder:
            target = SURFACE_TARGETS[choice - 1]
            surf = make_surface(read_results(Path(folder) / "results.gpkg"), target, "distance", config,
                                progress=progress)
            tif = Path(folder) / f"surface_{target}.tif"
            write_surface(surf, tif)
            outcome.extra[SURFACE_TIF] = str(tif)
        if folder and self.parameterAsBoolean(parameters, PLAN, context):
            from ...core.plan import make_plan, write_plan

            write_plan(make_plan(outcome.extra[RESULTS_GPKG], progress=progress), Path(folder) / "plan",
                       progress=progress)
        return outcome
