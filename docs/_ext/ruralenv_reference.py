"""Sphinx directives that write the reference tables from the code, so the documentation cannot drift.

``ruralenv-columns``   every output column of :mod:`ruralenv.core.base.contract` (name, type, 中文, English, stage)
``ruralenv-summary``   the keys of summary.json
``ruralenv-settings``  every field of :class:`ruralenv.core.base.config.Config` (default, unit, meaning)
``ruralenv-inputs``    every input layer's fields, required or optional, with their aliases (schema.py)
``ruralenv-values``    the accepted spellings of the coded input values (facility types, village classes, …)
``ruralenv-glossary``  the plan's terms (glossary.py)
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from collections.abc import Iterable, Sequence

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

Cell = str | nodes.Node


def _cell(value: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(value, nodes.Node):
        entry += nodes.paragraph("", "", value)
    else:
        para = nodes.paragraph()
        for i, part in enumerate(re.split(r"``(.+?)``", str(value))):
            if part:
                para += nodes.literal(text=part) if i % 2 else nodes.Text(part)
        entry += para
    return entry


def code(text: str) -> nodes.literal:
    """An inline literal."""
    return nodes.literal(text=text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], ids: Sequence[str] | None = None,
          widths: Sequence[int] | None = None) -> nodes.table:
    """A docutils table of plain-text or node cells; ``ids`` gives each row an HTML id (an anchor)."""
    rows = list(rows)
    tbl = nodes.table(classes=["ruralenv-reference"])
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    for w in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    hrow = nodes.row()
    for h in headers:
        hrow += _cell(h)
    head += hrow
    group += head
    body = nodes.tbody()
    for i, r in enumerate(rows):
        row = nodes.row(ids=[ids[i]] if ids else [])
        for value in r:
            row += _cell(value)
        body += row
    group += body
    return tbl


class Columns(SphinxDirective):
    """Every output column of the contract, one table per layer or table."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base import contract

        out: list[nodes.Node] = []
        groups = [(f"{name}", cols) for name, cols in contract.LAYER_COLUMNS.items()]
        groups += [("indicators", contract.INDICATOR_COLUMNS)]
        sanitation = getattr(contract, "SANITATION_INDICATOR_COLUMNS", ())
        if sanitation:
            groups += [("sanitation indicators", sanitation)]
        listed = {id(c) for _, cols in groups for c in cols}
        others = [(name, value) for name, value in vars(contract).items()
                  if name.endswith("_COLUMNS") and isinstance(value, tuple)
                  and any(id(c) not in listed for c in value)]
        groups += [(name.removesuffix("_COLUMNS").lower(), value) for name, value in others]
        for title, cols in groups:
            sec = nodes.section(ids=[f"columns-{re.sub(r'[^a-z0-9]+', '-', title)}"])
            sec += nodes.title(text=f"{title}")
            sec += table(["列名 column", "类型 type", "中文", "English", "阶段 stage"],
                         ([code(c.name), c.dtype, c.zh, c.en, c.stage] for c in cols), widths=[3, 1, 3, 3, 1])
            out.append(sec)
        return out


