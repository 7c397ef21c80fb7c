"""One cluster context as a single self-contained HTML page (`kubectl datamodel report --html`).

This module gathers and shapes; it computes nothing of its own. The latest snapshot's overview
and findings and the context's history come from ``analysis``, the drift between the last two
snapshots from ``drift`` (as `diff` computes it), the pictures from ``charts``, and
``templating`` renders it all through ``templates/report.html.j2`` with autoescaping on.

The page needs nothing from the network: CSS is inline, charts are inline SVG, there is no
script, and its Content-Security-Policy forbids loading anything, so even a value that slipped
through escaping could neither run nor fetch.
The same database gives the same bytes: the page holds no time of its own making.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kubectl_datamodel import __version__, analysis, drift, errors, k8s, model, store
from kubectl_datamodel.drift import changes, sides
from kubectl_datamodel.drift import summary as drift_summary
from kubectl_datamodel.drift.rules import catalog
from kubectl_datamodel.render import charts, templating, text
from kubectl_datamodel.render import drift as drift_text
from kubectl_datamodel.store import refs

TEMPLATE = "report.html.j2"
FINDING_VIEWS = ("security", "resources", "deprecations")
COUNT_SERIES = (("crds", "CRDs"), ("operators", "operators"), ("csvs", "CSVs"))
X_LABEL = "snapshot taken (UTC)"
CLUSTER_TABLE = "cluster"  # the overview's (field, value) table, drawn as a list


@dataclasses.dataclass(frozen=True)
class Report:
    """The page, and what it is of, for the command's one line."""

    html: str
    cluster_context: str
    snapshot_id: int  # the latest snapshot of the context
    snapshot_count: int


@dataclasses.dataclass(frozen=True)
class DriftView:
    """The drift as `diff` shows it, in its order: the summary, a line per component, the
    breaking changes with what they hit and why, then warnings and info folded."""

    summary: str
    notes: tuple[str, ...]
    components: model.Table
    breaking: model.Table
    why: tuple[tuple[str, str], ...]  # (rule, why it breaks)
    folded: tuple[model.Table, ...]  # warnings, then info, folded per component and rule


def build(
    db: store.Store, cluster_context: str | None = None, say: Callable[[str], None] | None = None
) -> Report:
    """The report of ``cluster_context`` (default: the context `latest` means, see refs)."""
    context = choose_context(db, cluster_context, say)
    newest = db.list_snapshots(cluster_context=context, limit=2)
    latest = newest[0]
    overview, *views, history = analysis.analyze_all(
        db, ("overview", *FINDING_VIEWS, "history"), latest.id, context
    )
    findings = [finding for view in views for finding in view.findings]
    tables = {t.name: t for t in history.tables}
    counts = tables["counts"]
    page = {
        "version": __version__,
        "cell": text.cell,
        "context": context,
        "latest": latest,
        "cluster_info": cluster_fields(overview),
        "overview_tables": [t for t in overview.tables if t.name != CLUSTER_TABLE],
        "findings": sorted(findings, key=lambda f: (-f.level, f.view, f.rule, f.subject)),
        "finding_counts": _finding_counts(findings),
        "finding_tables": [t for view in views for t in view.tables],
        "count_charts": count_charts(counts),
        "counts_table": counts,
        "version_timeline": version_timeline(counts, tables["operator_versions"]),
        "crd_versions": tables["crd_versions"],
        "drift": drift_view(_drift(db, newest, context)) if len(newest) > 1 else None,
        "previous": newest[1] if len(newest) > 1 else None,
        "fleet": analysis.analyze_fleet(db) if len(db.contexts()) > 1 else None,
    }
    return Report(
        html=templating.render_html(TEMPLATE, page),
        cluster_context=context,
        snapshot_id=latest.id,
        snapshot_count=len(counts.rows),
    )


def choose_context(
    db: store.Store, given: str | None, say: Callable[[str], None] | None = None
) -> str:
    """``given`` if the database holds snapshots of it, else the default `latest` counts
    from; an unknown context is an error naming the ones there are."""
    if given is None:
        return refs.default_context(db, say)
    if db.list_snapshots(cluster_context=given, limit=1):
        return given
    known = sorted({s.cluster_context for s in db.list_snapshots()})
    if not known:
        return refs.default_context(db)  # raises: the database holds no snapshots
    raise errors.SnapshotNotFoundError(
        f"no snapshots of cluster context {given!r} in {db.path}; it holds "
        + ", ".join(repr(k) for k in known)
    )


