"""What users see before installing: one version everywhere, a changelog entry for it, every dependency checked."""
from __future__ import annotations

import configparser

import tomllib
from conftest import REPO
from ruralenv.qgis_plugin import dependencies


def _metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(REPO / "metadata.txt", encoding="utf-8")
    return parser["general"]


def test_one_version_with_its_changelog():
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    meta = _metadata()
    assert meta["version"] == version
    assert f"## {version}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert meta["changelog"].startswith(f"{version} ")
    for word in ("sewage", "toilet", "plan", "surface", "survey"):  # the product as it is, not as 0.1.0 was
        assert word in meta["about"] and word in meta["changelog"].split(" 0.1.0 ")[0].lower()


def test_every_core_dependency_is_checked_in_qgis():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {d.split(">")[0].split("<")[0].split("=")[0].strip() for d in project}
    assert {"highspy", "geopandas", "pyogrio", "scipy", "openpyxl", "gpxpy", "defusedxml"} <= names
    # the monitor's report packages are checked when the monitor runs (dependencies.REPORTS)
    assert names - {"tqdm", "affine"} <= set(dependencies.REQUIRED.values()) | set(dependencies.REPORTS.values())
    assert "highspy" in dependencies.install_command(["highspy"], "Linux")
    assert dependencies.install_command(["highspy"], "Linux") == "python3 -m pip install --user highspy"
    assert "sudo apt install python3-scipy and python3 -m pip install --user highspy" in \
        dependencies.install_command(["scipy", "highspy"], "Linux")
