"""The offline HTML map (core/webmap.py), checked without a browser: the file, its data, its safety."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import SAMPLE
from pyproj import Geod
from ruralenv.core import Config, run_pipeline
from ruralenv.core.base.datum import wgs84_to_gcj02
from ruralenv.core.base.legend import MAJOR_GRADES
from ruralenv.core.base.schema import (
    FECAL_ROUTE_LABELS_ZH,
    MODEL_LABELS_EN,
    MODEL_LABELS_ZH,
    SEWAGE_MODE_LABELS_ZH,
)
from ruralenv.core.base.values import yes_no
from ruralenv.core.cli.main import main as cli_main
from ruralenv.core.maps.lod import DETAIL_ZOOM, LOD_MIN_ROADS, road_levels
from ruralenv.core.maps.pack import decode, unpack, unzigzag
from ruralenv.core.maps.webmap import (
    FACILITY_LABELS,
    JS_DIR_ENV,
    MINE_LABELS,
    MapError,
    build_map_data,
    export_map,
    json_for_script,
    village_category,
)
from shapely.geometry import LineString

XSS_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_NAME = "</script><script>alert(2)</script>\u2028村"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
GEOD = Geod(ellps="WGS84")


def run_hostile_sample(out_dir: Path):
    """Run the pipeline on the bundled sample county with two hostile village names; write every output.

    Returns
    -------
    (Results, Path)
        The results and the folder holding results.gpkg, summary.json and map.html.
    """
    villages = pyogrio.read_dataframe(SAMPLE, layer="villages")
    villages.loc[0, "name"] = XSS_NAME
    villages.loc[1, "name"] = SCRIPT_NAME
    inputs = {k: f"{SAMPLE}:{k}" for k in KINDS if k != "villages"}
    inputs["villages"] = villages
    res = run_pipeline(inputs, Config(cache_dir=str(out_dir / "cache")), out_dir=out_dir)
    return res, out_dir


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return run_hostile_sample(tmp_path_factory.mktemp("webmap"))


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>/<style> element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.blocks: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))

    def handle_data(self, data):
        if self._open:
            self.blocks.append((*self._open, data))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._open = None


def parse(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def embedded_data(path: Path) -> dict:
    scripts = [text for tag, attrs, text in parse(path).blocks if attrs.get("id") == "re-data"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


def layer(data: dict, layer_id: str) -> dict:
    return next(lay for lay in data["layers"] if lay["id"] == layer_id)


def column(data: dict, layer_id: str, name: str) -> list:
    """A layer's column decoded, following ``same`` references (as map.js does)."""
    col = layer(data, layer_id)[name]
    return column(data, col["layer"], name) if col.get("enc") == "same" else decode(col)


def field_values(data: dict, layer_id: str, key: str) -> list:
    """A popup field's values decoded, following ``same`` references."""
    field = next(f for f in layer(data, layer_id)["fields"] if f["key"] == key)
    return field_values(data, field["layer"], key) if field["enc"] == "same" else decode(field)


def decoded_points(data: dict, layer_id: str) -> tuple[np.ndarray, np.ndarray]:
    scale = data["scale"]
    x, y = (np.array(column(data, layer_id, k), float) for k in ("x", "y"))
    return (x + data["origin"][0]) / scale, (y + data["origin"][1]) / scale


def decoded_path(data: dict, flat: list[int]) -> np.ndarray:
    xy = np.cumsum(np.array(flat, float).reshape(-1, 2), axis=0)
    return (xy + np.array(data["origin"], float)) / data["scale"]


def decoded_chunk(data: dict, chunk: dict) -> list[np.ndarray]:
    """The lines of one level-of-detail chunk as lon/lat arrays (as map.js decodes them)."""
    counts = unpack(chunk["counts"])
    xy = np.cumsum(unzigzag(unpack(chunk["deltas"])).reshape(-1, 2), axis=0) * chunk["unit"]
    lonlat = (xy + np.array(data["origin"], float)) / data["scale"]
    assert len(lonlat) == counts.sum() and counts.min() >= 2
    return np.split(lonlat, np.cumsum(counts)[:-1])


def road_lines(data: dict, level: str) -> list[np.ndarray]:
    lod = layer(data, "roads")["lod"]
    return [line for chunk in lod[level] for line in decoded_chunk(data, chunk)]


