"""Acceptance: real files of every format land within 0.5 m of their true position, matched to the right village."""
from __future__ import annotations

import numpy as np
import pytest
from ruralenv.core.survey import import_survey
from test_survey_support import WRITERS, make_results, metres_apart, ovital_kml_text, read_layer, truth

SHIFTED = {"kml", "kmz", "bd09_csv"}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_format_imports_to_the_true_position_and_village(fmt, tmp_path):
    writer, name, datum_label = WRITERS[fmt]
    gpkg = make_results(tmp_path / "results.gpkg")
    src = writer(tmp_path / name)

    report = import_survey([src], gpkg)

    f = report.files[0]
    assert datum_label in f.datum, f.datum_reason
    assert f.rows_read == len(truth()) == f.imported
    assert f.rejected == 0
    points = read_layer(gpkg, "survey_points").sort_values("src_row").reset_index(drop=True)
    t = truth()
    error = metres_apart(points["lon_wgs84"], points["lat_wgs84"], t["lon"], t["lat"])
    assert error.max() < (0.5 if fmt in SHIFTED else 0.01), error
    assert points["village_code"].tolist() == t["code"].tolist()
    assert set(points["match_by"]) <= {"code", "name"}
    assert (points["match_confidence"] >= 0.9).all()
    # the stored geometry (villages' CRS) agrees with the stored WGS 84 position
    back = points.geometry.to_crs(4326)
    assert metres_apart(back.x, back.y, points["lon_wgs84"], points["lat_wgs84"]).max() < 0.01


def test_datum_decisions_are_explained(tmp_path):
    gpkg = make_results(tmp_path / "results.gpkg")
    files = [WRITERS[k][0](tmp_path / WRITERS[k][1]) for k in ("gpx", "kml", "bd09_csv", "xlsx")]
    report = import_survey(files, gpkg)
    reasons = {r.format: r.datum_reason for r in report.files}
    assert "GPX" in reasons["gpx"] and "WGS 84" in reasons["gpx"]
    assert "奥维" in reasons["kml"] or "Ovital" in reasons["kml"]
    assert "百度" in reasons["csv"]
    assert "zone number" in reasons["xlsx"]
    assert any("northings" in w for r in report.files for w in r.warnings)  # X = north convention noted
    # the same six points in four files: the first file's are imported, the others' are duplicates
    text = "\n".join(report.lines())
    assert "rows read 24 = imported 6 + rejected 18" in text
    assert [r.rejects_by_reason["duplicate"] for r in report.files] == [0, 6, 6, 6]
    rejects = read_layer(gpkg, "survey_rejects")
    assert rejects["reason"].str.contains("duplicate of waypoints.gpx row").all()


def test_unlabelled_gcj02_is_recognised_from_the_villages(tmp_path):
    from ruralenv.core.base import datum

    gpkg = make_results(tmp_path / "results.gpkg")
    t = truth()
    glon, glat = datum.wgs84_to_gcj02(t["lon"].to_numpy(), t["lat"].to_numpy())
    src = tmp_path / "no_label.csv"
    src.write_text("lon,lat\n" + "".join(f"{a:.9f},{b:.9f}\n" for a, b in zip(glon, glat, strict=True)))

    report = import_survey([src], gpkg)

    assert report.files[0].datum == "GCJ-02"
    assert "closest to the villages" in report.files[0].datum_reason
    points = read_layer(gpkg, "survey_points")
    assert metres_apart(points["lon_wgs84"], points["lat_wgs84"], t["lon"], t["lat"]).max() < 0.5
    assert points["match_by"].eq("distance").all()
    assert points["village_code"].tolist() == t["code"].tolist()


def test_explicit_crs_overrides_the_file(tmp_path):
    gpkg = make_results(tmp_path / "results.gpkg")
    src = WRITERS["kml"][0](tmp_path / "ovital.kml")
    report = import_survey([src], gpkg, crs="wgs84")
    assert report.files[0].datum == "WGS 84" and report.files[0].datum_reason == "given with --crs"
    points = read_layer(gpkg, "survey_points")
    t = truth()
    # read as WGS 84 the GCJ-02 coordinates stay hundreds of metres off: the option was obeyed
    assert metres_apart(points["lon_wgs84"], points["lat_wgs84"], t["lon"], t["lat"]).min() > 100


def test_projected_metres_without_zone_number(tmp_path):
    from pyproj import Transformer

    gpkg = make_results(tmp_path / "results.gpkg")
    t = truth()
    east, north = Transformer.from_crs(4326, 4546, always_xy=True).transform(t["lon"], t["lat"])
    src = tmp_path / "gk.txt"
    src.write_text("name\tx\ty\n" + "".join(f"{n}\t{e:.4f}\t{y:.4f}\n"
                                            for n, e, y in zip(t["name"], east, north, strict=True)), encoding="utf-8")
    report = import_survey([src], gpkg)
    assert "EPSG:4546" in report.files[0].datum
    points = read_layer(gpkg, "survey_points")
    assert metres_apart(points["lon_wgs84"], points["lat_wgs84"], t["lon"], t["lat"]).max() < 0.01


