"""The fake API server's own tests: a cert-manager cluster, the server for it, and real clients
that are all closed at teardown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import kubernetes
import pytest
from kubernetes.client import ApiClient

from tests.support.apiclient import (
    CERT_MANAGER_CRDS,
    CERT_MANAGER_WORKLOADS,
    CERTIFICATES,
    Connect,
    manifests,
)
from tests.support.fakeapi import FakeApiServer, FakeCluster


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
