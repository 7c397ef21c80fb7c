"""The fake API server, exercised only through the real ``kubernetes`` client.

These tests pin down the protocol behaviour other tests and the benchmark rely on: if the fake
drifted from kube-apiserver (or the client changed how it talks), these fail first, with a
message about the server rather than about the inventory code.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import trustme
import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from tests.support.fakeapi import (
    CORPUS,
    FakeApiServer,
    FakeCluster,
    Generator,
    load_manifests,
    parse_accept,
)
from tests.support.paths import CLUSTER_V2

CERT_MANAGER_CRDS = CLUSTER_V2 / "crds" / "cert-manager"  # cert-manager v1.16.1
CERT_MANAGER_WORKLOADS = CLUSTER_V2 / "operators" / "cert-manager"
CERTIFICATES = "certificates.cert-manager.io"
AGG_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGG_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
META_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

Connect = Callable[..., ApiClient]


@cache
def _manifests(path: Path) -> tuple[dict[str, Any], ...]:
    """Parsed once per session: the CRDs are large and many tests use the same ones."""
    docs: list[dict[str, Any]] = []
    for file in sorted(path.glob("*.yaml")) if path.is_dir() else [path]:
        docs.extend(load_manifests(file))
    return tuple(docs)


def manifests(path: Path) -> list[dict[str, Any]]:
    """Fresh copies of a corpus file's or directory's documents."""
    return copy.deepcopy(list(_manifests(path)))


@pytest.fixture
def cluster() -> FakeCluster:
    """cert-manager 1.16.1: its six CRDs and its workloads, plus 25 generated Certificates."""
    c = FakeCluster()
    c.add(*manifests(CERT_MANAGER_CRDS), *manifests(CERT_MANAGER_WORKLOADS))
    c.generate(CERTIFICATES, 25, namespaces=("team-a", "team-b"), status_manager="cert-manager")
    return c


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Open real clients for a server; all are closed at teardown (no leaked sockets)."""
    clients: list[ApiClient] = []

    def open_client(server: FakeApiServer, *, retries: Any = None, **kubeconfig: Any) -> ApiClient:
        config = kubernetes.client.Configuration()
        if retries is not None:
            config.retries = retries
        api = kubernetes.config.new_client_from_config_dict(
            server.kubeconfig(**kubeconfig), persist_config=False, client_configuration=config
        )
        clients.append(api)
        return api

    yield open_client
    for api in clients:
        api.close()


@pytest.fixture
def server(cluster: FakeCluster) -> Iterator[FakeApiServer]:
    with FakeApiServer(cluster) as s:
        yield s


def raw_get(
    api: ApiClient,
    path: str,
    accept: str = "application/json",
    query: Sequence[tuple[str, str | int]] = (),
) -> tuple[int, Any, Any]:
    """GET through the client's own request pipeline (auth, TLS, pool): status, headers, JSON."""
    method, url, headers, _, _ = api.param_serialize(
        "GET",
        path,
        query_params=list(query),
        header_params={"Accept": accept},
        auth_settings=["BearerToken"],
    )
    response = api.call_api(method, url, header_params=headers)
    data = response.read()
    return response.status, response.headers, json.loads(data) if data else None


