"""Make the corpus of bad and odd input files of issue 12: ``python tests/core/corpus.py OUT_DIR``.

A small base county (a road grid, villages, facilities, towns, a county and mines near 111°E 39.8°N, in
CGCS2000 longitude/latitude) is written to ``base.gpkg``; every case then replaces ONE input of a run
(or is one survey file) with a damaged or unusual file. :func:`make_corpus` returns the cases; each says
which input it replaces, how many data rows it holds (when it can be read at all), its class (the README
lists the classes) and the exit code the documented behaviour gives (None where both are fine).
"""
from __future__ import annotations

import codecs
import json
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon

LON0, LAT0, STEP = 111.0, 39.80, 0.02
CRS = "EPSG:4490"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")

#: Spreadsheet headers of the point layers (the Chinese aliases of the contract).
ZH = {"village_code": "村代码", "name": "村名", "county_code": "旗县代码", "town_code": "乡镇代码",
      "population": "人口", "households": "户数", "village_class": "村庄分类", "is_admin_village": "是否行政村",
      "facility_type": "设施类型", "is_county_seat": "是否旗县驻地", "green_mine_level": "绿色矿山级别"}


@dataclass(frozen=True)
class Case:
    """One corpus file (or file set) and what it replaces.

    Attributes
    ----------
    name : str
        Unique case name (also the file stem).
    kind : str
        The input it replaces (one of :data:`KINDS`) or ``"survey"``.
    path : Path
        The file given to the command (``path:layer`` is added for GeoPackages).
    klass : str
        The corpus class (README, section on bad input).
    rows : int or None
        Data rows in the file, when it can be read.
    expect : int or None
        Exit code of the default run (``on_bad_rows=fail``), None when not pinned.
    layer : str or None
        Layer name inside the file.
    """

    name: str
    kind: str
    path: Path
    klass: str
    rows: int | None
    expect: int | None
    layer: str | None = None

    @property
    def spec(self) -> str:
        """The input as given on the command line."""
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)


# --- the base county -----------------------------------------------------------------------------

def _node(i: int, j: int) -> tuple[float, float]:
    return (LON0 + i * STEP, LAT0 + j * STEP)


def base_layers() -> dict[str, gpd.GeoDataFrame]:
    """The clean base county: 40 road segments on a 5 x 5 grid, 20 villages, 4 facilities, 2 towns, 1 county, 3 mines."""
    segs, surfaces = [], []
    for a in range(5):
        for b in range(4):
            segs += [LineString([_node(b, a), _node(b + 1, a)]), LineString([_node(a, b), _node(a, b + 1)])]
            surfaces += ["沥青" if a % 2 == 0 else "砂石", "水泥" if b % 2 == 0 else "土路"]
    roads = gpd.GeoDataFrame({"road_id": [f"R{k:03d}" for k in range(len(segs))], "surface": surfaces,
                              "grade": ["乡道"] * len(segs)}, geometry=segs, crs=CRS)
    rng = np.random.default_rng(12)
    pts = [Point(LON0 + rng.uniform(0, 4 * STEP), LAT0 + rng.uniform(0, 4 * STEP)) for _ in range(20)]
    villages = gpd.GeoDataFrame({
        "village_code": [f"15062210{k:04d}" for k in range(20)], "name": [f"村{k}" for k in range(20)],
        "county_code": "150622", "town_code": ["150622100", "150622101"] * 10,
        "population": rng.integers(80, 900, 20).astype(float), "households": rng.integers(20, 300, 20).astype(float),
        "village_class": ["集聚提升类", "城郊融合类", "特色保护类", "未分类"] * 5, "is_admin_village": ["是", "否"] * 10,
    }, geometry=pts, crs=CRS)
    facilities = gpd.GeoDataFrame({"facility_type": ["transfer_station", "town_treatment", "county_treatment",
                                                     "village_treatment"], "name": ["转运站", "镇处理", "县处理", "村处理"]},
                                  geometry=[Point(_node(1, 1)), Point(_node(3, 3)), Point(_node(4, 0)),
                                            Point(_node(0, 4))], crs=CRS)
    towns = gpd.GeoDataFrame({"town_code": ["150622100", "150622101"], "name": ["甲镇", "乙镇"],
                              "county_code": "150622", "is_county_seat": [1, 0]},
                             geometry=[Point(_node(2, 2)), Point(_node(0, 0))], crs=CRS)
    counties = gpd.GeoDataFrame({"county_code": ["150622"], "name": ["准格尔旗"]},
                                geometry=[shapely.box(LON0 - 0.05, LAT0 - 0.05, LON0 + 0.13, LAT0 + 0.13)], crs=CRS)
    mines = gpd.GeoDataFrame({"name": ["甲矿", "乙矿", "丙矿"], "green_mine_level": ["国家级", "无", "自治区级"]},
                             geometry=[Point(_node(1, 3)), Point(_node(3, 1)), Point(_node(4, 4))], crs=CRS)
    return {"villages": villages, "roads": roads, "facilities": facilities, "towns": towns, "counties": counties,
            "mines": mines}


