"""Operator workloads compared: the pod-spec changes a platform team acts on.

Images (what runs), security posture (what it may do) and resources (what it costs) get rules
of their own; ``drift.py`` reports whatever else changed field by field. ``DEFAULTS`` lists the
values the API server fills in, so a live Deployment compared with the manifest it came from
does not report ``dnsPolicy: ClusterFirst`` as drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from kubectl_datamodel import paths, quantities
from kubectl_datamodel.changes import Severity

JSON = dict[str, Any]
POD = ".spec.template.spec"
CONTAINER_LISTS = ("containers", "initContainers")


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    old: Any
    new: Any
    message: str


def _globs(*texts: str) -> tuple[paths.Glob, ...]:
    return tuple(paths.Glob.parse(t) for t in texts)


def _per_container(*tails: str) -> list[str]:
    return [f"{POD}.{field}[*]{tail}" for field in CONTAINER_LISTS for tail in tails]


# Places the rules below report on, so the field-by-field remainder does not repeat them.
COVERED = _globs(
    ".spec.replicas",
    *(f"{POD}.{flag}" for flag in ("hostNetwork", "hostPID", "hostIPC")),
    f"{POD}.securityContext.runAsNonRoot",
    *_per_container(
        ".image",
        ".resources",
        ".securityContext.privileged",
        ".securityContext.allowPrivilegeEscalation",
        ".securityContext.runAsNonRoot",
        ".securityContext.readOnlyRootFilesystem",
        ".securityContext.capabilities.add",
    ),
)

_PROBE_DEFAULTS = {
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
_ROLLING = {"maxSurge": "25%", "maxUnavailable": "25%"}

# Fields the API server defaults: (place, the values it writes).
DEFAULTS: tuple[tuple[paths.Glob, tuple[Any, ...]], ...] = tuple(
    (paths.Glob.parse(path), values)
    for path, values in [
        (".spec.replicas", (1,)),
        (".spec.revisionHistoryLimit", (10,)),
        (".spec.progressDeadlineSeconds", (600,)),
        (".spec.strategy", ({"type": "RollingUpdate", "rollingUpdate": _ROLLING},)),
        (".spec.strategy.rollingUpdate", (_ROLLING,)),
        (".spec.podManagementPolicy", ("OrderedReady",)),
        (
            ".spec.updateStrategy",
            (
                {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            ),
        ),
        (f"{POD}.dnsPolicy", ("ClusterFirst",)),
        (f"{POD}.restartPolicy", ("Always",)),
        (f"{POD}.schedulerName", ("default-scheduler",)),
        (f"{POD}.securityContext", ({},)),
        (f"{POD}.terminationGracePeriodSeconds", (30,)),
        (f"{POD}.volumes[*].configMap.defaultMode", (420,)),
        (f"{POD}.volumes[*].secret.defaultMode", (420,)),
        *((p, ("/dev/termination-log",)) for p in _per_container(".terminationMessagePath")),
        *((p, ("File",)) for p in _per_container(".terminationMessagePolicy")),
        *((p, ("IfNotPresent", "Always")) for p in _per_container(".imagePullPolicy")),
        *((p, ({},)) for p in _per_container(".resources")),
        *((p, ("TCP",)) for p in _per_container(".ports[*].protocol")),
        *((p, ("v1",)) for p in _per_container(".env[*].valueFrom.fieldRef.apiVersion")),
        *(
            (p, (value,))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe")
            for field, value in _PROBE_DEFAULTS.items()
            for p in _per_container(f".{probe}.{field}")
        ),
        *(
            (p, ("HTTP",))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe")
            for p in _per_container(f".{probe}.httpGet.scheme")
        ),
    ]
)


def compare(old: JSON, new: JSON) -> list[Finding]:
    """Image, security-posture and resource changes between two workload objects."""
    old_containers, new_containers = _containers(old), _containers(new)
    found = []
    for path in sorted(old_containers.keys() & new_containers.keys()):
        before, after = old_containers[path], new_containers[path]
        if before.get("image") != after.get("image"):
            found.append(
                Finding(
                    "operator.image",
                    Severity.INFO,
                    f"{path}.image",
                    before.get("image"),
                    after.get("image"),
                    f"image {before.get('image')} → {after.get('image')}",
                )
            )
        found += _resources(path, before.get("resources"), after.get("resources"))
    found += _posture_changes(_posture(old, old_containers), _posture(new, new_containers))
    return found


def _containers(obj: JSON) -> dict[str, JSON]:
    """Containers by path (``.spec.template.spec.containers[manager]``)."""
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    found = {}
    for field in CONTAINER_LISTS:
        for container in pod.get(field) or ():
            if isinstance(container, dict) and container.get("name"):
                found[f"{POD}.{field}[{container['name']}]"] = container
    return found


def _resources(container: str, old: Any, new: Any) -> list[Finding]:
    before, after = dict(_flatten(old or {})), dict(_flatten(new or {}))
    return [
        Finding(
            "operator.resources",
            Severity.INFO,
            f"{container}.resources.{key}",
            before.get(key),
            after.get(key),
            f"{key} {before.get(key) or '-'} → {after.get(key) or '-'}",
        )
        for key in sorted(before.keys() | after.keys())
        if quantities.canonical(before.get(key)) != quantities.canonical(after.get(key))
    ]


def _flatten(resources: JSON) -> Iterator[tuple[str, Any]]:
    for kind in ("requests", "limits"):
        for name, value in (resources.get(kind) or {}).items():
            yield f"{kind}.{name}", str(value)


# -- security posture ---------------------------------------------------------------------------

Posture = dict[tuple[str, str], Any]  # (place, fact) -> value

# fact -> (the value Kubernetes assumes when unset, whether a value is the riskier one)
_FACTS: dict[str, tuple[Any, Any]] = {
    "hostNetwork": (False, lambda v: v is True),
    "hostPID": (False, lambda v: v is True),
    "hostIPC": (False, lambda v: v is True),
    "privileged": (False, lambda v: v is True),
    "allowPrivilegeEscalation": (True, lambda v: v is not False),
    "runAsNonRoot": (False, lambda v: v is not True),
    "readOnlyRootFilesystem": (False, lambda v: v is not True),
    "capability": (False, lambda v: v is True),
}


def _posture(obj: JSON, containers: dict[str, JSON]) -> Posture:
    """Security facts by (place, fact); a container's runAsNonRoot falls back to the pod's."""
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    pod_context = pod.get("securityContext") or {}
    facts: Posture = {
        (f"{POD}.{flag}", flag): pod.get(flag) for flag in ("hostNetwork", "hostPID", "hostIPC")
    }
    for path, container in containers.items():
        context = container.get("securityContext") or {}
        where = f"{path}.securityContext"
        for fact in ("privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem"):
            facts[(f"{where}.{fact}", fact)] = context.get(fact)
        run_as_non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        facts[(f"{where}.runAsNonRoot", "runAsNonRoot")] = run_as_non_root
        for capability in (context.get("capabilities") or {}).get("add") or ():
            facts[(f"{where}.capabilities.add[{capability}]", "capability")] = True
    return facts


def _posture_changes(old: Posture, new: Posture) -> list[Finding]:
    found = []
    for place, fact in sorted(old.keys() | new.keys()):
        default, risky = _FACTS[fact]
        before = old.get((place, fact))
        after = new.get((place, fact))
        before = default if before is None else before
        after = default if after is None else after
        if before == after:
            continue
        worse = risky(after) and not risky(before)
        found.append(
            Finding(
                "operator.security",
                Severity.WARNING if worse else Severity.INFO,
                place,
                old.get((place, fact)),
                new.get((place, fact)),
                f"{'weaker' if worse else 'stronger'} security: {_describe(place, fact, after)}",
            )
        )
    return found


def _describe(place: str, fact: str, value: Any) -> str:
    if fact == "capability":
        capability = place.rsplit("[", 1)[-1].rstrip("]")
        return f"capability {capability} {'added' if value else 'dropped'}"
    return f"{fact} {'true' if value else 'false'} at {place}"
