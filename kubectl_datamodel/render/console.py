"""The terminal, through rich; the only module that imports it.

Two things are drawn for a person watching: tables on stdout when it is a terminal, and the
progress of a live capture on stderr. rich is imported only when one is drawn, so commands that
are piped, or print JSON, never load it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from kubectl_datamodel import model
from kubectl_datamodel.render import text

if TYPE_CHECKING:
    from rich.progress import Progress


def write_table(table: model.Table, stream: TextIO, *, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, no_color=not color, highlight=False, soft_wrap=False)
    style = "bold" if color else ""  # NO_COLOR: no escape sequences at all
    rich_table = RichTable(title=table.title, header_style=style, title_style=style)
    for column in table.columns:
        rich_table.add_column(column, overflow="fold")
    for row in table.rows:
        rich_table.add_row(*(text.cell(value) for value in row))
    console.print(rich_table)


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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<44.44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield CaptureProgress(progress)
