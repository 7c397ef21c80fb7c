"""What a comparison with manifests covers (docs/drift.md, "Scope").

A repository that manages part of a cluster (here cert-manager and gateway-api, as the
examples ship them) is compared, by default, only where its manifests declare an object: the
rest of the cluster (prometheus-operator, strimzi, external-secrets, Argo CD, OLM) is listed as
not managed here, never removed, and fails nothing. `--scope cluster` compares the whole
snapshot as before. `--base-dir BASE --against-dir HEAD` compares what a pull request changes
(strimzi 0.45.0 to 1.0.0, which drops the KafkaMirrorMaker CRD), its impact counted in a live
snapshot of the test API server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.examplecluster import KAFKAS, TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2

MANAGED = ("cert-manager", "gateway-api")  # what the partial repository holds
MIRROR_MAKERS = "kafkamirrormakers.kafka.strimzi.io"  # removed in strimzi 1.0.0
# cluster-v1 holds 60 CRDs, 14 operator workloads and 3 CSVs; cert-manager and gateway-api
# are 10 CRDs and 4 workloads of them.
UNMANAGED = {"CRD": 50, "Operator": 10, "CSV": 3}
UNMANAGED_NOTE = (
    "compared only the 14 objects the manifests declare; 50 CRDs, 10 operators and 3 "
    "ClusterServiceVersions of snapshot 1 (context demo) are not managed here (--scope cluster "
    "compares them)"
)


def partial_repo(tmp_path: Path, cluster: Path) -> Path:
    """A repository holding only cert-manager's and gateway-api's CRDs and workloads."""
    repo = tmp_path / f"repo-{cluster.name}"
    for part in ("crds", "operators"):
        for project in MANAGED:
            shutil.copytree(cluster / part / project, repo / part / project)
    return repo


@pytest.fixture
def v1_stored(run, db_path) -> Path:
    """The whole of cluster-v1 as snapshot 1 of context demo."""
    result = run("snapshot", "--from-dir", CLUSTER_V1, "--context", "demo", "-q",
                 "--db-path", db_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return db_path


def diff_json(run, *args: object, status: int = 0) -> dict:
    result = run("diff", *args, "-o", "json")
    assert result.exit_code == status, result.stderr
    return json.loads(result.stdout)


def kinds(found: list[dict]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in found:
        counted[item["kind"]] = counted.get(item["kind"], 0) + 1
    return counted


def assert_one_line_error(result, status: int, needle: str) -> None:
    assert result.exit_code == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert needle in lines[0], lines[0]


# -- a partial repository: --scope manifests, the default ------------------------------------------


def test_a_partial_repository_does_not_remove_the_rest_of_the_cluster(run, v1_stored, tmp_path):
    """The issue's case: before, every CRD of the cluster the repository does not hold was a
    breaking crd.removed, and `--fail-on breaking` failed. Now the upgrade of what it holds is
    reported, and the rest is listed as not managed here, failing nothing."""
    repo = partial_repo(tmp_path, CLUSTER_V2)
    document = diff_json(run, "latest", "--against-dir", repo, "--fail-on", "breaking",
                         "--db-path", v1_stored)  # fmt: skip
    summary = document["summary"]
    assert (summary["breaking"], summary["failed"], summary["unmanaged"]) == (0, False, 63)
    assert summary["total"] == len(document["changes"]) > 0  # cert-manager 1.12 → 1.16 and all
    assert document["scope"] == "manifests"
    assert kinds(document["unmanaged"]) == UNMANAGED
    assert document["notes"] == [UNMANAGED_NOTE]
    assert {c["rule"] for c in document["unmanaged"]} == {"scope.unmanaged"}
    assert {(c["severity"], c["action"]) for c in document["unmanaged"]} == {("info", "unmanaged")}
    assert "monitoring.coreos.com" not in json.dumps(document["changes"])
    assert document["rules"]["scope.unmanaged"].startswith("the manifests do not declare it")
    components = {c["component"] for c in document["unmanaged"]}
    assert {"workload:default/prometheus-operator", "olm:placeholder/grafana-operator"} <= (
        components
    )
    managed = {c["name"] for c in document["components"]}
    assert managed == {"cert-manager", "gateway-api-admission-server"}


def test_the_whole_cluster_scope_still_reports_the_removals(run, v1_stored, tmp_path):
    """--scope cluster is the comparison of before: what the manifests lack is removed, and
    those removals are exactly the CRDs the default scope lists as not managed here."""
    repo = partial_repo(tmp_path, CLUSTER_V2)
    args = ("latest", "--against-dir", repo, "--fail-on", "breaking", "--db-path", v1_stored)
    whole = diff_json(run, *args, "--scope", "cluster", status=3)
    scoped = diff_json(run, *args)
    assert whole["scope"] == "cluster" and whole["unmanaged"] == []
    removed = {c["name"] for c in whole["changes"] if c["rule"] == "crd.removed"}
    assert whole["summary"]["breaking"] == len(removed) == 50
    assert "prometheuses.monitoring.coreos.com" in removed
    assert removed == {c["name"] for c in scoped["unmanaged"] if c["kind"] == "CRD"}
    assert whole["summary"]["failed"] is True


def test_not_managed_here_fails_no_level_and_is_no_drift(run, v1_stored, tmp_path):
    """The repository as the cluster runs it: nothing it declares changed, so there is no
    drift, `--fail-on any` passes, and the 63 other objects are listed, not counted."""
    repo = partial_repo(tmp_path, CLUSTER_V1)
    args = ("latest", "--against-dir", repo, "--db-path", v1_stored)
    document = diff_json(run, *args, "--fail-on", "any")
    assert document["changes"] == [] and document["summary"]["drift"] is False
    assert document["summary"]["unmanaged"] == 63
    table = run("diff", *args, "--fail-on", "any")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith("passes --fail-on info: no drift between snapshot 1 (demo,")
    assert table.stdout.endswith(
        "\n63 objects of snapshot 1 (context demo) not managed here (not in the manifests, "
        "not compared): -v lists them.\n"
    )
    assert table.stderr == f"note: {UNMANAGED_NOTE}\n"


def test_not_managed_here_in_the_markdown_and_with_all(run, v1_stored, tmp_path):
    repo = partial_repo(tmp_path, CLUSTER_V1)
    args = ("latest", "--against-dir", repo, "--db-path", v1_stored)
    markdown = run("diff", *args, "-o", "markdown").stdout
    assert "<summary>🔵 63 objects not managed here: in snapshot 1 \\(context demo\\)" in markdown
    assert "| prometheus\\-operator | CRD | 8 | alertmanagerconfigs\\.monitoring" in markdown
    assert "(`scope.unmanaged`)" in markdown
    cut = run("diff", *args, "-o", "markdown", "--markdown-limit", "1200").stdout
    assert len(cut) <= 1200
    assert "63 objects not managed here not shown here" in cut  # the first detail to go
    listed = run("diff", *args, "-v").stdout
    assert "# Not managed here" in listed
    assert "CRD        prometheuses.monitoring.coreos.com" in listed


def test_severity_and_component_narrow_the_list(run, v1_stored, tmp_path):
    repo = partial_repo(tmp_path, CLUSTER_V1)
    args = ("latest", "--against-dir", repo, "--db-path", v1_stored)
    assert diff_json(run, *args, "--severity", "warning")["unmanaged"] == []
    only = diff_json(run, *args, "--component", "prometheus-operator")["unmanaged"]
    assert kinds(only) == {"CRD": 8, "Operator": 1}


def test_manifests_match_the_snapshot_as_the_comparison_matches_them(run, v1_stored):
    """A CSV is declared by its package: cluster-v2's argocd-operator.v0.13.0 upgrades the
    snapshot's v0.10.0, it does not leave it unmanaged."""
    document = diff_json(run, "latest", "--against-dir", CLUSTER_V2 / "olm" / "csvs",
                         "--db-path", v1_stored)  # fmt: skip
    upgraded = [c for c in document["changes"] if c["rule"] == "csv.upgraded"]
    assert {(c["name"], c["old"], c["new"]) for c in upgraded} == {
        ("argocd-operator", "0.10.0", "0.13.0"),
        ("grafana-operator", "5.20.0", "5.22.2"),
        ("packageserver", "0.16.1", "0.18.1"),
    }
    assert kinds(document["unmanaged"]) == {"CRD": 60, "Operator": 14}


