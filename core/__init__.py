"""RuralEnv core: pure-Python analysis of village road access and waste collection models.

Never imports QGIS or its Qt bindings. Typical use::

    from ruralenv.core import Config, run_pipeline
    res = run_pipeline({"villages": "v.gpkg", "roads": "r.shp", "facilities": "f.csv"}, Config(), out_dir="out")
"""
from .base import contract
from .base._errors import Cancelled, ConfigError, InputError, Problem, RuralEnvError
from .base.config import Config, LayerSpec, RunInputs, load_toml
from .base.progress import NullProgress, Progress
from .model.analysis import PIPELINE_STAGES, STAGES, analyse
from .model.prepare import Prepared, prepare
from .model.results import Results
from .pipeline import run_pipeline, write_outputs

__all__ = ["PIPELINE_STAGES", "STAGES", "Cancelled", "Config", "ConfigError", "InputError", "LayerSpec", "NullProgress",
           "Prepared", "Problem", "Progress", "Results", "RunInputs", "RuralEnvError", "analyse", "contract", "load_toml", "prepare",
           "run_pipeline", "write_outputs"]
