"""RuralEnv core: pure-Python analysis of village road access and waste collection models.

Never imports QGIS or its Qt bindings. Typical use::

    from ruralenv.core import Config, run_pipeline
    res = run_pipeline({"villages": "v.gpkg", "roads": "r.shp", "facilities": "f.csv"}, Config(), out_dir="out")
"""
from ._errors import Cancelled, ConfigError, InputError, Problem, RuralEnvError
from .config import Config, LayerSpec, RunInputs, load_toml
from .pipeline import Results, run_pipeline
from .progress import NullProgress, Progress

__all__ = ["Cancelled", "Config", "ConfigError", "InputError", "LayerSpec", "NullProgress", "Problem", "Progress",
           "Results", "RunInputs", "RuralEnvError", "load_toml", "run_pipeline"]
