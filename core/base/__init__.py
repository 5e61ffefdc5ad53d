"""The basics every other part stands on: settings, the input and output contracts, errors, files, CRS, datums, progress, legend."""
from . import _warnings  # noqa: F401 - installs the warning filters
from ._errors import Cancelled, ConfigError, InputError, OutputError, Problem, RuralEnvError
from .config import Config, LayerSpec, RunInputs, load_toml
from .files import SAMPLE_GPKG
from .progress import NullProgress, Progress, check_cancel

__all__ = ["SAMPLE_GPKG", "Cancelled", "Config", "ConfigError", "InputError", "LayerSpec", "NullProgress", "OutputError", "Problem", "Progress", "RunInputs", "RuralEnvError", "check_cancel", "load_toml"]
