"""Snapshots and their records as people read them (tables) and as scripts read them (the
documents of the JSON contract: ``SnapshotList``, ``Snapshot``, ``QueryResult``...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubectl_datamodel import contract, model
from kubectl_datamodel.render import text

# -- documents ----------------------------------------------------------------------------------


def snapshot_list(summaries: Sequence[model.SnapshotSummary]) -> model.JSON:
    return contract.envelope("SnapshotList", {"items": [s.as_dict() for s in summaries]})


def sections_shown(stored: model.StoredSnapshot) -> list[str]:
    """What `database show` and `database export` show of a snapshot: CRDs, operators and CSVs
    (always there, for scripts) and whatever else it captured."""
    return model.sections_of((*model.COMPONENTS, *stored.summary.components))


def snapshot_document(
    stored: model.StoredSnapshot,
    *,
    include_specs: bool = False,
    sections: Sequence[str] | None = None,
    records: Mapping[str, Sequence[Any]] | None = None,
) -> model.JSON:
    """A stored snapshot as `database show` and `database export` print it (``sections_shown``
    unless told); ``records`` are the ones a selector kept, by section."""
    body: model.JSON = {"snapshot": stored.summary.as_dict()}
    for section in sections if sections is not None else sections_shown(stored):
        chosen = records[section] if records is not None else getattr(stored, section)
        body[section] = [r.as_dict(include_specs) for r in chosen]
    body["warnings"] = list(stored.warnings)
    return contract.envelope("Snapshot", body)


def record_list(kind: str, records: Sequence[Any]) -> model.JSON:
    return contract.envelope(kind, {"items": [r.as_dict() for r in records]})


# -- tables -------------------------------------------------------------------------------------


def snapshots_table(summaries: Sequence[model.SnapshotSummary], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows)


def warnings_table(warnings: Sequence[str]) -> model.Table:
    return model.Table.of(["WARNING"], [[w] for w in warnings], title="Capture warnings")


def crds_table(crds: Sequence[model.CrdRecord], wide: bool) -> model.Table:
    columns = ["NAME", "GROUP", "KIND", "SCOPE", "VERSIONS", "INSTANCES"]
    if wide:
        columns += ["DEPRECATED", "CREATED"]
    rows = []
    for c in crds:
        row = [c.name, c.group, c.kind, c.scope, _versions(c), _opt(c.instance_count)]
        if wide:
            row += [",".join(c.deprecated_versions) or "-", c.creation_timestamp or "-"]
        rows.append(row)
    return model.Table.of(columns, rows, title="CRDs")


def operators_table(operators: Sequence[model.OperatorRecord], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows, title="Operators")


def csvs_table(csvs: Sequence[model.CsvRecord], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows, title="ClusterServiceVersions")


def namespaces_table(namespaces: Sequence[model.NamespaceRecord], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows, title="Namespaces")


def nodes_table(nodes: Sequence[model.NodeRecord], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows, title="Nodes")


def helm_table(releases: Sequence[model.HelmReleaseRecord], wide: bool) -> model.Table:
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
    return model.Table.of(columns, rows, title="Helm releases")


def resources_table(resources: Sequence[model.ResourceRecord], wide: bool) -> model.Table:
    columns = ["APIVERSION", "KIND", "NAMESPACE", "NAME"]
    if wide:
        columns += ["LABELS", "CREATED"]
    rows = []
    for r in resources:
        row = [r.api_version, r.kind, r.namespace or "-", r.name]
        if wide:
            row += [_pairs(r.labels), r.creation_timestamp or "-"]
        rows.append(row)
    return model.Table.of(columns, rows, title="Resources")


def _pairs(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "-"


# Each section's table, as `database show` and the list commands draw it.
TABLES: dict[str, Callable[[Any, bool], model.Table]] = {
    "crds": crds_table,
    "operators": operators_table,
    "csvs": csvs_table,
    "namespaces": namespaces_table,
    "nodes": nodes_table,
    "helm_releases": helm_table,
    "resources": resources_table,
}


def summary_table(summary: model.SnapshotSummary) -> model.Table:
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
    if summary.partial:  # rare, and then worth a row: diff leaves these uncompared
        read = f"{', '.join(summary.partial)} (refused in part: see the capture warnings)"
        pairs.insert(-1, ("Partly read", read))
    return model.Table.of(["FIELD", "VALUE"], [[k, v] for k, v in pairs])


def stats_tables(stats: model.JSON) -> list[model.Table]:
    general = [
        ["Path", stats["path"]],
        ["Size", text.human_bytes(stats["size_bytes"])],
        ["Schema version", str(stats["schema_version"])],
        ["Snapshots", str(stats["snapshot_count"])],
        ["Date range", f"{stats['first_timestamp'] or '-'} .. {stats['last_timestamp'] or '-'}"],
        ["Unique clusters", str(stats["unique_clusters"])],
        ["Specs referenced", text.human_bytes(stats["spec_bytes_referenced"])],
        ["Specs stored", text.human_bytes(stats["spec_bytes_stored"])],
        ["Saved by deduplication", text.human_bytes(stats["dedup_saved_bytes"])],
    ]
    return [
        model.Table.of(["FIELD", "VALUE"], general, title="Database"),
        model.Table.of(
            ["TABLE", "ROWS"], [[k, str(v)] for k, v in stats["row_counts"].items()], title="Rows"
        ),
        model.Table.of(
            ["CONTEXT", "SNAPSHOTS"],
            [[k, str(v)] for k, v in stats["snapshots_per_cluster"].items()],
            title="Snapshots per cluster",
        ),
    ]


def _versions(crd: model.CrdRecord) -> str:
    """Served versions, storage marked with *, unserved in parentheses: v1*,v1beta1,(v1alpha1)."""
    shown = []
    for v in crd.versions:
        name = v.name + ("*" if v.storage else "")
        shown.append(name if v.served else f"({name})")
    return ",".join(shown)


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


# -- query results ------------------------------------------------------------------------------


def query_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> model.Table:
    return model.Table.of(
        list(columns),
        [["<null>" if value is None else str(value) for value in row] for row in rows],
    )


def query_document(columns: Sequence[str], items: Sequence[model.JSON]) -> model.JSON:
    return contract.envelope("QueryResult", {"columns": list(columns), "items": list(items)})