def test_the_whole_cluster_in_its_manifests_has_nothing_unmanaged(run, v1_stored):
    document = diff_json(run, "latest", "--against-dir", CLUSTER_V1, "--db-path", v1_stored)
    assert (document["changes"], document["unmanaged"], document["notes"]) == ([], [], [])


def test_workloads_without_a_namespace_are_declared_in_any(run, tmp_path, db_path):
    """Manifests rendered for `kubectl apply -n kafka` carry no namespace: the live snapshot's
    kafka/strimzi-cluster-operator is theirs, compared, not unmanaged."""
    with FakeApiServer(build_cluster(), token=TOKEN) as server:
        config = write_kubeconfig(tmp_path / "config", server.url, context="demo", token=TOKEN)
        assert run("snapshot", "--kubeconfig", config, "-q", "--db-path", db_path).exit_code == 0
    document = diff_json(run, "latest", "--against-dir", CLUSTER_V1 / "operators" / "strimzi",
                         "--db-path", db_path)  # fmt: skip
    unmanaged = {(c["kind"], c["namespace"], c["name"]) for c in document["unmanaged"]}
    assert ("Operator", "kafka", "strimzi-cluster-operator") not in unmanaged
    assert ("Operator", "cert-manager", "cert-manager") in unmanaged
    assert ("CRD", None, KAFKAS) in unmanaged  # the folder holds the workload alone


