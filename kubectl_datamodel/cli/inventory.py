"""`kubectl datamodel crd list`, `operators list`, `olm list`: one component, optionally stored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from kubectl_datamodel import model, redaction
from kubectl_datamodel.cli import common, snapshot
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS
from kubectl_datamodel.render import output, snapshots

crd_app = typer.Typer(help="CustomResourceDefinitions.", no_args_is_help=True)
operators_app = typer.Typer(
    help="Operators: the controllers that manage CRDs.", no_args_is_help=True
)
olm_app = typer.Typer(help="OLM ClusterServiceVersions.", no_args_is_help=True)

StoreOption = Annotated[
    bool, typer.Option("--store-db", help="Also store what is listed as a snapshot.")
]


def _lister(
    component: str,
    attribute: str,
    list_kind: str,
    table: Callable[[Sequence[Any], bool], model.Table],
    noun: str,
) -> Callable[..., None]:
    """Build the `list` command of one component; the three differ only in what they show."""

    def list_command(
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
        fmt: common.OutputOption = output.Format.TABLE,
        store_db: StoreOption = False,
        notes: common.NotesOption = None,
        limit: common.LimitOption = None,
        db_path: common.DbPathOption = None,
    ) -> None:
        options = common.capture_options(
            from_dirs=from_dir,
            from_files=from_file,
            context=context,
            namespace=namespace,
            all_namespaces=all_namespaces,
            components=[component],
            notes=notes,
            limits=limit,
            cluster=common.cluster_options(kubeconfig, context, request_timeout, concurrency, qps),
        )
        if store_db:
            result, summary = snapshot.capture_and_store(
                options, common.db_path(ctx, db_path), quiet=quiet
            )
            if not quiet:
                common.info(f"stored as snapshot {summary.id} (context {summary.cluster_context})")
        else:
            result = snapshot.capture_with_warnings(options, quiet=quiet)
        # A listing's redacted values are salted afresh: nothing shown is unsalted, and the
        # digests need not match any database's.
        salt = redaction.new_salt()
        records = [redaction.salted(r, salt) for r in getattr(result.snapshot, attribute)]
        if fmt.is_table:
            common.print_tables([table(records, fmt is output.Format.WIDE)])
        else:
            common.print_document(snapshots.record_list(list_kind, records), fmt)

    list_command.__doc__ = f"List {noun} found in the input; --store-db also stores them."
    return list_command


crd_app.command(
    "list", epilog="Example: kubectl datamodel crd list --from-dir examples/cluster-v1 -o wide"
)(_lister("crds", "crds", "CRDList", snapshots.crds_table, "CRDs"))
operators_app.command(
    "list",
    epilog="Example: kubectl datamodel operators list --from-dir examples/cluster-v1 --store-db",
)(_lister("operators", "operators", "OperatorList", snapshots.operators_table, "operators"))
olm_app.command(
    "list", epilog="Example: kubectl datamodel olm list --from-dir examples/cluster-v1 -o json"
)(_lister("olm", "csvs", "CSVList", snapshots.csvs_table, "OLM ClusterServiceVersions"))
