"""The golden results of the bundled sample county: every declared output, pinned so refactors cannot move it.

What is pinned is read from the output contract (:mod:`ruralenv.core.base.contract`), not listed here: every
layer of results.gpkg (:data:`~ruralenv.core.base.contract.LAYERS`) with all its columns (input fields and
those the run adds; points by their metric coordinates), the indicator tables of summary.json per level, the
accessibility surface's zonal table, and the plan's numbers (facility siting and paving, solved to proven
optimality so that they do not depend on the machine's speed).

Regenerating is a deliberate act: ``make golden`` (``python tests/core/golden/make_golden.py --write``)
rewrites the files and prints what changed; without ``--write`` the command refuses and only prints the
difference, so the diff is seen before it is committed.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SAMPLE = REPO / "data" / "sample" / "zhungeer_150622.gpkg"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
#: Volatile summary.json content: where and when a run happened, not what it found.
VOLATILE_KEYS = ("timings_s", "inputs", "run_started", "version")
#: The plan's options for the golden file: proven-optimal solves (generous time limits) of the sample.
PLAN_TIME_LIMIT_S = 600.0
SURFACE_CELL_M = 1000.0


def sample_run(out: Path):
    """The whole pipeline on the sample, writing results.gpkg (no map)."""
    from ruralenv.core import Config, run_pipeline

    inputs = {k: f"{SAMPLE}:{k}" for k in KINDS}
    return run_pipeline(inputs, Config(cache_dir=str(out / "cache")), out_dir=out, write_map=False)


def _plain_frame(df) -> Any:
    """A layer as a plain table: geometry replaced by its metric x/y (points) or dropped (lines, areas)."""
    import pandas as pd

    out = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
    geom = getattr(df, "geometry", None) if "geometry" in df.columns else None
    if geom is not None and len(df) and (geom.geom_type == "Point").all():
        out["x"], out["y"] = geom.x.round(2).to_numpy(), geom.y.round(2).to_numpy()
    return out.reset_index(drop=True)


def golden_layers(res) -> dict[str, Any]:
    """Every layer of results.gpkg as a plain table, by layer name."""
    from ruralenv.core.base import contract

    layers = res.layers()
    return {name: _plain_frame(layers[name]) for name in contract.LAYERS if layers.get(name) is not None}


def golden_summary(res) -> dict[str, Any]:
    """summary.json without its volatile keys, and the indicator tables per level."""
    summary = {k: v for k, v in res.summary.items() if k not in VOLATILE_KEYS}
    summary = json.loads(json.dumps(summary, ensure_ascii=False, default=str))
    summary["network"] = {k: v for k, v in summary.get("network", {}).items() if "cache" not in k}
    summary["config"] = {k: v for k, v in summary.get("config", {}).items() if k != "cache_dir"}
    tables = {level: json.loads(res.tables[level].to_json(orient="records", force_ascii=False))
              for level in ("county", "town", "region")}
    return {"summary": summary, "tables": tables}


def golden_surface(results_gpkg: Path) -> dict[str, Any]:
    """The transfer-station distance surface of the sample (1 km cells): its cells, each village's value and
    the zonal tables."""
    import numpy as np
    from ruralenv.core import Config
    from ruralenv.core.surface import make_surface, read_results

    surface = make_surface(read_results(results_gpkg), "transfer_station", "distance", Config(), SURFACE_CELL_M)
    values = np.asarray(surface.values, float)
    ok = np.isfinite(values) & (values >= 0)
    out: dict[str, Any] = {
        "cells": int(values.size), "with_value": int(ok.sum()), "mean": round(float(values[ok].mean()), 1),
        "max": round(float(values[ok].max()), 1),
        "village_values": [None if not np.isfinite(v) else round(float(v), 0) for v in surface.village_values]}
    for level, table in surface.tables.items():
        out[level] = json.loads(table.to_json(orient="records", force_ascii=False))
    return out


def golden_plan(results_gpkg: Path) -> dict[str, Any]:
    """The plan's numbers on the sample (siting and paving), each solved to a proven optimum."""
    from ruralenv.core.plan import PlanOptions, make_plan

    outcome = make_plan(results_gpkg, PlanOptions(time_limit=PLAN_TIME_LIMIT_S, check=True))
    return json.loads(json.dumps(_numbers(outcome.summary), ensure_ascii=False, default=str))


def _numbers(value: Any) -> Any:
    """The numeric and vocabulary content of a plan summary (sentences and seconds left out)."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()
                if k != "source" and not any(w in k for w in ("sentence", "seconds", "time", "_s"))}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def build(out: Path) -> dict[str, Any]:
    """Every golden table of the sample, computed into ``out``."""
    res = sample_run(out)
    gpkg = out / "results.gpkg"
    return {"layers": golden_layers(res), **golden_summary(res), "surface": golden_surface(gpkg),
            "plan": golden_plan(gpkg)}


def write(golden: dict[str, Any], folder: Path) -> None:
    """The golden files: one CSV per layer, one JSON for the rest."""
    for name, frame in golden["layers"].items():
        frame.to_csv(folder / f"sample_{name}.csv", index=False)
    rest = {k: v for k, v in golden.items() if k != "layers"}
    (folder / "sample_outputs.json").write_text(json.dumps(rest, ensure_ascii=False, indent=1, sort_keys=True)
                                               + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Regenerate the golden files (only with ``--write``), printing what changed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the golden files (a deliberate act)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO.parent))
    with tempfile.TemporaryDirectory() as tmp:
        golden = build(Path(tmp) / "out")
        if not args.write:
            now, then = Path(tmp) / "now", Path(tmp) / "golden"
            now.mkdir()
            then.mkdir()
            write(golden, now)
            for f in HERE.glob("sample_*"):
                (then / f.name).write_bytes(f.read_bytes())
            diff = subprocess.run(["git", "diff", "--no-index", "--stat", str(then), str(now)],
                                  capture_output=True, text=True).stdout
            print(diff or "no change")
            print("refusing to rewrite the golden files without --write (make golden)")
            return 1
    write(golden, HERE)
    print(subprocess.run(["git", "diff", "--stat", "--", str(HERE)], capture_output=True, text=True,
                         cwd=REPO).stdout or "no change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
