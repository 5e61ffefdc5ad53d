"""``ruralenv:monitor`` in real QGIS: two years of the sample compared into a folder, as ``ruralenv monitor`` does."""
from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.usefixtures("qgis_app")


@pytest.fixture(scope="module")
def two_years(sample, tmp_path_factory):
    """The sample run as 2022, and a copy of it as 2024 (its data_year changed in summary.json)."""
    from ruralenv.core import Config, run_pipeline

    base = tmp_path_factory.mktemp("monitor_alg")
    inputs = {k: f"{sample}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties")}
    run_pipeline(inputs, Config(cache_dir=str(base / "cache"), data_year=2022), out_dir=base / "y2022",
                 write_map=False)
    shutil.copytree(base / "y2022", base / "y2024")
    summary = json.loads((base / "y2024" / "summary.json").read_text(encoding="utf-8"))
    summary["config"]["data_year"] = 2024
    (base / "y2024" / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return base / "y2024" / "results.gpkg", base / "y2022" / "results.gpkg"


def test_monitor_algorithm_writes_the_folder_like_the_cli(two_years, tmp_path):
    import processing
    from ruralenv.core.monitor.writers import MONITOR_FILES

    out = tmp_path / "monitor"
    res = processing.run("ruralenv:monitor", {"RUNS": [str(p) for p in two_years], "YEARS": "", "LANG": 0,
                                              "ACCEPTANCE": 1, "OUTPUT_FOLDER": str(out)})
    assert {p.name for p in out.iterdir()} >= set(MONITOR_FILES)
    assert res["REPORT_DOCX"] == str(out / "report.docx")
    doc = json.loads((out / "monitor.json").read_text(encoding="utf-8"))
    assert doc["years"] == [2022, 2024] and doc["acceptance"]["counties"]["150622"]["lines"]
    assert doc["changes"]["2022-2024"]["region"]["added"] == 0


def test_monitor_algorithm_refuses_two_runs_of_one_year(two_years, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="two runs of 2022"):
        processing.run("ruralenv:monitor", {"RUNS": [str(p) for p in two_years], "YEARS": "2022,2022",
                                            "OUTPUT_FOLDER": str(tmp_path / "m")})
