"""`kubectl datamodel snapshot` (and its older spelling, `database store`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import capture, contract, model, store
from kubectl_datamodel.capture import files, includes, inventory
from kubectl_datamodel.cli import common
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS, CaptureOptions
from kubectl_datamodel.render import console, output

HELP = "Capture the cluster's inventory and store it as a snapshot."
EPILOG = (
    "Example: kubectl datamodel snapshot --from-dir examples/cluster-v1 --context demo "
    '--notes "baseline" --include "namespaces;apps/v1/Deployment"'
)


def snapshot(
    ctx: typer.Context,
    from_dir: common.FromDirOption = None,
    from_file: common.FromFileOption = None,
    kubeconfig: common.KubeconfigOption = None,
    context: common.ContextOption = None,
    namespace: common.NamespaceOption = None,
    all_namespaces: common.AllNamespacesOption = False,
    request_timeout: common.RequestTimeoutOption = "30s",
    concurrency: common.ConcurrencyOption = DEFAULT_CONCURRENCY,
    qps: common.QpsOption = DEFAULT_QPS,
    quiet: common.QuietOption = False,
    no_crds: Annotated[bool, typer.Option("--no-crds", help="Leave CRDs out.")] = False,
    no_operators: Annotated[
        bool, typer.Option("--no-operators", help="Leave operators out.")
    ] = False,
    no_olm: Annotated[bool, typer.Option("--no-olm", help="Leave OLM CSVs out.")] = False,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            metavar="KINDS",
            help=(
                "Also capture namespaces (with quotas and limit ranges), nodes, helm (releases, "
                "from labels only) and GROUP/VERSION/Kind or VERSION/Kind objects, separated by "
                "; or , (e.g. 'namespaces;v1/ConfigMap;apps/v1/Deployment'). Repeatable."
            ),
        ),
    ] = None,
    notes: common.NotesOption = None,
    limit: common.LimitOption = None,
    db_path: common.DbPathOption = None,
    fmt: Annotated[
        output.Format,
        typer.Option("--output", "-o", help="table, json or yaml.", case_sensitive=False),
    ] = output.Format.TABLE,
) -> None:
    skipped = {"crds": no_crds, "operators": no_operators, "olm": no_olm}
    options = common.capture_options(
        from_dirs=from_dir,
        from_files=from_file,
        context=context,
        namespace=namespace,
        all_namespaces=all_namespaces,
        components=[
            *(c for c in model.COMPONENTS if not skipped[c]),
            *includes.parse_includes(include or ()),
        ],
        notes=notes,
        limits=limit,
        cluster=common.cluster_options(kubeconfig, context, request_timeout, concurrency, qps),
    )
    result, summary = capture_and_store(options, common.db_path(ctx, db_path), quiet=quiet)
    if fmt.is_table:
        typer.echo(
            f"snapshot {summary.id} stored: context {summary.cluster_context}, "
            f"{summary.crd_count} CRDs, {summary.operator_count} operators, "
            f"{summary.csv_count} CSVs"
        )
    else:
        body = {"snapshot": summary.as_dict(), "warnings": result.warnings}
        common.print_document(contract.envelope("SnapshotResult", body), fmt)


def capture_and_store(
    options: CaptureOptions, path: Path, *, quiet: bool
) -> tuple[inventory.CaptureResult, model.SnapshotSummary]:
    """Capture, then store in one transaction. Capture comes first so a bad input or an
    unreachable cluster never creates or touches the database."""
    result = capture_with_warnings(options, quiet=quiet)
    with store.open_store(path, create=True) as db:
        return result, db.summary(db.write_snapshot(result.snapshot))


def capture_with_warnings(
    options: CaptureOptions, *, quiet: bool, found: files.ManifestSet | None = None
) -> inventory.CaptureResult:
    """Capture, printing what could not be read; ``found`` is manifests already read."""
    if found is not None:
        result = files.capture(options, found)
    else:
        with console.capture_progress(quiet) as display:
            result = capture.capture(options, display)
    for message in result.warnings:
        common.warn(message)
    return result
