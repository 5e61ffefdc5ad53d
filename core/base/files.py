"""Files: the one atomic writer, the one file hasher, the one text-encoding sniffer and the files shipped
with the package (read through :mod:`importlib.resources`, never relative to a source tree).
"""
from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import functools
import gc
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Literal

from ._errors import OutputError

#: Bytes read at a time when hashing or sniffing a file.
CHUNK = 1 << 20
#: Prefix of the temporary folder :func:`write_atomically` writes into (beside the destination).
TMP_PREFIX = ".ruralenv-tmp-"
#: Prefix of the folder a :class:`WrittenAhead` child writes into (then the pid of the run that owns it).
AHEAD_PREFIX = ".ruralenv-ahead-"
#: Side files of a Shapefile that are part of its content.
SHAPEFILE_SIDE_FILES = (".dbf", ".shx", ".prj", ".cpg")

Encoding = Literal["ascii", "utf-8", "gb18030", "binary"]


def package_file(*parts: str) -> Path:
    """Path of a file shipped inside the ``ruralenv`` package (sample data, web-map assets, Leaflet).

    Parameters
    ----------
    *parts : str
        Path components below the package folder, e.g. ``("data", "sample", "zhungeer_150622.gpkg")``.

    Returns
    -------
    Path
        The file on disk (it may not exist, e.g. Leaflet before ``make vendor-js``; callers say so).
    """
    return Path(str(resources.files("ruralenv").joinpath(*parts)))


#: The bundled sample county (准格尔旗 150622).
SAMPLE_GPKG = package_file("data", "sample", "zhungeer_150622.gpkg")

#: Settings ``ruralenv demo`` runs the sample with (``--set`` overrides them). The region's households without a
#: sanitary toilet, which the region's new-toilet targets are shared by: a one-county input cannot know it. The
#: figure is invented like the sample's villages (its 26,646 households lacking one, for about 45 counties like
#: it); with it the demo's per-county and per-township toilet targets are shares a reader can use.
SAMPLE_SETTINGS: tuple[str, ...] = ("region_households_lacking_toilet=1200000",)


#: Lock file held in a destination folder while files are written into it (removed afterwards).
LOCK_NAME = ".ruralenv.lock"


def check_out_folder(out_dir: Path) -> None:
    """Refuse, before any work, an output folder that is an existing file or cannot be made.

    Raises
    ------
    OutputError
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is an existing file, not a folder: give a folder (it is made when "
                          "missing)")
    parent = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if parent is not None and (not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK)):
        raise OutputError(f"--out {out_dir}: cannot write in {parent} (no permission, or a file in the way)")


def write_atomically(out_dir: Path, writers: Mapping[str, Callable[[Path], object]],
                     background: Collection[str] = (), on_done: Callable[[str], object] | None = None
                     ) -> dict[str, Path]:
    """Run each writer into a temporary folder beside the destination, then move every file into place.

    Readers never see half a file, and a failed or cancelled write leaves the earlier files as they were:
    nothing is moved until every writer has finished. Writes into one folder take turns
    (:func:`folder_lock`), so two runs never mix their files; temporary folders a killed process left are
    removed; SIGINT/SIGTERM wait while the files are moved (:func:`signals_held`).

    Parameters
    ----------
    out_dir : Path
        Destination folder (created if needed).
    writers : mapping
        File name → function writing that file at the (temporary) path it is given.
    background : collection of str
        Files written by a forked child process while this one writes the others, where :func:`can_fork`
        (the two run on two cores: the GeoPackage writer holds the GIL, so threads would take turns).
        Elsewhere they are written here, in order, like the rest.
    on_done : callable, optional
        Called with each file name as soon as that file is complete (e.g. to advance a progress bar).

    Returns
    -------
    dict
        File name → final path.

    Raises
    ------
    OutputError
        When the folder cannot be made or a writer fails with an OSError (disk full, no permission).
    """
    out_dir = Path(out_dir)
    if out_dir.name.startswith(TMP_PREFIX):  # inside an outer atomic write, which moves the files into place
        for name, write in writers.items():
            write(out_dir / name)
        return {name: out_dir / name for name in writers}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {out_dir}: {exc.strerror or exc}") from None
    done = on_done or (lambda name: None)
    with folder_lock(out_dir):
        for stale in out_dir.glob(TMP_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in out_dir.glob(AHEAD_PREFIX + "*"):
            if not _alive(stale.name.removeprefix(AHEAD_PREFIX).split("-")[0]):  # a killed run's
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
        child = None
        try:
            forked = tuple(n for n in writers if n in background) if can_fork() else ()
            if forked:
                child = _ChildWriter(forked)
                child.start(tmp, writers)
            for name, write in writers.items():
                if name not in forked:
                    _write_one(name, write, tmp, out_dir)
                    done(name)
            if child is not None:
                waiting, child = child, None  # reaped by wait, whatever it raises
                waiting.wait(out_dir)
                for name in forked:
                    done(name)
            _hold_for_fault_injection()
            with signals_held():
                if CANCEL_REQUESTED.is_set():  # asked for while a finaliser ran, where the exception was lost
                    raise KeyboardInterrupt("cancelled before the outputs were moved into place")
                for name in writers:
                    _usual_mode(tmp / name, out_dir / name)
                    os.replace(tmp / name, out_dir / name)
            return {name: out_dir / name for name in writers}
        finally:
            if child is not None:
                child.kill()
            shutil.rmtree(tmp, ignore_errors=True)


def _usual_mode(path: Path, dest: Path) -> None:
    """Give a finished file the mode of the file it replaces, else what a new file gets here (0644 with the
    usual umask): a writer's private temporary file (``mkstemp``: 0600) must not leave an output others
    cannot read.
    """
    try:
        mode = dest.stat().st_mode & 0o777 if dest.exists() else 0o666 & ~_umask()
        os.chmod(path, mode)
    except OSError:  # a file system without modes (e.g. FAT on a USB disk): nothing to set
        pass


def _umask() -> int:
    """The process's umask, read without changing it where Linux says it (else set and restored)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Fault injection for the tests: when this variable names a file, a write that has every output in its temporary
