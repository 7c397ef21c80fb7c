"""The `history` view: how one cluster context moved across all its snapshots, oldest first.

Read with SQL over the documented views (docs/schema.md), never a spec: a year of daily
snapshots stays cheap. Operators are followed by namespace and name, CRDs by name; a snapshot
taken without a component (`--no-operators`) neither ends nor starts a span of it.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from kubectl_datamodel import model, store

_OPERATORS = """
SELECT o.snapshot_id, o.namespace, o.name, o.version FROM operators o
JOIN inventory_snapshots s ON s.id = o.snapshot_id WHERE s.cluster_context = ?
"""
_CRDS = """
SELECT c.snapshot_id, c.name, c.version, c.versions FROM crds c
JOIN inventory_snapshots s ON s.id = c.snapshot_id WHERE s.cluster_context = ?
"""


def analyze(db: store.Store, cluster_context: str) -> list[model.Table]:
    snapshots = list(reversed(db.list_snapshots(cluster_context=cluster_context)))
    operators = _rows(db, _OPERATORS, cluster_context)
    crds = _rows(db, _CRDS, cluster_context)
    return [
        _counts_table(snapshots),
        _operator_versions_table(_having(snapshots, "operators"), operators),
        _crd_versions_table(_having(snapshots, "crds"), crds),
    ]


def _rows(db: store.Store, sql: str, cluster_context: str) -> list[sqlite3.Row]:
    try:
        return list(db.conn.execute(sql, [cluster_context]))
    except sqlite3.Error as exc:
        raise db.error_for(exc) from exc


def _captured(summary: model.SnapshotSummary, component: str, count: int) -> int | None:
    return count if component in summary.components else None


def _having(snapshots: list[model.SnapshotSummary], component: str) -> list[model.SnapshotSummary]:
    return [s for s in snapshots if component in s.components]


def _counts_table(snapshots: list[model.SnapshotSummary]) -> model.Table:
    """A count is None where the snapshot did not capture that component (`--no-olm`): a
    chart shows a gap there, not a drop to zero."""
    rows = tuple(
        (
            s.id,
            s.timestamp,
            _captured(s, "crds", s.crd_count),
            _captured(s, "operators", s.operator_count),
            _captured(s, "olm", s.csv_count),
        )
        for s in snapshots
    )
    return model.Table.of(
        ("snapshot_id", "timestamp", "crds", "operators", "csvs"),
        rows,
        title="Counts per snapshot",
        name="counts",
    )


# -- operator versions ----------------------------------------------------------------------------


@dataclasses.dataclass
class _Span:
    """An operator at one version over snapshots ``first``..``last`` (indices, oldest 0)."""

    namespace: str | None
    operator: str
    version: str | None
    first: int
    last: int


def _operator_versions_table(
    snapshots: list[model.SnapshotSummary], rows: Sequence[sqlite3.Row]
) -> model.Table:
    """One row per stretch of consecutive snapshots an operator ran one version in: a new row
    when its version changes, or when it comes back after a snapshot without it."""
    index = {s.id: i for i, s in enumerate(snapshots)}
    seen = sorted(
        (
            (index[r["snapshot_id"]], r["namespace"], r["name"], r["version"])
            for r in rows
            if r["snapshot_id"] in index  # not one written since the snapshots were listed
        ),
        key=lambda row: (row[0], row[1] or "", row[2]),
    )
    current: dict[tuple[str | None, str], _Span] = {}
    spans: list[_Span] = []
    for i, namespace, name, version in seen:
        span = current.get((namespace, name))
        if span is not None and span.version == version and span.last == i - 1:
            span.last = i
            continue
        current[(namespace, name)] = _Span(namespace, name, version, i, i)
        spans.append(current[(namespace, name)])
    spans.sort(key=lambda s: (s.namespace or "", s.operator, s.first))
    return model.Table.of(
        (
            "namespace",
            "operator",
            "version",
            "first_snapshot_id",
            "first_timestamp",
            "last_snapshot_id",
            "last_timestamp",
        ),
        tuple(
            (
                span.namespace,
                span.operator,
                span.version,
                snapshots[span.first].id,
                snapshots[span.first].timestamp,
                snapshots[span.last].id,
                snapshots[span.last].timestamp,
            )
            for span in spans
        ),
        title="Operator versions over time",
        name="operator_versions",
    )


# -- CRD versions ---------------------------------------------------------------------------------


def _crd_versions_table(
    snapshots: list[model.SnapshotSummary], rows: Sequence[sqlite3.Row]
) -> model.Table:
    """Storage version flips and served versions added or removed, between each snapshot and
    the one before it, for the CRDs in both (CRDs coming and going show in the counts)."""
    by_snapshot: dict[int, dict[str, tuple[str | None, set[str]]]] = {}
    for r in rows:
        served = {v["name"] for v in json.loads(r["versions"] or "[]") if v.get("served")}
        by_snapshot.setdefault(r["snapshot_id"], {})[r["name"]] = (r["version"], served)
    changes: list[tuple[Any, ...]] = []
    for before, after in itertools.pairwise(snapshots):
        old, new = by_snapshot.get(before.id, {}), by_snapshot.get(after.id, {})
        for crd in sorted(old.keys() & new.keys()):
            changes += [(crd, after.id, after.timestamp, *c) for c in _changes(old[crd], new[crd])]
    return model.Table.of(
        ("crd", "snapshot_id", "timestamp", "change", "old", "new"),
        tuple(changes),
        title="CRD version changes",
        name="crd_versions",
    )


def _changes(
    old: tuple[str | None, set[str]], new: tuple[str | None, set[str]]
) -> list[tuple[str, str | None, str | None]]:
    (old_storage, old_served), (new_storage, new_served) = old, new
    found: list[tuple[str, str | None, str | None]] = []
    if old_storage != new_storage:
        found.append(("storage-changed", old_storage, new_storage))
    found += [("served-added", None, v) for v in sorted(new_served - old_served)]
    found += [("served-removed", v, None) for v in sorted(old_served - new_served)]
    return found
