"""The `overview` view: what a snapshot holds, counted the ways people ask about a cluster.

No findings: this is the page to read first, and the one the HTML report opens with.
"""

from __future__ import annotations

from collections import Counter

from kubectl_datamodel import model
from kubectl_datamodel.analysis import base

FRAMEWORKS = ("OLM", "Helm", "Manifests")


def analyze(stored: model.StoredSnapshot) -> list[base.Table]:
    return [
        _cluster_table(stored.summary),
        _groups_table(stored.crds),
        _frameworks_table(stored.operators),
        _namespaces_table(stored.operators, stored.csvs),
        _captured_table(stored),
    ]


def _cluster_table(summary: model.SnapshotSummary) -> base.Table:
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
    return base.Table("cluster", "Cluster", ("field", "value"), rows)


def _groups_table(crds: tuple[model.CrdRecord, ...]) -> base.Table:
    """CRDs per API group, with the instances counted where known (None: none known)."""
    counts: Counter[str] = Counter(crd.group for crd in crds)
    instances: dict[str, int | None] = dict.fromkeys(counts)
    for crd in crds:
        if crd.instance_count is not None:
            instances[crd.group] = (instances[crd.group] or 0) + crd.instance_count
    rows = tuple((group, counts[group], instances[group]) for group in sorted(counts))
    return base.Table("crd_groups", "CRDs by API group", ("group", "crds", "instances"), rows)


def _frameworks_table(operators: tuple[model.OperatorRecord, ...]) -> base.Table:
    """Every framework, zeros included, so two snapshots' tables line up."""
    counts = Counter(operator.framework for operator in operators)
    names = [*FRAMEWORKS, *sorted(set(counts) - set(FRAMEWORKS))]
    rows = tuple((name, counts[name]) for name in names)
    return base.Table(
        "operator_frameworks", "Operators by framework", ("framework", "operators"), rows
    )


def _namespaces_table(
    operators: tuple[model.OperatorRecord, ...], csvs: tuple[model.CsvRecord, ...]
) -> base.Table:
    """Operators and CSVs per namespace; None is an object stored without one (a manifest
    that leaves the namespace to `kubectl apply -n`)."""
    workloads = Counter(operator.namespace for operator in operators)
    versions = Counter(csv.namespace for csv in csvs)
    namespaces = sorted(set(workloads) | set(versions), key=lambda n: (n is not None, n or ""))
    rows = tuple((n, workloads[n], versions[n]) for n in namespaces)
    return base.Table("namespaces", "By namespace", ("namespace", "operators", "csvs"), rows)


def _captured_table(stored: model.StoredSnapshot) -> base.Table:
    """How many objects of each kind the snapshot captured; a kind it did not capture is
    left out rather than shown as zero."""
    sections = model.sections_of(stored.summary.components)
    titles = {
        "crds": "CRDs",
        "operators": "Operators",
        "csvs": "ClusterServiceVersions",
        "namespaces": "Namespaces",
        "nodes": "Nodes",
        "helm_releases": "Helm releases",
    }
    rows = [(titles[s], len(getattr(stored, s))) for s in sections if s in titles]
    patterns = Counter(r.pattern for r in stored.resources)
    rows += [(c, patterns[c]) for c in stored.summary.components if "/" in c]
    return base.Table("captured", "Captured", ("kind", "objects"), tuple(rows))