class Summary(SphinxDirective):
    """The keys of summary.json."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base import contract

        keys = {**contract.SUMMARY_KEYS, **getattr(contract, "PARTITION_SUMMARY_KEYS", {}),
                **getattr(contract, "ROADS_WASTE_SUMMARY_KEYS", {})}
        return [table(["键 key", "含义 meaning"], ([code(k), v] for k, v in keys.items()), widths=[1, 4])]


UNITS = (("_kmh", "公里/小时 km/h"), ("_km", "公里 km"), ("_m", "米 m"), ("_tpd", "吨/日 t/d"),
         ("_l_per_person_day", "升/人·日 L per person per day"), ("_kg_per_person_day", "千克/人·日 kg per person per day"),
         ("_min", "分钟 min"), ("_pct", "% percent"), ("_wan_yuan", "万元"), ("_yuan", "元"))


def unit_of(name: str, default: object) -> str:
    """The unit of a setting, from its name (``_m`` metres, ``_tpd`` t/d …) or its kind."""
    for suffix, unit in UNITS:
        if name.endswith(suffix):
            return unit
    if isinstance(default, float) and (name.startswith("target_") or name.endswith(("_share", "_coefficient"))):
        return "比例 fraction (0–1)"
    if isinstance(default, bool):
        return "是/否 bool"
    return ""


def docstring_meanings(cls: type) -> dict[str, str]:
    """``name → description`` from the numpydoc Attributes section of ``cls``."""
    doc = inspect.getdoc(cls) or ""
    meanings: dict[str, str] = {}
    names: list[str] = []
    for line in doc.splitlines():
        m = re.match(r"^([a-z_0-9, ]+) : .+$", line)
        if m:
            names = [n.strip() for n in m.group(1).split(",")]
            continue
        if names and line.startswith("    "):
            for n in names:
                meanings[n] = (meanings.get(n, "") + " " + line.strip()).strip()
        elif not line.strip():
            continue
        else:
            names = []
    return meanings


def comment_meanings(cls: type) -> dict[str, str]:
    """``name → text`` of the comment lines right above (or at the end of) each field in the source."""
    try:
        lines, start = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return {}
    tree = ast.parse("".join(lines).replace("\n    ", "\n", 0))
    out: dict[str, str] = {}
    cls_node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    for node in cls_node.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            i = node.lineno - 1
            trailing = lines[i].partition("#")[2].strip() if "#" in lines[i] else ""
            above = []
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("#"):
                above.insert(0, lines[j].strip().lstrip("#").strip())
                j -= 1
            out[node.target.id] = trailing or " ".join(above)
    return out


class Settings(SphinxDirective):
    """Every setting of Config: name, default, unit, meaning."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base.config import Config

        docs, comments = docstring_meanings(Config), comment_meanings(Config)
        rows, ids = [], []
        for f in dataclasses.fields(Config):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            shown = ", ".join(map(str, default)) if isinstance(default, tuple) else repr(default)
            if len(shown) > 160:
                shown = shown[:160] + " …"
            meaning = f.metadata.get("doc") or docs.get(f.name) or comments.get(f.name) or ""
            unit = f.metadata.get("unit") or unit_of(f.name, default)
            rows.append([code(f.name), code(shown), unit, meaning])
            ids.append(f"setting-{f.name}")
        return [table(["设置 setting", "默认值 default", "单位 unit", "含义 meaning"], rows, ids, widths=[2, 2, 1, 5])]


class Inputs(SphinxDirective):
    """Every input layer: its fields (required or optional), geometry, and the aliases of each field."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base import schema

        aliases: dict[str, list[str]] = {}
        for alias, target in schema.ALIASES.items():
            aliases.setdefault(target, []).append(alias)
        out: list[nodes.Node] = []
        for kind in schema.REQUIRED:
            sec = nodes.section(ids=[f"input-{kind.replace('_', '-')}"])
            sec += nodes.title(text=kind)
            sec += nodes.paragraph(text=f"几何 geometry: {' / '.join(schema.GEOMETRY[kind])}")
            rows = [[code(f), "必填 required" if f in schema.REQUIRED[kind] else "可选 optional",
                     "、".join(aliases.get(f, [])) or "—"]
                    for f in (*schema.REQUIRED[kind], *schema.OPTIONAL[kind])]
            if rows:
                sec += table(["字段 field", "", "别名 aliases"], rows, widths=[2, 1, 6])
            else:
                sec += nodes.paragraph(text="无属性字段要求 no attribute is required.")
            out.append(sec)
        return out


class Values(SphinxDirective):
    """Accepted spellings of coded input values."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base import schema

        out: list[nodes.Node] = []
        for name, title in (("FACILITY_TYPE_VALUES", "facility_type"), ("VILLAGE_CLASS_VALUES", "village_class"),
                            ("ZONE_VALUES", "zone"), ("GREEN_MINE_VALUES", "green_mine_level")):
            table_ = getattr(schema, name, None)
            if not table_:
                continue
            spellings: dict[str, list[str]] = {}
            for spelling, value in table_.items():
                spellings.setdefault(value, []).append(spelling or "(空 empty)")
            sec = nodes.section(ids=[f"values-{title.replace('_', '-')}"])
            sec += nodes.title(text=title)
            sec += table(["取值 value", "可接受的写法 accepted spellings"],
                         ([code(v), "、".join(s)] for v, s in spellings.items()), widths=[1, 4])
            out.append(sec)
        return out


