"""The monitoring's measurement for ``ruralenv bench --monitor``: five yearly runs of the synthetic region compared.

One run of the whole pipeline on the synthetic region gives the first year; the four later years are that run's
results edited as a programme year would change them (villages covered, connected, treated, given toilets; a few
lost again; villages added, removed, recoded and moved), their indicators recomputed by the run's own indicator
function and their ``data_year`` set. The measured part is ``ruralenv monitor`` on the five: reading, comparing and
writing every output (monitor.json, changes.gpkg, monitor.xlsx, report.html, report.docx).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..core import Config
from ..core.base.progress import peak_rss_mb
from ..core.model.stages.indicators import indicator_tables

#: Goal of the comparison of five yearly runs of the region (seconds); a target, not a test.
GOAL_S = 60.0
FIRST_YEAR = 2021
#: Share of villages changed per year, by kind of change.
RATES = {"covered": 0.03, "access": 0.02, "sewage": 0.02, "lost": 0.003, "removed": 0.002, "added": 0.002,
         "recoded": 0.002, "moved": 0.005}
COPIED_LAYERS = ("facilities", "counties", "towns")


def _flip(v: pd.DataFrame, col: str, rng: np.random.Generator, rate: float, to: bool) -> None:
    if col not in v:
        return
    current = v[col].fillna(0).astype(bool).to_numpy()
    pool = np.flatnonzero(current != to)
    pick: np.ndarray = rng.choice(pool, size=min(len(pool), int(rate * len(v))), replace=False) if len(pool) \
        else np.zeros(0, int)
    v.loc[v.index[pick], col] = to


def next_year(v: gpd.GeoDataFrame, year: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A later year of the villages layer ``v`` (metric CRS): gains, a few losses and catalogue changes."""
    v = v.copy()
    n = len(v)
    for col, key in (("covered", "covered"), ("hardened_access", "access"), ("sewage_treated", "sewage")):
        _flip(v, col, rng, RATES[key], True)
        _flip(v, col, rng, RATES["lost"], False)
    if "sanitary_toilet_households" in v and "households" in v:
        gain = rng.integers(0, 6, n) * (rng.random(n) < 0.1)
        v["sanitary_toilet_households"] = np.minimum(v["households"], v["sanitary_toilet_households"].fillna(0) + gain)
    idx = rng.permutation(n)
    k = {key: int(RATES[key] * n) for key in ("removed", "recoded", "moved", "added")}
    moved = v.index[idx[:k["moved"]]]
    v.loc[moved, "geometry"] = v.loc[moved].geometry.translate(250.0, 0.0)
    recoded = v.index[idx[k["moved"]:k["moved"] + k["recoded"]]]
    v.loc[recoded, "village_code"] = [f"R{year}{i:06d}" for i in range(len(recoded))]
    added = v.loc[v.index[idx[-k["added"]:]]].copy()
    added["village_code"] = [f"N{year}{i:06d}" for i in range(len(added))]
    added["name"] = [f"新村{year}{i}" for i in range(len(added))]
    added["geometry"] = added.geometry.translate(800.0, 800.0)
    removed = v.index[idx[k["moved"] + k["recoded"]:k["moved"] + k["recoded"] + k["removed"]]]
    out = pd.concat([pd.DataFrame(v.drop(index=removed)), pd.DataFrame(added)], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=v.crs)


