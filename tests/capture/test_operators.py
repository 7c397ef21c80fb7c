"""CRD, CSV and operator records, as a capture of real manifests produces them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kubectl_datamodel import capture, k8s, model
from kubectl_datamodel.capture import build, files, inventory
from kubectl_datamodel.options import CaptureOptions
from tests.support.paths import CERT_MANAGER_BUNDLE, CLUSTER_V1, CLUSTER_V2

CERT_MANAGER_CRDS = (
    "certificaterequests.cert-manager.io",
    "certificates.cert-manager.io",
    "challenges.acme.cert-manager.io",
    "clusterissuers.cert-manager.io",
    "issuers.cert-manager.io",
    "orders.acme.cert-manager.io",
)


def objects_in(*paths: Path) -> list[dict[str, Any]]:
    dirs = [p for p in paths if p.is_dir()]
    plain = [p for p in paths if not p.is_dir()]
    return [s.obj for s in files.read(dirs=dirs, files=plain).objects]


def snapshot_of(objects: list[dict[str, Any]]) -> model.Snapshot:
    return inventory.assemble(
        inventory.inventory_of(objects),
        CaptureOptions(),
        context="test",
        cluster_info=model.ClusterInfo(source="manifests"),
    )


def captured(folder: Path, namespace: str | None = None) -> model.Snapshot:
    return capture.capture(CaptureOptions(from_dirs=(folder,), namespace=namespace)).snapshot


def crd(snapshot: model.Snapshot, name: str) -> model.CrdRecord:
    (found,) = (c for c in snapshot.crds if c.name == name)
    return found


def operator(snapshot: model.Snapshot, namespace: str | None, name: str) -> model.OperatorRecord:
    (found,) = (o for o in snapshot.operators if (o.namespace, o.name) == (namespace, name))
    return found


def operator_names(snapshot: model.Snapshot) -> set[str]:
    return {o.name for o in snapshot.operators}


def bundle_csv() -> dict[str, Any]:
    (csv,) = (o for o in objects_in(CERT_MANAGER_BUNDLE) if k8s.is_csv(o))
    return csv


@pytest.fixture(scope="module")
def v1() -> model.Snapshot:
    return captured(CLUSTER_V1)


@pytest.fixture(scope="module")
def v2() -> model.Snapshot:
    return captured(CLUSTER_V2)


# --- CRD records -----------------------------------------------------------------------------


def test_crd_record_names_group_kind_scope_and_storage_version(v1: model.Snapshot) -> None:
    certificates = crd(v1, "certificates.cert-manager.io")

    assert (
        certificates.group,
        certificates.kind,
        certificates.plural,
        certificates.singular,
        certificates.scope,
        certificates.storage_version,
    ) == ("cert-manager.io", "Certificate", "certificates", "certificate", "Namespaced", "v1")


def test_cluster_scoped_crd_reports_its_scope(v1: model.Snapshot) -> None:
    assert crd(v1, "clusterissuers.cert-manager.io").scope == "Cluster"


def test_crd_with_unserved_deprecated_version(v2: model.Snapshot) -> None:
    external_secrets = crd(v2, "externalsecrets.external-secrets.io")

    assert external_secrets.storage_version == "v1"
    assert external_secrets.served_versions == ["v1"]
    assert external_secrets.deprecated_versions == ["v1beta1"]


def test_v1beta1_crd_with_a_single_version_field_gets_one_served_storage_version() -> None:
    old = {
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "version": "v1",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
        },
    }

    record = build.crd_record(old, None)

    assert record.versions == (
        model.CrdVersion(name="v1", served=True, storage=True, deprecated=False),
    )
    assert record.singular == "widget"


# --- workload details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("repo:tag", "tag"),
        ("quay.io/jetstack/cert-manager-controller:v1.12.2", "v1.12.2"),
        ("host:5000/repo:tag", "tag"),
        ("host:5000/repo", None),
        ("repo", None),
        ("repo@sha256:" + "a" * 64, None),
        ("repo:tag@sha256:" + "a" * 64, "tag"),
        ("host:5000/team/repo:tag@sha256:" + "a" * 64, "tag"),
    ],
)
def test_image_tag(image: str, tag: str | None) -> None:
    assert k8s.image_tag(image) == tag


@pytest.mark.parametrize("spec", [{}, {"replicas": None}], ids=["absent", "null"])
def test_replicas_default_to_one_and_ready_is_unknown_without_status(spec: dict) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": spec}

    assert k8s.replica_counts(deployment) == (1, None)


def test_replicas_and_ready_replicas_from_spec_and_status() -> None:
    deployment = {"kind": "Deployment", "spec": {"replicas": 3}, "status": {"readyReplicas": 2}}
    starting = {"kind": "Deployment", "spec": {"replicas": 3}, "status": {}}

    assert k8s.replica_counts(deployment) == (3, 2)
    assert k8s.replica_counts(starting) == (3, 0)


def test_daemonset_counts_come_from_its_status() -> None:
    daemonset = {
        "kind": "DaemonSet",
        "spec": {},
        "status": {"desiredNumberScheduled": 4, "numberReady": 3},
    }

    assert k8s.replica_counts(daemonset) == (4, 3)
    assert k8s.replica_counts({"kind": "DaemonSet", "spec": {}}) == (None, None)


# --- operators in the example cluster --------------------------------------------------------


def test_cert_manager_controller_manages_the_cert_manager_crds(v1: model.Snapshot) -> None:
    controller = operator(v1, "cert-manager", "cert-manager")

    assert controller.managed_crds == CERT_MANAGER_CRDS
    assert set(controller.evidence.values()) == {"labels"}
    assert controller.framework == "Manifests"
    assert controller.version == "v1.12.2"
    assert controller.operator_type == "Deployment"


def test_prometheus_operator_manages_every_monitoring_crd_by_group(v1: model.Snapshot) -> None:
    monitoring = {c.name for c in v1.crds if c.group == "monitoring.coreos.com"}
    prometheus = operator(v1, "default", "prometheus-operator")

    assert len(monitoring) == 8
    assert set(prometheus.managed_crds) == monitoring
    assert set(prometheus.evidence.values()) == {"group"}


def test_external_secrets_deployments_are_installed_by_helm(v1: model.Snapshot) -> None:
    external_secrets = [o for o in v1.operators if "external-secrets" in o.name]

    assert len(external_secrets) == 3
    assert {o.framework for o in external_secrets} == {"Helm"}


@pytest.mark.parametrize(
    "name", ["argocd-redis", "argocd-dex-server", "argocd-server", "argocd-repo-server"]
)
def test_argocd_helpers_are_not_operators(v1: model.Snapshot, name: str) -> None:
    assert name not in operator_names(v1)


def test_argocd_application_controller_statefulset_is_an_operator(v1: model.Snapshot) -> None:
    controller = operator(v1, None, "argocd-application-controller")

    assert controller.operator_type == "StatefulSet"
    assert "applications.argoproj.io" in controller.managed_crds


# --- OLM -------------------------------------------------------------------------------------


def olm_deployment(csv: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The Deployment OLM creates from the first entry of a CSV's install strategy."""
    strategy = csv["spec"]["install"]["spec"]["deployments"][0]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": strategy["name"],
            "namespace": namespace,
            "labels": {**strategy.get("label", {}), "olm.owner": csv["metadata"]["name"]},
        },
        "spec": copy.deepcopy(strategy["spec"]),
    }