#: folder creates that file and waits (at most :data:`HOLD_MAX_S`) until it is removed, so that a test can
#: interrupt the run at exactly that point instead of racing it.
HOLD_ENV = "RURALENV_HOLD_BEFORE_COMMIT"
HOLD_MAX_S = 120.0


def _hold_for_fault_injection() -> None:
    marker = os.environ.get(HOLD_ENV)
    if not marker:
        return
    Path(marker).write_text(str(os.getpid()))
    deadline = time.monotonic() + HOLD_MAX_S
    while Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def _write_one(name: str, write: Callable[[Path], object], tmp: Path, out_dir: Path) -> None:
    try:
        write(tmp / name)
    except OutputError:
        raise  # a writer that writes atomically itself has said what failed
    except OSError as exc:
        raise OutputError(_failed(name, out_dir, _first_line(exc))) from None


def _failed(name: str, out_dir: Path, why: str) -> str:
    return (f"could not write {name} into {out_dir} ({why}); the earlier files are unchanged: free some space "
            "or write elsewhere")


def can_fork() -> bool:
    """Whether :func:`write_atomically` may write in a forked child: POSIX, the main thread (signals are
    handled there), and not inside QGIS (a Qt application must not fork) nor when ``RURALENV_NO_FORK`` is
    set.
    """
    return hasattr(os, "fork") and threading.current_thread() is threading.main_thread() \
        and "qgis.core" not in sys.modules and not os.environ.get("RURALENV_NO_FORK")


class _ChildWriter:
    """Writers running in a forked child; it reports over a pipe (exit 0, or 1 with the file and the
    OSError, or 2 with the file and any other error).
    """

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.pid, self.fd = -1, -1

    def start(self, tmp: Path, writers: Mapping[str, Callable[[Path], object]]) -> _ChildWriter:
        """Fork the child. SIGINT and SIGTERM wait while the two processes part: the child then dies of
        them at once (default handling, nothing to clean: the parent removes the temporary folder), and the
        parent knows the child's pid before its own handler can interrupt it.
        """
        r, w = os.pipe()
        # Objects the two processes share stay shared only while nothing writes to their pages: the cyclic
        # garbage collector would (it marks every container object it visits), so the parent's objects are
        # frozen out of its reach until the child is done, and the short-lived child does not collect.
        gc.freeze()
        _release_free_heap()
        held = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
        try:
            pid = os.fork()
            if pid == 0:  # the child: write, report, and leave without running the parent's exit handlers
                code = 3
                try:
                    gc.disable()
                    os.close(r)
                    for signum in (signal.SIGINT, signal.SIGTERM):
                        signal.signal(signum, signal.SIG_DFL)
                    signal.pthread_sigmask(signal.SIG_SETMASK, held)
                    code = _child_writes(tmp, writers, self.names, w)
                finally:
                    os._exit(code)
            self.pid, self.fd = pid, r
            os.close(w)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return self

    def wait(self, out_dir: Path, stats: dict[str, float] | None = None) -> None:
        """Wait for the child; its failure becomes the same :class:`OutputError` a write here would raise. What
        it reported (seconds, private MB) goes into ``stats`` (default :data:`LAST_BACKGROUND`).
        """
        _, status = os.waitpid(self.pid, 0)
        gc.unfreeze()
        with os.fdopen(self.fd, "rb") as fh:
            report = json.loads(fh.read().decode("utf-8", "replace") or "{}")
        code = os.waitstatus_to_exitcode(status)
        stats = LAST_BACKGROUND if stats is None else stats
        stats.clear()
        stats.update({k: report[k] for k in ("seconds", "private_mb") if k in report})
        name, why = report.get("file", ""), report.get("why", "")
        if code == 1:
            raise OutputError(_failed(name, out_dir, why))
        if code != 0:
            what = why if code == 2 else f"the writing process ended with {_ended(code)}"
            raise OutputError(f"could not write {name or ', '.join(self.names)} into {out_dir} ({what}); "
                              "the earlier files are unchanged")

    def kill(self) -> None:
        """Stop the child (the parent failed or was interrupted) and reap it."""
        if self.pid < 0:
            gc.unfreeze()
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        gc.unfreeze()
        os.close(self.fd)


