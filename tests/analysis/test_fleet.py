"""`analyze fleet`: the newest snapshot of every context side by side. "old" is the test API
server loaded with the examples' upstream objects (Strimzi 0.45.0, with Kafkas stored at
v1beta2), captured through the real client; "new" and "newer" run cluster-v2's releases
(Strimzi 1.0.0, which serves v1 only)."""

from __future__ import annotations

import json

import pytest

from tests.support.examplecluster import KAFKAS, TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2


@pytest.fixture
def fleet(run, tmp_path, db_path):
    with FakeApiServer(build_cluster(), token=TOKEN) as server:
        config = write_kubeconfig(tmp_path / "config", server.url, context="old", token=TOKEN)
        result = run("snapshot", "--kubeconfig", config, "-q", "--db-path", db_path)
        assert result.exit_code == 0, result.stderr
    for context, folder in (("new", CLUSTER_V2), ("older-manifests", CLUSTER_V1)):
        result = run("snapshot", "--from-dir", folder, "--context", context, "-q",
                     "--db-path", db_path)  # fmt: skip
        assert result.exit_code == 0, result.stderr
    return db_path


def analysis(run, db_path, *args) -> tuple[int, dict]:
    result = run("analyze", "fleet", "-o", "json", *args, "--db-path", db_path)
    return result.exit_code, json.loads(result.stdout)


def table(document: dict, name: str) -> dict[str, list]:
    [found] = [t for t in document["tables"] if t["name"] == name]
    assert found["columns"][-3:] == ["new", "old", "older-manifests"]
    return {row[0]: row[1:] for row in found["rows"]}


def test_objects_stored_at_a_version_a_newer_release_removed_are_critical(run, fleet):
    status, document = analysis(run, fleet, "--fail-on", "critical")
    assert status == 3
    stranded = {f["subject"]: f["message"] for f in document["findings"]}
    assert stranded[f"old: {KAFKAS}"] == (
        "3 objects stored at v1beta2, which the release on new no longer has: "
        "migrate them before upgrading"
    )
    # the same CRDs on cluster-v1's manifests hold no objects: nothing stranded there
    assert not [s for s in stranded if s.startswith("older-manifests:")]
    assert {f["rule"] for f in document["findings"]} == {"fleet.stored-version-removed"}


def test_component_versions_and_crd_skew_by_cluster(run, fleet):
    _status, document = analysis(run, fleet)
    components = table(document, "components")
    assert components["strimzi-cluster-operator"] == ["operator", "1.0.0", "0.45.0", "0.45.0"]
    assert components["cert-manager"][1:] == ["v1.16.1", "v1.16.1", "v1.12.2"]
    skew = table(document, "crd-version-skew")
    assert skew[KAFKAS] == ["v1*", "v1beta2*", "v1beta2*"]
    assert skew["kafkamirrormakers.kafka.strimzi.io"][0] is None  # removed in Strimzi 1.0


def test_the_terminal_names_the_clusters(run, fleet):
    result = run("analyze", "fleet", "--db-path", fleet)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("fleet: 1 critical")
    assert lines[-1].endswith(" in the newest snapshots of 3 cluster contexts")
    headers = ["COMPONENT", "FROM", "NEW", "OLD", "OLDER-MANIFESTS"]  # kubectl's headers
    assert headers in [line.split() for line in lines]


def test_an_empty_database_is_one_line(run, db_path):
    run("snapshot", "--from-dir", CLUSTER_V2, "--context", "x", "-q", "--db-path", db_path)
    run("database", "delete", "1", "--yes", "--db-path", db_path)
    result = run("analyze", "fleet", "--db-path", db_path)
    assert (result.exit_code, result.stderr) == (1, f"error: no snapshots in {db_path}\n")
