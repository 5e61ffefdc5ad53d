"""GCJ-02 / BD-09 ⇄ WGS 84 conversions and the mainland-China outline."""
from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from ruralenv.core.base import datum

GEOD = Geod(ellps="WGS84")


def metres_apart(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_gcj02_matches_an_independent_implementation():
    # Values computed with fast-geocn 1.1.3 (an independent implementation of the published formula).
    lon, lat = datum.wgs84_to_gcj02([111.2, 116.397], [39.8, 39.909])
    np.testing.assert_allclose(lon, [111.20656061704629, 116.40324350604497], atol=1e-9)
    np.testing.assert_allclose(lat, [39.801138595863215, 39.91040339728811], atol=1e-9)


#: WGS 84 (lon, lat) → BD-09 (lon, lat) computed with prcoords 1.0.2 (``prcoords.wgs_bd``, a public-domain
#: implementation independent of this project; its GCJ-02 values equal fast-geocn's above to the last digit).
BD09_REFERENCE = [
    ((111.2, 39.8), (111.21306516431717, 39.807072813047924)),
    ((116.397, 39.909), (116.40961569346796, 39.916744221722645)),
    ((106.8, 40.7), (106.8112524908336, 40.70749497822845)),
    ((122.0, 49.2), (122.01304353018854, 49.20794880712542)),
]


def test_bd09_matches_an_independent_implementation():
    (lon, lat), (blon, blat) = (np.array(v).T for v in zip(*BD09_REFERENCE, strict=True))
    got = datum.wgs84_to_bd09(lon, lat)
    np.testing.assert_allclose(got[0], blon, atol=1e-9)
    np.testing.assert_allclose(got[1], blat, atol=1e-9)
    back = datum.bd09_to_wgs84(blon, blat)  # the inverse, from the independent forward values
    assert metres_apart(lon, lat, *back).max() < 0.5


def test_offsets_have_the_known_size_in_inner_mongolia():
    lon, lat = np.array([111.2, 106.8, 122.0]), np.array([39.8, 40.7, 49.2])
    shift_gcj = metres_apart(lon, lat, *datum.wgs84_to_gcj02(lon, lat))
    shift_bd = metres_apart(lon, lat, *datum.wgs84_to_bd09(lon, lat))
    assert np.all((shift_gcj > 100) & (shift_gcj < 1000))
    assert np.all(shift_bd > shift_gcj)


@pytest.mark.parametrize("forward, inverse", [
    (datum.wgs84_to_gcj02, datum.gcj02_to_wgs84),
    (datum.wgs84_to_bd09, datum.bd09_to_wgs84),
])
def test_round_trip_within_half_a_metre_everywhere_in_china(forward, inverse):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(74, 135, 20000), rng.uniform(18, 53, 20000)
    inside = datum.in_china(lon, lat)
    lon, lat = lon[inside], lat[inside]
    assert len(lon) > 5000
    back = inverse(*forward(lon, lat))
    assert metres_apart(lon, lat, *back).max() < 0.5
    assert np.abs(back[0] - lon).max() < 1e-7


def test_points_outside_mainland_china_are_not_shifted():
    # Ulaanbaatar, Hong Kong, Taipei, Seoul, Paris.
    lon = np.array([106.92, 114.17, 121.56, 126.98, 2.35])
    lat = np.array([47.92, 22.30, 25.03, 37.57, 48.86])
    assert not datum.in_china(lon, lat).any()
    for convert in (datum.wgs84_to_gcj02, datum.gcj02_to_wgs84, datum.wgs84_to_bd09, datum.bd09_to_wgs84):
        out_lon, out_lat = convert(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_outline_is_real_not_a_rectangle():
    # Erenhot (China) and Zamyn-Üüd (Mongolia) are 8 km apart across the border, inside any lat/lon box.
    assert datum.in_china([111.98, 111.90], [43.65, 43.72]).tolist() == [True, False]
    # Hainan in, Macau out, Shenzhen in.
    assert datum.in_china([110.33, 113.55, 114.06], [20.03, 22.19, 22.54]).tolist() == [True, False, True]


def test_scalars_and_missing_values():
    lon, lat = datum.gcj02_to_wgs84(111.2, 39.8)
    assert lon.shape == () and abs(float(lon) - 111.2) > 1e-3
    nan_lon, nan_lat = datum.bd09_to_wgs84([np.nan], [39.8])
    assert np.isnan(nan_lon[0])
    assert not datum.in_china([np.nan], [40.0])[0]


def test_to_wgs84_rejects_an_unknown_datum():
    with pytest.raises(ValueError, match="unknown datum"):
        datum.to_wgs84("beijing54", 111.0, 40.0)
