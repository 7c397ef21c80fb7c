"""FakeCluster itself: what it accepts and refuses from the corpus, removing objects and CRDs,
generated objects serialized exactly, and ``Accept`` parsing."""

from __future__ import annotations

import json

import kubernetes
import pytest

from tests.support.apiclient import CERTIFICATES, Connect, raw_get
from tests.support.fakeapi import FakeApiServer, FakeCluster, Generator, parse_accept
from tests.support.paths import CLUSTER_V2


def test_add_rejects_unserved_kinds_and_reads_corpus_quirks() -> None:
    c = FakeCluster()
    with pytest.raises(ValueError, match="no resource serves"):
        c.add({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "x"}})  # fmt: skip
    # the unquoted `=` in AlertmanagerConfig's enum needs the corpus loader
    c.add_from_files(*sorted((CLUSTER_V2 / "crds" / "prometheus-operator").glob("*.yaml")))
    res = c.resource("monitoring.coreos.com", "v1alpha1", "alertmanagerconfigs")
    assert res is not None
    assert res.namespaced
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "x"}}
    c.add(node)
    [stored] = c.snapshot(c.resource_for("v1", "Node")).entries
    assert isinstance(stored, dict)
    assert "namespace" not in stored["metadata"]  # cluster-scoped
    assert stored["metadata"]["uid"]
    assert node["metadata"] == {"name": "n1", "namespace": "x"}  # caller's dict untouched


def test_remove_objects_and_crds(
    server: FakeApiServer, cluster: FakeCluster, connect: Connect
) -> None:
    api = connect(server)
    objects = kubernetes.client.CustomObjectsApi(api)
    cluster.remove("cert-manager.io/v1", "Certificate", "certificate-00000", "team-a")
    listed = objects.list_cluster_custom_object("cert-manager.io", "v1", "certificates")
    assert len(listed["items"]) == 24
    with pytest.raises(KeyError):
        cluster.remove("cert-manager.io/v1", "Certificate", "certificate-00000", "team-a")

    cluster.remove("apiextensions.k8s.io/v1", "CustomResourceDefinition", CERTIFICATES)
    status, _, _ = raw_get(api, "/apis/cert-manager.io/v1/certificates")
    assert status == 404
    _, _, doc = raw_get(api, "/apis/cert-manager.io/v1")
    assert "certificates" not in {r["name"] for r in doc["resources"]}
    assert "issuers" in {r["name"] for r in doc["resources"]}


def test_generated_json_is_exactly_the_objects(cluster: FakeCluster) -> None:
    cluster.generate("clusterissuers.cert-manager.io", 3, payload_bytes=40)
    for plural in ("certificates", "clusterissuers"):
        res = cluster.resource("cert-manager.io", "v1", plural)
        assert res is not None
        for entry in cluster.snapshot(res).entries:
            assert isinstance(entry, tuple)
            gen, i = entry
            assert isinstance(gen, Generator)
            assert json.loads(gen.item_json(i, '"cert-manager.io/v1"')) == gen.item(
                i, "cert-manager.io/v1"
            )
            assert json.loads(gen.metadata_json(i)) == gen.metadata(i)
    issuer = cluster.snapshot(res).entries[0]
    assert isinstance(issuer, tuple)
    md = issuer[0].metadata(issuer[1])
    assert "namespace" not in md
    assert "managedFields" not in md  # no status_manager, no managedFields


def test_parse_accept_orders_by_quality_then_client_order() -> None:
    ranges = parse_accept("*/*;q=0.5, application/json;as=Table;v=v1, application/json;q=0.9")
    assert [(r.type, r.subtype, r.params.get("as")) for r in ranges] == [
        ("application", "json", "Table"), ("application", "json", None), ("*", "*", None),
    ]  # fmt: skip
