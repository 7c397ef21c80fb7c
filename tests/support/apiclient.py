"""The real ``kubernetes`` client against the fake API server, for the fake's own tests: corpus
manifests parsed once, raw GETs through the client's own pipeline, Status bodies, and the media
types of aggregated discovery and metadata-only lists."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from tests.support.fakeapi import load_manifests
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
