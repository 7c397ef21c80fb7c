"""The fake API server's lists, through the real client: pagination (with and without
``remainingItemCount``), typed clients, built-in workloads, metadata-only lists, label and field
selectors, single objects and unknown paths, malformed continue tokens and the maximum limit."""

from __future__ import annotations

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from tests.support.apiclient import CERT_MANAGER_CRDS, META_LIST, Connect, error_body, raw_get
from tests.support.fakeapi import CORPUS, FakeApiServer, FakeCluster


def test_pagination_over_generated_objects(server: FakeApiServer, connect: Connect) -> None:
    objects = kubernetes.client.CustomObjectsApi(connect(server))
    pages, token = [], None
    while True:
        page = objects.list_cluster_custom_object(
            "cert-manager.io", "v1", "certificates", limit=10, _continue=token
        )
        pages.append(page)
        token = page["metadata"].get("continue")
        if not token:
            break

    assert [len(p["items"]) for p in pages] == [10, 10, 5]
    assert [p["metadata"].get("remainingItemCount") for p in pages] == [15, 5, None]
    assert "continue" not in pages[-1]["metadata"]
    assert {p["metadata"]["resourceVersion"] for p in pages} == {
        pages[0]["metadata"]["resourceVersion"]
    }
    keys = [(i["metadata"]["namespace"], i["metadata"]["name"]) for p in pages for i in p["items"]]
    assert keys == sorted(set(keys))  # no duplicates, nothing skipped, sorted
    assert len(keys) == 25
    assert keys[0] == ("team-a", "certificate-00000")
    assert keys[-1] == ("team-b", "certificate-00023")
    first = pages[0]["items"][0]
    assert first["apiVersion"] == "cert-manager.io/v1"
    assert first["kind"] == "Certificate"
    assert pages[0]["kind"] == "CertificateList"
    assert len(first["spec"]["payload"]) == 512
    assert server.count(r"^/apis/cert-manager.io/v1/certificates$") == 3
    assert [r.query.get("limit") for r in server.requests] == ["10", "10", "10"]


def test_pagination_without_remaining_item_count(cluster: FakeCluster, connect: Connect) -> None:
    with FakeApiServer(cluster, remaining_item_count=False) as server:
        objects = kubernetes.client.CustomObjectsApi(connect(server))
        page = objects.list_namespaced_custom_object(
            "cert-manager.io", "v1", "team-b", "certificates", limit=5
        )
        rest = objects.list_namespaced_custom_object(
            "cert-manager.io",
            "v1",
            "team-b",
            "certificates",
            _continue=page["metadata"]["continue"],
        )
    assert "remainingItemCount" not in page["metadata"]
    assert page["metadata"]["continue"]
    assert {i["metadata"]["namespace"] for i in page["items"] + rest["items"]} == {"team-b"}
    assert len(page["items"]) + len(rest["items"]) == 12  # odd indices of 25
    assert "continue" not in rest["metadata"]


def test_typed_client_pages_crds(server: FakeApiServer, connect: Connect) -> None:
    ext = kubernetes.client.ApiextensionsV1Api(connect(server))
    first = ext.list_custom_resource_definition(limit=4)
    second = ext.list_custom_resource_definition(limit=4, _continue=first.metadata._continue)

    names = [c.metadata.name for c in first.items + second.items]
    assert names == sorted(p.name.removesuffix(".yaml") for p in CERT_MANAGER_CRDS.iterdir())
    assert first.metadata.remaining_item_count == 2
    assert second.metadata._continue is None
    crd = first.items[0]
    # kube fills status and server-side metadata; the typed client requires them to parse
    assert crd.status.stored_versions == ["v1"]
    assert {c.type for c in crd.status.conditions} == {"Established", "NamesAccepted"}
    assert crd.metadata.uid
    assert crd.metadata.creation_timestamp is not None


def test_builtin_workloads_listed_with_their_discovery_resource(
    server: FakeApiServer, cluster: FakeCluster, connect: Connect
) -> None:
    apps = kubernetes.client.AppsV1Api(connect(server))
    deployments = apps.list_deployment_for_all_namespaces()
    in_namespace = apps.list_namespaced_deployment("cert-manager")
    elsewhere = apps.list_namespaced_deployment("kube-system")
    one = apps.read_namespaced_deployment("cert-manager-webhook", "cert-manager")

    assert [d.metadata.name for d in deployments.items] == [
        "cert-manager", "cert-manager-cainjector", "cert-manager-webhook",
    ]  # fmt: skip
    assert len(in_namespace.items) == 3
    assert elsewhere.items == []
    assert one.spec.template.spec.containers[0].image == (
        "quay.io/jetstack/cert-manager-webhook:v1.16.1"
    )
    assert int(one.metadata.resource_version) > 0
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("nope", "cert-manager")
    assert err.value.status == 404
    assert error_body(err.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "nope" not found', "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"}, "code": 404,
    }  # fmt: skip
    bundle = CORPUS / "olm" / "bundles" / "cert-manager" / "1.16.1" / "manifests"
    cluster.add_from_files(*sorted(bundle.glob("*_v1_service.yaml")))
    services = kubernetes.client.CoreV1Api(connect(server)).list_service_for_all_namespaces()
    assert [s.metadata.name for s in services.items] == [
        "cert-manager",
        "cert-manager-cainjector",
        "cert-manager-webhook",
    ]


