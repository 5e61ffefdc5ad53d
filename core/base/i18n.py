"""The command line's language: Chinese under a Chinese locale, English otherwise (gettext catalogues).

The catalogue is ``locale/zh_CN/LC_MESSAGES/ruralenv.po`` beside this module, compiled to ``ruralenv.mo``
(``make translations``, or ``python scripts/i18n.py compile``). Its message ids are the English texts the
code writes; an id may hold ``{name}`` placeholders, and then it translates every message of that shape
(``"the {kind} layer is empty"`` → ``"{kind}图层为空"``), so the core keeps writing plain English f-strings
and only what is shown on the terminal is translated.

To mark a string for translation, write it in English as usual and either wrap it in :func:`tr` where it is
shown, or leave it where it is when it is a help text of the ``ruralenv`` parser, a stage name given to a
progress or a message of an error: the command line translates those on display. ``python scripts/i18n.py
extract`` adds every help text of the parser that the catalogue lacks (with an empty translation to fill).
"""
from __future__ import annotations

import functools
import gettext
import os
import re
from pathlib import Path

#: Folder of the gettext catalogues (``<lang>/LC_MESSAGES/ruralenv.mo``).
LOCALE_DIR = Path(__file__).with_name("locale")
#: gettext domain of the catalogues.
DOMAIN = "ruralenv"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Placeholders whose value is a list of codes: shown with the Chinese names beside the codes.
CODE_LISTS = ("allowed", "choices")


def language() -> str:
    """``"zh"`` or ``"en"``: ``RURALENV_LANG`` when set, else the locale (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``, first one set)."""
    forced = os.environ.get("RURALENV_LANG", "").strip().lower()
    if forced:
        return "zh" if forced.startswith("zh") else "en"
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@functools.lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    """The compiled catalogue of ``lang`` as ``{English: translation}`` (empty for English)."""
    if lang == "en":
        return {}
    trans = gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"], fallback=True)
    found = getattr(trans, "_catalog", {})
    return {str(k): str(v) for k, v in found.items() if k and v}


@functools.lru_cache(maxsize=4)
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """The catalogue's ids with placeholders, as regular expressions, the most specific first."""
    out = []
    for msgid, msgstr in catalogue(lang).items():
        if not _PLACEHOLDER.search(msgid):
            continue
        parts = _PLACEHOLDER.split(msgid)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts))
        out.append((re.compile(regex + r"\Z", re.DOTALL), msgstr))
    out.sort(key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)))
    return out


def tr(message: str) -> str:
    """``message`` in the command line's language (itself when the catalogue lacks it)."""
    return translate(message)


_ = tr  # the gettext convention, for use inside this package's own modules


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it here (it is translated where shown)."""
    return message


def translate(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default :func:`language`): an exact id of the catalogue, else the first id with
    placeholders it matches, its values put back (lists of codes with their Chinese names), else itself."""
    lang = lang or language()
    if lang == "en" or not message:
        return message
    exact = catalogue(lang).get(message)
    if exact is not None:
        return exact
    for regex, msgstr in _patterns(lang):
        m = regex.match(message)
        if m:
            values = {k: (with_chinese_names(v) if k in CODE_LISTS else translate(v, lang) if k == "message" else v)
                      for k, v in m.groupdict().items()}
            return msgstr.format(**values)
    return message


def with_chinese_names(codes: str | list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """``"transfer_station, town_treatment"`` → ``"转运站 transfer_station、…"``: each code with the Chinese
    term of the glossary (or the catalogue) before it; codes with neither stay as they are."""
    from .glossary import TERMS

    items = [c.strip() for c in codes.split(sep)] if isinstance(codes, str) else [str(c) for c in codes]
    table = catalogue("zh")
    named = []
    for quoted in items:
        code = quoted.strip("'\"")
        zh = TERMS[code].zh if code in TERMS else table.get(code)
        named.append(f"{zh} {quoted}" if zh and zh != code else quoted)
    return "、".join(named)


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese character."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
