"""Move features between QGIS and the core: ``QgsFeatureSource`` → GeoDataFrame → ``QgsFeatureSink``.

Works for layers of any provider and any CRS: geometries travel as WKB, the CRS as WKT, field names
are kept as they are (the core maps Chinese aliases to its own names).
"""
from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsFeatureSource,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingFeatureSource,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

#: shapely type id → the QGIS geometry type a sink of that family is created with.
_SINK_TYPES = {
    "Point": QgsWkbTypes.Point,
    "MultiPoint": QgsWkbTypes.MultiPoint,
    "LineString": QgsWkbTypes.LineString,
    "MultiLineString": QgsWkbTypes.MultiLineString,
    "Polygon": QgsWkbTypes.Polygon,
    "MultiPolygon": QgsWkbTypes.MultiPolygon,
}


def _python_value(value: object) -> object:
    """Attribute value as plain Python: NULL → None, QDate/QDateTime → datetime."""
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def _wkb(geometry: QgsGeometry) -> bytes | None:
    """2D/3D linear WKB of a QGIS geometry (curves segmentised, M values dropped); None when empty."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return None
    part = geometry.constGet()
    if QgsWkbTypes.isCurvedType(part.wkbType()):
        part = part.segmentize()
    else:
        part = part.clone()
    part.dropMValue()
    return bytes(part.asWkb())


def source_crs(source: QgsFeatureSource) -> CRS | None:
    """The pyproj CRS of a feature source (None when the layer has no valid CRS)."""
    crs = source.sourceCrs()
    if not crs.isValid():
        return None
    return CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


def source_to_gdf(source: QgsFeatureSource, name: str | None = None) -> gpd.GeoDataFrame:
    """Read every feature of ``source`` into a GeoDataFrame, in feature id order.

    Parameters
    ----------
    source : QgsFeatureSource
        A vector layer, or the source Processing gives for a layer parameter (honours "selected
        features only").
    name : str, optional
        Name used in the core's messages (``gdf.attrs["source"]``); default the source's own name.

    Returns
    -------
    GeoDataFrame
        One column per field (names unchanged), a ``geometry`` column and the source CRS.
    """
    names = [f.name() for f in source.fields()]
    rows: list[list[object]] = []
    wkbs: list[bytes | None] = []
    request = QgsFeatureRequest()
    request.addOrderBy("$id")
    if isinstance(source, QgsProcessingFeatureSource):  # the core checks geometries itself, row by row
        features = source.getFeatures(request, QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)
    else:
        features = source.getFeatures(request)
    for feature in features:
        rows.append([_python_value(v) for v in feature.attributes()])
        wkbs.append(_wkb(feature.geometry()))
    frame = pd.DataFrame(rows, columns=names)
    for col in frame.columns:
        frame[col] = frame[col].infer_objects() if frame[col].notna().any() else frame[col].astype(object)
    geometry = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.array([], dtype=object)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=source_crs(source)))
    gdf.attrs["source"] = name or source.sourceName()
    return gdf


def _field_type(series: pd.Series) -> QVariant.Type:
    kind = series.dtype.kind
    if kind == "b":
        return QVariant.Bool
    if kind in "iu":
        return QVariant.LongLong
    if kind == "f":
        return QVariant.Double
    if kind == "M":
        return QVariant.DateTime
    kinds = {_value_kind(v) for v in series.dropna()}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {QVariant.LongLong, QVariant.Double}:
        return QVariant.Double
    return QVariant.String


def _value_kind(value: object) -> QVariant.Type:
    """Field type that holds one Python value of an object column."""
    if isinstance(value, (bool, np.bool_)):
        return QVariant.Bool
    if isinstance(value, (int, np.integer)):
        return QVariant.LongLong
    if isinstance(value, (float, np.floating)):
        return QVariant.Double
    if isinstance(value, dt.datetime):
        return QVariant.DateTime
    if isinstance(value, dt.date):
        return QVariant.Date
    return QVariant.String


def _attribute_columns(df: pd.DataFrame) -> list[str]:
    geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    return [c for c in df.columns if c != geometry]


def fields_of(df: pd.DataFrame) -> QgsFields:
    """QGIS fields for the attribute columns of ``df`` (names unchanged)."""
    fields = QgsFields()
    for col in _attribute_columns(df):
        fields.append(QgsField(str(col), _field_type(df[col])))
    return fields


def sink_geometry_type(df: pd.DataFrame, empty: str = "Point") -> QgsWkbTypes.Type:
    """Geometry type for a sink holding ``df``: its single type, or the multi type of a mixed family; ``empty``
    (the type the layer has when it has features) for a layer without any geometry, e.g. no unreachable
    village (QGIS cannot make a memory layer of an unknown type)."""
    if not isinstance(df, gpd.GeoDataFrame) or df.geometry.name not in df.columns:
        return QgsWkbTypes.NoGeometry
    types = sorted(set(df.geometry.dropna().geom_type))
    if not types:
        return _SINK_TYPES[empty]
    if len(types) == 1:
        return _SINK_TYPES.get(types[0], QgsWkbTypes.Unknown)
    family = {t.removeprefix("Multi") for t in types}
    if len(family) == 1:
        return _SINK_TYPES.get("Multi" + family.pop(), QgsWkbTypes.Unknown)
    return QgsWkbTypes.Unknown


def qgis_crs(crs: CRS | None) -> QgsCoordinateReferenceSystem:
    """The QGIS CRS for a pyproj CRS (invalid CRS for None)."""
    if crs is None:
        return QgsCoordinateReferenceSystem()
    epsg = crs.to_epsg()
    if epsg:
        return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


def _qgis_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return QDateTime(value.to_pydatetime())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return value


def _string_value(value: object) -> object:
    value = _qgis_value(value)
    return None if value is None else str(value)


def write_features(df: pd.DataFrame, sink: QgsFeatureSink, fields: QgsFields, promote_to_multi: bool) -> int:
    """Append every row of ``df`` to ``sink`` (created with :func:`fields_of` and :func:`sink_geometry_type`).

    Returns
    -------
    int
        Number of features written.
    """
    columns = _attribute_columns(df)
    convert = [_string_value if fields.at(i).type() == QVariant.String else _qgis_value
               for i in range(len(columns))]
    has_geometry = isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns
    # Sinks are created 2D (sink_geometry_type), so any Z is left out here.
    wkbs = shapely.to_wkb(df.geometry.array, output_dimension=2) if has_geometry else [None] * len(df)
    features = []
    for values, wkb in zip(df[columns].itertuples(index=False, name=None), wkbs, strict=True):
        feature = QgsFeature(fields)
        feature.setAttributes([f(v) for f, v in zip(convert, values, strict=True)])
        if wkb is not None:
            geometry = QgsGeometry()
            geometry.fromWkb(wkb)
            if promote_to_multi:
                geometry.convertToMultiType()
            feature.setGeometry(geometry)
        features.append(feature)
    sink.addFeatures(features, QgsFeatureSink.FastInsert)
    return len(features)
