"""The database schema and its migrations.

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

from collections.abc import Callable
from typing import Any

from kubectl_datamodel import errors

VERSION = 5

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


def _to_v4(db: Any) -> None:
    """Settings of the database itself; first, the random salt that keys the digests of
    redacted values (redaction.py), made here so that every writer of this file uses one."""
    db.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "INSERT INTO settings (name, value) VALUES ('redaction_salt', lower(hex(randomblob(32))))"
    )


def _to_v5(db: Any) -> None:
    """The components a capture could only partly read (a 403 on the list that feeds them),
    which drift leaves uncompared. Snapshots stored before were never marked: they read as
    complete, as they always have."""
    db.execute("ALTER TABLE inventory_snapshots ADD COLUMN partial TEXT NOT NULL DEFAULT '[]'")


def _run_script(db: Any, script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


MIGRATIONS: list[Callable[[Any], None]] = [
    _to_v1,
    _to_v2,
    _to_v3,
    _to_v4,
    _to_v5,
]  # MIGRATIONS[n] goes from version n to n+1


def migrate(db: Any, from_version: int) -> None:
    for version in range(from_version, VERSION):
        MIGRATIONS[version](db)
    db.execute(f"PRAGMA user_version = {VERSION}")
