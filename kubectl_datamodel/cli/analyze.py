"""`kubectl datamodel analyze VIEW [SNAPSHOT]`: built-in analyses of a stored snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_datamodel.cli import common, completion, flags
from kubectl_datamodel.exit import ExitStatus
from kubectl_datamodel.render import output

if TYPE_CHECKING:
    from kubectl_datamodel import analysis

VIEWS = ("security", "resources", "deprecations", "overview", "history", "fleet")  # analysis.VIEWS
HELP = (
    "Analyse a stored snapshot. VIEW is one of: "
    + ", ".join(VIEWS)
    + " (security posture and RBAC of operators, their requests and limits, deprecated CRD "
    "versions, what the snapshot holds, how its cluster context changed over time, every "
    "context's newest snapshot side by side). SNAPSHOT "
    "is an id, latest, latest~N or CONTEXT@latest[~N] (default: latest). Exit status 3 when a "
    "finding is at or above --fail-on (docs/analysis.md lists the rules)."
)
EPILOG = """
    kubectl datamodel analyze security --fail-on critical
    kubectl datamodel analyze history -o json
    kubectl datamodel analyze fleet --fail-on critical
"""


def _views(incomplete: str) -> list[str]:
    return [view for view in VIEWS if view.startswith(incomplete)]


def _levels(incomplete: str) -> list[str]:
    from kubectl_datamodel import analysis

    return [w for w in common.fail_on_words(analysis.Level) if w.startswith(incomplete)]


def analyze_command(
    ctx: typer.Context,
    view: Annotated[
        str,
        typer.Argument(
            metavar="VIEW", help="What to analyse.", autocompletion=_views, show_default=False
        ),
    ],
    snapshot: Annotated[
        str,
        typer.Argument(
            metavar="SNAPSHOT",
            help="The snapshot (default: latest).",
            autocompletion=completion.snapshots,
            show_default=False,
        ),
    ] = "latest",
    cluster_context: Annotated[
        str | None,
        typer.Option(
            "--cluster-context",
            "--context",
            metavar="CONTEXT",
            help="The cluster context latest counts from (and history covers).",
            autocompletion=completion.contexts,
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        common.FindingsFormat,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            help="table, markdown, json or yaml.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = common.FindingsFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="LEVEL",
            help="Exit 3 when a finding is at or above LEVEL: none (the default), any, "
            "warning or critical.",
            autocompletion=_levels,
            show_default=False,
        ),
    ] = "none",
    db_path: flags.DbPath = None,
) -> int:
    from kubectl_datamodel import analysis, store

    threshold = common.fail_on(fail_on, analysis.Level)
    analysis.check_view(view)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        if view == "fleet":
            result = analysis.analyze_fleet(db)
        else:
            snapshot_id = common.snapshot_id(db, snapshot, cluster_context, "analyze")
            result = analysis.analyze(db, view, snapshot_id, cluster_context)
    _render(result, fmt, threshold)
    if threshold is not None and result.at_or_above(threshold):
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def _render(
    result: analysis.Analysis, fmt: common.FindingsFormat, threshold: analysis.Level | None
) -> None:
    from kubectl_datamodel import contract
    from kubectl_datamodel.render import analysis as render

    if fmt is common.FindingsFormat.TABLE:
        common.print_tables(render.tables(result))
        common.say(render.summary_line(result))
    elif fmt is common.FindingsFormat.MARKDOWN:
        typer.echo(render.markdown(result), nl=False)
    else:
        document = contract.envelope("Analysis", result.as_dict(threshold))
        common.print_document(document, output.Format(fmt.value))
