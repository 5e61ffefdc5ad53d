"""The plan's map.html in headless Chromium: it draws, requests nothing, and the before/after toggle works."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("RURALENV_REQUIRE_BROWSER") == "1"
sync_api = (importlib.import_module if REQUIRED else pytest.importorskip)("playwright.sync_api")


def test_plan_map_toggles_before_after(sample_results, tmp_path):
    from ruralenv.core.plan.run import PlanOptions, make_plan
    from ruralenv.core.plan.writers import write_plan
    from ruralenv.tools.map_bench import CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        (pytest.fail if REQUIRED else pytest.skip)(f"{CHROMIUM} is missing")
    _, out = sample_results
    outcome = make_plan(out / "results.gpkg", PlanOptions(sites=2, roads=False, check=False, time_limit=5))
    files = write_plan(outcome, tmp_path / "plan")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(files["map.html"].resolve().as_uri())
        page.wait_for_function("window.ruralenvPlan && window.ruralenvPlan.ready", timeout=30_000)
        n_scope = int(outcome.inputs.waste_scope().sum())
        assert page.evaluate("window.ruralenvPlan.villages()") == n_scope
        assert page.evaluate("window.ruralenvPlan.sites()") == len(outcome.facilities.sites) == 2
        page.check("input[value=before]")
        assert page.evaluate("window.ruralenvPlan.sites()") == 0
        assert outcome.summary["sentences"]["150622"]["zh"] in page.inner_text("#lines")
        browser.close()
    assert errors == []
    assert all(u.startswith("file://") for u in requests)
