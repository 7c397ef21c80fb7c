"""What every source hands over (an Inventory of raw objects), and one Snapshot built from it.

The seam between sources and everything else. A source (``files``, or ``live`` over the
Kubernetes API) only has to fill an Inventory; records, operator linking and normalization are
shared, so both sources produce identical records for identical objects.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from kubectl_datamodel import k8s, model
from kubectl_datamodel.capture import build, helm, includes, operators
from kubectl_datamodel.options import CaptureOptions

JSON = dict[str, Any]


class Progress(Protocol):
    """What a source reports as it goes; the CLI draws it, or not."""

    def planned(self, total: int) -> None: ...

    def advance(self, description: str) -> None: ...


@dataclasses.dataclass
class Inventory:
    """Raw objects of the kinds a snapshot is built from.

    ``instance_counts`` maps a CRD name to how many custom resources it has; a CRD missing from
    it has an unknown count (None), which is not the same as zero. ``status_managers`` maps a CRD
    name to the field manager seen writing its resources' status; ``services`` holds the Services
    that CRD conversion webhooks point at. Both are operator evidence. The rest hold the kinds
    captured on request (`--include`): ``resources`` maps a GROUP/VERSION/Kind pattern to its
    objects; ``helm_storage`` holds Helm's release objects, their payload already dropped.
    """

    crds: list[JSON] = dataclasses.field(default_factory=list)
    workloads: list[JSON] = dataclasses.field(default_factory=list)
    csvs: list[JSON] = dataclasses.field(default_factory=list)
    services: list[JSON] = dataclasses.field(default_factory=list)
    instance_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    status_managers: dict[str, str] = dataclasses.field(default_factory=dict)
    namespaces: list[JSON] = dataclasses.field(default_factory=list)
    resource_quotas: list[JSON] = dataclasses.field(default_factory=list)
    limit_ranges: list[JSON] = dataclasses.field(default_factory=list)
    nodes: list[JSON] = dataclasses.field(default_factory=list)
    helm_storage: list[JSON] = dataclasses.field(default_factory=list)
    helm_installed: list[JSON] = dataclasses.field(default_factory=list)
    resources: dict[str, list[JSON]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class CaptureResult:
    snapshot: model.Snapshot
    warnings: list[str]


def inventory_of(objects: Iterable[JSON], components: Sequence[str] = ()) -> Inventory:
    """Sort objects into an Inventory, counting the custom resources found among them.

    Only CRDs that have at least one instance in the input get a count: manifests rarely hold
    custom resources, and "none in these files" does not mean "none in the cluster".
    """
    inventory = Inventory()
    patterns = includes.patterns_of(components)
    inventory.resources = {p.pattern: [] for p in patterns}
    others = []
    for obj in objects:
        _sort_requested(inventory, obj, patterns)
        if k8s.is_crd(obj):
            inventory.crds.append(obj)
        elif k8s.is_workload(obj):
            inventory.workloads.append(obj)
        elif k8s.is_csv(obj):
            if not k8s.is_copied_csv(obj):
                inventory.csvs.append(obj)
        elif obj.get("kind") == "Service" and obj.get("apiVersion") == "v1":
            inventory.services.append(obj)
        else:
            others.append(obj)
    crd_by_type = {
        (obj["spec"].get("group"), obj["spec"].get("names", {}).get("kind")): obj["metadata"][
            "name"
        ]
        for obj in inventory.crds
        if isinstance(obj.get("spec"), dict)
    }
    for obj in [*others, *inventory.csvs]:
        crd_name = crd_by_type.get((k8s.group_of(obj), obj.get("kind")))
        if crd_name is not None:
            inventory.instance_counts[crd_name] = inventory.instance_counts.get(crd_name, 0) + 1
            manager = k8s.status_manager(obj.get("metadata") or {})
            if manager and crd_name not in inventory.status_managers:
                inventory.status_managers[crd_name] = manager
    return inventory


def _sort_requested(
    inventory: Inventory, obj: JSON, patterns: Sequence[includes.ResourceKind]
) -> None:
    """File the kinds only `--include` asks for; each may also be one of the kinds above."""
    kind = obj.get("kind") if obj.get("apiVersion") == "v1" else None
    if kind == "Namespace":
        inventory.namespaces.append(obj)
    elif kind == "ResourceQuota":
        inventory.resource_quotas.append(obj)
    elif kind == "LimitRange":
        inventory.limit_ranges.append(obj)
    elif kind == "Node":
        inventory.nodes.append(obj)
    elif helm.is_release_storage(obj):
        inventory.helm_storage.append(helm.storage_metadata(obj))
    if helm.release_of(obj) is not None:
        inventory.helm_installed.append(obj)
    for pattern in patterns:
        if pattern.matches(obj):
            inventory.resources[pattern.pattern].append(obj)


def assemble(
    inventory: Inventory,
    options: CaptureOptions,
    *,
    context: str,
    cluster_info: model.ClusterInfo,
    warnings: Iterable[str] = (),
    partial: Iterable[str] = (),
) -> model.Snapshot:
    """Build the Snapshot's records from an Inventory, whichever source filled it.
    ``partial``: what the source could not read in full; of it, the snapshot keeps the
    components it captured, in their order."""
    crds = sorted(
        (
            build.crd_record(o, inventory.instance_counts.get(o["metadata"]["name"]))
            for o in inventory.crds
        ),
        key=lambda c: c.name,
    )
    wanted = set(options.components)
    components = (
        *(c for c in model.COMPONENTS if c in wanted),
        *(c for c in options.components if c not in model.COMPONENTS),
    )
    kept_out = set(partial)
    return model.Snapshot(
        cluster_context=context,
        timestamp=now(),
        cluster_info=cluster_info,
        components=components,
        namespace_filter=options.namespace,
        notes=options.notes,
        warnings=tuple(warnings),
        partial=tuple(c for c in components if c in kept_out),
        crds=tuple(crds) if "crds" in wanted else (),
        operators=(
            tuple(
                operators.detect(
                    inventory.workloads,
                    crds,
                    inventory.csvs,
                    services=inventory.services,
                    status_managers=inventory.status_managers,
                )
            )
            if "operators" in wanted
            else ()
        ),
        csvs=(
            tuple(sorted((build.csv_record(o) for o in inventory.csvs), key=_csv_key))
            if "olm" in wanted
            else ()
        ),
        **_requested_records(inventory, options),
    )


def _requested_records(inventory: Inventory, options: CaptureOptions) -> dict[str, tuple[Any, ...]]:
    """The records of the kinds `--include` asked for, each sorted by identity."""
    wanted = set(options.components)
    found: dict[str, tuple[Any, ...]] = {}
    if "namespaces" in wanted:
        found["namespaces"] = _namespaces(inventory, options.namespace)
    if "nodes" in wanted:
        found["nodes"] = tuple(
            sorted(map(build.node_record, inventory.nodes), key=lambda n: n.name)
        )
    if "helm" in wanted:
        found["helm_releases"] = tuple(
            helm.releases(inventory.helm_storage, inventory.helm_installed)
        )
    resources = [
        build.resource_record(obj, pattern.metadata_only)
        for pattern in includes.patterns_of(options.components)
        for obj in inventory.resources.get(pattern.pattern, ())
    ]
    found["resources"] = tuple(sorted(resources, key=_resource_key))
    return found


def _namespaces(inventory: Inventory, only: str | None) -> tuple[model.NamespaceRecord, ...]:
    def in_namespace(objects: list[JSON], name: str) -> list[JSON]:
        return [o for o in objects if (o.get("metadata") or {}).get("namespace") == name]

    return tuple(
        sorted(
            (
                build.namespace_record(
                    ns,
                    in_namespace(inventory.resource_quotas, ns["metadata"]["name"]),
                    in_namespace(inventory.limit_ranges, ns["metadata"]["name"]),
                )
                for ns in inventory.namespaces
                if only is None or ns["metadata"]["name"] == only
            ),
            key=lambda n: n.name,
        )
    )


def _resource_key(record: model.ResourceRecord) -> tuple[str, str, str]:
    return (record.pattern, record.namespace or "", record.name)


def now() -> str:
    """Capture time, UTC, to the second, in the form the database sorts by."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_key(csv: model.CsvRecord) -> tuple[str, str]:
    return (csv.namespace or "", csv.name)
