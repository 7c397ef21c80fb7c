"""The database schema, its migrations, and the mapping between rows and records.

Storage is content-addressed twice over, because a cluster snapshotted daily changes little:
``specs`` holds each distinct full object once, and ``crd_records``/``operator_records``/
``csv_records`` hold each distinct record once. A snapshot then costs one small link row per
record (``snapshot_crds``...), carrying only what changes on its own between snapshots of an
unchanged install: instance counts, replica counts, a CSV's phase. The views ``crds``,
``operators`` and ``csvs`` join it all back into the documented columns users query.

Each migration takes the schema from version N to N+1 inside the caller's transaction;
``PRAGMA user_version`` records how far a file has come.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from kubectl_datamodel import errors, model

VERSION = 3

_V1 = """
CREATE TABLE inventory_snapshots (
    id INTEGER PRIMARY KEY,
    timestamp TEXT NOT NULL,
    cluster_context TEXT NOT NULL,
    cluster_info TEXT NOT NULL,
    crd_count INTEGER NOT NULL,
    operator_count INTEGER NOT NULL,
    csv_count INTEGER NOT NULL,
    namespace_filter TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    components TEXT NOT NULL
);
CREATE INDEX idx_snapshots_context_timestamp ON inventory_snapshots (cluster_context, timestamp);

CREATE TABLE specs (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);

CREATE TABLE crd_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    group_name TEXT NOT NULL,
    version TEXT,
    kind TEXT NOT NULL,
    plural TEXT NOT NULL,
    singular TEXT NOT NULL,
    scope TEXT NOT NULL,
    versions TEXT NOT NULL,
    creation_timestamp TEXT,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_crds (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES crd_records (id),
    instance_count INTEGER
);
CREATE INDEX idx_snapshot_crds_snapshot_id ON snapshot_crds (snapshot_id);

CREATE TABLE operator_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    namespace TEXT,
    operator_type TEXT NOT NULL,
    image TEXT,
    images TEXT NOT NULL,
    version TEXT,
    creation_timestamp TEXT,
    operator_framework TEXT NOT NULL,
    managed_crds TEXT NOT NULL,
    evidence TEXT NOT NULL,
    labels TEXT NOT NULL,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_operators (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES operator_records (id),
    replicas INTEGER,
    ready_replicas INTEGER
);
CREATE INDEX idx_snapshot_operators_snapshot_id ON snapshot_operators (snapshot_id);

CREATE TABLE csv_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    namespace TEXT,
    display_name TEXT,
    version TEXT,
    description TEXT,
    provider TEXT,
    owned_crds TEXT NOT NULL,
    required_crds TEXT NOT NULL,
    replaces TEXT,
    skips TEXT NOT NULL,
    creation_timestamp TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_csvs (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES csv_records (id),
    phase TEXT
);
CREATE INDEX idx_snapshot_csvs_snapshot_id ON snapshot_csvs (snapshot_id);

CREATE VIEW crds AS
SELECT l.id, l.snapshot_id, r.name, r.group_name, r.version, r.kind, r.plural, r.singular,
       r.scope, r.creation_timestamp, r.labels, r.annotations, l.instance_count,
       s.body AS spec, r.versions, s.sha256 AS spec_sha256
FROM snapshot_crds l JOIN crd_records r ON r.id = l.record_id JOIN specs s ON s.id = r.spec_id;

CREATE VIEW operators AS
SELECT l.id, l.snapshot_id, r.name, r.namespace, r.operator_type, r.image, r.version,
       r.creation_timestamp, r.operator_framework, l.replicas, l.ready_replicas,
       r.managed_crds, s.body AS spec, r.images, r.evidence, r.labels, s.sha256 AS spec_sha256
FROM snapshot_operators l JOIN operator_records r ON r.id = l.record_id
JOIN specs s ON s.id = r.spec_id;

