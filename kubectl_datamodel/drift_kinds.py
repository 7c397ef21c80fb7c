"""Drift rules for the kinds captured on request: namespaces, nodes, Helm releases, and
objects of any GROUP/VERSION/Kind.

Each kind gets a ``KindRules``: how its records are matched, what their presence means, which
record fields carry named rules (a kubelet upgrade, a node going NotReady, a chart upgrade),
and how any other changed field of the stored spec is named. ``drift.py`` does the matching and
the field-level diff; this module only decides what a change is called and how much it matters.
Standard library only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from kubectl_datamodel import changes, model, paths, quantities
from kubectl_datamodel.changes import Action, Change, Severity

NOT_READY_EFFECT = "NoExecute"  # a taint that evicts what runs on the node
FAILED_HELM_STATES = ("failed", "pending-install", "pending-upgrade", "pending-rollback")


@dataclasses.dataclass(frozen=True)
class KindRules:
    """How one kind's records are compared. ``field`` is None for kinds whose stored spec
    holds nothing the record's own fields do not (Helm releases)."""

    identity: Callable[[Any], Any]
    presence: Callable[[Any, Action], Change]
    columns: Callable[[Any, Any], list[Change]]
    field: Callable[[Any, str, Any, Any], Change] | None
    covered: tuple[paths.Glob, ...] = ()


def _change(
    kind: str,
    record: Any,
    rule: str,
    severity: Severity,
    message: str,
    *,
    path: str,
    old: Any,
    new: Any,
    namespace: str | None = None,
) -> Change:
    """A change at ``path`` of one object: every rule here names where it found it."""
    return Change(
        kind=kind,
        name=record.name,
        namespace=namespace,
        rule=rule,
        severity=severity,
        action=Action.between(old, new),
        message=message,
        path=path,
        old=old,
        new=new,
    )


def _presence(
    kind: str,
    prefix: str,
    record: Any,
    action: Action,
    value: Any,
    *,
    subject: str | None = None,
    namespace: str | None = None,
    note: str = "",
) -> Change:
    """An object appearing (info) or disappearing (a warning: something may rely on it)."""
    added = action is Action.ADDED
    return Change(
        kind=kind,
        name=record.name,
        namespace=namespace,
        rule=f"{prefix}.{action.value}",
        severity=Severity.INFO if added else Severity.WARNING,
        action=action,
        message=f"{subject or f'{kind} {record.name}'} {action.value}{note}",
        old=None if added else value,
        new=value if added else None,
    )


# -- namespaces ---------------------------------------------------------------------------------


def _namespace_presence(record: model.NamespaceRecord, action: Action) -> Change:
    note = ", and everything in it" if action is Action.REMOVED else ""
    return _presence("Namespace", "namespace", record, action, record.name, note=note)


def _namespace_columns(old: model.NamespaceRecord, new: model.NamespaceRecord) -> list[Change]:
    if old.phase == new.phase or None in (old.phase, new.phase):
        return []
    severity = Severity.WARNING if new.phase == "Terminating" else Severity.INFO
    return [
        _change(
            "Namespace",
            new,
            "namespace.phase",
            severity,
            f"Namespace {new.name}: {old.phase} → {new.phase}",
            path="phase",
            old=old.phase,
            new=new.phase,
        )
    ]


def _namespace_field(record: model.NamespaceRecord, path: str, old: Any, new: Any) -> Change:
    """Quota and limit-range changes are named as such: they decide what fits in the namespace."""
    section = paths.split(path)[0] if path else ""
    rule, what = {
        ".resourceQuotas": ("namespace.quota", "quota"),
        ".limitRanges": ("namespace.limit-range", "limit range"),
    }.get(section, ("namespace.metadata", "metadata"))
    action = Action.between(old, new)
    return _change(
        "Namespace",
        record,
        rule,
        Severity.INFO,
        f"Namespace {record.name}: {what} {path} {action.value}",
        path=path,
        old=old,
        new=new,
    )


NAMESPACES = KindRules(
    identity=lambda r: r.name,
    presence=_namespace_presence,
    columns=_namespace_columns,
    field=_namespace_field,
)


# -- nodes --------------------------------------------------------------------------------------


def _node_presence(record: model.NodeRecord, action: Action) -> Change:
    note = f" ({record.kubelet_version})" if record.kubelet_version else ""
    return _presence("Node", "node", record, action, record.name, note=note)


def _node_columns(old: model.NodeRecord, new: model.NodeRecord) -> list[Change]:
    found = []
    if old.kubelet_version != new.kubelet_version:
        found.append(
            _change(
                "Node",
                new,
                "node.kubelet-version",
                Severity.INFO,
                f"Node {new.name}: kubelet {old.kubelet_version} → {new.kubelet_version}",
                path="kubelet_version",
                old=old.kubelet_version,
                new=new.kubelet_version,
            )
        )
    before, after = old.conditions.get("Ready"), new.conditions.get("Ready")
    if before != after and after is not None:
        found.append(
            _change(
                "Node",
                new,
                "node.ready",
                Severity.INFO if after == "True" else Severity.WARNING,
                f"Node {new.name}: Ready {before} → {after}",
                path="conditions.Ready",
                old=before,
                new=after,
            )
        )
    return found + _taints(old, new) + _resources(old, new)


