"""Files: the one atomic writer, the one file hasher, the one text-encoding sniffer and the files shipped
with the package (read through :mod:`importlib.resources`, never relative to a source tree).
"""
from __future__ import annotations

import codecs
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

#: Bytes read at a time when hashing or sniffing a file.
CHUNK = 1 << 20
#: Prefix of the temporary folder :func:`write_atomically` writes into (beside the destination).
TMP_PREFIX = ".ruralenv-tmp-"
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


def write_atomically(out_dir: Path, writers: Mapping[str, Callable[[Path], object]]) -> dict[str, Path]:
    """Run each writer into a temporary folder beside the destination, then move every file into place.

    Readers never see half a file, and a failed or cancelled write leaves the earlier files as they were:
    nothing is moved until every writer has finished.

    Parameters
    ----------
    out_dir : Path
        Destination folder (created if needed).
    writers : mapping
        File name → function writing that file at the (temporary) path it is given.

    Returns
    -------
    dict
        File name → final path.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
    try:
        for name, write in writers.items():
            write(tmp / name)
        final = {}
        for name in writers:
            os.replace(tmp / name, out_dir / name)
            final[name] = out_dir / name
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
