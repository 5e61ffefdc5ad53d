"""The command line's gettext catalogue (core/base/locale/zh_CN/LC_MESSAGES/ruralenv.po).

    python scripts/i18n.py extract   # add every help text of the parser the catalogue lacks (empty msgstr)
    python scripts/i18n.py compile   # ruralenv.po -> ruralenv.mo (make translations runs it)
    python scripts/i18n.py check     # exit 1 when a message has no translation or the .mo is stale

Run it with the repository importable as ``ruralenv`` (the venv of ``make``). A new subcommand only writes its
help texts in English; ``extract`` then lists them in the .po for a translator.
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parents[1] / "core/base/locale/zh_CN/LC_MESSAGES/ruralenv.po"
MO = PO.with_suffix(".mo")


def load() -> Catalog:
    """The catalogue as it is on disk."""
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN", domain="ruralenv")


def save(catalog: Catalog) -> None:
    """Write the .po (sorted as it was: new messages at the end)."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, no_location=True)
    PO.write_bytes(buf.getvalue())


def compiled(catalog: Catalog) -> bytes:
    """The .mo bytes of ``catalog`` (translated messages only)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def extract() -> int:
    """Add the parser's texts that the catalogue lacks; print how many."""
    from ruralenv.core.cli.main import build_parser
    from ruralenv.core.cli.parser import texts

    catalog = load()
    new = [t for t in dict.fromkeys(texts(build_parser())) if t not in catalog]
    for text in new:
        catalog.add(text, "")
    save(catalog)
    print(f"{len(new)} new message(s) in {PO}")
    return 0


def compile_mo() -> int:
    """Write ruralenv.mo from ruralenv.po."""
    MO.write_bytes(compiled(load()))
    return 0


def check() -> int:
    """1 when a message lacks its translation or the committed .mo differs from the .po."""
    catalog = load()
    missing = [m.id for m in catalog if m.id and not m.string]
    for text in missing:
        print(f"untranslated: {text!r}", file=sys.stderr)
    with MO.open("rb") as f:
        mo = read_mo(f)
    stale = {m.id: m.string for m in catalog if m.id and m.string} != {m.id: m.string for m in mo if m.id}
    if stale:
        print(f"{MO} is stale: run python scripts/i18n.py compile", file=sys.stderr)
    return 1 if missing or stale else 0


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("extract", "compile", "check"))
    args = parser.parse_args(argv)
    return {"extract": extract, "compile": compile_mo, "check": check}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