def test_olm_installed_operator_manages_what_its_csv_owns() -> None:
    bundle = objects_in(CERT_MANAGER_BUNDLE)
    csv = bundle_csv()
    deployment = olm_deployment(csv, csv["metadata"]["namespace"])

    snapshot = snapshot_of([*bundle, deployment])

    installed = operator(snapshot, csv["metadata"]["namespace"], "cert-manager")
    assert installed.framework == "OLM"
    assert installed.evidence == dict.fromkeys(CERT_MANAGER_CRDS, "olm")
    assert installed.version == "v1.12.2"


def test_olm_owner_label_links_a_deployment_in_another_namespace() -> None:
    csv = bundle_csv()
    deployment = olm_deployment(csv, "cert-manager-operator")

    snapshot = snapshot_of([*objects_in(CERT_MANAGER_BUNDLE), deployment])

    installed = operator(snapshot, "cert-manager-operator", "cert-manager")
    assert installed.evidence == dict.fromkeys(CERT_MANAGER_CRDS, "olm")


# --- operands --------------------------------------------------------------------------------


def entity_operator(owner_kinds: tuple[str, ...]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "my-cluster-entity-operator",
            "namespace": "kafka",
            "labels": {"app.kubernetes.io/name": "entity-operator", "strimzi.io/cluster": "my"},
            "ownerReferences": [
                {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": k, "name": "my-cluster"}
                for k in owner_kinds
            ],
        },
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "tls", "image": "quay.io/strimzi/operator:0.45.0"}]
                }
            }
        },
    }


