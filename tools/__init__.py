"""Measurement tools of RuralEnv Planner (``ruralenv bench``), kept out of the shipped core.

Needs the ``bench`` extra (``pip install 'ruralenv[bench]'``): without it this package does not import and
the ``ruralenv`` command has no ``bench`` subcommand.
"""
from importlib.util import find_spec

#: Packages of the ``bench`` extra the measurements use (networkx baseline, Chromium render timing).
BENCH_EXTRA = ("networkx", "playwright")

_missing = [name for name in BENCH_EXTRA if find_spec(name) is None]
if _missing:
    raise ImportError(f"ruralenv.tools needs the bench extra (pip install 'ruralenv[bench]'); missing: "
                      f"{', '.join(_missing)}")
