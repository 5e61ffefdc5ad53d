"""The plugin inside the QGIS desktop application (under Xvfb): menu entry and message bar.

QGIS runs a ``--code`` script that loads the plugin like the Plugin Manager does, acts, writes a JSON
report and exits.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import textwrap

import pytest
from conftest import ROOT, install_plugin, subprocess_env

XVFB_RUN = shutil.which("xvfb-run") or ""
QGIS = shutil.which("qgis") or ""
if not (XVFB_RUN and QGIS) and os.environ.get("RURALENV_REQUIRE_QGIS") != "1":
    pytest.skip("needs the QGIS desktop application and xvfb-run", allow_module_level=True)


def run_desktop(tmp_path, *parts: str) -> dict:
    """Start QGIS with a fresh profile holding the plugin, run the script ``parts``; return its report.

    The script's errors are caught into the report (an uncaught one would open a dialog), and the
    whole process group is killed should QGIS not exit.
    """
    install_plugin(tmp_path, ROOT)
    report = tmp_path / "report.json"
    body = textwrap.indent("\n".join(textwrap.dedent(part).strip() for part in parts), "    ")
    code = tmp_path / "code.py"
    code.write_text("\n".join([
        "import json, os, sys, traceback",
        "import qgis.utils",
        "from qgis.utils import iface",
        "from qgis.core import QgsApplication, QgsProject",
        "report = {}",
        "try:",
        body,
        "except Exception:",
        "    report['error'] = traceback.format_exc()",
        "finally:",
        f"    with open({str(report)!r}, 'w', encoding='utf-8') as fh:",
        "        json.dump(report, fh, ensure_ascii=False)",
        "    os._exit(0)  # leave without the save-project question",
    ]), encoding="utf-8")
    env = subprocess_env(tmp_path)
    env.pop("QT_QPA_PLATFORM")
    proc = subprocess.Popen([XVFB_RUN, "-a", QGIS, "--profiles-path", str(tmp_path), "--nologo", "--noplugins",
                             "--code", str(code)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
    assert report.exists(), output
    result = json.loads(report.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    return result


START = """
report["started"] = qgis.utils.loadPlugin("ruralenv") and qgis.utils.startPlugin("ruralenv")
menu = [a for a in iface.pluginMenu().actions() if a.text() == "&RuralEnv Planner"]
report["menu"] = [a.text() for a in menu[0].menu().actions()] if menu else []
report["bar"] = [w.text() for w in iface.messageBar().items()]
report["provider"] = QgsApplication.processingRegistry().providerById("ruralenv") is not None
"""


def test_menu_loads_the_styled_sample(tmp_path):
    report = run_desktop(tmp_path, START, """
    next(a for a in iface.pluginMenu().actions() if a.text() == "&RuralEnv Planner").menu().actions()[0].trigger()
    report["layers"] = {l.name(): l.renderer().type() for l in QgsProject.instance().mapLayers().values()}
    villages = next(l for l in QgsProject.instance().mapLayers().values() if l.name().startswith("Villages"))
    report["visible"] = iface.mapCanvas().extent().contains(iface.mapCanvas().mapSettings().layerExtentToOutputExtent(
        villages, villages.extent()))
    """)
    assert report["started"] and report["provider"] and report["bar"] == []
    assert report["menu"] == ["Load the sample county as a styled project"]
    assert report["layers"] == {
        "Villages with access and collection model": "categorizedSymbol", "Roads with hardened flag": "categorizedSymbol",
        "Facilities": "categorizedSymbol", "County indicators": "graduatedSymbol", "Unreachable villages": "singleSymbol",
        "Township seats": "singleSymbol", "Mines": "categorizedSymbol"}
    assert report["visible"]


def test_missing_dependency_shows_in_the_message_bar(tmp_path):
    report = run_desktop(tmp_path, 'sys.modules["scipy"] = None', START)
    assert report["started"] is True
    assert report["provider"] is False and report["menu"] == []
    assert len(report["bar"]) == 1 and "scipy" in report["bar"][0] and "pip install" in report["bar"][0]
