"""The HTML map in real headless Chromium: no request leaves the file, everything is drawn, names stay text.

Needs the ``playwright`` Python package and Debian's ``/usr/bin/chromium`` (no ``playwright install``);
without them the tests are skipped, unless ``RURALENV_REQUIRE_BROWSER=1`` (``make test``) makes that an
error. Set ``RURALENV_UPDATE_DOCS=1`` to refresh ``docs/map_screenshot.png`` (written anyway when missing).
"""
from __future__ import annotations

import importlib
import os
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from conftest import REPO
from ruralenv.core.maps.webmap import export_map
from test_webmap import SCRIPT_NAME, XSS_NAME, column, embedded_data, field_values, layer, run_hostile_sample

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("RURALENV_REQUIRE_BROWSER") == "1"
sync_api = (importlib.import_module if REQUIRED else pytest.importorskip)("playwright.sync_api")
map_bench = importlib.import_module("ruralenv.tools.map_bench")  # the bench extra comes with playwright

DOCS_SCREENSHOT = REPO / "docs" / "map_screenshot.png"
READY = "window.ruralenvMap && window.ruralenvMap.ready"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return run_hostile_sample(tmp_path_factory.mktemp("webmap_browser"))


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        (pytest.fail if REQUIRED else pytest.skip)(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(map_bench.CHROMIUM_ARGS))
        yield browser
        browser.close()


class Visit:
    """One page of the map with every request, script error and dialog it caused."""

    def __init__(self, browser, html: Path, block_remote: bool = False):
        self.url = html.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("dialog", self._dialog)
        if block_remote:
            self.page.route("http*://**/*", lambda route: route.abort())
        self.page.goto(self.url)
        self.wait(READY)

    def wait(self, condition: str, timeout_s: float = 60.0) -> None:
        """Wait until the JavaScript ``condition`` holds, checked once per animation frame (bounded).

        Through ``page.evaluate`` (which the map's Content Security Policy allows), not
        ``wait_for_function``, whose in-page polling evaluates strings and is refused by that policy.
        """
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(f"() => Boolean({condition})"):
            assert time.monotonic() < deadline, f"timed out waiting for {condition}"
            self.page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => resolve(null)))")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


@pytest.fixture
def visit(chromium, hostile):
    v = Visit(chromium, hostile[1] / "map.html")
    yield v
    v.page.close()


def test_offline_map_requests_nothing_and_raises_no_error(visit):
    assert visit.requests == [visit.url]
    assert visit.errors == []
    assert visit.dialogs == []


def test_every_feature_of_the_geopackage_is_drawn(visit, hostile):
    gpkg = hostile[1] / "results.gpkg"
    counts = visit.js("window.ruralenvMap.counts")
    for name in ("villages", "roads", "towns", "facilities", "mines", "counties"):
        assert counts[name] == len(pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)), name
    painted = visit.js("""() => {
        const c = document.querySelector('#re-map canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n / (d.length / 4); }""")
    assert painted > 0.05  # county fill, roads and symbols cover the canvas, not a blank page


def test_legend_and_layer_switcher_work(visit, hostile):
    data = embedded_data(hostile[1] / "map.html")
    n_classes = sum(len(lay["classes"]) for lay in data["layers"])
    assert visit.page.locator("#re-layers .re-legend-item").count() == n_classes
    assert visit.page.locator("#re-layers .re-layer").count() == len(data["layers"])
    on_map = "() => window.ruralenvMap.layers.villages.groups.map(g => window.ruralenvMap.map.hasLayer(g))"
    layer_box = visit.page.locator('#re-layers .re-layer[data-layer="villages"] > label input')
    layer_box.uncheck()
    assert not any(visit.js(on_map))
    layer_box.check()
    assert all(visit.js(on_map))
    first_class = visit.page.locator('#re-layers .re-layer[data-layer="villages"] .re-legend-item input').first
    first_class.uncheck()
    assert visit.js(on_map)[0] is False and all(visit.js(on_map)[1:])
    rows = visit.page.locator("#re-indicators tr")
    assert rows.count() == 1 + len(data["indicators"]["rows"])
    assert "准格尔旗" in rows.nth(1).inner_text()
    head = rows.nth(0).inner_text()
    assert all(word in head for word in ("污水治理率", "2025年目标（32%）", "分区2025年目标", "卫生厕所普及率",
                                         "尚需改厕户数"))
    county = data["indicators"]["rows"][0]
    assert f"{county['toilet_rate_pct']:.1f}%" in rows.nth(1).inner_text()  # no space in Chinese