def test_pipeline_writes_one_self_contained_file(hostile):
    res, out = hostile
    html_path = out / "map.html"
    assert res.files["map.html"] == html_path
    page = parse(html_path)
    referencing = [(tag, attrs) for tag, attrs in page.tags
                   if tag in ("script", "link", "img", "iframe", "source", "embed", "object", "audio", "video")
                   and any(k in attrs for k in ("src", "href", "data"))]
    assert referencing == []
    remote = [(tag, attrs) for tag, attrs in page.tags
              if tag != "a" and any(re.match(r"\s*(https?:)?//", str(v or "")) for v in attrs.values())]
    assert remote == []
    for tag, _, text in page.blocks:
        if tag == "style":
            assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", text), "stylesheet fetches something"
    kinds = [attrs.get("type") for tag, attrs in page.tags if tag == "script"]
    assert kinds == ["application/json", None, None]
    csp = next(attrs["content"] for tag, attrs in page.tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "https:" not in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "Leaflet 1.9.4" in html_path.read_text(encoding="utf-8")  # licence notice kept


def test_every_layer_is_on_the_map_with_all_features(hostile):
    res, out = hostile
    data = embedded_data(out / "map.html")
    ids = [lay["id"] for lay in data["layers"]]
    assert ids == ["counties", "toilets", "roads", "villages", "sewage", "mines", "facilities", "towns"]
    gpkg = out / "results.gpkg"
    source = {"toilets": "counties", "sewage": "villages"}  # sanitation views, hidden until switched on
    for name in ids:
        lay = layer(data, name)
        assert lay.get("hidden", False) == (name in source), name
        n = len(pyogrio.read_dataframe(gpkg, layer=source.get(name, name), read_geometry=False))
        if name != "roads":  # roads: in levels of detail, counted per class
            assert len(decode(lay["cls"])) == n, name
        assert sum(c["count"] for c in lay["classes"]) == n, name
    villages = layer(data, "villages")
    cats = village_category(res.villages)
    keys = [villages["classes"][c]["key"] for c in decode(villages["cls"])]
    assert keys == cats
    assert {"unreachable", "out_of_scope"} <= set(keys)
    assert data["targets"] == {"waste_2023": 50.0, "waste_2025": 60.0, "roads_2023": 83.5, "roads_2025": 85.0,
                               "sewage_2023": 26.0, "sewage_2025": 32.0}
    rows = data["indicators"]["rows"]
    assert rows[0]["name"] == "准格尔旗" and rows[-1]["region"] is True
    assert rows[0]["waste_coverage_pct"] == pytest.approx(float(res.counties["waste_coverage_pct"].iloc[0]))
    # all four of the plan's targets: 生活污水治理率 against 26 % / 32 % and the zone's, 卫生厕所普及率 and the lack
    county = res.counties.iloc[0]
    assert rows[0]["sewage_rate_pct"] == pytest.approx(float(county["sewage_rate_pct"]))
    assert rows[0]["sewage_meets_2025"] is bool(county["sewage_meets_2025"])
    assert rows[0]["sewage_meets_zone"] is bool(county["sewage_meets_zone"])
    assert rows[0]["toilet_rate_pct"] == pytest.approx(float(county["toilet_rate_pct"]))
    assert rows[0]["toilets_needed"] == int(county["toilets_needed"]) > 0


def test_villages_are_where_the_results_put_them(hostile):
    res, out = hostile
    data = embedded_data(out / "map.html")
    lon, lat = decoded_points(data, "villages")
    truth = res.villages.geometry.to_crs(4326)
    _, _, err = GEOD.inv(lon, lat, truth.x.to_numpy(), truth.y.to_numpy())
    assert np.max(err) < 0.2  # metres: 1e-6 degree rounding


def test_roads_keep_their_ends_and_shape(hostile):
    res, out = hostile
    data = embedded_data(out / "map.html")
    truth = res.roads.geometry.to_crs(4326)
    detail = shapely.MultiLineString([LineString(line) for line in road_lines(data, "tiles")])
    assert shapely.length(detail) == pytest.approx(truth.length.sum(), rel=0.01)
    vertices = shapely.points(shapely.get_coordinates(truth.array))
    assert shapely.distance(vertices, detail).max() < 7e-5  # degrees, ~6 m: every vertex within the 5 m simplification


def test_a_county_map_draws_every_road_at_every_zoom(hostile):
    res, out = hostile
    lod = layer(embedded_data(out / "map.html"), "roads")["lod"]
    assert len(res.roads) <= LOD_MIN_ROADS
    assert lod["detail_zoom"] == 0 and lod["overview"] == [] and f"全部 {len(res.roads):,} 段" in lod["note"]


def test_region_view_draws_the_hardened_and_major_roads(hostile):
    res, _ = hostile
    data = build_map_data(res)
    roads = res.roads
    hardened = roads["hardened"].to_numpy(bool)
    lod = road_levels(roads, hardened.astype(int), hardened, data["origin"], False, 0, min_roads=100)
    data["layers"] = [{"id": "roads", "lod": lod}]
    keep = hardened | roads["grade"].isin(MAJOR_GRADES).to_numpy(bool)
    assert lod["detail_zoom"] == DETAIL_ZOOM and 0 < lod["overview_roads"] == keep.sum() < len(keep)
    overview = shapely.MultiLineString([LineString(line) for line in road_lines(data, "overview")])
    kept = roads.geometry.to_crs(4326)[keep]
    assert shapely.length(overview) == pytest.approx(kept.length.sum(), rel=0.05)
    assert shapely.distance(shapely.centroid(kept.array), overview).max() < 2e-3  # simplified to 100 m
    assert f"{DETAIL_ZOOM} 级" in lod["note"] and f"{len(keep):,}" in lod["note"]


#: Display names of the enum fields on the Chinese map (the others show the value itself).
DISPLAY = {"collection_model": MODEL_LABELS_ZH, "sewage_mode": SEWAGE_MODE_LABELS_ZH,
           "fecal_route": FECAL_ROUTE_LABELS_ZH,
           "facility_type": {k: v[0] for k, v in FACILITY_LABELS.items()},
           "green_mine_level": {k: v[0] for k, v in MINE_LABELS.items()}}


def expected_values(table: pd.DataFrame, key: str, kind: str) -> list:
    """A popup field's values as the map must give them, straight from the results table."""
    if kind in ("text", "tpl", "enum"):
        display = DISPLAY.get(key, {})
        return [None if pd.isna(v) or (v == "" and kind != "enum") else display.get(v, str(v))
                for v in table[key].tolist()]
    if kind == "bool":
        return [None if (t := yes_no(v, strict=False)) is None else int(t) for v in table[key].tolist()]
    rounded = np.round(pd.to_numeric(table[key], errors="coerce").to_numpy(float), 0 if kind in ("int", "metres") else 1)
    return [None if np.isnan(v) else (int(v) if kind in ("int", "metres") else float(v)) for v in rounded]


def test_every_popup_value_is_the_results_value(hostile):
    """All rows of every field of every layer, decoded from the compact columns, equal the results tables."""
    _, out = hostile
    data = embedded_data(out / "map.html")
    gpkg = out / "results.gpkg"
    source = {"toilets": "counties", "sewage": "villages"}
    checked = 0
    for lay in data["layers"]:
        if lay["id"] == "roads":
            continue
        table = pyogrio.read_dataframe(gpkg, layer=source.get(lay["id"], lay["id"]), read_geometry=False)
        assert column(data, lay["id"], "name") == expected_values(table, "name", "text")
        for field in lay["fields"]:
            assert field_values(data, lay["id"], field["key"]) == expected_values(table, field["key"], field["kind"]), \
                (lay["id"], field["key"])
            checked += len(table)
    assert checked > 5000
    assert layer(data, "sewage")["x"] == {"enc": "same", "layer": "villages"}  # one copy of shared columns


def test_popup_fields_are_labelled_in_chinese_and_english(hostile):
    res, out = hostile
    zh = layer(embedded_data(out / "map.html"), "villages")
    labels = {f["key"]: f["label"] for f in zh["fields"]}
    assert labels["village_code"] == "村代码" and labels["pave_gap_m"] == "需硬化路段长度（米）"
    model = next(f for f in zh["fields"] if f["key"] == "collection_model")
    assert set(model["dict"]) <= set(MODEL_LABELS_ZH.values())
    en_data = build_map_data(res, lang="en")
    en = layer(en_data, "villages")
    model_en = next(f for f in en["fields"] if f["key"] == "collection_model")
    assert set(model_en["dict"]) <= set(MODEL_LABELS_EN.values())
    reasons = next(f for f in en["fields"] if f["key"] == "model_reason")
    assert decode(reasons) == [None if v is None else str(v) for v in res.villages["model_reason_en"]]
    assert reasons["enc"] == "tpl" and len(reasons["tpl"]) < len(res.villages) / 5  # a few sentence patterns
    assert en_data["title"].startswith("Rural living-environment plan map")


def test_hostile_names_are_data_not_markup(hostile):
    _, out = hostile
    text = (out / "map.html").read_text(encoding="utf-8")
    assert XSS_NAME not in text
    assert "</script><script>alert(2)" not in text
    assert "\u2028" not in text
    names = decode(layer(embedded_data(out / "map.html"), "villages")["name"])
    assert names[0] == XSS_NAME and names[1] == SCRIPT_NAME


def test_title_is_escaped(hostile, tmp_path):
    res, _ = hostile
    out = export_map(res, tmp_path / "m.html", title="<b>标题</b>")
    text = out.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;标题&lt;/b&gt;</title>" in text
    assert "<b>标题" not in text


def test_json_for_script_escapes_everything_that_could_end_a_script():
    text = json_for_script({"a": "</script><!-- & \u2028\u2029"})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029"}


def test_online_adds_tiles_offline_has_none(hostile):
    res, _ = hostile
    offline = build_map_data(res)
    assert offline["basemap"] is None
    online = build_map_data(res, online=True)
    assert online["basemap"]["url"].startswith("https://tile.openstreetmap.org/")
    amap = build_map_data(res, online=True, basemap="amap")
    assert "autonavi.com" in amap["basemap"]["url"] and "GCJ-02" in amap["datum"]


def test_online_page_allows_tile_images_only(hostile, tmp_path):
    res, _ = hostile
    out = export_map(res, tmp_path / "online.html", online=True)
    csp = next(attrs["content"] for tag, attrs in parse(out).tags
               if attrs.get("http-equiv") == "Content-Security-Policy")
    assert "img-src data: https:" in csp and "connect-src" not in csp and "default-src 'none'" in csp


def test_bad_options_are_refused(hostile, tmp_path):
    res, _ = hostile
    with pytest.raises(MapError, match="needs online"):
        build_map_data(res, basemap="amap")
    with pytest.raises(MapError, match="unknown basemap"):
        build_map_data(res, online=True, basemap="nope")
    with pytest.raises(MapError, match="lang"):
        build_map_data(res, lang="fr")


def test_gcj02_basemap_shifts_overlays_in_china(hostile):
    res, _ = hostile
    wgs = build_map_data(res, online=True, basemap="osm")
    gcj = build_map_data(res, online=True, basemap="amap")
    lon0, lat0 = decoded_points(wgs, "villages")
    lon1, lat1 = decoded_points(gcj, "villages")
    _, _, shift = GEOD.inv(lon0, lat0, lon1, lat1)
    assert np.all((shift > 100) & (shift < 1000))  # metres
    expect_lon, expect_lat = wgs84_to_gcj02(lon0, lat0)
    _, _, err = GEOD.inv(expect_lon, expect_lat, lon1, lat1)
    assert np.max(err) < 0.3
    road_w = road_lines(wgs, "tiles")[0]
    road_g = road_lines(gcj, "tiles")[0]
    _, _, road_shift = GEOD.inv(road_w[:, 0], road_w[:, 1], road_g[:, 0], road_g[:, 1])
    assert np.all(road_shift > 100)


def _abroad_villages() -> gpd.GeoDataFrame:
    """Two villages in Mongolia (outside China: GCJ-02 leaves them alone)."""
    return gpd.GeoDataFrame(
        {"name": ["a", "b"], "village_code": ["1", "2"], "collection_model": ["county_process", None],
         "in_scope": [True, "False"], "covered": [True, False], "unreachable_reason": [None, None]},
        geometry=gpd.points_from_xy([106.9, 107.2], [47.9, 47.8]), crs=4326)


def test_gcj02_basemap_leaves_points_outside_china():
    layers = {"villages": _abroad_villages()}
    lon0, lat0 = decoded_points(build_map_data(layers, online=True), "villages")
    lon1, lat1 = decoded_points(build_map_data(layers, online=True, basemap="amap"), "villages")
    assert np.array_equal(lon0, lon1) and np.array_equal(lat0, lat1)
    np.testing.assert_allclose(lon0, [106.9, 107.2], atol=1e-6)


def test_village_category_precedence():
    cats = village_category(_abroad_villages().assign(unreachable_reason=["far_from_road: …", None]))
    assert cats == ["unreachable", "out_of_scope"]
    typed = _abroad_villages().astype({"unreachable_reason": "string", "collection_model": "string"})
    assert village_category(typed.assign(in_scope=True, covered=[True, pd.NA])) == [
        "county_process_covered", "no_model"]


def test_cli_map_writes_the_file_atomically(hostile, tmp_path, capsys):
    _, out = hostile
    target = tmp_path / "sub" / "karte.html"
    assert cli_main(["map", str(out / "results.gpkg"), "--out", str(target), "--lang", "en"]) == 0
    assert embedded_data(target)["lang"] == "en"
    assert "karte.html" in capsys.readouterr().out
    before = target.read_bytes()
    assert cli_main(["map", str(out / "results.gpkg"), "--out", str(target), "--basemap", "amap"]) == 2
    assert "needs online" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["karte.html"]


def test_cli_map_reports_a_missing_file(tmp_path, capsys):
    assert cli_main(["map", str(tmp_path / "none.gpkg"), "--out", str(tmp_path / "m.html")]) == 2
    assert "not found" in capsys.readouterr().err


def test_missing_leaflet_tells_how_to_install_it(hostile, tmp_path, monkeypatch):
    res, _ = hostile
    monkeypatch.setenv(JS_DIR_ENV, str(tmp_path))
    with pytest.raises(MapError, match="make vendor-js"):
        export_map(res, tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


def test_results_without_county_polygons_still_map(tmp_path):
    """The smallest run: no counties layer (indicators come from the villages' county codes)."""
    villages = pyogrio.read_dataframe(SAMPLE, layer="villages")
    inputs = {k: f"{SAMPLE}:{k}" for k in ("roads", "facilities")}
    res = run_pipeline({**inputs, "villages": villages.iloc[:40]}, Config(cache_dir=str(tmp_path / "c")),
                       out_dir=tmp_path)
    data = embedded_data(tmp_path / "map.html")
    assert [lay["id"] for lay in data["layers"]] == ["roads", "villages", "sewage", "facilities"]
    assert len(data["indicators"]["rows"]) == len(res.counties) + 1


def test_a_run_without_leaflet_writes_everything_but_the_map(tmp_path, monkeypatch):
    """No Leaflet: results.gpkg, summary.json and report.xlsx are written, the map is not, and summary.json says why."""
    from ruralenv.core import Config, run_pipeline

    monkeypatch.setenv(JS_DIR_ENV, str(tmp_path / "no-leaflet"))
    inputs = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")}
    res = run_pipeline(inputs, Config(cache_dir=str(tmp_path / "cache")), out_dir=tmp_path / "out")
    assert sorted(res.files) == ["report.xlsx", "results.gpkg", "summary.json"]
    assert not (tmp_path / "out" / "map.html").exists()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert any("map.html not written" in w and "make vendor-js" in w for w in summary["warnings"])


def test_map_bench_counts_the_bytes_of_each_part(hostile):
    from ruralenv.tools.map_bench import size_by_part

    _, out = hostile
    parts = size_by_part(out / "map.html")
    assert parts["total"] == (out / "map.html").stat().st_size
    layers = {k: v for k, v in parts.items() if k.startswith("layer:")}
    assert parts["page"] + sum(layers.values()) + parts["other_data"] == parts["total"]
    assert parts["roads:overview"] + parts["roads:tiles"] < parts["layer:roads"]
    assert parts["layer:sewage"] < parts["layer:villages"] / 2  # the sewage view shares the villages' columns
    assert parts["page"] > 100_000  # Leaflet is inlined
