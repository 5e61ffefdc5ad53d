"""Add the synthetic sanitation inputs to the sample county (run after ``build_sample.py``).

Adds to ``data/sample/zhungeer_150622.gpkg``, leaving every existing value as it is:

* villages: ``resident_population`` (常住人口), ``sanitary_toilet_households`` (卫生厕所户数) and
  ``sewage_treated`` (生活污水已治理, 1/0), all invented;
* facilities: one town wastewater plant (城镇污水处理厂) by the county seat and three fecal-treatment
  facilities (粪污处理设施) by township seats, ids ``S001``–``S004``;
* layers ``sewer`` (four mains around the county seat 薛家湾镇), ``urban_areas`` (built-up areas of 薛家湾镇
  and 沙圪堵镇) and ``priority_zones`` (a 沿黄流域 zone: the strip of the county within 20 km of its
  eastern edge, where the Yellow River runs).

Every added feature has ``synthetic`` = 1 and every added name ends in “（示例）”. The run is
deterministic (seed 150622, stream 14) and idempotent: it drops what an earlier run added first.

Usage::

    python data/add_sanitation_sample.py [--gpkg PATH]
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

SEED = (150622, 14)
GEO_CRS = "EPSG:4490"
METRIC_CRS = "EPSG:4546"
FIXED_GPKG_DATE = "2024-01-01T00:00:00.000Z"
SAMPLE = Path(__file__).resolve().parent / "sample" / "zhungeer_150622.gpkg"
VILLAGE_FIELDS = ("resident_population", "sanitary_toilet_households", "sewage_treated")
NEW_LAYERS = ("sewer", "urban_areas", "priority_zones")
COUNTY_SEAT, SHAGEDU = "150622100", "150622101"
FECAL_TOWNS = ("150622101", "150622103", "150622105")  # 沙圪堵镇, 纳日松镇, 准格尔召镇
YELLOW_RIVER_STRIP_M = 20000.0


def village_fields(villages: gpd.GeoDataFrame, seat: shapely.Point, rng: np.random.Generator) -> pd.DataFrame:
    """Invented resident population, sanitary toilets and sewage status of each village.

    常住人口 is 60–95 % of the registered population (people work away); 40–95 % of households have a
    sanitary toilet; sewage is treated in about 45 % of villages within 8 km of the county seat and 15 %
    elsewhere, so the county sits below the plan's 26 % / 32 % targets and the indicators have gaps to show.
    """
    n = len(villages)
    pop = villages["population"].to_numpy(float)
    hh = villages["households"].to_numpy(float)
    resident = np.round(pop * rng.uniform(0.60, 0.95, n)).astype(np.int64)
    sanitary = np.minimum(np.round(hh * rng.uniform(0.40, 0.95, n)), hh).astype(np.int64)
    near_seat = villages.to_crs(METRIC_CRS).distance(seat).to_numpy() < 8000.0
    treated = (rng.uniform(size=n) < np.where(near_seat, 0.45, 0.15)).astype(np.int64)
    return pd.DataFrame({"resident_population": resident, "sanitary_toilet_households": sanitary,
                         "sewage_treated": treated}, index=villages.index)


def seat_points(towns: gpd.GeoDataFrame) -> dict[str, shapely.Point]:
    metric = towns.to_crs(METRIC_CRS)
    return dict(zip(metric["town_code"], metric.geometry, strict=True))


def new_facilities(seats: dict[str, shapely.Point], names: dict[str, str], county: str) -> gpd.GeoDataFrame:
    """A wastewater plant 2 km east of the county seat and a fecal-treatment site 1 km north of three seats."""
    seat = seats[COUNTY_SEAT]
    rows = [{"facility_id": "S001", "name": "薛家湾镇污水处理厂（示例）", "facility_type": "wastewater_plant",
             "capacity_tpd": 20000.0, "geometry": shapely.Point(seat.x + 2000.0, seat.y)}]
    for i, code in enumerate(FECAL_TOWNS, start=2):
        p = seats[code]
        rows.append({"facility_id": f"S{i:03d}", "name": f"{names[code]}粪污处理设施（示例）",
                     "facility_type": "fecal_treatment", "capacity_tpd": 10.0,
                     "geometry": shapely.Point(p.x, p.y + 1000.0)})
    gdf = gpd.GeoDataFrame(rows, crs=METRIC_CRS)
    gdf["county_code"] = county
    gdf["synthetic"] = 1
    return gdf


def sewer_layer(seats: dict[str, shapely.Point]) -> gpd.GeoDataFrame:
    """Four 3 km mains from the county seat (E main ending at the plant) — invented."""
    s = seats[COUNTY_SEAT]
    ends = {"东": (2000.0, 0.0), "西": (-3000.0, 300.0), "北": (200.0, 3000.0), "南": (-300.0, -3000.0)}
    geoms = [shapely.LineString([(s.x, s.y), (s.x + dx / 2, s.y + dy / 2 + 150.0), (s.x + dx, s.y + dy)])
             for dx, dy in ends.values()]
    names = [f"薛家湾镇{k}污水主干管（示例）" for k in ends]
    return gpd.GeoDataFrame({"name": names, "synthetic": 1}, geometry=geoms, crs=METRIC_CRS)


def urban_layer(seats: dict[str, shapely.Point], names: dict[str, str]) -> gpd.GeoDataFrame:
    """Built-up areas: 2.5 km around 薛家湾镇 and 1.2 km around 沙圪堵镇 (rough discs, invented)."""
    rows = [(COUNTY_SEAT, 2500.0), (SHAGEDU, 1200.0)]
    geoms = [seats[code].buffer(r, quad_segs=8) for code, r in rows]
    return gpd.GeoDataFrame({"name": [f"{names[c]}建成区（示例）" for c, _ in rows], "synthetic": 1},
                            geometry=geoms, crs=METRIC_CRS)


def zone_layer(county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """沿黄流域: the part of the county within 20 km of its eastern edge (a stand-in for the real basin)."""
    poly = county.to_crs(METRIC_CRS).geometry.iloc[0]
    xmin, ymin, xmax, ymax = poly.bounds
    strip = shapely.box(xmax - YELLOW_RIVER_STRIP_M, ymin - 1, xmax + 1, ymax + 1)
    return gpd.GeoDataFrame({"zone": ["沿黄流域"], "sewage_target_pct": [60.0],
                             "name": ["沿黄流域（示例：旗境东缘20 km）"], "synthetic": [1]},
                            geometry=[poly.intersection(strip)], crs=METRIC_CRS)


def build(gpkg: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the sample with the sanitation inputs added (earlier additions replaced)."""
    names = [str(n) for n in pyogrio.list_layers(gpkg)[:, 0] if str(n) not in NEW_LAYERS]
    layers = {n: gpd.read_file(gpkg, layer=n, engine="pyogrio") for n in names}
    towns = layers["towns"]
    seats = seat_points(towns)
    town_names = dict(zip(towns["town_code"], towns["name"], strict=True))
    v = layers["villages"].drop(columns=[c for c in VILLAGE_FIELDS if c in layers["villages"]])
    extra = village_fields(v, seats[COUNTY_SEAT], np.random.default_rng(SEED))
    layers["villages"] = gpd.GeoDataFrame(pd.concat([v.drop(columns="geometry"), extra], axis=1),
                                          geometry=v.geometry, crs=v.crs)
    f = layers["facilities"]
    f = f[~f["facility_id"].str.startswith("S")]
    added = new_facilities(seats, town_names, str(layers["counties"]["county_code"].iloc[0])).to_crs(f.crs)
    layers["facilities"] = gpd.GeoDataFrame(pd.concat([f, added[f.columns]], ignore_index=True), crs=f.crs)
    for name, gdf in (("sewer", sewer_layer(seats)), ("urban_areas", urban_layer(seats, town_names)),
                      ("priority_zones", zone_layer(layers["counties"]))):
        gdf = gdf.to_crs(GEO_CRS)
        gdf["geometry"] = shapely.set_precision(gdf.geometry.array, 1e-8)
        layers[name] = gdf
    return layers


def write(gpkg: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Replace the GeoPackage atomically, layers in the same order, with the generator's fixed timestamp."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    handle, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=gpkg.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, gpkg)
    finally:
        if tmp.exists():
            tmp.unlink()


def main() -> None:
    """Add the sanitation inputs to the sample GeoPackage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpkg", type=Path, default=SAMPLE, help="sample GeoPackage (default: the bundled one)")
    args = parser.parse_args()
    layers = build(args.gpkg)
    write(args.gpkg, layers)
    for name, gdf in layers.items():
        print(f"{name:>15}: {len(gdf)} features")


if __name__ == "__main__":
    main()
