"""The terminal, through rich; the only module that imports it.

Two things are drawn for a person watching: the coloured cells of a table on a terminal, and
the progress of a live capture on stderr. rich is imported only when one is drawn, so commands
that are piped, or print JSON, never load it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from kubectl_datamodel.render import text

if TYPE_CHECKING:
    from rich.progress import Progress


def write_lines(lines: Sequence[Sequence[tuple[str, str | None]]], stream: TextIO) -> None:
    """Lines of text parts, each part in its style (None: plain), never wrapped or cropped.
    The parts are rich ``Text``, never markup: a cluster value that reads ``[bold]`` or
    ``[/x]`` is printed as it reads."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False)
    for parts in lines:
        console.print(Text.assemble(*((part, style or "") for part, style in parts)), crop=False)


class CaptureProgress:
    """Draws capture's reads as one bar; the total grows as capture plans more requests."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("connecting to the API server", total=0)

    def planned(self, total: int) -> None:
        self._progress.update(self._task, total=self._total() + total)

    def advance(self, description: str) -> None:
        """One more read done; ``description`` (what it read, a CRD's name) is shown as text."""
        self._progress.update(self._task, advance=1, description=text.visible(description))

    def _total(self) -> float:
        return self._progress.tasks[0].total or 0


@contextlib.contextmanager
def capture_progress(quiet: bool) -> Iterator[CaptureProgress | None]:
    """A progress display when stderr is a terminal and not --quiet; else nothing at all, so
    logs and CI output stay clean."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<44.44}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield CaptureProgress(progress)
