"""The database file: its documented schema, transactions, migrations and deduplication."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_datamodel import errors, model, redaction, store
from kubectl_datamodel.store import content, database, rows, schema

DOCUMENTED_COLUMNS = {
    "inventory_snapshots": [
        "id",
        "timestamp",
        "cluster_context",
        "cluster_info",
        "crd_count",
        "operator_count",
        "csv_count",
        "namespace_filter",
        "notes",
        "created_at",
        "components",
        "partial",
    ],
    "crds": [
        "id",
        "snapshot_id",
        "name",
        "group_name",
        "version",
        "kind",
        "plural",
        "singular",
        "scope",
        "creation_timestamp",
        "labels",
        "annotations",
        "instance_count",
        "spec",
    ],
    "operators": [
        "id",
        "snapshot_id",
        "name",
        "namespace",
        "operator_type",
        "image",
        "version",
        "creation_timestamp",
        "operator_framework",
        "replicas",
        "ready_replicas",
        "managed_crds",
        "spec",
    ],
    "csvs": [
        "id",
        "snapshot_id",
        "name",
        "namespace",
        "display_name",
        "version",
        "phase",
        "description",
        "provider",
        "owned_crds",
        "required_crds",
        "spec",
    ],
}


def columns(path: Path, name: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
    conn.close()
    return names


def counts(path: Path) -> dict[str, int]:
    with store.open_store(path) as db:
        return db.stats()["row_counts"]


@pytest.mark.parametrize("name", sorted(DOCUMENTED_COLUMNS))
def test_documented_columns_exist(stored_v1_v2, name):
    present = columns(stored_v1_v2, name)
    assert [c for c in DOCUMENTED_COLUMNS[name] if c not in present] == []


def test_users_sql_reads_specs_through_the_views(stored_v1_v2):
    with sqlite3.connect(stored_v1_v2) as conn:
        rows = conn.execute(
            "SELECT name, json_extract(spec, '$.spec.group') FROM crds WHERE snapshot_id = 1 "
            "AND name LIKE '%cert-manager.io' ORDER BY name"
        ).fetchall()
        images = conn.execute(
            "SELECT json_extract(spec, '$.spec.template.spec.containers[0].image') FROM operators "
            "WHERE snapshot_id = 2 AND name = 'cert-manager'"
        ).fetchone()
    conn.close()
    assert rows[0] == ("certificaterequests.cert-manager.io", "cert-manager.io")
    assert len(rows) == 6
    assert images == ("quay.io/jetstack/cert-manager-controller:v1.16.1",)


def test_pragmas_and_indexes(stored_v1_v2):
    with sqlite3.connect(stored_v1_v2) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (schema.VERSION,)
        indexes = {row[1] for row in conn.execute("SELECT * FROM sqlite_master WHERE type='index'")}
        cascades = conn.execute("PRAGMA foreign_key_list(snapshot_crds)").fetchall()
    conn.close()
    assert "idx_snapshots_context_timestamp" in indexes
    assert "idx_snapshot_crds_snapshot_id" in indexes
    assert ("inventory_snapshots", "CASCADE") in {(row[2], row[6]) for row in cascades}


def test_unchanged_resnapshot_stores_no_new_spec(stored_v1_v2, captured_v1):
    before = counts(stored_v1_v2)
    with store.open_store(stored_v1_v2) as db:
        db.write_snapshot(captured_v1)
    after = counts(stored_v1_v2)
    assert after["specs"] == before["specs"]
    assert after["crd_records"] == before["crd_records"]
    assert after["operator_records"] == before["operator_records"]
    assert after["crds"] == before["crds"] + len(captured_v1.crds)


def test_records_round_trip_through_the_store(db_path, captured_v1):
    """As captured, but for the digests of redacted values, salted by the database's salt
    (cluster-v1's grafana-operator CSV carries an example admin_password)."""
    with store.open_store(db_path, create=True) as db:
        stored = db.get_snapshot(db.write_snapshot(captured_v1), include_specs=True)
        salt = db.salt
    for section in ("crds", "operators", "csvs"):
        captured = tuple(redaction.salted(r, salt) for r in getattr(captured_v1, section))
        assert getattr(stored, section) == captured
    assert stored.summary.cluster_info == captured_v1.cluster_info
    assert stored.summary.crd_count == len(captured_v1.crds)


def _failing_last_section(monkeypatch, error: BaseException) -> None:
    """Make the write fail after CRDs and operators are in, while CSV links are built."""

    def fail(_record):
        raise error

    sections = tuple(
        dataclasses.replace(s, link_columns=fail) if s.name == "csvs" else s for s in rows.SECTIONS
    )
    monkeypatch.setattr(rows, "SECTIONS", sections)


def test_a_failed_write_leaves_nothing(stored_v1_v2, captured_v1, monkeypatch):
    before = counts(stored_v1_v2)
    _failing_last_section(monkeypatch, sqlite3.IntegrityError("simulated failure half-way"))
    with (
        store.open_store(stored_v1_v2) as db,
        pytest.raises(errors.DatabaseError, match="half-way"),
    ):
        db.write_snapshot(captured_v1)
    assert counts(stored_v1_v2) == before


def test_ctrl_c_during_the_write_rolls_back(stored_v1_v2, captured_v1, monkeypatch):
    before = counts(stored_v1_v2)
    _failing_last_section(monkeypatch, KeyboardInterrupt())
    with store.open_store(stored_v1_v2) as db, pytest.raises(KeyboardInterrupt):
        db.write_snapshot(captured_v1)
    assert counts(stored_v1_v2) == before


def test_locked_database_raises_after_the_busy_timeout(stored_v1_v2, captured_v1):
    holder = sqlite3.connect(stored_v1_v2)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with store.open_store(stored_v1_v2, busy_timeout=0.1) as db:
            with pytest.raises(errors.DatabaseLockedError, match="locked by another process"):
                db.write_snapshot(captured_v1)
            assert len(db.list_snapshots()) == 2  # readers are not blocked in WAL mode
    finally:
        holder.rollback()
        holder.close()


def test_migrates_an_empty_file_and_refuses_foreign_tables(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with store.open_store(empty) as db:
        assert db.list_snapshots() == []
    legacy = tmp_path / "legacy.db"
    with sqlite3.connect(legacy) as conn:
        conn.execute("CREATE TABLE inventory_snapshots (id INTEGER PRIMARY KEY, timestamp TEXT)")
    conn.close()
    before = hashlib.sha256(legacy.read_bytes()).hexdigest()
    with pytest.raises(errors.DatabaseError, match="without a kubectl-datamodel schema version"):
        store.open_store(legacy)
    assert hashlib.sha256(legacy.read_bytes()).hexdigest() == before


def test_delete_removes_rows_and_unreferenced_specs(stored_v1_v2):
    with store.open_store(stored_v1_v2) as db:
        db.delete_snapshots([1, 2])
        figures = db.stats()
    assert set(figures["row_counts"]) == {
        "inventory_snapshots",
        "crds",
        "operators",
        "csvs",
        "namespaces",
        "nodes",
        "helm_releases",
        "resources",
        "crd_records",
        "operator_records",
        "csv_records",
        "namespace_records",
        "node_records",
        "helm_records",
        "resource_records",
        "specs",
    }
    assert set(figures["row_counts"].values()) == {0}


def test_resolve_path_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECTL_DATAMODEL_DB", str(tmp_path / "env.db"))
    assert store.resolve_path(None, tmp_path / "global.db") == tmp_path / "global.db"
    assert store.resolve_path(tmp_path / "cmd.db", tmp_path / "global.db") == tmp_path / "cmd.db"
    assert store.resolve_path(None, None) == tmp_path / "env.db"
    monkeypatch.delenv("KUBECTL_DATAMODEL_DB")
    assert store.resolve_path(None, None) == tmp_path / "home" / ".k8s-inventory" / "inventory.db"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_canonical_json_ignores_key_order(value):
    reordered = dict(reversed(list(value.items())))
    assert content.canonical_json(value) == content.canonical_json(reordered)
    assert json.loads(content.canonical_json(value)) == value


@settings(max_examples=25, deadline=None)
@given(
    labels=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=4),
    notes=st.none() | st.text(max_size=40),
    instance_count=st.none() | st.integers(min_value=0, max_value=10**6),
)
def test_snapshot_round_trips_any_labels_and_notes(
    tmp_path_factory, captured_v1, labels, notes, instance_count
):
    crd = dataclasses.replace(captured_v1.crds[0], labels=labels, instance_count=instance_count)
    snapshot = dataclasses.replace(captured_v1, crds=(crd,), operators=(), csvs=(), notes=notes)
    path = tmp_path_factory.mktemp("prop") / "p.db"
    with store.open_store(path, create=True) as db:
        stored = db.get_snapshot(db.write_snapshot(snapshot), include_specs=True)
    assert stored.crds == (crd,)
    assert stored.summary.notes == notes
    assert isinstance(stored.summary, model.SnapshotSummary)


V3_VIEWS = ("namespaces", "nodes", "helm_releases", "resources")
V3_TABLES = (
    *(f"snapshot_{v}" for v in V3_VIEWS),
    "namespace_records",
    "node_records",
    "helm_records",
    "resource_records",
)


def _downgraded(stored: Path, tmp_path: Path, version: int) -> Path:
    """A copy of a current database as an older kubectl-datamodel left it."""
    old = tmp_path / f"v{version}.db"
    old.write_bytes(stored.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE inventory_snapshots DROP COLUMN partial")
        if version < 4:
            conn.execute("DROP TABLE settings")
        if version < 3:
            for view in V3_VIEWS:
                conn.execute(f"DROP VIEW {view}")
            for table in V3_TABLES:
                conn.execute(f"DROP TABLE {table}")
        if version < 2:
            conn.execute("DROP TABLE capture_warnings")
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return old


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_an_older_database_is_migrated_and_keeps_its_snapshots(stored_v1_v2, tmp_path, version):
    old = _downgraded(stored_v1_v2, tmp_path, version)
    with store.open_store(old) as db:
        assert [s.id for s in db.list_snapshots()] == [2, 1]
        assert [s.partial for s in db.list_snapshots()] == [(), ()]  # read as complete
        assert db.get_snapshot(1).warnings == ()
        assert len(db.get_snapshot(2).crds) == 61
        assert db.get_snapshot(2).namespaces == ()
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (schema.VERSION,)
        assert conn.execute("SELECT COUNT(*) FROM nodes").fetchone() == (0,)
    conn.close()


def test_capture_warnings_are_stored_in_order_and_deleted_with_their_snapshot(captured_v1, db_path):
    warned = dataclasses.replace(captured_v1, warnings=("b: forbidden", "a: forbidden"))
    with store.open_store(db_path, create=True) as db:
        snapshot_id = db.write_snapshot(warned)
        assert db.get_snapshot(snapshot_id).warnings == ("b: forbidden", "a: forbidden")
        db.delete_snapshots([snapshot_id])
        assert db.conn.execute("SELECT COUNT(*) FROM capture_warnings").fetchone()[0] == 0


def test_what_a_capture_could_only_partly_read_is_stored_with_it(captured_v1, db_path):
    partial = dataclasses.replace(captured_v1, partial=("crds", "operators"))
    with store.open_store(db_path, create=True) as db:
        first, second = db.write_snapshot(partial), db.write_snapshot(captured_v1)
        assert db.summary(first).partial == ("crds", "operators")
        assert db.get_snapshot(second).summary.partial == ()
    assert database.peek(db_path)[1].partial == ("crds", "operators")  # completion reads it too


def test_completion_peeks_at_a_file_from_before_partial_was_stored(stored_v1_v2, tmp_path):
    """Completion reads a file without migrating it, so an older file lacks the column."""
    old = _downgraded(stored_v1_v2, tmp_path, 4)
    assert [(s.id, s.partial) for s in database.peek(old)] == [(2, ()), (1, ())]