def error_body(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


# --------------------------------------------------------------------------------------------
# version and discovery
# --------------------------------------------------------------------------------------------


def test_version_is_the_recorded_one_and_the_request_is_logged(
    server: FakeApiServer, connect: Connect
) -> None:
    info = kubernetes.client.VersionApi(connect(server)).get_code()

    assert (info.git_version, info.platform) == ("v1.32.3", "linux/arm64")
    [req] = server.requests
    assert (req.method, req.path, req.status, req.user) == (
        "GET",
        "/version/",  # the client asks for /version/ (sic)
        200,
        "token:test-token",
    )
    assert req.accept == "application/json"
    assert server.count("/version") == 1
    assert server.count("/apis") == 0


def test_legacy_discovery_serves_added_crds_with_kube_version_priority(
    connect: Connect,
) -> None:
    c = FakeCluster()
    with FakeApiServer(c) as server:
        api = connect(server)
        apis = kubernetes.client.ApisApi(api)
        before = {g.name for g in apis.get_api_versions().groups}
        assert "apps" in before
        assert "gateway.networking.k8s.io" not in before

        # v0.5.1: v1alpha2 is the storage version, v1beta1 is also served; kube prefers the
        # higher-priority version, not the storage one.
        c.add(*manifests(CORPUS / "crds" / "gateway-api" / "v0.5.1"))
        groups = {g.name: g for g in apis.get_api_versions().groups}

        gateway = groups["gateway.networking.k8s.io"]
        assert [v.version for v in gateway.versions] == ["v1beta1", "v1alpha2"]
        assert gateway.preferred_version.group_version == "gateway.networking.k8s.io/v1beta1"
        assert groups["apps"].preferred_version.version == "v1"  # built-ins untouched

        status, _, group_doc = raw_get(api, "/apis/gateway.networking.k8s.io")
        assert status == 200
        assert group_doc["kind"] == "APIGroup"
        assert group_doc["preferredVersion"]["version"] == "v1beta1"

        status, _, resources = raw_get(api, "/apis/gateway.networking.k8s.io/v1alpha2")
        by_name = {r["name"]: r for r in resources["resources"]}
        assert resources["groupVersion"] == "gateway.networking.k8s.io/v1alpha2"
        assert set(by_name) == {
            "gatewayclasses", "gatewayclasses/status", "gateways", "gateways/status",
            "httproutes", "httproutes/status",
        }  # fmt: skip
        assert by_name["gatewayclasses"]["namespaced"] is False
        assert by_name["gateways"]["namespaced"] is True
        assert by_name["gateways"]["kind"] == "Gateway"
        assert by_name["gatewayclasses"]["shortNames"] == ["gc"]

        status, _, _ = raw_get(api, "/apis/nonexistent.example.com/v1")
        assert status == 404


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"),
    [
        (f"{AGG_V2},{AGG_V2BETA1},application/json", ("v2", "v2beta1"), "v2"),
        (f"{AGG_V2BETA1},{AGG_V2},application/json", ("v2", "v2beta1"), "v2beta1"),
        # whitespace anywhere, and the server only offering the older version
        (
            " application/json ; g=apidiscovery.k8s.io ; v=v2 ; as=APIGroupDiscoveryList , "
            f"{AGG_V2BETA1} , application/json",
            ("v2beta1",),
            "v2beta1",
        ),
    ],
)
def test_aggregated_discovery_honours_accept_order(
    cluster: FakeCluster, connect: Connect, accept: str, offered: tuple[str, ...], chosen: str
) -> None:
    with FakeApiServer(cluster, aggregated=offered) as server:
        status, headers, doc = raw_get(connect(server), "/apis", accept)

    assert status == 200
    assert headers["Content-Type"] == (
        f"application/json;g=apidiscovery.k8s.io;v={chosen};as=APIGroupDiscoveryList"
    )
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == f"apidiscovery.k8s.io/{chosen}"
    groups = {item["metadata"]["name"]: item for item in doc["items"]}
    assert "apps" in groups
    [v1] = groups["cert-manager.io"]["versions"]
    resources = {r["resource"]: r for r in v1["resources"]}
    assert resources["clusterissuers"]["scope"] == "Cluster"
    cert = resources["certificates"]
    assert cert["scope"] == "Namespaced"
    assert cert["singularResource"] == "certificate"
    assert cert["responseKind"] == {"group": "cert-manager.io", "kind": "Certificate",
                                    "version": "v1"}  # fmt: skip
    assert cert["shortNames"] == ["cert", "certs"]
    assert "list" in cert["verbs"]
    assert [s["subresource"] for s in cert["subresources"]] == ["status"]


def test_aggregated_core_group_and_legacy_fallback(cluster: FakeCluster, connect: Connect) -> None:
    with FakeApiServer(cluster) as server:
        api = connect(server)
        status, headers, core = raw_get(api, "/api", f"{AGG_V2},application/json")
        _, _, plain = raw_get(api, "/apis", "application/json")
    assert status == 200
    assert headers["Content-Type"] == AGG_V2
    [group] = core["items"]
    assert "name" not in group["metadata"]  # the core group has no name
    [v1] = group["versions"]
    pods = next(r for r in v1["resources"] if r["resource"] == "pods")
    assert pods["scope"] == "Namespaced"
    assert {"status", "log", "exec"} <= {s["subresource"] for s in pods["subresources"]}
    nodes = next(r for r in v1["resources"] if r["resource"] == "nodes")
    assert nodes["scope"] == "Cluster"
    assert plain["kind"] == "APIGroupList"

    with FakeApiServer(cluster, aggregated=()) as old:
        status, headers, doc = raw_get(connect(old), "/apis", f"{AGG_V2},{AGG_V2BETA1}")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert doc["kind"] == "APIGroupList"
    assert "cert-manager.io" in {g["name"] for g in doc["groups"]}


