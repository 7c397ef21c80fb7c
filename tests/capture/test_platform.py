"""Which distribution a cluster runs, from the evidence a reader can see."""

from __future__ import annotations

import pytest

from kubectl_datamodel.capture import platform


def node(labels=None, provider_id=None):
    return {"metadata": {"labels": labels or {}}, "spec": {"providerID": provider_id}}


@pytest.mark.parametrize(
    ("git_version", "nodes", "groups", "expected"),
    [
        ("v1.30.4-eks-a737599", [], [], "eks"),
        ("v1.30.5-gke.1014001", [], [], "gke"),
        ("v1.31.2+k3s1", [], [], "k3s"),
        ("v1.31.2+rke2r1", [], [], "rke2"),
        ("v1.31.0", [node(provider_id="azure:///subscriptions/x/vm-0")], [], "aks"),
        ("v1.31.0", [node(provider_id="aws:///eu-west-1a/i-0abc")], [], "eks"),
        ("v1.31.0", [node(provider_id="kind://docker/demo/demo-control-plane")], [], "kind"),
        ("v1.31.0", [node(labels={"minikube.k8s.io/name": "minikube"})], [], "minikube"),
        # OpenShift reports a plain version; its API groups give it away.
        ("v1.31.6", [node(provider_id="aws:///x")], ["apps", "route.openshift.io"], "openshift"),
        ("v1.32.3", [node()], ["apps"], "vanilla"),
        (None, [], [], "vanilla"),
    ],
)
def test_detect(git_version, nodes, groups, expected):
    assert platform.detect(git_version, nodes, groups) == expected
