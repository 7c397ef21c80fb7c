"""The `resources` view: operator containers without requests or limits, and what the operators
ask of each namespace's nodes.

The scheduler places a pod by its requests; a container without them is BestEffort, evicted
first when the node runs short, and an operator evicted mid-reconcile stalls everything it
manages. Quantities are compared by value (``quantities``): "1" and "1000m" are one CPU.
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal, InvalidOperation

from kubectl_datamodel import model
from kubectl_datamodel.analysis import base
from kubectl_datamodel.analysis.base import Finding, Level
from kubectl_datamodel.k8s import quantities

VIEW = "resources"
RULES = {
    "no-requests": Level.WARNING,
    "no-limits": Level.INFO,
}
KINDS = ("cpu", "memory")


def analyze(stored: model.StoredSnapshot) -> tuple[list[Finding], list[model.Table]]:
    found: list[Finding] = []
    rows = []
    totals: dict[str | None, _Total] = {}
    for operator in stored.operators:
        subject = base.workload_subject(operator)
        total = totals.setdefault(operator.namespace, _Total())
        total.add_workload(operator.replicas)
        for container in base.containers(base.pod_spec(operator)):
            resources = base.mapping(container.get("resources"))
            requests = _effective_requests(resources)
            limits = base.mapping(resources.get("limits"))
            found += _findings(subject, container.get("name") or "?", requests, limits)
            total.add_requests(requests, operator.replicas)
            rows.append(_container_row(operator, container, requests, limits))
    return found, [_containers_table(rows), _namespaces_table(totals)]


def _effective_requests(resources: base.JSON) -> base.JSON:
    """Requests as the API server sees them: a limit without a request is also the request."""
    limits = base.mapping(resources.get("limits"))
    requests = base.mapping(resources.get("requests"))
    return {
        kind: requests.get(kind, limits.get(kind))
        for kind in KINDS
        if kind in requests or kind in limits
    }


def _findings(subject: str, name: str, requests: base.JSON, limits: base.JSON) -> list[Finding]:
    found = []
    for rule, given, what in (("no-requests", requests, "request"), ("no-limits", limits, "limit")):
        missing = [kind for kind in KINDS if given.get(kind) is None]
        if missing:
            message = f"container {name} has no {' or '.join(missing)} {what}"
            found.append(Finding(VIEW, rule, RULES[rule], subject, message))
    return found


def _container_row(
    operator: model.OperatorRecord, container: base.JSON, requests: base.JSON, limits: base.JSON
) -> tuple[object, ...]:
    return (
        operator.namespace,
        operator.name,
        container.get("name"),
        operator.replicas,
        *(_text(requests.get(kind)) for kind in KINDS),
        *(_text(limits.get(kind)) for kind in KINDS),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _containers_table(rows: list[tuple[object, ...]]) -> model.Table:
    return model.Table.of(
        (
            "namespace",
            "workload",
            "container",
            "replicas",
            "cpu_request",
            "memory_request",
            "cpu_limit",
            "memory_limit",
        ),
        tuple(rows),
        title="Requests and limits per container",
        name="containers",
    )


# -- totals per namespace -----------------------------------------------------------------------


@dataclasses.dataclass
class _Total:
    """What one namespace's operators request, summed over their replicas. A workload whose
    replica count is unknown (a DaemonSet read from manifests) is counted, not summed."""

    workloads: int = 0
    replicas: int = 0
    unknown_replicas: int = 0
    cpu: Decimal = Decimal(0)
    memory: Decimal = Decimal(0)

    def add_workload(self, replicas: int | None) -> None:
        self.workloads += 1
        if replicas is None:
            self.unknown_replicas += 1
        else:
            self.replicas += replicas

    def add_requests(self, requests: base.JSON, replicas: int | None) -> None:
        if replicas is None:
            return
        self.cpu += _amount(requests.get("cpu")) * replicas
        self.memory += _amount(requests.get("memory")) * replicas


def _amount(value: object) -> Decimal:
    """A quantity's value (cores, bytes); 0 when absent or not a quantity."""
    if value is None:
        return Decimal(0)
    try:
        return Decimal(str(quantities.canonical(value)))
    except InvalidOperation:
        return Decimal(0)


def _namespaces_table(totals: dict[str | None, _Total]) -> model.Table:
    rows = tuple(
        (
            namespace,
            total.workloads,
            total.replicas,
            math.ceil(total.cpu * 1000),  # the API server rounds CPU up to whole millicores
            math.ceil(total.memory),
            total.unknown_replicas,
        )
        for namespace, total in sorted(totals.items(), key=lambda item: item[0] or "")
    )
    return model.Table.of(
        (
            "namespace",
            "workloads",
            "replicas",
            "cpu_millicores",
            "memory_bytes",
            "unknown_replicas",
        ),
        rows,
        title="Requests per namespace, all replicas",
        name="namespaces",
    )
