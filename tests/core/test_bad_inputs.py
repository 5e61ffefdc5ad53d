"""Bad input: a clear message naming file, layer, row and field; exit code 2; nothing overwritten."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import SAMPLE
from ruralenv.core import InputError, run_pipeline
from shapely.geometry import Point

RUN = [sys.executable, "-m", "ruralenv.core.cli", "run"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def layers():
    return {k: gpd.read_file(SAMPLE, layer=k) for k in ("villages", "roads", "facilities", "towns")}


@pytest.fixture
def previous_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.gpkg").write_bytes(b"previous results")
    (out / "summary.json").write_text('{"previous": true}')
    return out


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def write(tmp_path: Path, layers: dict, **changed) -> list[str]:
    """Write the sample layers (some changed) to one GeoPackage; return the CLI input options."""
    path = tmp_path / "in.gpkg"
    args = []
    for kind, gdf in {**layers, **changed}.items():
        gdf.to_file(path, layer=kind, driver="GPKG")
        args += [f"--{kind}", f"{path}:{kind}"]
    return args


def check_fails(tmp_path, previous_out, args, *expected: str) -> str:
    before = digest(previous_out)
    proc = cli(*args, "--out", str(previous_out), "-q", "--set", f"cache_dir={tmp_path / 'cache'}")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert digest(previous_out) == before
    return proc.stderr


def test_missing_required_field(tmp_path, layers, previous_out):
    v = layers["villages"].drop(columns=["county_code"])
    check_fails(tmp_path, previous_out, write(tmp_path, layers, villages=v), "in.gpkg [layer villages]",
                "required field 'county_code' is missing")


def test_empty_layer(tmp_path, layers, previous_out):
    check_fails(tmp_path, previous_out, write(tmp_path, layers, facilities=layers["facilities"].iloc[:0]),
                "[layer facilities]", "layer is empty")


def test_null_and_invalid_geometry_duplicates_and_bad_numbers(tmp_path, layers, previous_out):
    v = layers["villages"].copy()
    v.loc[3, "geometry"] = None
    v.loc[5, "village_code"] = v.loc[4, "village_code"]
    v["population"] = v["population"].astype(object)
    v.loc[7, "population"] = "约300"
    v.loc[8, "village_class"] = "城镇化类"
    err = check_fails(tmp_path, previous_out, write(tmp_path, layers, villages=v),
                      "row 4 field 'geometry': has no geometry",
                      f"row 6 field 'village_code': duplicate code '{v.loc[4, 'village_code']}' (first used on row 5)",
                      "row 8 field 'population': '约300' is not a number",
                      "row 9 field 'village_class': unknown value '城镇化类'")
    assert err.count("error:") == 4


def test_unknown_surface_is_a_warning_and_the_run_goes_on(tmp_path, layers, cfg):
    r = layers["roads"].copy()
    r.loc[10, "surface"] = "彩虹路面"
    res = run_pipeline({**layers, "roads": r}, cfg)
    note = res.rejects[(res.rejects["row"] == 11) & (res.rejects["field"] == "surface")]
    assert list(note["severity"]) == ["note"] and "unknown surface '彩虹路面'" in note["reason"].iloc[0]
    assert note["code"].iloc[0] == str(r.at[10, "road_id"])
    assert not res.roads.loc[res.roads["src_row"] == 11, "hardened"].any()


def test_file_that_does_not_exist(tmp_path, previous_out):
    check_fails(tmp_path, previous_out, ["--villages", str(tmp_path / "nope.gpkg"), "--roads", str(SAMPLE) + ":roads"],
                "nope.gpkg", "file does not exist")


def test_non_spatial_csv(tmp_path, previous_out):
    csv = tmp_path / "villages.csv"
    csv.write_text("村代码,村名,旗县代码\n1,甲村,150622\n", encoding="utf-8")
    check_fails(tmp_path, previous_out, ["--villages", str(csv), "--roads", str(SAMPLE) + ":roads"],
                "villages.csv", "table without coordinates")


def test_csv_with_coordinates_and_chinese_headers_is_read(tmp_path, cfg):
    csv = tmp_path / "villages.csv"
    csv.write_bytes("村代码,村名,旗县代码,人口,经度,纬度\n1,甲村,150622,320,111.10,39.80\n".encode("gb18030"))
    res = run_pipeline({"villages": str(csv), "roads": f"{SAMPLE}:roads"}, cfg)
    assert res.villages.at[0, "name"] == "甲村" and res.villages.at[0, "population"] == 320


def test_reject_mode_keeps_good_rows_and_lists_bad_ones(tmp_path, layers, cfg):
    v = layers["villages"].copy()
    v.loc[3, "geometry"] = None
    v.loc[7, "population"] = -5
    res = run_pipeline({**layers, "villages": v}, cfg.replace(on_bad_rows="reject"))
    assert len(res.villages) == len(v) - 2
    errors = res.rejects[res.rejects["severity"] == "error"]
    assert sorted(errors["row"]) == [4, 8]
    assert set(errors["field"]) == {"geometry", "population"}


def test_python_api_raises_with_every_problem(layers, cfg):
    v = layers["villages"].copy()
    v["population"] = v["population"].astype(object)
    v.loc[[1, 2], "population"] = "many"
    with pytest.raises(InputError) as exc:
        run_pipeline({**layers, "villages": v}, cfg)
    assert [p.row for p in exc.value.problems] == [2, 3]


def test_gbk_shapefile_without_cpg(tmp_path, cfg):
    shp = tmp_path / "villages.shp"
    gdf = gpd.GeoDataFrame({"村代码": ["150622100201"], "村名": ["布尔陶亥村"], "旗县代码": ["150622"],
                            "村庄分类": ["集聚提升类"]},
                           geometry=[Point(111.2, 39.8)], crs="EPSG:4490")
    gdf.to_file(shp, encoding="GBK", engine="pyogrio")
    for cpg in tmp_path.glob("villages.cpg"):
        cpg.unlink()
    res = run_pipeline({"villages": str(shp), "roads": f"{SAMPLE}:roads"}, cfg)
    assert res.villages.at[0, "name"] == "布尔陶亥村"
    assert res.villages.at[0, "village_class"] == "集聚提升类"


def test_cli_success_writes_outputs_and_exit_zero(tmp_path):
    out = tmp_path / "out"
    proc = cli(*sum(([f"--{k}", f"{SAMPLE}:{k}"] for k in ("villages", "roads", "facilities", "towns",
                                                             "counties", "mines")), []),
               "--out", str(out), "--no-map", "--set", f"cache_dir={tmp_path / 'c'}", "--set", "d_town_m=12000")
    assert proc.returncode == 0, proc.stderr
    assert "准格尔旗" in proc.stdout and "results.gpkg" in proc.stdout
    assert {p.name for p in out.iterdir()} == {"results.gpkg", "summary.json", "report.xlsx"}
    proc = cli("--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads", "--out", str(out),
               "--set", "no_such_setting=1")
    assert proc.returncode == 2 and "unknown setting 'no_such_setting'" in proc.stderr


def test_cli_run_from_a_toml_file(tmp_path):
    toml = tmp_path / "plan.toml"
    toml.write_text(f'''[inputs]
villages = "{SAMPLE}:villages"
roads = "{SAMPLE}:roads"
facilities = "{SAMPLE}:facilities"
towns = "{SAMPLE}:towns"

[settings]
d_station_m = 30000
cache_dir = "{tmp_path / 'cache'}"
''', encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([*RUN, str(toml), "--out", str(out), "--no-map", "-q", "--set", "d_town_m=10000"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "summary.json").read_text(encoding="utf-8"))["config"]
    assert config["d_station_m"] == 30000 and config["d_town_m"] == 10000
    bad = tmp_path / "bad.toml"
    bad.write_text('[inputs]\nroads = "x.gpkg"\n', encoding="utf-8")
    proc = subprocess.run([*RUN, str(bad), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "[inputs] lacks villages" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("text, expected", [
    ('[setting]\nd_station_m = 30000\n', "unknown table [setting]; did you mean 'settings'?"),
    ('facilties = "f.gpkg"\n', "unknown key facilties in [inputs]; did you mean 'facilities'?"),
    ('[settings]\nd_staton_m = 30000\n', "unknown key d_staton_m in [settings]; did you mean 'd_station_m'?"),
    ('[settings]\nd_station_m = "far"\n', "setting d_station_m expects a float"),
])
def test_misspelt_toml_tables_and_keys_are_errors_naming_the_nearest_known_name(tmp_path, text, expected):
    toml = tmp_path / "plan.toml"
    head, _, rest = text.partition("[")
    toml.write_text(f'[inputs]\nvillages = "{SAMPLE}:villages"\nroads = "{SAMPLE}:roads"\n{head}'
                    + (f"[{rest}" if rest else ""), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([*RUN, str(toml), "--out", str(out), "--no-map", "-q"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert expected in proc.stderr and str(toml) in proc.stderr and not out.exists()


def test_a_geopackage_1_4_from_newer_gdal_reads_without_warnings(tmp_path):
    """GDAL 3.8+ (QGIS 3.34+) writes GeoPackage 1.4; the GDAL in pyogrio's wheel warned on every open."""
    import sqlite3

    newer = tmp_path / "qgis334.gpkg"
    newer.write_bytes(SAMPLE.read_bytes())
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 10400")
    con.commit()
    con.close()
    proc = cli(*sum(([f"--{k}", f"{newer}:{k}"] for k in ("villages", "roads", "facilities", "towns")), []),
               "--out", str(tmp_path / "out"), "--no-map", "-q", "--set", f"cache_dir={tmp_path / 'c'}")
    assert proc.returncode == 0, proc.stderr
    assert "user_version" not in proc.stderr and "partially supported" not in proc.stderr


