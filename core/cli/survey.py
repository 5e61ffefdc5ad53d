"""``ruralenv survey import FILE… --into RESULTS.gpkg``: the command line of the survey import.

Registered by :mod:`ruralenv.core.cli.main`. Exit 0 on success (also when every file was imported before),
2 on bad input with one line per problem (printed by the main CLI).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..base.console import ConsoleProgress
from ..survey.importer import import_survey


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command (with its ``import`` subcommand) to the ``ruralenv`` parser."""
    survey = subparsers.add_parser("survey", help="field survey GPS points")
    actions = survey.add_subparsers(dest="survey_command", required=True)
    p = actions.add_parser("import", help="import GPS points into RESULTS.gpkg and match them to villages",
                           description=(
                               "Import survey points (GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage, "
                               "Shapefile) into RESULTS.gpkg: survey_points, survey_rejects, "
                               "village_location_updates (proposals for review) and survey_imports (audit)."))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--into", required=True, type=Path, metavar="RESULTS.gpkg",
                   help="results GeoPackage with a villages layer")
    p.add_argument("--crs", default="auto", metavar="auto|wgs84|gcj02|bd09|cgcs2000|EPSG:n",
                   help="coordinate system of the files (default: decided per file and reported)")
    p.add_argument("--match-radius", type=float, default=1000.0, metavar="METRES",
                   help="largest distance for matching a point to a village by position alone (default 1000)")
    p.set_defaults(func=cmd_survey_import)


def cmd_survey_import(args: argparse.Namespace) -> int:
    """Run the import and print the datum decision and counts of every file."""
    progress = ConsoleProgress()
    try:
        report = import_survey(args.files, args.into, crs=args.crs, match_radius_m=args.match_radius,
                               progress=progress)
    finally:
        progress.done()
    print("\n".join(report.lines(warnings=False)))  # warnings went to stderr as they came
    return 0