def test_metadata_only_list(server: FakeApiServer, connect: Connect) -> None:
    api = connect(server)
    status, headers, doc = raw_get(
        api,
        "/apis/cert-manager.io/v1/certificates",
        f"{META_LIST},application/json",
        [("limit", 1)],
    )
    assert status == 200
    assert headers["Content-Type"] == META_LIST
    assert doc["kind"] == "PartialObjectMetadataList"
    assert doc["apiVersion"] == "meta.k8s.io/v1"
    assert doc["metadata"]["remainingItemCount"] == 24
    [item] = doc["items"]
    assert set(item) == {"kind", "apiVersion", "metadata"}  # no spec, no status
    assert item["kind"] == "PartialObjectMetadata"
    fields = item["metadata"]["managedFields"]
    status_entry = next(f for f in fields if f.get("subresource") == "status")
    assert status_entry["manager"] == "cert-manager"
    assert status_entry["operation"] == "Update"
    assert status_entry["apiVersion"] == "cert-manager.io/v1"
    assert status_entry["fieldsType"] == "FieldsV1"
    assert "f:status" in status_entry["fieldsV1"]
    kubectl = next(f for f in fields if f["manager"] == "kubectl-client-side-apply")
    assert "subresource" not in kubectl

    _, _, rest = raw_get(
        api, "/apis/cert-manager.io/v1/certificates", META_LIST,
        [("continue", doc["metadata"]["continue"])],
    )  # fmt: skip
    assert len(rest["items"]) == 24
    assert "continue" not in rest["metadata"]

    # plain JSON first in the Accept header wins over the metadata variant
    _, headers, full = raw_get(
        api, "/apis/apps/v1/deployments", f"application/json,{META_LIST}", [("limit", 1)]
    )
    assert headers["Content-Type"] == "application/json"
    assert full["kind"] == "DeploymentList"
    assert "spec" in full["items"][0]

    status, _, body = raw_get(
        api, "/apis/apps/v1/deployments", "application/vnd.kubernetes.protobuf"
    )
    assert (status, body["reason"]) == (406, "NotAcceptable")


def test_label_and_field_selectors(server: FakeApiServer, connect: Connect) -> None:
    api = connect(server)
    apps = kubernetes.client.AppsV1Api(api)

    def names(selector: str = "", fields: str = "") -> list[str]:
        found = apps.list_deployment_for_all_namespaces(
            label_selector=selector or None, field_selector=fields or None
        )
        return [d.metadata.name for d in found.items]

    assert names("app.kubernetes.io/component in (webhook, cainjector)") == [
        "cert-manager-cainjector", "cert-manager-webhook",
    ]  # fmt: skip
    assert names("app.kubernetes.io/component notin (webhook,cainjector)") == ["cert-manager"]
    assert names("app=webhook") == ["cert-manager-webhook"]
    assert names("app==webhook,app.kubernetes.io/instance") == ["cert-manager-webhook"]
    assert names("app!=webhook") == ["cert-manager", "cert-manager-cainjector"]
    assert names("!app") == []
    assert names("missing-label") == []
    assert names(fields="metadata.name=cert-manager") == ["cert-manager"]
    assert (
        names("app.kubernetes.io/instance=cert-manager", "metadata.namespace!=cert-manager") == []
    )

    # Selectors on generated objects, with paging: kube omits remainingItemCount then.
    objects = kubernetes.client.CustomObjectsApi(api)
    page = objects.list_cluster_custom_object(
        "cert-manager.io", "v1", "certificates", label_selector="fakeapi.test/shard in (1,2)",
        limit=3,
    )  # fmt: skip
    assert [i["metadata"]["labels"]["fakeapi.test/shard"] for i in page["items"]] == ["2", "2", "2"]
    assert page["metadata"]["continue"]
    assert "remainingItemCount" not in page["metadata"]

    with pytest.raises(ApiException) as err:
        names("a in (b")
    assert err.value.status == 400
    assert error_body(err.value)["reason"] == "BadRequest"
    with pytest.raises(ApiException) as err:
        names(fields="spec.replicas=1")
    assert error_body(err.value)["message"] == "field label not supported: spec.replicas"


def test_get_single_custom_object_and_unknown_paths(
    server: FakeApiServer, connect: Connect
) -> None:
    api = connect(server)
    objects = kubernetes.client.CustomObjectsApi(api)
    cert = objects.get_namespaced_custom_object(
        "cert-manager.io", "v1", "team-b", "certificates", "certificate-00001"
    )
    assert cert["metadata"]["name"] == "certificate-00001"
    assert cert["spec"]["index"] == 1
    with pytest.raises(ApiException) as err:
        objects.get_namespaced_custom_object(
            "cert-manager.io", "v1", "team-a", "certificates", "certificate-00001"
        )
    assert error_body(err.value)["message"] == (
        'certificates.cert-manager.io "certificate-00001" not found'
    )
    for path in ("/apis/cert-manager.io/v1/widgets", "/apis/cert-manager.io/v9/certificates",
                 "/apis/cert-manager.io/v1/namespaces/x/clusterissuers", "/nonsense"):  # fmt: skip
        status, _, body = raw_get(api, path)
        assert (status, body["reason"], body["code"]) == (404, "NotFound", 404), path
        assert body["message"] == "the server could not find the requested resource"


def test_malformed_continue_and_max_limit(cluster: FakeCluster, connect: Connect) -> None:
    with FakeApiServer(cluster, max_limit=7) as server:
        api = connect(server)
        status, _, body = raw_get(api, "/apis/apps/v1/deployments", query=[("continue", "x!")])
        assert (status, body["reason"]) == (400, "BadRequest")
        # The cap applies even when the client did not ask for pages.
        _, _, capped = raw_get(api, "/apis/cert-manager.io/v1/certificates")
        assert len(capped["items"]) == 7
        assert capped["metadata"]["remainingItemCount"] == 18
        # resourceVersion=0 is served from the watch cache, which ignores limit
        _, _, whole = raw_get(
            api,
            "/apis/cert-manager.io/v1/certificates",
            query=[("limit", 5), ("resourceVersion", 0)],
        )
        assert len(whole["items"]) == 7
