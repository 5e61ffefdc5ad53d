"""Build the installable QGIS plugin zip ``dist/ruralenv-<version>.zip``.

The zip holds one folder, ``ruralenv/``, to unzip into a QGIS profile's ``python/plugins/``: the
git-tracked files the plugin needs at run time, the translations compiled with ``lrelease``, the
vendored web-map JavaScript (``vendor/js``) when it is present, the user manual built by ``make docs``
(``docs/_build/html`` → ``ruralenv/docs/html``, opened offline by each algorithm's help), and the GPL text as ``LICENSE``, taken
from the system's copy at build time (:func:`licence_text`; ``setup.py`` puts the same files into the wheel).

Usage::

    python scripts/package.py [--out-dir dist]
"""
from __future__ import annotations

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_FOLDER = "ruralenv"
#: Tracked paths shipped in the plugin (prefixes); tests, CI and build scripts stay out.
SHIPPED = ("__init__.py", "metadata.txt", "README.md", "core/", "qgis_plugin/", "data/sample/",
           "data/china_outline/")


def plugin_version(root: Path = ROOT) -> str:
    """The ``version`` of ``metadata.txt``."""
    parser = configparser.ConfigParser()
    parser.read(root / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def tracked_files(root: Path = ROOT) -> list[str]:
    """Git-tracked files that belong in the plugin and exist in the working tree."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True).stdout
    names = [n for n in listing.decode("utf-8").split("\0") if n]
    return sorted(n for n in names if n.startswith(SHIPPED) and (root / n).is_file())


def compile_translations(root: Path, out_dir: Path) -> list[Path]:
    """Compile every ``qgis_plugin/i18n/*.ts`` with ``lrelease`` into ``out_dir``."""
    sources = sorted((root / "qgis_plugin" / "i18n").glob("*.ts"))
    lrelease = shutil.which("lrelease")
    if lrelease is None:
        if sources:
            raise SystemExit("lrelease not found: install Qt 5 Linguist tools (Debian: qttools5-dev-tools)")
        return []
    compiled = []
    for ts in sources:
        qm = out_dir / ts.with_suffix(".qm").name
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        compiled.append(qm)
    return compiled


#: Files of the vendored web-map JavaScript the map needs (``core/webmap.py`` inlines them).
VENDOR_JS = ("node_modules/leaflet/LICENSE", "node_modules/leaflet/package.json",
             "node_modules/leaflet/dist/leaflet.js", "node_modules/leaflet/dist/leaflet.css")


def vendor_files(vendor: Path) -> list[Path]:
    """The vendored Leaflet files under ``vendor``: every one of them, or no package is built.

    Raises
    ------
    SystemExit
        Before ``make vendor-js``: a package without Leaflet would install a ``ruralenv demo`` that writes no
        map.html, so the build stops and names the step.
    """
    missing = [name for name in VENDOR_JS if not (vendor / name).is_file()]
    if missing:
        raise SystemExit(f"Leaflet is missing from {vendor} ({', '.join(missing)}): run `make vendor-js` first "
                         "(it runs `npm install --prefix vendor/js leaflet@1.9.4`); a package without it would "
                         "write no map.html")
    return [vendor / name for name in VENDOR_JS]


#: Environment variable naming the licence text to ship (default: Debian's copy of the GPL version 2).
LICENCE_ENV = "RURALENV_LICENSE_SOURCE"
DEFAULT_LICENCE = Path("/usr/share/common-licenses/GPL-2")


def licence_text(root: Path = ROOT) -> Path:
    """The GPL text shipped as ``LICENSE``: ``$RURALENV_LICENSE_SOURCE``, a ``LICENSE`` already at ``root``
    (an unpacked source distribution), or the system's copy.

    Raises
    ------
    SystemExit
        When none exists: a package without its licence is not built.
    """
    for candidate in (os.environ.get(LICENCE_ENV), root / "LICENSE", DEFAULT_LICENCE):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise SystemExit(f"licence text not found: install Debian's base-files ({DEFAULT_LICENCE}) or set "
                     f"${LICENCE_ENV} to a copy of the GPL version 2")


#: Where ``make docs`` builds the manual, and where the plugin carries it (qgis_plugin/algorithms/base.py).
MANUAL_BUILD = Path("docs/_build/html")
MANUAL_IN_PLUGIN = "docs/html"


def manual_files(root: Path = ROOT) -> list[Path]:
    """The built manual's pages and assets (no doctrees, no page sources); built here when missing.

    Raises
    ------
    SystemExit
        When the manual is not built and Sphinx is not installed (``make docs`` installs it).
    """
    html = root / MANUAL_BUILD
    if not (html / "index.html").is_file():
        done = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "-q", "-b", "html", str(root / "docs"), str(html)])
        if done.returncode != 0:
            raise SystemExit("the manual is not built and could not be: run make docs")
    return sorted(p for p in html.rglob("*") if p.is_file()
                  and not any(part.startswith((".", "_sources")) for part in p.relative_to(html).parts))


def build(out_dir: Path, root: Path = ROOT) -> Path:
    """Write the zip and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PLUGIN_FOLDER}-{plugin_version(root)}.zip"
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in tracked_files(root):
            zf.write(root / name, f"{PLUGIN_FOLDER}/{name}")
        for qm in compile_translations(root, Path(tmp)):
            zf.write(qm, f"{PLUGIN_FOLDER}/qgis_plugin/i18n/{qm.name}")
        for path in vendor_files(root / "vendor" / "js"):
            zf.write(path, f"{PLUGIN_FOLDER}/{path.relative_to(root).as_posix()}")
        html = root / MANUAL_BUILD
        for path in manual_files(root):
            zf.write(path, f"{PLUGIN_FOLDER}/{MANUAL_IN_PLUGIN}/{path.relative_to(html).as_posix()}")
        zf.write(licence_text(root), f"{PLUGIN_FOLDER}/LICENSE")
    return target


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "dist", help="where to write the zip")
    print(build(parser.parse_args().out_dir))


if __name__ == "__main__":
    main()
