"""Values as planners type them: the one yes/no parser and the one text converter."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .schema import FALSE_WORDS, TRUE_WORDS

#: Floats at least this large are not written as integers (they no longer hold every integer exactly).
_LARGEST_WHOLE = 1e15


def is_missing(value: Any) -> bool:
    """None, NaN, pandas NA or NaT."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def yes_no(value: Any, strict: bool = True) -> bool | None:
    """A yes/no value (bool, 0/1, or a word such as "True", "是", "否") → bool; None when missing or blank.

    Parameters
    ----------
    value : object
        As read from a file or stored in a GeoPackage.
    strict : bool
        Raise on a value that is neither yes nor no; with ``strict=False`` it reads as None.

    Returns
    -------
    bool or None

    Raises
    ------
    ValueError
        ``strict`` and the value is neither yes nor no (e.g. ``"maybe"``, ``2``).
    """
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    word = str(value).strip().lower()
    if word.endswith(".0"):
        word = word[:-2]
    if word == "":
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if strict:
        raise ValueError(f"'{value}' is not yes/no (1/0, 是/否, true/false)")
    return None


def flag_array(values: Iterable[Any]) -> np.ndarray:
    """Booleans of yes/no values, missing and unknown values as False."""
    return np.array([yes_no(v, strict=False) is True for v in values], dtype=bool)


def flag_column(table: pd.DataFrame, col: str) -> np.ndarray:
    """A yes/no column of a table as booleans: True (or 1) is yes; False, missing and absent are no."""
    if col not in table:
        return np.zeros(len(table), bool)
    values = table[col].to_numpy()
    return values if values.dtype == bool else flag_array(values)


def number_column(table: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column of a table as floats (all NaN when the table has no such column)."""
    return table[col].to_numpy(float) if col in table else np.full(len(table), np.nan)


def text(values: pd.Series) -> pd.Series:
    """Values as trimmed text; None for missing or blank. Whole-number floats lose their ``.0`` (codes read
    as numbers from spreadsheets and DBF files).

    Each distinct value is converted once (road layers repeat a handful of surface values a million times).

    Parameters
    ----------
    values : Series

    Returns
    -------
    Series
        Of dtype object, same index.
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    table = np.array([_text_of(v) for v in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def _text_of(value: Any) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(float(value)) < _LARGEST_WHOLE:
        return str(int(value))
    return str(value).strip() or None


def key_numbers(pairs: Iterable[str]) -> tuple[dict[str, float], list[str]]:
    """``("key=number", …)`` as ``{key: number}``, and the pairs that are not ``key=finite number``.

    The one reader of the settings given as pairs (surface speeds, unit costs); each caller says what range
    its numbers must lie in and names its setting in the error.
    """
    out: dict[str, float] = {}
    bad: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not key.strip() or not np.isfinite(number):
            bad.append(pair)
        else:
            out[key.strip()] = number
    return out, bad
