"""Rows <-> records: how each record kind is laid out in its tables.

Each kind has a table of distinct records (``crd_records``...) and a table linking snapshots to
them (``snapshot_crds``...) that carries the fields stored per snapshot (``RecordKind
.per_snapshot``). The first three kinds predate the generic layout and keep their own column
names; every later kind is laid out from its record's fields.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from kubectl_datamodel import model


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class Section:
    """How one kind of record is stored: which tables, and how fields map to columns.

    ``record_columns`` are the fields stored once per distinct record; ``link_columns`` are
    the fields that change without the record changing (``RecordKind.per_snapshot``), stored
    per snapshot.
    """

    name: str  # the kind's section: the snapshot attribute and export key
    records: str
    links: str
    record_columns: Callable[[Any], model.JSON]
    link_columns: Callable[[Any], model.JSON]
    from_row: Callable[[model.JSON], Any]


def _crd_columns(c: model.CrdRecord) -> model.JSON:
    return {
        "name": c.name,
        "group_name": c.group,
        "version": c.storage_version,
        "kind": c.kind,
        "plural": c.plural,
        "singular": c.singular,
        "scope": c.scope,
        "versions": dumps([dataclasses.asdict(v) for v in c.versions]),
        "creation_timestamp": c.creation_timestamp,
        "labels": dumps(c.labels),
        "annotations": dumps(c.annotations),
    }


def _crd_from_row(row: model.JSON) -> model.CrdRecord:
    return model.CrdRecord(
        name=row["name"],
        group=row["group_name"],
        kind=row["kind"],
        plural=row["plural"],
        singular=row["singular"],
        scope=row["scope"],
        versions=tuple(model.CrdVersion(**v) for v in json.loads(row["versions"])),
        labels=json.loads(row["labels"]),
        annotations=json.loads(row["annotations"]),
        creation_timestamp=row["creation_timestamp"],
        instance_count=row["instance_count"],
        spec=_spec(row),
    )


def _operator_columns(o: model.OperatorRecord) -> model.JSON:
    return {
        "name": o.name,
        "namespace": o.namespace,
        "operator_type": o.operator_type,
        "image": o.image,
        "images": dumps(list(o.images)),
        "version": o.version,
        "creation_timestamp": o.creation_timestamp,
        "operator_framework": o.framework,
        "managed_crds": dumps(list(o.managed_crds)),
        "evidence": dumps(o.evidence),
        "labels": dumps(o.labels),
    }


def _operator_from_row(row: model.JSON) -> model.OperatorRecord:
    return model.OperatorRecord(
        name=row["name"],
        namespace=row["namespace"],
        operator_type=row["operator_type"],
        images=tuple(json.loads(row["images"])),
        version=row["version"],
        framework=row["operator_framework"],
        replicas=row["replicas"],
        ready_replicas=row["ready_replicas"],
        managed_crds=tuple(json.loads(row["managed_crds"])),
        evidence=json.loads(row["evidence"]),
        creation_timestamp=row["creation_timestamp"],
        labels=json.loads(row["labels"]),
        spec=_spec(row),
    )


def _csv_columns(c: model.CsvRecord) -> model.JSON:
    return {
        "name": c.name,
        "namespace": c.namespace,
        "display_name": c.display_name,
        "version": c.version,
        "description": c.description,
        "provider": c.provider,
        "owned_crds": dumps(list(c.owned_crds)),
        "required_crds": dumps(list(c.required_crds)),
        "replaces": c.replaces,
        "skips": dumps(list(c.skips)),
        "creation_timestamp": c.creation_timestamp,
    }


def _csv_from_row(row: model.JSON) -> model.CsvRecord:
    return model.CsvRecord(
        name=row["name"],
        namespace=row["namespace"],
        display_name=row["display_name"],
        version=row["version"],
        phase=row["phase"],
        description=row["description"],
        provider=row["provider"],
        owned_crds=tuple(json.loads(row["owned_crds"])),
        required_crds=tuple(json.loads(row["required_crds"])),
        replaces=row["replaces"],
        skips=tuple(json.loads(row["skips"])),
        creation_timestamp=row["creation_timestamp"],
        spec=_spec(row),
    )


def _laid_out(kind: model.RecordKind, records_table: str) -> Section:
    """A kind stored field by field: dict, list and tuple fields as JSON text, the fields in
    ``kind.per_snapshot`` in the link table."""
    json_fields = {
        f.name
        for f in dataclasses.fields(kind.record)
        if str(f.type).startswith(("dict", "list", "tuple"))
    }

    def encoded(value: Any) -> Any:
        return dumps(value) if isinstance(value, dict | list | tuple) else value

    def record_columns(record: Any) -> model.JSON:
        return {
            name: encoded(value)
            for name, value in record.as_dict().items()
            if name not in kind.per_snapshot
        }

    def link_columns(record: Any) -> model.JSON:
        return {name: encoded(getattr(record, name)) for name in kind.per_snapshot}

    def from_row(row: model.JSON) -> Any:
        data = {k: json.loads(v) if k in json_fields else v for k, v in row.items()}
        return kind.record.from_dict({**data, "spec": _spec(row)})

    return Section(
        kind.section,
        records_table,
        f"snapshot_{kind.section}",
        record_columns,
        link_columns,
        from_row,
    )


def _spec(row: model.JSON) -> model.JSON:
    return json.loads(row["spec"]) if row.get("spec") else {}


# Each kind's table of distinct records, as its migration created it (store/schema.py).
_RECORD_TABLES = {
    "namespaces": "namespace_records",
    "nodes": "node_records",
    "helm_releases": "helm_records",
    "resources": "resource_records",
}
# The first three kinds, whose columns are named as the predecessor's database named them.
_OWN_LAYOUT = {
    "crds": Section(
        "crds",
        "crd_records",
        "snapshot_crds",
        _crd_columns,
        lambda c: {"instance_count": c.instance_count},
        _crd_from_row,
    ),
    "operators": Section(
        "operators",
        "operator_records",
        "snapshot_operators",
        _operator_columns,
        lambda o: {"replicas": o.replicas, "ready_replicas": o.ready_replicas},
        _operator_from_row,
    ),
    "csvs": Section(
        "csvs",
        "csv_records",
        "snapshot_csvs",
        _csv_columns,
        lambda c: {"phase": c.phase},
        _csv_from_row,
    ),
}
SECTIONS = tuple(
    _OWN_LAYOUT.get(kind.section) or _laid_out(kind, _RECORD_TABLES[kind.section])
    for kind in model.KINDS
)

# Garbage collection after deleting snapshots: records no snapshot links to, then specs no
# record points at. Order matters.
DELETE_ORPHANS = [
    *(
        f"DELETE FROM {s.records} WHERE id NOT IN (SELECT record_id FROM {s.links})"
        for s in SECTIONS
    ),
    "DELETE FROM specs WHERE id NOT IN ("
    + " UNION ".join(f"SELECT spec_id FROM {s.records}" for s in SECTIONS)
    + ")",
]

# What the specs would take if every snapshot stored its own copy.
REFERENCED_SPEC_BYTES = (
    "SELECT COALESCE(SUM(length(CAST(s.body AS BLOB))), 0) FROM ("
    + " UNION ALL ".join(
        f"SELECT r.spec_id FROM {s.links} l JOIN {s.records} r ON r.id = l.record_id"
        for s in SECTIONS
    )
    + ") refs JOIN specs s ON s.id = refs.spec_id"
)


def snapshot_row(snapshot: model.Snapshot) -> model.JSON:
    return {
        "timestamp": snapshot.timestamp,
        "cluster_context": snapshot.cluster_context,
        "cluster_info": dumps(snapshot.cluster_info.as_dict()),
        "crd_count": len(snapshot.crds),
        "operator_count": len(snapshot.operators),
        "csv_count": len(snapshot.csvs),
        "namespace_filter": snapshot.namespace_filter,
        "notes": snapshot.notes,
        "components": dumps(list(snapshot.components)),
        "partial": dumps(list(snapshot.partial)),
    }


def summary_from_row(row: model.JSON) -> model.SnapshotSummary:
    return model.SnapshotSummary(
        id=row["id"],
        timestamp=row["timestamp"],
        cluster_context=row["cluster_context"],
        cluster_info=model.ClusterInfo.from_dict(json.loads(row["cluster_info"] or "{}")),
        components=tuple(json.loads(row["components"])),
        crd_count=row["crd_count"],
        operator_count=row["operator_count"],
        csv_count=row["csv_count"],
        namespace_filter=row["namespace_filter"],
        notes=row["notes"],
        created_at=row["created_at"],
        # absent when completion peeks at a file an older version wrote, without migrating it
        partial=tuple(json.loads(row.get("partial") or "[]")),
    )
