"""The fields of the village status form, shared by the form writer, the status import and apply.

One table says, per field of the ``village_status`` form: its Chinese and English title, its kind
(``text``, ``count``, ``yes_no``, ``surface``, ``date``), whether it is a current value (read-only) or an
observation, and for observations the villages field it changes. Headers of a returned form are matched
through the same table, so Chinese titles, English names and the bilingual title are all accepted.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..base.config import DEFAULT_HARDENED_SURFACES, DEFAULT_UNHARDENED_SURFACES

FORM_LAYER = "village_status"
UPDATES_LAYER = "village_status_updates"
YES, NO = "是", "否"
YES_NO = (YES, NO)
#: Largest count accepted for households and sanitary toilets of one village (a range, not a rule of the plan:
#: the largest 嘎查村 of the region have a few thousand households).
MAX_HOUSEHOLDS = 20_000
MAX_RESIDENTS = 100_000
#: Largest count accepted per observed villages field.
MAX_OF: dict[str, int] = {"households": MAX_HOUSEHOLDS, "resident_population": MAX_RESIDENTS,
                          "sanitary_toilet_households": MAX_HOUSEHOLDS}
#: Earliest survey date accepted (the five-year programme starts in 2021).
EARLIEST_DATE = "2021-01-01"


@dataclass(frozen=True)
class FormField:
    """One field of the form.

    Attributes
    ----------
    name : str
        Field name in form.gpkg, form.xlsx and returned CSVs.
    zh, en : str
        Titles.
    kind : str
        ``text``, ``count``, ``yes_no``, ``surface``, ``date``, ``code`` or ``number``.
    target : str or None
        For an observation, the villages field it changes.
    current : str or None
        For an observation, the form field holding the current value shown beside it.
    """

    name: str
    zh: str
    en: str
    kind: str
    target: str | None = None
    current: str | None = None

    @property
    def title(self) -> str:
        """``中文 English``."""
        return f"{self.zh} {self.en}"


CURRENT_FIELDS: tuple[FormField, ...] = (
    FormField("village_code", "村代码", "village code", "code"),
    FormField("name", "村名", "village name", "text"),
    FormField("town_code", "苏木乡镇代码", "township code", "code"),
    FormField("households", "户数（现值）", "households (current)", "count"),
    FormField("resident_population", "常住人口（现值）", "residents (current)", "count"),
    FormField("sanitary_toilet_households", "卫生厕所户数（现值）", "households with a sanitary toilet (current)",
              "count"),
    FormField("sewage_treated", "生活污水已治理（现值）", "sewage treated (current)", "yes_no"),
    FormField("collection_model", "收运处置模式（现值）", "collection model (current)", "text"),
    FormField("covered", "纳入收运处置体系（现值）", "covered by the waste system (current)", "yes_no"),
    FormField("hardened_access", "通硬化路（现值）", "hardened road access (current)", "yes_no"),
)
OBS_FIELDS: tuple[FormField, ...] = (
    FormField("obs_households", "户数（调查）", "households (observed)", "count", "households", "households"),
    FormField("obs_resident_population", "常住人口（调查）", "residents (observed)", "count", "resident_population",
              "resident_population"),
    FormField("obs_sanitary_toilet_households", "卫生厕所户数（调查）", "households with a sanitary toilet (observed)",
              "count", "sanitary_toilet_households", "sanitary_toilet_households"),
    FormField("obs_sewage_treated", "生活污水已治理（调查）", "sewage treated (observed)", "yes_no", "sewage_treated",
              "sewage_treated"),
    FormField("obs_waste_collected", "生活垃圾已收运（调查）", "household waste collected (observed)", "yes_no",
              "waste_collected", "covered"),
    FormField("obs_road_surface", "进村道路路面（调查）", "surface of the road into the village (observed)", "surface",
              "road_surface", "hardened_access"),
)
META_FIELDS: tuple[FormField, ...] = (
    FormField("surveyor", "调查人", "surveyor", "text"),
    FormField("survey_date", "调查日期", "survey date", "date"),
    FormField("remarks", "备注", "remarks", "text"),
    FormField("photo", "照片", "photo", "text"),
)
ALL_FIELDS: tuple[FormField, ...] = CURRENT_FIELDS + OBS_FIELDS + META_FIELDS
BY_NAME: dict[str, FormField] = {f.name: f for f in ALL_FIELDS}
OBS_BY_TARGET: dict[str, FormField] = {f.target: f for f in OBS_FIELDS if f.target}

_SPACE = re.compile(r"[\s_\-.:：/（）()]+")


def _key(text: object) -> str:
    return _SPACE.sub("", str(text)).lower()


#: Header (reduced by :func:`_key`) → field name: English name, Chinese title, bilingual title, and the
#: Chinese title without its bracket (e.g. 户数 for obs_households is ambiguous and so left out).
_HEADER_NAMES: dict[str, str] = {}
for _f in ALL_FIELDS:
    for _h in (_f.name, _f.zh, _f.title, _f.en):
        _HEADER_NAMES.setdefault(_key(_h), _f.name)
_HEADER_NAMES.update({_key(h): "village_code" for h in ("村庄代码", "村编码", "行政区划代码", "统计用区划代码", "code")})
_HEADER_NAMES.update({_key(h): "survey_date" for h in ("日期", "调查时间", "date")})
_HEADER_NAMES.update({_key(h): "remarks" for h in ("说明", "remark", "note", "notes")})


def field_of_header(header: object) -> str | None:
    """The form field a returned file's column header names, or None."""
    if header is None:
        return None
    return _HEADER_NAMES.get(_key(header))


def surface_vocabulary(results: Path) -> tuple[str, ...]:
    """The run's road surface values (hardened first): from the summary.json beside RESULTS.gpkg, else defaults."""
    hard, soft = DEFAULT_HARDENED_SURFACES, DEFAULT_UNHARDENED_SURFACES
    summary = Path(results).with_name("summary.json")
    if summary.is_file():
        try:
            config = json.loads(summary.read_text(encoding="utf-8")).get("config", {})
            hard = tuple(config.get("hardened_surfaces", hard))
            soft = tuple(config.get("unhardened_surfaces", soft))
        except (ValueError, OSError, AttributeError):
            pass  # an unreadable summary: the defaults, as a run without settings would use
    return tuple(dict.fromkeys([*hard, *soft]))
