"""The analysis of a run: :func:`prepare`, then the declared :data:`STAGES` in order, then the Results.

To add an analysis: write ``core/stages/<name>.py`` with pure array functions, a frozen result dataclass
with ``village_columns()`` and ``run(ctx)``; declare its columns in :mod:`.contract`; insert a
:class:`.stage.Stage` here before ``villages`` (which assembles the villages layer from every result).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import geopandas as gpd

from ..base import schema
from ..base.config import Config, RunInputs
from ..base.progress import NullProgress, Progress
from .prepare import LayerInput, prepare
from .results import Results, build_results, roads_layer
from .stage import Context, Stage, Timer, run_stages
from .stages import (
    access,
    attributes,
    capacity,
    class3,
    collection,
    distances,
    indicators,
    mines,
    sanitation,
    villages,
)

#: The stages of every run after :func:`.prepare.prepare`, in order.
STAGES: tuple[Stage, ...] = (
    Stage("attributes", attributes.run),
    Stage("distances", distances.run, steps=len(schema.FACILITY_TYPES)),
    Stage("access", access.run),
    Stage("collection", collection.run),
    Stage("capacity", capacity.run),
    Stage("class3", class3.run),
    Stage("sanitation", sanitation.run),
    Stage("mines", mines.run),
    Stage("villages", villages.run),
    Stage("indicators", indicators.run),
)

#: Every step a run reports, in order (progress displays split their bar by these).
PIPELINE_STAGES: tuple[str, ...] = ("read", "crs", "graph", "snapping", *(s.name for s in STAGES), "write")


def analyse(inputs: RunInputs | Mapping[str, LayerInput], config: Config | None = None,
            progress: Progress | None = None, timer: Timer | None = None,
            roads_ready: Callable[[gpd.GeoDataFrame], object] | None = None) -> Results:
    """Prepare the inputs and run every stage; write nothing.

    Parameters
    ----------
    inputs : RunInputs or mapping
        Layer kind → file spec (``path[:layer]``), :class:`.LayerSpec` or GeoDataFrame.
    config : Config, optional
    progress : Progress, optional
    timer : Timer, optional
        Collects the wall time of every stage (summary.json ``timings_s``).
    roads_ready : callable, optional
        Given the roads layer of the results (:func:`.results.roads_layer`) as soon as it is complete, at the
        end of :func:`prepare`, before the stages (which never change it), e.g. to start writing it. It is
        the very frame the Results hold.

    Returns
    -------
    Results
    """
    config = config or Config()
    progress = progress or NullProgress()
    timer = timer or Timer(progress)
    t0 = time.perf_counter()
    ctx = Context(prepare(inputs, config, progress, timer), progress)
    roads = None
    if roads_ready is not None:
        roads = roads_layer(ctx.prepared)
        roads_ready(roads)
    run_stages(STAGES, ctx, timer)
    results = build_results(ctx, timer.seconds, roads)
    timer.seconds["total_before_write"] = round(time.perf_counter() - t0, 3)
    return results
