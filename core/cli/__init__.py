"""The command line ``ruralenv``: run and demo, and the subcommands of map, plan, survey, surface and bench."""
from .main import main

__all__ = ["main"]
