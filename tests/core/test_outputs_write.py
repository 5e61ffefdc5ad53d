"""results.gpkg written the current way holds what the straightforward write gave: same features, same attributes."""
from __future__ import annotations

import contextlib
import sqlite3
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from ruralenv.core.io import write as outputs
from ruralenv.core.io.write import write_gpkg


def _reference_write(layers: dict, path, index_max: int = 500_000) -> None:
    """The writer before it was made lazy: copy every layer, nulls for NaN/inf numbers and missing text."""
    for name, df in layers.items():
        if df is None:
            continue
        out = df.copy()
        geom = getattr(out, "_geometry_column_name", None)
        for col in out.columns:
            if col == geom:
                continue
            s = out[col]
            if s.dtype == object and s.dropna().map(type).eq(bool).all() and s.notna().any():
                out[col] = s.astype("boolean")  # yes/no with blanks: a BOOLEAN field, not "True"/"False" text
            elif s.dtype == object:
                out[col] = s.where(s.notna(), None)
            elif np.issubdtype(s.dtype, np.floating):
                out[col] = s.where(np.isfinite(s), np.nan)
        if not isinstance(out, gpd.GeoDataFrame):
            out = pd.DataFrame(out)
        index = {"SPATIAL_INDEX": "YES" if len(out) <= index_max else "NO"} if isinstance(out, gpd.GeoDataFrame) \
            else {}
        pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", append=path.exists(), layer_options=index)


def _rtree(path, table: str) -> list[tuple]:
    """The R-tree spatial index entries of a layer (none when it has no index), and its triggers' names."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        triggers = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                                    "tbl_name = ?", (table,)))
        rows = con.execute(f'SELECT * FROM "rtree_{table}_geom" ORDER BY id').fetchall() \
            if f"rtree_{table}_geom" in names else []
    return [*rows, *triggers]


def _with_awkward_values(layers: dict) -> dict:
    """Infinite distances, NaN in text and None in numbers, as a run can produce."""
    villages = layers["villages"].copy()
    villages.loc[villages.index[:3], "net_dist_station_m"] = np.inf
    villages.loc[villages.index[3:5], "net_dist_town_treatment_m"] = -np.inf
    villages["issues"] = villages["issues"].astype(object)
    villages.loc[villages.index[:4], "issues"] = [None, np.nan, "", "x"]
    return {**layers, "villages": villages}


@pytest.mark.parametrize(("bulk_min", "index_max"), [(10**9, 500_000), (0, 500_000), (0, 0)],
                         ids=["gdal-rows", "sqlite-rows-rtree", "sqlite-rows-no-rtree"])
def test_results_gpkg_equals_the_reference_write(sample_results, tmp_path, bulk_min, index_max):
    """With ``bulk_min`` 0 the rows of every layer go in through SQLite in bulk (:func:`append_rows`, as the
    region's villages and roads do), with or without an R-tree: GDAL must read back the same layers,
    extents, counts and spatial-index entries."""
    res, _ = sample_results
    layers = _with_awkward_values(res.layers())
    before = {k: None if v is None else v.copy() for k, v in layers.items()}
    with mock.patch.object(outputs, "append_rows", wraps=outputs.append_rows) as bulk, \
            mock.patch.object(outputs, "BULK_ROWS", 7), \
            mock.patch.object(outputs, "BULK_MIN_ROWS", bulk_min):  # many slices, the last one short
        write_gpkg(layers, tmp_path / "new.gpkg", index_max_features=index_max)
    assert {c.args[1] for c in bulk.call_args_list} >= ({"roads", "villages", "counties"} if bulk_min == 0 else set())
    assert bulk.called == (bulk_min == 0)
    _reference_write(layers, tmp_path / "old.gpkg", index_max)
    for name, df in before.items():  # the writer changed nothing in the caller's frames
        if df is not None:
            pd.testing.assert_frame_equal(pd.DataFrame(layers[name]), pd.DataFrame(df))
    names_new = pyogrio.list_layers(tmp_path / "new.gpkg")[:, 0].tolist()
    assert names_new == pyogrio.list_layers(tmp_path / "old.gpkg")[:, 0].tolist()
    assert {"villages", "roads", "counties"} <= set(names_new)
    for name in names_new:
        new = pyogrio.read_dataframe(tmp_path / "new.gpkg", layer=name)
        old = pyogrio.read_dataframe(tmp_path / "old.gpkg", layer=name)
        assert len(new) == len(old) == len(layers[name]), name
        if isinstance(new, gpd.GeoDataFrame):
            assert new.geometry.geom_equals_exact(old.geometry, 0).all(), name
            info_new, info_old = (pyogrio.read_info(tmp_path / f, layer=name) for f in ("new.gpkg", "old.gpkg"))
            for key in ("features", "geometry_type", "crs", "fields", "dtypes"):
                assert np.array_equal(info_new[key], info_old[key]), (name, key)
            np.testing.assert_allclose(info_new["total_bounds"], info_old["total_bounds"])
            x0, y0, x1, y1 = old.total_bounds
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            box = (cx - 3e3, cy - 3e3, cx + 3e3, cy + 3e3)  # a spatial filter reads the blobs' envelopes
            inside = [pyogrio.read_dataframe(tmp_path / f, layer=name, bbox=box) for f in ("new.gpkg", "old.gpkg")]
            assert len(inside[0]) == len(inside[1]), name
            assert _rtree(tmp_path / "new.gpkg", name) == _rtree(tmp_path / "old.gpkg", name), name
            new, old = pd.DataFrame(new.drop(columns="geometry")), pd.DataFrame(old.drop(columns="geometry"))
        pd.testing.assert_frame_equal(new, old, obj=name)
    got = pyogrio.read_dataframe(tmp_path / "new.gpkg", layer="villages")
    fields = pyogrio.read_info(tmp_path / "new.gpkg", layer="villages")
    assert dict(zip(fields["fields"], fields["dtypes"], strict=True))["sewage_treated"] == "bool"
    assert got["net_dist_station_m"].iloc[:3].isna().all() and got["issues"].iloc[:2].isna().all()
