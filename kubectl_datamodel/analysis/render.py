"""An ``Analysis`` for people: terminal tables, a one-line summary, and Markdown.

The JSON document is ``Analysis.as_dict`` in the envelope; this module only decides how the
same data reads. Everything from a cluster goes through ``drift_report.escape`` in Markdown (a
report may be posted where others read it: a name could carry a link or a mention).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubectl_datamodel import analysis, drift_report, report
from kubectl_datamodel.analysis import base
from kubectl_datamodel.analysis.base import Analysis, Level

ICONS = {Level.CRITICAL: "🔴", Level.WARNING: "🟠", Level.INFO: "🔵"}
LEVELS = (Level.CRITICAL, Level.WARNING, Level.INFO)


def cell(column: str, value: Any) -> str:
    """A table value as text: unknown as "-", booleans as yes/no, ``*_bytes`` in KiB/MiB."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.endswith("_bytes") and isinstance(value, int):
        return report.human_bytes(value)
    return str(value)


def tables(result: Analysis) -> list[report.Table]:
    """The findings (when there are any), then the view's own tables."""
    found: list[report.Table] = []
    if result.findings:
        rows = [[f.level.label, f.rule, f.subject, f.message] for f in result.findings]
        found.append(report.Table(["LEVEL", "RULE", "SUBJECT", "MESSAGE"], rows, title="Findings"))
    for table in result.tables:
        columns = [c.replace("_", " ").upper() for c in table.columns]
        rows = [[cell(c, v) for c, v in zip(table.columns, row, strict=True)] for row in table.rows]
        found.append(report.Table(columns, rows, title=table.title))
    return found


def summary_line(result: Analysis) -> str:
    """One line for the terminal: what was analysed and, for a view with rules, the findings
    per level."""
    return _summary(result, lambda text: text)


def _summary(result: Analysis, show: Callable[[str], str]) -> str:
    context = show(result.cluster_context)
    if result.view == "history":
        count = len(next((t.rows for t in result.tables if t.name == "counts"), ()))
        return f"history: {_plural(count, 'snapshot')} of context {context}"
    snapshot = result.snapshot
    where = f"snapshot {snapshot.id} of context {context}" if snapshot else f"context {context}"
    if not analysis.RULES[result.view]:
        return f"{result.view}: {where}"
    if not result.findings:
        return f"{result.view}: no findings in {where}"
    counts = ", ".join(_level_count(result.count(level), level) for level in LEVELS)
    return f"{result.view}: {counts} in {where}"


def markdown(result: Analysis) -> str:
    """A heading, the summary, the findings, then every table of the view."""
    blocks = [
        f"### kubectl-datamodel analysis: {result.view}",
        _summary(result, drift_report.escape),
    ]
    if result.findings:
        lines = ["| level | rule | subject | message |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {ICONS[f.level]} {f.level.label} | `{f.rule}` | {drift_report.escape(f.subject)} | "
            f"{drift_report.escape(f.message)} |"
            for f in result.findings
        ]
        blocks.append("\n".join(lines))
    blocks += [_markdown_table(table) for table in result.tables]
    return "\n\n".join(blocks) + "\n"


def _markdown_table(table: base.Table) -> str:
    heading = f"#### {drift_report.escape(table.title)}"
    if not table.rows:
        return f"{heading}\n\nNone."
    lines = [
        "| " + " | ".join(drift_report.escape(c) for c in table.columns) + " |",
        "| " + " | ".join("---" for _ in table.columns) + " |",
    ]
    for row in table.rows:
        cells = (drift_report.escape(cell(c, v)) for c, v in zip(table.columns, row, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
    return heading + "\n\n" + "\n".join(lines)


def _level_count(count: int, level: Level) -> str:
    """Only warning takes a plural: 1 critical, 3 warnings, 12 info."""
    return _plural(count, "warning") if level is Level.WARNING else f"{count} {level.label}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
