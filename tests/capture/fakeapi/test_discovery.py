"""The fake API server's version and discovery, through the real client: legacy discovery with
kube's version priority, aggregated discovery by ``Accept`` order with its ETag, the core group,
and Kubernetes 1.31's own v2beta1 document."""

from __future__ import annotations

import kubernetes
import pytest

from tests.support.apiclient import AGG_V2, AGG_V2BETA1, Connect, manifests, raw_get
from tests.support.fakeapi import CORPUS, FakeApiServer, FakeCluster


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
