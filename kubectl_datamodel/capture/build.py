"""Raw Kubernetes objects turned into normalized records, one builder per kind.

Pure functions over plain dicts: the same code serves manifest files and a live API server.
Operators need cross-object evidence and are built in ``operators``.
"""

from __future__ import annotations

from typing import Any

from kubectl_datamodel import k8s, model
from kubectl_datamodel.capture import normalize

JSON = dict[str, Any]


def crd_record(obj: JSON, instance_count: int | None) -> model.CrdRecord:
    metadata = obj["metadata"]
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    kind = names.get("kind") or ""
    stored = normalize.normalize(obj)
    return model.CrdRecord(
        name=metadata["name"],
        group=spec.get("group") or "",
        kind=kind,
        plural=names.get("plural") or "",
        singular=names.get("singular") or kind.lower(),
        scope=spec.get("scope") or "Namespaced",
        versions=k8s.crd_versions(spec),
        labels=dict(metadata.get("labels") or {}),
        annotations=_annotations(stored),
        creation_timestamp=_timestamp(metadata),
        instance_count=instance_count,
        spec=stored,
    )


def csv_record(obj: JSON) -> model.CsvRecord:
    """The columns come from the CSV as stored: its description and annotations are
    scrubbed of credentials like the rest of it."""
    metadata = obj["metadata"]
    stored = normalize.normalize(obj)
    spec = stored.get("spec") or {}
    crds = spec.get("customresourcedefinitions") or {}
    return model.CsvRecord(
        name=metadata["name"],
        namespace=metadata.get("namespace"),
        display_name=spec.get("displayName"),
        version=_str_or_none(spec.get("version")),
        phase=(obj.get("status") or {}).get("phase"),
        description=_csv_description(stored["metadata"], spec),
        provider=(spec.get("provider") or {}).get("name"),
        owned_crds=_crd_names(crds.get("owned")),
        required_crds=_crd_names(crds.get("required")),
        replaces=spec.get("replaces"),
        skips=tuple(str(s) for s in spec.get("skips") or ()),
        creation_timestamp=_timestamp(metadata),
        spec=stored,
    )


def _crd_names(entries: Any) -> tuple[str, ...]:
    return tuple(
        sorted({e["name"] for e in entries or () if isinstance(e, dict) and e.get("name")})
    )


def _csv_description(metadata: JSON, spec: JSON) -> str | None:
    """The one-line description: OLM's `description` annotation, else the first line of the
    long Markdown `spec.description`."""
    short = (metadata.get("annotations") or {}).get("description")
    if short:
        return str(short).strip()
    for line in str(spec.get("description") or "").splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return None


def _annotations(stored: JSON) -> dict[str, str]:
    """The annotations of an object as normalized: noise dropped, credentials replaced."""
    return dict((stored.get("metadata") or {}).get("annotations") or {})


def _timestamp(metadata: JSON) -> str | None:
    value = metadata.get("creationTimestamp")
    return None if value is None else str(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# -- kinds captured on request (`snapshot --include`) -------------------------------------------

# Set by the API server (1.21+) on every namespace, always to its name: says nothing.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# Node facts that change on every boot and describe no configuration.
_VOLATILE_NODE_INFO = ("bootID", "machineID", "systemUUID")


def namespace_record(
    obj: JSON, quotas: list[JSON], limit_ranges: list[JSON]
) -> model.NamespaceRecord:
    """A namespace and the ResourceQuotas and LimitRanges in it, as one record: quotas and
    limits are what a platform team sets per namespace, and drift reads them together."""
    metadata = obj["metadata"]
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k != NAMESPACE_NAME_LABEL}
    annotations = _annotations(normalize.normalize(obj))
    quota_specs = {q["metadata"]["name"]: _spec_of(q) for q in quotas}
    limit_specs = {r["metadata"]["name"]: _spec_of(r) for r in limit_ranges}
    return model.NamespaceRecord(
        name=metadata["name"],
        phase=(obj.get("status") or {}).get("phase"),
        labels=labels,
        annotations=annotations,
        quotas={name: dict(spec.get("hard") or {}) for name, spec in quota_specs.items()},
        limit_ranges={name: list(spec.get("limits") or ()) for name, spec in limit_specs.items()},
        creation_timestamp=_timestamp(metadata),
        spec={
            "metadata": {"labels": labels, "annotations": annotations},
            "resourceQuotas": quota_specs,
            "limitRanges": limit_specs,
        },
    )


def _spec_of(obj: JSON) -> JSON:
    spec = normalize.normalize(obj).get("spec")
    return spec if isinstance(spec, dict) else {}


def node_record(obj: JSON) -> model.NodeRecord:
    metadata = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    info = status.get("nodeInfo") or {}
    taints = tuple(
        {k: v for k, v in t.items() if k != "timeAdded"}
        for t in spec.get("taints") or ()
        if isinstance(t, dict)
    )
    stored = normalize.normalize(obj)
    stored["spec"] = {**spec, "taints": list(taints)} if taints else spec
    stored["status"] = {
        "capacity": status.get("capacity") or {},
        "allocatable": status.get("allocatable") or {},
        "nodeInfo": {k: v for k, v in info.items() if k not in _VOLATILE_NODE_INFO},
    }
    return model.NodeRecord(
        name=metadata["name"],
        labels=dict(metadata.get("labels") or {}),
        taints=taints,
        capacity=dict(status.get("capacity") or {}),
        allocatable=dict(status.get("allocatable") or {}),
        conditions={
            str(c.get("type")): str(c.get("status"))
            for c in status.get("conditions") or ()
            if isinstance(c, dict) and c.get("type")
        },
        kubelet_version=info.get("kubeletVersion"),
        provider=provider_of(spec.get("providerID")),
        os_image=info.get("osImage"),
        architecture=info.get("architecture"),
        container_runtime=info.get("containerRuntimeVersion"),
        creation_timestamp=_timestamp(metadata),
        spec=stored,
    )


def provider_of(provider_id: Any) -> str | None:
    """The cloud provider a node's ``spec.providerID`` names: ``aws:///eu-west-1a/i-0ab`` is
    aws, ``kind://docker/kind/kind-control-plane`` is kind."""
    if not isinstance(provider_id, str) or "://" not in provider_id:
        return None
    return provider_id.split("://", 1)[0] or None


def resource_record(obj: JSON, metadata_only: bool) -> model.ResourceRecord:
    """An object of an `--include`d kind. ``metadata_only`` keeps nothing but metadata (a
    Secret's, whose data must never be stored; a live capture never even reads it). Every
    string in it is looked at for credentials: a ConfigMap's data may hold one."""
    stored = normalize.normalize(obj, scrub_all=True)
    if metadata_only:
        stored = {k: stored[k] for k in ("apiVersion", "kind", "metadata") if k in stored}
    metadata = obj["metadata"]
    return model.ResourceRecord(
        api_version=str(obj.get("apiVersion")),
        kind=str(obj.get("kind")),
        namespace=metadata.get("namespace"),
        name=metadata["name"],
        labels=dict(metadata.get("labels") or {}),
        creation_timestamp=_timestamp(metadata),
        spec=stored,
    )
