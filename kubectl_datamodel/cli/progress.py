"""The progress display of a live capture: on stderr, only when a person is watching."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class CaptureProgress:
    """Draws capture's reads as one bar; the total grows as capture plans more requests."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("connecting to the API server", total=0)

    def planned(self, total: int) -> None:
        self._progress.update(self._task, total=self._total() + total)

    def advance(self, description: str) -> None:
        self._progress.update(self._task, advance=1, description=description)

    def _total(self) -> float:
        return self._progress.tasks[0].total or 0


@contextlib.contextmanager
def capture_progress(quiet: bool) -> Iterator[CaptureProgress | None]:
    """A progress display when stderr is a terminal and not --quiet; else nothing at all, so
    logs and CI output stay clean."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<44.44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield CaptureProgress(progress)
