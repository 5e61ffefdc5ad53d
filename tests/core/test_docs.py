"""The documentation site's reference is generated from the code: every output column, setting, input field
and subcommand appears in the built HTML (``make docs`` builds it; the test builds it when it is missing)."""
from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruralenv.core.base import contract, schema
from ruralenv.core.base.config import Config
from ruralenv.core.cli.main import build_parser
from ruralenv.core.cli.parser import walk

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    built = DOCS / "_build" / "html"
    # the README's screenshot of the built front page is made after the build: not a source
    sources = [p for p in DOCS.rglob("*") if p.is_file() and "_build" not in p.parts
               and p != DOCS / "images" / "manual_front.png"]
    newest = max(p.stat().st_mtime for p in sources)
    if (built / "index.html").exists() and (built / "index.html").stat().st_mtime >= newest:
        return built
    out = tmp_path_factory.mktemp("html")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def text_of(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style).*?</\1>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def cells(page: Path) -> set[str]:
    """The text of every table cell's inline literal (the generated tables write names as literals)."""
    raw = page.read_text(encoding="utf-8")
    return {html.unescape(m) for m in re.findall(r'<span class="pre">([^<]*)</span>', raw)}


def test_every_output_column_is_in_the_reference(site):
    page = site / "reference" / "columns.html"
    names, text = cells(page), text_of(page)
    every = [c for value in vars(contract).values() if isinstance(value, tuple)
             for c in value if isinstance(c, contract.Column)]
    assert len(every) > 100
    missing = [c.name for c in every if c.name not in names]
    assert not missing, missing
    assert not [c.zh for c in every if c.zh not in text], "a Chinese label is missing"
    assert not [c.en for c in every if c.en not in text], "an English label is missing"
    assert not [k for k in contract.SUMMARY_KEYS if k not in names]


def test_every_setting_is_in_the_reference_with_its_default(site):
    raw = (site / "reference" / "settings.html").read_text(encoding="utf-8")
    for f in dataclasses.fields(Config):
        row = re.search(rf'<tr class="[^"]*" id="setting-{f.name}">(.*?)</tr>', raw, flags=re.S) or \
            re.search(rf'<tr id="setting-{f.name}"[^>]*>(.*?)</tr>', raw, flags=re.S)
        assert row, f"setting {f.name} is not in the reference"
        if isinstance(f.default, (int, float, str)) and not isinstance(f.default, bool):
            assert html.escape(repr(f.default)) in row.group(1) or repr(f.default) in html.unescape(row.group(1)), \
                (f.name, f.default)


def test_every_input_field_and_alias_is_in_the_reference(site):
    page = site / "reference" / "inputs.html"
    names, text = cells(page), text_of(page)
    fields = {f for kind in schema.REQUIRED for f in (*schema.REQUIRED[kind], *schema.OPTIONAL[kind])}
    assert not fields - names
    assert not [a for a in schema.ALIASES if a not in text]
    assert not [v for v in schema.FACILITY_TYPE_VALUES if v not in text]


def test_every_subcommand_is_in_the_command_line_reference(site):
    text = text_of(site / "reference" / "cli.html")
    for path, _ in walk(build_parser()):
        assert " ".join(("ruralenv", *path)) in " ".join(text.split()), path
    assert "分析您自己的图层" in text and "analyse your own layers" in text


def test_the_manual_front_page_is_chinese_first(site):
    text = " ".join(text_of(site / "index.html").split())
    assert text.index("用户手册") < text.index("User manual")
    for page in ("install", "first-run", "data", "methods", "outputs", "faq"):
        assert (site / "manual" / f"{page}.html").exists(), page


def test_the_claims_page_names_tests_that_exist():
    page = (DOCS / "dev" / "claims.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", page)
    assert len(named) > 20
    root = DOCS.parent
    for path, name in named:
        source = (root / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, flags=re.M), f"{path}::{name} does not exist"


def test_the_plugin_zip_carries_the_manual(site, tmp_path):
    """scripts/package.py puts the built manual into the zip, with every page an algorithm's help opens."""
    import ast
    import zipfile

    root = DOCS.parent
    if site != DOCS / "_build" / "html":
        pytest.skip("the manual in docs/_build/html is older than its sources: run make docs")
    proc = subprocess.run([sys.executable, str(root / "scripts" / "package.py"), "--out-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.zip"))).namelist())
    source = (root / "qgis_plugin" / "algorithms" / "base.py").read_text(encoding="utf-8")
    assign = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Assign)
                  and getattr(n.targets[0], "id", "") == "MANUAL_PAGES")
    pages = set(ast.literal_eval(assign.value).values())
    assert {"ruralenv/docs/html/index.html", *(f"ruralenv/docs/html/{p}" for p in pages)} <= names
    assert not [n for n in names if "/docs/html/_sources/" in n or "/.doctrees/" in n]
