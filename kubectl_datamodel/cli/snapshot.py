"""`kubectl datamodel snapshot` (and its older spelling, `database store`)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_datamodel.cli import common, flags
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS, CaptureOptions
from kubectl_datamodel.render import output, text

if TYPE_CHECKING:
    from kubectl_datamodel import model
    from kubectl_datamodel.capture import files, inventory

HELP = "Capture the cluster's inventory and store it as a snapshot."
EPILOG = (
    "kubectl datamodel snapshot --from-dir examples/cluster-v1 --context demo "
    '--notes "baseline" --include "namespaces;apps/v1/Deployment"'
)


class ResultFormat(str, enum.Enum):
    """What `snapshot` prints: a line for people, the SnapshotResult document, or its name."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    NAME = "name"


def snapshot(
    ctx: typer.Context,
    from_dir: flags.FromDir = None,
    from_file: flags.FromFile = None,
    kubeconfig: flags.Kubeconfig = None,
    context: flags.Context = None,
    namespace: flags.Namespace = None,
    all_namespaces: flags.AllNamespaces = False,
    request_timeout: flags.RequestTimeout = "30s",
    concurrency: flags.Concurrency = DEFAULT_CONCURRENCY,
    qps: flags.Qps = DEFAULT_QPS,
    quiet: flags.Quiet = False,
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
            show_default=False,
        ),
    ] = None,
    notes: flags.Notes = None,
    read_limit: flags.ReadLimit = None,
    db_path: flags.DbPath = None,
    fmt: Annotated[
        ResultFormat,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            help="What to print: table (one line), json, yaml or name (snapshot/ID).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = ResultFormat.TABLE,
) -> None:
    from kubectl_datamodel import contract, model
    from kubectl_datamodel.capture import includes

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
        limits=read_limit,
        cluster=common.cluster_options(kubeconfig, context, request_timeout, concurrency, qps),
    )
    result, summary = capture_and_store(options, common.db_path(ctx, db_path), quiet=quiet)
    if fmt is ResultFormat.NAME:
        common.print_lines([f"snapshot/{summary.id}"])
    elif fmt is ResultFormat.TABLE:
        common.say(
            f"snapshot {summary.id} stored: context {summary.cluster_context}, "
            f"{text.plural(summary.crd_count, 'CRD')}, "
            f"{text.plural(summary.operator_count, 'operator')}, "
            f"{text.plural(summary.csv_count, 'CSV')}"
        )
    else:
        body = {"snapshot": summary.as_dict(), "warnings": result.warnings}
        common.print_document(contract.envelope("SnapshotResult", body), output.Format(fmt.value))


def capture_and_store(
    options: CaptureOptions, path: Path, *, quiet: bool
) -> tuple[inventory.CaptureResult, model.SnapshotSummary]:
    """Capture, then store in one transaction. Capture comes first so a bad input or an
    unreachable cluster never creates or touches the database."""
    from kubectl_datamodel import store

    result = capture_with_warnings(options, quiet=quiet)
    with store.open_store(path, create=True) as db:
        return result, db.summary(db.write_snapshot(result.snapshot))


def capture_with_warnings(
    options: CaptureOptions, *, quiet: bool, found: files.ManifestSet | None = None
) -> inventory.CaptureResult:
    """Capture, printing what could not be read; ``found`` is manifests already read. Only a
    live capture draws progress: reading manifests reports none, and "connecting to the API
    server" would say what is not happening."""
    from kubectl_datamodel import capture
    from kubectl_datamodel.capture import files
    from kubectl_datamodel.render import console

    if found is not None:
        result = files.capture(options, found)
    else:
        with console.capture_progress(quiet or options.offline) as display:
            result = capture.capture(options, display)
    for message in result.warnings:
        common.warn(message)
    return result
