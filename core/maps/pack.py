"""Compact columns for the web map (``map.html``): what :mod:`.webmap` embeds and ``map.js`` decodes.

A whole region's villages and roads must fit one e-mailable file, so the data do not travel as JSON lists:

* **integers** travel as a *stream*: each value as an exp-Golomb code of order ``k`` (``k`` chosen per stream
  for the smallest total), the bits written six to a character of the base64 alphabet (which JSON and HTML
  carry unescaped); ``{"k": k, "n": count, "b": text}``;
* a **column** is one of: ``num`` (numbers with ``digits`` decimals as integers from ``lo``, 0 for null),
  ``dict`` (codes into a small list), ``text`` (front-coded: each value as the length it shares with the
  value before it and the rest, the rests joined into one string), ``tpl`` (sentences of a few patterns
  with numbers in them: the pattern of each row, and per pattern each varying number as a ``num``-like
  stream; numbers equal in every row of a pattern are written into the pattern), ``delta`` (coordinates
  as differences from the previous one, zig-zag signed), ``same`` (the column of the same name in another
  layer: the sewage view of the villages shares their position, name and code).

:func:`decode` is the reference decoder (used by the tests); ``map.js`` decodes the same way.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

#: Six bits per character; these 64 need no escape in JSON or HTML.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), np.uint8)
_WEIGHTS = np.array([32, 16, 8, 4, 2, 1], np.int64)
#: Integers a stream holds exactly (the page decodes into doubles).
MAX_VALUE = 2**50
#: Numbers inside a ``tpl`` text that can travel as integers and be written back identically: no leading
#: zero, at most 15 digits (exact in a double), at most 6 decimals.
_NUMBER = re.compile(r"(?<![0-9.])(0|[1-9][0-9]{0,14})(?:\.([0-9]{1,6}))?(?![0-9])")
_SLOT = "\0"


# --------------------------------------------------------------------------------------------- streams
def _bit_length(w: np.ndarray) -> np.ndarray:
    """Bits of each positive integer below 2**52 (exact: frexp of an exactly represented double)."""
    return np.frexp(w.astype(np.float64))[1].astype(np.int64)


#: Exp-Golomb orders tried.
_ORDERS = np.arange(48)
#: Bits of the code of a value of b bits (b = 0 for zero) at order k, nearly: 2 max(b, k + 1) - 1 - k
#: (a value just below a power of two may need one more).
_CODE_BITS = 2 * np.maximum(np.arange(53)[:, None], _ORDERS[None, :] + 1) - 1 - _ORDERS[None, :]


def best_orders(z: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the exp-Golomb order giving about the fewest bits for its non-negative integers ``z``
    (from the histogram of their bit lengths).
    """
    nbits = np.where(z > 0, _bit_length(np.maximum(z, 1)), 0)
    hist = np.bincount(group * 53 + nbits, minlength=n_groups * 53).reshape(n_groups, 53)
    return np.argmin(hist @ _CODE_BITS, axis=1).astype(np.int64)


