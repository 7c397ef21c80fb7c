"""Bring the snapshots of other databases into one: the per-cluster databases of a matrix of CI
jobs, say, into a fleet's.

Merging is idempotent. A snapshot is the same as one already here when its context, its
capture time and its whole content (records, counts, specs, warnings) agree, so merging a
database twice, or two databases that both carry an older history, adds each snapshot once.
Records and specs are stored by content, as for a capture, so what many clusters share is
stored once. Each source goes in one transaction: all of its new snapshots, or none.

A source is read from a private copy (SQLite's backup), migrated there if it is older, so the
file given is never written. Redacted values keep the digests their own database salted them
with: a secret reads the same across the snapshots of one source, not across sources.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path

from kubectl_datamodel import errors, model
from kubectl_datamodel.store import database
from kubectl_datamodel.store.content import canonical_json, digest


@dataclasses.dataclass(frozen=True)
class Merged:
    """What one source brought: the ids its new snapshots got here, and how many it held."""

    source: Path
    added: list[int]
    held: int


@dataclasses.dataclass(frozen=True)
class Source:
    """A database to merge from, opened on its private copy; ``ids`` oldest first."""

    path: Path
    store: database.Store
    ids: list[int]


@contextlib.contextmanager
def opened(paths: Sequence[Path]) -> Iterator[list[Source]]:
    """Every database at ``paths``, opened on a private copy (migrated there if older): a
    missing or damaged one is refused, by name, before anything is created or written."""
    with contextlib.ExitStack() as stack:
        sources = []
        for path in paths:
            copy = stack.enter_context(_private_copy(path))
            try:
                other = stack.enter_context(contextlib.closing(database.open_store(copy)))
            except errors.DatabaseError as exc:  # named by the copy's path: name the source's
                raise errors.DatabaseError(str(exc).replace(str(copy), str(path))) from None
            sources.append(Source(path, other, [s.id for s in reversed(other.list_snapshots())]))
        yield sources


def merge(into: database.Store, sources: Sequence[Source]) -> list[Merged]:
    """Add to ``into`` every snapshot of ``sources`` that it does not hold, in one
    transaction: all of them, or none."""
    for source in sources:
        if source.path.resolve() == into.path.resolve():
            raise errors.UsageError(f"{source.path} is the database merged into")
    reading: list[Path] = []  # the source of the snapshot being read
    kept_from: list[Path] = []  # the source of each snapshot kept, in order

    def snapshots() -> Iterator[model.Snapshot]:
        for source in sources:  # oldest first: ids here keep their order
            for snapshot_id in source.ids:
                reading[:] = [source.path]
                yield as_capture(source.store.get_snapshot(snapshot_id, include_specs=True))

    def keep(snapshot: model.Snapshot) -> bool:
        if _holds(into, snapshot):
            return False
        kept_from.append(reading[0])
        return True

    added = into.write_snapshots(snapshots(), keep=keep)
    return [
        Merged(
            s.path, [i for i, p in zip(added, kept_from, strict=True) if p == s.path], len(s.ids)
        )
        for s in sources
    ]


def as_capture(stored: model.StoredSnapshot) -> model.Snapshot:
    """A stored snapshot as a capture that writing stores again exactly."""
    summary = stored.summary
    return model.Snapshot(
        cluster_context=summary.cluster_context,
        timestamp=summary.timestamp,
        cluster_info=summary.cluster_info,
        components=summary.components,
        namespace_filter=summary.namespace_filter,
        notes=summary.notes,
        crds=stored.crds,
        operators=stored.operators,
        csvs=stored.csvs,
        namespaces=stored.namespaces,
        nodes=stored.nodes,
        helm_releases=stored.helm_releases,
        resources=stored.resources,
        warnings=stored.warnings,
        partial=summary.partial,
    )


def fingerprint(snapshot: model.Snapshot) -> str:
    """The digest of everything a snapshot holds: equal for the same capture stored twice."""
    body = {
        "context": snapshot.cluster_context,
        "timestamp": snapshot.timestamp,
        "cluster_info": snapshot.cluster_info.as_dict(),
        "components": list(snapshot.components),
        "namespace_filter": snapshot.namespace_filter,
        "notes": snapshot.notes,
        "warnings": list(snapshot.warnings),
        "partial": list(snapshot.partial),
        **{
            name: [r.as_dict(include_spec=True) for r in getattr(snapshot, name)]
            for name in model.SECTIONS
        },
    }
    return digest(canonical_json(body))


def _holds(db: database.Store, snapshot: model.Snapshot) -> bool:
    """Whether ``db`` already holds ``snapshot``: only the few stored with the same context and
    time are read whole and compared."""
    same_time = [
        s.id
        for s in db.list_snapshots(cluster_context=snapshot.cluster_context)
        if s.timestamp == snapshot.timestamp
    ]
    if not same_time:
        return False
    wanted = fingerprint(snapshot)
    return any(
        fingerprint(as_capture(db.get_snapshot(i, include_specs=True))) == wanted for i in same_time
    )


@contextlib.contextmanager
def _private_copy(source: Path) -> Iterator[Path]:
    if not source.is_file():
        raise errors.DatabaseError(f"no database at {source}")
    with tempfile.TemporaryDirectory(prefix="kubectl-datamodel-merge-") as folder:
        copy = Path(folder) / "source.db"
        try:
            with (
                contextlib.closing(
                    sqlite3.connect(f"file:{urllib.parse.quote(str(source))}?mode=ro", uri=True)
                ) as reading,
                contextlib.closing(sqlite3.connect(copy)) as writing,
            ):
                reading.backup(writing)
        except sqlite3.Error as exc:
            raise errors.DatabaseError(f"cannot read database {source}: {exc}") from None
        yield copy