def _release_free_heap() -> None:
    """Give the C heap's free pages back to the system before forking (glibc ``malloc_trim``).

    A run frees much more than it keeps (about 0.6 GB at region scale). Left resident, those pages would be
    shared with the child and copied the moment the parent reuses them, so each process would hold them.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


def _ended(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"


def _child_writes(tmp: Path, writers: Mapping[str, Callable[[Path], object]], names: tuple[str, ...],
                  fd: int) -> int:
    code: int = 0
    report: dict[str, object] = {}
    t0 = time.perf_counter()
    for name in names:
        try:
            writers[name](tmp / name)
        except OSError as exc:
            code, report = 1, {"file": name, "why": _first_line(exc)}
        except BaseException as exc:  # noqa: BLE001 - any failure is reported to the parent, which raises
            code, report = 2, {"file": name, "why": f"{type(exc).__name__}: {_first_line(exc)}"}
        if code:
            break
    report.update(seconds=round(time.perf_counter() - t0, 3), private_mb=_private_mb())
    os.write(fd, json.dumps(report).encode("utf-8"))
    return code


class WrittenAhead:
    """Files written by a forked child into a private folder beside ``out_dir`` while this process goes on
    (e.g. the roads of results.gpkg, written during the analysis), for a later writer to copy from.

    Nothing here is an output: a writer that finds a file missing (the child failed, the folder was
    removed) writes what it needs itself, so the outputs never depend on this child. :meth:`close` stops the
    child if it still runs and removes the folder; a folder a killed run left (:data:`AHEAD_PREFIX` and its
    pid) goes when :func:`write_atomically` next writes into that folder.
    """

    def __init__(self, out_dir: Path, writers: Mapping[str, Callable[[Path], object]]):
        self.folder: Path | None = None
        self._child: _ChildWriter | None = None
        self._done: dict[str, Path] | None = None
        LAST_AHEAD.clear()
        if not can_fork():
            self._done = {}
            return
        try:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f"{AHEAD_PREFIX}{os.getpid()}-", dir=out_dir))
        except OSError:  # the run's own write reports a folder it cannot use
            self._done = {}
            return
        self._child = _ChildWriter(tuple(writers)).start(self.folder, writers)

    def files(self) -> dict[str, Path]:
        """Wait for the child; the files it wrote (none when it failed). A second call returns the same."""
        if self._done is None:
            child = self._child
            assert child is not None and self.folder is not None
            try:
                child.wait(self.folder, LAST_AHEAD)
                self._done = {n: self.folder / n for n in child.names if (self.folder / n).is_file()}
            except OutputError:
                self._done = {}
            self._child = None  # reaped; a wait interrupted (KeyboardInterrupt) leaves it to close()
        return self._done

    def close(self) -> None:
        """Stop the child if it still runs, reap it and remove the folder."""
        if self._child is not None:
            child, self._child = self._child, None
            try:
                child.kill()
            except OSError:  # its pipe was closed by a wait that was interrupted after reading it
                pass
        self._done = {}
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _alive(pid: str) -> bool:
    """Whether the process ``pid`` (text; anything else counts as gone) still runs here."""
    try:
        number = int(pid)
        if number <= 0:
            return False
        os.kill(number, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


#: What the last :class:`WrittenAhead` child reported, as :data:`LAST_BACKGROUND` (for the bench).
LAST_AHEAD: dict[str, float] = {}

#: What the last background writer reported: ``seconds`` it wrote for and ``private_mb``, the memory it did
#: not share with its parent (copied on write or newly allocated: what forking it added), for the bench.
LAST_BACKGROUND: dict[str, float] = {}


def _private_mb() -> float | None:
    """Private memory of this process in MB (Linux ``smaps_rollup``), None elsewhere."""
    try:
        text = Path("/proc/self/smaps_rollup").read_text()
    except OSError:
        return None
    kb = sum(int(line.split()[1]) for line in text.splitlines() if line.startswith(("Private_Clean:",
                                                                                     "Private_Dirty:")))
    return round(kb / 1024, 1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder`` (the file :data:`LOCK_NAME` in it); a second holder waits.

    Hold it from the check to the commit of every read-check-write on a file in the folder (e.g. a survey
    import: which files were imported, which points are duplicates, then the write), so that two processes
    started together never both pass the check. The lock is re-entrant within a thread: the
    :func:`write_atomically` inside such a block takes it again without waiting for itself.
    The lock file is removed on release; a waiter that then holds the lock of a removed file tries again.
    """
    key = os.path.realpath(folder)
    held = _HELD.__dict__.setdefault("folders", {})
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    path = folder / LOCK_NAME
    while True:
        fh = open(path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock(fh.fileno())
            if path.exists() and os.path.samestat(os.fstat(fh.fileno()), path.stat()):
                break
        except BaseException:
            fh.close()
            raise
        fh.close()
    held[key] = 1
    try:
        yield
    finally:
        held.pop(key, None)
        path.unlink(missing_ok=True)
        fh.close()


#: Folders whose lock this thread holds (folder → depth), for :func:`folder_lock`'s re-entry.
_HELD = threading.local()


def _lock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - QGIS on Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX)


