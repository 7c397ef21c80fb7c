"""Drift rules for the kinds captured on request: namespaces, nodes, Helm releases, and
objects of any GROUP/VERSION/Kind.

Each kind fills in the ``KindRules`` shape: how its records pair, what their presence means,
which record fields carry named rules (a kubelet upgrade, a node going NotReady, a chart
upgrade), and how any other changed field of the stored spec is named. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_datamodel import k8s, model
from kubectl_datamodel.drift import changes, matching
from kubectl_datamodel.drift.changes import Action, Change, Severity
from kubectl_datamodel.drift.leaves import Leaf
from kubectl_datamodel.drift.rules.shape import KindRules, globs
from kubectl_datamodel.k8s import paths, quantities

NOT_READY_EFFECT = "NoExecute"  # a taint that evicts what runs on the node
# The Ready condition's status in words: "Unknown" is a node the control plane no longer hears.
READINESS = {"True": "ready", "False": "not ready", "Unknown": "not reporting"}
FAILED_HELM_STATES = ("failed", "pending-install", "pending-upgrade", "pending-rollback")


def _by_name(record: Any) -> Any:
    return record.name


# -- namespaces ---------------------------------------------------------------------------------


def _namespace(record: model.NamespaceRecord) -> changes.Subject:
    return changes.Subject("Namespace", record.name)


def _namespace_presence(record: model.NamespaceRecord, action: Action) -> Change:
    note = ", and everything in it" if action is Action.REMOVED else ""
    message = f"Namespace {record.name} {action.value}{note}"
    return _namespace(record).presence("namespace", action, record.name, message)


def _namespace_columns(
    old: model.NamespaceRecord, new: model.NamespaceRecord, _with_specs: bool
) -> list[Change]:
    if old.phase == new.phase or None in (old.phase, new.phase):
        return []
    severity = Severity.WARNING if new.phase == "Terminating" else Severity.INFO
    message = f"Namespace {new.name}: {old.phase} → {new.phase}"
    return [
        _namespace(new).change(
            "namespace.phase", severity, message, path="phase", old=old.phase, new=new.phase
        )
    ]


def _namespace_fields(record: model.NamespaceRecord, found: Sequence[Leaf]) -> list[Change]:
    """Quota and limit-range changes are named as such: they decide what fits in the namespace."""
    return [_namespace_field(record, leaf) for leaf in found]


def _namespace_field(record: model.NamespaceRecord, leaf: Leaf) -> Change:
    section = paths.split(leaf.path)[0] if leaf.path else ""
    rule, what = {
        ".resourceQuotas": ("namespace.quota", "quota"),
        ".limitRanges": ("namespace.limit-range", "limit range"),
    }.get(section, ("namespace.metadata", "metadata"))
    action = Action.between(leaf.old, leaf.new)
    message = f"Namespace {record.name}: {what} {leaf.path} {action.value}"
    return _namespace(record).change(
        rule, Severity.INFO, message, path=leaf.path, old=leaf.old, new=leaf.new
    )


NAMESPACES = KindRules(
    pairings=(matching.Key(_by_name),),
    presence=_namespace_presence,
    columns=_namespace_columns,
    fields=_namespace_fields,
)


# -- nodes --------------------------------------------------------------------------------------


def _node(record: model.NodeRecord) -> changes.Subject:
    return changes.Subject("Node", record.name)


def _node_presence(record: model.NodeRecord, action: Action) -> Change:
    note = f" ({record.kubelet_version})" if record.kubelet_version else ""
    message = f"Node {record.name} {action.value}{note}"
    return _node(record).presence("node", action, record.name, message)


def _node_columns(old: model.NodeRecord, new: model.NodeRecord, _with_specs: bool) -> list[Change]:
    node = _node(new)
    found = []
    if old.kubelet_version != new.kubelet_version:
        found.append(
            node.change(
                "node.kubelet-version",
                Severity.INFO,
                f"Node {new.name}: kubelet {_kubelet(old)} → {_kubelet(new)}",
                path="kubelet_version",
                old=old.kubelet_version,
                new=new.kubelet_version,
            )
        )
    before, after = old.conditions.get("Ready"), new.conditions.get("Ready")
    if before != after and after is not None:
        found.append(
            node.change(
                "node.ready",
                Severity.INFO if after == "True" else Severity.WARNING,
                f"Node {new.name}: {_readiness(before, after)}",
                path="conditions.Ready",
                old=before,
                new=after,
            )
        )
    return found + _taints(old, new) + _capacity(old, new)


def _kubelet(record: model.NodeRecord) -> str:
    return changes.shown(record.kubelet_version, absent="unknown")


def _readiness(before: str | None, after: str) -> str:
    """``ready → not reporting``; ``now ready`` when the condition was not there before."""
    now = READINESS.get(after) or changes.shown(after)
    if before is None:
        return f"now {now}"
    return f"{READINESS.get(before) or changes.shown(before)} → {now}"


def _capacity(old: model.NodeRecord, new: model.NodeRecord) -> list[Change]:
    """Capacity and allocatable, compared by value (the kubelet may report 4 or 4000m)."""
    found = []
    for field in ("capacity", "allocatable"):
        before, after = getattr(old, field), getattr(new, field)
        for name in sorted(set(before) | set(after)):
            a, b = before.get(name), after.get(name)
            if quantities.canonical(a) == quantities.canonical(b):
                continue
            found.append(
                _node(new).change(
                    f"node.{field}",
                    Severity.INFO,
                    f"Node {new.name}: {changes.went(f'{field} {name}', a, b)}",
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
            _node(new).change(
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


def _node_fields(record: model.NodeRecord, found: Sequence[Leaf]) -> list[Change]:
    return [
        _node(record).change(
            "node.spec",
            Severity.INFO,
            f"Node {record.name}: {leaf.path} {Action.between(leaf.old, leaf.new).value}",
            path=leaf.path,
            old=leaf.old,
            new=leaf.new,
        )
        for leaf in found
    ]


NODES = KindRules(
    pairings=(matching.Key(_by_name),),
    presence=_node_presence,
    columns=_node_columns,
    fields=_node_fields,
    covered=globs(".spec.taints", ".spec.taints.**"),
)


# -- Helm releases ------------------------------------------------------------------------------


def _release(record: model.HelmReleaseRecord) -> changes.Subject:
    return changes.Subject("HelmRelease", record.name, record.namespace)


def _release_name(record: model.HelmReleaseRecord) -> str:
    return f"Helm release {k8s.qualified(record.namespace, record.name)}"


def _chart(record: model.HelmReleaseRecord) -> str:
    return " ".join(p for p in (record.chart, record.chart_version) if p) or "unknown chart"


def _helm_presence(record: model.HelmReleaseRecord, action: Action) -> Change:
    message = f"{_release_name(record)} {action.value} ({_chart(record)})"
    return _release(record).presence("helm", action, _chart(record), message)


def _helm_columns(
    old: model.HelmReleaseRecord, new: model.HelmReleaseRecord, _with_specs: bool
) -> list[Change]:
    where, release = _release_name(new), _release(new)
    found = []
    checks = (
        ("chart", "helm.chart", Severity.WARNING, "chart replaced"),
        ("chart_version", "helm.chart-version", Severity.INFO, "chart version"),
        ("app_version", "helm.app-version", Severity.INFO, "app version"),
    )
    for field, rule, severity, text in checks:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            message = f"{where}: {text} {_told(before)} → {_told(after)}"
            found.append(release.change(rule, severity, message, path=field, old=before, new=after))
    if old.status != new.status:
        severity = Severity.WARNING if new.status in FAILED_HELM_STATES else Severity.INFO
        message = f"{where}: status {_told(old.status)} → {_told(new.status)}"
        found.append(
            release.change(
                "helm.status", severity, message, path="status", old=old.status, new=new.status
            )
        )
    if old.revision != new.revision and not found:
        was, now = _told(old.revision), _told(new.revision)
        message = f"{where}: revision {was} → {now}, same chart (values changed?)"
        found.append(
            release.change(
                "helm.revision",
                Severity.INFO,
                message,
                path="revision",
                old=old.revision,
                new=new.revision,
            )
        )
    return found


def _told(value: Any) -> str:
    """A field of a release as Helm's labels told it, or unknown where they did not."""
    return changes.shown(value, absent="unknown")


