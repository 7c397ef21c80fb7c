"""`kubectl datamodel database ...`: manage and inspect stored snapshots."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import contract, errors, store
from kubectl_datamodel.cli import common, snapshot
from kubectl_datamodel.render import output, snapshots
from kubectl_datamodel.store import retention

app = typer.Typer(
    help="Manage and inspect stored snapshots.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command(
    "store",
    help="Alias of `kubectl datamodel snapshot` (the older spelling).",
    epilog=snapshot.EPILOG.replace("datamodel snapshot", "datamodel database store"),
)(snapshot.snapshot)

IdArgument = Annotated[int, typer.Argument(help="Snapshot id (see `database list`).")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="Write to FILE instead of stdout (.yaml/.yml means YAML)."),
]
IncludeSpecsOption = Annotated[
    bool, typer.Option("--include-specs", help="Include each object's full stored spec.")
]
DocumentFormatOption = Annotated[
    output.Format | None,
    typer.Option(
        "--output",
        "-o",
        help="json or yaml (default: from --file, else json).",
        case_sensitive=False,
        show_default=False,
    ),
]


@app.command(
    "list", epilog="Example: kubectl datamodel database list --cluster-context prod -o json"
)
def list_(
    ctx: typer.Context,
    cluster_context: common.ClusterContextOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N, newest first.")
    ] = None,
    fmt: common.OutputOption = output.Format.TABLE,
    db_path: common.DbPathOption = None,
) -> None:
    """List stored snapshots, newest first."""
    with store.open_store(common.db_path(ctx, db_path)) as db:
        summaries = db.list_snapshots(cluster_context=cluster_context, limit=limit)
    if fmt.is_table:
        common.print_tables([snapshots.snapshots_table(summaries, fmt is output.Format.WIDE)])
    else:
        common.print_document(snapshots.snapshot_list(summaries), fmt)


@app.command("show", epilog="Example: kubectl datamodel database show 1 -o yaml")
def show(
    ctx: typer.Context,
    snapshot_id: IdArgument,
    fmt: common.OutputOption = output.Format.TABLE,
    db_path: common.DbPathOption = None,
) -> None:
    """Show one snapshot: its header and its CRDs, operators and CSVs."""
    with store.open_store(common.db_path(ctx, db_path)) as db:
        stored = db.get_snapshot(snapshot_id)
    if fmt.is_table:
        wide = fmt is output.Format.WIDE
        common.print_tables(
            [
                snapshots.summary_table(stored.summary),
                snapshots.crds_table(stored.crds, wide),
                snapshots.operators_table(stored.operators, wide),
                snapshots.csvs_table(stored.csvs, wide),
                *snapshots.captured_tables(stored, wide),
                *([snapshots.warnings_table(stored.warnings)] if stored.warnings else []),
            ]
        )
    else:
        common.print_document(snapshots.snapshot_document(stored), fmt)


@app.command(
    "export", epilog="Example: kubectl datamodel database export 1 --file s1.json --include-specs"
)
def export(
    ctx: typer.Context,
    snapshot_id: IdArgument,
    file: FileOption = None,
    fmt: DocumentFormatOption = None,
    include_specs: IncludeSpecsOption = False,
    crds_only: Annotated[bool, typer.Option("--crds-only", help="Only CRDs.")] = False,
    operators_only: Annotated[
        bool, typer.Option("--operators-only", help="Only operators.")
    ] = False,
    olm_only: Annotated[bool, typer.Option("--olm-only", help="Only OLM CSVs.")] = False,
    db_path: common.DbPathOption = None,
) -> None:
    """Export one snapshot as JSON or YAML, to a file or stdout."""
    chosen = [
        name
        for name, flag in (("crds", crds_only), ("operators", operators_only), ("csvs", olm_only))
        if flag
    ]
    if len(chosen) > 1:
        raise errors.UsageError("--crds-only, --operators-only and --olm-only exclude each other")
    fmt = _document_format(fmt, file)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        stored = db.get_snapshot(snapshot_id, include_specs=include_specs)
    document = snapshots.snapshot_document(
        stored, include_specs=include_specs, sections=chosen or None
    )
    with common.output_stream(file) as stream:
        output.write_document(document, fmt, stream)
    if file is not None:
        common.info(f"snapshot {snapshot_id} exported to {file}")


@app.command(
    "export-all", epilog="Example: kubectl datamodel database export-all -o json > all.json"
)
def export_all(
    ctx: typer.Context,
    file: FileOption = None,
    fmt: DocumentFormatOption = None,
    include_specs: IncludeSpecsOption = False,
    cluster_context: common.ClusterContextOption = None,
    db_path: common.DbPathOption = None,
) -> None:
    """Export every snapshot (oldest first) as one JSON or YAML document."""
    fmt = _document_format(fmt, file)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        summaries = db.list_snapshots(cluster_context=cluster_context)
        items = [
            snapshots.snapshot_document(
                db.get_snapshot(s.id, include_specs), include_specs=include_specs
            )
            for s in reversed(summaries)
        ]
    with common.output_stream(file) as stream:
        output.write_document(
            contract.envelope("SnapshotExportList", {"items": items}), fmt, stream
        )


@app.command("stats", epilog="Example: kubectl datamodel database stats -o json")
def stats(
    ctx: typer.Context,
    fmt: common.OutputOption = output.Format.TABLE,
    db_path: common.DbPathOption = None,
) -> None:
    """Size, snapshot counts per cluster, row counts and the space deduplication saves."""
    with store.open_store(common.db_path(ctx, db_path)) as db:
        figures = db.stats()
    if fmt.is_table:
        common.print_tables(snapshots.stats_tables(figures))
    else:
        common.print_document(contract.envelope("DatabaseStats", figures), fmt)


@app.command("delete", epilog="Example: kubectl datamodel database delete 3 4 --yes")
def delete(
    ctx: typer.Context,
    snapshot_ids: Annotated[list[int], typer.Argument(help="Snapshot ids.", show_default=False)],
    yes: YesOption = False,
    db_path: common.DbPathOption = None,
) -> None:
    """Delete snapshots by id (all or none: an unknown id deletes nothing)."""
    with store.open_store(common.db_path(ctx, db_path)) as db:
        for snapshot_id in snapshot_ids:
            db.summary(snapshot_id)  # fail on an unknown id before asking
        shown = ", ".join(str(i) for i in snapshot_ids)
        common.confirm(f"delete snapshot(s) {shown}", yes)
        deleted = db.delete_snapshots(snapshot_ids)
    common.info(f"deleted {len(deleted)} snapshot(s): {shown}")


@app.command(
    "cleanup",
    epilog='Example: kubectl datamodel database cleanup --keep 10 --older-than "30 days" --yes',
)
def cleanup(
    ctx: typer.Context,
    keep: Annotated[
        int | None, typer.Option("--keep", help="Keep the newest N per cluster context.")
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than", help="Delete snapshots older than AGE ('30 days', '12h') or a date."
        ),
    ] = None,
    cluster_context: common.ClusterContextOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be deleted.")
    ] = False,
    yes: YesOption = False,
    db_path: common.DbPathOption = None,
) -> None:
    """Delete old snapshots: keep the newest N per cluster, and/or drop those older than AGE."""
    now = datetime.datetime.now(datetime.timezone.utc)
    cutoff = retention.parse_cutoff(older_than, now) if older_than is not None else None
    retention.check(keep=keep, cutoff=cutoff)  # before touching the database
    with store.open_store(common.db_path(ctx, db_path)) as db:
        doomed = retention.plan(
            db.list_snapshots(cluster_context=cluster_context), keep=keep, cutoff=cutoff
        )
        if not doomed:
            common.info("nothing to clean up")
            return
        ids = [s.id for s in doomed]
        listing = ", ".join(str(i) for i in ids)
        if dry_run:
            common.info(f"would delete {len(ids)} snapshot(s): {listing}")
            return
        common.confirm(f"delete {len(ids)} snapshot(s): {listing}", yes)
        db.delete_snapshots(ids)
    common.info(f"deleted {len(ids)} snapshot(s): {listing}")


def _document_format(fmt: output.Format | None, file: Path | None) -> output.Format:
    if fmt is None:
        suffix = file.suffix.lower() if file else ""
        return output.Format.YAML if suffix in (".yaml", ".yml") else output.Format.JSON
    if fmt.is_table:
        raise errors.UsageError(f"-o {fmt.value}: export writes json or yaml")
    return fmt
