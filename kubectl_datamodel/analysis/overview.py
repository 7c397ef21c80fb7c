"""The `overview` view: what a snapshot holds, counted the ways people ask about a cluster.

No findings: this is the page to read first, and the one the HTML report opens with.
"""

from __future__ import annotations

from collections import Counter

from kubectl_datamodel import model

FRAMEWORKS = ("OLM", "Helm", "Manifests")


def analyze(stored: model.StoredSnapshot) -> list[model.Table]:
    return [
        _cluster_table(stored.summary),
        _groups_table(stored.crds),
        _frameworks_table(stored.operators),
        _namespaces_table(stored.operators, stored.csvs),
        _captured_table(stored),
    ]


def _cluster_table(summary: model.SnapshotSummary) -> model.Table:
    info = summary.cluster_info
    rows = (
        ("context", summary.cluster_context),
        ("snapshot", summary.id),
        ("timestamp", summary.timestamp),
        ("source", info.source),
        ("server", info.server),
        ("version", info.version),
        ("platform", info.platform),
        ("node_count", info.node_count),
    )
    return model.Table.of(("field", "value"), rows, title="Cluster", name="cluster")


def _groups_table(crds: tuple[model.CrdRecord, ...]) -> model.Table:
    """CRDs per API group, with the instances counted where known (None: none known)."""
    counts: Counter[str] = Counter(crd.group for crd in crds)
    instances: dict[str, int | None] = dict.fromkeys(counts)
    for crd in crds:
        if crd.instance_count is not None:
            instances[crd.group] = (instances[crd.group] or 0) + crd.instance_count
    rows = tuple((group, counts[group], instances[group]) for group in sorted(counts))
    return model.Table.of(
        ("group", "crds", "instances"), rows, title="CRDs by API group", name="crd_groups"
    )


def _frameworks_table(operators: tuple[model.OperatorRecord, ...]) -> model.Table:
    """Every framework, zeros included, so two snapshots' tables line up."""
    counts = Counter(operator.framework for operator in operators)
    names = [*FRAMEWORKS, *sorted(set(counts) - set(FRAMEWORKS))]
    rows = tuple((name, counts[name]) for name in names)
    return model.Table.of(
        ("framework", "operators"), rows, title="Operators by framework", name="operator_frameworks"
    )


def _namespaces_table(
    operators: tuple[model.OperatorRecord, ...], csvs: tuple[model.CsvRecord, ...]
) -> model.Table:
    """Operators and CSVs per namespace; None is an object stored without one (a manifest
    that leaves the namespace to `kubectl apply -n`)."""
    workloads = Counter(operator.namespace for operator in operators)
    versions = Counter(csv.namespace for csv in csvs)
    namespaces = sorted(set(workloads) | set(versions), key=lambda n: (n is not None, n or ""))
    rows = tuple((n, workloads[n], versions[n]) for n in namespaces)
    return model.Table.of(
        ("namespace", "operators", "csvs"), rows, title="By namespace", name="namespaces"
    )


def _captured_table(stored: model.StoredSnapshot) -> model.Table:
    """How many objects of each kind the snapshot captured; a kind it did not capture is
    left out rather than shown as zero."""
    sections = model.sections_of(stored.summary.components)
    rows = [
        (kind.title, len(getattr(stored, kind.section)))
        for kind in model.KINDS
        if kind.section in sections and kind.component is not None
    ]
    patterns = Counter(r.pattern for r in stored.resources)
    rows += [(c, patterns[c]) for c in stored.summary.components if "/" in c]
    return model.Table.of(("kind", "objects"), tuple(rows), title="Captured", name="captured")
