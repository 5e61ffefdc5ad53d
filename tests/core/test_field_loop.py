"""The field loop: survey form out → filled three ways (GeoPackage, xlsx, CSV) → survey import → survey apply."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import SAMPLE
from openpyxl import load_workbook
from ruralenv.core.cli.main import main
from ruralenv.core.survey import apply_status, import_status, write_form

TODAY = date.today()
D1, D2 = (TODAY - timedelta(days=20)).isoformat(), (TODAY - timedelta(days=5)).isoformat()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def run(tmp_path, sample_results):
    """A private copy of the sample run (results.gpkg with summary.json naming the sample villages)."""
    _, out = sample_results
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("results.gpkg", "summary.json"):
        shutil.copy(out / name, folder / name)
    return folder / "results.gpkg"


@pytest.fixture
def form(run, tmp_path):
    write_form(run, tmp_path / "form")
    return tmp_path / "form"


def _codes(form: Path) -> list[str]:
    return list(pyogrio.read_dataframe(form / "form.gpkg", layer="village_status", read_geometry=False)["village_code"])


def fill_gpkg(form: Path, dest: Path, edits: dict[str, dict]) -> Path:
    """form.gpkg edited with GDAL (pyogrio): ``edits`` village_code → {field: value}."""
    shutil.copy(form / "form.gpkg", dest)
    g = pyogrio.read_dataframe(dest, layer="village_status")
    for code, values in edits.items():
        i = g.index[g["village_code"] == code][0]
        for k, v in values.items():
            g.loc[i, k] = v
    pyogrio.write_dataframe(g, dest, layer="village_status")
    return dest


def fill_xlsx(form: Path, dest: Path, edits: dict[str, dict]) -> Path:
    wb = load_workbook(form / "form.xlsx")
    ws = wb["调查表 form"]
    col = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    row = {ws.cell(r, col["village_code"]).value: r for r in range(3, ws.max_row + 1)}
    for code, values in edits.items():
        for k, v in values.items():
            ws.cell(row[code], col[k], v)
    wb.save(dest)
    return dest


def write_csv(dest: Path, rows: list[dict], chinese: bool = True, encoding: str = "gb18030") -> Path:
    zh = {"village_code": "村代码", "obs_households": "户数（调查）", "obs_resident_population": "常住人口（调查）",
          "obs_sanitary_toilet_households": "卫生厕所户数（调查）", "obs_sewage_treated": "生活污水已治理（调查）",
          "obs_waste_collected": "生活垃圾已收运（调查）", "obs_road_surface": "进村道路路面（调查）",
          "surveyor": "调查人", "survey_date": "调查日期", "remarks": "备注"}
    df = pd.DataFrame(rows)
    if chinese:
        df = df.rename(columns=zh)
    df.to_csv(dest, index=False, encoding=encoding)
    return dest


def _input_villages() -> pd.DataFrame:
    return pyogrio.read_dataframe(SAMPLE, layer="villages")


def test_form_declares_its_fields_values_and_widgets(run, form):
    g = pyogrio.read_dataframe(form / "form.gpkg", layer="village_status")
    results = pyogrio.read_dataframe(run, layer="villages", read_geometry=False)
    assert len(g) == len(results) and list(g["village_code"]) == list(results["village_code"])
    assert list(g["households"]) == list(results["households"].round().astype(int))
    for name in ("obs_households", "obs_resident_population", "obs_sanitary_toilet_households", "obs_sewage_treated",
                 "obs_waste_collected", "obs_road_surface", "surveyor", "survey_date", "remarks", "photo"):
        assert g[name].isna().all(), name
    with sqlite3.connect(form / "form.gpkg") as db:
        titles = dict(db.execute("SELECT column_name, title FROM gpkg_data_columns WHERE table_name='village_status'"))
        yes_no = [r[0] for r in db.execute("SELECT value FROM gpkg_data_column_constraints WHERE "
                                           "constraint_name='yes_no' AND constraint_type='enum'")]
        surfaces = [r[0] for r in db.execute("SELECT value FROM gpkg_data_column_constraints WHERE "
                                             "constraint_name='road_surface'")]
        ranges = db.execute("SELECT min, max FROM gpkg_data_column_constraints WHERE "
                            "constraint_name='range_households'").fetchall()
        link = dict(db.execute("SELECT column_name, constraint_name FROM gpkg_data_columns"))
    assert titles["obs_sanitary_toilet_households"].startswith("卫生厕所户数（调查）")
    assert sorted(yes_no) == sorted(["是", "否"]) and ranges == [(0, 20000)]
    assert "沥青" in surfaces and "gravel" in surfaces and link["obs_road_surface"] == "road_surface"
    with zipfile.ZipFile(form / "form.qgz") as zf:
        qgs = zf.read("form.qgs").decode()
    assert "<datasource>./form.gpkg|layername=village_status</datasource>" in qgs
    assert '<Absolute type="bool">false</Absolute>' in qgs and 'editable="0" name="households"' in qgs
    wb = load_workbook(form / "form.xlsx")
    ws = wb["调查表 form"]
    assert wb.sheetnames[0] == "说明" and ws.protection.sheet
    assert ws.cell(1, 1).value == "村代码" and ws.cell(2, 1).value == "village_code"
    assert ws.cell(3, 1).protection.locked and not ws.cell(3, [c.value for c in ws[2]].index("obs_households") + 1
                                                           ).protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "whole", "date"} <= kinds
    kml = (form / "form.kml").read_text(encoding="utf-8")
    assert kml.count("<Placemark>") == len(g) and f"户数 {g.loc[0, 'households']}；" in kml


def test_form_of_one_town_and_of_no_village(run, tmp_path, capsys):
    towns = pyogrio.read_dataframe(run, layer="villages", read_geometry=False)["town_code"]
    town = towns.iloc[0]
    assert main(["survey", "form", str(run), "--out", str(tmp_path / "t"), "--town", town]) == 0
    assert len(pyogrio.read_dataframe(tmp_path / "t" / "form.gpkg")) == int((towns == town).sum())
    assert main(["survey", "form", str(run), "--out", str(tmp_path / "n"), "--county", "999999"]) == 2
    assert "no village in the chosen area" in capsys.readouterr().err and not (tmp_path / "n" / "form.gpkg").exists()


def test_three_ways_in_and_exactly_the_observed_fields_change(run, form, tmp_path):
    codes = _codes(form)
    inp = _input_villages().set_index("village_code")
    a, b, c, d, e, f, g = codes[10:17]
    flip = {k: ("否" if inp.loc[k, "sewage_treated"] else "是") for k in (b, g)}
    filled = [
        fill_gpkg(form, tmp_path / "team1.gpkg", {
            a: {"obs_households": int(inp.loc[a, "households"]) + 3, "surveyor": "张三", "survey_date": D1},
            b: {"obs_sewage_treated": flip[b], "survey_date": D1},
            c: {"obs_road_surface": "水泥", "survey_date": D1, "remarks": "新修"}}),
        fill_xlsx(form, tmp_path / "team2.xlsx", {
            d: {"obs_resident_population": int(inp.loc[d, "resident_population"]) + 10, "survey_date": D2,
                "surveyor": "李四"},
            e: {"obs_waste_collected": "是", "obs_sanitary_toilet_households": int(inp.loc[e, "households"]),
                "survey_date": D2}}),
        write_csv(tmp_path / "team3.csv", [
            {"village_code": f, "obs_households": int(inp.loc[f, "households"]) - 1, "surveyor": "王五",
             "survey_date": D2},
            {"village_code": g, "obs_sewage_treated": flip[g], "surveyor": "王五", "survey_date": D2}]),
    ]
    expected = {(a, "households"): int(inp.loc[a, "households"]) + 3, (b, "sewage_treated"): int(flip[b] == "是"),
                (c, "road_surface"): "水泥", (d, "resident_population"): int(inp.loc[d, "resident_population"]) + 10,
                (e, "waste_collected"): "是", (f, "households"): int(inp.loc[f, "households"]) - 1,
                (g, "sewage_treated"): int(flip[g] == "是")}
    if int(inp.loc[e, "sanitary_toilet_households"]) != int(inp.loc[e, "households"]):
        expected[(e, "sanitary_toilet_households")] = int(inp.loc[e, "households"])
    before = {p: sha256(p) for p in (SAMPLE, *filled)}

    assert main(["survey", "import", *map(str, filled), "--into", str(run)]) == 0
    updates = pyogrio.read_dataframe(run, layer="village_status_updates", read_geometry=False)
    assert set(updates["status"]) == {"ok"} and len(updates) == 8
    assert "survey_points" not in [n for n, _ in pyogrio.list_layers(run)]  # status, not points
    after_import = sha256(run)
    out = tmp_path / "villages_2026.gpkg"
    assert main(["survey", "apply", str(run), "--out", str(out), "--year", "2026"]) == 0

    assert sha256(run) == after_import and all(sha256(p) == h for p, h in before.items())
    new = pyogrio.read_dataframe(out, layer="villages").set_index("village_code")
    changed = {}
    for col in inp.columns.drop("geometry"):
        diff = inp[col].ne(new[col]) & ~(inp[col].isna() & new[col].isna())
        changed.update({(k, col): new.loc[k, col] for k in inp.index[diff]})
    for col in ("waste_collected", "road_surface"):
        changed.update({(k, col): v for k, v in new[col].dropna().items()})
    assert changed == expected
    assert new.geometry.geom_equals(inp.geometry).all() and list(new.index) == list(inp.index)
    audit = pyogrio.read_dataframe(out, layer="audit")
    assert len(audit) == len(expected)
    assert set(zip(audit["village_code"], audit["field"], strict=True)) == set(expected)
    row = audit[audit["village_code"] == a].iloc[0]
    assert (row["surveyor"], row["survey_date"], row["source_file"], row["file_sha256"]) == \
        ("张三", D1, "team1.gpkg", before[filled[0]])
    meta = dict(pyogrio.read_dataframe(out, layer="metadata").values)
    assert meta["data_year"] == "2026" and pyogrio.list_layers(out)[0][0] == "villages"
    # next year's run reads the new villages as they are
    others = [arg for k in ("roads", "facilities", "towns", "counties", "mines") for arg in (f"--{k}", f"{SAMPLE}:{k}")]
    assert main(["run", "--villages", str(out), *others, "--out", str(tmp_path / "run2026"), "--set",
                 "data_year=2026", "-q", "--no-map"]) == 0
    rerun = pyogrio.read_dataframe(tmp_path / "run2026" / "results.gpkg", layer="villages", read_geometry=False)
    assert rerun.set_index("village_code").loc[a, "households"] == expected[(a, "households")]
    summary = json.loads((tmp_path / "run2026" / "summary.json").read_text(encoding="utf-8"))
    assert summary["config"]["data_year"] == 2026


def test_bad_observations_are_rejected_with_reasons(run, form, tmp_path):
    codes = _codes(form)
    homes = int(_input_villages().set_index("village_code").loc[codes[3], "households"])
    rows = [
        {"village_code": "150622999999", "obs_households": 10, "survey_date": D1},
        {"village_code": codes[1], "obs_households": -4, "survey_date": D1},
        {"village_code": codes[2], "obs_resident_population": "12.5", "survey_date": D1},
        {"village_code": codes[3], "obs_sanitary_toilet_households": homes + 1, "survey_date": D1},
        {"village_code": codes[4], "obs_sewage_treated": "也许", "survey_date": D1},
        {"village_code": codes[5], "obs_road_surface": "彩虹路", "survey_date": D1},
        {"village_code": codes[6], "obs_households": 20},
        {"village_code": codes[7], "obs_households": 20, "survey_date": (TODAY + timedelta(days=30)).isoformat()},
        {"village_code": codes[8], "obs_households": "很多", "survey_date": D1},
        {"village_code": codes[9], "obs_households": 30, "obs_sanitary_toilet_households": 31, "survey_date": D1},
    ]
    report = import_status([write_csv(tmp_path / "bad.csv", rows, chinese=False, encoding="utf-8")], run)
    assert report.files[0].counts == {"ok": 1, "rejected": 10, "conflict": 0}
    assert "第2行 row 2, obs_households: rejected — 村代码不在" in "\n".join(report.lines())
    u = pyogrio.read_dataframe(run, layer="village_status_updates", read_geometry=False)
    why = {(r.village_code, r.field): r.reason for r in u.itertuples()}
    assert set(u["status"]) == {"rejected", "ok"}
    assert "not in the villages" in why[("150622999999", "households")]
    assert "负数" in why[(codes[1], "households")]
    assert "不是整数" in why[(codes[2], "resident_population")]
    assert "大于户数" in why[(codes[3], "sanitary_toilet_households")]
    assert "不是 是/否" in why[(codes[4], "sewage_treated")]
    assert "路面类型" in why[(codes[5], "road_surface")]
    assert "缺少调查日期" in why[(codes[6], "households")]
    assert "不合理" in why[(codes[7], "households")]
    assert "不是数字" in why[(codes[8], "households")]
    assert why[(codes[9], "households")] is None and "大于户数" in why[(codes[9], "sanitary_toilet_households")]
    assert len(u) == 11 and (u["status"] == "ok").sum() == 1


def test_conflict_is_listed_and_resolved_both_ways(run, form, tmp_path):
    code = _codes(form)[20]
    early = write_csv(tmp_path / "early.csv", [{"village_code": code, "obs_households": 101, "surveyor": "甲",
                                                "survey_date": D1}])
    late = write_csv(tmp_path / "late.csv", [{"village_code": code, "obs_households": 202, "surveyor": "乙",
                                              "survey_date": D2}])
    import_status([early], run)
    report = import_status([late], run)
    assert report.files[0].counts["conflict"] == 1
    u = pyogrio.read_dataframe(run, layer="village_status_updates", read_geometry=False)
    assert list(u["status"]) == ["conflict", "conflict"]
    assert "202" in u.loc[0, "reason"] and "late.csv" in u.loc[0, "reason"] and "101" in u.loc[1, "reason"]
    old = int(_input_villages().set_index("village_code").loc[code, "households"])

    none = apply_status(run, tmp_path / "none.gpkg", take="none")
    latest = apply_status(run, tmp_path / "latest.gpkg", take="latest")

    assert (none.conflicts_left, none.changes, latest.conflicts_taken, latest.changes) == (1, 0, 1, 1)
    v_none = pyogrio.read_dataframe(tmp_path / "none.gpkg", layer="villages").set_index("village_code")
    v_late = pyogrio.read_dataframe(tmp_path / "latest.gpkg", layer="villages").set_index("village_code")
    assert v_none.loc[code, "households"] == old and v_late.loc[code, "households"] == 202
    audit = pyogrio.read_dataframe(tmp_path / "latest.gpkg", layer="audit")
    assert list(audit[["old_value", "new_value", "surveyor"]].iloc[0]) == [str(old), "202", "乙"]


def test_reimport_adds_nothing_and_a_hostile_file_lands_nothing(run, form, tmp_path, capsys):
    code = _codes(form)[0]
    good = write_csv(tmp_path / "good.csv", [{"village_code": code, "obs_households": 5, "survey_date": D1}])
    assert main(["survey", "import", str(good), "--into", str(run)]) == 0
    once = sha256(run)
    copy = tmp_path / "copy of good.csv"
    shutil.copy(good, copy)
    assert main(["survey", "import", str(good), str(copy), "--into", str(run)]) == 0
    assert "已导入过" in capsys.readouterr().out and sha256(run) == once
    other = write_csv(tmp_path / "other.csv", [{"village_code": code, "obs_households": 6, "survey_date": D1}])
    hostile = tmp_path / "evil.gpx"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><gpx>&e;</gpx>')
    assert main(["survey", "import", str(other), str(hostile), "--into", str(run)]) == 2
    assert "DTD" in capsys.readouterr().err and sha256(run) == once
    slip = tmp_path / "form.xlsx"  # a returned form whose archive reaches outside itself
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../../evil.xml", "<x/>")
    assert main(["survey", "import", str(other), str(slip), "--into", str(run)]) == 2
    assert "zip slip" in capsys.readouterr().err and sha256(run) == once


def test_two_imports_at_once_both_land_and_each_once(run, form, tmp_path):
    codes = _codes(form)
    files = [write_csv(tmp_path / f"team{i}.csv", [{"village_code": c, "obs_households": 7, "survey_date": D1}
                                                   for c in codes[i * 50:(i + 1) * 50]]) for i in range(2)]
    files.append(files[0])  # the same file twice at once lands once
    procs = [subprocess.Popen([sys.executable, "-c", "from ruralenv.core.survey import import_status; "
                               f"import_status([{str(f)!r}], {str(run)!r})"]) for f in files]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    u = pyogrio.read_dataframe(run, layer="village_status_updates", read_geometry=False)
    assert len(u) == 100 and set(u["village_code"]) == set(codes[:100]) and np.all(u["status"] == "ok")


def test_status_forms_and_gps_points_in_one_import(run, form, tmp_path, capsys):
    g = pyogrio.read_dataframe(form / "form.gpkg", layer="village_status")
    p = g.geometry.iloc[3]
    gpx = tmp_path / "points.gpx"
    gpx.write_text('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
                   'xmlns="http://www.topografix.com/GPX/1/1">'
                   f'<wpt lat="{p.y:.7f}" lon="{p.x:.7f}"><name>{g["name"].iloc[3]}</name></wpt></gpx>',
                   encoding="utf-8")
    status = write_csv(tmp_path / "status.csv", [{"village_code": g["village_code"].iloc[3], "obs_households": 9,
                                                   "survey_date": D1}])
    assert main(["survey", "import", str(gpx), str(status), "--into", str(run)]) == 0
    out = capsys.readouterr().out
    assert "status.csv" in out and "points.gpx" in out
    assert len(pyogrio.read_dataframe(run, layer="survey_points", read_geometry=False)) == 1
    assert len(pyogrio.read_dataframe(run, layer="village_status_updates", read_geometry=False)) == 1
