"""Command line: ``ruralenv demo``, ``ruralenv run`` and the subcommands other modules register.

Exit codes: 0 success, 2 bad input or configuration (one line per problem, no traceback), 130 cancelled.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from pathlib import Path

from ..base import glossary
from ..base._errors import Cancelled, ConfigError, InputError, Problem, RuralEnvError
from ..base.config import LAYER_KINDS, Config, LayerSpec, RunInputs, load_toml
from ..base.console import ConsoleProgress
from ..base.files import CANCEL_REQUESTED, SAMPLE_GPKG, SAMPLE_SETTINGS, check_out_folder
from ..base.glossary import label
from ..base.i18n import language, tr, translate
from ..surface.cost import SURFACE_TARGETS
from .parser import Parser, bilingual

#: Modules adding subcommands through ``register_cli(subparsers)``; one that does not import (the
#: measurement tools without their ``bench`` extra) adds nothing.
COMMAND_MODULES = ("ruralenv.core.maps.webmap", "ruralenv.core.cli.survey", "ruralenv.core.surface.run",
                   "ruralenv.core.cli.plan", "ruralenv.core.cli.template", "ruralenv.core.cli.monitor",
                   "ruralenv.tools.bench")


def _county_table(results) -> str:
    """The plan's four targets per county (and the whole input): waste coverage and hardened access, then
    生活污水治理率 against 2023/2025 and the zone targets and 卫生厕所普及率 with the households still lacking one."""
    t = results.tables["county"]
    g = glossary
    lines = [f"{'旗县 county':<16}{g.zh('admin_village'):>7}{g.label('waste_coverage', short=True) + '%':>10}"
             f"{'2025年目标':>9}{'较大人口规模自然村':>11}{g.label('road_coverage', short=True) + '%':>10}"
             f"{'2025年目标':>9}{'尚差村数':>7}{'需硬化公里（上限）':>10}"]
    for _, r in t.iterrows():
        lines.append(
            f"{str(r['name'])[:12]:<16}{r['n_admin_in_scope']:>7}{_pct(r['waste_coverage_pct']):>10}"
            f"{'是' if r['waste_meets_2025'] else '否':>9}{r['n_larger']:>11}{_pct(r['road_coverage_pct']):>10}"
            f"{'是' if r['roads_meets_2025'] else '否':>9}{r['roads_gap_2025']:>7}{_num(r['pave_km_2025']):>10}")
    if "sewage_rate_pct" in t:
        lines += ["", *_sanitation_table(t, results.summary.get("config", {}))]
    return "\n".join(lines)


def _sanitation_table(t, config: dict) -> list[str]:
    """生活污水治理率 and 卫生厕所普及率 per county, against the plan's targets."""
    s23, s25 = (round(100 * float(config.get(k, v)), 1) for k, v in (("target_sewage_2023", 0.26),
                                                                    ("target_sewage_2025", 0.32)))
    lines = [f"{'旗县 county':<16}{label('sewage_rate', short=True) + '%':>9}{f'2023≥{s23:g}%':>10}"
             f"{f'2025≥{s25:g}%':>10}{'分区目标':>8}{label('toilet_rate') + '%':>11}{'尚需改厕户':>10}"]
    for _, r in t.iterrows():
        lines.append(
            f"{str(r['name'])[:12]:<16}{_pct(r['sewage_rate_pct']):>9}{_yes(r['sewage_meets_2023']):>10}"
            f"{_yes(r['sewage_meets_2025']):>10}{_yes(r['sewage_meets_zone']):>8}{_pct(r['toilet_rate_pct']):>11}"
            f"{_int(r['toilets_needed']):>10}")
    return lines


def _yes(v) -> str:
    return "—" if v is None or v != v else ("是" if v else "否")


def _int(v) -> str:
    return "—" if v is None or v != v else f"{int(v):,}"


def _pct(v) -> str:
    return "—" if v is None or v != v else f"{v:.1f}"


def _num(v) -> str:
    return "—" if v is None or v != v else f"{v:.1f}"


def _report(results, quiet: bool) -> None:
    print(_county_table(results))
    for name, path in results.files.items():
        print(f"{tr(name):<13} {Path(path).resolve()}")


