"""Render docs/surface_sample.png: the road distance to the nearest transfer station over the sample county.

Usage: ``python scripts/render_surface_sample.py [--out docs/surface_sample.png]`` (needs matplotlib, which
Debian's QGIS brings). Runs the pipeline on the bundled sample, computes the surface at 100 m and draws it
with the roads, the transfer stations and the county outline.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from ruralenv.core import Config, run_pipeline
from ruralenv.core.cli.main import SAMPLE_GPKG
from ruralenv.core.surface.cost import NODATA
from ruralenv.core.surface.run import make_surface, read_results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/surface_sample.png"))
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with tempfile.TemporaryDirectory() as tmp:
        inputs = {k: f"{SAMPLE_GPKG}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties")}
        run_pipeline(inputs, Config(), out_dir=tmp, write_map=False)
        layers = read_results(Path(tmp) / "results.gpkg")
    surf = make_surface(layers, "transfer_station", "distance", Config(), 100)
    km = np.ma.masked_equal(surf.values, NODATA) / 1000
    left, bottom, right, top = surf.grid.bounds
    fig, ax = plt.subplots(figsize=(9, 8.5), dpi=110)
    im = ax.imshow(km, extent=(left, right, bottom, top), cmap="RdYlGn_r", vmin=0, vmax=float(km.max()))
    layers.roads.plot(ax=ax, color="#333333", linewidth=0.35)
    layers.counties.boundary.plot(ax=ax, color="black", linewidth=1.0)
    f = layers.facilities
    f[f["facility_type"] == "transfer_station"].plot(ax=ax, marker="^", color="white", edgecolor="black",
                                                      markersize=70, zorder=5)
    ax.set_title("准格尔旗 Zhungeer: road distance to the nearest transfer station (100 m cells; grey: > 2 km "
                 "from any road)", fontsize=9, fontfamily=["WenQuanYi Micro Hei", "sans-serif"])
    ax.set_facecolor("#d9d9d9")
    ax.set_xlabel(f"{surf.crs.name} easting (m)", fontsize=8)
    ax.set_ylabel("northing (m)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(style="plain", useOffset=False)
    fig.colorbar(im, ax=ax, shrink=0.7, label="km (off-road leg + along roads)")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
