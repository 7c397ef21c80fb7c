"""The snapshot database: opening, migrating, writing in one transaction, reading back.

The only module that imports sqlite_utils, which writes every snapshot. Reads go through the
standard library's sqlite3 on the same connection: importing sqlite-utils costs ~60 ms (it
pulls in dateutil, click and pluggy), and `database list` has no use for it. The schema lives
in ``schema``, the row mapping in ``rows``; docs/schema.md describes every table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from kubectl_datamodel import errors, interrupts, model, redaction
from kubectl_datamodel.store import rows, schema
from kubectl_datamodel.store.content import canonical_json, digest

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


@dataclasses.dataclass
class Commit:
    """What a transaction wrote, in words (``snapshot 5 (context prod) was stored``)."""

    what: str | None = None


class Store:
    """An open snapshot database."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.path = path
        self.busy_timeout = busy_timeout

    @functools.cached_property
    def salt(self) -> str:
        """The key of this database's digests of redacted values (see redaction.py)."""
        found = self.conn.execute("SELECT value FROM settings WHERE name = 'redaction_salt'")
        return str(found.fetchone()[0])

    @functools.cached_property
    def _writer(self) -> Any:
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

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
        with self.transaction() as commit:
            snapshot_id = self._insert(snapshot)
            commit.what = f"snapshot {snapshot_id} (context {snapshot.cluster_context}) was stored"
        return snapshot_id

    @_translated
    def write_snapshots(
        self, snapshots: Iterable[model.Snapshot], keep: Callable[[model.Snapshot], bool]
    ) -> list[int]:
        """Store each of ``snapshots`` that ``keep`` accepts (it may read this database, and
        sees the ones stored before it), all in one transaction: all of them, or none. The
        iterable may read them lazily (from another database), one at a time."""
        stored: list[int] = []
        with self.transaction() as commit:
            for snapshot in snapshots:
                if keep(snapshot):
                    stored.append(self._insert(snapshot))
            if stored:
                ids = ", ".join(map(str, stored))
                several = len(stored) > 1
                commit.what = (
                    f"snapshot{'s' if several else ''} {ids} {'were' if several else 'was'} stored"
                )
        return stored

    def _insert(self, snapshot: model.Snapshot) -> int:
        inserted = self._writer.table("inventory_snapshots").insert(rows.snapshot_row(snapshot))
        snapshot_id = int(inserted.last_pk)
        for section in rows.SECTIONS:
            records = getattr(snapshot, section.name)
            record_ids = self._store_records(section, records)
            links = [
                {
                    "snapshot_id": snapshot_id,
                    "record_id": rid,
                    **self._salted(section.link_columns(r)),
                }
                for r, rid in zip(records, record_ids, strict=True)
            ]
            self._writer.table(section.links).insert_all(links, batch_size=500)
        self._writer.table("capture_warnings").insert_all(
            {"snapshot_id": snapshot_id, "message": m} for m in snapshot.warnings
        )
        return snapshot_id

    def _store_records(self, section: rows.Section, records: Sequence[Any]) -> list[int]:
        """Store each distinct record (and its spec) once; return the row id of each."""
        spec_texts = [redaction.salt_text(canonical_json(r.spec), self.salt) for r in records]
        spec_digests = [digest(t) for t in spec_texts]
        spec_ids = self._store_content(
            "specs", {d: {"body": t} for d, t in zip(spec_digests, spec_texts, strict=True)}
        )
        rows = []
        for record, spec_sha in zip(records, spec_digests, strict=True):
            columns = self._salted(section.record_columns(record))
            record_sha = digest(canonical_json({**columns, "spec": spec_sha}))
            rows.append((record_sha, {**columns, "spec_id": spec_ids[spec_sha]}))
        record_ids = self._store_content(section.records, dict(rows))
        return [record_ids[record_sha] for record_sha, _row in rows]

    def _salted(self, columns: model.JSON) -> model.JSON:
        """Columns with every redacted value's digest salted (a CRD's annotations, a CSV's
        description): nothing unsalted is ever written."""
        return {
            k: redaction.salt_text(v, self.salt) if isinstance(v, str) else v
            for k, v in columns.items()
        }

    def _store_content(self, table: str, rows: dict[str, model.JSON]) -> dict[str, int]:
        """Insert the rows whose sha256 the table lacks; map every sha256 to its row id."""
        known = self._ids_by_digest(table, rows)
        missing = [{"sha256": d, **row} for d, row in rows.items() if d not in known]
        if missing:
            self._writer.table(table).insert_all(missing, batch_size=100)
            known.update(self._ids_by_digest(table, (m["sha256"] for m in missing)))
        return known

    def _ids_by_digest(self, table: str, digests: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = list(digests)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT sha256, id FROM {table} WHERE sha256 IN ({marks})"
            found.update((row["sha256"], row["id"]) for row in self.conn.execute(sql, chunk))
        return found

    @_translated
    def delete_snapshots(self, ids: Sequence[int]) -> list[model.SnapshotSummary]:
        """Delete snapshots by id, all or none: an unknown id deletes nothing."""
        with self.transaction() as commit:
            doomed = [self.summary(i) for i in ids]
            shown = ", ".join(str(s.id) for s in doomed)
            commit.what = (
                f"snapshot {shown} was deleted"
                if len(doomed) == 1
                else f"snapshots {shown} were deleted"
            )
            self.conn.executemany(
                "DELETE FROM inventory_snapshots WHERE id = ?", [(s.id,) for s in doomed]
            )
            for statement in rows.DELETE_ORPHANS:
                self.conn.execute(statement)
        self.conn.execute("PRAGMA incremental_vacuum")
        return doomed

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Commit]:
        """A write transaction that takes the write lock up front, so it waits for another
        writer (up to the busy timeout) instead of failing half-way through. What the body
        says it wrote (``Commit.what``) is noted with the commit, Ctrl-C held between the two,
        so an interrupt never hides a write that happened."""
        self.conn.execute("BEGIN IMMEDIATE")
        commit = Commit()
        try:
            yield commit
        except BaseException:
            self.conn.rollback()
            raise
        with interrupts.deferred():
            self.conn.execute("COMMIT")
            if commit.what:
                interrupts.note(commit.what)

    # -- reading ----------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[model.JSON]:
        return [dict(row) for row in self.conn.execute(sql, params)]

    @_translated
    def list_snapshots(
        self, cluster_context: str | None = None, limit: int | None = None
    ) -> list[model.SnapshotSummary]:
        """Snapshots, newest first."""
        params: list[Any] = []
        where = ""
        if cluster_context:
            where, params = "WHERE cluster_context = ?", [cluster_context]
        sql = f"SELECT * FROM inventory_snapshots {where} ORDER BY timestamp DESC, id DESC"
        if limit is not None:
            sql, params = f"{sql} LIMIT ?", [*params, limit]
        return [rows.summary_from_row(r) for r in self._rows(sql, params)]

    @_translated
    def contexts(self) -> list[str]:
        """The cluster contexts the database holds snapshots of, by name."""
        sql = "SELECT DISTINCT cluster_context FROM inventory_snapshots ORDER BY cluster_context"
        return [row[0] for row in self.conn.execute(sql)]

    @_translated
    def summary(self, snapshot_id: int) -> model.SnapshotSummary:
        found = self._rows("SELECT * FROM inventory_snapshots WHERE id = ?", [snapshot_id])
        if not found:
            raise errors.SnapshotNotFoundError(f"snapshot {snapshot_id} not found in {self.path}")
        return rows.summary_from_row(found[0])

    @_translated
    def get_snapshot(self, snapshot_id: int, include_specs: bool = False) -> model.StoredSnapshot:
        summary = self.summary(snapshot_id)
        sections = {
            section.name: tuple(
                section.from_row(row) for row in self._linked(section, snapshot_id, include_specs)
            )
            for section in rows.SECTIONS
        }
        warnings = tuple(
            row["message"]
            for row in self._rows(
                "SELECT message FROM capture_warnings WHERE snapshot_id = ? ORDER BY id",
                [snapshot_id],
            )
        )
        return model.StoredSnapshot(summary=summary, warnings=warnings, **sections)

    def _linked(
        self, section: rows.Section, snapshot_id: int, include_specs: bool
    ) -> list[model.JSON]:
        spec, join = (
            ("s.body", "JOIN specs s ON s.id = r.spec_id") if include_specs else ("NULL", "")
        )
        return self._rows(
            f"SELECT r.*, l.*, {spec} AS spec FROM {section.links} l "
            f"JOIN {section.records} r ON r.id = l.record_id {join} "
            "WHERE l.snapshot_id = ? ORDER BY l.id",
            [snapshot_id],
        )

    @_translated
    def spec_digests(self, snapshot_id: int) -> dict[str, list[str]]:
        """The sha256 of each record's spec, per section, in the order ``get_snapshot`` returns
        the records: drift compares these before it reads a single spec."""
        self.summary(snapshot_id)
        return {
            section.name: [
                row["sha256"]
                for row in self._rows(
                    f"SELECT s.sha256 FROM {section.links} l "
                    f"JOIN {section.records} r ON r.id = l.record_id "
                    "JOIN specs s ON s.id = r.spec_id WHERE l.snapshot_id = ? ORDER BY l.id",
                    [snapshot_id],
                )
            ]
            for section in rows.SECTIONS
        }

    @_translated
    def load_specs(self, digests: Iterable[str]) -> dict[str, model.JSON]:
        """Specs by sha256, for the few records whose content changed."""
        found: dict[str, model.JSON] = {}
        wanted = list(dict.fromkeys(digests))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT sha256, body FROM specs WHERE sha256 IN ({marks})"
            found.update((row[0], json.loads(row[1])) for row in self.conn.execute(sql, chunk))
        return found

    @_translated
    def stats(self) -> model.JSON:
        """Figures about the database for `database stats`; see docs/json-output.md."""
        one = self._scalar
        per_context = {
            row["cluster_context"]: row["n"]
            for row in self._rows(
                "SELECT cluster_context, COUNT(*) AS n FROM inventory_snapshots "
                "GROUP BY cluster_context ORDER BY cluster_context"
            )
        }
        row_counts = {"inventory_snapshots": one("SELECT COUNT(*) FROM inventory_snapshots")}
        for section in rows.SECTIONS:
            row_counts[section.name] = one(f"SELECT COUNT(*) FROM {section.links}")
        for section in rows.SECTIONS:
            row_counts[section.records] = one(f"SELECT COUNT(*) FROM {section.records}")
        row_counts["specs"] = one("SELECT COUNT(*) FROM specs")
        stored = one("SELECT COALESCE(SUM(length(CAST(body AS BLOB))), 0) FROM specs")
        referenced = one(rows.REFERENCED_SPEC_BYTES)
        return {
            "path": str(self.path),
            "size_bytes": sum(
                p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists()
            ),
            "schema_version": schema.VERSION,
            "snapshot_count": row_counts["inventory_snapshots"],
            "first_timestamp": one("SELECT MIN(timestamp) FROM inventory_snapshots"),
            "last_timestamp": one("SELECT MAX(timestamp) FROM inventory_snapshots"),
            "row_counts": row_counts,
            "unique_clusters": len(per_context),
            "snapshots_per_cluster": per_context,
            "spec_bytes_referenced": referenced,
            "spec_bytes_stored": stored,
            "dedup_saved_bytes": referenced - stored,
        }

    def _scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]


