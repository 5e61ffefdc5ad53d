"""``ruralenv plan RESULTS.gpkg --out PLAN_DIR``: where to build, what to pave, checked by a re-run."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..base._errors import ConfigError
from ..base.files import check_out_folder


def _pct(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a percentage such as 60, got {text}") from None
    if 0 < value <= 1:  # a fraction where a percentage was asked for: 0.6 would plan for 0.6 %
        raise argparse.ArgumentTypeError(f"did you mean {value * 100:g} %? percentages are written as "
                                         f"{value * 100:g}, not {text}")
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"a percentage in (1, 100], got {text}")
    return value / 100.0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` subcommand."""
    p = subparsers.add_parser("plan", help="plan new facility sites and roads to pave from a results.gpkg")
    p.add_argument("results", type=Path, help="results.gpkg written by `ruralenv run` / `ruralenv demo`")
    p.add_argument("--out", required=True, type=Path, help="output folder (plan.gpkg, plan.json, plan.xlsx, map.html)")
    p.add_argument("--candidates", metavar="FILE[:LAYER]", help="candidate sites (points); default: township "
                   "seats, junctions of the hardened network and existing facility sites")
    p.add_argument("--facility-type", default="transfer_station",
                   choices=("transfer_station", "town_treatment", "village_treatment"))
    waste = p.add_mutually_exclusive_group()
    waste.add_argument("--sites", type=int, metavar="K", help="build K sites covering the most villages")
    waste.add_argument("--waste-target", type=_pct, metavar="PCT",
                       help="fewest sites so that every county reaches PCT %% waste coverage (default 60)")
    roads = p.add_mutually_exclusive_group()
    roads.add_argument("--roads-target", type=_pct, metavar="PCT",
                       help="least km so that every county reaches PCT %% hardened access (default 85)")
    roads.add_argument("--budget-km", type=float, metavar="KM", help="km each county may pave")
    p.add_argument("--weight", choices=("count", "population"), default="count",
                   help="maximal covering counts villages (default) or people")
    p.add_argument("--time-limit", type=float, default=30.0, metavar="S",
                   help="seconds for the integer programmes of each part (default 30)")
    p.add_argument("--only", choices=("waste", "roads"), help="plan only facilities or only paving")
    p.add_argument("--site-capacity-tpd", type=float, metavar="T",
                   help="what each proposed site can take (t/day): the coverage counts only the villages it can serve")
    p.add_argument("--no-check", action="store_true", help="skip the re-run (coverage is then the plan's claim)")
    p.add_argument("--no-map", action="store_true", help="do not write map.html")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting of the run")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    """Run ``ruralenv plan``."""
    from ..base.console import ConsoleProgress
    from ..plan.run import PlanOptions, make_plan
    from ..plan.writers import write_plan

    if args.sites is not None and args.sites < 0:
        raise ConfigError("--sites must be >= 0")
    if args.budget_km is not None and args.budget_km < 0:
        raise ConfigError("--budget-km must be >= 0")
    check_out_folder(args.out)
    opt = PlanOptions(args.candidates, args.facility_type, args.sites, args.waste_target, args.roads_target,
                      args.budget_km, args.weight, args.time_limit, args.only != "roads", args.only != "waste",
                      not args.no_check, args.set or [], args.site_capacity_tpd)
    progress = ConsoleProgress(quiet=args.quiet)
    try:
        outcome = make_plan(args.results, opt, progress)
        files = write_plan(outcome, args.out, write_map=not args.no_map, progress=progress)
    finally:
        progress.done()
    s = outcome.summary
    for w in ("waste", "roads"):
        if w in s:
            x = s[w]
            extra = (f"{x['sites']} sites, objective {x['objective']:g}, bound {x['bound']:g}" if w == "waste"
                     else f"{x['km']:.1f} km, lower bound {x['bound_km']:.1f} km")
            print(f"{w}: {x['coverage_before_pct']}% → {x['coverage_after_pct']}% "
                  f"(claimed {x['coverage_claimed_pct']}%); {extra}")
    if "class3" in s:
        c = s["class3"]
        print(f"三级公路 class3: {c['seats_before']} → {c['seats_after_claimed']} 个驻地 seats (claimed); "
              f"升级 {c['km']:.1f} 公里 km（技术等级未知 {c['km_unknown_grade']:.1f} 公里 of unknown grade）, "
              f"{c['cost_wan']:.0f} 万元")
    for v in s["sentences"].values():
        print(v["zh"])
        print(v["en"])
    for name, path in files.items():
        print(f"{name:<10} {Path(path).resolve()}")
    return 0
