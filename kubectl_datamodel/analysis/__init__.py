"""Built-in analyses of a stored snapshot: `kubectl datamodel analyze VIEW`.

Each view reads one snapshot (``history``: every snapshot of its cluster context) and returns an
``Analysis``: findings, each with a ``Level``, and tables of plain values. Nothing here renders
or writes; the CLI and the HTML report decide how it reads. The standard library and our own
modules only. docs/analysis.md lists every rule, its level and why it matters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kubectl_datamodel import errors, model, store
from kubectl_datamodel.analysis import (
    base,
    deprecations,
    fleet,
    history,
    overview,
    resources,
    security,
)
from kubectl_datamodel.analysis.base import Analysis, Finding, Level

__all__ = [
    "RULES",
    "VIEWS",
    "Analysis",
    "Finding",
    "Level",
    "analyze",
    "analyze_all",
    "check_view",
]

VIEWS = ("security", "resources", "deprecations", "overview", "history", "fleet")
# view -> rule -> its level; views without rules report tables only
RULES: dict[str, dict[str, Level]] = {
    "security": security.RULES,
    "resources": resources.RULES,
    "deprecations": deprecations.RULES,
    "overview": {},
    "history": {},
    "fleet": fleet.RULES,
}
_Finder = Callable[[model.StoredSnapshot], tuple[list[Finding], list[model.Table]]]
_FINDERS: dict[str, _Finder] = {
    "security": security.analyze,
    "resources": resources.analyze,
    "deprecations": deprecations.analyze,
}


def analyze(
    db: store.Store, view: str, snapshot_id: int | None, cluster_context: str | None = None
) -> Analysis:
    """Run ``view`` over snapshot ``snapshot_id`` (None: the newest of ``cluster_context``,
    else the newest of all). A snapshot of another context than ``cluster_context`` is an
    error, not a silent switch of cluster. ``fleet`` reads the newest snapshot of every
    context and takes neither."""
    if view == "fleet":
        return analyze_fleet(db)
    (result,) = analyze_all(db, (view,), snapshot_id, cluster_context)
    return result


def analyze_all(
    db: store.Store,
    views: Sequence[str],
    snapshot_id: int | None,
    cluster_context: str | None = None,
) -> list[Analysis]:
    """Several views of one snapshot, which is read from the database once (with its specs
    only when a view needs them), as ``analyze`` reads it for one."""
    for view in views:
        check_view(view)
    summary = db.summary(_snapshot_id(db, snapshot_id, cluster_context))
    if cluster_context is not None and summary.cluster_context != cluster_context:
        raise errors.UsageError(
            f"snapshot {summary.id} is of cluster context {summary.cluster_context!r}, "
            f"not {cluster_context!r}"
        )
    stored: model.StoredSnapshot | None = None
    if set(views) - {"history"}:
        stored = db.get_snapshot(summary.id, include_specs=bool(set(views) & set(_FINDERS)))
    return [_run(db, view, summary, stored) for view in views]


def _run(
    db: store.Store,
    view: str,
    summary: model.SnapshotSummary,
    stored: model.StoredSnapshot | None,
) -> Analysis:
    context = summary.cluster_context
    if view == "history":
        return Analysis(view, context, summary, (), tuple(history.analyze(db, context)))
    assert stored is not None  # read by analyze_all for every view but history
    if view == "overview":
        return Analysis(view, context, summary, (), tuple(overview.analyze(stored)))
    findings, tables = _FINDERS[view](stored)
    return Analysis(view, context, summary, base.ranked(findings), tuple(tables))


def analyze_fleet(db: store.Store) -> Analysis:
    """The ``fleet`` view: the newest snapshot of every cluster context, side by side."""
    newest = [db.list_snapshots(cluster_context=c, limit=1)[0] for c in db.contexts()]
    if not newest:
        raise errors.SnapshotNotFoundError(f"no snapshots in {db.path}")
    latest = [db.get_snapshot(s.id) for s in newest]
    findings, tables = fleet.analyze(latest)
    return Analysis("fleet", "*", None, base.ranked(findings), tuple(tables))  # *: every one


def check_view(view: str) -> None:
    """Refuse an unknown view, naming the ones there are: before anything is opened."""
    if view not in VIEWS:
        raise errors.UsageError(f"unknown view {view!r}: expected one of {', '.join(VIEWS)}")


def _snapshot_id(db: store.Store, snapshot_id: int | None, cluster_context: str | None) -> int:
    if snapshot_id is not None:
        return snapshot_id
    newest = db.list_snapshots(cluster_context=cluster_context, limit=1)
    if not newest:
        where = f" of cluster context {cluster_context!r}" if cluster_context else ""
        raise errors.SnapshotNotFoundError(f"no snapshots{where} in {db.path}")
    return newest[0].id
