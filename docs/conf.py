"""Sphinx configuration of the RuralEnv Planner documentation (``make docs``; warnings are errors)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
# import this checkout as ``ruralenv`` (the repository root is the package), whatever is installed
_pkg = DOCS / "_build" / ".pkg"
_pkg.mkdir(parents=True, exist_ok=True)
if not (_pkg / "ruralenv").exists():
    (_pkg / "ruralenv").symlink_to(REPO, target_is_directory=True)
sys.path[:0] = [str(_pkg), str(DOCS / "_ext")]
os.environ.setdefault("RURALENV_LANG", "en")  # the parser's texts are written bilingual by cli.parser.bilingual

project = "RuralEnv Planner 农村牧区人居环境规划"
author = "RuralEnv Planner"
copyright = "2026, RuralEnv Planner (GPL-2.0-or-later)"
language = "zh_CN"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxarg.ext",
    "ruralenv_reference",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "_ext"]
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_mock_imports = ["qgis", "PyQt5", "processing"]

html_theme = "furo"
html_title = "RuralEnv Planner 用户手册"
html_static_path = ["_static"]
html_css_files = ["ruralenv.css"]
html_search_language = "zh"
html_show_sourcelink = False
html_last_updated_fmt = None


def manual_toctree(app, docname: str, source: list[str]) -> None:
    """The manual's toctree in index.md names its pages in reading order, some written by other parts of the
    project (manual/plan, manual/monitor …): a named page that does not exist yet is left out, and a page under
    manual/ that the list does not name is added at its end, so the build never fails on either."""
    if docname != "index":
        return
    present = {p.stem for p in (DOCS / "manual").glob("*.md")}
    lines = source[0].split("\n")
    named = {ln.strip().removeprefix("manual/") for ln in lines if ln.strip().startswith("manual/")}
    out = [ln for ln in lines if not ln.strip().startswith("manual/") or ln.strip().removeprefix("manual/") in present]
    last = max(i for i, ln in enumerate(out) if ln.strip().startswith("manual/"))
    out[last + 1:last + 1] = [f"manual/{p}" for p in sorted(present - named)]
    source[0] = "\n".join(out)


def setup(app) -> None:
    """Hook the manual's toctree."""
    app.connect("source-read", manual_toctree)
