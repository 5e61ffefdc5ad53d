"""The analysis of a run: prepare (read, validate, project, graph, snap), the stages, and the typed Results."""
from .analysis import PIPELINE_STAGES, STAGES, analyse
from .prepare import Prepared, prepare
from .results import Results
from .stage import Context, Stage, run_stages
from .validate import VALIDATE_STAGES, NetworkCheck, validate_network

__all__ = ["Context", "NetworkCheck", "PIPELINE_STAGES", "Prepared", "Results", "STAGES", "Stage", "VALIDATE_STAGES", "analyse", "prepare", "run_stages", "validate_network"]
