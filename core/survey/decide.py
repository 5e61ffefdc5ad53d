"""Decide each file's coordinate system and datum, correct swapped axes and convert to WGS 84.

Order of evidence for degrees (the first that applies decides, and the report says which):

1. ``--crs`` given by the user;
2. a datum named in the file (headers, metadata, layer or field names: ``GCJ-02``, ``BD-09``, ``WGS84``,
   ``CGCS2000``), else an application known for one (奥维/Ovital, 高德 → GCJ-02; 百度 → BD-09);
3. GPX: WGS 84 by specification;
4. the villages: read as WGS 84, GCJ-02 and BD-09, the points lie a median distance from the nearest
   village; a reading at most half as far as every other one decides (offsets are 300–700 m in Inner
   Mongolia, surveyed points usually lie within a few hundred metres of a village);
5. the CRS the file declares, or its format prescribes (KML, GeoJSON: WGS 84);
6. WGS 84 (what GPS receivers record).

Metres: a declared projected CRS; else eastings carrying a zone number (``37512345.6``) name their
CGCS2000 Gauss-Krüger zone (3° zones 25–45: EPSG:4513–4533; 6° zones 13–23: EPSG:4491–4501); else
the candidate zone (villages' CRS, 3° and 6° GK zone, UTM zone at the villages) that puts the most
points in the study area. Chinese surveyors' X is northing and Y easting: the columns' roles are read
from their values.

Swapped latitude/longitude is corrected per row (hemisphere letters, ``|lat| > 90``, or only the swapped
reading lying in the study area) and reported as a warning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from ..base import datum as datums
from ..base._errors import ConfigError
from .coords import gk_zone_epsg, metre_kind, parse_axis
from .hints import strongest
from .readers import RawFile
from .safety import refuse
from .villages import VillageIndex

DATUM_NAMES = {"wgs84": "WGS 84", "gcj02": "GCJ-02", "bd09": "BD-09", "cgcs2000": "CGCS2000"}
POINT_KINDS = ("waypoint", "routepoint", "trackpoint", "placemark", "row", "feature")
STAT_MIN_POINTS = 3
STAT_RATIO = 0.5
STAT_SAMPLE = 5000


def parse_crs_option(text: str) -> str | CRS:
    """Read the ``--crs`` option: ``auto``, a datum name or an EPSG/PROJ definition.

    Raises
    ------
    ConfigError
        When the text names no CRS.
    """
    key = text.strip().lower().replace("-", "").replace("_", "")
    if key in ("auto", ""):
        return "auto"
    if key in DATUM_NAMES:
        return key
    try:
        crs = CRS.from_user_input(text)
        Transformer.from_crs(crs, 4326, always_xy=True)
    except Exception:  # pyproj raises CRSError/ProjError with long messages
        raise ConfigError(f"--crs {text!r} is not auto, wgs84, gcj02, bd09, cgcs2000 or an EPSG code "
                          "of an Earth CRS") from None
    return crs


@dataclass
class Placement:
    """Where a file's rows are, in WGS 84, and how that was decided.

    Attributes
    ----------
    lon, lat : ndarray
        WGS 84 degrees; NaN for rows with an ``error``.
    datum : str
        What the coordinates were read as (``GCJ-02``, ``CGCS2000 3° GK zone 37 (EPSG:4525)``, …).
    reason : str
        Why, in one sentence.
    swapped : ndarray of bool
        Rows whose axes were swapped back.
    error, error_code : ndarray of object
        Per row: None or why the row cannot be used, and ``unparseable``, ``impossible_value`` or
        ``not_a_point``.
    warnings : list of str
    """

    lon: np.ndarray
    lat: np.ndarray
    datum: str
    reason: str
    swapped: np.ndarray
    error: np.ndarray
    error_code: np.ndarray
    warnings: list[str] = field(default_factory=list)


def place(raw: RawFile, option: str | CRS, villages: VillageIndex) -> Placement:
    """Parse, orient and convert the coordinates of one file to WGS 84.

    Parameters
    ----------
    raw : RawFile
        The file as read.
    option : str or pyproj.CRS
        From :func:`parse_crs_option`.
    villages : VillageIndex
        Study area and villages (evidence for the datum and for swapped axes).

    Returns
    -------
    Placement

    Raises
    ------
    InputError
        When the file's values fit no coordinate system (e.g. metres that land nowhere near the villages).
    """
    t = raw.table
    ax, ay = parse_axis(t["x"], raw.axis_names[0]), parse_axis(t["y"], raw.axis_names[1])
    n = len(t)
    error = np.where(pd.notna(ax.error), ax.error, ay.error)
    code = np.full(n, None, dtype=object)
    bad = pd.notna(error)
    code[bad] = np.where((ax.impossible | ay.impossible)[bad], "impossible_value", "unparseable")
    non_point = ~np.isin(t["kind"].to_numpy(dtype=object), POINT_KINDS)
    error[non_point] = [f"is a {k}, not a point" for k in t["kind"].to_numpy()[non_point]]
    code[non_point] = "not_a_point"
    x, y = ax.value.copy(), ay.value.copy()
    ok = np.isfinite(x) & np.isfinite(y) & pd.isna(error)
    degree_like = (np.abs(x) <= 180) & (np.abs(y) <= 180)
    projected = _is_projected(raw, option, ok, degree_like)
    state = Placement(np.full(n, np.nan), np.full(n, np.nan), "", "", np.zeros(n, dtype=bool), error, code)
    expected = ~degree_like if projected else degree_like
    wrong = ok & ~expected
    state.error[wrong] = [f"{x[i]:g}, {y[i]:g} is impossible: the file holds "
                          f"{'metres' if projected else 'degrees'}" for i in np.flatnonzero(wrong)]
    state.error_code[wrong] = "impossible_value"
    ok &= expected
    if projected:
        _place_metres(raw, option, villages, x, y, ok, state)
    else:
        _place_degrees(raw, option, villages, x, y, ax.hemisphere, ay.hemisphere, ok, state)
    return state


def _is_projected(raw: RawFile, option: str | CRS, ok: np.ndarray, degree_like: np.ndarray) -> bool:
    if isinstance(option, CRS):
        return not option.is_geographic
    if raw.declared_crs is not None and option == "auto":
        return not raw.declared_crs.is_geographic
    metres = int((ok & ~degree_like).sum())
    if metres and option in ("wgs84", "gcj02", "bd09") and metres > int((ok & degree_like).sum()):
        raise refuse(raw.path, f"--crs {option} expects degrees but the coordinates are metres; "
                               "use --crs auto, cgcs2000 or an EPSG code")
    return metres > int((ok & degree_like).sum())


# --- degrees ------------------------------------------------------------------------------------


def _place_degrees(raw: RawFile, option: str | CRS, villages: VillageIndex, x: np.ndarray, y: np.ndarray,
                   hx: np.ndarray, hy: np.ndarray, ok: np.ndarray, state: Placement) -> None:
    if isinstance(option, CRS) or (option == "auto" and raw.declared_crs is not None
                                   and raw.declared_crs.to_epsg() not in (4326, 4490)):
        crs = option if isinstance(option, CRS) else raw.declared_crs
        x[ok], y[ok] = Transformer.from_crs(crs, 4326, always_xy=True).transform(x[ok], y[ok])
    swap = _swapped_rows(x, y, hx, hy, ok, villages)
    x[swap], y[swap] = y[swap], x[swap]
    state.swapped = swap
    if swap.any():
        state.warnings.append(f"{raw.path.name}: latitude and longitude were swapped on {int(swap.sum())} "
                              f"row(s) (e.g. row {int(raw.table['src_row'].iloc[np.flatnonzero(swap)[0]])}); "
                              "corrected")
    datum, state.reason = _choose_datum(raw, option, villages, x[ok], y[ok])
    state.datum = option.name if isinstance(option, CRS) else DATUM_NAMES[datum]
    bad = ok & ((np.abs(x) > 180) | (np.abs(y) > 90))
    state.error[bad] = [f"{x[i]:g}, {y[i]:g} is impossible (latitude beyond ±90° or longitude beyond ±180°)"
                        for i in np.flatnonzero(bad)]
    state.error_code[bad] = "impossible_value"
    good = ok & ~bad
    state.lon[good], state.lat[good] = datums.to_wgs84(datum, x[good], y[good])


def _swapped_rows(x: np.ndarray, y: np.ndarray, hx: np.ndarray, hy: np.ndarray, ok: np.ndarray,
                  villages: VillageIndex) -> np.ndarray:
    """Rows whose first value is a latitude and second a longitude."""
    by_letter = np.isin(hx, ("N", "S")) | np.isin(hy, ("E", "W"))
    by_range = (np.abs(y) > 90) & (np.abs(x) <= 90)
    by_area = ~villages.contains_lonlat(x, y) & villages.contains_lonlat(y, x)
    return ok & (by_letter | by_range | by_area)


def _choose_datum(raw: RawFile, option: str | CRS, villages: VillageIndex,
                  lon: np.ndarray, lat: np.ndarray) -> tuple[str, str]:
    if isinstance(option, str) and option != "auto":
        return option, "given with --crs"
    if isinstance(option, CRS):
        return "wgs84", f"given with --crs ({option.name})"
    hint, against = strongest(raw.hints)
    if hint is not None:
        also = f"; ignored {', '.join(h.evidence for h in against)}" if against else ""
        return hint.datum, f"the file names it: {hint.evidence}{also}"
    if raw.format == "gpx":
        return "wgs84", raw.crs_source
    verdict = _closest_reading(villages, lon, lat)
    stated = raw.crs_source or "no datum is stated in the file"
    if verdict is not None and verdict[0] != "wgs84":
        return verdict[0], f"{stated}, but the points lie clearly closest to the villages read as " \
                           f"{DATUM_NAMES[verdict[0]]} ({verdict[1]})"
    checked = f"; the villages agree ({verdict[1]})" if verdict is not None else ""
    if raw.declared_crs is not None:
        return ("cgcs2000" if raw.declared_crs.to_epsg() == 4490 else "wgs84"), raw.crs_source + checked
    return "wgs84", f"{stated}; WGS 84 assumed (what GPS receivers record){checked}"


def _closest_reading(villages: VillageIndex, lon: np.ndarray, lat: np.ndarray) -> tuple[str, str] | None:
    """The datum under which the points lie clearly closest to the villages, if one does, and the numbers."""
    inside = np.flatnonzero(villages.contains_lonlat(lon, lat))
    if len(inside) < STAT_MIN_POINTS:
        return None
    sample = inside[:: max(1, len(inside) // STAT_SAMPLE)]
    medians = {}
    for datum in ("wgs84", "gcj02", "bd09"):
        wlon, wlat = datums.to_wgs84(datum, lon[sample], lat[sample])
        dist, _ = villages.nearest(*villages.project(wlon, wlat))
        medians[datum] = float(np.median(dist))
    ranked = sorted(medians, key=lambda d: medians[d])
    if medians[ranked[0]] > STAT_RATIO * medians[ranked[1]]:
        return None
    shown = ", ".join(f"{medians[d]:,.0f} m as {DATUM_NAMES[d]}" for d in ranked)
    return ranked[0], f"median distance to the nearest village {shown}"


# --- metres -------------------------------------------------------------------------------------


def _place_metres(raw: RawFile, option: str | CRS, villages: VillageIndex, x: np.ndarray, y: np.ndarray,
                  ok: np.ndarray, state: Placement) -> None:
    crs = option if isinstance(option, CRS) else raw.declared_crs if option == "auto" else None
    if crs is not None:
        if _first_is_northing(crs, villages, x, y, ok):
            x, y = y, x
            state.warnings.append(f"{raw.path.name}: column '{raw.axis_names[0]}' holds northings and "
                                  f"'{raw.axis_names[1]}' eastings ({crs.name}: X = north); read so")
        state.lon[ok], state.lat[ok] = Transformer.from_crs(crs, 4326, always_xy=True).transform(x[ok], y[ok])
        state.datum = f"{crs.name} (EPSG:{crs.to_epsg()})" if crs.to_epsg() else crs.name
        state.reason = "given with --crs" if isinstance(option, CRS) else raw.crs_source
        return
    kx, ky = metre_kind(x), metre_kind(y)
    if (kx[ok] == "northing").sum() > (ky[ok] == "northing").sum():
        x, y, kx, ky = y, x, ky, kx
        state.warnings.append(f"{raw.path.name}: column '{raw.axis_names[0]}' holds northings and "
                              f"'{raw.axis_names[1]}' eastings (surveying convention X = north); read so")
    zoned = ok & (kx == "easting_zone")
    if zoned.sum() * 2 > ok.sum():
        _place_zoned(x, y, ok, state)
    else:
        _place_unzoned(raw, villages, x, y, ok, state)


def _first_is_northing(crs: CRS, villages: VillageIndex, x: np.ndarray, y: np.ndarray, ok: np.ndarray) -> bool:
    """Whether the first coordinate column of a file in the given projected ``crs`` holds northings.

    The reading that puts more points in the study area decides; on a tie, the CRS's own axis order
    (EPSG:4513–4533 and most GK zones list north first, as Chinese surveyors write X = north).
    """
    if not ok.any():
        return False
    share = []
    for a, b in ((x, y), (y, x)):
        with np.errstate(all="ignore"):
            lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(a[ok], b[ok])
        share.append(int(villages.contains_lonlat(np.asarray(lon), np.asarray(lat)).sum()))
    if share[0] != share[1]:
        return share[1] > share[0]
    return crs.axis_info[0].direction.lower() == "north"


def _place_zoned(x: np.ndarray, y: np.ndarray, ok: np.ndarray, state: Placement) -> None:
    epsg = np.where(ok, gk_zone_epsg(np.where(ok, x, 0.0)), 0)
    bad = ok & (epsg == 0)
    state.error[bad] = [f"easting {x[i]:.1f} names no CGCS2000 Gauss-Krüger zone (13–23, 25–45)"
                        for i in np.flatnonzero(bad)]
    state.error_code[bad] = "impossible_value"
    used = []
    for code in np.unique(epsg[ok & ~bad]):
        rows = ok & (epsg == code)
        crs = CRS.from_epsg(int(code))
        state.lon[rows], state.lat[rows] = Transformer.from_crs(crs, 4326, always_xy=True).transform(x[rows], y[rows])
        used.append(f"{crs.name} (EPSG:{code})")
    state.datum = "; ".join(used)
    state.reason = "the eastings carry the zone number of the Gauss-Krüger zone"


def _place_unzoned(raw: RawFile, villages: VillageIndex, x: np.ndarray, y: np.ndarray, ok: np.ndarray,
                   state: Placement) -> None:
    best = None
    for crs, why in villages.metric_candidates():
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x[ok], y[ok])
        share = float(villages.contains_lonlat(lon, lat).mean()) if ok.any() else 0.0
        if best is None or share > best[0]:
            best = (share, crs, why, lon, lat)
    if best is None or best[0] == 0.0:
        raise refuse(raw.path, "holds projected metres without a zone number that fall in the study area under "
                               "no likely CRS; give the CRS with --crs EPSG:n")
    share, crs, why, lon, lat = best
    state.lon[ok], state.lat[ok] = lon, lat
    state.datum = f"{crs.name} (EPSG:{crs.to_epsg()})"
    state.reason = (f"metres without a zone number; {why} puts {share:.0%} of the points in the study area, "
                    "more than any other candidate")
