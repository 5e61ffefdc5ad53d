"""Choose one metric CRS for a study area and measure lengths in true metres.

Geometry work (snapping, buffers, nearest searches) happens in a conformal metric projection picked
from the data's central longitude: the CGCS2000 3° Gauss-Krüger zone (EPSG:4534–4554, central
meridians 75°E–135°E, no zone number in the easting) by default, or the WGS 84 UTM zone. Road lengths are
measured on the ellipsoid (:func:`geodesic_segment_lengths`), and projected distances are corrected by
the projection's local scale factor, so a region 30° of longitude wide still measures correctly.
Degrees and Web Mercator are never used for distances.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid; WGS 84 differs by 0.1 mm in the semi-minor axis
GEOGRAPHIC = CRS.from_epsg(4490)  # CGCS2000 geographic


def gk3_epsg(central_lon: float) -> int:
    """EPSG code of the CGCS2000 3° Gauss-Krüger zone (no zone prefix) nearest ``central_lon``.

    Parameters
    ----------
    central_lon : float
        Longitude in degrees east.

    Returns
    -------
    int
        One of 4534 (CM 75°E) … 4554 (CM 135°E).
    """
    cm = int(round(central_lon / 3.0)) * 3
    cm = min(max(cm, 75), 135)
    return 4534 + (cm - 75) // 3


def utm_epsg(central_lon: float, central_lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone containing the point."""
    zone = int((central_lon + 180) // 6) + 1
    zone = min(max(zone, 1), 60)
    return (32600 if central_lat >= 0 else 32700) + zone


def choose_metric_crs(lonlat_bounds: tuple[float, float, float, float], family: str = "gk3") -> CRS:
    """Pick the metric CRS for data whose geographic bounds are given.

    Parameters
    ----------
    lonlat_bounds : (minx, miny, maxx, maxy)
        Bounds in degrees.
    family : {"gk3", "utm"}

    Returns
    -------
    pyproj.CRS
    """
    minx, miny, maxx, maxy = lonlat_bounds
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if family == "utm":
        return CRS.from_epsg(utm_epsg(lon, lat))
    return CRS.from_epsg(gk3_epsg(lon))


def resolve_crs(setting: str, lonlat_bounds: tuple[float, float, float, float], family: str) -> CRS:
    """The CRS a run uses: ``setting`` when it names one, else :func:`choose_metric_crs`.

    Raises
    ------
    ValueError
        When the named CRS is geographic or Web Mercator (not a measuring CRS).
    """
    if setting in ("", "auto"):
        return choose_metric_crs(lonlat_bounds, family)
    crs = CRS.from_user_input(setting)
    if crs.is_geographic or crs.to_epsg() in (3857, 900913, 3785):
        raise ValueError(f"crs={setting!r} does not measure in metres on the ground; use 'auto' or a UTM/GK zone")
    return crs


def to_lonlat(crs: CRS) -> Transformer:
    """Transformer from ``crs`` to CGCS2000 longitude/latitude (x = lon)."""
    return Transformer.from_crs(crs, GEOGRAPHIC, always_xy=True)


#: Below this many points a transform runs in one piece; above it in two threads.
PARALLEL_POINTS = 200_000


def transform_xy(source: CRS, target: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from ``source`` to ``target`` (x = longitude for geographic CRSs), as pyproj gives them.

    PROJ leaves the interpreter free while it works, so a large array goes in two halves on two threads
    (each with its own :class:`~pyproj.Transformer`; one is never shared between threads): on two cores the
    region's five million road vertices take half the time.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)

    def part(sl: slice) -> tuple[np.ndarray, np.ndarray]:
        tx, ty = Transformer.from_crs(source, target, always_xy=True).transform(x[sl], y[sl])
        return np.asarray(tx, np.float64), np.asarray(ty, np.float64)

    if len(x) < PARALLEL_POINTS:
        return part(slice(None))
    half = len(x) // 2
    with ThreadPoolExecutor(2, thread_name_prefix="ruralenv-proj") as pool:
        first, second = pool.map(part, (slice(0, half), slice(half, None)))
    return np.r_[first[0], second[0]], np.r_[first[1], second[1]]


def project_geometries(geoms: np.ndarray, source: CRS, target: CRS) -> np.ndarray | None:
    """2-D geometries from ``source`` to ``target`` by :func:`transform_xy` (None when any has a z: the
    caller then uses GeoPandas).
    """
    geoms = np.asarray(geoms, dtype=object)
    if shapely.has_z(geoms).any():
        return None
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    tx, ty = transform_xy(source, target, xy[:, 0], xy[:, 1])
    kinds = shapely.get_type_id(geoms)
    if len(geoms) and (kinds == 1).all() and (np.bincount(owner, minlength=len(geoms)) >= 2).all():
        return shapely.linestrings(tx, ty, indices=owner)  # plain lines made anew: faster than set_coordinates
    return shapely.set_coordinates(geoms.copy(), np.column_stack([tx, ty]))


def lonlat_as_read(geoms: np.ndarray, crs: CRS | None) -> np.ndarray | None:
    """The vertices of ``geoms`` as CGCS2000 longitude/latitude, when their CRS gives them so already.

    A layer read in longitude/latitude whose datum PROJ takes as CGCS2000's (WGS 84 and CGCS2000 agree to
    within a metre and PROJ does not shift between them) holds the coordinates the road lengths are measured
    on: keeping them spares transforming the projected vertices back. Checked on the data: a sample of the
    vertices must come out of the transformation unchanged.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
    crs : pyproj.CRS or None
        Their CRS.

    Returns
    -------
    ndarray of shape (n, 2) or None
        Every vertex (rows as :func:`shapely.get_coordinates` gives them), or None when the CRS is not
        geographic or moves the coordinates.
    """
    if crs is None or not CRS.from_user_input(crs).is_geographic:
        return None
    xy = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    sample = xy[:: max(1, len(xy) // 1000)]
    lon, lat = Transformer.from_crs(crs, GEOGRAPHIC, always_xy=True).transform(sample[:, 0], sample[:, 1])
    same = np.array_equal(np.asarray(lon), sample[:, 0]) and np.array_equal(np.asarray(lat), sample[:, 1])
    return xy if same else None


#: Segments shorter than this are measured with local ellipsoid radii (error well below 1 mm);
#: longer ones by the full geodesic inverse.
SHORT_SEGMENT_M = 10000.0
_A = 6378137.0
_E2 = 0.0066943800229  # GRS80 first eccentricity squared


def geodesic_segment_lengths(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Ellipsoidal lengths in metres between consecutive points ``i`` and ``i + 1``.

    Short segments use the meridional and prime-vertical radii of curvature at their mid-latitude
    (vectorised, about ten times faster than the geodesic inverse, error below 0.1 mm for 6 km);
    segments longer than :data:`SHORT_SEGMENT_M` use :meth:`pyproj.Geod.inv`.

    Parameters
    ----------
    lon, lat : ndarray
        Coordinates in degrees, length ``n``.

    Returns
    -------
    ndarray of float64, length ``n - 1``
    """
    if len(lon) < 2:
        return np.zeros(0)
    lon = np.asarray(lon, np.float64)
    lat = np.asarray(lat, np.float64)
    if len(lon) > PARALLEL_POINTS:  # numpy leaves the interpreter free on large arrays: two halves, two threads
        half = len(lon) // 2
        with ThreadPoolExecutor(2, thread_name_prefix="ruralenv-geod") as pool:
            first, second = pool.map(geodesic_segment_lengths, (lon[:half + 1], lon[half:]),
                                     (lat[:half + 1], lat[half:]))
        return np.r_[first, second]
    phi = np.radians((lat[:-1] + lat[1:]) / 2.0)
    s2 = np.sin(phi) ** 2
    w = np.sqrt(1.0 - _E2 * s2)
    m_radius = _A * (1.0 - _E2) / w**3
    n_radius = _A / w
    dlon = np.radians(lon[1:] - lon[:-1])
    dist = np.hypot(m_radius * np.radians(lat[1:] - lat[:-1]), n_radius * np.cos(phi) * dlon)
    long_ = np.flatnonzero(dist > SHORT_SEGMENT_M)
    if len(long_):
        _, _, exact = GEOD.inv(lon[long_], lat[long_], lon[long_ + 1], lat[long_ + 1])
        dist[long_] = exact
    return dist


def scale_factors(crs: CRS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Point scale factor of the projection ``crs`` at projected points (x, y).

    Dividing a short projected distance by this factor gives metres on the ellipsoid.
    """
    if len(x) == 0:
        return np.ones(0)
    lon, lat = to_lonlat(crs).transform(np.asarray(x, float), np.asarray(y, float))
    from pyproj import Proj

    factors = Proj(crs).get_factors(lon, lat)
    return np.asarray(factors.areal_scale, dtype=np.float64) ** 0.5


def grid_band(crs: CRS | None, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Lowest and highest scale factor of ``crs`` on straight lines between the points (x, y), with a margin.

    A transverse Mercator's factor grows with the distance from its central meridian, so along a line it is
    at most the larger of its ends' and at least the least over the points' east-west span (sampled every
    1/64 of it: the factor changes by under 1e-5 between samples). ``crs`` None: (1, 1).
    """
    if crs is None or len(x) == 0:
        return 1.0, 1.0
    k = scale_factors(crs, x, y)
    xs = np.linspace(float(np.min(x)), float(np.max(x)), 65)
    across = scale_factors(crs, xs, np.full(len(xs), float(np.median(y))))
    return float(min(k.min(), across.min())) - 1e-5, float(k.max()) + 1e-5


#: How much the projection's scale may differ between two places of one run (Gauss-Krüger 15° off its
#: central meridian: 1.7 %): a nearest-feature search on the grid keeps every candidate this much farther.
SCALE_SPREAD = 0.02


def ground_distances(crs: CRS | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Metres on the ellipsoid between the nearest points of geometries ``a[i]`` and ``b[i]`` (0 where they meet).

    Straight-line distances between features found in the metric CRS (nearest mine, nearest sewer) are
    measured here: the geodesic between the two nearest points, not the projected length, whose scale grows
    away from the central meridian.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The geometries' metric CRS; None: plain projected metres (hand-made coordinates without a CRS).
    a, b : ndarray of shapely geometries
        Paired, same length.

    Returns
    -------
    ndarray float64
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if len(a) == 0:
        return np.zeros(0)
    ends = shapely.get_coordinates(shapely.shortest_line(a, b)).reshape(-1, 2, 2)
    return point_distances(crs, ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])


def point_distances(crs: CRS | None, x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """Metres on the ellipsoid between projected points (x1, y1) and (x2, y2), pairwise.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The points' metric CRS; None: plain projected metres.
    x1, y1, x2, y2 : ndarray
        Coordinates in that CRS, same length.

    Returns
    -------
    ndarray float64
    """
    x1, y1, x2, y2 = (np.asarray(v, np.float64) for v in (x1, y1, x2, y2))
    if crs is None or len(x1) == 0:
        return np.hypot(x2 - x1, y2 - y1)
    lon, lat = transform_xy(crs, GEOGRAPHIC, np.r_[x1, x2], np.r_[y1, y2])
    n = len(x1)
    return np.asarray(GEOD.inv(lon[:n], lat[:n], lon[n:], lat[n:])[2], np.float64)


def pairs_on_ground(crs: CRS | None, points: np.ndarray, geoms: np.ndarray,
                    max_m: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, geometry) pair within ``max_m`` ground metres, or (``max_m`` None) each point's nearest
    geometry, with the metres on the ellipsoid (:func:`ground_distances`).

    Candidates are found on the grid with room for the projection's scale (:data:`SCALE_SPREAD`), then measured.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The metric CRS of both (None: plain projected metres).
    points : ndarray of shapely Points
    geoms : ndarray of shapely geometries
    max_m : float, optional
        Ground metres within which every pair is wanted; None: each point's nearest geometry, however far.

    Returns
    -------
    (point index, geometry index, metres) : ndarray int64, ndarray int64, ndarray float64
        Nearest search: one row per point (ties: the first geometry); pairs search: every pair, unordered.
    """
    points, geoms = np.asarray(points, dtype=object), np.asarray(geoms, dtype=object)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(points) == 0 or len(geoms) == 0:
        return empty
    tree = shapely.STRtree(geoms)
    if max_m is not None:
        k = np.ones(len(points)) if crs is None else scale_factors(crs, shapely.get_x(points), shapely.get_y(points))
        reach = max_m * k * (1 + SCALE_SPREAD)
    else:
        (pi, _), grid = tree.query_nearest(points, return_distance=True, all_matches=False)
        reach = np.full(len(points), np.nan)
        reach[pi] = grid * (1 + SCALE_SPREAD) + 1e-6
    ok = np.isfinite(reach)
    pi, gi = tree.query(points[ok], predicate="dwithin", distance=reach[ok])
    pi = np.flatnonzero(ok)[pi]
    d = ground_distances(crs, points[pi], geoms[gi])
    if max_m is not None:
        keep = d <= max_m
        return pi[keep].astype(np.int64), gi[keep].astype(np.int64), d[keep]
    order = np.lexsort((gi, d, pi))
    first = order[np.r_[True, pi[order][1:] != pi[order][:-1]]]
    return pi[first].astype(np.int64), gi[first].astype(np.int64), d[first]
