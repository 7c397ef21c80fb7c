"""The objects a fake cluster serves: one resource at one group/version, stored and
generated objects, and the sorted, immutable snapshots that lists are cut from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from tests.support.fakeapi.protocol import _now, join_api_version


@dataclass(frozen=True)
class Resource:
    """One resource served at one group/version (what an APIResourceList entry describes)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    crd: str | None = None  # name of the CRD that defines it; None for built-ins
    storage_hash: str | None = None

    @property
    def api_version(self) -> str:
        """``group/version`` as it appears in objects."""
        return join_api_version(self.group, self.version)

    @property
    def group_resource(self) -> str:
        """``plural.group`` as kube names it in messages (``deployments.apps``, ``pods``)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


class Generator:
    """Synthetic custom resources produced on demand from a template.

    Only the list of keys exists in memory; each item is built when a response needs it, so
    500 CRDs x 200 objects cost almost nothing until a client asks for them.
    """

    def __init__(
        self,
        res: Resource,
        *,
        start: int,
        count: int,
        namespaces: Sequence[str],
        status_manager: str | None,
        payload_bytes: int,
        resource_version: str,
    ) -> None:
        self.res = res
        self.start = start
        self.count = count
        self.namespaces = tuple(namespaces) if res.namespaced else ("",)
        if not self.namespaces:
            raise ValueError("generate() needs at least one namespace for a namespaced CRD")
        self.resource_version = resource_version
        self.created = _now()
        seed = hashlib.sha256(f"{res.crd}/{start}".encode()).hexdigest()
        self.uid_prefix = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-"
        # A fixed, pseudo-random payload: shared by every item (never mutated, only serialized).
        self.payload = (seed * (payload_bytes // len(seed) + 1))[:payload_bytes]
        self.managed_fields: list[dict[str, Any]] | None = None
        if status_manager is not None:
            self.managed_fields = self._managed_fields(status_manager)
        self._prepare_json()

    def _prepare_json(self) -> None:
        """Serialize the parts every item shares once; :meth:`item_json` only glues strings.

        A naive client LISTs every object in full, and json.dumps of the shared managedFields
        and payload would otherwise dominate the server's time.
        """
        sample = self.item(0, "")
        md = sample["metadata"]

        def frag(value: Any) -> str:
            return json.dumps(value, separators=(",", ":"))

        self._ns_json = [f',"namespace":{frag(ns)}' if ns else "" for ns in self.namespaces]
        self._name_prefix = frag(f"{self.res.singular}-")[:-1]  # opening quote, no closing one
        self._uid_prefix = frag(self.uid_prefix)[:-1]
        self._md_middle = (
            f',"resourceVersion":{frag(md["resourceVersion"])},"generation":1,'
            f'"creationTimestamp":{frag(md["creationTimestamp"])},"labels":'
            '{"app.kubernetes.io/managed-by":"fakeapi","fakeapi.test/shard":"'
        )
        self._md_end = "}"
        if self.managed_fields is not None:
            self._md_end = f',"managedFields":{frag(self.managed_fields)}}}'
        self._kind_json = f',"kind":{frag(self.res.kind)},"metadata":'
        self._spec_json = ',"spec":{"index":'
        self._item_end = f',"payload":{frag(self.payload)}}}'
        if "status" in sample:
            self._item_end += f',"status":{frag(sample["status"])}'
        self._item_end += "}"

    def _managed_fields(self, status_manager: str) -> list[dict[str, Any]]:
        """What kube records when kubectl created the object and a controller wrote status."""
        written_as = join_api_version(self.res.group, self.res.version)
        return [
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": written_as,
                "time": self.created,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {".": {}, "f:app.kubernetes.io/managed-by": {}}},
                    "f:spec": {".": {}, "f:index": {}, "f:payload": {}},
                },
            },
            {
                "manager": status_manager,
                "operation": "Update",
                "apiVersion": written_as,
                "time": self.created,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:status": {".": {}, "f:conditions": {}, "f:observedGeneration": {}},
                },
                "subresource": "status",
            },
        ]

    def key(self, i: int) -> tuple[str, str]:
        """``(namespace, name)`` of item ``i``: round-robin namespaces, zero-padded names."""
        return self.namespaces[
            i % len(self.namespaces)
        ], f"{self.res.singular}-{self.start + i:05d}"

    def metadata(self, i: int) -> dict[str, Any]:
        """Item ``i``'s metadata, built fresh (cheap: a handful of small strings)."""
        namespace, name = self.key(i)
        md: dict[str, Any] = {"name": name}
        if namespace:
            md["namespace"] = namespace
        md["uid"] = f"{self.uid_prefix}{self.start + i:012x}"
        md["resourceVersion"] = self.resource_version
        md["generation"] = 1
        md["creationTimestamp"] = self.created
        md["labels"] = {
            "app.kubernetes.io/managed-by": "fakeapi",
            "fakeapi.test/shard": str(i % 10),
        }
        if self.managed_fields is not None:
            md["managedFields"] = self.managed_fields
        return md

    def metadata_json(self, i: int) -> str:
        """``json.dumps(self.metadata(i))`` (compact), about ten times faster."""
        n = self.start + i
        return (
            f'{{"name":{self._name_prefix}{n:05d}"{self._ns_json[i % len(self._ns_json)]}'
            f',"uid":{self._uid_prefix}{n:012x}"{self._md_middle}{i % 10}"}}{self._md_end}'
        )

    def item_json(self, i: int, api_version_json: str) -> str:
        """``json.dumps(self.item(i, v))`` (compact) given ``v`` already JSON-encoded."""
        return (
            f'{{"apiVersion":{api_version_json}{self._kind_json}{self.metadata_json(i)}'
            f"{self._spec_json}{self.start + i}{self._item_end}"
        )

    def item(self, i: int, api_version: str) -> dict[str, Any]:
        """The whole object ``i`` as served at ``api_version``."""
        obj: dict[str, Any] = {
            "apiVersion": api_version,
            "kind": self.res.kind,
            "metadata": self.metadata(i),
            "spec": {"index": self.start + i, "payload": self.payload},
        }
        if self.managed_fields is not None:
            obj["status"] = {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "Reconciled",
                        "message": "",
                        "lastTransitionTime": self.created,
                    }
                ],
            }
        return obj


