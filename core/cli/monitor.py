"""``ruralenv monitor RUN [RUN …] --out DIR``: runs of several years compared against the 2023/2025 targets."""
from __future__ import annotations

import argparse
from pathlib import Path


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``monitor`` subcommand (help in English; its Chinese is in the command line's catalogue)."""
    p = subparsers.add_parser(
        "monitor", help="compare runs of several years: trajectories, status to 2025, village changes, the "
                        "monitoring report and the acceptance table",
        description="Compare the results of several years. Each RUN is a folder written by `ruralenv run` "
                    "(results.gpkg and summary.json) or its results.gpkg; the year of each comes from --years or "
                    "from the run's setting data_year (`ruralenv run --set data_year=2024`).")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN",
                   help="results folder or results.gpkg of one year (at least two runs)")
    p.add_argument("--out", required=True, type=Path,
                   help="output folder (monitor.json, changes.gpkg, monitor.xlsx, report.html, report.docx)")
    p.add_argument("--years", nargs="+", type=int, metavar="Y",
                   help="the year of each RUN, in the same order (default: each run's data_year)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report's sentences")
    p.add_argument("--acceptance", action=argparse.BooleanOptionalAction, default=None,
                   help="add the inspection and acceptance table per county (default: when the last year is 2025 "
                        "or later)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a setting of the comparison: recode_radius_m (default 500), moved_m (default 100)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_monitor)


def cmd_monitor(args: argparse.Namespace) -> int:
    """Run ``ruralenv monitor``."""
    from ..base.console import ConsoleProgress
    from ..base.i18n import tr
    from ..monitor import MonitorOptions, monitor
    from ..monitor.writers import write_monitor

    progress = ConsoleProgress(quiet=args.quiet)
    try:
        outcome = monitor(args.runs, MonitorOptions(args.years, args.lang, args.acceptance, args.set or []),
                          progress)
        progress.stage("monitor: write")
        files = write_monitor(outcome, args.out)
    finally:
        progress.done()
    s = outcome.summary
    print(f"{tr('monitoring years')}: {', '.join(map(str, s['years']))}")
    for line in s["warnings"]:
        print(f"{tr('warning')}: {line}")
    for line in s["sentences"]["region"]:
        print(line)
    for name, path in files.items():
        print(f"{name:<13} {Path(path).resolve()}")
    return 0
