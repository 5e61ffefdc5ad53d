"""One mechanism for the stages of a run: a typed context, a declared stage, timing and cancel.

A stage is a function ``run(ctx) -> result``: it reads what it needs from :attr:`Context.prepared` and
from the results of earlier stages (``ctx.need(Distances)``), computes a frozen result without any file
I/O, and returns it. :func:`run_stages` times every stage, checks for cancel between them and stores each
result in the context under its type.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..base.progress import NullProgress, Progress, check_cancel

P = TypeVar("P")
R = TypeVar("R")


class Timer:
    """Wall time per named step of a run, with a cancel check before and after each."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress: Progress = progress or NullProgress()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[None]:
        """Time the block as stage ``name`` (added to any earlier time of the same name)."""
        check_cancel(self.progress)
        self.progress.stage(name, total)
        t0 = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t0, 4)
        check_cancel(self.progress)


@dataclass
class Context(Generic[P]):
    """What the stages of one run share: the prepared inputs and every result so far, by type."""

    prepared: P
    progress: Progress = field(default_factory=NullProgress)
    results: dict[type, Any] = field(default_factory=dict)

    def put(self, result: object) -> None:
        """Store a stage's result under its type."""
        self.results[type(result)] = result

    def need(self, kind: type[R]) -> R:
        """The result of an earlier stage, by its type.

        Raises
        ------
        LookupError
            No stage has produced a ``kind`` yet (the stage list is in the wrong order).
        """
        try:
            return self.results[kind]  # type: ignore[no-any-return]
        except KeyError:
            raise LookupError(f"no {kind.__name__} yet: a stage that needs it runs before the one that "
                              "makes it") from None

    def get(self, kind: type[R]) -> R | None:
        """The result of an earlier stage, or None when that stage did not run."""
        return self.results.get(kind)


@dataclass(frozen=True)
class Stage:
    """A named step of the pipeline: ``run(ctx)`` returns the stage's typed result."""

    name: str
    run: Callable[[Context[Any]], object]
    steps: int | None = None


def run_stages(stages: Sequence[Stage], ctx: Context[Any], timer: Timer) -> None:
    """Run ``stages`` in order, each timed and preceded and followed by a cancel check."""
    for stage in stages:
        with timer.stage(stage.name, stage.steps):
            ctx.put(stage.run(ctx))
