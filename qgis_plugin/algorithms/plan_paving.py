"""Processing algorithm: which unpaved roads to harden, least km, to reach the access target."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterNumber

from ...core.plan import PlanOptions
from .base import Sink, tr
from .plan_common import PlanAlgorithm

TARGET = "ROADS_TARGET"
BUDGET = "BUDGET_KM"


class PlanPaving(PlanAlgorithm):
    """results.gpkg → road pieces to pave, ranked, and the villages before and after."""

    NAME = "plan_paving"
    TITLE = "Plan roads to pave"
    STAGES = ("plan: paving", "plan: re-run with the plan built")
    HELP = ("Chooses the unpaved road pieces to harden, least total length, so that each county reaches the "
            "target share of larger natural villages with hardened access (shared stretches counted once), or "
            "the most villages within a km budget per county. plan.json gives per county the km for 83.5 %, "
            "85 %, 90 % and 100 %, a lower bound and the gap. The plan is checked by running the analysis again "
            "with the pieces hardened; the coverage reported is that run's.")
    SINKS = (Sink("roads_to_pave", "Roads to pave", geometry="LineString"), Sink("villages", "Villages before and after"))
    NUMBERS = {"km": "km to pave", "bound_km": "Lower bound (km)", "coverage_before_pct": "Access before (%)",
               "coverage_after_pct": "Access after (%)"}

    def add_plan_parameters(self) -> None:
        """Target or budget."""
        self.addParameter(QgsProcessingParameterNumber(TARGET, tr("Hardened access target (%)"),
                                                       QgsProcessingParameterNumber.Double, 85.0, minValue=0.1,
                                                       maxValue=100.0))
        self.addParameter(QgsProcessingParameterNumber(BUDGET, tr("Instead: km each county may pave (0: none)"),
                                                       QgsProcessingParameterNumber.Double, 0.0, minValue=0.0))

    def plan_options(self, parameters, context) -> PlanOptions:
        """Paving only."""
        budget = self.parameterAsDouble(parameters, BUDGET, context)
        return PlanOptions(roads_target=None if budget else self.parameterAsDouble(parameters, TARGET, context) / 100,
                           budget_km=budget or None, waste=False, sewage=False, toilets=False)

    def numbers(self, summary: dict) -> dict[str, float | None]:
        """From plan.json's roads part."""
        return {k: summary["roads"].get(k) for k in self.NUMBERS}
