"""What the planning algorithms share: the results.gpkg input, the time limit, the plan folder."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ...core.plan import PlanOptions, make_plan, plan_layers, write_plan
from .base import Outcome, RuralEnvAlgorithm, tr

RESULTS = "RESULTS"
TIME_LIMIT = "TIME_LIMIT"
CHECK = "CHECK"
OUTPUT_FOLDER = "OUTPUT_FOLDER"
PLAN_JSON = "PLAN_JSON"


class PlanAlgorithm(RuralEnvAlgorithm):
    """Plans on the results.gpkg of a full plan; the subclass adds its own parameters and options."""

    GROUP = "Planning"
    GROUP_ID = "planning"
    STAGES: tuple[str, ...] = ("plan: coverage sets", "plan: siting", "plan: re-run with the plan built")

    def add_extra_parameters(self) -> None:
        """results.gpkg, the subclass's options, the time limit, the re-run check and the plan folder."""
        self.addParameter(QgsProcessingParameterFile(
            RESULTS, tr("Results GeoPackage of a full plan (results.gpkg)"), extension="gpkg"))
        self.add_plan_parameters()
        self.addParameter(QgsProcessingParameterNumber(
            TIME_LIMIT, tr("Time limit of the exact solver (seconds)"), QgsProcessingParameterNumber.Double,
            30.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(
            CHECK, tr("Check the plan by running the analysis again with it built"), True))
        self.addParameter(QgsProcessingParameterFolderDestination(
            OUTPUT_FOLDER, tr("Plan folder (plan.gpkg, plan.json, plan.xlsx, map.html)"), optional=True,
            createByDefault=True))
        self.addOutput(QgsProcessingOutputFile(PLAN_JSON, tr("Plan summary (plan.json)")))

    def add_plan_parameters(self) -> None:
        """The subclass's own parameters."""

    def plan_options(self, parameters, context) -> PlanOptions:
        """The subclass's :class:`PlanOptions`."""
        raise NotImplementedError

    def numbers(self, summary: dict) -> dict[str, float | None]:
        """The numeric outputs from plan.json."""
        raise NotImplementedError

    def analyse(self, layers, config, progress, parameters, context) -> Outcome:
        """Plan, check, write the plan folder; the sinks get the plan's layers."""
        opt = self.plan_options(parameters, context)
        opt.time_limit = self.parameterAsDouble(parameters, TIME_LIMIT, context)
        opt.check = self.parameterAsBoolean(parameters, CHECK, context)
        outcome = make_plan(self.parameterAsFile(parameters, RESULTS, context), opt, progress)
        folder = self.parameterAsString(parameters, OUTPUT_FOLDER, context) or None
        files = write_plan(outcome, folder, progress=progress) if folder else {}
        layers = plan_layers(outcome)  # the layers of plan.gpkg; each algorithm's sinks pick theirs
        extra = {OUTPUT_FOLDER: folder, PLAN_JSON: str(files["plan.json"]) if files else None}
        return Outcome(layers, outcome.inputs.crs, self.numbers(outcome.summary), extra)
