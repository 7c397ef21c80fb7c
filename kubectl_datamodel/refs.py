"""Snapshot references as users type them, resolved to the records drift compares.

``7`` is a snapshot id; ``latest`` and ``latest~2`` count back from a context's newest
snapshot (git's ``~``); ``prod@latest~1`` names the context; anything else must be a file
written by `database export`. Without a context, ``latest`` means the kubeconfig's current
context when the database holds snapshots of it, else the context of the newest snapshot.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from kubectl_datamodel import changes, drift, errors, exports, manifests, model, store

_LATEST = re.compile(r"(?:(?P<context>.+)@)?latest(?:~(?P<back>\d+))?")
FORMS = "an id, latest, latest~N, CONTEXT@latest[~N], or an export file"


@dataclasses.dataclass(frozen=True)
class Ref:
    text: str
    snapshot_id: int | None = None
    context: str | None = None
    back: int = 0
    path: Path | None = None

    @property
    def is_latest(self) -> bool:
        return self.snapshot_id is None and self.path is None


def parse(text: str) -> Ref:
    if text.isdigit():
        return Ref(text, snapshot_id=int(text))
    match = _LATEST.fullmatch(text)
    if match:
        return Ref(text, context=match.group("context"), back=int(match.group("back") or 0))
    path = Path(text)
    if path.exists():
        return Ref(text, path=path)
    raise errors.SnapshotNotFoundError(f"unknown snapshot reference {text!r}: expected {FORMS}")


def resolve(ref: Ref, db: store.Store | None, context: str | None) -> drift.Records:
    """The records ``ref`` names; ``context`` is where a bare ``latest`` counts from. ``db``
    may be None when ``ref`` is an export file."""
    if ref.path is not None:
        return from_export(ref.path, ref.text)
    if db is None:
        raise errors.DatabaseError(f"{ref.text}: needs the snapshot database")
    return stored(db, snapshot_id(ref, db, context), ref.text)


def snapshot_id(ref: Ref, db: store.Store, context: str | None) -> int:
    if ref.snapshot_id is not None:
        db.summary(ref.snapshot_id)  # unknown ids fail here, naming the database
        return ref.snapshot_id
    chosen = ref.context or context or default_context(db)
    newest = db.list_snapshots(cluster_context=chosen, limit=ref.back + 1)
    if len(newest) <= ref.back:
        have = f"only {len(newest)} snapshot(s)" if newest else "no snapshots"
        raise errors.SnapshotNotFoundError(f"{ref.text}: context {chosen} has {have} in {db.path}")
    return newest[ref.back].id


def default_context(db: store.Store) -> str:
    """The kubeconfig's current context if the database knows it, else the newest snapshot's."""
    newest = db.list_snapshots(limit=1)
    if not newest:
        raise errors.SnapshotNotFoundError(
            f"the database {db.path} holds no snapshots; take one with `kubectl datamodel "
            "snapshot` first"
        )
    current = kubeconfig_context()
    if current and db.list_snapshots(cluster_context=current, limit=1):
        return current
    return newest[0].cluster_context


def kubeconfig_context() -> str | None:
    """The current context, found as kubectl does (first file in $KUBECONFIG that sets it),
    without loading the kubernetes client. An unreadable kubeconfig is no context at all:
    comparing stored snapshots does not need a cluster."""
    if os.environ.get("KUBECONFIG"):
        candidates = [Path(p) for p in os.environ["KUBECONFIG"].split(os.pathsep) if p]
    else:
        candidates = [Path("~/.kube/config").expanduser()]
    for path in candidates:
        try:
            config = manifests.load_document(path, "kubeconfig")
        except errors.ManifestError:
            continue
        current = config.get("current-context") if isinstance(config, dict) else None
        if isinstance(current, str) and current:
            return current
    return None


def stored(db: store.Store, snapshot_id: int, ref_text: str) -> drift.Records:
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

    def entries(section: str) -> list[tuple[Any, str]]:
        return list(zip(getattr(snapshot, section), digests[section], strict=True))

    return drift.Records(
        side=side,
        crds=entries("crds"),
        operators=entries("operators"),
        csvs=entries("csvs"),
        namespaces=entries("namespaces"),
        nodes=entries("nodes"),
        helm_releases=entries("helm_releases"),
        resources=entries("resources"),
        load_specs=db.load_specs,
        components=summary.components,
        sections=frozenset(model.sections_of(summary.components)),
        namespace_filter=summary.namespace_filter,
    )


def from_export(path: Path, ref_text: str) -> drift.Records:
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
    return drift.Records.in_memory(
        side,
        export.snapshot,
        summary.components,
        sections,
        has_specs=export.has_specs,
        namespace_filter=summary.namespace_filter,
    )


def from_capture(snapshot: model.Snapshot, ref_text: str) -> drift.Records:
    """A capture that is compared but not stored: manifests on disk or the cluster now."""
    info = snapshot.cluster_info
    side = changes.Side(
        ref=ref_text,
        source="manifests" if info.source == "manifests" else "cluster",
        cluster_context=snapshot.cluster_context,
        timestamp=snapshot.timestamp,
        location=", ".join(info.inputs) if info.inputs else info.server,
    )
    return drift.Records.in_memory(
        side, snapshot, snapshot.components, namespace_filter=snapshot.namespace_filter
    )
