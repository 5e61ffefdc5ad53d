"""The house's rules, read from the source: subpackages by concern, private names stay private.

import-linter (``make lint``) checks the layers; these checks read every module's imports with :mod:`ast`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
#: Modules allowed at the top of ``core/``: the package's face and the composition of a run.
TOP_LEVEL = {"__init__.py", "pipeline.py"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = ["ruralenv", *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every ``from … import …`` of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module, [a.name for a in node.names]))
    return out


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def test_core_top_level_holds_only_the_face_and_the_composition():
    top = {p.name for p in CORE.glob("*.py")}
    assert top <= TOP_LEVEL, f"modules at the top of core/ (put them in a subpackage): {sorted(top - TOP_LEVEL)}"
    assert {p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} >= {
        "base", "io", "network", "model", "maps", "surface", "plan", "survey", "partition", "cli"}


@pytest.mark.parametrize("folder", ["core", "qgis_plugin", "tools"])
def test_no_private_name_is_imported_from_another_public_module(folder):
    """``from x import _y`` only where ``x`` is itself private (a ``_x.py`` made for sharing)."""
    bad = []
    for path in _python_files(folder):
        for line, module, names in _imports(path):
            if not module.startswith("ruralenv") or _is_private(module):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                bad.append(f"{path.relative_to(ROOT)}:{line} {module} {private}")
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


@pytest.mark.parametrize("folder", ["qgis_plugin", "tests"])
def test_plugin_and_tests_import_public_paths_only(folder):
    bad = []
    for path in _python_files(folder):
        for line, module, names in _imports(path):
            if module.startswith("ruralenv") and (_is_private(module) or any(
                    n.startswith("_") and not n.startswith("__") for n in names)):
                bad.append(f"{path.relative_to(ROOT)}:{line} {module} {names}")
    assert not bad, "private paths or names imported:\n" + "\n".join(bad)


def test_every_core_subpackage_has_a_face_that_says_what_it_holds():
    for init in CORE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.relative_to(ROOT)} has no docstring saying what the subpackage holds"
