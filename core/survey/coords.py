"""Parse coordinate values as survey teams write them.

Decimal degrees (``111.504``, ``-3.5``), degrees-minutes-seconds (``111°30'15.2"E``, ``111度30分15.2秒``,
``E111 30 15.2``, ``北纬39°48.5'``, full-width characters) and projected metres are all accepted. Numbers
take a vectorised fast path; only values that are not plain numbers go through the DMS parser, so a
100,000-row CSV of decimal degrees parses in milliseconds.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

_HEMISPHERES = {"e": "E", "w": "W", "n": "N", "s": "S", "东经": "E", "西经": "W", "北纬": "N", "南纬": "S",
                "东": "E", "西": "W", "北": "N", "南": "S"}
_HEMI_RE = "东经|西经|北纬|南纬|[东西南北]|[NSEWnsew]"
_LEAD = re.compile(rf"^\s*({_HEMI_RE})\s*")
_TRAIL = re.compile(rf"\s*({_HEMI_RE})\s*$")
_BODY = re.compile(r"[\d.\s°º˚'′’\"″”:]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CHINESE_UNITS = str.maketrans({"度": "°", "分": "'", "秒": '"'})


@dataclass
class Axis:
    """One parsed coordinate column.

    Attributes
    ----------
    value : ndarray of float64
        Parsed values (NaN where unparseable or missing).
    hemisphere : ndarray of str
        ``"E"``, ``"W"``, ``"N"``, ``"S"`` when the value carried a hemisphere letter, else ``""``.
    error : ndarray of object
        None, or why the value cannot be used.
    impossible : ndarray of bool
        True where the error is an impossible value (minutes ≥ 60, …) rather than unreadable text.
    """

    value: np.ndarray
    hemisphere: np.ndarray
    error: np.ndarray
    impossible: np.ndarray


def parse_axis(values: pd.Series, column: str) -> Axis:
    """Parse a column of coordinates (numbers or text).

    Parameters
    ----------
    values : Series
        Raw values: floats, ints, strings or None.
    column : str
        Column name, used in error messages.

    Returns
    -------
    Axis
    """
    n = len(values)
    number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    hemisphere = np.full(n, "", dtype=object)
    error = np.full(n, None, dtype=object)
    impossible = np.zeros(n, dtype=bool)
    raw = values.to_numpy(dtype=object)
    missing = pd.isna(values).to_numpy()
    error[missing] = f"{column} is missing"
    for i in np.flatnonzero(np.isnan(number) & ~missing):
        value, hemi, problem, bad = parse_dms(str(raw[i]))
        number[i], hemisphere[i] = value, hemi
        if problem:
            error[i] = f"{column} {problem}"
            impossible[i] = bad
    infinite = np.isinf(number)
    error[infinite] = f"{column} is not finite"
    impossible |= infinite
    number[infinite] = np.nan
    return Axis(number, hemisphere, error, impossible)


def parse_dms(text: str) -> tuple[float, str, str | None, bool]:
    """Parse one coordinate written in degrees[, minutes[, seconds]] with an optional hemisphere.

    Parameters
    ----------
    text : str
        E.g. ``111°30'15.2"E``, ``111度30分15.2秒``, ``N 39 48 30``, ``-111.5``, ``东经111.5``.

    Returns
    -------
    (float, str, str or None, bool)
        Value in degrees (negative for S/W or a minus sign; NaN on failure), hemisphere letter or ``""``,
        the problem (None when fine) and whether the problem is an impossible value rather than text
        that cannot be read.
    """
    t = unicodedata.normalize("NFKC", text).translate(_CHINESE_UNITS).strip()
    hemi = ""
    for pattern in (_LEAD, _TRAIL):
        m = pattern.search(t)
        if m:
            if hemi:
                return np.nan, "", f"'{text}' has two hemisphere letters", False
            hemi = _HEMISPHERES[m.group(1).lower()]
            t = (t[: m.start()] + t[m.end():]).strip()
    sign = -1.0 if t.startswith("-") else 1.0
    t = t.lstrip("+-").strip()
    if not t or not _BODY.fullmatch(t):
        return np.nan, "", f"'{text}' is not a coordinate", False
    parts = _NUMBER.findall(t)
    if not 1 <= len(parts) <= 3 or any("." in p for p in parts[:-1]):
        return np.nan, "", f"'{text}' is not a coordinate", False
    deg, minutes, seconds = (float(p) for p in parts + ["0"] * (3 - len(parts)))
    if minutes >= 60 or seconds >= 60:
        return np.nan, hemi, f"'{text}' is impossible (minutes and seconds must be below 60)", True
    value = deg + minutes / 60.0 + seconds / 3600.0
    if hemi in ("S", "W"):
        sign = -1.0
    return sign * value, hemi, None, False


def metre_kind(values: np.ndarray) -> np.ndarray:
    """Classify projected values: ``northing``, ``easting_zone`` (zone number prefixed), ``easting`` or ``""``.

    Northings of China lie between 1,000 km and 6,500 km; Gauss-Krüger eastings without a zone number
    between 100 km and 1,000 km; with a zone number (13–23 for 6° zones, 25–45 for 3° zones) between
    13,000 km and 47,000 km. The ranges do not overlap, so a column's role is read from its values.
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, "", dtype=object)
    out[(v >= 1e6) & (v <= 6.5e6)] = "northing"
    out[(v >= 13e6) & (v < 47e6)] = "easting_zone"
    out[(v >= 1e5) & (v < 1e6)] = "easting"
    return out


def gk_zone_epsg(easting_with_zone: np.ndarray) -> np.ndarray:
    """EPSG code of the CGCS2000 Gauss-Krüger zone named by the leading digits of prefixed eastings.

    Zones 13–23 are 6° zones (EPSG:4491–4501), zones 25–45 are 3° zones (EPSG:4513–4533); any other
    prefix gives 0.
    """
    zone = np.floor(np.asarray(easting_with_zone, dtype=np.float64) / 1e6)
    epsg = np.zeros(zone.shape, dtype=np.int64)
    six = (zone >= 13) & (zone <= 23)
    three = (zone >= 25) & (zone <= 45)
    epsg[six] = 4491 + (zone[six] - 13).astype(np.int64)
    epsg[three] = 4513 + (zone[three] - 25).astype(np.int64)
    return epsg