def pack_groups(values: np.ndarray, group: np.ndarray, n_groups: int) -> list[dict]:
    """One stream per group of non-negative integers.

    Parameters
    ----------
    values : ndarray of int
        Each in ``[0, MAX_VALUE)``.
    group : ndarray of int
        Group of each value, non-decreasing (values of a group are consecutive, in order).
    n_groups : int

    Returns
    -------
    list of dict
        ``{"k", "n", "b"}`` per group (empty groups give ``n`` 0).
    """
    z = np.asarray(values, np.int64)
    if len(z) and (z.min() < 0 or z.max() >= MAX_VALUE):
        raise ValueError("stream values must lie in [0, 2**50)")
    group = np.asarray(group, np.int64)
    bounds = np.searchsorted(group, np.arange(n_groups + 1))
    orders = best_orders(z, group, n_groups)
    k = orders[group]
    w = z + np.left_shift(1, k)
    nbits = _bit_length(w)
    length = 2 * nbits - 1 - k  # nbits - 1 - k leading zeros, then w in nbits bits: w in `length` bits
    group_bits = np.bincount(group, weights=length, minlength=n_groups).astype(np.int64)
    padded = -(-group_bits // 6) * 6  # each group starts on a character
    group_start = np.r_[0, np.cumsum(padded)[:-1]]
    end = np.cumsum(length)
    end += (group_start - np.r_[0, end][bounds[:-1]])[group]
    text = _ALPHABET_BYTES[_characters(w, nbits, end, int(padded.sum()) // 6)].tobytes().decode("ascii")
    return [{"k": int(orders[g]), "n": int(bounds[g + 1] - bounds[g]),
             "b": text[group_start[g] // 6:(group_start[g] + padded[g]) // 6]} for g in range(n_groups)]


#: Bits gathered per word (ten characters).
_WORD = 60


def _characters(w: np.ndarray, nbits: np.ndarray, end: np.ndarray, n_chars: int) -> np.ndarray:
    """The 6-bit characters of the integers ``w`` of ``nbits`` bits, each ending just before bit ``end`` of
    the stream (zeros elsewhere).

    The bits are gathered in words of 60: each ``w`` (at most 51 bits) falls in one word or two; the codes do
    not overlap, so adding the shares of the codes that fall in a word builds it.
    """
    start = end - nbits
    word = start // _WORD
    over = start % _WORD + nbits - _WORD  # bits spilling into the next word
    words = np.zeros(-(-n_chars // 10) + 1, np.int64)
    _add_by_word(words, word, np.where(over > 0, w >> np.maximum(over, 0), w << np.maximum(-over, 0)))
    spill = np.flatnonzero(over > 0)
    tail = over[spill]
    _add_by_word(words, word[spill] + 1, (w[spill] & ((1 << tail) - 1)) << (_WORD - tail))
    shifts = np.arange(_WORD - 6, -1, -6)
    return ((words[:, None] >> shifts) & 63).ravel()[:n_chars]


def _add_by_word(words: np.ndarray, index: np.ndarray, shares: np.ndarray) -> None:
    """``words[index] += shares`` for a non-decreasing ``index`` (shares of one word have disjoint bits)."""
    if len(index) == 0:
        return
    runs = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    words[index[runs]] += np.add.reduceat(shares, runs)


def pack(values: np.ndarray | Sequence[int]) -> dict:
    """One stream of non-negative integers (see :func:`pack_groups`)."""
    v = np.asarray(values, np.int64)
    return pack_groups(v, np.zeros(len(v), np.int64), 1)[0]


def unpack(stream: dict) -> np.ndarray:
    """The integers of a stream (the reference for ``unpack`` in ``map.js``)."""
    bits = "".join(f"{ALPHABET.index(c):06b}" for c in stream["b"])
    out = np.empty(stream["n"], np.int64)
    pos, k = 0, stream["k"]
    for i in range(stream["n"]):
        one = bits.index("1", pos)
        width = one - pos + k + 1
        out[i] = int(bits[one:one + width], 2) - (1 << k)
        pos = one + width
    return out


def zigzag(v: np.ndarray) -> np.ndarray:
    """Signed integers as non-negative ones (0, -1, 1, -2 … → 0, 1, 2, 3 …)."""
    v = np.asarray(v, np.int64)
    return np.where(v >= 0, 2 * v, -2 * v - 1)


def unzigzag(z: np.ndarray) -> np.ndarray:
    """The inverse of :func:`zigzag`."""
    z = np.asarray(z, np.int64)
    return np.where(z % 2 == 0, z // 2, -(z + 1) // 2)


# --------------------------------------------------------------------------------------------- columns
def numbers(values: np.ndarray, digits: int) -> dict:
    """A ``num`` column: floats rounded to ``digits`` decimals (NaN for null)."""
    scale = 10**digits
    v = np.asarray(values, np.float64)
    ok = np.isfinite(v)
    q = np.rint(np.where(ok, v, 0.0) * scale).astype(np.int64)
    lo = int(q[ok].min()) if ok.any() else 0
    return {"enc": "num", "lo": lo, "div": scale, "v": pack(np.where(ok, q - lo + 1, 0))}


def codes(index: np.ndarray, dictionary: list[str]) -> dict:
    """A ``dict`` column: ``index`` into ``dictionary``, -1 for null."""
    return {"enc": "dict", "dict": list(dictionary), "v": pack(np.asarray(index, np.int64) + 1)}


def _utf16(text: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units: two for a character beyond U+FFFF)."""
    return len(text.encode("utf-16-le")) // 2


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def texts(values: Sequence[str | None], front: bool = True) -> dict:
    """A ``text`` column: the values joined, front-coded (codes of one township share their first digits)
    unless ``front`` is false (names stay whole, so a text search of the file finds them).
    """
    units = _utf16 if any(v is not None and _ASTRAL.search(v) for v in values) else len
    shared, sizes, rests = [], [], []
    prev = ""
    for v in values:
        if v is None:
            shared.append(0)
            sizes.append(0)
            continue
        n = 0
        limit = min(len(prev), len(v)) if front else 0
        while n < limit and prev[n] == v[n]:
            n += 1
        shared.append(units(v[:n]))
        sizes.append(units(v) - shared[-1] + 1)
        rests.append(v[n:])
        prev = v
    return {"enc": "text", "pre": pack(shared), "len": pack(sizes), "s": "".join(rests)}


def deltas(values: np.ndarray) -> dict:
    """A ``delta`` column of integers (NaN for null): each the zig-zag difference from the previous non-null
    value, plus one (0 is null).
    """
    v = np.asarray(values, np.float64)
    ok = np.isfinite(v)
    q = np.where(ok, v, 0).astype(np.int64)
    present = q[ok]
    d = np.diff(np.r_[0, present])
    out = np.zeros(len(v), np.int64)
    out[ok] = zigzag(d) + 1
    return {"enc": "delta", "v": pack(out)}


def templated(values: Sequence[str | None]) -> dict:
    """A ``tpl`` column for sentences made from a few patterns with numbers in them (a ``text`` column when
    the texts hold the slot marker or are not few patterns).
    """
    if any(v is not None and _SLOT in v for v in values):
        return texts(values)
    patterns: dict[tuple[str, tuple[int, ...]], int] = {}
    seen: dict[str, tuple[int, list[int]]] = {}  # villages repeat sentences: each is split once
    row_pattern: list[int] = []
    row_numbers: list[list[int]] = []
    for v in values:
        if v is None:
            row_pattern.append(-1)
            continue
        if v not in seen:
            pattern_text, decimals, found = _split_numbers(v)
            seen[v] = (patterns.setdefault((pattern_text, decimals), len(patterns)), found)
        pattern, numbers_ = seen[v]
        row_pattern.append(pattern)
        row_numbers.append(numbers_)
    if len(patterns) > max(16, len(values) // 4):
        return texts(values)
    return _pattern_column(list(patterns), np.array(row_pattern, np.int64), row_numbers)


def _split_numbers(text: str) -> tuple[str, tuple[int, ...], list[int]]:
    """The text with a slot for each number, the numbers' decimals, and the numbers as integers (a number
    of more than 15 digits stays in the text: the page holds integers below 2**53 exactly).
    """
    parts = _NUMBER.split(text)  # text, whole, decimals (or None), text, …
    pattern, decimals, found = parts[0], [], []
    for whole, dec, after in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        digits = whole + (dec or "")
        if len(digits) > 15:
            pattern += (f"{whole}.{dec}" if dec else whole) + after
            continue
        pattern += _SLOT + after
        decimals.append(len(dec or ""))
        found.append(int(digits))
    return pattern, tuple(decimals), found


def _pattern_column(keys: list[tuple[str, tuple[int, ...]]], row_pattern: np.ndarray,
                    row_numbers: list[list[int]]) -> dict:
    """The ``tpl`` column: numbers equal in every row of a pattern are written into it, the others are slots
    (a number's decimals are part of its pattern, so equal integers are equal texts).
    """
    rows_of: list[list[list[int]]] = [[] for _ in keys]
    for nums, p in zip(row_numbers, row_pattern[row_pattern >= 0].tolist(), strict=True):
        rows_of[p].append(nums)
    texts_out, slots_out = [], []
    for (pattern, decimals), rows in zip(keys, rows_of, strict=True):
        table = np.array(rows, np.int64).reshape(len(rows), len(decimals))
        pieces = pattern.split(_SLOT)
        text, slots = pieces[0], []
        for j, dec in enumerate(decimals):
            column = table[:, j]
            if (column == column[0]).all():
                text += _with_point(int(column[0]), dec)
            else:
                lo = int(column.min())
                slots.append({"d": dec, "lo": lo, "v": pack(column - lo)})
                text += _SLOT
            text += pieces[j + 1]
        texts_out.append(text)
        slots_out.append(slots)
    return {"enc": "tpl", "tpl": texts_out, "v": pack(row_pattern + 1), "slots": slots_out}


def _with_point(value: int, decimals: int) -> str:
    """``value`` × 10**-``decimals`` written with exactly ``decimals`` decimals (as the text had it)."""
    digits = str(value).rjust(decimals + 1, "0")
    return f"{digits[:-decimals]}.{digits[-decimals:]}" if decimals else digits


def same(layer: str) -> dict:
    """A column read from the same-named column of ``layer``."""
    return {"enc": "same", "layer": layer}


# --------------------------------------------------------------------------------------------- decoding
def decode(column: dict) -> list[Any]:
    """The values of a column as the page shows them (``same`` columns cannot be decoded on their own).

    Parameters
    ----------
    column : dict
        From :func:`numbers`, :func:`codes`, :func:`texts`, :func:`deltas` or :func:`templated`.

    Returns
    -------
    list
        Numbers (``num``: int without decimals), strings, None for null.
    """
    enc = column["enc"]
    if enc == "num":
        raw = unpack(column["v"])
        div = column["div"]
        return [None if c == 0 else (int(c - 1 + column["lo"]) if div == 1 else (c - 1 + column["lo"]) / div)
                for c in raw.tolist()]
    if enc == "dict":
        return [None if c == 0 else column["dict"][c - 1] for c in unpack(column["v"]).tolist()]
    if enc == "delta":
        raw = unpack(column["v"])
        at = np.cumsum(np.where(raw > 0, unzigzag(np.maximum(raw - 1, 0)), 0))
        return [None if c == 0 else int(a) for c, a in zip(raw.tolist(), at.tolist(), strict=True)]
    if enc == "text":
        return _decode_texts(column)
    if enc == "tpl":
        return _decode_templated(column)
    raise ValueError(f"cannot decode a {enc!r} column on its own")


def _decode_texts(column: dict) -> list[str | None]:
    units = column["s"].encode("utf-16-le")
    out: list[str | None] = []
    prev, pos = b"", 0
    for shared, size in zip(unpack(column["pre"]).tolist(), unpack(column["len"]).tolist(), strict=True):
        if size == 0:
            out.append(None)
            continue
        prev = prev[:2 * shared] + units[pos:pos + 2 * (size - 1)]
        pos += 2 * (size - 1)
        out.append(prev.decode("utf-16-le"))
    return out


def _decode_templated(column: dict) -> list[str | None]:
    slots = [[(s["d"], s["lo"], iter(unpack(s["v"]).tolist())) for s in pattern] for pattern in column["slots"]]
    out: list[str | None] = []
    for p in unpack(column["v"]).tolist():
        if p == 0:
            out.append(None)
            continue
        pieces = column["tpl"][p - 1].split(_SLOT)
        filled = [_with_point(next(it) + lo, d) for d, lo, it in slots[p - 1]]
        out.append(pieces[0] + "".join(n + piece for n, piece in zip(filled, pieces[1:], strict=True)))
    return out
