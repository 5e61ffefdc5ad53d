"""Validation, rejects, matching, relocation proposals, audit and idempotency of the survey import."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ruralenv.core.base import ConfigError
from ruralenv.core.cli.main import main
from ruralenv.core.survey import import_survey
from ruralenv.core.survey.coords import parse_dms
from ruralenv.core.survey.villages import normalise_name
from test_survey_support import GEOD, VILLAGES, make_results, read_layer, sha256, truth, write_gpx


@pytest.fixture
def gpkg(tmp_path):
    return make_results(tmp_path / "results.gpkg")


def _moved(village_index: int, metres: float, azimuth: float = 90.0) -> tuple[float, float]:
    v = VILLAGES[village_index]
    lon, lat, _ = GEOD.fwd(v.lon, v.lat, azimuth, metres)
    return lon, lat


def test_every_row_is_imported_or_rejected_with_row_and_reason(gpkg, tmp_path):
    t = truth()
    lines = [
        "名称,经度,纬度",
        f"{t.name[0]},{t.lon[0]:.9f},{t.lat[0]:.9f}",  # row 2 ok
        f"{t.name[1]},{t.lon[1]:.9f},{t.lat[1]:.9f}",  # row 3 ok
        "坏点,abc,39.8",  # row 4 unparseable
        "缺失,,",  # row 5 unparseable (missing)
        "分超限,111°75'00\"E,39°48'00\"N",  # row 6 impossible minutes
        "纬度超限,111.2,95.5",  # row 7 impossible latitude
        "北京,116.397,39.909",  # row 8 outside the study area
        f"{t.name[0]},{t.lon[0] + 1e-7:.9f},{t.lat[0]:.9f}",  # row 9 duplicate of row 2 (1 cm away)
        "",  # blank line: not a row
        f"{t.name[2]},{t.lon[2]:.9f},{t.lat[2]:.9f}",  # row 11 ok
    ]
    src = tmp_path / "mixed.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_survey([src], gpkg)

    f = report.files[0]
    assert (f.rows_read, f.imported, f.rejected) == (9, 3, 6)
    assert f.rows_read == f.imported + f.rejected
    assert f.rejects_by_reason == {"unparseable": 2, "impossible_value": 2, "not_a_point": 0,
                                   "outside_study_area": 1, "duplicate": 1}
    rejects = read_layer(gpkg, "survey_rejects").set_index("src_row")
    assert rejects.loc[4, "reason_code"] == "unparseable" and "'abc'" in rejects.loc[4, "reason"]
    assert rejects.loc[5, "reason_code"] == "unparseable" and "missing" in rejects.loc[5, "reason"]
    assert rejects.loc[6, "reason_code"] == "impossible_value" and "below 60" in rejects.loc[6, "reason"]
    assert rejects.loc[7, "reason_code"] == "impossible_value"
    assert rejects.loc[8, "reason_code"] == "outside_study_area"
    assert rejects.loc[9, "reason"].startswith("duplicate of mixed.csv row 2")
    assert sorted(read_layer(gpkg, "survey_points")["src_row"]) == [2, 3, 11]
    audit = read_layer(gpkg, "survey_imports")
    assert audit.loc[0, "rows_read"] == 9 and json.loads(audit.loc[0, "rejects_by_reason"])["duplicate"] == 1


def test_second_import_of_the_same_file_adds_nothing(gpkg, tmp_path, capsys):
    src = write_gpx(tmp_path / "w.gpx")
    first = import_survey([src], gpkg)
    assert first.written and first.imported == 6
    after_first = sha256(gpkg)
    copy = tmp_path / "renamed copy.gpx"
    copy.write_bytes(src.read_bytes())

    second = import_survey([src, copy], gpkg)

    assert not second.written
    assert [f.status for f in second.files] == ["skipped", "skipped"]
    assert sha256(gpkg) == after_first
    assert main(["survey", "import", str(src), "--into", str(gpkg)]) == 0
    assert "already imported on" in capsys.readouterr().out
    assert sha256(gpkg) == after_first
    audit = read_layer(gpkg, "survey_imports")
    assert len(audit) == 1 and audit.loc[0, "sha256"] == first.files[0].sha256


def test_points_of_later_files_duplicating_stored_points_are_rejected(gpkg, tmp_path):
    src = write_gpx(tmp_path / "w.gpx")
    import_survey([src], gpkg)
    again = tmp_path / "again.gpx"
    again.write_text(src.read_text(encoding="utf-8").replace("?>", "?>\n<!-- second team -->", 1), encoding="utf-8")
    report = import_survey([again], gpkg)
    assert report.files[0].rejects_by_reason["duplicate"] == 6
    assert len(read_layer(gpkg, "survey_points")) == 6


def test_village_relocations_are_proposed_never_applied(gpkg, tmp_path):
    villages_before = read_layer(gpkg, "villages")
    far_lon, far_lat = _moved(0, 500)
    near_lon, near_lat = _moved(1, 40)
    name_lon, name_lat = _moved(4, 2500, azimuth=0)
    src = tmp_path / "moved.csv"
    src.write_text("村代码,名称,经度,纬度\n"
                   f"{VILLAGES[0].code},沙圪堵,{far_lon:.9f},{far_lat:.9f}\n"
                   f"{VILLAGES[1].code},纳日松,{near_lon:.9f},{near_lat:.9f}\n"
                   f",大路村委会,{name_lon:.9f},{name_lat:.9f}\n", encoding="utf-8")

    report = import_survey([src], gpkg)

    assert report.files[0].proposals == 2
    updates = read_layer(gpkg, "village_location_updates").set_index("village_code")
    assert sorted(updates.index) == sorted([VILLAGES[0].code, VILLAGES[4].code])
    assert updates.loc[VILLAGES[0].code, "shift_m"] == pytest.approx(500, abs=2)
    assert updates.loc[VILLAGES[4].code, "match_by"] == "name"
    assert (updates["status"] == "proposed").all()
    proposed = updates.geometry.to_crs(4326)
    assert proposed[VILLAGES[0].code].x == pytest.approx(far_lon, abs=1e-7)
    pd.testing.assert_frame_equal(read_layer(gpkg, "villages"), villages_before)
    points = read_layer(gpkg, "survey_points").set_index("src_row")
    assert points.loc[2, "match_by"] == "code" and points.loc[2, "match_confidence"] == 1.0
    assert points.loc[4, "match_by"] == "name" and points.loc[4, "match_confidence"] == 0.6


def test_code_and_name_disagreeing_lowers_confidence(gpkg, tmp_path):
    lon, lat = _moved(2, 20)
    src = tmp_path / "clash.csv"
    src.write_text(f"code,name,lon,lat\n{VILLAGES[2].code},大路村,{lon:.9f},{lat:.9f}\n", encoding="utf-8")
    import_survey([src], gpkg)
    point = read_layer(gpkg, "survey_points").iloc[0]
    assert point["village_code"] == VILLAGES[2].code
    assert point["match_confidence"] == pytest.approx(0.7)
    assert "differs" in point["match_note"]


@pytest.mark.parametrize("radius, expected", [(1000.0, "none"), (3000.0, "distance")])
def test_distance_matching_respects_the_radius(gpkg, tmp_path, radius, expected):
    lon, lat = _moved(3, 2000, azimuth=315)
    src = tmp_path / "lone.csv"
    src.write_text(f"lon,lat\n{lon:.9f},{lat:.9f}\n", encoding="utf-8")
    import_survey([src], gpkg, match_radius_m=radius)
    point = read_layer(gpkg, "survey_points").iloc[0]
    assert point["match_by"] == expected
    if expected == "distance":
        assert point["village_code"] == VILLAGES[3].code
        assert point["match_dist_m"] == pytest.approx(2000, abs=2)
        assert 0.05 <= point["match_confidence"] < 0.5


def test_cli_reports_datum_decision_and_counts(gpkg, tmp_path, capsys):
    src = write_gpx(tmp_path / "w.gpx")
    assert main(["survey", "import", str(src), "--into", str(gpkg), "--crs", "auto", "--match-radius", "800"]) == 0
    out = capsys.readouterr().out
    assert "read as WGS 84 — GPX 1.1 stores WGS 84 by specification" in out
    assert "rows read 6 = imported 6 + rejected 0" in out


def test_bad_options_are_refused(gpkg, tmp_path):
    src = write_gpx(tmp_path / "w.gpx")
    with pytest.raises(ConfigError, match="--crs"):
        import_survey([src], gpkg, crs="mars")
    with pytest.raises(ConfigError, match="radius"):
        import_survey([src], gpkg, match_radius_m=0)


def test_missing_results_geopackage_is_a_clear_error(tmp_path, capsys):
    src = write_gpx(tmp_path / "w.gpx")
    assert main(["survey", "import", str(src), "--into", str(tmp_path / "none.gpkg")]) == 2
    assert "run the analysis first" in capsys.readouterr().err


@pytest.mark.parametrize("text, value, hemisphere", [
    ("111°30'15.2\"E", 111.50422222, "E"),
    ("111度30分15.2秒", 111.50422222, ""),
    ("E111 30 15.2", 111.50422222, "E"),
    ("北纬39°48.5'", 39.80833333, "N"),
    ("39°48′30″Ｎ", 39.80833333, "N"),
    ("S 12 30", -12.5, "S"),
    ("西经 73.5", -73.5, "W"),
    ("-111.25", -111.25, ""),
])
def test_dms_notations(text, value, hemisphere):
    parsed, hemi, problem, _ = parse_dms(text)
    assert problem is None
    assert parsed == pytest.approx(value, abs=1e-8)
    assert hemi == hemisphere


@pytest.mark.parametrize("text, impossible", [("39°75'N", True), ("111°30'61\"", True), ("abc", False),
                                              ("N39 E111", False), ("1.5°30'", False)])
def test_bad_dms(text, impossible):
    value, _, problem, bad = parse_dms(text)
    assert np.isnan(value) and problem and bad is impossible


@pytest.mark.parametrize("name, key", [("沙圪堵村委会", "沙圪堵"), ("纳日松 嘎查", "纳日松"), ("新民社", "新民"),
                                       ("薛家湾居委会", "薛家湾"), ("（大路）村民委员会", "大路"), ("村", "村"),
                                       ("乌兰嘎查村", "乌兰")])
def test_name_normalisation(name, key):
    assert normalise_name(name) == key


def test_features_that_are_not_points_are_rejected(gpkg, tmp_path):
    t = truth()
    src = tmp_path / "mixed.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": t.name[0]},
         "geometry": {"type": "Point", "coordinates": [t.lon[0], t.lat[0]]}},
        {"type": "Feature", "properties": {"name": "路"},
         "geometry": {"type": "LineString", "coordinates": [[t.lon[0], t.lat[0]], [t.lon[1], t.lat[1]]]}},
        {"type": "Feature", "properties": {"name": "空"}, "geometry": None},
    ]}, ensure_ascii=False), encoding="utf-8")
    report = import_survey([src], gpkg)
    f = report.files[0]
    assert (f.rows_read, f.imported, f.rejected) == (3, 1, 2)
    rejects = read_layer(gpkg, "survey_rejects").set_index("src_row")
    assert rejects.loc[2, "reason_code"] == "not_a_point" and "linestring" in rejects.loc[2, "reason"]
    assert rejects.loc[3, "reason_code"] == "unparseable" and rejects.loc[3, "reason"] == "geometry is missing"
