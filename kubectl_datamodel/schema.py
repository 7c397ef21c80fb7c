"""The database schema, its migrations, and the mapping between rows and records.

Kept apart from ``store.py`` (connections and transactions) so the schema reads in one place.
Each migration takes the schema from version N to N+1 and runs inside the caller's
transaction; ``PRAGMA user_version`` records how far a file has come.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from kubectl_datamodel import errors, model

VERSION = 1

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

CREATE TABLE crd_rows (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
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
    instance_count INTEGER,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE INDEX idx_crd_rows_snapshot_id ON crd_rows (snapshot_id);
CREATE INDEX idx_crd_rows_spec_id ON crd_rows (spec_id);

CREATE TABLE operator_rows (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    namespace TEXT,
    operator_type TEXT NOT NULL,
    image TEXT,
    images TEXT NOT NULL,
    version TEXT,
    creation_timestamp TEXT,
    operator_framework TEXT NOT NULL,
    replicas INTEGER,
    ready_replicas INTEGER,
    managed_crds TEXT NOT NULL,
    evidence TEXT NOT NULL,
    labels TEXT NOT NULL,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE INDEX idx_operator_rows_snapshot_id ON operator_rows (snapshot_id);
CREATE INDEX idx_operator_rows_spec_id ON operator_rows (spec_id);

CREATE TABLE csv_rows (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    namespace TEXT,
    display_name TEXT,
    version TEXT,
    phase TEXT,
    description TEXT,
    provider TEXT,
    owned_crds TEXT NOT NULL,
    required_crds TEXT NOT NULL,
    replaces TEXT,
    skips TEXT NOT NULL,
    creation_timestamp TEXT,
    spec_id INTEGER NOT NULL REFERENCES specs (id)
);
CREATE INDEX idx_csv_rows_snapshot_id ON csv_rows (snapshot_id);
CREATE INDEX idx_csv_rows_spec_id ON csv_rows (spec_id);

CREATE VIEW crds AS
SELECT r.id, r.snapshot_id, r.name, r.group_name, r.version, r.kind, r.plural, r.singular,
       r.scope, r.creation_timestamp, r.labels, r.annotations, r.instance_count, s.body AS spec,
       r.versions, s.sha256 AS spec_sha256
FROM crd_rows r JOIN specs s ON s.id = r.spec_id;

CREATE VIEW operators AS
SELECT r.id, r.snapshot_id, r.name, r.namespace, r.operator_type, r.image, r.version,
       r.creation_timestamp, r.operator_framework, r.replicas, r.ready_replicas,
       r.managed_crds, s.body AS spec, r.images, r.evidence, r.labels, s.sha256 AS spec_sha256
FROM operator_rows r JOIN specs s ON s.id = r.spec_id;

CREATE VIEW csvs AS
SELECT r.id, r.snapshot_id, r.name, r.namespace, r.display_name, r.version, r.phase,
       r.description, r.provider, r.owned_crds, r.required_crds, s.body AS spec,
       r.replaces, r.skips, r.creation_timestamp, s.sha256 AS spec_sha256
FROM csv_rows r JOIN specs s ON s.id = r.spec_id;
"""

DELETE_ORPHAN_SPECS = """
DELETE FROM specs WHERE id NOT IN (
    SELECT spec_id FROM crd_rows UNION SELECT spec_id FROM operator_rows
    UNION SELECT spec_id FROM csv_rows
)
"""

# What the specs would take if every snapshot stored its own copy.
REFERENCED_SPEC_BYTES = """
SELECT COALESCE(SUM(length(CAST(s.body AS BLOB))), 0) FROM (
    SELECT spec_id FROM crd_rows UNION ALL SELECT spec_id FROM operator_rows
    UNION ALL SELECT spec_id FROM csv_rows
) r JOIN specs s ON s.id = r.spec_id
"""


