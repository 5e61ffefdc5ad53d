"""``ruralenv template --out DIR``: a CSV of each input layer with the Chinese field names, to fill in.

Each ``DIR/<layer>.csv`` (UTF-8 with a BOM, so Excel shows the Chinese) has the contract's fields under the
Chinese names the reader knows (:data:`ruralenv.core.base.schema.ALIASES`); points carry 经度/纬度 columns,
lines and polygons a 几何WKT column (WKT in longitude/latitude). By default the rows are the bundled sample
county's, so the folder runs as it is (``ruralenv run DIR/plan.toml --out OUT``, the same results as the sample);
``--empty`` writes the header rows only.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..base import schema
from ..base.config import LAYER_KINDS
from ..base.files import SAMPLE_GPKG, SAMPLE_SETTINGS, write_atomically
from ..base.i18n import tr

#: The name field's Chinese header per layer (``名称`` elsewhere).
NAME_HEADERS = {"villages": "村名", "towns": "乡镇名称", "counties": "旗县名称", "facilities": "设施名称",
                "mines": "矿山名称", "roads": "道路名称"}
#: Header of the WKT geometry column of line and polygon layers.
WKT_HEADER = "几何WKT"
LON_HEADER, LAT_HEADER = "经度", "纬度"


def chinese_header(kind: str, field: str) -> str:
    """The Chinese header of ``field`` in a ``kind`` layer: the first Chinese alias of the schema (the field's own
    name when it has none)."""
    if field == "name":
        return NAME_HEADERS.get(kind, "名称")
    return next((alias for alias, target in schema.ALIASES.items() if target == field and not alias.isascii()),
                field)


def template_table(kind: str, gdf: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The template of ``kind``: the rows of ``gdf`` (none when None) under the Chinese headers."""
    fields = [*schema.REQUIRED[kind], *schema.OPTIONAL[kind]]
    if gdf is None:
        columns = [chinese_header(kind, f) for f in fields]
        geom_cols = [LON_HEADER, LAT_HEADER] if schema.GEOMETRY[kind] == ("Point",) else [WKT_HEADER]
        return pd.DataFrame(columns=columns + geom_cols)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    table = table.rename(columns={f: chinese_header(kind, f) for f in fields if f in table.columns})
    geom = gdf.geometry
    if (geom.geom_type == "Point").all():
        table[LON_HEADER], table[LAT_HEADER] = geom.x.to_numpy(), geom.y.to_numpy()
    else:
        table[WKT_HEADER] = shapely.to_wkt(geom.to_numpy(), rounding_precision=-1)
    return table


def write_templates(out: Path, empty: bool = False, source: Path = SAMPLE_GPKG) -> dict[str, Path]:
    """Write ``<kind>.csv`` for every input layer and a ``plan.toml`` naming them into ``out``.

    Parameters
    ----------
    out : Path
        Folder to write (created; files already there are replaced).
    empty : bool
        Header rows only, instead of the rows of ``source``.
    source : Path
        GeoPackage with one layer per input kind (default: the bundled sample county).

    Returns
    -------
    dict of str to Path
        The files written, by layer kind (and ``"plan.toml"``).
    """
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(source)}
    tables = {}
    for kind in LAYER_KINDS:
        gdf = None if empty or kind not in layers else gpd.read_file(source, layer=kind)
        if gdf is not None and gdf.crs is not None and not gdf.crs.is_geographic:
            gdf = gdf.to_crs("EPSG:4490")
        tables[kind] = template_table(kind, gdf)
    toml = "[inputs]\n" + "".join(f'{kind} = "{kind}.csv"\n' for kind in tables
                                  if empty or len(tables[kind]))
    if not empty and Path(source) == SAMPLE_GPKG:  # the sample's own settings, as `ruralenv demo` runs it
        toml += "\n# 示例数据的全区数字（虚构）/ the sample's region figure (invented)\n[settings]\n" + "".join(
            f"{key} = {value}\n" for key, _, value in (pair.partition("=") for pair in SAMPLE_SETTINGS))
    writers = {f"{kind}.csv": _csv_writer(table) for kind, table in tables.items()}
    writers["plan.toml"] = lambda path: path.write_text(toml, encoding="utf-8")
    written = write_atomically(out, writers)
    return {name.removesuffix(".csv"): path for name, path in written.items()}


def _csv_writer(table: pd.DataFrame):  # type: ignore[no-untyped-def]
    return lambda path: table.to_csv(path, index=False, encoding="utf-8-sig")


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``template`` subcommand."""
    p = subparsers.add_parser("template", help="write a CSV template of each input layer with Chinese headers",
                              description="Write DIR/<layer>.csv for every input layer, with the Chinese field "
                                          "names the reader knows, and DIR/plan.toml naming them. The rows are "
                                          "the bundled sample county's: replace them with your own.")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write")
    p.add_argument("--empty", action="store_true", help="header rows only, no sample rows")
    p.set_defaults(func=cmd_template)


def cmd_template(args: argparse.Namespace) -> int:
    """Run ``ruralenv template``."""
    files = write_templates(args.out, empty=args.empty)
    for name, path in files.items():
        print(f"{tr(name):<13} {Path(path).resolve()}")
    return 0
