"""Faults (issue 12, item 8): concurrent runs into one folder, disk full, SIGINT/SIGTERM/SIGKILL during the
write, a corrupt road-graph cache. The previous outputs survive every one of them."""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyogrio
import pytest
from conftest import SAMPLE
from ruralenv.core import Config, run_pipeline
from ruralenv.core.base import OutputError, files
from ruralenv.core.base.files import LOCK_NAME, TMP_PREFIX, folder_lock, write_atomically

KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
RUN = [sys.executable, "-m", "ruralenv.core.cli", "run",
       *sum(([f"--{k}", f"{SAMPLE}:{k}"] for k in KINDS), [])]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> tuple[Path, Path]:
    """Outputs of a finished run of the sample (and its warm graph cache)."""
    root = tmp_path_factory.mktemp("previous")
    proc = subprocess.run([*RUN, "--out", str(root / "out"), "-q", "--set", f"cache_dir={root / 'cache'}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return root / "out", root / "cache"


@pytest.fixture
def out(previous, tmp_path) -> Path:
    """A copy of the previous outputs to run into."""
    folder = tmp_path / "out"
    folder.mkdir()
    for p in previous[0].iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    return folder


def test_a_second_commit_into_the_same_folder_waits_for_the_first(tmp_path, monkeypatch):
    """The first holder keeps the lock until the second is known to be asking for it (no sleeps)."""
    order: list[str] = []
    inside, second_asks = threading.Event(), threading.Event()
    real_lock = files._lock

    def lock(fd: int) -> None:
        if threading.current_thread() is threading.main_thread():
            second_asks.set()
        real_lock(fd)

    monkeypatch.setattr(files, "_lock", lock)

    def first() -> None:
        with folder_lock(tmp_path):
            inside.set()
            assert second_asks.wait(60)
            order.append("first done")

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(60), "the first holder never got the lock"
    write_atomically(tmp_path, {"a.txt": lambda p: (order.append("second writes"), p.write_text("x"))})
    t.join(60)
    assert not t.is_alive()
    assert order == ["first done", "second writes"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no lock file or temp folder left


def test_two_runs_into_one_folder_at_once_never_mix_their_outputs(previous, tmp_path):
    out, cache = tmp_path / "out", previous[1]
    procs = [subprocess.Popen([*RUN, "--out", str(out), "-q", "--no-map", "--set", f"cache_dir={cache}",
                               "--set", f"d_station_m={d}"], stderr=subprocess.PIPE, text=True)
             for d in (1000, 60000)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    d_station = summary["config"]["d_station_m"]
    expected = run_pipeline({k: f"{SAMPLE}:{k}" for k in KINDS}, Config(cache_dir=str(cache), d_station_m=d_station))
    villages = pyogrio.read_dataframe(out / "results.gpkg", layer="villages", read_geometry=False)
    assert list(villages["collection_model"].fillna("")) == list(expected.villages["collection_model"].fillna(""))
    assert summary["region"]["waste_coverage_pct"] == pytest.approx(expected.summary["region"]["waste_coverage_pct"])
    assert not list(out.glob(TMP_PREFIX + "*")) and not (out / LOCK_NAME).exists()


def _limit_file_size(max_bytes: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return limit


@pytest.mark.slow
def test_disk_full_during_the_write_is_a_clean_error_and_keeps_the_previous_outputs(previous, out):
    before = digest(out)
    proc = subprocess.run([*RUN, "--out", str(out), "-q", "--set", f"cache_dir={previous[1]}"],
                          capture_output=True, text=True, timeout=600, preexec_fn=_limit_file_size(300_000))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    # results.gpkg is written by a second process while this one writes the others: either may fail first
    assert re.search(rf"could not write (results.gpkg|map.html|report.xlsx) into {re.escape(str(out))} ",
                     proc.stderr), proc.stderr
    assert digest(out) == before
    assert not list(out.glob(TMP_PREFIX + "*"))


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not Path("/bin/mount").exists(), reason="mounting a tmpfs needs root")
def test_a_full_small_filesystem_keeps_the_previous_outputs(previous, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        (mnt / "out").mkdir()
        (mnt / "out" / "summary.json").write_text('{"previous": true}')
        before = digest(mnt / "out")
        proc = subprocess.run([*RUN, "--out", str(mnt / "out"), "-q", "--set", f"cache_dir={previous[1]}"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "No space left on device" in proc.stderr or "could not write" in proc.stderr
        assert digest(mnt / "out") == before
        assert not list((mnt / "out").glob(TMP_PREFIX + "*"))
    finally:
        subprocess.run(["umount", str(mnt)])


def _signal_during_write(out: Path, cache: Path, signum: int) -> subprocess.Popen:
    """A run into ``out`` given ``signum`` while its new outputs are complete in its temporary folder but not
    yet moved into place: the run holds there (``files.HOLD_ENV``) until the test has sent the signal."""
    marker = out.parent / "holding"
    env = {**os.environ, files.HOLD_ENV: str(marker)}
    proc = subprocess.Popen([*RUN, "--out", str(out), "--set", f"cache_dir={cache}"], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 300
    while not marker.exists() and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never reached the point before its outputs are moved"
        time.sleep(0.01)
    assert marker.exists(), f"the run ended before holding: {proc.stderr.read() if proc.stderr else ''}"
    assert list(out.glob(TMP_PREFIX + "*/*")), "the held run has no outputs in its temporary folder"
    proc.send_signal(signum)
    marker.unlink()
    proc.communicate(timeout=600)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_or_sigterm_during_the_write_keeps_the_previous_outputs(previous, out, signum):
    before = digest(out)
    proc = _signal_during_write(out, previous[1], signum)
    assert proc.returncode == 130
    assert digest(out) == before
    assert not list(out.glob(TMP_PREFIX + "*")) and not (out / LOCK_NAME).exists()


@pytest.mark.slow
def test_sigkill_during_the_write_keeps_the_previous_outputs_and_the_next_run_cleans_up(previous, out):
    before = digest(out)
    proc = _signal_during_write(out, previous[1], signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert {k: v for k, v in digest(out).items() if k != LOCK_NAME} == before
    assert list(out.glob(TMP_PREFIX + "*"))  # the killed run's temporary folder
    done = subprocess.run([*RUN, "--out", str(out), "-q", "--no-map", "--set", f"cache_dir={previous[1]}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not list(out.glob(TMP_PREFIX + "*")) and not (out / LOCK_NAME).exists()


def test_a_failed_write_names_the_file_and_leaves_nothing_behind(tmp_path):
    (tmp_path / "a.txt").write_text("previous")

    def full(path: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="could not write b.txt"):
        write_atomically(tmp_path, {"a.txt": lambda p: p.write_text("new"), "b.txt": full})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "previous"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty_zip"])
def test_a_corrupt_graph_cache_is_rebuilt_with_a_warning(tmp_path, damage):
    cfg = Config(cache_dir=str(tmp_path / "cache"))
    inputs = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")}
    first = run_pipeline(inputs, cfg)
    (cached,) = (tmp_path / "cache" / "graphs").glob("*.npz")
    data = cached.read_bytes()
    if damage == "garbage":
        cached.write_bytes(b"not a graph" * 100)
    elif damage == "truncated":
        cached.write_bytes(data[: len(data) // 3])
    else:
        import zipfile

        with zipfile.ZipFile(cached, "w") as zf:
            zf.writestr("readme.txt", "nothing")

    class Messages:
        def __init__(self):
            self.warnings: list[str] = []

        def stage(self, name, total=None):
            pass

        def advance(self, n=1):
            pass

        def message(self, text, level="info"):
            if level == "warning":
                self.warnings.append(text)

        def cancelled(self):
            return False

    progress = Messages()
    again = run_pipeline(inputs, cfg, progress=progress)
    assert any("unreadable" in w and "rebuilding" in w for w in progress.warnings)
    assert not again.network.from_cache
    assert list(again.villages["net_dist_station_m"].fillna(-1)) == list(first.villages["net_dist_station_m"].fillna(-1))
    third = run_pipeline(inputs, cfg)
    assert third.network.from_cache  # the rebuilt graph was cached again


def test_a_cancel_lost_in_a_finaliser_still_stops_the_move_into_place(tmp_path):
    """The SIGINT/SIGTERM handler's KeyboardInterrupt can be raised inside an object's finaliser, where Python
    drops it; the request it recorded still stops write_atomically before it replaces anything."""
    from ruralenv.core.base.files import CANCEL_REQUESTED

    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"previous": true}')
    before = digest(out)
    CANCEL_REQUESTED.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomically(out, {"summary.json": lambda p: p.write_text("{}"), "new.txt": lambda p: p.write_text("x")})
    finally:
        CANCEL_REQUESTED.clear()
    assert digest(out) == before and not (out / "new.txt").exists()
    assert not list(out.glob(TMP_PREFIX + "*"))