def cluster_fields(overview: analysis.Analysis) -> list[tuple[str, str]]:
    """The overview's ``cluster`` table as (field, value) pairs, unknowns left out, and the
    snapshot's notes."""
    fields = [
        (str(field).replace("_", " "), text.cell(value))
        for table in overview.tables
        if table.name == CLUSTER_TABLE
        for field, value in table.rows
        if value is not None and value != ""
    ]
    notes = overview.snapshot.notes if overview.snapshot is not None else None
    if notes and "notes" not in dict(fields):
        fields.append(("notes", notes))
    return fields


def _finding_counts(findings: Iterable[analysis.Finding]) -> list[tuple[str, int]]:
    found = list(findings)
    return [
        (level.label, sum(1 for f in found if f.level == level))
        for level in analysis.Level.descending()
    ]


# -- charts ---------------------------------------------------------------------------------------


def count_charts(counts: model.Table) -> list[str]:
    """A line chart per count (CRDs, operators, CSVs), one point per snapshot, oldest first:
    three scales, so 3 CSVs are not a flat line under 60 CRDs."""
    column = {name: index for index, name in enumerate(counts.columns)}
    ticks = [
        tick_label(row[column["snapshot_id"]], row[column["timestamp"]]) for row in counts.rows
    ]
    names = [
        f"snapshot {row[column['snapshot_id']]} ({row[column['timestamp']]})" for row in counts.rows
    ]
    svgs = []
    for key, noun in COUNT_SERIES:
        values = tuple(_count(row[column[key]]) for row in counts.rows)
        svgs.append(
            charts.line_chart(
                f"{noun[0].upper()}{noun[1:]} per snapshot",
                ticks,
                [charts.Series(noun, values)],
                y_label=noun,
                x_label=X_LABEL,
                point_labels=names,
            )
        )
    return svgs


def tick_label(snapshot_id: Any, timestamp: Any) -> str:
    """``#2``, the date and the time, on three lines: 2026-11-22T03:59:13Z is too wide."""
    return f"#{snapshot_id}\n" + str(timestamp).replace("T", "\n", 1)


def _count(value: Any) -> float | None:
    return float(value) if model.is_number(value) else None


def version_timeline(counts: model.Table, versions: model.Table) -> str | None:
    """A row per operator, a bar per version over the snapshots it was seen in; None when
    the context has no operators."""
    if not versions.rows:
        return None
    ids = [row[counts.columns.index("snapshot_id")] for row in counts.rows]
    timestamps = [row[counts.columns.index("timestamp")] for row in counts.rows]
    labels = [tick_label(i, t) for i, t in zip(ids, timestamps, strict=True)]
    position = {snapshot_id: index for index, snapshot_id in enumerate(ids)}
    rows: dict[str, list[charts.Bar]] = {}
    for record in (dict(zip(versions.columns, row, strict=True)) for row in versions.rows):
        operator = k8s.qualified(record["namespace"], record["operator"])
        version = record["version"] or "no version"
        first, last = record["first_snapshot_id"], record["last_snapshot_id"]
        tooltip = (
            f"{operator} {version}: snapshot {first} ({record['first_timestamp']}) to "
            f"snapshot {last} ({record['last_timestamp']})"
        )
        bar = charts.Bar(version, position[first], position[last], tooltip)
        rows.setdefault(operator, []).append(bar)
    return charts.timeline(
        "Operator versions",
        labels,
        [charts.Row(name, tuple(bars)) for name, bars in sorted(rows.items())],
        x_label=X_LABEL,
    )


# -- drift ----------------------------------------------------------------------------------------


def _drift(
    db: store.Store, newest: Sequence[model.SnapshotSummary], context: str
) -> changes.DriftReport:
    """What `kubectl datamodel diff` reports for the context's latest two snapshots."""
    old = sides.stored(db, newest[1].id, f"{context}@latest~1")
    new = sides.stored(db, newest[0].id, f"{context}@latest")
    return drift.diff(old, new)


def drift_view(report: changes.DriftReport) -> DriftView:
    rules = drift_summary.rules_of(drift_summary.breaking(report))
    folded = (
        drift_text.folded_table(report, changes.Severity.WARNING),
        drift_text.folded_table(report, changes.Severity.INFO),
    )
    return DriftView(
        summary=drift_text.summary_line(report),
        notes=report.notes,
        components=drift_text.components_table(report),
        breaking=drift_text.breaking_table(report),
        why=tuple((rule, catalog.why(rule)) for rule in rules if catalog.why(rule)),
        folded=tuple(table for table in folded if table.rows),
    )
