"""What a run keeps of the results.gpkg it replaces: every layer it does not write itself.

Field survey layers (``survey_points``, ``survey_rejects``, ``survey_imports``, ``village_location_updates``)
and whatever else users or other commands put into results.gpkg refer to villages by code; a new run of the
same folder writes its own layers and carries those over unchanged. A previous file that cannot be read as
a GeoPackage is kept beside the new one under another name. Either way the user is told in one line.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio

from ..base.contract import LAYERS
from .runinfo import RUN_TABLE

#: Layers a run writes itself: an older copy of them is replaced, never carried over.
RUN_LAYERS = frozenset((*LAYERS, RUN_TABLE))


@dataclass
class Previous:
    """The results.gpkg a run is about to replace.

    Attributes
    ----------
    path : Path
        Where it is.
    carried : dict
        Layer → feature count of the layers the run carries over (it does not write them).
    unreadable : str or None
        Why the file cannot be read as a GeoPackage (it is then kept aside as :attr:`aside`).
    aside : str or None
        File name the unreadable file is kept under, in the same folder.
    """

    path: Path
    carried: dict[str, int] = field(default_factory=dict)
    unreadable: str | None = None
    aside: str | None = None

    def message(self) -> str | None:
        """One line for the user (English; the terminal shows it in Chinese under a Chinese locale), or None."""
        if self.aside:
            return (f"the previous {self.path.name} could not be read ({self.unreadable}); it is kept as "
                    f"{self.aside}")
        if not self.carried:
            return None
        layers = ", ".join(f"{n} ({c})" for n, c in self.carried.items())
        return f"kept {len(self.carried)} layer(s) of the previous {self.path.name} this run does not write: {layers}"


def previous_results(path: Path) -> Previous | None:
    """What a run writing ``path`` keeps of the file already there (None when there is none).

    Parameters
    ----------
    path : Path
        The results.gpkg about to be written.

    Returns
    -------
    Previous or None
    """
    path = Path(path)
    if not path.is_file():
        return None
    prev = Previous(path)
    try:
        for name, _ in pyogrio.list_layers(path):
            if str(name) not in RUN_LAYERS:
                prev.carried[str(name)] = int(pyogrio.read_info(path, layer=str(name))["features"])
    except Exception as exc:  # noqa: BLE001 - pyogrio's errors have no common base: any failure is unreadable
        prev.unreadable = _first_line(exc)
        prev.aside = f"{path.stem}.previous-{time.strftime('%Y%m%dT%H%M%S')}{path.suffix}"
    return prev


def carry_layers(old: Path, new: Path) -> list[str]:
    """Copy every layer of GeoPackage ``old`` that a run does not write into GeoPackage ``new``.

    Called while the folder's lock is held, so the layers are those of the file as it is then (a survey
    import that finished just before is carried too, even after :func:`previous_results` listed the file).
    Layers keep their own CRS, geometry type, columns and rows; tables without geometry stay tables.

    Returns
    -------
    list of str
        The layers copied.

    Raises
    ------
    OSError
        When a layer cannot be read or written (the atomic writer then leaves the old file in place).
    """
    names = [str(n) for n, _ in pyogrio.list_layers(old) if str(n) not in RUN_LAYERS]
    for name in names:
        try:
            kind = pyogrio.read_info(old, layer=name)["geometry_type"]
            df = pyogrio.read_dataframe(old, layer=name)
            pyogrio.write_dataframe(df, new, layer=name, driver="GPKG", append=new.exists(),
                                    **({"geometry_type": kind} if kind else {}))
        except pyogrio.errors.DataSourceError as exc:
            raise OSError(f"layer {name} of the previous {old.name}: {exc}") from exc
    return names


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
