"""Plain data, standard library only: the records a snapshot holds, the snapshot itself, the
registry of record kinds, and the table every renderer draws. One namespace for all of it, so
callers write ``model.CrdRecord`` and ``model.KINDS``."""

from __future__ import annotations

from kubectl_datamodel.model.kinds import (
    BY_SECTION,
    CHANGE_KINDS,
    COMPONENTS,
    EXTRAS,
    KINDS,
    SECTIONS,
    RecordKind,
    sections_of,
)
from kubectl_datamodel.model.records import (
    JSON,
    CrdRecord,
    CrdVersion,
    CsvRecord,
    HelmReleaseRecord,
    NamespaceRecord,
    NodeRecord,
    OperatorRecord,
    ResourceRecord,
)
from kubectl_datamodel.model.snapshot import ClusterInfo, Snapshot, SnapshotSummary, StoredSnapshot
from kubectl_datamodel.model.table import Table, is_number

__all__ = [
    "BY_SECTION",
    "CHANGE_KINDS",
    "COMPONENTS",
    "EXTRAS",
    "JSON",
    "KINDS",
    "SECTIONS",
    "ClusterInfo",
    "CrdRecord",
    "CrdVersion",
    "CsvRecord",
    "HelmReleaseRecord",
    "NamespaceRecord",
    "NodeRecord",
    "OperatorRecord",
    "RecordKind",
    "ResourceRecord",
    "Snapshot",
    "SnapshotSummary",
    "StoredSnapshot",
    "Table",
    "is_number",
    "sections_of",
]
