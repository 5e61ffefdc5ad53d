"""QGIS features ⇄ GeoDataFrames: nulls, dates, Z/M and curved geometries, CRS, field names."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from qgis.core import QgsFeature, QgsGeometry, QgsMemoryProviderUtils, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import QDate, QVariant
from ruralenv.qgis_plugin.conversion import fields_of, sink_geometry_type, source_to_gdf, write_features

pytestmark = pytest.mark.usefixtures("qgis_app")


def memory_layer(uri: str, rows: list[tuple[str, list]]) -> QgsVectorLayer:
    layer = QgsVectorLayer(uri, "道路 roads", "memory")
    features = []
    for wkt, attributes in rows:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature.setAttributes(attributes)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_source_to_gdf_keeps_names_nulls_dates_and_crs():
    layer = memory_layer(
        "LineStringZM?crs=EPSG:4490&field=路面类型:string&field=built:date&field=lanes:integer",
        [("LineStringZM (111 39 5 1, 111.01 39 6 2)", ["水泥", QDate(2020, 5, 1), 2]),
         ("LineStringZM (111.01 39 6 2, 111.02 39.01 7 3)", [None, None, None])])
    gdf = source_to_gdf(layer)
    assert list(gdf.columns) == ["路面类型", "built", "lanes", "geometry"]
    assert gdf.crs.to_epsg() == 4490
    assert gdf.attrs["source"] == "道路 roads"
    assert gdf["路面类型"].tolist() == ["水泥", None]
    assert gdf["built"].iloc[0] == dt.date(2020, 5, 1) and gdf["built"].iloc[1] is None
    assert shapely.get_coordinates(gdf.geometry.array, include_z=True)[0].tolist() == [111, 39, 5]


def test_curves_are_segmentised():
    layer = memory_layer("CompoundCurve?crs=EPSG:4546", [("CompoundCurve(CircularString(0 0, 1 1, 2 0))", [])])
    geometry = source_to_gdf(layer).geometry.iloc[0]
    assert geometry.geom_type == "LineString" and len(geometry.coords) > 3


def test_write_features_round_trip():
    gdf = gpd.GeoDataFrame({"name": ["甲", None], "ok": [True, False], "d": [1.5, np.nan], "n": [3, 4]},
                           geometry=[shapely.Point(1, 2), shapely.MultiPoint([(3, 4), (5, 6)])], crs="EPSG:4546")
    fields = fields_of(gdf)
    geometry_type = sink_geometry_type(gdf)
    assert geometry_type == QgsWkbTypes.MultiPoint
    sink = QgsMemoryProviderUtils.createMemoryLayer("out", fields, geometry_type)
    assert write_features(gdf, sink.dataProvider(), fields, promote_to_multi=True) == 2
    back = source_to_gdf(sink)
    assert back["name"].tolist() == ["甲", None]
    assert back["ok"].tolist() == [True, False]
    assert back["d"].iloc[0] == 1.5 and back["d"].isna().iloc[1]
    assert back["n"].tolist() == [3, 4]
    assert back.geometry.iloc[1].equals(gdf.geometry.iloc[1])


def test_validate_finds_duplicates_and_zero_length():
    import processing

    roads = memory_layer("LineString?crs=EPSG:4490&field=surface:string", [
        ("LineString (111 39, 111.01 39)", ["水泥"]),
        ("LineString (111.01 39, 111 39)", ["水泥"]),  # the same road digitised again, reversed
        ("LineString (111.01 39, 111.02 39)", ["砂石"]),
        ("LineString (111.5 39.5, 111.5 39.5)", ["砂石"]),  # no length
        ("LineString (111.3 39.3, 111.31 39.3)", ["砂石"]),  # a short separate piece
    ])
    res = processing.run("ruralenv:validate_network", {"ROADS": roads, "OUTPUT_DUPLICATES": "TEMPORARY_OUTPUT",
                                                        "OUTPUT_ISLANDS": "TEMPORARY_OUTPUT"})
    assert res["DUPLICATE_SEGMENTS"] == 1
    assert res["ZERO_LENGTH_LINES"] == 1
    assert res["COMPONENTS"] == 2
    assert res["ISLANDS"] == 1
    duplicate = next(res["OUTPUT_DUPLICATES"].getFeatures())
    assert (duplicate["src_row"], duplicate["duplicate_of"]) == (2, 1)


def test_object_columns_get_the_type_of_their_values():
    import pandas as pd

    df = pd.DataFrame({"ints": pd.Series([1, None, 3], dtype=object), "mixed": pd.Series([1, 2.5, None], dtype=object),
                       "text": pd.Series(["a", 1, None], dtype=object), "dates": [dt.date(2024, 1, 1), None, None]})
    fields = fields_of(df)
    assert [fields.field(n).type() for n in df.columns] == [QVariant.LongLong, QVariant.Double, QVariant.String,
                                                             QVariant.Date]