CREATE VIEW csvs AS
SELECT l.id, l.snapshot_id, r.name, r.namespace, r.display_name, r.version, l.phase,
       r.description, r.provider, r.owned_crds, r.required_crds, s.body AS spec,
       r.replaces, r.skips, r.creation_timestamp, s.sha256 AS spec_sha256
FROM snapshot_csvs l JOIN csv_records r ON r.id = l.record_id JOIN specs s ON s.id = r.spec_id;
"""


def _to_v1(db: Any) -> None:
    if any(db.execute("SELECT 1 FROM sqlite_master WHERE name = 'inventory_snapshots'")):
        raise errors.DatabaseError(
            "this file holds inventory tables without a kubectl-datamodel schema version "
            "(a k8s-datamodel database?); export it with that tool and snapshot anew"
        )
    _run_script(db, _V1)


def _to_v2(db: Any) -> None:
    """Capture warnings: a snapshot taken with partial permissions says what it is missing."""
    db.execute(
        "CREATE TABLE capture_warnings ("
        " id INTEGER PRIMARY KEY,"
        " snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,"
        " message TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_capture_warnings_snapshot_id ON capture_warnings (snapshot_id)")


_V3 = """
CREATE TABLE namespace_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phase TEXT,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    quotas TEXT NOT NULL,
    limit_ranges TEXT NOT NULL,
    creation_timestamp TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_namespaces (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES namespace_records (id)
);
CREATE INDEX idx_snapshot_namespaces_snapshot_id ON snapshot_namespaces (snapshot_id);

CREATE TABLE node_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    taints TEXT NOT NULL,
    capacity TEXT NOT NULL,
    allocatable TEXT NOT NULL,
    kubelet_version TEXT,
    provider TEXT,
    os_image TEXT,
    architecture TEXT,
    container_runtime TEXT,
    creation_timestamp TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_nodes (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES node_records (id),
    conditions TEXT NOT NULL
);
CREATE INDEX idx_snapshot_nodes_snapshot_id ON snapshot_nodes (snapshot_id);

CREATE TABLE helm_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    chart TEXT,
    chart_version TEXT,
    app_version TEXT,
    revision INTEGER,
    status TEXT,
    storage TEXT NOT NULL,
    updated TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_helm_releases (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES helm_records (id)
);
CREATE INDEX idx_snapshot_helm_releases_snapshot_id ON snapshot_helm_releases (snapshot_id);

