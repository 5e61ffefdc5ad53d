"""Survey imports started together: real processes, released at the same instant, repeated.

Every read-check-write on results.gpkg (which files were imported, which points are duplicates, the write)
holds the folder's lock from the check to the commit, so the same file imported by several processes at
once lands once, and a run into the folder waits and keeps the survey layers.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
from test_survey_support import make_results, write_gpx

#: Imports everything first, waits for the GO file, then runs the command: the processes start together.
LAUNCH = """
import os, sys, time
from ruralenv.core.cli.main import main
from ruralenv.core.survey import importer  # noqa: F401 - loaded before the start, like the CLI's modules
go = sys.argv[1]
open(go + "." + str(os.getpid()), "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
sys.exit(main(sys.argv[2:]))
"""


def _together(commands: list[list[str]], folder: Path) -> list[subprocess.CompletedProcess]:
    go = folder / "go"
    go.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", LAUNCH, str(go), *cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for cmd in commands]
    deadline = time.monotonic() + 120
    while len(list(folder.glob("go.*"))) < len(procs):  # every process is ready and waiting
        assert time.monotonic() < deadline, "the processes did not start"
        time.sleep(0.01)
    go.touch()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    for ready in folder.glob("go.*"):
        ready.unlink()
    return out


def _rows(gpkg: Path, layer: str) -> int:
    return int(pyogrio.read_info(gpkg, layer=layer)["features"])


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_file_imported_by_three_processes_at_once_lands_once(tmp_path, attempt):
    gpkg = make_results(tmp_path / "results.gpkg")
    src = write_gpx(tmp_path / "w.gpx")
    runs = _together([["survey", "import", str(src), "--into", str(gpkg)]] * 3, tmp_path)
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    assert all("Traceback" not in r.stderr for r in runs)
    assert _rows(gpkg, "survey_points") == 6 and _rows(gpkg, "survey_imports") == 1
    assert sum("already imported on" in r.stdout for r in runs) == 2


def test_two_files_with_the_same_points_at_once_keep_one_copy(tmp_path):
    gpkg = make_results(tmp_path / "results.gpkg")
    src = write_gpx(tmp_path / "w.gpx")
    again = tmp_path / "again.gpx"  # another file (another hash) with the same points: the duplicate check
    again.write_text(src.read_text(encoding="utf-8").replace("?>", "?>\n<!-- team 2 -->", 1), encoding="utf-8")
    runs = _together([["survey", "import", str(p), "--into", str(gpkg)] for p in (src, again)], tmp_path)
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert _rows(gpkg, "survey_points") == 6 and _rows(gpkg, "survey_rejects") == 6
    assert _rows(gpkg, "survey_imports") == 2


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """A run of the bundled sample and a survey file of six of its villages."""
    from conftest import SAMPLE
    from ruralenv.core import Config, run_pipeline

    folder = tmp_path_factory.mktemp("run_and_import")
    cfg = Config(cache_dir=str(folder / "cache"))
    res = run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")}, cfg,
                       out_dir=folder / "out", write_map=False)
    v = res.villages.to_crs(4326).head(6)
    csv = folder / "field.csv"
    csv.write_text("名称,经度,纬度\n" + "\n".join(f"{r.name},{r.geometry.x:.7f},{r.geometry.y:.7f}"
                                                for r in v.itertuples()) + "\n", encoding="utf-8")
    return folder, csv


@pytest.mark.parametrize("attempt", range(2))
def test_a_run_and_an_import_started_together_keep_the_survey(sample_run, tmp_path, attempt):
    folder, csv = sample_run
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.gpkg").write_bytes((folder / "out" / "results.gpkg").read_bytes())
    runs = _together([["demo", "--out", str(out), "--no-map", "-q", "--set", f"cache_dir={folder / 'cache'}"],
                      ["survey", "import", str(csv), "--into", str(out / "results.gpkg")]], tmp_path)
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert _rows(out / "results.gpkg", "survey_points") == 6 and _rows(out / "results.gpkg", "survey_imports") == 1