def test_swapped_latitude_longitude_is_corrected_with_a_warning(tmp_path):
    gpkg = make_results(tmp_path / "results.gpkg")
    t = truth()
    rows = [f"{r.name},{r.lon:.9f},{r.lat:.9f}" if i % 2 else f"{r.name},{r.lat:.9f},{r.lon:.9f}"
            for i, r in enumerate(t.itertuples())]
    src = tmp_path / "swapped.csv"
    src.write_text("名称,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")

    report = import_survey([src], gpkg)

    f = report.files[0]
    assert f.swapped == 3
    assert any("swapped on 3 row(s)" in w for w in f.warnings)
    points = read_layer(gpkg, "survey_points").sort_values("src_row")
    assert metres_apart(points["lon_wgs84"], points["lat_wgs84"], t["lon"], t["lat"]).max() < 0.01
    assert points["swapped"].astype(bool).tolist() == [True, False] * 3


def test_gpx_tracks_and_routes_are_imported(tmp_path):
    import gpxpy.gpx

    gpkg = make_results(tmp_path / "results.gpkg")
    t = truth()
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="巡查")
    seg = gpxpy.gpx.GPXTrackSegment()
    seg.points = [gpxpy.gpx.GPXTrackPoint(r.lat, r.lon) for r in t.itertuples()]
    track.segments.append(seg)
    gpx.tracks.append(track)
    route = gpxpy.gpx.GPXRoute(name="路线")
    route.points = [gpxpy.gpx.GPXRoutePoint(r.lat + 0.0001, r.lon) for r in t.itertuples()][:2]
    gpx.routes.append(route)
    src = tmp_path / "track.gpx"
    src.write_text(gpx.to_xml(version="1.0"), encoding="utf-8")

    import_survey([src], gpkg)

    points = read_layer(gpkg, "survey_points")
    assert sorted(points["kind"].value_counts().items()) == [("routepoint", 2), ("trackpoint", 6)]
    assert set(points.loc[points["kind"] == "trackpoint", "source_layer"]) == {"巡查"}
    track_points = points[points["kind"] == "trackpoint"].sort_values("src_row")
    assert track_points["village_code"].tolist() == t["code"].tolist()
    assert np.all(track_points["match_by"] == "distance")


def test_kml_folders_and_extended_data_are_kept(tmp_path):
    import json

    gpkg = make_results(tmp_path / "results.gpkg")
    import_survey([WRITERS["kml"][0](tmp_path / "ovital.kml")], gpkg)
    points = read_layer(gpkg, "survey_points").sort_values("src_row")
    assert set(points["source_layer"]) == {"调查点"}
    assert points["note"].eq("入户调查").all()
    first = json.loads(points["attributes"].iloc[0])
    assert first == {"村代码": truth()["code"][0], "调查人": "张三"}
    assert points["match_by"].tolist() == ["code", "name"] * 3


def test_real_sample_county_ovital_export(sample_results, tmp_path):
    """Villages of the bundled 准格尔旗 sample, exported from 奥维 in GCJ-02 with 村委会 names."""
    import shutil

    from ruralenv.core.base import datum

    _, out = sample_results
    gpkg = tmp_path / "results.gpkg"
    shutil.copyfile(out / "results.gpkg", gpkg)
    villages = read_layer(gpkg, "villages")
    pick = villages.iloc[::11]
    lonlat = pick.geometry.to_crs(4326)
    glon, glat = datum.wgs84_to_gcj02(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    marks = "".join(f"<Placemark><name>{n}村委会</name><Point><coordinates>{a:.9f},{b:.9f}</coordinates></Point>"
                    "</Placemark>" for n, a, b in zip(pick["name"], glon, glat, strict=True))
    src = tmp_path / "准格尔旗调查.kml"
    src.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                   f"<Document><name>奥维互动地图</name>{marks}</Document></kml>", encoding="utf-8")

    report = import_survey([src], gpkg)

    assert report.files[0].datum == "GCJ-02" and report.imported == len(pick)
    points = read_layer(gpkg, "survey_points").sort_values("src_row")
    assert points["village_code"].tolist() == pick["village_code"].tolist()
    assert metres_apart(points["lon_wgs84"], points["lat_wgs84"], lonlat.x, lonlat.y).max() < 0.5
    assert len(read_layer(gpkg, "village_location_updates")) == 0


def test_kml_declared_gbk_is_read(tmp_path):
    gpkg = make_results(tmp_path / "results.gpkg")
    text = ovital_kml_text().replace('encoding="UTF-8"', 'encoding="GBK"')
    src = tmp_path / "gbk.kml"
    src.write_bytes(text.encode("gbk"))
    report = import_survey([src], gpkg)
    assert report.files[0].datum == "GCJ-02" and report.imported == 6
    points = read_layer(gpkg, "survey_points").sort_values("src_row")
    assert points["name"].tolist() == truth()["name"].tolist()
