#!/usr/bin/env python3
"""Benchmarks for the foundation: storage growth, start-up of `database list`, snapshot time.

Each figure is printed beside the naive approach it replaces:
  1. bytes added by re-snapshotting the unchanged example, vs storing each spec per row
     (the predecessor's schema);
  2. `kubectl-datamodel database list` wall time on a 50-snapshot database, vs the same
     command when kubernetes and deepdiff are imported up front;
  3. snapshot time of the largest example, vs parsing its YAML with the pure-Python loader.

Run from the repository root:  python bench/bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kubectl_datamodel import model, store
from kubectl_datamodel.capture import files
from kubectl_datamodel.options import CaptureOptions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cluster-v2"
SCRIPT = Path(sys.executable).with_name("kubectl-datamodel")  # the installed console script
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kubectl_datamodel"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        snapshot = files.capture(CaptureOptions(from_dirs=(EXAMPLE,))).snapshot
        growth(work, snapshot)
        list_latency(work, snapshot, args.runs)
        snapshot_time(work, max(3, args.runs // 3))


def growth(work: Path, snapshot: model.Snapshot) -> None:
    ours, naive = work / "growth.db", work / "naive.db"
    with store.open_store(ours, create=True) as db:
        db.write_snapshot(snapshot)
    _naive_write(naive, snapshot)
    ours_added, naive_added = [], []
    for _ in range(10):
        before = (_size(ours), _size(naive))
        with store.open_store(ours) as db:
            db.write_snapshot(snapshot)
        _naive_write(naive, snapshot)
        ours_added.append(_size(ours) - before[0])
        naive_added.append(_size(naive) - before[1])
    print(
        f"1. re-snapshot of unchanged {EXAMPLE.name} ({len(snapshot.crds)} CRDs, "
        f"{len(snapshot.operators)} operators, {len(snapshot.csvs)} CSVs), 10 times:"
    )
    print(
        f"   kubectl-datamodel: {_kb(statistics.mean(ours_added))} mean, "
        f"{_kb(max(ours_added))} max added per snapshot (target <= 50 KB; the file grows in "
        f"4 KB pages); file {_kb(_size(ours))} after 11 snapshots"
    )
    print(
        f"   naive (spec per row): {_kb(statistics.mean(naive_added))} mean added per "
        f"snapshot; file {_kb(_size(naive))} after 11 snapshots"
    )


def _naive_write(path: Path, snapshot) -> None:
    """The predecessor's layout: every row carries its own full spec."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS crds (snapshot_id INTEGER, name TEXT, spec TEXT)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS operators (snapshot_id INTEGER, name TEXT, spec TEXT)"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS csvs (snapshot_id INTEGER, name TEXT, spec TEXT)")
        (snapshot_id,) = conn.execute(
            "SELECT COALESCE(MAX(snapshot_id), 0) + 1 FROM crds"
        ).fetchone()
        for table, records in (
            ("crds", snapshot.crds),
            ("operators", snapshot.operators),
            ("csvs", snapshot.csvs),
        ):
            conn.executemany(
                f"INSERT INTO {table} VALUES (?, ?, ?)",
                [(snapshot_id, r.name, json.dumps(r.spec)) for r in records],
            )
    conn.close()


def list_latency(work: Path, snapshot: model.Snapshot, runs: int) -> None:
    path = work / "fifty.db"
    with store.open_store(path, create=True) as db:
        for _ in range(50):
            db.write_snapshot(snapshot)
    command = [*CLI, "database", "list", "--db-path", str(path)]
    eager = [
        sys.executable,
        "-c",
        "import kubernetes, deepdiff, runpy, sys; "
        "sys.argv = ['kubectl-datamodel', *sys.argv[1:]]; "
        "runpy.run_module('kubectl_datamodel', run_name='__main__')",
        "database",
        "list",
        "--db-path",
        str(path),
    ]
    ours = _median_seconds(command, runs)
    naive = _median_seconds(eager, runs)
    print(f"2. `database list` on a 50-snapshot database ({_kb(_size(path))}), median of {runs}:")
    print(f"   kubectl-datamodel: {ours * 1000:.0f} ms (target <= 200 ms)")
    print(f"   naive (kubernetes + deepdiff imported up front): {naive * 1000:.0f} ms")


def snapshot_time(work: Path, runs: int) -> None:
    path = work / "snap.db"
    command = [*CLI, "snapshot", "--from-dir", str(EXAMPLE), "--db-path", str(path)]
    ours = _median_seconds(command, runs)
    size = sum(p.stat().st_size for p in EXAMPLE.rglob("*") if p.is_file())
    pure = _pure_python_parse_seconds()
    print(f"3. snapshot of {EXAMPLE.name} ({size / 1e6:.1f} MB of YAML), median of {runs}:")
    print(f"   kubectl-datamodel snapshot (whole command): {ours:.2f} s")
    print(f"   naive (pure-Python YAML loader, parsing alone): {pure:.2f} s")


def _pure_python_parse_seconds() -> float:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    loader = YAML(typ="safe", pure=True)
    for tag in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp"):
        loader.constructor.add_constructor(tag, SafeConstructor.construct_yaml_str)
    start = time.perf_counter()
    for path in sorted(EXAMPLE.rglob("*.yaml")):
        list(loader.load_all(path.read_text()))
    return time.perf_counter() - start


def _median_seconds(command: list[str], runs: int) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(command, capture_output=True, check=True, env=env)  # warm the page cache
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _kb(count: float) -> str:
    return f"{count / 1000:.1f} KB"


if __name__ == "__main__":
    main()