def test_aggregated_discovery_etag_allows_revalidation(
    server: FakeApiServer, connect: Connect
) -> None:
    api = connect(server)
    _, headers, _ = raw_get(api, "/apis", AGG_V2)
    method, url, hdrs, _, _ = api.param_serialize(
        "GET", "/apis", header_params={"Accept": AGG_V2, "If-None-Match": headers["ETag"]},
        auth_settings=["BearerToken"],
    )  # fmt: skip
    response = api.call_api(method, url, header_params=hdrs)
    assert response.status == 304
    assert response.read() == b""


def test_kubernetes_1_31_discovery_serves_its_own_v2beta1_document(connect: Connect) -> None:
    c = FakeCluster(CORPUS / "discovery" / "kubernetes-1.31")
    with FakeApiServer(c) as server:
        _, _, doc = raw_get(connect(server), "/apis", AGG_V2BETA1)
    versions = {i["metadata"]["name"]: [v["version"] for v in i["versions"]] for i in doc["items"]}
    assert versions["resource.k8s.io"] == ["v1alpha3"]
    assert versions["flowcontrol.apiserver.k8s.io"] == ["v1", "v1beta3"]


# --------------------------------------------------------------------------------------------
# lists
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# faults
# --------------------------------------------------------------------------------------------


def test_injected_forbidden_reads_like_kube(server: FakeApiServer, connect: Connect) -> None:
    server.inject(r"^/apis/apps/v1/deployments$", 403, times=1)
    apps = kubernetes.client.AppsV1Api(connect(server))
    with pytest.raises(ApiException) as err:
        apps.list_deployment_for_all_namespaces()
    assert err.value.status == 403
    body = error_body(err.value)
    assert body["reason"] == "Forbidden"
    assert body["message"] == (
        'deployments.apps is forbidden: User "fakeapi-user" cannot list resource "deployments" '
        'in API group "apps" at the cluster scope'
    )
    assert body["details"] == {"group": "apps", "kind": "deployments"}
    assert len(apps.list_deployment_for_all_namespaces().items) == 3  # times=1 is used up
    assert [r.status for r in server.requests] == [403, 200]


def test_too_many_requests_carries_retry_after(server: FakeApiServer, connect: Connect) -> None:
    server.inject("/deployments", 429, times=1, retry_after=7)
    api = connect(server, retries=False)  # see what the server sent, not urllib3's retry
    status, headers, body = raw_get(api, "/apis/apps/v1/namespaces/cert-manager/deployments")
    assert status == 429
    assert headers["Retry-After"] == "7"
    assert body["reason"] == "TooManyRequests"
    assert body["details"]["retryAfterSeconds"] == 7

    # urllib3's default Retry honours Retry-After on 429 by itself: the caller never sees it.
    server.inject("/deployments", 429, times=1, retry_after=0)
    deployments = kubernetes.client.AppsV1Api(connect(server)).list_deployment_for_all_namespaces()
    assert len(deployments.items) == 3
    assert [r.status for r in server.requests[-2:]] == [429, 200]


@pytest.mark.parametrize(
    ("code", "reason"),
    [(401, "Unauthorized"), (404, "NotFound"), (500, "InternalError"), (503, "ServiceUnavailable")],
)
def test_injected_status_codes(
    server: FakeApiServer, connect: Connect, code: int, reason: str
) -> None:
    server.inject("/version", code, message="boom" if code == 500 else None)
    api = connect(server)
    status, _, body = raw_get(api, "/version")
    assert (status, body["kind"], body["status"], body["reason"], body["code"]) == (
        code, "Status", "Failure", reason, code,
    )  # fmt: skip
    if code == 500:
        assert body["message"] == "boom"
    assert raw_get(api, "/version")[0] == code  # times=None: every time


def test_expired_continue_token(server: FakeApiServer, connect: Connect) -> None:
    objects = kubernetes.client.CustomObjectsApi(connect(server))
    first = objects.list_cluster_custom_object("cert-manager.io", "v1", "certificates", limit=10)
    server.expire_continue_tokens()
    with pytest.raises(ApiException) as err:
        objects.list_cluster_custom_object(
            "cert-manager.io",
            "v1",
            "certificates",
            limit=10,
            _continue=first["metadata"]["continue"],
        )
    assert err.value.status == 410
    body = error_body(err.value)
    assert body["reason"] == "Expired"
    assert body["message"] == (
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter."
    )
    again = objects.list_cluster_custom_object(
        "cert-manager.io", "v1", "certificates", limit=10, _continue=first["metadata"]["continue"]
    )
    assert len(again["items"]) == 10  # only one token expired


