"""Reading inputs (any OGR format, CSV/XLSX; UTF-8 or GBK) and writing results (GeoPackage, Excel, JSON)."""
from .read import Layer, read_layer, read_text_table
from .write import write_gpkg, write_json, write_report

__all__ = ["Layer", "read_layer", "read_text_table", "write_gpkg", "write_json", "write_report"]