# -- base vs head: what a pull request changes --------------------------------------------------


@pytest.fixture
def live_stored(run, tmp_path, db_path) -> Path:
    """A snapshot of the test API server, where strimzi 0.45.0 runs 3 Kafkas and 4
    KafkaMirrorMakers, beside cert-manager, external-secrets and OLM."""
    cluster = build_cluster()
    cluster.generate(MIRROR_MAKERS, 4, namespaces=("kafka",))
    with FakeApiServer(cluster, token=TOKEN) as server:
        config = write_kubeconfig(tmp_path / "config", server.url, context="demo", token=TOKEN)
        assert run("snapshot", "--kubeconfig", config, "-q", "--db-path", db_path).exit_code == 0
    return db_path


BASE = CLUSTER_V1 / "crds" / "strimzi"
HEAD = CLUSTER_V2 / "crds" / "strimzi"


def test_base_vs_head_reports_what_the_pull_request_breaks_with_the_clusters_counts(
    run, live_stored
):
    document = diff_json(run, "latest", "--base-dir", BASE, "--against-dir", HEAD,
                         "--fail-on", "breaking", "--db-path", live_stored, status=3)  # fmt: skip
    assert document["scope"] == "base"
    assert (document["old"]["role"], document["new"]["role"]) == ("base", "head")
    assert (document["old"]["location"], document["new"]["location"]) == (str(BASE), str(HEAD))
    assert document["counts_from"]["snapshot_id"] == 1
    assert document["unmanaged"] == [] and document["notes"] == []
    (removed,) = [c for c in document["changes"] if c["rule"] == "crd.removed"]
    assert (removed["name"], removed["severity"]) == (MIRROR_MAKERS, "breaking")
    assert removed["impact"] == {"objects": 4, "of": MIRROR_MAKERS}
    kafkas = [c for c in document["changes"] if c["name"] == KAFKAS and c["severity"] == "breaking"]
    assert [(c["rule"], c["path"], c["impact"]) for c in kafkas] == [
        ("crd.version.removed", "versions[v1beta2]", {"objects": 3, "of": f"{KAFKAS} at v1beta2"})
    ]
    # Only what the pull request changes: the cluster's cert-manager, external-secrets and OLM,
    # and the strimzi workload neither manifest set holds, are not mentioned.
    assert {c["name"].split(".", 1)[1] for c in document["changes"]} == {
        "kafka.strimzi.io",
        "core.strimzi.io",
    }


