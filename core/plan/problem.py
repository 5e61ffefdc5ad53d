"""The planning instance: the layers of a ``results.gpkg``, its road graph and where points meet it.

``ruralenv plan`` starts from what ``ruralenv run`` wrote (villages with their ``covered`` and
``hardened_access`` flags, roads with ``hardened``, facilities, towns); the road graph is rebuilt with
:func:`..prepare.get_network` (a cache hit when the run cached it) and points are snapped with
:class:`..snapping.Snapper` exactly as the run snaps them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from ..base._errors import InputError, Problem
from ..base.config import Config
from ..base.progress import NullProgress, Progress
from ..io.runinfo import run_config
from ..model.prepare import concat_snaps, get_network
from ..network.graph import RoadNetwork
from ..network.snapping import Augmented, Snapper, augmented_graph

#: Layers of results.gpkg the planner reads (``towns``, ``counties``, ``mines`` optional).
NEEDED_LAYERS = ("villages", "roads", "facilities")
VILLAGE_COLUMNS = ("village_code", "county_code", "in_scope", "is_admin_village", "is_larger", "covered",
                   "hardened_access", "unreachable_reason", "dispersed")


@dataclass
class PlanInputs:
    """The layers of one run's results.gpkg (metric CRS) and the settings of that run."""

    source: Path
    config: Config
    crs: CRS
    villages: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame | None
    counties: gpd.GeoDataFrame | None
    mines: gpd.GeoDataFrame | None
    extra: dict[str, gpd.GeoDataFrame] = dataclasses.field(default_factory=dict)

    def flag(self, col: str) -> np.ndarray:
        """A boolean village column, nulls as False."""
        return self.villages[col].fillna(False).astype(bool).to_numpy()

    @property
    def reachable(self) -> np.ndarray:
        """Villages the run placed on the served road network."""
        return self.villages["unreachable_reason"].isna().to_numpy()

    def waste_scope(self) -> np.ndarray:
        """Villages counted by the waste indicator: in-scope administrative villages."""
        return self.flag("in_scope") & self.flag("is_admin_village")

    def road_scope(self) -> np.ndarray:
        """Villages counted by the road indicator: in-scope larger villages."""
        return self.flag("in_scope") & self.flag("is_larger")


def _config_of(gpkg: Path, overrides: list[str] | None) -> Config:
    """The run's settings recorded in ``gpkg`` (or the summary.json beside an older one), then ``overrides``.

    Raises
    ------
    InputError
        When the settings are recorded nowhere: planning on defaults would silently plan another run.
    """
    return run_config(gpkg, overrides)


def load_results(path: str | Path, overrides: list[str] | None = None) -> PlanInputs:
    """Read the layers of a results.gpkg written by ``ruralenv run``.

    Parameters
    ----------
    path : path
        The results.gpkg.
    overrides : list of str, optional
        ``key=value`` settings applied over the run's own (recorded in the file, see
        :func:`..io.runinfo.run_config`).

    Returns
    -------
    PlanInputs

    Raises
    ------
    InputError
        The file or one of its needed layers or columns is missing.
    """
    gpkg = Path(path)
    if not gpkg.exists():
        raise InputError([Problem(str(gpkg), None, None, None, "file not found; give the results.gpkg "
                                  "that `ruralenv run` wrote")])
    try:
        names = {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    except Exception as exc:  # noqa: BLE001 - any OGR failure is a bad file
        raise InputError([Problem(str(gpkg), None, None, None, f"not a readable GeoPackage: {exc}")]) from None
    problems = [Problem(str(gpkg), n, None, None, "layer missing; re-run `ruralenv run` to write it")
                for n in NEEDED_LAYERS if n not in names]
    if problems:
        raise InputError(problems)
    layers = {n: gpd.read_file(gpkg, layer=n) for n in (*NEEDED_LAYERS, "towns", "counties", "mines")
              if n in names}
    missing = [c for c in VILLAGE_COLUMNS if c not in layers["villages"]]
    if missing or "hardened" not in layers["roads"]:
        raise InputError([Problem(str(gpkg), "villages" if c != "hardened" else "roads", None, c,
                                  "column missing: this is not a results.gpkg of `ruralenv run`")
                          for c in missing + ([] if "hardened" in layers["roads"] else ["hardened"])])
    crs = layers["villages"].crs
    if crs is None or not crs.is_projected:
        raise InputError([Problem(str(gpkg), "villages", None, None, "layer has no projected CRS")])
    for name, df in layers.items():  # a run without a counties layer writes the county indicators as a table
        if not isinstance(df, gpd.GeoDataFrame):
            layers[name] = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([None] * len(df), index=df.index), crs=crs)
    roads = layers["roads"]
    roads["hardened"] = roads["hardened"].fillna(False).astype(bool)
    return PlanInputs(gpkg, _config_of(gpkg, overrides), crs, layers["villages"], roads, layers["facilities"],
                      layers.get("towns"), layers.get("counties"), layers.get("mines"), _extra_layers(gpkg, crs))


