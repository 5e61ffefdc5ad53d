"""Reading inputs (any OGR format, CSV/XLSX; UTF-8 or GBK) and writing results (GeoPackage, Excel, JSON), with
the run's own record inside results.gpkg."""
from .read import Layer, read_layer, read_text_table
from .runinfo import RUN_TABLE, read_run_record, read_run_settings, run_config
from .write import write_gpkg, write_json, write_report

__all__ = ["RUN_TABLE", "Layer", "read_layer", "read_run_record", "read_run_settings", "read_text_table", "run_config",
           "write_gpkg", "write_json", "write_report"]
