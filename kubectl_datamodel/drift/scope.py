"""What a comparison with manifests covers: the objects the manifests declare, or the cluster.

A repository rarely manages a whole cluster: one that holds gateway-api and cert-manager, on a
cluster that also runs prometheus-operator, would read every monitoring.coreos.com CRD as
removed. So by default (``MANIFESTS``) the snapshot is compared with the manifests only where
the manifests declare an object, matched by the kind's own pairings (a CRD by name, a
workload by namespace and name, a CSV by name, lineage or package, ...); what the snapshot
holds beyond them is listed as not managed here (rule ``scope.unmanaged``, info), never as a
removal, and no ``--fail-on`` level counts it. ``CLUSTER`` compares the two sides whole, as
two snapshots are compared; so does ``BASE``, two manifest sets (a pull request's base and
head), where what neither declares is not mentioned at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from kubectl_datamodel.drift import matching
from kubectl_datamodel.drift.changes import Action, Change, Severity
from kubectl_datamodel.drift.matching import Entry
from kubectl_datamodel.drift.rules.shape import KindRules

MANIFESTS = "manifests"  # only what the manifests (the new side) declare
CLUSTER = "cluster"  # both sides whole
BASE = "base"  # two manifest sets, base and head, whole
UNMANAGED = "scope.unmanaged"

# How a note counts what is not managed here, by what drift calls each kind.
_NOUNS = {
    "CRD": ("CRD", "CRDs"),
    "Operator": ("operator", "operators"),
    "CSV": ("ClusterServiceVersion", "ClusterServiceVersions"),
    "Namespace": ("namespace", "namespaces"),
    "Node": ("node", "nodes"),
    "HelmRelease": ("Helm release", "Helm releases"),
}


@dataclasses.dataclass(frozen=True)
class Declared:
    """The manifests' scope: of the snapshot's (old) records, only those paired with an object
    the manifests (new) declare are compared; the rest are not managed here. ``whole`` (the
    cluster scope) compares every record, as two snapshots are compared."""

    whole: bool = True

    def split(
        self, given: KindRules, old: Sequence[Entry], new: Sequence[Entry]
    ) -> tuple[list[Entry], list[Change]]:
        """The old side's entries to compare, and one ``scope.unmanaged`` entry for each old
        record the manifests do not declare. Pairing uses the kind's own pairings, so what
        the comparison would call one object (a CSV upgraded to another name) is in scope."""
        if self.whole:
            return list(old), []
        matched = matching.match(old, new, given.pairings)
        paired = {id(o[0]) for o, _ in matched.pairs}
        kept = [entry for entry in old if id(entry[0]) in paired]
        return kept, [unmanaged(given, record) for record in matched.removed]


def unmanaged(given: KindRules, record: object) -> Change:
    """``record``, which the snapshot holds and the manifests do not declare, named as its kind
    names a removal (a CSV by its package, an object by its namespace and name)."""
    removal = given.presence(record, Action.REMOVED)
    return dataclasses.replace(
        removal,
        rule=UNMANAGED,
        severity=Severity.INFO,
        action=Action.UNMANAGED,
        message=f"{removal.kind} {removal.subject} is in the cluster, not in the manifests: "
        "not managed here",
        path="",
        old=None,
        new=None,
    )


def note(declared: int, found: Sequence[Change], cluster: str) -> str:
    """What the manifests scope left out, in one sentence: ``compared only the 26 objects the
    manifests declare; 34 CRDs and 8 operators of snapshot 1 (context prod) are not managed
    here (--scope cluster compares them)``."""
    counts: dict[str, int] = {}
    for change in found:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    parts = [_counted(n, kind) for kind, n in counts.items()]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    verb = "is" if len(found) == 1 else "are"
    objects = "object" if declared == 1 else "objects"
    return (
        f"compared only the {declared:,} {objects} the manifests declare; {listed} of {cluster} "
        f"{verb} not managed here (--scope cluster compares them)"
    )


def _counted(count: int, kind: str) -> str:
    one, many = _NOUNS.get(kind, (kind, f"{kind}s"))
    return f"{count:,} {one if count == 1 else many}"
