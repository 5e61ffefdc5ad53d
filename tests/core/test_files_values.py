"""The one atomic writer, file hasher, encoding sniffer, yes/no parser and text converter."""
from __future__ import annotations

import hashlib
import os
import sys

import numpy as np
import pandas as pd
import pytest
from ruralenv.core.base import files, values


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (np.False_, False), (0, False), (1.0, True), ("True", True), ("False", False), ("是", True),
    ("否", False), (" 1.0 ", True), ("", None), (None, None), (float("nan"), None), (pd.NA, None)])
def test_yes_no_reads_typed_and_stored_flags(value, expected):
    assert values.yes_no(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, "0.5"])
def test_yes_no_refuses_other_values_unless_lenient(value):
    with pytest.raises(ValueError, match="is not yes/no"):
        values.yes_no(value)
    assert values.yes_no(value, strict=False) is None


def test_flag_array_reads_missing_and_unknown_as_false():
    assert values.flag_array([True, None, "是", "maybe", 0, float("nan")]).tolist() == [
        True, False, True, False, False, False]


def test_text_trims_and_drops_the_point_zero_of_whole_numbers():
    s = pd.Series([150622001001.0, " 乌兰 ", "", None, np.nan, 1.5, pd.NA, 7], index=list("abcdefgh"))
    out = values.text(s)
    assert out.tolist() == ["150622001001", "乌兰", None, None, None, "1.5", None, "7"]
    assert out.index.tolist() == list("abcdefgh") and out.dtype == object


def test_write_atomically_leaves_the_old_files_when_a_writer_fails(tmp_path):
    (tmp_path / "a.txt").write_text("old a")

    def fail(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        files.write_atomically(tmp_path, {"a.txt": lambda p: p.write_text("new a"), "b.txt": fail})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    written = files.write_atomically(tmp_path / "sub", {"a.txt": lambda p: p.write_text("new a")})
    assert written == {"a.txt": tmp_path / "sub" / "a.txt"} and written["a.txt"].read_text() == "new a"


@pytest.mark.skipif(not files.can_fork(), reason="no fork on this platform")
def test_a_background_writer_runs_in_another_process_and_its_file_arrives_with_the_others(tmp_path):
    pids, done = {}, []

    def write_pid(name):
        def write(path):
            pids[name] = os.getpid()  # only this process's copy of the dict sees the child's entry
            path.write_text(f"{name} by {os.getpid()}")
        return write

    written = files.write_atomically(tmp_path, {"big.gpkg": write_pid("big"), "a.txt": write_pid("a")},
                                     background=("big.gpkg",), on_done=done.append)
    assert sorted(done) == ["a.txt", "big.gpkg"] and set(written) == {"a.txt", "big.gpkg"}
    assert (tmp_path / "a.txt").read_text() == f"a by {os.getpid()}"
    child = int((tmp_path / "big.gpkg").read_text().split(" by ")[1])
    assert child != os.getpid() and "big" not in pids  # written in the child
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "big.gpkg"]


@pytest.mark.skipif(not files.can_fork(), reason="no fork on this platform")
@pytest.mark.parametrize(("error", "says"), [(OSError(28, "No space left on device"), "No space left on device"),
                                             (ValueError("bad value"), "ValueError: bad value")])
def test_a_failing_background_writer_is_the_parents_clean_error(tmp_path, error, says):
    (tmp_path / "big.gpkg").write_text("previous")

    def fail(path):
        path.write_text("half")
        raise error

    with pytest.raises(files.OutputError, match=f"could not write big.gpkg into .*{says}"):
        files.write_atomically(tmp_path, {"big.gpkg": fail, "a.txt": lambda p: p.write_text("a")},
                               background=("big.gpkg",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.gpkg"]
    assert (tmp_path / "big.gpkg").read_text() == "previous"


@pytest.mark.skipif(not files.can_fork(), reason="no fork on this platform")
def test_the_background_writer_is_stopped_when_the_parent_fails(tmp_path):
    started = tmp_path / "started"

    def slow(path):
        (tmp_path / "starting").write_text(str(os.getpid()))
        os.replace(tmp_path / "starting", started)  # whole, or not there yet
        import time
        time.sleep(60)

    def fail(path):
        import time
        deadline = time.monotonic() + 120
        while not started.exists():  # the child writer has begun (bounded: a missing child fails the test)
            assert time.monotonic() < deadline, "the background writer never started"
            time.sleep(0.01)
        raise RuntimeError("parent failed")

    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="parent failed"):
        files.write_atomically(out, {"big.gpkg": slow, "a.txt": fail}, background=("big.gpkg",))
    child = int(started.read_text())
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped: killed, not left running
    assert list(out.iterdir()) == []


def test_no_fork_inside_qgis_or_when_asked(monkeypatch):
    monkeypatch.setitem(sys.modules, "qgis.core", object())
    assert not files.can_fork()
    monkeypatch.delitem(sys.modules, "qgis.core")
    monkeypatch.setenv("RURALENV_NO_FORK", "1")
    assert not files.can_fork()


def test_sha256_of_counts_shapefile_side_files_and_sees_changes(tmp_path):
    shp, dbf = tmp_path / "v.shp", tmp_path / "v.dbf"
    shp.write_bytes(b"shape")
    dbf.write_bytes(b"attrs")
    assert files.sha256_of(shp) == hashlib.sha256(b"shapeattrs").hexdigest()
    dbf.write_bytes(b"other attributes")
    os.utime(dbf, ns=(1, 1))
    assert files.sha256_of(shp) == hashlib.sha256(b"shapeother attributes").hexdigest()
    assert files.sha256_of(dbf) == hashlib.sha256(b"other attributes").hexdigest()


@pytest.mark.parametrize(("data", "offset", "expected"), [
    (b"name,lon\n", 0, "ascii"), ("名称,经度\n".encode(), 0, "utf-8"), ("名称,经度\n".encode("gbk"), 0, "gb18030"),
    (b"\xff\xfe\xfa", 0, None), (b"\x00\x01" + "村".encode("gbk"), 2, "gb18030"), (b"a\x00b", 0, "ascii")])
def test_sniff_encoding(tmp_path, data, offset, expected):
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert files.sniff_encoding(path, offset=offset) == expected


def test_sniff_encoding_stops_at_nul_when_asked(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n\x00")
    assert files.sniff_encoding(path, stop_at_nul=True) == "binary"


def test_shipped_files_are_found_through_the_package():
    for parts in (("data", "sample", "zhungeer_150622.gpkg"), ("data", "china_outline", "mainland.geojson"),
                  ("core", "maps", "assets", "map.js")):
        assert files.package_file(*parts).is_file(), parts
