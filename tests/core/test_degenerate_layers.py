"""Layers of 0, 1 or 2 features, identical points, extents of zero width or height: through run, map, plan and
surface, a result or one clear error (a :class:`RuralEnvError`), never a traceback.

Property tests (hypothesis, derandomised: the same examples on every run) over layer sizes and shapes.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruralenv.core import Config, RuralEnvError, run_pipeline
from ruralenv.core.maps.webmap import build_map_data
from ruralenv.core.plan.run import PlanOptions, make_plan
from ruralenv.core.surface.run import make_surface, read_results
from shapely.geometry import LineString, Point

GK = "EPSG:4546"
X0, Y0 = 500_000.0, 4_400_000.0
SETTINGS = settings(max_examples=16, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: Where the k-th point of a layer goes (km from X0, Y0) in each shape of the data.
SHAPES = {
    "spread": lambda k: (0.5 + 1.3 * k, 0.4 + 0.7 * k),
    "same_point": lambda k: (1.0, 1.0),  # every point identical: an extent of zero width and height
    "north_south": lambda k: (1.0, 0.5 + k),  # zero width
    "east_west": lambda k: (0.5 + k, 1.0),  # zero height
}
#: Roads along each shape (km): the roads' own extent is degenerate too where the shape is.
ROADS = {
    "spread": [[(0, 0), (4, 2.5)], [(4, 2.5), (4, 4)]],
    "same_point": [[(1, 1), (2, 1)], [(2, 1), (3, 1)]],
    "north_south": [[(1, 0), (1, 2)], [(1, 2), (1, 4)]],
    "east_west": [[(0, 1), (2, 1)], [(2, 1), (4, 1)]],
}


def _xy(km: tuple[float, float]) -> tuple[float, float]:
    return X0 + km[0] * 1000, Y0 + km[1] * 1000


def make_layers(shape: str, n_villages: int, n_towns: int, n_facilities: int, n_roads: int) -> dict:
    at = SHAPES[shape]
    villages = gpd.GeoDataFrame(
        {"village_code": [f"15062210{k:04d}" for k in range(n_villages)], "name": [f"村{k}" for k in range(n_villages)],
         "county_code": "150622", "town_code": "150622100", "population": 200, "households": 60,
         "village_class": "集聚提升类", "is_admin_village": 1},
        geometry=[Point(_xy(at(k))) for k in range(n_villages)], crs=GK)
    towns = gpd.GeoDataFrame({"town_code": [f"15062210{k}" for k in range(n_towns)],
                              "name": [f"镇{k}" for k in range(n_towns)], "county_code": "150622",
                              "is_county_seat": [1] + [0] * max(n_towns - 1, 0) if n_towns else []},
                             geometry=[Point(_xy(at(k + 0.5))) for k in range(n_towns)], crs=GK)
    facilities = gpd.GeoDataFrame({"facility_type": ["county_treatment", "transfer_station"][:n_facilities]},
                                  geometry=[Point(_xy(at(k + 0.25))) for k in range(n_facilities)], crs=GK)
    roads = gpd.GeoDataFrame({"surface": ["沥青", "砂石"][:n_roads]},
                             geometry=[LineString([_xy(p) for p in line]) for line in ROADS[shape][:n_roads]], crs=GK)
    return {"villages": villages, "roads": roads, "facilities": facilities, "towns": towns}


def _clear(exc: BaseException) -> None:
    """A clear error: one of ours, with a message."""
    assert isinstance(exc, RuralEnvError), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip()


def _through_everything(layers: dict, folder: Path) -> None:
    cfg = Config(cache_dir=str(folder / "cache"))
    try:
        res = run_pipeline(layers, cfg, out_dir=folder / "out", write_map=False)
    except Exception as exc:  # noqa: BLE001 - the property: only our own errors
        _clear(exc)
        return
    assert len(res.villages) == len(layers["villages"])
    gpkg = folder / "out" / "results.gpkg"
    for source in (res, gpkg):  # the map of a run, and `ruralenv map RESULTS.gpkg`
        data = build_map_data(source)
        (south, west), (north, east) = data["bounds"]
        assert np.isfinite([west, south, east, north]).all() and west <= east and south <= north
    for only in ("waste", "roads"):
        try:
            make_plan(gpkg, PlanOptions(time_limit=2.0, waste=only == "waste", roads=only == "roads"))
        except Exception as exc:  # noqa: BLE001
            _clear(exc)
    target = "seat" if len(layers["towns"]) else "hardened_road"
    try:
        surf = make_surface(read_results(gpkg), target, config=cfg, res=250.0)
        assert surf.values.size >= 1
    except Exception as exc:  # noqa: BLE001
        _clear(exc)


@SETTINGS
@given(shape=st.sampled_from(sorted(SHAPES)), n_villages=st.integers(1, 2), n_towns=st.integers(0, 2),
       n_facilities=st.integers(1, 2), n_roads=st.integers(1, 2))
def test_small_and_degenerate_layers_give_a_result_or_one_clear_error(shape, n_villages, n_towns, n_facilities,
                                                                      n_roads):
    layers = make_layers(shape, n_villages, n_towns, n_facilities, n_roads)
    if not n_towns:
        del layers["towns"]
        layers["towns"] = gpd.GeoDataFrame({"town_code": []}, geometry=[], crs=GK)
    with tempfile.TemporaryDirectory() as tmp:
        _through_everything(layers, Path(tmp))


@pytest.mark.parametrize("kind", ["villages", "roads", "facilities", "towns"])
def test_an_empty_layer_is_one_clear_error(tmp_path, kind):
    layers = make_layers("spread", 2, 1, 1, 2)
    layers[kind] = layers[kind].iloc[:0]
    with pytest.raises(RuralEnvError) as exc:
        run_pipeline(layers, Config(cache_dir=str(tmp_path / "c")), out_dir=tmp_path / "out", write_map=False)
    assert "empty" in str(exc.value)


def test_one_town_one_village_writes_the_map(tmp_path):
    """The issue's case: a single township seat made the map's extent a zero-width box."""
    layers = make_layers("spread", 1, 1, 1, 1)
    res = run_pipeline(layers, Config(cache_dir=str(tmp_path / "c")), write_map=False)
    data = build_map_data(res)
    assert data


@pytest.mark.parametrize("only", [[], ["--only", "roads"]])
def test_plan_on_a_run_without_a_counties_layer(tmp_path, only):
    """The counties layer is optional in `run` (its indicators are then a table): plan works on such results."""
    import subprocess
    import sys

    from conftest import SAMPLE

    out = tmp_path / "out"
    run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns")},
                 Config(cache_dir=str(tmp_path / "c")), out_dir=out, write_map=False)
    proc = subprocess.run([sys.executable, "-c", "import sys; from ruralenv.core.cli.main import main; "
                           "sys.exit(main())", "plan", str(out / "results.gpkg"), "--out", str(tmp_path / "plan"),
                           "--no-map", "--time-limit", "5", *only], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and (tmp_path / "plan" / "plan.gpkg").exists()
    assert "HiGHS" not in proc.stdout and "Copyright" not in proc.stdout  # the solver's banner stays off stdout
    assert "integer programme for at most" in proc.stderr  # the paving plan's progress lines