def test_sanitation_layers_are_off_until_ticked(visit, hostile):
    on_map = "(id) => window.ruralenvMap.layers[id].groups.map(g => window.ruralenvMap.map.hasLayer(g))"
    for layer_id in ("sewage", "toilets"):
        box = visit.page.locator(f'#re-layers .re-layer[data-layer="{layer_id}"] > label input')
        assert not box.is_checked() and not any(visit.js(on_map, layer_id))
        box.check()
        assert all(visit.js(on_map, layer_id))
    sewage = visit.js("window.ruralenvMap.layers.sewage")
    assert len(sewage["cls"]) == len(hostile[0].villages)
    assert {c["key"] for c in sewage["classes"]} <= {"sewer_connect", "central", "decentralised", "resource_use",
                                                    "unknown"}
    assert visit.errors == []


def test_hostile_names_show_as_text(visit):
    box = visit.page.locator("#re-search input")
    box.fill("<img")
    hit = visit.page.locator("#re-search li.re-hit", has_text="<img")
    assert hit.inner_text().startswith(XSS_NAME)
    hit.click()
    title = visit.page.locator(".leaflet-popup .re-popup-title", has_text="<img")
    assert title.inner_text() == XSS_NAME
    assert visit.page.locator(".leaflet-popup img, #re-search img").count() == 0
    box.fill("alert(2)")
    visit.page.locator("#re-search li.re-hit", has_text="alert(2)").click()
    title = visit.page.locator(".leaflet-popup .re-popup-title", has_text="alert(2)")
    assert title.text_content() == SCRIPT_NAME
    assert visit.js("document.querySelectorAll('script').length") == 3
    assert visit.dialogs == []
    assert visit.errors == []


def test_clicking_a_village_on_the_canvas_opens_its_popup(visit, hostile):
    res = hostile[0]
    name, code = res.villages["name"].iloc[5], res.villages["village_code"].iloc[5]
    visit.page.locator("#re-search input").fill(code)
    visit.page.locator("#re-search li.re-hit", has_text=code).first.click()
    visit.page.locator(".leaflet-popup").wait_for()
    visit.js("() => window.ruralenvMap.map.closePopup()")
    x, y = visit.js("""() => { const m = window.ruralenvMap.map, r = m.getContainer().getBoundingClientRect();
        const p = m.latLngToContainerPoint(window.ruralenvMap.layers.villages.where[5]);
        return [r.left + p.x, r.top + p.y]; }""")
    visit.page.mouse.move(x + 1, y)
    tip = visit.page.locator(".leaflet-tooltip")
    tip.wait_for()
    assert tip.inner_text() == name
    visit.page.mouse.click(x + 1, y)
    visit.page.locator(".leaflet-popup .re-popup-title").wait_for()
    popup = visit.page.locator(".leaflet-popup").inner_text()
    assert popup.startswith(name) and code in popup and "村代码" in popup


def test_clicking_a_county_opens_its_indicators(visit, hostile):
    res = hostile[0]
    inside = res.counties.geometry.to_crs(4326).representative_point().iloc[0]
    for box in visit.page.locator('#re-layers .re-layer:not([data-layer="counties"]) > label input').all():
        box.uncheck()
    x, y = visit.js("""([lat, lng]) => { const m = window.ruralenvMap.map, r = m.getContainer().getBoundingClientRect();
        m.setView([lat, lng], 10, {animate: false}); const p = m.latLngToContainerPoint([lat, lng]);
        return [r.left + p.x, r.top + p.y]; }""", [inside.y, inside.x])
    visit.page.mouse.click(x, y)
    popup = visit.page.locator(".leaflet-popup")
    popup.wait_for()
    assert popup.locator(".re-popup-title").inner_text() == "准格尔旗"
    assert "生活垃圾收运处置体系覆盖行政村比例" in popup.inner_text()


@pytest.mark.slow
def test_sixty_thousand_villages_are_all_drawn(chromium, tmp_path):
    result = map_bench.map_benchmark(60_000, 200_000, tmp_path, browser=None)
    assert result["size_bytes"] < 40e6
    v = Visit(chromium, Path(result["path"]))
    assert v.js("window.ruralenvMap.counts") == {"roads": 200_000, "villages": 60_000, "facilities": 3}
    assert v.requests == [v.url] and v.errors == []
    v.page.close()


