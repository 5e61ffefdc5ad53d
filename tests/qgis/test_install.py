"""The plugin as planners get it: zip install, qgis_process, missing dependencies, Chinese UI.

Each test starts its own QGIS process with a fresh profile, so nothing leaks between them.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import (
    QGIS_PROCESS,
    ROOT,
    install_plugin,
    plugin_script,
    run_python,
    subprocess_env,
    uri,
)
from ruralenv.core import Config, run_pipeline

ALGORITHM_IDS = ["ruralenv:collection_model", "ruralenv:export_webmap", "ruralenv:full_plan",
                 "ruralenv:hardened_access", "ruralenv:monitor", "ruralenv:plan_facilities", "ruralenv:plan_paving",
                 "ruralenv:plan_sanitation", "ruralenv:sanitation", "ruralenv:surface", "ruralenv:survey_apply",
                 "ruralenv:survey_form", "ruralenv:survey_import", "ruralenv:validate_network"]

REPORT_PROVIDER = """
import json
from qgis.core import QgsApplication
provider = QgsApplication.processingRegistry().providerById("ruralenv")
algorithms = provider.algorithms() if provider else []
print(json.dumps({
    "started": started,
    "module": sys.modules["ruralenv"].__file__,
    "algorithms": sorted(a.id() for a in algorithms),
    "texts": {a.id(): [a.displayName(), a.group(), a.shortHelpString()]
              + [p.description() for p in a.parameterDefinitions()]
              + [o.description() for o in a.outputDefinitions()] for a in algorithms},
}))
"""


def provider_report(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def qgis_process(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out-dir", str(out)], check=True,
                          capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1])  # ruralenv-<version of metadata.txt>.zip


def test_zip_installs_into_clean_profile_and_starts(plugin_zip, tmp_path):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
        assert all(n.startswith("ruralenv/") for n in names)
        assert {"ruralenv/__init__.py", "ruralenv/metadata.txt", "ruralenv/qgis_plugin/i18n/ruralenv_zh_CN.qm",
                "ruralenv/data/sample/zhungeer_150622.gpkg", "ruralenv/LICENSE",
                "ruralenv/vendor/js/node_modules/leaflet/dist/leaflet.js"} <= set(names)
        assert "GNU GENERAL PUBLIC LICENSE" in zf.read("ruralenv/LICENSE").decode("utf-8")
        assert not any(n.startswith("ruralenv/tools/") for n in names)
        assert not any(n.startswith("ruralenv/tests/") for n in names)
        plugins = install_plugin(tmp_path)
        zf.extractall(plugins)
    done = run_python(plugin_script(plugins, REPORT_PROVIDER), subprocess_env(tmp_path))
    report = provider_report(done)
    assert report["started"] is True
    assert report["module"].startswith(str(plugins / "ruralenv"))
    assert report["algorithms"] == ALGORITHM_IDS


def test_qgis_process_runs_an_algorithm(sample, tmp_path):
    install_plugin(tmp_path, ROOT)
    env = subprocess_env(tmp_path)
    qgis_process(env, "plugins", "enable", "ruralenv")
    listing = qgis_process(env, "list").stdout
    assert all(alg in listing for alg in ALGORITHM_IDS)
    out = tmp_path / "villages.gpkg"
    done = qgis_process(env, "--json", "run", "ruralenv:hardened_access", "--",
                        f"VILLAGES={uri(sample, 'villages')}", f"ROADS={uri(sample, 'roads')}",
                        f"TOWNS={uri(sample, 'towns')}", f"OUTPUT_VILLAGES={out}")
    results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    core = run_pipeline({k: f"{sample}:{k}" for k in ("villages", "roads", "towns")}, Config())
    assert results["N_LARGER_ACCESS"] == core.summary["region"]["n_larger_access"]
    assert results["ROAD_COVERAGE_PCT"] == core.summary["region"]["road_coverage_pct"]
    import pyogrio

    assert pyogrio.read_info(out)["features"] == len(core.villages)
    # The report files are written by the core's own GeoPackage/Excel writers inside qgis_process.
    folder = tmp_path / "report"
    done = qgis_process(env, "--json", "run", "ruralenv:full_plan", "--",
                        *(f"{k.upper()}={uri(sample, k)}" for k in ("villages", "roads", "facilities", "towns")),
                        f"OUTPUT_FOLDER={folder}")
    results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    assert results["RESULTS_GPKG"] == str(folder / "results.gpkg")
    assert {"results.gpkg", "summary.json", "report.xlsx"} <= {p.name for p in folder.iterdir()}


def test_missing_dependency_is_reported_not_fatal(tmp_path):
    plugins = install_plugin(tmp_path, ROOT)
    setup = """
    sys.modules["scipy"] = None  # as if scipy were not installed
    messages = []
    QgsApplication.messageLog().messageReceived.connect(lambda text, tag, level: messages.append([tag, text]))
    """
    body = REPORT_PROVIDER.replace('"started": started,', '"started": started, "messages": messages,')
    report = provider_report(run_python(plugin_script(plugins, body, setup), subprocess_env(tmp_path)))
    assert report["started"] is True
    assert report["algorithms"] == []
    notes = [text for tag, text in report["messages"] if tag == "RuralEnv"]
    assert len(notes) == 1
    assert "scipy" in notes[0] and "sudo apt install python3-scipy" in notes[0]


def test_chinese_ui_with_lang_zh_cn(compiled_translations, tmp_path):
    plugins = install_plugin(tmp_path, ROOT)
    english = provider_report(run_python(plugin_script(plugins, REPORT_PROVIDER), subprocess_env(tmp_path)))
    chinese = provider_report(run_python(plugin_script(plugins, REPORT_PROVIDER),
                                         subprocess_env(tmp_path, LANG="zh_CN.UTF-8")))
    names = {alg: texts[0] for alg, texts in chinese["texts"].items()}
    assert names == {"ruralenv:collection_model": "垃圾收运处置模式", "ruralenv:export_webmap": "导出交互式网页地图",
                     "ruralenv:full_plan": "完整规划与旗县指标",
                     "ruralenv:hardened_access": "村庄通硬化路分析", "ruralenv:survey_import": "导入野外调查点",
                     "ruralenv:survey_form": "写出村庄现状调查表", "ruralenv:survey_apply": "由调查写出下一年的村庄图层",
                     "ruralenv:monitor": "多年度监测报告",
                     "ruralenv:surface": "可达性栅格面", "ruralenv:sanitation": "村庄生活污水治理与卫生厕所",
                     "ruralenv:plan_facilities": "规划新增生活垃圾收运处置设施", "ruralenv:plan_paving": "规划待硬化道路",
                     "ruralenv:plan_sanitation": "规划生活污水治理与卫生厕所", "ruralenv:validate_network": "路网检查"}
    for alg, texts in english["texts"].items():
        untranslated = [en for en, zh in zip(texts, chinese["texts"][alg], strict=True) if en == zh]
        assert not untranslated, f"{alg}: untranslated {untranslated}"


def test_qgis_locale_setting_overrides_lang(compiled_translations, tmp_path):
    plugins = install_plugin(tmp_path, ROOT)
    setup = """
    from qgis.core import QgsSettings
    QgsSettings().setValue("locale/overrideFlag", True)
    QgsSettings().setValue("locale/userLocale", "zh_CN")
    """
    report = provider_report(run_python(plugin_script(plugins, REPORT_PROVIDER, setup), subprocess_env(tmp_path)))
    assert report["texts"]["ruralenv:validate_network"][0] == "路网检查"