#: Set by the command line's SIGINT/SIGTERM handler. Its KeyboardInterrupt can land inside an object's
#: finaliser, where Python prints and drops it; :func:`write_atomically` checks this before it moves anything.
CANCEL_REQUESTED = threading.Event()


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends (POSIX main thread; elsewhere a no-op)."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file's content; a Shapefile's side files (.dbf, .shx, .prj, .cpg) count too.

    A file is read once per size and modification time, even when several layers share it.

    Parameters
    ----------
    path : Path

    Returns
    -------
    str
    """
    paths = [Path(path).resolve()]
    if paths[0].suffix.lower() == ".shp":
        paths += [paths[0].with_suffix(s) for s in SHAPEFILE_SIDE_FILES if paths[0].with_suffix(s).exists()]
    return _sha256_of_files(tuple((p, p.stat().st_size, p.stat().st_mtime_ns) for p in paths))


@functools.lru_cache(maxsize=64)
def _sha256_of_files(files: tuple[tuple[Path, int, int], ...]) -> str:
    """Digest of the concatenated files (size and mtime are in the key so a changed file is read again)."""
    digest = hashlib.sha256()
    for p, _, _ in files:
        with open(p, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def sniff_encoding(path: Path, offset: int = 0, stop_at_nul: bool = False) -> Encoding | None:
    """Which text encoding the bytes of a file from ``offset`` on are in, read in chunks.

    Parameters
    ----------
    path : Path
    offset : int
        First byte to look at (e.g. after a .dbf header).
    stop_at_nul : bool
        Return ``"binary"`` as soon as a NUL byte is seen (text files hold none).

    Returns
    -------
    str or None
        ``"ascii"`` (also valid UTF-8 and GB18030), ``"utf-8"``, ``"gb18030"`` (a superset of GBK), or
        ``"binary"``; None when the bytes decode as neither UTF-8 nor GB18030.
    """
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "gb18030")}
    ok = dict.fromkeys(decoders, True)
    ascii_only = True
    with open(path, "rb") as fh:
        fh.seek(offset)
        while (chunk := fh.read(CHUNK)) and any(ok.values()):
            if stop_at_nul and b"\x00" in chunk:
                return "binary"
            ascii_only = ascii_only and chunk.isascii()
            for name, decoder in decoders.items():
                ok[name] = ok[name] and _decodes(decoder, chunk, final=False)
    for name, decoder in decoders.items():
        ok[name] = ok[name] and _decodes(decoder, b"", final=True)
    if ascii_only and ok["utf-8"]:
        return "ascii"
    if ok["utf-8"]:
        return "utf-8"
    return "gb18030" if ok["gb18030"] else None


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool) -> bool:
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True