#: Centre a village at a zoom, wait for the redraw, return its position on the page and its name.
_AIM = """async ([i, zoom]) => {
  const api = window.ruralenvMap, m = api.map, at = api.layers.villages.where[i];
  m.closePopup(); m.setView(at, zoom, {animate: false});
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const p = m.latLngToContainerPoint(at), r = m.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y, api.layers.villages.name[i], api.lod.level]; }"""


def _click_village(v: Visit, i: int, zoom: int, tries: int = 3) -> bool:
    """Click village ``i`` centred at ``zoom``; True once a popup opens (its own when zoomed in: far out a
    neighbour may lie under the same pixel). A loaded machine may click before the redraw: aim again."""
    for _ in range(tries):
        x, y, name, level = v.js(_AIM, [i, zoom])
        assert level == ("detail" if zoom >= 10 else "overview")
        v.page.mouse.click(x, y)
        titles = v.page.locator(".leaflet-popup .re-popup-title")
        if zoom >= 10:
            titles = titles.filter(has_text=re.compile(f"^{re.escape(name)}$"))
        try:
            titles.last.wait_for(timeout=3000)
            return True
        except sync_api.TimeoutError:
            continue
    return False


@pytest.mark.slow
def test_level_of_detail_map_of_200000_roads_keeps_every_village_clickable(chromium, tmp_path):
    result = map_bench.map_benchmark(25_000, 200_000, tmp_path, browser=None)
    v = Visit(chromium, Path(result["path"]))
    assert v.js("window.ruralenvMap.counts") == {"roads": 200_000, "villages": 25_000, "facilities": 3}
    assert v.js("window.ruralenvMap.lod.level") == "overview"
    note = v.page.locator('#re-layers .re-layer[data-layer="roads"] .re-lod-note').inner_text()
    assert "10 级" in note and "200,000" in note
    assert "小方块" in v.page.locator('#re-layers .re-layer[data-layer="villages"] .re-lod-note').inner_text()
    rng = np.random.default_rng(1)
    sample = rng.choice(25_000, size=25, replace=False).tolist()
    for zoom in (6, 9, 15):  # villages as squares, as symbols over the region-view roads, over every road
        for i in sample if zoom == 15 else sample[:5]:
            assert _click_village(v, i, zoom), (i, zoom)
    assert v.js("window.ruralenvMap.lod.decoded") > 2  # detail tiles decoded as they came into view
    assert "放大到" not in v.page.locator("#re-layers .re-lod-now").inner_text()
    assert v.requests == [v.url] and v.errors == []
    v.page.close()


def test_online_map_requests_basemap_tiles_only(chromium, hostile, tmp_path):
    html = export_map(hostile[0], tmp_path / "online.html", online=True)
    v = Visit(chromium, html, block_remote=True)
    v.wait("document.querySelectorAll('.leaflet-tile').length > 0")
    v.page.wait_for_load_state("networkidle")
    remote = [u for u in v.requests if not u.startswith("file:")]
    assert remote, "the online map asked for no tiles"
    assert all(u.startswith("https://tile.openstreetmap.org/") and u.endswith(".png") for u in remote)
    assert [e for e in v.errors if "Failed to load resource" not in e] == []
    v.page.close()


def test_screenshot_is_taken(chromium, sample_results, tmp_path):
    res, _ = sample_results
    html = export_map(res, tmp_path / "map.html")
    v = Visit(chromium, html)
    village = res.villages.loc[res.villages["collection_model"] == "county_process", "name"].iloc[0]
    v.page.locator("#re-search input").fill(str(village))
    v.page.locator("#re-search li.re-hit", has_text=str(village)).first.click()
    v.page.locator(".leaflet-popup").wait_for()
    v.wait("window.ruralenvMap.map.getZoom() === 13")
    # the search's own zoom may still be animating: ask for zoom 10 on every frame until it holds
    v.wait("window.ruralenvMap.map.getZoom() === 10 || (window.ruralenvMap.map.setZoom(10, {animate: false}), false)")
    v.page.wait_for_load_state("networkidle")
    shot = tmp_path / "map.png"
    v.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    if os.environ.get("RURALENV_UPDATE_DOCS"):  # a deliberate act: tests never write into the repository
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(shot.read_bytes())
    assert v.errors == []
    v.page.close()


