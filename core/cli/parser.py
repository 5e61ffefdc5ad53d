"""The ``ruralenv`` argument parser in the user's language.

:class:`Parser` is an :class:`argparse.ArgumentParser` whose help and errors go through the catalogue of
:mod:`ruralenv.core.base.i18n` on display: help texts, descriptions, group titles, argparse's own words (用法,
选项) and its error messages; lists of allowed values carry the Chinese names beside the codes. Subcommands
added with ``subparsers.add_parser`` are Parsers too (argparse makes them of the parent's class), so a module
that registers a subcommand only writes English help texts and adds their translations to the catalogue.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import NoReturn

from ..base.i18n import language, translate, with_chinese_names


class Formatter(argparse.HelpFormatter):
    """Help formatter translating each text on display."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Take :class:`argparse.HelpFormatter`'s arguments."""
        super().__init__(*args, **kwargs)
        self._headings: list[str] = []

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if text is None or text == argparse.SUPPRESS:
            return text
        text = translate(text)
        if language() == "zh" and action.choices is not None and not isinstance(action.choices, dict) \
                and action.option_strings:
            text += f"（可选：{with_chinese_names([str(c) for c in action.choices])}）"
        return text

    def add_text(self, text: str | None) -> None:
        """Add a description or epilog, translated."""
        super().add_text(translate(text) if text and text != argparse.SUPPRESS else text)

    def start_section(self, heading: str | None) -> None:
        """Start a group of options under its translated title."""
        if heading:
            heading = translate(heading)
            self._headings.append(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        """The help text; Chinese titles end with a full-width colon."""
        text = super().format_help()
        if language() == "zh":
            for heading in getattr(self, "_headings", []):
                text = text.replace(f"\n{heading}:\n", f"\n{heading}：\n")
        return text

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        """Add the usage line after the translated ``usage:``."""
        super().add_usage(usage, actions, groups, prefix=translate("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser that speaks the user's language (see the module)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Take :class:`argparse.ArgumentParser`'s arguments; the formatter defaults to :class:`Formatter`."""
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error in the user's language; exit 2."""
        self.print_usage(sys.stderr)
        sep = "：" if language() == "zh" else ": "
        self.exit(2, f"{self.prog}: {translate('error')}{sep}{translate(message)}\n")


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                        argparse.ArgumentParser]]:
    """Every parser of the tree with its subcommand path, ``()`` for the top, ``("survey", "import")`` …"""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, (*path, name))


def texts(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Every text of ``parser`` and its subcommands that is shown translated: descriptions, help texts and
    group titles (what ``scripts/i18n.py extract`` puts into the catalogue)."""
    for _, p in walk(parser):
        if p.description:
            yield p.description
        for group in p._action_groups:
            if group.title:
                yield group.title
        for action in p._actions:
            if action.help and action.help != argparse.SUPPRESS:
                yield action.help
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        yield choice.help


def bilingual(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Rewrite the texts of ``parser`` in place as ``中文 English`` (the documentation's CLI reference)."""
    def both(text: str | None) -> str | None:
        if not text or text == argparse.SUPPRESS:
            return text
        zh = translate(text, "zh")
        return text if zh == text else f"{zh} {text}"

    for _, p in walk(parser):
        p.description = both(p.description)
        for action in p._actions:
            action.help = both(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = both(choice.help)
    return parser
