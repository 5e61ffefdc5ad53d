"""Processing algorithm: the sewage plan (which villages, shared plants, cost) and the toilet plan."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterNumber

from ...core.plan import PlanOptions
from .base import Sink, tr
from .plan_common import PlanAlgorithm

YEAR = "SEWAGE_YEAR"
BUDGET = "BUDGET_WAN"
TOILET_TARGET = "TOILET_TARGET"
YEARS = (2025, 2023)


class PlanSanitation(PlanAlgorithm):
    """results.gpkg → sewage projects and their pipes, toilet projects, and the villages before and after."""

    NAME = "plan_sanitation"
    TITLE = "Plan sewage treatment and sanitary toilets"
    STAGES = ("plan: sewage links", "plan: sewage", "plan: re-run with the plan built")
    HELP = ("Chooses which administrative villages get their sewage treated, and how (the town sewer, their own "
            "facility, or a plant shared with neighbours along the roads), at least total cost so that every county "
            "reaches the year's sewage treatment target and, for 2025, each priority zone's; or the most villages "
            "within a budget per county. Then the households to give a sanitary toilet, of the type the village "
            "suits, to reach each county's share of the region's new toilets or a coverage target. Costs are the "
            "cost_* settings; plan.json gives the cost, its lower bound and the gap, and plan.xlsx the project list "
            "and the investment estimate. The plan is checked by running the analysis again with it built.")
    SINKS = (Sink("sewage_projects", "Sewage projects"), Sink("sewage_pipes", "Sewage pipes", geometry="LineString"),
             Sink("toilet_projects", "Toilet projects"), Sink("villages", "Villages before and after"))
    NUMBERS = {"rate_before_pct": "Sewage treatment rate before (%)",
               "rate_after_pct": "Sewage treatment rate after (%)", "cost_wan": "Sewage cost (10,000 CNY)",
               "bound_wan": "Lower bound of the sewage cost (10,000 CNY)", "toilets": "Toilets to build (households)",
               "investment_wan": "Investment (10,000 CNY)"}

    def add_plan_parameters(self) -> None:
        """Target year, budget, toilet target."""
        self.addParameter(QgsProcessingParameterEnum(YEAR, tr("Target year"), options=[str(y) for y in YEARS],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            BUDGET, tr("Instead: sewage budget per county, 10,000 CNY (0: none)"), QgsProcessingParameterNumber.Double,
            0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            TOILET_TARGET, tr("Sanitary-toilet coverage target (%) (0: the county's share of the region's toilets)"),
            QgsProcessingParameterNumber.Double, 0.0, minValue=0.0, maxValue=100.0))

    def plan_options(self, parameters, context) -> PlanOptions:
        """Sewage and toilets only."""
        budget = self.parameterAsDouble(parameters, BUDGET, context)
        toilet = self.parameterAsDouble(parameters, TOILET_TARGET, context)
        return PlanOptions(waste=False, roads=False, year=YEARS[self.parameterAsEnum(parameters, YEAR, context)],
                           budget_wan=budget or None, toilet_target=toilet / 100 if toilet else None)

    def numbers(self, summary: dict) -> dict[str, float | None]:
        """From plan.json's sewage, toilets and investment parts."""
        s = summary["sewage"]
        return {"rate_before_pct": s["rate_before_pct"], "rate_after_pct": s["rate_after_pct"],
                "cost_wan": s["cost_wan"], "bound_wan": s["bound_wan"],
                "toilets": summary["toilets"]["households"], "investment_wan": summary["investment"]["total_wan"]}