HELM_RELEASES = KindRules(
    pairings=(matching.Key(lambda r: (r.namespace, r.name)),),
    presence=_helm_presence,
    columns=_helm_columns,
)


# -- GROUP/VERSION/Kind objects -----------------------------------------------------------------


def _object(record: model.ResourceRecord) -> changes.Subject:
    return changes.Subject(record.kind, record.name, record.namespace)


def _object_name(record: model.ResourceRecord) -> str:
    return f"{record.kind} {k8s.qualified(record.namespace, record.name)}"


def _resource_presence(record: model.ResourceRecord, action: Action) -> Change:
    message = f"{_object_name(record)} {action.value}"
    return _object(record).presence("resource", action, record.pattern, message)


def _resource_fields(record: model.ResourceRecord, found: Sequence[Leaf]) -> list[Change]:
    return [
        _object(record).change(
            "resource.field",
            Severity.INFO,
            f"{_object_name(record)}: {leaf.path} {Action.between(leaf.old, leaf.new).value}",
            path=leaf.path,
            old=leaf.old,
            new=leaf.new,
        )
        for leaf in found
    ]


RESOURCES = KindRules(
    pairings=(matching.Key(lambda r: (r.pattern, r.namespace, r.name)),),
    presence=_resource_presence,
    fields=_resource_fields,
)
