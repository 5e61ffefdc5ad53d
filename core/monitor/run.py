"""``ruralenv monitor``: runs of several years compared — trajectories, status to 2025, changes, 检查验收."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..base._errors import ConfigError
from ..base.config import Config
from ..base.progress import NullProgress, Progress
from .acceptance import acceptance
from .changes import all_changes
from .runs import Run, county_warnings, duplicate_warnings, read_runs, settings_warnings
from .sentences import change_sentence, missing_sentence, place_sentences, status_count_sentences
from .trajectories import trajectories

#: The settings of the comparison itself (``--set``); the indicators keep each run's own.
MONITOR_SETTINGS = ("recode_radius_m", "moved_m")


@dataclass(frozen=True)
class MonitorOptions:
    """What ``ruralenv monitor`` was asked.

    Attributes
    ----------
    years : sequence of int, optional
        The year of each run, in the order given (default: each run's ``data_year``).
    lang : str
        Language of the report's sentences: ``"zh"`` (default) or ``"en"``.
    acceptance : bool or None
        Add the 检查验收; None: when the last year is 2025 or later.
    overrides : sequence of str
        ``key=value`` settings of the monitor itself (``recode_radius_m``, ``moved_m``).
    """

    years: Sequence[int] | None = None
    lang: str = "zh"
    acceptance: bool | None = None
    overrides: Sequence[str] = ()


@dataclass
class MonitorOutcome:
    """What a monitoring compares and finds.

    Attributes
    ----------
    summary : dict
        The content of monitor.json.
    village_changes, facility_changes : GeoDataFrame
        The layers of changes.gpkg.
    runs : list of Run
        The runs, ordered by year.
    lang : str
    """

    summary: dict[str, Any]
    village_changes: gpd.GeoDataFrame
    facility_changes: gpd.GeoDataFrame
    runs: list[Run]
    lang: str = "zh"


def monitor(runs: Sequence[str | Path], options: MonitorOptions | None = None,
            progress: Progress | None = None) -> MonitorOutcome:
    """Compare runs of several years.

    Parameters
    ----------
    runs : sequence of path
        Results folders written by ``ruralenv run`` (or their results.gpkg), at least two.
    options : MonitorOptions, optional
    progress : Progress, optional

    Returns
    -------
    MonitorOutcome

    Raises
    ------
    ConfigError
        Fewer than two runs, a run without a year, two runs of one year, ``--years`` not one per run.
    """
    options = options or MonitorOptions()
    progress = progress or NullProgress()
    if options.lang not in ("zh", "en"):
        raise ConfigError(f"--lang is zh or en, got {options.lang!r}")
    config = Config().with_overrides(list(options.overrides))
    other = sorted({p.partition("=")[0].strip() for p in options.overrides} - set(MONITOR_SETTINGS))
    if other:
        raise ConfigError(f"--set {', '.join(other)}: monitor compares runs with their own settings; it takes only "
                          f"{', '.join(MONITOR_SETTINGS)}")
    progress.stage("monitor: read runs", len(runs))
    read = read_runs(runs, list(options.years) if options.years else None)
    progress.stage("monitor: trajectories")
    places = trajectories(read)
    progress.stage("monitor: village changes")
    v_changes, f_changes, counts = all_changes(read, config)
    years = [r.year for r in read]
    missing, county_lines = county_warnings(read)
    warnings = settings_warnings(read) + county_lines + duplicate_warnings(read)
    want_acceptance = options.acceptance if options.acceptance is not None else years[-1] >= 2025
    summary: dict[str, Any] = {
        "years": years,
        "runs": [{"year": r.year, "results": str(r.gpkg.resolve())} for r in read],
        "generated": dt.date.today().isoformat(),
        "method": "Open SDG progress status (https://github.com/open-sdg/open-sdg/blob/master/docs/"
                  "progress-methodology.md): observed CAGR since the first year ÷ CAGR needed to reach the 2025 "
                  "target; ≥95% on_track, 60–95% acceleration_needed, 0–60% limited, <0 deterioration; linear pace "
                  "for series starting at zero",
        "settings": {"recode_radius_m": config.recode_radius_m, "moved_m": config.moved_m},
        **places,
        "changes": counts,
        "acceptance": acceptance(read, places) if want_acceptance else None,
        "warnings": warnings,
    }
    summary["sentences"] = _sentences(summary, years, options.lang)
    return MonitorOutcome(summary, v_changes, f_changes, read, options.lang)


def _sentences(summary: dict[str, Any], years: list[int], lang: str) -> dict[str, list[str]]:
    """Sentences of the region and of each county (``"region"`` and county codes)."""
    changes = [change_sentence(pair, part["region"], lang) for pair, part in summary["changes"].items()]
    out = {"region": place_sentences(summary["region"], years, lang)
           + status_count_sentences(summary["counties"], lang) + changes}
    for code, place in summary["counties"].items():
        lines = place_sentences(place, years, lang)
        gap = missing_sentence(place, lang)
        out[code] = ([gap] if gap else []) + lines
    return out
