"""``ruralenv monitor``: synthetic years built from the sample county, compared run against run.

Years 2022 (the sample), 2024 and 2025 are real runs of the pipeline on edited inputs: villages added, removed,
recoded and moved, sanitary toilets and treated sewage added (and some lost), a transfer station added and one
closed. The change counts are checked against the edits, and the flags computed by the pipeline (coverage,
access) against a plain join of the two runs' villages layers.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import SAMPLE
from ruralenv.core import Config, run_pipeline
from ruralenv.core.cli.main import main
from ruralenv.core.monitor import MonitorOptions, monitor, progress_status
from ruralenv.core.monitor.writers import MONITOR_FILES, write_monitor

METRIC = "EPSG:4546"
CHROMIUM = "/usr/bin/chromium"
#: Households without a sanitary toilet in the whole region, as the synthetic runs assume (a test figure).
REGION_LACKING = 1_500_000
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines", "sewer", "urban_areas", "priority_zones")
#: What each synthetic year does to the year before it.
EDITS = {
    2024: {"removed": 2, "added": 1, "recoded": 1, "moved": 1, "toilets": (10, 20, 5), "toilets_lost": 7,
           "sewage_gained": 2, "sewage_lost": 1, "station_added": 1, "station_closed": 1},
    2025: {"removed": 1, "added": 2, "recoded": 0, "moved": 0, "toilets": (30, 12), "toilets_lost": 0,
           "sewage_gained": 3, "sewage_lost": 0, "station_added": 0, "station_closed": 0},
}


def _layers() -> dict[str, gpd.GeoDataFrame]:
    return {k: gpd.read_file(SAMPLE, layer=k) for k in KINDS}


def _pick(v: pd.DataFrame, mask: np.ndarray, n: int, taken: set) -> list[int]:
    """``n`` row positions satisfying ``mask``, not yet edited, with a name no other village has."""
    unique_name = ~v["name"].duplicated(keep=False).to_numpy()
    idx = [int(i) for i in np.flatnonzero(mask & unique_name) if int(i) not in taken][:n]
    taken.update(idx)
    return idx


def _edit_year(layers: dict[str, gpd.GeoDataFrame], results: gpd.GeoDataFrame, edits: dict, year: int
               ) -> dict[str, gpd.GeoDataFrame]:
    """The inputs of the next year (``results``: the previous year's villages layer, for the station site)."""
    v = layers["villages"].to_crs(METRIC).reset_index(drop=True)
    taken: set = set()
    natural = (v["is_admin_village"].astype(int) == 0).to_numpy()
    admin = ~natural
    toilets = v["sanitary_toilet_households"].astype(float)
    households = v["households"].astype(float)
    for i, add in zip(_pick(v, natural & (households - toilets > 40).to_numpy(), len(edits["toilets"]), taken),
                      edits["toilets"], strict=True):
        v.loc[i, "sanitary_toilet_households"] = toilets[i] + add
    if edits["toilets_lost"]:
        i = _pick(v, natural & (toilets > 20).to_numpy(), 1, taken)[0]
        v.loc[i, "sanitary_toilet_households"] = toilets[i] - edits["toilets_lost"]
    treated = v["sewage_treated"].astype(int).to_numpy()
    for i in _pick(v, admin & (treated == 0), edits["sewage_gained"], taken):
        v.loc[i, "sewage_treated"] = 1
    for i in _pick(v, admin & (treated == 1), edits["sewage_lost"], taken):
        v.loc[i, "sewage_treated"] = 0
    for i in _pick(v, natural, edits["moved"], taken):
        v.loc[i, "geometry"] = v.geometry.iat[i].__class__(v.geometry.iat[i].x + 300.0, v.geometry.iat[i].y)
    for k, i in enumerate(_pick(v, natural, edits["recoded"], taken)):
        v.loc[i, "village_code"] = f"15062299{year % 100:02d}{k:02d}"
        v.loc[i, "geometry"] = v.geometry.iat[i].__class__(v.geometry.iat[i].x + 50.0, v.geometry.iat[i].y)
    drop = _pick(v, natural, edits["removed"], taken)
    new_rows = []
    for k, i in enumerate(_pick(v, natural, edits["added"], taken)):
        row = v.iloc[i].copy()
        row["village_code"] = f"15062298{year % 100:02d}{k:02d}"
        row["name"] = f"新建测试村{year}{k}"
        row["geometry"] = row.geometry.__class__(row.geometry.x + 700.0, row.geometry.y + 700.0)
        new_rows.append(row)
    v = v.drop(index=drop)
    v = gpd.GeoDataFrame(pd.concat([pd.DataFrame(v), pd.DataFrame(new_rows)], ignore_index=True), geometry="geometry",
                         crs=METRIC)
    out = dict(layers, villages=v.to_crs(layers["villages"].crs))
    out["facilities"] = _edit_facilities(layers["facilities"], results, edits)
    return out


def _edit_facilities(f: gpd.GeoDataFrame, results: gpd.GeoDataFrame, edits: dict) -> gpd.GeoDataFrame:
    f = f.copy()
    if edits["station_closed"]:
        f = f[f["facility_id"] != "F005"]
    if edits["station_added"]:
        # a new transfer station at an uncovered in-scope administrative village near a county treatment plant
        r = results
        site = r[(r["in_scope"] == 1) & (r["is_admin_village"] == 1) & (r["covered"] == 0)
                 & (r["net_dist_county_treatment_m"] < 50_000) & (r["snap_dist_m"] < 200)].iloc[0]
        point = gpd.GeoSeries([site.geometry], crs=r.crs).to_crs(f.crs).iloc[0]
        row = f.iloc[1].copy()
        row["facility_id"], row["name"], row["geometry"] = "F099", "新建测试转运站", point
        f = gpd.GeoDataFrame(pd.concat([pd.DataFrame(f), pd.DataFrame([row])], ignore_index=True), geometry="geometry",
                             crs=f.crs)
    return f


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    """Runs of 2022 (the sample), 2024 and 2025 in folders year_2022/…; their edited inputs."""
    base = tmp_path_factory.mktemp("monitor_years")
    cache = str(base / "cache")
    layers = _layers()
    folders = {}
    for year in (2022, 2024, 2025):
        if year != 2022:
            previous = gpd.read_file(folders[max(folders)] / "results.gpkg", layer="villages")
            layers = _edit_year(layers, previous, EDITS[year], year)
        folders[year] = base / f"year_{year}"
        # the region's households without a sanitary toilet, to apportion the 300,000 / 450,000 new toilets
        config = Config(cache_dir=cache, data_year=year, region_households_lacking_toilet=REGION_LACKING)
        run_pipeline(dict(layers), config, out_dir=folders[year], write_map=False)
    return folders


@pytest.fixture(scope="module")
def two(years, tmp_path_factory):
    out = tmp_path_factory.mktemp("monitor_two")
    outcome = monitor([years[2024], years[2022]])
    return outcome, write_monitor(outcome, out)


@pytest.fixture(scope="module")
def three(years, tmp_path_factory):
    out = tmp_path_factory.mktemp("monitor_three")
    outcome = monitor([years[2022], years[2024], years[2025] / "results.gpkg"])
    return outcome, write_monitor(outcome, out)


def _villages(folder: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(folder / "results.gpkg", layer="villages", read_geometry=False)


def _joined_flags(a: Path, b: Path, recoded: dict[str, str]) -> dict[str, int]:
    """Gains and losses by a plain join of two runs' villages (recoded codes mapped to their new code)."""
    va, vb = _villages(a), _villages(b)
    va["village_code"] = va["village_code"].replace(recoded)
    j = va.merge(vb, on="village_code", suffixes=("_a", "_b"))
    out = {}
    for key, col in (("covered", "covered"), ("access", "hardened_access"), ("sewage_treated", "sewage_treated")):
        before, after = j[f"{col}_a"].fillna(0).astype(bool), j[f"{col}_b"].fillna(0).astype(bool)
        out[f"{key}_gained"] = int((~before & after).sum())
        out[f"{key}_lost"] = int((before & ~after).sum())
    return out


def test_years_are_ordered_and_read_from_data_year(two):
    outcome, _ = two
    assert outcome.summary["years"] == [2022, 2024]
    assert [r.year for r in outcome.runs] == [2022, 2024]


def test_two_years_change_counts(two, years):
    outcome, _ = two
    counts = outcome.summary["changes"]["2022-2024"]["region"]
    e = EDITS[2024]
    assert (counts["added"], counts["removed"], counts["recoded"], counts["moved"]) == (1, 2, 1, 1)
    assert counts["toilets_added"] == sum(e["toilets"])
    assert counts["villages_toilets_added"] == len(e["toilets"])
    assert counts["toilets_lost"] == e["toilets_lost"]
    assert (counts["sewage_treated_gained"], counts["sewage_treated_lost"]) == (2, 1)
    assert (counts["facilities_added"], counts["facilities_closed"]) == (1, 1)
    vc = outcome.village_changes
    recoded = vc[vc["change"] == "recoded"]
    flags = _joined_flags(years[2022], years[2024], dict(zip(recoded["old_code"], recoded["village_code"],
                                                                strict=True)))
    for key, n in flags.items():
        assert counts[key] == n, key
    assert counts["covered_gained"] > 0 and counts["covered_lost"] > 0  # the new station and the closed one
    assert counts["villages"] == len(vc) == len(_villages(years[2022])) + 1  # one row per village of either year
    assert counts == outcome.summary["changes"]["2022-2024"]["counties"]["150622"]


def test_three_years_change_counts(three, two):
    outcome, _ = three
    changes = outcome.summary["changes"]
    assert list(changes) == ["2022-2024", "2024-2025"]
    c = changes["2024-2025"]["region"]
    assert (c["added"], c["removed"], c["recoded"], c["moved"]) == (2, 1, 0, 0)
    assert (c["toilets_added"], c["sewage_treated_gained"], c["facilities_added"]) == (42, 3, 0)
    assert changes["2022-2024"] == two[0].summary["changes"]["2022-2024"]


def test_changes_gpkg_and_its_rows(three):
    outcome, files = three
    layers = {name for name, _ in pyogrio.list_layers(files["changes.gpkg"])}
    assert {"village_changes", "facility_changes"} <= layers
    vc = gpd.read_file(files["changes.gpkg"], layer="village_changes")
    assert len(vc) == len(outcome.village_changes)
    rec = vc[vc["change"] == "recoded"].iloc[0]
    assert rec["old_code"] != rec["village_code"] and rec["year_from"] == 2022 and not rec["moved"]
    moved = vc[vc["moved"].astype(bool)]
    assert len(moved) == 1 and 299 < moved["moved_m"].iloc[0] < 301
    fc = gpd.read_file(files["changes.gpkg"], layer="facility_changes")
    assert sorted(fc["change"]) == ["added", "closed"]
    assert set(fc.loc[fc["change"] == "added", "name"]) == {"新建测试转运站"}


def test_trajectory_values_equal_each_runs_summary(three, years):
    outcome, _ = three
    s = outcome.summary
    fields = {"waste_coverage": "waste_coverage_pct", "road_coverage": "road_coverage_pct",
              "sewage_rate": "sewage_rate_pct", "sewage_rate_priority": "sewage_rate_priority_pct",
              "sewage_rate_other": "sewage_rate_other_pct", "toilet_rate": "toilet_rate_pct"}
    first = json.loads((years[2022] / "summary.json").read_text(encoding="utf-8"))
    for i, year in enumerate(s["years"]):
        own = json.loads((years[year] / "summary.json").read_text(encoding="utf-8"))
        for name, field in fields.items():
            assert s["region"]["indicators"][name]["values"][i] == own["region"][field], (year, name)
            assert s["counties"]["150622"]["indicators"][name]["values"][i] == own["counties"][0][field]
        gained = own["region"]["sanitary_households"] - first["region"]["sanitary_households"]
        assert s["region"]["indicators"]["new_toilets"]["values"][i] == gained
        towns = pyogrio.read_dataframe(years[year] / "results.gpkg", layer="towns", read_geometry=False)
        for _, t in towns.dropna(subset=["waste_coverage_pct"]).iterrows():
            assert s["townships"][t["town_code"]]["indicators"]["waste_coverage"]["values"][i] == \
                pytest.approx(t["waste_coverage_pct"])
    toilets = s["region"]["indicators"]["new_toilets"]
    assert toilets["target_2025"] == first["region"]["toilets_target_2025"]
    assert s["region"]["indicators"]["waste_coverage"]["target_2025"] == 60.0


def test_acceptance_defaults_on_when_the_last_year_is_2025(two, three):
    assert two[0].summary["acceptance"] is None
    acc = three[0].summary["acceptance"]
    assert acc["year"] == 2025
    lines = {x["indicator"]: x for x in acc["counties"]["150622"]["lines"]}
    own = three[0].runs[-1].summary["counties"][0]
    road = lines["road_coverage"]
    assert road["met"] is False and road["gap_villages"] == own["roads_gap_2025"] and road["gap_km"] == own["pave_km_2025"]
    assert lines["waste_coverage"]["gap_villages"] == own["waste_gap_2025"]
    assert lines["new_toilets"]["gap_households"] == round(lines["new_toilets"]["target_2025"]
                                                           - lines["new_toilets"]["value"])
    assert "toilet_rate" not in lines  # no 2025 target


@pytest.mark.parametrize("values, target, status", [
    ((40.0, 50.0, 58.0), 60.0, "on_track"),
    ((29.6, 41.0), 60.0, "acceleration_needed"),
    ((30.0, 32.0), 60.0, "limited"),
    ((30.0, 30.0), 60.0, "limited"),
    ((40.0, 35.0), 60.0, "deterioration"),
    ((50.0, 61.0), 60.0, "met"),
    ((70.0, 55.0), 60.0, "deterioration"),
    ((0.0, 100.0), 450.0, "limited"),
    ((0.0, 300.0), 450.0, "on_track"),
    ((None, 30.0), 60.0, "unable_to_assess"),
])
def test_status_rules_on_hand_set_series(values, target, status):
    years = [2022, 2023, 2024][-len(values):] if len(values) == 3 else [2022, 2024]
    assert progress_status(years, list(values), target).status == status


def test_status_numbers_follow_the_open_sdg_ratio():
    st = progress_status([2022, 2024], [29.6, 41.0], 60.0, cap=100.0)
    observed = (41.0 / 29.6) ** 0.5 - 1
    needed = (60.0 / 29.6) ** (1 / 3) - 1
    assert st.ratio == pytest.approx(observed / needed, abs=1e-4)
    assert st.projected_2025 == pytest.approx(41.0 * (1 + observed), abs=0.01)
    assert st.gain_needed_per_year == pytest.approx(19.0)
    assert progress_status([2022, 2024], [90.0, 99.0], 99.5, cap=100.0).projected_2025 <= 100.0
    assert progress_status([2024, 2026], [40.0, 50.0], 60.0).status == "not_met"
    assert progress_status([2022, 2024], [40.0, 50.0], None).status is None


def test_sentences_are_generated_from_the_numbers(three):
    s = three[0].summary
    waste = s["region"]["indicators"]["waste_coverage"]
    first = next(t for t in s["sentences"]["150622"] if t.startswith("准格尔旗生活垃圾收运处置体系覆盖行政村比例"))
    assert f"由2022年的{waste['values'][0]:.1f}%" in first and f"2025年的{waste['values'][-1]:.1f}%" in first
    assert " " not in first and first.endswith("。")
    changed = [t for t in s["sentences"]["region"] if t.startswith("2022—2024年：")]
    assert changed == ["2022—2024年：新增嘎查村1个，撤销2个，代码调整1个，位置变动1个；" + changed[0].split("位置变动1个；")[1]]
    assert "新增卫生厕所35户、减少7户；新建设施1座、关停1座。" in changed[0]


def test_settings_difference_and_missing_county_are_reported(years, tmp_path):
    edited = tmp_path / "y2024"
    shutil.copytree(years[2024], edited)
    summary = json.loads((edited / "summary.json").read_text(encoding="utf-8"))
    summary["config"]["d_station_m"] = 25000.0
    summary["config"]["cache_dir"] = "/elsewhere"  # where the cache lives changes no indicator
    extra = dict(summary["counties"][0], code="150699", name="测试旗")
    summary["counties"].append(extra)
    (edited / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    s = monitor([years[2022], edited]).summary
    settings = [w for w in s["warnings"] if "settings differ" in w]
    assert len(settings) == 1 and "d_station_m: 20000.0 → 25000.0" in settings[0] and "cache_dir" not in settings[0]
    missing = [w for w in s["warnings"] if "150699" in w]
    assert len(missing) == 1 and "2022" in missing[0]
    assert s["counties"]["150699"]["missing_years"] == [2022]
    assert s["counties"]["150699"]["indicators"]["waste_coverage"]["values"][0] is None
    assert "测试旗缺少2022年的数据。" in s["sentences"]["150699"]


def test_refusals_are_one_line(years, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["monitor", str(years[2022]), str(years[2022]), "--out", str(out)]) == 2
    assert "two runs of 2022" in capsys.readouterr().err
    assert main(["monitor", str(years[2022]), "--out", str(out)]) == 2
    assert main(["monitor", str(years[2022]), str(years[2024]), "--years", "2022", "--out", str(out)]) == 2
    no_year = tmp_path / "no_year"
    shutil.copytree(years[2024], no_year)
    summary = json.loads((no_year / "summary.json").read_text(encoding="utf-8"))
    summary["config"]["data_year"] = 0
    (no_year / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert main(["monitor", str(years[2022]), str(no_year), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the year of this run is unknown" in err and "Traceback" not in err
    assert main(["monitor", str(years[2022]), str(years[2024]), "--set", "d_station_m=1", "--out", str(out)]) == 2
    assert "takes only recode_radius_m, moved_m" in capsys.readouterr().err
    assert not out.exists()
    # --years overrides data_year, in the order the runs are given
    assert main(["monitor", str(no_year), str(years[2022]), "--years", "2023", "2021", "--out", str(out), "-q"]) == 0
    assert json.loads((out / "monitor.json").read_text(encoding="utf-8"))["years"] == [2021, 2023]


def test_outputs_exist_with_bilingual_sheets(three):
    _, files = three
    assert list(files) == list(MONITOR_FILES)
    doc = json.loads(files["monitor.json"].read_text(encoding="utf-8"))
    assert {"years", "region", "counties", "changes", "acceptance", "warnings"} <= set(doc)
    ind = doc["counties"]["150622"]["indicators"]["waste_coverage"]
    assert {"values", "target_2023", "target_2025", "status", "projected_2025"} <= set(ind)
    from openpyxl import load_workbook

    wb = load_workbook(files["monitor.xlsx"], read_only=True)
    assert {"旗县 counties", "苏木乡镇 townships", "全区 region", "检查验收 acceptance"} <= set(wb.sheetnames)
    rows = list(wb["旗县 counties"].iter_rows(max_row=2, values_only=True))
    assert rows[0][rows[1].index("target 2025")] == "2025年目标"


def test_report_docx_opens_and_converts_to_pdf(three, tmp_path):
    import docx

    _, files = three
    d = docx.Document(str(files["report.docx"]))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "监测年度：2022—2025年" in text and "检查验收" in text
    assert any(t.startswith("准格尔旗生活垃圾收运处置体系覆盖行政村比例由2022年") for t in text.splitlines())
    assert len(d.inline_shapes) == 1 and len(d.tables) >= 3
    east_asian = {r.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
                  for p in d.paragraphs for r in p.runs if r.element.rPr is not None and r.element.rPr.rFonts is not None}
    assert {"宋体", "黑体"} <= east_asian
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                           "pdf", "--outdir", str(tmp_path), str(files["report.docx"])], capture_output=True,
                          timeout=180)
    pdf = tmp_path / "report.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    if shutil.which("pdftotext"):
        words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "农村牧区人居环境监测报告" in words and "准格尔旗" in words


def test_english_sentences(years, tmp_path):
    outcome = monitor([years[2022], years[2024]], MonitorOptions(lang="en"))
    lines = outcome.summary["sentences"]["region"]
    assert lines[0].startswith("准格尔旗: share of administrative villages covered")
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in line.split(":", 1)[1].replace("一湖两海", ""))
               for line in lines)
    files = write_monitor(outcome, tmp_path)
    import docx

    assert "Monitoring years: 2022—2024" in "\n".join(p.text for p in docx.Document(str(files["report.docx"])).paragraphs)


@pytest.mark.browser
def test_report_html_opens_in_headless_chromium_without_errors(three):
    required = os.environ.get("RURALENV_REQUIRE_BROWSER") == "1"
    sync_api = (importlib.import_module if required else pytest.importorskip)("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        (pytest.fail if required else pytest.skip)(f"{CHROMIUM} is missing: apt-get install chromium")
    _, files = three
    url = files["report.html"].resolve().as_uri()
    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            page.wait_for_load_state("load")
            charts = page.locator("section.county svg.chart").count()
            dots = page.evaluate("() => [...document.querySelectorAll('svg.map path[class^=c-]')]"
                                 ".reduce((n, p) => n + (p.getAttribute('d').match(/M/g) || []).length, 0)")
            heading = page.locator("h1").inner_text()
            size = page.evaluate("() => [...document.querySelectorAll('svg.chart')].map(s => s.getBBox().width)")
        finally:
            browser.close()
    assert errors == [] and requests == [url]
    assert charts == len(three[0].summary["counties"]["150622"]["indicators"])
    last = three[0].village_changes
    assert dots == int((last["year_to"] == 2025).sum())  # every village of the last pair is drawn
    assert "监测报告" in heading and all(w > 100 for w in size)


def test_data_year_is_a_setting_recorded_in_summary(tmp_path, capsys):
    cache = f"cache_dir={tmp_path / 'cache'}"
    assert main(["demo", "--out", str(tmp_path / "run"), "--set", "data_year=2024", "--set", cache, "--no-map",
                 "-q"]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["config"]["data_year"] == 2024
    assert main(["demo", "--out", str(tmp_path / "bad"), "--set", "data_year=1850", "--set", cache, "-q"]) == 2
    assert "data_year" in capsys.readouterr().err and not (tmp_path / "bad").exists()


def test_county_charts_share_one_frame_and_differ_by_data(three):
    from io import BytesIO

    from PIL import Image
    from ruralenv.core.monitor.chart_png import ChartMaker

    s = three[0].summary
    maker = ChartMaker(s["years"])
    county = s["counties"]["150622"]
    flat = {**county, "indicators": {k: {**v, "values": [v["values"][0]] * len(v["values"]), "projected_2025": None}
                                     for k, v in county["indicators"].items()}}
    a, b = Image.open(BytesIO(maker.png(county))), Image.open(BytesIO(maker.png(flat)))
    assert a.size == b.size and a.size[0] > 600
    assert a.tobytes() != b.tobytes()
    assert maker.png(county) == maker.png(county)  # the frame is restored before each place is drawn


@pytest.mark.slow
def test_monitor_bench_reports_five_years(tmp_path):
    bench = pytest.importorskip("ruralenv.tools.bench")
    report = bench.run_monitor_bench("few", tmp_path)
    assert report["years"] == [2021, 2022, 2023, 2024, 2025]
    assert report["villages"] > 0 and report["counties"] >= 1
    assert {"compare_s", "write_s", "total_s", "goal_s", "peak_rss_mb"} <= set(report)
    assert sum(report["last_pair_changes"].values()) > 0
    assert (tmp_path / "bench_monitor.md").read_text(encoding="utf-8").startswith("Monitor case: 5 yearly runs")


def test_a_facility_without_county_code_counts_where_it_lies(years):
    from ruralenv.core.monitor.changes import all_changes
    from ruralenv.core.monitor.runs import read_run

    a, b = read_run(years[2022]), read_run(years[2024])
    for run in (a, b):
        assert run.counties is not None
        run.facilities["county_code"] = None
    _, facilities, counts = all_changes([a, b], Config())
    assert set(facilities["county_code"]) == {"150622"}
    county = counts["2022-2024"]["counties"]["150622"]
    assert (county["facilities_added"], county["facilities_closed"]) == (1, 1)


def test_a_results_gpkg_alone_is_enough(years, tmp_path):
    alone = tmp_path / "copied" / "results.gpkg"
    alone.parent.mkdir()
    shutil.copy(years[2024] / "results.gpkg", alone)  # e-mailed without its summary.json
    s = monitor([years[2022], alone]).summary
    own = json.loads((years[2024] / "summary.json").read_text(encoding="utf-8"))
    assert s["years"] == [2022, 2024]  # data_year from the GeoPackage's own record
    for name, field in (("waste_coverage", "waste_coverage_pct"), ("road_coverage", "road_coverage_pct"),
                        ("sewage_rate", "sewage_rate_pct")):
        assert s["region"]["indicators"][name]["values"][1] == own["region"][field]
        assert s["counties"]["150622"]["indicators"][name]["values"][1] == own["counties"][0][field]
    assert not [w for w in s["warnings"] if "settings differ" in w]
