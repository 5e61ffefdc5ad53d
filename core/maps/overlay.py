"""A surface GeoTIFF as a picture for the web map: coloured PNG, its corners in degrees and a legend.

Leaflet draws an image overlay stretched between two corners on its Web Mercator display, so the
surface is warped to Web Mercator for the picture only (nearest neighbour; the values are not used
for any measure), and no wider than :data:`MAX_PX` pixels.
"""
from __future__ import annotations

import base64
import warnings
from pathlib import Path

import numpy as np

from ..base._errors import ConfigError

#: Widest picture, in pixels.
MAX_PX = 1600
#: Near → far: ColorBrewer RdYlGn, reversed (green near, red far).
RAMP = ((26, 152, 80), (145, 207, 96), (217, 239, 139), (254, 224, 139), (252, 141, 89), (215, 48, 39))
OPACITY = 0.65


def colourise(values: np.ndarray, valid: np.ndarray, vmax: float) -> np.ndarray:
    """RGBA bytes (4, rows, cols) of ``values`` on :data:`RAMP` from 0 to ``vmax``; invalid cells transparent."""
    t = np.clip(np.where(valid, values, 0) / max(vmax, 1e-9), 0, 1) * (len(RAMP) - 1)
    i = np.minimum(t.astype(int), len(RAMP) - 2)
    f = t - i
    ramp = np.array(RAMP, float)
    rgb = ramp[i] * (1 - f)[..., None] + ramp[i + 1] * f[..., None]
    out = np.zeros((4, *values.shape), np.uint8)
    out[:3] = np.moveaxis(np.round(rgb), -1, 0).astype(np.uint8)
    out[3] = np.where(valid, 255, 0)
    return out


def surface_overlay(tif: str | Path, max_px: int = MAX_PX) -> dict:
    """What the web map needs to show a surface.

    Parameters
    ----------
    tif : path
        A surface written by ``ruralenv surface``.
    max_px : int
        Widest picture.

    Returns
    -------
    dict
        ``png`` (data URI), ``bounds`` ([[south, west], [north, east]] in degrees), ``title``, ``unit``,
        ``opacity`` and ``legend`` (value and colour of each ramp stop).

    Raises
    ------
    ConfigError
        The file is not a readable single-band raster with a CRS.
    """
    from ..surface.raster import rasterio_module

    rasterio = rasterio_module()
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
    from rasterio.io import MemoryFile
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    try:
        src = rasterio.open(tif)
    except RasterioIOError as exc:
        raise ConfigError(f"{tif}: not a readable raster ({exc})") from None
    with src:
        if src.crs is None:
            raise ConfigError(f"{tif}: the surface has no CRS")
        scale = max(1.0, src.width / max_px)
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:3857", src.width, src.height, *src.bounds,
            dst_width=int(src.width / scale), dst_height=int(src.height / scale))
        pic = np.full((height, width), np.nan, np.float32)
        reproject(rasterio.band(src, 1), pic, src_nodata=src.nodata, dst_transform=transform, dst_crs="EPSG:3857",
                  dst_nodata=np.nan, resampling=Resampling.nearest)
        title = src.descriptions[0] or Path(tif).stem
        unit = src.units[0] or ""
    valid = np.isfinite(pic)
    vmax = float(np.nanmax(pic)) if valid.any() else 1.0
    rgba = colourise(pic, valid, vmax)
    with warnings.catch_warnings(), MemoryFile() as mem:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a plain picture: its corners travel apart
        with mem.open(driver="PNG", width=width, height=height, count=4, dtype="uint8") as png:
            png.write(rgba)
        data = mem.read()
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326",
                                                transform.c, transform.f + transform.e * height,
                                                transform.c + transform.a * width, transform.f)
    stops = np.linspace(0, vmax, len(RAMP))
    return {"png": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            "bounds": [[south, west], [north, east]], "title": title, "unit": unit, "opacity": OPACITY,
            "legend": [{"value": round(float(v), 1), "color": "#{:02x}{:02x}{:02x}".format(*c)}
                       for v, c in zip(stops, RAMP, strict=True)]}
