"""What `analyze history` and `report --html` cost as snapshots pile up, next to the naive way.

A context snapshotted daily for a year holds hundreds of snapshots. `analyze history` reads
them with SQL over the documented views (names, versions and counts; never a spec); the naive
way reads every snapshot back whole (`database show` for each) and walks the records. Both
produce the same operator version spans, which the script checks before timing.

    python bench/history.py [--snapshots 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kubectl_datamodel import analysis, store
from kubectl_datamodel.capture import files
from kubectl_datamodel.options import CaptureOptions

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("kubectl-datamodel")


def build(path: Path, count: int) -> None:
    """``count`` daily snapshots of one context, the example cluster upgraded half-way."""
    v1, v2 = (
        files.capture(CaptureOptions(from_dirs=(ROOT / "examples" / name,))).snapshot
        for name in ("cluster-v1", "cluster-v2")
    )
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    with store.open_store(path, create=True) as db:
        for day in range(count):
            chosen = v1 if day < count // 2 else v2
            stamp = (start + datetime.timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
            db.write_snapshot(dataclasses.replace(chosen, cluster_context="prod", timestamp=stamp))


def ours(db: store.Store) -> set[tuple[object, ...]]:
    history = analysis.analyze(db, "history", None, "prod")
    (spans,) = [t for t in history.tables if t.name == "operator_versions"]
    return {row[:3] for row in spans.rows}


def naive(db: store.Store) -> set[tuple[object, ...]]:
    """Every snapshot read back whole, versions collected record by record."""
    seen: set[tuple[object, ...]] = set()
    for summary in db.list_snapshots(cluster_context="prod"):
        for operator in db.get_snapshot(summary.id, include_specs=True).operators:
            seen.add((operator.namespace, operator.name, operator.version))
    return seen


def median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "inventory.db"
        started = time.perf_counter()
        build(path, args.snapshots)
        size = path.stat().st_size / 1e6
        print(f"{args.snapshots} snapshots of one context ({size:.1f} MB), built in "
              f"{time.perf_counter() - started:.1f} s; median of {args.runs} runs:")  # fmt: skip
        with store.open_store(path) as db:
            assert ours(db) == naive(db), "the two ways disagree"
            fast, slow = median(args.runs, lambda: ours(db)), median(args.runs, lambda: naive(db))
        print(f"  analyze history, SQL over the views:      {fast:6.2f} s")
        print(f"  naive, every snapshot read back whole:     {slow:6.2f} s ({slow / fast:.0f}x)")
        page = Path(work) / "report.html"
        command = [str(CLI), "report", "--html", str(page), "--db-path", str(path)]
        wall = median(args.runs, lambda: subprocess.run(command, check=True, capture_output=True))
        print(f"  report --html, whole command:             {wall:6.2f} s "
              f"({page.stat().st_size / 1e3:,.0f} kB page)")  # fmt: skip


if __name__ == "__main__":
    main()
