"""The map legend that ``map.html`` and the notebook map share: village classes, colours, targets, major roads.

One place for what a reader of either map sees, so the two never drift; it depends on nothing above
:mod:`ruralenv.core.base`.
"""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from . import glossary, schema
from ._errors import RuralEnvError
from .values import is_missing, yes_no

#: Colour of each collection model on the maps.
MODEL_COLOURS = {"county_process": "#1f78b4", "town_transfer": "#33a02c", "village_collect": "#e66101"}
#: Region-view roads are simplified to this many metres (both maps).
OVERVIEW_SIMPLIFY_M = 100.0
#: Grades drawn in the region view whatever their surface: ``grade`` (Chinese road classes) or ``highway`` (OSM).
MAJOR_GRADES = frozenset({"高速公路", "高速", "国道", "省道", "县道", "乡道", "motorway", "motorway_link", "trunk",
                          "trunk_link", "primary", "primary_link", "secondary", "secondary_link", "tertiary",
                          "tertiary_link"})



def major_roads(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Roads drawn in the region view whatever their surface (:data:`MAJOR_GRADES` by ``grade`` or ``highway``)."""
    out = np.zeros(len(gdf), bool)
    for col in ("grade", "highway"):
        if col in gdf.columns:
            out |= gdf[col].isin(MAJOR_GRADES).to_numpy(bool)
    return out


def plan_targets(summary: dict) -> dict[str, float]:
    """Plan targets in percent, from the run's settings (the plan's numbers when unknown)."""
    from .config import Config

    cfg = {**Config().as_dict(), **summary.get("config", {})}
    return {k: round(100.0 * float(cfg[f"target_{k}"]), 2)
            for k in ("waste_2023", "waste_2025", "roads_2023", "roads_2025", "sewage_2023", "sewage_2025")}


def short_label(label: str) -> str:
    """The name part of a model label (before its parenthesised chain or colon)."""
    return re.split(r"[（:(]", label, maxsplit=1)[0].strip()


def village_category(df: pd.DataFrame) -> list[str]:
    """The map class of each village.

    ``unreachable`` (an ``unreachable_reason``) comes first, then ``out_of_scope`` (``in_scope`` false),
    then ``<model>_covered`` / ``<model>_uncovered``, and ``no_model`` when none was assigned.

    Parameters
    ----------
    df : DataFrame
        The ``villages`` layer of results.gpkg.

    Returns
    -------
    list of str
    """
    missing = [n for n in ("collection_model", "in_scope", "covered", "unreachable_reason") if n not in df.columns]
    if missing:
        raise RuralEnvError(f"layer 'villages' lacks field(s) {', '.join(missing)}; map a results.gpkg "
                            "written by ruralenv run")
    out = []
    for model, scope, covered, reason in zip(df["collection_model"], df["in_scope"], df["covered"],
                                             df["unreachable_reason"], strict=True):
        if not is_missing(reason) and reason != "":
            out.append("unreachable")
        elif yes_no(scope, strict=False) is False:
            out.append("out_of_scope")
        elif model in MODEL_COLOURS:
            out.append(f"{model}_{'covered' if yes_no(covered, strict=False) else 'uncovered'}")
        else:
            out.append("no_model")
    return out


def village_classes(lang: int) -> tuple[tuple[str, ...], dict[str, dict], dict[str, str]]:
    """The village legend: class keys in order, their point styles and labels (``lang`` 0 zh, 1 en)."""
    labels_by_model = schema.MODEL_LABELS_ZH if lang == 0 else schema.MODEL_LABELS_EN
    covered_word = glossary.label("covered", lang)
    uncovered_word = glossary.label("not_covered", lang)
    order, styles, labels = [], {}, {}
    for model, colour in MODEL_COLOURS.items():
        for state, word in (("covered", covered_word), ("uncovered", uncovered_word)):
            key = f"{model}_{state}"
            order.append(key)
            styles[key] = {"shape": "circle", "radius": 4.5, "color": colour, "weight": 1.5 if state == "covered" else 2,
                           "fillColor": colour if state == "covered" else "#ffffff", "fillOpacity": 0.9}
            name = short_label(labels_by_model[model])
            labels[key] = f"{name}（{word}）" if lang == 0 else f"{name} · {word}"
    extra = {
        "unreachable": ({"shape": "triangle", "radius": 5.5, "color": "#000000", "weight": 1,
                         "fillColor": "#e31a1c", "fillOpacity": 0.95}, (glossary.zh("unreachable"),
                                                                         glossary.en("unreachable"))),
        "out_of_scope": ({"shape": "circle", "radius": 3, "color": "#8c8c8c", "weight": 1,
                          "fillColor": "#bdbdbd", "fillOpacity": 0.5}, (glossary.zh("out_of_scope"),
                                                                       glossary.en("out_of_scope"))),
        "no_model": ({"shape": "square", "radius": 3.5, "color": "#555555", "weight": 1,
                      "fillColor": "#999999", "fillOpacity": 0.8}, ("未确定模式", "no model")),
    }
    for key, (style, words) in extra.items():
        order.append(key)
        styles[key] = style
        labels[key] = words[lang]
    return tuple(order), styles, labels
