"""Normalization: what is dropped from an object before it is stored.

Two goals. Two captures of an unchanged cluster must give byte-identical specs, so fields the
API server rewrites on its own (resourceVersion, managedFields, ...) go. And nothing secret may
reach the database: a Secret's data never does, and neither does the literal value of an
environment variable whose name says it holds a credential. docs/schema.md lists every rule.

Objects are copied only along the paths that change; the rest (a CRD's schema can be megabytes)
is shared with the input, which is never modified.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

DROPPED_METADATA = ("managedFields", "resourceVersion", "uid", "generation", "selfLink")
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
SECRET_FIELDS = ("data", "stringData")
REDACTED = "<redacted>"

# Names of environment variables whose literal value is taken to be a credential.
_SECRET_ENV = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
_WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"}


def normalize(obj: JSON) -> JSON:
    """Return ``obj`` as stored: volatile and secret fields removed, everything else kept."""
    result = dict(obj)
    result["metadata"] = _metadata(obj.get("metadata") or {})
    kind = obj.get("kind")
    _keep_stable_status(result, kind)
    if kind == "Secret":
        for field in SECRET_FIELDS:
            result.pop(field, None)
    elif kind in _WORKLOAD_KINDS or kind == "CronJob":
        result["spec"] = _redact_workload_spec(obj.get("spec"), kind)
    elif kind == "ClusterServiceVersion":
        result["spec"] = _redact_csv_spec(obj.get("spec"))
    return result


def _keep_stable_status(result: JSON, kind: Any) -> None:
    """Drop ``status``, which controllers rewrite all the time (replica counts, condition
    timestamps); the parts worth keeping are recorded in their own columns. A CRD's
    ``storedVersions`` stays: it is what makes removing a version unsafe."""
    status = result.pop("status", None)
    if kind == "CustomResourceDefinition" and isinstance(status, dict):
        stored = status.get("storedVersions")
        if stored:
            result["status"] = {"storedVersions": stored}


def _metadata(metadata: JSON) -> JSON:
    result = {k: v for k, v in metadata.items() if k not in DROPPED_METADATA}
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        kept = {k: v for k, v in annotations.items() if k not in DROPPED_ANNOTATIONS}
        if kept:
            result["annotations"] = kept
        else:
            result.pop("annotations")
    return result


def _redact_workload_spec(spec: Any, kind: str | None) -> Any:
    if not isinstance(spec, dict):
        return spec
    if kind == "Pod":
        return _redact_pod_spec(spec)
    if kind == "CronJob":
        job = spec.get("jobTemplate")
        if isinstance(job, dict):
            return {
                **spec,
                "jobTemplate": {**job, "spec": _redact_workload_spec(job.get("spec"), "Job")},
            }
        return spec
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        return {**spec, "template": {**template, "spec": _redact_pod_spec(template["spec"])}}
    return spec


def _redact_csv_spec(spec: Any) -> Any:
    """A CSV embeds its operator's Deployments under spec.install.spec.deployments[].spec."""
    try:
        deployments = spec["install"]["spec"]["deployments"]
    except (KeyError, TypeError):
        return spec
    if not isinstance(deployments, list):
        return spec
    redacted = [
        {**d, "spec": _redact_workload_spec(d.get("spec"), "Deployment")}
        if isinstance(d, dict)
        else d
        for d in deployments
    ]
    install = spec["install"]
    return {**spec, "install": {**install, "spec": {**install["spec"], "deployments": redacted}}}


def _redact_pod_spec(pod_spec: JSON) -> JSON:
    result = dict(pod_spec)
    for field in ("containers", "initContainers", "ephemeralContainers"):
        containers = pod_spec.get(field)
        if isinstance(containers, list):
            result[field] = [_redact_container(c) for c in containers]
    return result


def _redact_container(container: Any) -> Any:
    if not isinstance(container, dict) or not isinstance(container.get("env"), list):
        return container
    return {**container, "env": [_redact_env(e) for e in container["env"]]}


def _redact_env(entry: Any) -> Any:
    if (
        isinstance(entry, dict)
        and "value" in entry
        and _SECRET_ENV.search(str(entry.get("name", "")))
    ):
        return {**entry, "value": REDACTED}
    return entry