def write_year(first: Path, villages: gpd.GeoDataFrame, year: int, folder: Path) -> Path:
    """A results folder of ``year``: the edited villages, the first run's other layers, and a summary.json whose
    indicators are recomputed from the villages."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "results.gpkg"
    gpkg.unlink(missing_ok=True)
    summary = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    known = {k: v for k, v in summary["config"].items() if k in Config.__dataclass_fields__}
    config = Config().replace(**known)
    names = {c["code"]: c["name"] for c in summary["counties"]}
    tables = indicator_tables(pd.DataFrame(villages.drop(columns="geometry")), config, names)
    pyogrio.write_dataframe(villages, gpkg, layer="villages", driver="GPKG")
    present = {str(name) for name, _ in pyogrio.list_layers(first / "results.gpkg")}
    for layer in (x for x in COPIED_LAYERS if x in present):
        gdf = pyogrio.read_dataframe(first / "results.gpkg", layer=layer)
        if layer == "towns":  # the township seats with this year's indicators
            gdf = gdf[["town_code", "name", "county_code", "geometry"]].merge(
                tables["town"].drop(columns=["level", "name", "county_code"]), left_on="town_code", right_on="code",
                how="left").drop(columns="code")
        pyogrio.write_dataframe(gdf, gpkg, layer=layer, driver="GPKG", append=True)
    summary["region"] = tables["region"].iloc[0].to_dict()
    summary["counties"] = tables["county"].to_dict(orient="records")
    summary["config"]["data_year"] = year
    from ..core.io.write import write_json

    write_json(summary, folder / "summary.json")
    return folder


def make_years(first: Path, folder: Path, n_years: int = 5, seed: int = 7) -> list[Path]:
    """The first run's folder (as ``FIRST_YEAR``) and ``n_years - 1`` later years derived from it."""
    rng = np.random.default_rng(seed)
    summary = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    summary["config"]["data_year"] = FIRST_YEAR
    base = folder / f"year_{FIRST_YEAR}"
    if base.exists():
        shutil.rmtree(base)
    shutil.copytree(first, base, ignore=shutil.ignore_patterns("map.html", "report.xlsx", "cache*"))
    (base / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    villages = pyogrio.read_dataframe(first / "results.gpkg", layer="villages")
    out = [base]
    for k in range(1, n_years):
        villages = next_year(villages, FIRST_YEAR + k, rng)
        out.append(write_year(first, villages, FIRST_YEAR + k, folder / f"year_{FIRST_YEAR + k}"))
    return out


def monitor_benchmark(runs: list[Path], out: Path) -> dict[str, Any]:
    """Time ``ruralenv monitor`` on ``runs``: the comparison, then the writing of every output.

    Returns
    -------
    dict
        ``compare_s``, ``write_s``, ``total_s``, ``goal_s``, ``peak_rss_mb``, villages and counties compared,
        change counts of the last year pair, output sizes.
    """
    from ..core.monitor import monitor
    from ..core.monitor.writers import write_monitor

    load = os.getloadavg()[0]
    c0, t0 = _cpu_s(), time.perf_counter()
    outcome = monitor(runs)
    c1, t1 = _cpu_s(), time.perf_counter()
    files = write_monitor(outcome, out)
    c2, t2 = _cpu_s(), time.perf_counter()
    s = outcome.summary
    last = list(s["changes"].values())[-1]["region"]
    return {"years": s["years"], "villages": int(len(outcome.runs[-1].villages)), "counties": len(s["counties"]),
            "townships": len(s["townships"]), "compare_s": round(t1 - t0, 2), "write_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "goal_s": GOAL_S, "peak_rss_mb": peak_rss_mb(),
            "cpu_s": {"compare": round(c1 - c0, 2), "write": round(c2 - c1, 2)},
            "load_average_1min": round(load, 2),
            "last_pair_changes": {k: last[k] for k in ("added", "removed", "recoded", "moved", "covered_gained",
                                                       "covered_lost")},
            "sizes_mb": {name: round(Path(p).stat().st_size / 1e6, 2) for name, p in files.items()}}


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the forked writer): what the work costs whatever
    else the machine runs."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def format_monitor(report: dict[str, Any]) -> str:
    """The bench.md line of the monitoring measurement."""
    if "error" in report:
        return f"Monitor case failed: {report['error']}"
    ok = "within" if report["total_s"] <= report["goal_s"] else "over"
    return (f"Monitor case: {len(report['years'])} yearly runs of {report['villages']:,} villages in "
            f"{report['counties']} counties compared in {report['compare_s']} s and written in {report['write_s']} s "
            f"(total {report['total_s']} s, {ok} the {report['goal_s']:.0f} s goal; CPU {report['cpu_s']['compare']} + "
            f"{report['cpu_s']['write']} s; load average {report['load_average_1min']} on "
            f"{os.cpu_count()} cores; peak {report['peak_rss_mb']} MB).")
