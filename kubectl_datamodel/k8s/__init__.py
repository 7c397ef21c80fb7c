"""Kubernetes knowledge that needs no client: helpers over objects as the API returns them
(plain dicts), and beside them ``paths`` (places in an object), ``quantities`` (resource
amounts by value), ``defaults`` (what the API server fills in) and ``kubeconfig`` (which
context is current).

Standard library and our model only; capture, drift and the analyses all read objects through
these, so what an object is, the versions a CRD defines and the images a workload runs are
decided in one place."""

from __future__ import annotations

from typing import Any

from kubectl_datamodel import model

JSON = dict[str, Any]

CRD_KIND = "CustomResourceDefinition"
CSV_KIND = "ClusterServiceVersion"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
GENERIC_MANAGERS = ("kubectl", "kube-controller-manager", "helm", "argocd")


def qualified(namespace: str | None, name: str) -> str:
    """``namespace/name``, or the bare name of a cluster-scoped object."""
    return f"{namespace}/{name}" if namespace else name


def group_of(obj: JSON) -> str:
    """The API group of an object ('' for the core group)."""
    api_version = obj.get("apiVersion") or ""
    return api_version.rpartition("/")[0]


def is_crd(obj: JSON) -> bool:
    return obj.get("kind") == CRD_KIND and group_of(obj) == "apiextensions.k8s.io"


def is_csv(obj: JSON) -> bool:
    return obj.get("kind") == CSV_KIND and group_of(obj) == "operators.coreos.com"


def is_copied_csv(obj: JSON) -> bool:
    """OLM copies a CSV into every namespace its OperatorGroup targets; one real CSV is enough."""
    return "olm.copiedFrom" in (obj.get("metadata", {}).get("labels") or {})


def is_workload(obj: JSON) -> bool:
    return obj.get("kind") in WORKLOAD_KINDS and group_of(obj) in ("apps", "extensions")


def crd_versions(spec: JSON) -> tuple[model.CrdVersion, ...]:
    """Versions of a CRD, reading both apiextensions v1 and the older v1beta1 shape."""
    return tuple(
        model.CrdVersion(
            name=str(v.get("name")),
            served=bool(v.get("served", True)),
            storage=bool(v.get("storage", False)),
            deprecated=bool(v.get("deprecated", False)),
        )
        for v in version_entries(spec)
    )


def version_entries(spec: JSON) -> list[JSON]:
    """A CRD's ``spec.versions`` entries; v1beta1's single top-level version becomes one."""
    versions = spec.get("versions")
    if not versions and spec.get("version"):
        versions = [{"name": spec["version"], "served": True, "storage": True}]
    return [v for v in versions or () if isinstance(v, dict)]


def csv_deployment_names(obj: JSON) -> list[str]:
    """Names of the Deployments a CSV's install strategy tells OLM to create."""
    try:
        deployments = obj["spec"]["install"]["spec"]["deployments"]
    except (KeyError, TypeError):
        return []
    return [d["name"] for d in deployments or () if isinstance(d, dict) and d.get("name")]


def pod_images(obj: JSON) -> tuple[str, ...]:
    """Images of a workload's containers, in order, init containers excluded."""
    pod_spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return tuple(c["image"] for c in pod_spec.get("containers") or () if c.get("image"))


def image_tag(image: str) -> str | None:
    """The tag of an image reference (None when pinned by digest only or untagged)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def replica_counts(obj: JSON) -> tuple[int | None, int | None]:
    """Desired and ready replicas; ready is unknown (None) when the object has no status."""
    spec = obj.get("spec") or {}
    status = obj.get("status")
    if obj.get("kind") == "DaemonSet":
        if not isinstance(status, dict):
            return None, None
        return status.get("desiredNumberScheduled"), status.get("numberReady", 0)
    desired = spec.get("replicas")
    if desired is None:  # the API server defaults an absent or null replicas to 1
        desired = 1
    ready = status.get("readyReplicas", 0) if isinstance(status, dict) else None
    return desired, ready


def conversion_service(crd: JSON) -> tuple[str, str] | None:
    """(namespace, name) of the Service a CRD's conversion webhook calls, if it has one."""
    conversion = (crd.get("spec") or {}).get("conversion") or {}
    if conversion.get("strategy") != "Webhook":
        return None
    client_config = (conversion.get("webhook") or {}).get("clientConfig") or {}
    service = client_config.get("service") or {}
    if not service.get("name"):
        return None
    return (str(service.get("namespace") or "default"), str(service["name"]))


def status_manager(metadata: JSON) -> str | None:
    """The field manager that wrote a custom resource's status subresource: the controller
    reconciling it. Managers that write for everyone (kubectl, Helm, Argo CD) say nothing."""
    for entry in metadata.get("managedFields") or ():
        if not isinstance(entry, dict) or entry.get("subresource") != "status":
            continue
        manager = str(entry.get("manager") or "")
        if manager and not manager.startswith(GENERIC_MANAGERS):
            return manager
    return None
