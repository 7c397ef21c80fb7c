"""Read-only SQL over the snapshot database, with views for the joins people keep writing.

The database is opened read-only (SQLite's `mode=ro`), so a statement that writes fails and
the file is left as it was. The views are TEMP views: they live in the connection, never in
the file, and work on any database this version can read.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubectl_datamodel import errors
from kubectl_datamodel.store import database

# name -> (what it answers, its SELECT); documented in docs/schema.md
VIEWS: dict[str, tuple[str, str]] = {
    "latest_snapshots": (
        "the newest snapshot of each cluster context",
        """SELECT s.* FROM inventory_snapshots s
           WHERE s.id = (SELECT max(id) FROM inventory_snapshots
                         WHERE cluster_context = s.cluster_context)""",
    ),
    "crd_operators": (
        "each CRD of a snapshot with the operator that manages it (NULL: none found)",
        """SELECT c.snapshot_id, c.name AS crd, c.group_name, c.kind, c.version,
                  c.instance_count, o.namespace AS operator_namespace, o.name AS operator,
                  o.version AS operator_version, o.operator_framework
           FROM crds c LEFT JOIN operators o
             ON o.snapshot_id = c.snapshot_id
            AND EXISTS (SELECT 1 FROM json_each(o.managed_crds) m WHERE m.value = c.name)""",
    ),
    "operator_images": (
        "each container image of each operator of a snapshot",
        """SELECT o.snapshot_id, o.namespace, o.name, o.version, o.operator_framework,
                  i.value AS image
           FROM operators o, json_each(o.images) i""",
    ),
}


@dataclasses.dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def items(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run(path: Path, sql: str, params: Mapping[str, str]) -> Result:
    """Run one statement against the database at `path`, read-only."""
    with database.open_store(path):  # says so if there is no database; brings an old one up to date
        pass
    conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
    try:
        for name, (_, select) in VIEWS.items():
            conn.execute(f"CREATE TEMP VIEW {name} AS {select}")
        conn.set_authorizer(_reads_only)
        cursor = conn.execute(sql, dict(params))
        columns = [d[0] for d in cursor.description or ()]
        return Result(columns, cursor.fetchall())
    except sqlite3.Error as exc:
        raise errors.QueryError(_explain(exc, path)) from exc
    finally:
        conn.close()


# What a statement that only reads asks SQLite for. `mode=ro` alone still lets ATTACH create
# a file and VACUUM INTO write one; anything not listed here is refused.
_READING = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
_READING.add(getattr(sqlite3, "SQLITE_RECURSIVE", 33))  # WITH RECURSIVE; named in 3.11+


def _reads_only(action: int, _arg1: str | None, arg2: str | None, *_: object) -> int:
    if action in _READING:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg2 is None:  # a PRAGMA that reads a setting
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _explain(exc: sqlite3.Error, path: Path) -> str:
    message = str(exc)
    if any(m in message for m in ("readonly database", "not authorized", "authorization denied")):
        return "the database is opened read-only: only statements that read can run"
    if "You can only execute one statement" in message:
        return "one statement at a time, please"
    if any(m in message for m in ("malformed", "not a database", "corrupt", "disk I/O")):
        return f"database {path} is damaged ({message}); restore it from a copy or an export"
    return f"SQL: {message}"