def cmd_run(args: argparse.Namespace) -> int:
    """``ruralenv run``: CONFIG.toml and/or --villages/--roads/... layers."""
    from ..pipeline import run_pipeline

    if args.config:
        inputs, config = load_toml(args.config)
        specs = dict(inputs.items())
    else:
        specs, config = {}, Config()
    for kind in LAYER_KINDS:
        value = getattr(args, kind, None)
        if value:
            specs[kind] = LayerSpec.parse(value)
    missing = [k for k in ("villages", "roads") if k not in specs]
    if missing:
        raise ConfigError("missing input layer(s): " + ", ".join(f"--{k}" for k in missing))
    check_out_folder(args.out)  # before the analysis, not after it
    config = config.with_overrides(args.set or [])
    progress = ConsoleProgress(quiet=args.quiet)
    try:
        if getattr(args, "partition", None):
            from ..partition.run import PartitionOptions, run_partitioned

            options = PartitionOptions(args.partition, args.halo_m, args.scheduler, args.workers)
            results = run_partitioned(RunInputs(**specs), config, options, out_dir=args.out, progress=progress,
                                      write_map=not args.no_map)
        else:
            results = run_pipeline(RunInputs(**specs), config, out_dir=args.out, progress=progress,
                                   write_map=not args.no_map)
    finally:
        progress.done()
    if args.surface:
        from ..surface.run import surfaces_of_run

        results.files.update(surfaces_of_run(results, args.surface, args.out, config, progress))
    _report(results, args.quiet)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``ruralenv demo``: the whole pipeline on the bundled sample county."""
    if not SAMPLE_GPKG.exists():
        raise ConfigError(f"bundled sample not found at {SAMPLE_GPKG}")
    for kind in LAYER_KINDS:
        setattr(args, kind, f"{SAMPLE_GPKG}:{kind}")
    args.config = None
    args.set = [*SAMPLE_SETTINGS, *(args.set or [])]  # the sample's own settings first; the user's win
    return cmd_run(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ruralenv`` command."""
    parser = Parser(prog="ruralenv", description=(
        "RuralEnv Planner 农村牧区人居环境规划: hardened-road access and waste collection models of villages "
        "by road-network distance, reported per county against the 2021–2025 plan targets."))
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True, type=Path, help="output folder")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
        p.add_argument("--no-map", action="store_true", help="do not write map.html")
        p.add_argument("--surface", action="append", choices=SURFACE_TARGETS, metavar="TARGET",
                       help="also write the distance surface surface_TARGET.tif, TARGET one of "
                            f"{', '.join(SURFACE_TARGETS)} (repeatable)")

    p = sub.add_parser("run", help="analyse your own layers")
    p.add_argument("config", nargs="?", type=Path, help="CONFIG.toml with [inputs] and [settings]")
    for kind in LAYER_KINDS:
        p.add_argument(f"--{kind}", metavar="PATH[:LAYER]", help=f"{kind} layer")
    run_options(p)
    cluster = p.add_argument_group("partitioned run on Dask (pip install 'ruralenv[cluster]')")
    cluster.add_argument("--partition", choices=["county", "league", "auto"],
                         help="split by county or league (盟/市) and run the partitions on Dask workers")
    cluster.add_argument("--halo-m", type=float, metavar="M",
                         help="roads this far around a partition go with it (default: the longest rule distance)")
    cluster.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786 "
                         "(default: a local cluster)")
    cluster.add_argument("--workers", type=int, default=2, metavar="N", help="local worker processes (default 2)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="run on the bundled sample county (准格尔旗)")
    run_options(p)
    p.set_defaults(func=cmd_demo)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        register = getattr(module, "register_cli", None)
        if register is not None:
            register(sub)
    return parser


def build_bilingual_parser() -> argparse.ArgumentParser:
    """The parser with every text written ``中文 English`` (the documentation's command-line reference)."""
    return bilingual(build_parser())


def _interrupted(signum: int, frame: object) -> None:
    """SIGINT and SIGTERM: remember the request (the writer checks it before moving the outputs into place) and
    interrupt the run, once."""
    if CANCEL_REQUESTED.is_set():
        return
    CANCEL_REQUESTED.set()
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ruralenv`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    main_thread = threading.current_thread() is threading.main_thread()
    CANCEL_REQUESTED.clear()
    # SIGTERM cancels like Ctrl-C: the outputs stay as they were
    previous = {s: signal.signal(s, _interrupted) for s in (signal.SIGINT, signal.SIGTERM)} if main_thread else {}
    try:
        return _dispatch(args)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; errors become one line each, in the user's language, and an exit code."""
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        for p in exc.problems:
            _error(problem_line(p))
        print(tr("{n} problem(s); nothing was written").format(n=len(exc.problems)), file=sys.stderr)
        return 2
    except (ConfigError, ValueError) as exc:
        _error(translate(str(exc)))
        return 2
    except Cancelled as exc:
        print(f"{tr('cancelled')}: {translate(str(exc))}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(tr("cancelled; nothing was written"), file=sys.stderr)
        return 130
    except RuralEnvError as exc:
        _error(translate(str(exc)))
        return 2


def _error(text: str) -> None:
    print(f"{tr('error')}{'：' if language() == 'zh' else ': '}{text}", file=sys.stderr)


def problem_line(p: Problem) -> str:
    """One problem as the terminal shows it: English ``file [layer L] row R field 'F': message``, or in Chinese
    ``file [图层 L] 第R行 字段“F”：消息`` under a Chinese locale."""
    if language() != "zh":
        return str(p)
    where = p.file + (f" [图层 {p.layer}]" if p.layer else "")
    where += f" 第{p.row}行" if p.row is not None else ""
    where += f" 字段“{p.field}”" if p.field else ""
    return f"{where}：{translate(p.message)}"


if __name__ == "__main__":
    sys.exit(main())
