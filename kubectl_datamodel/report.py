"""Render results as tables, JSON and YAML onto a stream the caller gives.

JSON and YAML documents carry an envelope (``apiVersion``/``kind``, as Kubernetes objects do):
scripts and the GitHub Action read them, so their shape changes only with a new
``apiVersion``. docs/json-output.md documents every kind. Tables are for people: a rich table on
a terminal, plain aligned columns (like kubectl's) when piped, so `grep` and `awk` work.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from kubectl_datamodel import model

API_VERSION = "kubectl-datamodel/v1"


class Format(str, enum.Enum):
    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"
    RICH = "rich"  # the predecessor's name for the table view

    @property
    def is_table(self) -> bool:
        return self in (Format.TABLE, Format.WIDE, Format.RICH)


@dataclasses.dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    title: str | None = None


def envelope(kind: str, body: model.JSON) -> model.JSON:
    return {"apiVersion": API_VERSION, "kind": kind, **body}


# -- documents ----------------------------------------------------------------------------------


def snapshot_list(summaries: Sequence[model.SnapshotSummary]) -> model.JSON:
    return envelope("SnapshotList", {"items": [s.as_dict() for s in summaries]})


def snapshot_document(
    stored: model.StoredSnapshot,
    *,
    include_specs: bool = False,
    sections: Sequence[str] | None = None,
) -> model.JSON:
    """A stored snapshot as `database show` and `database export` print it: by default CRDs,
    operators and CSVs (always present, for scripts) and whatever else it captured."""
    if sections is None:
        sections = model.sections_of((*model.COMPONENTS, *stored.summary.components))
    body: model.JSON = {"snapshot": stored.summary.as_dict()}
    for section in sections:
        body[section] = [r.as_dict(include_specs) for r in getattr(stored, section)]
    body["warnings"] = list(stored.warnings)
    return envelope("Snapshot", body)


def record_list(kind: str, records: Sequence[Any]) -> model.JSON:
    return envelope(kind, {"items": [r.as_dict() for r in records]})


# -- tables -------------------------------------------------------------------------------------


def snapshots_table(summaries: Sequence[model.SnapshotSummary], wide: bool) -> Table:
    columns = ["ID", "TIMESTAMP", "CONTEXT", "CRDS", "OPERATORS", "CSVS", "NOTES"]
    if wide:
        columns[6:6] = ["NAMESPACE", "SOURCE", "COMPONENTS"]
    rows = []
    for s in summaries:
        row = [
            str(s.id),
            s.timestamp,
            s.cluster_context,
            str(s.crd_count),
            str(s.operator_count),
            str(s.csv_count),
            s.notes or "",
        ]
        if wide:
            row[6:6] = [s.namespace_filter or "*", s.cluster_info.source, ",".join(s.components)]
        rows.append(row)
    return Table(columns, rows)


def warnings_table(warnings: Sequence[str]) -> Table:
    return Table(["WARNING"], [[w] for w in warnings], title="Capture warnings")


def crds_table(crds: Sequence[model.CrdRecord], wide: bool) -> Table:
    columns = ["NAME", "GROUP", "KIND", "SCOPE", "VERSIONS", "INSTANCES"]
    if wide:
        columns += ["DEPRECATED", "CREATED"]
    rows = []
    for c in crds:
        row = [c.name, c.group, c.kind, c.scope, _versions(c), _opt(c.instance_count)]
        if wide:
            row += [",".join(c.deprecated_versions) or "-", c.creation_timestamp or "-"]
        rows.append(row)
    return Table(columns, rows, title="CRDs")


def operators_table(operators: Sequence[model.OperatorRecord], wide: bool) -> Table:
    columns = ["NAMESPACE", "NAME", "TYPE", "FRAMEWORK", "VERSION", "READY", "CRDS"]
    if wide:
        columns += ["IMAGES", "LINKED BY"]
    rows = []
    for o in operators:
        row = [
            o.namespace or "-",
            o.name,
            o.operator_type,
            o.framework,
            o.version or "-",
            f"{_opt(o.ready_replicas)}/{_opt(o.replicas)}",
            str(len(o.managed_crds)),
        ]
        if wide:
            row += [",".join(o.images) or "-", ",".join(sorted(set(o.evidence.values()))) or "-"]
        rows.append(row)
    return Table(columns, rows, title="Operators")


def csvs_table(csvs: Sequence[model.CsvRecord], wide: bool) -> Table:
    columns = ["NAMESPACE", "NAME", "DISPLAY NAME", "VERSION", "PHASE", "PROVIDER", "OWNED"]
    if wide:
        columns += ["REPLACES", "REQUIRED"]
    rows = []
    for c in csvs:
        row = [
            c.namespace or "-",
            c.name,
            c.display_name or "-",
            c.version or "-",
            c.phase or "-",
            c.provider or "-",
            str(len(c.owned_crds)),
        ]
        if wide:
            row += [c.replaces or "-", str(len(c.required_crds))]
        rows.append(row)
    return Table(columns, rows, title="ClusterServiceVersions")


def namespaces_table(namespaces: Sequence[model.NamespaceRecord], wide: bool) -> Table:
    columns = ["NAME", "PHASE", "QUOTAS", "LIMIT RANGES", "LABELS"]
    rows = [
        [
            n.name,
            n.phase or "-",
            ",".join(n.quotas) or "-",
            ",".join(n.limit_ranges) or "-",
            _pairs(n.labels) if wide else str(len(n.labels)),
        ]
        for n in namespaces
    ]
    return Table(columns, rows, title="Namespaces")


def nodes_table(nodes: Sequence[model.NodeRecord], wide: bool) -> Table:
    columns = ["NAME", "READY", "KUBELET", "PROVIDER", "CPU", "MEMORY", "TAINTS"]
    if wide:
        columns += ["OS IMAGE", "ARCH", "RUNTIME"]
    rows = []
    for n in nodes:
        taints = [f"{t.get('key')}:{t.get('effect')}" for t in n.taints]
        row = [
            n.name,
            n.conditions.get("Ready", "-"),
            n.kubelet_version or "-",
            n.provider or "-",
            n.allocatable.get("cpu", "-"),
            n.allocatable.get("memory", "-"),
            ",".join(taints) or "-",
        ]
        if wide:
            row += [n.os_image or "-", n.architecture or "-", n.container_runtime or "-"]
        rows.append(row)
    return Table(columns, rows, title="Nodes")


def helm_table(releases: Sequence[model.HelmReleaseRecord], wide: bool) -> Table:
    columns = ["NAMESPACE", "NAME", "CHART", "CHART VERSION", "APP VERSION", "REVISION", "STATUS"]
    if wide:
        columns += ["UPDATED", "STORAGE"]
    rows = []
    for h in releases:
        row = [
            h.namespace,
            h.name,
            h.chart or "-",
            h.chart_version or "-",
            h.app_version or "-",
            _opt(h.revision),
            h.status or "-",
        ]
        if wide:
            row += [h.updated or "-", h.storage]
        rows.append(row)
    return Table(columns, rows, title="Helm releases")


def resources_table(resources: Sequence[model.ResourceRecord], wide: bool) -> Table:
    columns = ["APIVERSION", "KIND", "NAMESPACE", "NAME"]
    if wide:
        columns += ["LABELS", "CREATED"]
    rows = []
    for r in resources:
        row = [r.api_version, r.kind, r.namespace or "-", r.name]
        if wide:
            row += [_pairs(r.labels), r.creation_timestamp or "-"]
        rows.append(row)
    return Table(columns, rows, title="Resources")


def captured_tables(stored: model.StoredSnapshot, wide: bool) -> list[Table]:
    """The tables `database show` prints for the kinds this snapshot captured on request."""
    makers: dict[str, Callable[[Any, bool], Table]] = {
        "namespaces": namespaces_table,
        "nodes": nodes_table,
        "helm_releases": helm_table,
        "resources": resources_table,
    }
    captured = model.sections_of(stored.summary.components)
    return [
        maker(getattr(stored, section), wide)
        for section, maker in makers.items()
        if section in captured
    ]


def _pairs(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "-"


def summary_table(summary: model.SnapshotSummary) -> Table:
    info = summary.cluster_info
    pairs = [
        ("Snapshot", str(summary.id)),
        ("Timestamp", summary.timestamp),
        ("Context", summary.cluster_context),
        ("Source", info.source + (f" ({', '.join(info.inputs)})" if info.inputs else "")),
        ("Server", info.server or "-"),
        ("Kubernetes", info.version or "-"),
        ("Namespace", summary.namespace_filter or "all"),
        ("Components", ", ".join(summary.components)),
        ("Notes", summary.notes or "-"),
    ]
    return Table(["FIELD", "VALUE"], [[k, v] for k, v in pairs])


def stats_tables(stats: model.JSON) -> list[Table]:
    general = [
        ["Path", stats["path"]],
        ["Size", human_bytes(stats["size_bytes"])],
        ["Schema version", str(stats["schema_version"])],
        ["Snapshots", str(stats["snapshot_count"])],
        ["Date range", f"{stats['first_timestamp'] or '-'} .. {stats['last_timestamp'] or '-'}"],
        ["Unique clusters", str(stats["unique_clusters"])],
        ["Specs referenced", human_bytes(stats["spec_bytes_referenced"])],
        ["Specs stored", human_bytes(stats["spec_bytes_stored"])],
        ["Saved by deduplication", human_bytes(stats["dedup_saved_bytes"])],
    ]
    return [
        Table(["FIELD", "VALUE"], general, title="Database"),
        Table(
            ["TABLE", "ROWS"], [[k, str(v)] for k, v in stats["row_counts"].items()], title="Rows"
        ),
        Table(
            ["CONTEXT", "SNAPSHOTS"],
            [[k, str(v)] for k, v in stats["snapshots_per_cluster"].items()],
            title="Snapshots per cluster",
        ),
    ]


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _versions(crd: model.CrdRecord) -> str:
    """Served versions, storage marked with *, unserved in parentheses: v1*,v1beta1,(v1alpha1)."""
    shown = []
    for v in crd.versions:
        name = v.name + ("*" if v.storage else "")
        shown.append(name if v.served else f"({name})")
    return ",".join(shown)


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


# -- writers ------------------------------------------------------------------------------------


def query_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    return Table(list(columns), [[_cell(value) for value in row] for row in rows])


def query_document(columns: Sequence[str], items: Sequence[model.JSON]) -> model.JSON:
    return envelope("QueryResult", {"columns": list(columns), "items": list(items)})


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)


def _cell(value: Any) -> str:
    return "<null>" if value is None else str(value)


def write_document(document: model.JSON, fmt: Format, stream: TextIO) -> None:
    if fmt is Format.YAML:
        write_yaml(document, stream)
    else:
        write_json(document, stream)


def write_json(document: Any, stream: TextIO) -> None:
    json.dump(document, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_yaml(document: Any, stream: TextIO) -> None:
    from ruamel.yaml import YAML

    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the documented field order
    dumper.width = 4096
    dumper.dump(document, stream)


def write_tables(tables: Sequence[Table], stream: TextIO, *, color: bool) -> None:
    """Rich tables on a terminal; kubectl-style plain columns otherwise."""
    for index, table in enumerate(tables):
        if index:
            stream.write("\n")
        if stream.isatty():
            _write_rich(table, stream, color=color)
        else:
            _write_plain(table, stream, titled=len(tables) > 1)


def _write_plain(table: Table, stream: TextIO, *, titled: bool) -> None:
    if titled and table.title:
        stream.write(f"# {table.title}\n")
    if not table.rows and table.title:
        stream.write(f"No {table.title}.\n")
        return
    widths = [max([len(c), *(len(r[i]) for r in table.rows)]) for i, c in enumerate(table.columns)]
    for line in [table.columns, *table.rows]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        stream.write("   ".join(cells).rstrip() + "\n")


def _write_rich(table: Table, stream: TextIO, *, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, no_color=not color, highlight=False, soft_wrap=False)
    style = "bold" if color else ""  # NO_COLOR: no escape sequences at all
    rich_table = RichTable(title=table.title, header_style=style, title_style=style)
    for column in table.columns:
        rich_table.add_column(column, overflow="fold")
    for row in table.rows:
        rich_table.add_row(*row)
    console.print(rich_table)
