"""Read the survey layers already in RESULTS.gpkg and append new rows all-or-nothing.

New rows are appended to a copy of the GeoPackage beside it, and the copy replaces the original with
one atomic rename only when every layer was written; a failed or cancelled import leaves the original
byte for byte as it was. The ``villages`` layer is never written.
"""
from __future__ import annotations

import shutil
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pandas as pd
import pyogrio

from ..base.files import folder_lock, write_atomically
from .safety import refuse

POINTS_LAYER = "survey_points"
REJECTS_LAYER = "survey_rejects"
UPDATES_LAYER = "village_location_updates"
IMPORTS_LAYER = "survey_imports"


def locked(gpkg: Path) -> AbstractContextManager[None]:
    """Hold the lock of the folder of ``gpkg`` (:func:`..base.files.folder_lock`, re-entrant): every
    read-check-write on an output GeoPackage (import idempotency, duplicate checks, apply) runs inside it, from
    the first read to the commit, so two commands started together take turns. Runs into that folder wait too.
    """
    folder = Path(gpkg).parent
    return folder_lock(folder) if folder.is_dir() else nullcontext()  # no folder: the reader says so


def layer_names(gpkg: Path) -> list[str]:
    """Names of the layers and tables of a GeoPackage."""
    return [str(n) for n in pyogrio.list_layers(gpkg)[:, 0]]


def read_table(gpkg: Path, layer: str, columns: list[str]) -> pd.DataFrame:
    """Attribute columns of ``layer`` (an empty frame with those columns when the layer does not exist)."""
    if layer not in layer_names(gpkg):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(pyogrio.read_dataframe(gpkg, layer=layer, columns=columns, read_geometry=False))


def imported_files(gpkg: Path) -> dict[str, tuple[str, str]]:
    """Files imported before: sha256 → (file name, "on TIME as NAME")."""
    done = read_table(gpkg, IMPORTS_LAYER, ["sha256", "file_name", "imported_at"])
    return {str(r.sha256): (str(r.file_name), f"on {r.imported_at} as {r.file_name}") for r in done.itertuples()}


def check_writable(gpkg: Path) -> None:
    """Refuse a GeoPackage that another program holds open in WAL mode (its changes are not in the file yet).

    Raises
    ------
    InputError
    """
    for suffix in ("-wal", "-journal"):
        side = gpkg.with_name(gpkg.name + suffix)
        if side.exists() and side.stat().st_size > 0:
            raise refuse(gpkg, f"is open in another program ({side.name} exists); close it (e.g. remove the "
                               "layers from QGIS) and import again")


def append_layers(gpkg: Path, layers: dict[str, pd.DataFrame]) -> None:
    """Append rows to layers of ``gpkg`` (creating missing layers) as one all-or-nothing change.

    Parameters
    ----------
    gpkg : Path
        The results GeoPackage.
    layers : dict
        Layer name → rows (GeoDataFrame for spatial layers, DataFrame for tables). Empty frames create
        the layer when it is missing and add nothing otherwise.
    """
    check_writable(gpkg)
    write_atomically(gpkg.parent, {gpkg.name: lambda tmp: _append_to_copy(gpkg, tmp, layers)})


def _append_to_copy(gpkg: Path, copy: Path, layers: dict[str, pd.DataFrame]) -> None:
    shutil.copyfile(gpkg, copy)
    shutil.copymode(gpkg, copy)
    existing = set(layer_names(copy))
    for name, df in layers.items():
        if df.empty and name in existing:
            continue
        pyogrio.write_dataframe(df, copy, layer=name, driver="GPKG", append=True)
