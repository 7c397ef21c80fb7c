"""Capture: from a source's raw objects to one Snapshot.

The seam between sources and everything else. A source (manifest files here; the Kubernetes API
in ``kube.py``) only has to supply an Inventory of raw objects; records, operator linking and
normalization are shared, so both sources produce identical records for identical objects.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubectl_datamodel import manifests, model, operators, records
from kubectl_datamodel.options import CaptureOptions

if TYPE_CHECKING:
    from kubectl_datamodel import live

JSON = dict[str, Any]


@dataclasses.dataclass
class Inventory:
    """Raw objects of the kinds a snapshot is built from.

    ``instance_counts`` maps a CRD name to how many custom resources it has; a CRD missing from
    it has an unknown count (None), which is not the same as zero. ``status_managers`` maps a CRD
    name to the field manager seen writing its resources' status; ``services`` holds the Services
    that CRD conversion webhooks point at. Both are operator evidence.
    """

    crds: list[JSON] = dataclasses.field(default_factory=list)
    workloads: list[JSON] = dataclasses.field(default_factory=list)
    csvs: list[JSON] = dataclasses.field(default_factory=list)
    services: list[JSON] = dataclasses.field(default_factory=list)
    instance_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    status_managers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class CaptureResult:
    snapshot: model.Snapshot
    warnings: list[str]


def capture(options: CaptureOptions, progress: live.Progress | None = None) -> CaptureResult:
    """Capture from manifest files when given any, else from the kubeconfig's cluster."""
    if options.offline:
        return capture_manifests(options)
    from kubectl_datamodel import live  # loads the kubernetes client: only for live capture

    return live.capture_live(options, progress)


def capture_manifests(options: CaptureOptions) -> CaptureResult:
    """Capture from manifest files: the offline source."""
    found = manifests.read(options.from_dirs, options.from_files)
    objects = [s.obj for s in found.objects if _in_namespace(s.obj, options.namespace)]
    inputs = tuple(str(p) for p in (*options.from_dirs, *options.from_files))
    snapshot = assemble(
        inventory_of(objects),
        options,
        context=options.context or _input_name(options),
        cluster_info=model.ClusterInfo(source="manifests", inputs=inputs),
        warnings=found.warnings,
    )
    return CaptureResult(snapshot=snapshot, warnings=found.warnings)


def inventory_of(objects: Iterable[JSON]) -> Inventory:
    """Sort objects into an Inventory, counting the custom resources found among them.

    Only CRDs that have at least one instance in the input get a count: manifests rarely hold
    custom resources, and "none in these files" does not mean "none in the cluster".
    """
    inventory = Inventory()
    others = []
    for obj in objects:
        if records.is_crd(obj):
            inventory.crds.append(obj)
        elif records.is_workload(obj):
            inventory.workloads.append(obj)
        elif records.is_csv(obj):
            if not records.is_copied_csv(obj):
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
        crd_name = crd_by_type.get((records.group_of(obj), obj.get("kind")))
        if crd_name is not None:
            inventory.instance_counts[crd_name] = inventory.instance_counts.get(crd_name, 0) + 1
            manager = records.status_manager(obj.get("metadata") or {})
            if manager and crd_name not in inventory.status_managers:
                inventory.status_managers[crd_name] = manager
    return inventory


def assemble(
    inventory: Inventory,
    options: CaptureOptions,
    *,
    context: str,
    cluster_info: model.ClusterInfo,
    warnings: Iterable[str] = (),
) -> model.Snapshot:
    """Build the Snapshot's records from an Inventory, whichever source filled it."""
    crds = sorted(
        (
            records.crd_record(o, inventory.instance_counts.get(o["metadata"]["name"]))
            for o in inventory.crds
        ),
        key=lambda c: c.name,
    )
    wanted = set(options.components)
    return model.Snapshot(
        cluster_context=context,
        timestamp=now(),
        cluster_info=cluster_info,
        components=tuple(c for c in model.COMPONENTS if c in wanted),
        namespace_filter=options.namespace,
        notes=options.notes,
        warnings=tuple(warnings),
        crds=tuple(crds) if "crds" in wanted else (),
        operators=(
            tuple(
                operators.build(
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
            tuple(sorted((records.csv_record(o) for o in inventory.csvs), key=_csv_key))
            if "olm" in wanted
            else ()
        ),
    )


def now() -> str:
    """Capture time, UTC, to the second, in the form the database sorts by."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_key(csv: model.CsvRecord) -> tuple[str, str]:
    return (csv.namespace or "", csv.name)


def _in_namespace(obj: JSON, namespace: str | None) -> bool:
    """Whether an object is in scope of ``-n``. Objects without a namespace are kept: they are
    cluster-scoped, or land in whatever namespace they are applied to."""
    if namespace is None:
        return True
    own = (obj.get("metadata") or {}).get("namespace")
    return own is None or own == namespace


def _input_name(options: CaptureOptions) -> str:
    first = (options.from_dirs or tuple(p.parent for p in options.from_files))[0]
    return Path(first).resolve().name or "manifests"