def write_base(folder: Path) -> dict[str, str]:
    """Write ``base.gpkg``; return kind → ``path:layer``."""
    path = folder / "base.gpkg"
    for kind, gdf in base_layers().items():
        gdf.to_file(path, layer=kind, driver="GPKG", engine="pyogrio")
    return {k: f"{path}:{k}" for k in KINDS}


# --- writers -------------------------------------------------------------------------------------

def _table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point layer as a spreadsheet table: Chinese headers, 经度/纬度 columns."""
    geoms = gdf.geometry.array
    df = pd.DataFrame(gdf.drop(columns="geometry")).rename(columns=ZH)
    df["经度"] = [None if g is None or g.is_empty else g.x for g in geoms]
    df["纬度"] = [None if g is None or g.is_empty else g.y for g in geoms]
    return df


def write_as(gdf: gpd.GeoDataFrame, path: Path, fmt: str) -> Path:
    """Write a layer as ``fmt`` (gpkg, shp, geojson, fgb, csv, xlsx) at ``path`` with that suffix."""
    path = path.with_suffix("." + fmt)
    if fmt == "csv":
        _table(gdf).to_csv(path, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        _table(gdf).to_excel(path, index=False, engine="openpyxl")
    elif fmt == "gpkg":
        gdf.to_file(path, layer="layer", driver="GPKG", engine="pyogrio")
    else:
        driver = {"shp": "ESRI Shapefile", "geojson": "GeoJSON", "fgb": "FlatGeobuf"}[fmt]
        gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def _csv_text(gdf: gpd.GeoDataFrame, sep: str = ",") -> str:
    return _table(gdf).to_csv(index=False, sep=sep)


# --- village defects, each written in every format that can hold it ----------------------------------

def _set_point(v: gpd.GeoDataFrame, row: int, geom: object) -> gpd.GeoDataFrame:
    v = v.copy()
    geoms = np.asarray(v.geometry.array, dtype=object)
    geoms[row] = geom
    v["geometry"] = gpd.GeoSeries(geoms, crs=v.crs)
    return v


def _swapped(v: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return v.set_geometry(shapely.points(v.geometry.y, v.geometry.x), crs=v.crs)


def _text_numbers(v: gpd.GeoDataFrame, values: list[str]) -> gpd.GeoDataFrame:
    v = v.copy()
    v["population"] = v["population"].astype(object)
    for i, text in enumerate(values):
        v.loc[i, "population"] = text
    return v


ALL_FORMATS = ("gpkg", "shp", "geojson", "fgb", "csv", "xlsx")
NO_SHP = ("gpkg", "geojson", "fgb")

#: name → (class, change of the base villages, formats, expected exit code)
VILLAGE_DEFECTS: dict[str, tuple[str, Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], tuple[str, ...], int | None]] = {
    "clean": ("every accepted format", lambda v: v, ALL_FORMATS, 0),
    "nan_coordinate": ("NaN and infinite coordinates", lambda v: _set_point(v, 2, Point(np.nan, np.nan)),
                       ("gpkg", "csv", "xlsx"), 2),
    "inf_coordinate": ("NaN and infinite coordinates", lambda v: _set_point(v, 3, Point(np.inf, LAT0)),
                       ("fgb", "csv"), 2),
    "latitude_95": ("latitudes beyond ±90, longitudes beyond ±180", lambda v: _set_point(v, 4, Point(LON0, 95.0)),
                    ALL_FORMATS, 2),
    "longitude_200": ("latitudes beyond ±90, longitudes beyond ±180",
                      lambda v: _set_point(v, 5, Point(200.0, LAT0)), ALL_FORMATS, 2),
    "all_swapped": ("swapped longitude and latitude", _swapped, ALL_FORMATS, 0),
    "one_swapped": ("swapped longitude and latitude", lambda v: _set_point(v, 6, Point(LAT0 + 0.01, LON0 + 0.03)),
                    ALL_FORMATS, 0),
    "another_continent": ("points on another continent", lambda v: _set_point(v, 7, Point(-74.0, 40.7)),
                          ALL_FORMATS, 2),
    "duplicate_codes": ("duplicate fids and codes",
                        lambda v: v.assign(village_code=[*v["village_code"][:-1], v["village_code"].iloc[0]]),
                        ALL_FORMATS, 2),
    "numbers_as_text": ("numbers as text", lambda v: _text_numbers(v, ["1,234", "１２３", "300人", "85户"]),
                        ("gpkg", "csv", "xlsx", "geojson"), 0),
    "approximate_number": ("numbers as text", lambda v: _text_numbers(v, ["约300"]), ("gpkg", "csv", "xlsx"), 2),
    "empty_geometry": ("empty and invalid geometries", lambda v: _set_point(v, 8, Point()), ("gpkg", "geojson"), 2),
    "null_geometry": ("empty and invalid geometries", lambda v: _set_point(v, 9, None), ("gpkg", "shp", "csv"), 2),
    "multipoint": ("mixed geometry types, Multi*, Z and M",
                   lambda v: _set_point(v, 1, MultiPoint([v.geometry.iloc[1], Point(LON0, LAT0)])), NO_SHP, 0),
    "point_z": ("mixed geometry types, Multi*, Z and M",
                lambda v: v.set_geometry(shapely.force_3d(v.geometry.array, 1050.0), crs=v.crs),
                ("gpkg", "shp", "geojson", "fgb"), 0),
    "mixed_geometry": ("mixed geometry types, Multi*, Z and M",
                       lambda v: _set_point(v, 0, LineString([_node(0, 0), _node(1, 1)])), NO_SHP, 2),
    "unknown_class": ("unknown values", lambda v: v.assign(village_class=["城镇化类"] * len(v)), ALL_FORMATS, 2),
    "header_only": ("empty, zero-byte, truncated and header-only files", lambda v: v.iloc[:0],
                    ("gpkg", "geojson", "csv", "xlsx"), 2),
    "outside_every_county": ("villages outside every county",
                             lambda v: _set_point(v, 10, Point(LON0 + 0.6, LAT0 + 0.4)), ALL_FORMATS, 0),
    "no_county_code": ("missing fields", lambda v: v.drop(columns=["county_code"]), ALL_FORMATS, 2),
    "one_row": ("odd but valid", lambda v: v.iloc[:1], ALL_FORMATS, 0),
}


def village_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Every village defect in every format that can hold it."""
    for name, (klass, change, formats, expect) in VILLAGE_DEFECTS.items():
        gdf = change(villages)
        for fmt in formats:
            stem = f"villages_{name}_{fmt}"
            path = write_as(gdf, folder / stem, fmt)
            yield Case(stem, "villages", path, klass, len(gdf), expect)