# -- opening ------------------------------------------------------------------------------------


def peek(path: Path) -> list[model.SnapshotSummary]:
    """The snapshots at ``path``, newest first, read without opening the database for writing
    (no migration, no file created): for shell completion, which must never change anything
    and never fail. Anything unreadable is no snapshots."""
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            found = conn.execute(
                "SELECT * FROM inventory_snapshots ORDER BY timestamp DESC, id DESC LIMIT 200"
            )
            return [rows.summary_from_row(dict(row)) for row in found]
        finally:
            conn.close()
    except (sqlite3.Error, KeyError, ValueError):
        return []


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
        # isolation_level=None: transactions are ours (BEGIN IMMEDIATE), never implicit
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
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
    cluster's insides. SQLite gives its -wal and -shm files the same mode. Another process may
    create it at the same moment; the file is then theirs, and as good."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise errors.DatabaseError(f"cannot create database {path}: {exc.strerror}") from exc


@_translated
def _prepare(store: Store) -> None:
    """Bring the schema up to date. The version read first only says whether there is work;
    it is read again under the write lock, because another process (a second first snapshot,
    a matrix of CI jobs) may have created or migrated the schema in between."""
    if _schema_version(store) < schema.VERSION:
        if store._scalar("SELECT COUNT(*) FROM sqlite_master") == 0:
            store.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only before any table
            store.conn.execute("PRAGMA journal_mode = WAL")
        with store.transaction():
            version = _schema_version(store)
            if version < schema.VERSION:
                schema.migrate(store.conn, version)
    store.conn.execute("PRAGMA foreign_keys = ON")


def _schema_version(store: Store) -> int:
    version = int(store._scalar("PRAGMA user_version"))
    if version > schema.VERSION:
        raise errors.SchemaTooNewError(
            f"database {store.path} has schema version {version}, newer than this "
            f"kubectl-datamodel understands ({schema.VERSION}); upgrade kubectl-datamodel"
        )
    return version
