"""Drift rules for operator workloads: the pod-spec changes a platform team acts on.

Images (what runs), security posture (what it may do) and resources (what it costs) get rules
of their own; every other changed field of the stored workload is reported field by field. The
API server's defaults (``k8s.defaults``) are left out by ``leaves``, so a live Deployment
compared with the manifest it came from does not report ``dnsPolicy: ClusterFirst`` as drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from kubectl_datamodel import k8s, model
from kubectl_datamodel.drift import changes, matching
from kubectl_datamodel.drift.changes import Action, Change, Severity
from kubectl_datamodel.drift.leaves import Leaf
from kubectl_datamodel.drift.rules.shape import KindRules, globs
from kubectl_datamodel.k8s import defaults, quantities

JSON = dict[str, Any]
POD = defaults.POD

# Places the named rules report on, so the field-by-field remainder does not repeat them.
COVERED = globs(
    ".spec.replicas",
    *(f"{POD}.{flag}" for flag in ("hostNetwork", "hostPID", "hostIPC")),
    f"{POD}.securityContext.runAsNonRoot",
    *defaults.per_container(
        ".image",
        ".resources",
        ".securityContext.privileged",
        ".securityContext.allowPrivilegeEscalation",
        ".securityContext.runAsNonRoot",
        ".securityContext.readOnlyRootFilesystem",
        ".securityContext.capabilities.add",
    ),
)


@dataclasses.dataclass(frozen=True)
class _Operator:
    """An operator as its changes name it: ``Deployment cert-manager/cert-manager``."""

    subject: changes.Subject
    where: str

    @classmethod
    def of(cls, record: model.OperatorRecord) -> _Operator:
        return cls(changes.Subject("Operator", record.name, record.namespace), _workload(record))

    def change(
        self, rule: str, severity: Severity, path: str, old: Any, new: Any, text: str
    ) -> Change:
        """A spec rule's change, its message prefixed with the operator."""
        message = f"{self.where}: {text}"
        return self.subject.change(rule, severity, message, path=path, old=old, new=new)


def _workload(record: model.OperatorRecord) -> str:
    return f"{record.operator_type} {k8s.qualified(record.namespace, record.name)}"


def _same_but_unnamespaced(old: model.OperatorRecord, new: model.OperatorRecord) -> bool:
    """Manifests rendered for `kubectl apply -n NS` often carry no namespace at all."""
    return (old.operator_type, old.name) == (new.operator_type, new.name) and None in (
        old.namespace,
        new.namespace,
    )


def _presence(record: model.OperatorRecord, action: Action) -> Change:
    added = action is Action.ADDED
    crds = f"; it managed {', '.join(record.managed_crds)}" if record.managed_crds else ""
    message = f"{_workload(record)} {action.value}" + ("" if added else crds)
    return _Operator.of(record).subject.presence("operator", action, record.image, message)


def _columns(
    old: model.OperatorRecord, new: model.OperatorRecord, with_specs: bool
) -> list[Change]:
    """What the records say without reading specs: version, replicas, framework, links."""
    found = []
    op = _Operator.of(new)
    where = op.where
    if old.version != new.version:
        found.append(
            op.subject.change(
                "operator.version",
                Severity.INFO,
                f"{where}: version {_version(old)} → {_version(new)}",
                path="version",
                old=old.version,
                new=new.version,
            )
        )
    if old.replicas != new.replicas and None not in (old.replicas, new.replicas):
        severity = Severity.WARNING if new.replicas == 0 else Severity.INFO
        text = "scaled to zero" if new.replicas == 0 else "replicas changed"
        found.append(
            op.subject.change(
                "operator.replicas",
                severity,
                f"{where}: {text} ({old.replicas} → {new.replicas})",
                path=".spec.replicas",
                old=old.replicas,
                new=new.replicas,
            )
        )
    if old.framework != new.framework:
        found.append(
            op.subject.change(
                "operator.framework",
                Severity.INFO,
                f"{where}: now installed by {new.framework}",
                path="framework",
                old=old.framework,
                new=new.framework,
            )
        )
    for crd in sorted(set(old.managed_crds) ^ set(new.managed_crds)):
        gained = crd in new.managed_crds
        found.append(
            op.subject.change(
                "operator.managed-crds",
                Severity.INFO,
                f"{where} {'now manages' if gained else 'no longer manages'} {crd}",
                path=f"managed_crds[{crd}]",
                old=None if gained else crd,
                new=crd if gained else None,
            )
        )
    if not with_specs and old.images != new.images:
        found.append(
            op.subject.change(
                "operator.image",
                Severity.INFO,
                f"{where}: images changed",
                path="images",
                old=list(old.images),
                new=list(new.images),
            )
        )
    return found


