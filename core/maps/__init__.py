"""Presentation: the offline web map ``map.html`` (Leaflet inlined), its packed columns, levels of detail and surface overlay."""
from .webmap import BASEMAPS, MapError, Overlay, build_map_data, export_map

__all__ = ["BASEMAPS", "MapError", "Overlay", "build_map_data", "export_map"]
