"""A small map of one county's village changes as inline SVG (report.html) — no tiles, no script.

Villages are drawn in the run's metric CRS, north up, inside the county's outline; each class of change is one
``<path>`` of round dots (so a county of a thousand villages stays a few kilobytes).
"""
from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..base.glossary import en, zh

#: Change classes drawn, most telling first: key → (colour, dot size px, 中文, English).
CHANGE_CLASSES: dict[str, tuple[str, float, str, str]] = {
    "removed": ("#000000", 6.0, zh("change_removed"), en("change_removed")),
    "added": ("#6a3d9a", 6.0, zh("change_added"), en("change_added")),
    "lost": ("#e31a1c", 6.0, "有指标退步（覆盖、通路、污水、厕所）", "something lost (coverage, access, sewage, toilets)"),
    "gained": ("#33a02c", 5.0, "有指标进步", "something gained"),
    "recoded": ("#1f78b4", 5.0, zh("change_recoded"), en("change_recoded")),
    "moved": ("#ff7f00", 5.0, zh("change_moved"), en("change_moved")),
    "unchanged": ("#bdbdbd", 2.5, zh("change_unchanged"), en("change_unchanged")),
}
LOSS_FLAGS = ("covered_lost", "access_lost", "sewage_treated_lost")
GAIN_FLAGS = ("covered_gained", "access_gained", "sewage_treated_gained")


def change_class(rows: pd.DataFrame) -> np.ndarray:
    """The map class of each row of ``village_changes`` (see :data:`CHANGE_CLASSES`)."""
    change = rows["change"].to_numpy(object)
    toilets = rows["toilets_added"].to_numpy(float)
    lost = np.logical_or.reduce([rows[f].to_numpy(bool) for f in LOSS_FLAGS]) | (toilets < 0)
    gained = np.logical_or.reduce([rows[f].to_numpy(bool) for f in GAIN_FLAGS]) | (toilets > 0)
    return np.select([change == "removed", change == "added", lost, gained, change == "recoded",
                      rows["moved"].to_numpy(bool)],
                     ["removed", "added", "lost", "gained", "recoded", "moved"], "unchanged")


#: Facility changes drawn as squares: change → (fill, stroke, 中文, English).
FACILITY_CLASSES: dict[str, tuple[str, str, str, str]] = {
    "added": ("#33a02c", "#000000", "新建设施", "facility added"),
    "closed": ("#ffffff", "#e31a1c", "关停设施", "facility closed"),
}


def change_map_svg(rows: pd.DataFrame, outline: Any | None, lang: int = 0, size: int = 320,
                   facilities: pd.DataFrame | None = None) -> str:
    """The villages of one county and one year pair, coloured by :func:`change_class`, as an ``<svg>``.

    Parameters
    ----------
    rows : GeoDataFrame
        The county's rows of ``village_changes`` for one year pair.
    outline : shapely geometry or None
        The county's outline in the same CRS.
    facilities : GeoDataFrame, optional
        The county's rows of ``facility_changes`` for the same pair (squares).
    lang : int
        0: Chinese legend, 1: English.
    """
    geoms = rows.geometry.to_numpy()
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    bounds = list(shapely.bounds(outline)) if outline is not None and not shapely.is_empty(outline) else \
        [np.nanmin(x), np.nanmin(y), np.nanmax(x), np.nanmax(y)] if len(rows) else [0, 0, 1, 1]
    w = max(bounds[2] - bounds[0], 1.0)
    h = max(bounds[3] - bounds[1], 1.0)
    scale = (size - 20) / max(w, h)
    width, height = round(w * scale + 20), round(h * scale + 20)

    def px(xs: np.ndarray) -> np.ndarray:
        return np.round(10 + (xs - bounds[0]) * scale, 1)

    def py(ys: np.ndarray) -> np.ndarray:
        return np.round(10 + (bounds[3] - ys) * scale, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    if outline is not None and not shapely.is_empty(outline):
        parts.append(f'<path d="{_outline_path(outline, px, py)}" fill="#f7f7f2" stroke="#666" stroke-width="1"/>')
    classes = change_class(rows) if len(rows) else np.array([], object)
    for key in reversed(list(CHANGE_CLASSES)):
        sel = classes == key
        if not sel.any():
            continue
        colour, dot, zh, en = CHANGE_CLASSES[key]
        d = "".join(f"M{a} {b}h0" for a, b in zip(px(x[sel]), py(y[sel]), strict=True))
        parts.append(f'<path class="c-{key}" d="{d}" stroke="{colour}" stroke-width="{dot}" stroke-linecap="round" '
                     f'fill="none"><title>{escape((zh, en)[lang])}: {int(sel.sum())}</title></path>')
    if facilities is not None and len(facilities):
        fx, fy = px(shapely.get_x(facilities.geometry.to_numpy())), py(shapely.get_y(facilities.geometry.to_numpy()))
        for change, a, b in zip(facilities["change"], fx, fy, strict=True):
            fill, stroke, zh, en = FACILITY_CLASSES.get(change, FACILITY_CLASSES["added"])
            parts.append(f'<rect class="f-{escape(str(change))}" x="{a - 5}" y="{b - 5}" width="10" height="10" '
                         f'fill="{fill}" stroke="{stroke}" stroke-width="2"><title>{escape((zh, en)[lang])}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _outline_path(geom: Any, px, py) -> str:
    simplified = shapely.simplify(geom, tolerance=max(1.0, shapely.length(geom) / 2000.0))
    d = []
    for ring in _rings(simplified):
        xy = shapely.get_coordinates(ring)
        xs, ys = px(xy[:, 0]), py(xy[:, 1])
        d.append("M" + "L".join(f"{a} {b}" for a, b in zip(xs, ys, strict=True)) + "Z")
    return "".join(d)


def _rings(geom: Any) -> list[Any]:
    polys = shapely.get_parts(geom)
    out = []
    for p in polys:
        if shapely.get_type_id(p) == 3:
            out.append(shapely.get_exterior_ring(p))
            out.extend(shapely.get_interior_ring(p, i) for i in range(shapely.get_num_interior_rings(p)))
    return out


def legend_html(lang: int = 0) -> str:
    """The map legend as HTML (a dot and a label per class)."""
    items = "".join(f'<span class="lg"><i style="background:{c}"></i>{escape((zh, en)[lang])}</span>'
                    for c, _, zh, en in CHANGE_CLASSES.values())
    items += "".join(f'<span class="lg"><i style="background:{fill};border:2px solid {stroke};border-radius:0">'
                     f'</i>{escape((zh, en)[lang])}</span>' for fill, stroke, zh, en in FACILITY_CLASSES.values())
    return f'<div class="legend">{items}</div>'
