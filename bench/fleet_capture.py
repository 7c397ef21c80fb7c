"""`snapshot --contexts` over a fleet of test API servers, beside one `snapshot --context` per
cluster, one after another (the way a shell loop or kubescape's --kube-contexts runs them).

Each cluster is its own test API server (tests/support/fakeapi) loaded with the examples'
upstream objects (45 CRDs with instances, 7 operators, an OLM CSV), answering every request
after --latency seconds, as a cluster some way off does. Both ways go through the installed
kubectl-datamodel, the real kubernetes client and one kubeconfig holding every context; each
run writes a fresh database.

Run from the repository root:  python bench/fleet_capture.py [--clusters 10] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout: the test API server is tests.support.fakeapi

from tests.support.examplecluster import TOKEN, build_cluster  # noqa: E402
from tests.support.fakeapi import FakeApiServer  # noqa: E402
from tests.support.kubeconfig import write_fleet_kubeconfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--at-once", type=int, default=4, help="--clusters-at-once")
    args = parser.parse_args()
    tool = shutil.which("kubectl-datamodel")
    if tool is None:
        raise SystemExit("kubectl-datamodel is not on PATH: pip install -e . first")
    cluster = build_cluster()
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(FakeApiServer(cluster, token=TOKEN, latency=args.latency))
            for _ in range(args.clusters)
        ]
        names = [f"cluster-{i:02d}" for i in range(args.clusters)]
        config = write_fleet_kubeconfig(
            Path(scratch) / "config",
            {n: s.url for n, s in zip(names, servers, strict=True)},
            token=TOKEN,
        )

        def run(db: Path, *flags: str) -> None:
            command = [tool, "snapshot", "--kubeconfig", str(config), "-q", "--db-path", str(db)]
            subprocess.run([*command, *flags], check=True, capture_output=True)

        started = time.perf_counter()
        one_by_one = Path(scratch) / "sequential.db"
        for name in names:
            run(one_by_one, "--context", name)
        sequential = time.perf_counter() - started
        requests = sum(len(s.requests) for s in servers)
        for server in servers:
            server.requests.clear()

        started = time.perf_counter()
        together = Path(scratch) / "fleet.db"
        run(together, "--all-contexts", "--clusters-at-once", str(args.at_once))
        fleet = time.perf_counter() - started
        fleet_requests = sum(len(s.requests) for s in servers)

        stored = [_count(db) for db in (one_by_one, together)]
    print(
        f"{args.clusters} clusters, each the examples' 45 CRDs, 7 operators and a CSV, "
        f"{args.latency * 1000:.0f} ms a request; 2 cores"
    )
    print(f"{'approach':<46}{'wall s':>8}{'requests':>10}{'snapshots':>11}")
    print(f"{'naive: snapshot --context X, one after another':<46}{sequential:>8.2f}"
          f"{requests:>10,}{stored[0]:>11}")  # fmt: skip
    print(f"{f'ours: snapshot --all-contexts ({args.at_once} at once)':<46}{fleet:>8.2f}"
          f"{fleet_requests:>10,}{stored[1]:>11}")  # fmt: skip
    print(f"ratio: {sequential / fleet:.1f}x faster, same requests, one process")


def _count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM inventory_snapshots").fetchone()[0])


if __name__ == "__main__":
    main()