def test_missing_code_names_its_chinese_alias_and_the_fix(tmp_path, previous_out):
    csv = tmp_path / "villages.csv"
    csv.write_text("名称,经度,纬度\n甲村,111.10,39.80\n", encoding="utf-8")
    err = check_fails(tmp_path, previous_out, ["--villages", str(csv), "--roads", str(SAMPLE) + ":roads"],
                      "required field 'village_code' is missing", "村代码", "add the field")
    assert "旗县代码" in err  # county_code is missing too, with its own Chinese name


def test_out_pointing_at_an_existing_file_fails_before_the_analysis(tmp_path):
    target = tmp_path / "results.gpkg"
    target.write_bytes(b"not a folder")
    proc = cli("--villages", f"{SAMPLE}:villages", "--roads", f"{SAMPLE}:roads", "--out", str(target))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is an existing file, not a folder" in proc.stderr
    assert "] read" not in proc.stderr and "] graph" not in proc.stderr  # no stage of the analysis ran
    assert target.read_bytes() == b"not a folder"


@pytest.mark.parametrize("value, expected", [("0.6", "did you mean 60 %?"), ("150", "a percentage in (1, 100]"),
                                             ("六十", "a percentage such as 60")])
def test_plan_percentages_given_as_fractions_are_questioned(tmp_path, value, expected):
    proc = subprocess.run([sys.executable, "-c", "import sys; from ruralenv.core.cli.main import main; "
                           "sys.exit(main())", "plan", str(tmp_path / "results.gpkg"), "--out", str(tmp_path / "p"),
                           "--waste-target", value], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and expected in proc.stderr


def test_every_output_is_readable_by_others_including_the_surface(tmp_path, cfg):
    import os
    import stat

    from ruralenv.core.surface.run import make_surface, read_results, write_surface

    out = tmp_path / "out"
    run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "towns")}, cfg, out_dir=out, write_map=False)
    files = write_surface(make_surface(read_results(out / "results.gpkg"), "seat", config=cfg, res=1000.0),
                          out / "surface_seat.tif")
    mask = os.umask(0o022)
    os.umask(mask)
    for path in [*out.glob("*.*"), *map(Path, files.values())]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path.name