def _to_v1(db: Any) -> None:
    if any(db.execute("SELECT 1 FROM sqlite_master WHERE name = 'inventory_snapshots'")):
        raise errors.DatabaseError(
            "this file holds inventory tables without a kubectl-datamodel schema version "
            "(a k8s-datamodel database?); export it with that tool and snapshot anew"
        )
    for statement in _V1.split(";\n"):
        if statement.strip():
            db.execute(statement)


MIGRATIONS: list[Callable[[Any], None]] = [_to_v1]  # MIGRATIONS[n] goes from version n to n+1


def migrate(db: Any, from_version: int) -> None:
    for version in range(from_version, VERSION):
        MIGRATIONS[version](db)
    db.execute(f"PRAGMA user_version = {VERSION}")


# -- rows <-> records ---------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def snapshot_row(snapshot: model.Snapshot) -> model.JSON:
    return {
        "timestamp": snapshot.timestamp,
        "cluster_context": snapshot.cluster_context,
        "cluster_info": _dumps(snapshot.cluster_info.as_dict()),
        "crd_count": len(snapshot.crds),
        "operator_count": len(snapshot.operators),
        "csv_count": len(snapshot.csvs),
        "namespace_filter": snapshot.namespace_filter,
        "notes": snapshot.notes,
        "components": _dumps(list(snapshot.components)),
    }


def record_rows(
    snapshot: model.Snapshot, snapshot_id: int, spec_ids: dict[int, int]
) -> Iterator[tuple[str, list[model.JSON]]]:
    """Rows for crd_rows, operator_rows and csv_rows; ``spec_ids`` maps id(spec) to specs.id."""
    base = {"snapshot_id": snapshot_id}
    yield (
        "crd_rows",
        [
            {
                **base,
                "name": c.name,
                "group_name": c.group,
                "version": c.storage_version,
                "kind": c.kind,
                "plural": c.plural,
                "singular": c.singular,
                "scope": c.scope,
                "versions": _dumps([v.__dict__ for v in c.versions]),
                "creation_timestamp": c.creation_timestamp,
                "labels": _dumps(c.labels),
                "annotations": _dumps(c.annotations),
                "instance_count": c.instance_count,
                "spec_id": spec_ids[id(c.spec)],
            }
            for c in snapshot.crds
        ],
    )
    yield (
        "operator_rows",
        [
            {
                **base,
                "name": o.name,
                "namespace": o.namespace,
                "operator_type": o.operator_type,
                "image": o.image,
                "images": _dumps(list(o.images)),
                "version": o.version,
                "creation_timestamp": o.creation_timestamp,
                "operator_framework": o.framework,
                "replicas": o.replicas,
                "ready_replicas": o.ready_replicas,
                "managed_crds": _dumps(list(o.managed_crds)),
                "evidence": _dumps(o.evidence),
                "labels": _dumps(o.labels),
                "spec_id": spec_ids[id(o.spec)],
            }
            for o in snapshot.operators
        ],
    )
    yield (
        "csv_rows",
        [
            {
                **base,
                "name": c.name,
                "namespace": c.namespace,
                "display_name": c.display_name,
                "version": c.version,
                "phase": c.phase,
                "description": c.description,
                "provider": c.provider,
                "owned_crds": _dumps(list(c.owned_crds)),
                "required_crds": _dumps(list(c.required_crds)),
                "replaces": c.replaces,
                "skips": _dumps(list(c.skips)),
                "creation_timestamp": c.creation_timestamp,
                "spec_id": spec_ids[id(c.spec)],
            }
            for c in snapshot.csvs
        ],
    )


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


def _spec(row: model.JSON) -> model.JSON:
    return json.loads(row["spec"]) if row.get("spec") else {}


def crd_from_row(row: model.JSON) -> model.CrdRecord:
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


def operator_from_row(row: model.JSON) -> model.OperatorRecord:
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


def csv_from_row(row: model.JSON) -> model.CsvRecord:
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
