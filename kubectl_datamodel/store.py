"""The snapshot database: schema, migrations, transactions and the content-addressed spec store.

The only module that imports sqlite_utils. Users query this file with their own SQL, so the
documented names are a contract: ``inventory_snapshots`` and the views ``crds``, ``operators``
and ``csvs`` (each serving a ``spec`` column). Full specs live once per distinct content in
``specs``, keyed by the sha256 of their canonical JSON, because a cluster re-snapshotted daily
changes little: storing every spec per snapshot would grow the file by megabytes a day.
docs/schema.md describes every table.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from kubectl_datamodel import errors, model, schema

ENV_VAR = "KUBECTL_DATAMODEL_DB"
DEFAULT_PATH = Path("~/.k8s-inventory/inventory.db")
BUSY_TIMEOUT_SECONDS = 5.0

T = TypeVar("T")


def resolve_path(*candidates: str | Path | None) -> Path:
    """The database path: the first candidate given, else $KUBECTL_DATAMODEL_DB, else the
    default. Candidates come in precedence order (the command's --db-path, then the global)."""
    chosen = next((c for c in candidates if c), None) or os.environ.get(ENV_VAR) or DEFAULT_PATH
    return Path(chosen).expanduser()


def _translated(method: Callable[..., T]) -> Callable[..., T]:
    """Turn sqlite3's exceptions into ours, naming the file, so no traceback reaches a user."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self.error_for(exc) from exc

    return wrapper


class Store:
    """An open snapshot database."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        import sqlite_utils

        self.path = path
        self.busy_timeout = busy_timeout
        self.db = sqlite_utils.Database(conn)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def error_for(self, exc: sqlite3.Error) -> errors.DatabaseError:
        message = str(exc)
        if "locked" in message or "busy" in message:
            return errors.DatabaseLockedError(
                f"database {self.path} is locked by another process "
                f"(waited {self.busy_timeout:g}s); try again when it has finished"
            )
        if "not a database" in message or "malformed" in message or "corrupt" in message:
            return errors.DatabaseError(f"{self.path} is not a usable SQLite database ({message})")
        if "readonly" in message or "read-only" in message:
            return errors.DatabaseError(f"database {self.path} is read-only ({message})")
        return errors.DatabaseError(f"database {self.path}: {message}")

    # -- writing ----------------------------------------------------------------------------

    @_translated
    def write_snapshot(self, snapshot: model.Snapshot) -> int:
        """Store a snapshot in one transaction and return its id: all of it, or none of it."""
        with self._write():
            spec_ids = self._store_specs(
                [
                    *(r.spec for r in snapshot.crds),
                    *(r.spec for r in snapshot.operators),
                    *(r.spec for r in snapshot.csvs),
                ]
            )
            inserted = self.db.table("inventory_snapshots").insert(schema.snapshot_row(snapshot))
            snapshot_id = int(inserted.last_pk)  # type: ignore[arg-type]
            for table, rows in schema.record_rows(snapshot, snapshot_id, spec_ids):
                self.db.table(table).insert_all(rows, batch_size=500)
        return snapshot_id

    def _store_specs(self, specs: Sequence[model.JSON]) -> dict[int, int]:
        """Store each distinct spec once; map ``id(spec)`` to its row id in ``specs``."""
        bodies: dict[str, str] = {}
        digest_of: dict[int, str] = {}
        for spec in specs:
            body = canonical_json(spec)
            digest = hashlib.sha256(body.encode()).hexdigest()
            bodies[digest] = body
            digest_of[id(spec)] = digest
        known = self._spec_ids(bodies)
        missing = [{"sha256": d, "body": b} for d, b in bodies.items() if d not in known]
        if missing:
            self.db.table("specs").insert_all(missing, batch_size=100)
            known.update(self._spec_ids(d["sha256"] for d in missing))
        return {key: known[digest] for key, digest in digest_of.items()}

    def _spec_ids(self, digests: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = list(digests)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT sha256, id FROM specs WHERE sha256 IN ({marks})"
            found.update((row["sha256"], row["id"]) for row in self.db.query(sql, chunk))
        return found

    @_translated
    def delete_snapshots(self, ids: Sequence[int]) -> list[model.SnapshotSummary]:
        """Delete snapshots by id, all or none: an unknown id deletes nothing."""
        with self._write():
            doomed = [self.summary(i) for i in ids]
            for summary in doomed:
                self.db.execute("DELETE FROM inventory_snapshots WHERE id = ?", [summary.id])
            self.db.execute(schema.DELETE_ORPHAN_SPECS)
        self.db.execute("PRAGMA incremental_vacuum")
        return doomed

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front, so it waits for another
        writer (up to the busy timeout) instead of failing half-way through."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        self.db.execute("COMMIT")

    # -- reading ----------------------------------------------------------------------------

    @_translated
    def list_snapshots(
        self, cluster_context: str | None = None, limit: int | None = None
    ) -> list[model.SnapshotSummary]:
        """Snapshots, newest first."""
        where, params = (
            ("cluster_context = ?", [cluster_context]) if cluster_context else (None, [])
        )
        rows = self.db.table("inventory_snapshots").rows_where(
            where, params, order_by="timestamp DESC, id DESC", limit=limit
        )
        return [schema.summary_from_row(r) for r in rows]

    @_translated
    def get_snapshot(self, snapshot_id: int, include_specs: bool = False) -> model.StoredSnapshot:
        summary = self.summary(snapshot_id)
        return model.StoredSnapshot(
            summary=summary,
            crds=tuple(
                schema.crd_from_row(r)
                for r in self._records("crd_rows", snapshot_id, include_specs)
            ),
            operators=tuple(
                schema.operator_from_row(r)
                for r in self._records("operator_rows", snapshot_id, include_specs)
            ),
            csvs=tuple(
                schema.csv_from_row(r)
                for r in self._records("csv_rows", snapshot_id, include_specs)
            ),
        )

    @_translated
    def summary(self, snapshot_id: int) -> model.SnapshotSummary:
        rows = list(self.db.table("inventory_snapshots").rows_where("id = ?", [snapshot_id]))
        if not rows:
            raise errors.SnapshotNotFoundError(f"snapshot {snapshot_id} not found in {self.path}")
        return schema.summary_from_row(rows[0])

    def _records(self, table: str, snapshot_id: int, include_specs: bool) -> Iterator[model.JSON]:
        spec = "s.body AS spec" if include_specs else "NULL AS spec"
        join = "JOIN specs s ON s.id = r.spec_id" if include_specs else ""
        sql = f"SELECT r.*, {spec} FROM {table} r {join} WHERE r.snapshot_id = ? ORDER BY r.id"
        return self.db.query(sql, [snapshot_id])

    @_translated
    def stats(self) -> model.JSON:
        """Figures about the database for `database stats`; see docs/schema.md."""
        one = functools.partial(_scalar, self.db)
        per_context = {
            row["cluster_context"]: row["n"]
            for row in self.db.query(
                "SELECT cluster_context, COUNT(*) AS n FROM inventory_snapshots "
                "GROUP BY cluster_context ORDER BY cluster_context"
            )
        }
        stored = one("SELECT COALESCE(SUM(length(CAST(body AS BLOB))), 0) FROM specs")
        referenced = one(schema.REFERENCED_SPEC_BYTES)
        return {
            "path": str(self.path),
            "size_bytes": _file_size(self.path),
            "schema_version": schema.VERSION,
            "snapshot_count": one("SELECT COUNT(*) FROM inventory_snapshots"),
            "first_timestamp": one("SELECT MIN(timestamp) FROM inventory_snapshots"),
            "last_timestamp": one("SELECT MAX(timestamp) FROM inventory_snapshots"),
            "row_counts": {
                name: one(f"SELECT COUNT(*) FROM {name}")
                for name in ("inventory_snapshots", "crds", "operators", "csvs", "specs")
            },
            "unique_clusters": len(per_context),
            "snapshots_per_cluster": per_context,
            "spec_bytes_referenced": referenced,
            "spec_bytes_stored": stored,
            "dedup_saved_bytes": referenced - stored,
        }


def _scalar(db: Any, sql: str) -> Any:
    return next(iter(db.execute(sql).fetchone()))


def _file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def canonical_json(value: Any) -> str:
    """One text per content: sorted keys, no spaces, so equal specs hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- opening ------------------------------------------------------------------------------------


def open_store(path: Path, *, create: bool = False, busy_timeout: float | None = None) -> Store:
    """Open (and with ``create``, create) the database at ``path``, migrating it if it is old.

    A missing file is only created by commands that write: reading a path with a typo should
    say so, not leave an empty database behind.
    """
    if path.is_dir():
        raise errors.DatabaseError(f"database path {path} is a directory")
    if not path.exists():
        if not create:
            raise errors.DatabaseError(
                f"no database at {path} (take a snapshot first, or pass --db-path or set {ENV_VAR})"
            )
        _create_file(path)
    if busy_timeout is None:
        busy_timeout = BUSY_TIMEOUT_SECONDS
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout)
    except sqlite3.Error as exc:
        raise errors.DatabaseError(f"cannot open database {path}: {exc}") from exc
    store = Store(conn, path, busy_timeout)
    try:
        _prepare(store)
    except BaseException:
        store.close()
        raise
    return store


def _create_file(path: Path) -> None:
    """Create an empty database file readable by its owner only: snapshots describe a
    cluster's insides. SQLite gives its -wal and -shm files the same mode."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise errors.DatabaseError(f"cannot create database {path}: {exc.strerror}") from exc


@_translated
def _prepare(store: Store) -> None:
    db = store.db
    version = _scalar(db, "PRAGMA user_version")
    if version > schema.VERSION:
        raise errors.SchemaTooNewError(
            f"database {store.path} has schema version {version}, newer than this "
            f"kubectl-datamodel understands ({schema.VERSION}); upgrade kubectl-datamodel"
        )
    if version < schema.VERSION:
        if version == 0 and _scalar(db, "SELECT COUNT(*) FROM sqlite_master") == 0:
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only possible before any table
            db.execute("PRAGMA journal_mode = WAL")
        with store._write():
            schema.migrate(db, version)
    db.execute("PRAGMA foreign_keys = ON")
