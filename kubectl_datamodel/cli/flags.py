"""The flags commands share, spelled and explained once, as kubectl users know them.

Every flag that takes a value names it in capitals (``--context NAME``, ``-o FORMAT``), so help
reads ``--kubeconfig FILE``, never a Python type. This module imports nothing heavy: every
command's help is built from it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kubectl_datamodel.cli import common, completion
from kubectl_datamodel.options import DEFAULT_BURST
from kubectl_datamodel.render import output

V = TypeVar("V")


def checked(parse: Callable[[V], Any]) -> Callable[[V | None], V | None]:
    """A callback that reads a value when the command line is read, so a bad one is refused
    whether or not the command comes to use it (diff reads --request-timeout only with
    --against-live); the command still gets the value as typed."""

    def check(value: V | None) -> V | None:
        if value is not None:
            parse(value)
        return value

    return check


DB_ENV_VAR = "KUBECTL_DATAMODEL_DB"  # store.ENV_VAR, without loading the store for --help
DEFAULT_DB = "~/.k8s-inventory/inventory.db"

DbPath = Annotated[
    Path | None,
    typer.Option(
        "--db-path",
        metavar="FILE",
        help=f"Database file (default: ${DB_ENV_VAR}, else {DEFAULT_DB}).",
        show_default=False,
    ),
]
Output = Annotated[
    output.Format,
    typer.Option(
        "--output",
        "-o",
        metavar="FORMAT",
        help="table, wide, json, yaml or name (kind/name, one a line); rich is table.",
        case_sensitive=False,
        show_default=False,
    ),
]
NoHeaders = Annotated[
    bool, typer.Option("--no-headers", help="Leave out the header line of a table.")
]
SortBy = Annotated[
    str | None,
    typer.Option(
        "--sort-by",
        metavar="FIELD",
        help="Sort by a field of the -o json items (name, .timestamp, {.cluster_info.version}).",
        show_default=False,
    ),
]
Selector = Annotated[
    str | None,
    typer.Option(
        "--selector",
        "-l",
        metavar="SELECTOR",
        help="Only objects with these labels: app=web,tier!=db,env in (prod,qa),!legacy.",
        show_default=False,
    ),
]
ClusterContext = Annotated[
    str | None,
    typer.Option(
        "--cluster-context",
        "--context",
        metavar="CONTEXT",
        help="Only snapshots of this cluster context (the name it was stored under).",
        autocompletion=completion.contexts,
        show_default=False,
    ),
]
LatestContext = Annotated[
    str | None,
    typer.Option(
        "--cluster-context",
        "--context",
        metavar="CONTEXT",
        help="The cluster context latest counts from (the name snapshots were stored under).",
        autocompletion=completion.contexts,
        show_default=False,
    ),
]
# diff reads the cluster too, where --context is the kubeconfig's, as in kubectl.
SnapshotContext = Annotated[
    str | None,
    typer.Option(
        "--cluster-context",
        metavar="CONTEXT",
        help="The cluster context latest counts from (the name snapshots were stored under).",
        autocompletion=completion.contexts,
        show_default=False,
    ),
]
FromDir = Annotated[
    list[Path] | None,
    typer.Option(
        "--from-dir",
        metavar="DIR",
        help="Read manifests (.yaml/.yml/.json) recursively from DIR. Repeatable.",
        show_default=False,
    ),
]
FromFile = Annotated[
    list[Path] | None,
    typer.Option(
        "--from-file",
        "-f",
        metavar="FILE",
        help="Read manifests from FILE. Repeatable.",
        show_default=False,
    ),
]
Context = Annotated[
    str | None,
    typer.Option(
        "--context",
        metavar="NAME",
        help=(
            "kubeconfig context to read (default: its current context); with --from-dir, the "
            "name the snapshot is stored under (default: the input folder's name)."
        ),
        show_default=False,
    ),
]
Kubeconfig = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig file (default: $KUBECONFIG's files merged, else ~/.kube/config).",
        show_default=False,
    ),
]
RequestTimeout = Annotated[
    str,
    typer.Option(
        "--request-timeout",
        metavar="DURATION",
        help="Give up on a request after this long (10s, 1m; default 30s); 0 waits forever.",
        callback=checked(common.parse_timeout),
        show_default=False,
    ),
]
Concurrency = Annotated[
    int,
    typer.Option(
        "--concurrency",
        min=1,
        max=64,
        metavar="N",
        help="Requests in flight at once, 1 to 64 (default 8).",
        show_default=False,
    ),
]
Qps = Annotated[
    float,
    typer.Option(
        "--qps",
        min=0,
        metavar="N",
        help=(
            f"Client-side limit on requests per second (default 100, burst {DEFAULT_BURST}); "
            "0: none."
        ),
        show_default=False,
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display and no notices.")]
Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NAMESPACE",
        help="Only objects in this namespace (and cluster-scoped ones).",
        show_default=False,
    ),
]
AllNamespaces = Annotated[
    bool, typer.Option("--all-namespaces", "-A", help="All namespaces (the default).")
]
Notes = Annotated[
    str | None,
    typer.Option("--notes", metavar="TEXT", help="Annotate the snapshot.", show_default=False),
]
ReadLimit = Annotated[
    list[str] | None,
    typer.Option(
        "--read-limit",
        metavar="NAME=VALUE",
        help=(
            "Change a limit on reading manifests: file-size and document-size (256MiB and "
            "64MiB; units KiB, MiB, GiB), depth (100 levels), aliases (100000 nodes that YAML "
            "aliases may add). Repeatable."
        ),
        callback=checked(common.read_limits),
        show_default=False,
    ),
]