def _version(record: model.OperatorRecord) -> str:
    return changes.shown(record.version, absent="unknown")  # neither labels nor a tag told


def _named(op: _Operator, old: JSON, new: JSON) -> list[Change]:
    """Image, security-posture and resource changes between two workload objects."""
    old_containers, new_containers = _containers(old), _containers(new)
    found = []
    for path in sorted(old_containers.keys() & new_containers.keys()):
        before, after = old_containers[path], new_containers[path]
        if before.get("image") != after.get("image"):
            found.append(
                op.change(
                    "operator.image",
                    Severity.INFO,
                    f"{path}.image",
                    before.get("image"),
                    after.get("image"),
                    changes.went("image", before.get("image"), after.get("image")),
                )
            )
        found += _resources(op, path, before.get("resources"), after.get("resources"))
    found += _posture_changes(op, _posture(old, old_containers), _posture(new, new_containers))
    return found


def _containers(obj: JSON) -> dict[str, JSON]:
    """Containers by path (``.spec.template.spec.containers[manager]``)."""
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    found = {}
    for field in defaults.CONTAINER_LISTS:
        for container in pod.get(field) or ():
            if isinstance(container, dict) and container.get("name"):
                found[f"{defaults.POD}.{field}[{container['name']}]"] = container
    return found


def _resources(op: _Operator, container: str, old: Any, new: Any) -> list[Change]:
    before, after = dict(_flatten(old or {})), dict(_flatten(new or {}))
    return [
        op.change(
            "operator.resources",
            Severity.INFO,
            f"{container}.resources.{key}",
            before.get(key),
            after.get(key),
            changes.went(key, before.get(key), after.get(key)),
        )
        for key in sorted(before.keys() | after.keys())
        if quantities.canonical(before.get(key)) != quantities.canonical(after.get(key))
    ]


def _flatten(resources: JSON) -> Iterator[tuple[str, Any]]:
    for kind in ("requests", "limits"):
        for name, value in (resources.get(kind) or {}).items():
            yield f"{kind}.{name}", str(value)


# -- security posture -------------------------------------------------------------------------

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
        (f"{defaults.POD}.{flag}", flag): pod.get(flag)
        for flag in ("hostNetwork", "hostPID", "hostIPC")
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


def _posture_changes(op: _Operator, old: Posture, new: Posture) -> list[Change]:
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
            op.change(
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


def _specs(_old: Any, old_spec: JSON, new: model.OperatorRecord, new_spec: JSON) -> list[Change]:
    return _named(_Operator.of(new), old_spec, new_spec)


def _fields(new: model.OperatorRecord, found: Sequence[Leaf]) -> list[Change]:
    subject = _Operator.of(new).subject
    return [
        subject.change(
            "operator.spec",
            Severity.INFO,
            f"{leaf.path} {Action.between(leaf.old, leaf.new).value}",
            path=leaf.path,
            old=leaf.old,
            new=leaf.new,
        )
        for leaf in found
    ]


RULES = KindRules(
    pairings=(
        matching.Key(lambda r: (r.namespace, r.operator_type, r.name)),
        matching.Related(_same_but_unnamespaced),
    ),
    presence=_presence,
    columns=_columns,
    specs=_specs,
    fields=_fields,
    covered=COVERED,
)
