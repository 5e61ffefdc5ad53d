"""The notebook map, ``Results.explore()`` (folium): a renderer that reads a run without importing its class."""
from .explore import explore

__all__ = ["explore"]