def test_workload_owned_by_a_custom_resource_is_not_an_operator() -> None:
    strimzi_crds = objects_in(CLUSTER_V1 / "crds" / "strimzi")

    owned = snapshot_of([*strimzi_crds, entity_operator(("Kafka",))])
    unowned = snapshot_of([*strimzi_crds, entity_operator(())])

    assert "my-cluster-entity-operator" not in operator_names(owned)
    assert "my-cluster-entity-operator" in operator_names(unowned)


# --- CSV records -----------------------------------------------------------------------------


def test_csv_record_from_the_cert_manager_bundle() -> None:
    csv = build.csv_record(bundle_csv())

    assert csv.name == "cert-manager.v1.12.2"
    assert csv.display_name == "cert-manager"
    assert csv.provider == "The cert-manager maintainers"
    assert csv.version == "1.12.2"
    assert csv.owned_crds == CERT_MANAGER_CRDS
    assert csv.required_crds == ()
    assert csv.description == (
        "cert-manager is a Kubernetes add-on to automate the management and issuance of TLS "
        "certificates from various issuing sources."
    )


def test_csv_required_crds_are_listed_by_name() -> None:
    obj = bundle_csv()
    obj["spec"]["customresourcedefinitions"]["required"] = [
        {"name": "routes.route.openshift.io", "kind": "Route", "version": "v1"},
        {"name": "gateways.gateway.networking.k8s.io", "kind": "Gateway", "version": "v1"},
    ]

    assert build.csv_record(obj).required_crds == (
        "gateways.gateway.networking.k8s.io",
        "routes.route.openshift.io",
    )


def test_csv_replaces_and_skips() -> None:
    (obj,) = objects_in(CLUSTER_V1 / "olm" / "csvs" / "grafana-operator.clusterserviceversion.yaml")

    csv = build.csv_record(obj)

    assert csv.replaces == "grafana-operator.v5.15.1"
    assert csv.skips == (
        "grafana-operator.v5.16.0",
        "grafana-operator.v5.17.0",
        "grafana-operator.v5.17.1",
        "grafana-operator.v5.18.0",
        "grafana-operator.v5.19.4",
    )


def test_csv_description_prefers_the_description_annotation() -> None:
    path = CLUSTER_V1 / "olm" / "csvs" / "argocd-operator.v0.10.0.clusterserviceversion.yaml"
    (obj,) = objects_in(path)
    without_annotation = copy.deepcopy(obj)
    del without_annotation["metadata"]["annotations"]["description"]

    assert build.csv_record(obj).description == (
        "Argo CD is a declarative, GitOps continuous delivery tool for Kubernetes."
    )
    # spec.description starts with a Markdown heading "## Overview"
    assert build.csv_record(without_annotation).description == "Overview"


def test_csv_description_skips_leading_blank_lines() -> None:
    obj = bundle_csv()
    obj["spec"]["description"] = "\n   \nFirst line.\nSecond line.\n"

    assert build.csv_record(obj).description == "First line."


def test_copied_csvs_are_left_out_of_the_inventory() -> None:
    csv = bundle_csv()
    copied = copy.deepcopy(csv)
    copied["metadata"]["namespace"] = "team-a"
    copied["metadata"]["labels"] = {"olm.copiedFrom": csv["metadata"]["namespace"]}

    found = inventory.inventory_of([csv, copied])

    assert found.csvs == [csv]


# --- instance counts -------------------------------------------------------------------------


def test_instance_counts_come_from_custom_resources_in_the_input(v2: model.Snapshot) -> None:
    assert crd(v2, "applications.argoproj.io").instance_count == 1
    assert crd(v2, "clusterserviceversions.operators.coreos.com").instance_count == 3


def test_crd_without_instances_in_the_input_has_unknown_count(v2: model.Snapshot) -> None:
    assert crd(v2, "prometheuses.monitoring.coreos.com").instance_count is None


# --- capture as a whole ----------------------------------------------------------------------


def test_namespace_filter_keeps_that_namespace_and_cluster_scoped_objects(
    v1: model.Snapshot,
) -> None:
    filtered = captured(CLUSTER_V1, namespace="cert-manager")

    assert {"cert-manager", "cert-manager-cainjector", "cert-manager-webhook"} <= operator_names(
        filtered
    )
    assert "prometheus-operator" not in operator_names(filtered)
    assert {o.namespace for o in filtered.operators} <= {"cert-manager", None}
    assert [c.name for c in filtered.crds] == [c.name for c in v1.crds]
    assert filtered.namespace_filter == "cert-manager"


def test_capture_is_deterministic(v1: model.Snapshot) -> None:
    again = captured(CLUSTER_V1)

    assert (again.crds, again.operators, again.csvs) == (v1.crds, v1.operators, v1.csvs)
