"""`kubectl datamodel analyze VIEW [SNAPSHOT]`: built-in analyses of a stored snapshot."""

from __future__ import annotations

from typing import Annotated

import typer

from kubectl_datamodel import analysis, contract, errors, store
from kubectl_datamodel.cli import common
from kubectl_datamodel.exit import ExitStatus
from kubectl_datamodel.render import analysis as render
from kubectl_datamodel.render import output
from kubectl_datamodel.store import refs

HELP = (
    "Analyse a stored snapshot. VIEW is one of: "
    + ", ".join(analysis.VIEWS)
    + " (security posture and RBAC of operators, their requests and limits, deprecated CRD "
    "versions, what the snapshot holds, how its cluster context changed over time). SNAPSHOT "
    "is an id, latest, latest~N or CONTEXT@latest[~N] (default: latest). Exit status 3 when a "
    "finding is at or above --fail-on (docs/analysis.md lists the rules)."
)
EPILOG = (
    "Examples: kubectl datamodel analyze security --fail-on critical  |  "
    "kubectl datamodel analyze history -o json"
)


def analyze_command(
    ctx: typer.Context,
    view: Annotated[str, typer.Argument(metavar="VIEW", help="What to analyse.")],
    snapshot: Annotated[
        str,
        typer.Argument(
            metavar="SNAPSHOT", help="The snapshot (default: latest).", show_default=False
        ),
    ] = "latest",
    cluster_context: Annotated[
        str | None,
        typer.Option(
            "--cluster-context",
            help="The cluster context latest counts from (and history covers).",
        ),
    ] = None,
    fmt: Annotated[
        common.FindingsFormat,
        typer.Option("--output", "-o", help="Output format.", case_sensitive=False),
    ] = common.FindingsFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="LEVEL",
            help="Exit 3 when a finding is at or above LEVEL: none, any, warning or critical.",
        ),
    ] = "none",
    db_path: common.DbPathOption = None,
) -> int:
    threshold = common.fail_on(fail_on, analysis.Level)
    analysis.check_view(view)
    ref = refs.parse(snapshot)
    if ref.path is not None:
        raise errors.UsageError(
            f"{snapshot}: analyze reads snapshots stored in the database, not export files"
        )
    with store.open_store(common.db_path(ctx, db_path)) as db:
        snapshot_id = refs.snapshot_id(ref, db, cluster_context)
        result = analysis.analyze(db, view, snapshot_id, cluster_context)
    _render(result, fmt, threshold)
    if threshold is not None and result.at_or_above(threshold):
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def _render(
    result: analysis.Analysis, fmt: common.FindingsFormat, threshold: analysis.Level | None
) -> None:
    if fmt is common.FindingsFormat.TABLE:
        common.print_tables(render.tables(result))
        typer.echo(render.summary_line(result))
    elif fmt is common.FindingsFormat.MARKDOWN:
        typer.echo(render.markdown(result), nl=False)
    else:
        document = contract.envelope("Analysis", result.as_dict(threshold))
        common.print_document(document, output.Format(fmt.value))
