"""The sample county's every declared output pinned: they must not move unless the change is deliberate.

The golden files are written by ``make golden`` (``tests/core/golden/make_golden.py --write``), which reads
what to pin from the output contract: every layer of results.gpkg with all its columns, summary.json without
its volatile keys, the indicator tables, the accessibility surface and the plan's numbers. Key sets are
compared both ways, so a new column, layer or key, or a vanished one, fails here until the golden files are
regenerated in a commit of their own, with the reason in its message.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from golden.make_golden import VOLATILE_KEYS, golden_layers, golden_plan, golden_summary, golden_surface

GOLDEN = Path(__file__).parent / "golden"
#: Floats are compared to their output rounding: metres to 0.1 m, everything else to 0.01.
METRES_ATOL, OTHER_ATOL = 0.051, 0.006


@pytest.fixture(scope="module")
def layers(sample_results):
    return golden_layers(sample_results[0])


@pytest.fixture(scope="module")
def outputs(sample_results):
    res, out = sample_results
    return {**golden_summary(res), "surface": golden_surface(out / "results.gpkg"),
            "plan": golden_plan(out / "results.gpkg")}


def test_the_golden_layers_are_the_layers_of_results_gpkg(layers):
    pinned = {p.name[len("sample_"):-len(".csv")] for p in GOLDEN.glob("sample_*.csv")}
    assert pinned == set(layers), f"layers only pinned: {pinned - set(layers)}, only output: {set(layers) - pinned}"


@pytest.mark.parametrize("layer", ["villages", "roads", "facilities", "counties", "towns", "mines",
                                   "unreachable", "rejects"])
def test_every_value_of_every_layer_matches_the_golden_file(layers, layer):
    path = GOLDEN / f"sample_{layer}.csv"
    expected = pd.read_csv(path, dtype=str, keep_default_na=False)
    got = layers[layer]
    assert list(got.columns) == list(expected.columns), (layer, "columns differ: regenerate deliberately")
    assert len(got) == len(expected), layer
    for col in expected.columns:
        want = expected[col].tolist()
        have = got[col].tolist()
        atol = METRES_ATOL if col.endswith("_m") or col in ("x", "y", "length_m") else OTHER_ATOL
        bad = [i for i, (h, w) in enumerate(zip(have, want, strict=True)) if not _same(h, w, atol)]
        assert not bad, (layer, col, [(have[i], want[i]) for i in bad[:5]], f"{len(bad)} rows differ")


def test_summary_tables_surface_and_plan_match_the_golden_file(outputs):
    expected = json.loads((GOLDEN / "sample_outputs.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(outputs, ensure_ascii=False, default=str))
    problems: list[str] = []
    _compare(current, expected, "", problems)
    assert not problems, "\n".join(problems[:30])
    assert not set(VOLATILE_KEYS) & set(expected["summary"])


def _compare(have, want, where: str, problems: list[str]) -> None:
    """Both ways: keys missing on either side, list lengths, and every leaf value."""
    if isinstance(want, dict) and isinstance(have, dict):
        for key in sorted(set(want) | set(have)):
            if key not in have or key not in want:
                problems.append(f"{where}/{key}: only in {'golden file' if key in want else 'the outputs'}")
            else:
                _compare(have[key], want[key], f"{where}/{key}", problems)
    elif isinstance(want, list) and isinstance(have, list):
        if len(have) != len(want):
            problems.append(f"{where}: {len(have)} items, golden file {len(want)}")
        for i, (h, w) in enumerate(zip(have, want, strict=False)):
            _compare(h, w, f"{where}[{i}]", problems)
    elif not _same(have, want, METRES_ATOL if where.endswith("_m") else OTHER_ATOL):
        problems.append(f"{where}: {have!r} != golden {want!r}")


def _same(have: object, want: object, atol: float) -> bool:
    """Equal as numbers within ``atol`` when both read as numbers, else equal as text (missing = empty)."""
    h, w = _number(have), _number(want)
    if h is not None and w is not None:
        return (math.isnan(h) and math.isnan(w)) or abs(h - w) <= atol + 1e-9 * abs(w)
    return _text(have) == _text(want)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str) and value not in ("", "True", "False"):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def test_outputs_follow_the_declared_contract(sample_results):
    from ruralenv.core.base import contract

    res = sample_results[0]
    added = [c for c in res.villages.columns if c in contract.names(contract.VILLAGE_COLUMNS)]
    assert set(added) == set(contract.names(contract.VILLAGE_COLUMNS))
    assert set(res.summary) >= set(contract.SUMMARY_KEYS)
    assert list(res.unreachable.columns) == [*contract.names(contract.UNREACHABLE_COLUMNS), "geometry"]
    assert list(res.rejects.columns) == list(contract.names(contract.REJECT_COLUMNS))
    for layer, columns in (("roads", contract.ROAD_COLUMNS), ("mines", contract.MINE_COLUMNS),
                           ("facilities", contract.FACILITY_COLUMNS)):
        assert set(contract.names(columns)) <= set(res.layers()[layer].columns), layer
