"""Normalization: what is dropped from an object before it is stored.

Two goals. Two captures of an unchanged cluster must give byte-identical specs, so fields the
API server rewrites on its own (resourceVersion, managedFields, ...) go. And nothing secret may
reach the database: a Secret's data never does, nor an annotation holding a copy of a Secret
(kapp keeps one), nor the literal value of an environment variable whose name says it holds a
credential; and every value that may hold one (annotations, environment values, container
arguments and commands, everything in a ClusterServiceVersion's spec and in an object of an
--include'd kind, ConfigMap data among them) is run past ``redact``, which finds credentials by
their value. docs/schema.md lists every rule.

Objects are copied only along the paths that change; the rest (a CRD's schema can be megabytes)
is shared with the input, which is never modified.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kubectl_datamodel import redaction
from kubectl_datamodel.capture import redact

JSON = dict[str, Any]

DROPPED_METADATA = ("managedFields", "resourceVersion", "uid", "generation", "selfLink")
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
SECRET_FIELDS = ("data", "stringData")

# Names of environment variables whose literal value is taken to be a credential, whatever
# it looks like.
_SECRET_ENV = re.compile(
    r"PASS(WORD|WD)?\b|PASS_|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I
)
_WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"}


def normalize(obj: JSON, *, scrub_all: bool = False) -> JSON:
    """Return ``obj`` as stored: volatile and secret fields removed, everything else kept.
    ``scrub_all``: every string in it may hold a credential (an object of an --include'd
    kind, such as a ConfigMap)."""
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
        result["spec"] = _scrubbed(_redact_csv_spec(obj.get("spec")))
    if scrub_all:
        result.update((k, _scrubbed(v, k)) for k, v in result.items() if k != "metadata")
    return result


def _scrubbed(value: Any, key: str | None = None) -> Any:
    """Every string in ``value`` past ``redact``, each with the key it sits under."""
    if isinstance(value, str):
        return value if redaction.MARK in value else redact.scrub(value, key)
    if isinstance(value, dict):
        return {k: _scrubbed(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, key) for v in value]
    return value


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
        kept = {
            k: _annotation(k, v) for k, v in annotations.items() if k not in DROPPED_ANNOTATIONS
        }
        if kept:
            result["annotations"] = kept
        else:
            result.pop("annotations")
    return result


def _annotation(key: str, value: Any) -> Any:
    """An annotation, its secrets replaced; one holding a whole Secret (kapp's
    ``kapp.k14s.io/original``, a copy of the object as applied) replaced whole."""
    if not isinstance(value, str) or redaction.MARK in value:
        return value
    if value.lstrip().startswith("{") and '"Secret"' in value:
        try:
            embedded = json.loads(value)
        except ValueError:
            embedded = None
        if isinstance(embedded, dict) and embedded.get("kind") == "Secret":
            return redaction.placeholder(value)
    return _scrubbed(value, key)


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
    """Environment values, arguments and the command: where a credential is handed to a
    program (``--db-password=...``, ``DATABASE_URL``)."""
    if not isinstance(container, dict):
        return container
    result = dict(container)
    if isinstance(container.get("env"), list):
        result["env"] = [_redact_env(e) for e in container["env"]]
    for field in ("args", "command"):
        if isinstance(container.get(field), list):
            result[field] = _scrubbed(container[field])
    return result


def _redact_env(entry: Any) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
        return entry
    name, value = str(entry.get("name", "")), entry["value"]
    if not value or redaction.MARK in value:  # nothing to hide, or hidden already
        return entry
    if _SECRET_ENV.search(name):
        return {**entry, "value": redaction.placeholder(value)}
    return {**entry, "value": _scrubbed(value, name)}
