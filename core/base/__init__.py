"""The basics every other part stands on: settings, the input and output contracts, errors, files, CRS, datums, progress, legend."""
from ._errors import Cancelled, ConfigError, InputError, OutputError, Problem, RuralEnvError
from ._warnings import silence_gpkg_version_warning
from .config import Config, LayerSpec, RunInputs, load_toml
from .files import SAMPLE_GPKG
from .progress import NullProgress, Progress, check_cancel

silence_gpkg_version_warning()  # every ruralenv.core import passes here

__all__ = ["SAMPLE_GPKG", "Cancelled", "Config", "ConfigError", "InputError", "LayerSpec", "NullProgress", "OutputError", "Problem", "Progress", "RunInputs", "RuralEnvError", "check_cancel", "load_toml"]