def test_base_vs_head_reads_as_a_pull_request(run, live_stored):
    result = run("diff", "latest", "--base-dir", BASE, "--against-dir", HEAD,
                 "--db-path", live_stored)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("15 breaking, 10 warnings, 10 info (35 changes) between ")
    sides = f"manifests {BASE} (base) and manifests {HEAD}, objects counted in snapshot 1 (demo, "
    assert sides in first
    breaking = result.stdout.split("# Breaking changes\n")[1].splitlines()
    first_row = ["4", "objects", "kafka.strimzi.io", MIRROR_MAKERS, "crd.removed", "-"]
    assert breaking[1].split()[:6] == first_row
    assert breaking[2].split()[:2] == ["3", "objects"] and KAFKAS in breaking[2]


def test_base_vs_head_needs_no_database(run, tmp_path):
    missing = tmp_path / "none.db"
    document = diff_json(run, "--base-dir", BASE, "--against-dir", HEAD, "--db-path", missing)
    assert document["counts_from"] is None
    (removed,) = [c for c in document["changes"] if c["rule"] == "crd.removed"]
    assert removed["impact"] == {"objects": None, "of": MIRROR_MAKERS}
    assert document["notes"] == [
        "objects at risk not known: no snapshot to count them in (diff REF --base-dir ... counts "
        "them in snapshot REF)"
    ]
    assert document["old"]["cluster_context"] == "strimzi"  # the folder's name, as manifests
    assert not missing.exists()


def test_base_vs_head_counts_in_an_export_file(run, live_stored, tmp_path):
    exported = tmp_path / "s1.json"
    assert (
        run("database", "export", "1", "--file", exported, "--db-path", live_stored).exit_code == 0
    )
    document = diff_json(run, exported, "--base-dir", BASE, "--against-dir", HEAD,
                         "--db-path", tmp_path / "none.db")  # fmt: skip
    assert document["counts_from"]["source"] == "export"
    (removed,) = [c for c in document["changes"] if c["rule"] == "crd.removed"]
    assert removed["impact"]["objects"] == 4


def test_base_vs_head_with_the_same_manifests_is_no_drift(run, live_stored):
    document = diff_json(run, "--base-dir", HEAD, "--against-dir", HEAD, "--fail-on", "any",
                         "--db-path", live_stored)  # fmt: skip
    assert document["changes"] == [] and document["counts_from"]["snapshot_id"] == 1


# -- usage ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scope", "cluster"], "--scope applies to a snapshot compared with manifests"),
        (["--scope", "manifests", "--against-live"], "--scope applies to a snapshot compared"),
        (["--scope", "everything", "--against-dir", "x"], "--scope 'everything': expected"),
        (["--scope", "cluster", "--base-dir", "x", "--against-dir", "y"], "without --base-dir"),
        (["--base-dir", "x"], "--base-dir and --base-file need the head to compare with"),
        (["--base-file", "x", "--against-live"], "need the head to compare with"),
        (["1", "2", "--base-dir", "x", "--against-dir", "y"], "give one reference"),
    ],
)
def test_usage_errors(run, v1_stored, args, needle):
    result = run("diff", *args, "--db-path", v1_stored)
    assert_one_line_error(result, 2, needle)
