"""Partial captures never read as removals. A side that could not read a kind (a 403 on the list
that feeds it), did not capture it, or did not keep it in its export is not compared there,
whichever side it is; the report's notes say what was left out, naming the side, and
`--fail-on` cannot fire on it. Snapshots are taken through the real client from the test API
server (tests/support/fakeapi), refusing what a test tells it to, as in
tests/capture/test_live.py."""

from __future__ import annotations

import json

import pytest

from kubectl_datamodel.render import text
from tests.support.examplecluster import KAFKAS, TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer
from tests.support.kubeconfig import write_kubeconfig

CRD_LIST = r"/customresourcedefinitions$"
DEPLOYMENTS = r"/deployments$"
SNAPSHOT_1, SNAPSHOT_2 = "snapshot 1 (context demo)", "snapshot 2 (context demo)"


@pytest.fixture
def cluster():
    return build_cluster()


@pytest.fixture
def server(cluster):
    with FakeApiServer(cluster, token=TOKEN) as running:
        yield running


@pytest.fixture
def kubeconfig(tmp_path, server):
    return write_kubeconfig(tmp_path / "config", server.url, context="demo", token=TOKEN)


def snapshot(run, kubeconfig, db_path, *flags) -> dict:
    result = run("snapshot", "--kubeconfig", kubeconfig, "-o", "json", *flags,
                 "--db-path", db_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["snapshot"]


def diff_json(run, db_path, *args: object, status: int = 0) -> dict:
    result = run("diff", *args, "-o", "json", "--db-path", db_path)
    assert result.exit_code == status, result.stderr
    return json.loads(result.stdout)


def unread(side: str, *titles: str) -> list[str]:
    return [f"{title} not compared: {side} could not read them all (403)" for title in titles]


# -- a 403 on one side --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refused", "titles"),
    [(CRD_LIST, ("CRDs", "Operators")), (DEPLOYMENTS, ("Operators",))],
    ids=["crds", "deployments"],
)
def test_a_list_refused_on_the_new_side_is_noted_not_reported_removed(
    run, kubeconfig, server, db_path, refused, titles
):
    """The issue's case: before, a 403 on the CRD list read as every CRD removed (breaking) and
    failed the build. The cluster did not change, so nothing is reported, in any format, and no
    --fail-on level fires; the notes say what was not compared."""
    snapshot(run, kubeconfig, db_path)
    server.inject(refused, 403)
    assert snapshot(run, kubeconfig, db_path)["partial"] == [t.lower() for t in titles]
    notes = unread(SNAPSHOT_2, *titles)

    document = diff_json(run, db_path, "1", "2", "--fail-on", "breaking")
    assert (document["changes"], document["notes"]) == ([], notes)
    assert document["summary"]["failed"] is False
    table = run("diff", "1", "2", "--fail-on", "any", "--db-path", db_path)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith("passes --fail-on info: no drift between snapshot 1 (demo,")
    assert table.stdout.endswith(", in what could be compared (see the notes)\n")
    assert table.stderr == "".join(f"note: {note}\n" for note in notes)
    markdown = run("diff", "1", "2", "-o", "markdown", "--fail-on", "any", "--db-path", db_path)
    assert markdown.exit_code == 0
    assert (
        "Not compared, or worth knowing:\n\n" + "".join(f"- {text.markdown(n)}\n" for n in notes)
        in markdown.stdout
    )
    assert "removed" not in markdown.stdout


def test_a_partial_old_side_is_not_read_as_additions_either(run, kubeconfig, server, db_path):
    server.inject(CRD_LIST, 403, times=1)
    assert snapshot(run, kubeconfig, db_path)["partial"] == ["crds", "operators"]
    assert snapshot(run, kubeconfig, db_path)["partial"] == []

    for old, new in (("1", "2"), ("2", "1")):
        document = diff_json(run, db_path, old, new, "--fail-on", "any")
        assert document["changes"] == [], (old, new)
        assert document["notes"] == unread(SNAPSHOT_1, "CRDs", "Operators")


def test_both_sides_partial_are_both_named(run, kubeconfig, server, db_path):
    server.inject(DEPLOYMENTS, 403)
    snapshot(run, kubeconfig, db_path)
    snapshot(run, kubeconfig, db_path)

    document = diff_json(run, db_path, "1", "2")
    assert document["notes"] == unread(f"{SNAPSHOT_1} and {SNAPSHOT_2}", "Operators")


def test_drift_in_what_was_read_still_fails_the_build(run, kubeconfig, server, cluster, db_path):
    """Only what a side could not read is left out: a CRD deleted while the Deployments were
    refused is still a breaking removal."""
    snapshot(run, kubeconfig, db_path)
    server.inject(DEPLOYMENTS, 403)
    cluster.remove("apiextensions.k8s.io/v1", "CustomResourceDefinition", KAFKAS)
    snapshot(run, kubeconfig, db_path)

    document = diff_json(run, db_path, "1", "2", "--fail-on", "breaking", status=3)
    assert [(c["kind"], c["rule"], c["name"]) for c in document["changes"]] == [
        ("CRD", "crd.removed", KAFKAS)
    ]
    assert document["notes"] == unread(SNAPSHOT_2, "Operators")


