"""The example clusters' upstream objects on the fake API server, as the live-capture, diff and
action tests load them: cert-manager 1.16.1 (examples/cluster-v2), Strimzi 0.45.0 and
external-secrets 0.15.1 as installed (examples/cluster-v1), two nodes, and OLM with one CSV.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fakeapi import FakeCluster, load_manifests
from tests.support.paths import CLUSTER_V1, CLUSTER_V2

TOKEN = "s3cr3t-token-value"
ES_NAMESPACE = "external-secrets"
CERTIFICATES = "certificates.cert-manager.io"
KAFKAS = "kafkas.kafka.strimzi.io"


def _load(folder: Path) -> list[dict]:
    return [doc for path in sorted(folder.glob("*.yaml")) for doc in load_manifests(path)]


def grafana_csv() -> dict:
    (csv,) = load_manifests(
        CLUSTER_V2 / "olm" / "csvs" / "grafana-operator.clusterserviceversion.yaml"
    )
    return csv


def _installed_external_secrets() -> list[dict]:
    """external-secrets as Helm installs it: release "es" in its namespace, CRD conversion
    webhooks pointed at the chart's webhook Service (the released CRDs carry a placeholder)."""
    objects = []
    for crd in _load(CLUSTER_V1 / "crds" / "external-secrets"):
        conversion = crd["spec"].get("conversion") or {}
        if conversion.get("strategy") == "Webhook":
            conversion["webhook"]["clientConfig"]["service"].update(
                name="es-external-secrets-webhook", namespace=ES_NAMESPACE
            )
        objects.append(crd)
    for deployment in _load(CLUSTER_V1 / "operators" / "external-secrets"):
        text = (
            json.dumps(deployment).replace("RELEASE-NAME", "es").replace("NAMESPACE", ES_NAMESPACE)
        )
        objects.append(json.loads(text))
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "es-external-secrets-webhook", "namespace": ES_NAMESPACE},
            "spec": {
                "selector": {
                    "app.kubernetes.io/name": "external-secrets-webhook",
                    "app.kubernetes.io/instance": "es",
                },
                "ports": [{"port": 443, "targetPort": 10250}],
            },
        }
    )
    return objects


def _node(name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {"providerID": f"kind://docker/demo/{name}"},
    }


def build_cluster(*, olm: bool = True) -> FakeCluster:
    cluster = FakeCluster()
    cluster.add(*_load(CLUSTER_V2 / "crds" / "cert-manager"))
    for deployment in _load(CLUSTER_V2 / "operators" / "cert-manager"):
        if deployment.get("kind") in ("Deployment", "StatefulSet", "DaemonSet"):
            cluster.add(deployment)
    cluster.add(*_load(CLUSTER_V1 / "crds" / "strimzi"))
    for deployment in _load(CLUSTER_V1 / "operators" / "strimzi"):
        if deployment.get("kind") == "Deployment":
            deployment["metadata"]["namespace"] = "kafka"
            cluster.add(deployment)
    cluster.add(*_installed_external_secrets())
    cluster.add(_node("demo-control-plane"), _node("demo-worker"))
    if olm:
        cluster.add(*_load(CLUSTER_V2 / "olm" / "crds"))
        csv = grafana_csv()
        csv["metadata"]["namespace"] = "operators"
        cluster.add(csv)
    cluster.generate(
        CERTIFICATES,
        7,
        namespaces=("default", "team-a"),
        status_manager="cert-manager-certificates-readiness",
    )
    cluster.generate(KAFKAS, 3, namespaces=("kafka",), status_manager="strimzi-cluster-operator")
    return cluster
