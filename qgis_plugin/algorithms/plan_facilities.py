"""Processing algorithm: where to build new waste facilities to reach the coverage target."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterFile, QgsProcessingParameterNumber

from ...core.plan import PlanOptions
from .base import Sink, tr
from .plan_common import PlanAlgorithm

CANDIDATES = "CANDIDATES"
FACILITY_TYPE = "FACILITY_TYPE"
SITES = "SITES"
TARGET = "WASTE_TARGET"
WEIGHT = "WEIGHT"
SITE_CAPACITY = "SITE_CAPACITY_TPD"
TYPES = ("transfer_station", "town_treatment", "village_treatment")


class PlanFacilities(PlanAlgorithm):
    """results.gpkg → proposed sites, ranked, and the villages before and after."""

    NAME = "plan_facilities"
    TITLE = "Plan new waste facilities"
    HELP = ("Chooses sites for new transfer stations (or town / village treatment facilities) among candidate "
            "points (by default township seats, junctions of the hardened network and existing facility sites): "
            "K sites covering the most administrative villages, or the fewest sites so that every county "
            "reaches the target. A greedy plan is improved by an exact integer programme within the time limit; "
            "plan.json reports the bound and the gap. The plan is checked by running the analysis again with "
            "the sites built; the coverage reported is that run's.")
    SINKS = (Sink("proposed_sites", "Proposed sites"), Sink("villages", "Villages before and after"))
    NUMBERS = {"sites": "Sites proposed", "coverage_before_pct": "Waste coverage before (%)",
               "coverage_after_pct": "Waste coverage after (%)", "gap": "Optimality gap"}

    def add_plan_parameters(self) -> None:
        """Candidates, facility type, K or target, weight."""
        self.addParameter(QgsProcessingParameterFile(CANDIDATES, tr("Candidate sites (points; optional)"),
                                                     optional=True))
        self.addParameter(QgsProcessingParameterEnum(FACILITY_TYPE, tr("Facility type"), options=list(TYPES),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(SITES, tr("Number of sites K (0: reach the target)"),
                                                       QgsProcessingParameterNumber.Integer, 0, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(TARGET, tr("Waste coverage target (%)"),
                                                       QgsProcessingParameterNumber.Double, 60.0, minValue=0.1,
                                                       maxValue=100.0))
        self.addParameter(QgsProcessingParameterEnum(WEIGHT, tr("Maximise"), options=["villages", "people"],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(  # issue 27: a site covers only what it can take
            SITE_CAPACITY, tr("Capacity of each proposed site, t/day (0: unlimited)"),
            QgsProcessingParameterNumber.Double, 0.0, minValue=0.0))

    def plan_options(self, parameters, context) -> PlanOptions:
        """Facility siting only."""
        k = self.parameterAsInt(parameters, SITES, context)
        return PlanOptions(
            candidates=self.parameterAsFile(parameters, CANDIDATES, context) or None,
            facility_type=TYPES[self.parameterAsEnum(parameters, FACILITY_TYPE, context)],
            sites=k or None,
            waste_target=None if k else self.parameterAsDouble(parameters, TARGET, context) / 100.0,
            weight=("count", "population")[self.parameterAsEnum(parameters, WEIGHT, context)],
            site_capacity_tpd=self.parameterAsDouble(parameters, SITE_CAPACITY, context) or None,
            roads=False, sewage=False, toilets=False)

    def numbers(self, summary: dict) -> dict[str, float | None]:
        """From plan.json's waste part."""
        return {k: summary["waste"].get(k) for k in self.NUMBERS}
