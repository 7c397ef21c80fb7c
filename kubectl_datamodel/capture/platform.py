"""Which Kubernetes distribution a cluster runs, from evidence any reader can see.

No single signal is reliable on its own: managed offerings patch the version string (``-eks-``,
``-gke.``), local clusters label their nodes, and OpenShift serves its own API groups. The
strongest signal wins; a cluster that shows none of them is reported as ``vanilla``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

JSON = dict[str, Any]

OPENSHIFT_GROUPS = frozenset({"config.openshift.io", "route.openshift.io", "apps.openshift.io"})
# (platform, substring of gitVersion)
_VERSION_MARKS = (("eks", "-eks-"), ("gke", "-gke."), ("k3s", "+k3s"), ("rke2", "+rke2"))
# (platform, prefix of a node's spec.providerID)
_PROVIDER_PREFIXES = (
    ("eks", "aws://"),
    ("gke", "gce://"),
    ("aks", "azure://"),
    ("kind", "kind://"),
    ("k3s", "k3s://"),
)
# (platform, a node label key that only it sets)
_NODE_LABELS = (
    ("eks", "eks.amazonaws.com/nodegroup"),
    ("gke", "cloud.google.com/gke-nodepool"),
    ("aks", "kubernetes.azure.com/cluster"),
    ("minikube", "minikube.k8s.io/name"),
    ("openshift", "node.openshift.io/os_id"),
)


def detect(git_version: str | None, nodes: Iterable[JSON], groups: Iterable[str]) -> str:
    """Name the platform: openshift, eks, gke, aks, k3s, rke2, kind, minikube or vanilla."""
    if OPENSHIFT_GROUPS & set(groups):
        return "openshift"
    for name, mark in _VERSION_MARKS:
        if git_version and mark in git_version:
            return name
    for node in nodes:
        found = _from_node(node)
        if found:
            return found
    return "vanilla"


def _from_node(node: JSON) -> str | None:
    labels = (node.get("metadata") or {}).get("labels") or {}
    for name, key in _NODE_LABELS:
        if key in labels:
            return name
    provider_id = str((node.get("spec") or {}).get("providerID") or "")
    for name, prefix in _PROVIDER_PREFIXES:
        if provider_id.startswith(prefix):
            return name
    return None
