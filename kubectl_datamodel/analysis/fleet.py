"""`analyze fleet`: the newest snapshot of every cluster context in the database, side by side.

What a platform team asks of a fleet before an upgrade: which version of each component runs
where, where a CRD's versions differ between clusters, and which clusters still store objects
at a version that a newer release of the same CRD (running on another cluster) no longer has,
so upgrading them there would strand those objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kubectl_datamodel import model
from kubectl_datamodel.analysis.base import Finding, Level
from kubectl_datamodel.k8s import versions

RULES = {"fleet.stored-version-removed": Level.CRITICAL}
_CSV_VERSION = re.compile(r"\.v?\d[\w.+-]*$")  # grafana-operator.v5.22.2 -> grafana-operator


def analyze(
    latest: Sequence[model.StoredSnapshot],
) -> tuple[list[Finding], list[model.Table]]:
    """``latest``: the newest snapshot of each context, without specs."""
    clusters = sorted(latest, key=lambda s: s.summary.cluster_context)
    names = [s.summary.cluster_context for s in clusters]
    return _stranded(clusters), [_components(clusters, names), _skew(clusters, names)]


def _components(clusters: Sequence[model.StoredSnapshot], names: list[str]) -> model.Table:
    """Each operator (by name) and OLM package, with its version in every cluster."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for snapshot in clusters:
        context = snapshot.summary.cluster_context
        for operator in snapshot.operators:
            versions_here = found.setdefault((operator.name, "operator"), {})
            versions_here[context] = operator.version or "unknown"
        for csv in snapshot.csvs:
            package = _CSV_VERSION.sub("", csv.name)
            found.setdefault((package, "OLM"), {})[context] = csv.version or "unknown"
    rows = [
        [component, source, *(by_cluster.get(n) for n in names)]
        for (component, source), by_cluster in sorted(found.items())
    ]
    return model.Table.of(
        ["component", "from", *names],
        rows,
        title="Component versions by cluster",
        name="components",
    )


def _skew(clusters: Sequence[model.StoredSnapshot], names: list[str]) -> model.Table:
    """CRDs whose versions (served, and the storage one) differ between clusters."""
    seen: dict[str, dict[str, str]] = {}
    for snapshot in clusters:
        for crd in snapshot.crds:
            described = ",".join(
                f"{v.name}{'*' if v.storage else ''}"
                for v in sorted(crd.versions, key=lambda v: versions.priority(v.name), reverse=True)
                if v.served or v.storage
            )
            seen.setdefault(crd.name, {})[snapshot.summary.cluster_context] = described
    rows = [
        [name, *(by_cluster.get(n) for n in names)]
        for name, by_cluster in sorted(seen.items())
        if len(set(by_cluster.values())) > 1 or len(by_cluster) != len(names)
    ]
    title = "CRD versions that differ between clusters (served; * storage)"
    return model.Table.of(["crd", *names], rows, title=title, name="crd-version-skew")


def _stranded(clusters: Sequence[model.StoredSnapshot]) -> list[Finding]:
    """A cluster that stores objects of a CRD at version V, where another cluster runs a
    newer definition of the CRD (its newest version at least as new) without V."""
    findings = []
    by_crd: dict[str, list[tuple[str, model.CrdRecord]]] = {}
    for snapshot in clusters:
        for crd in snapshot.crds:
            by_crd.setdefault(crd.name, []).append((snapshot.summary.cluster_context, crd))
    for name, holders in sorted(by_crd.items()):
        for context, crd in holders:
            stored = crd.storage_version
            if stored is None or not crd.instance_count:
                continue
            mine = versions.priority(versions.newest([v.name for v in crd.versions]) or "")
            newer = [
                other
                for other, theirs in holders
                if other != context
                and stored not in {v.name for v in theirs.versions}
                and versions.priority(versions.newest([v.name for v in theirs.versions]) or "")
                >= mine
            ]
            if newer:
                findings.append(
                    Finding(
                        "fleet",
                        "fleet.stored-version-removed",
                        Level.CRITICAL,
                        f"{context}: {name}",
                        f"{crd.instance_count} objects stored at {stored}, which the release "
                        f"on {', '.join(newer)} no longer has: migrate them before upgrading",
                    )
                )
    return findings
