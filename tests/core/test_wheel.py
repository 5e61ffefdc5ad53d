"""The package as ``pip`` installs it: a wheel built from this tree, installed into a fresh virtual environment
and run from an unrelated folder, must find its data, the map's Leaflet and the China outline without the
source tree, and carry the GPL text as ``LICENSE``.

Slow (a wheel build and a venv install); pip's cache keeps it to about a minute. Debian's Python with
``--system-site-packages`` provides pyproj; pyogrio and shapely are built against the system libraries, as in
the Makefile.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pyogrio
import pytest
from conftest import REPO
from ruralenv.core.base import datum

pytestmark = pytest.mark.slow

SYSTEM_PYTHON = os.environ.get("SYSTEM_PYTHON", "/usr/bin/python3")
PIP_FLAGS = ("--disable-pip-version-check", "-q", "--no-binary", "pyogrio,pyproj,shapely")
OUTPUTS = ("results.gpkg", "summary.json", "report.xlsx", "map.html")


def _run(cmd: list[str], cwd: Path, timeout: float = 1200) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RURALENV_JS_DIR", "VIRTUAL_ENV")}
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """Build the wheel, install it into a fresh venv; return the wheel, the venv's bin and a work folder."""
    if not (REPO / "vendor" / "js" / "node_modules" / "leaflet" / "dist" / "leaflet.js").is_file():
        pytest.fail("Leaflet is not vendored: run `make vendor-js` first")
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", *PIP_FLAGS, "--no-deps", "-w", root / "dist", REPO], cwd=root)
    (wheel,) = (root / "dist").glob("ruralenv-*.whl")
    _run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", root / "venv"], cwd=root)
    bin_dir = root / "venv" / "bin"
    _run([bin_dir / "pip", "install", *PIP_FLAGS, wheel], cwd=root)
    work = root / "elsewhere"
    work.mkdir()
    return {"wheel": wheel, "bin": bin_dir, "work": work}


def test_wheel_carries_the_licence_and_leaflet(installed):
    with zipfile.ZipFile(installed["wheel"]) as zf:
        names = set(zf.namelist())
        licence = zf.read("ruralenv/LICENSE").decode("utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 2, June 1991" in licence
    assert {"ruralenv/vendor/js/node_modules/leaflet/dist/leaflet.js", "ruralenv/data/sample/zhungeer_150622.gpkg",
            "ruralenv/data/china_outline/mainland.geojson", "ruralenv/core/maps/assets/map.js"} <= names
    assert not any(n.startswith(("ruralenv/tests/", "tests/")) for n in names)
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True).stdout.split()
    modules = {n.removeprefix("ruralenv/") for n in names if n.endswith(".py")}
    assert modules <= set(tracked), f"modules not in the source tree: {sorted(modules - set(tracked))}"


def test_installed_package_is_not_the_source_tree(installed):
    done = _run([installed["bin"] / "python", "-c", "import ruralenv; print(ruralenv.__file__)"], installed["work"])
    assert Path(done.stdout.strip()).is_relative_to(installed["bin"].parent)


def test_demo_then_survey_import_run_from_an_unrelated_folder(installed):
    work, ruralenv = installed["work"], installed["bin"] / "ruralenv"
    _run([ruralenv, "demo", "--out", "demo", "-q"], work)
    for name in OUTPUTS:
        assert (work / "demo" / name).stat().st_size > 0, name
    assert "leaflet" in (work / "demo" / "map.html").read_text(encoding="utf-8").lower()

    villages = pyogrio.read_dataframe(work / "demo" / "results.gpkg", layer="villages").iloc[::20]
    lonlat = villages.geometry.to_crs(4326)
    glon, glat = datum.wgs84_to_gcj02(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    rows = [f"{n},{a:.9f},{b:.9f}" for n, a, b in zip(villages["name"], glon, glat, strict=True)]
    (work / "survey.csv").write_text("名称,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = _run([ruralenv, "survey", "import", "survey.csv", "--into", "demo/results.gpkg"], work)
    assert "survey.csv [csv]: read as GCJ-02" in done.stdout
    assert f"imported {len(villages)} + rejected 0" in done.stdout


def test_a_wheel_without_leaflet_is_never_built(tmp_path):
    """Before `make vendor-js` the build stops and names the step (no wheel whose demo writes no map.html)."""
    tree = tmp_path / "tree"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode("utf-8").split("\0")):
        src = REPO / name
        if src.is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_bytes(src.read_bytes())
    assert not (tree / "vendor").exists()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "lib")],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "make vendor-js" in done.stderr + done.stdout and "Leaflet is missing" in done.stderr + done.stdout
