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
                   help="seconds for the integer programmes of each part (default 30; the sewage plan: per county)")
    p.add_argument("--only", choices=("waste", "roads", "sewage", "toilets"),
                   help="plan one part only: facilities, paving, sewage or toilets (default: all four)")
    p.add_argument("--sewage-year", type=int, choices=(2023, 2025), default=2025,
                   help="target year of the sewage and toilet plans: 2023 (overall 26%%) or 2025 (overall 32%% and "
                        "each priority zone's target); default 2025")
    p.add_argument("--budget-wan", type=float, metavar="WAN",
                   help="万元 each county may spend on sewage (capital + running over cost_horizon_years): the most "
                        "villages treated within it, zone targets first")
    p.add_argument("--toilet-target", type=_pct, metavar="PCT",
                   help="卫生厕所普及率 to reach in every county, instead of the county's share of the region's "
                        "new toilets")
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
    if args.budget_wan is not None and args.budget_wan < 0:
        raise ConfigError("--budget-wan must be >= 0")
    check_out_folder(args.out)
    part = {k: args.only in (None, k) for k in ("waste", "roads", "sewage", "toilets")}
    opt = PlanOptions(args.candidates, args.facility_type, args.sites, args.waste_target, args.roads_target,
                      args.budget_km, args.weight, args.time_limit, part["waste"], part["roads"],
                      not args.no_check, args.set or [], args.site_capacity_tpd, sewage=part["sewage"],
                      toilets=part["toilets"], year=args.sewage_year, budget_wan=args.budget_wan,
                      toilet_target=args.toilet_target)
    progress = ConsoleProgress(quiet=args.quiet)
    try:
        outcome = make_plan(args.results, opt, progress)
        files = write_plan(outcome, args.out, write_map=not args.no_map, progress=progress)
    finally:
        progress.done()
    s = outcome.summary
    if "sewage" in s:
        x = s["sewage"]
        print(f"生活污水 sewage: {x['rate_before_pct']}% → {x['rate_after_pct']}%（治理{x['villages_treated']}村 "
              f"villages，连片{x['groups']}处 shared plants，管网{x['pipe_km']:.1f}公里 km）；费用 cost "
              f"{x['cost_wan']:.1f}万元，下界 bound {x['bound_wan']:.1f}，差距 gap {x['gap_pct']:.2f}%")
    if "toilets" in s:
        x = s["toilets"]
        print(f"改厕 toilets: {x['households']}户 households，{x['capex_wan']:.1f}万元；"
              f"{x['rate_before_pct']}% → {x['rate_after_pct']}%")
        if x.get("note"):
            print(f"改厕 toilets: 未分摊全区任务，请设置 region_households_lacking_toilet 或 --toilet-target / {x['note']}")
    print(f"投资估算 investment: {s['investment']['total_wan']:.1f}万元 {s['investment']['by_pillar']}")
    for w in ("waste", "roads"):
        if w in s:
            x = s[w]
            extra = (f"{x['sites']} sites, objective {x['objective']:g}, bound {x['bound']:g}" if w == "waste"
                     else f"{x['km']:.1f} km (counties' sum {x['km_counties_sum']:.1f} km, lower bound "
                          f"{x['bound_km']:.1f} km)")
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
