"""Plans from a run: transfer-station siting and the paving plan, checked by re-running the analysis."""
from .run import PlanOptions, make_plan
from .writers import plan_layers, write_plan

__all__ = ["PlanOptions", "make_plan", "plan_layers", "write_plan"]
