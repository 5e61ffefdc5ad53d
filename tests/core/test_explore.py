"""Results.explore(): a folium map of a run styled like map.html (skipped only when folium is missing)."""
from __future__ import annotations

import json

import pytest
from conftest import SAMPLE
from ruralenv.core import run_pipeline
from ruralenv.core.base.legend import village_category, village_classes

folium = pytest.importorskip("folium")


@pytest.fixture(scope="module")
def results():
    return run_pipeline({k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties")})


def test_explore_returns_a_folium_map_with_the_run_layers(results):
    fmap = results.explore()
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    _, styles, _ = village_classes(0)
    for key in set(village_category(results.villages)):
        assert styles[key]["color"] in html, key  # the village classes keep map.html's colours
    names = [c.layer_name for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)]
    assert names == ["旗县（按生活垃圾收运处置体系覆盖行政村比例）", "道路", "村庄（按收运处置模式）", "苏木乡镇驻地"]
    assert json.dumps(str(results.villages["name"].iloc[0]))[1:-1] in html  # as folium escapes it
    en = results.explore(lang="en")
    assert "Villages (by collection model)" in en.get_root().render()
