"""The commands as a user runs them, with their outputs read back and checked against the library's own results.

Each test runs ``ruralenv`` in a child process on the bundled sample and reads every file it wrote (GeoTIFF
values, JSON, Excel sheets, the map), comparing with the same computation done in-process.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import rasterio
from conftest import SAMPLE
from openpyxl import load_workbook

RUN = [sys.executable, "-m", "ruralenv.core.cli"]
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")


def _ruralenv(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """``ruralenv run`` on the sample with a surface, through the command line."""
    out = tmp_path_factory.mktemp("e2e") / "out"
    args = ["run", *[f"--{k}={SAMPLE}:{k}" for k in KINDS], "--out", str(out), "-q", "--surface",
            "transfer_station", "--set", f"cache_dir={out.parent / 'cache'}"]
    _ruralenv(*args)
    return out


def test_run_with_a_surface_writes_the_values_the_library_computes(cli_run):
    from ruralenv.core import Config
    from ruralenv.core.surface import make_surface, read_results

    tif = cli_run / "surface_transfer_station.tif"
    with rasterio.open(tif) as ds:
        written, nodata, unit = ds.read(1), ds.nodata, ds.units[0]
    expected = make_surface(read_results(cli_run / "results.gpkg"), "transfer_station", "distance",
                            Config(cache_dir=str(cli_run.parent / "cache")),
                            float(json.loads((cli_run / "surface_transfer_station_summary.json").read_text(
                                encoding="utf-8"))["res_m"]))
    assert unit == "m"
    assert written.shape == expected.values.shape
    assert np.array_equal(written == nodata, expected.values == nodata)
    ok = written != nodata
    assert ok.sum() > 1000
    np.testing.assert_allclose(written[ok], expected.values[ok], rtol=1e-6)


def test_run_writes_summary_and_report_that_agree(cli_run):
    summary = json.loads((cli_run / "summary.json").read_text(encoding="utf-8"))
    book = load_workbook(cli_run / "report.xlsx", read_only=True)
    for sheet in book.worksheets:  # every sheet: a Chinese header row over an English one
        head = list(sheet.iter_rows(min_row=1, max_row=1, values_only=True))[0]
        assert any(isinstance(v, str) and any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in head), sheet.title
    from ruralenv.core.base import contract

    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])  # the Chinese row, as the contract labels the columns
    zh = {name: labels[0] for name, labels in contract.headers(contract.INDICATOR_COLUMNS).items()}
    by_code = {str(r[header.index(zh["code"])]): r for r in rows[2:] if r and r[0] is not None}
    for county in summary["counties"]:
        row = by_code[str(county["code"])]
        for key in ("name", "n_admin", "n_admin_covered", "n_larger_access"):
            assert row[header.index(zh[key])] == county[key], key


def test_surface_command_values_summary_and_report(cli_run, tmp_path):
    from ruralenv.core import Config
    from ruralenv.core.surface import make_surface, read_results

    tif = tmp_path / "seat.tif"
    _ruralenv("surface", str(cli_run / "results.gpkg"), "--to", "seat", "--res", "500", "--mode", "time",
              "--out", str(tif), "--set", f"cache_dir={cli_run.parent / 'cache'}")
    expected = make_surface(read_results(cli_run / "results.gpkg"), "seat", "time",
                            Config(cache_dir=str(cli_run.parent / "cache")), 500.0)
    with rasterio.open(tif) as ds:
        written, nodata = ds.read(1), ds.nodata
        assert ds.units[0] == "min"
    ok = written != nodata
    np.testing.assert_allclose(written[ok], expected.values[ok], rtol=1e-6)
    summary = json.loads(tif.with_name("seat_summary.json").read_text(encoding="utf-8"))
    assert summary["target"] == "seat" and summary["mode"] == "time"
    report = load_workbook(tif.with_name("seat_report.xlsx"), read_only=True)
    assert len(report.sheetnames) >= 1
    assert sum(1 for _ in report.worksheets[0].iter_rows()) >= 3  # two header rows and at least one county


def test_plan_with_its_map_through_the_command_line(cli_run, tmp_path):
    out = tmp_path / "plan"
    _ruralenv("plan", str(cli_run / "results.gpkg"), "--out", str(out), "--only", "waste", "--sites", "2",
              "--set", f"cache_dir={cli_run.parent / 'cache'}", "-q")
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    html = (out / "map.html").read_text(encoding="utf-8")
    assert plan["waste"]["coverage_after_pct"] >= plan["waste"]["coverage_before_pct"]
    assert "<script" in html and "http://" not in html.replace("http://www.w3.org", "")
    book = load_workbook(out / "plan.xlsx", read_only=True)
    assert book.sheetnames


def test_county_counts_add_up_to_the_region(cli_run):
    summary = json.loads((cli_run / "summary.json").read_text(encoding="utf-8"))
    region, counties = summary["region"], summary["counties"]
    for key in ("n_villages", "n_admin", "n_admin_in_scope", "n_admin_covered"):
        assert sum(c[key] for c in counties) == region[key], key
    html = (cli_run / "map.html").read_text(encoding="utf-8")
    assert all(c["name"] in html or str(c["code"]) in html for c in counties)
