"""Precise exceptions raised by the RuralEnv core.

Every error that reaches a user names what to fix: the file, the layer, the row and the field.
"""
from __future__ import annotations

from dataclasses import dataclass


class RuralEnvError(Exception):
    """Base class of every error the core raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input layer.

    Parameters
    ----------
    file : str
        Path of the input file (or a layer name for in-memory inputs).
    layer : str or None
        Layer inside the file, when the format has layers.
    row : int or None
        1-based feature number in the source (the number a planner sees in an attribute table).
    field : str or None
        Field (column) concerned.
    message : str
        What is wrong and what to do about it.
    severity : str
        ``"error"``: the row cannot be used (rejected when ``on_bad_rows="reject"``);
        ``"doubt"``: an unknown value that a default replaces when ``on_bad_rows="reject"``;
        ``"note"``: repaired automatically, reported only.
    """

    file: str
    layer: str | None
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.layer:
            where += f" [layer {self.layer}]"
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f" field '{self.field}'"
        return f"{where}: {self.message}"


class InputError(RuralEnvError):
    """One or more problems in the inputs; the run cannot go on.

    Parameters
    ----------
    problems : list of Problem
        Every problem found (not only the first), so a planner can fix them all at once.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the inputs"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems[:200]))


class ConfigError(RuralEnvError):
    """A configuration key or value that does not exist or does not parse."""


class OutputError(RuralEnvError, OSError):
    """An output could not be written (disk full, no permission); the earlier outputs are unchanged.

    Also an OSError, so callers that treat a failed write as optional (the graph cache) still do.
    """


class Cancelled(RuralEnvError):
    """The user cancelled the run; nothing was written."""