#: Input layers of the run that results.gpkg does not hold; the re-run check reads them from their sources.
EXTRA_LAYERS = ("sewer", "urban_areas", "priority_zones")


def _extra_layers(gpkg: Path, crs: CRS) -> dict[str, gpd.GeoDataFrame]:
    """The run's ``sewer``, ``urban_areas`` and ``priority_zones`` inputs, read from the sources the run's record
    names when they are still there unchanged (same SHA-256); a missing or changed source is left out.
    """
    from ..base.config import LayerSpec
    from ..base.files import sha256_of
    from ..io.runinfo import read_run_record

    try:
        inputs = read_run_record(gpkg).get("inputs", {}) or {}
    except Exception:  # noqa: BLE001 - no record: the check runs without these layers (and says so)
        return {}
    out = {}
    for kind in EXTRA_LAYERS:
        rec = inputs.get(kind)
        if not isinstance(rec, dict) or not rec.get("source"):
            continue
        spec = LayerSpec.parse(rec["source"])
        try:
            if rec.get("sha256") and sha256_of(spec.path) != rec["sha256"]:
                continue
            out[kind] = gpd.read_file(spec.path, layer=spec.layer).to_crs(crs)
        except Exception:  # noqa: BLE001 - a source that cannot be read is left out (the check says so)
            continue
    return out


@dataclass
class Graph:
    """The road graph with groups of snapped points added as nodes.

    Attributes
    ----------
    net : RoadNetwork
    aug : Augmented
    node : dict
        Group name → node id of each of its points (-1: not snapped).
    node_x, node_y : ndarray
        Projected coordinates of every node of ``aug``.
    scale : float
        Largest projection scale factor over the data (projected metres per ground metre).
    snap_edge, snap_along : ndarray
        Road edge, and metres from its ``u`` end, of each snapped node (node ``net.n_nodes + k`` is entry ``k``).
    """

    net: RoadNetwork
    aug: Augmented
    node: dict[str, np.ndarray]
    node_x: np.ndarray
    node_y: np.ndarray
    scale: float
    snap_edge: np.ndarray
    snap_along: np.ndarray


def road_network(inp: PlanInputs, progress: Progress | None = None,
                 hardened: np.ndarray | None = None) -> RoadNetwork:
    """The run's road graph (from the cache when it is there), optionally with other hardened flags."""
    roads = inp.roads if hardened is None else inp.roads.assign(hardened=hardened)
    return get_network(roads, inp.crs, inp.config, progress or NullProgress())


def snap_groups(inp: PlanInputs, net: RoadNetwork, groups: dict[str, tuple[np.ndarray, np.ndarray, float | None]]
                ) -> Graph:
    """Snap groups of points onto the roads and add them to the graph.

    Parameters
    ----------
    inp : PlanInputs
    net : RoadNetwork
    groups : dict
        Name → (x, y, max snap distance in metres or None).

    Returns
    -------
    Graph
    """
    from ..base.crs import scale_factors

    snapper = Snapper(net, inp.roads.geometry.array, inp.crs)
    snaps = {name: snapper.snap(x, y, max_dist_m=d) for name, (x, y, d) in groups.items()}
    allsnap = concat_snaps(list(snaps.values()))
    aug = augmented_graph(net, allsnap)
    node, start = {}, 0
    for name, s in snaps.items():
        node[name] = aug.point_node[start:start + len(s.edge)]
        start += len(s.edge)
    ok = allsnap.ok
    node_x, node_y = np.r_[net.node_x, allsnap.x[ok]], np.r_[net.node_y, allsnap.y[ok]]
    # The scale factor of a transverse Mercator grows away from the central meridian: the extremes of x count.
    sample = np.r_[np.linspace(0, len(node_x) - 1, min(len(node_x), 200)).astype(int),
                   np.argmin(node_x), np.argmax(node_x)] if len(node_x) else np.zeros(0, int)
    k = scale_factors(inp.crs, node_x[sample], node_y[sample]) if len(sample) else np.ones(1)
    return Graph(net, aug, node, node_x, node_y, float(np.max(k)) * 1.001, allsnap.edge[ok], allsnap.along_m[ok])


def by_county(inp: PlanInputs) -> pd.Series:
    """County code of each village (as text)."""
    return inp.villages["county_code"].astype(str)
