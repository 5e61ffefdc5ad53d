"""The runs a monitoring report compares: found, read, given their year, ordered and checked against each other.

A run is a results folder written by ``ruralenv run`` (results.gpkg + summary.json) or its results.gpkg. Its
year comes from ``--years`` (same order as the runs), else from the run's setting ``data_year``, else the run
is refused with one line. Two runs of one year are refused; runs whose settings differ in a way that changes an
indicator's definition are reported (a warning listing the keys), and so is a county missing in a year.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ..base._errors import ConfigError, InputError, Problem
from ..base.config import Config

#: Columns of the villages layer the monitor compares (the first three are required); the indicator columns are
#: read only for a run without township indicators (:func:`village_table`).
VILLAGE_FIELDS = ("village_code", "name", "county_code", "town_code", "covered", "hardened_access", "sewage_treated",
                  "sanitary_toilet_households", "collection_model", "sewage_mode")
REQUIRED_VILLAGE_FIELDS = VILLAGE_FIELDS[:3]

#: Settings that never change what an indicator means (where files go, caches, map and surface options, the
#: monitor's own matching distances); a difference in any other setting between two runs is reported.
NEUTRAL_SETTINGS = frozenset({
    "cache_dir", "use_cache", "spatial_index_max_features", "on_bad_rows", "crs", "crs_family", "data_year",
    "surface_res_m", "surface_far", "surface_speeds_kmh", "speed_hardened_kmh", "speed_unhardened_kmh",
    "speed_offroad_kmh", "surface_zonal_km", "surface_zonal_min", "waste_kg_per_person_day", "recode_radius_m",
    "moved_m",
})


@dataclass
class Run:
    """One year's run as the monitor reads it.

    Attributes
    ----------
    gpkg : Path
        The run's results.gpkg.
    year : int
    summary : dict
        The run's summary.json.
    config : Config
        The run's settings (keys this version does not know are left out).
    villages : GeoDataFrame
        The villages layer (the columns of :data:`VILLAGE_FIELDS` it has).
    facilities : GeoDataFrame or None
    counties : GeoDataFrame or None
        County outlines (for the change maps).
    towns : DataFrame or None
        The towns layer's table (township seats with their township's indicators, as the run wrote them).
    """

    gpkg: Path
    year: int
    summary: dict[str, Any]
    config: Config
    villages: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None
    counties: gpd.GeoDataFrame | None
    towns: pd.DataFrame | None

    @property
    def settings(self) -> dict[str, Any]:
        """The settings recorded in summary.json."""
        return dict(self.summary.get("config", {}))

    def town_names(self) -> dict[str, str]:
        """Township code → name, from the towns layer."""
        if self.towns is None or "town_code" not in self.towns:
            return {}
        return {str(c): str(n) for c, n in zip(self.towns["town_code"], self.towns["name"], strict=True) if c}

    def county_names(self) -> dict[str, str]:
        """County code → name, from summary.json."""
        return {str(c["code"]): str(c.get("name") or c["code"]) for c in self.summary.get("counties", [])}


def results_path(run: str | Path) -> Path:
    """The results.gpkg of ``run`` (a results folder or the GeoPackage itself); one line when there is none."""
    path = Path(run)
    gpkg = path / "results.gpkg" if path.is_dir() else path
    if not gpkg.is_file():
        raise ConfigError(f"{run}: no results.gpkg there; give a folder written by `ruralenv run` or its "
                          "results.gpkg")
    return gpkg


def run_summary(gpkg: Path) -> dict[str, Any]:
    """The run's indicators and settings, as in its summary.json.

    The summary.json beside ``gpkg`` when there is one; otherwise what the GeoPackage records itself (a copied
    or e-mailed results.gpkg): its settings table, and the region's and counties' indicators computed by the run's
    own indicator function over its villages layer.
    """
    path = gpkg.with_name("summary.json")
    if not path.exists():
        return _summary_of_gpkg(gpkg)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable ({exc})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("region"), dict) \
            or not isinstance(summary.get("counties"), list):
        raise ConfigError(f"{path}: not a summary.json of `ruralenv run` (no region / counties indicators)")
    return summary


def _summary_of_gpkg(gpkg: Path) -> dict[str, Any]:
    """The parts of a summary.json the monitor reads, from results.gpkg alone."""
    from ..io.runinfo import read_run_settings
    from ..model.stages.indicators import indicator_tables

    try:
        settings = read_run_settings(gpkg)
    except InputError:
        raise ConfigError(f"{gpkg}: no summary.json beside it and no settings recorded inside it; re-run "
                          "`ruralenv run` to write a results.gpkg that records them") from None
    _read_villages(gpkg)  # the layer and its required fields are there
    villages = _village_columns(gpkg)
    names = {}
    if "counties" in {str(name) for name, _ in pyogrio.list_layers(gpkg)}:
        counties = _read_layer(gpkg, "counties", ["county_code", "name"])
        names = {str(c): str(n) for c, n in zip(counties["county_code"], counties["name"], strict=True) if c}
    tables = indicator_tables(villages, config_of({"config": settings}, gpkg), names)
    return {"config": settings, "region": tables["region"].iloc[0].to_dict(),
            "counties": tables["county"].to_dict(orient="records"), "source": "results.gpkg"}


def config_of(summary: dict[str, Any], where: Path) -> Config:
    """The run's settings as a :class:`Config` (settings this version does not know are left out)."""
    known = {f.name for f in dataclasses.fields(Config)}
    saved = summary.get("config", {}) or {}
    try:
        return Config().replace(**{k: v for k, v in saved.items() if k in known})
    except ConfigError as exc:
        raise ConfigError(f"{where}: settings of the run: {exc}") from None


