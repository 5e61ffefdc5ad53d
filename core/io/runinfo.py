"""The run's own record inside results.gpkg: settings, software version, inputs, CRS (and data year when set).

A table ``ruralenv_run`` (``key``, ``value`` as JSON text) makes the GeoPackage alone enough for ``plan``,
``surface`` and ``monitor``: they need not find the run's summary.json beside it (a copied or e-mailed
results.gpkg travels without it). Results of older versions, which have no such table, are read through the
summary.json beside them.
"""
from __future__ import annotations

import dataclasses
import json
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from ..base._errors import InputError, Problem
from ..base.config import Config
from ..base.files import package_file

#: Name of the table holding the run's record.
RUN_TABLE = "ruralenv_run"


def software_version() -> str:
    """Version of RuralEnv Planner: the ``version`` of the package's own metadata.txt (shipped in the wheel and
    the plugin, and current in a source tree, where an editable install's distribution metadata may lag), else
    the installed distribution's."""
    try:
        for line in package_file("metadata.txt").read_text(encoding="utf-8").splitlines():
            if line.startswith("version="):
                return line.partition("=")[2].strip()
    except OSError:
        pass
    try:
        return metadata.version("ruralenv")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_record(summary: dict) -> dict[str, Any]:
    """The rows of :data:`RUN_TABLE` for a run, from its summary (see :data:`.contract.SUMMARY_KEYS`).

    Parameters
    ----------
    summary : dict
        The run's summary.json content.

    Returns
    -------
    dict
        ``settings`` (every setting), ``version``, ``inputs`` (source and sha256 of each input), ``crs``,
        and ``data_year`` when it was given (setting ``data_year``, 0 when not).
    """
    settings = summary.get("config", {})
    record: dict[str, Any] = {"settings": settings, "version": software_version(),
                              "inputs": summary.get("inputs", {}), "crs": summary.get("crs")}
    if settings.get("data_year"):  # 0 or None: the year the inputs describe was not given
        record["data_year"] = settings["data_year"]
    return record


def write_run_record(path: Path, record: dict[str, Any]) -> None:
    """Add the table :data:`RUN_TABLE` to the GeoPackage ``path`` (one row per key, the value as JSON)."""
    rows = pd.DataFrame({"key": list(record), "value": [json.dumps(v, ensure_ascii=False, default=str)
                                                       for v in record.values()]})
    pyogrio.write_dataframe(rows, path, layer=RUN_TABLE, driver="GPKG", append=Path(path).exists())


def read_run_record(path: str | Path) -> dict[str, Any]:
    """The record of the run that wrote the results.gpkg ``path`` (empty when it has none).

    Parameters
    ----------
    path : path
        A results.gpkg.

    Returns
    -------
    dict
        Key → value (decoded JSON) of :data:`RUN_TABLE`.
    """
    try:
        con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        rows = con.execute(f'SELECT key, value FROM "{RUN_TABLE}"').fetchall()
    except sqlite3.Error:  # no such table (or not a SQLite file)
        return {}
    finally:
        con.close()
    out: dict[str, Any] = {}
    for key, value in rows:
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def read_run_settings(path: str | Path) -> dict[str, Any]:
    """The settings of the run that wrote the results.gpkg ``path``.

    Read from the GeoPackage's own record (:data:`RUN_TABLE`); for results written before it existed, from
    the ``config`` of the summary.json beside the file.

    Parameters
    ----------
    path : path
        A results.gpkg written by ``ruralenv run`` / ``ruralenv demo``.

    Returns
    -------
    dict
        Setting name → value as recorded (tuples as lists); pass them to ``Config().replace(**...)`` after
        dropping names the running version does not know.

    Raises
    ------
    InputError
        When neither the GeoPackage nor a summary.json beside it records the settings.
    """
    path = Path(path)
    settings = read_run_record(path).get("settings")
    if isinstance(settings, dict):
        return settings
    summary = path.with_name("summary.json")
    if summary.exists():
        try:
            saved = json.loads(summary.read_text(encoding="utf-8")).get("config")
        except (OSError, ValueError, AttributeError) as exc:
            raise InputError([Problem(str(summary), None, None, None,
                                      f"unreadable ({exc}); remove or fix it")]) from None
        if isinstance(saved, dict):
            return saved
    raise InputError([Problem(str(path), None, None, None, (
        "the run's settings are not recorded (no ruralenv_run table, no summary.json beside it): re-run "
        "`ruralenv run` to write a results.gpkg that records them"))])


def run_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """The :class:`Config` of the run that wrote the results.gpkg ``path``, then ``overrides`` (``key=value``).

    Settings this version does not know (from an older or newer version) are left out.

    Raises
    ------
    InputError
        When the settings are recorded nowhere (see :func:`read_run_settings`).
    """
    saved = read_run_settings(path)
    known = {f.name for f in dataclasses.fields(Config)}
    return Config().replace(**{k: v for k, v in saved.items() if k in known}).with_overrides(overrides or [])