CREATE TABLE resource_records (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    creation_timestamp TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE TABLE snapshot_resources (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES resource_records (id)
);
CREATE INDEX idx_snapshot_resources_snapshot_id ON snapshot_resources (snapshot_id);

CREATE VIEW namespaces AS
SELECT l.id, l.snapshot_id, r.name, r.phase, r.labels, r.annotations, r.quotas,
       r.limit_ranges, r.creation_timestamp, s.body AS spec, s.sha256 AS spec_sha256
FROM snapshot_namespaces l JOIN namespace_records r ON r.id = l.record_id
JOIN specs s ON s.id = r.spec_id;

CREATE VIEW nodes AS
SELECT l.id, l.snapshot_id, r.name, json_extract(l.conditions, '$.Ready') AS ready,
       r.kubelet_version, r.provider, r.os_image, r.architecture, r.container_runtime,
       r.labels, r.taints, r.capacity, r.allocatable, l.conditions, r.creation_timestamp,
       s.body AS spec, s.sha256 AS spec_sha256
FROM snapshot_nodes l JOIN node_records r ON r.id = l.record_id JOIN specs s ON s.id = r.spec_id;

CREATE VIEW helm_releases AS
SELECT l.id, l.snapshot_id, r.name, r.namespace, r.chart, r.chart_version, r.app_version,
       r.revision, r.status, r.storage, r.updated, s.body AS spec, s.sha256 AS spec_sha256
FROM snapshot_helm_releases l JOIN helm_records r ON r.id = l.record_id
JOIN specs s ON s.id = r.spec_id;

CREATE VIEW resources AS
SELECT l.id, l.snapshot_id, r.api_version, r.kind, r.namespace, r.name, r.labels,
       r.creation_timestamp, s.body AS spec, s.sha256 AS spec_sha256
FROM snapshot_resources l JOIN resource_records r ON r.id = l.record_id
JOIN specs s ON s.id = r.spec_id;
"""


def _to_v3(db: Any) -> None:
    """More kinds on request: namespaces, nodes, Helm releases and GROUP/VERSION/Kind objects."""
    _run_script(db, _V3)


def _run_script(db: Any, script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


MIGRATIONS: list[Callable[[Any], None]] = [
    _to_v1,
    _to_v2,
    _to_v3,
]  # MIGRATIONS[n] goes from version n to n+1


def migrate(db: Any, from_version: int) -> None:
    for version in range(from_version, VERSION):
        MIGRATIONS[version](db)
    db.execute(f"PRAGMA user_version = {VERSION}")


# -- rows <-> records ---------------------------------------------------------------------------


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class Section:
    """How one kind of record is stored: which tables, and how fields map to columns.

    ``record_columns`` are the fields stored once per distinct record; ``link_columns`` are
    the fields that change without the record changing, stored per snapshot.
    """

    name: str  # the snapshot attribute and export key: crds, operators, csvs
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


def _encoded_columns(record: Any, link_fields: tuple[str, ...] = ()) -> model.JSON:
    """A record's fields as columns, dicts and lists as JSON text; the spec and the fields
    stored per snapshot (``link_fields``) left out."""
    return {
        name: dumps(value) if isinstance(value, dict | list) else value
        for name, value in record.as_dict().items()
        if name not in link_fields
    }


def _decoded(record_type: Any, json_fields: tuple[str, ...]) -> Callable[[model.JSON], Any]:
    """The inverse of ``_encoded_columns`` for ``record_type``, given its JSON columns."""

    def from_row(row: model.JSON) -> Any:
        data = {k: json.loads(v) if k in json_fields else v for k, v in row.items()}
        return record_type.from_dict({**data, "spec": _spec(row)})

    return from_row


def _no_link_columns(_record: Any) -> model.JSON:
    return {}


def _spec(row: model.JSON) -> model.JSON:
    return json.loads(row["spec"]) if row.get("spec") else {}


SECTIONS = (
    Section(
        "crds",
        "crd_records",
        "snapshot_crds",
        _crd_columns,
        lambda c: {"instance_count": c.instance_count},
        _crd_from_row,
    ),
    Section(
        "operators",
        "operator_records",
        "snapshot_operators",
        _operator_columns,
        lambda o: {"replicas": o.replicas, "ready_replicas": o.ready_replicas},
        _operator_from_row,
    ),
    Section(
        "csvs",
        "csv_records",
        "snapshot_csvs",
        _csv_columns,
        lambda c: {"phase": c.phase},
        _csv_from_row,
    ),
    Section(
        "namespaces",
        "namespace_records",
        "snapshot_namespaces",
        _encoded_columns,
        _no_link_columns,
        _decoded(model.NamespaceRecord, ("labels", "annotations", "quotas", "limit_ranges")),
    ),
    Section(
        "nodes",
        "node_records",
        "snapshot_nodes",
        lambda n: _encoded_columns(n, ("conditions",)),
        lambda n: {"conditions": dumps(n.conditions)},
        _decoded(model.NodeRecord, ("labels", "taints", "capacity", "allocatable", "conditions")),
    ),
    Section(
        "helm_releases",
        "helm_records",
        "snapshot_helm_releases",
        _encoded_columns,
        _no_link_columns,
        _decoded(model.HelmReleaseRecord, ()),
    ),
    Section(
        "resources",
        "resource_records",
        "snapshot_resources",
        _encoded_columns,
        _no_link_columns,
        _decoded(model.ResourceRecord, ("labels",)),
    ),
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
    )
