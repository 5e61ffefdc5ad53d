"""Size and speed of the web map: a synthetic results set of any size (or a run's results.gpkg), written with
:func:`ruralenv.core.maps.webmap.export_map`, its bytes counted per layer and timed in headless Chromium
(Playwright, the ``bench`` extra).

``python -m ruralenv.tools.map_bench --villages 60000 --roads 200000`` or
``python -m ruralenv.tools.map_bench --results out/results.gpkg`` prints the measurements as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..core.base.legend import MODEL_COLOURS
from ..core.maps.webmap import export_map, json_for_script

#: Environment variable naming the Chromium executable (default: ``chromium`` or ``chromium-browser`` on PATH).
CHROMIUM_ENV = "RURALENV_CHROMIUM"


def chromium_path() -> str | None:
    """The Chromium executable for render timings: ``$RURALENV_CHROMIUM``, else the first on ``PATH``."""
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")

def synthetic_layers(n_villages: int, n_roads: int, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """A fake results set of the given size around Inner Mongolia, for size and speed measurements.

    Roads are 3- to 6-vertex lines of a few hundred metres; villages carry every mapped field.

    Parameters
    ----------
    n_villages, n_roads : int
    seed : int

    Returns
    -------
    dict
        Layers named as in results.gpkg, in a metric CRS (EPSG:4546, CGCS2000 GK zone 111°E).
    """
    rng = np.random.default_rng(seed)
    crs = "EPSG:4546"
    x0, y0, span = 500_000.0, 4_300_000.0, 400_000.0
    vx, vy = x0 + rng.random(n_villages) * span, y0 + rng.random(n_villages) * span
    models = np.array(list(MODEL_COLOURS))[rng.integers(0, 3, n_villages)]
    unreachable = rng.random(n_villages) < 0.02
    haul = np.column_stack([rng.random(n_villages) * 20, rng.random(n_villages) * 80]).tolist()
    villages = gpd.GeoDataFrame({
        "village_code": [f"15{i:010d}" for i in range(n_villages)],
        "name": [f"村{i}" for i in range(n_villages)],
        "county_code": "150000", "village_class": "集聚提升类",
        "population": rng.integers(50, 2000, n_villages), "households": rng.integers(10, 600, n_villages),
        "in_scope": rng.random(n_villages) > 0.05, "is_admin_village": rng.random(n_villages) > 0.5,
        "is_larger": True, "hardened_access": rng.random(n_villages) > 0.2,
        "pave_gap_m": np.round(rng.random(n_villages) * 3000, 1),
        "snap_dist_m": np.round(rng.random(n_villages) * 800, 2), "issues": "",
        "net_dist_station_m": np.round(rng.random(n_villages) * 30000, 1),
        "net_dist_town_treatment_m": np.round(rng.random(n_villages) * 30000, 1),
        "net_dist_county_treatment_m": np.round(rng.random(n_villages) * 90000, 1),
        "collection_model": np.where(unreachable, np.array(None, dtype=object), models),
        "model_reason": [f"转运站路网距离 {a:.1f} km ≤ 20.0 km，该站至旗县处理设施 {b:.1f} km ≤ 80.0 km"
                         for a, b in haul],
        "model_reason_en": [f"transfer station {a:.1f} km by road ≤ 20.0 km; it hauls {b:.1f} km ≤ 80.0 km"
                            for a, b in haul],
        "covered": rng.random(n_villages) > 0.3,
        "unreachable_reason": np.where(unreachable, "far_from_road: 距最近道路 3.1 km / 3100 m from the nearest road",
                                       np.array(None, dtype=object)),
    }, geometry=gpd.points_from_xy(vx, vy), crs=crs)
    n_vert = rng.integers(3, 7, n_roads)
    starts = np.column_stack([x0 + rng.random(n_roads) * span, y0 + rng.random(n_roads) * span])
    steps = rng.normal(0, 120, (int(n_vert.sum()), 2))
    owner = np.repeat(np.arange(n_roads), n_vert)
    xy = np.cumsum(steps, axis=0)
    first = np.r_[0, np.cumsum(n_vert)[:-1]]
    xy -= np.repeat(xy[first] - starts, n_vert, axis=0)
    roads = gpd.GeoDataFrame({"hardened": rng.random(n_roads) > 0.5},
                             geometry=shapely.linestrings(xy, indices=owner), crs=crs)
    facilities = gpd.GeoDataFrame({"facility_type": ["county_treatment", "transfer_station", "town_treatment"]},
                                  geometry=gpd.points_from_xy(x0 + span * np.array([0.5, 0.3, 0.7]),
                                                              y0 + span * np.array([0.5, 0.3, 0.7])), crs=crs)
    return {"villages": villages, "roads": roads, "facilities": facilities}


def size_by_part(html_path: str | Path) -> dict[str, int]:
    """Bytes of a map file by part.

    Returns
    -------
    dict
        ``total``; ``page`` (Leaflet, the map's script and style); per layer ``layer:<id>`` (the roads also as
        ``roads:overview`` and ``roads:tiles``, their two levels of detail); ``other_data`` (indicators,
        words of the page, …).
    """
    text = Path(html_path).read_text(encoding="utf-8")
    head = '<script type="application/json" id="re-data">'
    start = text.index(head) + len(head)
    embedded = text[start:text.index("</script>", start)]
    data = json.loads(embedded)
    out = {"total": len(text.encode("utf-8")), "page": len(text.encode("utf-8")) - len(embedded.encode("utf-8"))}
    for lay in data["layers"]:
        out[f"layer:{lay['id']}"] = len(json_for_script(lay).encode("utf-8"))
        for level in ("overview", "tiles") if "lod" in lay else ():
            out[f"roads:{level}"] = len(json_for_script(lay["lod"][level]).encode("utf-8"))
    layers = sum(v for k, v in out.items() if k.startswith("layer:"))
    out["other_data"] = len(embedded.encode("utf-8")) - layers
    return out


def map_benchmark(n_villages: int, n_roads: int, out_dir: str | Path, browser: str | None = None,
                  seed: int = 0) -> dict[str, Any]:
    """Write a map of a synthetic run and measure it.

    Parameters
    ----------
    n_villages, n_roads : int
        Size of the synthetic results (:func:`synthetic_layers`).
    out_dir : path
        Where ``map_<n_villages>_<n_roads>.html`` is written.
    browser : str or None
        Chromium executable for the render timing (needs the ``playwright`` package); None skips it.
    seed : int

    Returns
    -------
    dict
        ``path``, ``size_bytes``, ``size_by_part`` (:func:`size_by_part`), ``export_s`` (Python), and with a
        browser ``first_render_s`` (navigation start to the first frame painted with every layer added, as
        measured by the page itself), ``redraw_ms`` (pan, zoom in, zoom out), ``rendered`` (feature counts the
        page reports) and ``js_errors``.
    """
    layers = synthetic_layers(n_villages, n_roads, seed)
    return _export_and_measure(layers, Path(out_dir) / f"map_{n_villages}_{n_roads}.html", browser)


def results_benchmark(results: str | Path, out_dir: str | Path, browser: str | None = None) -> dict[str, Any]:
    """The measurements of :func:`map_benchmark` for the map of a run's ``results.gpkg``."""
    return _export_and_measure(Path(results), Path(out_dir) / "map.html", browser)


