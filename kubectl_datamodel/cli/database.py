"""`kubectl datamodel database ...`: manage and inspect stored snapshots."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import errors
from kubectl_datamodel.cli import common, completion, flags, snapshot, usage
from kubectl_datamodel.render import output

app = usage.App(help="Manage and inspect stored snapshots.")
app.command(
    "store",
    help="Alias of `kubectl datamodel snapshot` (the older spelling).",
    epilog=snapshot.EPILOG.replace("datamodel snapshot", "datamodel database store"),
)(snapshot.snapshot)

SnapshotArgument = Annotated[
    str,
    typer.Argument(
        metavar="SNAPSHOT",
        help="An id, latest, latest~N or CONTEXT@latest[~N] (see `database list`).",
        autocompletion=completion.snapshots,
        show_default=False,
    ),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
File = Annotated[
    Path | None,
    typer.Option(
        "--file",
        metavar="FILE",
        help="Write to FILE instead of stdout (.yaml or .yml: YAML).",
        show_default=False,
    ),
]
IncludeSpecs = Annotated[
    bool, typer.Option("--include-specs", help="Include each object's full stored spec.")
]


class DocumentFormat(str, enum.Enum):
    """What an export is written as."""

    JSON = "json"
    YAML = "yaml"


ExportFormat = Annotated[
    DocumentFormat | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FORMAT",
        help="json or yaml (default: from --file, else json).",
        case_sensitive=False,
        show_default=False,
    ),
]


@app.command("list", epilog="kubectl datamodel database list --context prod -o wide --no-headers")
def list_(
    ctx: typer.Context,
    cluster_context: flags.ClusterContext = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, metavar="N", help="At most N, newest first."),
    ] = None,
    fmt: flags.Output = output.Format.TABLE,
    no_headers: flags.NoHeaders = False,
    sort_by: flags.SortBy = None,
    db_path: flags.DbPath = None,
) -> None:
    """List stored snapshots, newest first."""
    from kubectl_datamodel import store
    from kubectl_datamodel.render import listing, snapshots

    shown = listing.view(fmt, not no_headers, sort_by, None)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        summaries = db.list_snapshots(cluster_context=cluster_context, limit=limit)
    summaries = listing.chosen(summaries, shown)
    if fmt is output.Format.NAME:
        common.print_lines(f"snapshot/{s.id}" for s in summaries)
    elif fmt.is_table and not summaries:
        common.nothing_found("snapshots")
    elif fmt.is_table:
        common.print_tables([snapshots.snapshots_table(summaries, shown.wide)], shown.headers)
    else:
        common.print_document(snapshots.snapshot_list(summaries), fmt)


@app.command("show", epilog="kubectl datamodel database show latest -o wide -l app=cert-manager")
def show(
    ctx: typer.Context,
    reference: SnapshotArgument,
    cluster_context: flags.LatestContext = None,
    fmt: flags.Output = output.Format.TABLE,
    no_headers: flags.NoHeaders = False,
    sort_by: flags.SortBy = None,
    selector: flags.Selector = None,
    namespace: flags.Namespace = None,
    all_namespaces: flags.AllNamespaces = False,
    db_path: flags.DbPath = None,
) -> None:
    """Show one snapshot: its header and the records of every kind it captured."""
    from kubectl_datamodel import store
    from kubectl_datamodel.render import listing, snapshots

    if namespace and all_namespaces:
        raise errors.UsageError("--namespace and --all-namespaces cannot be used together")
    shown = listing.view(fmt, not no_headers, sort_by, selector, namespace)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        stored = db.get_snapshot(
            common.snapshot_id(db, reference, cluster_context, "database show")
        )
    sections = snapshots.sections_shown(stored)
    if sort_by is not None:
        listing.check_field([getattr(stored, s) for s in sections], sort_by)
    records = {s: listing.chosen(getattr(stored, s), shown, strict=False) for s in sections}
    if fmt is output.Format.NAME:
        common.print_lines(n for s in sections for n in listing.names(s, records[s]))
    elif fmt.is_table:
        tables = [
            snapshots.summary_table(stored.summary),
            *(snapshots.TABLES[s](records[s], shown.wide) for s in sections),
            *([snapshots.warnings_table(stored.warnings)] if stored.warnings else []),
        ]
        common.print_tables(tables, shown.headers)
    else:
        common.print_document(snapshots.snapshot_document(stored, records=records), fmt)


@app.command(
    "export",
    epilog="kubectl datamodel database export latest --file s1.json --include-specs",
)
def export(
    ctx: typer.Context,
    reference: SnapshotArgument,
    file: File = None,
    fmt: ExportFormat = None,
    include_specs: IncludeSpecs = False,
    crds_only: Annotated[bool, typer.Option("--crds-only", help="Only CRDs.")] = False,
    operators_only: Annotated[
        bool, typer.Option("--operators-only", help="Only operators.")
    ] = False,
    olm_only: Annotated[bool, typer.Option("--olm-only", help="Only OLM CSVs.")] = False,
    cluster_context: flags.LatestContext = None,
    db_path: flags.DbPath = None,
) -> None:
    """Export one snapshot as JSON or YAML, to a file or stdout."""
    from kubectl_datamodel import store
    from kubectl_datamodel.render import snapshots

    chosen = [
        name
        for name, flag in (("crds", crds_only), ("operators", operators_only), ("csvs", olm_only))
        if flag
    ]
    if len(chosen) > 1:
        raise errors.UsageError("--crds-only, --operators-only and --olm-only exclude each other")
    written = _document_format(fmt, file)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        snapshot_id = common.snapshot_id(db, reference, cluster_context, "database export")
        stored = db.get_snapshot(snapshot_id, include_specs=include_specs)
    document = snapshots.snapshot_document(
        stored, include_specs=include_specs, sections=chosen or None
    )
    with common.output_stream(file) as stream:
        output.write_document(document, written, stream)
    if file is not None:
        common.info(f"snapshot {snapshot_id} exported to {file}")


@app.command("export-all", epilog="kubectl datamodel database export-all -o json > all.json")
def export_all(
    ctx: typer.Context,
    file: File = None,
    fmt: ExportFormat = None,
    include_specs: IncludeSpecs = False,
    cluster_context: flags.ClusterContext = None,
    db_path: flags.DbPath = None,
) -> None:
    """Export every snapshot (oldest first) as one JSON or YAML document."""
    from kubectl_datamodel import contract, store
    from kubectl_datamodel.render import snapshots

    written = _document_format(fmt, file)
    with store.open_store(common.db_path(ctx, db_path)) as db:
        summaries = db.list_snapshots(cluster_context=cluster_context)
        items = [
            snapshots.snapshot_document(
                db.get_snapshot(s.id, include_specs), include_specs=include_specs
            )
            for s in reversed(summaries)
        ]
    with common.output_stream(file) as stream:
        document = contract.envelope("SnapshotExportList", {"items": items})
        output.write_document(document, written, stream)


class StatsFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


@app.command("stats", epilog="kubectl datamodel database stats -o json")
def stats(
    ctx: typer.Context,
    fmt: Annotated[
        StatsFormat,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            help="table, json or yaml.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = StatsFormat.TABLE,
    db_path: flags.DbPath = None,
) -> None:
    """Size, snapshot counts per cluster, row counts and the space deduplication saves."""
    from kubectl_datamodel import contract, store
    from kubectl_datamodel.render import snapshots

    with store.open_store(common.db_path(ctx, db_path)) as db:
        figures = db.stats()
    if fmt is StatsFormat.TABLE:
        common.print_tables(snapshots.stats_tables(figures))
    else:
        document = contract.envelope("DatabaseStats", figures)
        common.print_document(document, output.Format(fmt.value))


@app.command("delete", epilog="kubectl datamodel database delete 3 4 --yes")
def delete(
    ctx: typer.Context,
    references: Annotated[
        list[str],
        typer.Argument(
            metavar="SNAPSHOT...",
            help="Ids, latest, latest~N or CONTEXT@latest[~N].",
            autocompletion=completion.snapshots,
            show_default=False,
        ),
    ],
    cluster_context: flags.LatestContext = None,
    yes: Yes = False,
    db_path: flags.DbPath = None,
) -> None:
    """Delete snapshots (all or none: an unknown one deletes nothing)."""
    from kubectl_datamodel import store

    with store.open_store(common.db_path(ctx, db_path)) as db:
        ids = list(
            dict.fromkeys(
                common.snapshot_id(db, r, cluster_context, "database delete") for r in references
            )
        )
        common.confirm(f"delete {_snapshots(ids)}", yes)
        db.delete_snapshots(ids)
    common.info(f"deleted {_snapshots(ids)}")


@app.command(
    "cleanup",
    epilog='kubectl datamodel database cleanup --keep 10 --older-than "30 days" --yes',
)
def cleanup(
    ctx: typer.Context,
    keep: Annotated[
        int | None,
        typer.Option("--keep", metavar="N", help="Keep the newest N per cluster context."),
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Delete snapshots older than AGE ('30 days', '12h') or a date (2026-01-31).",
        ),
    ] = None,
    cluster_context: flags.ClusterContext = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be deleted.")
    ] = False,
    yes: Yes = False,
    db_path: flags.DbPath = None,
) -> None:
    """Delete old snapshots: keep the newest N per cluster, and/or drop those older than AGE."""
    import datetime

    from kubectl_datamodel import store
    from kubectl_datamodel.store import retention

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
        if dry_run:
            common.info(f"would delete {_snapshots(ids)}")
            return
        common.confirm(f"delete {_snapshots(ids)}", yes)
        db.delete_snapshots(ids)
    common.info(f"deleted {_snapshots(ids)}")


@app.command(
    "merge",
    epilog="kubectl datamodel database merge artifacts/*/inventory.db --db-path fleet.db",
)
def merge(
    ctx: typer.Context,
    sources: Annotated[
        list[Path],
        typer.Argument(
            metavar="SOURCE.db...",
            help="Databases to bring in (read, never written).",
            show_default=False,
        ),
    ],
    db_path: flags.DbPath = None,
) -> None:
    """Bring the snapshots of other databases into this one, each once: merging again, or
    databases that share a history, adds nothing twice."""
    from kubectl_datamodel import store
    from kubectl_datamodel.store import merge as merging

    path = common.db_path(ctx, db_path)
    with merging.opened(sources) as opened, store.open_store(path, create=True) as db:
        merged = merging.merge(db, opened)
    for one in merged:
        already = one.held - len(one.added)
        brought = f"added {_snapshots(one.added)}" if one.added else "added nothing"
        common.info(f"{one.source}: {brought} ({already:,} of {one.held:,} already here)")


def _snapshots(ids: list[int]) -> str:
    """ "snapshot 4" or "snapshots 4, 5": what a confirmation and its outcome name."""
    return f"snapshot{'s' if len(ids) > 1 else ''} {', '.join(str(i) for i in ids)}"


def _document_format(fmt: DocumentFormat | None, file: Path | None) -> output.Format:
    if fmt is None:
        suffix = file.suffix.lower() if file else ""
        return output.Format.YAML if suffix in (".yaml", ".yml") else output.Format.JSON
    return output.Format(fmt.value)
