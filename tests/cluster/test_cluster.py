"""Live capture against a real kube-apiserver + etcd (scripts/test-cluster.sh), not a fake.

The cluster is Kubernetes 1.20 built from Debian's source package. It is loaded with
examples/cluster-v1 (real upstream CRDs, workloads and OLM CSVs) plus custom resources created
at versions other than their CRD's storage version, snapshotted with the real command, then
upgraded to examples/cluster-v2 and snapshotted again. Tests compare what the snapshots say with
what the server itself lists.

Without a built kube-apiserver these tests are skipped with one line saying so; `.ci/run`
builds it and sets KUBECTL_DATAMODEL_REQUIRE_CLUSTER, so there they cannot be skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import realcluster
from tests.support.fakeapi import load_manifests
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2

pytestmark = pytest.mark.cluster

CLI = Path(sys.executable).with_name("kubectl-datamodel")
NAMESPACE = "team-a"
# Created at served versions that are not the storage version: the count must find them at
# the storage version all the same.
EXTRA_RESOURCES = [
    *(
        {"apiVersion": f"kafka.strimzi.io/{version}", "kind": "KafkaTopic",
         "metadata": {"name": f"topic-{version}", "namespace": NAMESPACE},
         "spec": {"partitions": 1, "replicas": 1}}
        for version in ("v1alpha1", "v1beta1", "v1beta2")
    ),
    *(
        {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "HTTPRoute",
         "metadata": {"name": f"route-{n}", "namespace": NAMESPACE},
         "spec": {"hostnames": [f"app{n}.example.com"]}}
        for n in (1, 2)
    ),
    {"apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": "ReferenceGrant",
     "metadata": {"name": "from-routes", "namespace": NAMESPACE},
     "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute",
                        "namespace": "default"}], "to": [{"group": "", "kind": "Service"}]}},
]  # fmt: skip


@dataclass
class Stage:
    """One state of the cluster: what was refused loading it, its snapshot, and server counts."""

    refused: list[str]
    snapshot_id: int
    result: dict[str, Any]
    server_counts: dict[str, int]


def manifests(folder: Path) -> list[dict[str, Any]]:
    return [obj for path in sorted(folder.rglob("*.y*ml")) for obj in load_manifests(path)]


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `kubectl-datamodel`, as a user runs it."""
    return subprocess.run(
        [str(CLI), *map(str, args)], capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def cli_json(*args: str | Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli(*args, "-o", "json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def server_counts(cluster: realcluster.Cluster) -> dict[str, int]:
    """How many objects the server holds for every CRD, listed in full at its storage version."""
    counts = {}
    for crd in cluster.list_items("apiextensions.k8s.io/v1", "CustomResourceDefinition"):
        spec = crd["spec"]
        storage = next(v["name"] for v in spec["versions"] if v["storage"])
        items = cluster.list_items(f"{spec['group']}/{storage}", spec["names"]["kind"])
        counts[crd["metadata"]["name"]] = len(items)
    return counts


@pytest.fixture(scope="session")
def real_cluster(tmp_path_factory: pytest.TempPathFactory):
    given = os.environ.get("KUBECTL_DATAMODEL_TEST_CLUSTER")  # the kubeconfig of one already up
    if given:
        yield realcluster.Cluster(Path(given))
        return
    if not realcluster.built():
        reason = "no kube-apiserver built: run scripts/test-cluster.sh build (needs apt access)"
        if os.environ.get("KUBECTL_DATAMODEL_REQUIRE_CLUSTER"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("cluster")
    kubeconfig = realcluster.up(folder)
    try:
        yield realcluster.Cluster(kubeconfig)
    finally:
        realcluster.down(folder)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db") / "inventory.db"


def stage(cluster: realcluster.Cluster, database: Path, folder: Path, notes: str) -> Stage:
    refused = cluster.load([*manifests(folder), *EXTRA_RESOURCES])
    result = cli_json(
        "snapshot", "--kubeconfig", cluster.kubeconfig, "--db-path", database, "--notes", notes
    )
    counts = server_counts(cluster)
    return Stage(refused, result["snapshot"]["id"], result, counts)


@pytest.fixture(scope="session")
def v1(real_cluster, database) -> Stage:
    return stage(real_cluster, database, CLUSTER_V1, "cluster-v1")


@pytest.fixture(scope="session")
def v2(real_cluster, database, v1) -> Stage:  # noqa: ARG001 - v1 must be taken first
    return stage(real_cluster, database, CLUSTER_V2, "cluster-v2")


def show(database: Path, snapshot_id: int) -> dict[str, Any]:
    return cli_json("database", "show", str(snapshot_id), "--db-path", database)


def test_instance_counts_equal_what_the_server_lists(v1, database):
    crds = {c["name"]: c["instance_count"] for c in show(database, v1.snapshot_id)["crds"]}
    assert crds == v1.server_counts
    assert crds["kafkatopics.kafka.strimzi.io"] == 3  # v1alpha1, v1beta1, v1beta2; stored v1beta2
    assert crds["httproutes.gateway.networking.k8s.io"] == 2
    assert crds["referencegrants.gateway.networking.k8s.io"] == 1  # made at v1alpha2
    assert crds["certificates.cert-manager.io"] >= 1  # the CSV's example resources


def test_the_server_refuses_the_upstream_examples_that_are_invalid(v1):
    """The test server accepts anything; a real one validates against the CRD's schema."""
    assert len(v1.refused) == 3
    assert all("is invalid" in message for message in v1.refused)
    assert any("CertificateRequest.cert-manager.io" in message for message in v1.refused)


def test_operators_are_linked_to_the_crds_they_manage(v1, database):
    shown = show(database, v1.snapshot_id)
    operators = {(o["namespace"], o["name"]): o for o in shown["operators"]}
    strimzi = operators[("default", "strimzi-cluster-operator")]
    assert "kafkatopics.kafka.strimzi.io" in strimzi["managed_crds"]
    assert strimzi["version"] == "0.45.0"
    cert_manager = operators[("cert-manager", "cert-manager")]
    assert "certificates.cert-manager.io" in cert_manager["managed_crds"]
    assert operators[("external-secrets", "release-name-external-secrets")]["framework"] == "Helm"
    assert len(operators) == 14


def test_a_count_costs_one_request_per_crd(real_cluster, v1, tmp_path):  # noqa: ARG001 - v1 loaded
    """Kubernetes 1.20 leaves remainingItemCount out of metadata-only lists (the test server
    did not, until it learnt to): counting must find that out once, not page every CRD."""
    before = real_cluster.requests()
    result = cli_json("snapshot", "--kubeconfig", real_cluster.kubeconfig,
                      "--db-path", tmp_path / "inventory.db")  # fmt: skip
    made = real_cluster.requests() - before
    groups = {c["spec"]["group"] for c in real_cluster.list_items(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition")}  # fmt: skip
    counts = sum(n for (verb, group, _), n in made.items() if verb == "LIST" and group in groups)
    crds = result["snapshot"]["crd_count"]
    # one LIST per CRD, one of CSVs, and at most one miss per worker thread (--concurrency 8)
    assert crds + 1 <= counts <= crds + 1 + 8


def test_cluster_service_versions(v1, database):
    shown = show(database, v1.snapshot_id)
    csvs = {(c["namespace"], c["name"]): c["version"] for c in shown["csvs"]}
    assert csvs == {
        ("olm", "packageserver"): "0.16.1",
        ("placeholder", "argocd-operator.v0.10.0"): "0.10.0",
        ("placeholder", "grafana-operator.v5.20.0"): "5.20.0",
    }


def test_cluster_info_is_the_servers(v1, database, real_cluster):
    info = show(database, v1.snapshot_id)["snapshot"]["cluster_info"]
    server = real_cluster.api.configuration.host
    assert info["server"] == server
    assert info["version"] == "v1.20.2"
    assert info["node_count"] == 0  # an API server without kubelets
    assert v1.result["warnings"] == []


def diff(database: Path, old: int | str, new: int | str, *args: str) -> tuple[int, dict]:
    result = cli("diff", str(old), str(new), "--db-path", database, "-o", "json", *args)
    assert result.returncode in {0, 3}, result.stderr
    return result.returncode, json.loads(result.stdout)


def changed(report: dict, rule: str) -> set[str]:
    return {c["name"] for c in report["changes"] if c["rule"] == rule}


def test_manifests_against_the_cluster_they_were_loaded_into_show_only_real_drift(v1, database):
    """What kube-apiserver rewrites (defaults, canonical quantities, empty values left out) is
    not drift; what it really changed is: 1.20 drops CEL rules it does not know, and the
    examples it refused are not there."""
    result = cli("diff", str(v1.snapshot_id), "--against-dir", CLUSTER_V1, "--db-path", database,
                 "-o", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rules = {
        (c["kind"], c["rule"])
        for c in json.loads(result.stdout)["changes"]
        if "external-secrets" not in c["name"].lower()  # placeholders filled in when loaded
    }
    assert rules == {("CRD", "schema.validation-rule"), ("CRD", "crd.instances.first")}


def test_the_server_refuses_to_drop_a_stored_version_that_diff_calls_breaking(v2, tmp_path):
    """strimzi 1.0.0 drops v1beta2, which the 0.45.0 objects are stored at: the server says no,
    and the offline diff of the same manifests had already marked it breaking."""
    refused = {m.split('"')[1] for m in v2.refused if "must appear in spec.versions" in m}
    assert "kafkatopics.kafka.strimzi.io" in refused
    assert all(name.endswith("strimzi.io") for name in refused)
    database = tmp_path / "offline.db"
    for folder in (CLUSTER_V1, CLUSTER_V2):
        assert cli("snapshot", "--from-dir", folder, "--db-path", database).returncode == 0
    _, offline = diff(database, 1, 2)
    removed = {c["name"] for c in offline["changes"]
               if c["rule"] == "crd.version.removed" and c["severity"] == "breaking"}  # fmt: skip
    assert refused <= removed


def test_drift_between_two_states_of_the_cluster(v1, v2, database):
    status, report = diff(database, v1.snapshot_id, v2.snapshot_id, "--fail-on", "breaking")
    assert status == 3
    images = {(c["namespace"], c["name"]): (c["old"], c["new"]) for c in report["changes"]
              if c["rule"] == "operator.image"}  # fmt: skip
    assert images[("cert-manager", "cert-manager")] == (
        "quay.io/jetstack/cert-manager-controller:v1.12.2",
        "quay.io/jetstack/cert-manager-controller:v1.16.1",
    )
    assert "httproutes.gateway.networking.k8s.io" in changed(report, "crd.version.added")
    assert "externalsecrets.external-secrets.io" in changed(report, "crd.version.removed")
    strimzi = {c["name"] for c in report["changes"] if c["name"].endswith("strimzi.io")}
    assert strimzi == set()  # the server refused the upgrade: nothing changed there
    assert {"argocd-operator", "grafana-operator"} <= changed(report, "csv.added")
    # (nothing runs OLM here, so the old CSVs stay beside the new ones)


def token_for(cluster: realcluster.Cluster, name: str, groups: list[str]) -> str:
    """A ServiceAccount that may read everything but `groups`' resources, and its token."""
    from kubernetes import client

    core, rbac = client.CoreV1Api(cluster.api), client.RbacAuthorizationV1Api(cluster.api)
    core.create_namespaced_service_account("default", {"metadata": {"name": name}})
    allowed = sorted({c["spec"]["group"] for c in cluster.list_items(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition")} - set(groups))  # fmt: skip
    rules = [
        {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
         "verbs": ["get", "list"]},
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "daemonsets"],
         "verbs": ["list"]},
        {"apiGroups": [""], "resources": ["nodes", "namespaces"], "verbs": ["list"]},
        {"apiGroups": allowed, "resources": ["*"], "verbs": ["list"]},
    ]  # fmt: skip
    rbac.create_cluster_role({"metadata": {"name": name}, "rules": rules})
    rbac.create_cluster_role_binding({
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "default"}],
    })  # fmt: skip
    request = core.create_namespaced_service_account_token(
        name, "default", {"spec": {"expirationSeconds": 3600}}
    )
    return request.status.token


@pytest.fixture(scope="session")
def viewer_kubeconfig(real_cluster, v1, tmp_path_factory) -> Path:  # noqa: ARG001 - after v1
    """A token user who may not read cert-manager's resources nor OLM's."""
    token = token_for(real_cluster, "inventory-reader", ["cert-manager.io", "operators.coreos.com"])
    folder = tmp_path_factory.mktemp("viewer")
    ca = folder / "ca.crt"
    ca.write_bytes(Path(real_cluster.api.configuration.ssl_ca_cert).read_bytes())
    return write_kubeconfig(
        folder / "config", real_cluster.api.configuration.host, context="viewer",
        certificate_authority=str(ca), token=token,
    )  # fmt: skip


def test_a_user_forbidden_some_kinds_gets_a_partial_snapshot_with_warnings(
    viewer_kubeconfig, tmp_path
):
    database = tmp_path / "inventory.db"
    result = cli_json("snapshot", "--kubeconfig", viewer_kubeconfig, "--db-path", database)
    warnings = "\n".join(result["warnings"])
    assert "certificates.cert-manager.io" in warnings
    assert "clusterserviceversions" in warnings
    assert "kafkatopics" not in warnings
    shown = show(database, result["snapshot"]["id"])
    counts = {c["name"]: c["instance_count"] for c in shown["crds"]}
    assert counts["kafkatopics.kafka.strimzi.io"] == 3
    assert counts["certificates.cert-manager.io"] is None  # unknown, not zero
    assert shown["csvs"] == []
    assert shown["warnings"] == result["warnings"]
    # CSVs and the webhook Service are operator evidence; refused counts leave CRDs whole
    assert shown["snapshot"]["partial"] == ["operators", "olm"]
    token = json.loads(viewer_kubeconfig.read_text())["users"][0]["user"]["token"]
    assert token.encode() not in database.read_bytes()


def test_two_kubeconfig_files_merge_as_kubectl_merges_them(
    real_cluster, viewer_kubeconfig, tmp_path
):
    """The first file to set current-context wins; --context picks any merged context."""
    admin = real_cluster.kubeconfig
    database = tmp_path / "inventory.db"
    first = cli_json("snapshot", "--db-path", database,
                     env={"KUBECONFIG": f"{viewer_kubeconfig}{os.pathsep}{admin}"})  # fmt: skip
    second = cli_json("snapshot", "--db-path", database,
                      env={"KUBECONFIG": f"{admin}{os.pathsep}{viewer_kubeconfig}"})  # fmt: skip
    chosen = cli_json("snapshot", "--db-path", database, "--context", "viewer",
                      env={"KUBECONFIG": f"{admin}{os.pathsep}{viewer_kubeconfig}"})  # fmt: skip
    contexts = [r["snapshot"]["cluster_context"] for r in (first, second, chosen)]
    assert contexts == ["viewer", "test-cluster", "viewer"]
    assert [bool(r["warnings"]) for r in (first, second, chosen)] == [True, False, True]


def test_two_contexts_in_one_run_are_two_snapshots(real_cluster, viewer_kubeconfig, tmp_path):
    """snapshot --all-contexts over the admin's and the viewer's contexts of the one server:
    read at once, one snapshot each; the viewer's is partial, its CRDs the same."""
    database = tmp_path / "inventory.db"
    env = {"KUBECONFIG": f"{real_cluster.kubeconfig}{os.pathsep}{viewer_kubeconfig}"}
    result = cli("snapshot", "--all-contexts", "-o", "json", "--db-path", database, env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["failed"] == []
    by_context = {s["context"]: s for s in document["snapshots"]}
    assert sorted(by_context) == ["test-cluster", "viewer"]
    admin, viewer = by_context["test-cluster"]["snapshot"], by_context["viewer"]["snapshot"]
    assert admin["crd_count"] == viewer["crd_count"] > 0
    assert (admin["partial"], bool(viewer["partial"])) == ([], True)
    assert len(result.stderr.splitlines()) >= 2  # a line per cluster, and the viewer's warnings


def test_the_script_is_idempotent_and_stops_only_what_it_started(real_cluster, tmp_path):
    """A second cluster beside the session's: up twice, down twice, a recycled pid spared."""
    folder = tmp_path / "second"
    kubeconfig = realcluster.up(folder)
    again = realcluster.script("up", folder)
    assert again.returncode == 0
    assert "already up" in again.stderr
    assert again.stdout == f"export KUBECONFIG={kubeconfig}\n"
    decoy = subprocess.Popen(["sleep", "60"])  # a process that happens to reuse a pid
    try:
        apiserver = int((folder / "kube-apiserver.pid").read_text())
        os.kill(apiserver, 15)  # it goes away; its pid file now names the decoy
        (folder / "kube-apiserver.pid").write_text(str(decoy.pid))
        down = realcluster.script("down", folder)
        assert down.returncode == 0
        assert decoy.poll() is None, "down killed a process it did not start"
        assert "down (1 process stopped)" in down.stderr  # etcd only
        assert not folder.exists()
        assert realcluster.script("down", folder).returncode == 0
        env = realcluster.script("env", folder)
        assert (env.returncode, env.stderr) == (1, "test-cluster: error: not up: run "
                                               f"{realcluster.SCRIPT} up\n")  # fmt: skip
    finally:
        decoy.kill()
        decoy.wait()
    assert real_cluster.list_items("v1", "Namespace")  # the session's cluster is untouched


def test_requested_kinds_are_read_from_the_server_as_it_holds_them(v2, real_cluster, tmp_path):  # noqa: ARG001 - after v2
    """Namespaces with quotas, nodes, a Helm release and ConfigMaps, loaded through the API and
    captured with --include: each record says what the server itself returns."""
    kinds_dir = CLUSTER_V1.parent.parent / "tests" / "data" / "kinds" / "v1"
    placeholder = ("Namespace", realcluster.NAMESPACE[0])  # the loader fills it in elsewhere
    objects = [
        _creatable(o)
        for o in manifests(kinds_dir)
        if (o["kind"], o["metadata"]["name"]) != placeholder
    ]
    real_cluster.load(objects)
    for namespace in (o for o in objects if o["kind"] == "Namespace"):
        real_cluster.put(namespace)  # load() makes bare namespaces; these carry labels
    database = tmp_path / "kinds.db"
    result = cli_json(
        "snapshot", "--kubeconfig", real_cluster.kubeconfig, "--db-path", database,
        "--include", "namespaces,nodes,helm;v1/ConfigMap",
    )  # fmt: skip
    stored = show(database, result["snapshot"]["id"])

    served = {n["metadata"]["name"]: n for n in real_cluster.list_items("v1", "Node")}
    nodes = {n["name"]: n for n in stored["nodes"]}
    assert set(nodes) == set(served) >= {"node-1", "node-2"}
    # the server taints every new node not-ready (TaintNodesByCondition); timeAdded is dropped
    assert nodes["node-2"]["taints"] == [
        {k: v for k, v in t.items() if k != "timeAdded"} for t in served["node-2"]["spec"]["taints"]
    ]
    assert {"key": "dedicated", "value": "infra", "effect": "NoSchedule"} in nodes["node-2"][
        "taints"
    ]
    assert nodes["node-1"]["provider"] == "aws"
    info = served["node-1"]["status"].get("nodeInfo") or {}
    assert nodes["node-1"]["kubelet_version"] == (info.get("kubeletVersion") or None)

    namespaces = {n["name"]: n for n in stored["namespaces"]}
    assert {"team-a", "legacy", "cert-manager", "external-secrets"} <= set(namespaces)
    assert namespaces["team-a"]["quotas"]["compute"]["requests.cpu"] == "4"
    assert namespaces["team-a"]["labels"] == {"pod-security.kubernetes.io/enforce": "baseline"}

    (release,) = stored["helm_releases"]
    assert (release["name"], release["namespace"], release["revision"]) == (
        "release-name", "external-secrets", 1,
    )  # fmt: skip
    assert (release["chart"], release["chart_version"]) == ("external-secrets", "0.17.0")
    assert b"STAND-IN HELM" not in database.read_bytes()
    assert "app-settings" in {r["name"] for r in stored["resources"]}


def _creatable(obj: dict[str, Any]) -> dict[str, Any]:
    """A `kubectl get -o yaml` object as it can be created: without what the server assigns."""
    metadata = {k: v for k, v in obj["metadata"].items() if k not in ("resourceVersion", "uid")}
    return {**obj, "metadata": metadata}
