"""The normalized records a snapshot holds, one class per kind.

Both sources (manifest files and a live API server) produce exactly these records, so the store,
the reports and drift never need to know where a snapshot came from. Field names follow the
database columns users already query.
"""

from __future__ import annotations

import dataclasses
from typing import Any

JSON = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class CrdVersion:
    name: str
    served: bool
    storage: bool
    deprecated: bool


@dataclasses.dataclass(frozen=True)
class CrdRecord:
    name: str
    group: str
    kind: str
    plural: str
    singular: str
    scope: str
    versions: tuple[CrdVersion, ...]
    labels: dict[str, str]
    annotations: dict[str, str]
    creation_timestamp: str | None
    instance_count: int | None
    spec: JSON

    @property
    def storage_version(self) -> str | None:
        return next((v.name for v in self.versions if v.storage), None)

    @property
    def served_versions(self) -> list[str]:
        return [v.name for v in self.versions if v.served]

    @property
    def deprecated_versions(self) -> list[str]:
        return [v.name for v in self.versions if v.deprecated]

    def as_dict(self, include_spec: bool = False) -> JSON:
        data: JSON = {
            "name": self.name,
            "group": self.group,
            "kind": self.kind,
            "plural": self.plural,
            "singular": self.singular,
            "scope": self.scope,
            "version": self.storage_version,
            "versions": [dataclasses.asdict(v) for v in self.versions],
            "served_versions": self.served_versions,
            "deprecated_versions": self.deprecated_versions,
            "labels": self.labels,
            "annotations": self.annotations,
            "creation_timestamp": self.creation_timestamp,
            "instance_count": self.instance_count,
        }
        return _with_spec(data, self.spec, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> CrdRecord:
        """The inverse of ``as_dict``: a record read back from an export file."""
        return cls(
            name=data["name"],
            group=data["group"],
            kind=data["kind"],
            plural=data["plural"],
            singular=data["singular"],
            scope=data["scope"],
            versions=tuple(CrdVersion(**v) for v in data["versions"]),
            labels=dict(data["labels"] or {}),
            annotations=dict(data["annotations"] or {}),
            creation_timestamp=data["creation_timestamp"],
            instance_count=data["instance_count"],
            spec=data.get("spec") or {},
        )


@dataclasses.dataclass(frozen=True)
class OperatorRecord:
    name: str
    namespace: str | None
    operator_type: str  # the workload kind: Deployment, StatefulSet or DaemonSet
    images: tuple[str, ...]
    version: str | None
    framework: str  # OLM, Helm or Manifests
    replicas: int | None
    ready_replicas: int | None
    managed_crds: tuple[str, ...]
    evidence: dict[str, str]  # CRD name -> the signal that linked it (see docs/operators.md)
    creation_timestamp: str | None
    labels: dict[str, str]
    spec: JSON

    @property
    def image(self) -> str | None:
        return self.images[0] if self.images else None

    def as_dict(self, include_spec: bool = False) -> JSON:
        data: JSON = {
            "name": self.name,
            "namespace": self.namespace,
            "type": self.operator_type,
            "framework": self.framework,
            "version": self.version,
            "image": self.image,
            "images": list(self.images),
            "replicas": self.replicas,
            "ready_replicas": self.ready_replicas,
            "managed_crds": list(self.managed_crds),
            "evidence": self.evidence,
            "labels": self.labels,
            "creation_timestamp": self.creation_timestamp,
        }
        return _with_spec(data, self.spec, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> OperatorRecord:
        return cls(
            name=data["name"],
            namespace=data["namespace"],
            operator_type=data["type"],
            images=tuple(data["images"]),
            version=data["version"],
            framework=data["framework"],
            replicas=data["replicas"],
            ready_replicas=data["ready_replicas"],
            managed_crds=tuple(data["managed_crds"]),
            evidence=dict(data["evidence"] or {}),
            creation_timestamp=data["creation_timestamp"],
            labels=dict(data["labels"] or {}),
            spec=data.get("spec") or {},
        )


@dataclasses.dataclass(frozen=True)
class CsvRecord:
    name: str
    namespace: str | None
    display_name: str | None
    version: str | None
    phase: str | None
    description: str | None
    provider: str | None
    owned_crds: tuple[str, ...]
    required_crds: tuple[str, ...]
    replaces: str | None
    skips: tuple[str, ...]
    creation_timestamp: str | None
    spec: JSON

    def as_dict(self, include_spec: bool = False) -> JSON:
        data: JSON = {
            "name": self.name,
            "namespace": self.namespace,
            "display_name": self.display_name,
            "version": self.version,
            "phase": self.phase,
            "description": self.description,
            "provider": self.provider,
            "owned_crds": list(self.owned_crds),
            "required_crds": list(self.required_crds),
            "replaces": self.replaces,
            "skips": list(self.skips),
            "creation_timestamp": self.creation_timestamp,
        }
        return _with_spec(data, self.spec, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> CsvRecord:
        return cls(
            name=data["name"],
            namespace=data["namespace"],
            display_name=data["display_name"],
            version=data["version"],
            phase=data["phase"],
            description=data["description"],
            provider=data["provider"],
            owned_crds=tuple(data["owned_crds"]),
            required_crds=tuple(data["required_crds"]),
            replaces=data["replaces"],
            skips=tuple(data["skips"]),
            creation_timestamp=data["creation_timestamp"],
            spec=data.get("spec") or {},
        )


@dataclasses.dataclass(frozen=True)
class NamespaceRecord:
    """A namespace with the limits set on it: quota name -> its ``hard`` limits, and limit
    range name -> its ``limits`` entries."""

    name: str
    phase: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    quotas: dict[str, JSON]
    limit_ranges: dict[str, list[JSON]]
    creation_timestamp: str | None
    spec: JSON

    def as_dict(self, include_spec: bool = False) -> JSON:
        return _fields_dict(self, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> NamespaceRecord:
        record: NamespaceRecord = _from_fields(cls, data)
        return record


@dataclasses.dataclass(frozen=True)
class NodeRecord:
    """A node as scheduling sees it. ``conditions`` maps a condition type to its status
    ("True", "False", "Unknown"); it changes on its own, so it is stored per snapshot."""

    name: str
    labels: dict[str, str]
    taints: tuple[JSON, ...]
    capacity: dict[str, str]
    allocatable: dict[str, str]
    conditions: dict[str, str]
    kubelet_version: str | None
    provider: str | None
    os_image: str | None
    architecture: str | None
    container_runtime: str | None
    creation_timestamp: str | None
    spec: JSON

    def as_dict(self, include_spec: bool = False) -> JSON:
        return _fields_dict(self, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> NodeRecord:
        record: NodeRecord = _from_fields(cls, data)
        return record


@dataclasses.dataclass(frozen=True)
class HelmReleaseRecord:
    """A Helm 3 release at its newest revision, read from labels only: the release storage
    object's (name, status, version) and the chart labels of the objects it installed. The
    release payload, which holds the user's values, is never read."""

    name: str
    namespace: str
    chart: str | None
    chart_version: str | None
    app_version: str | None
    revision: int | None
    status: str | None
    storage: str  # Secret or ConfigMap: Helm's storage driver
    updated: str | None
    spec: JSON

    def as_dict(self, include_spec: bool = False) -> JSON:
        return _fields_dict(self, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> HelmReleaseRecord:
        record: HelmReleaseRecord = _from_fields(cls, data)
        return record


@dataclasses.dataclass(frozen=True)
class ResourceRecord:
    """An object of a kind named with `--include GROUP/VERSION/Kind`, kept whole (normalized)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    labels: dict[str, str]
    creation_timestamp: str | None
    spec: JSON

    @property
    def pattern(self) -> str:
        """The `--include` pattern this object was captured under."""
        return f"{self.api_version}/{self.kind}"

    def as_dict(self, include_spec: bool = False) -> JSON:
        return _fields_dict(self, include_spec)

    @classmethod
    def from_dict(cls, data: JSON) -> ResourceRecord:
        record: ResourceRecord = _from_fields(cls, data)
        return record


def _fields_dict(record: Any, include_spec: bool) -> JSON:
    data = {
        f.name: list(value) if isinstance(value := getattr(record, f.name), tuple) else value
        for f in dataclasses.fields(record)
        if f.name != "spec"
    }
    return _with_spec(data, record.spec, include_spec)


def _from_fields(cls: Any, data: JSON) -> Any:
    """Rebuild a record from ``_fields_dict``'s output: lists become the tuples they were."""
    values = {
        f.name: tuple(value) if isinstance(value := data[f.name], list) else value
        for f in dataclasses.fields(cls)
        if f.name != "spec"
    }
    return cls(spec=data.get("spec") or {}, **values)


def _with_spec(data: JSON, spec: JSON, include_spec: bool) -> JSON:
    if include_spec:
        data["spec"] = spec
    return data