def read_run(run: str | Path, year: int | None = None) -> Run:
    """Read one run: its summary, settings, villages, facilities and county outlines.

    Parameters
    ----------
    run : path
        A results folder or its results.gpkg.
    year : int, optional
        The run's year (``--years``); default: its ``data_year`` setting.

    Returns
    -------
    Run

    Raises
    ------
    ConfigError
        No results.gpkg or summary.json, or no year.
    InputError
        The villages layer is missing or lacks a required field.
    """
    gpkg = results_path(run)
    summary = run_summary(gpkg)
    config = config_of(summary, gpkg)
    if year is None:
        year = int(summary.get("config", {}).get("data_year") or 0) or None
    if year is None:
        raise ConfigError(f"{run}: the year of this run is unknown; give --years, or run it with "
                          "`ruralenv run --set data_year=2024`")
    villages = _read_villages(gpkg)
    layers = {str(name) for name, _ in pyogrio.list_layers(gpkg)}
    facilities = _read_layer(gpkg, "facilities", ["facility_type", "name", "county_code"]) \
        if "facilities" in layers else None
    counties = _read_layer(gpkg, "counties", ["county_code", "name"]) if "counties" in layers else None
    towns = None
    if "towns" in layers:
        towns = pd.DataFrame(pyogrio.read_dataframe(gpkg, layer="towns", read_geometry=False))
        for col in ("town_code", "county_code"):
            if col in towns:
                towns[col] = code_text(towns[col])
    return Run(gpkg, int(year), summary, config, villages, facilities, counties, towns)


def _read_villages(gpkg: Path) -> gpd.GeoDataFrame:
    try:
        fields = set(pyogrio.read_info(gpkg, layer="villages")["fields"])
    except Exception:  # noqa: BLE001 - pyogrio raises several types for a missing layer or a broken file
        raise InputError([Problem(str(gpkg), "villages", None, None,
                                  "no villages layer; give a results.gpkg written by ruralenv run")]) from None
    missing = [f for f in REQUIRED_VILLAGE_FIELDS if f not in fields]
    if missing:
        raise InputError([Problem(str(gpkg), "villages", None, ", ".join(missing),
                                  "field(s) missing; give a results.gpkg written by ruralenv run")])
    gdf = pyogrio.read_dataframe(gpkg, layer="villages", columns=[f for f in VILLAGE_FIELDS if f in fields])
    for col in ("village_code", "county_code", "town_code", "name"):
        if col in gdf:
            gdf[col] = code_text(gdf[col])
    return gdf


