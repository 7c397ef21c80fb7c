"""The two things a drift report compares, whatever they come from.

A side is a stored snapshot (its specs left in the database until a changed record needs one),
a `database export` file, or a capture that is compared but not stored (manifests on disk, the
cluster now). Each becomes ``Records``: every kind's records with the sha256 of their specs,
and a way to read the few specs that changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kubectl_datamodel import errors, model, redaction, store
from kubectl_datamodel.drift import changes
from kubectl_datamodel.drift.matching import Entry
from kubectl_datamodel.store import exports, refs

JSON = dict[str, Any]
SpecLoader = Callable[[Sequence[str]], Mapping[str, JSON]]


@dataclasses.dataclass(frozen=True)
class Records:
    """One side of a comparison: each section's records with their spec digests, what the
    snapshot captured (and of that, what it could only partly read), and a way to read specs
    by digest (from the database, or in memory)."""

    side: changes.Side
    entries: Mapping[str, Sequence[Entry]]
    load_specs: SpecLoader
    components: tuple[str, ...] = model.COMPONENTS  # what the snapshot captured
    sections: frozenset[str] = frozenset(model.sections_of(model.COMPONENTS))
    has_specs: bool = True  # False for an export written without --include-specs
    namespace_filter: str | None = None  # the snapshot was taken with -n
    partial: frozenset[str] = frozenset()  # components a 403 kept partly out

    @property
    def patterns(self) -> set[str]:
        """The GROUP/VERSION/Kind patterns captured."""
        return {c for c in self.components if "/" in c}

    def of(self, section: str) -> Sequence[Entry]:
        return self.entries.get(section, ())

    @classmethod
    def in_memory(
        cls,
        side: changes.Side,
        holder: model.Snapshot | model.StoredSnapshot,
        components: Sequence[str],
        sections: Iterable[str] | None = None,
        has_specs: bool = True,
        namespace_filter: str | None = None,
        salt: str | None = None,
        partial: Iterable[str] = (),
    ) -> Records:
        """Records already in memory (manifests, a live capture, an export file). A capture
        is salted with the database's ``salt``, so its redacted values read as the stored
        snapshot's do."""
        specs: dict[str, JSON] = {}
        entries: dict[str, list[Entry]] = {}
        for kind in model.KINDS:
            entries[kind.section] = []
            for found in getattr(holder, kind.section):
                record = found if salt is None else redaction.salted(found, salt)
                digest = store.spec_digest(record.spec)
                specs[digest] = record.spec
                entries[kind.section].append((record, digest))
        return cls(
            side=side,
            entries=entries,
            load_specs=lambda digests: {d: specs[d] for d in digests},
            components=tuple(components),
            sections=frozenset(model.sections_of(components) if sections is None else sections),
            has_specs=has_specs,
            namespace_filter=namespace_filter,
            partial=frozenset(partial),
        )


def resolve(
    ref: refs.Ref,
    db: store.Store | None,
    context: str | None,
    say: Callable[[str], None] | None = None,
) -> Records:
    """The records ``ref`` names; ``context`` is where a bare ``latest`` counts from (``say``
    hears which one, when it had to choose). ``db`` may be None when ``ref`` is an export
    file."""
    if ref.path is not None:
        return from_export(ref.path, ref.text)
    if db is None:
        raise errors.DatabaseError(f"{ref.text}: needs the snapshot database")
    return stored(db, refs.snapshot_id(ref, db, context, say), ref.text)


def stored(db: store.Store, snapshot_id: int, ref_text: str) -> Records:
    """A stored snapshot, its specs left in the database until a changed record needs one."""
    snapshot = db.get_snapshot(snapshot_id)
    digests = db.spec_digests(snapshot_id)
    summary = snapshot.summary
    side = changes.Side(
        ref=ref_text,
        source="snapshot",
        cluster_context=summary.cluster_context,
        timestamp=summary.timestamp,
        snapshot_id=summary.id,
        location=summary.cluster_info.server,
    )
    return Records(
        side=side,
        entries={
            kind.section: list(
                zip(getattr(snapshot, kind.section), digests[kind.section], strict=True)
            )
            for kind in model.KINDS
        },
        load_specs=db.load_specs,
        components=summary.components,
        sections=frozenset(model.sections_of(summary.components)),
        namespace_filter=summary.namespace_filter,
        partial=frozenset(summary.partial),
    )


def from_export(path: Path, ref_text: str) -> Records:
    export = exports.read(path)
    summary = export.snapshot.summary
    side = changes.Side(
        ref=ref_text,
        source="export",
        cluster_context=summary.cluster_context,
        timestamp=summary.timestamp,
        location=str(path),
    )
    sections = set(model.sections_of(summary.components)) & set(export.sections)
    return Records.in_memory(
        side,
        export.snapshot,
        summary.components,
        sections,
        has_specs=export.has_specs,
        namespace_filter=summary.namespace_filter,
        partial=summary.partial,
    )


def from_capture(
    snapshot: model.Snapshot, ref_text: str, salt: str, role: str | None = None
) -> Records:
    """A capture that is compared but not stored: manifests on disk or the cluster now,
    its redacted values salted with the database's ``salt`` (or, with no database, one salt
    for both sides). ``role``: ``base`` or ``head`` when two manifest sets are compared."""
    info = snapshot.cluster_info
    side = changes.Side(
        ref=ref_text,
        source="manifests" if info.source == "manifests" else "cluster",
        cluster_context=snapshot.cluster_context,
        timestamp=snapshot.timestamp,
        location=", ".join(info.inputs) if info.inputs else info.server,
        role=role,
    )
    return Records.in_memory(
        side,
        snapshot,
        snapshot.components,
        namespace_filter=snapshot.namespace_filter,
        salt=salt,
        partial=snapshot.partial,
    )
