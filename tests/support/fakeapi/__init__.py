"""A fake kube-apiserver that the real ``kubernetes`` Python client cannot tell from a real one.

Why this exists: the inventory code talks to clusters through the official client, and the
interesting failures (pagination, aggregated discovery negotiation, metadata-only lists,
throttling, expired continue tokens, a server that dies mid-capture, TLS client certificates) only
show up on the wire. Mocking the client's Python methods would test our assumptions about the
protocol rather than the protocol, so this module speaks HTTP(S) and JSON exactly the way
kube-apiserver does, from real discovery documents recorded from kube-apiserver
(``/work/shared/corpus/discovery``). Only the standard library is used (plus PyYAML, which the
``kubernetes`` package already depends on, to read manifests).

Usage::

    cluster = FakeCluster()
    cluster.add_from_files(*sorted(CORPUS.glob("crds/cert-manager/v1.16.1/*.yaml")))
    cluster.generate("certificates.cert-manager.io", 150, namespaces=("a", "b"))
    with FakeApiServer(cluster, latency=0.005) as server:
        api = kubernetes.config.new_client_from_config_dict(
            server.kubeconfig(), persist_config=False
        )
        ...
        assert server.count(r"/certificates$") == 1

What is deliberately *not* modelled: writes (every non-GET verb answers 405), watches, protobuf,
Table output, and built-in defaulting (a Deployment comes back exactly as it was added, plus the
server-filled metadata). CRDs, which the inventory relies on, get the defaults and the ``status``
that kube-apiserver gives them.

The modules, each importing only those above it:

- ``corpus``: the files a cluster is made of (discovery, /version), manifests, synthetic CRDs;
- ``protocol``: API versions, Status errors, the request log, selectors, content negotiation;
- ``objects``: resources, stored and generated objects, the snapshots lists are cut from;
- ``cluster``: :class:`FakeCluster`, discovery and objects together;
- ``paging``: ``limit``/``continue`` lists as kube's etcd3 store cuts them;
- ``server``: :class:`FakeApiServer`, the HTTP(S) server and its handler.
"""

from __future__ import annotations

from tests.support.fakeapi.cluster import FakeCluster
from tests.support.fakeapi.corpus import CORPUS, DEFAULT_DISCOVERY, load_manifests, widget_crd
from tests.support.fakeapi.objects import Generator, Resource
from tests.support.fakeapi.protocol import (
    ApiError,
    Request,
    negotiate,
    parse_accept,
    parse_field_selector,
    parse_label_selector,
)
from tests.support.fakeapi.server import FakeApiServer

__all__ = [
    "CORPUS",
    "DEFAULT_DISCOVERY",
    "ApiError",
    "FakeApiServer",
    "FakeCluster",
    "Generator",
    "Request",
    "Resource",
    "load_manifests",
    "negotiate",
    "parse_accept",
    "parse_field_selector",
    "parse_label_selector",
    "widget_crd",
]
