"""What every analysis view returns: findings with a level, and tables of plain values.

Plain data, standard library only: the CLI renders it as tables, JSON or Markdown, and the HTML
report draws it, so neither has to know how a view reached its findings. Tables are
``model.Table``s of plain values, never text formatted for one output.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from kubectl_datamodel import levels, model

JSON = dict[str, Any]


class Level(levels.Ranked):
    """How urgent a finding is. Ordered, so ``--fail-on warning`` means WARNING or above."""

    INFO = 1  # worth knowing; nothing to do before the next upgrade
    WARNING = 2  # weakens the cluster or will bite later; plan a fix
    CRITICAL = 3  # an open door or a blocked upgrade; fix first


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem found: ``subject`` names the object (``Deployment ns/name``, a CRD's name,
    ``ClusterServiceVersion ns/name``), ``rule`` why it was reported (docs/analysis.md)."""

    view: str
    rule: str
    level: Level
    subject: str
    message: str

    def as_dict(self) -> JSON:
        return {
            "view": self.view,
            "rule": self.rule,
            "level": self.level.label,
            "subject": self.subject,
            "message": self.message,
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """One view over one snapshot (``history``: over the snapshot's cluster context)."""

    view: str
    cluster_context: str
    snapshot: model.SnapshotSummary | None
    findings: tuple[Finding, ...]
    tables: tuple[model.Table, ...]

    def at_or_above(self, level: Level) -> bool:
        return any(finding.level >= level for finding in self.findings)

    def count(self, level: Level) -> int:
        return sum(1 for finding in self.findings if finding.level is level)

    def as_dict(self, fail_on: Level | None = None) -> JSON:
        """The JSON body of the ``Analysis`` document (docs/json-output.md); key order is part
        of the contract."""
        return {
            "view": self.view,
            "cluster_context": self.cluster_context,
            "snapshot": self.snapshot.as_dict() if self.snapshot is not None else None,
            "fail_on": fail_on.label if fail_on is not None else "none",
            "findings": [finding.as_dict() for finding in self.findings],
            "tables": [table.as_dict() for table in self.tables],
            "summary": {level.label: self.count(level) for level in Level},
        }


def ranked(findings: list[Finding]) -> tuple[Finding, ...]:
    """Most urgent first, then grouped by rule and subject, so a report reads top-down."""
    return tuple(sorted(findings, key=lambda f: (-f.level, f.rule, f.subject, f.message)))


# -- reading workloads ----------------------------------------------------------------------------


def subject(kind: str, namespace: str | None, name: str) -> str:
    """``Deployment cert-manager/cert-manager``; cluster-scoped or namespace-less: no slash."""
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def workload_subject(operator: model.OperatorRecord) -> str:
    return subject(operator.operator_type, operator.namespace, operator.name)


def pod_spec(operator: model.OperatorRecord) -> JSON:
    """The pod template's spec of an operator workload ({} when the spec was not loaded)."""
    spec = operator.spec.get("spec") or {}
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, dict) else {}


def containers(pod: JSON) -> Iterator[JSON]:
    """Init containers, then containers: both run with the pod's privileges."""
    for field in ("initContainers", "containers"):
        for container in pod.get(field) or ():
            if isinstance(container, dict):
                yield container


def mapping(value: Any) -> JSON:
    """``value`` if it is a mapping, else {}: stored objects are whatever was applied."""
    return value if isinstance(value, dict) else {}
