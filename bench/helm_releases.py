"""What `snapshot --include helm` costs against a cluster full of Secrets, next to the naive way.

Helm keeps every revision of every release as a Secret whose payload is the gzipped release
(chart, values, rendered manifests: tens of kilobytes each), among all the cluster's other
Secrets. The naive reader lists every Secret in full and picks Helm's out; ours asks for
metadata only, with the label selector `owner=helm`, so neither the payloads nor the other
Secrets cross the wire. Both talk to the test API server (tests/support/fakeapi/) through a real
kubeconfig, and both are measured as bytes received, requests and wall time.

    python bench/helm_releases.py [--namespaces 40] [--releases 3] [--revisions 10] [--others 25]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout: the test API server is tests.support.fakeapi

from kubectl_datamodel.capture import helm, kube  # noqa: E402
from tests.support.fakeapi import FakeApiServer, FakeCluster  # noqa: E402

TOKEN = "bench-token"
PAYLOAD_BYTES = 30_000  # a small chart's gzipped release; big charts reach the 1 MiB limit


def cluster(namespaces: int, releases: int, revisions: int, others: int) -> FakeCluster:
    payload = base64.b64encode(os.urandom(PAYLOAD_BYTES)).decode()
    objects = []
    for n in range(namespaces):
        namespace = f"team-{n:03d}"
        for r in range(releases):
            for revision in range(1, revisions + 1):
                status = "deployed" if revision == revisions else "superseded"
                labels = {"name": f"app-{r}", "owner": "helm", "status": status}
                objects.append(_secret(namespace, f"sh.helm.release.v1.app-{r}.v{revision}",
                                       {**labels, "version": str(revision)}, payload))  # fmt: skip
        for o in range(others):
            objects.append(_secret(namespace, f"credentials-{o}", {}, payload[:2000]))
    built = FakeCluster()
    built.add(*objects)
    return built


def _secret(namespace: str, name: str, labels: dict[str, str], data: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1" if labels else "Opaque",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {"release" if labels else "password": data},
    }


def fetch_all(url: str, query: str, accept: str) -> tuple[int, int, list[dict]]:
    """Every page of /api/v1/secrets: (requests, bytes received, items)."""
    requests, received, items, token = 0, 0, [], ""
    while True:
        continued = f"&continue={token}" if token else ""
        request = urllib.request.Request(  # noqa: S310 - the test server on loopback
            f"{url}/api/v1/secrets?limit=500{query}{continued}",
            headers={"Accept": accept, "Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310 - the test server
            body = response.read()
        requests, received = requests + 1, received + len(body)
        document = json.loads(body)
        items += document.get("items") or []
        token = (document.get("metadata") or {}).get("continue") or ""
        if not token:
            return requests, received, items


def measure(url: str, query: str, accept: str) -> tuple[int, int, int, float]:
    started = time.perf_counter()
    requests, received, items = fetch_all(url, query, accept)
    found = [i for i in items if (i.get("metadata") or {}).get("labels", {}).get("owner") == "helm"]
    releases = helm.releases(
        [{"apiVersion": "v1", "kind": "Secret", **i} for i in found], installed=()
    )
    return requests, received, len(releases), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=40)
    parser.add_argument("--releases", type=int, default=3, help="per namespace")
    parser.add_argument("--revisions", type=int, default=10, help="Helm's default history")
    parser.add_argument("--others", type=int, default=25, help="other Secrets per namespace")
    args = parser.parse_args()
    built = cluster(args.namespaces, args.releases, args.revisions, args.others)
    total = args.namespaces * (args.releases * args.revisions + args.others)
    print(f"{total:,} Secrets, {args.namespaces * args.releases:,} releases "
          f"({args.revisions} revisions each, {PAYLOAD_BYTES // 1000} kB payloads)")  # fmt: skip
    with FakeApiServer(built, token=TOKEN) as server:
        ours = measure(server.url, f"&labelSelector={helm.OWNER_SELECTOR}", kube.METADATA_LIST)
        naive = measure(server.url, "", kube.ACCEPT_JSON)
    print(f"{'':34} {'requests':>8} {'received':>12} {'releases':>8} {'wall':>8}")
    for label, (requests, received, releases, wall) in (
        ("ours: metadata, owner=helm", ours),
        ("naive: every Secret in full", naive),
    ):
        print(f"{label:34} {requests:>8} {received / 1e6:>9.2f} MB {releases:>8} {wall:>7.2f}s")
    ratio, slower = naive[1] / ours[1], naive[3] / ours[3]
    print(f"naive receives {ratio:,.0f}x the bytes and takes {slower:.1f}x as long")


if __name__ == "__main__":
    main()
