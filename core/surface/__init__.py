"""Accessibility surfaces (GeoTIFF) and their zonal statistics: ``ruralenv surface`` and ``run --surface``."""
from .cost import SURFACE_MODES, SURFACE_TARGETS, Grid
from .run import make_surface, read_results, surfaces_of_run, write_surface

__all__ = ["Grid", "SURFACE_MODES", "SURFACE_TARGETS", "make_surface", "read_results", "surfaces_of_run", "write_surface"]
