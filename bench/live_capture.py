#!/usr/bin/env python3
"""Benchmark of live capture against the test API server, beside the naive way.

A cluster of N CRDs with M custom resources each is served by tests/support/fakeapi/ with a fixed
latency per request (5 ms by default), in this process. Each capture runs as its own process, so
its peak RSS is its own:
  ours   `kubectl-datamodel snapshot` (discovery, one CRD list, a metadata-only limit=1 list per
         CRD for its count, workloads, nodes), concurrent;
  ours, one at a time  the same with --concurrency 1, to show what concurrency buys;
  naive  what the peer tool does, made correct: list CRDs, then a full LIST of every CRD's
         resources at its storage version, one after another, counting the items.

With --real, the same three run against a real kube-apiserver + etcd (scripts/test-cluster.sh;
`build` it first), on a smaller cluster (--real-crds x --real-per-crd, since every object is
written through the API first), next to the test server serving the same cluster with no
added latency. Requests there are the server's own count (apiserver_request_total).

Run from the repository root:  python bench/live_capture.py [--crds 500] [--per-crd 100] [--real]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout: the test API server is tests.support.fakeapi

from peak_rss import megabytes, wrapped  # noqa: E402

from tests.support import realcluster  # noqa: E402
from tests.support.fakeapi import FakeApiServer, FakeCluster, widget_crd  # noqa: E402
from tests.support.kubeconfig import write_kubeconfig  # noqa: E402

SCRIPT = Path(sys.executable).with_name("kubectl-datamodel")
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kubectl_datamodel"]
TOKEN = "bench-token"

NAIVE = """
import sys
from kubernetes import client, config
api_client = config.new_client_from_config(sys.argv[1], persist_config=False)
extensions = client.ApiextensionsV1Api(api_client)
custom = client.CustomObjectsApi(api_client)
total = 0
for crd in extensions.list_custom_resource_definition().items:
    version = next(v.name for v in crd.spec.versions if v.storage)
    listed = custom.list_cluster_custom_object(crd.spec.group, version, crd.spec.names.plural)
    total += len(listed["items"])
print(total)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crds", type=int, default=500)
    parser.add_argument("--per-crd", type=int, default=100, help="custom resources per CRD")
    parser.add_argument("--latency", type=float, default=0.005, help="seconds per request")
    parser.add_argument("--large", type=int, default=200, help="per-CRD count of the RSS run")
    parser.add_argument("--real", action="store_true", help="also against a real kube-apiserver")
    parser.add_argument("--real-crds", type=int, default=100)
    parser.add_argument("--real-per-crd", type=int, default=20)
    args = parser.parse_args()
    if args.real:
        with tempfile.TemporaryDirectory() as scratch:
            _real_server(args.real_crds, args.real_per_crd, Path(scratch))
        return
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        total = args.crds * args.per_crd
        latency_ms = args.latency * 1000
        print(
            f"cluster: {args.crds} CRDs, {total:,} custom resources "
            f"(largest kind {_spread(total, args.crds)[0]:,}), {latency_ms:g} ms/request"
        )
        with _serving(_cluster(args.crds, args.per_crd), args.latency, work) as (server, config):
            ours = _measure(server, _ours(config, work / "a.db"))
            serial = _measure(server, [*_ours(config, work / "c.db"), "--concurrency", "1"])
            naive = _measure(server, [sys.executable, "-c", NAIVE, str(config)])
        _report("ours", ours)
        _report("ours, one at a time", serial)
        _report("naive", naive)
        print(
            f"ratio (naive / ours): {naive['wall'] / ours['wall']:.1f}x time, "
            f"{naive['requests'] / ours['requests']:.2f}x requests, "
            f"{naive['rss'] / ours['rss']:.1f}x peak RSS"
        )
        large = args.crds * args.large
        print(f"\ncluster: {args.crds} CRDs, {large:,} custom resources (memory at scale)")
        with _serving(_cluster(args.crds, args.large), args.latency, work) as (server, config):
            big = _measure(server, _ours(config, work / "b.db"))
        _report("ours", big)


def _definitions(crds: int) -> list[dict]:
    # Versions named as real projects name them: not every storage version is "v1".
    versions = ("v1", "v1beta1", "v1alpha2", "v2")
    return [widget_crd(i, "bench.example.com", versions[i % 4]) for i in range(crds)]