# --- format-specific damage ----------------------------------------------------------------------

def _shapefile(folder: Path, stem: str, gdf: gpd.GeoDataFrame, encoding: str = "UTF-8") -> Path:
    path = folder / f"{stem}.shp"
    gdf.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)
    return path


def shapefile_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Missing or wrong .prj/.cpg, GBK attributes, missing side files, a truncated .shp."""
    klass = "missing or wrong .prj/.cpg"
    path = _shapefile(folder, "shp_no_prj", villages)
    path.with_suffix(".prj").unlink()
    yield Case("shp_no_prj", "villages", path, klass, len(villages), 0)
    path = _shapefile(folder, "shp_wrong_prj", villages)
    path.with_suffix(".prj").write_text(gpd.GeoSeries([], crs="EPSG:3857").crs.to_wkt("WKT1_ESRI"))
    yield Case("shp_wrong_prj", "villages", path, klass, len(villages), 2)
    path = _shapefile(folder, "shp_projected_prj", villages.to_crs("EPSG:4546"))
    yield Case("shp_projected_prj", "villages", path, klass, len(villages), 0)
    for stem, cpg, expect in (("shp_gbk_no_cpg", None, 0), ("shp_gbk_cpg_gbk", "GBK", 0),
                              ("shp_gbk_cpg_says_utf8", "UTF-8", 0), ("shp_gbk_cpg_garbage", "KLINGON", 0)):
        path = _shapefile(folder, stem, villages, encoding="GBK")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        if cpg:
            path.with_suffix(".cpg").write_text(cpg)
        yield Case(stem, "villages", path, "GBK, GB18030, UTF-16, BOM", len(villages), expect)
    for side, expect in ((".dbf", 2), (".shx", None)):
        stem = f"shp_missing_{side[1:]}"
        path = _shapefile(folder, stem, villages)
        path.with_suffix(side).unlink()
        yield Case(stem, "villages", path, "empty, zero-byte, truncated and header-only files", None, expect)
    path = _shapefile(folder, "shp_truncated", villages)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    yield Case("shp_truncated", "villages", path, "empty, zero-byte, truncated and header-only files", None, None)


def _csv_case(folder: Path, stem: str, data: bytes, klass: str, rows: int | None, expect: int | None,
              suffix: str = ".csv") -> Case:
    path = folder / f"{stem}{suffix}"
    path.write_bytes(data)
    return Case(stem, "villages", path, klass, rows, expect)


def text_table_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Encodings, separators, title rows, zero-byte, truncated and binary CSV/TXT files."""
    text, n = _csv_text(villages), len(villages)
    enc = "GBK, GB18030, UTF-16, BOM"
    yield _csv_case(folder, "csv_gbk", text.encode("gbk"), enc, n, 0)
    yield _csv_case(folder, "csv_gb18030", (text.replace("村1,", "村𠀀,")).encode("gb18030"), enc, n, 0)
    yield _csv_case(folder, "csv_utf8_bom", codecs.BOM_UTF8 + text.encode("utf-8"), enc, n, 0)
    yield _csv_case(folder, "csv_utf16_bom", text.encode("utf-16"), enc, n, 0)
    yield _csv_case(folder, "csv_utf16le_no_bom", text.encode("utf-16-le"), enc, n, 0)
    yield _csv_case(folder, "csv_utf16be_bom", codecs.BOM_UTF16_BE + text.encode("utf-16-be"), enc, n, 0)
    yield _csv_case(folder, "csv_latin1_garbage", bytes(range(128, 256)) * 4, enc, None, 2)
    sep = "CSV with ; separators or a trailing empty column"
    yield _csv_case(folder, "csv_semicolon", _csv_text(villages, ";").encode(), sep, n, 0)
    yield _csv_case(folder, "csv_trailing_empty_column", "\n".join(ln + "," for ln in text.splitlines()).encode(),
                    sep, n, 0)
    yield _csv_case(folder, "txt_tab", _csv_text(villages, "\t").encode(), sep, n, 0, suffix=".txt")
    yield _csv_case(folder, "csv_title_row", ("村庄调查表,,,,\n" + text).encode(), "Excel dates, formulas and merged header rows",
                    n, 0)
    yield _csv_case(folder, "csv_blank_lines", text.replace("\n", "\n\n", 3).encode(), sep, n, 0)
    empty = "empty, zero-byte, truncated and header-only files"
    yield _csv_case(folder, "csv_zero_byte", b"", empty, None, 2)
    yield _csv_case(folder, "csv_header_only", text.splitlines()[0].encode(), empty, 0, 2)
    yield _csv_case(folder, "csv_truncated_mid_row", text.encode()[: len(text.encode()) * 2 // 3], empty, None, None)
    yield _csv_case(folder, "csv_ragged_rows", (text + "1,2,3,4,5,6,7,8,9,10,11,12,13\n").encode(), empty, None, None)
    yield _csv_case(folder, "csv_binary", bytes(np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8)),
                    empty, None, 2)
    yield _csv_case(folder, "csv_only_newlines", b"\n\n\n", empty, None, 2)
    yield _csv_case(folder, "csv_no_coordinates", "村代码,村名,旗县代码\n1,甲,150622\n".encode(), "missing fields", 1, 2)
    yield _csv_case(folder, "csv_text_coordinates", text.replace(f",{LAT0}", ",北纬39度", 1).encode(),
                    "numbers as text", n, None)
    yield _csv_case(folder, "csv_nan_inf_text", (text.splitlines()[0] + "\n" + "\n".join(
        f"9{k},x{k},150622,,,,,,{lon},{lat}" for k, (lon, lat) in enumerate((("nan", "39.8"), ("inf", "39.8"),
                                                                            ("111.0", "-inf"), ("", "39.8"))))
                                             + "\n").encode(), "NaN and infinite coordinates", 4, 2)


def xlsx_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Excel dates, formulas, merged title rows, two sheets, zero-byte and damaged workbooks."""
    df = _table(villages)
    klass = "Excel dates, formulas and merged header rows"

    def book(stem: str, fill: Callable) -> Path:
        wb = Workbook()
        ws = wb.active
        fill(ws)
        path = folder / f"{stem}.xlsx"
        wb.save(path)
        return path

    def rows(ws, frame: pd.DataFrame, start: int = 1) -> None:
        for j, col in enumerate(frame.columns, start=1):
            ws.cell(row=start, column=j, value=col)
        for i, rec in enumerate(frame.itertuples(index=False), start=start + 1):
            for j, value in enumerate(rec, start=1):
                ws.cell(row=i, column=j, value=None if pd.isna(value) else value)

    def dated(ws) -> None:
        rows(ws, df)
        ws.cell(row=3, column=list(df.columns).index("人口") + 1).value = pd.Timestamp("2023-05-01").to_pydatetime()

    def formula(ws) -> None:
        rows(ws, df)
        ws.cell(row=4, column=list(df.columns).index("人口") + 1).value = "=100*3"

    def merged_title(ws) -> None:
        ws.cell(row=1, column=1, value="准格尔旗村庄基础信息表（2024）")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(df.columns))
        ws.cell(row=2, column=1, value="填表单位：旗住建局")
        rows(ws, df, start=3)

    def two_sheets(ws) -> None:
        rows(ws, df)
        rows(ws.parent.create_sheet("说明"), pd.DataFrame({"说明": ["本表为示例"]}))

    yield Case("xlsx_date_in_population", "villages", book("xlsx_date_in_population", dated), klass, len(df), 2)
    yield Case("xlsx_formula", "villages", book("xlsx_formula", formula), klass, len(df), None)
    yield Case("xlsx_merged_title_rows", "villages", book("xlsx_merged_title_rows", merged_title), klass, len(df), 0)
    yield Case("xlsx_two_sheets", "villages", book("xlsx_two_sheets", two_sheets), klass, len(df), 0)
    yield Case("xlsx_empty_sheet", "villages", book("xlsx_empty_sheet", lambda ws: None),
               "empty, zero-byte, truncated and header-only files", 0, 2)
    empty = "empty, zero-byte, truncated and header-only files"
    path = folder / "xlsx_zero_byte.xlsx"
    path.write_bytes(b"")
    yield Case("xlsx_zero_byte", "villages", path, empty, None, 2)
    good = write_as(villages, folder / "xlsx_truncated_src", "xlsx")
    path = folder / "xlsx_truncated.xlsx"
    path.write_bytes(good.read_bytes()[:2000])
    good.unlink()
    yield Case("xlsx_truncated", "villages", path, empty, None, 2)
    path = folder / "xlsx_is_csv.xlsx"
    path.write_text(_csv_text(villages))
    yield Case("xlsx_is_csv", "villages", path, empty, None, 2)


def container_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Damaged GeoPackage, GeoJSON and FlatGeobuf files; duplicate fids; a wrong layer name."""
    empty = "empty, zero-byte, truncated and header-only files"
    for fmt in ("gpkg", "geojson", "fgb"):
        path = folder / f"{fmt}_zero_byte.{fmt}"
        path.write_bytes(b"")
        yield Case(path.stem, "villages", path, empty, None, 2)
        good = write_as(villages, folder / f"{fmt}_truncated", fmt)
        good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        yield Case(good.stem, "villages", good, empty, None, None)
        path = folder / f"{fmt}_is_text.{fmt}"
        path.write_text("这不是一个地理文件 / not a GIS file\n")
        yield Case(path.stem, "villages", path, empty, None, 2)
    path = write_as(villages, folder / "gpkg_wrong_layer", "gpkg")
    yield Case("gpkg_wrong_layer", "villages", path, "missing fields", None, 2, layer="no_such_layer")
    features = [{"type": "Feature", "id": 7, "properties": {"fid": 7, **{k: (None if pd.isna(v) else v) for k, v in rec.items()}},
                 "geometry": {"type": "Point", "coordinates": [g.x, g.y]}}
                for rec, g in zip(villages.drop(columns="geometry").to_dict("records"), villages.geometry, strict=True)]
    path = folder / "geojson_duplicate_fids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    yield Case(path.stem, "villages", path, "duplicate fids and codes", len(features), 0)
    features[3]["geometry"] = None
    features[4]["geometry"] = {"type": "Point", "coordinates": []}
    path = folder / "geojson_null_geometries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    yield Case(path.stem, "villages", path, "empty and invalid geometries", len(features), 2)
    gdf = villages.copy()
    gdf.geometry = shapely.force_3d(gdf.geometry.array, 10.0)
    path = folder / "gpkg_point_z_named_layer.gpkg"
    gdf.to_file(path, layer="villages", driver="GPKG", engine="pyogrio")
    yield Case(path.stem, "villages", path, "mixed geometry types, Multi*, Z and M", len(gdf), 0, layer="villages")


# --- the other layers ----------------------------------------------------------------------------

def _geojson_lines(folder: Path, stem: str, roads: gpd.GeoDataFrame, extra: list[dict]) -> Path:
    feats = [{"type": "Feature", "properties": {"road_id": r, "surface": s},
              "geometry": json.loads(shapely.to_geojson(g))}
             for r, s, g in zip(roads["road_id"], roads["surface"], roads.geometry, strict=True)]
    path = folder / f"{stem}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats + extra}))
    return path


def road_cases(folder: Path, roads: gpd.GeoDataFrame) -> Iterator[Case]:
    """One-vertex lines, self-loops, 100,000 duplicated segments, Z/M, mixed types, OSM and unknown tags."""
    n = len(roads)
    one_vertex = {"type": "Feature", "properties": {"road_id": "X1", "surface": "沥青"},
                  "geometry": {"type": "LineString", "coordinates": [[LON0 + 0.01, LAT0 + 0.01]]}}
    yield Case("roads_one_vertex_line", "roads", _geojson_lines(folder, "roads_one_vertex_line", roads, [one_vertex]),
               "one-vertex lines, self-loops, duplicated segments", n + 1, 2)
    loops = [LineString([_node(1, 1), _node(1.5, 1.5), _node(1, 1.5), _node(1, 1)]),
             LineString([_node(2, 2), _node(2, 2)])]
    extra = gpd.GeoDataFrame({"road_id": ["L1", "L2"], "surface": ["沥青", "砂石"], "grade": "村道"},
                             geometry=loops, crs=CRS)
    for stem, gdf, expect in (
        ("roads_self_loops", pd.concat([roads, extra], ignore_index=True), 0),
        ("roads_100k_duplicated_segments", pd.concat([roads, roads.iloc[[0]].loc[[0] * 100_000]], ignore_index=True), 0),
        ("roads_multiline_z", roads.assign(geometry=[MultiLineString([shapely.force_3d(g, 5.0)]) for g in roads.geometry]),
         0),
        ("roads_mixed_with_points", pd.concat([roads, gpd.GeoDataFrame({"road_id": ["P"], "surface": ["沥青"]},
                                                                       geometry=[Point(LON0, LAT0)], crs=CRS)],
                                              ignore_index=True), 2),
        ("roads_unknown_surfaces", roads.assign(surface=["彩虹路面", "stone", "paved;cobblestone", "gravel;沥青"] * (n // 4)),
         0),
        ("roads_all_footways", roads.assign(highway="footway", surface=None, grade=None), 2),
        ("roads_nan_vertex", roads.assign(geometry=[LineString([g.coords[0], (np.nan, np.nan)]) if i == 3 else g
                                                    for i, g in enumerate(roads.geometry)]), 2),
        ("roads_no_class_at_all", roads.drop(columns=["surface", "grade"]), 0),
        ("roads_latitude_95", roads.assign(geometry=[LineString([g.coords[0], (LON0, 95.0)]) if i == 5 else g
                                                     for i, g in enumerate(roads.geometry)]), 2),
        ("roads_all_swapped", roads.assign(geometry=shapely.transform(roads.geometry.array, lambda c: c[:, ::-1])), 2),
    ):
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=CRS)
        yield Case(stem, "roads", write_as(gdf, folder / stem, "gpkg"), "one-vertex lines, self-loops, duplicated segments"
                   if "loop" in stem or "dupl" in stem else "roads: geometry and tags", len(gdf), expect)
    for fmt in ("shp", "geojson", "fgb"):
        stem = f"roads_clean_{fmt}"
        yield Case(stem, "roads", write_as(roads, folder / stem, fmt), "every accepted format", n, 0)
    sys.path.insert(0, str(Path(__file__).parent))
    from osm_extract import ROADS, write_extract

    sub = folder / "osm"
    sub.mkdir(exist_ok=True)
    yield Case("roads_osm_extract", "roads", write_extract(sub), "OSM extract", len(ROADS), 0, layer="roads")


def polygon_cases(folder: Path, counties: gpd.GeoDataFrame) -> Iterator[Case]:
    """Bow-tie, self-intersecting, overlapping and duplicate counties; Multi and Z polygons."""
    bowtie = Polygon([(LON0 - 0.05, LAT0 - 0.05), (LON0 + 0.13, LAT0 + 0.13), (LON0 + 0.13, LAT0 - 0.05),
                      (LON0 - 0.05, LAT0 + 0.13)])
    spike = Polygon([(LON0 - 0.05, LAT0 - 0.05), (LON0 + 0.13, LAT0 - 0.05), (LON0 + 0.13, LAT0 + 0.13),
                     (LON0 + 0.04, LAT0 - 0.10), (LON0 - 0.05, LAT0 + 0.13)])
    second = counties.assign(county_code="150623", name="邻旗",
                             geometry=[shapely.box(LON0 + 0.05, LAT0 - 0.05, LON0 + 0.3, LAT0 + 0.13)])
    klass = "empty and invalid geometries"
    for stem, gdf, expect, k in (
        ("counties_bowtie", counties.assign(geometry=[bowtie]), 0, klass),
        ("counties_self_intersecting", counties.assign(geometry=[spike]), 0, klass),
        ("counties_overlapping", pd.concat([counties, second], ignore_index=True), 0, "overlapping counties"),
        ("counties_duplicate_code", pd.concat([counties, counties], ignore_index=True), None, "duplicate fids and codes"),
        ("counties_multipolygon_z", counties.assign(geometry=[shapely.force_3d(shapely.multipolygons([counties.geometry[0]]), 1.0)]),
         0, "mixed geometry types, Multi*, Z and M"),
        ("counties_as_points", counties.assign(geometry=[Point(LON0, LAT0)]), 2, "mixed geometry types, Multi*, Z and M"),
        ("counties_empty_polygon", counties.assign(geometry=[Polygon()]), 2, klass),
    ):
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=CRS)
        for fmt in ("gpkg", "geojson"):
            yield Case(f"{stem}_{fmt}", "counties", write_as(gdf, folder / f"{stem}_{fmt}", fmt), k, len(gdf), expect)


def point_layer_cases(folder: Path, base: dict[str, gpd.GeoDataFrame]) -> Iterator[Case]:
    """Facilities, towns and mines: unknown types, duplicates, far points, polygons, Chinese spreadsheets."""
    f, t, m = base["facilities"], base["towns"], base["mines"]
    cases = (
        ("facilities_unknown_type", "facilities", f.assign(facility_type=["转运站", "垃圾山", "县处理", ""]), 2,
         "unknown facility types"),
        ("facilities_chinese_types", "facilities", f.assign(facility_type=["转运站", "乡镇处理", "垃圾焚烧发电厂", "村级处理设施"]),
         0, "unknown facility types"),
        ("facilities_far_from_roads", "facilities", _set_point(f, 0, Point(LON0 + 2.0, LAT0 + 1.0)), 0,
         "points far from the roads"),
        ("facilities_another_continent", "facilities", _set_point(f, 1, Point(2.35, 48.85)), 2,
         "points on another continent"),
        ("towns_duplicate_code", "towns", t.assign(town_code="150622100"), 2, "duplicate fids and codes"),
        ("towns_bad_seat_flag", "towns", t.assign(is_county_seat=["maybe", "是"]), 2, "unknown values"),
        ("towns_polygons", "towns", t.assign(geometry=shapely.buffer(t.geometry.array, 0.005)), 0, "mixed geometry types, Multi*, Z and M"),
        ("mines_unknown_level", "mines", m.assign(green_mine_level=["金牌", "无", "国家级"]), 2, "unknown values"),
        ("mines_polygons", "mines", m.assign(geometry=shapely.buffer(m.geometry.array, 0.003)), 0, "mixed geometry types, Multi*, Z and M"),
        ("mines_swapped", "mines", _swapped(m), 0, "swapped longitude and latitude"),
    )
    for stem, kind, gdf, expect, klass in cases:
        for fmt in ("gpkg", "csv") if gdf.geom_type.eq("Point").all() else ("gpkg",):
            yield Case(f"{stem}_{fmt}", kind, write_as(gdf, folder / f"{stem}_{fmt}", fmt), klass, len(gdf), expect)


# --- survey files --------------------------------------------------------------------------------

def survey_cases(folder: Path, villages: gpd.GeoDataFrame) -> Iterator[Case]:
    """Field survey files for ``survey import``: encodings, swapped, GK coordinates, damaged GPX/KML."""
    pts = pd.DataFrame({"村名": villages["name"], "经度": villages.geometry.x + 0.0003,
                        "纬度": villages.geometry.y - 0.0002})
    text = pts.to_csv(index=False)
    k = "survey files"
    files: list[tuple[str, bytes, int | None, int | None]] = [
        ("survey_clean.csv", text.encode(), len(pts), 0),
        ("survey_gbk.csv", text.encode("gbk"), len(pts), 0),
        ("survey_utf16.csv", text.encode("utf-16"), len(pts), None),
        ("survey_semicolon.csv", pts.to_csv(index=False, sep=";").encode(), len(pts), 0),
        ("survey_swapped.csv", pts.rename(columns={"经度": "纬度", "纬度": "经度"}).to_csv(index=False).encode(),
         len(pts), 0),
        ("survey_nan_inf.csv", "村名,经度,纬度\n甲,nan,39.8\n乙,inf,39.8\n丙,111.01,1e400\n丁,,\n".encode(), 4, None),
        ("survey_beyond_90.csv", "村名,经度,纬度\n甲,111.0,95\n乙,190,39.8\n".encode(), 2, None),
        ("survey_other_continent.csv", "村名,经度,纬度\n甲,-74.0,40.7\n乙,111.01,39.81\n".encode(), 2, 0),
        ("survey_numbers_as_text.csv", "村名,经度,纬度\n甲,１１１.０１,３９.８１\n乙,111°0'36\",39°48'36\"\n".encode(), 2, None),
        ("survey_zero_byte.csv", b"", None, 2),
        ("survey_header_only.csv", "村名,经度,纬度\n".encode(), 0, 2),
        ("survey_binary.csv", bytes(range(256)) * 8, None, 2),
        ("survey_truncated.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="t"><wpt lat="39.81" lon="111.01">'
         b"<name>A</name></wpt><wpt lat=", None, None),
        ("survey_not_xml.kml", "这不是KML".encode(), None, 2),
        ("survey_empty.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="t"></gpx>', 0, 2),
        ("survey_gpx_bad_values.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="t">'
         b'<wpt lat="39.81" lon="111.01"><name>A</name></wpt><wpt lat="NaN" lon="111.0"><name>B</name></wpt>'
         b'<wpt lat="99" lon="111.0"><name>C</name></wpt></gpx>', 3, None),
        ("survey_kml_points.kml", ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                                   "<Document><Placemark><name>村1</name><Point><coordinates>111.01,39.81"
                                   "</coordinates></Point></Placemark><Placemark><name>线</name><LineString>"
                                   "<coordinates>111,39.8 111.1,39.9</coordinates></LineString></Placemark>"
                                   "</Document></kml>").encode(), 2, None),
    ]
    for name, data, rows, expect in files:
        path = folder / name
        path.write_bytes(data)
        yield Case(path.stem, "survey", path, k, rows, expect)
    gk = villages.to_crs("EPSG:4525")  # CGCS2000 3° GK zone 37 with the zone number in the easting
    table = pd.DataFrame({"村名": villages["name"], "X": gk.geometry.y.round(3), "Y": gk.geometry.x.round(3)})
    path = folder / "survey_gk_zone37.csv"
    table.to_csv(path, index=False)
    yield Case(path.stem, "survey", path, "surveyors' Gauss-Krüger coordinates", len(table), 0)
    path = folder / "survey_kmz_not_zip.kmz"
    path.write_bytes(b"PK\x03\x04 broken")
    yield Case(path.stem, "survey", path, k, None, 2)
    zpath = folder / "survey_kmz_empty.kmz"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("readme.txt", "no kml here")
    yield Case(zpath.stem, "survey", zpath, k, None, 2)


def make_corpus(folder: Path, big: bool = False) -> list[Case]:
    """Write every corpus file into ``folder`` (emptied first) and return the cases.

    Parameters
    ----------
    folder : Path
    big : bool
        Also write the million-row CSV (``villages_million_rows.csv``, about 60 MB).
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    base = base_layers()
    v = base["villages"]
    cases = [*village_cases(folder, v), *shapefile_cases(folder, v), *text_table_cases(folder, v),
             *xlsx_cases(folder, v), *container_cases(folder, v), *road_cases(folder, base["roads"]),
             *polygon_cases(folder, base["counties"]), *point_layer_cases(folder, base),
             *survey_cases(folder, v)]
    if big:
        cases.append(million_row_csv(folder))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return cases


def million_row_csv(folder: Path, rows: int = 1_000_000) -> Case:
    """Facilities as a million-row CSV (most of them village treatment points spread over the grid)."""
    rng = np.random.default_rng(1)
    path = folder / "facilities_million_rows.csv"
    df = pd.DataFrame({"设施类型": np.where(np.arange(rows) % 1000 == 0, "transfer_station", "village_treatment"),
                       "名称": [f"点{k}" for k in range(rows)],
                       "经度": np.round(LON0 + rng.uniform(0, 4 * STEP, rows), 6),
                       "纬度": np.round(LAT0 + rng.uniform(0, 4 * STEP, rows), 6)})
    df.to_csv(path, index=False)
    return Case(path.stem, "facilities", path, "a million-row CSV", rows, 0)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    made = make_corpus(out, big="--big" in sys.argv)
    write_base(out)
    print(f"{len(made)} cases in {out}")