def _resources(old: model.NodeRecord, new: model.NodeRecord) -> list[Change]:
    """Capacity and allocatable, compared by value (the kubelet may report 4 or 4000m)."""
    found = []
    for field in ("capacity", "allocatable"):
        before, after = getattr(old, field), getattr(new, field)
        for name in sorted(set(before) | set(after)):
            a, b = before.get(name), after.get(name)
            if quantities.canonical(a) == quantities.canonical(b):
                continue
            found.append(
                _change(
                    "Node",
                    new,
                    f"node.{field}",
                    Severity.INFO,
                    f"Node {new.name}: {field} {name} {a} → {b}",
                    path=f"{field}[{name}]",
                    old=a,
                    new=b,
                )
            )
    return found


def _taints(old: model.NodeRecord, new: model.NodeRecord) -> list[Change]:
    def keyed(record: model.NodeRecord) -> dict[str, dict[str, Any]]:
        return {f"{t.get('key')}:{t.get('effect')}": t for t in record.taints}

    before, after = keyed(old), keyed(new)
    found = []
    for key in sorted(set(before) ^ set(after)):
        taint = after.get(key) or before[key]
        added = key in after
        evicts = added and taint.get("effect") == NOT_READY_EFFECT
        found.append(
            _change(
                "Node",
                new,
                "node.taint",
                Severity.WARNING if evicts else Severity.INFO,
                f"Node {new.name}: taint {key} {'added' if added else 'removed'}"
                + (" (evicts pods that do not tolerate it)" if evicts else ""),
                path=f"taints[{key}]",
                old=None if added else taint,
                new=taint if added else None,
            )
        )
    return found


def _node_field(record: model.NodeRecord, path: str, old: Any, new: Any) -> Change:
    action = Action.between(old, new)
    return _change(
        "Node",
        record,
        "node.spec",
        Severity.INFO,
        f"Node {record.name}: {path} {action.value}",
        path=path,
        old=old,
        new=new,
    )


NODES = KindRules(
    identity=lambda r: r.name,
    presence=_node_presence,
    columns=_node_columns,
    field=_node_field,
    covered=tuple(map(paths.Glob.parse, (".spec.taints", ".spec.taints.**"))),
)


# -- Helm releases ------------------------------------------------------------------------------


def _release(record: model.HelmReleaseRecord) -> str:
    return f"Helm release {changes.qualified(record.namespace, record.name)}"


def _chart(record: model.HelmReleaseRecord) -> str:
    return " ".join(p for p in (record.chart, record.chart_version) if p) or "unknown chart"


def _helm_presence(record: model.HelmReleaseRecord, action: Action) -> Change:
    return _presence(
        "HelmRelease", "helm", record, action, _chart(record),
        subject=_release(record), namespace=record.namespace, note=f" ({_chart(record)})",
    )  # fmt: skip


def _helm_columns(old: model.HelmReleaseRecord, new: model.HelmReleaseRecord) -> list[Change]:
    where = _release(new)
    found = []
    checks = (
        ("chart", "helm.chart", Severity.WARNING, "chart replaced"),
        ("chart_version", "helm.chart-version", Severity.INFO, "chart version"),
        ("app_version", "helm.app-version", Severity.INFO, "app version"),
    )
    for field, rule, severity, text in checks:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            found.append(
                _helm(
                    new, rule, severity, field, before, after, f"{where}: {text} {before} → {after}"
                )
            )
    if old.status != new.status:
        severity = Severity.WARNING if new.status in FAILED_HELM_STATES else Severity.INFO
        text = f"{where}: status {old.status} → {new.status}"
        found.append(_helm(new, "helm.status", severity, "status", old.status, new.status, text))
    if old.revision != new.revision and not found:
        text = f"{where}: revision {old.revision} → {new.revision}, same chart (values changed?)"
        found.append(
            _helm(new, "helm.revision", Severity.INFO, "revision", old.revision, new.revision, text)
        )
    return found


def _helm(
    record: model.HelmReleaseRecord,
    rule: str,
    severity: Severity,
    path: str,
    old: Any,
    new: Any,
    message: str,
) -> Change:
    return _change(
        "HelmRelease",
        record,
        rule,
        severity,
        message,
        path=path,
        old=old,
        new=new,
        namespace=record.namespace,
    )


HELM_RELEASES = KindRules(
    identity=lambda r: (r.namespace, r.name),
    presence=_helm_presence,
    columns=_helm_columns,
    field=None,
)


# -- GROUP/VERSION/Kind objects -----------------------------------------------------------------


def _resource_presence(record: model.ResourceRecord, action: Action) -> Change:
    return _presence(
        record.kind, "resource", record, action, record.pattern,
        subject=f"{record.kind} {changes.qualified(record.namespace, record.name)}",
        namespace=record.namespace,
    )  # fmt: skip


def _resource_field(record: model.ResourceRecord, path: str, old: Any, new: Any) -> Change:
    subject = f"{record.kind} {changes.qualified(record.namespace, record.name)}"
    return _change(
        record.kind,
        record,
        "resource.field",
        Severity.INFO,
        f"{subject}: {path} {Action.between(old, new).value}",
        path=path,
        old=old,
        new=new,
        namespace=record.namespace,
    )


RESOURCES = KindRules(
    identity=lambda r: (r.pattern, r.namespace, r.name),
    presence=_resource_presence,
    columns=lambda _old, _new: [],
    field=_resource_field,
)