def _cluster(crds: int, per_crd: int, *, spread: bool = True) -> FakeCluster:
    cluster = FakeCluster()
    cluster.add(*_definitions(crds))
    counts = _spread(crds * per_crd, crds) if spread else [per_crd] * crds
    for i, count in enumerate(counts):
        cluster.generate(
            f"widget{i:04d}s.bench.example.com",
            count,
            namespaces=("team-a", "team-b", "team-c"),
            status_manager="widget-operator",
        )
    return cluster


def _spread(total: int, crds: int) -> list[int]:
    """Split ``total`` as real clusters do: a few kinds hold most objects (the i-th largest
    holds a share proportional to 1/i), most kinds hold a few."""
    weights = [1 / (i + 1) for i in range(crds)]
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[0] += total - sum(counts)
    return counts


@contextlib.contextmanager
def _serving(
    cluster: FakeCluster, latency: float, work: Path
) -> Iterator[tuple[FakeApiServer, Path]]:
    with FakeApiServer(cluster, token=TOKEN, latency=latency) as server:
        yield server, write_kubeconfig(work / "config", server.url, token=TOKEN)


def _ours(config: Path, db_path: Path) -> list[str]:
    return [*CLI, "snapshot", "--kubeconfig", str(config), "-q", "--db-path", str(db_path)]


def _measure(server: FakeApiServer, command: list[str]) -> dict[str, float]:
    return _measure_with(lambda: len(server.requests), command)


def _measure_with(requests: Callable[[], int], command: list[str]) -> dict[str, float]:
    """Run one capture as a child process: wall time, its own peak RSS, requests it made."""
    before = requests()
    with tempfile.TemporaryDirectory() as scratch:
        rss_file, errors = Path(scratch) / "rss", Path(scratch) / "stderr"
        started = time.perf_counter()
        with errors.open("wb") as stderr:
            returncode = subprocess.call(
                wrapped(rss_file, command),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        wall = time.perf_counter() - started
        if returncode != 0:
            raise SystemExit(f"{command[:3]} failed: {errors.read_text()}")
        rss = megabytes(rss_file)
    return {"wall": wall, "rss": rss, "requests": requests() - before}


def _real_server(crds: int, per_crd: int, work: Path) -> None:
    """Ours and naive against kube-apiserver, then against the test server, same cluster."""
    if not realcluster.built():
        print("--real: no kube-apiserver built; run scripts/test-cluster.sh build first")
        return
    print(f"real kube-apiserver: {crds} CRDs, {crds * per_crd:,} custom resources")
    folder = work / "cluster"
    cluster = realcluster.Cluster(realcluster.up(folder))
    try:
        started = time.perf_counter()
        _populate(cluster, crds, per_crd)
        print(f"  (written through the API in {time.perf_counter() - started:.0f} s)")
        config = cluster.kubeconfig
        real = {
            "ours": _measure_with(_counter(cluster), _ours(config, work / "r1.db")),
            "naive": _measure_with(_counter(cluster), [sys.executable, "-c", NAIVE, str(config)]),
        }
    finally:
        realcluster.down(folder)
    fake_cluster = _cluster(crds, per_crd, spread=False)
    with _serving(fake_cluster, 0.0, work) as (server, fake_config):
        fake = {
            "ours": _measure(server, _ours(fake_config, work / "f1.db")),
            "naive": _measure(server, [sys.executable, "-c", NAIVE, str(fake_config)]),
        }
    for name in ("ours", "naive"):
        _report(f"{name}, real server", real[name])
        _report(f"{name}, test server", fake[name])


def _populate(cluster: realcluster.Cluster, crds: int, per_crd: int) -> None:
    definitions = _definitions(crds)
    cluster.load(definitions)
    objects = [
        {"apiVersion": f"{d['spec']['group']}/{d['spec']['versions'][0]['name']}",
         "kind": d["spec"]["names"]["kind"],
         "metadata": {"name": f"w{n:05d}", "namespace": ("team-a", "team-b", "team-c")[n % 3]}}
        for d in definitions for n in range(per_crd)
    ]  # fmt: skip
    cluster.load([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                  for n in ("team-a", "team-b", "team-c")])  # fmt: skip
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(cluster.put, objects))


def _counter(cluster: realcluster.Cluster) -> Callable[[], int]:
    return lambda: sum(cluster.requests().values())


def _report(name: str, figures: dict[str, float]) -> None:
    print(
        f"  {name:<20} {figures['requests']:>6,.0f} requests  {figures['wall']:>6.2f} s wall  "
        f"{figures['rss']:>6.0f} MB peak RSS"
    )


if __name__ == "__main__":
    main()
