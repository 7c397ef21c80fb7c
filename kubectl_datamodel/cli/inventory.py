"""`kubectl datamodel crd list`, `operators list`, `olm list`: one component, optionally stored."""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from kubectl_datamodel import model
from kubectl_datamodel.cli import common, flags, snapshot, usage
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS
from kubectl_datamodel.render import output

crd_app = usage.App(help="CustomResourceDefinitions.")
operators_app = usage.App(help="Operators: the controllers that manage CRDs.")
olm_app = usage.App(help="OLM ClusterServiceVersions.")

StoreDb = Annotated[
    bool, typer.Option("--store-db", help="Also store what is listed as a snapshot.")
]


def _lister(component: str, section: str, list_kind: str, noun: str) -> Callable[..., None]:
    """Build the `list` command of one component; the three differ only in what they show."""

    def list_command(
        ctx: typer.Context,
        from_dir: flags.FromDir = None,
        from_file: flags.FromFile = None,
        kubeconfig: flags.Kubeconfig = None,
        context: flags.Context = None,
        namespace: flags.Namespace = None,
        all_namespaces: flags.AllNamespaces = False,
        selector: flags.Selector = None,
        fmt: flags.Output = output.Format.TABLE,
        no_headers: flags.NoHeaders = False,
        sort_by: flags.SortBy = None,
        request_timeout: flags.RequestTimeout = "30s",
        concurrency: flags.Concurrency = DEFAULT_CONCURRENCY,
        qps: flags.Qps = DEFAULT_QPS,
        quiet: flags.Quiet = False,
        store_db: StoreDb = False,
        notes: flags.Notes = None,
        read_limit: flags.ReadLimit = None,
        db_path: flags.DbPath = None,
    ) -> None:
        from kubectl_datamodel import redaction
        from kubectl_datamodel.render import listing, snapshots

        shown = listing.view(fmt, not no_headers, sort_by, selector)
        options = common.capture_options(
            from_dirs=from_dir,
            from_files=from_file,
            context=context,
            namespace=namespace,
            all_namespaces=all_namespaces,
            components=[component],
            notes=notes,
            limits=read_limit,
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
        records = listing.chosen(
            [redaction.salted(r, salt) for r in getattr(result.snapshot, section)], shown
        )
        if shown.fmt.is_table and not records:
            common.nothing_found(noun)
            return
        listing.write_records(
            section,
            records,
            shown,
            snapshots.TABLES[section],
            list_kind,
            sys.stdout,
            color=common.color_enabled(),
        )

    list_command.__doc__ = f"List {noun} found in the input; --store-db also stores them."
    record = model.BY_SECTION[section].record
    if "labels" not in {field.name for field in dataclasses.fields(record)}:
        _without(list_command, "selector")  # no labels kept (CSVs): -l could only mislead
    return list_command


def _without(command: Callable[..., None], parameter: str) -> None:
    """Leave a parameter out of the options Typer reads from ``command``'s signature; the
    command gets its default."""
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != parameter]
    command.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]


crd_app.command("list", epilog="kubectl datamodel crd list --from-dir examples/cluster-v1 -o wide")(
    _lister("crds", "crds", "CRDList", "CRDs")
)
operators_app.command(
    "list",
    epilog=(
        "kubectl datamodel operators list --from-dir examples/cluster-v1 "
        "-l app.kubernetes.io/part-of=argocd -o name"
    ),
)(_lister("operators", "operators", "OperatorList", "operators"))
olm_app.command("list", epilog="kubectl datamodel olm list --from-dir examples/cluster-v1 -o json")(
    _lister("olm", "csvs", "CSVList", "OLM ClusterServiceVersions")
)