def test_an_included_kind_refused_is_noted_by_its_pattern(run, kubeconfig, server, db_path):
    snapshot(run, kubeconfig, db_path, "--include", "v1/ConfigMap,nodes")
    server.inject(r"/configmaps$", 403)
    snapshot(run, kubeconfig, db_path, "--include", "v1/ConfigMap,nodes")

    document = diff_json(run, db_path, "1", "2", "--fail-on", "any")
    assert document["notes"] == unread(SNAPSHOT_2, "v1/ConfigMap objects")


# -- other sides: the cluster now, an export file -------------------------------------------------


def test_the_cluster_now_refusing_crds_is_noted(run, kubeconfig, server, db_path):
    snapshot(run, kubeconfig, db_path)
    server.inject(CRD_LIST, 403)

    result = run("diff", "--against-live", "--kubeconfig", kubeconfig, "-q", "-o", "json",
                 "--fail-on", "breaking", "--db-path", db_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["changes"] == []
    assert document["notes"] == unread(f"cluster {server.url} (context demo)", "CRDs", "Operators")


def test_an_export_of_a_partial_snapshot_stays_partial(run, kubeconfig, server, db_path, tmp_path):
    snapshot(run, kubeconfig, db_path)
    server.inject(CRD_LIST, 403)
    snapshot(run, kubeconfig, db_path)
    exported = tmp_path / "s2.json"
    run("database", "export", "2", "--include-specs", "--file", exported, "--db-path", db_path)

    document = diff_json(run, db_path, "1", exported, "--fail-on", "breaking")
    assert document["changes"] == []
    assert document["notes"] == unread(f"export {exported} (context demo)", "CRDs", "Operators")


# -- what one side did not capture: the same notes, another reason --------------------------------


def test_components_one_side_did_not_capture_or_keep_are_named_alike(
    run, kubeconfig, db_path, tmp_path
):
    snapshot(run, kubeconfig, db_path)
    snapshot(run, kubeconfig, db_path, "--no-crds", "--no-olm")
    assert diff_json(run, db_path, "1", "2")["notes"] == [
        f"CRDs not compared: {SNAPSHOT_2} did not capture them",
        f"ClusterServiceVersions not compared: {SNAPSHOT_2} did not capture them",
    ]
    exported = tmp_path / "crds.json"
    run("database", "export", "1", "--crds-only", "--include-specs", "--file", exported,
        "--db-path", db_path)  # fmt: skip
    kept = "did not keep them (exported with --crds-only, --operators-only or --olm-only)"
    assert diff_json(run, db_path, exported, "1")["notes"] == [
        f"Operators not compared: export {exported} (context demo) {kept}",
        f"ClusterServiceVersions not compared: export {exported} (context demo) {kept}",
    ]


# -- -n: namespaced objects where both sides looked -----------------------------------------------


def test_a_snapshot_of_one_namespace_is_compared_in_that_namespace_only(run, kubeconfig, db_path):
    """A full snapshot against one taken with -n: the other namespaces' operators are not
    removed, and the note says where the comparison looked."""
    snapshot(run, kubeconfig, db_path)
    snapshot(run, kubeconfig, db_path, "-n", "cert-manager")

    for old, new in (("1", "2"), ("2", "1")):
        document = diff_json(run, db_path, old, new, "--fail-on", "any")
        assert document["changes"] == [], (old, new)
        assert document["notes"] == [
            "namespaced objects compared in namespace cert-manager only: "
            f"{SNAPSHOT_2} was taken with -n cert-manager"
        ]


def test_drift_inside_the_namespace_both_looked_in_is_reported(run, kubeconfig, cluster, db_path):
    snapshot(run, kubeconfig, db_path)
    cluster.remove("apps/v1", "Deployment", "cert-manager-webhook", namespace="cert-manager")
    cluster.remove("apps/v1", "Deployment", "strimzi-cluster-operator", namespace="kafka")
    snapshot(run, kubeconfig, db_path, "-n", "cert-manager")

    document = diff_json(run, db_path, "1", "2")
    assert [(c["kind"], c["name"], c["action"]) for c in document["changes"]] == [
        ("Operator", "cert-manager-webhook", "removed")
    ]


def test_snapshots_of_two_namespaces_compare_no_namespaced_objects(run, kubeconfig, db_path):
    snapshot(run, kubeconfig, db_path, "-n", "cert-manager")
    snapshot(run, kubeconfig, db_path, "-n", "kafka")

    document = diff_json(run, db_path, "1", "2", "--fail-on", "any")
    assert document["changes"] == []
    assert document["notes"] == [
        f"namespaced objects not compared: {SNAPSHOT_1} was taken with -n cert-manager and "
        f"{SNAPSHOT_2} was taken with -n kafka"
    ]
