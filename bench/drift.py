#!/usr/bin/env python3
"""Benchmark of drift between two stored snapshots, beside a naive whole-snapshot DeepDiff.

Snapshot A clones examples/cluster-v1's records under renamed identities (CRD groups t<i>.<group>,
operators <name>-<i>, CSV packages <package>-<i>, specs renamed too) up to N objects; B is A with
a fraction changed: CRDs on their cluster-v2 schema, operator images bumped and CSVs upgraded to
cluster-v2's, a few CRDs added and operators removed. Both are stored in a temporary database;
each approach then runs in its own process (peak RSS as in live_capture.py):
  ours   sides.stored() for both sides and drift.diff(), reading only changed records' specs;
  naive  both snapshots loaded with every spec as dicts keyed by name, and one DeepDiff.

Run from the repository root:  python bench/drift.py [--objects 5000] [--changed-fraction 0.02]
The naive run is stopped after --naive-timeout seconds (default 120; at 5,000 objects it needs
about 16 minutes, so pass --naive-timeout 1200 to see it finish).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import peak_rss

from kubectl_datamodel import drift, model, store
from kubectl_datamodel.capture import files
from kubectl_datamodel.drift import sides
from kubectl_datamodel.drift.rules import csvs as olm
from kubectl_datamodel.options import CaptureOptions

ROOT = Path(__file__).resolve().parent.parent
R = TypeVar("R")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000, help="records per snapshot")
    parser.add_argument("--changed-fraction", type=float, default=0.02, help="share B changes")
    parser.add_argument(
        "--naive-timeout",
        type=float,
        default=120.0,
        help="stop the naive run after this many seconds (at 5,000 objects it takes ~16 min)",
    )
    parser.add_argument("--worker", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # one measurement, in its own process
        with store.open_store(args.db) as db:
            print(json.dumps(_ours(db) if args.worker == "ours" else _naive(db)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        started = time.perf_counter()
        for line in _write(path, args.objects, args.changed_fraction):
            print(line)
        print(f"  setup (capture, clone, write both): {time.perf_counter() - started:.1f} s\n")
        ours = _measure("ours", path, timeout=None)
        naive = _measure("naive", path, timeout=args.naive_timeout)
    if ours is None:
        raise SystemExit("ours did not finish")
    if naive is None:
        print(
            f"ours: {ours['wall']:.2f} s, {ours['specs']:,.0f} specs read, "
            f"{ours['count']:,.0f} changes, {ours['rss']:,.0f} MB peak RSS"
        )
        print(
            f"naive (DeepDiff): stopped after {args.naive_timeout:.0f} s, so at least "
            f"{args.naive_timeout / ours['wall']:,.0f}x slower (--naive-timeout to wait longer)"
        )
        return
    print(f"{'approach':<32}{'wall s':>9}{'specs read':>12}{'changes/leaves':>16}{'peak RSS':>11}")
    for label, row in (("ours (sides.stored + drift.diff)", ours), ("naive (DeepDiff)", naive)):
        print(
            f"{label:<32}{row['wall']:>9.2f}{row['specs']:>12,.0f}{row['count']:>16,.0f}"
            f"{row['rss']:>8,.0f} MB"
        )
    print(
        f"ours: median of 3 runs after a warm-up (target <= 2 s), classified changes; naive: one "
        f"run ({naive['load']:.1f} s of it loading), changed leaves DeepDiff reports"
    )
    print(
        f"ratio (naive / ours): {naive['wall'] / ours['wall']:,.0f}x time, "
        f"{naive['specs'] / max(ours['specs'], 1):,.0f}x specs read, "
        f"{naive['rss'] / ours['rss']:.1f}x peak RSS"
    )


def _write(path: Path, objects: int, fraction: float) -> list[str]:
    """Store snapshots A and B; describe them."""
    v1, v2 = (
        files.capture(CaptureOptions(from_dirs=(ROOT / "examples" / n,))).snapshot
        for n in ("cluster-v1", "cluster-v2")
    )
    n_crds, n_ops = objects * 4 // 5, objects * 4 // 25
    n_csvs = objects - n_crds - n_ops
    changed = round(objects * fraction)
    few, bumps = changed // 20, changed // 5  # few: CRDs added, operators removed, CSVs upgraded
    swaps = changed - 3 * few - bumps
    crd2 = {c.name: c for c in v2.crds}
    op2 = {o.name: o for o in v2.operators}
    csv2 = {olm.package(c): c for c in v2.csvs}
    crds = _sides(v1.crds, n_crds, _crd, swaps, lambda b, i: (n := crd2.get(b.name)) and _crd(n, i))
    crds[1].extend(_crd(v1.crds[j % len(v1.crds)], 1000 + j) for j in range(few))
    ops = _sides(
        v1.operators, n_ops, _operator, bumps, lambda b, i: _bump(_operator(b, i), op2[b.name])
    )
    del ops[1][n_ops - few :]
    csvs = _sides(v1.csvs, n_csvs, _csv, few, lambda b, i: _csv(csv2[olm.package(b)], i))
    with store.open_store(path, create=True) as db:
        for side in (0, 1):
            db.write_snapshot(
                dataclasses.replace(
                    v1,
                    timestamp=f"2025-06-0{side + 1}T00:00:00Z",
                    crds=tuple(crds[side]),
                    operators=tuple(ops[side]),
                    csvs=tuple(csvs[side]),
                )
            )
        stats = db.stats()
    return [
        f"dataset: {objects:,} objects cloned from examples/cluster-v1 ({len(v1.crds)} CRDs, "
        f"{len(v1.operators)} operators, {len(v1.csvs)} CSVs) under renamed identities",
        f"  A: {n_crds:,} CRDs, {n_ops:,} operators, {n_csvs:,} CSVs",
        f"  B: A with {changed:,} records changed ({changed / objects:.1%}): {swaps} CRDs on "
        f"their cluster-v2 schema, {bumps} operator images bumped to cluster-v2's, {few} CSVs "
        f"upgraded to cluster-v2's, {few} CRDs added, {few} operators removed",
        f"  database: {path.stat().st_size / 1e6:,.1f} MB on disk; specs "
        f"{stats['spec_bytes_referenced'] / 1e6:,.0f} MB as the two snapshots reference them, "
        f"{stats['spec_bytes_stored'] / 1e6:,.0f} MB stored once by content",
    ]


def _sides(
    bases: Sequence[R],
    count: int,
    clone: Callable[[R, int], R],
    upgrades: int,
    upgrade: Callable[[R, int], R | None],
) -> tuple[list[R], list[R]]:
    """A's ``count`` clones of ``bases``; and B's: the same with ``upgrades`` of them, spread
    evenly over those with a next release (None when there is none), upgraded."""
    plan = [(bases[i % len(bases)], i // len(bases)) for i in range(count)]
    old = [clone(base, i) for base, i in plan]
    new = list(old)
    eligible = [(at, up) for at, (base, i) in enumerate(plan) if (up := upgrade(base, i))]
    upgrades = min(upgrades, len(eligible))
    for k in range(upgrades):
        at, upgraded = eligible[k * len(eligible) // upgrades]
        new[at] = upgraded
    return old, new


def _crd(base: model.CrdRecord, clone: int) -> model.CrdRecord:
    group = f"t{clone}.{base.group}"
    name = f"{base.plural}.{group}"
    spec = _named(base.spec, name)
    spec["spec"] = {**spec["spec"], "group": group}
    return dataclasses.replace(base, name=name, group=group, spec=spec)


def _named(spec: model.JSON, name: str) -> model.JSON:
    """A shallow copy of ``spec`` under another metadata.name: its digest becomes its own."""
    return {**spec, "metadata": {**spec["metadata"], "name": name}}


def _operator(base: model.OperatorRecord, clone: int) -> model.OperatorRecord:
    def crd(name: str) -> str:  # the same clone's CRD: plural.t<i>.group
        return name.replace(".", f".t{clone}.", 1)

    name = f"{base.name}-{clone}"
    return dataclasses.replace(
        base,
        name=name,
        managed_crds=tuple(map(crd, base.managed_crds)),
        evidence={crd(k): v for k, v in base.evidence.items()},
        spec=_named(base.spec, name),
    )


def _bump(operator: model.OperatorRecord, newer: model.OperatorRecord) -> model.OperatorRecord:
    """The operator running the images of its next release (cluster-v2's)."""
    swap = dict(zip(operator.images, newer.images, strict=False))
    workload = operator.spec["spec"]
    pod = workload["template"]["spec"]
    containers = [{**c, "image": swap.get(c["image"], c["image"])} for c in pod["containers"]]
    template = {**workload["template"], "spec": {**pod, "containers": containers}}
    return dataclasses.replace(
        operator,
        images=tuple(swap.get(i, i) for i in operator.images),
        version=newer.version,
        spec={**operator.spec, "spec": {**workload, "template": template}},
    )


def _csv(base: model.CsvRecord, clone: int) -> model.CsvRecord:
    def renamed(name: str) -> str:  # argocd-operator.v0.10.0 -> argocd-operator-<i>.v0.10.0
        package, dot, version = name.partition(".v")
        return f"{package}-{clone}{dot}{version}"

    name = renamed(base.name)
    return dataclasses.replace(
        base,
        name=name,
        replaces=renamed(base.replaces) if base.replaces else None,
        skips=tuple(map(renamed, base.skips)),
        spec=_named(base.spec, name),
    )


def _measure(name: str, path: Path, timeout: float | None) -> dict[str, float] | None:
    """Run one worker as its own process: its figures, and its own peak RSS in MB; None when
    it ran out of time (the worker and its wrapper are stopped)."""
    with tempfile.TemporaryDirectory() as scratch:
        rss_file = Path(scratch) / "rss"
        command = [sys.executable, __file__, "--worker", name, "--db", str(path)]
        wrapped = peak_rss.wrapped(rss_file, command)
        with subprocess.Popen(
            wrapped,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return None
        done = subprocess.CompletedProcess(wrapped, process.returncode, stdout, stderr)
        if done.returncode != 0:
            raise SystemExit(f"{name} failed: {done.stderr}")
        figures: dict[str, float] = json.loads(done.stdout)
        figures["rss"] = peak_rss.megabytes(rss_file)
    return figures


def _ids(db: store.Store) -> list[int]:
    return sorted(s.id for s in db.list_snapshots())


def _ours(db: store.Store) -> dict[str, float]:
    old, new = _ids(db)
    loaded: list[int] = []

    def counted(records: drift.Records) -> drift.Records:
        def load(digests: Sequence[str]) -> Mapping[str, Any]:
            specs = records.load_specs(digests)
            loaded.append(len(specs))
            return specs

        return dataclasses.replace(records, load_specs=load)

    def run() -> int:
        loaded.clear()
        report = drift.diff(
            counted(sides.stored(db, old, "a")), counted(sides.stored(db, new, "b"))
        )
        return len(report.changes)

    run()  # warm-up
    timings, count = [], 0
    for _ in range(3):
        started = time.perf_counter()
        count = run()
        timings.append(time.perf_counter() - started)
    return {"wall": statistics.median(timings), "specs": sum(loaded), "count": count}


def _naive(db: store.Store) -> dict[str, float]:
    from deepdiff import DeepDiff

    started = time.perf_counter()
    snapshots = [db.get_snapshot(i, include_specs=True) for i in _ids(db)]
    old, new = (
        {s: {r.name: r.as_dict(include_spec=True) for r in getattr(one, s)} for s in model.SECTIONS}
        for one in snapshots
    )
    loaded = time.perf_counter()
    difference = DeepDiff(old, new, threshold_to_diff_deeper=0)
    return {
        "wall": time.perf_counter() - started,
        "load": loaded - started,
        "specs": sum(len(getattr(snap, s)) for snap in snapshots for s in model.SECTIONS),
        "count": sum(len(report) for report in difference.values()),
    }


if __name__ == "__main__":
    main()
