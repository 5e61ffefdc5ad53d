"""results.gpkg written the current way holds what the straightforward write gave: same features, same attributes."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from ruralenv.core.outputs import write_gpkg


def _reference_write(layers: dict, path) -> None:
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
            if s.dtype == object:
                out[col] = s.where(s.notna(), None)
            elif np.issubdtype(s.dtype, np.floating):
                out[col] = s.where(np.isfinite(s), np.nan)
        if not isinstance(out, gpd.GeoDataFrame):
            out = pd.DataFrame(out)
        pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", append=path.exists())


def _with_awkward_values(layers: dict) -> dict:
    """Infinite distances, NaN in text and None in numbers, as a run can produce."""
    villages = layers["villages"].copy()
    villages.loc[villages.index[:3], "net_dist_station_m"] = np.inf
    villages.loc[villages.index[3:5], "net_dist_town_treatment_m"] = -np.inf
    villages["issues"] = villages["issues"].astype(object)
    villages.loc[villages.index[:4], "issues"] = [None, np.nan, "", "x"]
    return {**layers, "villages": villages}


def test_results_gpkg_equals_the_reference_write(sample_results, tmp_path):
    res, _ = sample_results
    layers = _with_awkward_values(res.layers())
    before = {k: None if v is None else v.copy() for k, v in layers.items()}
    write_gpkg(layers, tmp_path / "new.gpkg")
    _reference_write(layers, tmp_path / "old.gpkg")
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
            new, old = pd.DataFrame(new.drop(columns="geometry")), pd.DataFrame(old.drop(columns="geometry"))
        pd.testing.assert_frame_equal(new, old, obj=name)
    got = pyogrio.read_dataframe(tmp_path / "new.gpkg", layer="villages")
    assert got["net_dist_station_m"].iloc[:3].isna().all() and got["issues"].iloc[:2].isna().all()