class Glossary(SphinxDirective):
    """The plan's terms."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from ruralenv.core.base.glossary import TERMS

        return [table(["代码 key", "中文", "English", "出处 source"],
                      ([code(t.key), t.zh, t.en, t.source] for t in TERMS.values()), widths=[2, 3, 3, 2])]


def setup(app: Sphinx) -> dict[str, object]:
    """Register the directives."""
    for name, directive in (("ruralenv-columns", Columns), ("ruralenv-summary", Summary),
                            ("ruralenv-settings", Settings), ("ruralenv-inputs", Inputs),
                            ("ruralenv-values", Values), ("ruralenv-glossary", Glossary),
                            ("ruralenv-modules", Modules), ("ruralenv-demo", Demo), ("ruralenv-layers", Layers)):
        app.add_directive(name, directive)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


class Modules(SphinxDirective):
    """``automodule`` of every module under ``ruralenv.core`` found at build time, one section per subpackage
    (so a new subpackage or module appears without editing the page). Option ``members``: document members."""

    option_spec = {"members": lambda x: True}

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        import pkgutil

        import ruralenv.core as core
        from docutils.statemachine import StringList

        names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "ruralenv.core.")
                       if not m.name.rsplit(".", 1)[-1].startswith("_"))
        # the page holding the directive is Markdown: the reStructuredText of autodoc goes in one eval-rst block
        lines: list[str] = ["```{eval-rst}"]
        for name in names:
            lines += [f".. rubric:: {name}", "", f".. automodule:: {name}"]
            lines += ["   :members:", "   :no-index:"] if "members" in self.options else ["   :no-members:"]
            lines.append("")
        lines.append("```")
        container = nodes.section(ids=["ruralenv-modules"])
        self.state.nested_parse(StringList(lines, source="ruralenv-modules"), self.content_offset, container)
        return container.children


class Demo(SphinxDirective):
    """The county table of a run on the bundled sample, made while the documentation is built (so the numbers
    of the first-run page are the code's of this build)."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        import tempfile

        from ruralenv.core import Config, run_pipeline
        from ruralenv.core.base.files import SAMPLE_GPKG

        kinds = ("villages", "roads", "facilities", "towns", "counties", "mines", "sewer", "urban_areas",
                 "priority_zones")
        import logging

        logging.getLogger("ruralenv").setLevel(logging.ERROR)
        with tempfile.TemporaryDirectory() as tmp:
            res = run_pipeline({k: f"{SAMPLE_GPKG}:{k}" for k in kinds}, Config(cache_dir=tmp))
        county = res.tables["county"]
        wanted = [("name", "旗县 county"), ("n_admin_in_scope", "行政村 admin villages in scope"),
                  ("waste_coverage_pct", "垃圾收运覆盖率% waste coverage %"),
                  ("waste_meets_2025", "2025年≥60% meets 2025"), ("n_larger", "较大自然村 larger villages"),
                  ("road_coverage_pct", "通硬化路率% road coverage %"), ("roads_meets_2025", "2025年≥85% meets 2025"),
                  ("roads_gap_2025", "尚差村数 villages short"), ("pave_km_2025", "需硬化公里 km to pave")]

        def fmt(v: object) -> str:
            if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
                return "是 yes" if v else "否 no"
            return f"{v:.1f}" if isinstance(v, float) else str(v)

        rows = ([fmt(r[c]) for c, _ in wanted] for _, r in county.iterrows())
        return [table([h for _, h in wanted], rows)]


class Layers(SphinxDirective):
    """The import-linter contracts of pyproject.toml: the layers of ``ruralenv.core``, top to bottom."""

    def run(self) -> list[nodes.Node]:
        """The directive's nodes."""
        from pathlib import Path

        import tomllib

        config = tomllib.loads((Path(self.env.srcdir).parent / "pyproject.toml").read_text(encoding="utf-8"))
        out: list[nodes.Node] = []
        for contract in config["tool"]["importlinter"]["contracts"]:
            out.append(nodes.paragraph("", "", nodes.strong(text=contract["name"])))
            if contract["type"] == "layers":
                rows = ([str(i + 1), code(layer)] for i, layer in enumerate(contract["layers"]))
                out.append(table(["", "layer: may import the layers below it (`a | b`: siblings that may not import each other; `a : b`: siblings that may)"], rows,
                                 widths=[1, 8]))
            else:
                out.append(nodes.paragraph(text=f"{contract['type']}: {', '.join(contract.get('source_modules', []))}"
                                                f" → {', '.join(contract.get('forbidden_modules', []))}"))
        return out
