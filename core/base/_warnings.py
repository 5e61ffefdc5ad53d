"""Warnings that tell a planner nothing, silenced once for the whole package (:mod:`ruralenv.core.base` calls
:func:`silence_gpkg_version_warning` when imported).

GeoPackages written by GDAL 3.8 and later (QGIS 3.34 and later) say GeoPackage 1.4 in their ``user_version``;
the GDAL inside pyogrio's wheels knows 1.0–1.3 and warns on every open ("This version of GeoPackage
user_version=… may only be partially supported"), twice per read. Version 1.4 changed nothing the reader
uses (it adds optional extensions), so reading works and the warning is dropped. Any other GDAL warning
still shows.
"""
from __future__ import annotations

import warnings

#: The message of GDAL's warning about a GeoPackage version newer than it knows (a regular expression).
GPKG_VERSION_WARNING = r"This version of GeoPackage user_version=.* may only be partially supported"


def silence_gpkg_version_warning() -> None:
    """Ignore GDAL's newer-GeoPackage-version warning (idempotent: :mod:`warnings` drops duplicate filters)."""
    warnings.filterwarnings("ignore", message=GPKG_VERSION_WARNING, category=RuntimeWarning)