def _export_and_measure(results: Any, out: Path, browser: str | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    export_map(results, out)
    result: dict[str, Any] = {"path": str(out), "export_s": round(time.perf_counter() - t0, 3),
                              "size_bytes": out.stat().st_size, "size_by_part": size_by_part(out)}
    if browser:
        result.update(measure_render(out, browser))
    return result


CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


def measure_render(html_path: str | Path, browser: str | None = None, timeout_s: float = 300) -> dict:
    """Open a map in headless Chromium and read the page's own timing of its first full render.

    The page sets ``window.ruralenvMap.ready`` two animation frames after the last layer is added (the
    canvas is painted by then) and records ``timings.first_render_ms`` since navigation start. Starts its
    own Playwright session: do not call it from inside another ``sync_playwright()`` block.

    Returns
    -------
    dict
        ``first_render_s``, ``timings_ms`` (parse, build, first render), ``redraw_ms`` (time to redraw after
        a pan and after zooming in and out), ``rendered`` (counts per layer) and ``js_errors``.
    """
    from playwright.sync_api import sync_playwright

    browser = browser or chromium_path()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found: install it (Debian: chromium) or set ${CHROMIUM_ENV}")
    errors: list[str] = []
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
        try:
            page = chrome.new_page(viewport={"width": 1280, "height": 800})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(Path(html_path).resolve().as_uri(), timeout=timeout_s * 1000)
            page.wait_for_function("window.ruralenvMap && window.ruralenvMap.ready", timeout=timeout_s * 1000)
            info = page.evaluate("({t: window.ruralenvMap.timings, c: window.ruralenvMap.counts})")
            redraw = {name: page.evaluate(_REDRAW_JS, step) for name, step in _REDRAW_STEPS.items()}
        finally:
            chrome.close()
    return {"first_render_s": round(info["t"]["first_render_ms"] / 1000, 3), "timings_ms": info["t"],
            "redraw_ms": {k: round(v, 1) for k, v in redraw.items()}, "rendered": info["c"], "js_errors": errors}


#: One view change, then the time until the canvas is redrawn (two animation frames after ``moveend``).
_REDRAW_JS = """async (step) => {
  const map = window.ruralenvMap.map;
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  const t = performance.now();
  const moved = new Promise((done) => map.once('moveend', done));
  if (step.pan) { map.panBy(step.pan, {animate: false}); } else { map.setZoom(map.getZoom() + step.zoom, {animate: false}); }
  await moved; await frame(); await frame();
  return performance.now() - t;
}"""
_REDRAW_STEPS = {"pan": {"pan": [400, 250]}, "zoom_in": {"zoom": 2}, "zoom_out": {"zoom": -2}}


def main(argv: list[str] | None = None) -> int:
    """Measure one map and print the result as JSON (see the module docstring)."""
    p = argparse.ArgumentParser(prog="python -m ruralenv.tools.map_bench", description=__doc__)
    p.add_argument("--results", type=Path, help="a run's results.gpkg (instead of a synthetic map)")
    p.add_argument("--villages", type=int, default=60_000, help="synthetic villages (default 60000)")
    p.add_argument("--roads", type=int, default=200_000, help="synthetic road segments (default 200000)")
    p.add_argument("--out", type=Path, default=Path("map-bench"), help="folder of the map written (map-bench)")
    p.add_argument("--no-browser", action="store_true", help="size and export time only")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    browser = None if args.no_browser else chromium_path()
    if args.results:
        result = results_benchmark(args.results, args.out, browser)
    else:
        result = map_benchmark(args.villages, args.roads, args.out, browser)
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
