"""``ruralenv survey import|form|apply``: the command line of the survey import and of the field loop.

Registered by :mod:`ruralenv.core.cli.main`. Exit 0 on success (also when every file was imported before),
2 on bad input with one line per problem (printed by the main CLI).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..base.console import ConsoleProgress
from ..survey.apply import TAKE_CHOICES, apply_status
from ..survey.form import write_form
from ..survey.importer import import_survey
from ..survey.status import commit_status, is_status_return, read_status


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command (``import``, ``form``, ``apply``) to the ``ruralenv`` parser."""
    survey = subparsers.add_parser("survey", help="field survey: GPS points, village status forms, next year's villages")
    actions = survey.add_subparsers(dest="survey_command", required=True)
    p = actions.add_parser("import", help="import GPS points or returned village status forms into RESULTS.gpkg",
                           description=(
                               "Import survey points (GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage, "
                               "Shapefile) into RESULTS.gpkg: survey_points, survey_rejects, "
                               "village_location_updates (proposals for review) and survey_imports (audit). "
                               "A returned status form (form.gpkg, form.xlsx, or CSV with village_code and obs_* "
                               "columns) is recognised and checked into village_status_updates."))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--into", required=True, type=Path, metavar="RESULTS.gpkg",
                   help="results GeoPackage with a villages layer")
    p.add_argument("--crs", default="auto", metavar="auto|wgs84|gcj02|bd09|cgcs2000|EPSG:n",
                   help="coordinate system of the files (default: decided per file and reported)")
    p.add_argument("--match-radius", type=float, default=1000.0, metavar="METRES",
                   help="largest distance for matching a point to a village by position alone (default 1000)")
    p.set_defaults(func=cmd_survey_import)
    _register_form(actions)
    _register_apply(actions)


def _register_form(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("form", help="write the village status form for field teams (QField, Excel, KML)",
                           description="Write the village status form: form.gpkg, form.qgz (QField/QGIS), form.xlsx and "
                                       "form.kml for the villages of RESULTS.gpkg.")
    p.add_argument("results", type=Path, metavar="RESULTS.gpkg")
    p.add_argument("--out", required=True, type=Path, metavar="FORM_DIR", help="output folder")
    p.add_argument("--county", metavar="CODE", help="only the villages of this county code")
    p.add_argument("--town", metavar="CODE", help="only the villages of this township code")
    p.set_defaults(func=cmd_survey_form)


def _register_apply(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("apply", help="write next year's villages with the observations applied",
                           description="Write next year's villages: the run's input villages with every ok observation "
                                       "(and accepted location update) applied, an audit layer and data_year.")
    p.add_argument("results", type=Path, metavar="RESULTS.gpkg")
    p.add_argument("--out", required=True, type=Path, metavar="villages_YEAR.gpkg")
    p.add_argument("--year", type=int, metavar="Y", help="data_year of the new villages (default: the year of the latest survey date)")
    p.add_argument("--take", choices=TAKE_CHOICES, default="none",
                   help="observations that disagree: none = left unchanged and listed (default); latest = the later survey date")
    p.set_defaults(func=cmd_survey_apply)


def cmd_survey_import(args: argparse.Namespace) -> int:
    """Run the import (status forms and points) and print what happened to every file."""
    status = [f for f in args.files if is_status_return(f)]
    points = [f for f in args.files if f not in status]
    progress = ConsoleProgress()
    lines: list[str] = []
    try:
        # every file is read and checked before anything is written: status forms first, then the points
        # import (which checks all its files before writing), then the status observations are committed
        prepared = read_status(status, args.into, progress=progress) if status else None
        if points:
            report = import_survey(points, args.into, crs=args.crs, match_radius_m=args.match_radius,
                                   progress=progress)
            lines += report.lines(warnings=False)  # warnings went to stderr as they came
        if prepared is not None:
            lines = commit_status(prepared, progress).lines() + lines
    finally:
        progress.done()
    print("\n".join(lines))
    return 0


def cmd_survey_form(args: argparse.Namespace) -> int:
    """Write the form files."""
    print("\n".join(write_form(args.results, args.out, county=args.county, town=args.town).lines()))
    return 0


def cmd_survey_apply(args: argparse.Namespace) -> int:
    """Write next year's villages."""
    print("\n".join(apply_status(args.results, args.out, year=args.year, take=args.take).lines()))
    return 0