def test_surface_overlay_shows_with_its_legend_and_toggles(chromium, hostile, tmp_path):
    from ruralenv.core import Config
    from ruralenv.core.maps.webmap import export_map
    from ruralenv.core.surface.run import make_surface, read_results, write_surface

    results = hostile[1] / "results.gpkg"
    tif = tmp_path / "station.tif"
    write_surface(make_surface(read_results(results), "transfer_station", "distance", Config(), 250), tif)
    v = Visit(chromium, export_map(results, tmp_path / "map.html", surface=tif))
    try:
        assert v.errors == [] and v.requests == [v.url]  # the picture is inlined: still no request
        block = v.page.locator("#re-layers [data-layer=surface]")
        assert block.locator(".re-legend-item").count() == 6
        image = v.page.locator("#re-map img.leaflet-image-layer")
        assert image.count() == 1 and image.evaluate("img => img.complete && img.naturalWidth > 0")
        block.locator("input[type=checkbox]").first.uncheck()
        assert v.page.locator("#re-map img.leaflet-image-layer").count() == 0
    finally:
        v.page.close()


def _tenths(value: float) -> str:
    """``value.toFixed(1)``: the exact binary value rounded half up."""
    return str(Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP))


def shown(kind: str, value) -> str:
    """A decoded value as map.js writes it in a popup (Chinese page, en-US number format)."""
    if value is None:
        return "—"
    if kind == "bool":
        return "是" if value else "否"
    if kind == "metres":
        return f"{_tenths(value / 1000)}公里" if value >= 1000 else f"{value}米"  # no space in Chinese
    if kind == "pct":
        return f"{_tenths(value)}%"
    if kind == "int":
        return f"{value:,}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def expected_popup(data: dict, layer_id: str, i: int) -> dict:
    lay = layer(data, layer_id)
    rows = []
    for field in lay["fields"]:
        value = field_values(data, layer_id, field["key"])[i]
        if value is None and field["kind"] in ("text", "tpl"):
            continue
        rows.append([field["label"], shown(field["kind"], value)])
    label = lay["classes"][column(data, layer_id, "cls")[i]]["label"]
    return {"title": column(data, layer_id, "name")[i], "cls": label, "rows": rows}


_SHOW_ONLY = """(id) => document.querySelectorAll('#re-layers .re-layer > label input').forEach((box) => {
  if (box.checked !== (box.closest('.re-layer').getAttribute('data-layer') === id)) { box.click(); } })"""
#: Close any popup, centre row i of a layer at zoom 18 and return its place on the page.
_CENTRE = """async ([id, i]) => {
  const api = window.ruralenvMap, m = api.map, at = api.layers[id].where[i];
  m.closePopup();
  while (document.querySelector('.leaflet-popup')) { await new Promise((done) => setTimeout(done, 20)); }
  m.setView(at, 18, {animate: false});
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const p = m.latLngToContainerPoint(at), r = m.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y]; }"""
_POPUP = """() => { const p = document.querySelector('.leaflet-popup .re-popup');
  return {title: p.querySelector('.re-popup-title').textContent, cls: p.querySelector('.re-popup-class').textContent,
          rows: Array.from(p.querySelectorAll('tr'), (tr) => [tr.cells[0].textContent, tr.cells[1].textContent])}; }"""


def _clicked_popup(v: Visit, layer_id: str, i: int) -> dict:
    for _ in range(3):  # a loaded machine may click before the redraw: aim again
        x, y = v.js(_CENTRE, [layer_id, i])
        v.page.mouse.click(x, y)
        try:
            v.page.locator(".leaflet-popup .re-popup").wait_for(timeout=3000)
            return v.js(_POPUP)
        except sync_api.TimeoutError:
            continue
    raise AssertionError(f"no popup for row {i} of {layer_id}")


def test_popups_show_the_values_of_the_results(visit, hostile):
    """Clicked villages and sewage entries show, row by row, what the data hold (decoded in Python)."""
    data = embedded_data(hostile[1] / "map.html")
    sample = np.random.default_rng(3).choice(len(hostile[0].villages), size=12, replace=False).tolist()
    for layer_id in ("villages", "sewage", "facilities", "mines"):
        visit.js(_SHOW_ONLY, layer_id)
        rows = sample if layer_id in ("villages", "sewage") else [0, 1]
        for i in rows:
            assert _clicked_popup(visit, layer_id, i) == expected_popup(data, layer_id, i), (layer_id, i)
    assert visit.errors == []
