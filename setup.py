"""Build hooks (the project is declared in pyproject.toml): the wheel and the source distribution also carry
files that are not committed, put in at build time by the rules of ``scripts/package.py`` (the plugin zip's
builder): Leaflet from ``vendor/js`` (``make vendor-js``) and the GPL text as ``LICENSE``.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent


def _package_rules():
    spec = importlib.util.spec_from_file_location("ruralenv_package_rules", ROOT / "scripts" / "package.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _copy_build_files(dest: Path) -> None:
    """Copy the vendored Leaflet files and the licence text below ``dest`` (the package or release root)."""
    rules = _package_rules()
    for path in rules.vendor_files(ROOT / "vendor" / "js"):
        target = dest / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(rules.licence_text(ROOT), dest / "LICENSE")


class BuildPy(build_py):
    """build_py that also puts Leaflet and LICENSE into the built ``ruralenv`` package."""

    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)  # an editable install reads the source tree
        package = Path(self.build_lib) / "ruralenv"
        if not editable:  # a module deleted from the tree must not survive in build/ into the wheel
            shutil.rmtree(package, ignore_errors=True)
        super().run()
        if not editable:
            _copy_build_files(package)


class Sdist(sdist):
    """sdist that also carries Leaflet and LICENSE, so a wheel built from it has them."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        _copy_build_files(Path(base_dir))


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
