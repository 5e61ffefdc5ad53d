"""Write the golden results of the bundled sample county (run once before a refactor; see test_golden.py).

Usage: ``python tests/core/golden/make_golden.py`` (writes ``sample_villages.csv`` and ``sample_indicators.json``
beside this file).
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[2] / "data" / "sample" / "zhungeer_150622.gpkg"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
#: The village columns the golden file pins: distances, model, coverage, access and pave gap.
VILLAGE_COLUMNS = ("village_code", "snap_dist_m", "net_dist_station_m", "net_dist_town_treatment_m",
                   "net_dist_county_treatment_m", "net_dist_village_treatment_m", "pop_within_radius",
                   "dispersed", "collection_model", "covered", "hardened_access", "pave_gap_m", "is_larger",
                   "in_scope", "is_admin_village", "near_mine", "near_non_green_mine")


def sample_run(out: Path):
    """The whole pipeline on the sample, without the map."""
    from ruralenv.core import Config, run_pipeline

    inputs = {k: f"{SAMPLE}:{k}" for k in KINDS}
    return run_pipeline(inputs, Config(cache_dir=str(out / "cache")), out_dir=None, write_map=False)


def golden_tables(res) -> tuple:
    """(village table, indicator records) in the form the golden files store."""
    villages = res.villages[list(VILLAGE_COLUMNS)].copy()
    villages["unreachable_kind"] = res.villages["unreachable_reason_en"].map(  # the English text starts with it
        lambda s: s.split(":")[0] if isinstance(s, str) else "")
    indicators = {level: json.loads(res.tables[level].to_json(orient="records", force_ascii=False))
                  for level in ("county", "town", "region")}
    return villages, indicators


def main() -> int:
    sys.path.insert(0, str(HERE.parents[3]))
    with tempfile.TemporaryDirectory() as tmp:
        villages, indicators = golden_tables(sample_run(Path(tmp)))
    villages.to_csv(HERE / "sample_villages.csv", index=False)
    (HERE / "sample_indicators.json").write_text(json.dumps(indicators, ensure_ascii=False, indent=1,
                                                            sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(villages)} villages and {sum(map(len, indicators.values()))} indicator rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
