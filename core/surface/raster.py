"""Raster input and output with rasterio (Debian's python3-rasterio, on the system GDAL QGIS uses).

Cloud-Optimised GeoTIFFs (GDAL's COG driver: tiled, DEFLATE-compressed, internal overviews) written
atomically, polygons burnt onto a grid, and a population raster warped onto a grid keeping its total.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from pyproj import CRS

from ..base._errors import ConfigError
from .cost import Grid


def rasterio_module():
    """The rasterio module, or a ConfigError that says how to install it beside the system GDAL."""
    try:
        import rasterio
    except ImportError:
        raise ConfigError("surfaces need rasterio built on the GDAL QGIS uses: on Debian/Ubuntu "
                          "`apt-get install python3-rasterio` (make does it); with OSGeo4W, its python3-rasterio "
                          "package") from None
    return rasterio


def write_cog(path: Path, values: np.ndarray, grid: Grid, crs: CRS, nodata: float, description: str,
              unit: str, tags: dict[str, str]) -> None:
    """Write one band as a Cloud-Optimised GeoTIFF, atomically (a temporary file renamed into place).

    Parameters
    ----------
    path : Path
    values : ndarray float32 of shape ``grid.shape``
    grid : Grid
    crs : pyproj.CRS
    nodata : float
    description : str
        The band description (shown by QGIS and gdalinfo).
    unit : str
        The band's unit (``m`` or ``min``).
    tags : dict
        Dataset metadata (target, mode, settings).
    """
    rasterio = rasterio_module()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tif")
    os.close(fd)
    try:
        with rasterio.open(
            tmp, "w", driver="COG", width=grid.width, height=grid.height, count=1, dtype="float32",
            crs=crs.to_wkt(), transform=grid.transform(), nodata=nodata, compress="deflate", predictor=3,
            blocksize=512, overviews="auto", resampling="average", bigtiff="if_safer",
        ) as dst:
            dst.write(values.astype(np.float32, copy=False), 1)
            dst.set_band_description(1, description)
            dst.set_band_unit(1, unit)
            dst.update_tags(1, units=unit)
            dst.update_tags(**tags)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def burn_zones(geoms: np.ndarray, grid: Grid) -> np.ndarray:
    """Index of the polygon holding each cell centre (-1 outside all), shape ``grid.shape``, int16 or int32."""
    rasterio_module()
    from rasterio.features import rasterize

    shapes = [(g, i) for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    if not shapes:
        return np.full(grid.shape, -1, np.int32)
    dtype = "int16" if len(shapes) < np.iinfo(np.int16).max else "int32"
    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform(), fill=-1, dtype=dtype)


def population_on_grid(path: Path, grid: Grid, crs: CRS) -> np.ndarray:
    """People per cell of ``grid`` from a population raster (e.g. WorldPop), warped keeping the sum.

    Raises
    ------
    ConfigError
        The file cannot be read as a raster.
    """
    rasterio = rasterio_module()
    from rasterio.errors import RasterioIOError
    from rasterio.warp import Resampling, reproject

    out = np.zeros(grid.shape, np.float32)
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise ConfigError(f"{path}: the population raster has no CRS")
            reproject(rasterio.band(src, 1), out, src_nodata=src.nodata, dst_transform=grid.transform(),
                      dst_crs=crs.to_wkt(), dst_nodata=0, resampling=Resampling.sum)
    except RasterioIOError as exc:
        raise ConfigError(f"{path}: not a readable raster ({exc})") from None
    return np.where(np.isfinite(out) & (out > 0), out, 0).astype(np.float32)
