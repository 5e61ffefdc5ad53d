"""The roads of results.gpkg written ahead, by a forked child during the stages (pipeline._RoadsAhead, issue 23
item 8): the GeoPackage is the one the run writes without it, byte for byte in its tables; a child that fails
changes nothing; a run that fails or is cancelled leaves neither a child nor its folder behind.

The sample county has a few thousand roads, under :data:`pipeline.ROADS_AHEAD_MIN` and :data:`.write.BULK_MIN_ROWS`:
the tests lower both.
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pyogrio
import pytest
from conftest import SAMPLE
from ruralenv.core import Config, pipeline
from ruralenv.core.base import files
from ruralenv.core.io import write
from ruralenv.core.model import analysis

INPUTS = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties", "mines")}


def _run(out: Path, cache: Path) -> None:
    pipeline.run_pipeline(INPUTS, Config(cache_dir=str(cache)), out_dir=out, write_map=False)


def _tables(gpkg: Path) -> dict[str, list]:
    """Every table's rows in fid order, and the GeoPackage's own tables without their time stamps."""
    con = sqlite3.connect(gpkg)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out = {}
        for name in names:
            cols = [c[1] for c in con.execute(f'PRAGMA table_info("{name}")') if c[1] != "last_change"]
            out[name] = con.execute(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)} FROM "{name}" '
                                    f"ORDER BY 1").fetchall()
        out["(triggers)"] = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "ORDER BY name").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def copies(tmp_path, monkeypatch) -> Path:
    """A marker file per copy of rows written ahead (the copy runs in results.gpkg's forked writer)."""
    marker = tmp_path / "copies"
    marker.mkdir()
    copy = write.copy_rows

    def counted(source, path, table, n_rows):
        done = copy(source, path, table, n_rows)
        (marker / f"{table}-{done}-{os.getpid()}").touch()
        return done

    monkeypatch.setattr(write, "copy_rows", counted)
    monkeypatch.setattr(write, "BULK_MIN_ROWS", 1)
    return marker


def test_roads_written_ahead_give_the_same_geopackage(tmp_path, monkeypatch, copies):
    if not files.can_fork():
        pytest.fail("this test needs os.fork (Linux, main thread)")
    _run(tmp_path / "plain", tmp_path / "cache")
    assert not list(copies.iterdir())
    monkeypatch.setattr(pipeline, "ROADS_AHEAD_MIN", 0)
    _run(tmp_path / "ahead", tmp_path / "cache")
    assert [p.name.split("-")[:2] for p in copies.iterdir()] == [["roads", "True"]]
    plain, ahead = tmp_path / "plain" / "results.gpkg", tmp_path / "ahead" / "results.gpkg"
    assert [tuple(r) for r in pyogrio.list_layers(ahead)] == [tuple(r) for r in pyogrio.list_layers(plain)]
    a, b = _tables(plain), _tables(ahead)
    assert a.keys() == b.keys() and "rtree_roads_geom" in a
    for name in a:
        assert a[name] == b[name], name
    assert len(a["roads"]) > 1000
    assert not list((tmp_path / "ahead").glob(files.AHEAD_PREFIX + "*"))


def test_a_failed_child_changes_nothing(tmp_path, monkeypatch, copies):
    _run(tmp_path / "plain", tmp_path / "cache")
    monkeypatch.setattr(pipeline, "ROADS_AHEAD_MIN", 0)
    append = write.append_rows

    def full_disk(path, table, gdf, clean_text=False):
        if Path(path).name == "roads.gpkg":  # only the child writing ahead fails
            raise OSError(28, "No space left on device")
        return append(path, table, gdf, clean_text)

    monkeypatch.setattr(write, "append_rows", full_disk)
    _run(tmp_path / "ahead", tmp_path / "cache")
    assert not list(copies.iterdir())  # nothing to copy: results.gpkg's writer wrote the roads itself
    plain, ahead = _tables(tmp_path / "plain" / "results.gpkg"), _tables(tmp_path / "ahead" / "results.gpkg")
    assert plain == ahead
    assert not list((tmp_path / "ahead").glob(files.AHEAD_PREFIX + "*"))


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_a_run_stopped_during_the_stages_leaves_no_child_and_no_folder(tmp_path, monkeypatch, error):
    monkeypatch.setattr(pipeline, "ROADS_AHEAD_MIN", 0)
    monkeypatch.setattr(write, "BULK_MIN_ROWS", 1)
    started = []
    start = files.WrittenAhead.__init__

    def recording(self, out_dir, writers):
        start(self, out_dir, writers)
        started.append((self.folder, self._child.pid))

    def stop(ctx):
        raise error("stopped in the collection stage")

    monkeypatch.setattr(files.WrittenAhead, "__init__", recording)
    stages = tuple(analysis.Stage(s.name, stop if s.name == "collection" else s.run, s.steps)
                   for s in analysis.STAGES)
    monkeypatch.setattr(analysis, "STAGES", stages)
    with pytest.raises(error):
        _run(tmp_path / "out", tmp_path / "cache")
    (folder, pid), = started  # the child had started
    assert folder is not None and not folder.exists()
    assert not list((tmp_path / "out").glob(files.AHEAD_PREFIX + "*"))
    assert not list((tmp_path / "out").glob("*.gpkg"))
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(pid, os.WNOHANG)


def test_a_killed_runs_folder_goes_at_the_next_write_a_running_ones_stays(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = out / f"{files.AHEAD_PREFIX}999999999-abc"
    alive = out / f"{files.AHEAD_PREFIX}{os.getpid()}-abc"
    for d in (dead, alive):
        d.mkdir()
        (d / "roads.gpkg").write_bytes(b"x")
    files.write_atomically(out, {"a.txt": lambda p: p.write_text("a")})
    assert not dead.exists() and alive.exists()


def test_an_interrupted_wait_still_stops_and_reaps_the_child(tmp_path, monkeypatch):
    def slow(path):
        time.sleep(600)  # killed long before

    ahead = files.WrittenAhead(tmp_path, {"roads.gpkg": slow})
    assert ahead.folder is not None and ahead.folder.is_dir() and ahead._child is not None
    pid = ahead._child.pid

    def interrupted(self, out_dir, stats=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(files._ChildWriter, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ahead.files()
    ahead.close()
    assert not ahead.folder.exists()
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pid, os.WNOHANG)
