"""The fake API server's faults, through the real client: 403 and 429 as kube words them,
injected status codes, expired continue tokens, bad tokens, TLS client certificates, a server
that dies or hangs, and latency per request with requests served concurrently."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import kubernetes
import pytest
import trustme
import urllib3
from kubernetes.client.exceptions import ApiException

from tests.support.apiclient import Connect, error_body, raw_get
from tests.support.fakeapi import FakeApiServer, FakeCluster


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
