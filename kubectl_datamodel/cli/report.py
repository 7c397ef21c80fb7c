"""`kubectl datamodel report --html FILE`: one cluster context as a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import errors
from kubectl_datamodel.cli import common, completion, flags

HELP = (
    "Write one self-contained HTML page about a cluster context: the latest snapshot's "
    "overview and findings, charts of its history, and the drift since the snapshot before. "
    "It loads nothing from the network, so it can be mailed or archived as it is."
)
SHORT_HELP = "Write one self-contained HTML page about a cluster context."
EPILOG = "kubectl datamodel report --html demo.html --cluster-context demo"


def report_command(
    ctx: typer.Context,
    page: Annotated[
        Path,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Write the page to FILE (replaced whole, or left as it was on error).",
            show_default=False,
        ),
    ],
    cluster_context: Annotated[
        str | None,
        typer.Option(
            "--cluster-context",
            "--context",
            metavar="CONTEXT",
            help="The cluster context to report (default: the one `latest` means in diff).",
            autocompletion=completion.contexts,
            show_default=False,
        ),
    ] = None,
    db_path: flags.DbPath = None,
) -> None:
    from kubectl_datamodel import store
    from kubectl_datamodel.render import html  # the analysis and Jinja2: only when reporting

    database = common.db_path(ctx, db_path)
    _check_target(page, database)
    with store.open_store(database) as db:
        result = html.build(db, cluster_context, common.note)
    with common.output_stream(page, option="--html") as stream:
        stream.write(result.html)
    snapshots = f"{result.snapshot_count} snapshot{'s' if result.snapshot_count != 1 else ''}"
    common.info(
        f"report of context {result.cluster_context} (latest snapshot {result.snapshot_id}, "
        f"{snapshots}) written to {page}"
    )


def _check_target(page: Path, database: Path) -> None:
    """Refuse before reading anything: a folder that is not there, a folder given as the
    file, or the database itself."""
    folder = page.parent if str(page.parent) else Path()
    if not folder.is_dir():
        raise errors.OutputError(f"--html {page}: the folder {folder} does not exist")
    if page.is_dir():
        raise errors.OutputError(f"--html {page}: is a directory")
    if page.exists() and database.exists() and page.samefile(database):
        raise errors.OutputError(f"--html {page}: that is the database; name another file")
