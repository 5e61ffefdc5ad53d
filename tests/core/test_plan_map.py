"""The plan's map.html in headless Chromium: the plan drawn on the run's own map (county outline, roads, seats,
indicator panel), each plan layer with its legend entry and popup (what, where, size, 万元), the before/after
switch, no request and no script error.

Needs the ``playwright`` Python package and Debian's ``/usr/bin/chromium``; without them the browser tests are
skipped unless ``RURALENV_REQUIRE_BROWSER=1``.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("RURALENV_REQUIRE_BROWSER") == "1"
READY = "window.ruralenvMap && window.ruralenvMap.ready"
#: The plan's layers on the page and a word their legend entry must hold.
PLAN_LAYERS = {"plan_sites": "垃圾转运站", "plan_pave": "待硬化路段", "plan_class3": "三级公路",
               "plan_sewage": "污水", "plan_sewage_pipes": "污水管网", "plan_toilets": "卫生"}


@pytest.fixture(scope="module")
def plan_dir(sample_results, tmp_path_factory):
    """Every part of the plan on the sample (pipes cheap enough for shared plants), written with its map."""
    from ruralenv.core.plan.run import PlanOptions, make_plan
    from ruralenv.core.plan.writers import write_plan

    _, out = sample_results
    opts = PlanOptions(sites=2, check=True, time_limit=5, toilet_target=0.8,
                       overrides=["cost_pipe_wan_per_km=2", "cluster_max_pipe_m=5000"])
    outcome = make_plan(out / "results.gpkg", opts)
    files = write_plan(outcome, tmp_path_factory.mktemp("plan_map") / "plan")
    return outcome, files


def _data(html: Path) -> dict:
    text = html.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="re-data">(.*?)</script>', text, re.S).group(1))


def test_plan_map_is_the_runs_map_with_the_plan_on_top(plan_dir):
    outcome, files = plan_dir
    data = _data(files["map.html"])
    ids = [layer["id"] for layer in data["layers"]]
    assert {"counties", "roads", "towns"} <= set(ids)  # the run's own map underneath
    assert ids.index("counties") < ids.index("roads") < min(ids.index(k) for k in PLAN_LAYERS)
    assert len(outcome.sewage.pipes) > 0 and outcome.class3 is not None
    by_id = {layer["id"]: layer for layer in data["layers"]}
    for key, word in PLAN_LAYERS.items():
        layer = by_id[key]
        assert layer["phase"] == "after" and layer["classes"], key
        assert all(word in c["label"] and c["count"] > 0 for c in layer["classes"]), key
        assert any(f["label"].startswith("投资估算（万元）") for f in layer["fields"]) or key == "plan_sewage_pipes", key
    assert sum(c["count"] for c in by_id["plan_sewage"]["classes"]) == len(outcome.sewage.projects)
    assert sum(c["count"] for c in by_id["plan_pave"]["classes"]) == len(outcome.paving.pieces)
    # the villages' status: the plan's new ones are the 规划新增 class of the after view, absent before
    v, scope = outcome.villages, outcome.inputs.waste_scope()
    gained = int((scope & v["covered_after"].to_numpy(bool) & ~v["covered_before"].to_numpy(bool)).sum())
    after = {c["key"]: c["count"] for c in by_id["status_waste_after"]["classes"]}
    before = {c["key"]: c["count"] for c in by_id["status_waste_before"]["classes"]}
    assert after["gain"] == gained > 0 and "gain" not in before
    assert sum(after.values()) == sum(before.values()) == int(scope.sum())
    assert data["phases"]["now"] == "after" and outcome.summary["sentences"]["150622"]["zh"] in data["notes"]
    # the indicator panel's two states: the run's values, and the re-run's with the plan built
    before_row, after_row = data["indicators"]["rows"][0], data["indicators"]["after"][0]
    re_c = outcome.rerun_counties.set_index("county_code").loc["150622"]
    for key in ("waste_coverage_pct", "road_coverage_pct", "sewage_rate_pct", "toilet_rate_pct"):
        assert after_row[key] == pytest.approx(float(re_c[key])), key
        assert after_row[key] > before_row[key], key  # every pillar of this plan raises its rate


class Visit:
    """The plan's page in headless Chromium, with every request and script error it caused."""

    def __init__(self, browser, html: Path):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(html.resolve().as_uri())
        self.wait(READY)

    def wait(self, condition: str, timeout_s: float = 60.0) -> None:
        """Wait, one animation frame at a time, until ``condition`` holds (``page.evaluate``, which the page's
        Content Security Policy allows; ``wait_for_function`` is refused by it)."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(f"() => Boolean({condition})"):
            assert time.monotonic() < deadline, f"timed out waiting for {condition}"
            self.page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => resolve(null)))")

    def shown(self, layer: str) -> int:
        return self.page.evaluate("id => window.ruralenvMap.shown(id)", layer)

    def click_at(self, lat: float, lng: float) -> str:
        """Zoom to a point, click it on the canvas, and return the popup's text."""
        self.page.evaluate("([lat, lng]) => { window.ruralenvMap.map.setView([lat, lng], 15, {animate: false}); }", [lat, lng])
        self.wait("true")
        xy = self.page.evaluate("""([lat, lng]) => {
            const m = window.ruralenvMap.map, p = m.latLngToContainerPoint([lat, lng]);
            const r = m.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lng])
        self.page.mouse.click(xy[0], xy[1])
        popup = self.page.locator(".leaflet-popup")
        popup.wait_for(timeout=10_000)
        return popup.inner_text()


@pytest.fixture(scope="module")
def visit(plan_dir):
    sync_api = (importlib.import_module if REQUIRED else pytest.importorskip)("playwright.sync_api")
    from ruralenv.tools.map_bench import CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        (pytest.fail if REQUIRED else pytest.skip)(f"{CHROMIUM} is missing")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        v = Visit(browser, plan_dir[1]["map.html"])
        yield v
        browser.close()
    assert v.errors == []
    assert all(u.startswith(("file://", "data:")) for u in v.requests)


@pytest.mark.browser
def test_the_page_draws_the_run_and_the_plan(visit, plan_dir):
    outcome, _ = plan_dir
    inp = outcome.inputs
    assert visit.shown("counties") == len(inp.counties) and visit.shown("roads") > 0
    assert visit.shown("towns") == len(inp.towns)
    assert visit.shown("plan_sewage") == len(outcome.sewage.projects)
    assert visit.shown("plan_sewage_pipes") == len(outcome.sewage.pipes)
    assert visit.shown("plan_pave") == len(outcome.paving.pieces)
    assert visit.shown("plan_toilets") == len(outcome.toilets.projects)
    assert visit.shown("status_waste_after") == int(inp.waste_scope().sum()) and visit.shown("status_waste_before") == 0
    for key, word in PLAN_LAYERS.items():  # a legend entry per plan layer, in view
        legend = visit.page.locator(f"#re-layers .re-layer[data-layer={key}] .re-legend-item")
        assert legend.count() >= 1 and legend.first.is_visible() and word in legend.first.inner_text(), key
    assert "准格尔旗" in visit.page.locator("#re-indicators").inner_text()
    assert outcome.summary["sentences"]["150622"]["zh"] in visit.page.locator("#re-notes").inner_text()


@pytest.mark.browser
def test_a_sewage_projects_popup_says_what_where_how_big_and_how_much(visit, plan_dir):
    outcome, _ = plan_dir
    projects = outcome.sewage.projects
    row = int(np.argmax(projects["capacity_tpd"].to_numpy(float)))
    at = projects.geometry.to_crs(4326).iloc[row]
    text = visit.click_at(at.y, at.x)
    listed = outcome.projects.set_index("project_id").loc[projects["project_id"].iloc[row]]
    assert text.startswith(listed["project_name"])  # what: the 项目库's name, e.g. …生活污水集中处理设施20吨/日
    assert listed["location"] in text and "建设地点" in text  # where
    assert "吨/日" in text and "建设规模" in text  # how big
    assert "投资估算（万元）" in text and f"{listed['investment_wan']:.2f}" in text  # how much
    visit.page.keyboard.press("Escape")


@pytest.mark.browser
def test_the_before_after_switch_changes_what_is_shown(visit, plan_dir):
    outcome, _ = plan_dir
    n_scope = int(outcome.inputs.waste_scope().sum())
    visit.page.check("input[name=re-phase][value=before]")
    visit.wait("window.ruralenvMap.phase() === 'before'")
    assert all(visit.shown(key) == 0 for key in PLAN_LAYERS)
    assert visit.shown("status_waste_before") == n_scope and visit.shown("status_waste_after") == 0
    assert not visit.page.locator("#re-layers .re-layer[data-layer=plan_sewage]").is_visible()
    assert visit.shown("counties") == 1 and visit.shown("roads") > 0  # the run's map stays
    data = _data(plan_dir[1]["map.html"])
    table = visit.page.locator("#re-indicators")
    before_pct = f"{data['indicators']['rows'][0]['waste_coverage_pct']:.1f}"
    after_pct = f"{data['indicators']['after'][0]['waste_coverage_pct']:.1f}"
    assert table.get_attribute("data-phase") == "before" and before_pct in table.inner_text()
    assert after_pct not in table.inner_text() and "规划前" in table.inner_text()
    visit.page.check("input[name=re-phase][value=after]")
    assert visit.shown("plan_sewage") == len(outcome.sewage.projects) and visit.shown("status_waste_before") == 0
    assert table.get_attribute("data-phase") == "after" and after_pct in table.inner_text()
    assert "规划后" in table.inner_text()


@pytest.mark.browser
def test_a_road_pieces_popup_gives_its_length_and_cost(visit, plan_dir):
    import geopandas as gpd
    import shapely

    outcome, _ = plan_dir
    pieces = outcome.paving.pieces
    row = int(np.argmax(pieces["length_m"].to_numpy(float)))
    mid = shapely.line_interpolate_point(pieces.geometry.iloc[row], 0.5, normalized=True)
    at = gpd.GeoSeries([mid], crs=pieces.crs).to_crs(4326).iloc[0]
    text = visit.click_at(at.y, at.x)
    name = pieces["name"].iloc[row]
    assert text.startswith(name if isinstance(name, str) and name else "农村牧区道路硬化") and "待硬化路段" in text
    assert "路段长度" in text and "投资估算（万元）" in text and "建设地点" in text
    visit.page.keyboard.press("Escape")


def test_a_sewage_only_plan_shows_the_sewage_status(sample_results):
    from ruralenv.core.plan.plan_map import plan_map_data
    from ruralenv.core.plan.run import PlanOptions, make_plan

    _, out = sample_results
    outcome = make_plan(out / "results.gpkg", PlanOptions(waste=False, roads=False, toilets=False, check=False,
                                                          time_limit=5))
    layers = {layer["id"]: layer for layer in plan_map_data(outcome)["layers"]}
    assert not any(k.startswith(("status_waste", "status_roads", "plan_sites", "plan_pave")) for k in layers)
    after = layers["status_sewage_after"]
    assert not after["hidden"] and after["phase"] == "after" and layers["plan_sewage"]["phase"] == "after"
    gained = {c["key"]: c["count"] for c in after["classes"]}["gain"]
    v, inp = outcome.villages, outcome.inputs
    scope = inp.flag("in_scope") & inp.flag("is_admin_village")
    new = v["sewage_treated_after"].to_numpy(bool) & ~v["sewage_treated_before"].to_numpy(bool)
    assert gained == int((scope & new).sum()) > 0
