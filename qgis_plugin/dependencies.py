"""Check that the Python packages the core needs are importable inside QGIS, and say how to get them.

Imports nothing but the standard library, so it works in a QGIS that lacks every dependency.
"""
from __future__ import annotations

import importlib
import platform

#: Import name → package name to install.
REQUIRED = {"numpy": "numpy", "pandas": "pandas", "shapely": "shapely", "pyproj": "pyproj",
            "geopandas": "geopandas", "pyogrio": "pyogrio", "scipy": "scipy", "openpyxl": "openpyxl",
            "gpxpy": "gpxpy", "defusedxml": "defusedxml", "highspy": "highspy"}

#: Needed only by the monitoring report (``ruralenv:monitor`` writes report.docx with charts): checked when that
#: algorithm runs, so that a QGIS without them still has every other algorithm.
REPORTS = {"docx": "python-docx", "matplotlib": "matplotlib"}

#: Debian/Ubuntu package of each dependency (QGIS there uses the system Python); the HiGHS solver of the
#: planner (highspy) has none and comes from pip.
DEBIAN = {"docx": "python3-docx", "matplotlib": "python3-matplotlib",
          "numpy": "python3-numpy", "pandas": "python3-pandas", "shapely": "python3-shapely",
          "pyproj": "python3-pyproj", "geopandas": "python3-geopandas", "pyogrio": "python3-pyogrio",
          "scipy": "python3-scipy", "openpyxl": "python3-openpyxl",
          "gpxpy": "python3-gpxpy", "defusedxml": "python3-defusedxml"}


def missing_modules(modules: dict[str, str] | None = None) -> list[str]:
    """Names of the required modules (or of ``modules``) that cannot be imported."""
    missing = []
    for module in REQUIRED if modules is None else modules:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


def install_command(missing: list[str], system: str | None = None) -> str:
    """The command that installs ``missing`` for the QGIS of this platform.

    Parameters
    ----------
    missing : list of str
        Module names from :func:`missing_modules`.
    system : str, optional
        ``platform.system()`` value (default: this machine's).

    Returns
    -------
    str
    """
    system = system or platform.system()
    packages = " ".join({**REQUIRED, **REPORTS}[m] for m in missing)
    if system == "Windows":
        return f"python -m pip install {packages}   (in the OSGeo4W Shell, run as administrator)"
    if system == "Darwin":
        return f"/Applications/QGIS.app/Contents/MacOS/bin/pip3 install {packages}"
    debs = " ".join(DEBIAN[m] for m in missing if m in DEBIAN)
    pip_only = " ".join(REQUIRED[m] for m in missing if m not in DEBIAN)
    if not debs:
        return f"python3 -m pip install --user {pip_only}"
    also = f" and python3 -m pip install --user {pip_only}" if pip_only else ""
    return f"sudo apt install {debs}{also}   (or: python3 -m pip install --user {packages})"


def missing_message(missing: list[str], system: str | None = None) -> str:
    """One-paragraph message for the user: what is missing and the exact command to install it."""
    command = install_command(missing, system)
    return (f"RuralEnv Planner needs Python packages missing from this QGIS: {', '.join(missing)}. "
            f"Install them with: {command} — then restart QGIS. "
            f"RuralEnv 插件缺少 Python 包：{'、'.join(missing)}。请运行上述命令安装后重启 QGIS。")
