"""Why each rule's changes matter: one line a reviewer reads beside the change.

The rule ids are those the kinds' modules give their changes (``crd.version.removed``,
``schema.required``...); docs/drift.md lists the same lines in its tables. A report shows the
line for every rule it has changes of, so a verdict never comes without its reason. A rule
that is breaking one way and info the other has one line that reads right both ways: it says
what matters about the change, not that it broke something.
"""

from __future__ import annotations

from collections.abc import Mapping

_TIGHTER_LIMIT = "a new or tighter limit rejects values that passed before"
_NEW_RELEASE = "another release of the software: its release notes say what changed"
_OTHER_CODE = "different code runs: check that it is the image intended"
_SCHEDULING = "what can be scheduled onto the node changes"

WHY: Mapping[str, str] = {
    # CRDs as a whole (crds.py)
    "crd.added": "a new API type; nothing that worked stops working",
    "crd.removed": "every object of the kind is deleted with it, and clients of the kind get 404",
    "crd.metadata": "labels and annotations only; tools that read them may act differently",
    "crd.instances": "how many objects of the kind exist; nothing breaks by itself",
    "crd.instances.emptied": "every object of the kind is gone: deleted on purpose, or lost",
    "crd.instances.first": "the API is in use now: changing or removing it affects real objects",
    "crd.scope": "every object's URL changes; existing objects are unreachable",
    "crd.names.kind": "clients send and expect the old kind",
    "crd.names": "only what people type in kubectl changes",
    "crd.conversion": (
        "a wrong conversion corrupts objects read at a version other than the one they are "
        "stored at"
    ),
    "crd.version.added": "clients can move to it; nothing that worked stops working",
    "crd.version.removed": "clients of a served version get 404",
    "crd.version.removed-stored": (
        "objects stored at that version can no longer be read, and the API server refuses the "
        "update until storedVersions is cleaned up"
    ),
    "crd.version.served": "clients of a version that is no longer served get 404",
    "crd.version.deprecated": "its clients should move before it is removed",
    "crd.version.deprecation-warning": "what clients of the version are told; wording only",
    "crd.storage-version": (
        "objects stay stored at the old version until rewritten; migrate them before the old "
        "version can be dropped"
    ),
    "crd.subresource": "controllers writing status and autoscalers using scale depend on them",
    "crd.printer-columns": "kubectl get output only",
    # one version's schema (schema.py)
    "schema.property.removed": "values clients send are pruned or rejected; readers lose the field",
    "schema.property.added": "new optional fields break nobody",
    "schema.type": "stored and sent values no longer validate, readers decode the wrong type",
    "schema.enum.removed": "objects using the value are rejected",
    "schema.enum.added": "clients that handle every known value may meet one they do not know",
    "schema.enum.constraint": "a new enum rejects every value it does not list",
    "schema.required": "objects without a newly required field are rejected",
    "schema.maximum": _TIGHTER_LIMIT,
    "schema.maxLength": _TIGHTER_LIMIT,
    "schema.maxItems": _TIGHTER_LIMIT,
    "schema.maxProperties": _TIGHTER_LIMIT,
    "schema.minimum": _TIGHTER_LIMIT,
    "schema.minLength": _TIGHTER_LIMIT,
    "schema.minItems": _TIGHTER_LIMIT,
    "schema.minProperties": _TIGHTER_LIMIT,
    "schema.exclusiveMaximum": "once set, a value equal to the bound is rejected",
    "schema.exclusiveMinimum": "once set, a value equal to the bound is rejected",
    "schema.pattern": (
        "strings that do not match the new regular expression are rejected; whether it is "
        "tighter cannot be told"
    ),
    "schema.format": "the API server validates some formats, clients parse them",
    "schema.default": "objects created without the field get a different value",
    "schema.validation-rule": (
        "a new CEL rule can reject objects that passed before, on create or when the field it "
        "checks changes"
    ),
    "schema.nullable": "objects holding null are rejected unless nullable is set",
    "schema.preserve-unknown-fields": (
        "without it, fields the schema does not list are silently dropped"
    ),
    "schema.keyword": "its effect depends on the value; a person should look",
    "schema.description": "documentation only: kubectl explain shows the new text",
    # operator workloads (operators.py)
    "operator.added": "a new controller runs in the cluster: check what it manages and may do",
    "operator.removed": "nothing reconciles the CRDs it managed any more",
    "operator.version": _NEW_RELEASE,
    "operator.image": _OTHER_CODE,
    "operator.replicas": "at zero replicas nothing reconciles its resources",
    "operator.security": (
        "what the operator may do on its node changes; more power needs someone's approval"
    ),
    "operator.resources": (
        "too little and the operator is throttled or killed; too much and it may not schedule"
    ),
    "operator.framework": "upgrades come from a different installer now",
    "operator.managed-crds": "who reconciles those CRDs changes",
    "operator.spec": "arguments, environment and volumes change how the operator runs",
    # OLM ClusterServiceVersions (csvs.py)
    "csv.added": "OLM runs a new operator",
    "csv.removed": "OLM no longer runs the operator: nothing reconciles its CRDs",
    "csv.upgraded": _NEW_RELEASE,
    "csv.downgraded": "older code now reads objects a newer release may have written",
    "csv.version": "the versions cannot be ordered: check which one is newer",
    "csv.renamed": "the same version from another CSV: a rebuild or a repackaging",
    "csv.phase": "a Failed CSV means OLM could not install or run the operator",
    "csv.owned": "a CRD the CSV no longer owns has no operator to reconcile it",
    "csv.required": "OLM installs the operator only once the CRDs it requires are there",
    "csv.image": _OTHER_CODE,
    "csv.spec": (
        "permissions, install strategy or descriptors changed: check what the operator may do"
    ),
    # namespaces, nodes, Helm releases and other kinds (extras.py)
    "namespace.added": "a new place for workloads: check who owns it and its quota",
    "namespace.removed": "everything in it is deleted",
    "namespace.phase": "a Terminating namespace is deleting everything in it",
    "namespace.quota": "what fits in the namespace changes; what is over quota is refused",
    "namespace.limit-range": "the default and the largest resources a container gets there change",
    "namespace.metadata": "labels select Pod Security levels, network policies and webhooks",
    "node.added": "more capacity; nothing breaks",
    "node.removed": "its pods were moved or lost, and the cluster has less capacity",
    "node.kubelet-version": (
        "the kubelet must stay within the supported version skew of the API server"
    ),
    "node.ready": "pods on a node that is not Ready are evicted after a timeout",
    "node.taint": (
        "pods that do not tolerate a NoExecute taint are evicted; NoSchedule keeps new ones off"
    ),
    "node.capacity": _SCHEDULING,
    "node.allocatable": _SCHEDULING,
    "node.spec": "labels and node settings steer scheduling",
    "helm.added": "a new release: check what it installs",
    "helm.removed": "uninstalling a release deletes what it installed",
    "helm.chart": "a different chart manages the release's objects now",
    "helm.chart-version": _NEW_RELEASE,
    "helm.app-version": _NEW_RELEASE,
    "helm.status": "a failed or pending release is half applied, and blocks the next upgrade",
    "helm.revision": "the same chart applied again: its values changed, or it was re-run",
    "resource.added": "a new object of a kind the snapshots track",
    "resource.removed": "whatever reads the object loses it",
    "resource.field": "whatever reads the object sees the new value",
    # what a comparison with manifests covers (drift/scope.py)
    "scope.unmanaged": (
        "the manifests do not declare it, so it was not compared: someone else manages it, "
        "and nothing here removes it"
    ),
}


def why(rule: str) -> str:
    """The one line for ``rule``; empty for a rule without one (a test holds that to none)."""
    return WHY.get(rule, "")
