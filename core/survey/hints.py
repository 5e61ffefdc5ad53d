"""What a file says about its own datum: words in headers, metadata, layer and field names.

A hint is evidence, never proof: :mod:`.decide` weighs it against the file format's specification
and the positions of the villages, and reports which evidence decided.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("gcj02", 2, re.compile(r"gcj[-_ ]?0?2|火星坐标|国测局", re.I)),
    ("bd09", 2, re.compile(r"bd[-_ ]?0?9(?![0-9])|bd09ll|百度坐标", re.I)),
    ("wgs84", 2, re.compile(r"wgs[-_ ]?84|wgs[-_ ]?1984", re.I)),
    ("cgcs2000", 2, re.compile(r"cgcs[-_ ]?2000|国家\s*2000|2000\s*国家大地", re.I)),
    ("gcj02", 1, re.compile(r"奥维|ovital|omap|高德|amap|gaode|autonavi|腾讯地图|tencent\s*map", re.I)),
    ("bd09", 1, re.compile(r"百度|baidu", re.I)),
)


@dataclass(frozen=True)
class Hint:
    """One piece of evidence about a file's datum.

    Attributes
    ----------
    datum : str
        ``wgs84``, ``gcj02``, ``bd09`` or ``cgcs2000``.
    strength : int
        2 when the datum is named (``GCJ-02``, ``WGS84``), 1 when only an application known to use it
        is (奥维/Ovital, 高德, 百度).
    evidence : str
        Where it was found, quoted, for the report.
    """

    datum: str
    strength: int
    evidence: str


def find_hints(text: str, where: str) -> list[Hint]:
    """Hints found in ``text`` (a header row, metadata, layer names), described as found in ``where``.

    Parameters
    ----------
    text : str
        Text to scan.
    where : str
        Description of the text's place in the file (e.g. ``"column headers"``).

    Returns
    -------
    list of Hint
        At most one hint per rule, strongest rules first.
    """
    hints = []
    for datum, strength, pattern in _RULES:
        m = pattern.search(text)
        if m:
            hints.append(Hint(datum, strength, f"'{m.group(0)}' in {where}"))
    return hints


def strongest(hints: list[Hint]) -> tuple[Hint | None, list[Hint]]:
    """The hint to follow and the hints that contradict it.

    Parameters
    ----------
    hints : list of Hint

    Returns
    -------
    (Hint or None, list of Hint)
        The first of the strongest hints, and hints of other datums (reported as warnings). WGS 84 and
        CGCS2000 do not contradict each other (they agree to centimetres).
    """
    if not hints:
        return None, []
    best = max(hints, key=lambda h: h.strength)
    same = {"wgs84", "cgcs2000"} if best.datum in ("wgs84", "cgcs2000") else {best.datum}
    return best, [h for h in hints if h.datum not in same]
