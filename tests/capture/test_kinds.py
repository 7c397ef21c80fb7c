"""`snapshot --include`: namespaces, nodes, Helm releases and GROUP/VERSION/Kind objects, from
files and from a cluster, stored, queried, exported and compared."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from kubectl_datamodel.capture import includes as kinds
from tests.support.fakeapi import FakeApiServer, FakeCluster, load_manifests
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, ROOT

KINDS = ROOT / "tests" / "data" / "kinds"
INCLUDE = "namespaces,nodes,helm;v1/ConfigMap"
PAYLOAD = "STAND-IN HELM RELEASE PAYLOAD"
TOKEN = "kinds-token"
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def inputs(version: int) -> list[str | Path]:
    """The release's own objects are upstream's external-secrets chart, rendered."""
    cluster = CLUSTER_V1 if version == 1 else CLUSTER_V2
    return [
        "--from-dir",
        KINDS / f"v{version}",
        "--from-dir",
        cluster / "operators" / "external-secrets",
    ]


def take(run, db_path, version: int, *extra: str | Path, include: str = INCLUDE):
    result = run(
        "snapshot", *inputs(version), "--context", "prod", "--include", include,
        "--db-path", db_path, "-q", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result


def show(run, db_path, snapshot_id: int) -> dict:
    result = run("database", "show", str(snapshot_id), "-o", "json", "--db-path", db_path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture
def two_snapshots(run, db_path) -> Path:
    take(run, db_path, 1)
    take(run, db_path, 2)
    return db_path


# -- what is captured ---------------------------------------------------------------------------


def test_namespaces_carry_their_quotas_and_limit_ranges(run, two_snapshots):
    namespaces = {n["name"]: n for n in show(run, two_snapshots, 1)["namespaces"]}
    assert sorted(namespaces) == ["NAMESPACE", "cert-manager", "legacy", "team-a"]
    team_a = namespaces["team-a"]
    assert team_a["labels"] == {"pod-security.kubernetes.io/enforce": "baseline"}
    assert team_a["phase"] == "Active"
    assert team_a["quotas"] == {
        "compute": {
            "requests.cpu": "4",
            "requests.memory": "8Gi",
            "limits.memory": "16Gi",
            "pods": "20",
        }
    }
    (limit,) = team_a["limit_ranges"]["container-defaults"]
    assert limit["default"] == {"cpu": "500m", "memory": "512Mi"}


def test_nodes_keep_scheduling_facts_and_drop_what_changes_by_itself(run, two_snapshots):
    result = run(
        "database", "export", "1", "--include-specs", "-o", "json", "--db-path", two_snapshots
    )
    nodes = {n["name"]: n for n in json.loads(result.stdout)["nodes"]}
    node = nodes["node-2"]
    assert node["kubelet_version"] == "v1.29.4"
    assert node["provider"] == "aws"
    assert node["architecture"] == "amd64"
    assert node["container_runtime"] == "containerd://1.7.11"
    assert node["allocatable"]["cpu"] == "3920m"
    assert node["conditions"] == {
        "MemoryPressure": "False",
        "DiskPressure": "False",
        "PIDPressure": "False",
        "Ready": "True",
    }
    assert node["taints"] == [{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}]
    text = json.dumps(node["spec"])
    for volatile in ("boot-b1", "lastHeartbeatTime", "pause:3.9", "resourceVersion"):
        assert volatile not in text


def test_helm_releases_come_from_labels_at_their_newest_revision(run, two_snapshots):
    (before,) = show(run, two_snapshots, 1)["helm_releases"]
    (after,) = show(run, two_snapshots, 2)["helm_releases"]
    assert before == {
        "name": "RELEASE-NAME",
        "namespace": "NAMESPACE",
        "chart": "external-secrets",
        "chart_version": "0.15.1",
        "app_version": "v0.15.1",
        "revision": 1,
        "status": "deployed",
        "storage": "Secret",
        "updated": "2024-03-01T09:10:00Z",
    }
    assert (after["revision"], after["status"], after["chart_version"]) == (2, "deployed", "0.17.0")


def test_the_helm_release_payload_never_reaches_the_database(run, two_snapshots, tmp_path):
    encoded = base64.b64encode(PAYLOAD.encode()).decode()[:24]
    exported = tmp_path / "export.json"
    run(
        "database", "export", "2", "--include-specs", "--file", exported, "--db-path", two_snapshots
    )
    for path in (two_snapshots, exported):
        content = path.read_bytes()
        assert encoded.encode() not in content and PAYLOAD.encode() not in content
    assert "sh.helm.release.v1.RELEASE-NAME.v2" in exported.read_text()


def test_pattern_objects_are_stored_whole_and_queryable(run, two_snapshots):
    result = run(
        "query",
        "SELECT api_version, kind, namespace, name, json_extract(spec, '$.data.\"log-level\"') "
        "AS level FROM resources ORDER BY snapshot_id",
        "-o", "json", "--db-path", two_snapshots,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [(i["kind"], i["name"], i["level"]) for i in json.loads(result.stdout)["items"]] == [
        ("ConfigMap", "app-settings", "info"),
        ("ConfigMap", "app-settings", "debug"),
    ]
    nodes = run(
        "query", "SELECT name, ready, kubelet_version FROM nodes WHERE snapshot_id = 2",
        "-o", "csv", "--db-path", two_snapshots,
    )  # fmt: skip
    assert (
        nodes.stdout == "name,ready,kubelet_version\nnode-1,True,v1.30.2\nnode-2,Unknown,v1.29.4\n"
    )


def test_show_prints_a_table_per_requested_kind(run, two_snapshots):
    result = run("database", "show", "2", "--db-path", two_snapshots)
    assert result.exit_code == 0, result.stderr
    for title in ("Namespaces", "Nodes", "Helm releases", "Resources"):
        assert f"# {title}" in result.stdout
    assert "RELEASE-NAME   external-secrets   0.17.0" in result.stdout


def test_a_namespace_filter_keeps_that_namespace_only(run, db_path):
    take(run, db_path, 1, "-n", "team-a")
    stored = show(run, db_path, 1)
    assert [n["name"] for n in stored["namespaces"]] == ["team-a"]
    assert stored["helm_releases"] == []
    assert [r["name"] for r in stored["resources"]] == ["app-settings"]


def test_a_kind_missing_from_the_input_is_a_warning(run, db_path):
    result = run(
        "snapshot", "--from-dir", KINDS / "v1", "--include", "apps/v1/DaemonSet",
        "--db-path", db_path,
    )  # fmt: skip
    assert result.exit_code == 0
    assert "warning: --include apps/v1/DaemonSet: no objects of this kind in the input" in (
        result.stderr
    )


# -- drift --------------------------------------------------------------------------------------


def test_drift_names_each_kinds_changes(run, two_snapshots):
    result = run("diff", "1", "2", "-o", "json", "--fail-on", "warning", "--db-path", two_snapshots)
    assert result.exit_code == 3, result.stderr
    found = {
        (c["kind"], c["name"], c["rule"], c["severity"], c["path"])
        for c in json.loads(result.stdout)["changes"]
        if c["kind"] not in ("Operator",)
    }
    assert found == {
        ("Namespace", "legacy", "namespace.removed", "warning", ""),
        ("Namespace", "team-b", "namespace.added", "info", ""),
        (
            "Namespace", "team-a", "namespace.quota", "info",
            ".resourceQuotas.compute.hard[requests.cpu]",
        ),
        (
            "Namespace", "team-a", "namespace.limit-range", "info",
            ".limitRanges.container-defaults.limits[0].default.memory",
        ),
        ("Node", "node-1", "node.kubelet-version", "info", "kubelet_version"),
        ("Node", "node-2", "node.ready", "warning", "conditions.Ready"),
        (
            "Node", "node-2", "node.taint", "warning",
            "taints[node.kubernetes.io/unreachable:NoExecute]",
        ),
        ("HelmRelease", "RELEASE-NAME", "helm.chart-version", "info", "chart_version"),
        ("HelmRelease", "RELEASE-NAME", "helm.app-version", "info", "app_version"),
        ("ConfigMap", "app-settings", "resource.field", "info", ".data.log-level"),
    }  # fmt: skip


def test_markdown_groups_the_new_kinds(run, two_snapshots):
    result = run("diff", "1", "2", "-o", "markdown", "--db-path", two_snapshots)
    assert result.exit_code == 0, result.stderr
    components = result.stdout[result.stdout.index("| component |") :].split("\n\n")[0]
    for component in ("Namespaces", "Nodes", "external\\-secrets (Helm)", "ConfigMap"):
        assert f"| {component} |" in components  # the release and its workloads: one component
    assert "`helm.chart-version`" in result.stdout


def test_kinds_captured_on_one_side_only_are_noted_not_reported(run, db_path):
    take(run, db_path, 1)
    take(run, db_path, 2, include="namespaces;apps/v1/Deployment")
    result = run("diff", "1", "2", "-o", "json", "--db-path", db_path)
    document = json.loads(result.stdout)
    assert {c["kind"] for c in document["changes"]} == {"Operator", "Namespace"}
    assert document["notes"] == [
        "Nodes not compared: snapshot 2 (context prod) did not capture them",
        "Helm releases not compared: snapshot 2 (context prod) did not capture them",
        "apps/v1/Deployment objects not compared: snapshot 1 (context prod) did not capture them",
        "v1/ConfigMap objects not compared: snapshot 2 (context prod) did not capture them",
    ]


def test_an_export_round_trips_through_diff(run, two_snapshots, tmp_path):
    exported = tmp_path / "two.json"
    run(
        "database", "export", "2", "--include-specs", "--file", exported, "--db-path", two_snapshots
    )
    result = run("diff", str(exported), "2", "-o", "json", "--db-path", two_snapshots)
    document = json.loads(result.stdout)
    assert (result.exit_code, document["changes"], document["notes"]) == (0, [], [])


def test_unchanged_input_reports_nothing(run, db_path):
    take(run, db_path, 1)
    take(run, db_path, 1)
    result = run("diff", "1", "2", "-o", "json", "--db-path", db_path)
    assert json.loads(result.stdout)["changes"] == []


# -- what --include accepts ---------------------------------------------------------------------


def test_includes_are_split_deduplicated_and_ordered():
    assert kinds.parse_includes(["v1/ConfigMap;helm", "namespaces, core/v1/ConfigMap"]) == (
        "namespaces",
        "helm",
        "v1/ConfigMap",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pods", "--include 'pods': unknown kind; expected namespaces, nodes, helm, GROUP/VERSION"),
        ("v1/configmap", "'configmap' is not a kind; kinds are CamelCase (ConfigMap)"),
        ("apps/1/Deployment", "'1' is not an API version (v1, v1beta1, ...)"),
        ("Apps/v1/Deployment", "'Apps' is not an API group name"),
        ("a/b/c/D", "--include 'a/b/c/D': unknown kind"),
    ],
)
def test_a_bad_include_is_a_usage_error_and_writes_nothing(run, db_path, value, message):
    result = run("snapshot", *inputs(1), "--include", value, "--db-path", db_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {result.stderr.strip()[7:]}"
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not db_path.exists()


# -- live ---------------------------------------------------------------------------------------


def _cluster_objects(version: int) -> list[dict]:
    objects = [o for p in sorted((KINDS / f"v{version}").glob("*.yaml")) for o in load_manifests(p)]
    source = CLUSTER_V1 if version == 1 else CLUSTER_V2
    for path in sorted((source / "operators" / "external-secrets").glob("*.yaml")):
        objects += load_manifests(path)
    return objects


@pytest.fixture(scope="module")
def kinds_cluster() -> FakeCluster:
    cluster = FakeCluster()
    cluster.add(*_cluster_objects(1))
    return cluster


@pytest.fixture
def live(kinds_cluster, tmp_path):
    with FakeApiServer(kinds_cluster, token=TOKEN) as server:
        config = write_kubeconfig(tmp_path / "config", server.url, context="prod", token=TOKEN)
        yield server, config


def test_live_and_offline_make_the_same_records(run, live, db_path):
    _server, config = live
    result = run(
        "snapshot", "--kubeconfig", config, "--include", INCLUDE, "--db-path", db_path, "-q"
    )
    assert result.exit_code == 0, result.stderr
    take(run, db_path, 1)
    from_cluster, from_files = show(run, db_path, 1), show(run, db_path, 2)
    for section in ("namespaces", "nodes", "helm_releases", "resources"):
        assert from_cluster[section] == from_files[section], section
    assert len(from_cluster["nodes"]) == 2
    diff = run("diff", "1", "2", "-o", "json", "--db-path", db_path)
    kinds_changed = {c["kind"] for c in json.loads(diff.stdout)["changes"]}
    assert kinds_changed <= {"Operator", "CRD", "CSV"}


def test_live_helm_storage_is_read_as_metadata_only(run, live, db_path):
    server, config = live
    result = run(
        "snapshot", "--kubeconfig", config, "--include", "helm;v1/Secret",
        "--db-path", db_path, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    secret_lists = [r for r in server.requests if r.path.endswith("/secrets")]
    assert secret_lists and all(r.accept == METADATA_ONLY for r in secret_lists)
    assert {r.query.get("labelSelector") for r in secret_lists} == {"owner=helm", None}
    content = db_path.read_bytes()
    assert base64.b64encode(PAYLOAD.encode())[:24] not in content
    (secret,) = show(run, db_path, 1)["resources"]
    assert secret["name"] == "sh.helm.release.v1.RELEASE-NAME.v1"
    (release,) = show(run, db_path, 1)["helm_releases"]
    assert (release["chart"], release["chart_version"]) == ("external-secrets", "0.15.1")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "apps/v1/Deploymnet",
            "--include apps/v1/Deploymnet: context prod serves no kind Deploymnet in apps/v1; "
            "did you mean apps/v1/Deployment?",
        ),
        ("example.com/v1/Widget", "--include example.com/v1/Widget: context prod does not serve"),
    ],
)
def test_live_unknown_kind_is_an_error_and_writes_nothing(run, live, db_path, pattern, message):
    _server, config = live
    result = run("snapshot", "--kubeconfig", config, "--include", pattern, "--db-path", db_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert digest(db_path) is None


def test_live_forbidden_helm_storage_is_a_warning(run, live, db_path):
    server, config = live
    server.inject(r"/secrets$", 403)
    result = run(
        "snapshot", "--kubeconfig", config, "--include", "helm,namespaces", "--db-path", db_path
    )
    assert result.exit_code == 0, result.stderr
    assert "warning: not allowed to read these (403)" in result.stderr
    assert result.stderr.rstrip().endswith(": helm secrets")
    stored = show(run, db_path, 1)
    assert stored["helm_releases"] == [] and len(stored["namespaces"]) == 4
    assert any("helm secrets" in w for w in stored["warnings"])


def test_the_overview_counts_what_was_captured(run, two_snapshots):
    result = run("analyze", "overview", "-o", "json", "--db-path", two_snapshots)
    assert result.exit_code == 0, result.stderr
    (captured,) = [t for t in json.loads(result.stdout)["tables"] if t["name"] == "captured"]
    assert dict(map(tuple, captured["rows"])) == {
        "CRDs": 0,
        "Operators": 1,
        "ClusterServiceVersions": 0,
        "Namespaces": 4,
        "Nodes": 2,
        "Helm releases": 1,
        "v1/ConfigMap": 1,
    }
