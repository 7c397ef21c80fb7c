"""A snapshot: the cluster it stands for, what it captured, and its records by kind."""

from __future__ import annotations

import dataclasses
from typing import Any

from kubectl_datamodel.model.records import (
    JSON,
    CrdRecord,
    CsvRecord,
    HelmReleaseRecord,
    NamespaceRecord,
    NodeRecord,
    OperatorRecord,
    ResourceRecord,
)


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    """What is known of the cluster a snapshot stands for. Never holds credentials."""

    source: str  # "manifests" or "live"
    server: str | None = None
    version: str | None = None
    platform: str | None = None
    node_count: int | None = None
    inputs: tuple[str, ...] = ()
    olm: bool | None = None  # OLM runs there (its CSVs are served); None: not known

    def as_dict(self) -> JSON:
        return {
            "source": self.source,
            "server": self.server,
            "version": self.version,
            "platform": self.platform,
            "node_count": self.node_count,
            "inputs": list(self.inputs),
            "olm": self.olm,
        }

    @classmethod
    def from_dict(cls, data: JSON) -> ClusterInfo:
        return cls(
            source=data.get("source", "unknown"),
            server=data.get("server"),
            version=data.get("version"),
            platform=data.get("platform"),
            node_count=data.get("node_count"),
            inputs=tuple(data.get("inputs") or ()),
            olm=data.get("olm"),
        )


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One capture of a cluster, before it is stored."""

    cluster_context: str
    timestamp: str
    cluster_info: ClusterInfo
    components: tuple[str, ...]
    namespace_filter: str | None
    notes: str | None
    crds: tuple[CrdRecord, ...] = ()
    operators: tuple[OperatorRecord, ...] = ()
    csvs: tuple[CsvRecord, ...] = ()
    namespaces: tuple[NamespaceRecord, ...] = ()
    nodes: tuple[NodeRecord, ...] = ()
    helm_releases: tuple[HelmReleaseRecord, ...] = ()
    resources: tuple[ResourceRecord, ...] = ()
    warnings: tuple[str, ...] = ()  # what capture could not read: a 403, a missing file
    # Components (of ``components``) that a 403 kept partly or wholly out: their records are
    # not the cluster's, so drift does not compare them. A warning says what was refused.
    partial: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class SnapshotSummary:
    """A stored snapshot's header row: what `database list` shows."""

    id: int
    timestamp: str
    cluster_context: str
    cluster_info: ClusterInfo
    components: tuple[str, ...]
    crd_count: int
    operator_count: int
    csv_count: int
    namespace_filter: str | None
    notes: str | None
    created_at: str
    partial: tuple[str, ...] = ()  # see Snapshot.partial; () for snapshots from before it

    def as_dict(self) -> JSON:
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "cluster_context": self.cluster_context,
            "cluster_info": self.cluster_info.as_dict(),
            "components": list(self.components),
            "crd_count": self.crd_count,
            "operator_count": self.operator_count,
            "csv_count": self.csv_count,
            "namespace_filter": self.namespace_filter,
            "notes": self.notes,
            "created_at": self.created_at,
            "partial": list(self.partial),
        }

    @classmethod
    def from_dict(cls, data: JSON) -> SnapshotSummary:
        return cls(
            id=data["id"],
            timestamp=data["timestamp"],
            cluster_context=data["cluster_context"],
            cluster_info=ClusterInfo.from_dict(data["cluster_info"] or {}),
            components=tuple(data["components"]),
            crd_count=data["crd_count"],
            operator_count=data["operator_count"],
            csv_count=data["csv_count"],
            namespace_filter=data["namespace_filter"],
            notes=data["notes"],
            created_at=data["created_at"],
            partial=_partial(data.get("partial")),
        )


def _partial(value: Any) -> tuple[str, ...]:
    """A summary's ``partial``, which documents written before it lack (they read as complete).
    Anything but a list of strings is refused: read loosely, ``"crds"`` would be four letters
    and the partial CRDs would be compared after all."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"partial is not a list of components: {value!r}")
    return tuple(value)


@dataclasses.dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot read back from the database, with its records."""

    summary: SnapshotSummary
    crds: tuple[CrdRecord, ...]
    operators: tuple[OperatorRecord, ...]
    csvs: tuple[CsvRecord, ...]
    namespaces: tuple[NamespaceRecord, ...] = ()
    nodes: tuple[NodeRecord, ...] = ()
    helm_releases: tuple[HelmReleaseRecord, ...] = ()
    resources: tuple[ResourceRecord, ...] = ()
    warnings: tuple[str, ...] = ()