Entry = dict[str, Any] | tuple[Generator, int]


def entry_metadata(entry: Entry) -> dict[str, Any]:
    """Metadata of a stored object or of a generated one."""
    if isinstance(entry, tuple):
        return entry[0].metadata(entry[1])
    md: dict[str, Any] = entry["metadata"]
    return md


def entry_object(entry: Entry, api_version: str) -> dict[str, Any]:
    """The object as served at ``api_version`` (only ``apiVersion`` changes: no conversion)."""
    if isinstance(entry, tuple):
        return entry[0].item(entry[1], api_version)
    if entry.get("apiVersion") == api_version:
        return entry
    return {**entry, "apiVersion": api_version}


@dataclass(frozen=True)
class Snapshot:
    """An immutable, sorted view of one resource's objects; rebuilt only after changes."""

    keys: list[tuple[str, str]]  # (namespace, name), namespace "" when cluster-scoped
    entries: list[Entry]
    # Serialized stored objects by (index, apiVersion): CRDs are large and listed often. Valid
    # as long as the snapshot (stored dicts are replaced, never mutated).
    _json: dict[tuple[int, str], str] = field(default_factory=dict, compare=False)

    def object_json(self, index: int, api_version: str) -> str:
        """Entry ``index`` serialized as served at ``api_version``."""
        entry = self.entries[index]
        if isinstance(entry, tuple):
            return entry[0].item_json(entry[1], json.dumps(api_version))
        key = (index, api_version)
        text = self._json.get(key)
        if text is None:
            text = json.dumps(entry_object(entry, api_version), separators=(",", ":"))
            self._json[key] = text
        return text

    def metadata_json(self, index: int) -> str:
        """Entry ``index``'s metadata, serialized."""
        entry = self.entries[index]
        if isinstance(entry, tuple):
            return entry[0].metadata_json(entry[1])
        return json.dumps(entry["metadata"], separators=(",", ":"))


@dataclass
class Collection:
    """All objects of one group/resource, whatever version they were added at."""

    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    generators: list[Generator] = field(default_factory=list)
    removed: set[tuple[str, str]] = field(default_factory=set)  # deleted generated items
    snapshot: Snapshot | None = None

    def build(self) -> Snapshot:
        """Merge stored and generated objects, sorted by (namespace, name)."""
        if self.snapshot is None:
            merged: dict[tuple[str, str], Entry] = {}
            for gen in self.generators:
                for i in range(gen.count):
                    merged[gen.key(i)] = (gen, i)
            for key in self.removed:
                merged.pop(key, None)
            merged.update(self.objects)
            ordered = sorted(merged.items(), key=itemgetter(0))
            self.snapshot = Snapshot([k for k, _ in ordered], [e for _, e in ordered])
        return self.snapshot
