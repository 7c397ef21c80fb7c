"""`kubectl datamodel snapshot` (and its older spelling, `database store`)."""

from __future__ import annotations

import contextlib
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_datamodel import errors
from kubectl_datamodel.cli import common, flags
from kubectl_datamodel.exit import ExitStatus
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS, CaptureOptions
from kubectl_datamodel.render import output, text

if TYPE_CHECKING:
    from kubectl_datamodel import model
    from kubectl_datamodel.capture import files, fleet, inventory

HELP = "Capture the cluster's inventory and store it as a snapshot."
EPILOG = (
    "kubectl datamodel snapshot --from-dir examples/cluster-v1 --context demo "
    '--notes "baseline" --include "namespaces;apps/v1/Deployment"\n'
    "kubectl datamodel snapshot --contexts 'prod-*' --clusters-at-once 8"
)
CLUSTERS_AT_ONCE = 4


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
    contexts: Annotated[
        list[str] | None,
        typer.Option(
            "--contexts",
            metavar="GLOB",
            help=(
                "Capture every kubeconfig context matching GLOB ('prod-*'), several at once, "
                "one snapshot each. Repeatable."
            ),
            show_default=False,
        ),
    ] = None,
    all_contexts: Annotated[
        bool, typer.Option("--all-contexts", help="Capture every kubeconfig context.")
    ] = False,
    clusters_at_once: Annotated[
        int,
        typer.Option(
            "--clusters-at-once",
            min=1,
            max=64,
            metavar="N",
            help=f"With --contexts: clusters read at once, 1 to 64 (default {CLUSTERS_AT_ONCE}).",
            show_default=False,
        ),
    ] = CLUSTERS_AT_ONCE,
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
) -> ExitStatus:
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
    if contexts or all_contexts:
        if context is not None or options.offline:
            given = "--context" if context is not None else "--from-dir/--from-file"
            raise errors.UsageError(
                f"--contexts and --all-contexts read many clusters; not with {given}"
            )
        return _snapshot_each(
            options, contexts or ["*"], clusters_at_once, common.db_path(ctx, db_path), quiet, fmt
        )
    result, summary = capture_and_store(options, common.db_path(ctx, db_path), quiet=quiet)
    if fmt is ResultFormat.NAME:
        common.print_lines([f"snapshot/{summary.id}"])
    elif fmt is ResultFormat.TABLE:
        common.say(_stored_line(summary))
    else:
        body = {"snapshot": summary.as_dict(), "warnings": result.warnings}
        common.print_document(contract.envelope("SnapshotResult", body), output.Format(fmt.value))
    return ExitStatus.OK


def _stored_line(summary: model.SnapshotSummary) -> str:
    return (
        f"snapshot {summary.id} stored: context {summary.cluster_context}, "
        f"{text.plural(summary.crd_count, 'CRD')}, "
        f"{text.plural(summary.operator_count, 'operator')}, "
        f"{text.plural(summary.csv_count, 'CSV')}"
    )


def _snapshot_each(
    options: CaptureOptions,
    patterns: list[str],
    at_once: int,
    path: Path,
    quiet: bool,
    fmt: ResultFormat,
) -> ExitStatus:
    """``snapshot --contexts``: capture the matching contexts several at once and store each
    as it finishes, in a transaction of its own, so one cluster that fails (or a Ctrl-C) loses
    no other cluster's snapshot. stderr gets a line per cluster as it ends; stdout what was
    stored, as one snapshot would print it. Exit status 1 when any cluster failed."""
    from kubectl_datamodel import contract, store
    from kubectl_datamodel.capture import fleet

    names = fleet.matching_contexts(options.cluster.kubeconfig, patterns)
    done: list[tuple[fleet.Outcome, model.SnapshotSummary | None]] = []
    with contextlib.ExitStack() as stack:
        db: store.Store | None = None  # opened by the first capture that succeeds
        for outcome in fleet.capture_each(options, names, at_once):
            where = f"[{len(done) + 1}/{len(names)}] {outcome.context}"
            if outcome.result is None:
                common.say(f"error: {where}: {outcome.error}", err=True)
                done.append((outcome, None))
                continue
            for message in outcome.result.warnings:
                common.warn(f"context {outcome.context}: {message}")
            if db is None:
                db = stack.enter_context(store.open_store(path, create=True))
            summary = db.summary(db.write_snapshot(outcome.result.snapshot))
            done.append((outcome, summary))
            if not quiet:
                common.say(f"{where}: snapshot {summary.id} in {outcome.seconds:.1f} s", err=True)

    def order(one: tuple[fleet.Outcome, model.SnapshotSummary | None]) -> int:
        return names.index(one[0].context)  # the kubeconfig's

    stored = [summary for _, summary in done if summary is not None]
    failed = [o.context for o, summary in sorted(done, key=order) if summary is None]
    if fmt is ResultFormat.NAME:
        common.print_lines([f"snapshot/{s.id}" for s in stored])
    elif fmt is ResultFormat.TABLE:
        for summary in stored:
            common.say(_stored_line(summary))
    else:
        body = {
            "snapshots": [
                {
                    "context": outcome.context,
                    "snapshot": summary.as_dict() if summary is not None else None,
                    "warnings": outcome.result.warnings if outcome.result is not None else [],
                    "error": str(outcome.error) if outcome.error is not None else None,
                    "seconds": round(outcome.seconds, 3),
                }
                for outcome, summary in sorted(done, key=order)
            ],
            "failed": failed,
        }
        document = contract.envelope("FleetSnapshotResult", body)
        common.print_document(document, output.Format(fmt.value))
    if failed:
        listed = ", ".join(failed)
        common.say(
            f"error: {len(failed)} of {text.plural(len(names), 'context')} failed: {listed}",
            err=True,
        )
        return ExitStatus.ERROR
    return ExitStatus.OK


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