def code_text(values: pd.Series) -> pd.Series:
    """Codes (or names) as stripped text, missing as None; an integer-looking float loses its ``.0``."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        present = values.notna()
        return values.astype(object).where(~present, values.astype(str).str.strip()).where(present, None)
    if pd.api.types.is_integer_dtype(values):
        return values.astype(str).astype(object)
    return values.map(_code_text).astype(object)


def _code_text(value: Any) -> str | None:
    """A code as text (an integer-looking float loses its ``.0``)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_layer(gpkg: Path, layer: str, columns: list[str]) -> gpd.GeoDataFrame:
    fields = set(pyogrio.read_info(gpkg, layer=layer)["fields"])
    gdf = pyogrio.read_dataframe(gpkg, layer=layer, columns=[c for c in columns if c in fields])
    for c in columns:
        if c not in gdf:
            gdf[c] = None
    for c in ("county_code", "name"):
        gdf[c] = gdf[c].map(_code_text)
    return gdf


def read_runs(runs: Sequence[str | Path], years: Sequence[int] | None = None) -> list[Run]:
    """Read every run and order them by year.

    Raises
    ------
    ConfigError
        Fewer than two runs, ``years`` not one per run, or two runs of one year.
    """
    if len(runs) < 2:
        raise ConfigError("monitor compares at least two runs (results folders of different years)")
    if years and len(years) != len(runs):
        raise ConfigError(f"--years gives {len(years)} year(s) for {len(runs)} run(s); give one year per run, "
                          "in the same order")
    read = [read_run(r, years[i] if years else None) for i, r in enumerate(runs)]
    seen: dict[int, Path] = {}
    for r in read:
        if r.year in seen:
            raise ConfigError(f"two runs of {r.year}: {seen[r.year]} and {r.gpkg}; give each year once "
                              "(or correct --years or data_year)")
        seen[r.year] = r.gpkg
    return sorted(read, key=lambda r: r.year)


def settings_warnings(runs: Sequence[Run]) -> list[str]:
    """One line per run whose settings differ from the first run's in a key that changes an indicator."""
    out = []
    base = runs[0].settings
    for r in runs[1:]:
        s = r.settings
        keys = sorted(k for k in set(base) | set(s) if k not in NEUTRAL_SETTINGS and _norm(base.get(k)) != _norm(s.get(k)))
        if keys:
            detail = "; ".join(f"{k}: {_show(base.get(k))} → {_show(s.get(k))}" for k in keys)
            out.append(f"设置不同 settings differ: {runs[0].year} → {r.year}: {detail} (indicators may not be "
                       "comparable / 指标口径可能不一致)")
    return out


def _norm(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} values]"
    return "—" if value is None else str(value)


def county_warnings(runs: Sequence[Run]) -> tuple[dict[str, list[int]], list[str]]:
    """Counties missing in some year: code → the years it is missing, and one warning line each."""
    names: dict[str, str] = {}
    present: dict[str, set[int]] = {}
    for r in runs:
        for code, name in r.county_names().items():
            names.setdefault(code, name)
            present.setdefault(code, set()).add(r.year)
    years = [r.year for r in runs]
    missing = {c: [y for y in years if y not in ys] for c, ys in present.items() if len(ys) < len(years)}
    lines = [f"旗县缺失 county missing: {names[c]} ({c}) 缺少 {'、'.join(f'{y}年' for y in m)} / no data in "
             f"{', '.join(map(str, m))}" for c, m in sorted(missing.items())]
    return missing, lines


def duplicate_warnings(runs: Sequence[Run]) -> list[str]:
    """One line per run whose villages layer repeats a village code (the changes keep the first of each)."""
    out = []
    for r in runs:
        dup = r.villages["village_code"].duplicated()
        if dup.any():
            codes = ", ".join(map(str, r.villages.loc[dup, "village_code"].head(5)))
            out.append(f"村代码重复 duplicate village codes in {r.year} ({r.gpkg}): {int(dup.sum())} ({codes}…); "
                       "the village changes keep the first of each / 变化比对只保留第一个")
    return out


def village_table(run: Run) -> pd.DataFrame:
    """Every column of the run's villages layer, without geometry (for indicator tables)."""
    return _village_columns(run.gpkg)


def _village_columns(gpkg: Path) -> pd.DataFrame:
    table = pd.DataFrame(pyogrio.read_dataframe(gpkg, layer="villages", read_geometry=False))
    for col in ("village_code", "county_code", "town_code"):
        if col in table:
            table[col] = code_text(table[col])
    return table
