"""A real headless QGIS 3.22 with Processing and the RuralEnv provider, shared by the QGIS tests.

The QGIS profile and the road-graph cache live in temporary folders, so the tests see neither the
user's QGIS settings nor earlier runs. Without QGIS's Python bindings the tests are skipped, unless
``RURALENV_REQUIRE_QGIS=1`` (``make test-qgis``) makes that an error.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "zhungeer_150622.gpkg"
SITE_PACKAGES = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"
QGIS_PROCESS = "/usr/bin/qgis_process.bin"

_ISOLATION = Path(tempfile.mkdtemp(prefix="ruralenv-qgis-tests-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(_ISOLATION / "config")
os.environ["XDG_CACHE_HOME"] = str(_ISOLATION / "cache")

try:
    from qgis.core import QgsApplication
except ImportError:
    if os.environ.get("RURALENV_REQUIRE_QGIS") == "1":
        raise
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def qgis_app():
    """QGIS initialised once, with Processing and the RuralEnv provider registered like QGIS does."""
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    import ruralenv

    plugin = ruralenv.classFactory(None)
    plugin.initProcessing()
    yield app
    plugin.unload()
    shutil.rmtree(_ISOLATION, ignore_errors=True)


@pytest.fixture(scope="session")
def sample() -> Path:
    """The bundled sample GeoPackage."""
    assert SAMPLE.exists(), f"bundled sample missing: {SAMPLE}"
    return SAMPLE


def uri(gpkg: Path, layer: str) -> str:
    """OGR layer URI as QGIS takes it."""
    return f"{gpkg}|layername={layer}"


@pytest.fixture(scope="session")
def compiled_translations() -> Path:
    """Compile the .ts files next to them (as ``make translations`` does); return the i18n folder."""
    i18n = ROOT / "qgis_plugin" / "i18n"
    for ts in i18n.glob("*.ts"):
        subprocess.run(["lrelease", "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    return i18n


def subprocess_env(profile_root: Path, **extra: str) -> dict[str, str]:
    """Environment for a child QGIS: its own profile root, offscreen, the venv's packages importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile_root),
               PYTHONPATH=SITE_PACKAGES, LANG="C.UTF-8")
    env.update(extra)
    return env


def install_plugin(profile_root: Path, source: Path | None = None) -> Path:
    """Put the plugin into the default profile under ``profile_root`` (a symlink to ``source``)."""
    plugins = profile_root / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if source is not None:
        (plugins / "ruralenv").symlink_to(source, target_is_directory=True)
    return plugins


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this venv; fail the test with its output on error."""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def plugin_script(plugins: Path, body: str, setup: str = "") -> str:
    """A child script: start QGIS headless, run ``setup``, load and start the plugin from ``plugins``
    with :mod:`qgis.utils` (as QGIS does), then run ``body``; ``started`` holds startPlugin's answer."""
    return "\n".join([
        "import sys",
        "from qgis.core import QgsApplication",
        "app = QgsApplication([], False)",
        "app.initQgis()",
        textwrap.dedent(setup),
        f"sys.path.insert(0, {str(plugins)!r})",
        "import qgis.utils",
        "assert qgis.utils.loadPlugin('ruralenv'), 'loadPlugin failed'",
        "started = qgis.utils.startPlugin('ruralenv')",
        textwrap.dedent(body),
    ])


def model_step(alg_id: str, child_id: str, sources: dict, outputs: dict | None = None):
    """A model step; parameters not in ``sources`` get their defaults, as the Model Designer does.

    ``outputs`` maps model output names to the step's output names, exposing them as model outputs.
    """
    from qgis.core import (
        QgsApplication,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    step = QgsProcessingModelChildAlgorithm(alg_id)
    step.setChildId(child_id)
    for definition in QgsApplication.processingRegistry().algorithmById(alg_id).parameterDefinitions():
        if not definition.isDestination():
            default = QgsProcessingModelChildParameterSource.fromStaticValue(definition.defaultValue())
            step.addParameterSources(definition.name(), [sources.get(definition.name(), default)])
    exposed = {}
    for name, child_output in (outputs or {}).items():
        exposed[name] = QgsProcessingModelOutput(name)
        exposed[name].setChildId(child_id)
        exposed[name].setChildOutputName(child_output)
    step.setModelOutputs(exposed)
    return step
