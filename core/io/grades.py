"""The two gradings of Chinese road data, kept apart: 行政等级 (administrative class: 国道 … 村道, 专用公路) and
技术等级 (technical grade, JTG B01-2014: 高速公路, 一级 … 四级, 等外).

Road files often give one field for both (``grade``, 道路等级). Each value goes where it belongs: an
administrative class to ``admin_class``, a technical grade to ``tech_grade``. The administrative class may
also come from the route number (``ref`` G109 → 国道, S215 → 省道, X601 → 县道, Y012 → 乡道, C003 → 村道, Z… →
专用公路). OpenStreetMap has no technical grade: it stays unknown unless ``tech_grade_from_highway`` maps the
``highway`` class onto one (an assumption, said in a warning).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base import schema

_REF = re.compile(r"^\s*([GSXYCZ])\s*\d", re.IGNORECASE)


@dataclass(frozen=True)
class Gradings:
    """Per road: canonical ``admin_class`` and ``tech_grade`` (None: unknown), and where they came from.

    Attributes
    ----------
    admin_class, tech_grade : ndarray of object
    from_ref : ndarray of bool
        The administrative class was inferred from the route number.
    from_highway : ndarray of bool
        The technical grade was mapped from the OSM ``highway`` class.
    unknown : list of (int, str, str)
        (row, field, value) of values of ``admin_class`` / ``tech_grade`` found in neither table.
    """

    admin_class: np.ndarray
    tech_grade: np.ndarray
    from_ref: np.ndarray
    from_highway: np.ndarray
    unknown: list[tuple[int, str, str]]

    @property
    def class3(self) -> np.ndarray:
        """Per road: technical grade 三级 or better (高速公路, 一级, 二级, 三级)."""
        return np.isin(self.tech_grade, list(schema.CLASS3_OR_BETTER))


def _canon(values: pd.Series, *tables: dict[str, str]) -> tuple[np.ndarray, ...]:
    """Per table: the canonical value of each entry in it (matched trimmed, lower case), None elsewhere (the
    distinct values are found once for every table).
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return tuple(np.array([*(t.get(str(u).strip().lower()) or t.get(str(u).strip()) for u in uniques), None],
                          dtype=object)[codes] for t in tables)


def admin_from_ref(ref: pd.Series) -> np.ndarray:
    """行政等级 from a route number's first letter (``G109`` → 国道); None when the number has no known prefix.

    OSM joins several numbers with ``;`` (``G109;S215``): the first one decides (the road's highest class).
    """
    def one(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        m = _REF.match(str(value).split(";")[0])
        return schema.REF_PREFIX_ADMIN[m.group(1).upper()] if m else None

    codes, uniques = pd.factorize(ref.astype(object), use_na_sentinel=True)
    return np.array([one(u) for u in uniques] + [None], dtype=object)[codes]


def _column(gdf: pd.DataFrame, name: str) -> pd.Series:
    return gdf[name] if name in gdf.columns else pd.Series(None, index=gdf.index, dtype=object)


def _first(*arrays: np.ndarray) -> np.ndarray:
    """Element-wise first non-None value."""
    out = arrays[0].copy()
    for a in arrays[1:]:
        empty = pd.isna(out)
        out[empty] = a[empty]
    return out


def road_gradings(gdf: pd.DataFrame, tech_grade_from_highway: bool = False) -> Gradings:
    """Split the gradings of a roads table into ``admin_class`` and ``tech_grade``.

    Parameters
    ----------
    gdf : DataFrame
        Roads with any of ``admin_class``, ``tech_grade``, ``grade`` (either grading), ``ref``, ``highway``.
    tech_grade_from_highway : bool
        Map the OSM ``highway`` class onto a technical grade (:data:`.schema.HIGHWAY_TECH_GRADE`) where no
        technical grade is given.

    Returns
    -------
    Gradings
    """
    admin_raw, tech_raw, grade = _column(gdf, "admin_class"), _column(gdf, "tech_grade"), _column(gdf, "grade")
    tables = (schema.ADMIN_CLASS_VALUES, schema.TECH_GRADE_VALUES)
    (a_admin, a_tech), (t_admin, t_tech), (g_admin, g_tech) = (_canon(c, *tables) for c in (admin_raw, tech_raw, grade))
    unknown = []
    for name, raw, admin, tech in (("admin_class", admin_raw, a_admin, a_tech), ("tech_grade", tech_raw, t_admin, t_tech)):
        bad = raw.notna().to_numpy() & pd.isna(admin) & pd.isna(tech)
        unknown += [(int(i), name, str(raw.iloc[i])) for i in np.flatnonzero(bad)]
    given_admin = _first(a_admin, g_admin, t_admin)  # a column's values may be the other grading
    by_ref = admin_from_ref(_column(gdf, "ref"))
    admin = _first(given_admin, by_ref)
    from_ref = pd.isna(given_admin) & pd.notna(by_ref)
    tech = _first(t_tech, g_tech, a_tech)
    from_highway = np.zeros(len(gdf), bool)
    if tech_grade_from_highway and "highway" in gdf.columns:
        (by_highway,) = _canon(gdf["highway"], schema.HIGHWAY_TECH_GRADE)
        from_highway = pd.isna(tech) & pd.notna(by_highway)
        tech = _first(tech, by_highway)
    return Gradings(admin, tech, np.asarray(from_ref, bool), from_highway, unknown)


def legacy_grade(gdf: pd.DataFrame) -> pd.Series | None:
    """The one road class today's hardening rules read when a file has no ``grade`` field: its
    ``admin_class`` value, else its ``tech_grade`` value (files that named the field 行政等级 or 技术等级 before
    the two were told apart run as they did). None when the file has neither.
    """
    if "grade" in gdf.columns or not ({"admin_class", "tech_grade"} & set(gdf.columns)):
        return None
    return _column(gdf, "admin_class").where(_column(gdf, "admin_class").notna(), _column(gdf, "tech_grade"))