def test_wrong_or_missing_token_is_unauthorized(server: FakeApiServer, connect: Connect) -> None:
    for kubeconfig in ({"token": "wrong"}, {"anonymous": True}):
        with pytest.raises(ApiException) as err:
            kubernetes.client.VersionApi(connect(server, **kubeconfig)).get_code()
        assert err.value.status == 401
        assert error_body(err.value)["reason"] == "Unauthorized"
    assert [(r.status, r.user) for r in server.requests] == [(401, None), (401, None)]


def test_tls_with_client_certificate(cluster: FakeCluster, tmp_path: Path) -> None:
    ca = trustme.CA()
    alice = ca.issue_cert("alice@example.com", common_name="alice")
    ca_file, cert_file, key_file = (
        tmp_path / "ca.crt",
        tmp_path / "alice.crt",
        tmp_path / "alice.key",
    )
    ca.cert_pem.write_to_path(str(ca_file))
    alice.cert_chain_pems[0].write_to_path(str(cert_file))
    alice.private_key_pem.write_to_path(str(key_file))

    with FakeApiServer(cluster, tls=ca) as server:
        assert server.url.startswith("https://127.0.0.1:")
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": server.url,
                                                    "certificate-authority": str(ca_file)}}],
            "users": [{"name": "u", "user": {"client-certificate": str(cert_file),
                                              "client-key": str(key_file)}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        }  # fmt: skip
        with kubernetes.config.new_client_from_config_dict(config, persist_config=False) as api:
            assert kubernetes.client.VersionApi(api).get_code().git_version == "v1.32.3"
            deployments = kubernetes.client.AppsV1Api(api).list_deployment_for_all_namespaces()
            assert len(deployments.items) == 3
        # the embedded-data kubeconfig the server writes works too, with the token
        with kubernetes.config.new_client_from_config_dict(
            server.kubeconfig(), persist_config=False
        ) as api:
            kubernetes.client.VersionApi(api).get_code()
        # a certificate without a CN (trustme's default) is named by its subjectAltName
        bob = ca.issue_cert("bob@example.com")
        with kubernetes.config.new_client_from_config_dict(
            server.kubeconfig(client_cert=bob, anonymous=True), persist_config=False
        ) as api:
            kubernetes.client.VersionApi(api).get_code()
        # a client that does not trust the CA cannot talk to it
        other = trustme.CA()
        untrusted = server.kubeconfig()
        untrusted["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(
            other.cert_pem.bytes()
        ).decode()
        with kubernetes.config.new_client_from_config_dict(
            untrusted, persist_config=False
        ) as api, pytest.raises((ApiException, urllib3.exceptions.HTTPError)):  # fmt: skip
            kubernetes.client.VersionApi(api).get_code()

    assert [r.user for r in server.requests if r.status] == [
        "cert:alice", "cert:alice", "token:test-token", "cert:bob@example.com",
    ]  # fmt: skip


def test_die_after_closes_connections_without_answering(
    server: FakeApiServer, connect: Connect
) -> None:
    api = connect(server)
    version = kubernetes.client.VersionApi(api)
    server.die_after(2)
    version.get_code()
    version.get_code()
    with pytest.raises(urllib3.exceptions.HTTPError) as err:  # after urllib3's own retries
        version.get_code()
    assert isinstance(
        err.value, urllib3.exceptions.MaxRetryError | urllib3.exceptions.ProtocolError
    )
    statuses = [r.status for r in server.requests]
    assert statuses[:2] == [200, 200]
    assert statuses[2:] and set(statuses[2:]) == {0}


def test_hang_makes_clients_time_out_and_stop_wakes_it(
    cluster: FakeCluster, connect: Connect
) -> None:
    server = FakeApiServer(cluster).start()
    try:
        server.hang("^/version", 30)
        api = connect(server, retries=False)
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            kubernetes.client.VersionApi(api).get_code(_request_timeout=0.2)
        assert time.monotonic() - started < 2
        assert kubernetes.client.ApisApi(api).get_api_versions().groups  # others unaffected
    finally:
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2  # the hanging handler was woken up


def test_latency_is_per_request_and_requests_run_concurrently(
    cluster: FakeCluster, connect: Connect
) -> None:
    with FakeApiServer(cluster, latency=0.1) as server:
        api = connect(server)
        version = kubernetes.client.VersionApi(api)
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: version.get_code().git_version, range(16)))
        elapsed = time.monotonic() - started
    assert results == ["v1.32.3"] * 16
    assert 0.2 <= elapsed < 1.0  # 16 x 0.1 s sequentially would be 1.6 s
    assert server.count() == 16
    assert all(r.elapsed >= 0.1 for r in server.requests)


# --------------------------------------------------------------------------------------------
# FakeCluster itself
# --------------------------------------------------------------------------------------------


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
